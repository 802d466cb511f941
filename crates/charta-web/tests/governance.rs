//! The group's decisions cannot be taken by a single role or a token,
//! through the real router on both databases: merging and rejecting need
//! the chair (or an editor where the group's rules allow) with a
//! multi-factor sign-in, never a token; a blocking objection is withdrawn
//! by whoever raised it, or settled by the chair with a reason everyone
//! can read.

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

/// The threads of amendment 1 of `demo`, as stored.
async fn threads(f: &Fixture) -> Vec<charta_store::ThreadRow> {
    let demo = f.store.spec("demo").await.unwrap();
    let a = f.store.amendment(demo.id, 1).await.unwrap();
    f.store.threads(a.id).await.unwrap()
}

/// Raises an objection on amendment 1 as `who` and returns its thread id.
async fn object(f: &Fixture, who: &str, body: &str) -> i64 {
    let r = f
        .request(
            who,
            Method::POST,
            "/specs/demo/amendments/1/threads",
            &format!("blocking=on&body={body}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let objections = threads(f).await.into_iter().filter(|t| t.blocking);
    objections.map(|t| t.id).max().unwrap()
}

async fn resolved(f: &Fixture, thread: i64) -> bool {
    let all = threads(f).await;
    all.into_iter().find(|t| t.id == thread).unwrap().resolved
}

both_backends! {
    only_the_objector_or_the_chair_with_a_reason_settles_an_objection => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let thread = object(&f, "reviewer", "This+weakens+level+1").await;
        let resolve = format!("/specs/demo/amendments/1/threads/{thread}/resolve");
        // An editor cannot wave a member's objection away.
        let r = f.request("editor", Method::POST, &resolve, "resolved=true").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        // The chair needs a fresh second factor…
        let r = f.request("chair-nomfa", Method::POST, &resolve, "resolved=true&reason=x").await;
        assert!(r.status == StatusCode::SEE_OTHER && r.location.starts_with("/auth/login?step_up=1"), "{}", r.location);
        // …and a reason.
        let r = f.request("chair", Method::POST, &resolve, "resolved=true").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(!resolved(&f, thread).await, "nothing changed");
        let r = f.request("chair", Method::POST, &resolve, "resolved=true&reason=Discussed+at+the+call%3B+guidance+covers+it").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(resolved(&f, thread).await);
        // The objector and everyone reading the amendment see why.
        let page = f.request("reviewer", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(page.contains("Objection settled by the chair: Discussed at the call; guidance covers it"), "{page}");

        // Whoever raised an objection withdraws it without a reason.
        let own = object(&f, "reviewer", "Second+thoughts").await;
        let r = f.request("reviewer", Method::POST, &format!("/specs/demo/amendments/1/threads/{own}/resolve"), "resolved=true").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(resolved(&f, own).await);
    };

    merging_is_the_chairs_decision_unless_the_rules_say_editors_may => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // A token, whatever its scopes, never merges.
        let token_merge = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/specs/demo/amendments/1/merge")
            .header(header::AUTHORIZATION, format!("Bearer {}", f.rep_token))
            .body(Body::empty())
            .unwrap();
        let r = f.send(token_merge).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        // The editor is refused under the default rules…
        let r = f.request("editor", Method::POST, "/specs/demo/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(r.body.contains("do not let editors merge"), "{}", r.body);
        assert_eq!(f.store.spec("demo").await.unwrap().head_version, 1);
        // …and merges once the chair's rules let editors merge.
        let wg = f.store.group("wg").await.unwrap();
        let rules = charta_domain::ballot::Rules { editors_may_merge: true, ..f.store.group_rules(wg.id).await.unwrap() };
        f.store.set_group_rules(wg.id, "wg", &rules, None, "test").await.unwrap();
        let r = f.request("anon", Method::GET, "/groups/wg/rules", "").await;
        assert!(r.body.contains("The chair or an editor merges or rejects amendments."), "{}", r.body);
        let r = f.request("editor", Method::POST, "/specs/demo/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(f.store.spec("demo").await.unwrap().head_version, 2);
    };
}
