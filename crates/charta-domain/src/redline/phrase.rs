//! The changes inside one block, word by word and then grouped into
//! phrases.
//!
//! A word-level diff of a rewritten sentence pairs each deleted word with
//! an inserted one and keeps the spaces and small words in between as
//! "unchanged", so the sentence reads as alternating fragments of two
//! sentences. Here the tokens are words, numbers, whitespace and single
//! punctuation marks (numbers apart from letters, so `14` and `7` are whole
//! tokens), and after diffing them an unchanged stretch that is only
//! spacing, punctuation or up to two short words, lying between two
//! changes, is taken into one change: the reader sees the old phrase and
//! the new phrase.

use super::Piece;
use similar::{Algorithm, DiffTag, capture_diff_slices};
use std::ops::Range;

/// The most words an unchanged stretch between two changes may hold and
/// still be taken into one change ...
const ABSORB_MAX_WORDS: usize = 2;
/// ... when each of them has at most this many characters ("the", "of",
/// "to", "and"): longer words are content the reader should see as kept.
const ABSORB_MAX_WORD_CHARS: usize = 3;

/// The longest side, in characters, of a one-word change shown as
/// `old → new`.
pub(super) const COMPACT_MAX_CHARS: usize = 24;

/// A block is shown as a whole replacement only when its longer side has
/// at least this many words: a short block reads well as a change.
const REPLACE_MIN_WORDS: usize = 4;

/// The changes inside one block.
pub(super) struct Phrases {
    pub(super) pieces: Vec<Piece>,
    /// More than half of the longer side's words are inside changes (and
    /// both sides lost and gained words): interleaving would read as noise,
    /// so the block is better shown old and new whole.
    pub(super) mostly_changed: bool,
}

/// What a token is made of. A token holds characters of one class, except
/// punctuation, where each character is a token of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Space,
    Number,
    Word,
    Punct,
}

fn class_of(c: char) -> Class {
    if c.is_whitespace() {
        Class::Space
    } else if c.is_numeric() {
        Class::Number
    } else if c.is_alphanumeric() || c == '_' {
        Class::Word
    } else {
        Class::Punct
    }
}

fn class(token: &str) -> Class {
    token.chars().next().map_or(Class::Space, class_of)
}

fn is_wordish(token: &str) -> bool {
    matches!(class(token), Class::Word | Class::Number)
}

/// Splits a text into tokens; joined back they give the text exactly.
fn tokenize(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = 0;
    let mut previous = None;
    for (i, c) in text.char_indices() {
        let class = class_of(c);
        if previous.is_some_and(|p| p != class || class == Class::Punct) {
            tokens.push(&text[start..i]);
            start = i;
        }
        previous = Some(class);
    }
    if start < text.len() {
        tokens.push(&text[start..]);
    }
    tokens
}

/// The words and numbers of a text; when it has none, its other
/// non-space tokens, so that blocks of punctuation can still be compared.
pub(super) fn words(text: &str) -> Vec<&str> {
    let tokens = tokenize(text);
    let words: Vec<&str> = tokens.iter().copied().filter(|t| is_wordish(t)).collect();
    if words.is_empty() {
        tokens
            .into_iter()
            .filter(|t| class(t) != Class::Space)
            .collect()
    } else {
        words
    }
}

/// A stretch of tokens, the same on both sides or changed, as ranges into
/// the old and the new tokens.
#[derive(Debug, Clone)]
struct Run {
    same: bool,
    old: Range<usize>,
    new: Range<usize>,
}

/// The changes from `old` to `new`, grouped into phrases.
pub(super) fn diff(old: &str, new: &str) -> Phrases {
    let old_tokens = tokenize(old);
    let new_tokens = tokenize(new);
    let mut runs: Vec<Run> = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, &old_tokens, &new_tokens) {
        let (tag, old, new) = op.as_tag_tuple();
        push(&mut runs, tag == DiffTag::Equal, old, new);
    }
    widen_to_words(&mut runs, &old_tokens, &new_tokens);
    let runs = absorb_short_stretches(runs, &old_tokens);
    let mostly_changed = mostly_changed(&runs, &old_tokens, &new_tokens);
    let pieces = runs
        .into_iter()
        .map(|run| {
            let old = old_tokens[run.old].concat();
            if run.same {
                Piece::Same { text: old }
            } else {
                let new = new_tokens[run.new].concat();
                Piece::Change {
                    compact: is_compact(&old, &new),
                    old,
                    new,
                }
            }
        })
        .collect();
    Phrases {
        pieces,
        mostly_changed,
    }
}

/// Adds a run, merging it into the last one when both are changes, or
/// both unchanged; empty runs are left out.
fn push(runs: &mut Vec<Run>, same: bool, old: Range<usize>, new: Range<usize>) {
    if old.is_empty() && new.is_empty() {
        return;
    }
    match runs.last_mut() {
        Some(last) if last.same == same => {
            last.old.end = old.end;
            last.new.end = new.end;
        }
        _ => runs.push(Run { same, old, new }),
    }
}

/// Moves the rest of a word into a change that starts or ends inside it,
/// so that `SHA-256` to `SHA-512` reads as two whole words rather than
/// `SHA-` followed by a changed number. Only changes with text on both
/// sides are widened: a pure insertion or deletion cannot be misread.
fn widen_to_words(runs: &mut [Run], old_tokens: &[&str], new_tokens: &[&str]) {
    for k in 0..runs.len() {
        let run = &runs[k];
        if run.same || run.old.is_empty() || run.new.is_empty() {
            continue;
        }
        let starts_in_word = class(old_tokens[run.old.start]) != Class::Space
            && class(new_tokens[run.new.start]) != Class::Space;
        let ends_in_word = class(old_tokens[run.old.end - 1]) != Class::Space
            && class(new_tokens[run.new.end - 1]) != Class::Space;
        if starts_in_word && k > 0 && runs[k - 1].same {
            let n = word_tail(&old_tokens[runs[k - 1].old.clone()]);
            runs[k - 1].old.end -= n;
            runs[k - 1].new.end -= n;
            runs[k].old.start -= n;
            runs[k].new.start -= n;
        }
        if ends_in_word && k + 1 < runs.len() && runs[k + 1].same {
            let n = word_head(&old_tokens[runs[k + 1].old.clone()]);
            runs[k + 1].old.start += n;
            runs[k + 1].new.start += n;
            runs[k].old.end += n;
            runs[k].new.end += n;
        }
    }
}

/// How many tokens at the end of `tokens` belong to the word that follows
/// them: words and numbers, and punctuation joining them (`-` in
/// `SHA-256`), but not an opening mark such as `(`.
fn word_tail(tokens: &[&str]) -> usize {
    let mut n = 0;
    while n < tokens.len() {
        let i = tokens.len() - 1 - n;
        let joined = match class(tokens[i]) {
            Class::Word | Class::Number => true,
            Class::Punct => i > 0 && is_wordish(tokens[i - 1]),
            Class::Space => false,
        };
        if !joined {
            break;
        }
        n += 1;
    }
    n
}

/// How many tokens at the start of `tokens` belong to the word before
/// them; a closing mark such as `.` or `)` is left out.
fn word_head(tokens: &[&str]) -> usize {
    let mut n = 0;
    while n < tokens.len() {
        let joined = match class(tokens[n]) {
            Class::Word | Class::Number => true,
            Class::Punct => tokens.get(n + 1).is_some_and(|t| is_wordish(t)),
            Class::Space => false,
        };
        if !joined {
            break;
        }
        n += 1;
    }
    n
}

/// Takes each short unchanged stretch lying between two changes into one
/// change (see the module documentation), and drops stretches that
/// widening emptied.
fn absorb_short_stretches(runs: Vec<Run>, old_tokens: &[&str]) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::with_capacity(runs.len());
    for run in runs {
        if !run.same
            && let [.., before, between] = out.as_slice()
            && !before.same
            && between.same
            && is_short(&old_tokens[between.old.clone()])
        {
            out.pop();
        }
        push(&mut out, run.same, run.old, run.new);
    }
    out
}

fn is_short(tokens: &[&str]) -> bool {
    let mut words = tokens.iter().filter(|t| is_wordish(t));
    words.clone().count() <= ABSORB_MAX_WORDS
        && words.all(|w| w.chars().count() <= ABSORB_MAX_WORD_CHARS)
}

/// See [`Phrases::mostly_changed`]. Words are counted, not spaces or
/// punctuation; a block with no words counts its other tokens.
fn mostly_changed(runs: &[Run], old_tokens: &[&str], new_tokens: &[&str]) -> bool {
    let has_words = old_tokens.iter().chain(new_tokens).any(|t| is_wordish(t));
    let counts = |tokens: &[&str]| {
        tokens
            .iter()
            .filter(|t| {
                if has_words {
                    is_wordish(t)
                } else {
                    class(t) != Class::Space
                }
            })
            .count()
    };
    let (mut changed_old, mut changed_new) = (0, 0);
    for run in runs.iter().filter(|r| !r.same) {
        changed_old += counts(&old_tokens[run.old.clone()]);
        changed_new += counts(&new_tokens[run.new.clone()]);
    }
    let longer = counts(old_tokens).max(counts(new_tokens));
    longer >= REPLACE_MIN_WORDS
        && changed_old > 0
        && changed_new > 0
        && 2 * changed_old.max(changed_new) > longer
}

/// Whether a change is one short word or number on each side, shown as
/// `old → new`.
pub(super) fn is_compact(old: &str, new: &str) -> bool {
    let short_word = |s: &str| {
        !s.is_empty() && !s.contains(char::is_whitespace) && s.chars().count() <= COMPACT_MAX_CHARS
    };
    short_word(old) && short_word(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_tokens_of_their_own() {
        assert_eq!(
            tokenize("SHA-256, 14days  ok"),
            ["SHA", "-", "256", ",", " ", "14", "days", "  ", "ok"]
        );
        assert_eq!(tokenize("é…"), ["é", "…"]);
        assert!(tokenize("").is_empty());
    }

    #[test]
    fn a_change_inside_a_word_takes_the_whole_word() {
        let p = diff("Use SHA-256 digests (v1.2).", "Use SHA-512 digests (v1.3).");
        assert_eq!(
            p.pieces,
            [
                Piece::Same {
                    text: "Use ".into()
                },
                Piece::Change {
                    old: "SHA-256".into(),
                    new: "SHA-512".into(),
                    compact: true
                },
                Piece::Same {
                    text: " digests (".into()
                },
                Piece::Change {
                    old: "v1.2".into(),
                    new: "v1.3".into(),
                    compact: true
                },
                Piece::Same { text: ").".into() },
            ]
        );
    }

    #[test]
    fn short_words_between_changes_join_them_and_long_ones_do_not() {
        let p = diff("from 1 to 5 within 14 days", "from 2 to 6 within 7 days");
        assert_eq!(
            p.pieces,
            [
                Piece::Same {
                    text: "from ".into()
                },
                Piece::Change {
                    old: "1 to 5".into(),
                    new: "2 to 6".into(),
                    compact: false
                },
                Piece::Same {
                    text: " within ".into()
                },
                Piece::Change {
                    old: "14".into(),
                    new: "7".into(),
                    compact: true
                },
                Piece::Same {
                    text: " days".into()
                },
            ]
        );
    }
}
