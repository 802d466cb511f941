//! Examples drawn from real rewrites of controls.

use super::*;

fn same(text: &str) -> Piece {
    Piece::Same { text: text.into() }
}

fn change(old: &str, new: &str, compact: bool) -> Piece {
    Piece::Change {
        old: old.into(),
        new: new.into(),
        compact,
    }
}

fn pieces(r: &Redline) -> &[Piece] {
    match r.blocks.as_slice() {
        [RedlineBlock::Changed { pieces, .. }] => pieces,
        other => panic!("expected one changed block, got {other:?}"),
    }
}

#[test]
fn a_changed_number_reads_old_arrow_new() {
    let r = redline(
        "Vulnerability reports MUST be acknowledged within 14 days.",
        "Vulnerability reports MUST be acknowledged\nwithin 7 days.",
    );
    assert_eq!(
        pieces(&r),
        [
            same("Vulnerability reports MUST be acknowledged within "),
            change("14", "7", true),
            same(" days."),
        ]
    );
    assert_eq!(
        to_text(&r),
        "Vulnerability reports MUST be acknowledged within 14 → 7 days."
    );
    let level = redline("Applies from level 1.", "Applies from level 2.");
    assert_eq!(to_text(&level), "Applies from level 1 → 2.");
    let keyword = redline(
        "The project MUST publish a security policy.",
        "The project SHOULD publish a security policy.",
    );
    assert_eq!(
        to_text(&keyword),
        "The project MUST → SHOULD publish a security policy."
    );
}

#[test]
fn a_rewritten_phrase_reads_as_one_change() {
    let r = redline(
        "Keep the private key in a hardware token. Rotate it every year and \
         record each rotation in the release log.",
        "Withdrawn. Long-lived personal key in a hardware token. Rotate it every \
         year and record each rotation in the release log.",
    );
    assert_eq!(
        pieces(&r),
        [
            change("Keep the private", "Withdrawn. Long-lived personal", false),
            same(
                " key in a hardware token. Rotate it every year and record each \
                 rotation in the release log."
            ),
        ]
    );
    assert_eq!(
        to_text(&r),
        "[-Keep the private-]{+Withdrawn. Long-lived personal+} key in a hardware \
         token. Rotate it every year and record each rotation in the release log."
    );
}

#[test]
fn a_mostly_rewritten_paragraph_is_shown_old_then_new() {
    let old = "Keep the private key offline.\nIt is used only to sign releases.";
    let new = "Withdrawn. Long-lived personal keys are no longer used; releases are \
               signed with short-lived certificates.";
    let r = redline(old, new);
    assert_eq!(
        r.blocks,
        [RedlineBlock::Replaced {
            kind: BlockKind::Paragraph,
            old: "Keep the private key offline. It is used only to sign releases.".into(),
            new: new.into(),
        }]
    );
    assert_eq!(to_text(&r), format!("[-{}-]\n{{+{new}+}}", reflow(old)));
}

#[test]
fn re_wrapping_changes_nothing() {
    let old = "The project MUST publish\na security policy that\nexplains how to report.\n\n\
               - Rotate keys\n  every year.";
    let new = "The project MUST publish a\n   security policy that explains\nhow to report.\n\n\n\
               - Rotate keys every\n year.\n";
    let r = redline(old, new);
    assert!(r.is_unchanged(), "{r:?}");
    assert_eq!(reflow(old), reflow(new));
    assert_eq!(
        reflow(old),
        "The project MUST publish a security policy that explains how to report.\n\n\
         - Rotate keys every year."
    );
}

#[test]
fn fenced_code_keeps_its_lines() {
    let old = "Verify with:\n```sh\ngpg --verify\n  release.tar.gz.asc\n```";
    let new = "Verify with:\n```sh\ngpg --verify release.tar.gz.asc\n```";
    let r = redline(old, new);
    assert_eq!(r.blocks.len(), 2);
    assert_eq!(
        r.blocks[0],
        RedlineBlock::Same {
            kind: BlockKind::Paragraph,
            text: "Verify with:".into()
        }
    );
    let RedlineBlock::Changed { kind, pieces } = &r.blocks[1] else {
        panic!("the code block changed: {r:?}");
    };
    assert_eq!(*kind, BlockKind::Code);
    assert!(
        pieces.contains(&change("\n  ", " ", false)),
        "the line break is a change in code: {pieces:?}"
    );
    assert_eq!(
        old_text(&r),
        "Verify with:\n\n```sh\ngpg --verify\n  release.tar.gz.asc\n```"
    );
}

#[test]
fn a_list_item_change_stays_inside_its_item() {
    let r = redline(
        "Maintainers MUST:\n\n- Rotate keys every year.\n- Store keys offline.\n- Sign tags.",
        "Maintainers MUST:\n\n- Rotate keys every two years.\n- Store keys offline.\n- Sign tags.",
    );
    assert_eq!(
        r.blocks,
        [
            RedlineBlock::Same {
                kind: BlockKind::Paragraph,
                text: "Maintainers MUST:".into()
            },
            RedlineBlock::Changed {
                kind: BlockKind::ListItem,
                pieces: vec![
                    same("- Rotate keys every "),
                    change("year", "two years", false),
                    same("."),
                ]
            },
            RedlineBlock::Same {
                kind: BlockKind::ListItem,
                text: "- Store keys offline.".into()
            },
            RedlineBlock::Same {
                kind: BlockKind::ListItem,
                text: "- Sign tags.".into()
            },
        ]
    );
}

#[test]
fn unrelated_blocks_are_added_and_removed_around_edited_ones() {
    let old = "Keys MUST be rotated every year.\n\nLogs are kept for 90 days.";
    let new = "Keys MUST be rotated every year.\n\n\
               Build provenance MUST be published with each release.\n\n\
               Logs are kept for 30 days.";
    let r = redline(old, new);
    assert_eq!(
        to_text(&r),
        "Keys MUST be rotated every year.\n\n\
         {+Build provenance MUST be published with each release.+}\n\n\
         Logs are kept for 90 → 30 days."
    );
    assert_eq!(old_text(&r), reflow(old));
    assert_eq!(new_text(&r), reflow(new));
    let gone = redline(new, old);
    assert_eq!(
        to_text(&gone),
        "Keys MUST be rotated every year.\n\n\
         [-Build provenance MUST be published with each release.-]\n\n\
         Logs are kept for 30 → 90 days."
    );
}

#[test]
fn short_fields_read_old_arrow_new() {
    assert_eq!(field_change("1", "2"), [change("1", "2", true)]);
    assert_eq!(
        pieces_to_text(&field_change("active", "withdrawn")),
        "active → withdrawn"
    );
    assert_eq!(
        pieces_to_text(&field_change(
            "Protect signing keys",
            "Protect  release signing keys"
        )),
        "Protect signing keys → Protect release signing keys"
    );
    assert_eq!(
        field_change("Same  title", "Same title"),
        [same("Same title")]
    );
    assert!(field_change("", " ").is_empty());
    assert_eq!(field_change("", "New"), [change("", "New", false)]);
    let long_old = "Vulnerability reports are acknowledged within fourteen days";
    let long_new = "Vulnerability reports are acknowledged within seven days";
    assert_eq!(
        pieces_to_text(&field_change(long_old, long_new)),
        "Vulnerability reports are acknowledged within fourteen → seven days"
    );
}

#[test]
fn redlines_serialize_with_kebab_case_tags() {
    let r = redline("- Level 1.", "- Level 2.\n\n## Notes");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"blocks": [
            {"op": "changed", "kind": "list-item", "pieces": [
                {"op": "same", "text": "- Level "},
                {"op": "change", "old": "1", "new": "2", "compact": true},
                {"op": "same", "text": "."},
            ]},
            {"op": "added", "kind": "heading", "text": "## Notes"},
        ]})
    );
}
