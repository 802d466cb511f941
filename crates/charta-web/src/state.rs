//! The application state every handler receives: the use cases' [`App`]
//! plus what only the HTTP layer needs.

use crate::artefact::ReleaseFiles;
use crate::auth::oidc::Oidc;
use crate::auth::tokens::FailureLimiter;
use crate::config::WebConfig;
use charta_app::{App, Settings};
use charta_domain::CatalogSet;
use charta_store::Store;
use std::ops::Deref;
use std::sync::Arc;

/// Everything a request may need, built once at start-up. Cloning is cheap.
/// It dereferences to the use cases' [`App`], so `state.store` and
/// `charta_app::amend::load(&state, …)` work as they read.
#[derive(Clone)]
pub struct AppState(Arc<Web>);

/// The contents of [`AppState`].
pub struct Web {
    /// What the use cases work with; shared with the background jobs.
    pub app: Arc<App>,
    pub config: WebConfig,
    /// OpenID Connect client; `None` only if its HTTP client could not be
    /// built, in which case sign-in reports an internal error.
    pub oidc: Option<Oidc>,
    /// Failed API token attempts per client address.
    pub token_failures: FailureLimiter,
    /// Published release artefacts, read once from the store.
    pub release_files: ReleaseFiles,
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
        let app = Arc::new(App::new(store, catalogs, config.settings(), release_key));
        Self::around(app, config)
    }

    /// The web layer around a use-case layer built elsewhere.
    pub fn around(app: Arc<App>, config: WebConfig) -> Self {
        let oidc = Oidc::new()
            .inspect_err(|e| tracing::error!("sign-in is unavailable: {e}"))
            .ok();
        let metrics = Arc::new(crate::metrics::Metrics::new());
        let _ = app.observer.set(metrics.clone());
        let state = Self(Arc::new(Web {
            app,
            oidc,
            token_failures: FailureLimiter::new(20, std::time::Duration::from_secs(600)),
            release_files: ReleaseFiles::new(128 * 1024 * 1024),
            expensive_limit: crate::rate::Limiter::new(
                config.expensive_per_minute,
                std::time::Duration::from_secs(60),
            ),
            metrics,
            config,
        }));
        if let Some(dir) = state.config.mirror_dir.clone() {
            let _ = state
                .app
                .after_publish
                .set(Arc::new(crate::mirror::OnPublish::new(&state, dir)));
        }
        state
    }
}

impl WebConfig {
    /// The use cases' share of the settings.
    pub fn settings(&self) -> Settings {
        Settings {
            public_url: self.public_url.clone(),
            ballot_sweep: self.ballot_sweep,
            session_idle: self.session_idle,
            sign_in_ttl: crate::auth::oidc::LOGIN_TTL,
            cpu_workers: self.cpu_workers,
            notify: self.notify.clone(),
            ..Settings::default()
        }
    }
}

impl Deref for AppState {
    type Target = Web;
    fn deref(&self) -> &Web {
        &self.0
    }
}

impl Deref for Web {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl AppState {
    /// A reference that does not keep the state alive.
    pub fn downgrade(&self) -> std::sync::Weak<Web> {
        Arc::downgrade(&self.0)
    }

    /// The state again, if it is still alive.
    pub fn upgrade(weak: &std::sync::Weak<Web>) -> Option<AppState> {
        weak.upgrade().map(AppState)
    }
}
