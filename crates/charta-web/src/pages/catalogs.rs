//! Reference catalog pages.

use super::Page;
use super::view::catalog_label;
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::PageResult;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use charta_app::catalogs::{ItemDetail, catalog_oscal, find_catalog, item_detail};
use charta_domain::Catalog;

#[derive(Template)]
#[template(path = "catalogs/list.html")]
pub struct CatalogsPage {
    pub title: String,
    pub chrome: Chrome,
    pub catalogs: Vec<Catalog>,
}

/// Every reference catalog.
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> PageResult<Page<CatalogsPage>> {
    Ok(Page(CatalogsPage {
        title: "Reference catalogs".into(),
        chrome: viewer.chrome(&state),
        catalogs: state.catalogs.catalogs().to_vec(),
    }))
}

#[derive(Template)]
#[template(path = "catalogs/show.html")]
pub struct CatalogPage {
    pub title: String,
    pub chrome: Chrome,
    pub catalog: Catalog,
    pub description_html: String,
}

/// One catalog with all its items.
pub async fn catalog(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(catalog): Path<String>,
) -> PageResult<Page<CatalogPage>> {
    let c = find_catalog(&state, &catalog)?.clone();
    Ok(Page(CatalogPage {
        title: c.title.clone(),
        chrome: viewer.chrome(&state),
        description_html: crate::markdown::render(&c.description),
        catalog: c,
    }))
}

#[derive(Template)]
#[template(path = "catalogs/item.html")]
pub struct ItemPage {
    pub title: String,
    pub chrome: Chrome,
    pub catalog_title: String,
    pub catalog_label: &'static str,
    pub detail: ItemDetail,
    /// Follow releases that map to the item.
    pub follow: super::follows::FollowButton,
    pub follow_what: &'static str,
}

/// One catalog item and the controls that map to it.
pub async fn item(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((catalog, item)): Path<(String, String)>,
) -> PageResult<Page<ItemPage>> {
    let detail = item_detail(&state, &viewer, &catalog, &item).await?;
    let catalog_title = find_catalog(&state, &catalog)?.title.clone();
    let follow = super::follows::FollowButton::of(
        &state,
        &viewer,
        charta_domain::notify::FollowKind::Clause,
        &detail.item.id,
    )
    .await?;
    Ok(Page(ItemPage {
        follow,
        follow_what: "releases that map a control to it",
        title: format!("{} {}", detail.item.id, detail.item.title),
        chrome: viewer.chrome(&state),
        catalog_label: catalog_label(&catalog),
        catalog_title,
        detail,
    }))
}

/// A reference catalog as an OSCAL 1.2.3 catalog, the document releases'
/// mapping collections point at. It changes only when Charta is upgraded,
/// so it is served with its SHA-256 as a strong ETag and a short lifetime.
pub async fn oscal(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(catalog): Path<String>,
) -> PageResult<axum::response::Response> {
    let bytes = catalog_oscal(&state, &catalog)?;
    let etag = format!(
        "\"sha256-{}\"",
        charta_release::manifest::sha256_hex(&bytes)
    );
    let served = crate::artefact::Served {
        etag_header: axum::http::HeaderValue::from_str(&etag)
            .map_err(|e| crate::error::Error::Internal(format!("the catalog's hash: {e}")))?,
        etag,
        content_type: "application/json",
        bytes: bytes.into(),
    };
    let mut resp = crate::artefact::respond(&headers, &served);
    resp.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(resp)
}
