#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
//! One OSCAL profile per level: each validates against NIST's OSCAL 1.2.3
//! schema, imports the release's own catalog (by a back-matter resource
//! that names its URL and SHA-256) and, resolved against it, selects
//! exactly the controls in force at that level or below.

mod common;

use charta_domain::format::{content_hash, to_canonical};
use charta_release::profile::PROFILES;
use charta_release::{CATALOG_OSCAL, ReleaseInput, build};
use common::oscal::assert_valid;
use common::{catalogs, seed_input};
use serde_json::Value;
use sha2::Digest;
use std::collections::BTreeSet;

/// Resolves a profile against the catalog it must import: follows the
/// import to its back-matter resource, checks the resource names the
/// release's catalog and its hash, and returns the selected control ids.
fn resolve(profile: &Value, catalog_bytes: &[u8], catalog_url: &str) -> BTreeSet<String> {
    let catalog: Value = serde_json::from_slice(catalog_bytes).unwrap();
    let all: BTreeSet<String> = catalog["catalog"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["controls"].as_array().unwrap())
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let p = &profile["profile"];
    let imports = p["imports"].as_array().unwrap();
    assert_eq!(imports.len(), 1);
    let import = &imports[0];
    let uuid = import["href"].as_str().unwrap().strip_prefix('#').unwrap();
    let resource = p["back-matter"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["uuid"] == uuid)
        .expect("the import names a back-matter resource");
    let rlink = &resource["rlinks"][0];
    assert_eq!(rlink["href"], catalog_url);
    assert_eq!(rlink["hashes"][0]["algorithm"], "SHA-256");
    assert_eq!(
        rlink["hashes"][0]["value"],
        hex::encode(sha2::Sha256::digest(catalog_bytes))
    );
    let ids = |key: &str| -> BTreeSet<String> {
        import[key]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["with-ids"].as_array().unwrap())
            .map(|id| {
                let id = id.as_str().unwrap().to_string();
                assert!(all.contains(&id), "{id} is not in the catalog");
                id
            })
            .collect()
    };
    let included = if import.get("include-all").is_some() {
        all.clone()
    } else {
        ids("include-controls")
    };
    included
        .difference(&ids("exclude-controls"))
        .cloned()
        .collect()
}

fn check(input: &ReleaseInput) {
    let bundle = build(input, &catalogs()).unwrap();
    let catalog_url = format!(
        "https://charta.example.org/releases/steward-baseline/{}/{CATALOG_OSCAL}",
        input.version_name
    );
    for (level, name) in (1u8..).zip(PROFILES) {
        let profile: Value = serde_json::from_slice(&bundle.files[name]).unwrap();
        assert_valid(&profile, "profile");
        assert_eq!(profile["profile"]["merge"]["as-is"], true);
        let selected = resolve(&profile, &bundle.files[CATALOG_OSCAL], &catalog_url);
        let expected: BTreeSet<String> = input
            .spec
            .active_controls()
            .filter(|c| c.level.get() <= level)
            .map(|c| c.id.to_ascii_lowercase())
            .collect();
        assert_eq!(selected, expected, "{name}");
    }
}

#[test]
fn each_level_selects_the_controls_in_force_at_or_below_it() {
    let input = seed_input();
    check(&input);
    // The seed has controls at every level and withdrawn ones, which no
    // profile selects.
    let bundle = build(&input, &catalogs()).unwrap();
    let l1: Value = serde_json::from_slice(&bundle.files[PROFILES[0]]).unwrap();
    let l3: Value = serde_json::from_slice(&bundle.files[PROFILES[2]]).unwrap();
    let n = |p: &Value| {
        p["profile"]["imports"][0]["include-controls"][0]["with-ids"]
            .as_array()
            .unwrap()
            .len()
    };
    assert!(n(&l1) < n(&l3));
    assert!(
        input
            .spec
            .controls
            .iter()
            .any(|c| c.status == charta_domain::ControlStatus::Withdrawn)
    );
}

#[test]
fn a_level_without_controls_resolves_to_nothing() {
    let mut input = seed_input();
    for c in &mut input.spec.controls {
        c.level = charta_domain::Level::new(3).unwrap();
    }
    input.content_hash = content_hash(&to_canonical(&input.spec));
    check(&input);
    let bundle = build(&input, &catalogs()).unwrap();
    let l1: Value = serde_json::from_slice(&bundle.files[PROFILES[0]]).unwrap();
    assert!(l1["profile"]["imports"][0].get("include-all").is_some());
}
