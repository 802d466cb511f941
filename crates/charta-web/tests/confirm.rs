//! Weighty actions ask first, and bad forms never lead to a dead end:
//! through the real router on both databases. Confirmation pages say what
//! will happen and change nothing; a form that is not accepted comes back
//! inside the normal page with what was typed and the problem next to its
//! field; the last chair keeps the role; the vote form preselects nothing,
//! shows the current vote and confirms a recorded one.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::http::{Method, StatusCode};
use charta_store::both_backends;
use charta_store::testing::TestDb;

mod support;
use support::*;

/// The normal layout: the site header with the signed-in person's name and
/// the sign-out form.
fn in_layout_for(body: &str, name: &str) -> bool {
    body.contains("<header class=\"site\">")
        && body.contains(&format!("class=\"who\">{name}</a>"))
        && body.contains("action=\"/auth/logout\"")
}

both_backends! {
    confirmation_pages_say_what_happens_and_do_nothing => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // The amendment page links to the confirmation, with a danger button.
        let page = f.request("chair", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(page.contains("class=\"button danger\" href=\"/specs/demo/amendments/1/merge\""), "{page}");
        // Editors are not offered the merge the group's rules keep for the chair.
        let page = f.request("editor", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(!page.contains("href=\"/specs/demo/amendments/1/merge\""), "{page}");
        assert!(page.contains("href=\"/specs/demo/amendments/1/state?to=withdrawn\""), "{page}");
        assert!(!page.contains("name=\"event\" value=\"withdraw\""), "withdrawing is not a plain button any more");

        let r = f.request("editor", Method::GET, "/specs/demo/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = f.request("chair", Method::GET, "/specs/demo/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Merging creates version 2 of") && r.body.contains("from revision 1") && r.body.contains("cannot be undone"), "{}", r.body);
        assert!(r.body.contains("method=\"post\" action=\"/specs/demo/amendments/1/merge\"") && r.body.contains("name=\"_csrf\""), "{}", r.body);
        assert!(r.body.contains("<button type=\"submit\" class=\"danger\">Merge into version 2</button>") && r.body.contains(">Cancel</a>"), "{}", r.body);
        assert!(in_layout_for(&r.body, "chair"));

        let r = f.request("chair", Method::GET, "/specs/demo/amendments/1/state?to=rejected", "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Rejecting ends the review") && r.body.contains("name=\"event\" value=\"reject\"") && r.body.contains("name=\"reason\""), "{}", r.body);
        let r = f.request("chair", Method::GET, "/specs/demo/amendments/1/state?to=merged", "").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "merging has its own page");
        let r = f.request("reviewer", Method::GET, "/specs/demo/amendments/1/state?to=rejected", "").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "checked like rejecting itself");

        let b = f.ballot_id;
        let r = f.request("chair", Method::GET, &format!("/ballots/{b}/cancel"), "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Cancelling stops the ballot") && r.body.contains(&format!("action=\"/ballots/{b}/cancel\"")) && r.body.contains("name=\"reason\"") && r.body.contains(" required"), "{}", r.body);
        let r = f.request("chair-nomfa", Method::GET, &format!("/ballots/{b}/cancel"), "").await;
        assert!(r.location.starts_with("/auth/login?step_up=1"), "the same step-up as cancelling: {}", r.location);
        let r = f.request("chair", Method::GET, &format!("/ballots/{b}/close"), "").await;
        assert_eq!(r.status, StatusCode::CONFLICT, "nobody voted: the outcome can still change");
        assert!(in_layout_for(&r.body, "chair") && r.body.contains("can still change"), "{}", r.body);

        let wg = f.store.group("wg").await.unwrap();
        let r = f.request("chair", Method::GET, &format!("/groups/wg/members/{}/remove", f.observer_membership), "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Remove the role of observer?") && r.body.contains("will no longer be") && r.body.contains(&format!("action=\"/groups/wg/members/{}/remove\"", f.observer_membership)), "{}", r.body);

        // Nothing happened.
        assert_eq!(f.store.spec("demo").await.unwrap().head_version, 1);
        let demo = f.store.spec("demo").await.unwrap();
        assert_eq!(f.store.amendment(demo.id, 1).await.unwrap().state.as_str(), "open");
        assert_eq!(f.store.ballot(b).await.unwrap().state.as_str(), "open");
        assert!(f.store.group_members(wg.id).await.unwrap().iter().any(|m| m.id == f.observer_membership));

        // The confirmed action then does it.
        let r = f.request("chair", Method::POST, "/specs/demo/amendments/1/state", "event=reject&reason=Out+of+scope").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(f.store.amendment(demo.id, 1).await.unwrap().state.as_str(), "rejected");
        let r = f.request("chair", Method::GET, "/specs/demo/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::CONFLICT, "a rejected amendment has nothing to confirm");
    };

    the_last_chair_keeps_the_role => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let wg = f.store.group("wg").await.unwrap();
        let chair = f.store.group_members(wg.id).await.unwrap().into_iter().find(|m| m.role == "chair").unwrap();
        let uri = format!("/groups/wg/members/{}/remove", chair.id);
        for method in [Method::GET, Method::POST] {
            for who in ["chair", "admin"] {
                let r = f.request(who, method.clone(), &uri, "").await;
                assert_eq!(r.status, StatusCode::CONFLICT, "{method} as {who}: {}", r.body);
                assert!(r.body.contains("last chair") && r.body.contains("<header class=\"site\">"), "{}", r.body);
            }
        }
        assert!(f.store.group_members(wg.id).await.unwrap().iter().any(|m| m.id == chair.id), "still the chair");
        // The store refuses it too, whoever asks.
        let e = f.store.remove_membership(wg.id, chair.id, "test").await.unwrap_err();
        assert!(e.to_string().contains("last chair"), "{e}");
        // With a second chair, one of them may go.
        let rep = f.store.group_members(wg.id).await.unwrap().into_iter().find(|m| m.role == "representative").unwrap();
        f.store.add_membership(wg.id, rep.user_id, "chair", None).await.unwrap();
        let r = f.request("chair", Method::POST, &uri, "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    };

    a_bad_proposal_comes_back_with_what_was_typed => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let broken = spec("demo", "wg", "publish a policy").replace("level: 1", "level: seven");
        let form = serde_urlencoded::to_string([("title", "Stricter levels"), ("description", "Because <reasons>"), ("content", broken.as_str()), ("open", "open")]).unwrap();
        let r = f.request("editor", Method::POST, "/specs/demo/amendments", &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(in_layout_for(&r.body, "editor"), "{}", r.body);
        assert!(r.body.contains("<h1>Propose an amendment</h1>"), "the same page");
        assert!(r.body.contains("value=\"Stricter levels\"") && r.body.contains("Because &#60;reasons&#62;") && r.body.contains("level: seven"), "what was typed is kept: {}", r.body);
        let error = r.body.find("id=\"a-content-error\"").expect("the problems sit with the specification field");
        let field = r.body.find("<textarea id=\"a-content\"").unwrap();
        assert!(error < field && r.body[error..field].contains("<strong>Line "), "each problem with its line, next to the textarea: {}", &r.body[error..field]);
        // A missing title is marked on the title, and the text is kept.
        let form = serde_urlencoded::to_string([("title", " "), ("content", "anything")]).unwrap();
        let r = f.request("editor", Method::POST, "/specs/demo/amendments", &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("id=\"a-title-error\">Give the amendment a title") && r.body.contains(">anything</textarea>"), "{}", r.body);
        assert_eq!(f.store.amendments(f.store.spec("demo").await.unwrap().id).await.unwrap().len(), 2, "nothing was created");
    };

    a_bad_comment_comes_back_next_to_its_fields => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let f = &f;
        let post = |body: String| async move { f.request("reviewer", Method::POST, "/specs/demo/amendments/1/threads", &body).await };
        let form = |first: &str, last: &str, text: &str| serde_urlencoded::to_string([("control", "X-VM-01"), ("field", "statement"), ("first_line", first), ("last_line", last), ("body", text)]).unwrap();
        let r = post(form("one", "1", "Say why")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("From line must be a whole number") && !r.body.contains("invalid digit") && !r.body.contains("deserialize"), "{}", r.body);
        assert!(in_layout_for(&r.body, "reviewer"));
        assert!(r.body.contains("<details class=\"line-comment\" id=\"comment-X-VM-01\" open>") && r.body.contains("value=\"one\"") && r.body.contains(">Say why</textarea>"), "the form is open with what was typed: {}", r.body);
        let lines = r.body.find("id=\"b-X-VM-01\"").unwrap();
        let message = r.body.find("id=\"lines-error-X-VM-01\"").unwrap();
        let text = r.body.find("id=\"t-X-VM-01\"").unwrap();
        assert!(lines < message && message < text, "the message sits next to the line fields");
        let r = f.request("observer", Method::POST, "/specs/demo/amendments/1/threads", &form("one", "1", "")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "who may not comment is told so first");
        // Lines outside the field, and an empty comment.
        let r = post(form("5", "9", "Say why")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Lines 5 to 9 are not in the statement of X-VM-01"), "{}", r.body);
        let r = post(form("1", "1", "  ")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("id=\"body-error-X-VM-01\" role=\"alert\">A comment needs text"), "{}", r.body);
        // A good objection is linked from the merge gate.
        let r = post(serde_urlencoded::to_string([("body", "This breaks triage"), ("blocking", "on")]).unwrap()).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = f.request("reviewer", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(page.contains("<span class=\"badge check-failed\">Not yet</span> 1 open objection · <a href=\"#thread-"), "{page}");
        assert!(page.contains("<span class=\"badge check-passed\">Passed</span> Up to date with version 1"), "{page}");
        assert!(!page.contains("no-blocking-objections:") && !page.contains("up-to-date:"), "no check identifiers in the text: {page}");
        // A form missing a field altogether gets a sentence naming it.
        let r = f.request("reviewer", Method::POST, "/specs/demo/amendments/1/threads", "control=X-VM-01").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("Body is missing") && !r.body.contains("missing field"), "{}", r.body);
        assert!(in_layout_for(&r.body, "reviewer"), "error pages have the normal header: {}", r.body);
        // The JSON API keeps its JSON errors.
        let r = f.request("reviewer", Method::POST, "/api/v1/specs/demo/amendments/1/threads", r#"{"body":"x","control":"X-VM-01","field":"statement","first_line":5,"last_line":9}"#).await;
        assert!(r.body.starts_with("{\"error\":"), "{}", r.body);
    };

    the_vote_form_shows_the_current_vote_and_confirms_a_new_one => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let ballot = format!("/ballots/{}", f.ballot_id);
        let page = f.request("rep", Method::GET, &ballot, "").await.body;
        assert!(page.contains("name=\"position\" value=\"approve\" required>") && !page.contains("name=\"position\" value=\"approve\" required checked"), "no position is preselected: {page}");
        assert!(page.contains("Your organisation has not voted yet."), "{page}");
        // An objection without a rationale comes back, marked at the rationale.
        let r = f.request("rep", Method::POST, &format!("{ballot}/votes"), "organization=aurora&position=object&rationale=").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("value=\"object\" required checked") && r.body.contains("id=\"rationale-error\">An objection needs a rationale"), "{}", r.body);
        assert!(in_layout_for(&r.body, "rep"));
        // No position at all.
        let r = f.request("rep", Method::POST, &format!("{ballot}/votes"), "organization=aurora&rationale=Fine").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("id=\"position-error\">Choose a position") && r.body.contains(">Fine</textarea>"), "{}", r.body);
        // A vote is recorded, and the page says so.
        let r = f.request("rep", Method::POST, &format!("{ballot}/votes"), "organization=aurora&position=approve&rationale=Clear+enough").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location, format!("{ballot}?voted=aurora#vote"));
        let page = f.request("rep", Method::GET, &format!("{ballot}?voted=aurora"), "").await.body;
        assert!(page.contains("Your vote (Approve) for Aurora was recorded."), "{page}");
        assert!(page.contains("Your organisation&#39;s current vote: Approve, cast by rep on ") && page.contains(" UTC.") && page.contains("Clear enough"), "{page}");
        assert!(!page.contains("required checked"), "the form still preselects nothing");
        // The confirmation is only for those who vote for the organisation.
        let page = f.request("chair", Method::GET, &format!("{ballot}?voted=aurora"), "").await.body;
        assert!(!page.contains("was recorded"), "{page}");
    };

    unknown_pages_keep_the_header_of_who_is_signed_in => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let r = f.request("editor", Method::GET, "/no/such/page", "").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(in_layout_for(&r.body, "editor") && r.body.contains("<h1>Not Found</h1>"), "{}", r.body);
        let r = f.request("anon", Method::GET, "/no/such/page", "").await;
        assert!(r.body.contains("href=\"/auth/login\" class=\"signin\""), "{}", r.body);
        let r = f.request("editor", Method::GET, "/api/v1/no/such", "").await;
        assert!(r.body.starts_with("{\"error\":"), "{}", r.body);
    };
}
