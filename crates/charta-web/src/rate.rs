//! Per-client limits on the expensive public endpoints: validating a file,
//! diffs, search, coverage and feeds. Each costs real work and needs no
//! account, so without a limit one client could keep the server busy.
//!
//! Every client address has a bucket of `per_window` requests that refills
//! evenly over the window; a request finding it empty is answered `429 Too
//! Many Requests` with `Retry-After`. Behind a reverse proxy the address is
//! the client's (see [`crate::client_addr`]).

use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Token buckets per client address.
pub struct Limiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<Option<IpAddr>, (f64, Instant)>>,
}

impl Limiter {
    /// `per_window` requests per `window`, with bursts up to `per_window`.
    /// Zero turns the limit off.
    pub fn new(per_window: u32, window: Duration) -> Self {
        let capacity = f64::from(per_window);
        Self {
            capacity,
            per_second: capacity / window.as_secs_f64().max(1e-3),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `client`'s bucket, or says how long until
    /// one is available.
    pub fn take(&self, client: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        if self.capacity <= 0.0 {
            return Ok(());
        }
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() > 50_000 {
            // Forget clients whose buckets have refilled: they are as new.
            let (capacity, rate) = (self.capacity, self.per_second);
            buckets.retain(|_, (level, at)| {
                *level + now.duration_since(*at).as_secs_f64() * rate < capacity
            });
        }
        let (level, at) = buckets.entry(client).or_insert((self.capacity, now));
        let refilled =
            (*level + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.capacity);
        *at = now;
        if refilled >= 1.0 {
            *level = refilled - 1.0;
            Ok(())
        } else {
            *level = refilled;
            Err(Duration::from_secs_f64(
                ((1.0 - refilled) / self.per_second).max(1.0),
            ))
        }
    }
}

/// Whether a path is one of the expensive public endpoints.
pub fn is_expensive(path: &str) -> bool {
    path == "/api/v1/validate"
        || path == "/search"
        || path == "/api/v1/search"
        || path.starts_with("/feeds/")
        || (path.starts_with("/specs/") || path.starts_with("/api/v1/specs/"))
            && (path.ends_with("/diff") || path.ends_with("/coverage"))
}

/// Marks a request the instance makes of its own router (the static
/// mirror). It exists only in request extensions, which no client can set.
#[derive(Debug, Clone, Copy)]
pub struct Internal;

/// Middleware: applies [`Limiter`] to the expensive endpoints.
pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !is_expensive(req.uri().path()) || req.extensions().get::<Internal>().is_some() {
        return next.run(req).await;
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let client = crate::client_addr::client_ip(req.headers(), peer, &state.config.trusted_proxies);
    match state.expensive_limit.take(client, Instant::now()) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            let seconds = wait.as_secs().max(1);
            let error = crate::error::Error::TooManyRequests(format!(
                "too many requests to this endpoint from your address; try again in {seconds} second{}",
                if seconds == 1 { "" } else { "s" }
            ));
            let mut resp = if req.uri().path().starts_with("/api/") {
                crate::error::ApiError(error).into_response()
            } else {
                crate::error::PageError(error).into_response()
            };
            if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            resp
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refill_over_the_window_per_client() {
        let l = Limiter::new(3, Duration::from_secs(60));
        let t = Instant::now();
        let a: Option<IpAddr> = "192.0.2.1".parse().ok();
        let b: Option<IpAddr> = "192.0.2.2".parse().ok();
        for _ in 0..3 {
            assert!(l.take(a, t).is_ok());
        }
        let wait = l.take(a, t).unwrap_err();
        assert!(
            wait >= Duration::from_secs(19) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(l.take(b, t).is_ok(), "another client has its own bucket");
        assert!(
            l.take(a, t + Duration::from_secs(20)).is_ok(),
            "one request refilled"
        );
        assert!(l.take(a, t + Duration::from_secs(20)).is_err());
        assert!(
            Limiter::new(0, Duration::from_secs(60)).take(a, t).is_ok(),
            "0 turns it off"
        );
    }

    #[test]
    fn the_expensive_endpoints() {
        for p in [
            "/api/v1/validate",
            "/search",
            "/api/v1/search",
            "/feeds/clauses/CRA:AnnexI.P2.5.atom",
            "/specs/s/diff",
            "/api/v1/specs/s/diff",
            "/specs/s/versions/3/coverage",
            "/api/v1/specs/s/versions/3/coverage",
        ] {
            assert!(is_expensive(p), "{p}");
        }
        for p in [
            "/",
            "/specs/s",
            "/api/v1/specs/s/versions/3",
            "/healthz",
            "/releases/s/1.0.0/",
        ] {
            assert!(!is_expensive(p), "{p}");
        }
    }
}
