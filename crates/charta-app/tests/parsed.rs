//! Each version's parsed form is stored with it, so a freshly started node
//! reads JSON instead of parsing YAML on a version's first view. The parsed
//! form is derived data: one that is missing, of another format or does not
//! read back is replaced from the canonical text, and every way gives the
//! same specification and the same JSON document.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_app::{App, Settings, lookup};
use charta_domain::CatalogSet;
use charta_domain::format::parse_spec;
use charta_store::testing::TestDb;
use charta_store::{ImportMeta, PARSED_FORMAT, both_backends, import_group_text, import_spec};
use std::sync::Arc;

const GROUP: &str = include_str!("../../../specs/groups/oss-stewards.yaml");
const SEED: &str = include_str!("../../../specs/seed/steward-baseline/v3.yaml");

/// A new app over `db`, with empty caches, as on a freshly started node.
fn fresh(db: &TestDb) -> App {
    App::new(
        db.store.clone(),
        Arc::new(CatalogSet::builtin().unwrap()),
        Settings::default(),
        None,
    )
}

async fn stored_format(db: &TestDb) -> Option<i64> {
    let spec = db.store.spec("steward-baseline").await.unwrap();
    let row = db.store.version(&spec, 1).await.unwrap();
    row.parsed.as_ref().map(|_| PARSED_FORMAT)
}

both_backends! {
    the_parsed_form_is_stored_read_and_replaced => |db: TestDb| async move {
        import_group_text(&db.store, GROUP, "test").await.unwrap();
        let meta = ImportMeta { message: "m", created_by: "test", draft: false };
        import_spec(&db.store, &CatalogSet::builtin().unwrap(), SEED, meta).await.unwrap();
        let expected = parse_spec(SEED).unwrap();
        let spec = db.store.spec("steward-baseline").await.unwrap();

        // Stored with the version, and it reads back as the same
        // specification the YAML gives.
        let row = db.store.version(&spec, 1).await.unwrap();
        let parsed = row.parsed.expect("stored with the version");
        assert_eq!(serde_json::from_str::<charta_domain::Spec>(&parsed).unwrap(), expected);
        let from_json = lookup::version_of(&fresh(&db), &spec, 1).await.unwrap();
        assert_eq!(from_json.spec, expected);

        // Missing (a version stored before parsed forms were kept): the text
        // is parsed, the same document results, and the form is filled in.
        db.execute_raw("DELETE FROM version_parsed").await.unwrap();
        assert_eq!(stored_format(&db).await, None);
        let from_yaml = lookup::version_of(&fresh(&db), &spec, 1).await.unwrap();
        assert_eq!(from_yaml.spec, expected);
        assert_eq!(from_yaml.json, from_json.json, "the same JSON document either way");
        assert_eq!(stored_format(&db).await, Some(PARSED_FORMAT), "filled in on the first read");

        // Of another format: ignored, then replaced.
        db.execute_raw("UPDATE version_parsed SET format = format + 1").await.unwrap();
        assert_eq!(stored_format(&db).await, None);
        assert_eq!(lookup::version_of(&fresh(&db), &spec, 1).await.unwrap().spec, expected);
        assert_eq!(stored_format(&db).await, Some(PARSED_FORMAT));

        // Not readable: the text is parsed instead, and the form replaced.
        db.execute_raw("UPDATE version_parsed SET spec = '{\"not\": \"a spec\"}'").await.unwrap();
        assert_eq!(lookup::version_of(&fresh(&db), &spec, 1).await.unwrap().spec, expected);
        let again = db.store.version(&spec, 1).await.unwrap().parsed.unwrap();
        assert_eq!(serde_json::from_str::<charta_domain::Spec>(&again).unwrap(), expected);
    };
}
