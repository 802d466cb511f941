//! The stylesheet and the one small script, compiled into the binary.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const STYLESHEET: &str = include_str!("../../../../templates/static/charta.css");

/// The review script: opens the comment form in place on the amendment
/// page. Every page works without it.
const REVIEW_SCRIPT: &str = include_str!("../../../../templates/static/review.js");

/// Serves `charta.css`. Cached for a day; pages reference it by a fixed path.
pub async fn stylesheet() -> Response {
    asset(STYLESHEET, "text/css; charset=utf-8")
}

/// Serves `review.js`, cached like the stylesheet.
pub async fn review_script() -> Response {
    asset(REVIEW_SCRIPT, "text/javascript; charset=utf-8")
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    r
}
