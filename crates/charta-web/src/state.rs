//! The application state every handler receives.

use crate::cache::VersionCache;
use crate::config::WebConfig;
use charta_domain::CatalogSet;
use charta_store::Store;
use std::ops::Deref;
use std::sync::Arc;

/// Everything a request may need, built once at start-up. Cloning is cheap.
#[derive(Clone)]
pub struct AppState(Arc<App>);

/// The contents of [`AppState`].
pub struct App {
    pub store: Store,
    pub catalogs: Arc<CatalogSet>,
    pub config: WebConfig,
    /// Parsed, serialised spec versions; versions never change, so entries
    /// never go stale.
    pub versions: VersionCache,
}

impl AppState {
    pub fn new(store: Store, catalogs: Arc<CatalogSet>, config: WebConfig) -> Self {
        Self(Arc::new(App {
            store,
            catalogs,
            config,
            versions: VersionCache::new(64 * 1024 * 1024),
        }))
    }
}

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}
