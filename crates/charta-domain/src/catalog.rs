//! Reference catalogs that controls map to: the EU Cyber Resilience Act, the
//! OpenSSF Principles for Package Repository Security and the OSPS Baseline.
//!
//! The catalogs are reviewable YAML files under `specs/catalogs/`, compiled
//! into the binary so that every instance validates mappings against exactly
//! the catalog text it was built with. Item identifiers are unique across all
//! catalogs, so a mapping target names its catalog by itself.

use crate::format::{FormatError, Problem, find_line};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One reference catalog, such as the CRA.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Catalog {
    /// Short slug used in URLs, such as `cra`.
    pub catalog: String,
    pub title: String,
    /// Which edition of the source this catalog follows.
    pub version: String,
    /// The day Charta's text of the catalog last changed (`YYYY-MM-DD`).
    /// It dates the catalog's OSCAL rendering, which must say when it was
    /// last modified and may not read a clock to do so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revised: Option<String>,
    pub publisher: String,
    /// Where the authoritative text lives.
    pub source: String,
    /// What the catalog is, and how its identifiers were chosen (Markdown).
    pub description: String,
    pub sections: Vec<CatalogSection>,
}

/// A part of a catalog, such as "Annex I, Part II" or the "Authentication" track.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CatalogSection {
    pub id: String,
    pub title: String,
    pub items: Vec<CatalogItem>,
}

/// One clause, principle or requirement that a control can map to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CatalogItem {
    /// Globally unique identifier, such as `CRA:AnnexI.P2.5`.
    pub id: String,
    /// How the source itself cites the item, such as "Annex I, Part II, point (5)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub title: String,
    /// A paraphrase in Charta's words, not the source's text.
    pub text: String,
    /// The lowest maturity level the item applies at, for levelled catalogs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    /// The enclosing item, for requirements that belong to a control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// A deep link into the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Set when the source no longer asks for the item. The item is kept,
    /// because identifiers are never reused and older mappings and
    /// releases still cite it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
    /// The source's own mappings of the item to other frameworks, in the
    /// source's notation (the OSPS Baseline maps its controls to the CRA
    /// as `1.2d`, `2.5` …; see [`crate::gemara::cra_item`]). Kept so that
    /// readers can compare a working group's mappings with the source's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guideline_mappings: Vec<GuidelineMapping>,
    /// For the CRA's essential requirements: the number of the European
    /// standard that the Commission's standardisation request (Implementing
    /// Decision C(2025) 618, Annex I) asks for on this requirement. The
    /// request numbers standards, not clauses, so Annex I, Part I, point (1)
    /// is standard 1, points (2)(a) to (m) are standards 2 to 14, and all of
    /// Part II is standard 15. Standards bodies and the harmonised standards
    /// they write cite that number, so tables show it beside the clause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standardisation_request: Option<u8>,
}

/// The entries one source maps an item to in one other framework.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct GuidelineMapping {
    /// The framework, as the source names it (such as `CRA`).
    pub reference_id: String,
    /// The framework's clauses, as the source writes them.
    pub entries: Vec<String>,
}

/// Why an item no longer applies, in the source's own word.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemStatus {
    /// Taken out of the source, like the OSPS Baseline's retired
    /// requirements.
    Retired,
    /// Withdrawn by the source's publisher.
    Withdrawn,
}

impl ItemStatus {
    /// The word as written in catalog files.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Retired => "retired",
            ItemStatus::Withdrawn => "withdrawn",
        }
    }
}

impl CatalogItem {
    /// Whether the source still asks for the item.
    pub fn in_force(&self) -> bool {
        self.status.is_none()
    }

    /// The CRA items the source itself maps this item to, as Charta
    /// identifiers; entries with no Charta counterpart are left out.
    pub fn source_cra_mappings(&self) -> Vec<String> {
        self.guideline_mappings
            .iter()
            .filter(|m| crate::gemara::is_cra(&m.reference_id))
            .flat_map(|m| m.entries.iter().filter_map(|e| crate::gemara::cra_item(e)))
            .collect()
    }
}

impl Catalog {
    /// Parses and checks one catalog file.
    pub fn parse(text: &str) -> Result<Catalog, FormatError> {
        let cat: Catalog = crate::format::from_yaml(text)?;
        let mut problems = Vec::new();
        if let Some(day) = &cat.revised
            && !is_iso_day(day)
        {
            problems.push(Problem::new(
                find_line(text, "revised", day, 0),
                format!("revised {day:?} is not a day written YYYY-MM-DD"),
            ));
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for item in cat.items() {
            let n = seen.entry(item.id.as_str()).or_insert(0);
            if *n > 0 {
                problems.push(Problem::new(
                    find_line(text, "id", &item.id, *n),
                    format!("item {} appears more than once", item.id),
                ));
            }
            *n += 1;
            if let Some(n) = item.standardisation_request
                && !(1..=41).contains(&n)
            {
                problems.push(Problem::new(
                    find_line(text, "id", &item.id, 0),
                    format!(
                        "item {} names standard {n} of the standardisation request, which lists standards 1 to 41",
                        item.id
                    ),
                ));
            }
            if let Some(level) = item.level
                && !(1..=3).contains(&level)
            {
                problems.push(Problem::new(
                    find_line(text, "id", &item.id, 0),
                    format!("item {} has level {level}; levels are 1 to 3", item.id),
                ));
            }
        }
        for item in cat.items() {
            if let Some(parent) = &item.parent
                && !seen.contains_key(parent.as_str())
            {
                problems.push(Problem::new(
                    find_line(text, "parent", parent, 0),
                    format!("item {} names unknown parent {parent}", item.id),
                ));
            }
        }
        if problems.is_empty() {
            Ok(cat)
        } else {
            Err(FormatError { problems })
        }
    }

    /// Every item, in catalog order.
    pub fn items(&self) -> impl Iterator<Item = &CatalogItem> {
        self.sections.iter().flat_map(|s| s.items.iter())
    }
}

/// `YYYY-MM-DD` with a month from 1 to 12 and a day from 1 to 31.
fn is_iso_day(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let shaped = b.len() == 10 && b[4] == b'-' && b[7] == b'-';
    if !shaped || !digits(0..4) || !digits(5..7) || !digits(8..10) {
        return false;
    }
    let month = (b[5] - b'0') * 10 + (b[6] - b'0');
    let day = (b[8] - b'0') * 10 + (b[9] - b'0');
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// All loaded catalogs, indexed by item identifier.
#[derive(Debug, Clone)]
pub struct CatalogSet {
    catalogs: Vec<Catalog>,
    /// item id -> (catalog index, section index, item index)
    index: HashMap<String, (usize, usize, usize)>,
}

/// Where an item sits: its catalog, its section and the item itself.
#[derive(Debug, Clone, Copy)]
pub struct ItemRef<'a> {
    pub catalog: &'a Catalog,
    pub section: &'a CatalogSection,
    pub item: &'a CatalogItem,
}

impl CatalogSet {
    /// Builds the set, refusing item identifiers that occur in two catalogs.
    pub fn new(catalogs: Vec<Catalog>) -> Result<Self, FormatError> {
        let mut index = HashMap::new();
        let mut problems = Vec::new();
        for (ci, cat) in catalogs.iter().enumerate() {
            for (si, sec) in cat.sections.iter().enumerate() {
                for (ii, item) in sec.items.iter().enumerate() {
                    if index.insert(item.id.clone(), (ci, si, ii)).is_some() {
                        problems.push(Problem::new(
                            None,
                            format!("item {} is defined by two catalogs", item.id),
                        ));
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(Self { catalogs, index })
        } else {
            Err(FormatError { problems })
        }
    }

    /// The catalogs that ship with Charta, from `specs/catalogs/`.
    pub fn builtin() -> Result<Self, FormatError> {
        let files = [
            ("cra.yaml", include_str!("../../../specs/catalogs/cra.yaml")),
            (
                "openssf-prs.yaml",
                include_str!("../../../specs/catalogs/openssf-prs.yaml"),
            ),
            (
                "osps-baseline.yaml",
                include_str!("../../../specs/catalogs/osps-baseline.yaml"),
            ),
        ];
        let mut catalogs = Vec::with_capacity(files.len());
        for (name, text) in files {
            let cat = Catalog::parse(text).map_err(|mut e| {
                for p in &mut e.problems {
                    p.message = format!("specs/catalogs/{name}: {}", p.message);
                }
                e
            })?;
            catalogs.push(cat);
        }
        Self::new(catalogs)
    }

    pub fn catalogs(&self) -> &[Catalog] {
        &self.catalogs
    }

    /// Finds a catalog by its slug.
    pub fn catalog(&self, slug: &str) -> Option<&Catalog> {
        self.catalogs.iter().find(|c| c.catalog == slug)
    }

    /// Resolves an item identifier.
    pub fn item(&self, id: &str) -> Option<ItemRef<'_>> {
        let &(ci, si, ii) = self.index.get(id)?;
        let catalog = &self.catalogs[ci];
        let section = &catalog.sections[si];
        Some(ItemRef {
            catalog,
            section,
            item: &section.items[ii],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "\
catalog: t
title: Test
version: '1'
publisher: Tests
source: https://example.org
description: A test catalog.
sections:
  - id: a
    title: A
    items:
      - id: T:1
        title: One
        text: First.
      - id: T:1.a
        title: One a
        text: Part.
        parent: T:1
        level: 2
";

    #[test]
    fn parses_and_indexes() {
        let set = CatalogSet::new(vec![Catalog::parse(SMALL).unwrap()]).unwrap();
        let r = set.item("T:1.a").unwrap();
        assert_eq!(r.catalog.catalog, "t");
        assert_eq!(r.item.level, Some(2));
        assert!(set.item("T:2").is_none());
    }

    #[test]
    fn duplicate_items_are_refused_with_line() {
        let text = SMALL
            .replace("T:1.a\n", "T:1\n")
            .replace("        parent: T:1\n", "");
        let err = Catalog::parse(&text).unwrap_err();
        assert_eq!(err.problems[0].line, Some(14), "{err}");
    }

    #[test]
    fn unknown_parent_is_refused() {
        let err = Catalog::parse(&SMALL.replace("parent: T:1", "parent: T:9")).unwrap_err();
        assert!(err.to_string().contains("unknown parent T:9"), "{err}");
    }

    #[test]
    fn items_shared_between_catalogs_are_refused() {
        let a = Catalog::parse(SMALL).unwrap();
        let mut b = a.clone();
        b.catalog = "u".into();
        assert!(CatalogSet::new(vec![a, b]).is_err());
    }

    #[test]
    fn builtin_catalogs_load() {
        let set = CatalogSet::builtin().unwrap();
        assert_eq!(set.catalogs().len(), 3);
    }
}
