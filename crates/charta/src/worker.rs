//! `charta worker`: the background jobs without the web server.

use crate::cli::{WorkerArgs, catalogs, shutdown_signal};
use anyhow::{Context, Result};
use charta_app::{App, Settings};
use std::sync::Arc;
use std::time::Duration;

/// Runs every job on its interval until Ctrl-C or SIGTERM. The jobs are
/// safe beside web nodes that run them too, and beside other workers.
pub async fn run(a: WorkerArgs) -> Result<()> {
    let key = crate::cli::release_key(&a.release_key, false)?;
    let store = crate::cli::open_current(&a.db, true).await?;
    let settings = Settings {
        public_url: a.public_url.trim_end_matches('/').to_string(),
        ballot_sweep: Duration::from_secs(a.ballot_sweep_seconds),
        notify: a.notify.settings(false)?,
        ..Settings::default()
    };
    let app = Arc::new(App::new(
        store.clone(),
        Arc::new(catalogs()?),
        settings,
        Some(key),
    ));
    // Job runs are counted where Prometheus can read them.
    let metrics = match a.metrics_listen {
        Some(at) => {
            let state = charta_web::AppState::around(app.clone(), charta_web::WebConfig::default());
            let l = tokio::net::TcpListener::bind(at)
                .await
                .with_context(|| format!("cannot listen for metrics on {at}"))?;
            tracing::info!(listen = %at, "metrics at http://{at}/metrics");
            Some(tokio::spawn(async move {
                if let Err(e) = charta_web::metrics::serve(l, state).await {
                    tracing::warn!("the metrics listener stopped: {e}");
                }
            }))
        }
        None => None,
    };
    let names: Vec<&str> = charta_app::jobs::all(&app.settings)
        .iter()
        .map(|(n, _)| *n)
        .collect();
    tracing::info!(jobs = ?names, backend = store.backend().as_str(), "worker running");
    let jobs = charta_app::jobs::spawn(app);
    shutdown_signal().await;
    drop(jobs);
    if let Some(m) = metrics {
        m.abort();
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}
