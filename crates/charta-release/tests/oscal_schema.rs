#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
//! The OSCAL artefacts validate against NIST's OSCAL 1.2.3 JSON schema (an
//! unmodified copy in `tests/oscal/`, checked by its SHA-256) and respect the
//! constraints the metaschemas state but the JSON schema cannot: unique
//! identifiers, allowed property and part names, allowed relationship
//! values, references that resolve and the required metadata.

mod common;

use charta_release::reference::item_token;
use charta_release::{CATALOG_OSCAL, MAPPING_OSCAL, build};
use common::oscal::{SCHEMA_SHA256, assert_valid, schema_bytes};
use common::{catalogs, seed_input};
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};

fn artefacts() -> (Value, Value) {
    let bundle = build(&seed_input(), &catalogs()).unwrap();
    (
        serde_json::from_slice(&bundle.files[CATALOG_OSCAL]).unwrap(),
        serde_json::from_slice(&bundle.files[MAPPING_OSCAL]).unwrap(),
    )
}

#[test]
fn the_schema_copy_is_unmodified() {
    use sha2::Digest;
    assert_eq!(
        hex::encode(sha2::Sha256::digest(schema_bytes())),
        SCHEMA_SHA256,
        "tests/oscal/oscal_complete_schema.json must stay NIST's file as released"
    );
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    // Guards against a validator that accepts everything: a bad token, a
    // missing metadata field and a bad UUID must each be refused.
    let (catalog, _) = artefacts();
    let bytes = schema_bytes();
    let schema: Value = serde_json::from_slice(&bytes).unwrap();
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    assert!(v.is_valid(&catalog));
    let mut bad = catalog.clone();
    bad["catalog"]["groups"][0]["controls"][0]["id"] = "SVH VM 01".into();
    assert!(!v.is_valid(&bad), "ids must be tokens");
    let mut bad = catalog.clone();
    bad["catalog"]["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("oscal-version");
    assert!(!v.is_valid(&bad), "oscal-version is required");
    let mut bad = catalog.clone();
    bad["catalog"]["metadata"]["last-modified"] = "2026-11-22".into();
    assert!(!v.is_valid(&bad), "timestamps need a time and a zone");
    let mut bad = catalog;
    bad["catalog"]["uuid"] = "not-a-uuid".into();
    assert!(!v.is_valid(&bad), "uuid pattern");
}

#[test]
fn catalog_validates_against_the_oscal_schema() {
    let (catalog, _) = artefacts();
    assert_valid(&catalog, "catalog");
}

#[test]
fn mapping_collection_validates_against_the_oscal_schema() {
    let (_, mapping) = artefacts();
    assert_valid(&mapping, "mapping-collection");
}

fn check_metadata(m: &Value, what: &str) {
    for key in ["title", "last-modified", "version", "oscal-version"] {
        assert!(m.get(key).is_some(), "{what}: metadata needs {key}");
    }
    assert_eq!(m["oscal-version"], "1.2.3");
    let roles: HashSet<&str> = m["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let parties: HashSet<&str> = m["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["uuid"].as_str().unwrap())
        .collect();
    let mut seen_roles = HashSet::new();
    for rp in m["responsible-parties"].as_array().unwrap() {
        let role = rp["role-id"].as_str().unwrap();
        assert!(roles.contains(role), "{what}: unknown role {role}");
        assert!(seen_roles.insert(role), "{what}: role {role} listed twice");
        for p in rp["party-uuids"].as_array().unwrap() {
            assert!(
                parties.contains(p.as_str().unwrap()),
                "{what}: unknown party"
            );
        }
    }
    // Props in OSCAL's own namespace must use the names it defines for
    // metadata (none of ours does).
    for p in m["props"].as_array().unwrap() {
        assert!(
            p.get("ns").is_some(),
            "{what}: metadata prop {p} needs a namespace"
        );
    }
}

fn oscal_prop_names(v: &Value) -> Vec<&str> {
    v["props"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter(|p| p.get("ns").is_none())
                .map(|p| p["name"].as_str().unwrap())
                .collect()
        })
        .unwrap_or_default()
}

/// Edge cases the seed does not have: a first release, a section without
/// controls or description, a title that spans lines, no guidance, a
/// withdrawn control replaced by two others, text with quotes and Unicode.
#[test]
fn edge_cases_validate_too() {
    use charta_domain::format::{content_hash, to_canonical};
    let mut input = seed_input();
    input.predecessor = None;
    input.ballots.clear();
    input.amendments.clear();
    input.group_name = "Groupe « sécurité » \"ouvert\"".into();
    let spec = &mut input.spec;
    spec.sections.push(charta_domain::Section {
        id: "ZZ".into(),
        title: "An empty\nsection".into(),
        description: String::new(),
    });
    spec.controls[0].title = "A title\nover two lines".into();
    spec.controls[0].guidance.clear();
    spec.controls[0].mappings[0].rationale = "Says \"why\", in ünïcödé.".into();
    let active: Vec<String> = spec
        .active_controls()
        .skip(1)
        .take(2)
        .map(|c| c.id.clone())
        .collect();
    spec.controls[0].status = charta_domain::ControlStatus::Withdrawn;
    spec.controls[0].replaced_by = active;
    input.content_hash = content_hash(&to_canonical(&input.spec));
    let bundle = build(&input, &catalogs()).unwrap();
    let catalog: Value = serde_json::from_slice(&bundle.files[CATALOG_OSCAL]).unwrap();
    let mapping: Value = serde_json::from_slice(&bundle.files[MAPPING_OSCAL]).unwrap();
    assert_valid(&catalog, "catalog");
    assert_valid(&mapping, "mapping-collection");
    let first = &catalog["catalog"]["groups"][0]["controls"][0];
    assert_eq!(first["title"], "A title over two lines");
    assert_eq!(first["links"].as_array().unwrap().len(), 3);
}

#[test]
fn catalog_respects_the_metaschema_constraints() {
    let (catalog, _) = artefacts();
    let c = &catalog["catalog"];
    check_metadata(&c["metadata"], "catalog");
    let mut ids = HashSet::new();
    let mut control_ids = HashSet::new();
    let mut links = Vec::new();
    for g in c["groups"].as_array().unwrap() {
        assert!(
            ids.insert(g["id"].as_str().unwrap()),
            "duplicate id {}",
            g["id"]
        );
        for name in oscal_prop_names(g) {
            assert!(
                ["label", "sort-id", "alt-identifier"].contains(&name),
                "group prop {name}"
            );
        }
        for p in g["parts"].as_array().into_iter().flatten() {
            assert!(["overview", "instruction"].contains(&p["name"].as_str().unwrap()));
            assert!(
                ids.insert(p["id"].as_str().unwrap()),
                "duplicate id {}",
                p["id"]
            );
        }
        for ctl in g["controls"].as_array().unwrap() {
            let id = ctl["id"].as_str().unwrap();
            assert!(ids.insert(id), "duplicate id {id}");
            control_ids.insert(id);
            for name in oscal_prop_names(ctl) {
                assert!(
                    ["label", "sort-id", "alt-identifier", "status"].contains(&name),
                    "control prop {name}"
                );
            }
            let withdrawn = ctl["props"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "status" && p["value"] == "withdrawn");
            let parts = ctl["parts"].as_array().unwrap();
            assert!(
                withdrawn || parts.iter().any(|p| p["name"] == "statement"),
                "{id} needs a statement part"
            );
            for p in parts {
                assert!(
                    [
                        "overview",
                        "statement",
                        "guidance",
                        "example",
                        "assessment-method"
                    ]
                    .contains(&p["name"].as_str().unwrap())
                );
                assert!(
                    ids.insert(p["id"].as_str().unwrap()),
                    "duplicate id {}",
                    p["id"]
                );
            }
            for l in ctl["links"].as_array().into_iter().flatten() {
                links.push((id, l.clone()));
            }
        }
    }
    // Links to other controls must resolve inside the catalog.
    let mut replaced = 0;
    for (id, l) in links {
        let href = l["href"].as_str().unwrap();
        if let Some(target) = href.strip_prefix('#') {
            assert!(
                control_ids.contains(target),
                "{id} links to unknown #{target}"
            );
            assert_eq!(l["rel"], "incorporated-into");
            replaced += 1;
        }
    }
    assert!(replaced > 0, "the seed has withdrawn, replaced controls");
}

#[test]
fn mapping_collection_respects_the_metaschema_constraints() {
    let (catalog, mapping) = artefacts();
    let cats = catalogs();
    let m = &mapping["mapping-collection"];
    check_metadata(&m["metadata"], "mapping collection");
    let prov = &m["provenance"];
    assert!(["human", "automation", "hybrid"].contains(&prov["method"].as_str().unwrap()));
    assert!(
        ["syntactic", "semantic", "functional"]
            .contains(&prov["matching-rationale"].as_str().unwrap())
    );
    assert!(
        [
            "complete",
            "not-complete",
            "draft",
            "deprecated",
            "superseded"
        ]
        .contains(&prov["status"].as_str().unwrap())
    );
    assert!(prov["mapping-description"].as_str().is_some());

    let control_ids: HashSet<String> = catalog["catalog"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["controls"].as_array().unwrap())
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let resources: HashSet<&str> = m["back-matter"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uuid"].as_str().unwrap())
        .collect();
    let mut uuids = BTreeSet::new();
    uuids.insert(m["uuid"].as_str().unwrap());
    for r in &resources {
        assert!(uuids.insert(r), "duplicate uuid {r}");
    }
    let allowed = [
        "equivalent-to",
        "equal-to",
        "subset-of",
        "superset-of",
        "intersects-with",
        "no-relationship",
    ];
    let mut maps = 0;
    for mp in m["mappings"].as_array().unwrap() {
        assert!(uuids.insert(mp["uuid"].as_str().unwrap()));
        for side in ["source-resource", "target-resource"] {
            assert_eq!(mp[side]["type"], "catalog");
            let href = mp[side]["href"].as_str().unwrap();
            let uuid = href.strip_prefix('#').expect("a back-matter reference");
            assert!(
                resources.contains(uuid),
                "{side} {href} is not in the back matter"
            );
        }
        for map in mp["maps"].as_array().unwrap() {
            maps += 1;
            assert!(
                uuids.insert(map["uuid"].as_str().unwrap()),
                "duplicate map uuid"
            );
            assert!(
                map.get("ns").is_none(),
                "relationships use OSCAL's namespace"
            );
            let rel = map["relationship"].as_str().unwrap();
            assert!(allowed.contains(&rel), "relationship {rel}");
            for s in map["sources"].as_array().unwrap() {
                assert!(["control", "statement"].contains(&s["type"].as_str().unwrap()));
                let id = s["id-ref"].as_str().unwrap();
                assert!(
                    control_ids.contains(id),
                    "source {id} is not in the catalog"
                );
            }
            for t in map["targets"].as_array().unwrap() {
                assert!(["control", "statement"].contains(&t["type"].as_str().unwrap()));
                let id = t["id-ref"].as_str().unwrap();
                assert!(
                    cats.catalogs()
                        .iter()
                        .flat_map(|c| c.items())
                        .any(|i| item_token(&i.id) == id),
                    "target {id} is not the token of a catalog item"
                );
            }
        }
    }
    let input = seed_input();
    let active_mappings: usize = input.spec.active_controls().map(|c| c.mappings.len()).sum();
    assert_eq!(
        maps, active_mappings,
        "one map per mapping of an active control"
    );
}

#[test]
fn relationships_read_from_control_to_item() {
    let (_, mapping) = artefacts();
    let input = seed_input();
    let m = &mapping["mapping-collection"];
    for mp in m["mappings"].as_array().unwrap() {
        for map in mp["maps"].as_array().unwrap() {
            let source = map["sources"][0]["id-ref"].as_str().unwrap();
            let target = map["targets"][0]["id-ref"].as_str().unwrap();
            let control = input
                .spec
                .controls
                .iter()
                .find(|c| c.id.to_ascii_lowercase() == source)
                .unwrap();
            let mapping = control
                .mappings
                .iter()
                .find(|x| item_token(&x.target) == target)
                .unwrap();
            let expected = match mapping.relationship.as_str() {
                "equivalent" => "equivalent-to",
                "subset" => "subset-of",
                "superset" => "superset-of",
                _ => "intersects-with",
            };
            assert_eq!(map["relationship"], expected, "{source} -> {target}");
            assert_eq!(map["remarks"], mapping.rationale.as_str());
        }
    }
}
