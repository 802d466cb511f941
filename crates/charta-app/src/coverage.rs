//! Coverage of one version: for each reference catalog, which of its items
//! the version's controls map to and which are gaps; and what a project must
//! do for a level, with the OpenSSF items those controls map to.
//!
//! Adopters, auditors and the group itself read this to see where a
//! specification stands against the CRA and OpenSSF catalogs, so the page
//! and the JSON are built by one function ([`load`]) and cannot disagree.
//! Only active controls count, as everywhere coverage is computed
//! ([`charta_domain::coverage`]); with a level, only the controls a project
//! at that level must meet.

use crate::app::App;
use crate::cache::CachedVersion;
use crate::error::Error;
use crate::lookup;
use crate::viewer::Viewer;
use charta_domain::coverage::{Covering, covering_controls};
use charta_domain::{Catalog, CatalogItem, CatalogSet, Level, Relationship};
use charta_store::SpecRow;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Shown with every coverage view, in the page and the JSON alike, because
/// a matrix of green cells is easily read as a certificate.
pub const CAVEAT: &str = "A mapping records a working group's analysis of how a control relates to a clause or item. It is not a claim of compliance: meeting the mapped controls does not by itself show that a product or project meets the CRA or an OpenSSF catalog, and a gap means only that no control of this specification maps to the item.";

/// The catalogs published by the OpenSSF, whose items "what a project must
/// do" lists beside each control.
pub const OPENSSF_CATALOGS: [&str; 2] = ["openssf-prs", "osps-baseline"];

/// Reads the optional `level` parameter; an empty value means no filter, as
/// an unselected form field sends it.
pub fn parse_level(raw: Option<&str>) -> Result<Option<u8>, Error> {
    match raw.map(str::trim).filter(|l| !l.is_empty()) {
        None => Ok(None),
        Some(l) => l
            .parse::<u8>()
            .ok()
            .and_then(|n| Level::new(n).ok())
            .map(|l| Some(l.get()))
            .ok_or_else(|| Error::BadRequest(format!("level must be 1, 2 or 3, not {l:?}"))),
    }
}

/// The coverage of one version of a specification.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoverageDocument {
    pub spec: String,
    pub title: String,
    pub version: i64,
    /// SHA-256 of the version's canonical file, `sha256:<hex>`.
    pub content_hash: String,
    /// The level asked for; `null` when every active control counts.
    pub level: Option<u8>,
    /// Active controls counted (at or below `level` when given).
    pub counted_controls: usize,
    /// Withdrawn controls, which never count as coverage.
    pub withdrawn_controls: usize,
    /// A mapping is not a claim of compliance.
    pub caveat: String,
    /// One entry per reference catalog, in the order they are loaded.
    pub catalogs: Vec<CatalogCoverage>,
    pub must_do: MustDo,
}

/// One catalog's items against the counted controls.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogCoverage {
    /// Catalog slug, such as `cra`.
    pub catalog: String,
    pub title: String,
    /// The edition of the source the catalog follows.
    pub edition: String,
    /// Whether the catalog's items carry maturity levels.
    pub levelled: bool,
    /// Items that count towards coverage (see [`ItemRow::requirement`]).
    pub requirements: usize,
    pub covered: usize,
    pub gaps: usize,
    /// Of the gaps, those that a control above the level asked covers
    /// (see [`ItemRow::covered_at_level`]); 0 without a level.
    pub gaps_covered_higher: usize,
    /// Groups of items: the catalog's sections (CRA annexes and articles,
    /// OSPS Baseline families), or its tracks split by level where every item
    /// has a level (OpenSSF Principles).
    pub groups: Vec<CoverageGroup>,
}

/// A group of items with its counts.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoverageGroup {
    /// Unique within the catalog, usable as an anchor: the section id, with
    /// `-level-N` for a track's level.
    pub id: String,
    pub title: String,
    /// The catalog section the items belong to.
    pub section: String,
    /// The level of every item in the group, when grouped by level.
    pub level: Option<u8>,
    pub covered: usize,
    pub gaps: usize,
    /// Of the gaps, those that a control above the level asked covers.
    pub gaps_covered_higher: usize,
    pub items: Vec<ItemRow>,
}

/// One catalog item and the controls mapped to it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemRow {
    pub id: String,
    /// How the source cites the item, such as "Annex I, Part II, point (5)".
    pub reference: Option<String>,
    /// For CRA essential requirements: the number of the European standard
    /// the Commission's standardisation request asks for on the item.
    pub standardisation_request: Option<u8>,
    pub title: String,
    pub level: Option<u8>,
    /// The enclosing item, for lettered points and Baseline requirements.
    pub parent: Option<String>,
    /// Whether the item counts towards coverage. False only for items of a
    /// levelled catalog that carry no level themselves (OSPS Baseline
    /// controls): they group their assessment requirements, which are what a
    /// project is assessed against.
    pub requirement: bool,
    /// A requirement that no counted control maps to.
    pub gap: bool,
    /// For a gap when a level was asked: the lowest level of an active
    /// control, above the level asked, that maps to the item. Such an item
    /// is covered, only not at the level asked.
    pub covered_at_level: Option<u8>,
    /// Counted controls mapped to the item, in specification order.
    pub controls: Vec<CoveringControl>,
    /// The CRA items the catalog's source maps the item to (for an OSPS
    /// Baseline requirement, those of its control), as Charta identifiers.
    pub source_cra: Vec<String>,
}

/// A control as a coverage cell shows it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoveringControl {
    pub id: String,
    pub title: String,
    pub level: u8,
    pub relationship: Relationship,
    /// The CRA items the control itself maps to.
    pub cra: Vec<String>,
    /// The control maps to CRA items, the item's source maps the item to
    /// CRA items too, and the two share none: the working group and the
    /// source read the item's relation to the CRA differently.
    pub disagrees_with_source: bool,
}

/// What a project must do for a level: the active controls up to it, by
/// the level that introduces them, and the OpenSSF items they map to.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MustDo {
    /// The level asked for, or the highest level when none was.
    pub level: u8,
    /// Number of controls a project at `level` must meet.
    pub controls: usize,
    /// Levels 1 to `level`, each with the controls it adds.
    pub steps: Vec<LevelStep>,
    /// Every OpenSSF item these controls map to, in catalog order.
    pub openssf_items: Vec<SatisfiedItem>,
}

/// The controls a level adds to the levels below it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelStep {
    pub level: u8,
    pub controls: Vec<RequiredControl>,
}

/// A control a project must meet, with the OpenSSF items it maps to.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequiredControl {
    pub id: String,
    pub title: String,
    /// Title of the specification section the control belongs to.
    pub section: String,
    pub openssf: Vec<ItemLink>,
}

/// A mapping from a control to an item, seen from the control.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemLink {
    pub catalog: String,
    pub item: String,
    pub title: String,
    pub relationship: Relationship,
}

/// An OpenSSF item reached by the controls of a level.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SatisfiedItem {
    pub catalog: String,
    pub item: String,
    pub title: String,
    /// The item's own level in its catalog (not the specification's level).
    pub level: Option<u8>,
    /// The controls mapped to it, in specification order.
    pub controls: Vec<String>,
}

/// Loads a version the viewer may read and computes its coverage. Callers
/// read `n` and `level` (with [`parse_level`]) before calling, so bad input
/// is refused before anything is looked up and the answer does not depend
/// on whether a draft exists.
pub async fn load(
    state: &App,
    viewer: &Viewer,
    slug: &str,
    n: i64,
    level: Option<u8>,
) -> Result<(SpecRow, Arc<CachedVersion>, CoverageDocument), Error> {
    let row = lookup::spec(state, viewer, slug).await?;
    let v = lookup::version(state, viewer, slug, Some(n)).await?;
    // One pass over the controls and one over the items, but over a
    // version as large as the body limit allows: pooled like every other
    // computation on a whole specification.
    let (version, catalogs, slug) = (v.clone(), state.catalogs.clone(), row.slug.clone());
    let doc = state
        .cpu
        .run(move |_| Ok(build(&slug, &version, &catalogs, level)))
        .await?;
    Ok((row, v, doc))
}

/// Computes the coverage of a version against every catalog. Pure, and
/// cheap next to rendering: one pass over the controls, one over the items.
pub fn build(
    slug: &str,
    v: &CachedVersion,
    catalogs: &CatalogSet,
    level: Option<u8>,
) -> CoverageDocument {
    let spec = &v.spec;
    let covering = covering_controls(spec, level);
    // Every active control, to tell "covered only at a higher level" from a
    // plain gap when a level is asked.
    let everything = level.map(|_| covering_controls(spec, None));
    let must_level = level.unwrap_or(Level::MAX);
    CoverageDocument {
        spec: slug.to_string(),
        title: spec.title.clone(),
        version: v.meta.number,
        content_hash: v.meta.content_hash.clone(),
        level,
        counted_controls: spec
            .active_controls()
            .filter(|c| level.is_none_or(|l| c.level.get() <= l))
            .count(),
        withdrawn_controls: spec.controls.len() - spec.active_controls().count(),
        caveat: CAVEAT.to_string(),
        catalogs: catalogs
            .catalogs()
            .iter()
            .map(|c| catalog_coverage(c, &covering, everything.as_ref()))
            .collect(),
        must_do: must_do(spec, catalogs, must_level),
    }
}

/// Item identifier to the active controls mapped to it.
type CoveringMap<'a> = HashMap<&'a str, Vec<Covering<'a>>>;

fn catalog_coverage(
    cat: &Catalog,
    covering: &CoveringMap<'_>,
    everything: Option<&CoveringMap<'_>>,
) -> CatalogCoverage {
    let has_levels = cat.items().any(|i| i.level.is_some());
    let by_level = has_levels && cat.items().all(|i| i.level.is_some());
    let mut groups = Vec::new();
    for s in &cat.sections {
        let rows = s
            .items
            .iter()
            .map(|i| item_row(i, source_cra(cat, i), has_levels, covering, everything));
        if by_level {
            let mut levels: BTreeMap<u8, Vec<ItemRow>> = BTreeMap::new();
            for r in rows {
                levels.entry(r.level.unwrap_or(0)).or_default().push(r);
            }
            for (l, items) in levels {
                groups.push(group(
                    format!("{}-level-{l}", s.id),
                    format!("{}, level {l}", s.title),
                    &s.id,
                    Some(l),
                    items,
                ));
            }
        } else {
            groups.push(group(
                s.id.clone(),
                s.title.clone(),
                &s.id,
                None,
                rows.collect(),
            ));
        }
    }
    let covered = groups.iter().map(|g| g.covered).sum();
    let gaps = groups.iter().map(|g| g.gaps).sum();
    let gaps_covered_higher = groups.iter().map(|g| g.gaps_covered_higher).sum();
    CatalogCoverage {
        gaps_covered_higher,
        catalog: cat.catalog.clone(),
        title: cat.title.clone(),
        edition: cat.version.clone(),
        levelled: has_levels,
        requirements: covered + gaps,
        covered,
        gaps,
        groups,
    }
}

/// The CRA items the source maps an item to: its own, or else those of
/// the item it belongs to (the Baseline maps controls, not requirements).
fn source_cra(cat: &Catalog, item: &CatalogItem) -> Vec<String> {
    let own = item.source_cra_mappings();
    if !own.is_empty() {
        return own;
    }
    item.parent
        .as_deref()
        .and_then(|p| cat.items().find(|i| i.id == p))
        .map(CatalogItem::source_cra_mappings)
        .unwrap_or_default()
}

fn item_row(
    item: &CatalogItem,
    source_cra: Vec<String>,
    catalog_has_levels: bool,
    covering: &CoveringMap<'_>,
    everything: Option<&CoveringMap<'_>>,
) -> ItemRow {
    let controls: Vec<CoveringControl> = covering
        .get(item.id.as_str())
        .map(|v| {
            v.iter()
                .map(|c| {
                    let cra: Vec<String> = c
                        .control
                        .mappings
                        .iter()
                        .filter(|m| m.target.starts_with("CRA:"))
                        .map(|m| m.target.clone())
                        .collect();
                    CoveringControl {
                        disagrees_with_source: !cra.is_empty()
                            && !source_cra.is_empty()
                            && !cra.iter().any(|t| source_cra.contains(t)),
                        cra,
                        id: c.control.id.clone(),
                        title: c.control.title.clone(),
                        level: c.control.level.get(),
                        relationship: c.relationship,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let requirement = item.in_force() && (item.level.is_some() || !catalog_has_levels);
    let gap = requirement && controls.is_empty();
    let covered_at_level = everything
        .filter(|_| gap)
        .and_then(|all| all.get(item.id.as_str()))
        .and_then(|v| v.iter().map(|c| c.control.level.get()).min());
    ItemRow {
        covered_at_level,
        id: item.id.clone(),
        reference: item.reference.clone(),
        standardisation_request: item.standardisation_request,
        title: item.title.clone(),
        level: item.level,
        parent: item.parent.clone(),
        requirement,
        gap,
        controls,
        source_cra,
    }
}

fn group(
    id: String,
    title: String,
    section: &str,
    level: Option<u8>,
    items: Vec<ItemRow>,
) -> CoverageGroup {
    let gaps = items.iter().filter(|i| i.gap).count();
    let covered = items.iter().filter(|i| i.requirement && !i.gap).count();
    let gaps_covered_higher = items
        .iter()
        .filter(|i| i.covered_at_level.is_some())
        .count();
    CoverageGroup {
        gaps_covered_higher,
        id,
        title,
        section: section.to_string(),
        level,
        covered,
        gaps,
        items,
    }
}

fn must_do(spec: &charta_domain::Spec, catalogs: &CatalogSet, level: u8) -> MustDo {
    let openssf = |target: &str| {
        catalogs
            .item(target)
            .filter(|r| OPENSSF_CATALOGS.contains(&r.catalog.catalog.as_str()))
    };
    let mut steps: Vec<LevelStep> = (Level::MIN..=level)
        .map(|l| LevelStep {
            level: l,
            controls: Vec::new(),
        })
        .collect();
    // Item id -> controls, to list each OpenSSF item once with its controls.
    let mut reached: HashMap<&str, Vec<String>> = HashMap::new();
    let mut count = 0;
    for c in spec.active_controls().filter(|c| c.level.get() <= level) {
        let mut links: Vec<ItemLink> = Vec::new();
        for m in &c.mappings {
            let Some(r) = openssf(&m.target) else {
                continue;
            };
            if links.iter().any(|l| l.item == r.item.id) {
                continue;
            }
            links.push(ItemLink {
                catalog: r.catalog.catalog.clone(),
                item: r.item.id.clone(),
                title: r.item.title.clone(),
                relationship: m.relationship,
            });
            reached
                .entry(m.target.as_str())
                .or_default()
                .push(c.id.clone());
        }
        let section = spec
            .section(&c.section)
            .map(|s| s.title.clone())
            .unwrap_or_default();
        if let Some(step) = steps.iter_mut().find(|s| s.level == c.level.get()) {
            count += 1;
            step.controls.push(RequiredControl {
                id: c.id.clone(),
                title: c.title.clone(),
                section,
                openssf: links,
            });
        }
    }
    let mut openssf_items = Vec::new();
    for cat in catalogs
        .catalogs()
        .iter()
        .filter(|c| OPENSSF_CATALOGS.contains(&c.catalog.as_str()))
    {
        for item in cat.items() {
            if let Some(controls) = reached.remove(item.id.as_str()) {
                openssf_items.push(SatisfiedItem {
                    catalog: cat.catalog.clone(),
                    item: item.id.clone(),
                    title: item.title.clone(),
                    level: item.level,
                    controls,
                });
            }
        }
    }
    MustDo {
        level,
        controls: count,
        steps,
        openssf_items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Baseline's own CRA mappings appear beside a specification's, and
    /// a control whose CRA mappings share nothing with the Baseline's for
    /// the requirement it maps to is flagged.
    #[test]
    fn baseline_cra_mappings_are_shown_and_disagreements_flagged() {
        let set = charta_domain::CatalogSet::builtin().expect("catalogs");
        let osps = set.catalog("osps-baseline").expect("osps");
        let spec = charta_domain::format::parse_spec(&format!(
            "spec: t\ngroup: g\ntitle: T\nsections:\n  - id: A\n    title: A\ncontrols:\n{}{}",
            control("T-1", "CRA:AnnexI.P1.2.d"),
            control("T-2", "CRA:AnnexI.P2.5"),
        ))
        .expect("spec");
        let covering = charta_domain::coverage::covering_controls(&spec, None);
        let cov = catalog_coverage(osps, &covering, None);
        let row = cov
            .groups
            .iter()
            .flat_map(|g| &g.items)
            .find(|r| r.id == "OSPS-AC-01.01")
            .expect("row");
        assert_eq!(
            row.source_cra,
            [
                "CRA:AnnexI.P1.2.d",
                "CRA:AnnexI.P1.2.e",
                "CRA:AnnexI.P1.2.f"
            ]
        );
        let flags: Vec<(&str, bool)> = row
            .controls
            .iter()
            .map(|c| (c.id.as_str(), c.disagrees_with_source))
            .collect();
        assert_eq!(flags, [("T-1", false), ("T-2", true)]);
    }

    fn control(id: &str, cra: &str) -> String {
        format!(
            "  - id: {id}\n    section: A\n    title: MFA\n    level: 1\n    statement: Use MFA.\n    mappings:\n      - target: OSPS-AC-01.01\n        relationship: subset\n        rationale: Same.\n      - target: {cra}\n        relationship: subset\n        rationale: Why.\n"
        )
    }

    #[test]
    fn levels_parse_or_are_refused() {
        assert_eq!(parse_level(None).ok(), Some(None));
        assert_eq!(parse_level(Some("")).ok(), Some(None));
        assert_eq!(parse_level(Some(" 2 ")).ok(), Some(Some(2)));
        for bad in ["0", "4", "x", "-1", "1.5"] {
            assert!(
                matches!(parse_level(Some(bad)), Err(Error::BadRequest(_))),
                "{bad}"
            );
        }
    }
}
