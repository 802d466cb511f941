//! An amendment from proposal to merge in headless Chromium, on both
//! databases, with demo people taking turns: the editor proposes a change,
//! the reviewer objects to one line of it, the editor revises another
//! control (the objection stays on its line) and then rewords the line
//! (the objection goes outdated), the reviewer withdraws the objection and
//! the chair merges the amendment into version 2.
//!
//! The HTTP tests in `charta-web` check each step's request and answer; this
//! one checks that the forms on the pages submit what those requests send,
//! that the `<details>` disclosures open onto usable forms, and that signing
//! in and out as different people works through the pages.

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
    PAGE, assert_no_inline_scripts, click_button, follow, sign_in, sign_out, submit, text_of,
};
use charta_tests::{Browser, Server};
use charta_web::{AppState, WebConfig};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use std::sync::Arc;
use std::time::Instant;

/// The demo people reference the organisations `aurora`, `borealis` and
/// `cobalt`, so the group has all three.
const GROUP: &str = "\
group: wg
name: Amendment Working Group
description: Writes specs for the amendment browser test.
members:
  - slug: aurora
    name: Aurora Foundation
  - slug: borealis
    name: Borealis Foundation
  - slug: cobalt
    name: Cobalt Open Source Foundation
";

/// Version 1. Each statement has two lines, so a comment can sit on line 2.
const V1: &str = "\
spec: amend-demo
group: wg
title: Amendment Demo Baseline
summary: A baseline for the amendment browser test.
sections:
  - id: VM
    title: Vulnerability management
controls:
  - id: AM-VM-01
    section: VM
    title: Acknowledge reports
    level: 1
    status: active
    statement: |
      The project MUST publish how to report vulnerabilities privately.
      Reports MUST be acknowledged within fourteen days.
    mappings:
      - target: CRA:AnnexI.P2.5
        relationship: subset
        rationale: Acknowledging is part of coordinated disclosure.
  - id: AM-VM-02
    section: VM
    title: Fix vulnerabilities
    level: 2
    status: active
    statement: |
      The project MUST track every accepted report until it is fixed.
      Fixes MUST be released within ninety days.
  - id: AM-VM-03
    section: VM
    title: Publish advisories
    level: 2
    status: active
    statement: |
      The project MUST publish an advisory for every fixed vulnerability.
      Advisories MUST name the affected versions.
";

const SPEC: &str = "/specs/amend-demo";
const AMENDMENT: &str = "/specs/amend-demo/amendments/1";

/// Line 2 of AM-VM-01's statement as revision 1 proposes it.
const PROPOSED_LINE: &str = "Reports MUST be acknowledged within seven days.";

/// How [`edit_textarea`] puts the edited text into the textarea.
#[derive(Clone, Copy)]
enum Entry {
    /// Cleared and typed key by key, as a person would; seconds for a
    /// specification of 1 KB.
    Typed,
    /// Set through WebDriver's `execute`. Pages may carry no script (the CSP
    /// forbids it) but WebDriver's are not the page's.
    Set,
}

/// Replaces `from`, which must occur exactly once, with `to` in a textarea.
async fn edit_textarea(c: &Client, textarea: &Element, from: &str, to: &str, entry: Entry) {
    let text = textarea.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} occurs once in the textarea:\n{text}"
    );
    let edited = text.replace(from, to);
    match entry {
        Entry::Typed => {
            textarea.clear().await.unwrap();
            textarea.send_keys(&edited).await.unwrap();
        }
        Entry::Set => {
            let args = vec![
                serde_json::to_value(textarea).unwrap(),
                edited.clone().into(),
            ];
            c.execute("arguments[0].value = arguments[1];", args)
                .await
                .unwrap();
        }
    }
    assert_eq!(
        textarea.prop("value").await.unwrap().as_deref(),
        Some(edited.as_str()),
        "the textarea holds the edited text"
    );
}

/// Posts a revision through the "Post a new revision" form, replacing
/// `from` with `to`, and waits for the page to list it as revision `number`.
async fn post_revision(c: &Client, message: &str, from: &str, to: &str, number: u32) {
    let details = c.find(Locator::Css("details.revise")).await.unwrap();
    details
        .find(Locator::Css("summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    details
        .find(Locator::Id("rev-msg"))
        .await
        .unwrap()
        .send_keys(message)
        .await
        .unwrap();
    let content = details.find(Locator::Id("rev-content")).await.unwrap();
    // Typing was tested on the proposal; revisions save the time.
    edit_textarea(c, &content, from, to, Entry::Set).await;
    click_button(&details, "Post revision").await;
    let listed = format!("ol.revisions > li[value='{number}']");
    c.wait()
        .at_most(PAGE)
        .for_element(Locator::Css(&listed))
        .await
        .unwrap_or_else(|e| panic!("revision {number} not listed: {e}"));
    assert_eq!(c.current_url().await.unwrap().path(), AMENDMENT);
}

both_backends! {
    an_amendment_is_proposed_reviewed_revised_and_merged => |db: TestDb| async move {
        let Some(browser) = Browser::launch().await else { return };
        let started = Instant::now();

        let catalogs = CatalogSet::builtin().unwrap();
        import_group_text(&db.store, GROUP, "test").await.unwrap();
        import_spec_text(&db.store, &catalogs, V1, "first draft", "test").await.unwrap();
        charta_web::auth::demo::seed_people(&db.store, "wg").await.unwrap();
        // This story is about review, not ballots: the group lets amendments
        // merge without one.
        let wg = db.store.group("wg").await.unwrap();
        let rules = Rules { amendment_ballot_required: false, ..Rules::default() };
        db.store.set_group_rules(wg.id, "wg", &rules, None, "test").await.unwrap();
        // The public URL must be known before serving: it is the origin that
        // form posts are checked against.
        let server = Server::start_with(|base| {
            let config = WebConfig { demo: true, public_url: base, ..WebConfig::default() };
            AppState::new(db.store.clone(), Arc::new(catalogs), config)
        })
        .await
        .unwrap();
        let base = server.base();
        let c: &Client = &browser;

        // (1) The editor proposes shortening the acknowledgement time.
        sign_in(c, &base, "Eli Okafor", &format!("{SPEC}/amendments/new")).await;
        assert_no_inline_scripts(c, "the proposal form").await;
        c.find(Locator::Id("a-title")).await.unwrap().send_keys("Acknowledge reports sooner").await.unwrap();
        let content = c.find(Locator::Id("a-content")).await.unwrap();
        edit_textarea(c, &content, "within fourteen days", "within seven days", Entry::Typed).await;
        let form = c.find(Locator::Css("main form")).await.unwrap();
        click_button(&form, "Propose").await;
        let change = c.wait().at_most(PAGE).for_element(Locator::Css("section.change#AM-VM-01")).await.unwrap();
        assert_eq!(c.current_url().await.unwrap().path(), AMENDMENT);
        assert_no_inline_scripts(c, "the amendment page").await;
        assert_eq!(text_of(c, "main h1").await, "#1 Acknowledge reports sooner");
        let ins = change.find_all(Locator::Css(".redline.unified ins")).await.unwrap();
        let del = change.find_all(Locator::Css(".redline.unified del")).await.unwrap();
        assert_eq!(ins.len(), 1, "one inserted word");
        assert_eq!(del.len(), 1, "one deleted word");
        assert_eq!(ins[0].text().await.unwrap().trim(), "seven");
        assert_eq!(del[0].text().await.unwrap().trim(), "fourteen");
        assert!(
            c.find_all(Locator::Css("section.change#AM-VM-02")).await.unwrap().is_empty(),
            "the unchanged control is not in the redline"
        );
        sign_out(c).await;

        // (2) The reviewer objects to line 2 of the changed statement.
        sign_in(c, &base, "Riya Menon", AMENDMENT).await;
        let details = c.find(Locator::Css("section.change#AM-VM-01 details.line-comment")).await.unwrap();
        let summary = details.find(Locator::Css("summary")).await.unwrap();
        assert_eq!(summary.text().await.unwrap(), "Comment on AM-VM-01");
        summary.click().await.unwrap();
        // Lines can also be chosen by number, for those who know them.
        details.find(Locator::Css("details.pick-lines > summary")).await.unwrap().click().await.unwrap();
        let numbered = details.find(Locator::Css("ol.lines > li[value='2'] code")).await.unwrap();
        assert_eq!(numbered.text().await.unwrap(), PROPOSED_LINE, "line 2 as numbered for commenting");
        details.find(Locator::Id("f-AM-VM-01")).await.unwrap().select_by_value("statement").await.unwrap();
        for id in ["a-AM-VM-01", "b-AM-VM-01"] {
            let line = details.find(Locator::Id(id)).await.unwrap();
            line.clear().await.unwrap();
            line.send_keys("2").await.unwrap();
        }
        details
            .find(Locator::Id("t-AM-VM-01"))
            .await
            .unwrap()
            .send_keys("Seven days is too short for projects run by volunteers.")
            .await
            .unwrap();
        details.find(Locator::Css("input[type=checkbox][name=blocking]")).await.unwrap().click().await.unwrap();
        click_button(&details, "Comment").await;
        let thread = c
            .wait()
            .at_most(PAGE)
            .for_element(Locator::Css("section.change#AM-VM-01 article.thread.blocking"))
            .await
            .unwrap();
        assert_eq!(c.current_url().await.unwrap().path(), AMENDMENT);
        assert_eq!(thread.find(Locator::Css("pre.quote")).await.unwrap().text().await.unwrap(), PROPOSED_LINE);
        let anchor = thread.find(Locator::Css("header .anchor")).await.unwrap().text().await.unwrap();
        assert_eq!(anchor, "AM-VM-01 · statement · line 2 of revision 1");
        let comment = thread.find(Locator::Css(".comment")).await.unwrap().text().await.unwrap();
        assert!(comment.contains("Riya Menon") && comment.contains("too short"), "{comment}");
        let gate = text_of(c, "section.gate li.check-no-blocking-objections").await;
        assert!(gate.contains("1 open objection") && gate.contains("See the objection"), "{gate}");
        assert!(
            c.find_all(Locator::XPath("//a[normalize-space()='Merge into a new version…']")).await.unwrap().is_empty(),
            "a reviewer cannot merge"
        );
        sign_out(c).await;

        // (3) The editor revises another control: the objection keeps its line.
        sign_in(c, &base, "Eli Okafor", AMENDMENT).await;
        post_revision(c, "Shorten the fix deadline too", "within ninety days", "within sixty days", 2).await;
        assert_no_inline_scripts(c, "the amendment page").await;
        assert_eq!(c.find_all(Locator::Css("ol.revisions > li")).await.unwrap().len(), 2);
        assert!(text_of(c, "main h1 + p").await.contains("2 revisions"));
        c.find(Locator::Css("section.change#AM-VM-02")).await.unwrap();
        let thread = c.find(Locator::Css("section.change#AM-VM-01 article.thread")).await.unwrap();
        assert!(
            thread.find_all(Locator::Css(".badge.outdated")).await.unwrap().is_empty(),
            "the commented line is unchanged, so the thread is not outdated"
        );
        let header = thread.find(Locator::Css("header")).await.unwrap().text().await.unwrap();
        assert!(header.contains("now line 2 of revision 2"), "{header}");

        // Rewording the commented line makes the objection outdated.
        post_revision(c, "Count calendar days", "within seven days", "within seven calendar days", 3).await;
        let thread = c.find(Locator::Css("section.change#AM-VM-01 article.thread")).await.unwrap();
        let outdated = thread.find(Locator::Css(".badge.outdated")).await.unwrap().text().await.unwrap();
        assert_eq!(outdated, "outdated: these lines changed in a later revision");
        assert_eq!(thread.find(Locator::Css("pre.quote")).await.unwrap().text().await.unwrap(), PROPOSED_LINE, "the quote keeps the line as commented");
        sign_out(c).await;

        // (4) The reviewer withdraws the objection.
        sign_in(c, &base, "Riya Menon", AMENDMENT).await;
        let thread = c.find(Locator::Css("article.thread.blocking")).await.unwrap();
        click_button(&thread, "Resolve").await;
        c.wait().at_most(PAGE).for_element(Locator::Css("article.thread.blocking.resolved")).await.unwrap();
        let gate = text_of(c, "section.gate li.check-no-blocking-objections").await;
        assert!(gate.contains("No open objections"), "{gate}");
        sign_out(c).await;

        // (5) The chair merges it into version 2.
        sign_in(c, &base, "Carmen Chávez", AMENDMENT).await;
        follow(c, "section.gate", "Merge into a new version…", "section.confirm").await;
        assert_no_inline_scripts(c, "the merge confirmation").await;
        let confirm = text_of(c, "section.confirm").await;
        assert!(confirm.contains("Merging creates version 2") && confirm.contains("cannot be undone"), "{confirm}");
        submit(c, "section.confirm", "Merge into version 2", "article.control#AM-VM-01").await;
        let control = c.wait().at_most(PAGE).for_element(Locator::Css("article.control#AM-VM-01")).await.unwrap();
        assert_eq!(c.current_url().await.unwrap().path(), format!("{SPEC}/versions/2"));
        assert_no_inline_scripts(c, "version 2").await;
        let statement = control.find(Locator::Css(".statement")).await.unwrap().text().await.unwrap();
        assert!(statement.contains("within seven calendar days"), "the newest revision was merged: {statement}");
        let statement = text_of(c, "article.control#AM-VM-02 .statement").await;
        assert!(statement.contains("within sixty days"), "{statement}");
        let statement = text_of(c, "article.control#AM-VM-03 .statement").await;
        assert!(statement.contains("Advisories MUST name the affected versions."), "{statement}");
        c.goto(&format!("{base}{AMENDMENT}")).await.unwrap();
        let state = text_of(c, "main h1 + p").await;
        assert!(state.contains("merged as version 2"), "{state}");

        eprintln!("{:?}: amendment walk took {:.1?}", db.backend(), started.elapsed());
    };
}
