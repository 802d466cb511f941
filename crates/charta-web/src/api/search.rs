//! Full-text search over controls.

use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use charta_store::SearchHit;
use serde::Deserialize;

/// Search parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SearchParams {
    /// Words to find in control identifiers, titles, statements and guidance.
    #[serde(default)]
    pub q: String,
}

/// Most results returned by one search.
pub const LIMIT: i64 = 50;

/// Search the newest version of every specification. Every word must match
/// (as a word or a word prefix). In `snippet`, matched words are wrapped in
/// U+E000 and U+E001.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    responses((status = 200, body = Vec<SearchHit>),
              (status = 429, body = crate::error::ErrorBody, description = "Too many requests from this address; `Retry-After` says when to try again")))]
pub async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(p): Query<SearchParams>,
) -> ApiResult<Json<Vec<SearchHit>>> {
    Ok(Json(readable_hits(&state, &viewer, &p.q).await?))
}

/// Search results in specifications the viewer may read. The store searches
/// everything, so more are fetched than shown and the rest filtered out.
pub async fn readable_hits(
    state: &AppState,
    viewer: &Viewer,
    q: &str,
) -> Result<Vec<SearchHit>, crate::error::Error> {
    let readable: std::collections::HashSet<String> = crate::lookup::readable_specs(state, viewer)
        .await?
        .into_iter()
        .map(|s| s.slug)
        .collect();
    Ok(state
        .store
        .search(q, LIMIT * 4)
        .await?
        .into_iter()
        .filter(|h| readable.contains(&h.spec_slug))
        .take(usize::try_from(LIMIT).unwrap_or(50))
        .collect())
}
