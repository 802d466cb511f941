//! A readable redline of two versions of a piece of prose (Markdown
//! source): what a reviewer reads to see how a normative sentence changed.
//!
//! Reviewers read sentences, not tokens. A plain word diff interleaves the
//! words of a rewritten sentence ("~~Keep~~Withdrawn. ~~the~~Long-lived …"),
//! glues numbers together when old and new are printed side by side ("147
//! days" for 14 → 7), and reports every paragraph that was merely wrapped at
//! another column, since the YAML source keeps hard line breaks in prose.
//! So a redline is built in four steps:
//!
//! 1. Both texts are split into blocks (paragraphs, list items, headings,
//!    quotes, table rows, fenced code) and reflowed, so re-wrapping alone
//!    changes nothing; code keeps its lines.
//! 2. The two lists of blocks are compared, and a removed block is paired
//!    with an added one of the same kind when they share at least half of
//!    their words, or when they are the only two in their place.
//! 3. Inside a pair the words are compared and grouped into phrases: a
//!    short unchanged stretch between two changes (spacing, punctuation, up
//!    to two words of at most three letters) joins them into one change.
//! 4. A pair where more than half of the longer side's words are inside
//!    changes is shown as the old block whole and the new block whole,
//!    which reads better than fragments; unless the longer side has fewer
//!    than four words, or one side only gained or only lost words.
//!
//! A change of one short word or number on each side (at most 24
//! characters, no spaces) is marked compact, to be shown as `14 → 7`.

mod blocks;
mod pair;
mod phrase;

use serde::Serialize;
use similar::{Algorithm, DiffTag, capture_diff_slices};

/// The Markdown shape of a block, so a page can style it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockKind {
    Paragraph,
    ListItem,
    Heading,
    Quote,
    TableRow,
    /// A fenced code block, fences included; never reflowed.
    Code,
}

/// A stretch of a changed block: the same on both sides, or changed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "op")]
pub enum Piece {
    Same {
        text: String,
    },
    /// `old` is empty for an insertion, `new` for a deletion.
    Change {
        old: String,
        new: String,
        /// One short word or number on each side: show it as `old → new`
        /// rather than as a deletion followed by an insertion, which would
        /// glue the two together.
        compact: bool,
    },
}

/// One block of a redline.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "op")]
pub enum RedlineBlock {
    /// Unchanged (perhaps re-wrapped).
    Same {
        kind: BlockKind,
        text: String,
    },
    Added {
        kind: BlockKind,
        text: String,
    },
    Removed {
        kind: BlockKind,
        text: String,
    },
    /// Edited: read the pieces in order.
    Changed {
        kind: BlockKind,
        pieces: Vec<Piece>,
    },
    /// Mostly rewritten: shown as the old block whole, then the new one.
    Replaced {
        kind: BlockKind,
        old: String,
        new: String,
    },
}

/// The redline of two texts, block by block in reading order. Each side's
/// blocks appear in that side's order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redline {
    pub blocks: Vec<RedlineBlock>,
}

impl Redline {
    /// Whether the two texts read the same once reflowed.
    pub fn is_unchanged(&self) -> bool {
        self.blocks
            .iter()
            .all(|b| matches!(b, RedlineBlock::Same { .. }))
    }
}

/// The redline of `old` to `new`.
pub fn redline(old: &str, new: &str) -> Redline {
    let old_blocks = blocks::split(old);
    let new_blocks = blocks::split(new);
    let mut out = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, &old_blocks, &new_blocks) {
        let (tag, o, n) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            out.extend(old_blocks[o].iter().map(|b| RedlineBlock::Same {
                kind: b.kind,
                text: b.text.clone(),
            }));
        } else {
            changed_stretch(&old_blocks[o], &new_blocks[n], &mut out);
        }
    }
    Redline { blocks: out }
}

/// A stretch of removed and added blocks: paired blocks become changed or
/// replaced ones, each shown where it stands; the rest are removed (shown
/// first) or added.
fn changed_stretch(old: &[blocks::Block], new: &[blocks::Block], out: &mut Vec<RedlineBlock>) {
    let removed = |b: &blocks::Block| RedlineBlock::Removed {
        kind: b.kind,
        text: b.text.clone(),
    };
    let added = |b: &blocks::Block| RedlineBlock::Added {
        kind: b.kind,
        text: b.text.clone(),
    };
    let (mut i, mut j) = (0, 0);
    for (pi, pj) in pair::pair(old, new) {
        out.extend(old[i..pi].iter().map(removed));
        out.extend(new[j..pj].iter().map(added));
        out.push(edited(&old[pi], &new[pj]));
        (i, j) = (pi + 1, pj + 1);
    }
    out.extend(old[i..].iter().map(removed));
    out.extend(new[j..].iter().map(added));
}

fn edited(old: &blocks::Block, new: &blocks::Block) -> RedlineBlock {
    let phrases = phrase::diff(&old.text, &new.text);
    if phrases.mostly_changed {
        RedlineBlock::Replaced {
            kind: new.kind,
            old: old.text.clone(),
            new: new.text.clone(),
        }
    } else {
        RedlineBlock::Changed {
            kind: new.kind,
            pieces: phrases.pieces,
        }
    }
}

/// A text reflowed: its blocks, each on one line except fenced code,
/// separated by blank lines. Two texts that differ only in wrapping have
/// the same reflowed form, and each side of a redline rebuilds to it.
pub fn reflow(text: &str) -> String {
    blocks::join(blocks::split(text).iter().map(|b| b.text.as_str()))
}

/// The old side of a redline, reflowed.
pub fn old_text(redline: &Redline) -> String {
    side(redline, Side::Old)
}

/// The new side of a redline, reflowed.
pub fn new_text(redline: &Redline) -> String {
    side(redline, Side::New)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Old,
    New,
}

fn side(redline: &Redline, side: Side) -> String {
    let texts = redline.blocks.iter().filter_map(|b| match (b, side) {
        (RedlineBlock::Same { text, .. }, _)
        | (RedlineBlock::Removed { text, .. }, Side::Old)
        | (RedlineBlock::Added { text, .. }, Side::New)
        | (RedlineBlock::Replaced { old: text, .. }, Side::Old)
        | (RedlineBlock::Replaced { new: text, .. }, Side::New) => Some(text.clone()),
        (RedlineBlock::Changed { pieces, .. }, _) => Some(pieces_side(pieces, side)),
        (RedlineBlock::Removed { .. }, Side::New) | (RedlineBlock::Added { .. }, Side::Old) => None,
    });
    texts.collect::<Vec<_>>().join(blocks::SEPARATOR)
}

fn pieces_side(pieces: &[Piece], side: Side) -> String {
    pieces
        .iter()
        .map(|p| match (p, side) {
            (Piece::Same { text }, _)
            | (Piece::Change { old: text, .. }, Side::Old)
            | (Piece::Change { new: text, .. }, Side::New) => text.as_str(),
        })
        .collect()
}

/// A redline as plain text, for logs, e-mail and tests: removed text as
/// `[-old-]`, added text as `{+new+}`, a compact change as `old → new`,
/// and a replaced block as its old text, a line break and its new text.
/// Blocks are separated by blank lines.
pub fn to_text(redline: &Redline) -> String {
    let texts = redline.blocks.iter().map(|b| match b {
        RedlineBlock::Same { text, .. } => text.clone(),
        RedlineBlock::Added { text, .. } => format!("{{+{text}+}}"),
        RedlineBlock::Removed { text, .. } => format!("[-{text}-]"),
        RedlineBlock::Changed { pieces, .. } => pieces_to_text(pieces),
        RedlineBlock::Replaced { old, new, .. } => format!("[-{old}-]\n{{+{new}+}}"),
    });
    texts.collect::<Vec<_>>().join(blocks::SEPARATOR)
}

/// Pieces as plain text, marked up as in [`to_text`].
pub fn pieces_to_text(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Same { text } => out.push_str(text),
            Piece::Change {
                old,
                new,
                compact: true,
            } => {
                out.push_str(old);
                out.push_str(" → ");
                out.push_str(new);
            }
            Piece::Change { old, new, .. } => {
                if !old.is_empty() {
                    out.push_str(&format!("[-{old}-]"));
                }
                if !new.is_empty() {
                    out.push_str(&format!("{{+{new}+}}"));
                }
            }
        }
    }
    out
}

/// The longest value, in characters, of a one-line field shown whole as
/// `old → new`; longer values are compared phrase by phrase.
pub const FIELD_SHORT_CHARS: usize = 40;

/// The change of a short one-line field such as a title, level or status,
/// with its whitespace collapsed: nothing when both are empty, one `Same`
/// piece when equal, a single compact change (`2 → 3`, `Draft → Active`)
/// when both values are short, and otherwise the phrases that changed.
pub fn field_change(old: &str, new: &str) -> Vec<Piece> {
    let old = old.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
    let new = new.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
    if old == new {
        return if old.is_empty() {
            Vec::new()
        } else {
            vec![Piece::Same { text: old }]
        };
    }
    let short = |s: &str| !s.is_empty() && s.chars().count() <= FIELD_SHORT_CHARS;
    if short(&old) && short(&new) {
        return vec![Piece::Change {
            old,
            new,
            compact: true,
        }];
    }
    phrase::diff(&old, &new).pieces
}

#[cfg(test)]
mod tests;

/// The source lines (first and last, from 1) of each block of `text`, in
/// the order the new side of a redline of any text against `text` shows
/// them: what a comment on a shown paragraph is anchored to.
pub fn block_lines(text: &str) -> Vec<(usize, usize)> {
    blocks::split_with_lines(text)
        .into_iter()
        .map(|(_, span)| span)
        .collect()
}
