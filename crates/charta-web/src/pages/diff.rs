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
use charta_domain::diff::{
    ChangeKind, DiffSummary, FieldDiff, MappingChange, SectionDiff, SegmentOp,
};
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

/// Builds the HTML of one field's word diff for both views. Text is escaped
/// before markup is added, so nothing in a specification becomes markup.
pub fn field_view(f: &FieldDiff) -> FieldView {
    use super::view::escape;
    let mut unified = String::new();
    let mut old = String::new();
    let mut new = String::new();
    for s in &f.segments {
        let t = escape(&s.text);
        match s.op {
            SegmentOp::Equal => {
                unified.push_str(&t);
                old.push_str(&t);
                new.push_str(&t);
            }
            SegmentOp::Delete => {
                let d = format!("<del>{t}</del>");
                unified.push_str(&d);
                old.push_str(&d);
            }
            SegmentOp::Insert => {
                let i = format!("<ins>{t}</ins>");
                unified.push_str(&i);
                new.push_str(&i);
            }
        }
    }
    FieldView {
        field: f.field,
        normative: f.normative,
        unified_html: unified,
        old_html: old,
        new_html: new,
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
