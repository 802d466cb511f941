//! Self-assessments through the real router, on both databases: answering
//! and the standing per level, refusals with a reason, moving to a newer
//! release (changed controls flagged with what changed, new ones listed),
//! publishing (frozen, public, signed files that verify and name the
//! release), the group's statistics, privacy of drafts and token scopes.

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

fn parse(r: &Resp) -> Value {
    serde_json::from_str(&r.body).unwrap_or(Value::Null)
}

/// Version 2 of `demo`: X-VM-01 reworded, X-VM-02 added at level 2.
const V2: &str = "spec: demo\ngroup: wg\ntitle: Spec demo\nsections:\n  - id: VM\n    title: V\ncontrols:\n  - id: X-VM-01\n    section: VM\n    title: Control of demo\n    level: 1\n    status: active\n    statement: Projects MUST publish a policy and keep it current.\n    mappings:\n      - target: T:1\n        relationship: subset\n        rationale: Part of it.\n  - id: X-VM-02\n    section: VM\n    title: Triage\n    level: 2\n    status: active\n    statement: Projects MUST triage reports.\n";

/// Version 2 of `demo` with a passed release ballot, published as 1.1.0.
async fn release_version_2(f: &Fixture) {
    approve_version_2(f, V2).await;
    let r = f
        .request(
            "chair",
            Method::POST,
            "/specs/demo/releases",
            "version=2&name=1.1.0",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

async fn get(f: &Fixture, person: &str, uri: &str) -> (StatusCode, Vec<u8>) {
    let mut b = Request::get(uri).header(header::HOST, "127.0.0.1:8080");
    if let Some(s) = f.sessions.get(person) {
        b = b.header(header::COOKIE, format!("charta_session={s}"));
    }
    let resp = support::openapi::call(f.router.clone(), b.body(Body::empty()).unwrap()).await;
    (resp.status(), resp.into_body().to_vec())
}

fn control<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {doc}"))
}

both_backends! {
    answer_move_publish_and_verify => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let a = f.assessment;
        let base = format!("/api/v1/assessments/{a}");

        // A fresh draft: nothing met, the gap plan lists the control under
        // its catalog item.
        let r = f.request("rep", Method::GET, &base, "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let doc = parse(&r);
        assert_eq!(doc["state"], "draft");
        assert_eq!(doc["organization"], "Aurora");
        assert_eq!(doc["meets_level"], Value::Null);
        assert!(doc["statement"].as_str().unwrap().contains("not a certification"));
        assert_eq!(doc["gaps"][0]["remaining"], 1);
        assert_eq!(doc["gaps"][0]["groups"][0]["item"], "T:1");
        assert_eq!(doc["gaps"][0]["groups"][0]["gaps"][0]["state"], "unanswered");

        // Refusals say what to do, and write nothing.
        for (body, needle) in [
            (json!({"status": "not-applicable", "justification": " "}), "reason"),
            (json!({"status": "met", "evidence": ["javascript:alert(1)"]}), "web link"),
            (json!({"status": "met", "evidence": ["ftp://x"]}), "web link"),
            (json!({"status": "maybe"}), "not-applicable"),
        ] {
            let r = f.request("rep", Method::PUT, &format!("{base}/answers/X-VM-01"), &body.to_string()).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
            assert!(r.body.contains(needle), "{body}: {}", r.body);
        }
        let r = f.request("rep", Method::PUT, &format!("{base}/answers/NOPE-1"), r#"{"status":"met"}"#).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("not in this release"), "{}", r.body);
        let r = f.request("rep", Method::GET, &base, "").await;
        assert_eq!(control(&parse(&r), "X-VM-01")["status"], Value::Null);

        // Starting needs a subject with a web address, a level and a release.
        for (body, status) in [
            (json!({"spec":"demo","release":"1.0.0","kind":"project","name":"W","url":"not a url","target_level":1}), StatusCode::BAD_REQUEST),
            (json!({"spec":"demo","release":"1.0.0","kind":"project","name":"","url":"https://e.org","target_level":1}), StatusCode::BAD_REQUEST),
            (json!({"spec":"demo","release":"1.0.0","kind":"project","name":"W","url":"https://e.org","target_level":4}), StatusCode::BAD_REQUEST),
            (json!({"spec":"demo","release":"9.9.9","kind":"project","name":"W","url":"https://e.org","target_level":1}), StatusCode::NOT_FOUND),
            (json!({"spec":"demo","release":"1.0.0","kind":"project","name":"W","url":"https://e.org","target_level":1,"organization":"xorg"}), StatusCode::FORBIDDEN),
        ] {
            let r = f.request("outsider", Method::POST, "/api/v1/assessments", &body.to_string()).await;
            assert_eq!(r.status, status, "{body}: {}", r.body);
        }

        // Meeting the one level-1 control meets level 1.
        let r = f.request("rep", Method::PUT, &format!("{base}/answers/X-VM-01"), r#"{"status":"met","justification":"Our policy is public.","evidence":["https://example.org/policy"]}"#).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let doc = parse(&r);
        assert_eq!(doc["meets_level"], 3, "{doc}");
        assert_eq!(doc["gaps"][0]["remaining"], 0);

        // Drafts are private: the organisation's alternate sees it, others
        // are told it does not exist.
        assert_eq!(f.request("alternate", Method::GET, &base, "").await.status, StatusCode::OK);
        assert_eq!(f.request("chair", Method::GET, &base, "").await.status, StatusCode::NOT_FOUND);
        assert_eq!(f.request("anon", Method::GET, &base, "").await.status, StatusCode::NOT_FOUND);
        let mine = f.request("alternate", Method::GET, "/api/v1/assessments", "").await;
        assert_eq!(parse(&mine).as_array().unwrap().len(), 1, "{}", mine.body);
        let theirs = f.request("chair", Method::GET, "/api/v1/assessments", "").await;
        assert_eq!(parse(&theirs), json!([]));

        // A newer release: the owner moves to it.
        release_version_2(&f).await;
        let r = f.request("rep", Method::GET, &base, "").await;
        assert_eq!(parse(&r)["newer_release"], "1.1.0");
        let r = f.request("rep", Method::POST, &format!("{base}/move"), r#"{"release":"0.9"}"#).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let r = f.request("rep", Method::POST, &format!("{base}/move"), r#"{"release":"1.1.0"}"#).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let doc = parse(&r);
        assert_eq!(doc["release"], "1.1.0");
        assert_eq!(doc["moved_from"], "1.0.0");
        let changed = control(&doc, "X-VM-01");
        assert_eq!(changed["review"], "changed");
        assert_eq!(changed["status"], "met", "the old answer is kept to review");
        assert!(changed["redline"].to_string().contains("keep it current"), "{changed}");
        assert_eq!(control(&doc, "X-VM-02")["review"], "new");
        // A changed control's "met" no longer counts.
        assert_eq!(doc["meets_level"], Value::Null);
        assert_eq!(doc["gaps"][0]["groups"][0]["gaps"][0]["state"], "to-review");
        // Moving back is refused.
        let r = f.request("rep", Method::POST, &format!("{base}/move"), r#"{"release":"1.0.0"}"#).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

        // Answering again clears the flag.
        let r = f.request("rep", Method::PUT, &format!("{base}/answers/X-VM-01"), r#"{"status":"met","justification":"Reviewed yearly.","evidence":["https://example.org/policy"]}"#).await;
        let doc = parse(&r);
        assert_eq!(control(&doc, "X-VM-01")["review"], Value::Null);
        assert_eq!(control(&doc, "X-VM-01")["redline"], Value::Null);
        assert_eq!(doc["meets_level"], 1);
        let r = f.request("rep", Method::PUT, &format!("{base}/answers/X-VM-02"), r#"{"status":"not-applicable","justification":"Nobody reports anything: no users."}"#).await;
        assert_eq!(parse(&r)["meets_level"], 3);

        // Publishing freezes it, makes it public and signs it.
        let r = f.request("rep", Method::POST, &format!("{base}/publish"), "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let doc = parse(&r);
        assert_eq!(doc["state"], "published");
        assert_eq!(doc["achieved_level"], 3);
        let r = f.request("rep", Method::PUT, &format!("{base}/answers/X-VM-01"), r#"{"status":"not-met"}"#).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        let r = f.request("rep", Method::POST, &format!("{base}/publish"), "").await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        let r = f.request("anon", Method::GET, &base, "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);

        // The attestation verifies with the instance's key and names the
        // release's manifest hash; the other files match it.
        let (status, att) = get(&f, "anon", &format!("/assessments/{a}/files/attestation.json")).await;
        assert_eq!(status, StatusCode::OK);
        let key = release_key().verifying_key();
        let v = charta_release::assessment::verify_attestation(&att, &key).unwrap();
        let demo = f.store.spec("demo").await.unwrap();
        let rel = f.store.release(demo.id, "1.1.0").await.unwrap();
        assert_eq!(v.release_manifest_sha256, rel.manifest_sha256);
        assert_eq!(v.achieved_level, Some(3));
        for name in ["assessment.json", "assessment-results.oscal.json"] {
            let (status, bytes) = get(&f, "anon", &format!("/assessments/{a}/files/{name}")).await;
            assert_eq!(status, StatusCode::OK, "{name}");
            charta_release::assessment::check_file(&v, name, &bytes).unwrap();
        }
        let (status, svg) = get(&f, "anon", &format!("/assessments/{a}/badge.svg")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(String::from_utf8(svg).unwrap().contains("level 3"));

        // The group's statistics count it.
        let r = f.request("anon", Method::GET, "/api/v1/specs/demo/releases/1.1.0/assessments", "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let stats = parse(&r);
        assert_eq!(stats["published"], 1);
        assert_eq!(stats["meeting"], json!([{"level":1,"assessments":1},{"level":2,"assessments":1},{"level":3,"assessments":1}]));
        let x2 = stats["controls"].as_array().unwrap().iter().find(|c| c["control"] == "X-VM-02").unwrap();
        assert_eq!(x2["not_applicable"], 1);
        assert_eq!(stats["assessments"][0]["id"], a);
    };

    tokens_need_the_assess_scope => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let send = |token: String, method: Method, uri: String, body: String| {
            let mut b = Request::builder()
                .method(method.clone())
                .uri(uri)
                .header(header::HOST, "127.0.0.1:8080")
                .header(header::AUTHORIZATION, format!("Bearer {token}"));
            if method != Method::GET {
                b = b.header(header::CONTENT_TYPE, "application/json");
            }
            f.send(b.body(Body::from(body)).unwrap())
        };
        let start = r#"{"spec":"demo","release":"1.0.0","kind":"repository","name":"R","url":"https://example.org/r","target_level":1}"#;
        // The fixture's token only reads.
        let r = send(f.rep_token.clone(), Method::POST, "/api/v1/assessments".into(), start.into()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(r.body.contains("scope"), "{}", r.body);
        let r = send(f.rep_token.clone(), Method::GET, format!("/api/v1/assessments/{}", f.assessment), String::new()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "the owner learns why: {}", r.body);
        let r = f.request("rep", Method::POST, "/api/v1/tokens", r#"{"name":"assessor","scopes":["assess"],"days":7}"#).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let token = parse(&r)["token"].as_str().unwrap().to_string();
        let r = send(token.clone(), Method::POST, "/api/v1/assessments".into(), start.into()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = parse(&r)["id"].as_i64().unwrap();
        let r = send(token, Method::PUT, format!("/api/v1/assessments/{id}/answers/X-VM-01"), r#"{"status":"partly-met","justification":"Half."}"#.into()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(parse(&r)["levels"][0]["partly_met"], 1);
    };

    pages_start_answer_and_publish_with_forms => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // The release page leads to the start form, filled in.
        let r = f.request("outsider", Method::GET, "/releases/demo/1.0.0/", "").await;
        assert!(r.body.contains("href=\"/assessments?spec=demo&amp;release=1.0.0\""), "{}", r.body);
        // Signed out, the same place asks to sign in and comes back.
        let r = f.request("anon", Method::GET, "/releases/demo/1.0.0/", "").await;
        assert!(r.body.contains("<a href=\"/auth/login?return_to=/releases/demo/1.0.0/\">Sign in</a> to assess"), "{}", r.body);
        let r = f.request("outsider", Method::GET, "/assessments?spec=demo&release=1.0.0", "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("value=\"1.0.0\""), "{}", r.body);
        assert!(!r.body.contains("<script"), "pages carry no script");
        // A start form that is not accepted comes back as typed, with the
        // reason, and starts nothing.
        let r = f.request("outsider", Method::POST, "/assessments", "spec=demo&release=9.9.9&kind=repository&name=Gadget&url=https%3A%2F%2Fexample.org%2Fg&target_level=2").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        assert!(r.body.contains("id=\"start-error\" role=\"alert\">Release 9.9.9 of demo"), "{}", r.body);
        assert!(r.body.contains("value=\"Gadget\"") && r.body.contains("value=\"9.9.9\""), "{}", r.body);
        assert!(r.body.contains("<option value=\"repository\" selected>") && r.body.contains("<option value=\"2\" selected>"), "{}", r.body);
        let r = f.request("outsider", Method::POST, "/assessments", "spec=demo&release=1.0.0&kind=repository&name=Gadget&url=ftp%3A%2F%2Fexample.org&target_level=1").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("start-error") && r.body.contains("value=\"ftp://example.org\""), "{}", r.body);
        let r = f.request("outsider", Method::GET, "/api/v1/assessments", "").await;
        assert_eq!(parse(&r).as_array().map(Vec::len), Some(0), "{}", r.body);
        let r = f.request("outsider", Method::POST, "/assessments", "spec=demo&release=1.0.0&kind=repository&name=Gadget&url=https%3A%2F%2Fexample.org%2Fg&target_level=1").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = r.location.clone();
        let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
        let r = f.request("outsider", Method::GET, &page, "").await;
        assert!(r.body.contains("Self-assessment, not a certification"), "{}", r.body);
        assert!(r.body.contains("name=\"_csrf\""), "{}", r.body);
        assert!(r.body.contains("For level 1: 1 control to go"), "{}", r.body);
        // A form without the CSRF token is refused.
        let req = Request::post(format!("{page}/answers"))
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::COOKIE, format!("charta_session={}", f.sessions["outsider"]))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("control=X-VM-01&status=met"))
            .unwrap();
        assert_eq!(f.send(req).await.status, StatusCode::FORBIDDEN);
        // A bad answer is refused with what to do, in the page as it was,
        // with what was sent still in its form; a good one lands on its
        // control.
        let r = f.request("outsider", Method::POST, &format!("{page}/answers"), "control=X-VM-01&status=not-applicable&justification=&evidence=https%3A%2F%2Fexample.org%2Fkept").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let error = r.body.split("id=\"error-X-VM-01\" role=\"alert\">").nth(1).and_then(|p| p.split("</p>").next()).unwrap_or_default();
        assert!(error.contains("not applicable") && error.contains("needs a reason"), "{}", r.body);
        assert!(r.body.contains("<a href=\"#control-X-VM-01\">X-VM-01</a> was not saved"), "{}", r.body);
        assert!(r.body.contains("<option value=\"not-applicable\" selected>"), "{}", r.body);
        assert!(r.body.contains("https://example.org/kept"), "{}", r.body);
        assert!(r.body.contains("0 of the 1 controls") && r.body.contains("For level 1: 1 control to go"), "the refused answer counts for nothing: {}", r.body);
        let r = f.request("outsider", Method::GET, &format!("/api/v1/assessments/{id}"), "").await;
        assert_eq!(control(&parse(&r), "X-VM-01")["status"], Value::Null, "nothing was saved");
        let r = f.request("outsider", Method::POST, &format!("{page}/answers"), "control=X-VM-01&status=maybe").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("role=\"alert\">Choose a status"), "{}", r.body);
        // An answer to a control the release does not have is an error page.
        let r = f.request("outsider", Method::POST, &format!("{page}/answers"), "control=X-NOPE&status=met").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("not in this release"), "{}", r.body);
        let r = f.request("outsider", Method::POST, &format!("{page}/answers"), "control=X-VM-01&status=met&justification=Yes&evidence=https%3A%2F%2Fexample.org%2Fa%0D%0Ahttps%3A%2F%2Fexample.org%2Fb").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location, format!("{page}#control-X-VM-01"));
        let r = f.request("outsider", Method::GET, &format!("/api/v1/assessments/{id}"), "").await;
        assert_eq!(control(&parse(&r), "X-VM-01")["evidence"], json!(["https://example.org/a", "https://example.org/b"]));
        // Publishing goes through a confirmation page.
        let r = f.request("outsider", Method::GET, &format!("{page}/publish"), "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("frozen for good"), "{}", r.body);
        let r = f.request("outsider", Method::POST, &format!("{page}/publish"), "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = f.request("anon", Method::GET, &page, "").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("attestation.json") && !r.body.contains("name=\"status\""), "{}", r.body);
        let r = f.request("anon", Method::GET, "/releases/demo/1.0.0/assessments", "").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains(">Gadget</a>: meets level 3"), "{}", r.body);
    };

    the_owner_of_a_draft_hears_of_a_newer_release => |db: TestDb| async move {
        let config = charta_web::WebConfig {
            notify: charta_app::notify::NotifySettings {
                transport: charta_app::notify::MailTransport::Mailbox,
                ..Default::default()
            },
            ..charta_web::WebConfig::default()
        };
        let f = fixture_with(db, config.clone()).await;
        // Someone outside the group keeps a draft against 1.0.0.
        let r = f.request("outsider", Method::POST, "/api/v1/assessments", r#"{"spec":"demo","release":"1.0.0","kind":"package","name":"P","url":"https://example.org/p","target_level":1}"#).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        release_version_2(&f).await;
        let app = charta_app::App::new(f.store.clone(), std::sync::Arc::new(catalogs()), config.settings(), None);
        while charta_app::notify::plan::fan_out(&app).await.unwrap() > 0 {}
        let mail = f.store.outbox("mail", 500).await.unwrap();
        let told = mail
            .iter()
            .find(|m| m.address == "outsider@example.org" && m.subject.contains("1.1.0"))
            .expect("the draft's owner is told of the new release");
        assert!(told.body_text.contains("move it to this one"), "{}", told.body_text);
    };
}
