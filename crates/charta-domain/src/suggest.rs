//! Applying reviewers' suggested wordings to an amendment's text.
//!
//! A suggestion replaces the lines a line comment is anchored to. It is
//! applied to the newest revision, where those lines may have moved or
//! changed since the reviewer wrote it: [`crate::anchor::relocate`] finds
//! them again by their text, and a suggestion whose lines are gone is stale
//! and refused rather than pasted over different words. Two suggestions on
//! overlapping lines of the same field conflict; applying both at once is
//! refused, one of them can still be applied.

use crate::anchor::{Anchor, Relocation, relocate};
use crate::spec::Spec;

/// One suggestion to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The thread it belongs to, to name it in errors.
    pub thread: i64,
    pub anchor: Anchor,
    /// The replacement for the anchored lines.
    pub text: String,
}

/// Why suggestions could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuggestError {
    #[error(
        "the lines the suggestion in thread {0} replaces have changed since it was written; it can no longer be applied"
    )]
    Stale(i64),
    #[error("the suggestions in threads {0} and {1} change the same lines; apply one of them")]
    Overlap(i64, i64),
    #[error("the suggestions change nothing in the newest revision")]
    NoChange,
}

/// Where a suggestion lands in the text it is applied to.
struct Placed<'a> {
    s: &'a Suggestion,
    first: usize,
    last: usize,
}

fn field_mut<'a>(spec: &'a mut Spec, control: &str, field: &str) -> Option<&'a mut String> {
    let c = spec.controls.iter_mut().find(|c| c.id == control)?;
    match field {
        "statement" => Some(&mut c.statement),
        "guidance" => Some(&mut c.guidance),
        "title" => Some(&mut c.title),
        _ => None,
    }
}

/// Pairs of suggestions (by thread) that change overlapping lines of the
/// same field of `spec`, to flag on the page before anyone applies them.
pub fn conflicts(spec: &Spec, suggestions: &[Suggestion]) -> Vec<(i64, i64)> {
    let placed: Vec<Placed<'_>> = suggestions
        .iter()
        .filter_map(|s| place(spec, s).ok())
        .collect();
    let mut out = Vec::new();
    for (i, a) in placed.iter().enumerate() {
        for b in &placed[i + 1..] {
            if overlap(a, b) {
                out.push((a.s.thread, b.s.thread));
            }
        }
    }
    out
}

fn overlap(a: &Placed<'_>, b: &Placed<'_>) -> bool {
    a.s.anchor.control_id == b.s.anchor.control_id
        && a.s.anchor.field == b.s.anchor.field
        && a.first <= b.last
        && b.first <= a.last
}

fn place<'a>(spec: &Spec, s: &'a Suggestion) -> Result<Placed<'a>, SuggestError> {
    let text = spec
        .control(&s.anchor.control_id)
        .and_then(|c| crate::anchor::field_text(c, &s.anchor.field))
        .ok_or(SuggestError::Stale(s.thread))?;
    match relocate(&s.anchor, text) {
        Relocation::Carried {
            first_line,
            last_line,
        } => Ok(Placed {
            s,
            first: first_line,
            last: last_line,
        }),
        Relocation::Outdated => Err(SuggestError::Stale(s.thread)),
    }
}

/// `spec` with every suggestion applied, or why not.
pub fn apply(spec: &Spec, suggestions: &[Suggestion]) -> Result<Spec, SuggestError> {
    let mut placed = suggestions
        .iter()
        .map(|s| place(spec, s))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, a) in placed.iter().enumerate() {
        if let Some(b) = placed[i + 1..].iter().find(|b| overlap(a, b)) {
            return Err(SuggestError::Overlap(a.s.thread, b.s.thread));
        }
    }
    // From the bottom up, so that earlier line numbers stay right.
    placed.sort_by_key(|p| std::cmp::Reverse(p.first));
    let mut out = spec.clone();
    for p in &placed {
        let a = &p.s.anchor;
        let field =
            field_mut(&mut out, &a.control_id, &a.field).ok_or(SuggestError::Stale(p.s.thread))?;
        let mut lines: Vec<String> = field.lines().map(String::from).collect();
        let replacement: Vec<String> = p.s.text.trim_end().lines().map(String::from).collect();
        lines.splice(p.first - 1..p.last, replacement);
        *field = lines.join("\n");
    }
    if out == *spec {
        return Err(SuggestError::NoChange);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Control, ControlStatus, Level, Section};

    fn spec(statement: &str) -> Spec {
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
            controls: vec![Control {
                id: "A-1".into(),
                section: "VM".into(),
                title: "T".into(),
                level: Level::new(1).unwrap(),
                status: ControlStatus::Active,
                replaced_by: vec![],
                statement: statement.into(),
                guidance: String::new(),
                mappings: vec![],
            }],
        }
    }

    fn suggestion(thread: i64, on: &Spec, first: usize, last: usize, text: &str) -> Suggestion {
        let statement = &on.controls[0].statement;
        Suggestion {
            thread,
            anchor: Anchor::new("A-1", "statement", statement, first, last).unwrap(),
            text: text.into(),
        }
    }

    const TEXT: &str = "Projects MUST triage reports\nwithin 14 days\nand publish advisories.";

    #[test]
    fn a_suggestion_replaces_its_lines() {
        let s = spec(TEXT);
        let out = apply(&s, &[suggestion(1, &s, 2, 2, "within 7 days")]).unwrap();
        assert_eq!(
            out.controls[0].statement,
            "Projects MUST triage reports\nwithin 7 days\nand publish advisories."
        );
        // Several at once, on different lines; a replacement may have more lines.
        let out = apply(
            &s,
            &[
                suggestion(
                    1,
                    &s,
                    1,
                    1,
                    "Projects MUST acknowledge reports\nand triage them",
                ),
                suggestion(2, &s, 3, 3, "and publish advisories promptly."),
            ],
        )
        .unwrap();
        assert_eq!(
            out.controls[0].statement,
            "Projects MUST acknowledge reports\nand triage them\nwithin 14 days\nand publish advisories promptly."
        );
    }

    #[test]
    fn suggestions_follow_their_lines_and_refuse_when_they_are_gone() {
        let s = spec(TEXT);
        let on_two = suggestion(1, &s, 2, 2, "within 7 days");
        // A later revision added a line above: the suggestion follows.
        let moved = spec(&format!("Scope: every project.\n{TEXT}"));
        let out = apply(&moved, std::slice::from_ref(&on_two)).unwrap();
        assert!(out.controls[0].statement.contains("\nwithin 7 days\n"));
        // The line itself changed: stale.
        let changed = spec(&TEXT.replace("14", "10"));
        assert_eq!(apply(&changed, &[on_two]), Err(SuggestError::Stale(1)));
    }

    #[test]
    fn overlapping_suggestions_conflict_and_nothing_is_no_change() {
        let s = spec(TEXT);
        let a = suggestion(1, &s, 1, 2, "Projects MUST triage reports within 7 days");
        let b = suggestion(2, &s, 2, 3, "within 10 days and publish advisories.");
        let c = suggestion(3, &s, 3, 3, "and publish advisories.");
        assert_eq!(
            conflicts(&s, &[a.clone(), b.clone(), c.clone()]),
            [(1, 2), (2, 3)]
        );
        assert_eq!(apply(&s, &[a.clone(), b]), Err(SuggestError::Overlap(1, 2)));
        assert_eq!(apply(&s, &[c]), Err(SuggestError::NoChange));
        assert!(apply(&s, &[a]).is_ok());
    }
}
