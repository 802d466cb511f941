//! Full-text search over controls.

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
    responses((status = 200, body = Vec<SearchHit>)))]
pub async fn search(
    State(state): State<AppState>,
    Query(p): Query<SearchParams>,
) -> ApiResult<Json<Vec<SearchHit>>> {
    Ok(Json(state.store.search(&p.q, LIMIT).await?))
}
