//! Full-text search over controls.

use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::{OriginalUri, Query, State};
use axum::response::Response;
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

/// Search the newest version of every specification, best matches first,
/// a page at a time. Every word must match (as a word or a word prefix).
/// In `snippet`, matched words are wrapped in U+E000 and U+E001.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", operation_id = "search_controls", params(SearchParams, crate::paging::PageParams),
    responses((status = 200, description = "A page of matching controls, best first; an empty query finds nothing", body = Vec<SearchHit>, headers(("Link" = String, description = "`<…>; rel=\"next\"`: the address of the next page; absent on the last"))),
              (status = 400, description = "`limit` is not 1 to 200, or `after` is not a cursor this list handed out (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<SearchParams>,
    Query(paging): Query<crate::paging::PageParams>,
) -> ApiResult<Response> {
    let request = paging.request()?;
    let readable = readable_slugs(&state, &viewer).await?;
    let page = state.store.search_page(&p.q, &request).await?;
    let items: Vec<SearchHit> = page
        .items
        .into_iter()
        .filter(|h| readable.contains(&h.spec_slug))
        .collect();
    Ok(crate::paging::respond(
        &state.config.public_url,
        &uri,
        items,
        page.next.as_ref(),
    ))
}

/// The slugs of the specifications the viewer may read.
async fn readable_slugs(
    state: &AppState,
    viewer: &Viewer,
) -> Result<std::collections::HashSet<String>, crate::error::Error> {
    Ok(crate::lookup::readable_specs(state, viewer)
        .await?
        .into_iter()
        .map(|s| s.slug)
        .collect())
}

/// Search results in specifications the viewer may read. The store searches
/// everything, so more are fetched than shown and the rest filtered out.
pub async fn readable_hits(
    state: &AppState,
    viewer: &Viewer,
    q: &str,
) -> Result<Vec<SearchHit>, crate::error::Error> {
    let readable = readable_slugs(state, viewer).await?;
    Ok(state
        .store
        .search(q, LIMIT * 4)
        .await?
        .into_iter()
        .filter(|h| readable.contains(&h.spec_slug))
        .take(usize::try_from(LIMIT).unwrap_or(50))
        .collect())
}
