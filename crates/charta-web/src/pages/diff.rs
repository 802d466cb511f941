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
    render(f, None)
}

/// Where a comment on a shown paragraph goes: the amendment's page and the
/// control, for the newest revision's statement and guidance.
pub struct CommentTarget<'a> {
    /// The amendment's path, such as `/specs/demo/amendments/3`.
    pub page: &'a str,
    pub control: &'a str,
}

/// [`field_view`] with, after each paragraph of the newer side, a link that
/// opens the comment form on that paragraph's lines: commenting where one
/// reads, without JavaScript.
pub fn commentable_field_view(f: &FieldDiff, target: &CommentTarget<'_>) -> FieldView {
    render(f, Some(target))
}

fn comment_link(target: &CommentTarget<'_>, field: &str, (a, b): (usize, usize)) -> String {
    let lines = if a == b {
        format!("line {a}")
    } else {
        format!("lines {a}–{b}")
    };
    format!(
        " <a class=\"comment-here\" href=\"{}?comment={}:{field}:{a}-{b}#comment-{}\">Comment<span class=\"visually-hidden\"> on {lines} of the {field}</span></a>",
        target.page,
        escape(target.control),
        escape(target.control)
    )
}

fn render(f: &FieldDiff, target: Option<&CommentTarget<'_>>) -> FieldView {
    use charta_domain::redline::{RedlineBlock, block_lines, field_change, redline};
    let mut html = RedlineHtml::default();
    let commentable = target.is_some() && matches!(f.field, "statement" | "guidance");
    let spans = block_lines(&f.new);
    let mut next_new = 0usize;
    // The link after the next block of the newer side, if comments go there.
    let mut link = |html: &mut RedlineHtml| {
        let span = spans.get(next_new).copied();
        next_new += 1;
        if let (Some(t), Some(span), true) = (target, span, commentable) {
            html.new_only(&comment_link(t, f.field, span));
        }
    };
    if SHORT_FIELDS.contains(&f.field) {
        html.open("p");
        html.pieces(&field_change(&f.old, &f.new));
        html.close("p");
    } else {
        for block in redline(&f.old, &f.new).blocks {
            match block {
                RedlineBlock::Same { text, .. } => {
                    html.open("p");
                    html.same(&text);
                    link(&mut html);
                    html.close("p");
                }
                RedlineBlock::Added { text, .. } => {
                    html.new_only(&format!("<p><ins>{}</ins>", escape(&text)));
                    link(&mut html);
                    html.new_only("</p>");
                }
                RedlineBlock::Removed { text, .. } => {
                    html.old_only(&format!("<p><del>{}</del></p>", escape(&text)));
                }
                RedlineBlock::Changed { pieces, .. } => {
                    html.open("p");
                    html.pieces(&pieces);
                    link(&mut html);
                    html.close("p");
                }
                RedlineBlock::Replaced { old, new, .. } => {
                    html.old_only(&format!(
                        "<p class=\"replaced\"><del>{}</del></p>",
                        escape(&old)
                    ));
                    html.new_only(&format!(
                        "<p class=\"replaced\"><ins>{}</ins>",
                        escape(&new)
                    ));
                    link(&mut html);
                    html.new_only("</p>");
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
    let changes = c
        .diff
        .changed()
        .map(|d| ControlChangeView {
            id: d.id.clone(),
            title: d.title.clone(),
            kind: d.kind.as_str(),
            normative: d.normative,
            removed: d.kind == ChangeKind::Removed,
            fields: d.fields.iter().map(field_view).collect(),
            mappings: d.mappings.clone(),
        })
        .collect();
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
