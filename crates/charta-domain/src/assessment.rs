//! Self-assessments: how far a project meets a released specification.
//!
//! An assessment records, per control of one release, a [`Status`] with a
//! justification and evidence links. Everything that follows from those
//! answers is computed here, from the answers and the release's
//! specification alone: which levels are met ([`evaluate`]), what remains
//! for a level ([`gap_plan`]) and what becomes of the answers when the
//! assessment moves to a newer release ([`carry_forward`]). Nothing is
//! stored that could be computed, so a level shown on a page can never
//! disagree with the answers behind it.
//!
//! Levels are cumulative, as in the specification: a control required at
//! level N counts for N and every level above it. A control counts as
//! satisfied when it is met, or not applicable with a reason, and nobody
//! has yet to look at it again after a move to a newer release.

use crate::diff::{ChangeKind, ControlDiff, diff_specs};
use crate::spec::{Control, ControlStatus, Level, Spec};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Most evidence links one answer may carry.
pub const MAX_EVIDENCE: usize = 20;
/// Longest justification, in bytes.
pub const MAX_JUSTIFICATION: usize = 10_000;
/// Longest evidence link, in bytes.
pub const MAX_LINK: usize = 2_000;

/// What the assessor says about one control.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Met,
    PartlyMet,
    NotMet,
    /// The control does not apply to the subject; the justification says
    /// why, and the control then counts as satisfied.
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Met,
        Status::PartlyMet,
        Status::NotMet,
        Status::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::PartlyMet => "partly-met",
            Status::NotMet => "not-met",
            Status::NotApplicable => "not-applicable",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "Met",
            Status::PartlyMet => "Partly met",
            Status::NotMet => "Not met",
            Status::NotApplicable => "Not applicable",
        }
    }
}

/// What is assessed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubjectKind {
    Project,
    Repository,
    Package,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 3] = [
        SubjectKind::Project,
        SubjectKind::Repository,
        SubjectKind::Package,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Project => "project",
            SubjectKind::Repository => "repository",
            SubjectKind::Package => "package",
        }
    }

    pub fn parse(s: &str) -> Option<SubjectKind> {
        SubjectKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Longest subject name, in characters.
pub const MAX_SUBJECT_NAME: usize = 200;

/// Checks what an assessment is about: a name and a web address.
pub fn check_subject(name: &str, url: &str) -> Result<(), String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("name the project, repository or package being assessed".into());
    }
    if name.chars().count() > MAX_SUBJECT_NAME || name.chars().any(char::is_control) {
        return Err(format!(
            "the subject's name must be one line of at most {MAX_SUBJECT_NAME} characters"
        ));
    }
    check_link(url.trim()).map_err(|e| format!("the subject's URL: {e}"))
}

/// Why an answer must be looked at again after moving to a newer release.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Review {
    /// The control's text changed; the old answer is kept as a starting
    /// point but no longer counts until someone answers again.
    Changed,
    /// The control is new in the release; it has no answer yet.
    New,
}

impl Review {
    pub fn as_str(self) -> &'static str {
        match self {
            Review::Changed => "changed",
            Review::New => "new",
        }
    }

    pub fn parse(s: &str) -> Option<Review> {
        match s {
            "changed" => Some(Review::Changed),
            "new" => Some(Review::New),
            _ => None,
        }
    }
}

/// The answer for one control.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The control's identifier.
    pub control: String,
    /// None only for a control new in the release, not yet answered.
    pub status: Option<Status>,
    /// Why the status holds; for "not applicable", the reason.
    pub justification: String,
    /// Links to what shows it (`http` or `https`).
    pub evidence: Vec<String>,
    /// Set when a move to a newer release asks for the answer to be
    /// looked at again; answering clears it.
    pub review: Option<Review>,
}

impl Answer {
    /// Whether the answer counts towards a level.
    pub fn satisfies(&self) -> bool {
        self.review.is_none() && matches!(self.status, Some(Status::Met | Status::NotApplicable))
    }
}

/// Checks one answer a person gives, before it is stored: the control
/// must be in force in the release, "not applicable" needs a reason, and
/// evidence must be web links.
pub fn check_answer(
    spec: &Spec,
    control: &str,
    status: Status,
    justification: &str,
    evidence: &[String],
) -> Result<(), String> {
    match spec.control(control) {
        None => {
            return Err(format!(
                "control {control:?} is not in this release; answer one of the controls the assessment lists"
            ));
        }
        Some(c) if c.status == ControlStatus::Withdrawn => {
            return Err(format!(
                "control {control} is withdrawn in this release and needs no answer"
            ));
        }
        Some(_) => {}
    }
    if status == Status::NotApplicable && justification.trim().is_empty() {
        return Err(
            "\"not applicable\" needs a reason: say in the justification why the control does not apply".into(),
        );
    }
    if justification.len() > MAX_JUSTIFICATION {
        return Err(format!(
            "the justification is longer than {MAX_JUSTIFICATION} bytes; link to a longer text as evidence instead"
        ));
    }
    if evidence.len() > MAX_EVIDENCE {
        return Err(format!(
            "at most {MAX_EVIDENCE} evidence links per control, not {}",
            evidence.len()
        ));
    }
    for link in evidence {
        check_link(link)?;
    }
    Ok(())
}

/// Checks an evidence link or a subject's URL: absolute `http` or `https`,
/// no spaces, not too long.
pub fn check_link(link: &str) -> Result<(), String> {
    let ok_scheme = link.starts_with("https://") || link.starts_with("http://");
    let host = link.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    if !ok_scheme || host.is_empty() || host.starts_with('/') {
        return Err(format!(
            "{link:?} is not a web link; links must start with https:// or http:// and name a host"
        ));
    }
    if link.len() > MAX_LINK || link.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{:?} is not a usable link (no spaces, at most {MAX_LINK} bytes)",
            link.chars().take(80).collect::<String>()
        ));
    }
    Ok(())
}

/// How the answers stand for one level.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LevelStanding {
    pub level: u8,
    /// Controls in force required at this level or below.
    pub required: usize,
    /// Of those, met or not applicable with nothing to review.
    pub satisfied: usize,
    pub partly_met: usize,
    pub not_met: usize,
    /// No answer yet.
    pub unanswered: usize,
    /// Answered, but to be looked at again after a move.
    pub to_review: usize,
    /// Every required control is satisfied.
    pub met: bool,
}

/// The standing of an assessment at every level.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// Levels 1 to 3, in order.
    pub levels: Vec<LevelStanding>,
    /// The highest level met, if any. Because levels are cumulative, every
    /// level below it is met too.
    pub achieved: Option<u8>,
}

impl Evaluation {
    /// The standing at one level.
    pub fn at(&self, level: Level) -> &LevelStanding {
        let i = usize::from(level.get() - Level::MIN);
        &self.levels[i.min(self.levels.len() - 1)]
    }
}

/// What one answered (or unanswered) control amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    Satisfied,
    PartlyMet,
    NotMet,
    Unanswered,
    ToReview,
}

fn standing(answer: Option<&Answer>) -> Standing {
    match answer {
        None
        | Some(Answer {
            status: None,
            review: None,
            ..
        }) => Standing::Unanswered,
        Some(a) if a.review.is_some() => Standing::ToReview,
        Some(a) => match a.status {
            Some(Status::Met | Status::NotApplicable) => Standing::Satisfied,
            Some(Status::PartlyMet) => Standing::PartlyMet,
            Some(Status::NotMet) | None => Standing::NotMet,
        },
    }
}

fn by_control(answers: &[Answer]) -> HashMap<&str, &Answer> {
    answers.iter().map(|a| (a.control.as_str(), a)).collect()
}

/// The standing at every level, from the answers and the release alone.
pub fn evaluate(spec: &Spec, answers: &[Answer]) -> Evaluation {
    let by = by_control(answers);
    let mut levels: Vec<LevelStanding> = (Level::MIN..=Level::MAX)
        .map(|level| LevelStanding {
            level,
            required: 0,
            satisfied: 0,
            partly_met: 0,
            not_met: 0,
            unanswered: 0,
            to_review: 0,
            met: false,
        })
        .collect();
    for c in spec.active_controls() {
        let s = standing(by.get(c.id.as_str()).copied());
        for l in levels.iter_mut().filter(|l| l.level >= c.level.get()) {
            l.required += 1;
            match s {
                Standing::Satisfied => l.satisfied += 1,
                Standing::PartlyMet => l.partly_met += 1,
                Standing::NotMet => l.not_met += 1,
                Standing::Unanswered => l.unanswered += 1,
                Standing::ToReview => l.to_review += 1,
            }
        }
    }
    for l in &mut levels {
        l.met = l.satisfied == l.required;
    }
    // Cumulative: a level counts only if every level below it does, which
    // holds by construction (each level's controls include the ones below)
    // but is stated so a reader need not prove it.
    let achieved = levels.iter().take_while(|l| l.met).map(|l| l.level).last();
    Evaluation { levels, achieved }
}

/// Which reference catalog a gap group belongs to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reference {
    /// A clause of the Cyber Resilience Act (`CRA:` identifiers).
    Cra,
    /// An OpenSSF item (the Baseline or the repository principles).
    Openssf,
    /// Controls that map to no catalog item.
    Unmapped,
}

impl Reference {
    /// The catalog family a mapping target belongs to.
    pub fn of_target(target: &str) -> Reference {
        if target.starts_with("CRA:") {
            Reference::Cra
        } else {
            Reference::Openssf
        }
    }
}

/// One control that stands between the answers and a level.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub control: String,
    pub title: String,
    pub level: u8,
    /// `unanswered`, `not-met`, `partly-met` or `to-review`.
    pub state: &'static str,
}

/// The gaps under one CRA clause or OpenSSF item.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GapGroup {
    pub reference: Reference,
    /// The catalog item's identifier; empty for unmapped controls.
    pub item: String,
    pub gaps: Vec<Gap>,
}

/// What remains for one level, grouped by what the controls map to. A
/// control mapped to several items appears under each.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GapPlan {
    pub level: u8,
    /// Controls not yet satisfied for the level (each counted once).
    pub remaining: usize,
    /// CRA clauses first, then OpenSSF items, then unmapped controls; by
    /// identifier within each.
    pub groups: Vec<GapGroup>,
}

fn gap(c: &Control, s: Standing) -> Option<Gap> {
    let state = match s {
        Standing::Satisfied => return None,
        Standing::PartlyMet => "partly-met",
        Standing::NotMet => "not-met",
        Standing::Unanswered => "unanswered",
        Standing::ToReview => "to-review",
    };
    Some(Gap {
        control: c.id.clone(),
        title: c.title.clone(),
        level: c.level.get(),
        state,
    })
}

/// What remains to be satisfied for `level`.
pub fn gap_plan(spec: &Spec, answers: &[Answer], level: Level) -> GapPlan {
    let by = by_control(answers);
    let mut groups: BTreeMap<(Reference, String), Vec<Gap>> = BTreeMap::new();
    let mut remaining = 0;
    for c in spec.active_controls().filter(|c| c.level <= level) {
        let Some(g) = gap(c, standing(by.get(c.id.as_str()).copied())) else {
            continue;
        };
        remaining += 1;
        if c.mappings.is_empty() {
            groups
                .entry((Reference::Unmapped, String::new()))
                .or_default()
                .push(g);
            continue;
        }
        for m in &c.mappings {
            groups
                .entry((Reference::of_target(&m.target), m.target.clone()))
                .or_default()
                .push(g.clone());
        }
    }
    GapPlan {
        level: level.get(),
        remaining,
        groups: groups
            .into_iter()
            .map(|((reference, item), gaps)| GapGroup {
                reference,
                item,
                gaps,
            })
            .collect(),
    }
}

/// An answer that does not survive a move, and why.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dropped {
    pub control: String,
    pub title: String,
    /// What the answer said before the move.
    pub status: Option<Status>,
    /// Why it dropped out, such as "withdrawn in favour of X-2".
    pub note: String,
}

/// The answers after a move to a newer release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carried {
    /// One per control that keeps an answer or is new, in the new release's
    /// order: unchanged controls as they were, changed ones marked
    /// [`Review::Changed`], new ones empty and marked [`Review::New`].
    pub answers: Vec<Answer>,
    /// For each control marked changed, what changed.
    pub redlines: BTreeMap<String, ControlDiff>,
    /// Answers to controls withdrawn or removed in the new release.
    pub dropped: Vec<Dropped>,
}

/// Moves answers given against `old` to `new`, from the control-by-control
/// comparison of the two. A control whose text changed in any way keeps
/// its old answer only as a draft to review, never as a silent "met".
pub fn carry_forward(old: &Spec, new: &Spec, answers: &[Answer]) -> Carried {
    let by = by_control(answers);
    let diff = diff_specs(old, new);
    let kinds: HashMap<&str, &ControlDiff> =
        diff.controls.iter().map(|d| (d.id.as_str(), d)).collect();
    let mut out = Carried {
        answers: Vec::new(),
        redlines: BTreeMap::new(),
        dropped: Vec::new(),
    };
    for c in &new.controls {
        let d = kinds.get(c.id.as_str());
        let before = by.get(c.id.as_str()).copied();
        let was_active = old
            .control(&c.id)
            .is_some_and(|o| o.status == ControlStatus::Active);
        if c.status == ControlStatus::Withdrawn {
            if let Some(a) = before {
                out.dropped.push(Dropped {
                    control: c.id.clone(),
                    title: c.title.clone(),
                    status: a.status,
                    note: withdrawn_note(c),
                });
            }
            continue;
        }
        match (d.map(|d| d.kind), before) {
            (Some(ChangeKind::Unchanged), Some(a)) if was_active => {
                out.answers.push(a.clone());
            }
            (Some(ChangeKind::Unchanged), None) if was_active => {}
            (Some(ChangeKind::Modified | ChangeKind::Unchanged), Some(a)) if was_active => {
                let mut a = a.clone();
                a.review = Some(Review::Changed);
                out.answers.push(a);
                if let Some(d) = d {
                    out.redlines.insert(c.id.clone(), (*d).clone());
                }
            }
            (Some(ChangeKind::Modified | ChangeKind::Unchanged), None) if was_active => {
                // Never answered before: nothing to carry, nothing to flag
                // beyond what the gap plan already shows.
            }
            _ => {
                // New in the release, or back in force after a withdrawal.
                out.answers.push(Answer {
                    control: c.id.clone(),
                    status: None,
                    justification: String::new(),
                    evidence: Vec::new(),
                    review: Some(Review::New),
                });
            }
        }
    }
    for a in answers {
        if new.control(&a.control).is_none() {
            let title = old
                .control(&a.control)
                .map(|c| c.title.clone())
                .unwrap_or_default();
            out.dropped.push(Dropped {
                control: a.control.clone(),
                title,
                status: a.status,
                note: "removed from the specification in this release".into(),
            });
        }
    }
    out
}

fn withdrawn_note(c: &Control) -> String {
    if c.replaced_by.is_empty() {
        "withdrawn in this release".into()
    } else {
        format!(
            "withdrawn in this release in favour of {}",
            c.replaced_by.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Mapping, Relationship};
    use proptest::prelude::*;

    fn control(id: &str, level: u8, statement: &str, targets: &[&str]) -> Control {
        Control {
            id: id.into(),
            section: "s".into(),
            title: format!("Title of {id}"),
            level: Level::new(level).unwrap(),
            status: ControlStatus::Active,
            replaced_by: vec![],
            statement: statement.into(),
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
            spec: "x".into(),
            group: "g".into(),
            title: "X".into(),
            summary: String::new(),
            sections: vec![],
            controls,
        }
    }

    fn answer(id: &str, status: Status) -> Answer {
        Answer {
            control: id.into(),
            status: Some(status),
            justification: "because".into(),
            evidence: vec![],
            review: None,
        }
    }

    fn three() -> Spec {
        spec(vec![
            control("A-1", 1, "one", &["CRA:AnnexI.P1.1", "OSPS-AC-01.01"]),
            control("A-2", 2, "two", &["CRA:AnnexI.P1.1"]),
            control("A-3", 3, "three", &[]),
        ])
    }

    #[test]
    fn levels_are_cumulative() {
        let s = three();
        let e = evaluate(&s, &[answer("A-1", Status::Met)]);
        assert_eq!(e.achieved, Some(1));
        assert_eq!(e.levels[1].required, 2);
        assert_eq!(e.levels[2].required, 3);
        assert!(!e.levels[1].met);
        // Meeting only the level-2 control does not meet level 2.
        let e = evaluate(&s, &[answer("A-2", Status::Met)]);
        assert_eq!(e.achieved, None);
        assert!(!e.levels[1].met);
    }

    #[test]
    fn not_applicable_counts_partly_met_does_not() {
        let s = three();
        let e = evaluate(
            &s,
            &[
                answer("A-1", Status::NotApplicable),
                answer("A-2", Status::PartlyMet),
            ],
        );
        assert_eq!(e.achieved, Some(1));
        assert_eq!(e.levels[1].partly_met, 1);
    }

    #[test]
    fn withdrawn_controls_are_not_required() {
        let mut s = three();
        s.controls[0].status = ControlStatus::Withdrawn;
        let e = evaluate(&s, &[]);
        assert_eq!(e.levels[0].required, 0);
        assert_eq!(e.achieved, Some(1));
    }

    #[test]
    fn gap_plan_groups_by_catalog_item() {
        let s = three();
        let p = gap_plan(&s, &[answer("A-2", Status::NotMet)], Level::new(3).unwrap());
        assert_eq!(p.remaining, 3);
        let items: Vec<_> = p.groups.iter().map(|g| g.item.as_str()).collect();
        assert_eq!(items, ["CRA:AnnexI.P1.1", "OSPS-AC-01.01", ""]);
        assert_eq!(p.groups[0].gaps.len(), 2);
        assert_eq!(p.groups[0].gaps[1].state, "not-met");
        let p = gap_plan(&s, &[answer("A-1", Status::Met)], Level::new(1).unwrap());
        assert_eq!(p.remaining, 0);
        assert!(p.groups.is_empty());
    }

    #[test]
    fn checks_answers() {
        let s = three();
        let na = check_answer(&s, "A-1", Status::NotApplicable, " ", &[]);
        assert!(na.unwrap_err().contains("reason"));
        assert!(check_answer(&s, "Z-9", Status::Met, "", &[]).is_err());
        let bad = check_answer(&s, "A-1", Status::Met, "", &["javascript:alert(1)".into()]);
        assert!(bad.unwrap_err().contains("web link"));
        assert!(check_answer(&s, "A-1", Status::Met, "", &["https://e.org/x".into()]).is_ok());
    }

    #[test]
    fn carry_flags_changed_adds_new_and_drops_withdrawn() {
        let old = three();
        let mut new = three();
        new.controls[1].statement = "two, and more".into();
        new.controls[2].status = ControlStatus::Withdrawn;
        new.controls[2].replaced_by = vec!["A-4".into()];
        new.controls.push(control("A-4", 3, "four", &[]));
        let answers = [
            answer("A-1", Status::Met),
            answer("A-2", Status::Met),
            answer("A-3", Status::NotMet),
        ];
        let c = carry_forward(&old, &new, &answers);
        assert_eq!(c.answers[0], answers[0]);
        assert_eq!(c.answers[1].review, Some(Review::Changed));
        assert_eq!(c.answers[1].status, Some(Status::Met));
        assert!(c.redlines.contains_key("A-2"));
        assert_eq!(c.answers[2].control, "A-4");
        assert_eq!(c.answers[2].review, Some(Review::New));
        assert_eq!(c.dropped.len(), 1);
        assert!(c.dropped[0].note.contains("A-4"));
        // The changed "met" no longer counts.
        assert_eq!(evaluate(&new, &c.answers).levels[1].to_review, 1);
    }

    #[test]
    fn carry_drops_removed_controls() {
        let old = three();
        let new = spec(old.controls[..2].to_vec());
        let c = carry_forward(&old, &new, &[answer("A-3", Status::Met)]);
        assert!(c.answers.is_empty());
        assert_eq!(c.dropped[0].control, "A-3");
    }

    fn arb_status() -> impl Strategy<Value = Status> {
        prop::sample::select(Status::ALL.to_vec())
    }

    prop_compose! {
        fn arb_case()(
            levels in prop::collection::vec(1u8..=3, 1..12),
            picks in prop::collection::vec((any::<bool>(), arb_status()), 12),
            edits in prop::collection::vec(any::<bool>(), 12),
        ) -> (Spec, Vec<Answer>, Vec<bool>) {
            let controls: Vec<Control> = levels
                .iter()
                .enumerate()
                .map(|(i, l)| control(&format!("C-{i}"), *l, &format!("text {i}"), &[]))
                .collect();
            let answers = controls
                .iter()
                .zip(&picks)
                .filter(|(_, (keep, _))| *keep)
                .map(|(c, (_, s))| answer(&c.id, *s))
                .collect();
            (spec(controls), answers, edits)
        }
    }

    proptest! {
        #[test]
        fn carrying_through_an_unchanged_release_changes_nothing((s, answers, _) in arb_case()) {
            let c = carry_forward(&s, &s, &answers);
            prop_assert_eq!(&c.answers, &answers);
            prop_assert!(c.dropped.is_empty());
            prop_assert!(c.redlines.is_empty());
            prop_assert_eq!(evaluate(&s, &c.answers), evaluate(&s, &answers));
        }

        #[test]
        fn a_changed_control_never_keeps_met_silently((old, answers, edits) in arb_case()) {
            let mut new = old.clone();
            for (c, edit) in new.controls.iter_mut().zip(&edits) {
                if *edit {
                    c.statement.push_str(" amended");
                }
            }
            let c = carry_forward(&old, &new, &answers);
            for a in &c.answers {
                let i: usize = a.control[2..].parse().unwrap();
                if edits[i] {
                    prop_assert!(!a.satisfies(), "{} changed but still counts", a.control);
                    prop_assert_eq!(a.review, Some(Review::Changed));
                }
            }
            // Nothing is lost: every answer is carried or flagged.
            prop_assert_eq!(c.answers.len(), answers.len());
        }

        #[test]
        fn achieved_levels_are_cumulative((s, answers, _) in arb_case()) {
            let e = evaluate(&s, &answers);
            if let Some(a) = e.achieved {
                for l in e.levels.iter().filter(|l| l.level <= a) {
                    prop_assert!(l.met);
                }
            }
            for w in e.levels.windows(2) {
                prop_assert!(w[0].required <= w[1].required);
            }
        }
    }
}
