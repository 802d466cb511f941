//! A whole amendment and release cycle through `/api/v1` alone, as a
//! script would run it: people create tokens, propose, review, reply and
//! vote with them; the chair's decisions (rules, ballots, merging,
//! publishing) go through the same API with the chair's multi-factor
//! session, and the same decisions made with a token are refused with a
//! `403` that says why.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use charta_store::both_backends;
use charta_store::testing::TestDb;
use serde_json::{Value, json};

mod support;
use support::*;

/// A request with a bearer token, as a script sends it.
fn token_request(token: &str, method: Method, uri: &str, body: &Value) -> Request<Body> {
    let b = Request::builder()
        .method(method.clone())
        .uri(uri)
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if method == Method::GET {
        b.body(Body::empty()).unwrap()
    } else {
        b.header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    }
}

fn parse(r: &Resp) -> Value {
    serde_json::from_str(&r.body).unwrap_or(Value::Null)
}

/// Creates a token for `person` with `scopes` through the API.
async fn token(f: &Fixture, person: &str, scopes: &[&str]) -> String {
    let body = json!({"name": format!("{person} script"), "scopes": scopes, "days": 7});
    let r = f
        .request(person, Method::POST, "/api/v1/tokens", &body.to_string())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    parse(&r)["token"].as_str().unwrap().to_string()
}

both_backends! {
    a_script_runs_an_amendment_and_a_release_through_the_api => |db: TestDb| async move {
        let f = fixture_with(db, charta_web::WebConfig::default()).await;
        let send = |t: &str, m: Method, u: &str, b: Value| {
            let req = token_request(t, m, u, &b);
            async { f.send(req).await }
        };
        let editor = token(&f, "editor", &["read", "propose", "comment"]).await;
        let reviewer = token(&f, "reviewer", &["read", "comment"]).await;
        let rep = token(&f, "rep", &["read", "vote"]).await;
        let chair = token(&f, "chair", &["read", "propose", "comment", "vote"]).await;

        // The chair makes amendments need a ballot, through the API.
        let rules = f.request("chair", Method::GET, "/api/v1/groups/wg/rules", "").await;
        let mut rules = parse(&rules)["rules"].clone();
        rules["amendment-ballot-required"] = json!(true);
        let r = send(&chair, Method::PUT, "/api/v1/groups/wg/rules", rules.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "a token cannot change the rules: {}", r.body);
        assert!(r.body.contains("multi-factor"), "{}", r.body);
        let r = f.request("chair", Method::PUT, "/api/v1/groups/wg/rules", &rules.to_string()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(parse(&r)["rules"]["amendment-ballot-required"], json!(true));

        // The editor proposes a change to the control's statement.
        let content = spec("demo", "wg", "publish a policy and keep it current");
        let r = send(&editor, Method::POST, "/api/v1/specs/demo/amendments", json!({
            "title": "Keep the policy current", "description": "Yearly review.", "content": content, "open": true,
        })).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let n = parse(&r)["number"].as_i64().unwrap();
        let base = format!("/api/v1/specs/demo/amendments/{n}");

        // The reviewer objects on the statement's line; the editor replies;
        // the reviewer withdraws the objection.
        let r = send(&reviewer, Method::POST, &format!("{base}/threads"), json!({
            "body": "How often is current?", "control_id": "X-VM-01", "field": "statement",
            "first_line": 1, "last_line": 1, "blocking": true,
        })).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let thread = parse(&r)["thread"].as_i64().unwrap();
        let r = send(&editor, Method::POST, &format!("{base}/threads/{thread}/replies"), json!({"body": "Yearly; see the description."})).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let r = send(&editor, Method::POST, &format!("{base}/threads/{thread}/resolve"), json!({"resolved": true})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "only the objector or the chair settles an objection: {}", r.body);
        let r = send(&reviewer, Method::POST, &format!("{base}/threads/{thread}/resolve"), json!({"resolved": true})).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

        // Merging needs the ballot first, and a ballot needs the chair's session.
        let r = f.request("chair", Method::POST, &format!("{base}/merge"), "").await;
        assert_eq!(r.status, StatusCode::CONFLICT, "no ballot yet: {}", r.body);
        let r = send(&chair, Method::POST, &format!("{base}/ballots"), json!({"days": 3})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = f.request("chair", Method::POST, &format!("{base}/ballots"), r#"{"days":3}"#).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let ballot = parse(&r)["ballot"].as_i64().unwrap();

        // Aurora's representative approves with the vote-scoped token; the
        // reviewer's token cannot vote.
        let r = send(&reviewer, Method::POST, &format!("/api/v1/ballots/{ballot}/votes"), json!({"position": "approve"})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = send(&rep, Method::POST, &format!("/api/v1/ballots/{ballot}/votes"), json!({"position": "approve", "rationale": "Sound."})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = send(&rep, Method::GET, "/api/v1/my-work", json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(!parse(&r)["ballots"].as_array().unwrap().iter().any(|b| b["id"] == json!(ballot)), "voted: no longer waiting: {}", r.body);

        // The outcome is settled; the chair closes early and merges.
        let r = f.request("chair", Method::POST, &format!("/api/v1/ballots/{ballot}/close"), "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(parse(&r)["outcome"], json!("passed"), "{}", r.body);
        let r = send(&chair, Method::POST, &format!("{base}/merge"), json!({})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = f.request("chair", Method::POST, &format!("{base}/merge"), "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let version = parse(&r)["version"].as_i64().unwrap();
        assert_eq!(version, 2);

        // Release: a ballot on version 2, the vote, the close, publishing.
        let r = f.request("chair", Method::POST, "/api/v1/specs/demo/ballots", r#"{"version":2,"days":3}"#).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let release_ballot = parse(&r)["ballot"].as_i64().unwrap();
        let r = send(&rep, Method::POST, &format!("/api/v1/ballots/{release_ballot}/votes"), json!({"position": "approve"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = f.request("chair", Method::POST, &format!("/api/v1/ballots/{release_ballot}/close"), "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = send(&chair, Method::POST, "/api/v1/specs/demo/releases", json!({"version": 2, "name": "1.1.0"})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "publishing is a person's decision: {}", r.body);
        let r = f.request("chair", Method::POST, "/api/v1/specs/demo/releases", r#"{"version":2,"name":"1.1.0"}"#).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let release = parse(&r);
        assert_eq!(release["name"], json!("1.1.0"));
        assert!(release["artefacts"]["manifest.json"].as_str().unwrap().ends_with("/releases/demo/1.1.0/manifest.json"));

        // Everything is on record: the amendment's audit trail and the
        // release list, read with the reviewer's token.
        let r = send(&reviewer, Method::GET, &format!("{base}/audit"), json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let actions: Vec<String> = parse(&r).as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect();
        for expected in ["amendment.create", "review.thread.create", "review.comment", "review.thread.resolve"] {
            assert!(actions.iter().any(|a| a == expected), "{expected} missing from {actions:?}");
        }
        let r = send(&reviewer, Method::GET, "/api/v1/specs/demo/releases", json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(parse(&r)[0]["name"], json!("1.1.0"), "newest first: {}", r.body);
    };

    rebasing_and_state_changes_work_through_the_api => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let editor = token(&f, "editor", &["read", "propose", "comment"]).await;
        let send = |t: &str, m: Method, u: &str, b: Value| {
            let req = token_request(t, m, u, &b);
            async { f.send(req).await }
        };
        // Two amendments change the same statement; the first is merged.
        let mut numbers = Vec::new();
        for word in ["publish a policy yearly", "publish a policy monthly"] {
            let r = send(&editor, Method::POST, "/api/v1/specs/demo/amendments", json!({
                "title": word, "description": "", "content": spec("demo", "wg", word), "open": true,
            })).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            numbers.push(parse(&r)["number"].as_i64().unwrap());
        }
        let r = f.request("chair", Method::POST, &format!("/api/v1/specs/demo/amendments/{}/merge", numbers[0]), "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let second = format!("/api/v1/specs/demo/amendments/{}", numbers[1]);
        let r = send(&editor, Method::GET, &format!("{second}/rebase"), json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let preview = parse(&r);
        assert_eq!(preview["up_to_date"], json!(false));
        let conflicts = preview["conflicts"].as_array().unwrap();
        assert_eq!(conflicts.len(), 1, "{preview}");
        assert!(conflicts[0]["head"].as_str().unwrap().contains("yearly"), "{preview}");
        assert!(conflicts[0]["revision"].as_str().unwrap().contains("monthly"), "{preview}");
        // Without a choice the rebase is refused whole; a bad choice is named.
        let r = send(&editor, Method::POST, &format!("{second}/rebase"), json!({"expected": 1})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        let r = send(&editor, Method::POST, &format!("{second}/rebase"), json!({"expected": 1, "choices": ["mine"]})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("\\\"head\\\" or \\\"revision\\\""), "{}", r.body);
        let r = send(&editor, Method::POST, &format!("{second}/rebase"), json!({"expected": 1, "choices": ["revision"]})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(parse(&r)["revision"], json!(2));
        let r = send(&editor, Method::GET, &format!("{second}/rebase"), json!({})).await;
        assert_eq!(parse(&r)["up_to_date"], json!(true), "{}", r.body);

        // The author withdraws, then reopens; an unknown event is named.
        let r = send(&editor, Method::POST, &format!("{second}/state"), json!({"event": "shelve"})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        let r = send(&editor, Method::POST, &format!("{second}/state"), json!({"event": "withdraw", "reason": "Superseded"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(parse(&r)["state"], json!("withdrawn"));
        let r = send(&editor, Method::POST, &format!("{second}/state"), json!({"event": "withdraw"})).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        let r = send(&editor, Method::POST, &format!("{second}/state"), json!({"event": "reopen"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(parse(&r)["state"], json!("open"));
        // Rejecting is the chair's, in the browser's session only.
        let r = send(&editor, Method::POST, &format!("{second}/state"), json!({"event": "reject"})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

        // Members and invitations: the chair sees open invitations, a
        // reviewer only the people.
        let r = f.request("chair", Method::GET, "/api/v1/groups/wg/members", "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(!parse(&r)["invitations"].as_array().unwrap().is_empty(), "{}", r.body);
        let r = f.request("reviewer", Method::GET, "/api/v1/groups/wg/members", "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(parse(&r)["invitations"].as_array().unwrap().is_empty(), "{}", r.body);
        assert!(parse(&r)["members"].as_array().unwrap().iter().any(|m| m["role"] == json!("chair")), "{}", r.body);
    };
}
