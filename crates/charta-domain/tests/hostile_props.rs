//! Hostile input for parsing, validation and diffs: whatever text arrives
//! (random bytes, YAML-shaped noise, a real specification with bytes
//! flipped, nested aliases), the domain answers with a value or a bounded
//! list of problems, never a panic, and never builds more than the text
//! itself holds.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::catalog::CatalogSet;
use charta_domain::diff::{SegmentOp, diff_specs, word_diff};
use charta_domain::format::{MAX_PROBLEMS, parse_spec, to_canonical};
use charta_domain::validate::{check_spec, check_succession};
use proptest::prelude::*;
use std::sync::OnceLock;

const V2: &str = include_str!("../../../specs/seed/steward-baseline/v2.yaml");
const V3: &str = include_str!("../../../specs/seed/steward-baseline/v3.yaml");

fn catalogs() -> &'static CatalogSet {
    static C: OnceLock<CatalogSet> = OnceLock::new();
    C.get_or_init(|| CatalogSet::builtin().unwrap())
}

/// Bytes of text held in the parsed value's strings. Without alias
/// expansion every string comes from the file, so this cannot exceed the
/// file's length by more than the enum names a default may add.
fn held_bytes(spec: &charta_domain::Spec) -> usize {
    fn walk(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::String(s) => s.len(),
            serde_json::Value::Array(a) => a.iter().map(walk).sum(),
            serde_json::Value::Object(o) => o.values().map(walk).sum(),
            _ => 0,
        }
    }
    walk(&serde_json::to_value(spec).unwrap())
}

/// Parses and checks `text` the way the server does, asserting what holds
/// for every input: a bounded problem list, a parsed value no larger than
/// its text, a canonical form that parses back to the same value.
fn parse_and_check(text: &str) {
    match parse_spec(text) {
        Err(e) => {
            assert!(!e.problems.is_empty(), "an error names a problem");
            assert!(e.problems.len() <= MAX_PROBLEMS + 1, "{}", e.problems.len());
        }
        Ok(spec) => {
            let entries = spec.controls.len() + spec.sections.len() + 1;
            assert!(
                held_bytes(&spec) <= text.len() + 32 * entries,
                "{} bytes held from a {}-byte file",
                held_bytes(&spec),
                text.len()
            );
            if let Err(e) = check_spec(&spec, catalogs(), text) {
                assert!(e.problems.len() <= MAX_PROBLEMS + 1, "{}", e.problems.len());
                for p in &e.problems {
                    if let Some(line) = p.line {
                        assert!(
                            line >= 1 && line <= text.lines().count().max(1),
                            "line {line}"
                        );
                    }
                }
            }
            let canonical = to_canonical(&spec);
            assert_eq!(
                parse_spec(&canonical).unwrap(),
                spec,
                "canonical round trip"
            );
            let diff = diff_specs(&spec, &spec);
            assert_eq!(diff.changed().count(), 0, "a text compared with itself");
        }
    }
}

/// YAML-shaped noise: the tokens that make YAML parsers work hard.
fn yamlish() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "spec: ",
        "group: ",
        "title: ",
        "controls:",
        "sections:",
        "- id: ",
        "  ",
        "\n",
        "\n  ",
        "- ",
        ": ",
        "&a ",
        "*a",
        "&b ",
        "*b",
        "[",
        "]",
        "{",
        "}",
        ",",
        "? ",
        "!!str ",
        "!x ",
        "|\n",
        ">-\n",
        "'",
        "\"",
        "\\",
        "#",
        "---\n",
        "...\n",
        "%YAML 1.2\n",
        "<<: ",
        "x",
        "AB-01",
        "1",
        "true",
        "null",
        "~",
        "\t",
        "\u{feff}",
        "é",
        "\u{0}",
    ]);
    prop::collection::vec(token, 0..200).prop_map(|t| t.concat())
}

/// A real specification with a few bytes replaced, inserted or removed.
fn mutated(base: &'static str) -> impl Strategy<Value = String> {
    let edit = (0..base.len(), 0u8..3, any::<char>());
    prop::collection::vec(edit, 1..8).prop_map(move |edits| {
        let mut s = base.to_string();
        for (at, kind, c) in edits {
            let mut at = at.min(s.len());
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            match kind {
                0 => s.insert(at, c),
                1 => {
                    if at < s.len() {
                        s.remove(at);
                    }
                }
                _ => {
                    if at < s.len() {
                        s.remove(at);
                        s.insert(at, c);
                    }
                }
            }
        }
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_text_parses_or_is_refused_with_bounded_problems(text in "\\PC{0,2000}") {
        parse_and_check(&text);
    }

    #[test]
    fn yaml_shaped_noise_parses_or_is_refused(text in yamlish()) {
        parse_and_check(&text);
    }

    #[test]
    fn a_damaged_specification_parses_or_is_refused(text in mutated(V3)) {
        parse_and_check(&text);
        // Whatever parsed can follow the previous version or be refused as
        // its successor, without panicking.
        if let Ok(next) = parse_spec(&text) {
            let prev = parse_spec(V2).unwrap();
            let _ = check_succession(&prev, &next, &text);
            let diff = diff_specs(&prev, &next);
            prop_assert!(diff.changed().count() <= prev.controls.len() + next.controls.len());
        }
    }

    #[test]
    fn nested_aliases_are_refused_whatever_their_shape(depth in 1usize..12, width in 1usize..12) {
        // The classic expansion: each level repeats the one below `width`
        // times, `width^depth` strings from a few hundred bytes.
        let mut text = String::from("spec: x\ngroup: g\ntitle: &l0 lol\nsummary: ok\nsections:\n");
        for level in 1..=depth {
            let refs = vec![format!("*l{}", level - 1); width].join(", ");
            text.push_str(&format!("  - &l{level} [{refs}]\n"));
        }
        let err = parse_spec(&text).expect_err("aliases are refused");
        prop_assert!(err.to_string().contains("alias"), "{}", err);
    }

    #[test]
    fn a_word_diff_rebuilds_both_texts(old in "\\PC{0,300}", new in "\\PC{0,300}") {
        let segments = word_diff(&old, &new);
        let side = |keep: SegmentOp| -> String {
            segments
                .iter()
                .filter(|s| s.op == SegmentOp::Equal || s.op == keep)
                .map(|s| s.text.as_str())
                .collect()
        };
        prop_assert_eq!(side(SegmentOp::Delete), old);
        prop_assert_eq!(side(SegmentOp::Insert), new);
        // Runs of one kind are merged: no two neighbours share a kind.
        prop_assert!(segments.windows(2).all(|w| w[0].op != w[1].op));
    }
}
