//! Ballots through the real router, on both databases: a group that
//! requires ballots, three foundations voting, the live tally, the merge
//! gate, resets on normative revisions, closing, public results and the
//! failure paths.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::http::{Method, StatusCode};
use charta_domain::ballot::{Rules, Threshold};
use charta_store::testing::TestDb;
use charta_store::{NewSession, both_backends, import_group_text};
use charta_web::auth::secret;

mod support;
use support::*;

/// The fixture, with Borealis and Cygnus joining Aurora in `wg`, their
/// representatives signed in as `rep-b` and `rep-c`, and the group's rules
/// requiring a ballot before an amendment merges.
async fn three_foundations(db: TestDb, rules: Rules) -> Fixture {
    let mut f = fixture(db, false).await;
    import_group_text(
        &f.store,
        "group: wg\nname: WG\nmembers:\n  - slug: aurora\n    name: Aurora\n  - slug: borealis\n    name: Borealis\n  - slug: cygnus\n    name: Cygnus\n",
        "test",
    )
    .await
    .unwrap();
    let wg = f.store.group("wg").await.unwrap();
    let orgs = f.store.organizations(wg.id).await.unwrap();
    for (person, org) in [("rep-b", "borealis"), ("rep-c", "cygnus")] {
        let user = f
            .store
            .upsert_user(
                "https://idp.test",
                person,
                &format!("{person}@example.org"),
                person,
            )
            .await
            .unwrap();
        let org_id = orgs.iter().find(|o| o.slug == org).unwrap().id;
        f.store
            .add_membership(wg.id, user.id, "representative", Some(org_id))
            .await
            .unwrap();
        let cookie = format!("session-of-{person}");
        f.store
            .create_session(NewSession {
                id_hash: &secret::hash(&cookie),
                user_id: user.id,
                lifetime: time::Duration::hours(1),
                mfa: true,
                amr: "pwd",
                acr: "",
            })
            .await
            .unwrap();
        f.sessions.insert(person, cookie);
    }
    f.store
        .set_group_rules(wg.id, "wg", &rules, None, "test")
        .await
        .unwrap();
    f
}

fn ballot_required() -> Rules {
    Rules {
        amendment_ballot_required: true,
        ..Rules::default()
    }
}

/// Opens a ballot on amendment 1 as the chair and returns its id.
async fn open_on_amendment_1(f: &Fixture) -> i64 {
    let r = f
        .request(
            "chair",
            Method::POST,
            "/specs/demo/amendments/1/ballots",
            "days=7",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location.trim_start_matches("/ballots/").parse().unwrap()
}

async fn json(f: &Fixture, person: &str, uri: &str) -> serde_json::Value {
    let r = f.request(person, Method::GET, uri, "").await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

both_backends! {
    three_foundations_vote_and_the_amendment_merges => |db: TestDb| async move {
        let f = three_foundations(db, ballot_required()).await;
        // Without a ballot the gate holds the merge.
        let page = f.request("editor", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(page.contains("A ballot must pass first; none has been opened yet"), "{page}");
        let r = f.request("chair", Method::POST, "/specs/demo/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::CONFLICT);

        let id = open_on_amendment_1(&f).await;
        let ballot = format!("/ballots/{id}");
        let page = f.request("rep", Method::GET, &ballot, "").await.body;
        assert!(page.contains("Live tally") && page.contains("None of the 3 organisations has voted yet. It needs 2 more votes to reach the quorum of 2."), "{page}");
        assert!(page.contains("name=\"position\" value=\"object\""), "the representative gets the vote form");
        assert!(page.contains("a simple majority of the votes cast"), "the rules are shown");
        let work = f.request("rep-b", Method::GET, "/my-work", "").await.body;
        assert!(work.contains(&ballot), "the ballot waits on Borealis: {work}");

        // Aurora approves; the tally explains what is missing.
        let r = f.request("rep", Method::POST, &format!("{ballot}/votes"), "organization=aurora&position=approve").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let doc = json(&f, "rep", &format!("/api/v1/ballots/{id}")).await;
        assert_eq!(doc["tally"]["approve"], 1);
        assert!(doc["tally"]["explanation"].as_str().unwrap().contains("no quorum yet: 1 of 3"), "{doc}");
        let r = f.request("chair", Method::POST, &format!("{ballot}/close"), "").await;
        assert_eq!(r.status, StatusCode::CONFLICT, "not decided yet");
        assert!(r.body.contains("can still change"), "{}", r.body);
        // Borealis objects (with a rationale), then changes its mind.
        let r = f.request("rep-b", Method::POST, &format!("{ballot}/votes"), "position=object").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "an objection needs a rationale");
        assert!(r.body.contains("rationale"));
        assert_eq!(f.request("rep-b", Method::POST, &format!("{ballot}/votes"), "position=object&rationale=Too+vague").await.status, StatusCode::SEE_OTHER);
        let doc = json(&f, "rep", &format!("/api/v1/ballots/{id}")).await;
        assert!(doc["tally"]["explanation"].as_str().unwrap().contains("needs 1 more approval"), "{doc}");
        assert_eq!(f.request("rep-b", Method::POST, &format!("/api/v1/ballots/{id}/votes"), r#"{"position":"approve"}"#).await.status, StatusCode::CREATED);
        let doc = json(&f, "rep", &format!("/api/v1/ballots/{id}")).await;
        assert_eq!(doc["history"].as_array().unwrap().len(), 3, "every change is kept");
        assert_eq!(doc["tally"]["outcome"], "passed");
        assert_eq!(doc["tally"]["decided"], true, "2 to at most 1: Cygnus can no longer change the outcome");
        // The gate waits for the ballot to close.
        assert_eq!(f.request("chair", Method::POST, "/specs/demo/amendments/1/merge", "").await.status, StatusCode::CONFLICT);
        // Cygnus approves too; the chair closes early.
        assert_eq!(f.request("rep-c", Method::POST, &format!("{ballot}/votes"), "position=approve").await.status, StatusCode::SEE_OTHER);
        assert_eq!(f.request("chair", Method::POST, &format!("{ballot}/close"), "").await.status, StatusCode::SEE_OTHER);
        let page = f.request("anon", Method::GET, &ballot, "").await.body;
        assert!(page.contains("Passed") && page.contains("3 approve and 0 object"), "closed ballots of public specs are public: {page}");
        assert!(page.contains("Too vague"), "rationales stay in the public history");
        assert!(page.contains("ballot.close"), "the audit trail is linked");
        let audit: serde_json::Value = json(&f, "anon", &format!("/api/v1/ballots/{id}/audit")).await;
        let actions: Vec<&str> = audit.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["ballot.open", "ballot.vote", "ballot.vote", "ballot.vote", "ballot.vote", "ballot.close"]);
        // Votes after closing are refused.
        let r = f.request("rep", Method::POST, &format!("{ballot}/votes"), "position=object&rationale=late").await;
        assert_eq!(r.status, StatusCode::CONFLICT);

        // The gate passes; the editor merges.
        let page = f.request("editor", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(page.contains("Ballot passed"), "{page}");
        let page = f.request("chair", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(page.contains("Ballot passed · <a href=\"/ballots/") && page.contains(">Passed</span>"), "{page}");
        assert!(!page.contains("Open ballot"), "a passed ballot is not offered again: {page}");
        assert_eq!(f.request("chair", Method::POST, "/specs/demo/amendments/1/merge", "").await.status, StatusCode::SEE_OTHER);
        assert_eq!(f.store.spec("demo").await.unwrap().head_version, 2);
        assert_eq!(f.store.verify_audit().await.unwrap().unwrap(), f.store.audit_head().await.unwrap().seq as usize);
    };

    a_failed_ballot_refuses_the_merge => |db: TestDb| async move {
        let f = three_foundations(db, Rules { objection_blocks: true, ..ballot_required() }).await;
        let id = open_on_amendment_1(&f).await;
        let ballot = format!("/ballots/{id}");
        for (who, body) in [("rep", "position=approve"), ("rep-b", "position=approve"), ("rep-c", "position=object&rationale=Breaks+our+release+process")] {
            assert_eq!(f.request(who, Method::POST, &format!("{ballot}/votes"), body).await.status, StatusCode::SEE_OTHER);
        }
        let page = f.request("chair", Method::GET, &ballot, "").await.body;
        assert!(page.contains("An objection from Cygnus blocks it"), "{page}");
        assert_eq!(f.request("chair", Method::POST, &format!("{ballot}/close"), "").await.status, StatusCode::SEE_OTHER);
        let r = f.request("chair", Method::POST, "/specs/demo/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("the ballot failed"), "{}", r.body);
        assert_eq!(f.store.spec("demo").await.unwrap().head_version, 1, "nothing merged");
    };

    normative_revisions_reset_votes_and_show_what_changed => |db: TestDb| async move {
        let f = three_foundations(db, Rules { editorial_changes_after_approval: true, ..ballot_required() }).await;
        let id = open_on_amendment_1(&f).await;
        let ballot = format!("/ballots/{id}");
        assert_eq!(f.request("rep", Method::POST, &format!("{ballot}/votes"), "position=approve").await.status, StatusCode::SEE_OTHER);
        // An editorial revision (the control's title) keeps the vote.
        let editorial = spec("demo", "wg", "publish a disclosure policy").replace("title: Control of demo", "title: Disclosure");
        let form = serde_urlencoded::to_string([("content", editorial.as_str()), ("expected", "1"), ("message", "Title")]).unwrap();
        assert_eq!(f.request("editor", Method::POST, "/specs/demo/amendments/1/revisions", &form).await.status, StatusCode::SEE_OTHER);
        let doc = json(&f, "rep", &format!("/api/v1/ballots/{id}")).await;
        assert_eq!((doc["round"].as_i64(), doc["revision"].as_i64(), doc["tally"]["approve"].as_i64()), (Some(1), Some(2), Some(1)), "{doc}");
        // A normative one resets it, and Aurora sees what changed.
        let normative = editorial.replace("MUST publish a disclosure policy", "MUST publish a signed disclosure policy");
        let form = serde_urlencoded::to_string([("content", normative.as_str()), ("expected", "2"), ("message", "Signed")]).unwrap();
        assert_eq!(f.request("editor", Method::POST, "/specs/demo/amendments/1/revisions", &form).await.status, StatusCode::SEE_OTHER);
        let doc = json(&f, "rep", &format!("/api/v1/ballots/{id}")).await;
        assert_eq!((doc["round"].as_i64(), doc["tally"]["approve"].as_i64()), (Some(2), Some(0)), "{doc}");
        assert_eq!(doc["history"].as_array().unwrap().len(), 1, "the old vote stays in the history");
        let page = f.request("rep", Method::GET, &ballot, "").await.body;
        assert!(page.contains("What changed since Aurora voted") && page.contains("X-VM-01"), "{page}");
        assert!(page.contains("?from=1&amp;to=3"), "links the interdiff from the revision Aurora voted on");
        let work = f.request("rep", Method::GET, "/my-work", "").await.body;
        assert!(work.contains(&ballot), "the ballot waits on Aurora again");
    };

    under_the_default_rules_an_editorial_revision_resets_votes_too => |db: TestDb| async move {
        let f = three_foundations(db, ballot_required()).await;
        let id = open_on_amendment_1(&f).await;
        let ballot = format!("/ballots/{id}");
        assert_eq!(f.request("rep", Method::POST, &format!("{ballot}/votes"), "position=approve").await.status, StatusCode::SEE_OTHER);
        // Only the section's title changes: Aurora approved other words.
        let editorial = spec("demo", "wg", "publish a disclosure policy").replace("  - id: VM\n    title: V\n", "  - id: VM\n    title: Vulnerability management\n");
        let form = serde_urlencoded::to_string([("content", editorial.as_str()), ("expected", "1"), ("message", "Section title")]).unwrap();
        assert_eq!(f.request("editor", Method::POST, "/specs/demo/amendments/1/revisions", &form).await.status, StatusCode::SEE_OTHER);
        let doc = json(&f, "rep", &format!("/api/v1/ballots/{id}")).await;
        assert_eq!((doc["round"].as_i64(), doc["revision"].as_i64(), doc["tally"]["approve"].as_i64()), (Some(2), Some(2), Some(0)), "{doc}");
        let page = f.request("rep", Method::GET, &ballot, "").await.body;
        assert!(page.contains("What changed since Aurora voted") && page.contains("Section VM Vulnerability management"), "{page}");
        let audit: serde_json::Value = json(&f, "rep", &format!("/api/v1/ballots/{id}/audit")).await;
        assert!(audit.to_string().contains("an editorial revision was posted"), "{audit}");
    };

    ballots_refuse_bad_input_clearly => |db: TestDb| async move {
        let f = three_foundations(db, ballot_required()).await;
        let id = open_on_amendment_1(&f).await;
        let ballot = format!("/ballots/{id}");
        let r = f.request("rep", Method::POST, &format!("{ballot}/votes"), "position=maybe").await;
        assert!(r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("approve, abstain, object or recuse"), "{}", r.body);
        let r = f.request("rep", Method::POST, &format!("{ballot}/votes"), "organization=borealis&position=approve").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "Aurora's representative cannot vote for Borealis");
        let r = f.request("rep", Method::POST, &format!("{ballot}/votes"), "organization=nobody&position=approve").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = f.request("chair", Method::POST, &format!("{ballot}/votes"), "position=approve").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "the chair speaks for no organisation");
        let r = f.request("outsider", Method::GET, &ballot, "").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "open ballots are for the group's members");
        // The amendment page tells others that a ballot is under way, with
        // no link to it; a member reads the same with the link.
        let link = format!("href=\"/ballots/{id}\"");
        for who in ["outsider", "anon"] {
            let page = f.request(who, Method::GET, "/specs/demo/amendments/1", "").await.body;
            assert!(page.contains("A ballot is under way among the group") && page.contains("The ballot is still open"), "{who}: {page}");
            assert!(!page.contains(&link) && !page.contains("No ballot has been held"), "{who}: {page}");
        }
        let page = f.request("rep", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(page.contains(&link) && !page.contains("A ballot is under way among the group"), "{page}");
        assert_eq!(f.request("anon", Method::GET, "/ballots/999999", "").await.status, StatusCode::NOT_FOUND);
        assert_eq!(f.request("anon", Method::GET, "/ballots/abc", "").await.status, StatusCode::NOT_FOUND);
        // Durations and extensions stay within the rules and thirty days.
        let r = f.request("chair", Method::POST, &format!("{ballot}/extend"), "days=30").await;
        assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("at most 30 days"), "{}", r.body);
        assert_eq!(f.request("rep-b", Method::POST, &format!("{ballot}/extend"), "days=3").await.status, StatusCode::SEE_OTHER);
        let r = f.request("chair", Method::POST, "/specs/demo/ballots", "version=1&days=31").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = f.request("chair", Method::POST, "/specs/demo/ballots", "version=9").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = f.request("chair", Method::POST, "/specs/demo/amendments/1/ballots", "days=7").await;
        assert_eq!(r.status, StatusCode::CONFLICT, "one open ballot per amendment");
        let r = f.request("chair", Method::POST, &format!("{ballot}/cancel"), "reason=").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "a cancellation needs a reason");
        assert_eq!(f.request("chair", Method::POST, &format!("{ballot}/cancel"), "reason=Wrong+text").await.status, StatusCode::SEE_OTHER);
        let doc = json(&f, "anon", &format!("/api/v1/ballots/{id}")).await;
        assert_eq!((doc["state"].as_str(), doc["cancel_reason"].as_str()), (Some("cancelled"), Some("Wrong text")));
        // Rules: only sensible ones are accepted.
        let bad = "amendment=majority&release=4%2F3&quorum_percent=50&default_days=7&min_days=1";
        let r = f.request("chair", Method::POST, "/groups/wg/rules", bad).await;
        assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("fraction"), "{}", r.body);
        let ok = "amendment=2%2F3&release=3%2F4&quorum_percent=60&default_days=10&min_days=5&objection_blocks=on";
        assert_eq!(f.request("chair", Method::POST, "/groups/wg/rules", ok).await.status, StatusCode::SEE_OTHER);
        let rules = json(&f, "anon", "/api/v1/groups/wg/rules").await;
        assert_eq!(rules["rules"]["quorum-percent"], 60);
        assert_eq!(f.store.group_rules(f.store.group("wg").await.unwrap().id).await.unwrap().amendment, Threshold::TWO_THIRDS);
        let r = f.request("chair", Method::POST, "/specs/demo/ballots", "version=1&days=2").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "shorter than the new minimum of 5 days");
    };

    release_ballots_and_deadlines => |db: TestDb| async move {
        let f = three_foundations(db, Rules::default()).await;
        let r = f.request("chair", Method::POST, "/specs/demo/ballots", "version=1&days=7").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let id: i64 = r.location.trim_start_matches("/ballots/").parse().unwrap();
        for who in ["rep", "rep-b"] {
            assert_eq!(f.request(who, Method::POST, &format!("/ballots/{id}/votes"), "position=approve").await.status, StatusCode::SEE_OTHER);
        }
        // Two thirds of three: two approvals pass, and the ballot lists for anyone once closed.
        let closed = f.store.close_due_ballots(time::OffsetDateTime::now_utc() + time::Duration::days(8)).await.unwrap();
        assert!(closed.contains(&(id, charta_domain::ballot::Outcome::Passed)), "{closed:?}");
        let list = json(&f, "anon", "/api/v1/specs/demo/ballots").await;
        let ours = list.as_array().unwrap().iter().find(|b| b["id"] == id).expect("closed ballot listed publicly");
        assert_eq!((ours["kind"].as_str(), ours["outcome"].as_str(), ours["closed_by"].as_str()), (Some("release"), Some("passed"), Some("deadline")));
        assert!(!list.as_array().unwrap().iter().any(|b| b["state"] == "open"), "open ballots are not listed publicly");
    };
}
