//! Authoring without YAML, in headless Chromium on both databases: the
//! editor changes one control through its form into an amendment, the
//! reviewer comments on a paragraph by following its "Comment" link and
//! suggests a wording, and the editor applies the suggestion with one
//! click. The pages carry no script, so this is the path that works
//! without JavaScript.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::CatalogSet;
use charta_domain::ballot::Rules;
use charta_store::testing::TestDb;
use charta_store::{both_backends, import_group_text, import_spec_text};
use charta_tests::pages::{PAGE, assert_no_scripts, follow, sign_in, sign_out, submit, text_of};
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
        let catalogs = CatalogSet::builtin().unwrap();
        import_group_text(&db.store, GROUP, "test").await.unwrap();
        import_spec_text(&db.store, &catalogs, V1, "first draft", "test").await.unwrap();
        charta_web::auth::demo::seed_people(&db.store, "wg").await.unwrap();
        let wg = db.store.group("wg").await.unwrap();
        let rules = Rules { amendment_ballot_required: false, ..Rules::default() };
        db.store.set_group_rules(wg.id, "wg", &rules, None, "test").await.unwrap();
        let server = Server::start_with(|base| {
            let config = WebConfig { demo: true, public_url: base, ..WebConfig::default() };
            AppState::new(db.store.clone(), Arc::new(catalogs), config)
        })
        .await
        .unwrap();
        let base = server.base();
        let c: &Client = &browser;

        // (1) The editor opens the control's form from its page, raises its
        // level and shortens the deadline, and opens it for review.
        sign_in(c, &base, "Eli Okafor", "/specs/author-demo/controls/AU-VM-01").await;
        follow(c, "main", "Propose a change to AU-VM-01", "#c-statement").await;
        assert_no_scripts(c, "the control form").await;
        c.find(Locator::Css("#c-level option[value='3']")).await.unwrap().click().await.unwrap();
        let statement = c.find(Locator::Id("c-statement")).await.unwrap().prop("value").await.unwrap().unwrap();
        set_value(c, "c-statement", &statement.replace("ninety", "sixty")).await;
        set_value(c, "a-title", "Fix sooner, at level 3").await;
        c.find(Locator::Css("input[name='open']")).await.unwrap().click().await.unwrap();
        submit(c, "main form", "Propose this change", "section.change#AU-VM-01").await;
        assert_eq!(c.current_url().await.unwrap().path(), "/specs/author-demo/amendments/1");
        let redline = text_of(c, "section.change#AU-VM-01").await;
        assert!(redline.contains("2 → 3"), "the level reads 2 → 3: {redline}");
        assert!(redline.contains("sixty"), "{redline}");
        sign_out(c).await;

        // (2) The reviewer follows the paragraph's Comment link: the form
        // opens on its lines; a comment with a suggested wording lands on
        // its new thread.
        sign_in(c, &base, "Riya Menon", "/specs/author-demo/amendments/1").await;
        let old = c.find(Locator::Css("main")).await.unwrap();
        c.find(Locator::Css("section.change#AU-VM-01 a.comment-here")).await.unwrap().click().await.unwrap();
        while old.tag_name().await.is_ok() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let form = c.wait().at_most(PAGE).for_element(Locator::Css("details#comment-AU-VM-01[open]")).await.unwrap();
        assert_eq!(c.find(Locator::Id("a-AU-VM-01")).await.unwrap().prop("value").await.unwrap().as_deref(), Some("1"));
        assert_eq!(c.find(Locator::Id("b-AU-VM-01")).await.unwrap().prop("value").await.unwrap().as_deref(), Some("2"));
        c.find(Locator::Id("t-AU-VM-01")).await.unwrap().send_keys("Sixty days is still long for a fix.").await.unwrap();
        set_value(c, "s-AU-VM-01", "The project MUST track every accepted report until it is fixed.\nFixes MUST be released within thirty days.").await;
        charta_tests::pages::click_button(&form, "Comment").await;
        let (path, fragment) = wait_for_fragment(c, "thread-").await;
        assert_eq!(path, "/specs/author-demo/amendments/1");
        let thread = c.wait().at_most(PAGE).for_element(Locator::Css(&format!("#{fragment}"))).await.unwrap();
        assert!(thread.text().await.unwrap().contains("Suggested wording"));
        sign_out(c).await;

        // (3) The editor applies it with one click: revision 2 reads thirty.
        sign_in(c, &base, "Eli Okafor", "/specs/author-demo/amendments/1").await;
        submit(c, "div.suggestion", "Apply this suggestion", "ol.revisions > li[value='2']").await;
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
    };
}
