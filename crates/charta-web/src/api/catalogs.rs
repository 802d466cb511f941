//! The reference catalogs (CRA, OpenSSF) and what maps to their items.

use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::paging;
use crate::state::AppState;
use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::Response;
pub use charta_app::catalogs::{find_catalog, item_detail};
use charta_domain::catalog::Catalog;
use serde::Serialize;

/// A catalog without its items.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CatalogSummary {
    pub catalog: String,
    pub title: String,
    pub version: String,
    pub publisher: String,
    pub source: String,
    pub items: usize,
}

impl From<&Catalog> for CatalogSummary {
    fn from(c: &Catalog) -> Self {
        Self {
            catalog: c.catalog.clone(),
            title: c.title.clone(),
            version: c.version.clone(),
            publisher: c.publisher.clone(),
            source: c.source.clone(),
            items: c.items().count(),
        }
    }
}

/// List the reference catalogs controls can map to.
/// The catalogs are fixed when the server starts, so a page is a slice of
/// them by position.
#[utoipa::path(get, path = "/api/v1/catalogs", tag = "catalogs", operation_id = "list_catalogs", params(crate::paging::PageParams),
    responses((status = 200, description = "A page of catalogs, without their items", body = Vec<CatalogSummary>, headers(("Link" = String, description = "`<…>; rel=\"next\"`: the address of the next page; absent on the last"))),
              (status = 400, description = "`limit` is not 1 to 200, or `after` is not a cursor this list handed out (`bad_request`)", body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<crate::paging::PageParams>,
) -> ApiResult<Response> {
    let request = p.request()?;
    let start = request.after.as_ref().map_or(0, |k| k.number.max(0));
    let all = state.catalogs.catalogs();
    let items: Vec<CatalogSummary> = all
        .iter()
        .enumerate()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(usize::try_from(request.limit).unwrap_or(usize::MAX))
        .map(|(_, c)| CatalogSummary::from(c))
        .collect();
    let end = start.saturating_add(i64::try_from(items.len()).unwrap_or(i64::MAX));
    let next = (usize::try_from(end).unwrap_or(usize::MAX) < all.len())
        .then(|| charta_store::PageKey::number(end));
    Ok(paging::respond(
        &state.config.public_url,
        &uri,
        items,
        next.as_ref(),
    ))
}

/// One catalog with all its sections and items.
#[utoipa::path(get, path = "/api/v1/catalogs/{catalog}", tag = "catalogs", operation_id = "show_catalog",
    params(("catalog" = String, Path, description = "Catalog slug: cra, openssf-prs or osps-baseline")),
    responses((status = 200, description = "The catalog with its sections and items", body = Catalog),
              (status = 404, description = "No such catalog (`not_found`)", body = crate::error::ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Path(catalog): Path<String>,
) -> ApiResult<Json<Catalog>> {
    let c = find_catalog(&state, &catalog)?;
    Ok(Json(c.clone()))
}

/// One catalog item and every control (newest versions) that maps to it.
#[utoipa::path(get, path = "/api/v1/catalogs/{catalog}/items/{item}", tag = "catalogs", operation_id = "show_catalog_item",
    params(("catalog" = String, Path, description = "Catalog slug"),
           ("item" = String, Path, description = "Item identifier, such as CRA:AnnexI.P2.5")),
    responses((status = 200, description = "The item and the controls, in specifications the caller may read, that map to it", body = ItemDetail),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 404, description = "No such catalog, or no such item in it (`not_found`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn item(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((catalog, item)): Path<(String, String)>,
) -> ApiResult<Json<ItemDetail>> {
    let d = item_detail(&state, &viewer, &catalog, &item).await?;
    Ok(Json(ItemDetail {
        catalog: d.catalog,
        section: d.section,
        item: d.item,
        mapped_controls: d
            .mapped_controls
            .into_iter()
            .map(crate::api::records::MappedControl::from)
            .collect(),
    }))
}

/// A catalog item and the controls that map to it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ItemDetail {
    pub catalog: String,
    pub section: String,
    pub item: charta_domain::catalog::CatalogItem,
    /// Controls in the newest version of each specification.
    pub mapped_controls: Vec<crate::api::records::MappedControl>,
}
