//! Which removed block became which added block.
//!
//! Where several blocks changed in a row, a reader wants to see each
//! edited paragraph next to its earlier wording, and a paragraph that was
//! dropped or newly written on its own. Blocks are paired in order, by how
//! many words they share, keeping the pairing whose total similarity is
//! highest.

use super::blocks::Block;
use super::phrase;
use std::collections::HashMap;

/// The least similarity, in thousandths, for a removed and an added block
/// to be shown as one changed block: half of their words in common (the
/// Dice coefficient of their words). Lower, and unrelated paragraphs that
/// merely share "MUST" and "the" would be paired. A single removed block
/// and a single added block in the same place are always paired.
const PAIR_MIN: u32 = 500;

/// The most (removed × added) block pairs weighed for one stretch of
/// changes, such as 500 against 500, which keeps the time and memory of
/// the pairing bounded. Beyond this the stretch is a rewrite of the whole
/// text, shown as removed and added blocks.
const MAX_CELLS: usize = 250_000;

/// Pairs `(old index, new index)`, increasing on both sides.
pub(super) fn pair(old: &[Block], new: &[Block]) -> Vec<(usize, usize)> {
    let (n, m) = (old.len(), new.len());
    if n == 1 && m == 1 {
        return if old[0].kind == new[0].kind {
            vec![(0, 0)]
        } else {
            Vec::new()
        };
    }
    if n == 0 || m == 0 || n.saturating_mul(m) > MAX_CELLS {
        return Vec::new();
    }
    let old_words: Vec<_> = old.iter().map(Bag::of).collect();
    let new_words: Vec<_> = new.iter().map(Bag::of).collect();
    let similarity = |i: usize, j: usize| -> u32 {
        if old[i].kind == new[j].kind {
            old_words[i].dice(&new_words[j])
        } else {
            0
        }
    };
    let sims: Vec<u32> = (0..n)
        .flat_map(|i| (0..m).map(move |j| (i, j)))
        .map(|(i, j)| similarity(i, j))
        .collect();
    let sim = |i: usize, j: usize| sims[i * m + j];

    // best[i][j]: the highest total similarity pairing old[..i] with new[..j].
    let width = m + 1;
    let mut best = vec![0u32; (n + 1) * width];
    for i in 0..n {
        for j in 0..m {
            let mut b = best[i * width + j + 1].max(best[(i + 1) * width + j]);
            if sim(i, j) >= PAIR_MIN {
                b = b.max(best[i * width + j] + sim(i, j));
            }
            best[(i + 1) * width + j + 1] = b;
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 && j > 0 {
        let here = best[i * width + j];
        let s = sim(i - 1, j - 1);
        if s >= PAIR_MIN && here == best[(i - 1) * width + j - 1] + s {
            pairs.push((i - 1, j - 1));
            i -= 1;
            j -= 1;
        } else if here == best[(i - 1) * width + j] {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    pairs.reverse();
    pairs
}

/// The words of a block, counted.
struct Bag<'a> {
    counts: HashMap<&'a str, usize>,
    total: usize,
}

impl<'a> Bag<'a> {
    fn of(block: &'a Block) -> Self {
        let mut counts = HashMap::new();
        let mut total = 0;
        for word in phrase::words(&block.text) {
            *counts.entry(word).or_insert(0) += 1;
            total += 1;
        }
        Self { counts, total }
    }

    /// Twice the shared words over all words, in thousandths.
    fn dice(&self, other: &Self) -> u32 {
        let total = self.total + other.total;
        if total == 0 {
            return 0;
        }
        let shared: usize = self
            .counts
            .iter()
            .map(|(w, n)| (*n).min(other.counts.get(w).copied().unwrap_or(0)))
            .sum();
        u32::try_from(2000 * shared / total).unwrap_or(1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redline::BlockKind;

    fn paragraphs(texts: &[&str]) -> Vec<Block> {
        texts
            .iter()
            .map(|t| Block {
                kind: BlockKind::Paragraph,
                text: (*t).to_string(),
            })
            .collect()
    }

    #[test]
    fn edited_blocks_pair_with_their_earlier_wording_in_order() {
        let old = paragraphs(&[
            "Keys MUST be rotated every year.",
            "Releases MUST be signed.",
            "Logs are kept for 90 days.",
        ]);
        let new = paragraphs(&[
            "A brand new paragraph about something else entirely.",
            "Keys MUST be rotated every two years.",
            "Logs are kept for 30 days.",
        ]);
        assert_eq!(pair(&old, &new), [(0, 1), (2, 2)]);
    }

    #[test]
    fn a_lone_block_pairs_with_a_lone_block_of_its_kind() {
        let old = paragraphs(&["One thing."]);
        let new = paragraphs(&["Something else."]);
        assert_eq!(pair(&old, &new), [(0, 0)]);
        let heading = [Block {
            kind: BlockKind::Heading,
            text: "# One thing.".into(),
        }];
        assert!(pair(&old, &heading).is_empty());
    }
}
