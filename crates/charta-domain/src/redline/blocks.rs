//! Splitting Markdown prose into blocks and reflowing them.
//!
//! Specifications keep their prose in YAML with hard line breaks, so the
//! same paragraph may be wrapped at another column in the next version.
//! Where the editor broke the lines is not part of the text a group agrees
//! on, so each paragraph, list item, heading, quote and table row becomes a
//! single line with single spaces. Fenced code keeps its lines exactly:
//! there the line breaks are the content.
//!
//! This is not a full Markdown parser. It knows the block starts that
//! CommonMark lets interrupt a paragraph (headings, fences, quotes, bullets
//! with text, and ordered items numbered 1), so a line break only changes
//! the blocks when it would change the rendered Markdown too; an ordered
//! item with another number starts a block only after a list item or a
//! block boundary. Indented code blocks are not recognised (specifications
//! use fences), and hard breaks made with two trailing spaces are reflowed
//! like any other line break.

use super::BlockKind;

/// One block of reflowed text: its shape and its normalized source,
/// markers included (`- `, `## `, `> `, the fences of code).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Block {
    pub(super) kind: BlockKind,
    pub(super) text: String,
}

/// What separates blocks in reflowed text: a blank line.
pub(super) const SEPARATOR: &str = "\n\n";

/// The blocks of a text, in order.
pub(super) fn split(text: &str) -> Vec<Block> {
    split_with_lines(text).into_iter().map(|(b, _)| b).collect()
}

/// The blocks of a text with the source lines each came from (first and
/// last, counted from 1), so that a comment on a block can name its lines.
pub(super) fn split_with_lines(text: &str) -> Vec<(Block, (usize, usize))> {
    let mut parser = Parser::default();
    for line in text.split('\n') {
        parser.lineno += 1;
        parser.line(line.strip_suffix('\r').unwrap_or(line));
    }
    parser.close();
    parser.done.into_iter().zip(parser.spans).collect()
}

/// Block texts joined the way reflowed text joins them.
pub(super) fn join<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    texts.into_iter().collect::<Vec<_>>().join(SEPARATOR)
}

/// A block that later lines may still extend.
enum Open {
    /// A paragraph, list item or quote: `head` is its marker (with a list
    /// item's indentation), `words` its text with whitespace collapsed.
    Prose {
        kind: BlockKind,
        head: String,
        words: String,
        /// How many `>` a quote is nested in; 0 for other prose.
        depth: usize,
    },
    /// A fenced code block, and the fence character and length that close it.
    Code {
        text: String,
        fence: char,
        len: usize,
    },
}

#[derive(Default)]
struct Parser {
    done: Vec<Block>,
    /// The source lines of each finished block.
    spans: Vec<(usize, usize)>,
    open: Option<Open>,
    /// The line being read, from 1.
    lineno: usize,
    /// The first and the last line of the open block so far.
    open_span: (usize, usize),
}

impl Parser {
    fn line(&mut self, line: &str) {
        if let Some(Open::Code { text, fence, len }) = &mut self.open {
            text.push('\n');
            text.push_str(line);
            self.open_span.1 = self.lineno;
            if closes_fence(line, *fence, *len) {
                self.close();
            }
            return;
        }
        let rest = line.trim_start_matches([' ', '\t']);
        let indent = &line[..line.len() - rest.len()];
        if rest.trim_ascii().is_empty() {
            self.close();
        } else if let Some((fence, len)) = opens_fence(rest) {
            self.close();
            self.open = Some(Open::Code {
                text: line.to_string(),
                fence,
                len,
            });
            self.open_span = (self.lineno, self.lineno);
        } else if let Some(text) = heading(rest) {
            self.push(BlockKind::Heading, text);
        } else if is_table_row(rest) {
            self.push(BlockKind::TableRow, collapse(rest));
        } else if let Some((depth, content)) = quote(rest) {
            self.quote_line(depth, content);
        } else if let Some((marker, content)) = list_item(rest, self.in_paragraph()) {
            self.close();
            self.open = Some(Open::Prose {
                kind: BlockKind::ListItem,
                head: format!("{indent}{marker}"),
                words: collapse(content),
                depth: 0,
            });
            self.open_span = (self.lineno, self.lineno);
        } else if let Some(Open::Prose { words, .. }) = &mut self.open {
            append(words, rest);
            self.open_span.1 = self.lineno;
        } else {
            self.open = Some(Open::Prose {
                kind: BlockKind::Paragraph,
                head: String::new(),
                words: collapse(rest),
                depth: 0,
            });
            self.open_span = (self.lineno, self.lineno);
        }
    }

    /// A line of a quote: it continues a quote at the same depth, and an
    /// empty one ends the quote's paragraph as a blank line would.
    fn quote_line(&mut self, depth: usize, content: &str) {
        if content.trim_ascii().is_empty() {
            self.close();
            return;
        }
        if let Some(Open::Prose {
            kind: BlockKind::Quote,
            words,
            depth: open_depth,
            ..
        }) = &mut self.open
            && *open_depth == depth
        {
            append(words, content);
            self.open_span.1 = self.lineno;
            return;
        }
        self.close();
        self.open = Some(Open::Prose {
            kind: BlockKind::Quote,
            head: vec![">"; depth].join(" "),
            words: collapse(content),
            depth,
        });
        self.open_span = (self.lineno, self.lineno);
    }

    /// Whether the open block is a paragraph that a list item may only
    /// interrupt on CommonMark's stricter terms (a quote's text continues
    /// lazily like a paragraph).
    fn in_paragraph(&self) -> bool {
        matches!(
            self.open,
            Some(Open::Prose {
                kind: BlockKind::Paragraph | BlockKind::Quote,
                ..
            })
        )
    }

    /// Closes the open block and adds a finished one-line block.
    fn push(&mut self, kind: BlockKind, text: String) {
        self.close();
        self.done.push(Block { kind, text });
        self.spans.push((self.lineno, self.lineno));
    }

    fn close(&mut self) {
        let block = match self.open.take() {
            None => return,
            Some(Open::Code { text, .. }) => Block {
                kind: BlockKind::Code,
                text,
            },
            Some(Open::Prose {
                kind, head, words, ..
            }) => {
                let text = match (head.is_empty(), words.is_empty()) {
                    (true, _) => words,
                    (false, true) => head,
                    (false, false) => format!("{head} {words}"),
                };
                Block { kind, text }
            }
        };
        self.done.push(block);
        self.spans.push(self.open_span);
    }
}

/// A text's words separated by single spaces.
fn collapse(text: &str) -> String {
    text.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

/// Adds a line's words to a block's words.
fn append(words: &mut String, line: &str) {
    for word in line.split_ascii_whitespace() {
        if !words.is_empty() {
            words.push(' ');
        }
        words.push_str(word);
    }
}

/// The fence character and length when the line opens a fenced code block.
fn opens_fence(rest: &str) -> Option<(char, usize)> {
    let fence = rest.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let after = rest.trim_start_matches(fence);
    let len = rest.len() - after.len();
    // A backtick fence's info string may not hold a backtick: "```x```"
    // at the start of a line is inline code, not a fence.
    (len >= 3 && !(fence == '`' && after.contains('`'))).then_some((fence, len))
}

fn closes_fence(line: &str, fence: char, len: usize) -> bool {
    let rest = line.trim_start_matches([' ', '\t']);
    let after = rest.trim_start_matches(fence);
    rest.len() - after.len() >= len && after.trim_ascii().is_empty()
}

/// An ATX heading, reflowed: one to six `#`, then a space or nothing.
fn heading(rest: &str) -> Option<String> {
    let after = rest.trim_start_matches('#');
    let level = rest.len() - after.len();
    if !(1..=6).contains(&level) || !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    let marks = &rest[..level];
    let words = collapse(after);
    Some(if words.is_empty() {
        marks.to_string()
    } else {
        format!("{marks} {words}")
    })
}

/// A table row: a line that starts and ends with `|`. Each row is its own
/// block, so a table is never run together into one line.
fn is_table_row(rest: &str) -> bool {
    let row = rest.trim_ascii_end();
    row.len() >= 2 && row.starts_with('|') && row.ends_with('|')
}

/// How deeply a quote line is nested, and its text.
fn quote(rest: &str) -> Option<(usize, &str)> {
    let mut text = rest.strip_prefix('>')?;
    let mut depth = 1;
    loop {
        let trimmed = text.trim_start_matches([' ', '\t']);
        match trimmed.strip_prefix('>') {
            Some(inner) => {
                depth += 1;
                text = inner;
            }
            None => return Some((depth, trimmed)),
        }
    }
}

/// A list item's marker and text. Inside a paragraph a bullet must have
/// text and an ordered item must be numbered 1 to start a list, as in
/// CommonMark; otherwise the line continues the paragraph.
fn list_item(rest: &str, in_paragraph: bool) -> Option<(&str, &str)> {
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let marker_len = if rest.starts_with(['-', '*', '+']) {
        1
    } else if (1..=9).contains(&digits) && rest[digits..].starts_with(['.', ')']) {
        digits + 1
    } else {
        return None;
    };
    let (marker, content) = rest.split_at(marker_len);
    if !(content.is_empty() || content.starts_with([' ', '\t'])) {
        return None;
    }
    if in_paragraph && (content.trim_ascii().is_empty() || (digits > 0 && &rest[..digits] != "1")) {
        return None;
    }
    Some((marker, content))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_and_texts(text: &str) -> Vec<(BlockKind, String)> {
        split(text).into_iter().map(|b| (b.kind, b.text)).collect()
    }

    #[test]
    fn each_block_knows_its_source_lines() {
        let text =
            "First line\nwrapped here.\n\n- an item\n  continued\n\n```\ncode\n```\n## Heading";
        let spans: Vec<(usize, usize)> =
            split_with_lines(text).into_iter().map(|(_, s)| s).collect();
        assert_eq!(spans, [(1, 2), (4, 5), (7, 9), (10, 10)]);
    }

    #[test]
    fn wrapped_prose_becomes_one_line_per_block() {
        let text = "# Key   handling\n\nKeep the\n  private key\toffline.\n\n\
                    - first\n  item\n- second\n1. one\n2. two\n\n> quoted\n> text\n>\n> > deeper\n";
        assert_eq!(
            kinds_and_texts(text),
            [
                (BlockKind::Heading, "# Key handling".into()),
                (BlockKind::Paragraph, "Keep the private key offline.".into()),
                (BlockKind::ListItem, "- first item".into()),
                (BlockKind::ListItem, "- second".into()),
                (BlockKind::ListItem, "1. one".into()),
                (BlockKind::ListItem, "2. two".into()),
                (BlockKind::Quote, "> quoted text".into()),
                (BlockKind::Quote, "> > deeper".into()),
            ]
        );
    }

    #[test]
    fn code_keeps_its_lines_and_an_unclosed_fence_runs_to_the_end() {
        let text = "Run:\n```sh\ngpg  --verify\n\n  x\n```\nAfter.\n~~~\nopen";
        assert_eq!(
            kinds_and_texts(text),
            [
                (BlockKind::Paragraph, "Run:".into()),
                (BlockKind::Code, "```sh\ngpg  --verify\n\n  x\n```".into()),
                (BlockKind::Paragraph, "After.".into()),
                (BlockKind::Code, "~~~\nopen".into()),
            ]
        );
    }

    #[test]
    fn numbers_and_lone_dashes_inside_a_paragraph_do_not_start_lists() {
        let text = "Published in\n2024. Then\n-\nand\n1. a list";
        assert_eq!(
            kinds_and_texts(text),
            [
                (BlockKind::Paragraph, "Published in 2024. Then - and".into()),
                (BlockKind::ListItem, "1. a list".into()),
            ]
        );
    }

    #[test]
    fn table_rows_stay_rows_and_inline_code_is_not_a_fence() {
        let text = "| a  |  b |\n|---|---|\n```x``` is code\nhere";
        assert_eq!(
            kinds_and_texts(text),
            [
                (BlockKind::TableRow, "| a | b |".into()),
                (BlockKind::TableRow, "|---|---|".into()),
                (BlockKind::Paragraph, "```x``` is code here".into()),
            ]
        );
    }
}
