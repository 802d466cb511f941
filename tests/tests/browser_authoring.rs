//! Authoring without YAML, in headless Chromium on both databases: the
//! editor changes one control through its form into an amendment; the
//! reviewer comments where they read (the form opens in place under a
//! paragraph, a selection across paragraphs takes them all, the older side
//! of the split view takes comments on removed wording) and suggests a
//! wording, and the editor applies the suggestion with one click. The same
//! story is then read with scripts turned off, where each "Comment" link
//! opens the form by loading the page.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::CatalogSet;
use charta_domain::ballot::Rules;
use charta_store::testing::TestDb;
use charta_store::{both_backends, import_group_text, import_spec_text};
use charta_tests::pages::{
    PAGE, assert_no_inline_scripts, follow, sign_in, sign_out, submit, text_of,
};
use charta_tests::{Browser, Server};
use charta_web::{AppState, WebConfig};
use fantoccini::{Client, Locator};
use std::sync::Arc;
use std::time::{Duration, Instant};

const GROUP: &str = "\
group: wg
name: Authoring Working Group
members:
  - slug: aurora
    name: Aurora Foundation
  - slug: borealis
    name: Borealis Foundation
  - slug: cobalt
    name: Cobalt Open Source Foundation
";

const V1: &str = "\
spec: author-demo
group: wg
title: Authoring Demo Baseline
summary: A baseline for the authoring browser test.
sections:
  - id: VM
    title: Vulnerability management
controls:
  - id: AU-VM-01
    section: VM
    title: Fix vulnerabilities
    level: 2
    status: active
    statement: |
      The project MUST track every accepted report until it is fixed.

      Fixes MUST be released within ninety days.
";

/// Clicks `element` with the shift key held, as a reader widening a range.
async fn shift_click(c: &Client, element: &fantoccini::elements::Element) {
    let args = vec![serde_json::to_value(element).unwrap()];
    c.execute(
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, shiftKey: true}));",
        args,
    )
    .await
    .unwrap();
}

/// Selects the text from the start of `first` to the end of `last`, and
/// lets go of the mouse, as a reader selecting across paragraphs.
async fn select_across(
    c: &Client,
    first: &fantoccini::elements::Element,
    last: &fantoccini::elements::Element,
) {
    let args = vec![
        serde_json::to_value(first).unwrap(),
        serde_json::to_value(last).unwrap(),
    ];
    c.execute(
        "const r = document.createRange(); r.setStart(arguments[0], 0); r.setEnd(arguments[1], arguments[1].childNodes.length);
         const s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
         arguments[1].dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));",
        args,
    )
    .await
    .unwrap();
}

/// Waits until `page` (an element of the page before a click) is gone:
/// the click loaded a new page.
async fn wait_for_reload(page: &fantoccini::elements::Element) {
    let started = Instant::now();
    while page.tag_name().await.is_ok() {
        assert!(started.elapsed() < PAGE, "the page was not reloaded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The value of the form field with `id`.
async fn value_of(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Starts the authoring demo (group, specification, demo people, no ballot
/// needed to merge) on `db`, served on loopback.
async fn start(db: &TestDb) -> Server {
    let catalogs = CatalogSet::builtin().unwrap();
    import_group_text(&db.store, GROUP, "test").await.unwrap();
    import_spec_text(&db.store, &catalogs, V1, "first draft", "test")
        .await
        .unwrap();
    charta_web::auth::demo::seed_people(&db.store, "wg")
        .await
        .unwrap();
    let wg = db.store.group("wg").await.unwrap();
    let rules = Rules {
        amendment_ballot_required: false,
        ..Rules::default()
    };
    db.store
        .set_group_rules(wg.id, "wg", &rules, None, "test")
        .await
        .unwrap();
    Server::start_with(|base| {
        let config = WebConfig {
            demo: true,
            public_url: base,
            ..WebConfig::default()
        };
        AppState::new(db.store.clone(), Arc::new(catalogs), config)
    })
    .await
    .unwrap()
}

/// The editor proposes, through the control's form, level 3 and sixty
/// days, and opens it for review as amendment 1.
async fn propose_sixty_days(c: &Client, base: &str) {
    sign_in(
        c,
        base,
        "Eli Okafor",
        "/specs/author-demo/controls/AU-VM-01",
    )
    .await;
    follow(c, "main", "Propose a change to AU-VM-01", "#c-statement").await;
    assert_no_inline_scripts(c, "the control form").await;
    c.find(Locator::Css("#c-level option[value='3']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let statement = value_of(c, "c-statement").await;
    let field = c.find(Locator::Id("c-statement")).await.unwrap();
    field.clear().await.unwrap();
    field
        .send_keys(&statement.replace("ninety", "sixty"))
        .await
        .unwrap();
    c.find(Locator::Id("a-title"))
        .await
        .unwrap()
        .send_keys("Fix sooner, at level 3")
        .await
        .unwrap();
    c.find(Locator::Css("input[name='open']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(
        c,
        "main form",
        "Propose this change",
        "section.change#AU-VM-01",
    )
    .await;
    assert_eq!(
        c.current_url().await.unwrap().path(),
        "/specs/author-demo/amendments/1"
    );
    let redline = text_of(c, "section.change#AU-VM-01").await;
    assert!(
        redline.contains("2 → 3"),
        "the level reads 2 → 3: {redline}"
    );
    assert!(redline.contains("sixty"), "{redline}");
    sign_out(c).await;
}

/// Sets a form field's value as a person typing it would, in one step.
async fn set_value(c: &Client, id: &str, value: &str) {
    let field = c.find(Locator::Id(id)).await.unwrap();
    let args = vec![serde_json::to_value(&field).unwrap(), value.into()];
    c.execute("arguments[0].value = arguments[1];", args)
        .await
        .unwrap();
}

/// Waits until the current URL has a fragment starting with `prefix`;
/// returns its path and fragment.
async fn wait_for_fragment(c: &Client, prefix: &str) -> (String, String) {
    let started = Instant::now();
    loop {
        let u = c.current_url().await.unwrap();
        if let Some(f) = u.fragment().filter(|f| f.starts_with(prefix)) {
            return (u.path().to_string(), f.to_string());
        }
        assert!(started.elapsed() < PAGE, "no #{prefix}…: still at {u}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

both_backends! {
    a_control_is_edited_commented_on_and_a_suggestion_applied => |db: TestDb| async move {
        let Some(browser) = Browser::launch().await else { return };
        let server = start(&db).await;
        let base = server.base();
        let c: &Client = &browser;

        // (1) The editor changes one control through its form.
        propose_sixty_days(c, &base).await;

        // (2) The reviewer clicks the second paragraph's Comment link: the
        // form opens right under it, on its line, without leaving the page.
        sign_in(c, &base, "Riya Menon", "/specs/author-demo/amendments/1").await;
        assert_no_inline_scripts(c, "the amendment page").await;
        let statement = "section.change#AU-VM-01 .redline";
        let links = c.find_all(Locator::Css(&format!("{statement} a.comment-here"))).await.unwrap();
        assert_eq!(links.len(), 2, "a link per paragraph");
        let page = c.find(Locator::Css("main")).await.unwrap();
        links[1].click().await.unwrap();
        let form = c.wait().at_most(PAGE).for_element(Locator::Css(&format!("{statement} details#comment-AU-VM-01[open]"))).await.unwrap();
        assert!(page.tag_name().await.is_ok(), "the page was not reloaded");
        assert_eq!((value_of(c, "a-AU-VM-01").await, value_of(c, "b-AU-VM-01").await), ("3".into(), "3".into()));
        assert_eq!(text_of(c, "#comment-AU-VM-01 .comment-where").await, "On line 3 of the statement:");
        assert!(text_of(c, "#comment-AU-VM-01 .comment-quote").await.contains("within sixty days"));
        // A shift-click on the first paragraph's link widens it to both.
        shift_click(c, &links[0]).await;
        assert_eq!((value_of(c, "a-AU-VM-01").await, value_of(c, "b-AU-VM-01").await), ("1".into(), "3".into()));
        // So does selecting across both paragraphs and taking the button.
        links[1].click().await.unwrap();
        let blocks = c.find_all(Locator::Css(&format!("{statement} .block"))).await.unwrap();
        select_across(c, &blocks[0], &blocks[1]).await;
        c.wait().at_most(PAGE).for_element(Locator::Css("button.comment-selection")).await.unwrap().click().await.unwrap();
        assert_eq!((value_of(c, "a-AU-VM-01").await, value_of(c, "b-AU-VM-01").await), ("1".into(), "3".into()));
        let quote = text_of(c, "#comment-AU-VM-01 .comment-quote").await;
        assert!(quote.contains("until it is fixed") && quote.contains("within sixty days"), "{quote}");
        c.find(Locator::Id("t-AU-VM-01")).await.unwrap().send_keys("Sixty days is still long for a fix.").await.unwrap();
        set_value(c, "s-AU-VM-01", "The project MUST track every accepted report until it is fixed.\n\nFixes MUST be released within thirty days.").await;
        charta_tests::pages::click_button(&form, "Comment").await;
        let (path, fragment) = wait_for_fragment(c, "thread-").await;
        assert_eq!(path, "/specs/author-demo/amendments/1");
        let thread = c.wait().at_most(PAGE).for_element(Locator::Css(&format!("#{fragment}"))).await.unwrap();
        assert!(thread.text().await.unwrap().contains("Suggested wording"));
        // The thread shows at its lines in the redline, with its state.
        let mark = text_of(c, &format!("{statement} a.thread-mark[href='#{fragment}']")).await;
        assert!(mark.contains("(open)"), "{mark}");

        // (2b) Side by side, the older side takes comments on the wording
        // the amendment removes.
        c.goto(&format!("{base}/specs/author-demo/amendments/1?view=split")).await.unwrap();
        let old = c.wait().at_most(PAGE).for_element(Locator::Css("section.change#AU-VM-01 .redline.old a.comment-here[data-first='3']")).await.unwrap();
        old.click().await.unwrap();
        let form = c.wait().at_most(PAGE).for_element(Locator::Css("section.change#AU-VM-01 .redline.old details#comment-AU-VM-01[open]")).await.unwrap();
        assert_eq!(text_of(c, "#comment-AU-VM-01 .comment-where").await, "On line 3 of the statement of the base version:");
        assert!(text_of(c, "#comment-AU-VM-01 .comment-quote").await.contains("within ninety days"));
        c.find(Locator::Id("t-AU-VM-01")).await.unwrap().send_keys("Ninety days matched the disclosure policy.").await.unwrap();
        charta_tests::pages::click_button(&form, "Comment").await;
        let (_, fragment) = wait_for_fragment(c, "thread-").await;
        let thread = c.wait().at_most(PAGE).for_element(Locator::Css(&format!("#{fragment}"))).await.unwrap();
        let said = thread.text().await.unwrap();
        assert!(said.contains("of the base version") && said.contains("within ninety days"), "{said}");
        sign_out(c).await;

        // (3) The editor applies it with one click: revision 2 reads thirty.
        sign_in(c, &base, "Eli Okafor", "/specs/author-demo/amendments/1").await;
        submit(c, "div.suggestion", "Apply this suggestion", "ol.revisions > li[value='2']").await;
        assert_no_inline_scripts(c, "the amendment page").await;
        let redline = text_of(c, "section.change#AU-VM-01").await;
        assert!(redline.contains("thirty"), "{redline}");
        let revisions = text_of(c, "ol.revisions").await;
        assert!(revisions.contains("Applied suggestions by Riya Menon"), "{revisions}");
        assert!(text_of(c, "div.suggestion").await.contains("applied in revision 2"));

        // (4) A new control from the specification's page, kept as a draft.
        c.goto(&format!("{base}/specs/author-demo")).await.unwrap();
        follow(c, "main", "Add a control to Vulnerability management", "#c-id").await;
        set_value(c, "c-id", "AU-VM-02").await;
        set_value(c, "c-title", "Track fixes publicly").await;
        set_value(c, "c-statement", "The project MUST track fixes in a public tracker.").await;
        set_value(c, "a-title", "Track fixes in public, instead of AU-VM-01").await;
        submit(c, "main form", "Propose this change", "section.change#AU-VM-02").await;
        assert_eq!(c.current_url().await.unwrap().path(), "/specs/author-demo/amendments/2");
        assert!(text_of(c, "main").await.contains("Draft"));

        // (5) The old control is withdrawn in favour of the new one, in the
        // same draft: its form offers the draft as the place to add it.
        c.goto(&format!("{base}/specs/author-demo/controls/AU-VM-01/edit")).await.unwrap();
        c.wait().at_most(PAGE).for_element(Locator::Css("#c-status")).await.unwrap();
        c.find(Locator::Css("#c-status option[value='withdrawn']")).await.unwrap().click().await.unwrap();
        set_value(c, "c-replaced", "AU-VM-02").await;
        c.find(Locator::Css("input[name='into'][value='2']")).await.unwrap().click().await.unwrap();
        submit(c, "main form", "Propose this change", "section.change#AU-VM-01").await;
        assert_eq!(c.current_url().await.unwrap().path(), "/specs/author-demo/amendments/2");
        let redline = text_of(c, "section.change#AU-VM-01").await;
        assert!(redline.contains("active → withdrawn"), "{redline}");
        let revisions = text_of(c, "ol.revisions").await;
        assert!(revisions.contains("Edit AU-VM-01"), "{revisions}");
        // The list of changed controls at the top leads to each one.
        c.goto(&format!("{base}/specs/author-demo/amendments/2")).await.unwrap();
        let list = text_of(c, "nav.changed-controls").await;
        assert!(list.contains("AU-VM-01") && list.contains("AU-VM-02"), "{list}");
        c.find(Locator::Css("nav.changed-controls a[href='#AU-VM-01']")).await.unwrap().click().await.unwrap();
        assert_eq!(wait_for_fragment(c, "AU-VM-01").await.1, "AU-VM-01");
    };
}

both_backends! {
    without_scripts_each_comment_link_opens_the_form_on_its_lines => |db: TestDb| async move {
        let Some(browser) = Browser::launch_with(false).await else { return };
        let server = start(&db).await;
        let base = server.base();
        let c: &Client = &browser;
        propose_sixty_days(c, &base).await;

        // The link loads the page with the form open on its lines, quoted.
        sign_in(c, &base, "Riya Menon", "/specs/author-demo/amendments/1").await;
        let page = c.find(Locator::Css("main")).await.unwrap();
        let links = c.find_all(Locator::Css("section.change#AU-VM-01 .redline a.comment-here")).await.unwrap();
        links[1].click().await.unwrap();
        wait_for_reload(&page).await;
        let form = c.wait().at_most(PAGE).for_element(Locator::Css("details#comment-AU-VM-01[open]")).await.unwrap();
        assert_eq!(text_of(c, "#comment-AU-VM-01 .comment-where").await, "On line 3 of the statement:");
        assert!(text_of(c, "#comment-AU-VM-01 .comment-quote").await.contains("within sixty days"));
        assert_eq!((value_of(c, "a-AU-VM-01").await, value_of(c, "b-AU-VM-01").await), ("3".into(), "3".into()));
        c.find(Locator::Id("t-AU-VM-01")).await.unwrap().send_keys("Why sixty?").await.unwrap();
        charta_tests::pages::click_button(&form, "Comment").await;
        let (_, fragment) = wait_for_fragment(c, "thread-").await;
        let thread = c.wait().at_most(PAGE).for_element(Locator::Css(&format!("#{fragment}"))).await.unwrap();
        assert!(thread.text().await.unwrap().contains("Why sixty?"));
        let mark = text_of(c, &format!("section.change#AU-VM-01 .redline a.thread-mark[href='#{fragment}']")).await;
        assert!(mark.contains("(open)"), "{mark}");

        // Side by side, the older side's link does the same for its text.
        c.goto(&format!("{base}/specs/author-demo/amendments/1?view=split")).await.unwrap();
        let page = c.wait().at_most(PAGE).for_element(Locator::Css("main")).await.unwrap();
        c.find(Locator::Css("section.change#AU-VM-01 .redline.old a.comment-here[data-first='3']")).await.unwrap().click().await.unwrap();
        wait_for_reload(&page).await;
        c.wait().at_most(PAGE).for_element(Locator::Css("details#comment-AU-VM-01[open]")).await.unwrap();
        assert_eq!(text_of(c, "#comment-AU-VM-01 .comment-where").await, "On line 3 of the statement of the base version:");
        assert_eq!(c.current_url().await.unwrap().query(), Some("view=split&comment=AU-VM-01:statement:3-3&on=base"));
    };
}
