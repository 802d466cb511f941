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
    pub content_type: &'static str,
}

/// Release artefacts by (spec, release, file), bounded by total size.
/// Entries never go stale: published bytes never change.
pub type ReleaseFiles = charta_app::cache::Bounded<(String, String, String), Served>;

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
    let key = (spec.to_string(), name.to_string(), file.to_string());
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
    state.metrics.artefact_served();
    Ok(state.release_files.insert(
        key,
        Served {
            etag: format!("\"sha256-{}\"", stored.sha256),
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
    if let Ok(v) = HeaderValue::from_str(&served.etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    resp
}
