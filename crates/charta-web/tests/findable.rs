//! Releases are findable, "my work" is where work waits, and the reading
//! pages say what they mean, through the real router on both databases:
//! the specification, history, group and home pages link the current
//! release; only the newest release not marked superseded is current;
//! "my work" lists what waits on chairs and editors and is where sign-in
//! lands; times and people read as words; control addresses in another
//! case redirect; links shown to signed-out visitors answer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::http::{Method, StatusCode};
use charta_store::testing::TestDb;
use charta_store::{ImportMeta, both_backends, import_spec};

mod support;
use support::*;

/// The text of the `<section>`, `<tr>` or `<p>` that contains `needle`.
fn around<'a>(body: &'a str, needle: &str) -> &'a str {
    let at = body
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not on the page:\n{body}"));
    let start = body[..at].rfind(['\n']).map_or(0, |i| i + 1);
    let end = body[at..].find('\n').map_or(body.len(), |i| at + i);
    &body[start..end]
}

/// The table row (`<tr>`) that contains `needle`.
fn row<'a>(body: &'a str, needle: &str) -> &'a str {
    let at = body
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not on the page:\n{body}"));
    let start = body[..at].rfind("<tr").unwrap();
    let end = at + body[at..].find("</tr>").unwrap();
    &body[start..end]
}

/// The `<ul>` that follows the heading `h2`.
fn list_after<'a>(body: &'a str, h2: &str) -> &'a str {
    let at = body
        .find(&format!("<h2>{h2}</h2>"))
        .unwrap_or_else(|| panic!("no heading {h2:?}:\n{body}"));
    let rest = &body[at..];
    let end = rest.find("</ul>").unwrap();
    &rest[..end]
}

both_backends! {
    spec_pages_link_the_current_release => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // One release, 1.0.0 of version 1: current everywhere.
        let page = f.request("anon", Method::GET, "/specs/demo", "").await;
        assert_eq!(page.status, StatusCode::OK);
        let line = around(&page.body, "Latest release");
        assert!(line.contains("href=\"/releases/demo/1.0.0/\">1.0.0</a>"), "{line}");
        assert!(!line.contains(", published 20"), "a day in words: {line}");
        assert!(page.body.contains("This version was published as release <a href=\"/releases/demo/1.0.0/\">1.0.0</a> <span class=\"badge current\">current</span>"), "{}", page.body);
        assert!(page.body.contains("href=\"/specs/demo/releases\""));
        let home = f.request("anon", Method::GET, "/", "").await;
        assert!(around(&home.body, "/specs/demo\"").contains("latest release <a href=\"/releases/demo/1.0.0/\">1.0.0</a>"), "{}", home.body);
        let group = f.request("anon", Method::GET, "/groups/wg", "").await;
        let line = around(&group.body, "/specs/demo\"");
        assert!(line.contains("latest release <a href=\"/releases/demo/1.0.0/\">1.0.0</a>") && line.contains("/specs/demo/releases"), "{line}");

        // Version 2 released as 1.1.0: 1.0.0 is superseded by it.
        approve_version_2(&f, &spec("demo", "wg", "publish a policy and keep it current")).await;
        let r = f.request("chair", Method::POST, "/specs/demo/releases", "version=2&name=1.1.0").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let head = f.request("anon", Method::GET, "/specs/demo", "").await;
        assert!(around(&head.body, "Latest release").contains("href=\"/releases/demo/1.1.0/\">1.1.0</a>"), "{}", head.body);
        assert!(head.body.contains("all 2 releases"));
        let v1 = f.request("anon", Method::GET, "/specs/demo/versions/1", "").await;
        assert!(v1.body.contains("1.0.0</a>, since superseded by 1.1.0."), "{}", v1.body);
        assert!(!v1.body.contains("1.0.0</a> <span class=\"badge current\">"), "{}", v1.body);

        let list = f.request("anon", Method::GET, "/specs/demo/releases", "").await;
        assert_eq!(list.body.matches("badge current").count(), 1, "{}", list.body);
        assert!(row(&list.body, ">1.1.0</a></td>").contains("badge current"));
        assert!(row(&list.body, ">1.0.0</a></td>").contains("superseded by <a href=\"/releases/demo/1.1.0/\">1.1.0</a>"), "{}", list.body);
        let old = f.request("anon", Method::GET, "/releases/demo/1.0.0/", "").await;
        assert!(old.body.contains("Superseded by <a href=\"/releases/demo/1.1.0/\">1.1.0</a>") && !old.body.contains("badge current"), "{}", old.body);
        let new = f.request("anon", Method::GET, "/releases/demo/1.1.0/", "").await;
        assert!(new.body.contains("<span class=\"badge current\">current</span>"));

        // History: each version names its maker and its releases.
        let history = f.request("anon", Method::GET, "/specs/demo/versions", "").await;
        assert!(history.body.contains("by chair</span>"), "{}", history.body);
        assert!(history.body.contains("<a href=\"/releases/demo/1.1.0/\">1.1.0</a> <span class=\"badge current\">current</span>"), "{}", history.body);
        assert!(history.body.contains("<a href=\"/releases/demo/1.0.0/\">1.0.0</a> <span class=\"muted\">superseded by 1.1.0</span>"), "{}", history.body);
        assert!(!history.body.contains("user:"), "no account numbers: {}", history.body);

        // Marking the newest superseded makes the older one current again.
        let r = f.request("chair", Method::POST, "/releases/demo/1.1.0/supersede", "reason=Wrong+text").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let list = f.request("anon", Method::GET, "/specs/demo/releases", "").await;
        assert_eq!(list.body.matches("badge current").count(), 1, "{}", list.body);
        assert!(row(&list.body, ">1.0.0</a></td>").contains("badge current"), "{}", list.body);
        assert!(row(&list.body, ">1.1.0</a></td>").contains("Wrong text"), "{}", list.body);
    };

    times_and_people_read_as_words => |db: TestDb| async move {
        let f = fixture(db, false).await;
        approve_version_2(&f, &spec("demo", "wg", "publish a policy and keep it current")).await;
        let chair = f.store.users_by_email("chair@example.org").await.unwrap()[0].id;
        let page = f.request("anon", Method::GET, "/specs/demo", "").await;
        let line = around(&page.body, "class=\"version-line\"");
        assert!(line.contains(" UTC by chair"), "{line}");
        let month = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
        assert!(month.iter().any(|m| line.contains(m)), "{line}");
        let ballot = format!("/ballots/{}", f.ballot_id);
        for (who, path) in [("anon", "/specs/demo"), ("anon", "/specs/demo/versions"), ("chair", "/my-work"), ("anon", "/specs/demo/versions/1"), ("chair", ballot.as_str())] {
            let r = f.request(who, Method::GET, path, "").await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            assert!(!r.body.contains(&format!("user:{chair}")), "{path}: {}", r.body);
            // No RFC 3339 timestamp such as 2026-12-03T09:12:00Z.
            let rfc = r.body.as_bytes().windows(20).any(|w| {
                w[4] == b'-' && w[7] == b'-' && w[10] == b'T' && w[13] == b':' && w[..4].iter().all(u8::is_ascii_digit)
            });
            assert!(!rfc, "{path} shows an RFC 3339 time");
        }
        // The ballot's audit trail names the chair who opened it.
        let page = f.request("chair", Method::GET, &ballot, "").await;
        let trail = around(&page.body, "class=\"audit-entries\"");
        assert!(trail.contains(" UTC ballot.open by chair "), "{trail}");
        let work = f.request("rep", Method::GET, "/my-work", "").await;
        assert!(around(&work.body, "Merge amendment 2: Tighten").contains(" UTC</span>"), "{}", work.body);
    };

    my_work_lists_what_waits_on_chairs_and_editors => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // Amendment 1 passes its gate (no ballot is required by default).
        let chair = f.request("chair", Method::GET, "/my-work", "").await;
        assert_eq!(chair.status, StatusCode::OK);
        let merge = list_after(&chair.body, "Ready to merge");
        assert!(merge.contains("href=\"/specs/demo/amendments/1\"") && !merge.contains("/amendments/2\""), "{merge}");
        // The ballot on amendment 2 runs, nobody has voted.
        let running = list_after(&chair.body, "Ballots you run");
        assert!(running.contains(&format!("href=\"/ballots/{}\"", f.ballot_id)) && running.contains("0 of 1 organisations voted"), "{running}");
        assert!(list_after(&chair.body, "Versions waiting to be published").ends_with("<ul class=\"work\">"), "nothing approved yet");
        // Editors merge only where the group's rules let them.
        let editor = f.request("editor", Method::GET, "/my-work", "").await;
        assert!(!editor.body.contains("Ready to merge"), "{}", editor.body);
        let wg_id = f.store.group("wg").await.unwrap().id;
        let editors_merge = charta_domain::ballot::Rules { editors_may_merge: true, ..f.store.group_rules(wg_id).await.unwrap() };
        f.store.set_group_rules(wg_id, "wg", &editors_merge, None, "test").await.unwrap();
        let editor = f.request("editor", Method::GET, "/my-work", "").await;
        assert!(list_after(&editor.body, "Ready to merge").contains("/specs/demo/amendments/1\""));
        assert!(!editor.body.contains("Ballots you run"), "editors do not run ballots");
        let rep = f.request("rep", Method::GET, "/my-work", "").await;
        assert!(!rep.body.contains("Ready to merge"), "{}", rep.body);
        assert!(list_after(&rep.body, "Ballots awaiting your organisation's vote").contains(&format!("/ballots/{}", f.ballot_id)));

        // Once Aurora approves, the outcome is settled: the chair can close it.
        let r = f.request("rep", Method::POST, &format!("/ballots/{}/votes", f.ballot_id), "organization=aurora&position=approve").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let chair = f.request("chair", Method::GET, "/my-work", "").await;
        let close = list_after(&chair.body, "Ballots to close");
        assert!(close.contains(&format!("/ballots/{}", f.ballot_id)) && close.contains("closed early"), "{close}");

        // A ballot past its deadline that the sweeper has not closed yet.
        let wg = f.store.group("wg").await.unwrap();
        let demo = f.store.spec("demo").await.unwrap();
        let first = f.store.amendment(demo.id, 1).await.unwrap();
        let chair_id = f.store.users_by_email("chair@example.org").await.unwrap()[0].id;
        let opened = time::OffsetDateTime::now_utc() - time::Duration::days(2);
        let late = f.store.open_ballot(charta_store::NewBallot {
            group_id: wg.id, spec_id: demo.id, kind: charta_domain::ballot::BallotKind::Amendment,
            amendment_id: Some(first.id), version: None, revision: Some(1), title: "Merge amendment 1: Clarify",
            rules: &f.store.group_rules(wg.id).await.unwrap(), opened_by: chair_id, opened_at: opened,
            closes_at: opened + time::Duration::days(1), subject: "amendment:demo/1",
        }).await.unwrap();
        let chair = f.request("chair", Method::GET, "/my-work", "").await;
        let close = list_after(&chair.body, "Ballots to close");
        assert!(around(close, &format!("/ballots/{late}\"")).contains("past its deadline"), "{close}");
        f.store.cancel_ballot(&f.store.ballot(late).await.unwrap(), "test", time::OffsetDateTime::now_utc(), "test").await.unwrap();

        // With ballots required, amendment 1 is ready for a ballot instead.
        let rules = charta_domain::ballot::Rules { amendment_ballot_required: true, ..f.store.group_rules(wg.id).await.unwrap() };
        f.store.set_group_rules(wg.id, "wg", &rules, None, "test").await.unwrap();
        let chair = f.request("chair", Method::GET, "/my-work", "").await;
        assert!(list_after(&chair.body, "Ready for a ballot").contains("/specs/demo/amendments/1\""), "{}", chair.body);
        assert!(!list_after(&chair.body, "Ready to merge").contains("/specs/demo/amendments/1\""));
        let editor = f.request("editor", Method::GET, "/my-work", "").await;
        assert!(!editor.body.contains("Ready for a ballot"), "editors open no ballots: {}", editor.body);

        // A passed release ballot on version 2: waiting to be published.
        approve_version_2(&f, &spec("demo", "wg", "publish a policy and keep it current")).await;
        let chair = f.request("chair", Method::GET, "/my-work", "").await;
        let publish = list_after(&chair.body, "Versions waiting to be published");
        assert!(publish.contains("href=\"/specs/demo/releases\"") && publish.contains("version 2"), "{publish}");
        let r = f.request("chair", Method::POST, "/specs/demo/releases", "version=2&name=1.1.0").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let chair = f.request("chair", Method::GET, "/my-work", "").await;
        assert!(!list_after(&chair.body, "Versions waiting to be published").contains("version 2"));
        // Another group's chair sees none of it.
        let outsider = f.request("outsider", Method::GET, "/my-work", "").await;
        assert!(!outsider.body.contains("/specs/demo/"), "{}", outsider.body);
    };

    my_work_is_in_the_navigation_and_where_sign_in_lands => |db: TestDb| async move {
        let f = fixture(db, true).await;
        let signed_in = f.request("rep", Method::GET, "/", "").await;
        assert!(signed_in.body.contains("<a href=\"/my-work\">My work</a>"));
        let anon = f.request("anon", Method::GET, "/", "").await;
        assert!(!anon.body.contains("href=\"/my-work\""));
        // The demo sign-in form carries /my-work when no page was asked for.
        let login = f.request("anon", Method::GET, "/auth/login", "").await;
        assert!(login.body.contains("name=\"return_to\" value=\"/my-work\""), "{}", login.body);
        let r = f.request("anon", Method::POST, "/auth/demo", "person=chair").await;
        assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, "/my-work"));
        let r = f.request("anon", Method::POST, "/auth/demo", "person=chair&return_to=").await;
        assert_eq!(r.location, "/my-work");
        // A page asked for is where it lands; a foreign address is not.
        let r = f.request("anon", Method::POST, "/auth/demo", "person=chair&return_to=%2Fspecs%2Fdemo").await;
        assert_eq!(r.location, "/specs/demo");
        let r = f.request("anon", Method::POST, "/auth/demo", "person=chair&return_to=https%3A%2F%2Fevil.example%2F").await;
        assert_eq!(r.location, "/my-work");
    };

    control_addresses_ignore_case => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let r = f.request("anon", Method::GET, "/specs/demo/controls/x-vm-01", "").await;
        assert_eq!((r.status, r.location.as_str()), (StatusCode::PERMANENT_REDIRECT, "/specs/demo/controls/X-VM-01"));
        let r = f.request("anon", Method::GET, "/api/v1/specs/demo/controls/X-vm-01", "").await;
        assert_eq!((r.status, r.location.as_str()), (StatusCode::PERMANENT_REDIRECT, "/api/v1/specs/demo/controls/X-VM-01"));
        let r = f.request("anon", Method::GET, "/specs/demo/controls/X-VM-01", "").await;
        assert_eq!(r.status, StatusCode::OK);
        let r = f.request("anon", Method::GET, "/specs/demo/controls/x-vm-99", "").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // Drafts of other groups are not found, in any case.
        let r = f.request("anon", Method::GET, "/specs/wg-draft/controls/x-vm-01", "").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // Search finds a control by its identifier in any case.
        for q in ["X-VM-01", "x-vm-01", "X-Vm-01"] {
            let r = f.request("anon", Method::GET, &format!("/search?q={q}"), "").await;
            assert!(r.body.contains("href=\"/specs/demo/controls/X-VM-01\""), "{q}: {}", r.body);
        }
    };

    signed_out_links_answer => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // The group page asks signed-out visitors to sign in for people and roles.
        let group = f.request("anon", Method::GET, "/groups/wg", "").await;
        assert!(!group.body.contains("href=\"/groups/wg/members\""), "{}", group.body);
        assert!(group.body.contains("<a href=\"/auth/login?return_to=/groups/wg/members\">sign in to see them</a>"));
        let member = f.request("observer", Method::GET, "/groups/wg", "").await;
        assert!(member.body.contains("<a href=\"/groups/wg/members\">People and roles</a>"));
        let outsider = f.request("outsider", Method::GET, "/groups/wg", "").await;
        assert!(!outsider.body.contains("href=\"/groups/wg/members\"") && outsider.body.contains("shown to the group"));

        // Every local link of the reading pages answers a signed-out visitor,
        // or is a sign-in link.
        let pages = ["/", "/groups/wg", "/specs", "/specs/demo", "/specs/demo/versions", "/specs/demo/controls/X-VM-01", "/specs/demo/versions/1/coverage", "/specs/demo/versions/1/coverage?level=1", "/search?q=policy", "/catalogs", "/catalogs/cra", "/catalogs/cra/items/T:1", "/docs/spec-format", "/specs/demo/releases", "/releases/demo/1.0.0/", "/specs/demo/versions/1"];
        for page in pages {
            let r = f.request("anon", Method::GET, page, "").await;
            assert_eq!(r.status, StatusCode::OK, "{page}");
            for link in r.body.split("href=\"").skip(1).filter_map(|s| s.split('"').next()) {
                let link = link.replace("&amp;", "&");
                if !link.starts_with('/') || link.starts_with("/auth/login") || link.starts_with("/static/") {
                    continue;
                }
                let target = link.split('#').next().unwrap();
                let target = if target.starts_with('?') { page.to_string() } else { target.to_string() };
                let t = f.request("anon", Method::GET, &target, "").await;
                assert!(t.status.is_success() || t.status == StatusCode::SEE_OTHER && t.location.ends_with('/'), "{page} links {link}: {}", t.status);
            }
        }
        // The file format link of the proposal form goes to the format.
        let new = f.request("editor", Method::GET, "/specs/demo/amendments/new", "").await;
        assert!(new.body.contains("<a href=\"/docs/spec-format\">file format</a>"), "{}", new.body);
        let doc = f.request("anon", Method::GET, "/docs/spec-format", "").await;
        assert!(doc.body.contains("<h1>Specification files</h1>") && doc.body.contains("<table>"), "{}", doc.body);
        // The catalog links its OSCAL rendering and the page that explains
        // Charta's OSCAL properties, which names the namespace and each one.
        let cat = f.request("anon", Method::GET, "/catalogs/cra", "").await;
        assert!(cat.body.contains("href=\"/catalogs/cra/catalog.oscal.json\"") && cat.body.contains("href=\"/docs/oscal-props\""), "{}", cat.body);
        let props = f.request("anon", Method::GET, "/docs/oscal-props", "").await;
        assert!(props.body.contains(charta_release::oscal::NS), "{}", props.body);
        for p in charta_release::oscal::PROPS {
            assert!(props.body.contains(&format!("<code>{}</code>", p.name)), "{}", p.name);
        }
    };

    coverage_levels_say_what_they_show => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // A level 2 control is the only one mapped to T:1 in version 2.
        import_spec(
            &f.store,
            &catalogs(),
            &spec("demo", "wg", "publish a policy").replace("level: 1", "level: 2"),
            ImportMeta { message: "m", created_by: "test", draft: false },
        )
        .await
        .unwrap();
        let all = f.request("anon", Method::GET, "/specs/demo/versions/2/coverage", "").await;
        assert!(!all.body.contains("Covered only at level"), "{}", all.body);
        let l1 = f.request("anon", Method::GET, "/specs/demo/versions/2/coverage?level=1", "").await;
        assert!(l1.body.contains("Showing the controls required at level 1 or below"), "{}", l1.body);
        let row = row(&l1.body, "/catalogs/cra/items/T:1\"");
        assert!(row.contains("Covered only at level 2") && !row.contains(">Gap<"), "{row}");
        assert!(l1.body.contains("(1 covered only at a higher level)"));
        let json = f.request("anon", Method::GET, "/api/v1/specs/demo/versions/2/coverage?level=1", "").await;
        let doc: serde_json::Value = serde_json::from_str(&json.body).unwrap();
        let item = &doc["catalogs"][0]["groups"][0]["items"][0];
        assert_eq!((item["gap"].clone(), item["covered_at_level"].clone()), (serde_json::json!(true), serde_json::json!(2)));
        // Version 1 covers T:1 at level 1: no such note.
        let v1 = f.request("anon", Method::GET, "/specs/demo/versions/1/coverage?level=1", "").await;
        assert!(!v1.body.contains("Covered only at level"));
        // The specification page says the same of its level filter.
        let spec_page = f.request("anon", Method::GET, "/specs/demo?level=1", "").await;
        assert!(spec_page.body.contains("Showing the 0 controls required at level 1 or below, of 1"), "{}", spec_page.body);
    };

    search_marks_withdrawn_controls_and_renders_markdown => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let text = spec("demo", "wg", "**publish** a policy <b>now</b>")
            + "  - id: X-VM-02\n    section: VM\n    title: Old policy\n    level: 1\n    status: withdrawn\n    replaced-by: [X-VM-01]\n    statement: Projects MUST publish a policy in print.\n";
        import_spec(&f.store, &catalogs(), &text, ImportMeta { message: "m", created_by: "test", draft: false }).await.unwrap();
        let r = f.request("anon", Method::GET, "/search?q=publish", "").await;
        assert_eq!(r.status, StatusCode::OK);
        let old = around(&r.body, "/controls/X-VM-02\"");
        assert!(old.contains("<span class=\"badge withdrawn\">withdrawn</span>"), "{old}");
        let live = around(&r.body, "/controls/X-VM-01\"");
        assert!(!live.contains("badge withdrawn"), "{live}");
        assert!(r.body.contains("<strong><mark>publish</mark></strong>"), "{}", r.body);
        // Markup in the text stays text (PostgreSQL's excerpt drops it).
        assert!(!r.body.contains("<b>now"), "{}", r.body);
    };
}
