//! The OpenAPI document is exact, and the tests hold the server to it.
//!
//! * The contract checker in `support::openapi`, which every HTTP test's
//!   responses pass through, refuses drift: an undocumented status, path or
//!   header, a body of another media type, a body that breaks its schema or
//!   carries an undeclared field. And it runs: requests through the test
//!   client are counted.
//! * Every API route of the route table is in the document with its method,
//!   its path parameters and every status it can answer with, each error
//!   described by the shared error body; operation ids are unique, so a
//!   generated client has one method per operation.
//! * The error answers every route shares (a bad token, a foreign host, an
//!   unknown object, a bad page) keep the contract on every route.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use charta_store::both_backends;
use charta_store::testing::TestDb;
use charta_web::routes::{Kind, table};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

mod support;
use support::openapi::{Contract, checked, contract, validated};
use support::*;

fn json_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h
}

/// The error message of a check that must fail.
fn refused(
    c: &Contract,
    method: Method,
    path: &str,
    status: u16,
    headers: &HeaderMap,
    body: &str,
) -> String {
    match c.check(
        &method,
        path,
        StatusCode::from_u16(status).unwrap(),
        headers,
        body.as_bytes(),
    ) {
        Ok(_) => panic!("{method} {path} {status} was accepted: {body}"),
        Err(e) => e,
    }
}

/// The API routes of the route table (with the probes, which the document
/// also describes).
fn api_routes() -> BTreeSet<(String, String)> {
    table()
        .iter()
        .filter(|r| matches!(r.kind, Kind::Api | Kind::Probe))
        .map(|r| (r.method.as_str().to_ascii_lowercase(), r.path.to_string()))
        .collect()
}

#[tokio::test]
async fn the_checker_refuses_drift() {
    let f = fixture(TestDb::sqlite().await, false).await;
    let c = contract(&f.router).await;
    let real = f
        .request("anon", Method::GET, "/api/v1/specs/demo", "")
        .await;
    assert_eq!(real.status, StatusCode::OK);
    let h = json_headers();
    assert_eq!(
        c.check(
            &Method::GET,
            "/api/v1/specs/demo",
            StatusCode::OK,
            &h,
            real.body.as_bytes()
        ),
        Ok(true),
        "the real answer keeps the contract"
    );
    assert_eq!(
        c.check(
            &Method::GET,
            "/specs/demo",
            StatusCode::IM_A_TEAPOT,
            &h,
            b"{}"
        ),
        Ok(false),
        "pages are outside the document"
    );

    // A field of the wrong type, a missing field, an undeclared field.
    let mut body: Value = serde_json::from_str(&real.body).unwrap();
    body["head_version"] = json!("one");
    let e = refused(
        c,
        Method::GET,
        "/api/v1/specs/demo",
        200,
        &h,
        &body.to_string(),
    );
    assert!(
        e.contains("does not match") && e.contains("head_version"),
        "{e}"
    );
    assert!(
        e.contains("GET /api/v1/specs/{spec}") && e.contains("200"),
        "the message names the operation: {e}"
    );
    let mut body: Value = serde_json::from_str(&real.body).unwrap();
    body.as_object_mut().unwrap().remove("versions");
    let e = refused(
        c,
        Method::GET,
        "/api/v1/specs/demo",
        200,
        &h,
        &body.to_string(),
    );
    assert!(e.contains("versions"), "{e}");
    let mut body: Value = serde_json::from_str(&real.body).unwrap();
    body["undocumented"] = json!(1);
    let e = refused(
        c,
        Method::GET,
        "/api/v1/specs/demo",
        200,
        &h,
        &body.to_string(),
    );
    assert!(e.contains("undocumented"), "{e}");
    // An undeclared field inside a flattened part and inside an item.
    let mut body: Value = serde_json::from_str(&real.body).unwrap();
    body["versions"][0]["extra"] = json!(true);
    refused(
        c,
        Method::GET,
        "/api/v1/specs/demo",
        200,
        &h,
        &body.to_string(),
    );

    // A status, a path, a method, a header and a media type not documented.
    let e = refused(c, Method::GET, "/api/v1/specs/demo", 418, &h, "{}");
    assert!(e.contains("418 is not documented"), "{e}");
    refused(c, Method::GET, "/api/v1/specs/demo/nothing", 200, &h, "[]");
    refused(c, Method::PUT, "/api/v1/specs/demo", 200, &h, &real.body);
    let mut with_link = json_headers();
    with_link.insert(header::LINK, HeaderValue::from_static("<x>; rel=\"next\""));
    let e = refused(
        c,
        Method::GET,
        "/api/v1/specs/demo",
        200,
        &with_link,
        &real.body,
    );
    assert!(e.contains("link"), "{e}");
    let mut text = HeaderMap::new();
    text.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    refused(c, Method::GET, "/api/v1/specs/demo", 200, &text, "demo");
    // An error body must be the shared error body.
    let e = refused(
        c,
        Method::GET,
        "/api/v1/specs/nope",
        404,
        &h,
        r#"{"message":"gone"}"#,
    );
    assert!(e.contains("error"), "{e}");
    // The router's own answer to an unknown path is the shared error body too.
    refused(c, Method::GET, "/api/v1/nothing", 404, &h, r#"{"oops":1}"#);

    // The hook in the test client runs and counts.
    let (before_checked, before_validated) = (checked(), validated());
    f.request("anon", Method::GET, "/api/v1/specs/nope", "")
        .await;
    f.request("anon", Method::GET, "/api/v1/specs", "").await;
    assert!(checked() >= before_checked + 2 && validated() >= before_validated + 2);
}

#[tokio::test]
async fn a_broken_answer_fails_the_test_that_receives_it() {
    // A router that answers a documented route with a body the document
    // does not describe: the client's hook panics.
    let f = fixture(TestDb::sqlite().await, false).await;
    contract(&f.router).await;
    let liar = axum::Router::new().route(
        "/api/v1/specs/{spec}",
        axum::routing::get(|| async { axum::Json(json!({"slug": 7})) }),
    );
    let req = Request::get("/api/v1/specs/demo")
        .body(Body::empty())
        .unwrap();
    let outcome = tokio::spawn(support::openapi::call(liar.clone(), req)).await;
    let e = outcome.expect_err("the broken answer is refused");
    assert!(e.is_panic());
    let req = Request::get("/api/v1/specs/demo/nope")
        .body(Body::empty())
        .unwrap();
    let outcome = tokio::spawn(support::openapi::call(
        liar.route(
            "/api/v1/specs/{spec}/nope",
            axum::routing::get(|| async { "x" }),
        ),
        req,
    ))
    .await;
    assert!(
        outcome
            .expect_err("an undocumented route is refused")
            .is_panic()
    );
}

#[tokio::test]
async fn every_api_route_is_documented_with_its_method_and_parameters() {
    let f = fixture(TestDb::sqlite().await, false).await;
    let doc = contract(&f.router).await.document();
    let mut documented = BTreeSet::new();
    let mut ids = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            documented.insert((method.clone(), path.clone()));
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            if let Some(other) = ids.insert(id.to_string(), format!("{method} {path}")) {
                panic!("operationId {id} is used by {other} and {method} {path}");
            }
            // Every `{name}` of the path is a path parameter, and only those.
            let in_path: BTreeSet<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let declared: BTreeSet<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert_eq!(in_path, declared, "path parameters of {method} {path}");
            for p in &params {
                assert!(
                    p["schema"].is_object(),
                    "{method} {path}: parameter {} has no schema",
                    p["name"]
                );
                if p["in"] == "path" {
                    assert_eq!(p["required"], true, "{method} {path}: {}", p["name"]);
                }
            }
            assert!(
                op["responses"].get("default").is_none(),
                "{method} {path} has a default response"
            );
        }
    }
    assert_eq!(documented, api_routes(), "the document and the route table");
}

/// What each API route answers besides what the layers add to every route
/// (see [`layered`]): read from the handlers, their extractors and the use
/// cases they call. `401` and `429` come with the `Viewer` extractor (an
/// invalid token, or too many from one address); `403` on every
/// state-changing route at least from the Origin check.
const ANSWERS: &[(&str, &str, &[u16])] = &[
    ("get", "/healthz", &[200]),
    ("get", "/readyz", &[200, 500]),
    ("get", "/api/v1/openapi.json", &[200]),
    ("get", "/api/v1/groups", &[200, 400]),
    ("get", "/api/v1/groups/{group}", &[200, 401, 404, 429]),
    ("get", "/api/v1/groups/{group}/rules", &[200, 404]),
    (
        "get",
        "/api/v1/account/notifications",
        &[200, 401, 403, 429],
    ),
    (
        "put",
        "/api/v1/account/notifications",
        &[200, 400, 401, 403, 429],
    ),
    ("get", "/api/v1/account/follows", &[200, 401, 403, 429]),
    ("get", "/api/v1/assessments", &[200, 401, 403, 429]),
    (
        "post",
        "/api/v1/assessments",
        &[201, 400, 401, 403, 404, 429],
    ),
    (
        "get",
        "/api/v1/assessments/{id}",
        &[200, 401, 403, 404, 429],
    ),
    (
        "put",
        "/api/v1/assessments/{id}/answers/{control}",
        &[200, 400, 401, 403, 404, 409, 429],
    ),
    (
        "post",
        "/api/v1/assessments/{id}/move",
        &[200, 400, 401, 403, 404, 409, 429],
    ),
    (
        "post",
        "/api/v1/assessments/{id}/publish",
        &[200, 401, 403, 404, 409, 429],
    ),
    (
        "get",
        "/api/v1/specs/{spec}/releases/{name}/assessments",
        &[200, 401, 404, 429],
    ),
    (
        "post",
        "/api/v1/account/follows",
        &[201, 400, 401, 403, 404, 409, 429],
    ),
    (
        "delete",
        "/api/v1/account/follows/{id}",
        &[204, 401, 403, 404, 429],
    ),
    (
        "post",
        "/api/v1/specs/{spec}/amendments/{number}/suggestions",
        &[201, 400, 401, 403, 404, 409, 422, 429],
    ),
    (
        "post",
        "/api/v1/specs/{spec}/control-edits",
        &[201, 400, 401, 403, 404, 409, 422, 429],
    ),
    (
        "get",
        "/api/v1/specs/{spec}/amendments/{number}/reviewers",
        &[200, 401, 403, 404, 429],
    ),
    (
        "post",
        "/api/v1/specs/{spec}/amendments/{number}/review-requests",
        &[204, 400, 401, 403, 404, 409, 429],
    ),
    (
        "get",
        "/api/v1/groups/{group}/webhooks",
        &[200, 401, 403, 404, 429],
    ),
    (
        "post",
        "/api/v1/groups/{group}/webhooks",
        &[201, 400, 401, 403, 404, 409, 429],
    ),
    (
        "delete",
        "/api/v1/groups/{group}/webhooks/{id}",
        &[204, 401, 403, 404, 429],
    ),
    (
        "get",
        "/api/v1/groups/{group}/webhooks/{id}/deliveries",
        &[200, 401, 403, 404, 429],
    ),
    (
        "post",
        "/api/v1/groups/{group}/webhooks/{id}/deliveries/{delivery}/redeliver",
        &[202, 401, 403, 404, 429],
    ),
    (
        "get",
        "/api/v1/groups/{group}/delegations",
        &[200, 401, 403, 404, 429],
    ),
    (
        "post",
        "/api/v1/groups/{group}/delegations",
        &[201, 400, 401, 403, 404, 409, 429],
    ),
    (
        "post",
        "/api/v1/groups/{group}/delegations/{delegation}/revoke",
        &[200, 401, 403, 404, 409, 429],
    ),
    ("get", "/api/v1/specs", &[200, 400, 401, 429]),
    ("get", "/api/v1/specs/{spec}", &[200, 401, 404, 429]),
    (
        "get",
        "/api/v1/specs/{spec}/versions",
        &[200, 400, 401, 404, 429],
    ),
    (
        "get",
        "/api/v1/specs/{spec}/versions/{version}",
        &[200, 304, 400, 401, 404, 429],
    ),
    (
        "get",
        "/api/v1/specs/{spec}/versions/{version}/source",
        &[200, 400, 401, 404, 429],
    ),
    (
        "get",
        "/api/v1/specs/{spec}/versions/{version}/coverage",
        &[200, 400, 401, 404, 429],
    ),
    (
        "get",
        "/api/v1/specs/{spec}/controls/{control}",
        &[200, 308, 401, 404, 429],
    ),
    (
        "get",
        "/api/v1/specs/{spec}/diff",
        &[200, 400, 401, 404, 429],
    ),
    (
        "post",
        "/api/v1/validate",
        &[200, 400, 401, 403, 413, 422, 429],
    ),
    ("get", "/api/v1/catalogs", &[200, 400]),
    ("get", "/api/v1/catalogs/{catalog}", &[200, 404]),
    (
        "get",
        "/api/v1/catalogs/{catalog}/items/{item}",
        &[200, 401, 404, 429],
    ),
    ("get", "/api/v1/search", &[200, 400, 401, 429]),
    ("get", "/api/v1/me", &[200, 401, 403, 429]),
    ("get", "/api/v1/tokens", &[200, 400, 401, 403, 429]),
    ("post", "/api/v1/tokens", &[201, 400, 401, 403, 429]),
    ("delete", "/api/v1/tokens/{id}", &[204, 401, 403, 404, 429]),
    (
        "get",
        "/api/v1/specs/{spec}/amendments",
        &[200, 400, 401, 404, 429],
    ),
    (
        "post",
        "/api/v1/specs/{spec}/amendments",
        &[201, 400, 401, 403, 404, 422, 429],
    ),
    (
        "get",
        "/api/v1/specs/{spec}/amendments/{number}",
        &[200, 401, 404, 429],
    ),
    (
        "post",
        "/api/v1/specs/{spec}/amendments/{number}/revisions",
        &[201, 400, 401, 403, 404, 409, 422, 429],
    ),
    (
        "post",
        "/api/v1/specs/{spec}/amendments/{number}/threads",
        &[201, 400, 401, 403, 404, 409, 429],
    ),
    (
        "post",
        "/api/v1/specs/{spec}/amendments/{number}/merge",
        &[200, 401, 403, 404, 409, 429],
    ),
    (
        "get",
        "/api/v1/specs/{spec}/ballots",
        &[200, 400, 401, 404, 429],
    ),
    ("get", "/api/v1/ballots/{id}", &[200, 401, 403, 404, 429]),
    (
        "get",
        "/api/v1/ballots/{id}/audit",
        &[200, 400, 401, 403, 404, 429],
    ),
    (
        "post",
        "/api/v1/ballots/{id}/votes",
        &[201, 400, 401, 403, 404, 409, 429],
    ),
    (
        "get",
        "/api/v1/specs/{spec}/releases",
        &[200, 400, 401, 404, 429],
    ),
    (
        "post",
        "/api/v1/specs/{spec}/releases",
        &[201, 400, 401, 403, 404, 409, 429],
    ),
    (
        "post",
        "/api/v1/specs/{spec}/releases/{name}/supersede",
        &[204, 400, 401, 403, 404, 409, 429],
    ),
    ("get", "/api/v1/my-work", &[200, 401, 403, 429]),
    (
        "get",
        "/api/v1/groups/{group}/members",
        &[200, 401, 403, 404, 429],
    ),
    (
        "put",
        "/api/v1/groups/{group}/rules",
        &[200, 400, 401, 403, 404, 429],
    ),
    (
        "post",
        "/api/v1/specs/{spec}/amendments/{number}/threads/{thread}/replies",
        &[204, 400, 401, 403, 404, 409, 429],
    ),
    (
        "post",
        "/api/v1/specs/{spec}/amendments/{number}/threads/{thread}/resolve",
        &[204, 400, 401, 403, 404, 409, 429],
    ),
    (
        "post",
        "/api/v1/specs/{spec}/amendments/{number}/state",
        &[200, 400, 401, 403, 404, 409, 429],
    ),
    (
        "get",
        "/api/v1/specs/{spec}/amendments/{number}/rebase",
        &[200, 401, 403, 404, 429],
    ),
    (
        "post",
        "/api/v1/specs/{spec}/amendments/{number}/rebase",
        &[201, 400, 401, 403, 404, 409, 422, 429],
    ),
    (
        "get",
        "/api/v1/specs/{spec}/amendments/{number}/audit",
        &[200, 400, 401, 404, 429],
    ),
    (
        "post",
        "/api/v1/specs/{spec}/amendments/{number}/ballots",
        &[201, 400, 401, 403, 404, 409, 429],
    ),
    (
        "post",
        "/api/v1/specs/{spec}/ballots",
        &[201, 400, 401, 403, 404, 409, 429],
    ),
    (
        "post",
        "/api/v1/ballots/{id}/extend",
        &[204, 400, 401, 403, 404, 409, 429],
    ),
    (
        "post",
        "/api/v1/ballots/{id}/cancel",
        &[204, 400, 401, 403, 404, 409, 429],
    ),
    (
        "post",
        "/api/v1/ballots/{id}/close",
        &[200, 401, 403, 404, 409, 429],
    ),
];

/// Whether an operation takes parameters in its path or query, which the
/// router's extractors decode (and may refuse) before the handler runs.
fn decodes(op: &Value) -> bool {
    op["parameters"]
        .as_array()
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path" || p["in"] == "query"))
}

/// What the layers around every route add: `400` where the path or query
/// cannot be decoded, `413` where a body is taken, `421` for a foreign host
/// under `/api/`,
/// `500` wherever the database or the work pool is used, `503` when the
/// request timeout passes.
fn layered(path: &str, op: &Value) -> Vec<u16> {
    let mut s = vec![503];
    if decodes(op) {
        s.push(400);
    }
    if !op["requestBody"].is_null() {
        s.push(413);
    }
    if path.starts_with("/api/") {
        s.push(421);
    }
    if !charta_web::api::openapi::IN_MEMORY.contains(&path) {
        s.push(500);
    }
    s
}

fn is_error_body(schema: &Value) -> bool {
    schema["$ref"] == "#/components/schemas/ErrorBody"
}

#[tokio::test]
async fn every_operation_documents_every_answer_it_can_give() {
    let f = fixture(TestDb::sqlite().await, false).await;
    let doc = contract(&f.router).await.document();
    let listed: BTreeSet<(String, String)> = ANSWERS
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(listed, api_routes(), "ANSWERS lists every API route once");
    let resolve = |r: &Value| -> Value {
        match r["$ref"].as_str() {
            Some(name) => doc["components"]["responses"]
                [name.trim_start_matches("#/components/responses/")]
            .clone(),
            None => r.clone(),
        }
    };
    let mut problems = Vec::new();
    for (method, path, answers) in ANSWERS {
        let op = &doc["paths"][path][method];
        let documented: BTreeSet<u16> = op["responses"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| {
                k.parse()
                    .unwrap_or_else(|_| panic!("{method} {path}: status {k}"))
            })
            .collect();
        let mut expected: BTreeSet<u16> = answers.iter().copied().collect();
        expected.extend(layered(path, op));
        if documented != expected {
            problems.push(format!(
                "{method} {path}: documents {documented:?}, answers {expected:?}"
            ));
        }
        // The rules behind the table, so a new line cannot skip them.
        let state_changing = *method != "get";
        if state_changing && !expected.contains(&403) {
            problems.push(format!("{method} {path}: the Origin check answers 403"));
        }
        let concrete = path.replace(['{', '}'], "");
        if charta_web::rate::is_expensive(&concrete) && !expected.contains(&429) {
            problems.push(format!("{method} {path}: rate limited, so 429"));
        }
        let paged = op["parameters"].as_array().is_some_and(|ps| {
            ps.iter()
                .any(|p| p["name"] == "after" && p["in"] == "query")
        });
        if paged {
            if !expected.contains(&400) {
                problems.push(format!("{method} {path}: paged, so 400 for a bad cursor"));
            }
            if resolve(&op["responses"]["200"])["headers"]["Link"].is_null() {
                problems.push(format!("{method} {path}: paged, so Link on 200"));
            }
        }
        if path.contains('{') && !expected.contains(&404) {
            problems.push(format!("{method} {path}: names an object, so 404"));
        }
        if expected.contains(&429)
            && resolve(&op["responses"]["429"])["headers"]["Retry-After"].is_null()
        {
            problems.push(format!("{method} {path}: 429 documents Retry-After"));
        }
        for (status, r) in op["responses"].as_object().unwrap() {
            let r = resolve(r);
            if r["description"].as_str().is_none_or(str::is_empty) {
                problems.push(format!("{method} {path} {status}: no description"));
            }
            let content = r["content"].as_object();
            if status.starts_with('4') || status == "500" {
                let json = content.and_then(|c| c.get("application/json"));
                if !json.is_some_and(|j| is_error_body(&j["schema"])) {
                    problems.push(format!("{method} {path} {status}: the shared error body"));
                }
            }
            for (media, m) in content.into_iter().flatten() {
                if !m["schema"].is_object() {
                    problems.push(format!("{method} {path} {status} {media}: no schema"));
                }
            }
        }
        if state_changing && *path != "/api/v1/validate" && op["requestBody"].is_object() {
            let body = &op["requestBody"]["content"]["application/json"]["schema"];
            if body["$ref"].as_str().is_none() {
                problems.push(format!("{method} {path}: a JSON request body schema"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The values the document gives the store's text columns are there.
    let schemas = &doc["components"]["schemas"];
    for (schema, property, values) in charta_web::api::openapi::STORED_ENUMS {
        let p = &schemas[schema]["properties"][property];
        let named = p["$ref"]
            .as_str()
            .or_else(|| p["oneOf"][0]["$ref"].as_str());
        assert_eq!(
            named,
            Some(format!("#/components/schemas/{values}").as_str()),
            "{schema}.{property}: {p}"
        );
    }
    let codes = &schemas["ErrorDetail"]["properties"]["code"]["enum"];
    assert!(codes.as_array().is_some_and(|c| c.len() > 10), "{codes}");
}

/// A concrete address for a route of the fixture.
fn address(f: &Fixture, pattern: &str) -> String {
    pattern
        .replace("{group}", "wg")
        .replace("{spec}", "demo")
        .replace("{version}", "1")
        .replace("{control}", "X-VM-01")
        .replace("{catalog}", "cra")
        .replace("{item}", "T:1")
        .replace("{number}", "1")
        .replace("{delegation}", &f.delegations[0].to_string())
        .replace(
            "{id}",
            &if pattern.starts_with("/api/v1/tokens") {
                f.rep_token_id
            } else {
                f.ballot_id
            }
            .to_string(),
        )
}

/// A request to `uri` with `method`, a JSON body for state-changing calls,
/// and `headers`.
fn raw(method: &str, uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut b = Request::builder()
        .method(Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap())
        .uri(uri);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let body = if method == "get" {
        Body::empty()
    } else {
        b = b.header(header::CONTENT_TYPE, "application/json");
        Body::from("{}")
    };
    b.body(body).unwrap()
}

both_backends! {
    the_answers_every_route_shares_keep_the_contract => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let doc = contract(&f.router).await.document();
        let before = checked();
        let mut sent = 0;
        for (method, pattern, answers) in ANSWERS {
            let uri = address(&f, pattern);
            let verb = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
            // An invalid token: refused wherever credentials are read (and,
            // after many, refused for a while).
            let r = f.send(raw(method, &uri, &[("authorization", "Bearer charta_not-a-token")])).await;
            if answers.contains(&401) {
                assert!(matches!(r.status.as_u16(), 401 | 429), "{method} {uri}: {} {}", r.status, r.body);
            }
            // A host this server does not answer for.
            let r = f.send(raw(method, &uri, &[("host", "rebind.evil.example")])).await;
            if pattern.starts_with("/api/") {
                assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST, "{method} {uri}");
            }
            // Every person, with the body a state-changing call needs
            // missing: whatever each is told must be documented.
            for person in PEOPLE {
                f.request(person, verb.clone(), &uri, "{}").await;
            }
            // Unknown objects and bad pages.
            if pattern.contains('{') {
                let last = pattern.rfind('{').unwrap();
                let unknown = address(&f, &format!("{}nope{}", &pattern[..last], &pattern[pattern[last..].find('}').unwrap() + last + 1..]));
                f.request("admin", verb.clone(), &unknown, "{}").await;
                sent += 1;
            }
            // A path segment that is not UTF-8, a query parameter twice.
            if pattern.contains('{') {
                let last = pattern.rfind('{').unwrap();
                let broken = address(&f, &format!("{}%FF{}", &pattern[..last], &pattern[pattern[last..].find('}').unwrap() + last + 1..]));
                let r = f.request("admin", verb.clone(), &broken, "{}").await;
                assert_eq!(r.status, StatusCode::BAD_REQUEST, "{method} {broken}: {}", r.body);
                sent += 1;
            }
            if decodes(&doc["paths"][pattern][method]) && !pattern.contains('{') {
                let r = f.request("admin", verb.clone(), &format!("{uri}?limit=1&limit=2&q=a&q=b"), "{}").await;
                assert_eq!(r.status, StatusCode::BAD_REQUEST, "{method} {uri} with a parameter twice: {}", r.body);
                sent += 1;
            }
            let paged = doc["paths"][pattern][method]["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "after"));
            if paged {
                let r = f.request("admin", Method::GET, &format!("{uri}?limit=0"), "").await;
                assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}?limit=0: {}", r.body);
                sent += 1;
            }
            sent += 2 + PEOPLE.len();
        }
        assert!(checked() - before >= sent, "{sent} answers, {} checked", checked() - before);
    };
}
