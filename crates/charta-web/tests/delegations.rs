//! Delegations of an organisation's vote through the real router, on both
//! databases: the members page and the API give and revoke them, the vote
//! follows them, the ballot record shows them, and every bad input and
//! every person without the right gets a clear refusal.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::http::{Method, StatusCode};
use charta_store::testing::TestDb;
use charta_store::{both_backends, import_group_text};

mod support;
use support::*;

async fn json(f: &Fixture, person: &str, uri: &str) -> serde_json::Value {
    let r = f.request(person, Method::GET, uri, "").await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

/// A date `days` from today, as a form's date field sends it.
fn in_days(days: i64) -> String {
    let d = (time::OffsetDateTime::now_utc() + time::Duration::days(days)).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

both_backends! {
    a_delegation_moves_aurora_s_vote_and_the_record_shows_it => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let ballot = format!("/ballots/{}", f.ballot_id);
        // Without a delegation the alternate is told who votes and how to change that.
        let r = f.request("alternate", Method::POST, &format!("{ballot}/votes"), "position=approve").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(r.body.contains("cast by its representative, rep") && r.body.contains("delegate the vote to you"), "{}", r.body);
        let page = f.request("alternate", Method::GET, &ballot, "").await.body;
        assert!(!page.contains("name=\"position\" value=\"object\""), "no vote form for the alternate: {page}");
        // The representative votes; then delegates from the members page.
        assert_eq!(f.request("rep", Method::POST, &format!("{ballot}/votes"), "position=approve").await.status, StatusCode::SEE_OTHER);
        let members = f.request("rep", Method::GET, "/groups/wg/members", "").await.body;
        assert!(members.contains("Delegate the vote") && members.contains("rep (representative)"), "{members}");
        let r = f.request("rep", Method::POST, "/groups/wg/delegations", &form(&[("organization", "aurora"), ("alternate", "alternate@example.org"), ("starts", ""), ("ends", &in_days(1))])).await;
        assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, "/groups/wg/members#votes"), "{}", r.body);
        let list = json(&f, "observer", "/api/v1/groups/wg/delegations").await;
        let d = list[0]["id"].as_i64().unwrap();
        assert_eq!((list[0]["alternate_name"].as_str(), list[0]["given_by_name"].as_str()), (Some("alternate"), Some("rep")));
        let members = f.request("observer", Method::GET, "/groups/wg/members", "").await.body;
        assert!(members.contains(&format!("alternate (alternate, delegation {d})")), "{members}");
        assert!(!members.contains("Delegate the vote") && !members.contains("Revoke delegation"), "observers see no forms");
        // The representative's vote stands until the alternate votes; the
        // representative can no longer vote, and hears why.
        let doc = json(&f, "rep", &format!("/api/v1/ballots/{}", f.ballot_id)).await;
        assert_eq!(doc["tally"]["approve"], 1);
        let r = f.request("rep", Method::POST, &format!("{ballot}/votes"), "position=abstain").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.body.contains(&format!("delegated to alternate (delegation {d}")), "{}", r.body);
        let page = f.request("alternate", Method::GET, &ballot, "").await.body;
        assert!(page.contains("name=\"position\" value=\"object\""), "the alternate now gets the vote form");
        assert_eq!(f.request("alternate", Method::POST, &format!("{ballot}/votes"), "position=abstain").await.status, StatusCode::SEE_OTHER);
        let doc = json(&f, "rep", &format!("/api/v1/ballots/{}", f.ballot_id)).await;
        let history = doc["history"].as_array().unwrap();
        assert_eq!(history.iter().map(|v| (v["voter_name"].as_str().unwrap(), v["delegation_id"].as_i64())).collect::<Vec<_>>(), [("rep", None), ("alternate", Some(d))]);
        assert_eq!(doc["tally"]["abstain"], 1);
        assert_eq!(doc["eligible"][0]["voter_at_opening"], "rep", "{doc}");
        let shown: Vec<i64> = doc["delegations"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect();
        assert!(shown.contains(&d) && !shown.contains(&f.delegations[0]), "in force during the ballot only: {shown:?}");
        let page = f.request("rep", Method::GET, &ballot, "").await.body;
        assert!(page.contains(&format!("(under delegation {d})")) && page.contains("Who could vote"), "{page}");
        // Revoked through the API, the vote returns to the representative.
        let r = f.request("rep", Method::POST, &format!("/api/v1/groups/wg/delegations/{d}/revoke"), "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("\"revoked_at\":\"20"), "{}", r.body);
        let r = f.request("alternate", Method::POST, &format!("{ballot}/votes"), "position=approve").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(f.request("rep", Method::POST, &format!("/api/v1/ballots/{}/votes", f.ballot_id), r#"{"position":"approve"}"#).await.status, StatusCode::CREATED);
        let r = f.request("rep", Method::POST, &format!("/groups/wg/delegations/{d}/revoke"), "").await;
        assert!(r.status == StatusCode::CONFLICT && r.body.contains("already revoked"), "{}", r.body);
        let audit = json(&f, "rep", &format!("/api/v1/ballots/{}/audit", f.ballot_id)).await;
        assert!(audit.as_array().unwrap().iter().any(|e| e["details"].as_str().unwrap_or_default().contains(&format!("\"delegation\":{d}"))), "{audit}");
    };

    delegations_refuse_bad_input_and_the_wrong_people => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let give = |body: serde_json::Value| body.to_string();
        // Not allowed: everyone but Aurora's representative.
        let ok = give(serde_json::json!({"organization": "aurora", "alternate": "alternate@example.org", "starts_at": "2099-01-01", "ends_at": "2099-01-02"}));
        for (who, status) in [("anon", StatusCode::UNAUTHORIZED), ("outsider", StatusCode::FORBIDDEN), ("alternate", StatusCode::FORBIDDEN), ("chair", StatusCode::FORBIDDEN), ("admin", StatusCode::FORBIDDEN), ("editor", StatusCode::FORBIDDEN)] {
            let r = f.request(who, Method::POST, "/api/v1/groups/wg/delegations", &ok).await;
            assert_eq!(r.status, status, "{who}: {}", r.body);
        }
        let r = f.request("chair", Method::POST, "/api/v1/groups/wg/delegations", &ok).await;
        assert!(r.body.contains("Only the organisation's representative can delegate its vote"), "{}", r.body);
        let r = f.request("chair", Method::POST, &format!("/api/v1/groups/wg/delegations/{}/revoke", f.delegations[0]), "").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // A token without the vote scope cannot delegate.
        let r = f.send(axum::http::Request::builder().method(Method::POST).uri("/api/v1/groups/wg/delegations")
            .header("host", "127.0.0.1:8080").header("authorization", format!("Bearer {}", f.rep_token)).header("content-type", "application/json")
            .body(axum::body::Body::from(ok.clone())).unwrap()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        // Bad input, each with a message that says what to do.
        for (body, status, needle) in [
            (serde_json::json!({"organization": "nowhere", "alternate": "alternate@example.org"}), StatusCode::BAD_REQUEST, "not a member organisation of WG; name one of: aurora"),
            (serde_json::json!({"organization": "aurora", "alternate": "nobody@example.org"}), StatusCode::BAD_REQUEST, "is an alternate of Aurora in WG"),
            (serde_json::json!({"organization": "aurora", "alternate": "rep@example.org"}), StatusCode::BAD_REQUEST, "is an alternate of Aurora in WG"),
            (serde_json::json!({"organization": "aurora", "alternate": "alternate@example.org", "starts_at": "soon"}), StatusCode::BAD_REQUEST, "neither a date (YYYY-MM-DD) nor a time"),
            (serde_json::json!({"organization": "aurora", "alternate": "alternate@example.org", "starts_at": "2020-01-01T00:00:00Z"}), StatusCode::CONFLICT, "cannot start in the past"),
            (serde_json::json!({"organization": "aurora", "alternate": "alternate@example.org", "starts_at": "2099-01-02T00:00:00Z", "ends_at": "2099-01-01T00:00:00Z"}), StatusCode::CONFLICT, "must end after it starts"),
            (serde_json::json!({"organization": "aurora", "alternate": "alternate@example.org"}), StatusCode::CONFLICT, &format!("Delegation {} of this organisation is in force", f.delegations[0])),
            (serde_json::json!({"alternate": "alternate@example.org"}), StatusCode::BAD_REQUEST, "missing field `organization`"),
        ] {
            let r = f.request("rep", Method::POST, "/api/v1/groups/wg/delegations", &body.to_string()).await;
            assert_eq!(r.status, status, "{body}: {}", r.body);
            assert!(r.body.contains(needle), "{body}: {} lacks {needle:?}", r.body);
        }
        // An alternate of another organisation is named as such.
        import_group_text(&f.store, "group: wg\nname: WG\nmembers:\n  - slug: aurora\n    name: Aurora\n  - slug: borealis\n    name: Borealis\n", "test").await.unwrap();
        let wg = f.store.group("wg").await.unwrap();
        let borealis = f.store.organizations(wg.id).await.unwrap().into_iter().find(|o| o.slug == "borealis").unwrap();
        let reviewer = f.store.group_members(wg.id).await.unwrap().into_iter().find(|m| m.role == "reviewer").unwrap();
        f.store.add_membership(wg.id, reviewer.user_id, "alternate", Some(borealis.id)).await.unwrap();
        let r = f.request("rep", Method::POST, "/api/v1/groups/wg/delegations", &give(serde_json::json!({"organization": "aurora", "alternate": "reviewer@example.org", "starts_at": "2099-01-01"}))).await;
        assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("an alternate of Borealis, not of Aurora"), "{}", r.body);
        // Borealis has no representative: its vote is nobody's until the chair delegates it.
        let r = f.request("reviewer", Method::POST, "/api/v1/groups/wg/delegations", &give(serde_json::json!({"organization": "borealis", "alternate": "reviewer@example.org"}))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "an alternate cannot delegate to themselves");
        let r = f.request("chair", Method::POST, "/groups/wg/delegations", &form(&[("organization", "borealis"), ("alternate", "reviewer@example.org")])).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // Unknown delegations and groups.
        for uri in ["/api/v1/groups/wg/delegations/999999/revoke", "/api/v1/groups/wg/delegations/abc/revoke", "/api/v1/groups/nope/delegations/1/revoke"] {
            assert_eq!(f.request("rep", Method::POST, uri, "").await.status, StatusCode::NOT_FOUND, "{uri}");
        }
        assert_eq!(f.request("outsider", Method::GET, "/api/v1/groups/wg/delegations", "").await.status, StatusCode::FORBIDDEN);
        assert_eq!(f.request("anon", Method::GET, "/api/v1/groups/wg/delegations", "").await.status, StatusCode::UNAUTHORIZED);
    };

    invitations_to_voting_roles_follow_the_organisation_s_domain => |db: TestDb| async move {
        let f = fixture(db, false).await;
        import_group_text(&f.store, "group: wg\nname: WG\nmembers:\n  - slug: aurora\n    name: Aurora\n    email-domain: example.org\n  - slug: borealis\n    name: Borealis\n", "test").await.unwrap();
        let invite = |email: &str, role: &str, org: &str| form(&[("email", email), ("role", role), ("organization", org)]);
        // Outside Aurora's domain: refused for the chair, confirmed by an administrator.
        let r = f.request("chair", Method::POST, "/groups/wg/invitations", &invite("ana@other.test", "alternate", "aurora")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("verified e-mail address in example.org"), "{}", r.body);
        let r = f.request("admin", Method::POST, "/groups/wg/invitations", &invite("ana@other.test", "alternate", "aurora")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(f.request("chair", Method::POST, "/groups/wg/invitations", &invite("bo@example.org", "alternate", "aurora")).await.status, StatusCode::OK);
        // The chair making themselves a voter: only within their own domain.
        let r = f.request("chair", Method::POST, "/groups/wg/invitations", &invite("chair@example.org", "representative", "borealis")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(r.body.contains("no e-mail domain on record"), "{}", r.body);
        assert_eq!(f.request("chair", Method::POST, "/groups/wg/invitations", &invite("chair@example.org", "alternate", "aurora")).await.status, StatusCode::OK);
        // Roles that do not vote are not concerned.
        assert_eq!(f.request("chair", Method::POST, "/groups/wg/invitations", &invite("someone@other.test", "reviewer", "")).await.status, StatusCode::OK);
    };
}
