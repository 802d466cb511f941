//! The reference catalogs (CRA, OpenSSF) and what maps to their items.

use crate::auth::Viewer;
use crate::error::{ApiResult, Error};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use charta_domain::catalog::{Catalog, CatalogItem};
use charta_store::MappedControl;
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
#[utoipa::path(get, path = "/api/v1/catalogs", tag = "catalogs",
    responses((status = 200, body = Vec<CatalogSummary>)))]
pub async fn list(State(state): State<AppState>) -> Json<Vec<CatalogSummary>> {
    Json(
        state
            .catalogs
            .catalogs()
            .iter()
            .map(CatalogSummary::from)
            .collect(),
    )
}

/// One catalog with all its sections and items.
#[utoipa::path(get, path = "/api/v1/catalogs/{catalog}", tag = "catalogs",
    params(("catalog" = String, Path, description = "Catalog slug: cra, openssf-prs or osps-baseline")),
    responses((status = 200, body = Catalog), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Path(catalog): Path<String>,
) -> ApiResult<Json<Catalog>> {
    let c = find_catalog(&state, &catalog)?;
    Ok(Json(c.clone()))
}

/// A catalog item and the controls that map to it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ItemDetail {
    pub catalog: String,
    pub section: String,
    pub item: CatalogItem,
    /// Controls in the newest version of each specification.
    pub mapped_controls: Vec<MappedControl>,
}

/// One catalog item and every control (newest versions) that maps to it.
#[utoipa::path(get, path = "/api/v1/catalogs/{catalog}/items/{item}", tag = "catalogs",
    params(("catalog" = String, Path, description = "Catalog slug"),
           ("item" = String, Path, description = "Item identifier, such as CRA:AnnexI.P2.5")),
    responses((status = 200, body = ItemDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn item(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((catalog, item)): Path<(String, String)>,
) -> ApiResult<Json<ItemDetail>> {
    Ok(Json(item_detail(&state, &viewer, &catalog, &item).await?))
}

pub(crate) fn find_catalog<'a>(state: &'a AppState, slug: &str) -> Result<&'a Catalog, Error> {
    state
        .catalogs
        .catalog(slug)
        .ok_or_else(|| Error::NotFound(format!("catalog {slug}")))
}

/// Loads an item of a catalog with the controls mapped to it.
pub async fn item_detail(
    state: &AppState,
    viewer: &Viewer,
    catalog: &str,
    item: &str,
) -> Result<ItemDetail, Error> {
    find_catalog(state, catalog)?;
    let r = state
        .catalogs
        .item(item)
        .filter(|r| r.catalog.catalog == catalog)
        .ok_or_else(|| Error::NotFound(format!("item {item} in catalog {catalog}")))?;
    let readable: std::collections::HashSet<String> = crate::lookup::readable_specs(state, viewer)
        .await?
        .into_iter()
        .map(|s| s.slug)
        .collect();
    let mapped_controls = state
        .store
        .controls_mapping_to(item)
        .await?
        .into_iter()
        .filter(|m| readable.contains(&m.spec_slug))
        .collect();
    Ok(ItemDetail {
        catalog: r.catalog.catalog.clone(),
        section: r.section.title.clone(),
        item: r.item.clone(),
        mapped_controls,
    })
}
