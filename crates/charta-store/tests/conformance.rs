//! The store conformance suite: every case runs unchanged against SQLite and
//! PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::catalog::{Catalog, CatalogSet};
use charta_domain::format::{content_hash, parse_spec, to_canonical};
use charta_store::testing::TestDb;
use charta_store::{
    ImportOutcome, MATCH_END, MATCH_START, NewVersion, StoreError, both_backends,
    import_group_text, import_spec_text,
};

fn catalogs() -> CatalogSet {
    let cat = Catalog::parse(
        "catalog: t\ntitle: T\nversion: '1'\npublisher: P\nsource: s\ndescription: d\nsections:\n  - id: a\n    title: A\n    items:\n      - id: T:1\n        title: One\n        text: x\n      - id: T:2\n        title: Two\n        text: y\n",
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
    mappings:
      - target: T:1
        relationship: equivalent
        rationale: Same obligation.
  - id: D-VM-02
    section: VM
    title: Triage reports
    level: 2
    status: active
    statement: Reports MUST be acknowledged within fourteen days.
";

fn v2() -> String {
    V1.replace("fourteen days", "seven days")
        .replace("target: T:1", "target: T:2")
}

async fn seeded(db: &TestDb) {
    import_group_text(&db.store, GROUP, "tester").await.unwrap();
}

both_backends! {
    migrations_are_idempotent => |db: TestDb| async move {
        db.store.migrate().await.unwrap();
        db.store.migrate().await.unwrap();
        db.store.ping().await.unwrap();
    };

    groups_and_members_upsert => |db: TestDb| async move {
        seeded(&db).await;
        let renamed = GROUP.replace("name: Aurora Foundation", "name: Aurora Software Foundation");
        import_group_text(&db.store, &renamed, "tester").await.unwrap();
        let g = db.store.group("wg").await.unwrap();
        assert_eq!(g.name, "Working Group");
        let orgs = db.store.organizations(g.id).await.unwrap();
        let names: Vec<_> = orgs.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["Aurora Software Foundation", "Borealis Foundation"]);
        assert_eq!(db.store.groups().await.unwrap().len(), 1);
        assert!(matches!(db.store.group("nope").await, Err(StoreError::NotFound(_))));
    };

    import_creates_versions_and_skips_unchanged => |db: TestDb| async move {
        seeded(&db).await;
        let cats = catalogs();
        let out = import_spec_text(&db.store, &cats, V1, "first", "tester").await.unwrap();
        assert_eq!(out, ImportOutcome::Created { spec: "demo".into(), version: 1 });
        let again = import_spec_text(&db.store, &cats, V1, "again", "tester").await.unwrap();
        assert_eq!(again, ImportOutcome::Unchanged { spec: "demo".into(), version: 1 });
        let out = import_spec_text(&db.store, &cats, &v2(), "tighten", "tester").await.unwrap();
        assert_eq!(out, ImportOutcome::Created { spec: "demo".into(), version: 2 });

        let spec = db.store.spec("demo").await.unwrap();
        assert_eq!((spec.head_version, spec.group_slug.as_str()), (2, "wg"));
        let versions = db.store.versions(spec.id).await.unwrap();
        let numbers: Vec<_> = versions.iter().map(|v| v.number).collect();
        assert_eq!(numbers, [2, 1]);
        assert_eq!(versions[0].message, "tighten");
        assert_eq!(versions[0].control_count, 2);
        let v1 = db.store.version(&spec, 1).await.unwrap();
        assert_eq!(v1.content, V1, "stored content is the canonical text");
        assert_eq!(v1.meta.content_hash, content_hash(V1));
        let err = db.store.version(&spec, 3).await.unwrap_err().to_string();
        assert!(err.contains("version 3 of specification demo"), "{err}");
        assert_eq!(db.store.specs().await.unwrap().len(), 1);
    };

    unknown_group_is_refused => |db: TestDb| async move {
        let err = import_spec_text(&db.store, &catalogs(), V1, "", "").await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound(ref m) if m.contains("working group wg")), "{err}");
        assert!(db.store.specs().await.unwrap().is_empty());
    };

    invalid_files_write_nothing => |db: TestDb| async move {
        seeded(&db).await;
        let cats = catalogs();
        let dup = V1.replace("D-VM-02", "D-VM-01");
        let err = import_spec_text(&db.store, &cats, &dup, "", "").await.unwrap_err();
        assert!(err.to_string().contains("appears more than once"), "{err}");
        let unknown = V1.replace("target: T:1", "target: CRA:Nope");
        let err = import_spec_text(&db.store, &cats, &unknown, "", "").await.unwrap_err();
        assert!(err.to_string().contains("CRA:Nope"), "{err}");
        assert!(db.store.specs().await.unwrap().is_empty());

        import_spec_text(&db.store, &cats, V1, "", "").await.unwrap();
        let dropped = V1.split("  - id: D-VM-02").next().unwrap().to_string();
        let err = import_spec_text(&db.store, &cats, &dropped, "", "").await.unwrap_err();
        assert!(err.to_string().contains("D-VM-02 is missing"), "{err}");
        assert_eq!(db.store.spec("demo").await.unwrap().head_version, 1);
    };

    stale_head_is_a_conflict => |db: TestDb| async move {
        seeded(&db).await;
        let cats = catalogs();
        import_spec_text(&db.store, &cats, V1, "", "").await.unwrap();
        let text = v2();
        let spec = parse_spec(&text).unwrap();
        let canonical = to_canonical(&spec);
        let err = db.store.append_version(NewVersion {
            spec: &spec, canonical: &canonical, message: "", created_by: "", expected_head: 0, draft: false, merges_amendment: None,
        }).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        let row = db.store.spec("demo").await.unwrap();
        assert_eq!(db.store.versions(row.id).await.unwrap().len(), 1);
    };

    racing_appends_store_exactly_one => |db: TestDb| async move {
        seeded(&db).await;
        import_spec_text(&db.store, &catalogs(), V1, "", "").await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..6 {
            let store = db.store.clone();
            tasks.push(tokio::spawn(async move {
                let text = V1.replace("fourteen days", &format!("{} days", 10 + i));
                let spec = parse_spec(&text).unwrap();
                let canonical = to_canonical(&spec);
                store.append_version(NewVersion {
                    spec: &spec, canonical: &canonical, message: "", created_by: "", expected_head: 1, draft: false, merges_amendment: None,
                }).await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(n) => { assert_eq!(n, 2); ok += 1; }
                Err(StoreError::Conflict(_)) => {}
                Err(e) => panic!("unexpected error: {e}"),
            }
        }
        assert_eq!(ok, 1, "exactly one racing append wins");
        let row = db.store.spec("demo").await.unwrap();
        let numbers: Vec<_> = db.store.versions(row.id).await.unwrap().iter().map(|v| v.number).collect();
        assert_eq!(numbers, [2, 1]);
    };

    published_versions_are_immutable => |db: TestDb| async move {
        seeded(&db).await;
        import_spec_text(&db.store, &catalogs(), V1, "", "").await.unwrap();
        for sql in [
            "UPDATE spec_versions SET content = 'x'",
            "DELETE FROM spec_versions",
            "UPDATE version_controls SET title = 'x'",
            "DELETE FROM version_mappings",
        ] {
            let err = db.execute_raw(sql).await.unwrap_err().to_string();
            assert!(err.contains("immutable"), "{sql}: {err}");
        }
        let row = db.store.spec("demo").await.unwrap();
        assert_eq!(db.store.version(&row, 1).await.unwrap().content, V1);
    };

    append_only_tables_refuse_truncate => |db: TestDb| async move {
        seeded(&db).await;
        import_spec_text(&db.store, &catalogs(), V1, "", "").await.unwrap();
        let head = db.store.audit_head().await.unwrap();
        db.store.record_checkpoint(head.seq, &head.hash, time::OffsetDateTime::now_utc(), "{}").await.unwrap();
        // A second checkpoint of the same entry is ignored, not an error.
        db.store.record_checkpoint(head.seq, &head.hash, time::OffsetDateTime::now_utc(), "{\"x\":1}").await.unwrap();
        assert_eq!(db.store.latest_checkpoint().await.unwrap().unwrap().document, "{}");
        for sql in ["DELETE FROM audit_checkpoints", "UPDATE audit_checkpoints SET hash = 'x'"] {
            let err = db.execute_raw(sql).await.unwrap_err().to_string();
            assert!(err.contains("append-only"), "{sql}: {err}");
        }
        if db.backend() == charta_store::Backend::Postgres {
            // TRUNCATE fires no row triggers; statement triggers refuse it,
            // also when a CASCADE from a parent table would reach them.
            for sql in [
                "TRUNCATE spec_versions CASCADE",
                "TRUNCATE version_controls",
                "TRUNCATE version_mappings",
                "TRUNCATE audit_log",
                "TRUNCATE amendment_revisions CASCADE",
                "TRUNCATE ballots CASCADE",
                "TRUNCATE ballot_votes",
                "TRUNCATE releases CASCADE",
                "TRUNCATE release_files",
                "TRUNCATE specs CASCADE",
                "TRUNCATE audit_checkpoints CASCADE",
            ] {
                let err = db.execute_raw(sql).await.unwrap_err().to_string();
                assert!(err.contains("append-only"), "{sql}: {err}");
            }
        } else {
            // SQLite has no TRUNCATE; a DELETE of every row meets the row
            // triggers.
            for sql in ["DELETE FROM spec_versions", "DELETE FROM audit_log"] {
                assert!(db.execute_raw(sql).await.is_err(), "{sql}");
            }
        }
        let row = db.store.spec("demo").await.unwrap();
        assert_eq!(db.store.version(&row, 1).await.unwrap().content, V1);
        assert!(db.store.verify_audit().await.unwrap().is_ok(), "the audit chain is whole");
    };

    history_mappings_and_search_follow_the_head => |db: TestDb| async move {
        seeded(&db).await;
        let cats = catalogs();
        import_spec_text(&db.store, &cats, V1, "", "").await.unwrap();
        import_spec_text(&db.store, &cats, &v2(), "", "").await.unwrap();
        let row = db.store.spec("demo").await.unwrap();

        let h = db.store.control_history(row.id, "D-VM-02").await.unwrap();
        assert_eq!(h.len(), 2);
        assert_ne!(h[0].content_hash, h[1].content_hash, "statement changed in v2");
        let h = db.store.control_history(row.id, "D-VM-01").await.unwrap();
        assert_ne!(h[0].content_hash, h[1].content_hash, "mapping changed in v2");

        assert!(db.store.controls_mapping_to("T:1").await.unwrap().is_empty(), "only the head counts");
        let m = db.store.controls_mapping_to("T:2").await.unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].control_id.as_str(), m[0].relationship.as_str(), m[0].version), ("D-VM-01", "equivalent", 2));

        let hits = db.store.search("D-VM-02", 10).await.unwrap();
        assert_eq!(hits.first().map(|h| h.control_id.as_str()), Some("D-VM-02"));
        assert_eq!(hits[0].version, 2);
        let hits = db.store.search("acknowledg", 10).await.unwrap();
        assert_eq!(hits.len(), 1, "prefix search, head version only");
        assert!(hits[0].snippet.contains(MATCH_START) && hits[0].snippet.contains(MATCH_END), "{:?}", hits[0].snippet);
        assert!(db.store.search("fourteen", 10).await.unwrap().is_empty(), "old wording is not in the head");
        for hostile in ["\"", "a OR", "*", "NEAR(", ":)", "'; DROP TABLE specs; --", ""] {
            db.store.search(hostile, 10).await.unwrap();
        }
        assert!(db.store.spec("demo").await.is_ok());
    };
}
