//! Control-by-control comparison of two versions of a specification.
//!
//! Controls are paired by identifier, never by position, so a control that
//! moved to another section or was retitled shows as one modified control
//! rather than a deletion plus an addition. Inside changed prose the
//! difference is computed word by word, which is what a reviewer needs to see
//! in a normative sentence. Each change is classified as normative (it changes
//! what implementers must do) or editorial.
//!
//! What is normative: a control's statement, level, status and successors,
//! its mappings, and a control added or removed. Everything else is
//! editorial: a control's title, section and guidance, a section's title and
//! description, a section added or removed (the controls in it carry the
//! requirements), and the specification's own title and summary. Editorial
//! changes are still changes: reviewers see them in every comparison, and
//! a passed ballot does not cover them unless the group's rules say so
//! (see [`crate::approval`]).

use crate::spec::{Control, ControlStatus, Mapping, Section, Spec};
use serde::Serialize;
use similar::{ChangeTag, TextDiff};
use std::collections::{HashMap, HashSet};

/// What happened to a control between two versions.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    Added,
    Removed,
    Modified,
    Withdrawn,
    Unchanged,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Modified => "modified",
            Self::Withdrawn => "withdrawn",
            Self::Unchanged => "unchanged",
        }
    }
}

/// A run of words that is the same on both sides, only in the old text, or
/// only in the new text.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SegmentOp {
    Equal,
    Delete,
    Insert,
}

/// One run of a word-level diff.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub op: SegmentOp,
    pub text: String,
}

/// A changed field of a control, with its word-level diff.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDiff {
    /// The field's name as it appears in the file, such as `statement`.
    pub field: &'static str,
    pub old: String,
    pub new: String,
    pub segments: Vec<Segment>,
    pub normative: bool,
}

/// A mapping that was added, removed or changed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappingChange {
    pub target: String,
    pub kind: ChangeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Mapping>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Mapping>,
}

/// The comparison of one control.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlDiff {
    pub id: String,
    /// The title on the newer side, or the older one if the control was removed.
    pub title: String,
    pub kind: ChangeKind,
    pub fields: Vec<FieldDiff>,
    pub mappings: Vec<MappingChange>,
    /// True when anything that changes what implementers must do changed.
    pub normative: bool,
}

/// Counts shown at the top of a diff.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DiffSummary {
    pub added: usize,
    pub removed: usize,
    pub modified: usize,
    pub withdrawn: usize,
    pub unchanged: usize,
    pub normative: usize,
    pub editorial: usize,
    /// Sections added, removed or retitled or redescribed (all editorial).
    pub sections: usize,
}

/// The comparison of one section that changed. Sections are paired by
/// identifier, like controls.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionDiff {
    pub id: String,
    /// The title on the newer side, or the older one if the section was
    /// removed.
    pub title: String,
    /// Added, removed or modified.
    pub kind: ChangeKind,
    /// The changed fields, `title` and `description`; never normative.
    pub fields: Vec<FieldDiff>,
}

/// The comparison of two versions.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecDiff {
    /// Changes to the specification's own title and summary.
    pub meta: Vec<FieldDiff>,
    /// Sections that changed: the newer order first, then removed ones.
    pub sections: Vec<SectionDiff>,
    /// Every control of either side: the newer order first, then removed ones.
    pub controls: Vec<ControlDiff>,
    pub summary: DiffSummary,
}

/// How a revision of an amendment changes what the amendment proposes,
/// compared with an earlier revision; the strongest change wins, so the
/// variants are ordered.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextChange {
    /// The amendment proposes the same text (a rebase that only took in
    /// other merged changes).
    None,
    /// Only editorial text changed (see the module documentation).
    Editorial,
    /// Something implementers must do changed.
    Normative,
}

impl TextChange {
    /// The name used in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Editorial => "editorial",
            Self::Normative => "normative",
        }
    }
}

/// One part of a specification that a change can touch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Part {
    /// The specification's own `title` or `summary`.
    Meta(&'static str),
    Section(String),
    Control(String),
}

/// How a new revision of an amendment changes what the amendment proposes.
/// Each revision is compared with its own base, and only the parts that
/// either revision changes relative to its base count: a revision that
/// only moved to a newer base (a rebase bringing in other merged changes)
/// and left the amendment's own controls, sections and metadata as they
/// were changes nothing, even though its full text differs. On the same
/// base, any difference counts, including a reordering.
pub fn revision_change(old_base: &Spec, old: &Spec, new_base: &Spec, new: &Spec) -> TextChange {
    let touched: HashSet<Part> = diff_specs(old_base, old)
        .parts()
        .chain(diff_specs(new_base, new).parts())
        .map(|(part, _)| part)
        .collect();
    let change = diff_specs(old, new)
        .parts()
        .filter(|(part, _)| touched.contains(part))
        .map(|(_, normative)| {
            if normative {
                TextChange::Normative
            } else {
                TextChange::Editorial
            }
        })
        .max()
        .unwrap_or(TextChange::None);
    if change == TextChange::None && old_base == new_base && old != new {
        // Same base, different text, no part differs: only the order of
        // sections or controls moved, which readers see.
        return TextChange::Editorial;
    }
    change
}

/// Whether a new revision of an amendment changes normative text of what
/// the amendment proposes, so that votes cast on the old revision no longer
/// stand; see [`revision_change`].
pub fn revision_is_normative(old_base: &Spec, old: &Spec, new_base: &Spec, new: &Spec) -> bool {
    revision_change(old_base, old, new_base, new) == TextChange::Normative
}

impl SpecDiff {
    /// Controls that changed, leaving out unchanged ones.
    pub fn changed(&self) -> impl Iterator<Item = &ControlDiff> {
        self.controls
            .iter()
            .filter(|c| c.kind != ChangeKind::Unchanged)
    }

    /// Whether the two sides differ in any field of the specification,
    /// its sections or its controls.
    pub fn is_empty(&self) -> bool {
        self.meta.is_empty() && self.sections.is_empty() && self.changed().next().is_none()
    }

    /// Every part that changed, with whether its change is normative.
    fn parts(&self) -> impl Iterator<Item = (Part, bool)> + '_ {
        let meta = self.meta.iter().map(|f| (Part::Meta(f.field), f.normative));
        let sections = self
            .sections
            .iter()
            .map(|s| (Part::Section(s.id.clone()), false));
        let controls = self
            .changed()
            .map(|c| (Part::Control(c.id.clone()), c.normative));
        meta.chain(sections).chain(controls)
    }
}

/// Compares two versions of a specification.
pub fn diff_specs(old: &Spec, new: &Spec) -> SpecDiff {
    let old_by_id: HashMap<&str, &Control> =
        old.controls.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut controls = Vec::with_capacity(new.controls.len());
    for n in &new.controls {
        controls.push(match old_by_id.get(n.id.as_str()) {
            Some(o) => diff_control(o, n),
            None => whole(n, ChangeKind::Added),
        });
    }
    let new_ids: HashSet<&str> = new.controls.iter().map(|c| c.id.as_str()).collect();
    for o in &old.controls {
        if !new_ids.contains(o.id.as_str()) {
            controls.push(whole(o, ChangeKind::Removed));
        }
    }

    let mut meta = Vec::new();
    push_field(&mut meta, "title", &old.title, &new.title, false);
    push_field(&mut meta, "summary", &old.summary, &new.summary, false);
    let sections = diff_sections(&old.sections, &new.sections);

    let mut summary = DiffSummary::default();
    for c in &controls {
        match c.kind {
            ChangeKind::Added => summary.added += 1,
            ChangeKind::Removed => summary.removed += 1,
            ChangeKind::Modified => summary.modified += 1,
            ChangeKind::Withdrawn => summary.withdrawn += 1,
            ChangeKind::Unchanged => summary.unchanged += 1,
        }
        if c.kind != ChangeKind::Unchanged {
            if c.normative {
                summary.normative += 1;
            } else {
                summary.editorial += 1;
            }
        }
    }
    summary.sections = sections.len();
    SpecDiff {
        meta,
        sections,
        controls,
        summary,
    }
}

/// The sections that changed, paired by identifier: the newer order first,
/// then the removed ones.
fn diff_sections(old: &[Section], new: &[Section]) -> Vec<SectionDiff> {
    let old_by_id: HashMap<&str, &Section> = old.iter().map(|s| (s.id.as_str(), s)).collect();
    let new_ids: HashSet<&str> = new.iter().map(|s| s.id.as_str()).collect();
    let fields = |o: (&str, &str), n: (&str, &str)| {
        let mut out = Vec::new();
        push_field(&mut out, "title", o.0, n.0, false);
        push_field(&mut out, "description", o.1, n.1, false);
        out
    };
    let mut out = Vec::new();
    for n in new {
        let (kind, fields) = match old_by_id.get(n.id.as_str()) {
            Some(o) => (
                ChangeKind::Modified,
                fields((&o.title, &o.description), (&n.title, &n.description)),
            ),
            None => (
                ChangeKind::Added,
                fields(("", ""), (&n.title, &n.description)),
            ),
        };
        if kind == ChangeKind::Added || !fields.is_empty() {
            out.push(SectionDiff {
                id: n.id.clone(),
                title: n.title.clone(),
                kind,
                fields,
            });
        }
    }
    for o in old.iter().filter(|o| !new_ids.contains(o.id.as_str())) {
        out.push(SectionDiff {
            id: o.id.clone(),
            title: o.title.clone(),
            kind: ChangeKind::Removed,
            fields: fields((&o.title, &o.description), ("", "")),
        });
    }
    out
}

/// A control that exists on one side only: every field is shown as added or
/// removed.
fn whole(c: &Control, kind: ChangeKind) -> ControlDiff {
    let empty = Control {
        id: c.id.clone(),
        section: String::new(),
        title: String::new(),
        level: c.level,
        status: c.status,
        replaced_by: vec![],
        statement: String::new(),
        guidance: String::new(),
        mappings: vec![],
    };
    let mut d = if kind == ChangeKind::Added {
        diff_control(&empty, c)
    } else {
        diff_control(c, &empty)
    };
    d.kind = kind;
    d.title = c.title.clone();
    d.normative = true;
    d
}

fn diff_control(o: &Control, n: &Control) -> ControlDiff {
    let mut fields = Vec::new();
    push_field(&mut fields, "title", &o.title, &n.title, false);
    push_field(&mut fields, "section", &o.section, &n.section, false);
    push_field(&mut fields, "level", &level_text(o), &level_text(n), true);
    push_field(
        &mut fields,
        "status",
        o.status.as_str(),
        n.status.as_str(),
        true,
    );
    push_field(
        &mut fields,
        "replaced-by",
        &o.replaced_by.join(", "),
        &n.replaced_by.join(", "),
        true,
    );
    push_field(&mut fields, "statement", &o.statement, &n.statement, true);
    push_field(&mut fields, "guidance", &o.guidance, &n.guidance, false);
    let mappings = diff_mappings(&o.mappings, &n.mappings);

    let normative = !mappings.is_empty() || fields.iter().any(|f| f.normative);
    let kind = if fields.is_empty() && mappings.is_empty() {
        ChangeKind::Unchanged
    } else if o.status == ControlStatus::Active && n.status == ControlStatus::Withdrawn {
        ChangeKind::Withdrawn
    } else {
        ChangeKind::Modified
    };
    ControlDiff {
        id: n.id.clone(),
        title: n.title.clone(),
        kind,
        fields,
        mappings,
        normative,
    }
}

fn level_text(c: &Control) -> String {
    if c.section.is_empty() && c.title.is_empty() {
        String::new()
    } else {
        c.level.to_string()
    }
}

fn push_field(
    out: &mut Vec<FieldDiff>,
    field: &'static str,
    old: &str,
    new: &str,
    normative: bool,
) {
    if old != new {
        out.push(FieldDiff {
            field,
            old: old.to_string(),
            new: new.to_string(),
            segments: word_diff(old, new),
            normative,
        });
    }
}

fn diff_mappings(old: &[Mapping], new: &[Mapping]) -> Vec<MappingChange> {
    let old_by: HashMap<&str, &Mapping> = old.iter().map(|m| (m.target.as_str(), m)).collect();
    let new_by: HashMap<&str, &Mapping> = new.iter().map(|m| (m.target.as_str(), m)).collect();
    let mut out = Vec::new();
    for n in new {
        match old_by.get(n.target.as_str()) {
            None => out.push(MappingChange {
                target: n.target.clone(),
                kind: ChangeKind::Added,
                old: None,
                new: Some(n.clone()),
            }),
            Some(o) if *o != n => out.push(MappingChange {
                target: n.target.clone(),
                kind: ChangeKind::Modified,
                old: Some((*o).clone()),
                new: Some(n.clone()),
            }),
            Some(_) => {}
        }
    }
    for o in old {
        if !new_by.contains_key(o.target.as_str()) {
            out.push(MappingChange {
                target: o.target.clone(),
                kind: ChangeKind::Removed,
                old: Some(o.clone()),
                new: None,
            });
        }
    }
    out
}

/// Word-level difference of two texts, with adjacent runs of the same kind
/// merged so that a rewritten phrase reads as one deletion and one insertion.
pub fn word_diff(old: &str, new: &str) -> Vec<Segment> {
    let diff = TextDiff::from_words(old, new);
    let mut out: Vec<Segment> = Vec::new();
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => SegmentOp::Equal,
            ChangeTag::Delete => SegmentOp::Delete,
            ChangeTag::Insert => SegmentOp::Insert,
        };
        let text = change.value();
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(text),
            _ => out.push(Segment {
                op,
                text: text.to_string(),
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Level, Relationship, Section};
    use proptest::prelude::*;

    fn control(id: &str, statement: &str) -> Control {
        Control {
            id: id.into(),
            section: "VM".into(),
            title: format!("Title of {id}"),
            level: Level::new(1).unwrap(),
            status: ControlStatus::Active,
            replaced_by: vec![],
            statement: statement.into(),
            guidance: String::new(),
            mappings: vec![],
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
    fn revisions_are_normative_only_where_the_amendment_changes_normative_text() {
        let base = spec(vec![
            control("A-1", "MUST do x."),
            control("A-2", "MUST do y."),
        ]);
        let rev1 = spec(vec![
            control("A-1", "MUST do x within 7 days."),
            control("A-2", "MUST do y."),
        ]);
        // Editorial: only a title changes.
        let mut rev2 = rev1.clone();
        rev2.controls[0].title = "Better title".into();
        assert!(!revision_is_normative(&base, &rev1, &base, &rev2));
        // Normative: the statement changes again.
        let rev3 = spec(vec![
            control("A-1", "MUST do x within 3 days."),
            control("A-2", "MUST do y."),
        ]);
        assert!(revision_is_normative(&base, &rev1, &base, &rev3));
        // A rebase onto a version where another amendment changed A-2: the
        // amendment's own change is the same, so the votes stand.
        let new_base = spec(vec![
            control("A-1", "MUST do x."),
            control("A-2", "MUST do y and z."),
        ]);
        let rebased = spec(vec![
            control("A-1", "MUST do x within 7 days."),
            control("A-2", "MUST do y and z."),
        ]);
        assert!(!revision_is_normative(&base, &rev1, &new_base, &rebased));
        // Dropping the amendment's own change is normative.
        assert!(revision_is_normative(
            &base,
            &rev1,
            &base,
            &rev1_without(&rev1)
        ));
    }

    #[test]
    fn section_and_specification_changes_are_listed() {
        let old = spec(vec![control("A-1", "MUST do x.")]);
        let mut new = old.clone();
        new.title = "S, second edition".into();
        new.sections[0].title = "Vulnerability management".into();
        new.sections.push(Section {
            id: "BR".into(),
            title: "Build and release".into(),
            description: "How releases are made.".into(),
        });
        let d = diff_specs(&old, &new);
        assert!(!d.is_empty());
        assert_eq!(d.changed().count(), 0, "no control changed");
        let meta: Vec<_> = d.meta.iter().map(|f| (f.field, f.new.as_str())).collect();
        assert_eq!(meta, [("title", "S, second edition")]);
        let sections: Vec<_> = d
            .sections
            .iter()
            .map(|s| (s.id.as_str(), s.kind, s.fields.len()))
            .collect();
        assert_eq!(
            sections,
            [
                ("VM", ChangeKind::Modified, 1),
                ("BR", ChangeKind::Added, 2)
            ]
        );
        assert_eq!(d.sections[0].fields[0].field, "title");
        assert_eq!(d.sections[0].fields[0].old, "VM");
        assert!(
            d.sections
                .iter()
                .all(|s| s.fields.iter().all(|f| !f.normative))
        );
        assert_eq!(d.summary.sections, 2);

        let back = diff_specs(&new, &old);
        assert_eq!(back.sections[1].id, "BR");
        assert_eq!(back.sections[1].kind, ChangeKind::Removed);
        assert!(diff_specs(&old, &old).is_empty());
    }

    #[test]
    fn revisions_changing_only_editorial_text_or_metadata_are_editorial() {
        let base = spec(vec![control("A-1", "MUST do x.")]);
        let rev1 = spec(vec![control("A-1", "MUST do x within 7 days.")]);
        let mut guidance = rev1.clone();
        guidance.controls[0].guidance = "Use a tracker.".into();
        let mut section_title = rev1.clone();
        section_title.sections[0].title = "Vulnerabilities".into();
        let mut section_description = rev1.clone();
        section_description.sections[0].description = "Finding and fixing.".into();
        let mut spec_title = rev1.clone();
        spec_title.title = "Renamed".into();
        let mut spec_summary = rev1.clone();
        spec_summary.summary = "Now with a summary.".into();
        for (what, rev2) in [
            ("guidance", &guidance),
            ("section title", &section_title),
            ("section description", &section_description),
            ("specification title", &spec_title),
            ("specification summary", &spec_summary),
        ] {
            assert_eq!(
                revision_change(&base, &rev1, &base, rev2),
                TextChange::Editorial,
                "{what}"
            );
        }
        assert_eq!(
            revision_change(&base, &rev1, &base, &rev1),
            TextChange::None
        );
        let mut statement = rev1.clone();
        statement.controls[0].statement = "MUST do x within 3 days.".into();
        assert_eq!(
            revision_change(&base, &rev1, &base, &statement),
            TextChange::Normative
        );
        // Reordering on the same base is a change readers see.
        let two = spec(vec![control("A-1", "a"), control("A-2", "b")]);
        let mut reordered = two.clone();
        reordered.controls.reverse();
        assert_eq!(
            revision_change(&two, &two, &two, &reordered),
            TextChange::Editorial
        );
    }

    #[test]
    fn a_rebase_bringing_in_other_metadata_and_section_changes_changes_nothing() {
        let base = spec(vec![control("A-1", "MUST do x.")]);
        let rev1 = spec(vec![control("A-1", "MUST do x within 7 days.")]);
        // Another amendment merged meanwhile renamed the specification and
        // its section.
        let mut new_base = base.clone();
        new_base.title = "Renamed".into();
        new_base.sections[0].title = "Vulnerabilities".into();
        let mut rebased = rev1.clone();
        rebased.title = "Renamed".into();
        rebased.sections[0].title = "Vulnerabilities".into();
        assert_eq!(
            revision_change(&base, &rev1, &new_base, &rebased),
            TextChange::None
        );
        // The same rebase that also retitles the section its own way is
        // the amendment's change.
        let mut own = rebased.clone();
        own.sections[0].title = "Vulnerability handling".into();
        assert_eq!(
            revision_change(&base, &rev1, &new_base, &own),
            TextChange::Editorial
        );
    }

    fn rev1_without(rev: &Spec) -> Spec {
        let mut s = rev.clone();
        s.controls[0].statement = "MUST do x.".into();
        s.controls[1].statement = "MUST do y, carefully.".into();
        s
    }

    #[test]
    fn pairs_by_identifier_not_position() {
        let old = spec(vec![control("A-1", "one"), control("A-2", "two")]);
        let mut moved = control("A-1", "one");
        moved.section = "BR".into();
        moved.title = "Renamed".into();
        let new = spec(vec![control("A-2", "two"), moved]);
        let d = diff_specs(&old, &new);
        assert_eq!(d.summary.added, 0);
        assert_eq!(d.summary.removed, 0);
        assert_eq!(d.summary.modified, 1);
        let a1 = d.controls.iter().find(|c| c.id == "A-1").unwrap();
        assert_eq!(a1.kind, ChangeKind::Modified);
        assert!(!a1.normative, "title and section changes are editorial");
        let fields: Vec<_> = a1.fields.iter().map(|f| f.field).collect();
        assert_eq!(fields, ["title", "section"]);
    }

    #[test]
    fn classifies_normative_changes_and_withdrawals() {
        let old = spec(vec![control("A-1", "MUST do x."), control("A-2", "two")]);
        let mut w = control("A-2", "two");
        w.status = ControlStatus::Withdrawn;
        w.replaced_by = vec!["A-3".into()];
        let new = spec(vec![
            control("A-1", "MUST do y."),
            w,
            control("A-3", "three"),
        ]);
        let d = diff_specs(&old, &new);
        assert_eq!(
            (d.summary.modified, d.summary.withdrawn, d.summary.added),
            (1, 1, 1)
        );
        assert_eq!(d.summary.normative, 3);
        let a1 = &d.controls[0];
        assert_eq!(
            a1.fields[0].segments,
            vec![
                Segment {
                    op: SegmentOp::Equal,
                    text: "MUST do ".into()
                },
                Segment {
                    op: SegmentOp::Delete,
                    text: "x.".into()
                },
                Segment {
                    op: SegmentOp::Insert,
                    text: "y.".into()
                },
            ]
        );
    }

    #[test]
    fn mapping_changes_are_listed_by_target() {
        let m = |t: &str, r: Relationship| Mapping {
            target: t.into(),
            relationship: r,
            rationale: "because".into(),
        };
        let mut a = control("A-1", "s");
        a.mappings = vec![
            m("X:1", Relationship::Subset),
            m("X:2", Relationship::Subset),
        ];
        let mut b = control("A-1", "s");
        b.mappings = vec![
            m("X:2", Relationship::Equivalent),
            m("X:3", Relationship::Subset),
        ];
        let d = diff_specs(&spec(vec![a]), &spec(vec![b]));
        let kinds: Vec<_> = d.controls[0]
            .mappings
            .iter()
            .map(|m| (m.target.as_str(), m.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("X:2", ChangeKind::Modified),
                ("X:3", ChangeKind::Added),
                ("X:1", ChangeKind::Removed)
            ]
        );
        assert!(d.controls[0].normative);
    }

    #[test]
    fn removed_controls_come_last() {
        let d = diff_specs(
            &spec(vec![control("A-1", "a"), control("A-2", "b")]),
            &spec(vec![control("A-2", "b")]),
        );
        assert_eq!(d.controls.last().unwrap().kind, ChangeKind::Removed);
        assert_eq!(d.summary.removed, 1);
    }

    proptest! {
        #[test]
        fn word_diff_reconstructs_both_sides(a in "[a-z ,.]{0,60}", b in "[a-z ,.]{0,60}") {
            let segs = word_diff(&a, &b);
            let old: String = segs.iter().filter(|s| s.op != SegmentOp::Insert).map(|s| s.text.as_str()).collect();
            let new: String = segs.iter().filter(|s| s.op != SegmentOp::Delete).map(|s| s.text.as_str()).collect();
            prop_assert_eq!(old, a);
            prop_assert_eq!(new, b);
        }

        #[test]
        fn diff_with_itself_is_empty(s in "[a-z ]{0,40}") {
            let x = spec(vec![control("A-1", &s)]);
            let d = diff_specs(&x, &x);
            prop_assert_eq!(d.changed().count(), 0);
            prop_assert!(d.meta.is_empty());
        }
    }
}
