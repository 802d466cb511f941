//! The fixture shared by the HTTP tests: two working groups (`wg` with
//! explicit rules that let amendments merge without a ballot, since most
//! tests are not about ballots; `other` with no stored rules, so the
//! defaults), a public specification and two drafts, people in every role with live sessions,
//! an invitation, an API token, two open amendments (one with a thread, one
//! under ballot), a release ballot that passed and release 1.0.0; and a
//! client that sends requests as a browser on a Charta page would.

#![allow(dead_code, reason = "each test file uses part of the fixture")]

pub mod openapi;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use charta_domain::catalog::{Catalog, CatalogSet};
use charta_store::testing::TestDb;
use charta_store::{ImportMeta, NewSession, NewToken, Store, import_group_text, import_spec};
use charta_web::auth::secret;
use charta_web::{AppState, WebConfig};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const ORIGIN: &str = "http://127.0.0.1:8080";
/// The CSRF token every test browser holds (at least 32 characters).
pub const CSRF: &str = "csrf-token-for-tests-0123456789abcdef";

pub fn catalogs() -> CatalogSet {
    let cat = Catalog::parse("catalog: cra\ntitle: T\nversion: '1'\nrevised: '2026-12-06'\npublisher: P\nsource: s\ndescription: d\nsections:\n  - id: a\n    title: A\n    items:\n      - id: T:1\n        title: One\n        text: x\n").unwrap();
    CatalogSet::new(vec![cat]).unwrap()
}

pub fn spec(slug: &str, group: &str, word: &str) -> String {
    format!(
        "spec: {slug}\ngroup: {group}\ntitle: Spec {slug}\nsections:\n  - id: VM\n    title: V\ncontrols:\n  - id: X-VM-01\n    section: VM\n    title: Control of {slug}\n    level: 1\n    status: active\n    statement: Projects MUST {word}.\n    mappings:\n      - target: T:1\n        relationship: subset\n        rationale: Part of it.\n"
    )
}

/// The kinds of people every route is tried as, in the order tried.
pub const PEOPLE: [&str; 10] = [
    "anon",
    "outsider",
    "observer",
    "reviewer",
    "alternate",
    "rep",
    "editor",
    "chair-nomfa",
    "chair",
    "admin",
];

pub struct Fixture {
    /// The application as `charta serve` runs it (the fast path for cached
    /// release artefacts in front of the router).
    pub router: charta_web::artefact::WithFastPath,
    pub store: Store,
    /// Session cookie value per person.
    pub sessions: BTreeMap<&'static str, String>,
    pub invitation_token: String,
    pub observer_membership: i64,
    pub rep_token_id: i64,
    pub rep_token: String,
    pub thread_id: i64,
    /// An open ballot on amendment 2 of `demo`.
    pub ballot_id: i64,
    /// Two delegations of Aurora's vote to its alternate, given by its
    /// representative, for a day each, 30 and 40 days from now.
    pub delegations: [i64; 2],
    /// Two webhooks of `wg` (to a public address that is never called).
    pub hooks: [i64; 2],
    /// A delivery queued for the first webhook.
    pub hook_delivery: i64,
    /// The representative's one-click link to stop ballot-opened mail.
    pub unsubscribe_token: String,
    /// Each signed-in person's account id, by name without `-nomfa`.
    pub ids: BTreeMap<&'static str, i64>,
    /// The representative follows the releases of `demo`.
    pub rep_follow: i64,
    /// A reviewer's suggested wording for line 1 of X-VM-01's statement in
    /// amendment 1.
    pub suggestion_thread: i64,
    /// A draft assessment of `demo` 1.0.0 owned by Aurora, started by its
    /// representative.
    pub assessment: i64,
    pub _db: TestDb,
}

pub async fn fixture(db: TestDb, demo: bool) -> Fixture {
    fixture_with(
        db,
        WebConfig {
            demo,
            ..WebConfig::default()
        },
    )
    .await
}

/// The fixture served with `config`.
pub async fn fixture_with(db: TestDb, config: WebConfig) -> Fixture {
    let store = db.store.clone();
    let cats = catalogs();
    import_group_text(
        &store,
        "group: wg\nname: WG\nmembers:\n  - slug: aurora\n    name: Aurora\n",
        "test",
    )
    .await
    .unwrap();
    import_group_text(
        &store,
        "group: other\nname: Other\nmembers:\n  - slug: xorg\n    name: X\n",
        "test",
    )
    .await
    .unwrap();
    let meta = |draft| ImportMeta {
        message: "m",
        created_by: "test",
        draft,
    };
    import_spec(
        &store,
        &cats,
        &spec("demo", "wg", "publish a policy"),
        meta(false),
    )
    .await
    .unwrap();
    import_spec(
        &store,
        &cats,
        &spec("wg-draft", "wg", "triage reports"),
        meta(true),
    )
    .await
    .unwrap();
    import_spec(
        &store,
        &cats,
        &spec("other-draft", "other", "sign releases"),
        meta(true),
    )
    .await
    .unwrap();
    let wg = store.group("wg").await.unwrap();
    let other = store.group("other").await.unwrap();
    store
        .set_group_rules(wg.id, "wg", &no_ballot_needed(), None, "test")
        .await
        .unwrap();
    let aurora = store.organizations(wg.id).await.unwrap()[0].id;

    let mut sessions = BTreeMap::new();
    let mut ids = BTreeMap::new();
    for person in PEOPLE.iter().skip(1) {
        let subject = person.trim_end_matches("-nomfa");
        let user = store
            .upsert_user(
                "https://idp.test",
                subject,
                &format!("{subject}@example.org"),
                subject,
            )
            .await
            .unwrap();
        // Their provider vouches for their addresses (email_verified).
        store.set_email_verified(user.id, true).await.unwrap();
        ids.insert(subject, user.id);
        let cookie = format!("session-of-{person}");
        store
            .create_session(NewSession {
                id_hash: &secret::hash(&cookie),
                user_id: user.id,
                lifetime: time::Duration::hours(1),
                mfa: !person.ends_with("-nomfa"),
                amr: "pwd",
                acr: "",
            })
            .await
            .unwrap();
        sessions.insert(*person, cookie);
    }
    let mut observer_membership = 0;
    for (who, role, org) in [
        ("observer", "observer", None),
        ("reviewer", "reviewer", None),
        ("alternate", "alternate", Some(aurora)),
        ("rep", "representative", Some(aurora)),
        ("editor", "editor", None),
        ("chair", "chair", None),
    ] {
        let id = store
            .add_membership(wg.id, ids[who], role, org)
            .await
            .unwrap();
        if who == "observer" {
            observer_membership = id;
        }
    }
    store
        .add_membership(other.id, ids["outsider"], "editor", None)
        .await
        .unwrap();
    store
        .set_platform_admin(ids["admin"], true, "test")
        .await
        .unwrap();

    let invitation_token = "invitation-token-for-tests".to_string();
    store
        .create_invitation(charta_store::NewInvitation {
            token_hash: &secret::hash(&invitation_token),
            group_id: wg.id,
            role: "reviewer",
            organization_id: None,
            email: "outsider@example.org",
            invited_by: ids["chair"],
            expires_at: time::OffsetDateTime::now_utc() + time::Duration::days(1),
            mail: None,
        })
        .await
        .unwrap();
    let rep_token = "charta_token-of-the-representative".to_string();
    let rep_token_id = store
        .create_token(NewToken {
            user_id: ids["rep"],
            name: "ci",
            prefix: "charta_token",
            token_hash: &secret::hash(&rep_token),
            scopes: "read",
            expires_at: time::OffsetDateTime::now_utc() + time::Duration::days(1),
        })
        .await
        .unwrap();
    // An open amendment to `demo` by the editor, with one comment thread.
    let proposed = spec("demo", "wg", "publish a disclosure policy");
    let hash = charta_domain::format::content_hash(&proposed);
    let demo_id = store.spec("demo").await.unwrap().id;
    store
        .create_amendment(charta_store::NewAmendment {
            spec_id: demo_id,
            spec_slug: "demo",
            title: "Clarify",
            description: "",
            author_id: ids["editor"],
            state: "open",
            revision: charta_store::NewRevision {
                base_version: 1,
                content: &proposed,
                content_hash: &hash,
                author_id: ids["editor"],
                message: "m",
            },
        })
        .await
        .unwrap();
    let amendment = store.amendment(demo_id, 1).await.unwrap();
    let thread_id = store
        .create_thread(
            &amendment,
            charta_store::NewThread {
                amendment_id: amendment.id,
                revision: 1,
                control_id: None,
                field: None,
                first_line: None,
                last_line: None,
                anchor_text: "",
                blocking: false,
                author_id: ids["reviewer"],
                body: "Why?",
                suggestion: "",
            },
        )
        .await
        .unwrap();

    let suggestion_thread = store
        .create_thread(
            &amendment,
            charta_store::NewThread {
                amendment_id: amendment.id,
                revision: 1,
                control_id: Some("X-VM-01"),
                field: Some("statement"),
                first_line: Some(1),
                last_line: Some(1),
                anchor_text: "Projects MUST publish a disclosure policy.",
                blocking: false,
                author_id: ids["reviewer"],
                body: "Give it a deadline.",
                suggestion: "Projects MUST publish a disclosure policy within 90 days.",
            },
        )
        .await
        .unwrap();

    // A second open amendment, under ballot.
    let tighter = spec("demo", "wg", "publish a policy within a week");
    let hash = charta_domain::format::content_hash(&tighter);
    store
        .create_amendment(charta_store::NewAmendment {
            spec_id: demo_id,
            spec_slug: "demo",
            title: "Tighten",
            description: "",
            author_id: ids["editor"],
            state: "open",
            revision: charta_store::NewRevision {
                base_version: 1,
                content: &tighter,
                content_hash: &hash,
                author_id: ids["editor"],
                message: "m",
            },
        })
        .await
        .unwrap();
    let second = store.amendment(demo_id, 2).await.unwrap();
    let wg_rules = store.group_rules(wg.id).await.unwrap();
    let opened_at = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let ballot_id = store
        .open_ballot(charta_store::NewBallot {
            group_id: wg.id,
            spec_id: demo_id,
            kind: charta_domain::ballot::BallotKind::Amendment,
            amendment_id: Some(second.id),
            version: None,
            revision: Some(1),
            title: "Merge amendment 2: Tighten",
            rules: &wg_rules,
            opened_by: ids["chair"],
            opened_at,
            closes_at: opened_at + time::Duration::days(7),
            subject: "amendment:demo/2",
        })
        .await
        .unwrap();

    // A release ballot on version 1 that passed at its deadline, an hour ago.
    let release_opened = time::OffsetDateTime::now_utc() - time::Duration::hours(3);
    let release_ballot = store
        .open_ballot(charta_store::NewBallot {
            group_id: wg.id,
            spec_id: demo_id,
            kind: charta_domain::ballot::BallotKind::Release,
            amendment_id: None,
            version: Some(1),
            revision: None,
            title: "Release version 1 of Spec demo",
            rules: &wg_rules,
            opened_by: ids["chair"],
            opened_at: release_opened,
            closes_at: release_opened + time::Duration::hours(2),
            subject: "spec:demo@1",
        })
        .await
        .unwrap();
    let b = store.ballot(release_ballot).await.unwrap();
    store
        .cast_vote(
            &b,
            charta_store::NewVote {
                organization_id: aurora,
                user_id: ids["rep"],
                position: charta_domain::ballot::Position::Approve,
                rationale: "",
                at: release_opened + time::Duration::minutes(5),
            },
        )
        .await
        .unwrap();
    store
        .close_due_ballots(time::OffsetDateTime::now_utc())
        .await
        .unwrap();

    let mut delegations = [0; 2];
    for (slot, days) in delegations.iter_mut().zip([30, 40]) {
        let starts_at = time::OffsetDateTime::now_utc() + time::Duration::days(days);
        *slot = store
            .give_delegation(charta_store::NewDelegation {
                group_id: wg.id,
                organization_id: aurora,
                alternate_id: ids["alternate"],
                starts_at,
                ends_at: Some(starts_at + time::Duration::days(1)),
                given_by: ids["rep"],
                at: time::OffsetDateTime::now_utc(),
            })
            .await
            .unwrap();
    }

    let mut hooks = [0; 2];
    for slot in &mut hooks {
        *slot = store
            .create_webhook(charta_store::NewWebhook {
                group_id: wg.id,
                url: "https://hooks.example.org/charta",
                topics: &[charta_domain::notify::Topic::BallotOpened],
                secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                created_by: ids["chair"],
            })
            .await
            .unwrap();
    }
    let cursor = store.notify_cursor().await.unwrap();
    store
        .advance_notifications(
            cursor,
            cursor,
            &[],
            &[charta_store::NewDelivery {
                topic: charta_domain::notify::Topic::BallotOpened,
                event_seq: None,
                webhook_id: hooks[0],
                url: "https://hooks.example.org/charta".into(),
                message_id: "msg_fixture".into(),
                payload: "{}".into(),
            }],
        )
        .await
        .unwrap();
    let hook_delivery = store.webhook_deliveries(hooks[0], 1).await.unwrap()[0].id;

    let state =
        AppState::with_release_key(store.clone(), Arc::new(cats), config, Some(release_key()));
    let unsubscribe_url = charta_app::notify::prefs::unsubscribe_url(
        &state,
        ids["rep"],
        charta_domain::notify::Topic::BallotOpened,
    )
    .await
    .unwrap();
    let unsubscribe_token = unsubscribe_url.rsplit('/').next().unwrap().to_string();
    let rep_follow = store
        .follow(ids["rep"], charta_domain::notify::FollowKind::Spec, "demo")
        .await
        .unwrap()
        .id;
    let f = Fixture {
        assessment: 0,
        suggestion_thread,
        ids,
        rep_follow,
        hooks,
        hook_delivery,
        unsubscribe_token,
        router: charta_web::service(state),
        store,
        sessions,
        invitation_token,
        observer_membership,
        rep_token_id,
        rep_token,
        thread_id,
        ballot_id,
        delegations,
        _db: db,
    };
    // Release 1.0.0 of `demo`, published by the chair through the page.
    let r = f
        .request(
            "chair",
            Method::POST,
            "/specs/demo/releases",
            "version=1&name=1.0.0",
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "publishing the fixture's release: {}",
        r.body
    );
    // A draft self-assessment against 1.0.0, owned by Aurora and started
    // by its representative.
    let r = f
        .request(
            "rep",
            Method::POST,
            "/api/v1/assessments",
            r#"{"spec":"demo","release":"1.0.0","kind":"project","name":"Widget","url":"https://example.org/widget","target_level":1,"organization":"aurora"}"#,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "starting the fixture's assessment: {}",
        r.body
    );
    let mut f = f;
    f.assessment = serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["id"]
        .as_i64()
        .unwrap();
    f
}

/// Rules like the defaults, except that amendments merge without a ballot
/// unless one is held: for tests whose point is not ballots.
pub fn no_ballot_needed() -> charta_domain::ballot::Rules {
    charta_domain::ballot::Rules {
        amendment_ballot_required: false,
        ..charta_domain::ballot::Rules::default()
    }
}

/// The fixture's release signing key (fixed, so tests can check signatures).
pub fn release_key() -> charta_release::SigningKey {
    charta_release::SigningKey::from_bytes(&[7u8; 32])
}

pub struct Resp {
    pub status: StatusCode,
    pub location: String,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Fixture {
    /// Sends a request as `person` the way a browser on a Charta page would:
    /// with its session and CSRF cookies, an Origin header and, for forms,
    /// the `_csrf` field.
    pub async fn request(&self, person: &str, method: Method, uri: &str, body: &str) -> Resp {
        let mut b = Request::builder()
            .method(method.clone())
            .uri(uri)
            .header(header::HOST, "127.0.0.1:8080");
        let mut cookie = format!("charta_csrf={CSRF}");
        if let Some(s) = self.sessions.get(person) {
            cookie.push_str(&format!("; charta_session={s}"));
        }
        b = b.header(header::COOKIE, cookie);
        let body = if method == Method::GET {
            Body::empty()
        } else if uri.starts_with("/api/") {
            b = b.header(header::ORIGIN, ORIGIN).header(
                header::CONTENT_TYPE,
                if body.starts_with('{') {
                    "application/json"
                } else {
                    "application/yaml"
                },
            );
            Body::from(body.to_string())
        } else {
            b = b
                .header(header::ORIGIN, ORIGIN)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            let sep = if body.is_empty() { "" } else { "&" };
            Body::from(format!("_csrf={CSRF}{sep}{body}"))
        };
        self.send(b.body(body).unwrap()).await
    }

    /// Sends a request and collects the response, which must keep the
    /// OpenAPI contract (see [`openapi`]).
    pub async fn send(&self, req: Request<Body>) -> Resp {
        let resp = openapi::call(self.router.clone(), req).await;
        let status = resp.status();
        let location = resp
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let set_cookies = resp
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let bytes = resp.into_body();
        Resp {
            status,
            location,
            set_cookies,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

/// `content` imported by the chair as version 2 of `demo`, with a passed
/// release ballot: waiting to be published.
pub async fn approve_version_2(f: &Fixture, content: &str) {
    let chair = f.store.users_by_email("chair@example.org").await.unwrap()[0].id;
    import_spec(
        &f.store,
        &catalogs(),
        content,
        ImportMeta {
            message: "Second version",
            created_by: &format!("user:{chair}"),
            draft: false,
        },
    )
    .await
    .unwrap();
    let wg = f.store.group("wg").await.unwrap();
    let demo = f.store.spec("demo").await.unwrap();
    let aurora = f.store.organizations(wg.id).await.unwrap()[0].id;
    let rep = f.store.users_by_email("rep@example.org").await.unwrap()[0].id;
    let rules = f.store.group_rules(wg.id).await.unwrap();
    let opened = time::OffsetDateTime::now_utc() - time::Duration::hours(3);
    let id = f
        .store
        .open_ballot(charta_store::NewBallot {
            group_id: wg.id,
            spec_id: demo.id,
            kind: charta_domain::ballot::BallotKind::Release,
            amendment_id: None,
            version: Some(2),
            revision: None,
            title: "Release version 2 of Spec demo",
            rules: &rules,
            opened_by: chair,
            opened_at: opened,
            closes_at: opened + time::Duration::hours(2),
            subject: "spec:demo@2",
        })
        .await
        .unwrap();
    let b = f.store.ballot(id).await.unwrap();
    f.store
        .cast_vote(
            &b,
            charta_store::NewVote {
                organization_id: aurora,
                user_id: rep,
                position: charta_domain::ballot::Position::Approve,
                rationale: "",
                at: opened + time::Duration::minutes(5),
            },
        )
        .await
        .unwrap();
    f.store
        .close_due_ballots(time::OffsetDateTime::now_utc())
        .await
        .unwrap();
}
