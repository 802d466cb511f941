//! Properties of the redline of two texts, whatever the texts: each side
//! rebuilds to its reflowed text, a text compared with itself or with a
//! re-wrapped copy shows no change, and nothing panics.

use charta_domain::redline::{
    Piece, Redline, RedlineBlock, new_text, old_text, redline, reflow, to_text,
};
use proptest::prelude::*;

/// Markdown-shaped prose: words, numbers, spaces, line breaks, blank lines
/// and the markers that start blocks, in any order.
fn prose() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        4 => "[A-Za-z]{1,8}",
        2 => "[0-9]{1,4}",
        4 => Just(" ".to_string()),
        2 => Just("\n".to_string()),
        1 => Just("\n\n".to_string()),
        1 => prop::sample::select(vec![
            "- ", "* ", "1. ", "2) ", "# ", "### ", "> ", "> > ", ">", "```", "~~~", "| a |",
            "|", ".", ",", "-", "\t", "\r\n", "  ", "\u{a0}", "é", "→",
        ])
        .prop_map(str::to_string),
    ];
    prop::collection::vec(token, 0..60).prop_map(|t| t.concat())
}

/// A text and an edited copy: the same words, some replaced, dropped or
/// added, so that blocks pair and phrases form.
fn text_and_edit() -> impl Strategy<Value = (String, String)> {
    let word = prop_oneof![
        "[A-Za-z]{1,6}",
        "[0-9]{1,3}",
        Just("MUST".to_string()),
        Just("the".to_string()),
        Just(".".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("\n- ".to_string()),
    ];
    let edit = prop_oneof![
        3 => Just(None),
        1 => word.clone().prop_map(Some),
        1 => Just(Some(String::new())),
    ];
    prop::collection::vec((word, edit), 0..50).prop_map(|words| {
        let mut old = Vec::new();
        let mut new = Vec::new();
        for (w, e) in words {
            new.push(e.unwrap_or_else(|| w.clone()));
            old.push(w);
        }
        (old.join(" "), new.join(" "))
    })
}

/// Checks the shape of a redline: changed blocks alternate kept and
/// changed text, hold at least one change, and no piece is empty.
fn well_formed(r: &Redline) -> Result<(), TestCaseError> {
    for block in &r.blocks {
        match block {
            RedlineBlock::Changed { pieces, .. } => {
                let changes = pieces.iter().filter(|p| matches!(p, Piece::Change { .. }));
                prop_assert!(changes.count() > 0, "no change in {:?}", pieces);
                for pair in pieces.windows(2) {
                    prop_assert!(
                        std::mem::discriminant(&pair[0]) != std::mem::discriminant(&pair[1]),
                        "adjacent pieces of one kind: {pieces:?}"
                    );
                }
                for piece in pieces {
                    match piece {
                        Piece::Same { text } => prop_assert!(!text.is_empty()),
                        Piece::Change { old, new, compact } => {
                            prop_assert!(!(old.is_empty() && new.is_empty()));
                            if *compact {
                                prop_assert!(!old.is_empty() && !new.is_empty());
                                prop_assert!(!old.contains(char::is_whitespace));
                                prop_assert!(!new.contains(char::is_whitespace));
                            }
                        }
                    }
                }
            }
            RedlineBlock::Replaced { old, new, .. } => prop_assert_ne!(old, new),
            _ => {}
        }
    }
    Ok(())
}

fn sides_rebuild(a: &str, b: &str) -> Result<(), TestCaseError> {
    let r = redline(a, b);
    prop_assert_eq!(old_text(&r), reflow(a));
    prop_assert_eq!(new_text(&r), reflow(b));
    well_formed(&r)?;
    let _ = to_text(&r);
    prop_assert_eq!(r.is_unchanged(), reflow(a) == reflow(b));
    Ok(())
}

/// Paragraphs and list items of plain words, written out with the given
/// line breaks: `wraps[i]` picks the whitespace after the i-th word.
fn write(blocks: &[(bool, Vec<String>)], wraps: &[u8]) -> String {
    const GAPS: [&str; 4] = [" ", "\n", "  \t", "\n   "];
    let mut wraps = wraps.iter().cycle();
    let mut out = String::new();
    for (i, (item, words)) in blocks.iter().enumerate() {
        if i > 0 {
            let next_is_item = *item && blocks[i - 1].0;
            let tight = next_is_item && wraps.next().is_some_and(|w| w % 2 == 0);
            out.push_str(if tight { "\n" } else { "\n\n" });
        }
        if *item {
            out.push_str("- ");
        }
        for (j, word) in words.iter().enumerate() {
            if j > 0 {
                let w = wraps.next().copied().unwrap_or(0);
                out.push_str(GAPS[usize::from(w) % GAPS.len()]);
            }
            out.push_str(word);
        }
    }
    out
}

fn plain_blocks() -> impl Strategy<Value = Vec<(bool, Vec<String>)>> {
    let word = "[A-Za-z][A-Za-z0-9,.;()'-]{0,8}";
    prop::collection::vec((any::<bool>(), prop::collection::vec(word, 1..14)), 1..6)
}

proptest! {
    #[test]
    fn each_side_rebuilds_to_its_reflowed_text(a in prose(), b in prose()) {
        sides_rebuild(&a, &b)?;
    }

    #[test]
    fn each_side_rebuilds_for_any_unicode(a in "\\PC{0,80}", b in "[\\PC\n\r\t]{0,80}") {
        sides_rebuild(&a, &b)?;
        sides_rebuild(&b, &a)?;
    }

    #[test]
    fn each_side_rebuilds_for_edited_text((a, b) in text_and_edit()) {
        sides_rebuild(&a, &b)?;
    }

    #[test]
    fn a_text_against_itself_has_no_change(a in prose(), u in "[\\PC\n]{0,80}") {
        prop_assert!(redline(&a, &a).is_unchanged());
        prop_assert!(redline(&u, &u).is_unchanged());
    }

    #[test]
    fn re_wrapping_has_no_change(
        blocks in plain_blocks(),
        a in prop::collection::vec(0u8..4, 1..40),
        b in prop::collection::vec(0u8..4, 1..40),
    ) {
        let (old, new) = (write(&blocks, &a), write(&blocks, &b));
        prop_assert_eq!(reflow(&old), reflow(&new));
        let r = redline(&old, &new);
        prop_assert!(r.is_unchanged(), "{:?}", r);
        // And the one-line form of each block is what the blocks hold.
        let one_line: Vec<String> = blocks
            .iter()
            .map(|(item, words)| format!("{}{}", if *item { "- " } else { "" }, words.join(" ")))
            .collect();
        prop_assert_eq!(reflow(&old), one_line.join("\n\n"));
    }
}
