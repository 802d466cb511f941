//! The coverage page of a version: the JSON document of
//! [`crate::api::coverage`] as printable tables, one section per catalog.

use super::Page;
use super::view::{catalog_label, date};
use crate::api::coverage::{CoverageDocument, CoverageParams, load};
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::PageResult;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use charta_store::SpecRow;

#[derive(Template)]
#[template(path = "coverage/show.html")]
pub struct CoveragePage {
    pub title: String,
    pub chrome: Chrome,
    pub spec: SpecRow,
    pub created: String,
    pub is_head: bool,
    pub doc: CoverageDocument,
}

impl CoveragePage {
    /// Short catalog label for badges, as elsewhere on the site.
    pub fn label(&self, slug: &str) -> &'static str {
        catalog_label(slug)
    }
}

/// The coverage matrix of one version, optionally for one level.
pub async fn coverage(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, version)): Path<(String, String)>,
    Query(q): Query<CoverageParams>,
) -> PageResult<Page<CoveragePage>> {
    let (row, v, doc) = load(&state, &viewer, &spec, &version, q.level.as_deref()).await?;
    Ok(Page(CoveragePage {
        title: format!("Coverage of {} (version {})", doc.title, doc.version),
        chrome: viewer.chrome(&state),
        created: date(v.meta.created_at),
        is_head: v.meta.number == row.head_version,
        spec: row,
        doc,
    }))
}
