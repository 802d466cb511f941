//! The diff page: two versions compared control by control.

use super::Page;
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::{Error, PageResult};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use charta_app::lookup;
use charta_domain::diff::{ChangeKind, DiffSummary, FieldDiff, MappingChange, SectionDiff};
use charta_store::SpecRow;
use serde::Deserialize;

/// Query of the diff page.
#[derive(Debug, Deserialize)]
pub struct DiffQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    /// `unified` (default) or `split` (side by side).
    pub view: Option<String>,
}

/// A changed field, ready to show: unified HTML with `<del>`/`<ins>`, and the
/// two sides for the side-by-side view.
pub struct FieldView {
    pub field: &'static str,
    pub normative: bool,
    pub unified_html: String,
    pub old_html: String,
    pub new_html: String,
}

/// A changed control on the diff page.
pub struct ControlChangeView {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub normative: bool,
    pub removed: bool,
    pub fields: Vec<FieldView>,
    pub mappings: Vec<MappingChange>,
}

/// A changed control, ready to show (without comment links): the diff page
/// and a release's notes.
pub fn control_view(d: &charta_domain::diff::ControlDiff) -> ControlChangeView {
    ControlChangeView {
        id: d.id.clone(),
        title: d.title.clone(),
        kind: d.kind.as_str(),
        normative: d.normative,
        removed: d.kind == ChangeKind::Removed,
        fields: d.fields.iter().map(field_view).collect(),
        mappings: d.mappings.clone(),
    }
}

/// A changed section, ready to show.
pub struct SectionChangeView {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub fields: Vec<FieldView>,
}

/// The section changes of a comparison, ready to show.
pub fn section_views(sections: &[SectionDiff]) -> Vec<SectionChangeView> {
    sections
        .iter()
        .map(|s| SectionChangeView {
            id: s.id.clone(),
            title: s.title.clone(),
            kind: s.kind.as_str(),
            fields: s.fields.iter().map(field_view).collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "diff/show.html")]
pub struct DiffPage {
    pub title: String,
    pub chrome: Chrome,
    pub spec: SpecRow,
    pub from: i64,
    pub to: i64,
    pub split: bool,
    pub summary: DiffSummary,
    pub meta: Vec<FieldView>,
    pub sections: Vec<SectionChangeView>,
    pub changes: Vec<ControlChangeView>,
    pub versions: Vec<i64>,
}

/// Unchanged paragraphs in a row from which they are folded into a
/// disclosure: one or two stay in view as context for the change.
const UNCHANGED_FOLD: usize = 3;

/// Fields of one line (titles, levels, states, section names): a change
/// reads "old → new".
const SHORT_FIELDS: [&str; 5] = ["title", "level", "status", "section", "replaced-by"];

/// Builds the HTML of one field's redline for both views. Prose is
/// compared as reflowed paragraphs (a line break that only wraps is no
/// change), changes are grouped into phrases, a paragraph that mostly
/// changed is shown old and new whole, and a changed number or word reads
/// "14 → 7". Text is escaped before markup is added, so nothing in a
/// specification becomes markup.
pub fn field_view(f: &FieldDiff) -> FieldView {
    render(f, None, &[])
}

/// Where a comment on a shown paragraph goes: the amendment's page and the
/// control, for the newest revision's statement and guidance, and for the
/// older side's text.
pub struct CommentTarget<'a> {
    /// The amendment's path, such as `/specs/demo/amendments/3`.
    pub page: &'a str,
    pub control: &'a str,
    /// The comparison being read, kept in the link (`from=base&view=split`),
    /// so the form opens on the same page.
    pub compare: &'a str,
    /// The older side (`base` or a revision number), whose paragraphs take
    /// comments too; `None` when they do not.
    pub old: Option<&'a str>,
}

/// A review thread shown at the paragraph holding its lines.
#[derive(Debug, Clone)]
pub struct ThreadMark {
    pub thread: i64,
    /// `statement` or `guidance`.
    pub field: String,
    /// The thread's lines in the newer side's text.
    pub lines: (i64, i64),
    /// Its state in words (`open`, `open objection`, `resolved`).
    pub state: &'static str,
}

/// [`field_view`] for the amendment page. With a `target`, each paragraph
/// of the newer side (and of the older side) ends with a link that opens
/// the comment form on that paragraph's lines: commenting where one reads,
/// without JavaScript; the small review script turns the same links into a
/// form opened in place, and a selection across paragraphs into one range.
/// Each of `marks` shows after the paragraph holding its last line, as a
/// link to its thread with its state.
pub fn review_field_view(
    f: &FieldDiff,
    target: Option<&CommentTarget<'_>>,
    marks: &[ThreadMark],
) -> FieldView {
    render(f, target, marks)
}

fn thread_mark(m: &ThreadMark) -> String {
    format!(
        " <a class=\"thread-mark {}\" href=\"#thread-{id}\">Thread {id} ({})</a>",
        m.state.replace(' ', "-"),
        m.state,
        id = m.thread
    )
}

fn comment_link(
    target: &CommentTarget<'_>,
    field: &str,
    text: &str,
    (a, b): (usize, usize),
    on: Option<&str>,
) -> String {
    // The lines as written, for the review script to quote in the form.
    let quote: Vec<&str> = text
        .lines()
        .skip(a.saturating_sub(1))
        .take((b + 1).saturating_sub(a))
        .collect();
    let quote = escape(&quote.join("\n"));
    let lines = if a == b {
        format!("line {a}")
    } else {
        format!("lines {a}–{b}")
    };
    let (side_query, side_attr, side_words) = match on {
        Some(o) => (
            format!("&amp;on={}", escape(o)),
            format!(" data-on=\"{}\"", escape(o)),
            if o == "base" {
                " of the base version".to_string()
            } else {
                format!(" of revision {}", escape(o))
            },
        ),
        None => (String::new(), String::new(), String::new()),
    };
    let compare = if target.compare.is_empty() {
        String::new()
    } else {
        format!("{}&amp;", escape(target.compare))
    };
    format!(
        " <a class=\"comment-here\" data-control=\"{control}\" data-field=\"{field}\" data-first=\"{a}\" data-last=\"{b}\"{side_attr} data-quote=\"{quote}\" href=\"{}?{compare}comment={control}:{field}:{a}-{b}{side_query}#comment-{control}\">Comment<span class=\"visually-hidden\"> on {lines} of the {field}{side_words}</span></a>",
        target.page,
        control = escape(target.control),
    )
}

fn render(f: &FieldDiff, target: Option<&CommentTarget<'_>>, marks: &[ThreadMark]) -> FieldView {
    use charta_domain::redline::{RedlineBlock, block_lines, field_change, redline};
    let mut html = RedlineHtml::default();
    let commentable = target.is_some() && matches!(f.field, "statement" | "guidance");
    let spans = block_lines(&f.new);
    let mut next_new = 0usize;
    // The link after the next block of the newer side, if comments go there,
    // and the threads on its lines.
    let mut link = |html: &mut RedlineHtml| {
        let span = spans.get(next_new).copied();
        next_new += 1;
        if let (Some(t), Some(span), true) = (target, span, commentable) {
            html.new_only(&comment_link(t, f.field, &f.new, span, None));
        }
        if let Some((a, b)) = span {
            let within = |l: i64| usize::try_from(l).is_ok_and(|l| (a..=b).contains(&l));
            for m in marks
                .iter()
                .filter(|m| m.field == f.field && within(m.lines.1))
            {
                html.new_only(&thread_mark(m));
            }
        }
    };
    let old_spans = block_lines(&f.old);
    let mut next_old = 0usize;
    // The link after the next block of the older side: shown in the unified
    // view too for text only the older side has (`alone`).
    let mut old_link = |html: &mut RedlineHtml, alone: bool| {
        let span = old_spans.get(next_old).copied();
        next_old += 1;
        if let (Some(t), Some(span), true) = (target, span, commentable)
            && let Some(on) = t.old
        {
            let a = comment_link(t, f.field, &f.old, span, Some(on));
            if alone {
                html.old_only(&a);
            } else {
                html.old.push_str(&a);
            }
        }
    };
    if SHORT_FIELDS.contains(&f.field) {
        html.open("p");
        html.pieces(&field_change(&f.old, &f.new));
        html.close("p");
    } else {
        // Prose is Markdown: each block is rendered by the pages' renderer,
        // with its changes marked inside it. Runs of unchanged blocks are
        // folded away, one click from being read.
        let blocks = redline(&f.old, &f.new).blocks;
        let same = |i: usize| matches!(blocks.get(i), Some(RedlineBlock::Same { .. }));
        for (i, block) in blocks.iter().enumerate() {
            let run_starts = same(i) && (i == 0 || !same(i - 1));
            let run_len = if run_starts {
                (i..blocks.len()).take_while(|&j| same(j)).count()
            } else {
                0
            };
            if run_starts && run_len >= UNCHANGED_FOLD {
                html.all(&format!(
                    "<details class=\"unchanged\"><summary>{run_len} unchanged paragraphs</summary>"
                ));
            }
            match block {
                RedlineBlock::Same { text, .. } => {
                    html.all("<div class=\"block\">");
                    html.all(&markdown(text));
                    old_link(&mut html, false);
                    link(&mut html);
                    html.all("</div>");
                    let run_ends = !same(i + 1);
                    if run_ends {
                        let start = (0..=i).rev().take_while(|&j| same(j)).count();
                        if start >= UNCHANGED_FOLD {
                            html.all("</details>");
                        }
                    }
                }
                RedlineBlock::Added { text, .. } => {
                    html.new_only(&format!(
                        "<div class=\"block added\"><ins>{}</ins>",
                        markdown(text)
                    ));
                    link(&mut html);
                    html.new_only("</div>");
                }
                RedlineBlock::Removed { text, .. } => {
                    html.old_only(&format!(
                        "<div class=\"block removed\"><del>{}</del>",
                        markdown(text)
                    ));
                    old_link(&mut html, true);
                    html.old_only("</div>");
                }
                RedlineBlock::Changed { pieces, .. } => {
                    let (unified, old, new) = marked_sources(pieces);
                    html.unified.push_str("<div class=\"block\">");
                    html.unified.push_str(&markdown(&unified));
                    html.old.push_str("<div class=\"block\">");
                    html.old.push_str(&markdown(&old));
                    html.new.push_str("<div class=\"block\">");
                    html.new.push_str(&markdown(&new));
                    old_link(&mut html, false);
                    link(&mut html);
                    html.all("</div>");
                }
                RedlineBlock::Replaced { old, new, .. } => {
                    html.old_only(&format!(
                        "<div class=\"block replaced\"><del>{}</del>",
                        markdown(old)
                    ));
                    old_link(&mut html, true);
                    html.old_only("</div>");
                    html.new_only(&format!(
                        "<div class=\"block replaced\"><ins>{}</ins>",
                        markdown(new)
                    ));
                    link(&mut html);
                    html.new_only("</div>");
                }
            }
        }
    }
    FieldView {
        field: f.field,
        normative: f.normative,
        unified_html: html.unified,
        old_html: html.old,
        new_html: html.new,
    }
}

fn escape(s: &str) -> String {
    super::view::escape(s)
}

/// Private-use characters that mark where a deletion or an insertion starts
/// and ends while the block goes through the Markdown renderer; they become
/// `<del>`/`<ins>` tags afterwards. Any in the text itself are dropped first.
const MARKS: [(char, &str); 4] = [
    ('\u{E000}', "<del>"),
    ('\u{E001}', "</del>"),
    ('\u{E002}', "<ins>"),
    ('\u{E003}', "</ins>"),
];

fn unmarked(text: &str) -> String {
    text.chars()
        .filter(|c| !MARKS.iter().any(|(m, _)| m == c))
        .collect()
}

/// A block's Markdown rendered safely, with the change marks as tags.
fn markdown(marked: &str) -> String {
    let mut out = crate::markdown::render(marked);
    for (mark, tag) in MARKS {
        out = out.replace(mark, tag);
    }
    out
}

/// The Markdown source of a changed block for the unified view and for
/// each side, with its changes marked.
fn marked_sources(pieces: &[charta_domain::redline::Piece]) -> (String, String, String) {
    use charta_domain::redline::Piece;
    let (mut unified, mut old, mut new) = (String::new(), String::new(), String::new());
    for p in pieces {
        match p {
            Piece::Same { text } => {
                let t = unmarked(text);
                unified.push_str(&t);
                old.push_str(&t);
                new.push_str(&t);
            }
            Piece::Change {
                old: o,
                new: n,
                compact,
            } => {
                let (o, n) = (unmarked(o), unmarked(n));
                let del = format!("\u{E000}{o}\u{E001}");
                let ins = format!("\u{E002}{n}\u{E003}");
                if !o.is_empty() {
                    unified.push_str(&del);
                    old.push_str(&del);
                }
                if !o.is_empty() && !n.is_empty() {
                    unified.push_str(if *compact { " → " } else { " " });
                }
                if !n.is_empty() {
                    unified.push_str(&ins);
                    new.push_str(&ins);
                }
            }
        }
    }
    (unified, old, new)
}

/// The three renderings of a redline, built side by side.
#[derive(Default)]
struct RedlineHtml {
    unified: String,
    old: String,
    new: String,
}

impl RedlineHtml {
    fn all(&mut self, html: &str) {
        self.unified.push_str(html);
        self.old.push_str(html);
        self.new.push_str(html);
    }
    fn open(&mut self, tag: &str) {
        self.all(&format!("<{tag}>"));
    }
    fn close(&mut self, tag: &str) {
        self.all(&format!("</{tag}>"));
    }
    fn same(&mut self, text: &str) {
        self.all(&escape(text));
    }
    fn old_only(&mut self, html: &str) {
        self.unified.push_str(html);
        self.old.push_str(html);
    }
    fn new_only(&mut self, html: &str) {
        self.unified.push_str(html);
        self.new.push_str(html);
    }
    fn pieces(&mut self, pieces: &[charta_domain::redline::Piece]) {
        use charta_domain::redline::Piece;
        for p in pieces {
            match p {
                Piece::Same { text } => self.same(text),
                Piece::Change { old, new, compact } => {
                    let (o, n) = (escape(old), escape(new));
                    if *compact {
                        self.unified.push_str(&format!(
                            "<span class=\"change\"><del>{o}</del> → <ins>{n}</ins></span>"
                        ));
                    } else {
                        if !o.is_empty() {
                            self.unified.push_str(&format!("<del>{o}</del>"));
                        }
                        if !o.is_empty() && !n.is_empty() {
                            self.unified.push(' ');
                        }
                        if !n.is_empty() {
                            self.unified.push_str(&format!("<ins>{n}</ins>"));
                        }
                    }
                    if !o.is_empty() {
                        self.old.push_str(&format!("<del>{o}</del>"));
                    }
                    if !n.is_empty() {
                        self.new.push_str(&format!("<ins>{n}</ins>"));
                    }
                }
            }
        }
    }
}

/// Compares two versions of a specification.
pub async fn diff(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    Query(q): Query<DiffQuery>,
) -> PageResult<Page<DiffPage>> {
    let split = match q.view.as_deref() {
        None | Some("") | Some("unified") => false,
        Some("split") => true,
        Some(other) => {
            return Err(
                Error::BadRequest(format!("view must be unified or split, not {other:?}")).into(),
            );
        }
    };
    let (row, c) =
        lookup::compare(&state, &viewer, &spec, q.from.as_deref(), q.to.as_deref()).await?;
    let changes = c.diff.changed().map(control_view).collect();
    Ok(Page(DiffPage {
        title: format!(
            "{}: version {} to {}",
            row.title, c.from.meta.number, c.to.meta.number
        ),
        chrome: viewer.chrome(&state),
        from: c.from.meta.number,
        to: c.to.meta.number,
        versions: (1..=row.head_version).rev().collect(),
        split,
        summary: c.diff.summary,
        meta: c.diff.meta.iter().map(field_view).collect(),
        sections: section_views(&c.diff.sections),
        changes,
        spec: row,
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a failing test panics")]
    use super::*;

    fn prose(old: &str, new: &str) -> FieldView {
        field_view(&FieldDiff {
            field: "statement",
            old: old.into(),
            new: new.into(),
            segments: vec![],
            normative: true,
        })
    }

    #[test]
    fn prose_is_rendered_as_markdown_with_its_changes_marked() {
        let v = prose(
            "Projects **MUST** fix reports\nwithin 14 days.\n\n- one\n- two",
            "Projects **MUST** fix reports within 7 days.\n\n- one\n- three",
        );
        assert!(
            v.unified_html.contains("<strong>MUST</strong>"),
            "{}",
            v.unified_html
        );
        assert!(
            v.unified_html.contains("<del>14</del> → <ins>7</ins>"),
            "{}",
            v.unified_html
        );
        assert!(
            v.unified_html.contains("<li>one</li>"),
            "{}",
            v.unified_html
        );
        assert!(
            v.unified_html.contains("<del>two</del> → <ins>three</ins>"),
            "{}",
            v.unified_html
        );
        assert!(
            !v.old_html.contains("<ins>") && !v.new_html.contains("<del>"),
            "each side shows its own"
        );
        assert!(
            !v.unified_html.contains("**"),
            "no raw Markdown: {}",
            v.unified_html
        );
    }

    #[test]
    fn runs_of_unchanged_paragraphs_are_folded() {
        let same = "One.\n\nTwo.\n\nThree.\n\nFour.";
        let v = prose(
            &format!("{same}\n\nOld end."),
            &format!("{same}\n\nNew end."),
        );
        assert!(
            v.unified_html.starts_with(
                "<details class=\"unchanged\"><summary>4 unchanged paragraphs</summary>"
            ),
            "{}",
            v.unified_html
        );
        assert_eq!(
            v.unified_html.matches("</details>").count(),
            1,
            "{}",
            v.unified_html
        );
        let short = prose("One.\n\nOld end.", "One.\n\nNew end.");
        assert!(
            !short.unified_html.contains("<details"),
            "one paragraph of context stays in view"
        );
    }

    #[test]
    fn markup_in_a_specification_stays_text() {
        let v = prose(
            "Report it.",
            "Report it. <script>alert(1)</script> \u{E000}x\u{E001}",
        );
        assert!(!v.unified_html.contains("<script>"), "{}", v.unified_html);
        assert!(
            v.unified_html.contains("&lt;script&gt;"),
            "{}",
            v.unified_html
        );
        assert_eq!(
            v.unified_html.matches("<del>").count(),
            0,
            "marks in the text are dropped: {}",
            v.unified_html
        );
    }
}
