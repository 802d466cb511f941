//! The templates stay readable in review: no line a reviewer has to scroll
//! sideways to read. Long lines are broken where askama's whitespace control
//! keeps the rendered HTML unchanged (see docs/ARCHITECTURE.md).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use std::path::{Path, PathBuf};

/// The widest line allowed, in characters.
const WIDEST: usize = 130;

fn html_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            html_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
}

#[test]
fn no_template_line_is_wider_than_a_review_pane() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates");
    let mut files = Vec::new();
    html_files(&root, &mut files);
    assert!(files.len() > 30, "found the templates: {}", files.len());
    let mut wide = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let width = line.chars().count();
            if width > WIDEST {
                wide.push(format!("{}:{}: {width} characters", f.display(), n + 1));
            }
        }
    }
    assert!(
        wide.is_empty(),
        "template lines wider than {WIDEST}:\n{}",
        wide.join("\n")
    );
}
