//! What the browser tests do on Charta's pages, written once: sign in as a
//! demo person, sign out, click a labelled button, submit a form or follow a
//! link and wait for the next page, read an element's text, check that a
//! page has no script.

#![allow(
    clippy::unwrap_used,
    reason = "these run inside tests: a failure stops the test with its message"
)]

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use std::time::{Duration, Instant};

/// How long a page may take to appear after a click or submit.
pub const PAGE: Duration = Duration::from_secs(15);

/// Signs in as the demo person called `name` from the sign-in page, which
/// sends the browser back to `return_to` (a plain path).
pub async fn sign_in(c: &Client, base: &str, name: &str, return_to: &str) {
    c.goto(&format!("{base}/auth/login?return_to={return_to}"))
        .await
        .unwrap();
    let button = format!("//ul[@class='people']//button[normalize-space()='{name}']");
    c.find(Locator::XPath(&button))
        .await
        .unwrap_or_else(|e| panic!("no demo sign-in button for {name}: {e}"))
        .click()
        .await
        .unwrap();
    let who = c
        .wait()
        .at_most(PAGE)
        .for_element(Locator::Css("header.site a.who"))
        .await
        .unwrap();
    assert_eq!(who.text().await.unwrap(), name, "signed in as {name}");
    assert_eq!(c.current_url().await.unwrap().path(), return_to);
}

/// Signs out with the header's button.
pub async fn sign_out(c: &Client) {
    c.find(Locator::Css("header.site form.signout button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(PAGE)
        .for_element(Locator::LinkText("Sign in"))
        .await
        .unwrap();
}

/// Clicks the button labelled `label` inside `scope`.
pub async fn click_button(scope: &Element, label: &str) {
    let xpath = format!(".//button[normalize-space()='{label}']");
    scope
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no button {label:?}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Clicks the button labelled `label` inside the element matching
/// `scope_css`, which submits a form, and waits until the next page has
/// replaced this one (the old page's elements go stale) and shows `css`.
pub async fn submit(c: &Client, scope_css: &str, label: &str, css: &str) {
    let old = c.find(Locator::Css("main")).await.unwrap();
    let scope = c
        .find(Locator::Css(scope_css))
        .await
        .unwrap_or_else(|e| panic!("no {scope_css}: {e}"));
    click_button(&scope, label).await;
    let started = Instant::now();
    while old.tag_name().await.is_ok() {
        assert!(
            started.elapsed() < PAGE,
            "{label:?} did not load a new page"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.wait()
        .at_most(PAGE)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css} after {label:?}: {e}"));
}

/// The text of the first element matching `css`.
pub async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Fails unless every script on the current page is a file Charta serves
/// under `/static/`: the CSP refuses inline script and other sites, and a
/// script only ever improves a page that works without it.
pub async fn assert_no_inline_scripts(c: &Client, page: &str) {
    let foreign = c
        .execute(
            "return Array.from(document.scripts).filter(s => !s.src.startsWith(location.origin + '/static/') || s.text.trim() !== '').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        foreign.as_u64(),
        Some(0),
        "{page} has an inline script or one not served by Charta"
    );
}

/// Follows the link reading `text` inside the element matching `scope_css`
/// (such as a weighty action's link to its confirmation page) and waits
/// until the next page shows `css`.
pub async fn follow(c: &Client, scope_css: &str, text: &str, css: &str) {
    let old = c.find(Locator::Css("main")).await.unwrap();
    let scope = c
        .find(Locator::Css(scope_css))
        .await
        .unwrap_or_else(|e| panic!("no {scope_css}: {e}"));
    scope
        .find(Locator::XPath(&format!(".//a[normalize-space()='{text}']")))
        .await
        .unwrap_or_else(|e| panic!("no link {text:?}: {e}"))
        .click()
        .await
        .unwrap();
    let started = Instant::now();
    while old.tag_name().await.is_ok() {
        assert!(started.elapsed() < PAGE, "{text:?} did not load a new page");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.wait()
        .at_most(PAGE)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css} after {text:?}: {e}"));
}
