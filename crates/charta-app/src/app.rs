//! [`App`]: what every use case works with, built once per process.

use crate::cache::{Memo, SpecCache, VersionCache};
use crate::cpu::Pool;
use charta_domain::CatalogSet;
use charta_store::{ReleaseRow, Store};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The settings the use cases and jobs need; the binary fills them from
/// flags and `CHARTA_*` variables.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The address people reach Charta at, without a trailing slash: named
    /// in releases and audit checkpoints.
    pub public_url: String,
    /// How often to look for ballots past their deadline.
    pub ballot_sweep: Duration,
    /// A session ends after this long without a request.
    pub session_idle: time::Duration,
    /// An unfinished sign-in is forgotten after this long.
    pub sign_in_ttl: time::Duration,
    /// How often to look for work: purging sessions and sign-ins.
    pub purge_every: Duration,
    /// How often to check whether the audit log needs a new checkpoint.
    pub checkpoint_every: Duration,
    /// How many CPU-heavy pieces of work run at once.
    pub cpu_workers: usize,
    /// E-mail and webhooks.
    pub notify: crate::notify::NotifySettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: "http://127.0.0.1:8080".into(),
            ballot_sweep: Duration::from_secs(15),
            session_idle: time::Duration::hours(2),
            sign_in_ttl: time::Duration::minutes(10),
            purge_every: Duration::from_secs(600),
            checkpoint_every: Duration::from_secs(3600),
            cpu_workers: Pool::default_size(),
            notify: crate::notify::NotifySettings::default(),
        }
    }
}

/// Something to do after a release is published, such as bringing a
/// static mirror up to date. It runs after the release is stored; a
/// failure is the hook's to report and never undoes the release.
pub trait AfterPublish: Send + Sync {
    fn published<'a>(
        &'a self,
        release: &'a ReleaseRow,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
}

/// Told when a background job has run, for metrics.
pub trait JobObserver: Send + Sync {
    fn job_ran(&self, job: &'static str, ok: bool);
}

/// An observer that only logs (which the jobs do anyway).
pub struct Quiet;

impl JobObserver for Quiet {
    fn job_ran(&self, _job: &'static str, _ok: bool) {}
}

/// Everything a use case may need. Cloning the surrounding `Arc` is cheap;
/// the caches inside are shared.
pub struct App {
    pub store: Store,
    pub catalogs: Arc<CatalogSet>,
    pub settings: Settings,
    /// Parsed, serialised spec versions; versions never change, so entries
    /// never go stale.
    pub versions: VersionCache,
    /// Parsed amendment revisions by content hash.
    pub revisions: SpecCache,
    /// The controls a revision changes against its base, by revision hash
    /// and base version, for flagging overlapping amendments.
    pub changed_controls: Memo<std::collections::BTreeSet<String>>,
    /// How a revision changed its amendment compared with the one before,
    /// by the two revisions' texts and bases: stored revisions never
    /// change, so the merge gate compares each pair once per process.
    pub revision_changes: Memo<charta_domain::diff::TextChange>,
    /// The key that signs releases and checkpoints; `None` when none is
    /// configured, in which case publishing is refused.
    pub release_key: Option<Arc<charta_release::SigningKey>>,
    /// Where CPU-heavy work runs, a bounded number at once.
    pub cpu: Pool,
    /// Run after each publication (see [`AfterPublish`]); set once.
    pub after_publish: OnceLock<Arc<dyn AfterPublish>>,
    /// Told about each job run.
    pub observer: OnceLock<Arc<dyn JobObserver>>,
    /// Sends mail; `None` when mail is off or its settings are unusable
    /// (which [`crate::notify::mail::Mailer::new`] reports at start-up).
    mailer: Option<crate::notify::mail::Mailer>,
}

impl App {
    pub fn new(
        store: Store,
        catalogs: Arc<CatalogSet>,
        settings: Settings,
        release_key: Option<charta_release::SigningKey>,
    ) -> Self {
        App {
            store,
            catalogs,
            versions: VersionCache::new(64 * 1024 * 1024),
            revisions: SpecCache::new(64 * 1024 * 1024),
            changed_controls: Memo::new(4096),
            revision_changes: Memo::new(4096),
            release_key: release_key.map(Arc::new),
            cpu: Pool::new(settings.cpu_workers),
            after_publish: OnceLock::new(),
            observer: OnceLock::new(),
            mailer: match settings.notify.mail_on() {
                true => crate::notify::mail::Mailer::new(&settings.notify)
                    .map_err(|e| tracing::error!(error = %e, "mail is off"))
                    .ok(),
                false => None,
            },
            settings,
        }
    }

    /// The mail sender, when mail is on.
    pub fn mailer(&self) -> Option<&crate::notify::mail::Mailer> {
        self.mailer.as_ref()
    }

    /// Reports a job run to the observer, if one is set.
    pub fn job_ran(&self, job: &'static str, ok: bool) {
        if let Some(o) = self.observer.get() {
            o.job_ran(job, ok);
        }
    }
}
