//! The "Wording changes" part of `notes.md`: each modified control's
//! changed paragraphs and fields as a redline readers can scan in plain
//! text, from the same redline engine as the review pages (phrases grouped,
//! rewritten paragraphs shown old then new, a changed number as `14 → 7`).
//!
//! Text is shown as written, escaped so that Markdown adds no emphasis or
//! links of its own. Changes are marked with `<del>` and `<ins>`, which
//! every CommonMark reader passes through and which, unlike `~~`/`**`,
//! mark a change that starts or ends at a punctuation mark.

use crate::ids::Names;
use charta_domain::Spec;
use charta_domain::diff::{ChangeKind, FieldDiff, diff_specs};
use charta_domain::redline::{Piece, RedlineBlock, field_change, redline};
use std::fmt::Write as _;

/// Fields shown as one line, compared as a whole.
const SHORT_FIELDS: [&str; 5] = ["title", "level", "status", "section", "replaced-by"];

/// Appends the section comparing `old` with `new` to `o`: nothing when no
/// kept control's wording changed (added and removed controls are listed
/// whole elsewhere).
pub(crate) fn write_section(o: &mut String, old: &Spec, new: &Spec, names: &Names<'_>) {
    let diff = diff_specs(old, new);
    let changed: Vec<_> = diff
        .changed()
        .filter(|c| matches!(c.kind, ChangeKind::Modified | ChangeKind::Withdrawn))
        .filter(|c| !c.fields.is_empty())
        .collect();
    if changed.is_empty() {
        return;
    }
    o.push_str("## Wording changes\n\n");
    o.push_str(
        "Text the previous release had is struck out; text this release adds is underlined.\n\n",
    );
    for c in changed {
        let _ = writeln!(
            o,
            "### [{}](<{}>) {}\n",
            literal(&c.id),
            names.control(&c.id),
            literal(&c.title)
        );
        for f in &c.fields {
            field(o, f);
        }
        o.push('\n');
    }
}

/// One field: a single line for short fields, one item per changed
/// paragraph for prose (unchanged paragraphs in between are elided).
fn field(o: &mut String, f: &FieldDiff) {
    let name = capitalised(f.field);
    if SHORT_FIELDS.contains(&f.field) {
        let _ = writeln!(o, "- {name}: {}", pieces(&field_change(&f.old, &f.new)));
        return;
    }
    let mut skipped = false;
    let mut shown = 0usize;
    for block in redline(&f.old, &f.new).blocks {
        let line = match block {
            RedlineBlock::Same { .. } => {
                skipped = true;
                continue;
            }
            RedlineBlock::Added { text, .. } => marked(INS, &text),
            RedlineBlock::Removed { text, .. } => marked(DEL, &text),
            RedlineBlock::Changed { pieces: p, .. } => pieces(&p),
            RedlineBlock::Replaced { old, new, .. } => {
                format!("{} {}", marked(DEL, old.trim()), marked(INS, new.trim()))
            }
        };
        let gap = if skipped && shown > 0 { "… " } else { "" };
        let _ = writeln!(o, "- {name}: {gap}{line}");
        skipped = false;
        shown += 1;
    }
}

/// A changed paragraph or field, with its changes marked.
fn pieces(list: &[Piece]) -> String {
    let mut out = String::new();
    for p in list {
        match p {
            Piece::Same { text } => out.push_str(&literal(text)),
            Piece::Change { old, new, compact } => {
                let (o, n) = (marked(DEL, old), marked(INS, new));
                out.push_str(&o);
                if !o.trim().is_empty() && !n.trim().is_empty() {
                    out.push_str(if *compact { " → " } else { " " });
                }
                out.push_str(&n);
            }
        }
    }
    out.trim().to_string()
}

const DEL: (&str, &str) = ("<del>", "</del>");
const INS: (&str, &str) = ("<ins>", "</ins>");

/// `text` between a pair of tags, with its surrounding spaces kept outside
/// them so that the words around read normally.
fn marked((open, close): (&str, &str), text: &str) -> String {
    let inner = text.trim();
    if inner.is_empty() {
        return literal(text);
    }
    let lead = if text.starts_with(char::is_whitespace) {
        " "
    } else {
        ""
    };
    let tail = if text.ends_with(char::is_whitespace) {
        " "
    } else {
        ""
    };
    format!("{lead}{open}{}{close}{tail}", literal(inner))
}

/// Text as written, on one line: runs of white space become one space (also
/// at the edges, which matter between pieces) and Markdown's own characters
/// are escaped.
fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    if space {
        out.push(' ');
    }
    out
}

fn capitalised(field: &str) -> String {
    let mut chars = field.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_field_is_struck_and_the_new_value_bold() {
        assert_eq!(
            pieces(&field_change("2", "3")),
            "<del>2</del> → <ins>3</ins>"
        );
        let f = FieldDiff {
            field: "statement",
            old: "Fix it within 14 days.\n".into(),
            new: "Fix it within 7 days.\n".into(),
            segments: Vec::new(),
            normative: true,
        };
        let mut o = String::new();
        field(&mut o, &f);
        assert_eq!(
            o,
            "- Statement: Fix it within <del>14</del> → <ins>7</ins> days.\n"
        );
    }

    #[test]
    fn markdown_in_the_text_is_shown_as_written() {
        assert_eq!(literal("a *b*  [c](d)\n"), "a \\*b\\* \\[c\\](d) ");
        assert_eq!(marked(INS, " x<y "), " <ins>x\\<y</ins> ");
    }

    #[test]
    fn unchanged_paragraphs_are_elided() {
        let f = FieldDiff {
            field: "statement",
            old: "One.\n\nTwo.\n\nThree old.\n".into(),
            new: "One.\n\nTwo.\n\nThree new.\n".into(),
            segments: Vec::new(),
            normative: true,
        };
        let mut o = String::new();
        field(&mut o, &f);
        assert_eq!(o, "- Statement: Three <del>old</del> → <ins>new</ins>.\n");
    }
}
