//! Notifications through the web layer, on both databases: choices on the
//! account page and in the API, one-click unsubscribe as mail clients send
//! it, the group's webhooks for its chair, and the document's `webhooks`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use charta_domain::notify::{Mode, Topic};
use charta_store::both_backends;
use charta_store::testing::TestDb;

mod support;
use support::*;

both_backends! {
    one_click_unsubscribe_works_without_cookies => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let uri = format!("/unsubscribe/{}", f.unsubscribe_token);
        // Opening the link changes nothing.
        let page = f.request("anon", Method::GET, &uri, "").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("A ballot your organisation votes in opens"), "{}", page.body);
        let rep = f.store.users_by_email("rep@example.org").await.unwrap()[0].id;
        assert!(f.store.notification_prefs(rep).await.unwrap().is_empty());
        // A mail provider's one-click POST: no cookie, no Origin, the RFC 8058 body.
        let r = f.send(Request::builder().method(Method::POST).uri(&uri)
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("List-Unsubscribe=One-Click")).unwrap()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(f.store.notification_prefs(rep).await.unwrap().get(&Topic::BallotOpened), Some(&Mode::Never));
        // A link cut short, or naming someone else, changes nothing.
        let cut = &uri[..uri.len() - 4];
        assert_eq!(f.request("anon", Method::POST, cut, "").await.status, StatusCode::NOT_FOUND);
    };
}

both_backends! {
    choices_are_the_same_on_the_page_and_in_the_api => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let page = f.request("rep", Method::GET, "/account", "").await;
        assert!(page.body.contains("id=\"notifications\""), "{}", page.body);
        assert!(page.body.contains("name=\"ballot.opened\""));
        let r = f.request("rep", Method::POST, "/account/notifications", "ballot.opened=digest&release.published=never").await;
        assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, "/account#notifications"));
        let api = f.request("rep", Method::GET, "/api/v1/account/notifications", "").await;
        let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        let of = |event: &str| v["choices"].as_array().unwrap().iter().find(|c| c["event"] == event).cloned().unwrap();
        assert_eq!(of("ballot.opened")["delivery"], "digest");
        assert_eq!(of("ballot.opened")["chosen"], true);
        assert_eq!(of("release.published")["delivery"], "never");
        assert_eq!(of("amendment.discussion")["delivery"], "immediate");
        assert_eq!(of("amendment.discussion")["chosen"], false);
        assert_eq!(v["mail_enabled"], false);

        let r = f.request("rep", Method::PUT, "/api/v1/account/notifications", r#"{"ballot.opened": "never"}"#).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains(r#""delivery":"never""#));
        // Unknown events and deliveries are refused with what is allowed.
        let r = f.request("rep", Method::PUT, "/api/v1/account/notifications", r#"{"ballot": "never"}"#).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("ballot.opened"), "{}", r.body);
        let r = f.request("rep", Method::PUT, "/api/v1/account/notifications", r#"{"ballot.opened": "hourly"}"#).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = f.request("rep", Method::PUT, "/api/v1/account/notifications", r#"{"invitation": "never"}"#).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        let r = f.request("rep", Method::POST, "/account/notifications", "ballot.opened=sometimes").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        // A change is an audited state change.
        let audit = f.store.audit_entries(0, 10_000).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "account.notifications.set"));
    };

    webhooks_are_registered_once_with_their_secret => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let r = f.request("chair", Method::POST, "/api/v1/groups/wg/webhooks",
            r#"{"url": "https://hooks.example.org/ci", "events": ["ballot.opened", "release.published"]}"#).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert!(v["secret"].as_str().unwrap().starts_with("whsec_"));
        let list = f.request("chair", Method::GET, "/api/v1/groups/wg/webhooks", "").await;
        assert!(!list.body.contains("whsec_"), "the secret is shown once: {}", list.body);
        assert!(list.body.contains("https://hooks.example.org/ci"));
        // The page shows it once too, after registering.
        let page = f.request("chair", Method::POST, "/groups/wg/webhooks",
            "url=https%3A%2F%2Fhooks.example.org%2Fpage&events=ballot.closed").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("whsec_"));
        assert!(!f.request("chair", Method::GET, "/groups/wg/webhooks", "").await.body.contains("whsec_"));

        for (body, says) in [
            (r#"{"url": "http://127.0.0.1:8080/x", "events": ["ballot.opened"]}"#, "loopback"),
            (r#"{"url": "http://169.254.169.254/latest", "events": ["ballot.opened"]}"#, "link-local"),
            (r#"{"url": "ftp://example.org/x", "events": ["ballot.opened"]}"#, "https"),
            (r#"{"url": "https://hooks.example.org/x", "events": []}"#, "at least one event"),
            (r#"{"url": "https://hooks.example.org/x", "events": ["invitation"]}"#, "cannot receive"),
            (r#"{"url": "https://hooks.example.org/x", "events": ["ballot.opend"]}"#, "ballot.opened"),
            (r#"{"url": "https://hooks.example.org/x"}"#, "events"),
        ] {
            let r = f.request("chair", Method::POST, "/api/v1/groups/wg/webhooks", body).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
            assert!(r.body.contains(says), "{body}: {}", r.body);
        }
        let audit = f.store.audit_entries(0, 10_000).await.unwrap();
        let made: Vec<_> = audit.iter().filter(|e| e.action == "webhook.create").collect();
        assert!(made.iter().all(|e| !e.details.contains("whsec_")), "secrets stay out of the audit log");
    };

    the_document_describes_every_webhook_event => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let doc = f.request("anon", Method::GET, "/api/v1/openapi.json", "").await;
        let v: serde_json::Value = serde_json::from_str(&doc.body).unwrap();
        for t in charta_app::webhooks::topics() {
            let op = &v["webhooks"][t.as_str()]["post"];
            assert_eq!(op["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/WebhookEvent", "{t}");
            let headers: Vec<&str> = op["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
            assert_eq!(headers, ["webhook-id", "webhook-timestamp", "webhook-signature"]);
        }
        assert!(v["webhooks"]["invitation"].is_null());
        assert!(v["components"]["schemas"]["WebhookEvent"]["properties"]["type"].is_object());
    };

    the_demo_mailbox_shows_what_would_have_been_sent => |db: TestDb| async move {
        let config = charta_web::WebConfig {
            demo: true,
            notify: charta_app::notify::NotifySettings {
                transport: charta_app::notify::MailTransport::Mailbox,
                ..Default::default()
            },
            ..charta_web::WebConfig::default()
        };
        let f = fixture_with(db, config).await;
        // An invitation now carries its link by mail.
        let r = f.request("chair", Method::POST, "/groups/wg/invitations", "email=newcomer%40example.org&role=reviewer").await;
        assert!(r.status.is_success() || r.status.is_redirection(), "{} {}", r.status, r.body);
        let mail = f.store.outbox("mail", 10).await.unwrap();
        let invite = mail.iter().find(|m| m.address == "newcomer@example.org").expect("an invitation mail");
        assert!(invite.body_text.contains("/invitations/"), "{}", invite.body_text);
        let empty = f.request("anon", Method::GET, "/mailbox", "").await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(empty.body.contains("newcomer@example.org"), "{}", empty.body);
    };
}

both_backends! {
    pages_announce_their_feeds_and_activity_has_feeds => |db: TestDb| async move {
        let f = fixture(db, false).await;
        for (page, feed) in [
            ("/", "/feeds/groups/wg.atom"),
            ("/groups/wg", "/feeds/groups/wg.atom"),
            ("/specs/demo", "/feeds/specs/demo.atom"),
            ("/specs/demo/releases", "/feeds/specs/demo.atom"),
            ("/releases/demo/1.0.0/", "/feeds/specs/demo.atom"),
            ("/catalogs/cra/items/T:1", "/feeds/clauses/T:1.atom"),
            ("/specs/demo/amendments/2", "/feeds/amendments/demo/2.atom"),
        ] {
            let r = f.request("rep", Method::GET, page, "").await;
            assert_eq!(r.status, StatusCode::OK, "{page}");
            let link = r#"<link rel="alternate" type="application/atom+xml""#;
            assert!(r.body.contains(link) && r.body.contains(&format!(r#"href="{feed}""#)), "{page} does not announce {feed}");
            let feed_r = f.request("anon", Method::GET, feed, "").await;
            assert_eq!(feed_r.status, StatusCode::OK, "{feed}: {}", feed_r.body);
        }
        let ballot_page = f.request("rep", Method::GET, &format!("/ballots/{}", f.ballot_id), "").await;
        assert!(ballot_page.body.contains(&format!("/feeds/ballots/{}.atom", f.ballot_id)));

        // The amendment's feed tells its story from the audit log.
        let feed = f.request("anon", Method::GET, "/feeds/amendments/demo/1.atom", "").await;
        assert!(feed.body.starts_with("<?xml"), "{}", feed.body);
        assert!(feed.body.contains("<title>Proposed</title>"), "{}", feed.body);
        assert!(feed.body.contains(&format!("#thread-{}", f.thread_id)), "its thread is in it: {}", feed.body);
        // The open ballot's feed is the group's.
        let uri = format!("/feeds/ballots/{}.atom", f.ballot_id);
        assert_eq!(f.request("anon", Method::GET, &uri, "").await.status, StatusCode::NOT_FOUND);
        let mine = f.request("rep", Method::GET, &uri, "").await;
        assert!(mine.body.contains("<title>Ballot opened</title>"), "{}", mine.body);
        assert_eq!(f.request("anon", Method::GET, "/feeds/ballots/x.atom", "").await.status, StatusCode::NOT_FOUND);
        assert_eq!(f.request("anon", Method::GET, "/feeds/amendments/demo/two.atom", "").await.status, StatusCode::NOT_FOUND);
    };
}

both_backends! {
    people_follow_specifications_and_clauses_from_their_pages => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // The outsider (no role anywhere) follows the public specification
        // from its page, and a clause from the catalog item's page.
        let page = f.request("outsider", Method::GET, "/specs/demo", "").await;
        assert!(page.body.contains("action=\"/account/follows\""), "{}", page.body);
        let r = f.request("outsider", Method::POST, "/account/follows", "kind=spec&subject=demo&back=page").await;
        assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, "/specs/demo"), "{}", r.body);
        let page = f.request("outsider", Method::GET, "/specs/demo", "").await;
        assert!(page.body.contains("Stop following"), "{}", page.body);
        let r = f.request("outsider", Method::POST, "/account/follows", "kind=clause&subject=T%3A1").await;
        assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, "/account#follows"));
        let account = f.request("outsider", Method::GET, "/account", "").await;
        assert!(account.body.contains("href=\"/catalogs/cra/items/T:1\""), "{}", account.body);
        assert!(account.body.contains("Spec demo"), "{}", account.body);

        // The API shows the same, and following again is no second follow.
        let list: serde_json::Value = serde_json::from_str(&f.request("outsider", Method::GET, "/api/v1/account/follows", "").await.body).unwrap();
        assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
        let again = f.request("outsider", Method::POST, "/api/v1/account/follows", r#"{"kind": "spec", "subject": "demo"}"#).await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
        let again: serde_json::Value = serde_json::from_str(&again.body).unwrap();
        assert_eq!(again["id"], list[0]["id"]);
        assert_eq!(again["url"], "/specs/demo");

        // What cannot be followed says why: a draft of a group one is not in reads
        // as not found, an unknown clause is not found, an unknown kind is
        // a bad request.
        for (body, status, says) in [
            (r#"{"kind": "spec", "subject": "wg-draft"}"#, StatusCode::NOT_FOUND, "wg-draft"),
            (r#"{"kind": "clause", "subject": "CRA:Nope"}"#, StatusCode::NOT_FOUND, "CRA:AnnexI.2.2"),
            (r#"{"kind": "group", "subject": "wg"}"#, StatusCode::BAD_REQUEST, "Unknown kind"),
        ] {
            let r = f.request("outsider", Method::POST, "/api/v1/account/follows", body).await;
            assert_eq!(r.status, status, "{body}: {}", r.body);
            assert!(r.body.contains(says), "{body}: {}", r.body);
        }

        // Nobody removes someone else's follow; the owner does.
        let id = list[0]["id"].as_i64().unwrap();
        let r = f.request("rep", Method::DELETE, &format!("/api/v1/account/follows/{id}"), "").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = f.request("outsider", Method::POST, &format!("/account/follows/{id}/delete"), "back=page").await;
        assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, "/specs/demo"));
        let list: serde_json::Value = serde_json::from_str(&f.request("outsider", Method::GET, "/api/v1/account/follows", "").await.body).unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
        let outsider = f.ids["outsider"];
        let actions: Vec<String> = f.store.audit_of(&format!("user:{outsider}"), 10).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(actions.iter().filter(|a| *a == "account.follow").count(), 2, "{actions:?}");
        assert_eq!(actions.iter().filter(|a| *a == "account.unfollow").count(), 1, "{actions:?}");
    };
}

both_backends! {
    the_author_asks_members_for_a_review => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // The author (the editor) sees whom to ask: members who may
        // comment, not the observer and not themself.
        let page = f.request("editor", Method::GET, "/specs/demo/amendments/1", "").await;
        assert!(page.body.contains("Nobody has been asked to review"), "{}", page.body);
        let reviewers: serde_json::Value = serde_json::from_str(&f.request("editor", Method::GET, "/api/v1/specs/demo/amendments/1/reviewers", "").await.body).unwrap();
        let names: Vec<&str> = reviewers.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
        assert!(names.contains(&"reviewer") && !names.contains(&"observer") && !names.contains(&"editor"), "{names:?}");

        let reviewer = f.ids["reviewer"];
        let r = f.request("editor", Method::POST, "/specs/demo/amendments/1/review-requests", &format!("reviewer={reviewer}")).await;
        assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, "/specs/demo/amendments/1#reviewers"), "{}", r.body);
        let page = f.request("editor", Method::GET, "/specs/demo/amendments/1", "").await;
        assert!(page.body.contains("Asked to review: reviewer."), "{}", page.body);
        // The reviewer finds it in their work, and the request is audited.
        let work: serde_json::Value = serde_json::from_str(&f.request("reviewer", Method::GET, "/api/v1/my-work", "").await.body).unwrap();
        assert!(work.to_string().contains("\"number\":1"), "{work}");
        let log = f.store.audit_of("amendment:demo/1", 20).await.unwrap();
        assert!(log.iter().any(|e| e.action == "review.request" && e.details.contains(&format!("\"reviewer\":{reviewer}"))), "{log:?}");

        // Observers and outsiders cannot be asked; the reason is given.
        for who in ["observer", "outsider"] {
            let r = f.request("editor", Method::POST, "/api/v1/specs/demo/amendments/1/review-requests", &format!(r#"{{"reviewer": {}}}"#, f.ids[who])).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{who}: {}", r.body);
            assert!(r.body.contains("members of the group who may comment"), "{}", r.body);
        }
        // A reviewer cannot ask on someone else's amendment.
        let r = f.request("reviewer", Method::POST, "/api/v1/specs/demo/amendments/1/review-requests", &format!(r#"{{"reviewer": {}}}"#, f.ids["rep"])).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    };
}
