//! Host and origin checks against DNS rebinding and cross-site posts,
//! through the real router on both databases: Charta answers only for the
//! host of its public URL (and, for the demo, the other names of its
//! loopback address), compares `Origin` with that configuration rather
//! than with the request's own `Host`, and keeps its probes reachable by
//! address.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use charta_store::both_backends;
use charta_store::testing::TestDb;

mod support;
use support::*;

fn get(uri: &str, host: &str) -> Request<Body> {
    Request::builder()
        .uri(uri)
        .header(header::HOST, host)
        .body(Body::empty())
        .unwrap()
}

fn sign_out(f: &Fixture, host: &str, origin: &str) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri("/auth/logout")
        .header(header::HOST, host)
        .header(header::ORIGIN, origin)
        .header(
            header::COOKIE,
            format!("charta_csrf={CSRF}; charta_session={}", f.sessions["rep"]),
        )
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("_csrf={CSRF}")))
        .unwrap()
}

both_backends! {
    requests_for_another_host_are_misdirected => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // A rebinding page on an attacker's domain names its own host.
        let page = f.send(get("/", "rebind.evil.example:8080")).await;
        assert_eq!(page.status, StatusCode::MISDIRECTED_REQUEST, "{}", page.body);
        assert!(page.body.contains("127.0.0.1:8080") && page.body.contains("CHARTA_PUBLIC_URL"), "{}", page.body);
        let api = f.send(get("/api/v1/specs", "rebind.evil.example:8080")).await;
        assert_eq!(api.status, StatusCode::MISDIRECTED_REQUEST);
        let body: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(body["error"]["code"], "misdirected", "{body}");
        // Even with a valid session, nothing is done for another host.
        let post = f.send(sign_out(&f, "rebind.evil.example:8080", "http://rebind.evil.example:8080")).await;
        assert_eq!(post.status, StatusCode::MISDIRECTED_REQUEST);
        // Outside the demo, loopback aliases are other hosts too.
        assert_eq!(f.send(get("/", "localhost:8080")).await.status, StatusCode::MISDIRECTED_REQUEST);
        // The configured host is served.
        assert_eq!(f.send(get("/", "127.0.0.1:8080")).await.status, StatusCode::OK);
        // Probes answer whatever address the orchestrator uses.
        assert_eq!(f.send(get("/healthz", "10.1.2.3:8080")).await.status, StatusCode::OK);
        assert_eq!(f.send(get("/readyz", "10.1.2.3:8080")).await.status, StatusCode::OK);
    };

    origin_is_compared_with_the_configuration_not_the_host => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // The Origin matches the Host the client sent, but not the public
        // URL: refused.
        let r = f.send(sign_out(&f, "127.0.0.1:8080", "http://127.0.0.1:9999")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = f.send(sign_out(&f, "127.0.0.1:8080", "http://127.0.0.1:8080")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    };

    the_demo_answers_to_every_name_of_its_loopback_address => |db: TestDb| async move {
        let f = fixture(db, true).await;
        for host in ["127.0.0.1:8080", "localhost:8080", "[::1]:8080"] {
            assert_eq!(f.send(get("/", host)).await.status, StatusCode::OK, "{host}");
        }
        assert_eq!(f.send(get("/", "localhost:9090")).await.status, StatusCode::MISDIRECTED_REQUEST);
        assert_eq!(f.send(get("/", "demo.evil.example")).await.status, StatusCode::MISDIRECTED_REQUEST);
        let r = f.send(sign_out(&f, "localhost:8080", "http://localhost:8080")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = f.send(sign_out(&f, "localhost:8080", "http://demo.evil.example")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    };

    sign_in_returns_only_to_local_paths => |db: TestDb| async move {
        let f = fixture(db, true).await;
        // Anything that is not a local path lands on /my-work instead.
        for (raw, kept) in [
            ("%2Fspecs%2Fdemo%3Flevel%3D1", "/specs/demo?level=1"),
            ("%2F%09%2Fevil.example", "/my-work"),
            ("%2F%0A%2Fevil.example", "/my-work"),
            ("%2F%2Fevil.example", "/my-work"),
            ("%2F%5Cevil.example", "/my-work"),
            ("https%3A%2F%2Fevil.example%2F", "/my-work"),
        ] {
            let page = f.send(get(&format!("/auth/login?return_to={raw}"), "127.0.0.1:8080")).await;
            assert_eq!(page.status, StatusCode::OK);
            let field = format!("name=\"return_to\" value=\"{}\"", kept.replace('&', "&amp;"));
            assert!(page.body.contains(&field), "{raw}: {field} not in the sign-in form");
            assert!(!page.body.contains("evil.example"), "{raw} leaked into the page");
        }
    };
}
