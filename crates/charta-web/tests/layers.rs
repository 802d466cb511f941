//! The layers stay apart: the JSON API and the pages are adapters over the
//! use cases in `charta-app` and never reach into each other, and the use
//! cases know nothing of HTTP.

#![allow(clippy::unwrap_used, reason = "a failing test panics with its message")]

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(sources(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

/// Files under `dir` that mention any of `forbidden`, with the line.
fn offenders(dir: &Path, forbidden: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in sources(dir) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if forbidden.iter().any(|f| line.contains(f)) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn api_and_pages_do_not_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let api = offenders(&src.join("api"), &["crate::pages", "super::super::pages"]);
    assert!(
        api.is_empty(),
        "the API reaches into pages:\n{}",
        api.join("\n")
    );
    let pages = offenders(&src.join("pages"), &["crate::api", "super::super::api"]);
    assert!(
        pages.is_empty(),
        "pages reach into the API:\n{}",
        pages.join("\n")
    );
}

#[test]
fn the_use_cases_know_nothing_of_http() {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("../charta-app");
    let http = offenders(&app.join("src"), &["axum", "askama", "tower", "charta_web"]);
    assert!(
        http.is_empty(),
        "charta-app uses the web layer:\n{}",
        http.join("\n")
    );
    let manifest = std::fs::read_to_string(app.join("Cargo.toml")).unwrap();
    for dep in ["axum", "askama", "tower", "charta-web"] {
        assert!(
            !manifest.lines().any(|l| l.trim_start().starts_with(dep)),
            "charta-app depends on {dep}"
        );
    }
}

#[test]
fn the_checks_above_can_fail() {
    // The same scan finds what it looks for where it is.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    assert!(!offenders(&src.join("pages"), &["crate::params"]).is_empty());
}
