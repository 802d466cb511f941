//! A reader's path through Charta in headless Chromium, on both databases:
//! home → specification → control permalink → history → compare form →
//! unified diff → side-by-side diff.
//!
//! The HTTP tests already check each page's markup; this one checks that the
//! pages link up when a real browser follows them, that the compare form
//! submits to the diff it names, and that every page arrives without scripts
//! and with its stylesheet.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::CatalogSet;
use charta_store::testing::TestDb;
use charta_store::{both_backends, import_group_text, import_spec_text};
use charta_tests::pages::text_of;
use charta_tests::{Browser, Server};
use charta_web::{AppState, WebConfig};
use fantoccini::{Client, Locator};
use std::sync::Arc;
use std::time::Instant;

const GROUP: &str = "\
group: wg
name: Browser Working Group
description: Writes specs for the browser test.
members:
  - slug: aurora
    name: Aurora Foundation
";

/// Version 1. Version 2 changes one word of D-BR-02's statement, so the diff
/// has exactly one deletion and one insertion.
const V1: &str = "\
spec: browser-demo
group: wg
title: Browser Demo Baseline
summary: A baseline for the browser test.
sections:
  - id: VM
    title: Vulnerability management
controls:
  - id: D-BR-01
    section: VM
    title: Publish a disclosure policy
    level: 1
    status: active
    statement: The project MUST publish how to report vulnerabilities privately.
    mappings:
      - target: CRA:AnnexI.P2.5
        relationship: equivalent
        rationale: Same obligation.
  - id: D-BR-02
    section: VM
    title: Triage reports
    level: 2
    status: active
    statement: Reports MUST be acknowledged within fourteen days.
";

fn v2() -> String {
    V1.replace("within fourteen days", "within seven days")
}

/// How long a page may take to appear after a click or submit.
use charta_tests::pages::PAGE;

/// Fails unless the current page carries no script but Charta's own files
/// (the CSP forbids the rest, and every page works without them) and its stylesheet
/// was loaded, which a CSP too strict for it would silently prevent.
async fn assert_static_page(c: &Client, page: &str) {
    charta_tests::pages::assert_no_inline_scripts(c, page).await;
    let rules = c
        .execute(
            "return Array.from(document.styleSheets, s => s.cssRules.length);",
            vec![],
        )
        .await
        .unwrap();
    let rules = rules.as_array().unwrap();
    assert!(
        !rules.is_empty() && rules.iter().all(|n| n.as_u64() > Some(0)),
        "{page} has an empty or missing stylesheet: {rules:?}"
    );
}

both_backends! {
    reader_follows_spec_control_history_and_diff => |db: TestDb| async move {
        let Some(browser) = Browser::launch().await else { return };
        let started = Instant::now();

        let catalogs = CatalogSet::builtin().unwrap();
        import_group_text(&db.store, GROUP, "test").await.unwrap();
        import_spec_text(&db.store, &catalogs, V1, "first draft", "test").await.unwrap();
        import_spec_text(&db.store, &catalogs, &v2(), "shorter triage", "test").await.unwrap();
        let store = db.store.clone();
        let server = Server::start_with(|base| {
            AppState::new(store, Arc::new(catalogs), WebConfig { public_url: base, ..WebConfig::default() })
        })
        .await
        .unwrap();
        let c: &Client = &browser;

        // Home lists the group and its specification.
        c.goto(&server.url("/")).await.unwrap();
        assert_static_page(c, "home").await;
        let link = c.find(Locator::LinkText("Browser Demo Baseline")).await.unwrap();
        link.click().await.unwrap();

        // The specification shows its controls.
        let control = c.wait().at_most(PAGE).for_element(Locator::Css("article.control#D-BR-02")).await.unwrap();
        assert_eq!(c.current_url().await.unwrap().path(), "/specs/browser-demo");
        assert_static_page(c, "spec").await;
        assert_eq!(text_of(c, "h1").await, "Browser Demo Baseline");
        let statement = control.find(Locator::Css(".statement")).await.unwrap().text().await.unwrap();
        assert!(statement.contains("within seven days"), "spec shows the newest version: {statement}");
        let mapping = c.find(Locator::Css("article.control#D-BR-01 .mappings a")).await.unwrap();
        assert_eq!(mapping.text().await.unwrap(), "CRA:AnnexI.P2.5");

        // The control's id is its permalink.
        control.find(Locator::Css("a.permalink")).await.unwrap().click().await.unwrap();
        let history = c
            .wait()
            .at_most(PAGE)
            .for_element(Locator::XPath("//h2[normalize-space()='History']/following-sibling::table[1]"))
            .await
            .unwrap();
        assert_eq!(c.current_url().await.unwrap().path(), "/specs/browser-demo/controls/D-BR-02");
        assert_static_page(c, "control").await;
        let rows = history.find_all(Locator::Css("tbody tr")).await.unwrap();
        assert_eq!(rows.len(), 2, "one history row per version");
        assert!(rows[0].text().await.unwrap().contains("introduced"));
        assert_eq!(rows[1].attr("class").await.unwrap().as_deref(), Some("changed"));

        // The history page's compare form leads to the diff it names.
        c.goto(&server.url("/specs/browser-demo/versions")).await.unwrap();
        assert_static_page(c, "versions").await;
        let form = c.find(Locator::Css("form.compare")).await.unwrap();
        form.find(Locator::Css("select[name=from]")).await.unwrap().select_by_value("1").await.unwrap();
        form.find(Locator::Css("select[name=to]")).await.unwrap().select_by_value("2").await.unwrap();
        form.find(Locator::XPath(".//button[normalize-space()='Compare']")).await.unwrap().click().await.unwrap();
        c.wait().at_most(PAGE).for_element(Locator::Css("section.change#D-BR-02")).await.unwrap();
        let url = c.current_url().await.unwrap();
        assert_eq!(url.path(), "/specs/browser-demo/diff");
        assert_eq!(url.query(), Some("from=1&to=2"));
        assert_static_page(c, "diff").await;
        assert_eq!(text_of(c, "h1").await, "Changes from version 1 to version 2");
        let change = c.find(Locator::Css("section.change#D-BR-02")).await.unwrap();
        let del = change.find_all(Locator::Css("del")).await.unwrap();
        let ins = change.find_all(Locator::Css("ins")).await.unwrap();
        assert_eq!(del.len(), 1, "one deleted word");
        assert_eq!(ins.len(), 1, "one inserted word");
        assert_eq!(del[0].text().await.unwrap(), "fourteen");
        assert_eq!(ins[0].text().await.unwrap(), "seven");
        assert!(
            c.find_all(Locator::Css("section.change#D-BR-01")).await.unwrap().is_empty(),
            "the unchanged control is not listed"
        );

        // The same change side by side.
        c.find(Locator::LinkText("Side-by-side view")).await.unwrap().click().await.unwrap();
        let split = c.wait().at_most(PAGE).for_element(Locator::Css("section.change#D-BR-02 .split")).await.unwrap();
        assert_eq!(c.current_url().await.unwrap().query(), Some("from=1&to=2&view=split"));
        assert_static_page(c, "side-by-side diff").await;
        assert_eq!(split.find(Locator::Css(".old del")).await.unwrap().text().await.unwrap(), "fourteen");
        assert_eq!(split.find(Locator::Css(".new ins")).await.unwrap().text().await.unwrap(), "seven");

        eprintln!("{:?}: browser walk took {:.1?}", db.backend(), started.elapsed());
    };
}
