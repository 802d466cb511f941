//! Every refusal under `/api/` is the JSON error envelope, including those
//! that axum's extractors and the body limit make before a handler runs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::http::{Method, StatusCode};
use charta_store::both_backends;
use charta_store::testing::TestDb;
use serde_json::Value;

mod support;
use support::*;

fn code(r: &Resp) -> String {
    let v: Value =
        serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.body));
    v["error"]["code"].as_str().unwrap_or_default().to_string()
}

both_backends! {
    extractor_refusals_are_json_errors => |db: TestDb| async move {
        let f = fixture_with(db, charta_web::WebConfig { max_body_bytes: 2048, ..charta_web::WebConfig::default() }).await;
        // A path segment that is not UTF-8.
        let r = f.request("rep", Method::GET, "/api/v1/specs/%FF", "").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(code(&r), "bad_request");
        // A query parameter given twice.
        let r = f.request("rep", Method::GET, "/api/v1/specs/demo/diff?from=1&from=1", "").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(code(&r), "bad_request");
        // A JSON body over the limit.
        let big = serde_json::json!({"body": "x".repeat(4096)}).to_string();
        let r = f.request("rep", Method::POST, "/api/v1/specs/demo/amendments/1/threads", &big).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        assert_eq!(code(&r), "payload_too_large");
        // Pages keep their own answers: the same refusal on a page is HTML
        // or text, never the API's envelope.
        let r = f.request("rep", Method::GET, "/specs/%FF", "").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(!r.body.starts_with("{\"error\""), "{}", r.body);
    };

    methods_no_route_takes_are_405_not_a_csrf_refusal => |db: TestDb| async move {
        let f = fixture(db, false).await;
        for (method, uri) in [("TRACE", "/healthz"), ("TRACE", "/readyz"), ("PROPFIND", "/specs/demo"), ("BREW", "/api/v1/specs")] {
            let m = Method::from_bytes(method.as_bytes()).unwrap();
            let r = f.request("anon", m, uri, "").await;
            assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}: {}", r.body);
        }
        // A state-changing method from another site is still refused.
        let r = f.send(axum::http::Request::builder().method(Method::POST).uri("/specs/demo/amendments")
            .header(axum::http::header::HOST, "127.0.0.1:8080")
            .header(axum::http::header::ORIGIN, "https://evil.example")
            .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(axum::body::Body::from("title=x")).unwrap()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    };
}
