#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
//! The builder: determinism, golden files, the notes and refused inputs.

mod common;

use charta_domain::coverage::ImpactKind;
use charta_domain::diff::ChangeKind;
use charta_release::{ARTEFACTS, MANIFEST, ReleaseError, build};
use common::{V1, V2, catalogs, seed_input, spec};
use std::path::PathBuf;

#[test]
fn building_twice_gives_identical_bytes() {
    let cats = catalogs();
    let a = build(&seed_input(), &cats).unwrap();
    let b = build(&seed_input(), &cats).unwrap();
    assert_eq!(a.files, b.files);
    let names: Vec<&str> = a.files.keys().map(String::as_str).collect();
    let mut expected: Vec<&str> = ARTEFACTS.to_vec();
    expected.push(MANIFEST);
    expected.sort_unstable();
    assert_eq!(names, expected);
    // Signing is deterministic too (Ed25519 has no random nonce).
    assert_eq!(a.sign(&common::key(1)), b.sign(&common::key(1)));
}

/// Compares each artefact with its golden file; `UPDATE_GOLDEN=1` rewrites
/// them instead. A change to a golden file is a change to a published
/// format, so it must be reviewed like one.
#[test]
fn artefacts_match_golden_files() {
    let bundle = build(&seed_input(), &catalogs()).unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut files = bundle.files.clone();
    files.insert("manifest.sig".into(), bundle.sign(&common::key(1)));
    let mut stale = Vec::new();
    for (name, bytes) in &files {
        let path = dir.join(name);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, bytes).unwrap();
            continue;
        }
        let golden = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run with UPDATE_GOLDEN=1", path.display()));
        if &golden != bytes {
            stale.push(name.clone());
        }
    }
    assert!(
        stale.is_empty(),
        "artefacts differ from their golden files: {stale:?}; if the change is intended, run UPDATE_GOLDEN=1 cargo test -p charta-release --test build and review the diff"
    );
}

#[test]
fn notes_describe_the_changes_since_the_predecessor() {
    let bundle = build(&seed_input(), &catalogs()).unwrap();
    let notes = &bundle.notes;
    assert_eq!(notes.since.as_deref(), Some("1.0.0"));
    assert_eq!(
        notes.levels.iter().map(|l| l.level).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    // SVH-VM-06 moved to the new IR section and its guidance grew.
    let vm06 = notes
        .levels
        .iter()
        .flat_map(|l| &l.modified)
        .find(|c| c.id == "SVH-VM-06")
        .expect("SVH-VM-06 is modified");
    assert!(vm06.fields.contains(&"section".to_string()), "{vm06:?}");
    assert_eq!(
        notes.normative.len() + notes.editorial.len(),
        notes.summary.normative + notes.summary.editorial
    );
    assert_eq!(notes.specification_fields, ["summary"]);
    // Every coverage note names a real item with its title.
    for c in &notes.coverage {
        assert!(!c.title.is_empty(), "{c:?}");
    }
    let md = String::from_utf8(bundle.files["notes.md"].clone()).unwrap();
    assert!(md.starts_with("# Steward Vulnerability Handling and Secure Release Baseline 1.1.0\n"));
    assert!(
        md.contains("Clarify SBOM \\| format"),
        "titles are escaped:\n{md}"
    );
    assert!(md.contains("https://charta.example.org/specs/steward-baseline/ballots/7"));
}

#[test]
fn a_first_release_lists_every_control_as_new() {
    let mut input = seed_input();
    input.predecessor = None;
    let bundle = build(&input, &catalogs()).unwrap();
    let n: usize = bundle.notes.levels.iter().map(|l| l.added.len()).sum();
    assert_eq!(n, input.spec.controls.len());
    assert!(bundle.notes.specification_fields.is_empty());
    assert!(
        bundle
            .notes
            .coverage
            .iter()
            .all(|c| c.change == ImpactKind::Covered)
    );
    assert!(bundle.notes.since.is_none());
}

#[test]
fn withdrawals_and_mapping_changes_are_reported() {
    // v1 -> v2 of the seed withdraws or changes controls and mappings.
    let mut input = seed_input();
    let v2 = spec(V2);
    input.content_hash =
        charta_domain::format::content_hash(&charta_domain::format::to_canonical(&v2));
    input.spec = v2;
    input.spec_version = 2;
    input.predecessor = Some(charta_release::Predecessor {
        version_name: "0.9.0".into(),
        spec: spec(V1),
    });
    let bundle = build(&input, &catalogs()).unwrap();
    let notes = &bundle.notes;
    let s = notes.summary;
    assert_eq!(
        s.mappings_added + s.mappings_modified + s.mappings_removed,
        notes.mappings.len()
    );
    for m in &notes.mappings {
        match m.change {
            ChangeKind::Added => assert!(m.before.is_none() && m.after.is_some()),
            ChangeKind::Removed => assert!(m.before.is_some() && m.after.is_none()),
            _ => assert!(m.before.is_some() && m.after.is_some()),
        }
    }
    let total: usize = notes
        .levels
        .iter()
        .map(|l| l.added.len() + l.modified.len() + l.withdrawn.len() + l.removed.len())
        .sum();
    assert_eq!(total, s.added + s.modified + s.withdrawn + s.removed);
    assert!(total > 0);
}

#[test]
fn refuses_inputs_that_would_publish_something_wrong() {
    let cats = catalogs();
    let refused = |f: &dyn Fn(&mut charta_release::ReleaseInput)| {
        let mut input = seed_input();
        f(&mut input);
        build(&input, &cats).unwrap_err()
    };
    assert!(matches!(
        refused(&|i| i.content_hash = "sha256:00".into()),
        ReleaseError::ContentHashMismatch { .. }
    ));
    assert!(matches!(
        refused(&|i| i.version_name = "1.0 final".into()),
        ReleaseError::InvalidInput {
            field: "version name",
            ..
        }
    ));
    assert!(matches!(
        refused(&|i| i.base_url = "charta.example.org".into()),
        ReleaseError::InvalidInput {
            field: "base URL",
            ..
        }
    ));
    assert!(matches!(
        refused(&|i| i.spec_slug = "other".into()),
        ReleaseError::InvalidInput {
            field: "spec slug",
            ..
        }
    ));
    assert!(matches!(
        refused(&|i| i.ballots[0].path = "ballots/7".into()),
        ReleaseError::InvalidInput {
            field: "ballot path",
            ..
        }
    ));
    assert!(matches!(
        refused(&|i| i.predecessor.as_mut().unwrap().version_name = "1.1.0".into()),
        ReleaseError::InvalidInput {
            field: "predecessor",
            ..
        }
    ));
    let err = refused(&|i| {
        i.spec.controls[0].mappings[0].target = "CRA:Nope".into();
        i.content_hash =
            charta_domain::format::content_hash(&charta_domain::format::to_canonical(&i.spec));
    });
    assert!(matches!(err, ReleaseError::InvalidSpec(_)), "{err}");
    let err = refused(&|i| {
        for c in &mut i.spec.controls {
            c.mappings.clear();
        }
        i.content_hash =
            charta_domain::format::content_hash(&charta_domain::format::to_canonical(&i.spec));
    });
    assert!(matches!(err, ReleaseError::NoMappings), "{err}");
}

#[test]
fn crosswalk_has_one_row_per_mapping() {
    let input = seed_input();
    let bundle = build(&input, &catalogs()).unwrap();
    let csv = String::from_utf8(bundle.files["crosswalk.csv"].clone()).unwrap();
    let mappings: usize = input.spec.controls.iter().map(|c| c.mappings.len()).sum();
    // No field of the seed holds a line break, so rows are lines.
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), mappings + 1);
    assert_eq!(
        lines[0],
        "control_id,control_title,level,status,catalog,item_id,item_title,relationship,rationale"
    );
    assert!(!csv.replace("\r\n", "").contains('\n'));
}
