//! Rebasing an amendment by three-way merge, control by control.
//!
//! When the specification moved on after an amendment was written, the
//! amendment's latest text is merged with the specification's current
//! version, using the version the amendment was based on as the common
//! ancestor. Everything is paired by identifier (sections, controls, mapping
//! targets), never by position or by line of the file, so two people editing
//! different controls never conflict, and a conflict always names the control
//! and field a person has to decide on.
//!
//! The rule for each field: a side that left it unchanged takes the other
//! side's change; identical changes agree. When both sides changed it
//! differently, prose (titles, statements, guidance, summaries and
//! descriptions) is merged line by line with [`diffy::merge`] and a clean
//! result is kept; anything else is a [`Conflict`]. A mapping is merged as a
//! whole per target, by the same rule: one side's change to the mapping of a
//! control to `CRA:AnnexI.P2.5` and the other side's change to its mapping to
//! `OSPS-VM-02.01` both apply.
//!
//! A conflict is never decided silently: [`resolve`] refuses to produce a
//! specification until every conflict has the author's choice. The merged
//! specification still has to pass [`crate::validate`] against the current
//! version, as any new version does (a merge can, say, keep a control in a
//! section that the other side removed).

use crate::spec::{Control, ControlStatus, Level, Mapping, Section, Spec};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// What a conflict or a resolution is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "id")]
pub enum Subject {
    /// The specification's own fields: slug, group, title and summary.
    Spec,
    /// A section, by identifier.
    Section(String),
    /// A control, by identifier.
    Control(String),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Spec => f.write_str("the specification"),
            Subject::Section(id) => write!(f, "section {id}"),
            Subject::Control(id) => write!(f, "control {id}"),
        }
    }
}

/// Which part of a [`Subject`] is in conflict.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "field", content = "target")]
pub enum Field {
    /// The whole section or control: it was added on both sides with
    /// different content, or removed on one side and changed on the other.
    Whole,
    /// The specification's slug (`spec:` in the file).
    #[serde(rename = "spec")]
    Slug,
    Group,
    Title,
    Summary,
    Description,
    Section,
    Level,
    Status,
    ReplacedBy,
    Statement,
    Guidance,
    /// The control's mapping to this catalog item.
    Mapping(String),
}

impl Field {
    /// The field's name as written in the file (`statement`,
    /// `replaced-by`), `mappings` for a mapping, or `whole`.
    pub fn name(&self) -> &'static str {
        match self {
            Field::Whole => "whole",
            Field::Slug => "spec",
            Field::Group => "group",
            Field::Title => "title",
            Field::Summary => "summary",
            Field::Description => "description",
            Field::Section => "section",
            Field::Level => "level",
            Field::Status => "status",
            Field::ReplacedBy => "replaced-by",
            Field::Statement => "statement",
            Field::Guidance => "guidance",
            Field::Mapping(_) => "mappings",
        }
    }

    /// Whether the field is prose, which is merged line by line and which an
    /// author may resolve by writing new text.
    pub fn is_prose(&self) -> bool {
        matches!(
            self,
            Field::Title | Field::Summary | Field::Description | Field::Statement | Field::Guidance
        )
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Mapping(target) => write!(f, "mapping to {target}"),
            other => f.write_str(other.name()),
        }
    }
}

/// The value of a field on one side of a merge, or the value an author
/// chooses for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "value")]
pub enum Value {
    /// The mapping, section or control does not exist on this side.
    Absent,
    Text(String),
    Level(Level),
    Status(ControlStatus),
    /// A list of identifiers, such as `replaced-by`.
    Ids(Vec<String>),
    Mapping(Mapping),
    Section(Section),
    Control(Box<Control>),
}

/// Both sides changed the same field differently and no line-by-line merge
/// could combine them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub subject: Subject,
    pub field: Field,
    /// The value in the version the amendment was based on.
    pub base: Value,
    /// The value in the specification's current version.
    pub head: Value,
    /// The value in the amendment's latest revision.
    pub revision: Value,
}

/// One of the three texts of a merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Base,
    Head,
    Revision,
}

/// A value as people read it in a conflict: text as is, the rest in words.
impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Absent => f.write_str("(not present)"),
            Value::Text(t) => f.write_str(t),
            Value::Level(l) => write!(f, "level {l}"),
            Value::Status(s) => f.write_str(s.as_str()),
            Value::Ids(ids) => f.write_str(&ids.join(", ")),
            Value::Mapping(m) => write!(
                f,
                "{} ({}): {}",
                m.target,
                m.relationship.as_str(),
                m.rationale
            ),
            Value::Section(s) => write!(f, "{} {}", s.id, s.title),
            Value::Control(c) => write!(f, "{} {}: {}", c.id, c.title, c.statement),
        }
    }
}

impl Conflict {
    /// The control the conflict is in, if it is in a control.
    pub fn control_id(&self) -> Option<&str> {
        match &self.subject {
            Subject::Control(id) => Some(id),
            _ => None,
        }
    }

    /// The resolution that keeps one side's value as it is.
    pub fn choose(&self, side: Side) -> Resolution {
        let value = match side {
            Side::Base => &self.base,
            Side::Head => &self.head,
            Side::Revision => &self.revision,
        };
        Resolution {
            subject: self.subject.clone(),
            field: self.field.clone(),
            value: value.clone(),
        }
    }
}

/// The author's choice for one conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub subject: Subject,
    pub field: Field,
    pub value: Value,
}

impl Resolution {
    /// A resolution by text the author wrote, for a prose field.
    pub fn text(subject: Subject, field: Field, text: impl Into<String>) -> Self {
        Self {
            subject,
            field,
            value: Value::Text(text.into()),
        }
    }
}

/// The result of a three-way merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeOutcome {
    /// The merged specification. Where a field is in conflict it holds the
    /// current version's (head's) value, as a placeholder until resolved.
    pub merged: Spec,
    /// Every conflict, in file order.
    pub conflicts: Vec<Conflict>,
    /// The three inputs, kept so that [`resolve`] can merge again with the
    /// author's choices (a chosen control lands where the merge puts it).
    inputs: Box<[Spec; 3]>,
}

impl MergeOutcome {
    /// Whether the merge needs no decision from the author.
    pub fn is_clean(&self) -> bool {
        self.conflicts.is_empty()
    }
}

/// Why [`resolve`] refused to produce a specification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// Some conflicts have no resolution; they are listed.
    #[error("{} unresolved: {}", count(.0.len()), list(.0))]
    Unresolved(Vec<(Subject, Field)>),
    /// A resolution names a field that is not in conflict.
    #[error("{0}: {1} is not in conflict, so it cannot be resolved")]
    NotAConflict(Subject, Field),
    /// Two resolutions name the same conflict.
    #[error("{0}: {1} is resolved more than once")]
    Duplicate(Subject, Field),
    /// A resolution's value does not fit the field (a text for a level, a
    /// mapping to another target, a control with another identifier).
    #[error("{0}: the value chosen for {1} does not fit that field")]
    WrongValue(Subject, Field),
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 conflict is".to_string()
    } else {
        format!("{n} conflicts are")
    }
}

fn list(items: &[(Subject, Field)]) -> String {
    let parts: Vec<String> = items.iter().map(|(s, f)| format!("{s} {f}")).collect();
    parts.join(", ")
}

/// Merges an amendment's latest `revision` onto the specification's current
/// version `head`, using `base` (the version the revision was based on) as
/// the common ancestor.
pub fn merge_specs(base: &Spec, head: &Spec, revision: &Spec) -> MergeOutcome {
    let mut merger = Merger::new(None);
    let merged = merger.spec(base, head, revision);
    MergeOutcome {
        merged,
        conflicts: merger.conflicts,
        inputs: Box::new([base.clone(), head.clone(), revision.clone()]),
    }
}

/// Applies the author's choices to a merge and returns the specification to
/// propose as the rebased revision. Refuses, listing them, while any conflict
/// has no resolution; a resolution for a field that is not in conflict, a
/// second resolution for the same conflict or a value of the wrong kind is
/// refused too.
pub fn resolve(outcome: &MergeOutcome, resolutions: &[Resolution]) -> Result<Spec, ResolveError> {
    let mut seen = HashSet::new();
    for r in resolutions {
        if !seen.insert((&r.subject, &r.field)) {
            return Err(ResolveError::Duplicate(r.subject.clone(), r.field.clone()));
        }
        if !fits(r) {
            return Err(ResolveError::WrongValue(r.subject.clone(), r.field.clone()));
        }
        let known = outcome
            .conflicts
            .iter()
            .any(|c| c.subject == r.subject && c.field == r.field);
        if !known {
            return Err(ResolveError::NotAConflict(
                r.subject.clone(),
                r.field.clone(),
            ));
        }
    }
    let [base, head, revision] = &*outcome.inputs;
    let mut merger = Merger::new(Some(resolutions));
    let spec = merger.spec(base, head, revision);
    if let Some(wrong) = merger.wrong.into_iter().next() {
        return Err(ResolveError::WrongValue(wrong.0, wrong.1));
    }
    if merger.unresolved.is_empty() {
        Ok(spec)
    } else {
        Err(ResolveError::Unresolved(merger.unresolved))
    }
}

/// Whether a resolution's value is of the kind its field holds.
fn fits(r: &Resolution) -> bool {
    match (&r.subject, &r.field, &r.value) {
        (_, Field::Whole | Field::Mapping(_), Value::Absent) => true,
        (Subject::Section(id), Field::Whole, Value::Section(s)) => s.id == *id,
        (Subject::Control(id), Field::Whole, Value::Control(c)) => c.id == *id,
        (Subject::Control(_), Field::Mapping(t), Value::Mapping(m)) => m.target == *t,
        (_, Field::Level, Value::Level(_)) => true,
        (_, Field::Status, Value::Status(_)) => true,
        (_, Field::ReplacedBy, Value::Ids(_)) => true,
        (_, f, Value::Text(_)) => {
            f.is_prose() || matches!(f, Field::Slug | Field::Group | Field::Section)
        }
        _ => false,
    }
}

/// Identifiers of the controls that both `a` and `b` change relative to
/// `base` (edit, add, withdraw or remove), in `a`'s order. Two open
/// amendments with a common identifier here are flagged on both, even when
/// their changes happen to agree: reviewers should read them together.
pub fn conflicting_controls(a: &Spec, b: &Spec, base: &Spec) -> Vec<String> {
    let changed_by_b: HashSet<&str> = changed_controls(b, base).collect();
    let mut seen = HashSet::new();
    changed_controls(a, base)
        .filter(|id| changed_by_b.contains(id) && seen.insert(*id))
        .map(str::to_string)
        .collect()
}

/// Identifiers of the controls `spec` adds, changes or removes against `base`.
fn changed_controls<'a>(spec: &'a Spec, base: &'a Spec) -> impl Iterator<Item = &'a str> {
    let before: HashMap<&str, &Control> =
        base.controls.iter().map(|c| (c.id.as_str(), c)).collect();
    let after: HashSet<&str> = spec.controls.iter().map(|c| c.id.as_str()).collect();
    let changed = spec
        .controls
        .iter()
        .filter(move |c| before.get(c.id.as_str()) != Some(c))
        .map(|c| c.id.as_str());
    let removed = base
        .controls
        .iter()
        .filter(move |c| !after.contains(c.id.as_str()))
        .map(|c| c.id.as_str());
    changed.chain(removed)
}

/// Why a patch could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// The patch is not a unified diff.
    #[error("the patch cannot be read: {0}")]
    Parse(String),
    /// The text the patch is applied to is not the one it was made from.
    #[error("the patch does not apply to this text ({0}); it was made from a different version")]
    Apply(String),
}

/// A unified diff that turns one specification file into another, for
/// download and for API clients that send changes as patches.
pub fn make_patch(from_canonical: &str, to_canonical: &str) -> String {
    diffy::create_patch(from_canonical, to_canonical).to_string()
}

/// Applies a unified diff made by [`make_patch`] (or by `diff -u`).
pub fn apply_patch(base: &str, patch: &str) -> Result<String, PatchError> {
    let patch = diffy::Patch::from_str(patch).map_err(|e| PatchError::Parse(e.to_string()))?;
    diffy::apply(base, &patch).map_err(|e| PatchError::Apply(e.to_string()))
}

/// A value that can stand in a conflict and be chosen by a resolution.
trait Slot: Clone + PartialEq {
    fn to_value(&self) -> Value;
    fn from_value(v: &Value) -> Option<Self>;
}

impl Slot for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        }
    }
}

impl Slot for Level {
    fn to_value(&self) -> Value {
        Value::Level(*self)
    }
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Level(l) => Some(*l),
            _ => None,
        }
    }
}

impl Slot for ControlStatus {
    fn to_value(&self) -> Value {
        Value::Status(*self)
    }
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Status(s) => Some(*s),
            _ => None,
        }
    }
}

impl Slot for Vec<String> {
    fn to_value(&self) -> Value {
        Value::Ids(self.clone())
    }
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Ids(ids) => Some(ids.clone()),
            _ => None,
        }
    }
}

impl Slot for Option<Mapping> {
    fn to_value(&self) -> Value {
        self.clone().map_or(Value::Absent, Value::Mapping)
    }
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Absent => Some(None),
            Value::Mapping(m) => Some(Some(m.clone())),
            _ => None,
        }
    }
}

impl Slot for Option<Section> {
    fn to_value(&self) -> Value {
        self.clone().map_or(Value::Absent, Value::Section)
    }
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Absent => Some(None),
            Value::Section(s) => Some(Some(s.clone())),
            _ => None,
        }
    }
}

impl Slot for Option<Control> {
    fn to_value(&self) -> Value {
        self.clone()
            .map_or(Value::Absent, |c| Value::Control(Box::new(c)))
    }
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Absent => Some(None),
            Value::Control(c) => Some(Some((**c).clone())),
            _ => None,
        }
    }
}

/// One run of the merge. Without resolutions, a conflicting field takes the
/// head's value; with them, it takes the author's choice, and conflicts
/// without a choice are collected as unresolved.
struct Merger<'r> {
    resolutions: Option<&'r [Resolution]>,
    conflicts: Vec<Conflict>,
    unresolved: Vec<(Subject, Field)>,
    wrong: Vec<(Subject, Field)>,
}

impl<'r> Merger<'r> {
    fn new(resolutions: Option<&'r [Resolution]>) -> Self {
        Self {
            resolutions,
            conflicts: Vec::new(),
            unresolved: Vec::new(),
            wrong: Vec::new(),
        }
    }

    fn spec(&mut self, b: &Spec, h: &Spec, r: &Spec) -> Spec {
        if let Some(same) = trivial(b, h, r) {
            return same.clone();
        }
        let s = Subject::Spec;
        Spec {
            spec: self.field(&s, Field::Slug, &b.spec, &h.spec, &r.spec),
            group: self.field(&s, Field::Group, &b.group, &h.group, &r.group),
            title: self.prose(&s, Field::Title, &b.title, &h.title, &r.title),
            summary: self.prose(&s, Field::Summary, &b.summary, &h.summary, &r.summary),
            sections: self.keyed(
                &b.sections,
                &h.sections,
                &r.sections,
                |s| &s.id,
                Self::section,
            ),
            controls: self.keyed(
                &b.controls,
                &h.controls,
                &r.controls,
                |c| &c.id,
                Self::control,
            ),
        }
    }

    fn section(
        &mut self,
        id: &str,
        b: Option<&Section>,
        h: Option<&Section>,
        r: Option<&Section>,
    ) -> Option<Section> {
        let subject = Subject::Section(id.to_string());
        let (Some(b), Some(h), Some(r)) = (b, h, r) else {
            return self.field(
                &subject,
                Field::Whole,
                &b.cloned(),
                &h.cloned(),
                &r.cloned(),
            );
        };
        if let Some(same) = trivial(b, h, r) {
            return Some(same.clone());
        }
        Some(Section {
            id: id.to_string(),
            title: self.prose(&subject, Field::Title, &b.title, &h.title, &r.title),
            description: self.prose(
                &subject,
                Field::Description,
                &b.description,
                &h.description,
                &r.description,
            ),
        })
    }

    fn control(
        &mut self,
        id: &str,
        b: Option<&Control>,
        h: Option<&Control>,
        r: Option<&Control>,
    ) -> Option<Control> {
        let s = Subject::Control(id.to_string());
        let (Some(b), Some(h), Some(r)) = (b, h, r) else {
            return self.field(&s, Field::Whole, &b.cloned(), &h.cloned(), &r.cloned());
        };
        if let Some(same) = trivial(b, h, r) {
            return Some(same.clone());
        }
        Some(Control {
            id: id.to_string(),
            section: self.field(&s, Field::Section, &b.section, &h.section, &r.section),
            title: self.prose(&s, Field::Title, &b.title, &h.title, &r.title),
            level: self.field(&s, Field::Level, &b.level, &h.level, &r.level),
            status: self.field(&s, Field::Status, &b.status, &h.status, &r.status),
            replaced_by: self.field(
                &s,
                Field::ReplacedBy,
                &b.replaced_by,
                &h.replaced_by,
                &r.replaced_by,
            ),
            statement: self.prose(
                &s,
                Field::Statement,
                &b.statement,
                &h.statement,
                &r.statement,
            ),
            guidance: self.prose(&s, Field::Guidance, &b.guidance, &h.guidance, &r.guidance),
            mappings: self.keyed(
                &b.mappings,
                &h.mappings,
                &r.mappings,
                |m| &m.target,
                |m, target, b, h, r| {
                    let field = Field::Mapping(target.to_string());
                    m.field(&s, field, &b.cloned(), &h.cloned(), &r.cloned())
                },
            ),
        })
    }

    /// Merges lists of items keyed by identifier: the order is merged first,
    /// then each identifier's three versions (any of which may be absent).
    fn keyed<T>(
        &mut self,
        b: &[T],
        h: &[T],
        r: &[T],
        key: fn(&T) -> &String,
        mut one: impl FnMut(&mut Self, &str, Option<&T>, Option<&T>, Option<&T>) -> Option<T>,
    ) -> Vec<T> {
        let (b, h, r) = (Keyed::new(b, key), Keyed::new(h, key), Keyed::new(r, key));
        let order = merge_order(&b.ids(), &h.ids(), &r.ids());
        let mut out = Vec::with_capacity(order.len());
        for id in &order {
            if let Some(item) = one(self, id, b.get(id), h.get(id), r.get(id)) {
                out.push(item);
            }
        }
        out
    }

    /// The one-side-changed rule for any field; a real conflict is recorded.
    fn field<T: Slot>(&mut self, subject: &Subject, field: Field, b: &T, h: &T, r: &T) -> T {
        match trivial(b, h, r) {
            Some(v) => v.clone(),
            None => self.conflict(subject, field, b, h, r),
        }
    }

    /// The rule for prose: as [`Self::field`], but concurrent changes to
    /// different lines are combined.
    fn prose(
        &mut self,
        subject: &Subject,
        field: Field,
        b: &String,
        h: &String,
        r: &String,
    ) -> String {
        if let Some(v) = trivial(b, h, r) {
            return v.clone();
        }
        match diffy::merge(b, h, r) {
            Ok(text) => text,
            Err(_) => self.conflict(subject, field, b, h, r),
        }
    }

    fn conflict<T: Slot>(&mut self, subject: &Subject, field: Field, b: &T, h: &T, r: &T) -> T {
        let chosen = self.choice(subject, &field);
        self.conflicts.push(Conflict {
            subject: subject.clone(),
            field: field.clone(),
            base: b.to_value(),
            head: h.to_value(),
            revision: r.to_value(),
        });
        if self.resolutions.is_none() {
            return h.clone();
        }
        match chosen.as_ref().map(T::from_value) {
            Some(Some(v)) => v,
            Some(None) => {
                self.wrong.push((subject.clone(), field));
                h.clone()
            }
            None => {
                self.unresolved.push((subject.clone(), field));
                h.clone()
            }
        }
    }

    fn choice(&self, subject: &Subject, field: &Field) -> Option<Value> {
        self.resolutions?
            .iter()
            .find(|r| r.subject == *subject && r.field == *field)
            .map(|r| r.value.clone())
    }
}

/// A list of items with an index by identifier. For a duplicate identifier
/// (which validation refuses) the first occurrence counts.
struct Keyed<'a, T> {
    items: &'a [T],
    key: fn(&T) -> &String,
    index: HashMap<&'a str, usize>,
}

impl<'a, T> Keyed<'a, T> {
    fn new(items: &'a [T], key: fn(&T) -> &String) -> Self {
        let mut index = HashMap::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            index.entry(key(item).as_str()).or_insert(i);
        }
        Self { items, key, index }
    }

    fn ids(&self) -> Vec<String> {
        self.items.iter().map(|i| (self.key)(i).clone()).collect()
    }

    fn get(&self, id: &str) -> Option<&'a T> {
        self.index.get(id).map(|&i| &self.items[i])
    }
}

/// The result when at most one side changed `b`, or both changed it alike.
fn trivial<'a, T: PartialEq>(b: &'a T, h: &'a T, r: &'a T) -> Option<&'a T> {
    if h == r || b == r {
        Some(h)
    } else if b == h {
        Some(r)
    } else {
        None
    }
}

/// Merges the order of identifiers. When only one side reordered or
/// inserted, its order wins; otherwise the orders are merged line by line,
/// and if that conflicts, the head's order is kept with the revision's new
/// identifiers placed after their predecessor in the revision. Every
/// identifier of any side appears exactly once; the caller drops the ones
/// that end up absent.
fn merge_order(b: &[String], h: &[String], r: &[String]) -> Vec<String> {
    let primary = match trivial(&b, &h, &r) {
        Some(order) => order.to_vec(),
        None => diffy_order(b, h, r).unwrap_or_else(|| interleave(h, r)),
    };
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(primary.len() + b.len());
    for id in primary.iter().chain(h).chain(r).chain(b) {
        if seen.insert(id.as_str()) {
            out.push(id.clone());
        }
    }
    out
}

fn diffy_order(b: &[String], h: &[String], r: &[String]) -> Option<Vec<String>> {
    if [b, h, r]
        .iter()
        .any(|ids| ids.iter().any(|id| id.contains('\n')))
    {
        return None;
    }
    let text = |ids: &[String]| ids.iter().map(|id| format!("{id}\n")).collect::<String>();
    let merged = diffy::merge(&text(b), &text(h), &text(r)).ok()?;
    Some(merged.lines().map(str::to_string).collect())
}

/// The head's order, with each identifier only the revision has inserted
/// after the nearest identifier that precedes it in the revision.
fn interleave(h: &[String], r: &[String]) -> Vec<String> {
    let mut out = h.to_vec();
    for (i, id) in r.iter().enumerate() {
        if out.contains(id) {
            continue;
        }
        let at = r[..i]
            .iter()
            .rev()
            .find_map(|p| out.iter().position(|o| o == p))
            .map_or(0, |p| p + 1);
        out.insert(at, id.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Relationship;

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

    fn mapping(target: &str, relationship: Relationship) -> Mapping {
        Mapping {
            target: target.into(),
            relationship,
            rationale: "because".into(),
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

    fn base() -> Spec {
        spec(vec![
            control("A-1", "line one\nline two\nline three\n"),
            control("A-2", "two"),
            control("A-3", "three"),
        ])
    }

    #[test]
    fn changes_to_different_controls_both_apply() {
        let mut head = base();
        head.controls[1].statement = "two, upstream".into();
        let mut rev = base();
        rev.controls[2].level = Level::new(2).unwrap();
        let out = merge_specs(&base(), &head, &rev);
        assert!(out.is_clean(), "{:?}", out.conflicts);
        assert_eq!(out.merged.controls[1].statement, "two, upstream");
        assert_eq!(out.merged.controls[2].level.get(), 2);
    }

    #[test]
    fn prose_changes_to_different_lines_merge() {
        let mut head = base();
        head.controls[0].statement = "LINE ONE\nline two\nline three\n".into();
        let mut rev = base();
        rev.controls[0].statement = "line one\nline two\nLINE THREE\n".into();
        let out = merge_specs(&base(), &head, &rev);
        assert!(out.is_clean(), "{:?}", out.conflicts);
        assert_eq!(
            out.merged.controls[0].statement,
            "LINE ONE\nline two\nLINE THREE\n"
        );
    }

    #[test]
    fn prose_changes_to_the_same_line_conflict_and_head_is_the_placeholder() {
        let mut head = base();
        head.controls[1].statement = "two (head)".into();
        let mut rev = base();
        rev.controls[1].statement = "two (revision)".into();
        let out = merge_specs(&base(), &head, &rev);
        assert_eq!(
            out.conflicts,
            [Conflict {
                subject: Subject::Control("A-2".into()),
                field: Field::Statement,
                base: Value::Text("two".into()),
                head: Value::Text("two (head)".into()),
                revision: Value::Text("two (revision)".into()),
            }]
        );
        assert_eq!(out.conflicts[0].control_id(), Some("A-2"));
        assert_eq!(out.merged.controls[1].statement, "two (head)");

        let err = resolve(&out, &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "1 conflict is unresolved: control A-2 statement"
        );
        let written = Resolution::text(
            Subject::Control("A-2".into()),
            Field::Statement,
            "two (both)",
        );
        let done = resolve(&out, &[written]).unwrap();
        assert_eq!(done.controls[1].statement, "two (both)");
    }

    #[test]
    fn mappings_merge_per_target() {
        let mut b = base();
        b.controls[0].mappings = vec![
            mapping("X:1", Relationship::Subset),
            mapping("X:2", Relationship::Subset),
        ];
        let mut head = b.clone();
        head.controls[0].mappings[0].relationship = Relationship::Equivalent;
        let mut rev = b.clone();
        rev.controls[0].mappings.remove(1);
        rev.controls[0]
            .mappings
            .push(mapping("X:3", Relationship::Intersects));
        let out = merge_specs(&b, &head, &rev);
        assert!(out.is_clean(), "{:?}", out.conflicts);
        assert_eq!(
            out.merged.controls[0].mappings,
            [
                mapping("X:1", Relationship::Equivalent),
                mapping("X:3", Relationship::Intersects)
            ]
        );

        // Both change the same target differently: a conflict on that target.
        let mut rev = b.clone();
        rev.controls[0].mappings[0].relationship = Relationship::Superset;
        let out = merge_specs(&b, &head, &rev);
        assert_eq!(out.conflicts.len(), 1);
        assert_eq!(out.conflicts[0].field, Field::Mapping("X:1".into()));
        let pick = out.conflicts[0].choose(Side::Revision);
        let done = resolve(&out, &[pick]).unwrap();
        assert_eq!(
            done.controls[0].mappings[0].relationship,
            Relationship::Superset
        );
    }

    #[test]
    fn non_prose_fields_conflict_and_need_a_value_of_their_kind() {
        let mut head = base();
        head.controls[2].level = Level::new(2).unwrap();
        let mut rev = base();
        rev.controls[2].level = Level::new(3).unwrap();
        let out = merge_specs(&base(), &head, &rev);
        assert_eq!(out.conflicts.len(), 1);
        assert_eq!(out.conflicts[0].field, Field::Level);
        let s = Subject::Control("A-3".into());
        let text = Resolution::text(s.clone(), Field::Level, "3");
        assert_eq!(
            resolve(&out, &[text]),
            Err(ResolveError::WrongValue(s.clone(), Field::Level))
        );
        let level = Resolution {
            subject: s.clone(),
            field: Field::Level,
            value: Value::Level(Level::new(3).unwrap()),
        };
        assert_eq!(
            resolve(&out, &[level.clone(), level.clone()]),
            Err(ResolveError::Duplicate(s.clone(), Field::Level))
        );
        let stray = Resolution::text(s.clone(), Field::Statement, "x");
        assert_eq!(
            resolve(&out, &[level.clone(), stray]),
            Err(ResolveError::NotAConflict(s, Field::Statement))
        );
        assert_eq!(resolve(&out, &[level]).unwrap().controls[2].level.get(), 3);
    }

    #[test]
    fn additions_on_either_side_are_kept_in_place() {
        let mut head = base();
        head.controls.push(control("A-9", "upstream"));
        let mut rev = base();
        rev.controls.insert(1, control("A-5", "proposed"));
        let out = merge_specs(&base(), &head, &rev);
        assert!(out.is_clean());
        let ids: Vec<_> = out.merged.controls.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["A-1", "A-5", "A-2", "A-3", "A-9"]);
    }

    #[test]
    fn same_id_added_twice_differently_is_a_whole_control_conflict() {
        let mut head = base();
        head.controls.push(control("A-4", "head's"));
        let mut rev = base();
        rev.controls.insert(0, control("A-4", "revision's"));
        let out = merge_specs(&base(), &head, &rev);
        assert_eq!(out.conflicts.len(), 1);
        assert_eq!(out.conflicts[0].field, Field::Whole);
        assert_eq!(out.conflicts[0].base, Value::Absent);
        let done = resolve(&out, &[out.conflicts[0].choose(Side::Revision)]).unwrap();
        assert_eq!(done.control("A-4").unwrap().statement, "revision's");

        // Added identically on both sides: no conflict.
        let mut rev = base();
        rev.controls.push(control("A-4", "head's"));
        assert!(merge_specs(&base(), &head, &rev).is_clean());
    }

    #[test]
    fn removal_against_a_change_is_a_conflict_resolvable_to_absent() {
        let mut head = base();
        head.controls[1].statement = "changed".into();
        let mut rev = base();
        rev.controls.remove(1);
        let out = merge_specs(&base(), &head, &rev);
        assert_eq!(out.conflicts.len(), 1);
        assert_eq!(out.conflicts[0].revision, Value::Absent);
        assert!(
            out.merged.control("A-2").is_some(),
            "head is the placeholder"
        );
        let done = resolve(&out, &[out.conflicts[0].choose(Side::Revision)]).unwrap();
        assert!(done.control("A-2").is_none());
    }

    #[test]
    fn resolution_of_a_control_must_carry_its_identifier() {
        let mut head = base();
        head.controls.push(control("A-4", "x"));
        let mut rev = base();
        rev.controls.push(control("A-4", "y"));
        let out = merge_specs(&base(), &head, &rev);
        let wrong = Resolution {
            subject: Subject::Control("A-4".into()),
            field: Field::Whole,
            value: Value::Control(Box::new(control("A-7", "y"))),
        };
        assert!(matches!(
            resolve(&out, &[wrong]),
            Err(ResolveError::WrongValue(..))
        ));
    }

    #[test]
    fn spec_and_section_fields_merge_too() {
        let mut head = base();
        head.summary = "A\nb\nc\n".into();
        let mut b = base();
        b.summary = "a\nb\nc\n".into();
        let mut rev = b.clone();
        rev.summary = "a\nb\nC\n".into();
        rev.sections[0].title = "Vulnerabilities".into();
        let out = merge_specs(&b, &head, &rev);
        assert!(out.is_clean());
        assert_eq!(out.merged.summary, "A\nb\nC\n");
        assert_eq!(out.merged.sections[0].title, "Vulnerabilities");

        let mut head2 = b.clone();
        head2.title = "Head".into();
        let mut rev2 = b.clone();
        rev2.title = "Revision".into();
        let out = merge_specs(&b, &head2, &rev2);
        assert_eq!(out.conflicts[0].subject, Subject::Spec);
        assert_eq!(
            resolve(&out, &[]).unwrap_err().to_string(),
            "1 conflict is unresolved: the specification title"
        );
    }

    #[test]
    fn conflicting_controls_lists_controls_both_change() {
        let b = base();
        let mut x = b.clone();
        x.controls[0].statement = "x".into();
        x.controls[1].level = Level::new(2).unwrap();
        x.controls.push(control("A-4", "new"));
        let mut y = b.clone();
        y.controls[1].guidance = "y".into();
        y.controls.remove(0);
        y.controls.push(control("A-4", "new"));
        assert_eq!(conflicting_controls(&x, &y, &b), ["A-1", "A-2", "A-4"]);
        assert!(conflicting_controls(&x, &b, &b).is_empty());
    }

    #[test]
    fn patches_round_trip_and_refuse_the_wrong_base() {
        let a = "one\ntwo\nthree\n";
        let b = "one\n2\nthree\nfour\n";
        let patch = make_patch(a, b);
        assert_eq!(apply_patch(a, &patch).unwrap(), b);
        let err = apply_patch("something else\n", &patch).unwrap_err();
        assert!(matches!(err, PatchError::Apply(_)), "{err}");
        assert!(matches!(
            apply_patch(a, "@@ nonsense"),
            Err(PatchError::Parse(_))
        ));
    }

    #[test]
    fn order_falls_back_to_interleaving_when_both_insert_at_one_place() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let order = merge_order(&s(&["a", "b"]), &s(&["a", "h", "b"]), &s(&["a", "r", "b"]));
        assert_eq!(order, s(&["a", "r", "h", "b"]));
    }
}
