//! Redirects that pages and the API both answer with.

/// A `308 Permanent Redirect` to a local path (the method is kept).
pub fn moved_permanently(location: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut r = axum::http::StatusCode::PERMANENT_REDIRECT.into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(location) {
        r.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    r
}
