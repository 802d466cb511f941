//! Which catalog items a specification covers, and how a change moves that.
//!
//! A working group maps its controls to CRA clauses and OpenSSF items so that
//! adopters can show compliance. A reviewer of an amendment therefore needs
//! more than the text diff: which items gain or lose a mapped control, and
//! above all which item stops being covered at all. Only controls in force
//! (active) count; a withdrawn control covers nothing.

use crate::catalog::CatalogSet;
use crate::spec::{Control, Relationship, Spec};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// The active controls mapped to one catalog item.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemCoverage {
    /// Slug of the item's catalog, such as `cra`.
    pub catalog: String,
    pub item: String,
    /// Active controls that map to the item, in specification order; empty
    /// for a gap.
    pub controls: Vec<String>,
}

impl ItemCoverage {
    /// Whether no active control maps to the item.
    pub fn is_gap(&self) -> bool {
        self.controls.is_empty()
    }
}

/// How the set of controls mapped to an item changed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImpactKind {
    /// No control mapped to the item before; now at least one does.
    Covered,
    /// The item lost its last control: a new gap.
    Uncovered,
    /// Still covered, by more controls than before (none lost).
    Gained,
    /// Still covered, by fewer controls than before (none gained).
    Lost,
    /// Still covered, but some controls came and others went.
    Changed,
}

impl ImpactKind {
    /// The name used in the API and in page markup.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Covered => "covered",
            Self::Uncovered => "uncovered",
            Self::Gained => "gained",
            Self::Lost => "lost",
            Self::Changed => "changed",
        }
    }
}

/// The effect of a change on one catalog item.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemImpact {
    pub catalog: String,
    pub item: String,
    pub kind: ImpactKind,
    /// Active controls mapped to the item in the old version, in its order.
    pub before: Vec<String>,
    /// Active controls mapped to the item in the new version, in its order.
    pub after: Vec<String>,
    /// Controls in `after` but not in `before`.
    pub gained: Vec<String>,
    /// Controls in `before` but not in `after`.
    pub lost: Vec<String>,
}

/// Every item of every catalog with the active controls mapped to it, in
/// catalog order: the raw material of a coverage matrix, gaps included.
pub fn coverage(spec: &Spec, catalogs: &CatalogSet) -> Vec<ItemCoverage> {
    let mapped = mapped_controls(spec);
    let mut out = Vec::new();
    for cat in catalogs.catalogs() {
        for item in cat.items() {
            out.push(ItemCoverage {
                catalog: cat.catalog.clone(),
                item: item.id.clone(),
                controls: owned(mapped.get(item.id.as_str())),
            });
        }
    }
    out
}

/// The items whose set of mapped active controls differs between `old` and
/// `new`, in catalog order (catalogs as loaded, items as in their catalog).
/// Targets that are in no loaded catalog are left out; validation reports
/// them.
pub fn coverage_impact(old: &Spec, new: &Spec, catalogs: &CatalogSet) -> Vec<ItemImpact> {
    let (before, after) = (mapped_controls(old), mapped_controls(new));
    let mut out = Vec::new();
    for cat in catalogs.catalogs() {
        for item in cat.items() {
            let id = item.id.as_str();
            let (before, after) = (owned(before.get(id)), owned(after.get(id)));
            if let Some((kind, gained, lost)) = classify(&before, &after) {
                out.push(ItemImpact {
                    catalog: cat.catalog.clone(),
                    item: item.id.clone(),
                    kind,
                    before,
                    after,
                    gained,
                    lost,
                });
            }
        }
    }
    out
}

/// Classifies one item's change, with the controls gained and lost, or
/// `None` when its set of controls is the same (a mapping whose relationship
/// or rationale changed does not move coverage; the diff shows it).
fn classify(before: &[String], after: &[String]) -> Option<(ImpactKind, Vec<String>, Vec<String>)> {
    let gained = minus(after, before);
    let lost = minus(before, after);
    let kind = match (before.is_empty(), after.is_empty()) {
        _ if gained.is_empty() && lost.is_empty() => return None,
        (true, _) => ImpactKind::Covered,
        (_, true) => ImpactKind::Uncovered,
        _ if lost.is_empty() => ImpactKind::Gained,
        _ if gained.is_empty() => ImpactKind::Lost,
        _ => ImpactKind::Changed,
    };
    Some((kind, gained, lost))
}

/// Item identifier → active controls mapped to it, in specification order,
/// each control once.
fn mapped_controls(spec: &Spec) -> HashMap<&str, Vec<&str>> {
    let mut map: HashMap<&str, Vec<&str>> = HashMap::new();
    for c in spec.active_controls() {
        for m in &c.mappings {
            let ids = map.entry(m.target.as_str()).or_default();
            if !ids.contains(&c.id.as_str()) {
                ids.push(c.id.as_str());
            }
        }
    }
    map
}

/// An active control mapped to a catalog item, and how it relates to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Covering<'a> {
    pub control: &'a Control,
    pub relationship: Relationship,
}

/// Item identifier → the active controls mapped to it, in specification
/// order, each once with the relationship of its first mapping to the item.
/// With `max_level`, only controls at or below that level count: levels are
/// cumulative, so this is what a project at that level relies on. A coverage
/// matrix needs the controls themselves (title, level, relationship), not
/// only their identifiers as [`coverage`] gives them.
pub fn covering_controls(spec: &Spec, max_level: Option<u8>) -> HashMap<&str, Vec<Covering<'_>>> {
    let mut map: HashMap<&str, Vec<Covering<'_>>> = HashMap::new();
    let in_level = |c: &&Control| max_level.is_none_or(|l| c.level.get() <= l);
    for c in spec.active_controls().filter(in_level) {
        for m in &c.mappings {
            let list = map.entry(m.target.as_str()).or_default();
            if !list.iter().any(|x| x.control.id == c.id) {
                list.push(Covering {
                    control: c,
                    relationship: m.relationship,
                });
            }
        }
    }
    map
}

fn owned(ids: Option<&Vec<&str>>) -> Vec<String> {
    ids.map(|v| v.iter().map(|s| s.to_string()).collect())
        .unwrap_or_default()
}

fn minus(a: &[String], b: &[String]) -> Vec<String> {
    let b: HashSet<&String> = b.iter().collect();
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::spec::{Control, ControlStatus, Level, Mapping, Relationship, Section};

    fn catalogs() -> CatalogSet {
        let cat = |slug: &str, ids: &[&str]| {
            let items: String = ids
                .iter()
                .map(|id| format!("      - id: \"{id}\"\n        title: t\n        text: x\n"))
                .collect();
            Catalog::parse(&format!(
                "catalog: {slug}\ntitle: T\nversion: '1'\npublisher: P\nsource: s\ndescription: d\nsections:\n  - id: a\n    title: A\n    items:\n{items}"
            ))
            .unwrap()
        };
        CatalogSet::new(vec![
            cat("cra", &["C:2", "C:10", "C:1"]),
            cat("osps", &["O:1", "O:2"]),
        ])
        .unwrap()
    }

    fn control(id: &str, targets: &[&str]) -> Control {
        Control {
            id: id.into(),
            section: "VM".into(),
            title: "t".into(),
            level: Level::new(1).unwrap(),
            status: ControlStatus::Active,
            replaced_by: vec![],
            statement: "s".into(),
            guidance: String::new(),
            mappings: targets
                .iter()
                .map(|t| Mapping {
                    target: (*t).into(),
                    relationship: Relationship::Subset,
                    rationale: "r".into(),
                })
                .collect(),
        }
    }

    fn spec(controls: Vec<Control>) -> Spec {
        Spec {
            spec: "s".into(),
            group: "g".into(),
            title: "S".into(),
            summary: String::new(),
            sections: vec![Section {
                id: "VM".into(),
                title: "VM".into(),
                description: String::new(),
            }],
            controls,
        }
    }

    #[test]
    fn coverage_lists_every_item_with_its_active_controls() {
        let mut withdrawn = control("A-3", &["O:2"]);
        withdrawn.status = ControlStatus::Withdrawn;
        let s = spec(vec![
            control("A-1", &["C:1", "O:1"]),
            control("A-2", &["C:1"]),
            withdrawn,
        ]);
        let cov = coverage(&s, &catalogs());
        let rows: Vec<_> = cov
            .iter()
            .map(|c| (c.item.as_str(), c.controls.join(",")))
            .collect();
        assert_eq!(
            rows,
            [
                ("C:2", "".to_string()),
                ("C:10", "".into()),
                ("C:1", "A-1,A-2".into()),
                ("O:1", "A-1".into()),
                ("O:2", "".into()),
            ]
        );
        assert!(cov[4].is_gap(), "a withdrawn control covers nothing");
    }

    #[test]
    fn impact_classifies_each_kind_of_change() {
        let old = spec(vec![
            control("A-1", &["C:1", "C:2", "O:1"]),
            control("A-2", &["C:1", "C:2"]),
            control("A-3", &["O:1"]),
        ]);
        let mut a3 = control("A-3", &["O:1"]);
        a3.status = ControlStatus::Withdrawn;
        let new = spec(vec![
            control("A-1", &["C:1", "C:10"]),
            control("A-2", &["C:1", "C:2", "O:1"]),
            a3,
            control("A-4", &["C:1", "O:1"]),
        ]);
        let impacts = coverage_impact(&old, &new, &catalogs());
        let got: Vec<_> = impacts
            .iter()
            .map(|i| (i.catalog.as_str(), i.item.as_str(), i.kind))
            .collect();
        assert_eq!(
            got,
            [
                ("cra", "C:2", ImpactKind::Lost),
                ("cra", "C:10", ImpactKind::Covered),
                ("cra", "C:1", ImpactKind::Gained),
                ("osps", "O:1", ImpactKind::Changed),
            ]
        );
        let o1 = &impacts[3];
        assert_eq!(o1.before, ["A-1", "A-3"]);
        assert_eq!(o1.after, ["A-2", "A-4"]);
        assert_eq!(o1.gained, ["A-2", "A-4"]);
        assert_eq!(o1.lost, ["A-1", "A-3"]);
    }

    #[test]
    fn losing_the_last_control_is_uncovered_and_relationships_do_not_count() {
        let old = spec(vec![control("A-1", &["O:2", "C:1"])]);
        let mut new = spec(vec![control("A-1", &["C:1"])]);
        new.controls[0].mappings[0].relationship = Relationship::Equivalent;
        let impacts = coverage_impact(&old, &new, &catalogs());
        assert_eq!(impacts.len(), 1);
        assert_eq!(impacts[0].kind, ImpactKind::Uncovered);
        assert_eq!(impacts[0].lost, ["A-1"]);
        assert!(coverage_impact(&old, &old, &catalogs()).is_empty());
    }

    #[test]
    fn covering_controls_honour_level_status_and_relationship() {
        let mut a2 = control("A-2", &["C:1", "O:1"]);
        a2.level = Level::new(2).unwrap();
        a2.mappings[1].relationship = Relationship::Intersects;
        let mut a3 = control("A-3", &["C:2"]);
        a3.status = ControlStatus::Withdrawn;
        let mut a1 = control("A-1", &["C:1", "C:1"]);
        a1.mappings[1].relationship = Relationship::Equivalent;
        let s = spec(vec![a1, a2, a3]);
        let ids = |m: &HashMap<&str, Vec<Covering<'_>>>, item: &str| -> Vec<String> {
            m.get(item)
                .map(|v| v.iter().map(|c| c.control.id.clone()).collect())
                .unwrap_or_default()
        };
        let all = covering_controls(&s, None);
        assert_eq!(ids(&all, "C:1"), ["A-1", "A-2"]);
        assert_eq!(
            all["C:1"][0].relationship,
            Relationship::Subset,
            "first mapping wins"
        );
        assert_eq!(all["O:1"][0].relationship, Relationship::Intersects);
        assert!(
            ids(&all, "C:2").is_empty(),
            "a withdrawn control covers nothing"
        );
        let level1 = covering_controls(&s, Some(1));
        assert_eq!(ids(&level1, "C:1"), ["A-1"]);
        assert!(ids(&level1, "O:1").is_empty(), "A-2 is a level 2 control");
    }

    #[test]
    fn unknown_targets_are_left_out() {
        let old = spec(vec![]);
        let new = spec(vec![control("A-1", &["Z:9"])]);
        assert!(coverage_impact(&old, &new, &catalogs()).is_empty());
    }
}
