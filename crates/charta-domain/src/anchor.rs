//! Where a review comment on a line range belongs in a later revision.
//!
//! A reviewer comments on some lines of one field of one control in one
//! revision. When the author posts a new revision, the comment should stay
//! next to the lines it is about if they are still there, and be shown as
//! outdated if they are not, rather than silently pointing at whatever text
//! now has the same line numbers. The anchor therefore keeps the lines' text,
//! and [`relocate`] looks for that text, not for the numbers.

use crate::spec::{Control, Spec};
use serde::{Deserialize, Serialize};

/// The lines a comment is attached to, in the revision it was written on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub control_id: String,
    /// The field's name as in the file: `title`, `statement` or `guidance`.
    pub field: String,
    /// First anchored line, counted from 1.
    pub first_line: usize,
    /// Last anchored line (inclusive).
    pub last_line: usize,
    /// The anchored lines, joined with `\n`, without a final line break.
    pub text: String,
}

/// Where an anchored comment goes in a newer revision.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Relocation {
    /// The same lines exist in the new text, here (1-based, inclusive).
    Carried { first_line: usize, last_line: usize },
    /// The lines were changed or removed; the comment is shown as outdated,
    /// next to the text it was written on.
    Outdated,
}

impl Anchor {
    /// Anchors lines `first_line..=last_line` (1-based) of a field's text.
    /// `None` when the range is empty or runs past the text, so that a
    /// comment can never be stored against lines that do not exist.
    pub fn new(
        control_id: impl Into<String>,
        field: impl Into<String>,
        field_text: &str,
        first_line: usize,
        last_line: usize,
    ) -> Option<Anchor> {
        if first_line == 0 || last_line < first_line {
            return None;
        }
        let lines: Vec<&str> = field_text.lines().collect();
        let block = lines.get(first_line - 1..last_line)?;
        Some(Anchor {
            control_id: control_id.into(),
            field: field.into(),
            first_line,
            last_line,
            text: block.join("\n"),
        })
    }

    fn lines(&self) -> Vec<&str> {
        self.text.split('\n').collect()
    }
}

/// Finds the anchored lines in a field's new text. They must appear as the
/// same consecutive lines, exactly; if they appear several times, the
/// occurrence nearest the old position wins (the earlier one on a tie).
pub fn relocate(anchor: &Anchor, new_field_text: &str) -> Relocation {
    let wanted = anchor.lines();
    let lines: Vec<&str> = new_field_text.lines().collect();
    if wanted.len() > lines.len() {
        return Relocation::Outdated;
    }
    let old_start = anchor.first_line.saturating_sub(1);
    (0..=lines.len() - wanted.len())
        .filter(|&i| lines[i..i + wanted.len()] == wanted[..])
        .min_by_key(|&i| i.abs_diff(old_start))
        .map_or(Relocation::Outdated, |i| Relocation::Carried {
            first_line: i + 1,
            last_line: i + wanted.len(),
        })
}

/// Relocates an anchor into another revision of the whole specification:
/// outdated when the control or the field is gone.
pub fn relocate_in(anchor: &Anchor, spec: &Spec) -> Relocation {
    spec.control(&anchor.control_id)
        .and_then(|c| field_text(c, &anchor.field))
        .map_or(Relocation::Outdated, |text| relocate(anchor, text))
}

/// The text of a control's field that comments can be anchored to, by the
/// field's name in the file.
pub fn field_text<'a>(control: &'a Control, field: &str) -> Option<&'a str> {
    match field {
        "title" => Some(&control.title),
        "statement" => Some(&control.statement),
        "guidance" => Some(&control.guidance),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "The steward MUST publish a policy.\nIt MUST name a contact.\nIt SHOULD give a timeline.\n";

    fn anchor(first: usize, last: usize) -> Anchor {
        Anchor::new("A-1", "statement", TEXT, first, last).unwrap()
    }

    #[test]
    fn new_keeps_the_lines_and_refuses_bad_ranges() {
        assert_eq!(
            anchor(2, 3).text,
            "It MUST name a contact.\nIt SHOULD give a timeline."
        );
        assert!(Anchor::new("A-1", "statement", TEXT, 0, 1).is_none());
        assert!(Anchor::new("A-1", "statement", TEXT, 3, 2).is_none());
        assert!(Anchor::new("A-1", "statement", TEXT, 3, 4).is_none());
        assert!(Anchor::new("A-1", "statement", "", 1, 1).is_none());
    }

    #[test]
    fn unchanged_text_keeps_the_position() {
        assert_eq!(
            relocate(&anchor(2, 3), TEXT),
            Relocation::Carried {
                first_line: 2,
                last_line: 3
            }
        );
    }

    #[test]
    fn lines_moved_by_an_insertion_are_followed() {
        let new = format!("A new first line.\n{TEXT}");
        assert_eq!(
            relocate(&anchor(2, 2), &new),
            Relocation::Carried {
                first_line: 3,
                last_line: 3
            }
        );
    }

    #[test]
    fn changed_or_removed_lines_are_outdated() {
        let changed = TEXT.replace("name a contact", "name two contacts");
        assert_eq!(relocate(&anchor(2, 3), &changed), Relocation::Outdated);
        assert_eq!(
            relocate(&anchor(1, 3), "The steward MUST publish a policy.\n"),
            Relocation::Outdated
        );
        assert_eq!(relocate(&anchor(1, 1), ""), Relocation::Outdated);
    }

    #[test]
    fn a_block_must_stay_consecutive() {
        let split = TEXT.replace(
            "contact.\n",
            "contact.\nInserted between the anchored lines.\n",
        );
        assert_eq!(relocate(&anchor(2, 3), &split), Relocation::Outdated);
    }

    #[test]
    fn repeated_lines_go_to_the_nearest_occurrence() {
        let text = "x\nsame\ny\nz\nw\nsame\nv\n";
        let a = Anchor::new("A-1", "guidance", text, 6, 6).unwrap();
        let moved = "same\nx\ny\nz\nw\nv\nsame\nq\n";
        assert_eq!(
            relocate(&a, moved),
            Relocation::Carried {
                first_line: 7,
                last_line: 7
            }
        );
        let a = Anchor::new("A-1", "guidance", text, 2, 2).unwrap();
        assert_eq!(
            relocate(&a, moved),
            Relocation::Carried {
                first_line: 1,
                last_line: 1
            }
        );
        // Equally near on both sides: the earlier one.
        let a = Anchor::new("A-1", "guidance", "a\nsame\nb\n", 2, 2).unwrap();
        assert_eq!(
            relocate(&a, "same\nb\nsame\n"),
            Relocation::Carried {
                first_line: 1,
                last_line: 1
            }
        );
    }

    #[test]
    fn blank_lines_can_be_anchored() {
        let text = "a\n\nb\n";
        let a = Anchor::new("A-1", "guidance", text, 2, 2).unwrap();
        assert_eq!(a.text, "");
        assert_eq!(
            relocate(&a, "z\na\n\nb\n"),
            Relocation::Carried {
                first_line: 3,
                last_line: 3
            }
        );
        assert_eq!(relocate(&a, "a\nb\n"), Relocation::Outdated);
    }

    #[test]
    fn relocation_in_a_spec_finds_the_control_and_field() {
        let spec = crate::format::parse_spec(
            "spec: s\ngroup: g\ntitle: S\ncontrols:\n  - id: A-1\n    section: VM\n    title: T\n    level: 1\n    statement: |\n      New first line.\n      The steward MUST publish a policy.\n",
        )
        .unwrap();
        assert_eq!(
            relocate_in(&anchor(1, 1), &spec),
            Relocation::Carried {
                first_line: 2,
                last_line: 2
            }
        );
        let mut gone = anchor(1, 1);
        gone.control_id = "A-2".into();
        assert_eq!(relocate_in(&gone, &spec), Relocation::Outdated);
        let mut odd = anchor(1, 1);
        odd.field = "level".into();
        assert_eq!(relocate_in(&odd, &spec), Relocation::Outdated);
    }
}
