//! An amendment's context carries the text of its newest revision only;
//! older ones are read when a page or an action needs them, so a freshly
//! started node (empty caches) still gets every revision right.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_app::{App, Settings, Viewer, amend};
use charta_domain::catalog::{Catalog, CatalogSet};
use charta_domain::format::{content_hash, parse_spec};
use charta_store::testing::TestDb;
use charta_store::{NewAmendment, NewRevision, both_backends, import_group_text, import_spec_text};
use std::sync::Arc;

fn catalogs() -> CatalogSet {
    let cat = Catalog::parse("catalog: t\ntitle: T\nversion: '1'\npublisher: P\nsource: s\ndescription: d\nsections:\n  - id: a\n    title: A\n    items:\n      - id: T:1\n        title: One\n        text: x\n").unwrap();
    CatalogSet::new(vec![cat]).unwrap()
}

const V1: &str = "spec: demo\ngroup: wg\ntitle: Demo\nsections:\n  - id: VM\n    title: V\ncontrols:\n  - id: D-VM-01\n    section: VM\n    title: Policy\n    level: 1\n    status: active\n    statement: MUST publish a policy.\n  - id: D-VM-02\n    section: VM\n    title: Triage\n    level: 1\n    status: active\n    statement: MUST triage within 14 days.\n";

/// A new app over `db`, with empty caches, as on a freshly started node.
fn fresh(db: &TestDb) -> App {
    App::new(
        db.store.clone(),
        Arc::new(catalogs()),
        Settings::default(),
        None,
    )
}

both_backends! {
    older_revisions_are_read_when_needed => |db: TestDb| async move {
        import_group_text(&db.store, "group: wg\nname: WG\n", "t").await.unwrap();
        import_spec_text(&db.store, &catalogs(), V1, "", "t").await.unwrap();
        let author = db.store.upsert_user("i", "author", "a@x", "Author").await.unwrap().id;
        let spec_id = db.store.spec("demo").await.unwrap().id;
        let first = V1.replace("14 days", "7 days");
        let second = V1.replace("14 days", "5 days");
        let hash = content_hash(&first);
        db.store
            .create_amendment(NewAmendment {
                spec_id,
                spec_slug: "demo",
                title: "Shorter triage",
                description: "",
                author_id: author,
                state: "open",
                revision: NewRevision { base_version: 1, content: &first, content_hash: &hash, author_id: author, message: "first" },
            })
            .await
            .unwrap();
        let a = db.store.amendment(spec_id, 1).await.unwrap();
        let hash2 = content_hash(&second);
        db.store
            .add_revision(&a, 1, NewRevision { base_version: 1, content: &second, content_hash: &hash2, author_id: author, message: "second" })
            .await
            .unwrap();

        let app = fresh(&db);
        let viewer = Viewer::anonymous(String::new(), "/".into(), true);
        let ctx = amend::load(&app, &viewer, "demo", "1").await.unwrap();
        assert_eq!(ctx.revisions.len(), 2);
        let (older, newest) = (ctx.revision(1).unwrap(), ctx.latest());
        assert!(!older.content_loaded && older.content.is_empty(), "only the newest text is read");
        assert!(newest.content_loaded);
        assert_eq!(newest.content, second);
        // Both parse to their own text, the older read on demand.
        assert_eq!(*amend::revision_spec(&app, older).await.unwrap(), parse_spec(&first).unwrap());
        assert_eq!(*amend::revision_spec(&app, newest).await.unwrap(), parse_spec(&second).unwrap());
    };
}
