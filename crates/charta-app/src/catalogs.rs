//! The reference catalogs as people read them: an item with the controls
//! of readable specifications that map to it.

use crate::app::App;
use crate::error::Error;
use crate::viewer::Viewer;
use charta_domain::catalog::{Catalog, CatalogItem};
use charta_store::MappedControl;

/// A catalog item and the controls that map to it.
#[derive(Debug)]
pub struct ItemDetail {
    pub catalog: String,
    pub section: String,
    pub item: CatalogItem,
    /// Controls in the newest version of each specification.
    pub mapped_controls: Vec<MappedControl>,
}

/// A catalog by its slug.
pub fn find_catalog<'a>(state: &'a App, slug: &str) -> Result<&'a Catalog, Error> {
    state
        .catalogs
        .catalog(slug)
        .ok_or_else(|| Error::NotFound(format!("catalog {slug}")))
}

/// Loads an item of a catalog with the controls mapped to it.
pub async fn item_detail(
    state: &App,
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

/// A reference catalog as an OSCAL catalog, with links to this instance.
/// Built on each request: it is small, and a pure function of the catalog
/// compiled into the binary and the instance's public URL.
pub fn catalog_oscal(state: &App, slug: &str) -> Result<Vec<u8>, Error> {
    let cat = find_catalog(state, slug)?;
    charta_release::reference::catalog(cat, &state.settings.public_url)
        .map_err(|e| Error::Internal(format!("rendering catalog {slug} as OSCAL: {e}")))
}
