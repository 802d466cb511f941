//! Untrusted input has bounded cost, through the real router on both
//! databases: YAML aliases are refused before they expand, a file with
//! thousands of problems gets a bounded report, and the expensive public
//! endpoints answer `429` with `Retry-After` once a client has used its
//! share, while everything else keeps answering. Heavy work runs in the
//! bounded pool: probes answer while it is full, and a request that times
//! out stops its work.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use charta_store::both_backends;
use charta_store::testing::TestDb;
use charta_web::{AppState, WebConfig, router};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

mod support;
use support::*;

both_backends! {
    aliases_are_refused_and_reports_are_bounded => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // Nine levels of nine-fold repetition: a few hundred bytes that
        // would expand to hundreds of millions of strings.
        let mut bomb = String::from("spec: x\ngroup: wg\ntitle: t\nl0: &l0 [\"lol\"]\n");
        for i in 1..10 {
            bomb.push_str(&format!("l{i}: &l{i} [{}]\n", vec![format!("*l{}", i - 1); 9].join(", ")));
        }
        let r = f.request("anon", Method::POST, "/api/v1/validate", &bomb).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["error"]["problems"][0]["line"], 5, "{body}");
        assert!(body["error"]["problems"][0]["message"].as_str().unwrap().contains("aliases"), "{body}");

        // 5,000 copies of one control: 100 problems and a count of the rest.
        let base = spec("big", "wg", "publish");
        let control = &base[base.find("  - id: X-VM-01").unwrap()..];
        let big = format!("{base}{}", control.repeat(5_000));
        let r = f.request("anon", Method::POST, "/api/v1/validate", &big).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let problems = body["error"]["problems"].as_array().unwrap();
        assert_eq!(problems.len(), 101, "{}", problems.len());
        assert!(problems[100]["message"].as_str().unwrap().starts_with("and 4900 more problems"), "{}", problems[100]);
        assert!(problems[0]["line"].as_u64().is_some());
    };

    expensive_endpoints_are_limited_per_client => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let mut limited = None;
        for i in 0..200 {
            let r = f.request("anon", Method::GET, &format!("/api/v1/search?q=policy{i}"), "").await;
            if r.status == StatusCode::TOO_MANY_REQUESTS {
                limited = Some((i, r));
                break;
            }
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        let (after, r) = limited.expect("the limit applies");
        assert!(after >= 100, "the first {after} requests pass");
        assert!(r.body.contains("too_many_requests") && r.body.contains("try again in"), "{}", r.body);
        // The answer says how long to wait.
        let raw = support::openapi::call(f.router.clone(),
            axum::http::Request::get("/api/v1/search?q=again").body(axum::body::Body::empty()).unwrap(),
        ).await;
        assert_eq!(raw.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = raw.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        // The page form of a limited endpoint says so too.
        let page = f.request("anon", Method::GET, "/specs/demo/diff?from=1&to=1", "").await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
        // Ordinary pages and the probes are not limited.
        assert_eq!(f.request("anon", Method::GET, "/specs/demo", "").await.status, StatusCode::OK);
        assert_eq!(f.request("anon", Method::GET, "/healthz", "").await.status, StatusCode::OK);
    };

    probes_answer_while_the_pool_is_full => |db: TestDb| async move {
        let state = AppState::new(db.store.clone(), Arc::new(catalogs()), WebConfig {
            cpu_workers: 1,
            expensive_per_minute: 0,
            ..WebConfig::default()
        });
        let app = router(state.clone());
        // The pool's only place runs work that ends when the test says so.
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let holder = tokio::spawn({
            let state = state.clone();
            async move { state.cpu.run(move |_| { wait.recv().ok(); Ok(()) }).await }
        });
        eventually(|| state.cpu.available() == 0).await;
        // A validation queues for the place...
        let validation = tokio::spawn(app.clone().oneshot(validate(spec("demo", "wg", "publish"))));
        // ...while the probe answers.
        let probe = app.clone().oneshot(Request::get("/healthz").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(probe.status(), StatusCode::OK);
        assert!(!validation.is_finished(), "the validation waits for the pool");
        go.send(()).unwrap();
        holder.await.unwrap().unwrap();
        let r = validation.await.unwrap().unwrap();
        assert_eq!(r.status(), StatusCode::OK, "once the place is free the validation runs");
        assert_eq!(state.cpu.available(), 1);
    };

    work_that_uses_the_pool_twice_never_deadlocks => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // Validating a file of an existing specification parses it, reads
        // the newest version (parsed in the pool on a cache miss) and
        // compares the two: several pieces of pooled work per request, all
        // through a pool with one place.
        let state = AppState::new(f.store.clone(), Arc::new(catalogs()), WebConfig {
            cpu_workers: 1,
            expensive_per_minute: 0,
            ..WebConfig::default()
        });
        let app = router(state.clone());
        let requests: Vec<_> = (0..6)
            .map(|i| tokio::spawn(app.clone().oneshot(validate(spec("demo", "wg", &format!("publish policy {i}"))))))
            .collect();
        for r in requests {
            // A deadlock would hang here; the bound only turns it into a
            // failure.
            let r = tokio::time::timeout(Duration::from_secs(300), r).await.expect("every request ends").unwrap().unwrap();
            assert_eq!(r.status(), StatusCode::OK);
        }
        assert_eq!(state.cpu.available(), 1);
    };

    the_request_timeout_stops_pooled_work => |db: TestDb| async move {
        let base = spec("big", "wg", "publish");
        let control = &base[base.find("  - id: X-VM-01").unwrap()..];
        let big = format!("{base}{}", control.repeat(5_000));
        // The timeout must land while the work runs, not before it starts:
        // give a busy machine more time on each try.
        for millis in [20, 80, 320, 1280, 5120] {
            let state = AppState::new(db.store.clone(), Arc::new(catalogs()), WebConfig {
                cpu_workers: 1,
                expensive_per_minute: 0,
                request_timeout: Duration::from_millis(millis),
                ..WebConfig::default()
            });
            let r = router(state.clone()).oneshot(validate(big.clone())).await.unwrap();
            assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "{millis} ms is shorter than the work");
            // The place comes back without waiting for the whole work...
            eventually(|| state.cpu.available() == 1).await;
            // ...because the work saw that its request was gone and stopped.
            if state.cpu.stopped() == 1 {
                return;
            }
            assert_eq!(state.cpu.stopped(), 0);
        }
        panic!("no timeout landed while the work ran");
    };
}

/// A validation request for `text`.
fn validate(text: String) -> Request<Body> {
    Request::post("/api/v1/validate")
        .header(header::CONTENT_TYPE, "application/yaml")
        .body(Body::from(text))
        .unwrap()
}

/// Waits until `done` holds, yielding between looks; fails after a minute.
async fn eventually(done: impl Fn() -> bool) {
    for _ in 0..60_000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("the condition never held");
}
