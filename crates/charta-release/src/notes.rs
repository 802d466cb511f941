//! Release notes, generated rather than written by hand.
//!
//! Readers of a release want to know what changed since the previous one in
//! the terms they act on: which controls a project at their level must look
//! at again, whether a change alters what implementers must do (normative)
//! or only how it reads (editorial), which mappings moved and, above all,
//! which CRA clause or OpenSSF item gained or lost coverage. The domain's
//! [`diff_specs`] and [`coverage_impact`] already decide all of that; this
//! module arranges their answer by level and catalog and renders it.

use crate::ids::{Names, date_str, one_line};
use crate::{CAVEAT, ReleaseInput};
use charta_domain::catalog::CatalogSet;
use charta_domain::coverage::{ImpactKind, coverage_impact};
use charta_domain::diff::{ChangeKind, diff_specs};
use charta_domain::{Control, Relationship, Spec};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write as _;

/// What changed since the predecessor (or, for a first release, everything
/// the release contains, as if the predecessor were empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ReleaseNotes {
    /// Version name of the predecessor; `None` for a first release.
    pub since: Option<String>,
    pub summary: NotesSummary,
    /// Fields of the specification itself that changed (`title`, `summary`).
    pub specification_fields: Vec<String>,
    /// Control changes by level, always levels 1, 2 and 3 in that order. A
    /// control is listed under its level in this release (under its last
    /// level for a removed one).
    pub levels: Vec<LevelNotes>,
    /// Controls whose change alters what implementers must do.
    pub normative: Vec<String>,
    /// Controls whose change is only editorial (title, section, guidance).
    pub editorial: Vec<String>,
    /// Every mapping added, changed or removed, by control.
    pub mappings: Vec<MappingNote>,
    /// Every catalog item whose set of mapped active controls changed, in
    /// catalog order.
    pub coverage: Vec<CoverageNote>,
}

/// Counts for the top of the notes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct NotesSummary {
    pub added: usize,
    pub modified: usize,
    pub withdrawn: usize,
    pub removed: usize,
    pub normative: usize,
    pub editorial: usize,
    pub mappings_added: usize,
    pub mappings_modified: usize,
    pub mappings_removed: usize,
    /// Items that had no control and now have one.
    pub items_covered: usize,
    /// Items that lost their last control: new gaps.
    pub items_uncovered: usize,
    /// Items still covered, by a different set of controls.
    pub items_changed: usize,
}

/// The control changes at one level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct LevelNotes {
    pub level: u8,
    pub added: Vec<ControlNote>,
    pub modified: Vec<ControlNote>,
    pub withdrawn: Vec<ControlNote>,
    pub removed: Vec<ControlNote>,
}

/// One changed control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ControlNote {
    pub id: String,
    pub title: String,
    pub normative: bool,
    /// The fields that changed, by their names in the file (`statement`,
    /// `level`, `mappings`, …); empty for added and removed controls.
    pub fields: Vec<String>,
    /// For a withdrawn control, the controls that take over.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replaced_by: Vec<String>,
}

/// One mapping added, changed or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct MappingNote {
    pub control: String,
    /// The catalog item mapped to.
    pub target: String,
    /// Slug of the item's catalog, when the item is in a loaded catalog.
    pub catalog: Option<String>,
    pub change: ChangeKind,
    /// The relationship in the predecessor, if the mapping existed there.
    pub before: Option<Relationship>,
    /// The relationship in this release, if the mapping exists here.
    pub after: Option<Relationship>,
    /// Whether the rationale was reworded (for a modified mapping).
    pub rationale_changed: bool,
}

/// The effect of the release on one catalog item's coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct CoverageNote {
    pub catalog: String,
    pub item: String,
    pub title: String,
    pub change: ImpactKind,
    /// Active controls mapped to the item in the predecessor.
    pub before: Vec<String>,
    /// Active controls mapped to the item in this release.
    pub after: Vec<String>,
    pub gained: Vec<String>,
    pub lost: Vec<String>,
}

impl ReleaseNotes {
    /// Compares `spec` with its predecessor's snapshot (or with an empty
    /// specification for a first release).
    pub fn new(spec: &Spec, predecessor: Option<(&str, &Spec)>, catalogs: &CatalogSet) -> Self {
        let empty;
        let old = match predecessor {
            Some((_, s)) => s,
            None => {
                // Same title and summary, so that only controls show as new.
                empty = Spec {
                    spec: spec.spec.clone(),
                    group: spec.group.clone(),
                    title: spec.title.clone(),
                    summary: spec.summary.clone(),
                    sections: Vec::new(),
                    controls: Vec::new(),
                };
                &empty
            }
        };
        let diff = diff_specs(old, spec);
        let old_by_id: HashMap<&str, &Control> =
            old.controls.iter().map(|c| (c.id.as_str(), c)).collect();
        let new_by_id: HashMap<&str, &Control> =
            spec.controls.iter().map(|c| (c.id.as_str(), c)).collect();

        let mut levels: Vec<LevelNotes> = (1..=3)
            .map(|level| LevelNotes {
                level,
                added: Vec::new(),
                modified: Vec::new(),
                withdrawn: Vec::new(),
                removed: Vec::new(),
            })
            .collect();
        let mut summary = NotesSummary::default();
        let (mut normative, mut editorial, mut mappings) = (Vec::new(), Vec::new(), Vec::new());

        for c in diff.changed() {
            let current = new_by_id
                .get(c.id.as_str())
                .or(old_by_id.get(c.id.as_str()));
            let level = current.map_or(1, |k| k.level.get());
            let mut fields: Vec<String> = c.fields.iter().map(|f| f.field.to_string()).collect();
            if !c.mappings.is_empty() {
                fields.push("mappings".to_string());
            }
            let added_or_removed = matches!(c.kind, ChangeKind::Added | ChangeKind::Removed);
            let note = ControlNote {
                id: c.id.clone(),
                title: c.title.clone(),
                normative: c.normative,
                fields: if added_or_removed { Vec::new() } else { fields },
                replaced_by: match (c.kind, current) {
                    (ChangeKind::Withdrawn, Some(k)) => k.replaced_by.clone(),
                    _ => Vec::new(),
                },
            };
            if c.normative {
                summary.normative += 1;
                normative.push(c.id.clone());
            } else {
                summary.editorial += 1;
                editorial.push(c.id.clone());
            }
            let slot = &mut levels[usize::from(level.clamp(1, 3)) - 1];
            match c.kind {
                ChangeKind::Added => {
                    summary.added += 1;
                    slot.added.push(note);
                }
                ChangeKind::Modified => {
                    summary.modified += 1;
                    slot.modified.push(note);
                }
                ChangeKind::Withdrawn => {
                    summary.withdrawn += 1;
                    slot.withdrawn.push(note);
                }
                ChangeKind::Removed => {
                    summary.removed += 1;
                    slot.removed.push(note);
                }
                ChangeKind::Unchanged => {}
            }
            for m in &c.mappings {
                match m.kind {
                    ChangeKind::Added => summary.mappings_added += 1,
                    ChangeKind::Removed => summary.mappings_removed += 1,
                    _ => summary.mappings_modified += 1,
                }
                let rationale_changed = match (&m.old, &m.new) {
                    (Some(o), Some(n)) => o.rationale != n.rationale,
                    _ => false,
                };
                mappings.push(MappingNote {
                    control: c.id.clone(),
                    target: m.target.clone(),
                    catalog: catalogs.item(&m.target).map(|r| r.catalog.catalog.clone()),
                    change: m.kind,
                    before: m.old.as_ref().map(|o| o.relationship),
                    after: m.new.as_ref().map(|n| n.relationship),
                    rationale_changed,
                });
            }
        }

        let coverage: Vec<CoverageNote> = coverage_impact(old, spec, catalogs)
            .into_iter()
            .map(|i| {
                match i.kind {
                    ImpactKind::Covered => summary.items_covered += 1,
                    ImpactKind::Uncovered => summary.items_uncovered += 1,
                    _ => summary.items_changed += 1,
                }
                CoverageNote {
                    title: catalogs
                        .item(&i.item)
                        .map(|r| r.item.title.clone())
                        .unwrap_or_default(),
                    catalog: i.catalog,
                    item: i.item,
                    change: i.kind,
                    before: i.before,
                    after: i.after,
                    gained: i.gained,
                    lost: i.lost,
                }
            })
            .collect();

        Self {
            since: predecessor.map(|(name, _)| name.to_string()),
            summary,
            specification_fields: diff.meta.iter().map(|f| f.field.to_string()).collect(),
            levels,
            normative,
            editorial,
            mappings,
            coverage,
        }
    }
}

/// Escapes text so that Markdown shows it as written, on one line.
fn md(s: &str) -> String {
    let s = one_line(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn ids(list: &[String]) -> String {
    if list.is_empty() {
        "none".to_string()
    } else {
        list.iter().map(|s| md(s)).collect::<Vec<_>>().join(", ")
    }
}

fn relationship(r: Option<Relationship>) -> &'static str {
    r.map_or("–", Relationship::as_str)
}

/// Renders `notes.md`: the release's identity, its approvals and the notes.
pub(crate) fn render_markdown(
    input: &ReleaseInput,
    names: &Names<'_>,
    notes: &ReleaseNotes,
    catalogs: &CatalogSet,
) -> Result<String, crate::ReleaseError> {
    let mut o = String::new();
    // Writing to a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(
        o,
        "# {} {}\n",
        md(&input.spec_title),
        md(&input.version_name)
    );
    let _ = writeln!(
        o,
        "Released on {} by {}. This release freezes version {} of the specification (`{}`).\n",
        date_str(input.date),
        md(&input.group_name),
        input.spec_version,
        input.content_hash
    );
    let _ = writeln!(o, "Release page: <{}>\n", names.release());
    match &notes.since {
        Some(p) => {
            let _ = writeln!(
                o,
                "Changes since release {} (<{}>).\n",
                md(p),
                names.other_release_artefact(p, "")
            );
        }
        None => o.push_str("This is the first release: every control is listed as new.\n\n"),
    }

    o.push_str("## Approval\n\n");
    if input.ballots.is_empty() {
        o.push_str("No ballot is recorded for this release.\n\n");
    } else {
        for b in &input.ballots {
            let url = names.absolute("ballot path", &b.path)?;
            let _ = writeln!(o, "- [Ballot {}](<{url}>): {}", md(&b.id), md(&b.outcome));
        }
        o.push('\n');
    }
    o.push_str("## Amendments merged\n\n");
    if input.amendments.is_empty() {
        o.push_str("None.\n\n");
    } else {
        for a in &input.amendments {
            let url = names.absolute("amendment path", &a.path)?;
            let _ = writeln!(o, "- [#{} {}](<{url}>)", a.number, md(&a.title));
        }
        o.push('\n');
    }

    let s = &notes.summary;
    o.push_str("## Summary\n\n");
    let _ = writeln!(
        o,
        "| added | modified | withdrawn | removed | normative | editorial |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n| {} | {} | {} | {} | {} | {} |\n",
        s.added, s.modified, s.withdrawn, s.removed, s.normative, s.editorial
    );
    let _ = writeln!(
        o,
        "Mappings: {} added, {} changed, {} removed. Catalog items: {} newly covered, {} newly uncovered, {} covered by a different set of controls.\n",
        s.mappings_added,
        s.mappings_modified,
        s.mappings_removed,
        s.items_covered,
        s.items_uncovered,
        s.items_changed
    );
    if !notes.specification_fields.is_empty() {
        let _ = writeln!(
            o,
            "The specification's {} changed.\n",
            notes.specification_fields.join(" and ")
        );
    }

    o.push_str("## Controls by level\n\n");
    for l in &notes.levels {
        let _ = writeln!(o, "### Level {}\n", l.level);
        let groups = [
            ("New", &l.added),
            ("Modified", &l.modified),
            ("Withdrawn", &l.withdrawn),
            ("Removed", &l.removed),
        ];
        if groups.iter().all(|(_, v)| v.is_empty()) {
            o.push_str("No change.\n\n");
            continue;
        }
        for (label, list) in groups {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(o, "{label}:\n");
            for c in list {
                let _ = write!(
                    o,
                    "- [{}](<{}>) {} ({})",
                    md(&c.id),
                    names.control(&c.id),
                    md(&c.title),
                    if c.normative {
                        "normative"
                    } else {
                        "editorial"
                    }
                );
                if !c.fields.is_empty() {
                    let _ = write!(o, ": {}", c.fields.join(", "));
                }
                if !c.replaced_by.is_empty() {
                    let _ = write!(o, "; replaced by {}", ids(&c.replaced_by));
                }
                o.push('\n');
            }
            o.push('\n');
        }
    }

    if let Some(p) = &input.predecessor {
        crate::wording::write_section(&mut o, &p.spec, &input.spec, names);
    }

    o.push_str("## Normative and editorial changes\n\n");
    let _ = writeln!(
        o,
        "- Normative ({}): {}\n- Editorial ({}): {}\n",
        notes.normative.len(),
        ids(&notes.normative),
        notes.editorial.len(),
        ids(&notes.editorial)
    );

    o.push_str("## Mappings\n\n");
    if notes.mappings.is_empty() {
        o.push_str("No mapping changed.\n\n");
    } else {
        o.push_str(
            "| control | item | change | before | after |\n| --- | --- | --- | --- | --- |\n",
        );
        for m in &notes.mappings {
            let mut change = m.change.as_str().to_string();
            if m.rationale_changed {
                change.push_str(" (rationale)");
            }
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                md(&m.control),
                md(&m.target),
                change,
                relationship(m.before),
                relationship(m.after)
            );
        }
        o.push('\n');
    }

    o.push_str("## Coverage\n\n");
    if notes.coverage.is_empty() {
        o.push_str("No catalog item's coverage changed.\n\n");
    }
    for cat in catalogs.catalogs() {
        let rows: Vec<&CoverageNote> = notes
            .coverage
            .iter()
            .filter(|c| c.catalog == cat.catalog)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(o, "### {}\n", md(&cat.title));
        o.push_str("| item | title | change | gained | lost |\n| --- | --- | --- | --- | --- |\n");
        for r in rows {
            let _ = writeln!(
                o,
                "| [{}](<{}>) | {} | {} | {} | {} |",
                md(&r.item),
                names.catalog_item(&r.catalog, &r.item),
                md(&r.title),
                r.change.as_str(),
                ids(&r.gained),
                ids(&r.lost)
            );
        }
        o.push('\n');
    }
    let _ = writeln!(o, "---\n\n_{}_", md(CAVEAT));
    Ok(o)
}
