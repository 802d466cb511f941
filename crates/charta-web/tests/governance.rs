//! The group's decisions cannot be taken by a single role or a token,
//! through the real router on both databases: merging and rejecting need
//! the chair (or an editor where the group's rules allow) with a
//! multi-factor sign-in, never a token; a blocking objection is withdrawn
//! by whoever raised it, or settled by the chair with a reason everyone
//! can read. A new group merges nothing without a passed ballot, and what
//! merges is the text the ballot approved: any later change, editorial ones
//! and section or specification titles included, needs a new ballot unless
//! the group's rules let editorial changes follow an approval.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use charta_domain::ballot::Rules;
use charta_store::testing::TestDb;
use charta_store::{both_backends, import_group_text, import_spec};

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

/// Sets `wg`'s rules: ballots required, and editorial changes after an
/// approval allowed or not.
async fn require_ballots(f: &Fixture, editorial_after_approval: bool) {
    let wg = f.store.group("wg").await.unwrap();
    let rules = Rules {
        amendment_ballot_required: true,
        editorial_changes_after_approval: editorial_after_approval,
        ..Rules::default()
    };
    f.store
        .set_group_rules(wg.id, "wg", &rules, None, "test")
        .await
        .unwrap();
}

/// Opens a ballot on amendment 1; Aurora, the only member, approves, and
/// the chair closes it.
async fn pass_ballot_on_amendment_1(f: &Fixture) {
    let r = f
        .request(
            "chair",
            Method::POST,
            "/specs/demo/amendments/1/ballots",
            "days=7",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let ballot = r.location;
    let r = f
        .request(
            "rep",
            Method::POST,
            &format!("{ballot}/votes"),
            "position=approve",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = f
        .request("chair", Method::POST, &format!("{ballot}/close"), "")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// Amendment 1's text (a disclosure policy) with `edit` applied.
fn amendment_1_with(edit: impl Fn(String) -> String) -> String {
    edit(spec("demo", "wg", "publish a disclosure policy"))
}

/// Renames the only section of a fixture specification.
fn retitle_section(text: String) -> String {
    text.replace(
        "  - id: VM\n    title: V\n",
        "  - id: VM\n    title: Vulnerability management\n",
    )
}

/// Renames a fixture specification.
fn retitle_spec(text: String) -> String {
    text.replace("title: Spec demo\n", "title: Spec demo, second edition\n")
}

/// Posts a revision of amendment 1 as its author, the editor.
async fn revise(f: &Fixture, content: &str, expected: i64) {
    let expected = expected.to_string();
    let form = serde_urlencoded::to_string([
        ("content", content),
        ("expected", expected.as_str()),
        ("message", "Edited"),
    ])
    .unwrap();
    let r = f
        .request(
            "editor",
            Method::POST,
            "/specs/demo/amendments/1/revisions",
            &form,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

async fn head_version(f: &Fixture) -> i64 {
    f.store.spec("demo").await.unwrap().head_version
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

    an_editorial_change_after_the_ballot_passed_needs_a_new_ballot => |db: TestDb| async move {
        let f = fixture(db, false).await;
        require_ballots(&f, false).await;
        pass_ballot_on_amendment_1(&f).await;
        // Only the section's title changes after the vote.
        revise(&f, &amendment_1_with(retitle_section), 1).await;
        let r = f.request("chair", Method::POST, "/specs/demo/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(r.body.contains("the text changed since (editorial changes only)"), "{}", r.body);
        assert!(r.body.contains("a new ballot is needed"), "{}", r.body);
        assert_eq!(head_version(&f).await, 1, "nothing merged");
        let page = f.request("editor", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(page.contains("the text changed since (editorial changes only)"), "{page}");
        // The API refuses the same way.
        let r = f.request("chair", Method::POST, "/api/v1/specs/demo/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(r.body.contains("editorial changes only"), "{}", r.body);
        // A second ballot on the edited text lets it merge.
        pass_ballot_on_amendment_1(&f).await;
        let r = f.request("chair", Method::POST, "/specs/demo/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(head_version(&f).await, 2);
    };

    a_specification_title_change_after_the_ballot_passed_needs_a_new_ballot => |db: TestDb| async move {
        let f = fixture(db, false).await;
        require_ballots(&f, false).await;
        pass_ballot_on_amendment_1(&f).await;
        revise(&f, &amendment_1_with(retitle_spec), 1).await;
        let r = f.request("chair", Method::POST, "/specs/demo/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(r.body.contains("editorial changes only"), "{}", r.body);
        assert_eq!(head_version(&f).await, 1, "nothing merged");
    };

    editorial_changes_may_follow_the_pass_where_the_rules_allow_them => |db: TestDb| async move {
        let f = fixture(db, false).await;
        require_ballots(&f, true).await;
        let rules = f.request("anon", Method::GET, "/api/v1/groups/wg/rules", "").await;
        assert!(rules.body.contains("\"editorial-changes-after-approval\":true"), "{}", rules.body);
        pass_ballot_on_amendment_1(&f).await;
        revise(&f, &amendment_1_with(|t| retitle_spec(retitle_section(t))), 1).await;
        let page = f.request("editor", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(page.contains("Ballot passed"), "{page}");
        let r = f.request("chair", Method::POST, "/specs/demo/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(head_version(&f).await, 2);
    };

    a_normative_change_after_the_pass_needs_a_new_ballot_whatever_the_rules => |db: TestDb| async move {
        let f = fixture(db, false).await;
        require_ballots(&f, true).await;
        pass_ballot_on_amendment_1(&f).await;
        revise(&f, &amendment_1_with(|t| t.replace("MUST publish a disclosure policy", "MUST publish a signed disclosure policy")), 1).await;
        let r = f.request("chair", Method::POST, "/specs/demo/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(r.body.contains("normative text changed since"), "{}", r.body);
        assert_eq!(head_version(&f).await, 1, "nothing merged");
    };

    a_new_group_merges_nothing_without_a_passed_ballot_until_its_chair_says_so => |db: TestDb| async move {
        let f = fixture(db, false).await;
        import_group_text(&f.store, "group: fresh\nname: Fresh\nmembers:\n  - slug: aurora\n    name: Aurora\n", "test").await.unwrap();
        let meta = charta_store::ImportMeta { message: "m", created_by: "test", draft: false };
        import_spec(&f.store, &catalogs(), &spec("fresh", "fresh", "publish a policy"), meta).await.unwrap();
        let fresh = f.store.group("fresh").await.unwrap();
        let chair = f.store.upsert_user("https://idp.test", "chair", "chair@example.org", "chair").await.unwrap();
        f.store.add_membership(fresh.id, chair.id, "chair", None).await.unwrap();
        // The rules nobody stored: a ballot is required, shown as such.
        let doc: serde_json::Value = serde_json::from_str(&f.request("anon", Method::GET, "/api/v1/groups/fresh/rules", "").await.body).unwrap();
        assert_eq!(doc["rules"]["amendment-ballot-required"], true, "{doc}");
        assert_eq!(doc["rules"]["editorial-changes-after-approval"], false, "{doc}");
        let page = f.request("chair", Method::GET, "/groups/fresh/rules", "").await.body;
        assert!(page.contains("An amendment merges only after a ballot passes."), "{page}");
        assert!(page.contains("name=\"amendment_ballot_required\" checked"), "{page}");
        assert!(page.contains("name=\"editorial_changes_after_approval\">"), "{page}");
        // The chair proposes and tries to merge at once.
        let proposal = serde_urlencoded::to_string([
            ("title", "Tighten"),
            ("open", "open"),
            ("content", spec("fresh", "fresh", "publish a policy within a week").as_str()),
        ]).unwrap();
        let r = f.request("chair", Method::POST, "/specs/fresh/amendments", &proposal).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = f.request("chair", Method::POST, "/specs/fresh/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(r.body.contains("the group requires a ballot; the chair opens one"), "{}", r.body);
        assert_eq!(f.store.spec("fresh").await.unwrap().head_version, 1, "nothing merged");
        // The chair turns the requirement off (and allows editorial
        // changes after approval) on the rules page.
        let form = "amendment=majority&release=2%2F3&quorum_percent=50&default_days=7&min_days=1&members_may_extend=on&early_close=on&editorial_changes_after_approval=on&release_scheme=semantic";
        let r = f.request("chair", Method::POST, "/groups/fresh/rules", form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let rules = f.store.group_rules(fresh.id).await.unwrap();
        assert!(!rules.amendment_ballot_required && rules.editorial_changes_after_approval, "{rules:?}");
        let page = f.request("anon", Method::GET, "/groups/fresh/rules", "").await.body;
        assert!(page.contains("Amendments merge without a ballot unless one is held."), "{page}");
        assert!(page.contains("may follow without a new ballot; a normative change needs a new ballot."), "{page}");
        let r = f.request("chair", Method::POST, "/specs/fresh/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(f.store.spec("fresh").await.unwrap().head_version, 2);
    };

    the_redline_shows_section_and_specification_changes => |db: TestDb| async move {
        let f = fixture(db, false).await;
        revise(&f, &amendment_1_with(|t| retitle_spec(retitle_section(t))), 1).await;
        let page = f.request("reviewer", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(page.contains("Specification title"), "{page}");
        assert!(page.contains("Section VM Vulnerability management"), "{page}");
        assert!(page.contains("<del>V</del> → <ins>Vulnerability management</ins>"), "{page}");
        let r = f.request("chair", Method::POST, "/specs/demo/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // The version diff page and the API show the same.
        let page = f.request("anon", Method::GET, "/specs/demo/diff?from=1&to=2", "").await.body;
        assert!(page.contains("Specification title") && page.contains("<del>Spec demo</del> → <ins>Spec demo, second edition</ins>"), "{page}");
        assert!(page.contains("id=\"section-VM\"") && page.contains("Section VM Vulnerability management"), "{page}");
        assert!(!page.contains("These versions are identical"), "{page}");
        let doc: serde_json::Value = serde_json::from_str(&f.request("anon", Method::GET, "/api/v1/specs/demo/diff?from=1&to=2", "").await.body).unwrap();
        assert_eq!(doc["meta"][0]["field"], "title", "{doc}");
        assert_eq!(doc["meta"][0]["new"], "Spec demo, second edition", "{doc}");
        assert_eq!(doc["sections"][0]["id"], "VM", "{doc}");
        assert_eq!(doc["sections"][0]["kind"], "modified", "{doc}");
        assert_eq!(doc["sections"][0]["fields"][0]["field"], "title", "{doc}");
        assert_eq!(doc["sections"][0]["fields"][0]["old"], "V", "{doc}");
        assert_eq!(doc["summary"]["sections"], 1, "{doc}");
    };
}
