//! The coverage page of a version: the JSON document of
//! `charta_app::coverage` as printable tables, one section per catalog.

use super::Page;
use super::view::{catalog_label, date};
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::PageResult;
use crate::params::CoverageParams;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use charta_app::coverage::CoverageDocument;
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
    let (n, level) = q.parse(&version)?;
    let (row, v, doc) = charta_app::coverage::load(&state, &viewer, &spec, n, level).await?;
    Ok(Page(CoveragePage {
        title: format!("Coverage of {} (version {})", doc.title, doc.version),
        chrome: viewer.chrome(&state),
        created: date(v.meta.created_at),
        is_head: v.meta.number == row.head_version,
        spec: row,
        doc,
    }))
}
