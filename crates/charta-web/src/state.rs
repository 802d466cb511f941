//! The application state every handler receives.

use crate::auth::oidc::Oidc;
use crate::auth::tokens::FailureLimiter;
use crate::cache::{Memo, SpecCache, VersionCache};
use crate::config::WebConfig;
use crate::release::ReleaseFiles;
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
    /// OpenID Connect client; `None` only if its HTTP client could not be
    /// built, in which case sign-in reports an internal error.
    pub oidc: Option<Oidc>,
    /// Parsed amendment revisions by content hash.
    pub revisions: SpecCache,
    /// The controls a revision changes against its base, by revision hash
    /// and base version, for flagging overlapping amendments.
    pub changed_controls: Memo<std::collections::BTreeSet<String>>,
    /// How a revision changed its amendment compared with the one before,
    /// by the two revisions' texts and bases: stored revisions never
    /// change, so the merge gate compares each pair once per process.
    pub revision_changes: Memo<charta_domain::diff::TextChange>,
    /// Failed API token attempts per client address.
    pub token_failures: FailureLimiter,
    /// The key that signs releases; `None` when none is configured, in
    /// which case publishing is refused and the public key is not served.
    pub release_key: Option<Arc<charta_release::SigningKey>>,
    /// Published release artefacts, read once from the store.
    pub release_files: ReleaseFiles,
    /// Where CPU-heavy work runs, a bounded number at once.
    pub cpu: crate::cpu::Pool,
    /// Requests to the expensive public endpoints per client address.
    pub expensive_limit: crate::rate::Limiter,
    /// This process's Prometheus metrics, shared with the background jobs.
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl AppState {
    pub fn new(store: Store, catalogs: Arc<CatalogSet>, config: WebConfig) -> Self {
        Self::with_release_key(store, catalogs, config, None)
    }

    /// Like [`AppState::new`], with the key that signs releases.
    pub fn with_release_key(
        store: Store,
        catalogs: Arc<CatalogSet>,
        config: WebConfig,
        release_key: Option<charta_release::SigningKey>,
    ) -> Self {
        let oidc = Oidc::new()
            .inspect_err(|e| tracing::error!("sign-in is unavailable: {e}"))
            .ok();
        Self(Arc::new(App {
            store,
            catalogs,
            versions: VersionCache::new(64 * 1024 * 1024),
            oidc,
            revisions: SpecCache::new(64 * 1024 * 1024),
            changed_controls: Memo::new(4096),
            revision_changes: Memo::new(4096),
            token_failures: FailureLimiter::new(20, std::time::Duration::from_secs(600)),
            release_key: release_key.map(Arc::new),
            release_files: ReleaseFiles::new(128 * 1024 * 1024),
            cpu: crate::cpu::Pool::new(config.cpu_workers),
            expensive_limit: crate::rate::Limiter::new(
                config.expensive_per_minute,
                std::time::Duration::from_secs(60),
            ),
            metrics: Arc::new(crate::metrics::Metrics::new()),
            config,
        }))
    }
}

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}
