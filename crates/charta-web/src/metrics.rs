//! Prometheus metrics: requests and their latency by route template and
//! status, the database pool, background job runs and their lag, and
//! release artefacts served. Exposed on their own listener
//! (`CHARTA_METRICS_LISTEN`), never on the public port, since route
//! counts tell more about an instance than its visitors need to know.

use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route's template, such as `/specs/{spec}`: bounded, unlike paths.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    job: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobName {
    job: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: String,
}

/// Every metric of one process.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram>,
    job_runs: Family<JobLabels, Counter>,
    job_last_success: Family<JobName, Gauge<f64, AtomicU64>>,
    pool: Family<PoolLabels, Gauge>,
    outbox_pending: Gauge,
    artefacts_served: Counter,
    /// The series of release artefacts answered by the fast path
    /// ([`crate::artefact::WithFastPath`]), looked up once so that counting
    /// one costs an atomic add: 200, 304, and the duration.
    artefact_ok: Counter,
    artefact_not_modified: Counter,
    artefact_durations: Histogram,
}

/// The route template release artefacts are counted under.
const ARTEFACT_ROUTE: &str = "/releases/{spec}/{version}/{file}";

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("charta");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        let durations = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            // 0.5 ms to about 16 s.
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests, by method and route template",
            durations.clone(),
        );
        let job_runs = Family::<JobLabels, Counter>::default();
        registry.register(
            "job_runs",
            "Background job runs, by job and outcome (ok or error)",
            job_runs.clone(),
        );
        let job_last_success = Family::<JobName, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "job_last_success_timestamp_seconds",
            "When each background job last ran without error (Unix time); now minus this is its lag",
            job_last_success.clone(),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections of this process, by state (open or idle)",
            pool.clone(),
        );
        let outbox_pending = Gauge::default();
        registry.register(
            "outbox_pending",
            "E-mails and webhook deliveries waiting to be sent, due or not (a growing number means the mail server or a receiver is not taking them)",
            outbox_pending.clone(),
        );
        let artefacts_served = Counter::default();
        registry.register(
            "release_artefacts_served",
            "Release artefacts answered with their bytes or as not modified",
            artefacts_served.clone(),
        );
        let started = Gauge::<f64, AtomicU64>::default();
        started.set(unix_now());
        registry.register(
            "process_start_time_seconds",
            "When this process started (Unix time)",
            started.clone(),
        );
        let artefact_series = |status: u16| {
            requests
                .get_or_create(&RequestLabels {
                    method: "GET".into(),
                    route: ARTEFACT_ROUTE.into(),
                    status,
                })
                .clone()
        };
        let artefact_ok = artefact_series(200);
        let artefact_not_modified = artefact_series(304);
        let artefact_durations = durations
            .get_or_create(&RouteLabels {
                method: "GET".into(),
                route: ARTEFACT_ROUTE.into(),
            })
            .clone();
        Self {
            registry,
            requests,
            durations,
            artefact_ok,
            artefact_not_modified,
            artefact_durations,
            job_runs,
            job_last_success,
            pool,
            outbox_pending,
            artefacts_served,
        }
    }

    /// Counts one run of a background job.
    pub fn job_ran(&self, job: &str, ok: bool) {
        self.job_runs
            .get_or_create(&JobLabels {
                job: job.into(),
                outcome: if ok { "ok" } else { "error" }.into(),
            })
            .inc();
        if ok {
            self.job_last_success
                .get_or_create(&JobName { job: job.into() })
                .set(unix_now());
        }
    }

    /// Counts one release artefact answered.
    pub fn artefact_served(&self) {
        self.artefacts_served.inc();
    }

    /// Counts a release artefact the fast path answered, as [`record`]
    /// counts every other request.
    pub fn artefact_fast(&self, status: axum::http::StatusCode, seconds: f64) {
        self.artefacts_served.inc();
        match status.as_u16() {
            304 => self.artefact_not_modified.inc(),
            _ => self.artefact_ok.inc(),
        };
        self.artefact_durations.observe(seconds);
    }

    /// The OpenMetrics text of every metric, with the pool and the outbox
    /// read now.
    pub async fn render(&self, store: &charta_store::Store) -> String {
        // A database that cannot answer leaves the last reading.
        if let Ok(n) = store.outbox_pending().await {
            self.outbox_pending.set(n);
        }
        let (open, idle) = store.pool_connections();
        self.pool
            .get_or_create(&PoolLabels {
                state: "open".into(),
            })
            .set(i64::from(open));
        self.pool
            .get_or_create(&PoolLabels {
                state: "idle".into(),
            })
            .set(i64::try_from(idle).unwrap_or(i64::MAX));
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Middleware: counts and times every request by its route template.
pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let method = req.method().as_str().to_string();
    let start = Instant::now();
    let resp = next.run(req).await;
    let elapsed = start.elapsed().as_secs_f64();
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status: resp.status().as_u16(),
        })
        .inc();
    state
        .metrics
        .durations
        .get_or_create(&RouteLabels { method, route })
        .observe(elapsed);
    resp
}

/// `GET /metrics` on the metrics listener.
pub async fn scrape(State(state): State<AppState>) -> Response {
    let mut resp = state.metrics.render(&state.store).await.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    resp
}

/// The router of the metrics listener: `/metrics` and nothing else.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(scrape))
        .with_state(state)
}

/// Serves [`router`] on `listener` until the task is dropped or aborted.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}

impl charta_app::app::JobObserver for Metrics {
    fn job_ran(&self, job: &'static str, ok: bool) {
        Metrics::job_ran(self, job, ok);
    }
}
