//! Amendments, revisions, review threads and merging, on both backends.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::catalog::{Catalog, CatalogSet};
use charta_domain::format::{content_hash, parse_spec, to_canonical};
use charta_store::testing::TestDb;
use charta_store::{
    NewAmendment, NewRevision, NewThread, NewVersion, StoreError, both_backends, import_group_text,
    import_spec_text,
};

fn catalogs() -> CatalogSet {
    let cat = Catalog::parse("catalog: t\ntitle: T\nversion: '1'\npublisher: P\nsource: s\ndescription: d\nsections:\n  - id: a\n    title: A\n    items:\n      - id: T:1\n        title: One\n        text: x\n").unwrap();
    CatalogSet::new(vec![cat]).unwrap()
}

const V1: &str = "spec: demo\ngroup: wg\ntitle: Demo\nsections:\n  - id: VM\n    title: V\ncontrols:\n  - id: D-VM-01\n    section: VM\n    title: Policy\n    level: 1\n    status: active\n    statement: MUST publish a policy.\n  - id: D-VM-02\n    section: VM\n    title: Triage\n    level: 1\n    status: active\n    statement: MUST triage within 14 days.\n";

struct Setup {
    spec_id: i64,
    user: i64,
}

async fn setup(db: &TestDb) -> Setup {
    import_group_text(&db.store, "group: wg\nname: WG\n", "t")
        .await
        .unwrap();
    import_spec_text(&db.store, &catalogs(), V1, "", "t")
        .await
        .unwrap();
    let user = db
        .store
        .upsert_user("i", "author", "a@x", "Author")
        .await
        .unwrap();
    Setup {
        spec_id: db.store.spec("demo").await.unwrap().id,
        user: user.id,
    }
}

fn revision<'a>(content: &'a str, hash: &'a str, author_id: i64) -> NewRevision<'a> {
    NewRevision {
        base_version: 1,
        content,
        content_hash: hash,
        author_id,
        message: "m",
    }
}

async fn propose(db: &TestDb, s: &Setup, text: &str) -> i64 {
    let hash = content_hash(text);
    db.store
        .create_amendment(NewAmendment {
            spec_id: s.spec_id,
            spec_slug: "demo",
            title: "Change",
            description: "",
            author_id: s.user,
            state: "open",
            revision: revision(text, &hash, s.user),
        })
        .await
        .unwrap()
}

both_backends! {
    amendments_are_numbered_and_keep_every_revision => |db: TestDb| async move {
        let s = setup(&db).await;
        let changed = V1.replace("14 days", "7 days");
        assert_eq!(propose(&db, &s, &changed).await, 1);
        assert_eq!(propose(&db, &s, &V1.replace("a policy", "a disclosure policy")).await, 2);
        let a = db.store.amendment(s.spec_id, 1).await.unwrap();
        assert_eq!((a.state.as_str(), a.head_revision, a.author_name.as_str()), ("open", 1, "Author"));
        let again = V1.replace("14 days", "5 days");
        let hash = content_hash(&again);
        assert_eq!(db.store.add_revision(&a, 1, revision(&again, &hash, s.user)).await.unwrap(), 2);
        let err = db.store.add_revision(&a, 1, revision(&again, &hash, s.user)).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "a stale revision is refused: {err}");
        let revs = db.store.revisions(a.id).await.unwrap();
        assert_eq!(revs.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(revs[0].content, changed);
        assert!(revs.iter().all(|r| r.content_loaded && r.amendment_id == a.id));
        // Only the newest text, the others on demand.
        let light = db.store.revisions_newest_text(a.id).await.unwrap();
        assert_eq!(light.len(), 2);
        assert!(!light[0].content_loaded && light[0].content.is_empty());
        assert_eq!((light[0].number, &light[0].content_hash), (revs[0].number, &revs[0].content_hash));
        assert!(light[1].content_loaded);
        assert_eq!(light[1].content, revs[1].content);
        assert_eq!(db.store.revision_text(a.id, 1).await.unwrap(), changed);
        assert!(matches!(db.store.revision_text(a.id, 3).await, Err(StoreError::NotFound(_))));
        assert!(db.execute_raw("UPDATE amendment_revisions SET content = 'x'").await.is_err(), "revisions are immutable");
        assert_eq!(db.store.amendments(s.spec_id).await.unwrap().len(), 2);
        assert!(matches!(db.store.amendment(s.spec_id, 9).await, Err(StoreError::NotFound(_))));
    };

    states_move_by_compare_and_set => |db: TestDb| async move {
        let s = setup(&db).await;
        propose(&db, &s, &V1.replace("14", "7")).await;
        let a = db.store.amendment(s.spec_id, 1).await.unwrap();
        db.store.set_amendment_state(&a, "open", "withdrawn", "superseded", "user:1").await.unwrap();
        let err = db.store.set_amendment_state(&a, "open", "rejected", "", "user:1").await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        let a = db.store.amendment(s.spec_id, 1).await.unwrap();
        assert_eq!((a.state.as_str(), a.closed_reason.as_str()), ("withdrawn", "superseded"));
        let hash = content_hash(V1);
        assert!(matches!(db.store.add_revision(&a, 1, revision(V1, &hash, s.user)).await, Err(StoreError::Conflict(_))), "closed amendments take no revisions");
    };

    threads_replies_and_resolution => |db: TestDb| async move {
        let s = setup(&db).await;
        propose(&db, &s, &V1.replace("14", "7")).await;
        let a = db.store.amendment(s.spec_id, 1).await.unwrap();
        let reviewer = db.store.upsert_user("i", "rev", "r@x", "Reviewer").await.unwrap();
        let t = db.store.create_thread(&a, NewThread {
            amendment_id: a.id, revision: 1, control_id: Some("D-VM-02"), field: Some("statement"), first_line: Some(1), last_line: Some(1),
            anchor_text: "MUST triage within 7 days.", blocking: true, author_id: reviewer.id, body: "Seven days is too short for volunteers.", suggestion: "",
        }).await.unwrap();
        db.store.reply(&a, t, s.user, "Most reports are triaged in two.").await.unwrap();
        // A thread that does not exist, or belongs to another amendment, is
        // not found, and nothing is written.
        let head = db.store.audit_head().await.unwrap().seq;
        assert!(matches!(db.store.reply(&a, 9999, s.user, "x").await, Err(StoreError::NotFound(_))));
        propose(&db, &s, &V1.replace("14", "10")).await;
        let other = db.store.amendment(s.spec_id, 2).await.unwrap();
        assert!(matches!(db.store.reply(&other, t, s.user, "x").await, Err(StoreError::NotFound(_))));
        assert_eq!(db.store.comments(other.id).await.unwrap().len(), 0);
        let after_second = db.store.audit_head().await.unwrap().seq;
        assert_eq!(after_second, head + 1, "only the second amendment's creation is recorded");
        let threads = db.store.threads(a.id).await.unwrap();
        assert_eq!(threads.len(), 1);
        assert!(threads[0].blocking && !threads[0].resolved);
        assert_eq!(threads[0].control_id.as_deref(), Some("D-VM-02"));
        let comments = db.store.comments(a.id).await.unwrap();
        assert_eq!(comments.iter().map(|c| c.author_name.as_str()).collect::<Vec<_>>(), ["Reviewer", "Author"]);

        // The reviewer is now awaited on; the author is not.
        let work = db.store.work_of(reviewer.id).await.unwrap();
        assert_eq!(work.replies.len(), 1);
        assert!(db.store.work_of(s.user).await.unwrap().replies.is_empty());
        assert_eq!(db.store.work_of(s.user).await.unwrap().authored.len(), 2, "both amendments");
        db.store.request_review(&a, reviewer.id, "user:1").await.unwrap();
        db.store.request_review(&a, reviewer.id, "user:1").await.unwrap();
        assert_eq!(db.store.work_of(reviewer.id).await.unwrap().review.len(), 1);

        db.store.set_thread_resolved(&a, t, true, "user:1").await.unwrap();
        assert!(db.store.threads(a.id).await.unwrap()[0].resolved);
        db.store.set_thread_resolved(&a, t, false, "user:1").await.unwrap();
        assert!(!db.store.threads(a.id).await.unwrap()[0].resolved);
        assert!(db.store.verify_audit().await.unwrap().is_ok());
    };

    racing_merges_onto_one_head_store_exactly_one => |db: TestDb| async move {
        let s = setup(&db).await;
        let texts = [V1.replace("14 days", "7 days"), V1.replace("a policy", "a disclosure policy")];
        for t in &texts {
            propose(&db, &s, t).await;
        }
        let mut tasks = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let store = db.store.clone();
            let text = text.clone();
            let amendment = db.store.amendment(s.spec_id, i as i64 + 1).await.unwrap().id;
            tasks.push(tokio::spawn(async move {
                let spec = parse_spec(&text).unwrap();
                let canonical = to_canonical(&spec);
                store.append_version(NewVersion { spec: &spec, canonical: &canonical, message: "merge", created_by: "user:1", expected_head: 1, draft: false, merges_amendment: Some(amendment) }).await
            }));
        }
        let mut won = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(n) => { assert_eq!(n, 2); won += 1; }
                Err(StoreError::Conflict(_)) => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(won, 1, "exactly one merge wins");
        let versions = db.store.versions(s.spec_id).await.unwrap();
        assert_eq!(versions.iter().map(|v| v.number).collect::<Vec<_>>(), [2, 1], "no version lost or duplicated");
        let states: Vec<String> = db.store.amendments(s.spec_id).await.unwrap().into_iter().map(|a| a.state.as_str().to_string()).collect();
        assert_eq!(states.iter().filter(|s| *s == "merged").count(), 1);
        assert_eq!(states.iter().filter(|s| *s == "open").count(), 1, "the loser stays open, to be rebased");

        // Merging an amendment that is not open writes nothing.
        let merged = db.store.amendments(s.spec_id).await.unwrap().into_iter().find(|a| a.state.as_str() == "merged").unwrap();
        assert_eq!(merged.merged_version, Some(2));
        let spec = parse_spec(&texts[0]).unwrap();
        let canonical = to_canonical(&spec);
        let err = db.store.append_version(NewVersion { spec: &spec, canonical: &canonical, message: "", created_by: "", expected_head: 2, draft: false, merges_amendment: Some(merged.id) }).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        assert_eq!(db.store.versions(s.spec_id).await.unwrap().len(), 2);
    };
}
