//! Full-text search over controls.

use crate::api::records::SearchResult;
use crate::auth::Viewer;
use crate::error::ApiResult;
pub use crate::params::SearchParams;
use crate::state::AppState;
use axum::extract::{OriginalUri, Query, State};
use axum::response::Response;
use charta_app::search;

/// Search the newest version of every specification, best matches first,
/// a page at a time. Every word must match (as a word or a word prefix).
/// In `snippet`, matched words are wrapped in U+E000 and U+E001.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", operation_id = "search_controls", params(SearchParams, crate::paging::PageParams),
    responses((status = 200, description = "A page of matching controls, best first; an empty query finds nothing", body = Vec<SearchResult>, headers(("Link" = String, description = "`<…>; rel=\"next\"`: the address of the next page; absent on the last"))),
              (status = 400, description = "`limit` is not 1 to 200, or `after` is not a cursor this list handed out (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<SearchParams>,
    Query(paging): Query<crate::paging::PageParams>,
) -> ApiResult<Response> {
    let request = paging.request()?;
    let readable = search::readable_slugs(&state, &viewer).await?;
    let page = state.store.search_page(&p.q, &request).await?;
    let items: Vec<SearchResult> = page
        .items
        .into_iter()
        .filter(|h| readable.contains(&h.spec_slug))
        .map(SearchResult::from)
        .collect();
    Ok(crate::paging::respond(
        &state.config.public_url,
        &uri,
        items,
        page.next.as_ref(),
    ))
}
