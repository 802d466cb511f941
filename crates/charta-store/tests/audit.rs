//! The audit log, on both backends: entries chain, are written with the
//! changes they record, never fork under concurrent writers, cannot be
//! edited through the schema, and betray anyone who edits them anyway.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]
#![expect(clippy::unwrap_used, reason = "a failing test should panic")]

use charta_domain::audit::{GENESIS_HASH, verify_chain};
use charta_domain::catalog::{Catalog, CatalogSet};
use charta_store::testing::TestDb;
use charta_store::{
    AuditEvent, Backend, BreakReason, ChainBreak, StoreError, both_backends, import_group_text,
    import_spec_text,
};
use serde_json::{Value, json};

fn catalogs() -> CatalogSet {
    let cat = Catalog::parse(
        "catalog: t\ntitle: T\nversion: '1'\npublisher: P\nsource: s\ndescription: d\nsections:\n  - id: a\n    title: A\n    items:\n      - id: T:1\n        title: One\n        text: x\n",
    )
    .unwrap();
    CatalogSet::new(vec![cat]).unwrap()
}

const GROUP: &str = "group: wg\nname: Working Group\nmembers:\n  - slug: aurora\n    name: Aurora Foundation\n  - slug: borealis\n    name: Borealis Foundation\n";

const V1: &str = "\
spec: demo
group: wg
title: Demo Baseline
sections:
  - id: VM
    title: Vulnerability management
controls:
  - id: D-VM-01
    section: VM
    title: Publish a disclosure policy
    level: 1
    status: active
    statement: The project MUST publish how to report vulnerabilities privately.
";

fn event(n: usize) -> AuditEvent<'static> {
    AuditEvent {
        actor: "alice",
        action: "test.event",
        object: "thing:one",
        details: json!({"n": n, "nested": {"b": 2, "a": 1}}),
    }
}

/// Lets a test change the log as an attacker with direct database access
/// would: by switching off the triggers that refuse it.
async fn disable_append_only(db: &TestDb) {
    let sql = match db.backend() {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete",
        Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    };
    db.execute_raw(sql).await.unwrap();
}

async fn record_five(db: &TestDb) {
    for n in 1..=5 {
        assert_eq!(db.store.record(&event(n)).await.unwrap(), n as i64);
    }
}

both_backends! {
    an_empty_log_verifies => |db: TestDb| async move {
        assert_eq!(db.store.verify_audit().await.unwrap(), Ok(0));
        let head = db.store.audit_head().await.unwrap();
        assert_eq!((head.seq, head.hash.as_str()), (0, GENESIS_HASH));
        assert!(db.store.audit_entries(0, 10).await.unwrap().is_empty());
    };

    appends_chain_correctly => |db: TestDb| async move {
        record_five(&db).await;
        let entries = db.store.audit_entries(0, 100).await.unwrap();
        let seqs: Vec<_> = entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5]);
        assert_eq!(entries[0].prev_hash, GENESIS_HASH);
        for pair in entries.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].hash);
        }
        assert_eq!(verify_chain(&entries), Ok(5));
        assert_eq!(db.store.verify_audit().await.unwrap(), Ok(5));

        let e = &entries[2];
        assert_eq!((e.actor.as_str(), e.action.as_str(), e.object.as_str()), ("alice", "test.event", "thing:one"));
        assert_eq!(e.details, r#"{"n":3,"nested":{"a":1,"b":2}}"#, "details are canonical JSON");
        // RFC 3339, UTC, microseconds: 2026-11-22T10:00:05.123456Z
        assert_eq!(e.at.len(), 27, "{}", e.at);
        assert!(e.at.ends_with('Z') && e.at.as_bytes()[19] == b'.', "{}", e.at);

        let head = db.store.audit_head().await.unwrap();
        assert_eq!((head.seq, head.hash.as_str()), (5, entries[4].hash.as_str()));
        // Paging on from a seen entry.
        let rest = db.store.audit_entries(3, 100).await.unwrap();
        assert_eq!(rest.iter().map(|e| e.seq).collect::<Vec<_>>(), [4, 5]);
        assert_eq!(db.store.audit_entries(0, 2).await.unwrap().len(), 2);
        assert!(db.store.audit_entries(0, -1).await.unwrap().is_empty());
    };

    importing_records_entries_with_the_change => |db: TestDb| async move {
        import_group_text(&db.store, GROUP, "operator").await.unwrap();
        // Applying the same file again changes nothing and records nothing.
        import_group_text(&db.store, GROUP, "operator").await.unwrap();
        let cats = catalogs();
        import_spec_text(&db.store, &cats, V1, "first draft", "editor@example.org").await.unwrap();
        import_spec_text(&db.store, &cats, V1, "again", "editor@example.org").await.unwrap();

        let entries = db.store.audit_entries(0, 100).await.unwrap();
        assert_eq!(entries.len(), 2, "{entries:#?}");
        let g = &entries[0];
        assert_eq!((g.actor.as_str(), g.action.as_str(), g.object.as_str()), ("operator", "group.upsert", "group:wg"));
        let details: Value = serde_json::from_str(&g.details).unwrap();
        assert_eq!(details, json!({"name": "Working Group", "members": ["aurora", "borealis"]}));

        let s = &entries[1];
        assert_eq!((s.actor.as_str(), s.action.as_str(), s.object.as_str()), ("editor@example.org", "spec.version.create", "spec:demo"));
        let spec = db.store.spec("demo").await.unwrap();
        let v1 = db.store.versions(spec.id).await.unwrap();
        let details: Value = serde_json::from_str(&s.details).unwrap();
        assert_eq!(details, json!({"version": 1, "content_hash": v1[0].content_hash, "message": "first draft"}));

        // A renamed member is a change, and is recorded.
        let renamed = GROUP.replace("name: Aurora Foundation", "name: Aurora Software Foundation");
        import_group_text(&db.store, &renamed, "operator").await.unwrap();
        let about_group = db.store.audit_entries_for("group:wg").await.unwrap();
        assert_eq!(about_group.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 1], "newest first");
        assert_eq!(db.store.audit_entries_for("spec:demo").await.unwrap().len(), 1);
        assert!(db.store.audit_entries_for("spec:other").await.unwrap().is_empty());
        assert_eq!(db.store.verify_audit().await.unwrap(), Ok(3));
    };

    a_failed_change_records_nothing => |db: TestDb| async move {
        // The group does not exist, so the version is refused, and its
        // audit entry goes with it.
        let err = import_spec_text(&db.store, &catalogs(), V1, "", "x").await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        import_group_text(&db.store, GROUP, "operator").await.unwrap();
        import_spec_text(&db.store, &catalogs(), V1, "", "x").await.unwrap();
        // A version based on a stale head is refused, and records nothing.
        let spec = charta_domain::format::parse_spec(V1).unwrap();
        let canonical = charta_domain::format::to_canonical(&spec);
        let err = db.store.append_version(charta_store::NewVersion {
            spec: &spec, canonical: &canonical, message: "", created_by: "x", expected_head: 0, draft: false, merges_amendment: None,
        }).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        assert_eq!(db.store.audit_head().await.unwrap().seq, 2);
        assert_eq!(db.store.verify_audit().await.unwrap(), Ok(2));
    };

    concurrent_appends_make_one_gap_free_chain => |db: TestDb| async move {
        // Half the writers use a second store on the same database, as a
        // second node or a command run beside the server does: on SQLite
        // each store has its own writer connection, and the two wait for
        // each other in the database.
        let second = charta_store::Store::connect(&db.url).await.unwrap();
        let mut tasks = Vec::new();
        for t in 0..8 {
            let store = if t % 2 == 0 { db.store.clone() } else { second.clone() };
            tasks.push(tokio::spawn(async move {
                let mut seqs = Vec::new();
                for i in 0..10 {
                    seqs.push(store.record(&event(t * 100 + i)).await.unwrap());
                }
                seqs
            }));
        }
        let mut seqs = Vec::new();
        for t in tasks {
            seqs.extend(t.await.unwrap());
        }
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=80).collect::<Vec<i64>>(), "every append got its own number");
        assert_eq!(db.store.verify_audit().await.unwrap(), Ok(80));
        second.close().await;
        assert!(second.record(&event(999)).await.is_err(), "a closed store writes nothing");
        assert_eq!(db.store.verify_audit().await.unwrap(), Ok(80));
    };

    the_schema_refuses_edits_and_deletions => |db: TestDb| async move {
        record_five(&db).await;
        let update = db.execute_raw("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2").await;
        assert!(update.unwrap_err().to_string().contains("append-only"));
        let delete = db.execute_raw("DELETE FROM audit_log WHERE seq = 5").await;
        assert!(delete.unwrap_err().to_string().contains("append-only"));
        assert_eq!(db.store.verify_audit().await.unwrap(), Ok(5));
    };

    edited_details_are_found => |db: TestDb| async move {
        record_five(&db).await;
        disable_append_only(&db).await;
        let n = db.execute_raw("UPDATE audit_log SET details = '{\"n\":99}' WHERE seq = 3").await.unwrap();
        assert_eq!(n, 1);
        let brk = db.store.verify_audit().await.unwrap().unwrap_err();
        assert_eq!(brk, ChainBreak { seq: 3, reason: BreakReason::HashMismatch });
        assert_eq!(brk.to_string(), "entry 3: its hash does not match its contents");
    };

    a_deleted_middle_entry_is_found => |db: TestDb| async move {
        record_five(&db).await;
        disable_append_only(&db).await;
        assert_eq!(db.execute_raw("DELETE FROM audit_log WHERE seq = 3").await.unwrap(), 1);
        let brk = db.store.verify_audit().await.unwrap().unwrap_err();
        assert_eq!(brk, ChainBreak { seq: 3, reason: BreakReason::Missing { next: Some(4) } });
    };

    a_deleted_last_entry_is_found_through_the_head => |db: TestDb| async move {
        record_five(&db).await;
        disable_append_only(&db).await;
        assert_eq!(db.execute_raw("DELETE FROM audit_log WHERE seq = 5").await.unwrap(), 1);
        let brk = db.store.verify_audit().await.unwrap().unwrap_err();
        assert_eq!(brk, ChainBreak { seq: 5, reason: BreakReason::Missing { next: None } });
    };

    verification_pages_through_a_long_log => |db: TestDb| async move {
        // More than one page of the verifier's reads (1000 entries).
        for n in 0..1200 {
            db.store.record(&event(n)).await.unwrap();
        }
        assert_eq!(db.store.verify_audit().await.unwrap(), Ok(1200));
        disable_append_only(&db).await;
        db.execute_raw("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1001").await.unwrap();
        assert_eq!(db.store.verify_audit().await.unwrap().unwrap_err().seq, 1001);
    };
}
