//! The JSON API under `/api/v1/`. Every handler is described in the OpenAPI
//! document served at `/api/v1/openapi.json`.

pub mod account;
pub mod amendments;
pub mod assessments;
pub mod ballots;
pub mod catalogs;
pub mod coverage;
pub mod delegations;
pub mod edits;
pub mod groups;
pub mod health;
pub mod members;
pub mod notifications;
pub mod openapi;
pub mod publishing;
pub mod records;
pub mod releases;
pub mod review;
pub mod search;
pub mod specs;
pub mod validate;
pub mod voting;
pub mod webhooks;
pub mod work;

use crate::error::Error;
use axum::Json;
use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

/// A response body in two encodings: as is, and gzip-compressed when that
/// is worth it. Each has its own strong entity tag, as HTTP requires of
/// different representations.
pub(crate) struct Encoded<'a> {
    pub etag: &'a str,
    pub body: axum::body::Bytes,
    /// The gzip representation and its tag.
    pub gzip: Option<(&'a str, axum::body::Bytes)>,
}

/// Whether the client accepts gzip: `Accept-Encoding` names `gzip` (or `*`)
/// without `q=0`.
pub(crate) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

/// Answers with `304 Not Modified` when the client already holds the
/// representation it asks for, otherwise with the JSON body, gzip-encoded
/// for clients that accept it. Versions never change, so the tag is the
/// content hash and revalidation costs nothing.
pub(crate) fn json_with_etag(headers: &HeaderMap, e: Encoded<'_>) -> Response {
    let (etag, body, gzipped) = match e.gzip {
        Some((tag, gz)) if accepts_gzip(headers) => (tag, gz, true),
        _ => (e.etag, e.body, false),
    };
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
        if gzipped {
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        r
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    resp
}

/// The JSON body of a request, or a `400` that shows the `shape` to send.
/// A body larger than the limit is `413`, as for every other body.
pub(crate) fn body<T>(body: Result<Json<T>, JsonRejection>, shape: &str) -> Result<T, Error> {
    body.map(|Json(t)| t).map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::PayloadTooLarge(format!(
                "the request body is larger than this server accepts: {}",
                e.body_text()
            ))
        } else {
            Error::BadRequest(format!("send JSON {shape}: {}", e.body_text()))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept).unwrap_or(HeaderValue::from_static("")),
        );
        h
    }

    #[test]
    fn gzip_is_used_only_when_accepted() {
        assert!(accepts_gzip(&with("gzip")));
        assert!(accepts_gzip(&with("br, gzip;q=0.8")));
        assert!(accepts_gzip(&with("*")));
        assert!(!accepts_gzip(&with("gzip;q=0")));
        assert!(!accepts_gzip(&with("br, deflate")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
