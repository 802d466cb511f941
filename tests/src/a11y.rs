//! Accessibility checks run in the browser on the page it shows: axe-core's
//! rules, the page's width on a narrow screen, and a visible keyboard focus.
//!
//! axe-core comes from the npm package in `tests/a11y` (`./scripts/test`
//! runs `npm ci` there). It is injected through WebDriver's `execute`, which
//! Chromium runs outside the page's Content-Security-Policy, so the pages
//! keep forbidding every script of their own.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "these run inside tests: a failure stops the test with its message"
)]

use fantoccini::Client;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;

/// How many nodes of each violation a failure names.
const NODES_SHOWN: usize = 3;

/// The text of `axe.min.js`, read once per test binary.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("a11y/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e} (run `npm ci` in tests/a11y; ./scripts/test does)",
                path.display()
            )
        })
    })
}

/// Runs every axe-core rule on the current page and returns its violations
/// as readable lines: rule, impact, help, and the first few offending nodes.
pub async fn axe_violations(c: &Client) -> Vec<String> {
    let loaded = c
        .execute(
            &format!("{}\n;return typeof window.axe;", axe_source()),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(loaded, "object", "axe-core did not load into the page");
    let run = r#"
        const done = arguments[arguments.length - 1];
        window.axe
            .run(document, { resultTypes: ['violations'] })
            .then(r => done(r.violations.map(v => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.map(n => ({
                    target: n.target.join(' '),
                    summary: n.failureSummary || '',
                })),
            }))))
            .catch(e => done({ error: String(e) }));
    "#;
    let found = c.execute_async(run, vec![]).await.unwrap();
    if let Some(error) = found.get("error") {
        panic!("axe-core failed: {error}");
    }
    let Value::Array(violations) = found else {
        panic!("axe-core answered {found}");
    };
    violations
        .iter()
        .map(|v| {
            let nodes = v["nodes"].as_array().cloned().unwrap_or_default();
            let shown: Vec<String> = nodes
                .iter()
                .take(NODES_SHOWN)
                .map(|n| {
                    format!(
                        "      {}: {}",
                        n["target"].as_str().unwrap_or(""),
                        n["summary"].as_str().unwrap_or("").replace('\n', " ")
                    )
                })
                .collect();
            format!(
                "  {} ({}, {} node(s)): {}\n{}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                nodes.len(),
                v["help"].as_str().unwrap_or(""),
                shown.join("\n")
            )
        })
        .collect()
}

/// Fails with axe-core's findings unless the current page has none.
pub async fn assert_accessible(c: &Client, page: &str) {
    let violations = axe_violations(c).await;
    assert!(
        violations.is_empty(),
        "{page} has accessibility violations:\n{}",
        violations.join("\n")
    );
}

/// The page's widest overflow: `None` when the document is no wider than
/// the window, else the document width, the window width and the elements
/// that stick out past the window's right edge without a scrolling or
/// clipping box of their own around them (the deepest first).
pub async fn sideways_overflow(c: &Client) -> Option<String> {
    let probe = r#"
        const width = window.innerWidth;
        const doc = document.documentElement.scrollWidth;
        if (doc <= width) { return null; }
        const clipped = el => {
            for (let a = el.parentElement; a; a = a.parentElement) {
                if (a === document.body || a === document.documentElement) { return false; }
                if (getComputedStyle(a).overflowX !== 'visible') { return true; }
            }
            return false;
        };
        const name = el => {
            let s = el.tagName.toLowerCase();
            if (el.id) { s += '#' + el.id; }
            if (el.classList.length) { s += '.' + [...el.classList].join('.'); }
            return s;
        };
        const out = [...document.body.querySelectorAll('*')]
            .filter(el => el.getBoundingClientRect().right > width + 0.5 && !clipped(el))
            .filter((el, _, all) => !all.some(o => o !== el && el.contains(o)))
            .slice(0, 5)
            .map(el => {
                const path = [];
                for (let a = el; a && a !== document.body; a = a.parentElement) { path.unshift(name(a)); }
                return path.join(' > ') + ' (right edge ' + Math.round(el.getBoundingClientRect().right) + ')';
            });
        return 'document ' + doc + ' px wide in a ' + width + ' px window; sticking out: ' + out.join('; ');
    "#;
    let found = c.execute(probe, vec![]).await.unwrap();
    found.as_str().map(str::to_owned)
}

/// Fails unless the current page fits the window's width.
pub async fn assert_fits_width(c: &Client, page: &str) {
    if let Some(overflow) = sideways_overflow(c).await {
        panic!("{page} scrolls sideways: {overflow}");
    }
}

/// What the keyboard focus looks like on one element.
#[derive(Debug, Clone)]
pub struct Focus {
    /// The element, as `tag#id.class "text"`.
    pub element: String,
    pub tag: String,
    pub outline_style: String,
    /// In CSS pixels.
    pub outline_width: f64,
    pub outline_color: String,
    /// The contrast ratio of the outline against the background behind it.
    pub contrast: f64,
}

impl Focus {
    /// A focus ring someone can see: an outline of at least 2 px that is
    /// neither hidden nor transparent, with a contrast of at least 3:1
    /// against what is behind it (WCAG's minimum for non-text contrast).
    pub fn is_visible(&self) -> bool {
        self.contrast >= 3.0
            && self.outline_style != "none"
            && self.outline_style != "hidden"
            && self.outline_width >= 2.0
            && self.outline_color != "rgba(0, 0, 0, 0)"
            && self.outline_color != "transparent"
    }
}

/// Presses Tab `presses` times from the top of the current page and records
/// the focus ring of each element the keyboard reaches.
pub async fn tab_through(c: &Client, presses: usize) -> Vec<Focus> {
    // Start from the document, not from whatever had the focus.
    c.execute(
        "if (document.activeElement) { document.activeElement.blur(); } window.scrollTo(0, 0);",
        vec![],
    )
    .await
    .unwrap();
    let probe = r#"
        const el = document.activeElement;
        if (!el || el === document.body) { return null; }
        const s = getComputedStyle(el);
        let name = el.tagName.toLowerCase();
        if (el.id) { name += '#' + el.id; }
        if (el.classList.length) { name += '.' + [...el.classList].join('.'); }
        const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40);
        // The outline is drawn outside the element, over what is behind it:
        // the nearest ancestor's background colour, white at the root.
        const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
        let behind = [255, 255, 255];
        for (let a = el.parentElement; a; a = a.parentElement) {
            const b = rgb(getComputedStyle(a).backgroundColor);
            if (b.length >= 3 && (b.length < 4 || b[3] > 0)) { behind = b; break; }
        }
        const lum = c => {
            const [r, g, b] = c.slice(0, 3).map(v => {
                v /= 255;
                return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
            });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const [hi, lo] = [lum(rgb(s.outlineColor)), lum(behind)].sort((x, y) => y - x);
        return {
            contrast: (hi + 0.05) / (lo + 0.05),
            element: name + (text ? ' "' + text + '"' : ''),
            tag: el.tagName.toLowerCase(),
            style: s.outlineStyle,
            width: parseFloat(s.outlineWidth) || 0,
            color: s.outlineColor,
        };
    "#;
    let mut seen = Vec::new();
    for _ in 0..presses {
        let tab = char::from(Key::Tab);
        let press = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: tab })
            .then(KeyAction::Up { value: tab });
        c.perform_actions(press).await.unwrap();
        let f = c.execute(probe, vec![]).await.unwrap();
        if f.is_null() {
            break;
        }
        seen.push(Focus {
            element: f["element"].as_str().unwrap_or("").to_owned(),
            tag: f["tag"].as_str().unwrap_or("").to_owned(),
            outline_style: f["style"].as_str().unwrap_or("").to_owned(),
            outline_width: f["width"].as_f64().unwrap_or(0.0),
            outline_color: f["color"].as_str().unwrap_or("").to_owned(),
            contrast: f["contrast"].as_f64().unwrap_or(0.0),
        });
    }
    seen
}
