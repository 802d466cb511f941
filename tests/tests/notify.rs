//! Notifications against real receivers, on both databases: e-mail through
//! a real SMTP server (aiosmtpd) and webhooks checked by the Standard
//! Webhooks reference library. Events come from real changes (a ballot
//! opened, a vote, a reminder, a close); the jobs run as `charta serve`
//! runs them, with the clock passed in where a test lets hours pass.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_app::notify::{self, MailTransport, NotifySettings};
use charta_app::{App, Settings};
use charta_domain::ballot::{BallotKind, Position, Rules};
use charta_domain::catalog::{Catalog, CatalogSet};
use charta_domain::notify::{FollowKind, Mode, Topic, next_digest};
use charta_store::testing::TestDb;
use charta_store::{
    ImportMeta, NewBallot, NewVote, NewWebhook, Store, both_backends, import_group_text,
    import_spec,
};
use charta_tests::relay::{HookReceiver, MailServer};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

const ZERO: time::Duration = time::Duration::ZERO;

fn catalogs() -> CatalogSet {
    let cat = Catalog::parse("catalog: cra\ntitle: T\nversion: '1'\npublisher: P\nsource: s\ndescription: d\nsections:\n  - id: a\n    title: A\n    items:\n      - id: T:1\n        title: One\n        text: x\n").unwrap();
    CatalogSet::new(vec![cat]).unwrap()
}

const SPEC: &str = "spec: demo\ngroup: wg\ntitle: Demo\nsections:\n  - id: VM\n    title: V\ncontrols:\n  - id: X-VM-01\n    section: VM\n    title: A control\n    level: 1\n    status: active\n    statement: Projects MUST publish a policy.\n    mappings:\n      - target: T:1\n        relationship: subset\n        rationale: Part of it.\n";

/// A group with two member organisations, a chair, two representatives
/// and an observer, all with verified addresses, and a public spec.
struct World {
    store: Store,
    group_id: i64,
    spec_id: i64,
    chair: i64,
    reps: [i64; 2],
    orgs: [i64; 2],
    observer: i64,
}

async fn world(db: &TestDb) -> World {
    let store = db.store.clone();
    import_group_text(
        &store,
        "group: wg\nname: WG\nmembers:\n  - slug: aurora\n    name: Aurora\n  - slug: borealis\n    name: Borealis\n",
        "test",
    )
    .await
    .unwrap();
    let meta = ImportMeta {
        message: "m",
        created_by: "test",
        draft: false,
    };
    import_spec(&store, &catalogs(), SPEC, meta).await.unwrap();
    let spec = store.spec("demo").await.unwrap();
    let orgs = store.organizations(spec.group_id).await.unwrap();
    let person = |sub: &'static str| {
        let store = store.clone();
        async move {
            let u = store
                .upsert_user(
                    "https://id.example",
                    sub,
                    &format!("{sub}@example.org"),
                    sub,
                )
                .await
                .unwrap();
            store.set_email_verified(u.id, true).await.unwrap();
            u.id
        }
    };
    let (chair, ana, bo, olga) = (
        person("chair").await,
        person("ana").await,
        person("bo").await,
        person("olga").await,
    );
    store
        .add_membership(spec.group_id, chair, "chair", None)
        .await
        .unwrap();
    store
        .add_membership(spec.group_id, ana, "representative", Some(orgs[0].id))
        .await
        .unwrap();
    store
        .add_membership(spec.group_id, bo, "representative", Some(orgs[1].id))
        .await
        .unwrap();
    store
        .add_membership(spec.group_id, olga, "observer", None)
        .await
        .unwrap();
    World {
        group_id: spec.group_id,
        spec_id: spec.id,
        chair,
        reps: [ana, bo],
        orgs: [orgs[0].id, orgs[1].id],
        observer: olga,
        store,
    }
}

fn new_app(store: &Store, notify: NotifySettings) -> App {
    let settings = Settings {
        public_url: "https://charta.example.org".into(),
        notify,
        ..Settings::default()
    };
    App::new(store.clone(), Arc::new(catalogs()), settings, None)
}

fn smtp(server: &MailServer) -> NotifySettings {
    NotifySettings {
        transport: MailTransport::Smtp(server.url()),
        mail_from: "Charta <charta@example.org>".into(),
        ..NotifySettings::default()
    }
}

/// Opens a release ballot, closing in `closes_in`; `n` tells apart
/// ballots a test keeps open at once (one release ballot per version may
/// be open, so each names a version of its own).
async fn open_ballot(w: &World, closes_in: time::Duration, n: i64) -> i64 {
    let subject = format!("spec:demo@{n}");
    let now = OffsetDateTime::now_utc();
    w.store
        .open_ballot(NewBallot {
            group_id: w.group_id,
            spec_id: w.spec_id,
            kind: BallotKind::Release,
            amendment_id: None,
            version: Some(n),
            revision: None,
            title: "Release version 1",
            rules: &Rules::default(),
            opened_by: w.chair,
            opened_at: now,
            closes_at: now + closes_in,
            subject: &subject,
        })
        .await
        .unwrap()
}

/// Runs the notify job's two steps as the job does, with the clock
/// `ahead` of now; returns the delivery attempts made.
async fn settle(app: &App, ahead: time::Duration) -> usize {
    while notify::fan_out(app).await.unwrap() > 0 {}
    notify::deliver(app, charta_store::now() + ahead)
        .await
        .unwrap()
}

/// How far ahead the next daily digest is, plus a minute.
fn digest_hour() -> time::Duration {
    let now = charta_store::now();
    next_digest(now) - now + time::Duration::minutes(1)
}

fn recipients(mails: &[charta_tests::relay::Mail]) -> Vec<String> {
    let mut to: Vec<String> = mails.iter().map(|m| m.to.clone()).collect();
    to.sort();
    to
}

both_backends! {
    each_event_reaches_the_right_people_once => |db: TestDb| async move {
        let Some(server) = MailServer::start() else { return };
        let w = world(&db).await;
        let app = new_app(&w.store, smtp(&server));

        // A ballot opens: the two representatives are asked to vote; the
        // chair who opened it and the observer are not written to.
        let ballot = open_ballot(&w, time::Duration::days(7), 1).await;
        assert_eq!(settle(&app, ZERO).await, 2);
        let mails = server.wait_for(2, Duration::from_secs(5));
        assert_eq!(recipients(&mails), ["ana@example.org", "bo@example.org"]);
        let m = &mails[0];
        assert!(m.subject().contains("[wg] Ballot opened: Release version 1"), "{}", m.subject());
        assert_eq!(m.header("In-Reply-To").as_deref(), Some(format!("<ballot.{ballot}@charta.example.org>").as_str()));
        assert!(m.header("List-Id").unwrap().contains("notifications.charta.example.org"));
        assert_eq!(m.header("List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));
        assert!(m.header("List-Unsubscribe").unwrap().starts_with("<https://charta.example.org/unsubscribe/"));
        assert!(m.raw.contains("multipart/alternative"), "{}", m.raw);
        assert!(m.raw.contains(&format!("https://charta.example.org/ballots/{ballot}")));

        // Nothing new: nothing more is sent.
        assert_eq!(settle(&app, ZERO).await, 0);
        assert_eq!(server.messages().len(), 2);

        // A day before the deadline, only the organisation that has not
        // voted is reminded, once.
        let row = w.store.ballot(ballot).await.unwrap();
        w.store.cast_vote(&row, NewVote {
            organization_id: w.orgs[0], user_id: w.reps[0], position: Position::Approve,
            rationale: "", at: OffsetDateTime::now_utc(),
        }).await.unwrap();
        let in_a_week = charta_store::now() + time::Duration::days(7);
        assert_eq!(w.store.remind_ballots(charta_store::now(), time::Duration::hours(24)).await.unwrap(), Vec::<i64>::new());
        assert_eq!(w.store.remind_ballots(in_a_week - time::Duration::hours(12), time::Duration::hours(24)).await.unwrap(), [ballot]);
        assert_eq!(w.store.remind_ballots(in_a_week - time::Duration::hours(11), time::Duration::hours(24)).await.unwrap(), Vec::<i64>::new());
        settle(&app, ZERO).await;
        let mails = server.wait_for(3, Duration::from_secs(5));
        assert_eq!(mails.len(), 3, "a vote is not news; the reminder is one mail");
        assert_eq!(mails[2].to, "bo@example.org");
        assert!(mails[2].subject().contains("Ballot closes"), "{}", mails[2].subject());

        // The ballot closes: the whole group hears of it in its daily
        // digest (the default for results), not at once.
        w.store.close_ballot(ballot, charta_store::Closing::Deadline, OffsetDateTime::now_utc() + time::Duration::days(8)).await.unwrap();
        settle(&app, ZERO).await;
        assert_eq!(server.messages().len(), 3);
        assert_eq!(settle(&app, digest_hour()).await, 4, "one digest each for everyone: the deadline closed it, not a person");
        let mails = server.wait_for(7, Duration::from_secs(5));
        assert_eq!(recipients(&mails[3..]), ["ana@example.org", "bo@example.org", "chair@example.org", "olga@example.org"]);
        assert!(mails[3].subject().contains("daily digest") || mails[3].subject().contains("Ballot closed"), "{}", mails[3].subject());
        let _ = w.observer;
    };

    choices_and_unsubscribe_hold => |db: TestDb| async move {
        let Some(server) = MailServer::start() else { return };
        let w = world(&db).await;
        let app = new_app(&w.store, smtp(&server));
        // Ana wants ballots in her digest; Bo wants none at all.
        w.store.set_notification_prefs(w.reps[0], &[(Topic::BallotOpened, Mode::Digest)]).await.unwrap();
        w.store.set_notification_prefs(w.reps[1], &[(Topic::BallotOpened, Mode::Never)]).await.unwrap();
        open_ballot(&w, time::Duration::days(7), 2).await;
        open_ballot(&w, time::Duration::days(8), 3).await;
        assert_eq!(settle(&app, ZERO).await, 0);
        assert!(server.messages().is_empty());
        assert_eq!(settle(&app, digest_hour()).await, 1, "two items, one digest");
        let mails = server.wait_for(1, Duration::from_secs(5));
        assert_eq!(recipients(&mails), ["ana@example.org"]);
        assert!(mails[0].subject().contains("digest: 2 updates"), "{}", mails[0].subject());
        assert_eq!(mails[0].header("List-Unsubscribe"), None, "a digest spans topics");

        // Bo's one-click link turns off what it names and nothing else;
        // a forged or cut link is refused.
        let url = notify::prefs::unsubscribe_url(&app, w.reps[1], Topic::BallotClosed).await.unwrap();
        let token = url.rsplit('/').next().unwrap();
        assert_eq!(notify::prefs::unsubscribe(&app, token).await.unwrap(), Topic::BallotClosed);
        let prefs = w.store.notification_prefs(w.reps[1]).await.unwrap();
        assert_eq!(prefs.get(&Topic::BallotClosed), Some(&Mode::Never));
        assert_eq!(prefs.get(&Topic::BallotOpened), Some(&Mode::Never));
        let forged = token.replacen(&w.reps[1].to_string(), &w.reps[0].to_string(), 1);
        assert!(matches!(notify::prefs::unsubscribe(&app, &forged).await, Err(charta_app::Error::NotFound(_))));
        assert!(notify::prefs::unsubscribe(&app, &token[..token.len() - 3]).await.is_err());
        assert!(!w.store.notification_prefs(w.reps[0]).await.unwrap().contains_key(&Topic::BallotClosed));
    };

    nothing_is_lost_in_an_outage_and_nothing_sent_twice => |db: TestDb| async move {
        let Some(mut server) = MailServer::start() else { return };
        let w = world(&db).await;
        // Two instances share the database, as two `charta serve` would.
        let one = Arc::new(new_app(&w.store, smtp(&server)));
        let two = Arc::new(new_app(&w.store, smtp(&server)));
        server.stop();
        open_ballot(&w, time::Duration::days(7), 4).await;
        open_ballot(&w, time::Duration::days(7), 5).await;
        // The mail server is down: every attempt fails and is kept.
        let (a, b) = tokio::join!(settle(&one, ZERO), settle(&two, ZERO));
        assert_eq!(a + b, 4, "each message tried once between the two");
        let pending = w.store.outbox("mail", 100).await.unwrap();
        assert_eq!(pending.len(), 4, "each event fanned out once");
        assert!(pending.iter().all(|m| m.state == "pending" && m.attempts == 1 && !m.last_error.is_empty()), "{pending:?}");
        // Not retried before its time…
        assert_eq!(settle(&one, ZERO).await, 0);
        // …and an hour later, with the server back, all of it goes, once.
        server.resume();
        let later = time::Duration::hours(1);
        let (a, b) = tokio::join!(settle(&one, later), settle(&two, later));
        assert_eq!(a + b, 4);
        let mails = server.wait_for(4, Duration::from_secs(5));
        assert_eq!(mails.len(), 4);
        let mut ids: Vec<String> = mails.iter().map(|m| m.header("Message-ID").unwrap()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 4, "no message was sent twice");
        assert!(w.store.outbox("mail", 100).await.unwrap().iter().all(|m| m.state == "sent"));
    };

    a_claim_left_by_a_killed_sender_is_taken_over => |db: TestDb| async move {
        let Some(server) = MailServer::start() else { return };
        let w = world(&db).await;
        let app = new_app(&w.store, smtp(&server));
        open_ballot(&w, time::Duration::days(7), 6).await;
        while notify::fan_out(&app).await.unwrap() > 0 {}
        // A sender claims the messages and dies before sending them.
        let claimed = w.store.claim_outbox(charta_store::now(), time::Duration::minutes(2), 10).await.unwrap();
        assert_eq!(claimed.len(), 2);
        assert_eq!(notify::deliver(&app, charta_store::now()).await.unwrap(), 0, "claimed messages wait for the lease");
        let after_lease = charta_store::now() + time::Duration::minutes(3);
        assert_eq!(notify::deliver(&app, after_lease).await.unwrap(), 2);
        assert_eq!(server.wait_for(2, Duration::from_secs(5)).len(), 2);
    };

    webhooks_are_signed_retried_and_refused_inside => |db: TestDb| async move {
        let w = world(&db).await;
        let secret = notify::webhook::new_secret().unwrap();
        let Some(receiver) = HookReceiver::start(&secret, 1) else { return };
        let settings = NotifySettings { allow_private_webhooks: true, ..NotifySettings::default() };
        let app = new_app(&w.store, settings);
        let hook = w.store.create_webhook(NewWebhook {
            group_id: w.group_id, url: &receiver.url(), topics: &[Topic::BallotOpened, Topic::BallotClosed],
            secret: &secret, created_by: w.chair,
        }).await.unwrap();
        let ballot = open_ballot(&w, time::Duration::days(7), 7).await;
        // The receiver fails the first delivery; the retry five seconds
        // later gets through with the same webhook-id.
        assert_eq!(settle(&app, ZERO).await, 1);
        assert_eq!(settle(&app, time::Duration::seconds(6)).await, 1);
        let got = receiver.deliveries();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got.iter().all(|d| d.verified), "{got:?}");
        assert_eq!(got[0].id, got[1].id);
        assert_eq!(got[1].body["type"], "ballot.opened");
        assert_eq!(got[1].body["data"]["object"]["ballot"], ballot);
        let log = w.store.webhook_deliveries(hook, 10).await.unwrap();
        assert_eq!((log[0].state.as_str(), log[0].last_status, log[0].attempts), ("sent", Some(204), 2));

        // Redelivery sends the same message again.
        w.store.redeliver(hook, log[0].id, "user:1").await.unwrap();
        settle(&app, ZERO).await;
        let got = receiver.deliveries();
        assert_eq!(got.len(), 3);
        assert_eq!(got[2].id, got[0].id);

        // Without the operator's permission, loopback is refused at once.
        let strict = new_app(&w.store, NotifySettings::default());
        open_ballot(&w, time::Duration::days(7), 8).await;
        settle(&strict, ZERO).await;
        let log = w.store.webhook_deliveries(hook, 1).await.unwrap();
        assert_eq!(log[0].state, "failed");
        assert!(log[0].last_error.starts_with("refused"), "{}", log[0].last_error);
        assert_eq!(receiver.deliveries().len(), 3);
    };

    a_webhook_that_keeps_failing_is_marked_and_its_chair_told => |db: TestDb| async move {
        let Some(server) = MailServer::start() else { return };
        let w = world(&db).await;
        let secret = notify::webhook::new_secret().unwrap();
        let Some(receiver) = HookReceiver::start(&secret, 100) else { return };
        let settings = NotifySettings { allow_private_webhooks: true, ..smtp(&server) };
        let app = new_app(&w.store, settings);
        let hook = w.store.create_webhook(NewWebhook {
            group_id: w.group_id, url: &receiver.url(), topics: &[Topic::BallotOpened],
            secret: &secret, created_by: w.chair,
        }).await.unwrap();
        open_ballot(&w, time::Duration::days(7), 9).await;
        let mut ahead = ZERO;
        for _ in 0..10 {
            settle(&app, ahead).await;
            ahead += time::Duration::hours(11);
        }
        assert_eq!(receiver.deliveries().len(), 8, "the first attempt and seven retries");
        let log = w.store.webhook_deliveries(hook, 1).await.unwrap();
        assert_eq!((log[0].state.as_str(), log[0].last_status), ("failed", Some(500)));
        assert!(w.store.webhook(w.group_id, hook).await.unwrap().failing_since.is_some());
        let mails = server.wait_for(3, Duration::from_secs(5));
        let told: Vec<_> = mails.iter().filter(|m| m.subject().contains("webhook is failing")).collect();
        assert_eq!(told.len(), 1, "{mails:?}");
        assert_eq!(told[0].to, "chair@example.org");
    };

    followers_of_a_specification_or_a_clause_hear_of_its_releases => |db: TestDb| async move {
        let Some(server) = MailServer::start() else { return };
        let w = world(&db).await;
        let app = new_app(&w.store, smtp(&server));
        let outsider = |sub: &'static str, verified: bool| {
            let store = w.store.clone();
            async move {
                let u = store.upsert_user("https://id.example", sub, &format!("{sub}@example.org"), sub).await.unwrap();
                store.set_email_verified(u.id, verified).await.unwrap();
                u.id
            }
        };
        let (carla, dan, eve, fay) = (outsider("carla", true).await, outsider("dan", true).await,
            outsider("eve", true).await, outsider("fay", false).await);
        w.store.follow(carla, FollowKind::Spec, "demo").await.unwrap();
        // The released version maps X-VM-01 to T:1.
        w.store.follow(dan, FollowKind::Clause, "T:1").await.unwrap();
        w.store.follow(eve, FollowKind::Clause, "T:2").await.unwrap();
        w.store.follow(fay, FollowKind::Spec, "demo").await.unwrap();
        // A member who follows as well is written to once.
        w.store.follow(w.reps[0], FollowKind::Spec, "demo").await.unwrap();
        // Carla wants releases at once; the others keep the daily digest.
        w.store.set_notification_prefs(carla, &[(Topic::ReleasePublished, Mode::Immediate)]).await.unwrap();
        settle(&app, ZERO).await;
        assert!(server.messages().is_empty());

        let sha = "0".repeat(64);
        w.store.create_release(charta_store::NewRelease {
            spec_id: w.spec_id, spec_slug: "demo", version: 1, name: "1.0.0", published_on: "2026-12-06",
            published_by: w.chair, predecessor_id: None, ballot_id: None, manifest_sha256: &sha,
            key_id: "k", audit_checkpoint_seq: None, files: vec![("manifest.json", b"{}".as_slice(), sha.clone())],
        }).await.unwrap();
        assert_eq!(settle(&app, ZERO).await, 1, "Carla hears at once");
        let mails = server.wait_for(1, Duration::from_secs(5));
        assert_eq!(mails[0].to, "carla@example.org");
        assert!(mails[0].subject().contains("Demo 1.0.0 is published"), "{}", mails[0].subject());
        let unfolded = mails[0].raw.replace("=\r\n", "").replace("=\n", "");
        assert!(unfolded.contains("because you follow"), "{}", mails[0].raw);
        // The digest: the group's members other than the publisher, and Dan
        // through the clause; not Eve (another clause), not Fay (no
        // address her provider vouched for).
        settle(&app, digest_hour()).await;
        let mails = server.wait_for(5, Duration::from_secs(5));
        assert_eq!(recipients(&mails[1..]), ["ana@example.org", "bo@example.org", "dan@example.org", "olga@example.org"]);
        let _ = (eve, w.group_id);
    };
}
