//! The background jobs driven directly, without HTTP, on both databases:
//! each pass does its work once, a second pass finds nothing left to do,
//! and an unknown job is refused by name.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_app::jobs::{self, AUDIT_CHECKPOINT, BALLOT_DEADLINES, PURGE_SIGN_INS};
use charta_app::{App, Error, Settings};
use charta_domain::ballot::{BallotKind, BallotState, Rules};
use charta_domain::catalog::{Catalog, CatalogSet};
use charta_store::testing::TestDb;
use charta_store::{ImportMeta, NewBallot, both_backends, import_group_text, import_spec};
use std::sync::Arc;

fn catalogs() -> CatalogSet {
    let cat = Catalog::parse("catalog: cra\ntitle: T\nversion: '1'\npublisher: P\nsource: s\ndescription: d\nsections:\n  - id: a\n    title: A\n    items:\n      - id: T:1\n        title: One\n        text: x\n").unwrap();
    CatalogSet::new(vec![cat]).unwrap()
}

const SPEC: &str = "spec: demo\ngroup: wg\ntitle: Demo\nsections:\n  - id: VM\n    title: V\ncontrols:\n  - id: X-VM-01\n    section: VM\n    title: A control\n    level: 1\n    status: active\n    statement: Projects MUST publish a policy.\n    mappings:\n      - target: T:1\n        relationship: subset\n        rationale: Part of it.\n";

/// An app over `db` with a group, a public specification and a ballot on
/// releasing its first version whose deadline passed yesterday.
async fn with_due_ballot(db: &TestDb, key: Option<charta_release::SigningKey>) -> (App, i64) {
    let store = db.store.clone();
    let cats = catalogs();
    import_group_text(
        &store,
        "group: wg\nname: WG\nmembers:\n  - slug: aurora\n    name: Aurora\n",
        "test",
    )
    .await
    .unwrap();
    let meta = ImportMeta {
        message: "m",
        created_by: "test",
        draft: false,
    };
    import_spec(&store, &cats, SPEC, meta).await.unwrap();
    let spec = store.spec("demo").await.unwrap();
    let chair = store
        .upsert_user("https://id.example", "chair", "chair@example.org", "Chair")
        .await
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let ballot = store
        .open_ballot(NewBallot {
            group_id: spec.group_id,
            spec_id: spec.id,
            kind: BallotKind::Release,
            amendment_id: None,
            version: Some(1),
            revision: None,
            title: "Release version 1",
            rules: &Rules::default(),
            opened_by: chair.id,
            opened_at: now - time::Duration::days(8),
            closes_at: now - time::Duration::days(1),
            subject: "spec:demo@1",
        })
        .await
        .unwrap();
    (
        App::new(store, Arc::new(cats), Settings::default(), key),
        ballot,
    )
}

both_backends! {
    each_job_does_its_work_once => |db: TestDb| async move {
        let (app, ballot) = with_due_ballot(&db, None).await;
        let closed = jobs::close_ballots_at_deadline(&app).await.unwrap();
        assert_eq!(closed.len(), 1, "{closed:?}");
        assert_eq!(closed[0].0, ballot);
        let row = app.store.ballot(ballot).await.unwrap();
        assert_eq!(row.state, BallotState::Closed);
        assert_eq!(row.closed_by.as_deref(), Some("deadline"));
        assert!(jobs::close_ballots_at_deadline(&app).await.unwrap().is_empty(), "closed once");
        // Every job runs by its name; an unknown name is refused.
        for name in [BALLOT_DEADLINES, PURGE_SIGN_INS, AUDIT_CHECKPOINT] {
            jobs::run_once(&app, name).await.unwrap();
        }
        assert!(matches!(jobs::run_once(&app, "reindex").await, Err(Error::NotFound(_))));
        // Without a key nothing is signed.
        assert!(app.store.latest_checkpoint().await.unwrap().is_none());
    };

    the_audit_checkpoint_pins_the_head_once => |db: TestDb| async move {
        let key = charta_release::SigningKey::from_bytes(&[7u8; 32]);
        let (app, _) = with_due_ballot(&db, Some(key)).await;
        jobs::audit_checkpoint(&app).await.unwrap();
        let first = app.store.latest_checkpoint().await.unwrap().expect("a checkpoint");
        assert_eq!(first.seq, app.store.audit_head().await.unwrap().seq);
        // Nothing moved and the checkpoint is fresh: the next pass signs nothing.
        jobs::audit_checkpoint(&app).await.unwrap();
        assert_eq!(app.store.latest_checkpoint().await.unwrap().unwrap().seq, first.seq);
        // Closing the ballot moves the log on, but a fresh checkpoint waits a day.
        jobs::close_ballots_at_deadline(&app).await.unwrap();
        jobs::audit_checkpoint(&app).await.unwrap();
        assert_eq!(app.store.latest_checkpoint().await.unwrap().unwrap().seq, first.seq);
        // A release asks for one at once.
        let made = charta_app::checkpoint::make(&app).await.unwrap().unwrap();
        assert!(made.seq > first.seq);
    };
}
