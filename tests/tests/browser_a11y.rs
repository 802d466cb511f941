//! Accessibility in headless Chromium, on both databases, on the demo
//! instance's data (amendments in every state, threads, ballots open and
//! closed, published releases): every main page, signed out and signed in as
//! the chair and as a representative, passes every axe-core rule, fits a
//! 390 px wide phone screen without scrolling sideways, and shows where the
//! keyboard focus is on every control.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a failing test panics with its message"
)]

/// The seed `charta demo` loads, so the pages show realistic data.
#[allow(dead_code, reason = "only the seed itself is used here")]
#[path = "../../crates/charta/src/demo.rs"]
mod demo;

use charta_domain::CatalogSet;
use charta_store::both_backends;
use charta_store::testing::TestDb;
use charta_tests::a11y::{sideways_overflow, tab_through};
use charta_tests::pages::{assert_no_inline_scripts, sign_in, sign_out};
use charta_tests::{Browser, Server};
use charta_web::{AppState, WebConfig};
use fantoccini::{Client, Locator};
use std::sync::Arc;

const SPEC: &str = "/specs/steward-baseline";

/// Every main page, by name and path. Pages that need a signed-in person
/// show the sign-in page to a visitor, which is checked too.
const PAGES: &[(&str, &str)] = &[
    ("home", "/"),
    ("group", "/groups/oss-stewards"),
    ("specs", "/specs"),
    ("spec", SPEC),
    ("versions", "/specs/steward-baseline/versions"),
    ("version 2", "/specs/steward-baseline/versions/2"),
    ("control", "/specs/steward-baseline/controls/SVH-GV-02"),
    ("unified diff", "/specs/steward-baseline/diff?from=1&to=4"),
    (
        "split diff",
        "/specs/steward-baseline/diff?from=1&to=4&view=split",
    ),
    ("coverage", "/specs/steward-baseline/versions/4/coverage"),
    ("catalogs", "/catalogs"),
    ("catalog", "/catalogs/cra"),
    ("catalog item", "/catalogs/cra/items/CRA:Art24.1"),
    ("search", "/search?q=vulnerability"),
    ("amendments", "/specs/steward-baseline/amendments"),
    ("open amendment", "/specs/steward-baseline/amendments/3"),
    ("merged amendment", "/specs/steward-baseline/amendments/1"),
    ("rejected amendment", "/specs/steward-baseline/amendments/4"),
    ("new amendment", "/specs/steward-baseline/amendments/new"),
    ("ballots", "/specs/steward-baseline/ballots"),
    ("open ballot", "/ballots/2"),
    ("closed ballot", "/ballots/1"),
    ("releases", "/specs/steward-baseline/releases"),
    ("release", "/releases/steward-baseline/1.1.0/"),
    ("my work", "/my-work"),
    ("account", "/account"),
    ("members", "/groups/oss-stewards/members"),
    ("group rules", "/groups/oss-stewards/rules"),
    ("sign-in page", "/auth/login"),
    ("not found", "/specs/no-such-spec"),
];

/// Who looks at the pages: nobody, the chair, a representative.
const VIEWERS: [Option<&str>; 3] = [None, Some("Carmen Chávez"), Some("Ana Lindqvist")];

/// A server on the seeded demo data, with a release key.
async fn demo_server(db: &TestDb) -> Server {
    let catalogs = Arc::new(CatalogSet::builtin().unwrap());
    let key = charta_release::SigningKey::from_bytes(&[7u8; 32]);
    let config = |public_url: String| WebConfig {
        demo: true,
        public_url,
        ..WebConfig::default()
    };
    let seeding = AppState::with_release_key(
        db.store.clone(),
        catalogs.clone(),
        config("http://127.0.0.1".to_owned()),
        Some(key.clone()),
    );
    demo::seed(&seeding).await.unwrap();
    Server::start_with(|base| {
        AppState::with_release_key(db.store.clone(), catalogs, config(base), Some(key))
    })
    .await
    .unwrap()
}

/// Visits every page as every viewer and calls `check` on each, collecting
/// its complaints so that one run lists every page that fails.
async fn each_page<F>(c: &Client, base: &str, mut check: F) -> Vec<String>
where
    F: AsyncFnMut(&Client, &str) -> Option<String>,
{
    let mut failures = Vec::new();
    for viewer in VIEWERS {
        if let Some(name) = viewer {
            sign_in(c, base, name, "/").await;
        }
        let who = viewer.unwrap_or("a visitor");
        for (page, path) in PAGES {
            c.goto(&format!("{base}{path}")).await.unwrap();
            let shown = c.find(Locator::Css("main")).await.unwrap();
            let error = shown.attr("class").await.unwrap().unwrap_or_default();
            if *page != "not found" {
                assert!(
                    !error.contains("error"),
                    "{page} ({path}) as {who} is an error page: {}",
                    shown.text().await.unwrap()
                );
            }
            let name = format!("{page} ({path}) as {who}");
            // Checked before anything is injected: the pages carry none.
            assert_no_inline_scripts(c, &name).await;
            if let Some(failure) = check(c, &name).await {
                failures.push(failure);
            }
        }
        if viewer.is_some() {
            c.goto(&format!("{base}/")).await.unwrap();
            sign_out(c).await;
        }
    }
    failures
}

both_backends! {
    every_page_passes_axe_core => |db: TestDb| async move {
        let Some(browser) = Browser::launch().await else { return };
        let server = demo_server(&db).await;
        let c: &Client = &browser;
        let failures = each_page(c, &server.base(), async |c: &Client, page: &str| {
            let violations = charta_tests::a11y::axe_violations(c).await;
            (!violations.is_empty()).then(|| format!("{page}:\n{}", violations.join("\n")))
        })
        .await;
        assert!(failures.is_empty(), "accessibility violations:\n{}", failures.join("\n"));
    };

    no_page_scrolls_sideways_at_390_px_and_axe_core_agrees => |db: TestDb| async move {
        let Some(browser) = Browser::launch().await else { return };
        let server = demo_server(&db).await;
        let c: &Client = &browser;
        // The window is wider than its viewport by the browser's frame;
        // widen until the page itself is 390 px wide.
        c.set_window_size(390, 844).await.unwrap();
        let inner = c.execute("return window.innerWidth;", vec![]).await.unwrap();
        let inner = inner.as_u64().unwrap();
        if inner != 390 {
            c.set_window_size((390 + 390 - inner) as u32, 844).await.unwrap();
        }
        let inner = c.execute("return window.innerWidth;", vec![]).await.unwrap();
        assert_eq!(inner.as_u64(), Some(390), "the viewport is 390 px wide");
        // axe-core again, at this width: a table that scrolls inside its
        // own box must still be reachable by keyboard, and so on.
        let failures = each_page(c, &server.base(), async |c: &Client, page: &str| {
            let mut found: Vec<String> = sideways_overflow(c).await.into_iter().collect();
            found.extend(charta_tests::a11y::axe_violations(c).await);
            (!found.is_empty()).then(|| format!("{page}:\n{}", found.join("\n")))
        })
        .await;
        assert!(failures.is_empty(), "pages that scroll sideways or fail axe-core at 390 px:\n{}", failures.join("\n"));
        // The side-by-side diff stacks its two panes on a phone.
        c.goto(&server.url("/specs/steward-baseline/diff?from=1&to=4&view=split")).await.unwrap();
        let stacked = c
            .execute(
                "const o = document.querySelector('.split .old').getBoundingClientRect();
                 const n = document.querySelector('.split .new').getBoundingClientRect();
                 return n.top >= o.bottom && Math.abs(n.left - o.left) < 1;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(stacked, true, "the split diff's panes stand side by side at 390 px");
    };

    the_keyboard_focus_is_visible_on_every_control => |db: TestDb| async move {
        let Some(browser) = Browser::launch().await else { return };
        let server = demo_server(&db).await;
        let base = server.base();
        let c: &Client = &browser;
        // The open amendment has summaries, a reply textarea and buttons;
        // the new amendment form a textarea; the releases page a select.
        sign_in(c, &base, "Carmen Chávez", "/").await;
        let mut tags = std::collections::BTreeSet::new();
        let mut invisible = Vec::new();
        for path in [
            "/specs/steward-baseline/amendments/3",
            "/specs/steward-baseline/amendments/new",
            "/specs/steward-baseline/releases",
            "/specs/steward-baseline/versions/4",
        ] {
            c.goto(&format!("{base}{path}")).await.unwrap();
            let reached = tab_through(c, 200).await;
            assert!(reached.len() > 5, "the keyboard reaches only {reached:?} on {path}");
            for f in reached {
                tags.insert(f.tag.clone());
                if !f.is_visible() {
                    invisible.push(format!("{path}: {} (outline {} {}px {}, contrast {:.1}:1)", f.element, f.outline_style, f.outline_width, f.outline_color, f.contrast));
                }
            }
        }
        for tag in ["a", "button", "input", "select", "summary", "textarea"] {
            assert!(tags.contains(tag), "the keyboard never reached a {tag}: {tags:?}");
        }
        assert!(invisible.is_empty(), "focus that cannot be seen:\n{}", invisible.join("\n"));
    };
}

/// The check itself fails on a page with a violation, a page too wide and
/// a control whose focus ring is removed, so the tests above cannot pass
/// for want of looking.
#[tokio::test]
async fn the_checks_catch_what_they_look_for() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let c: &Client = &browser;
    // No `#` in this URL: it would start the fragment and cut the page.
    let page = "data:text/html,<!DOCTYPE html><html><head><title>t</title>\
        <style>button:focus{outline:none} a:focus-visible{outline:3px solid blue} input:focus-visible{outline:3px solid rgb(238,238,238)}</style></head><body><main>\
        <img src='x.png'><div style='width:2000px'>wide</div>\
        <button>one</button><a href='/elsewhere'>two</a><input aria-label='three'></main></body></html>";
    c.goto(page).await.unwrap();
    let violations = charta_tests::a11y::axe_violations(c).await;
    assert!(
        violations.iter().any(|v| v.contains("image-alt")),
        "{violations:?}"
    );
    assert!(
        violations.iter().any(|v| v.contains("html-has-lang")),
        "{violations:?}"
    );
    let overflow = sideways_overflow(c).await.expect("a 2000 px div overflows");
    assert!(overflow.contains("div"), "{overflow}");
    let reached = tab_through(c, 3).await;
    assert_eq!(reached.len(), 3, "{reached:?}");
    assert_eq!(reached[0].tag, "button");
    assert!(!reached[0].is_visible(), "{:?}", reached[0]);
    assert!(reached[1].is_visible(), "{:?}", reached[1]);
    // A light grey ring on white is there but cannot be seen.
    assert_eq!(reached[2].outline_width, 3.0);
    assert!(!reached[2].is_visible(), "{:?}", reached[2]);
}

/// Screenshots of a few pages at 390 px and 1280 px, for a person to look
/// at: `CHARTA_TEST_SCREENSHOTS=/tmp/shots ./scripts/test -p charta-tests
/// --test browser_a11y -- --ignored screenshots`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes PNG files for a person to look at"]
async fn screenshots() {
    let dir = std::path::PathBuf::from(
        std::env::var_os("CHARTA_TEST_SCREENSHOTS")
            .expect("CHARTA_TEST_SCREENSHOTS names a directory"),
    );
    std::fs::create_dir_all(&dir).unwrap();
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let db = TestDb::sqlite().await;
    let server = demo_server(&db).await;
    let base = server.base();
    let c: &Client = &browser;
    sign_in(c, &base, "Carmen Chávez", "/").await;
    // Each page, and what to scroll to before taking the picture.
    let pages = [
        ("spec", SPEC, "main"),
        (
            "control",
            "/specs/steward-baseline/controls/SVH-GV-02",
            "table.list",
        ),
        (
            "amendment",
            "/specs/steward-baseline/amendments/3",
            "article.thread",
        ),
        ("ballot", "/ballots/2", "table.positions"),
        (
            "split-diff",
            "/specs/steward-baseline/diff?from=1&to=4&view=split",
            ".split",
        ),
        ("versions", "/specs/steward-baseline/versions", "table.list"),
        (
            "coverage",
            "/specs/steward-baseline/versions/4/coverage",
            "table.coverage",
        ),
    ];
    for width in [390u32, 1280] {
        c.set_window_size(width, 900).await.unwrap();
        for (name, path, css) in pages {
            c.goto(&format!("{base}{path}")).await.unwrap();
            let target = c.find(Locator::Css(css)).await.unwrap();
            c.execute(
                "arguments[0].scrollIntoView();",
                vec![serde_json::to_value(&target).unwrap()],
            )
            .await
            .unwrap();
            let png = c.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
        }
    }
}
