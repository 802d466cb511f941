//! The JSON API under `/api/v1/`. Every handler is described in the OpenAPI
//! document served at `/api/v1/openapi.json`.

pub mod account;
pub mod amendments;
pub mod ballots;
pub mod catalogs;
pub mod coverage;
pub mod groups;
pub mod health;
pub mod openapi;
pub mod releases;
pub mod search;
pub mod specs;
pub mod validate;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

/// Answers with `304 Not Modified` when the client already holds `etag`,
/// otherwise with the JSON body. Versions never change, so the tag is the
/// content hash and revalidation costs nothing.
pub(crate) fn json_with_etag(headers: &HeaderMap, etag: &str, body: axum::body::Bytes) -> Response {
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut resp = if matches {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(Body::from(body));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        r
    };
    if let Ok(v) = HeaderValue::from_str(etag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}
