//! Reference catalog pages.

use super::Page;
use super::view::catalog_label;
use crate::api::catalogs::{ItemDetail, find_catalog, item_detail};
use crate::error::PageResult;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use charta_domain::Catalog;

#[derive(Template)]
#[template(path = "catalogs.html")]
pub struct CatalogsPage {
    pub title: String,
    pub demo: bool,
    pub catalogs: Vec<Catalog>,
}

/// Every reference catalog.
pub async fn list(State(state): State<AppState>) -> PageResult<Page<CatalogsPage>> {
    Ok(Page(CatalogsPage {
        title: "Reference catalogs".into(),
        demo: state.config.demo,
        catalogs: state.catalogs.catalogs().to_vec(),
    }))
}

#[derive(Template)]
#[template(path = "catalog.html")]
pub struct CatalogPage {
    pub title: String,
    pub demo: bool,
    pub catalog: Catalog,
    pub description_html: String,
}

/// One catalog with all its items.
pub async fn catalog(
    State(state): State<AppState>,
    Path(catalog): Path<String>,
) -> PageResult<Page<CatalogPage>> {
    let c = find_catalog(&state, &catalog)?.clone();
    Ok(Page(CatalogPage {
        title: c.title.clone(),
        demo: state.config.demo,
        description_html: crate::markdown::render(&c.description),
        catalog: c,
    }))
}

#[derive(Template)]
#[template(path = "catalog_item.html")]
pub struct ItemPage {
    pub title: String,
    pub demo: bool,
    pub catalog_title: String,
    pub catalog_label: &'static str,
    pub detail: ItemDetail,
}

/// One catalog item and the controls that map to it.
pub async fn item(
    State(state): State<AppState>,
    Path((catalog, item)): Path<(String, String)>,
) -> PageResult<Page<ItemPage>> {
    let detail = item_detail(&state, &catalog, &item).await?;
    let catalog_title = find_catalog(&state, &catalog)?.title.clone();
    Ok(Page(ItemPage {
        title: format!("{} {}", detail.item.id, detail.item.title),
        demo: state.config.demo,
        catalog_label: catalog_label(&catalog),
        catalog_title,
        detail,
    }))
}
