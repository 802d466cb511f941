//! Shared fixtures: the seed specification released with fixed inputs.

#![allow(dead_code, reason = "each test file uses part of the fixtures")]

use charta_domain::format::{content_hash, parse_spec, to_canonical};
use charta_domain::{CatalogSet, Spec};
use charta_release::{AmendmentRef, BallotRef, Predecessor, ReleaseInput, SigningKey};
use time::macros::date;

pub mod oscal;

pub const V1: &str = include_str!("../../../../specs/seed/steward-baseline/v1.yaml");
pub const V2: &str = include_str!("../../../../specs/seed/steward-baseline/v2.yaml");
pub const V3: &str = include_str!("../../../../specs/seed/steward-baseline/v3.yaml");

pub fn catalogs() -> CatalogSet {
    CatalogSet::builtin().unwrap()
}

pub fn spec(text: &str) -> Spec {
    parse_spec(text).unwrap()
}

/// Release 1.1.0 of the seed specification's version 3, following release
/// 1.0.0 of its version 2, on a fixed date.
pub fn seed_input() -> ReleaseInput {
    let spec = spec(V3);
    ReleaseInput {
        spec_slug: "steward-baseline".into(),
        spec_title: spec.title.clone(),
        group_slug: "oss-stewards".into(),
        group_name: "Open Source Stewards Security Working Group".into(),
        version_name: "1.1.0".into(),
        spec_version: 3,
        date: date!(2026 - 11 - 22),
        content_hash: content_hash(&to_canonical(&spec)),
        spec,
        predecessor: Some(Predecessor {
            version_name: "1.0.0".into(),
            spec: self::spec(V2),
        }),
        ballots: vec![BallotRef {
            id: "7".into(),
            path: "/specs/steward-baseline/ballots/7".into(),
            outcome: "passed: 3 yes, 0 no, 0 abstain".into(),
        }],
        amendments: vec![
            AmendmentRef {
                number: 4,
                title: "Add incident reporting under Article 24(3)".into(),
                path: "/specs/steward-baseline/amendments/4".into(),
            },
            AmendmentRef {
                number: 5,
                title: "Clarify SBOM | format, \"quoted\" and *starred*".into(),
                path: "/specs/steward-baseline/amendments/5".into(),
            },
        ],
        base_url: "https://charta.example.org".into(),
        audit_checkpoint: None,
    }
}

/// A key made from a fixed seed, so signatures in tests are reproducible.
pub fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}
