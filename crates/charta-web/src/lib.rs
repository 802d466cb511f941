//! Charta's HTTP layer: the JSON API under `/api/v1/`, server-rendered pages
//! at the same paths without the prefix, and the middleware both share.
//!
//! [`router`] builds the complete application from an [`AppState`], so tests
//! drive exactly what production serves. Every route is declared once in
//! [`routes::table`], which is also what the OpenAPI and route-coverage tests
//! read.

pub mod api;
pub mod artefact;
pub mod auth;

pub mod checkpoint;
pub mod client_addr;
pub mod config;
pub mod error;
pub mod markdown;
pub mod metrics;
pub mod middleware;
pub mod mirror;
pub mod pages;
pub mod paging;
pub mod params;
pub mod rate;
pub mod redirect;
pub mod routes;
pub mod state;

pub use config::WebConfig;
pub use routes::{router, service};
pub use state::AppState;

use std::future::Future;
use tokio::net::TcpListener;

/// Serves the application on `listener` until `shutdown` completes, then
/// finishes requests in flight before returning.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Ballots close at their deadline whether or not anyone is looking;
    // sessions expire and the audit log is signed (see `charta_app::jobs`).
    let jobs = state
        .config
        .run_jobs
        .then(|| charta_app::jobs::spawn(state.app.clone()));
    // No request outlives the request timeout, so once shutdown starts the
    // requests in flight finish within it; a connection that still holds
    // the server after that (a client that never reads) does not keep the
    // process alive, and a single SIGTERM always ends it.
    let grace = state.config.request_timeout + std::time::Duration::from_secs(1);
    let app = service(state);
    let (stopping_tx, stopping) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        tracing::info!("shutting down: no new connections, finishing requests in flight");
        let _ = stopping_tx.send(());
    };
    // Client addresses are needed to rate-limit failed token attempts.
    let server = axum::serve(
        listener,
        axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
            std::net::SocketAddr,
        >(app),
    )
    .with_graceful_shutdown(signal);
    let deadline = async move {
        if stopping.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    let served = tokio::select! {
        served = server => served,
        () = deadline => {
            tracing::warn!(?grace, "connections still open after the shutdown grace period; stopping anyway");
            Ok(())
        }
    };
    drop(jobs);
    served
}
