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
}
