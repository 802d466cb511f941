#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
//! The reference catalogs as OSCAL catalogs: each validates against NIST's
//! OSCAL 1.2.3 schema, keeps every item (retired ones marked) under a
//! token id derived from its Charta identifier, and every map of every
//! release of the seed specification resolves to a control of the
//! catalog its mapping's target resource names first.

mod common;

use charta_domain::format::{content_hash, to_canonical};
use charta_release::reference::{self, catalog_oscal_url, item_token};
use charta_release::{MAPPING_OSCAL, build};
use common::oscal::assert_valid;
use common::{V1, V2, V3, catalogs, seed_input, spec};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

const BASE: &str = "https://charta.example.org";

/// Every control of an OSCAL catalog, at any depth, by id.
fn controls(doc: &Value) -> HashMap<String, Value> {
    fn walk(v: &Value, out: &mut HashMap<String, Value>) {
        for c in v["controls"].as_array().into_iter().flatten() {
            let id = c["id"].as_str().unwrap().to_string();
            assert!(out.insert(id.clone(), c.clone()).is_none(), "{id} twice");
            walk(c, out);
        }
    }
    let mut out = HashMap::new();
    for g in doc["catalog"]["groups"].as_array().unwrap() {
        walk(g, &mut out);
    }
    out
}

fn prop<'a>(c: &'a Value, name: &str) -> Vec<&'a str> {
    c["props"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["name"] == name)
        .map(|p| p["value"].as_str().unwrap())
        .collect()
}

/// The served documents, by their URL.
fn served() -> BTreeMap<String, Value> {
    catalogs()
        .catalogs()
        .iter()
        .map(|c| {
            let bytes = reference::catalog(c, BASE).unwrap();
            (
                catalog_oscal_url(BASE, &c.catalog),
                serde_json::from_slice(&bytes).unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_reference_catalog_validates_against_the_oscal_schema() {
    for (url, doc) in served() {
        assert_valid(&doc, "catalog");
        assert_eq!(
            doc["catalog"]["metadata"]["oscal-version"], "1.2.3",
            "{url}"
        );
    }
}

#[test]
fn every_item_is_a_control_with_its_charta_identifier() {
    let set = catalogs();
    for cat in set.catalogs() {
        let doc: Value = serde_json::from_slice(&reference::catalog(cat, BASE).unwrap()).unwrap();
        let controls = controls(&doc);
        assert_eq!(controls.len(), cat.items().count(), "{}", cat.catalog);
        let mut ids = HashSet::new();
        for item in cat.items() {
            let c = &controls[&item_token(&item.id)];
            assert_eq!(prop(c, "alt-identifier"), [item.id.as_str()]);
            assert!(ids.insert(c["id"].as_str().unwrap().to_string()));
            let withdrawn = prop(c, "status") == ["withdrawn"];
            assert_eq!(withdrawn, !item.in_force(), "{}", item.id);
            // A child sits inside its parent's control.
            if let Some(p) = &item.parent {
                let parent = &controls[&item_token(p)];
                assert!(
                    parent["controls"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|k| k["id"] == item_token(&item.id)),
                    "{} is not inside {p}",
                    item.id
                );
            }
        }
    }
}

#[test]
fn retired_requirements_are_kept_and_marked() {
    let set = catalogs();
    let osps = set.catalog("osps-baseline").unwrap();
    let doc: Value = serde_json::from_slice(&reference::catalog(osps, BASE).unwrap()).unwrap();
    let c = &controls(&doc)["osps-br-01-02"];
    assert_eq!(prop(c, "status"), ["withdrawn"]);
    assert_eq!(prop(c, "item-status"), ["retired"]);
    assert_eq!(prop(c, "alt-identifier"), ["OSPS-BR-01.02"]);
}

#[test]
fn annex_i_items_carry_the_standard_the_request_numbers_for_them() {
    let set = catalogs();
    let cra = set.catalog("cra").unwrap();
    let doc: Value = serde_json::from_slice(&reference::catalog(cra, BASE).unwrap()).unwrap();
    let all = controls(&doc);
    for (token, standard) in [
        ("cra-annexi-p1-1", "1"),
        ("cra-annexi-p1-2-a", "2"),
        ("cra-annexi-p1-2-m", "14"),
        ("cra-annexi-p2-1", "15"),
        ("cra-annexi-p2-8", "15"),
    ] {
        let c = all.get(token).unwrap_or_else(|| panic!("{token} missing"));
        assert_eq!(prop(c, "standardisation-request"), [standard], "{token}");
    }
    // Point (2) states a condition and has no standard of its own, and
    // articles are outside the request's list.
    assert!(prop(&all["cra-annexi-p1-2"], "standardisation-request").is_empty());
    assert!(prop(&all["cra-art24-1"], "standardisation-request").is_empty());
}

#[test]
fn rendering_is_deterministic_and_ids_do_not_depend_on_the_instance() {
    let set = catalogs();
    for cat in set.catalogs() {
        let a = reference::catalog(cat, BASE).unwrap();
        assert_eq!(a, reference::catalog(cat, BASE).unwrap());
        let b: Value =
            serde_json::from_slice(&reference::catalog(cat, "https://other.example/").unwrap())
                .unwrap();
        let a: Value = serde_json::from_slice(&a).unwrap();
        let ka: HashSet<String> = controls(&a).into_keys().collect();
        let kb: HashSet<String> = controls(&b).into_keys().collect();
        assert_eq!(ka, kb);
    }
}

/// Every map of the mapping collection of each release resolves: the
/// target resource's first link is a served reference catalog and the
/// target's id is a control in it.
#[test]
fn every_map_of_every_release_resolves() {
    let served = served();
    let set = catalogs();
    let mut releases = vec![seed_input()];
    for (i, text) in [V1, V2, V3].into_iter().enumerate() {
        let mut input = seed_input();
        input.spec = spec(text);
        input.content_hash = content_hash(&to_canonical(&input.spec));
        input.spec_version = i as u64 + 1;
        input.version_name = format!("0.{}.0", i + 1);
        input.predecessor = None;
        releases.push(input);
    }
    let mut resolved = 0;
    for input in releases {
        let bundle = build(&input, &set).unwrap();
        let m: Value = serde_json::from_slice(&bundle.files[MAPPING_OSCAL]).unwrap();
        let m = &m["mapping-collection"];
        let resources: HashMap<&str, &Value> = m["back-matter"]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["uuid"].as_str().unwrap(), r))
            .collect();
        for mapping in m["mappings"].as_array().unwrap() {
            let href = mapping["target-resource"]["href"].as_str().unwrap();
            let resource = resources[href.strip_prefix('#').unwrap()];
            let url = resource["rlinks"][0]["href"].as_str().unwrap();
            let doc = served
                .get(url)
                .unwrap_or_else(|| panic!("{url} is not a served reference catalog"));
            let ids = controls(doc);
            for map in mapping["maps"].as_array().unwrap() {
                for t in map["targets"].as_array().unwrap() {
                    let id = t["id-ref"].as_str().unwrap();
                    assert!(ids.contains_key(id), "{id} is not a control of {url}");
                    resolved += 1;
                }
            }
        }
    }
    assert!(resolved > 50, "only {resolved} maps");
}

/// Every property in Charta's namespace, in every OSCAL document Charta
/// writes, is documented, and the namespace is the same fixed name
/// whatever the instance.
#[test]
fn every_charta_property_is_documented() {
    use charta_release::oscal::{NS, PROPS};
    fn walk<'a>(v: &'a Value, out: &mut Vec<(&'a str, &'a str)>) {
        match v {
            Value::Object(m) => {
                if let (Some(Value::String(name)), Some(Value::String(ns))) =
                    (m.get("name"), m.get("ns"))
                    && m.contains_key("value")
                {
                    out.push((ns, name));
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    assert!(NS.starts_with("urn:uuid:") && !NS.contains("example"));
    let bundle = build(&seed_input(), &catalogs()).unwrap();
    let mut docs: Vec<Value> = bundle
        .files
        .iter()
        .filter(|(name, _)| name.ends_with(".oscal.json"))
        .map(|(_, b)| serde_json::from_slice(b).unwrap())
        .collect();
    docs.extend(served().into_values());
    let mut seen = HashSet::new();
    for doc in &docs {
        let mut props = Vec::new();
        walk(doc, &mut props);
        for (ns, name) in props {
            assert_eq!(ns, NS, "{name} uses another namespace");
            assert!(
                PROPS.iter().any(|p| p.name == name),
                "{name} is not documented"
            );
            seen.insert(name);
        }
    }
    for p in PROPS {
        assert!(
            seen.contains(p.name),
            "{} is documented but never written",
            p.name
        );
    }
}
