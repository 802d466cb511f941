//! Serving release artefacts (publishing is `charta_app::release`).
//! Serving reads the stored bytes once into a bounded cache; they never
//! change, so they are served with strong ETags and as immutable.

use crate::auth::Viewer;
use crate::error::Error;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use std::sync::Arc;

/// An artefact ready to serve.
#[derive(Debug)]
pub struct Served {
    pub bytes: Bytes,
    /// Strong entity tag: the SHA-256 of the bytes.
    pub etag: String,
    /// The same, ready to send.
    pub etag_header: HeaderValue,
    pub content_type: &'static str,
}

/// Release artefacts by `{spec}/{release}/{file}` (the path below
/// `/releases/`, so the fast path looks one up without building a key),
/// bounded by total size. Entries never go stale: published bytes never
/// change.
pub type ReleaseFiles = charta_app::cache::Bounded<String, Served>;

/// The media type of a release file, by name.
fn content_type(name: &str) -> &'static str {
    if name.ends_with(".json") || name == charta_release::SIGNATURE {
        "application/json"
    } else if name.ends_with(".csv") {
        "text/csv; charset=utf-8"
    } else if name.ends_with(".odt") {
        "application/vnd.oasis.opendocument.text"
    } else if name.ends_with(".yaml") {
        "application/yaml"
    } else if name.ends_with(".html") {
        "text/html; charset=utf-8"
    } else if name.ends_with(".md") {
        "text/markdown; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}

pub use charta_app::release::load;

/// An artefact of a release, from the cache or the store.
pub async fn artefact(
    state: &AppState,
    viewer: &Viewer,
    spec: &str,
    name: &str,
    file: &str,
) -> Result<Arc<Served>, Error> {
    let key = format!("{spec}/{name}/{file}");
    // Releases exist only for public specifications, but a specification
    // can never go back to draft, so the cache is safe to answer first.
    if let Some(hit) = state.release_files.get(&key) {
        state.metrics.artefact_served();
        return Ok(hit);
    }
    let (_, release) = load(state, viewer, spec, name).await?;
    let stored = state
        .store
        .release_file(release.id, file)
        .await
        .map_err(|_| Error::NotFound(format!("file {file} of release {name}")))?;
    let weight = stored.content.len();
    let etag = format!("\"sha256-{}\"", stored.sha256);
    state.metrics.artefact_served();
    Ok(state.release_files.insert(
        key,
        Served {
            etag_header: HeaderValue::from_str(&etag)
                .map_err(|e| Error::Internal(format!("release file {file}'s hash: {e}")))?,
            etag,
            content_type: content_type(file),
            bytes: Bytes::from(stored.content),
        },
        weight,
    ))
}

/// Answers with the artefact, or `304 Not Modified` when the client holds
/// it already; either way as immutable for a year.
pub fn respond(headers: &HeaderMap, served: &Served) -> Response {
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == served.etag || t.trim() == "*")
        });
    let mut resp = if matches {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(Body::from(served.bytes.clone()));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(served.content_type),
        );
        r
    };
    let h = resp.headers_mut();
    h.insert(header::ETAG, served.etag_header.clone());
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    resp
}

/// What the fast path needs: the state and the hosts Charta answers for.
struct FastPath {
    state: AppState,
    hosts: Vec<String>,
    headers: [(header::HeaderName, HeaderValue); 7],
}

/// The application as `charta serve` runs it: release artefacts already in
/// the cache are answered in front of the router, everything else by the
/// router with all its layers.
///
/// Published bytes never change and are public, so there is nothing to
/// check but the host, and the answer (most often `304 Not Modified` to a
/// cache revalidating) costs a lookup: no routing, no middleware. A cache
/// miss, a percent-encoded name, `HEAD` or any other method takes the full
/// stack. The request is still counted in the metrics under its route; it
/// gets no request id and no log line, as a static file server's would not.
#[derive(Clone)]
pub struct WithFastPath {
    fast: Arc<FastPath>,
    router: axum::Router,
}

impl WithFastPath {
    pub fn new(state: AppState, router: axum::Router) -> WithFastPath {
        WithFastPath {
            fast: Arc::new(FastPath {
                hosts: state.config.allowed_hosts(),
                headers: crate::middleware::security_headers(),
                state,
            }),
            router,
        }
    }
}

impl tower::Service<axum::extract::Request> for WithFastPath {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = futures_util::future::Either<
        std::future::Ready<Result<Response, std::convert::Infallible>>,
        <axum::Router as tower::Service<axum::extract::Request>>::Future,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        tower::Service::<axum::extract::Request>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, req: axum::extract::Request) -> Self::Future {
        match fast_answer(&self.fast, &req) {
            Some(resp) => futures_util::future::Either::Left(std::future::ready(Ok(resp))),
            None => futures_util::future::Either::Right(self.router.call(req)),
        }
    }
}

fn fast_answer(fast: &FastPath, req: &axum::extract::Request) -> Option<Response> {
    if req.method() != axum::http::Method::GET {
        return None;
    }
    let rest = req.uri().path().strip_prefix("/releases/")?;
    // Percent-encoded names go the long way, where they are decoded.
    if rest.contains('%') {
        return None;
    }
    let mut parts = rest.split('/');
    let (spec, name, file) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || spec.is_empty() || name.is_empty() || file.is_empty() {
        return None;
    }
    if let Some(host) = req.headers().get(header::HOST) {
        let host = host.to_str().ok()?;
        if !fast.hosts.iter().any(|a| a.eq_ignore_ascii_case(host)) {
            return None;
        }
    }
    let start = std::time::Instant::now();
    let served = fast.state.release_files.get(rest)?;
    let mut resp = respond(req.headers(), &served);
    let h = resp.headers_mut();
    for (name, value) in &fast.headers {
        h.insert(name.clone(), value.clone());
    }
    fast.state
        .metrics
        .artefact_fast(resp.status(), start.elapsed().as_secs_f64());
    Some(resp)
}
