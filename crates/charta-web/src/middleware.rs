//! Layers applied to every response: security headers, request ids,
//! tracing, timeouts and body limits.

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::config::WebConfig;

/// The Content-Security-Policy of every response. Pages load only Charta's
/// own stylesheet and its one script file (never inline script, never
/// another origin), so everything else is refused.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The security headers every response carries (unless a handler set its
/// own value).
pub fn security_headers() -> [(HeaderName, HeaderValue); 7] {
    [
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("same-origin"),
        ),
        (
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(
                "camera=(), microphone=(), geolocation=(), interest-cohort=()",
            ),
        ),
    ]
}

/// Wraps `router` in the shared layers. The order matters: the request id is
/// set first so the trace span and every response carry it; headers are set
/// on every response, including errors produced by inner layers.
pub fn apply(router: Router, config: &WebConfig) -> Router {
    let allowed = std::sync::Arc::new(config.allowed_hosts());
    let mut router = router
        .layer(axum::middleware::from_fn_with_state(allowed, check_host))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout,
        ));
    for (name, value) in security_headers() {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    let trusted = std::sync::Arc::new(config.trusted_proxies.clone());
    router
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID.clone()))
        // One line per request at info level (status and latency), inside
        // the request's span, so it carries the request id like every other
        // line written while answering.
        .layer(
            TraceLayer::new_for_http()
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
                .make_span_with(move |req: &Request| {
                    // The client as CHARTA_TRUSTED_PROXIES lets it be known:
                    // behind a trusted proxy, the address it forwarded.
                    let peer = req
                        .extensions()
                        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                        .map(|c| c.0.ip());
                    let client = crate::client_addr::client_ip(req.headers(), peer, &trusted);
                    let route = req
                        .extensions()
                        .get::<MatchedPath>()
                        .map(|m| m.as_str().to_owned())
                        .unwrap_or_default();
                    let id = req
                        .headers()
                        .get(&X_REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    tracing::info_span!(
                        "http.request",
                        http.method = %req.method(),
                        http.route = %route,
                        request.id = %id,
                        client.address = client.map(tracing::field::display),
                    )
                }),
        )
        .layer(SetRequestIdLayer::new(
            X_REQUEST_ID.clone(),
            MakeRequestUuid,
        ))
}

/// Refuses requests for a host Charta is not configured to answer to (see
/// [`WebConfig::allowed_hosts`]) with `421 Misdirected Request`. The probes
/// are exempt, since orchestrators call them by the node's own address.
/// Requests without any host (in-process calls, HTTP/1.0) carry no browser
/// origin to abuse and pass.
async fn check_host(
    axum::extract::State(allowed): axum::extract::State<std::sync::Arc<Vec<String>>>,
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    let probe = matches!(req.uri().path(), "/healthz" | "/readyz");
    match host {
        Some(h) if !probe && !allowed.iter().any(|a| a.eq_ignore_ascii_case(&h)) => {
            let first = allowed.first().map(String::as_str).unwrap_or_default();
            let body = format!(
                "This server does not answer for the host {h:?}. Reach it at {first}, the address it is configured with (CHARTA_PUBLIC_URL).\n"
            );
            if req.uri().path().starts_with("/api/") {
                let body = crate::error::ErrorBody {
                    error: crate::error::ErrorDetail {
                        code: "misdirected",
                        message: body.trim_end().to_string(),
                        problems: Vec::new(),
                    },
                };
                (StatusCode::MISDIRECTED_REQUEST, axum::Json(body)).into_response()
            } else {
                (StatusCode::MISDIRECTED_REQUEST, body).into_response()
            }
        }
        _ => next.run(req).await,
    }
}
