//! Reviewing and merging amendments through the real router, on both
//! databases: redlines, line comments that survive or go outdated across
//! revisions, objections holding the merge gate, interdiffs, out-of-date
//! amendments and clear refusals of bad proposals.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

mod support;

use axum::http::{Method, StatusCode};
use charta_store::both_backends;
use charta_store::testing::TestDb;
use support::*;

fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

both_backends! {
    comments_carry_objections_gate_and_merge => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let page = f.request("reviewer", Method::GET, "/specs/demo/amendments/1", "").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<ins>disclosure </ins>"), "word-level redline: {}", page.body);
        assert!(page.body.contains("normative"));

        // An objection on line 1 of X-VM-01's statement.
        let r = f.request("reviewer", Method::POST, "/specs/demo/amendments/1/threads",
            &form(&[("control", "X-VM-01"), ("field", "statement"), ("first_line", "1"), ("last_line", "1"), ("body", "Say which channel."), ("blocking", "on")])).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = f.request("chair", Method::POST, "/specs/demo/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("1 blocking thread is unresolved"), "{}", r.body);

        // A revision that only retitles keeps the comment on its lines.
        let retitled = spec("demo", "wg", "publish a disclosure policy").replace("title: Control of demo", "title: Disclosure policy");
        let r = f.request("editor", Method::POST, "/specs/demo/amendments/1/revisions", &form(&[("content", &retitled), ("expected", "1"), ("message", "Retitle")])).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = f.request("editor", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(!page.contains("outdated: these lines changed"), "the anchored line still exists");
        // Interdiff: revision 1 against 2 shows only the retitling.
        let inter = f.request("editor", Method::GET, "/specs/demo/amendments/1?from=1&to=2", "").await.body;
        assert!(inter.contains("<ins>Disclosure </ins>") || inter.contains("Disclosure"), "{inter}");
        assert!(!inter.contains("<ins>disclosure </ins>"), "the statement did not change between revisions");

        // Rewording the commented line makes the comment outdated.
        let reworded = retitled.replace("publish a disclosure policy", "publish a coordinated disclosure policy");
        let r = f.request("editor", Method::POST, "/specs/demo/amendments/1/revisions", &form(&[("content", &reworded), ("expected", "2")])).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = f.request("editor", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(page.contains("outdated: these lines changed"), "{page}");
        // A stale revision (based on what the author saw before) is refused.
        let r = f.request("editor", Method::POST, "/specs/demo/amendments/1/revisions", &form(&[("content", &retitled), ("expected", "2")])).await;
        assert_eq!(r.status, StatusCode::CONFLICT);

        // Only the objector (or the chair or an editor) withdraws an objection.
        let thread = f.store.threads(f.store.amendment(f.store.spec("demo").await.unwrap().id, 1).await.unwrap().id).await.unwrap()
            .into_iter().find(|t| t.blocking).unwrap().id;
        let resolve = format!("/specs/demo/amendments/1/threads/{thread}/resolve");
        assert_eq!(f.request("rep", Method::POST, &resolve, "resolved=true").await.status, StatusCode::FORBIDDEN);
        assert_eq!(f.request("reviewer", Method::POST, &resolve, "resolved=true").await.status, StatusCode::SEE_OTHER);

        let r = f.request("chair", Method::POST, "/specs/demo/amendments/1/merge", "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location, "/specs/demo/versions/2");
        let v2 = f.request("anon", Method::GET, "/api/v1/specs/demo/versions/2/source", "").await.body;
        assert_eq!(v2, reworded, "the merged version is the amendment's newest revision");
        let a = f.request("anon", Method::GET, "/api/v1/specs/demo/amendments/1", "").await.body;
        assert!(a.contains("\"state\":\"merged\"") && a.contains("\"merged_version\":2"), "{a}");
        // Closed amendments take no more comments or revisions.
        let r = f.request("reviewer", Method::POST, "/specs/demo/amendments/1/threads", "body=late").await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let actions: Vec<String> = f.store.audit_entries(0, 1000).await.unwrap().into_iter().map(|e| e.action).collect();
        for a in ["amendment.create", "amendment.revise", "review.thread.create", "review.thread.resolve", "spec.version.create"] {
            assert!(actions.iter().any(|x| x == a), "{a} not audited: {actions:?}");
        }
        assert!(f.store.verify_audit().await.unwrap().is_ok());
    };

    a_moved_specification_makes_amendments_out_of_date => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let second = spec("demo", "wg", "publish a policy and keep it current");
        let r = f.request("rep", Method::POST, "/api/v1/specs/demo/amendments", &serde_json::json!({"title": "Keep current", "content": second}).to_string()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(f.request("chair", Method::POST, "/specs/demo/amendments/1/merge", "").await.status, StatusCode::SEE_OTHER);
        let page = f.request("rep", Method::GET, "/specs/demo/amendments/2", "").await.body;
        assert!(page.contains("Out of date"), "{page}");
        let r = f.request("chair", Method::POST, "/api/v1/specs/demo/amendments/2/merge", "").await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("has changed since"), "{}", r.body);
        assert_eq!(f.store.versions(f.store.spec("demo").await.unwrap().id).await.unwrap().len(), 2, "no version was written");
    };

    bad_proposals_are_explained => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let post = |body: serde_json::Value| {
            let body = body.to_string();
            let f = &f;
            async move { f.request("editor", Method::POST, "/api/v1/specs/demo/amendments", &body).await }
        };
        let r = post(serde_json::json!({"title": "x", "content": "spec: [\n"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("\"line\":"), "{}", r.body);
        let r = post(serde_json::json!({"title": "x", "content": spec("demo", "wg", "publish a policy")})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("makes no change"), "{}", r.body);
        let r = post(serde_json::json!({"title": "x", "content": spec("other", "wg", "do it")})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "renaming the spec: {}", r.body);
        let r = post(serde_json::json!({"title": "", "content": spec("demo", "wg", "do it")})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = post(serde_json::json!({"nope": 1})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = f.request("reviewer", Method::POST, "/api/v1/specs/demo/amendments/1/threads",
            &serde_json::json!({"body": "x", "control_id": "X-VM-01", "field": "statement", "first_line": 3, "last_line": 4}).to_string()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("has 1 lines") || r.body.contains("which has 1"), "{}", r.body);
        // The whole-file form names each problem's line and shows it.
        let broken = spec("demo", "wg", "do it").replace("    level: 1\n", "    level: seven\n");
        let r = f.request("editor", Method::POST, "/specs/demo/amendments", &form(&[("title", "Broken"), ("content", &broken)])).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let line = broken.lines().position(|l| l.contains("seven")).unwrap() + 1;
        assert!(r.body.contains(&format!("<strong>Line {line}:</strong> <code>    level: seven</code>")), "{}", r.body);
        let r = f.request("reviewer", Method::GET, "/specs/demo/amendments/99", "").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = f.request("reviewer", Method::GET, "/specs/demo/amendments/1?from=7", "").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    };

    rebase_merges_cleanly_or_asks_about_each_conflict => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let propose = |title: &str, content: String| {
            let body = serde_json::json!({"title": title, "content": content}).to_string();
            let f = &f;
            async move { f.request("rep", Method::POST, "/api/v1/specs/demo/amendments", &body).await }
        };
        // #3 retitles the specification; #4 rewords the control #1 rewords
        // (#2, under ballot, also overlaps with #1).
        let retitled = spec("demo", "wg", "publish a policy").replace("title: Spec demo", "title: Demo Baseline");
        assert_eq!(propose("Retitle", retitled).await.status, StatusCode::CREATED);
        assert_eq!(propose("Signed", spec("demo", "wg", "publish a signed policy")).await.status, StatusCode::CREATED);
        let page = f.request("rep", Method::GET, "/specs/demo/amendments/4", "").await.body;
        assert!(page.contains("Overlaps with other open amendments") && page.contains("#1 Clarify"), "{page}");

        assert_eq!(f.request("chair", Method::POST, "/specs/demo/amendments/1/merge", "").await.status, StatusCode::SEE_OTHER);

        // A clean rebase, then a merge that keeps both changes.
        let preview = f.request("rep", Method::GET, "/specs/demo/amendments/3/rebase", "").await;
        assert_eq!(preview.status, StatusCode::OK);
        assert!(preview.body.contains("merge cleanly"), "{}", preview.body);
        let r = f.request("rep", Method::POST, "/specs/demo/amendments/3/rebase", "expected=1").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(f.request("chair", Method::POST, "/specs/demo/amendments/3/merge", "").await.status, StatusCode::SEE_OTHER);
        let v3 = f.request("anon", Method::GET, "/api/v1/specs/demo/versions/3/source", "").await.body;
        assert!(v3.contains("title: Demo Baseline") && v3.contains("publish a disclosure policy"), "{v3}");

        // A conflicting rebase is never decided silently.
        let preview = f.request("rep", Method::GET, "/specs/demo/amendments/4/rebase", "").await.body;
        assert!(preview.contains("collide") && preview.contains("publish a signed policy") && preview.contains("publish a disclosure policy"), "{preview}");
        let r = f.request("rep", Method::POST, "/specs/demo/amendments/4/rebase", "expected=1").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("Choose a side for every conflict: 1 conflict is unresolved: control X-VM-01 statement"), "{}", r.body);
        let r = f.request("rep", Method::POST, "/specs/demo/amendments/4/rebase", "expected=1&choice-0=revision").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let detail = f.request("rep", Method::GET, "/api/v1/specs/demo/amendments/4", "").await.body;
        let v: serde_json::Value = serde_json::from_str(&detail).unwrap();
        assert_eq!(v["out_of_date"], false);
        assert_eq!(v["revisions"][1]["base_version"], 3);
        // Rebasing again has nothing to do.
        let r = f.request("rep", Method::POST, "/specs/demo/amendments/4/rebase", "expected=2").await;
        assert_eq!(r.status, StatusCode::CONFLICT);
    };
}

both_backends! {
    one_control_is_edited_through_a_form_without_yaml => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // The control's page and the specification offer the form to those
        // who may propose, not to a reviewer.
        let page = f.request("editor", Method::GET, "/specs/demo/controls/X-VM-01", "").await.body;
        assert!(page.contains("/specs/demo/controls/X-VM-01/edit"), "{page}");
        let page = f.request("reviewer", Method::GET, "/specs/demo", "").await.body;
        assert!(!page.contains("/controls/X-VM-01/edit"), "{page}");
        let form_page = f.request("editor", Method::GET, "/specs/demo/controls/X-VM-01/edit", "").await;
        assert_eq!(form_page.status, StatusCode::OK);
        assert!(form_page.body.contains("Projects MUST publish a policy."), "the form holds the text");
        assert!(form_page.body.contains("<option value=\"T:1\">One</option>"), "the picker offers catalog items: {}", form_page.body);

        // The level goes from 1 to 2 and a rationale changes: a new draft.
        let fields = |level: &str, rationale: &str, into: &str| form(&[
            ("title", "Control of demo"), ("section", "VM"), ("level", level), ("status", "active"),
            ("statement", "Projects MUST publish a policy."), ("guidance", ""),
            ("target", "T:1"), ("relationship", "subset"), ("rationale", rationale),
            ("target", ""), ("relationship", "subset"), ("rationale", ""),
            ("into", into), ("amendment_title", "Raise X-VM-01 to level 2"), ("description", "Too weak at 1."),
        ]);
        let r = f.request("editor", Method::POST, "/specs/demo/controls/X-VM-01/edit", &fields("2", "Part of it.", "new")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let number: i64 = r.location.trim_start_matches("/specs/demo/amendments/").split('?').next().unwrap().parse().unwrap();
        let page = f.request("editor", Method::GET, &r.location, "").await.body;
        assert!(page.contains("<del>1</del> → <ins>2</ins>"), "the level reads 1 → 2: {page}");
        assert!(page.contains("Draft"), "{page}");

        // A second edit gathers into the same draft as its next revision.
        let r = f.request("editor", Method::POST, "/specs/demo/controls/X-VM-01/edit", &fields("2", "All of it, at level 2.", &number.to_string())).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location, format!("/specs/demo/amendments/{number}?from=1&to=2"));

        // Through the API, a new control into the same draft.
        let r = f.request("editor", Method::POST, "/api/v1/specs/demo/control-edits", &format!(r#"{{"action": "add", "amendment": {number}, "control": {{"id": "X-VM-02", "section": "VM", "title": "Sign releases", "level": 2, "statement": "Projects MUST sign releases."}}}}"#)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!((v["amendment"].as_i64(), v["revision"].as_i64()), (Some(number), Some(3)));
        let a = f.store.amendment(f.store.spec("demo").await.unwrap().id, number).await.unwrap();
        let revisions = f.store.revisions(a.id).await.unwrap();
        let newest = &revisions.last().unwrap().content;
        assert!(newest.contains("X-VM-02") && newest.contains("level: 2") && newest.contains("All of it, at level 2."), "{newest}");

        // What cannot be saved comes back with the reason and what was typed.
        for (body, says) in [
            (fields("2", "All of it, at level 2.", &number.to_string()), "nothing to propose"),
            (fields("7", "x", "new"), "1, 2 or 3"),
            (fields("2", "x", "new").replace("section=VM", "section=ZZ"), "no section"),
        ] {
            let r = f.request("editor", Method::POST, "/specs/demo/controls/X-VM-01/edit", &body).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{says}: {}", r.body);
            assert!(r.body.contains(says), "{says}: {}", r.body);
            assert!(r.body.contains("Projects MUST publish a policy."), "the typed text comes back");
        }
        let r = f.request("editor", Method::POST, "/specs/demo/new-control", &form(&[
            ("id", "X-VM-01"), ("title", "Again"), ("section", "VM"), ("level", "1"), ("status", "active"),
            ("statement", "Projects MUST x."), ("into", "new"), ("amendment_title", "Again")])).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("X-VM-01 is taken"), "{}", r.body);
        // A reviewer may not propose; the API says so too.
        let r = f.request("reviewer", Method::POST, "/specs/demo/controls/X-VM-01/edit", &fields("2", "x", "new")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = f.request("reviewer", Method::POST, "/api/v1/specs/demo/control-edits", r#"{"action": "change", "title": "t", "control": {"id": "X-VM-01", "section": "VM", "title": "t", "level": 2, "statement": "s"}}"#).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    };
}

both_backends! {
    a_suggested_wording_is_applied_with_one_click => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let line = |suggestion: &str| form(&[("control", "X-VM-01"), ("field", "statement"), ("first_line", "1"), ("last_line", "1"),
            ("body", "Name a deadline."), ("suggestion", suggestion)]);
        // The reviewer suggests a wording and lands on the new thread.
        let r = f.request("reviewer", Method::POST, "/specs/demo/amendments/1/threads", &line("Projects MUST publish a disclosure policy within 30 days.")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(r.location.starts_with("/specs/demo/amendments/1#thread-"), "{}", r.location);
        let first: i64 = r.location.rsplit('-').next().unwrap().parse().unwrap();
        // A second reviewer's suggestion on the same line: the two clash.
        let r = f.request("rep", Method::POST, "/api/v1/specs/demo/amendments/1/threads", r#"{"body": "Shorter.", "control_id": "X-VM-01", "field": "statement", "first_line": 1, "last_line": 1, "suggestion": "Projects MUST publish a disclosure policy within 14 days."}"#).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let second = serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["thread"].as_i64().unwrap();
        let page = f.request("editor", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(page.contains("Suggested wording") && page.contains("Apply this suggestion"), "{page}");
        assert!(page.contains("Changes the same lines as the suggestion in thread"), "the clash is flagged: {page}");
        let page = f.request("reviewer", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(!page.contains("Apply this suggestion"), "only the author and stewards apply");

        // Both at once is refused; a reviewer cannot apply; a suggestion
        // needs lines.
        let both = format!(r#"{{"threads": [{first}, {second}]}}"#);
        let r = f.request("editor", Method::POST, "/api/v1/specs/demo/amendments/1/suggestions", &both).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(r.body.contains("change the same lines"), "{}", r.body);
        let r = f.request("reviewer", Method::POST, "/specs/demo/amendments/1/suggestions", &format!("thread={first}")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = f.request("reviewer", Method::POST, "/api/v1/specs/demo/amendments/1/threads", r#"{"body": "x", "suggestion": "y"}"#).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);

        // The author applies the first with one click: a new revision that
        // credits the reviewer, and the thread is settled by it.
        let r = f.request("editor", Method::POST, "/specs/demo/amendments/1/suggestions", &format!("thread={first}")).await;
        assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, "/specs/demo/amendments/1?from=1&to=2"), "{}", r.body);
        let spec_id = f.store.spec("demo").await.unwrap().id;
        let a = f.store.amendment(spec_id, 1).await.unwrap();
        let revisions = f.store.revisions(a.id).await.unwrap();
        let newest = revisions.last().unwrap();
        assert!(newest.content.contains("within 30 days"), "{}", newest.content);
        assert!(newest.message.contains("Applied suggestions by reviewer"), "{}", newest.message);
        let threads = f.store.threads(a.id).await.unwrap();
        let t = threads.iter().find(|t| t.id == first).unwrap();
        assert!(t.resolved && t.applied_in == Some(2), "{t:?}");
        let log = f.store.audit_of("amendment:demo/1", 20).await.unwrap();
        assert!(log.iter().any(|e| e.action == "review.suggestion.apply"), "{log:?}");

        // Applying it again, or the other one now that its line changed, is refused.
        for thread in [first, second] {
            let r = f.request("editor", Method::POST, "/api/v1/specs/demo/amendments/1/suggestions", &format!(r#"{{"threads": [{thread}]}}"#)).await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{thread}: {}", r.body);
        }
        let page = f.request("editor", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(page.contains("applied in revision 2"), "{page}");
    };
}

both_backends! {
    each_paragraph_of_the_redline_opens_the_comment_form_on_its_lines => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let link = "/specs/demo/amendments/1?comment=X-VM-01:statement:1-1#comment-X-VM-01";
        let page = f.request("reviewer", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(page.contains(&format!("href=\"{}\"", link.replace('&', "&amp;"))), "a link per paragraph: {page}");
        // Following it opens that control's form on those lines, in place.
        let page = f.request("reviewer", Method::GET, link.split('#').next().unwrap(), "").await.body;
        assert!(page.contains("<details class=\"line-comment\" id=\"comment-X-VM-01\" open>"), "{page}");
        assert!(page.contains("name=\"first_line\" type=\"number\" min=\"1\" value=\"1\""), "{page}");
        // Someone who cannot comment gets no links, and a link for lines that
        // do not parse opens nothing.
        let page = f.request("observer", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(!page.contains("comment-here"), "{page}");
        let page = f.request("reviewer", Method::GET, "/specs/demo/amendments/1?comment=X-VM-01:title:x", "").await.body;
        assert!(!page.contains("id=\"comment-X-VM-01\" open"), "{page}");
    };
}

both_backends! {
    either_side_of_a_split_redline_takes_comments_on_its_own_text => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let base = f.store.spec("demo").await.unwrap();
        let base_text = f.store.version(&base, base.head_version).await.unwrap().content;
        let amendment_id = f.store.amendment(base.id, 1).await.unwrap().id;
        let old_line = base_text.lines().find(|l| l.contains("statement:")).unwrap()
            .trim().trim_start_matches("statement: ").to_string();
        // The older side's paragraph has its own link, in the split view,
        // which keeps the comparison; the unified view shows the change
        // once, with the newer side's link only.
        let split = f.request("reviewer", Method::GET, "/specs/demo/amendments/1?view=split", "").await.body;
        let old_link = "/specs/demo/amendments/1?view=split&amp;comment=X-VM-01:statement:1-1&amp;on=base#comment-X-VM-01";
        assert!(split.contains(&format!("href=\"{old_link}\"")), "{split}");
        let unified = f.request("reviewer", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(!unified.contains("on=base"), "{unified}");
        // Threads show at their lines, with their state, for every reader.
        let mark = format!("<a class=\"thread-mark open\" href=\"#thread-{t}\">Thread {t} (open)</a>", t = f.suggestion_thread);
        assert!(unified.contains(&mark), "{unified}");
        let observed = f.request("observer", Method::GET, "/specs/demo/amendments/1?view=split", "").await.body;
        assert!(observed.contains(&mark) && !observed.contains("comment-here"), "{observed}");

        // Following it opens the form on that text, quoting it as it read.
        let page = f.request("reviewer", Method::GET, &old_link.replace("&amp;", "&").replace("#comment-X-VM-01", ""), "").await.body;
        assert!(page.contains("On line 1 of the statement of the base version:"), "{page}");
        assert!(page.contains(&format!("<blockquote class=\"quote comment-quote\">{old_line}</blockquote>")), "{page}");
        assert!(page.contains("name=\"on\" value=\"base\""), "{page}");

        // Posted, the thread is anchored to the base version's text (revision
        // 0), which the newest revision no longer has: it reads as outdated.
        let r = f.request("reviewer", Method::POST, "/specs/demo/amendments/1/threads",
            &form(&[("control", "X-VM-01"), ("field", "statement"), ("first_line", "1"), ("last_line", "1"), ("on", "base"), ("view", "split"), ("body", "Why drop this?")])).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let threads = f.store.threads(amendment_id).await.unwrap();
        let t = threads.last().unwrap();
        assert_eq!((t.revision, t.anchor_text.as_str()), (0, old_line.as_str()));

        // Through the API too; a text that does not exist is refused.
        let api = "/api/v1/specs/demo/amendments/1/threads";
        let r = f.request("reviewer", Method::POST, api, r#"{"body":"On the old wording","control_id":"X-VM-01","field":"statement","first_line":1,"on":"base"}"#).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = f.request("reviewer", Method::POST, api, r#"{"body":"On revision 1","control_id":"X-VM-01","field":"statement","first_line":1,"on":"1"}"#).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        for (on, says) in [("9", "revision 9"), ("old", "omment on `base` or on a revision number")] {
            let r = f.request("reviewer", Method::POST, api, &format!(r#"{{"body":"x","control_id":"X-VM-01","field":"statement","first_line":1,"on":"{on}"}}"#)).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{on}: {}", r.body);
            assert!(r.body.contains(says), "{on}: {}", r.body);
        }
        // The form's field choice without lines is a comment on the control.
        let r = f.request("reviewer", Method::POST, "/specs/demo/amendments/1/threads",
            &form(&[("control", "X-VM-01"), ("field", "statement"), ("first_line", ""), ("last_line", ""), ("body", "On the whole control")])).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let threads = f.store.threads(amendment_id).await.unwrap();
        let t = threads.last().unwrap();
        assert_eq!((t.control_id.as_deref(), t.field.as_deref(), t.first_line), (Some("X-VM-01"), None, None));
    };
}

both_backends! {
    a_control_edit_is_previewed_with_its_coverage_impact_before_saving => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let spec_id = f.store.spec("demo").await.unwrap().id;
        let before = f.store.amendments(spec_id).await.unwrap().len();
        // The mapping row is emptied: the edit drops X-VM-01 from T:1.
        let body = form(&[
            ("title", "Control of demo"), ("section", "VM"), ("level", "1"), ("status", "active"),
            ("statement", "Projects **MUST** publish a policy."), ("guidance", ""),
            ("target", ""), ("relationship", "subset"), ("rationale", ""),
            ("into", "new"), ("amendment_title", "Unmap"), ("preview", "1"),
        ]);
        let r = f.request("editor", Method::POST, "/specs/demo/controls/X-VM-01/edit", &body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Preview (not saved)"), "{}", r.body);
        assert!(r.body.contains("<strong>MUST</strong>"), "the statement is rendered: {}", r.body);
        assert!(r.body.contains("<td>T:1</td>") && r.body.contains("<td>X-VM-01</td>"), "the lost coverage shows: {}", r.body);
        assert_eq!(f.store.amendments(spec_id).await.unwrap().len(), before, "a preview saves nothing");
        // A preview of an edit that cannot be applied says why.
        let r = f.request("editor", Method::POST, "/specs/demo/controls/X-VM-01/edit", &body.replace("section=VM", "section=ZZ")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("no section"), "{}", r.body);
    };
}

both_backends! {
    a_comment_is_previewed_as_it_will_read_and_comments_render_markdown => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let spec_id = f.store.spec("demo").await.unwrap().id;
        let a = f.store.amendment(spec_id, 1).await.unwrap();
        let threads = f.store.threads(a.id).await.unwrap().len();
        let body = form(&[("control", "X-VM-01"), ("field", "statement"), ("first_line", "1"), ("last_line", "1"),
            ("body", "This is **not** clear: see [the guide](https://example.org/guide)."), ("suggestion", "Projects MUST publish a *written* policy."), ("preview", "1")]);
        let r = f.request("reviewer", Method::POST, "/specs/demo/amendments/1/threads", &body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Preview (not posted)") && r.body.contains("<strong>not</strong>"), "{}", r.body);
        assert!(r.body.contains("<em>written</em>"), "the suggestion is previewed too");
        assert!(r.body.contains("id=\"comment-X-VM-01\" open"), "the form stays open");
        assert_eq!(f.store.threads(a.id).await.unwrap().len(), threads, "a preview posts nothing");
        // Posted, the comment reads the same in its thread.
        let r = f.request("reviewer", Method::POST, "/specs/demo/amendments/1/threads", &body.replace("&preview=1", "")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = f.request("editor", Method::GET, "/specs/demo/amendments/1", "").await.body;
        assert!(page.contains("<strong>not</strong>") && page.contains("href=\"https://example.org/guide\""), "{page}");
    };
}
