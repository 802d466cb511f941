//! HTTP tests through the real router, on both databases: pages, API,
//! errors, security headers and the OpenAPI document.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use charta_domain::catalog::{Catalog, CatalogSet};
use charta_store::testing::TestDb;
use charta_store::{both_backends, import_group_text, import_spec_text};
use charta_web::{AppState, WebConfig, router};
use serde_json::Value;
use std::sync::Arc;

mod support;

const GROUP: &str = "group: wg\nname: Demo Working Group\ndescription: Writes **demo** specs.\nmembers:\n  - slug: aurora\n    name: Aurora Foundation\n";

const V1: &str = "\
spec: demo
group: wg
title: Demo Baseline
summary: A baseline for <em>tests</em>.
sections:
  - id: VM
    title: Vulnerability management
controls:
  - id: D-VM-01
    section: VM
    title: Publish a disclosure policy
    level: 1
    status: active
    statement: The project MUST publish how to report vulnerabilities privately.
    guidance: See [the guide](javascript:alert(1)) and <script>alert('x')</script>.
    mappings:
      - target: T:1
        relationship: equivalent
        rationale: Same obligation.
  - id: D-VM-02
    section: VM
    title: Triage reports
    level: 2
    status: active
    statement: Reports MUST be acknowledged within fourteen days.
";

fn v2() -> String {
    V1.replace("fourteen days", "seven days")
        .replace("target: T:1", "target: T:2")
}

fn catalogs() -> CatalogSet {
    let cat = Catalog::parse(
        "catalog: cra\ntitle: Test catalog\nversion: '1'\npublisher: P\nsource: https://example.org\ndescription: d\nsections:\n  - id: a\n    title: Section A\n    items:\n      - id: T:1\n        title: One\n        text: x\n      - id: T:2\n        title: Two\n        text: y\n",
    )
    .unwrap();
    CatalogSet::new(vec![cat]).unwrap()
}

struct App {
    router: axum::Router,
    _db: TestDb,
}

async fn app(db: TestDb) -> App {
    let cats = catalogs();
    import_group_text(&db.store, GROUP, "t").await.unwrap();
    import_spec_text(&db.store, &cats, V1, "first", "t")
        .await
        .unwrap();
    import_spec_text(&db.store, &cats, &v2(), "second", "t")
        .await
        .unwrap();
    let config = WebConfig {
        max_body_bytes: 64 * 1024,
        ..WebConfig::default()
    };
    let state = AppState::new(db.store.clone(), Arc::new(cats), config);
    App {
        router: router(state),
        _db: db,
    }
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl App {
    async fn send(&self, req: Request<Body>) -> Resp {
        let resp = support::openapi::call(self.router.clone(), req).await;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, uri: &str) -> Resp {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }
}

fn assert_html(r: &Resp) {
    let ct = r.headers[header::CONTENT_TYPE].to_str().unwrap();
    assert!(ct.starts_with("text/html"), "content type {ct}");
}

both_backends! {
    pages_render => |db: TestDb| async move {
        let app = app(db).await;
        for (uri, needle) in [
            ("/", "Demo Working Group"),
            ("/groups/wg", "Aurora Foundation"),
            ("/specs", "Demo Baseline"),
            ("/specs/demo", "seven days"),
            ("/specs/demo/versions/1", "fourteen days"),
            ("/specs/demo/versions", "compare with 1"),
            ("/specs/demo/controls/D-VM-02", "Triage reports"),
            ("/specs/demo/diff?from=1&to=2", "<del>fourteen</del>"),
            ("/specs/demo/diff?from=1&to=2&view=split", "class=\"split\""),
            ("/catalogs", "Test catalog"),
            ("/catalogs/cra", "T:2"),
            ("/catalogs/cra/items/T:2", "D-VM-01"),
            ("/search?q=acknowledged", "D-VM-02"),
        ] {
            let r = app.get(uri).await;
            assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
            assert_html(&r);
            assert!(r.body.contains(needle), "{uri} should contain {needle:?}");
        }
        let r = app.get("/specs/demo/versions/1").await;
        assert!(r.body.contains("not the newest version"));
        let r = app.get("/specs/demo?level=1").await;
        assert!(r.body.contains("D-VM-01") && !r.body.contains("D-VM-02\""), "level filter");
        let r = app.get("/catalogs/cra/items/T:1").await;
        assert!(r.body.contains("No control in the newest version"), "T:1 is only mapped by v1");
    };

    errors_are_clear_in_html_and_json => |db: TestDb| async move {
        let app = app(db).await;
        let r = app.get("/specs/nope").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_html(&r);
        assert!(r.body.contains("Specification nope not found"), "{}", r.body);

        let r = app.get("/api/v1/specs/nope").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.json()["error"]["code"], "not_found");
        assert_eq!(r.json()["error"]["message"], "Specification nope not found");

        let r = app.get("/api/v1/specs/demo/versions/0").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.json()["error"]["message"].as_str().unwrap().contains("version number"));
        let r = app.get("/api/v1/specs/demo/versions/9").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.json()["error"]["message"].as_str().unwrap().contains("versions 1 to 2"));
        let r = app.get("/specs/demo/diff?from=x").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_html(&r);
        let r = app.get("/specs/demo/diff?view=fancy").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = app.get("/specs/demo?level=7").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = app.get("/specs/demo/controls/D-VM-99").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app.get("/catalogs/cra/items/NOPE").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app.get("/api/v1/nothing-here").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.json()["error"]["code"], "not_found");
        let r = app.get("/nothing-here").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_html(&r);
    };

    security_headers_on_every_response => |db: TestDb| async move {
        let app = app(db).await;
        for uri in ["/", "/api/v1/specs", "/nope", "/static/charta.css", "/healthz"] {
            let r = app.get(uri).await;
            let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
            assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"), "{uri}: {csp}");
            // Scripts only from this origin, as files: no inline script, no
            // evaluation, no other site.
            assert!(csp.contains("script-src 'self';") && !csp.contains("unsafe-eval"), "{uri}: {csp}");
            assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{uri}");
            assert_eq!(r.headers[header::X_FRAME_OPTIONS], "DENY", "{uri}");
            assert!(r.headers.contains_key(header::REFERRER_POLICY), "{uri}");
            assert!(r.headers.contains_key("x-request-id"), "{uri}");
        }
    };

    specification_text_cannot_inject_markup => |db: TestDb| async move {
        let app = app(db).await;
        let r = app.get("/specs/demo").await;
        assert!(!r.body.contains("<script>alert"), "raw script passed through");
        assert!(r.body.contains("&lt;script&gt;"), "script shown as text");
        assert!(!r.body.contains("javascript:"), "javascript: link kept");
        assert!(!r.body.contains("<em>tests</em>"), "raw HTML in the summary passed through");
        assert!(!r.body.contains("<script"), "no script element at all");
    };

    api_resources => |db: TestDb| async move {
        let app = app(db).await;
        let r = app.get("/api/v1/specs").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()[0]["slug"], "demo");
        assert_eq!(r.json()[0]["head_version"], 2);

        let r = app.get("/api/v1/specs/demo").await;
        assert_eq!(r.json()["versions"].as_array().unwrap().len(), 2);
        assert_eq!(r.json()["versions"][0]["message"], "second");
        assert_eq!(r.json()["versions_complete"], true);

        let r = app.get("/api/v1/specs/demo/versions/1").await;
        assert_eq!(r.status, StatusCode::OK);
        let doc = r.json();
        assert_eq!(doc["version"], 1);
        assert_eq!(doc["spec"], "demo");
        assert!(doc["content_hash"].as_str().unwrap().starts_with("sha256:"));
        assert_eq!(doc["controls"][1]["statement"], "Reports MUST be acknowledged within fourteen days.");
        let etag = r.headers[header::ETAG].to_str().unwrap().to_string();
        let again = app
            .send(Request::get("/api/v1/specs/demo/versions/1").header(header::IF_NONE_MATCH, &etag).body(Body::empty()).unwrap())
            .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        assert!(again.body.is_empty());

        let r = app.get("/api/v1/specs/demo/versions/1/source").await;
        assert_eq!(r.body, V1, "the stored canonical file");
        assert!(r.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/yaml"));

        let r = app.get("/api/v1/specs/demo/diff?from=1&to=2").await;
        let d = r.json();
        assert_eq!((d["from"].as_i64(), d["to"].as_i64()), (Some(1), Some(2)));
        assert_eq!(d["summary"]["modified"], 2);
        assert_eq!(d["summary"]["normative"], 2);
        let r = app.get("/api/v1/specs/demo/diff").await;
        assert_eq!(r.json()["from"], 1, "defaults to the newest change");

        let r = app.get("/api/v1/specs/demo/controls/D-VM-02").await;
        let h = r.json()["history"].as_array().unwrap().clone();
        assert_eq!(h.len(), 2);
        assert_eq!((h[0]["changed"].as_bool(), h[1]["changed"].as_bool()), (Some(true), Some(true)));

        let r = app.get("/api/v1/groups/wg").await;
        assert_eq!(r.json()["members"][0]["slug"], "aurora");
        assert_eq!(app.get("/api/v1/groups").await.json()[0]["slug"], "wg");

        let r = app.get("/api/v1/catalogs").await;
        assert_eq!(r.json()[0]["items"], 2);
        let r = app.get("/api/v1/catalogs/cra").await;
        assert_eq!(r.json()["sections"][0]["items"][1]["id"], "T:2");
        let r = app.get("/api/v1/catalogs/cra/items/T:2").await;
        assert_eq!(r.json()["mapped_controls"][0]["control_id"], "D-VM-01");
        assert_eq!(app.get("/api/v1/catalogs/osps").await.status, StatusCode::NOT_FOUND);

        let r = app.get("/api/v1/search?q=D-VM-01").await;
        assert_eq!(r.json()[0]["control_id"], "D-VM-01");
        assert_eq!(app.get("/api/v1/search?q=").await.json(), serde_json::json!([]));

        assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
        let r = app.get("/readyz").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["status"], "ready");
    };

    validate_reports_problems_with_lines => |db: TestDb| async move {
        let app = app(db).await;
        let post = |body: String| Request::post("/api/v1/validate").header(header::CONTENT_TYPE, "application/yaml").body(Body::from(body)).unwrap();

        let r = app.send(post(v2().replace("seven days", "three days"))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["head_version"], 2);
        assert_eq!(r.json()["changes"]["modified"], 1);
        assert_eq!(r.json()["canonical"], true);

        let r = app.send(post(V1.replace("D-VM-02", "D-VM-01").replace("target: T:1", "target: CRA:Nope"))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let problems = r.json()["error"]["problems"].as_array().unwrap().clone();
        assert!(problems.iter().any(|p| p["line"] == 20 && p["message"].as_str().unwrap().contains("appears more than once")), "{problems:?}");
        assert!(problems.iter().any(|p| p["message"].as_str().unwrap().contains("CRA:Nope")), "{problems:?}");

        let r = app.send(post("spec: [".into())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.json()["error"]["problems"][0]["line"].is_number());

        let dropped = V1.split("  - id: D-VM-02").next().unwrap().to_string();
        let r = app.send(post(dropped)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("D-VM-02 is missing"), "{}", r.body);

        let r = app.send(post("x".repeat(200 * 1024))).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(r.json()["error"]["code"], "payload_too_large");
    };
}

/// Every API route of the route table is in the OpenAPI document, and the
/// document describes no route the server does not serve.
#[tokio::test]
async fn openapi_matches_the_route_table() {
    use std::collections::BTreeSet;
    let db = TestDb::sqlite().await;
    let app = app(db).await;
    let r = app.get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let served: BTreeSet<_> = charta_web::routes::table()
        .iter()
        .filter(|r| {
            matches!(
                r.kind,
                charta_web::routes::Kind::Api | charta_web::routes::Kind::Probe
            )
        })
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(documented, served);
}

both_backends! {
    large_versions_are_sent_gzipped_to_clients_that_accept_it => |db: TestDb| async move {
        let catalogs = CatalogSet::builtin().unwrap();
        import_group_text(&db.store, include_str!("../../../specs/groups/oss-stewards.yaml"), "t").await.unwrap();
        import_spec_text(&db.store, &catalogs, include_str!("../../../specs/seed/steward-baseline/v1.yaml"), "", "t").await.unwrap();
        let app = router(AppState::new(db.store.clone(), Arc::new(catalogs), WebConfig::default()));
        let get = |accept: Option<&'static str>, tag: Option<String>| {
            let app = app.clone();
            async move {
                let mut b = Request::get("/api/v1/specs/steward-baseline/versions/1");
                if let Some(a) = accept { b = b.header(header::ACCEPT_ENCODING, a); }
                if let Some(t) = tag { b = b.header(header::IF_NONE_MATCH, t); }
                let resp = support::openapi::call(app, b.body(Body::empty()).unwrap()).await;
                let status = resp.status();
                let headers = resp.headers().clone();
                (status, headers, resp.into_body().to_vec())
            }
        };
        let (status, plain_h, plain) = get(None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(plain_h.get(header::CONTENT_ENCODING).is_none());
        assert_eq!(plain_h[header::VARY], "accept-encoding");
        let (status, gz_h, gz) = get(Some("br, gzip"), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(gz_h[header::CONTENT_ENCODING], "gzip");
        assert!(gz.len() * 3 < plain.len(), "compressed: {} of {} bytes", gz.len(), plain.len());
        let mut inflated = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut inflated).unwrap();
        assert_eq!(inflated, plain, "the same JSON");
        // Each representation has its own strong tag and revalidates alone.
        let plain_tag = plain_h[header::ETAG].to_str().unwrap().to_string();
        let gz_tag = gz_h[header::ETAG].to_str().unwrap().to_string();
        assert_ne!(plain_tag, gz_tag);
        assert_eq!(get(Some("gzip"), Some(gz_tag.clone())).await.0, StatusCode::NOT_MODIFIED);
        assert_eq!(get(None, Some(plain_tag)).await.0, StatusCode::NOT_MODIFIED);
        assert_eq!(get(None, Some(gz_tag)).await.0, StatusCode::OK, "a gzip tag does not validate the plain body");
        assert!(get(Some("gzip;q=0"), None).await.1.get(header::CONTENT_ENCODING).is_none());
    };
}
