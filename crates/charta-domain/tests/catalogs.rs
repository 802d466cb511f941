//! Pins the contents of the built-in reference catalogs: how many items each
//! part holds, their identifiers and a sample of titles and levels. A change
//! to a catalog file that adds, drops or renumbers items fails here first.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::CatalogSet;
use charta_domain::catalog::{Catalog, CatalogItem, CatalogSection, ItemStatus};
use std::collections::{BTreeMap, HashSet};

const EUR_LEX: &str = "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:32024R2847";

fn set() -> CatalogSet {
    CatalogSet::builtin().expect("the built-in catalogs load")
}

fn catalog<'a>(set: &'a CatalogSet, slug: &str) -> &'a Catalog {
    set.catalog(slug)
        .unwrap_or_else(|| panic!("catalog {slug} is missing"))
}

fn section<'a>(cat: &'a Catalog, id: &str) -> &'a CatalogSection {
    cat.sections
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("catalog {} has no section {id}", cat.catalog))
}

fn item<'a>(set: &'a CatalogSet, id: &str) -> &'a CatalogItem {
    set.item(id)
        .unwrap_or_else(|| panic!("item {id} does not resolve"))
        .item
}

fn ids(items: &[CatalogItem]) -> Vec<&str> {
    items.iter().map(|i| i.id.as_str()).collect()
}

fn top_level(items: &[CatalogItem]) -> Vec<&str> {
    items
        .iter()
        .filter(|i| i.parent.is_none())
        .map(|i| i.id.as_str())
        .collect()
}

fn children_of<'a>(items: &'a [CatalogItem], parent: &str) -> Vec<&'a str> {
    items
        .iter()
        .filter(|i| i.parent.as_deref() == Some(parent))
        .map(|i| i.id.as_str())
        .collect()
}

fn numbered(prefix: &str, range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|n| format!("{prefix}{n}")).collect()
}

fn lettered(prefix: &str, letters: &str) -> Vec<String> {
    letters.chars().map(|c| format!("{prefix}{c}")).collect()
}

#[test]
fn three_catalogs_with_their_slugs() {
    let set = set();
    let slugs: Vec<&str> = set.catalogs().iter().map(|c| c.catalog.as_str()).collect();
    assert_eq!(slugs, ["cra", "openssf-prs", "osps-baseline"]);
    let total: usize = set.catalogs().iter().map(|c| c.items().count()).sum();
    assert_eq!(total, 114 + 32 + 106);
}

#[test]
fn every_item_has_a_title_and_a_text() {
    let set = set();
    for cat in set.catalogs() {
        assert!(!cat.description.trim().is_empty(), "{}", cat.catalog);
        for i in cat.items() {
            assert!(!i.title.trim().is_empty(), "{} has no title", i.id);
            assert!(!i.text.trim().is_empty(), "{} has no text", i.id);
            assert!(i.title.len() <= 80, "{} has a long title", i.id);
            assert!(i.text.len() <= 500, "{} has a long text", i.id);
        }
    }
}

#[test]
fn cra_sections_in_order() {
    let set = set();
    let cra = catalog(&set, "cra");
    let sections: Vec<&str> = cra.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        sections,
        [
            "annex-i-part-i",
            "annex-i-part-ii",
            "art-3",
            "art-13",
            "art-14",
            "art-15",
            "art-16",
            "art-24",
            "art-25",
            "annex-ii",
            "annex-vii"
        ]
    );
    assert_eq!(cra.items().count(), 96 + 1 + 9 + 5 + 2 + 1);
    // Headings as in the Official Journal.
    assert_eq!(
        section(cra, "annex-i-part-ii").title,
        "Annex I: Essential cybersecurity requirements, Part II: Vulnerability handling requirements"
    );
    assert_eq!(section(cra, "art-3").title, "Article 3: Definitions");
    assert_eq!(cra.version, "OJ L, 2024/2847, 20.11.2024");
    assert_eq!(cra.source, "http://data.europa.eu/eli/reg/2024/2847/oj");
}

#[test]
fn cra_annex_i() {
    let set = set();
    let cra = catalog(&set, "cra");

    // Part I: point (1), point (2) with its condition, and the thirteen
    // points (2)(a) to (2)(m) under it.
    let p1 = &section(cra, "annex-i-part-i").items;
    assert_eq!(top_level(p1), ["CRA:AnnexI.P1.1", "CRA:AnnexI.P1.2"]);
    assert_eq!(
        children_of(p1, "CRA:AnnexI.P1.2"),
        lettered("CRA:AnnexI.P1.2.", "abcdefghijklm")
    );
    assert_eq!(p1.len(), 2 + 13);
    assert!(p1.iter().all(|i| i.level.is_none()));
    let point2 = item(&set, "CRA:AnnexI.P1.2");
    assert!(point2.text.contains("Article 13(2)") && point2.text.contains("where applicable"));

    // Part II: points (1) to (8).
    let p2 = &section(cra, "annex-i-part-ii").items;
    assert_eq!(ids(p2), numbered("CRA:AnnexI.P2.", 1..=8));
    assert_eq!(p2.len(), 8);
}

#[test]
fn cra_articles() {
    let set = set();
    let cra = catalog(&set, "cra");

    let a13 = &section(cra, "art-13").items;
    assert_eq!(top_level(a13), numbered("CRA:Art13.", 1..=25));
    assert_eq!(a13.len(), 25);

    let a14 = &section(cra, "art-14").items;
    assert_eq!(top_level(a14), numbered("CRA:Art14.", 1..=10));
    assert_eq!(
        children_of(a14, "CRA:Art14.2"),
        lettered("CRA:Art14.2.", "abc")
    );
    assert_eq!(
        children_of(a14, "CRA:Art14.4"),
        lettered("CRA:Art14.4.", "abc")
    );
    assert_eq!(a14.len(), 10 + 6);

    let a24 = &section(cra, "art-24").items;
    assert_eq!(ids(a24), numbered("CRA:Art24.", 1..=3));

    let a15 = &section(cra, "art-15").items;
    assert_eq!(ids(a15), numbered("CRA:Art15.", 1..=5));
    let a16 = &section(cra, "art-16").items;
    assert_eq!(ids(a16), numbered("CRA:Art16.", 1..=2));
    assert_eq!(ids(&section(cra, "art-25").items), ["CRA:Art25"]);
    let a3 = &section(cra, "art-3").items;
    let want: Vec<String> = [13, 14, 20, 39, 40, 41, 42, 44, 48]
        .iter()
        .map(|n| format!("CRA:Art3.{n}"))
        .collect();
    assert_eq!(ids(a3), want);
}

#[test]
fn cra_annexes_ii_and_vii() {
    let set = set();
    let cra = catalog(&set, "cra");

    let a2 = &section(cra, "annex-ii").items;
    assert_eq!(top_level(a2), numbered("CRA:AnnexII.", 1..=9));
    assert_eq!(
        children_of(a2, "CRA:AnnexII.8"),
        lettered("CRA:AnnexII.8.", "abcdef")
    );
    assert_eq!(a2.len(), 9 + 6);

    let a7 = &section(cra, "annex-vii").items;
    assert_eq!(top_level(a7), numbered("CRA:AnnexVII.", 1..=8));
    assert_eq!(
        children_of(a7, "CRA:AnnexVII.1"),
        lettered("CRA:AnnexVII.1.", "abcd")
    );
    assert_eq!(
        children_of(a7, "CRA:AnnexVII.2"),
        lettered("CRA:AnnexVII.2.", "abc")
    );
    assert_eq!(a7.len(), 8 + 4 + 3);
}

#[test]
fn cra_items_cite_and_link_the_regulation() {
    let set = set();
    let cra = catalog(&set, "cra");
    for sec in &cra.sections {
        let anchor = match sec.id.as_str() {
            "annex-i-part-i" | "annex-i-part-ii" => "#anx_I",
            "art-3" => "#art_3",
            "art-13" => "#art_13",
            "art-14" => "#art_14",
            "art-15" => "#art_15",
            "art-16" => "#art_16",
            "art-24" => "#art_24",
            "art-25" => "#art_25",
            "annex-ii" => "#anx_II",
            "annex-vii" => "#anx_VII",
            other => panic!("unexpected section {other}"),
        };
        for i in &sec.items {
            assert!(i.id.starts_with("CRA:"), "{}", i.id);
            assert!(i.reference.is_some(), "{} has no reference", i.id);
            assert_eq!(
                i.link.as_deref(),
                Some(format!("{EUR_LEX}{anchor}").as_str()),
                "{}",
                i.id
            );
            if let Some(p) = &i.parent {
                assert!(i.id.starts_with(&format!("{p}.")), "{} under {p}", i.id);
            }
        }
    }
}

#[test]
fn cra_samples() {
    let set = set();

    let i = item(&set, "CRA:AnnexI.P2.5");
    assert_eq!(i.title, "Coordinated vulnerability disclosure policy");
    assert_eq!(i.reference.as_deref(), Some("Annex I, Part II, point (5)"));

    let i = item(&set, "CRA:AnnexI.P1.2.a");
    assert_eq!(i.title, "No known exploitable vulnerabilities");
    assert_eq!(
        i.reference.as_deref(),
        Some("Annex I, Part I, point (2)(a)")
    );

    let i = item(&set, "CRA:Art13.8");
    assert_eq!(i.title, "Support period and vulnerability handling");
    assert_eq!(i.reference.as_deref(), Some("Article 13(8)"));

    let i = item(&set, "CRA:Art14.2.c");
    assert_eq!(i.title, "Final report within 14 days of a fix");
    assert_eq!(i.reference.as_deref(), Some("Article 14(2), point (c)"));
    assert_eq!(i.parent.as_deref(), Some("CRA:Art14.2"));

    let i = item(&set, "CRA:Art24.1");
    assert_eq!(i.title, "Steward cybersecurity policy");

    let i = item(&set, "CRA:AnnexII.8.e");
    assert_eq!(i.title, "Turning off automatic updates");
    assert_eq!(i.reference.as_deref(), Some("Annex II, point 8(e)"));
    assert_eq!(i.parent.as_deref(), Some("CRA:AnnexII.8"));

    let i = item(&set, "CRA:AnnexVII.2.b");
    assert_eq!(i.title, "Vulnerability-handling processes");
    assert_eq!(i.reference.as_deref(), Some("Annex VII, point 2(b)"));

    let r = set.item("CRA:AnnexI.P2.5").unwrap();
    assert_eq!(r.catalog.catalog, "cra");
    assert_eq!(r.section.id, "annex-i-part-ii");
}

#[test]
fn prs_tracks_and_levels() {
    let set = set();
    let prs = catalog(&set, "openssf-prs");
    assert_eq!(prs.items().count(), 32);

    let tracks: Vec<(&str, usize)> = prs
        .sections
        .iter()
        .map(|s| (s.id.as_str(), s.items.len()))
        .collect();
    assert_eq!(
        tracks,
        [("authn", 12), ("authz", 6), ("gen", 9), ("cli", 5)]
    );

    // Items per level within each track (levels 1, 2, 3).
    let per_track: Vec<[usize; 3]> = prs
        .sections
        .iter()
        .map(|s| {
            let mut n = [0; 3];
            for i in &s.items {
                n[usize::from(i.level.expect("every PRS item has a level")) - 1] += 1;
            }
            n
        })
        .collect();
    assert_eq!(per_track, [[5, 4, 3], [2, 1, 3], [2, 4, 3], [1, 1, 3]]);

    let mut per_level = BTreeMap::new();
    for i in prs.items() {
        *per_level.entry(i.level.unwrap()).or_insert(0) += 1;
    }
    assert_eq!(per_level, BTreeMap::from([(1, 10), (2, 10), (3, 12)]));

    // The id carries the track and the level: OSSF-PRS:<TRACK>-<level>.<n>.
    for sec in &prs.sections {
        let prefix = format!("OSSF-PRS:{}-", sec.id.to_uppercase());
        for i in &sec.items {
            let rest =
                i.id.strip_prefix(&prefix)
                    .unwrap_or_else(|| panic!("{}", i.id));
            let (level, n) = rest.split_once('.').unwrap();
            assert_eq!(level.parse::<u8>().ok(), i.level, "{}", i.id);
            assert!(n.parse::<u8>().is_ok(), "{}", i.id);
            assert!(i.parent.is_none(), "{}", i.id);
            assert!(i.link.is_some(), "{}", i.id);
        }
    }
}

#[test]
fn prs_samples() {
    let set = set();
    let i = item(&set, "OSSF-PRS:AUTHN-1.3");
    assert_eq!(i.title, "Multi-factor authentication supported");
    assert_eq!(i.level, Some(1));

    let i = item(&set, "OSSF-PRS:AUTHZ-3.1");
    assert_eq!(i.title, "Short-lived tokens through OIDC");
    assert_eq!(i.level, Some(3));

    let i = item(&set, "OSSF-PRS:GEN-1.1");
    assert_eq!(i.title, "Vulnerability disclosure policy with safe harbour");
    assert_eq!(i.level, Some(1));

    let i = item(&set, "OSSF-PRS:CLI-3.3");
    assert_eq!(i.level, Some(3));
    assert!(set.item("OSSF-PRS:CLI-1.2").is_none());
}

#[test]
fn osps_controls_and_requirements() {
    let set = set();
    let osps = catalog(&set, "osps-baseline");

    let families: Vec<(&str, usize)> = osps
        .sections
        .iter()
        .map(|s| (s.id.as_str(), top_level(&s.items).len()))
        .collect();
    assert_eq!(
        families,
        [
            ("ac", 4),
            ("br", 7),
            ("do", 7),
            ("gv", 4),
            ("le", 3),
            ("qa", 7),
            ("sa", 3),
            ("vm", 6)
        ]
    );

    let controls: Vec<&CatalogItem> = osps.items().filter(|i| i.parent.is_none()).collect();
    let requirements: Vec<&CatalogItem> = osps
        .items()
        .filter(|i| i.parent.is_some() && i.in_force())
        .collect();
    assert_eq!(controls.len(), 41);
    assert_eq!(requirements.len(), 64);

    for c in &controls {
        assert!(c.level.is_none(), "control {} has a level", c.id);
        assert_eq!(c.id.len(), "OSPS-AC-01".len(), "{}", c.id);
    }

    let mut per_level = BTreeMap::new();
    for r in &requirements {
        let level = r.level.unwrap_or_else(|| panic!("{} has no level", r.id));
        *per_level.entry(level).or_insert(0) += 1;
    }
    assert_eq!(per_level, BTreeMap::from([(1, 24), (2, 19), (3, 21)]));

    // Every requirement follows its control, in the same family section.
    for sec in &osps.sections {
        let family = format!("OSPS-{}-", sec.id.to_uppercase());
        let mut seen = HashSet::new();
        for i in &sec.items {
            assert!(i.id.starts_with(&family), "{} in {}", i.id, sec.id);
            match &i.parent {
                None => {
                    seen.insert(i.id.as_str());
                }
                Some(p) => {
                    assert!(
                        seen.contains(p.as_str()),
                        "{} comes before its control {p}",
                        i.id
                    );
                    assert!(i.id.starts_with(&format!("{p}.")), "{} under {p}", i.id);
                    let parent = set.item(p).expect("the parent resolves");
                    assert!(parent.item.parent.is_none(), "{p} is a control");
                }
            }
        }
    }

    // Every control has at least one requirement.
    for c in &controls {
        assert!(
            requirements
                .iter()
                .any(|r| r.parent.as_deref() == Some(c.id.as_str())),
            "{} has no requirement",
            c.id
        );
    }
}

#[test]
fn osps_retired_requirement_is_kept_and_marked() {
    let set = set();
    let retired = item(&set, "OSPS-BR-01.02");
    assert_eq!(retired.status, Some(ItemStatus::Retired));
    assert_eq!(retired.level, None);
    let br01 = children_of(
        &section(catalog(&set, "osps-baseline"), "br").items,
        "OSPS-BR-01",
    );
    assert_eq!(
        br01,
        [
            "OSPS-BR-01.01",
            "OSPS-BR-01.02",
            "OSPS-BR-01.03",
            "OSPS-BR-01.04"
        ]
    );
    let retired: Vec<&str> = set
        .catalogs()
        .iter()
        .flat_map(|c| c.items())
        .filter(|i| !i.in_force())
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(retired, ["OSPS-BR-01.02"]);
}

#[test]
fn osps_samples() {
    let set = set();

    let i = item(&set, "OSPS-AC-01");
    assert_eq!(i.title, "Multi-factor authentication for sensitive actions");
    assert_eq!(i.level, None);

    let i = item(&set, "OSPS-AC-01.01");
    assert_eq!(i.level, Some(1));
    assert_eq!(i.parent.as_deref(), Some("OSPS-AC-01"));

    let i = item(&set, "OSPS-VM-02.01");
    assert_eq!(i.title, "Security contacts in the documentation");
    assert_eq!(i.level, Some(1));
    assert_eq!(i.parent.as_deref(), Some("OSPS-VM-02"));

    let i = item(&set, "OSPS-BR-07.01");
    assert_eq!(i.level, Some(1));

    let i = item(&set, "OSPS-AC-04.01");
    assert_eq!(i.level, Some(2));

    let i = item(&set, "OSPS-QA-07.01");
    assert_eq!(i.title, "Approval by someone other than the author");
    assert_eq!(i.level, Some(3));

    let i = item(&set, "OSPS-VM-05.03");
    assert_eq!(i.level, Some(3));
    assert_eq!(i.parent.as_deref(), Some("OSPS-VM-05"));
}
