//! The demo working group and the seed specification's three versions: they
//! parse, obey every rule, are in canonical form, follow one another as a
//! version history may, and show the kinds of change the demo is meant to
//! display.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::diff::{ChangeKind, diff_specs};
use charta_domain::format::{parse_spec, to_canonical};
use charta_domain::group::GroupFile;
use charta_domain::validate::{check_spec, check_succession};
use charta_domain::{CatalogSet, ControlStatus, Spec};

const GROUP: &str = include_str!("../../../specs/groups/oss-stewards.yaml");
const V1: &str = include_str!("../../../specs/seed/steward-baseline/v1.yaml");
const V2: &str = include_str!("../../../specs/seed/steward-baseline/v2.yaml");
const V3: &str = include_str!("../../../specs/seed/steward-baseline/v3.yaml");

const VERSIONS: [(&str, &str); 3] = [("v1", V1), ("v2", V2), ("v3", V3)];

fn parse(name: &str, text: &str) -> Spec {
    parse_spec(text).unwrap_or_else(|e| panic!("{name}.yaml does not parse: {e}"))
}

#[test]
fn group_file_parses_with_three_members() {
    let g = GroupFile::parse(GROUP).unwrap_or_else(|e| panic!("oss-stewards.yaml: {e}"));
    assert_eq!(g.group, "oss-stewards");
    assert!(!g.name.trim().is_empty());
    assert!(!g.description.trim().is_empty());
    assert_eq!(g.members.len(), 3, "{:?}", g.members);
    for m in &g.members {
        assert!(!m.name.trim().is_empty(), "{} needs a name", m.slug);
        assert!(
            m.url.starts_with("https://"),
            "{} needs an https URL",
            m.slug
        );
    }
}

#[test]
fn every_version_is_valid_against_the_builtin_catalogs() {
    let catalogs =
        CatalogSet::builtin().unwrap_or_else(|e| panic!("the built-in catalogs do not load: {e}"));
    for (name, text) in VERSIONS {
        let spec = parse(name, text);
        assert_eq!(spec.spec, "steward-baseline", "{name}");
        assert_eq!(spec.group, "oss-stewards", "{name}");
        if let Err(e) = check_spec(&spec, &catalogs, text) {
            panic!("{name}.yaml breaks the rules: {e}");
        }
    }
}

#[test]
fn every_version_is_in_canonical_form() {
    for (name, text) in VERSIONS {
        let canonical = to_canonical(&parse(name, text));
        if canonical != text {
            let line = canonical
                .lines()
                .zip(text.lines())
                .position(|(a, b)| a != b)
                .map_or_else(
                    || "at the end".to_string(),
                    |i| format!("at line {}", i + 1),
                );
            panic!("{name}.yaml is not in canonical form; the first difference is {line}");
        }
    }
}

#[test]
fn versions_follow_one_another() {
    let v1 = parse("v1", V1);
    let v2 = parse("v2", V2);
    let v3 = parse("v3", V3);
    if let Err(e) = check_succession(&v1, &v2, V2) {
        panic!("v2 cannot follow v1: {e}");
    }
    if let Err(e) = check_succession(&v2, &v3, V3) {
        panic!("v3 cannot follow v2: {e}");
    }
    assert!(v1.controls.len() < v2.controls.len());
    assert!(v2.controls.len() < v3.controls.len());
}

#[test]
fn latest_version_is_complete_and_fully_mapped() {
    let v3 = parse("v3", V3);
    let n = v3.controls.len();
    assert!((25..=40).contains(&n), "v3 has {n} controls");
    for c in v3.active_controls() {
        let cra = c.mappings.iter().any(|m| m.target.starts_with("CRA:"));
        let openssf = c
            .mappings
            .iter()
            .any(|m| m.target.starts_with("OSSF-PRS:") || m.target.starts_with("OSPS-"));
        assert!(cra, "{} has no CRA mapping", c.id);
        assert!(openssf, "{} has no OpenSSF mapping", c.id);
    }
    for c in v3
        .controls
        .iter()
        .filter(|c| c.status == ControlStatus::Withdrawn)
    {
        assert!(
            !c.replaced_by.is_empty(),
            "{} is withdrawn without a successor",
            c.id
        );
    }
}

#[test]
fn diff_from_v2_to_v3_shows_withdrawn_added_and_modified_controls() {
    let d = diff_specs(&parse("v2", V2), &parse("v3", V3));
    let count = |k: ChangeKind| d.controls.iter().filter(|c| c.kind == k).count();
    assert!(count(ChangeKind::Withdrawn) >= 1, "{:?}", d.summary);
    assert!(count(ChangeKind::Added) >= 1, "{:?}", d.summary);
    assert!(count(ChangeKind::Modified) >= 1, "{:?}", d.summary);
    assert_eq!(count(ChangeKind::Removed), 0, "{:?}", d.summary);
    // At least one control moves to another section.
    assert!(
        d.controls.iter().any(
            |c| c.kind == ChangeKind::Modified && c.fields.iter().any(|f| f.field == "section")
        ),
        "no control moved section"
    );
}
