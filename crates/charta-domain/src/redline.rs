//! A readable redline of two versions of a piece of prose (Markdown
//! source): what a reviewer reads to see how a normative sentence changed.
//!
//! Reviewers read sentences, not line breaks, and the YAML source keeps
//! hard line breaks in prose, so a paragraph merely wrapped at another
//! column must not show as changed. The first step is therefore to split a
//! text into blocks (paragraphs, list items, headings, quotes, table rows,
//! fenced code) and reflow them, so re-wrapping alone changes nothing;
//! code keeps its lines.

mod blocks;

use serde::Serialize;

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

/// A text reflowed: its blocks, each on one line except fenced code,
/// separated by blank lines. Two texts that differ only in wrapping have
/// the same reflowed form.
pub fn reflow(text: &str) -> String {
    blocks::join(blocks::split(text).iter().map(|b| b.text.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn re_wrapping_changes_nothing() {
        let old = "The project MUST publish\na security policy that\nexplains how to report.\n\n\
                   - Rotate keys\n  every year.";
        let new = "The project MUST publish a\n   security policy that explains\nhow to report.\n\n\n\
                   - Rotate keys every\n year.\n";
        assert_eq!(reflow(old), reflow(new));
        assert_eq!(
            reflow(old),
            "The project MUST publish a security policy that explains how to report.\n\n\
             - Rotate keys every year."
        );
    }
}
