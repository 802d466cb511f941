//! The search page.

use super::Page;
use super::view::escape;
use crate::api::search::{LIMIT, SearchParams};
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::error::PageResult;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use charta_store::{MATCH_END, MATCH_START, SearchHit};

/// A hit with its excerpt as safe HTML, matched words in `<mark>`.
pub struct HitView {
    pub hit: SearchHit,
    pub snippet_html: String,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub title: String,
    pub chrome: Chrome,
    pub q: String,
    pub hits: Vec<HitView>,
    pub limit: i64,
}

/// Escapes the excerpt, then turns the store's match markers into `<mark>`.
pub fn highlight(snippet: &str) -> String {
    escape(snippet)
        .replace(MATCH_START, "<mark>")
        .replace(MATCH_END, "</mark>")
}

/// Searches controls by identifier and text.
pub async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(p): Query<SearchParams>,
) -> PageResult<Page<SearchPage>> {
    let hits = crate::api::search::readable_hits(&state, &viewer, &p.q)
        .await?
        .into_iter()
        .map(|hit| HitView {
            snippet_html: highlight(&hit.snippet),
            hit,
        })
        .collect();
    Ok(Page(SearchPage {
        title: if p.q.is_empty() {
            "Search".into()
        } else {
            format!("Search: {}", p.q)
        },
        chrome: viewer.chrome(&state),
        q: p.q,
        hits,
        limit: LIMIT,
    }))
}
