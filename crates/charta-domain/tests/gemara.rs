//! Gemara layer-2 catalogs: the importer reads files shaped like the OSPS
//! Baseline's (written for these tests, in `tests/gemara/`), with levels,
//! retired requirements and guideline mappings; the project's own Baseline
//! catalog carries the same upstream facts; and a specification exported
//! as Gemara reads back with its controls, levels, withdrawals and
//! mappings.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::CatalogSet;
use charta_domain::catalog::ItemStatus;
use charta_domain::format::parse_spec;
use charta_domain::gemara::{CatalogHeader, cra_item, export, import, is_cra};

const FAMILY: &str = include_str!("gemara/OSPS-BR.yaml");
const WHOLE: &str = include_str!("gemara/catalog.yaml");
const SEED: &str = include_str!("../../../specs/seed/steward-baseline/v3.yaml");

fn header(slug: &str) -> CatalogHeader {
    CatalogHeader {
        catalog: slug.into(),
        title: "Imported".into(),
        version: "test".into(),
        revised: Some("2026-12-06".into()),
        publisher: "Tests".into(),
        source: "https://example.org/source".into(),
        description: String::new(),
    }
}

#[test]
fn a_release_family_file_imports_with_levels_retirements_and_mappings() {
    let cat = import(
        &[("OSPS-BR.yaml".into(), FAMILY.into())],
        &header("osps-test"),
    )
    .unwrap();
    let ids: Vec<&str> = cat.items().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "OSPS-BR-01",
            "OSPS-BR-01.01",
            "OSPS-BR-01.02",
            "OSPS-BR-01.04",
            "OSPS-BR-07",
            "OSPS-BR-07.01",
            "OSPS-DO-07",
            "OSPS-DO-07.01"
        ]
    );
    let sections: Vec<(&str, &str)> = cat
        .sections
        .iter()
        .map(|s| (s.id.as_str(), s.title.as_str()))
        .collect();
    assert_eq!(
        sections,
        [
            ("br", "Build and Release (BR)"),
            ("do", "Build and Release (DO)")
        ]
    );
    let item = |id: &str| cat.items().find(|i| i.id == id).unwrap();
    assert_eq!(
        item("OSPS-BR-01").title,
        "Keep Untrusted Input Out of Builds"
    );
    assert_eq!(item("OSPS-BR-01.01").level, Some(1));
    assert_eq!(item("OSPS-BR-01.04").level, Some(3));
    assert_eq!(
        item("OSPS-BR-07.01").level,
        Some(1),
        "level 1 only, as upstream lists it"
    );
    assert_eq!(item("OSPS-DO-07.01").level, Some(2));
    let retired = item("OSPS-BR-01.02");
    assert_eq!(retired.status, Some(ItemStatus::Retired));
    assert_eq!(
        (retired.level, retired.parent.as_deref()),
        (None, Some("OSPS-BR-01"))
    );
    let maps = &item("OSPS-BR-01").guideline_mappings;
    assert_eq!(maps.len(), 2);
    assert!(is_cra(&maps[0].reference_id));
    assert_eq!(maps[0].entries, ["1.2f"]);
    assert_eq!(maps[1].entries, ["PW.4.1"]);
    assert!(
        item("OSPS-DO-07").guideline_mappings.is_empty(),
        "a null mapping list"
    );
}

#[test]
fn a_whole_catalog_in_the_newer_shape_imports() {
    let cat = import(&[("catalog.yaml".into(), WHOLE.into())], &header("tb")).unwrap();
    assert_eq!(cat.sections[0].title, "Access Control (AC)");
    assert!(cat.description.contains("newer Gemara"));
    let items: Vec<_> = cat.items().collect();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].guideline_mappings[0].entries, ["1.2d", "2.5"]);
    assert_eq!(items[1].level, Some(1));
    assert_eq!(items[2].status, Some(ItemStatus::Retired));
}

#[test]
fn files_that_are_not_control_catalogs_are_refused() {
    let err = import(
        &[("x.yaml".into(), "title: nothing\n".into())],
        &header("x"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("no controls"), "{err}");
    let no_level = FAMILY.replace(
        "          - Maturity Level 3\n        recommendation",
        "          - Level three\n        recommendation",
    );
    let no_level = no_level.replace(
        "          - Maturity Level 1\n          - Maturity Level 2\n",
        "",
    );
    let err = import(&[("x.yaml".into(), no_level)], &header("x")).unwrap_err();
    assert!(
        err.to_string()
            .contains("OSPS-BR-01.01 names no maturity level"),
        "{err}"
    );
}

/// The project's own Baseline catalog keeps its paraphrases but carries
/// the upstream facts the fixture states: the retired requirement and the
/// Baseline's CRA mapping of OSPS-BR-01.
#[test]
fn the_project_catalog_carries_the_upstream_facts() {
    let imported = import(
        &[("OSPS-BR.yaml".into(), FAMILY.into())],
        &header("osps-test"),
    )
    .unwrap();
    let set = CatalogSet::builtin().unwrap();
    for id in ["OSPS-BR-01", "OSPS-BR-01.02"] {
        let ours = set.item(id).unwrap().item;
        let theirs = imported.items().find(|i| i.id == id).unwrap();
        assert_eq!(ours.status, theirs.status, "{id}");
        let cra = |i: &charta_domain::CatalogItem| -> Vec<String> {
            i.guideline_mappings
                .iter()
                .filter(|m| is_cra(&m.reference_id))
                .flat_map(|m| m.entries.clone())
                .collect()
        };
        assert_eq!(cra(ours), cra(theirs), "{id}");
    }
    // Every CRA entry of the project's Baseline catalog names a CRA item.
    let mut n = 0;
    for item in set.catalog("osps-baseline").unwrap().items() {
        for m in item
            .guideline_mappings
            .iter()
            .filter(|m| is_cra(&m.reference_id))
        {
            for e in &m.entries {
                let id = cra_item(e).unwrap_or_else(|| panic!("{}: {e}", item.id));
                assert!(set.item(&id).is_some(), "{id}");
                n += 1;
            }
        }
    }
    assert!(n > 100, "{n} entries");
}

#[test]
fn a_specification_exported_as_gemara_reads_back() {
    let spec = parse_spec(SEED).unwrap();
    let set = CatalogSet::builtin().unwrap();
    let yaml = export(&spec, &set).unwrap();
    assert_eq!(yaml, export(&spec, &set).unwrap(), "deterministic");
    let cat = import(&[("spec.yaml".into(), yaml)], &header("round-trip")).unwrap();
    for c in &spec.controls {
        let control = cat.items().find(|i| i.id == c.id).unwrap();
        assert_eq!(control.title, c.title.trim());
        assert_eq!(control.text, c.statement.trim());
        let req = cat
            .items()
            .find(|i| i.id == format!("{}.01", c.id))
            .unwrap();
        assert_eq!(req.parent.as_deref(), Some(c.id.as_str()));
        match c.status {
            charta_domain::ControlStatus::Active => {
                assert_eq!(req.level, Some(c.level.get()));
                assert_eq!(req.status, None);
            }
            charta_domain::ControlStatus::Withdrawn => {
                assert_eq!(req.status, Some(ItemStatus::Retired));
            }
        }
        let mut targets: Vec<String> = control
            .guideline_mappings
            .iter()
            .flat_map(|m| m.entries.clone())
            .collect();
        let mut want: Vec<String> = c.mappings.iter().map(|m| m.target.clone()).collect();
        targets.sort();
        want.sort();
        assert_eq!(targets, want, "{}", c.id);
    }
    let sections: Vec<&str> = cat.sections.iter().map(|s| s.id.as_str()).collect();
    let want: Vec<String> = spec
        .sections
        .iter()
        .filter(|s| spec.controls.iter().any(|c| c.section == s.id))
        .map(|s| s.id.to_ascii_lowercase())
        .collect();
    assert_eq!(sections, want);
}
