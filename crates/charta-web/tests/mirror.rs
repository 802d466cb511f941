//! The static mirror: after a publication with `mirror_dir` set, the
//! directory holds every release's page and artefacts byte for byte as the
//! instance serves them, the feeds, the public key and the audit
//! checkpoint; a downloaded mirror verifies with the release key.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

mod support;
use support::*;

use axum::http::Method;
use charta_store::both_backends;
use charta_store::testing::TestDb;
use charta_web::WebConfig;
use std::collections::BTreeMap;

both_backends! {
    publishing_writes_the_mirror_as_the_instance_serves_it => |db: TestDb| async move {
        let dir = tempfile::tempdir().unwrap();
        let f = fixture_with(db, WebConfig {
            mirror_dir: Some(dir.path().to_path_buf()),
            ..WebConfig::default()
        }).await;
        let root = dir.path();
        let release = root.join("releases/demo/1.0.0");
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(&release).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            let bytes = std::fs::read(entry.path()).unwrap();
            if name == "index.html" {
                let page = f.request("anon", Method::GET, "/releases/demo/1.0.0/", "").await;
                assert_eq!(String::from_utf8(bytes).unwrap(), page.body, "the release page");
                continue;
            }
            let served = f.request("anon", Method::GET, &format!("/releases/demo/1.0.0/{name}"), "").await;
            assert_eq!(served.status, axum::http::StatusCode::OK, "{name}");
            assert_eq!(String::from_utf8_lossy(&bytes), served.body, "{name} as served");
            files.insert(name, bytes);
        }
        assert!(files.contains_key("manifest.sig") && files.contains_key("audit-checkpoint.json"), "{:?}", files.keys());
        charta_release::verify_bundle(&files, &release_key().verifying_key()).expect("the mirrored release verifies");
        let key = std::fs::read(root.join(".well-known/charta/release-key")).unwrap();
        assert_eq!(charta_release::parse_public_key(&key).unwrap(), release_key().verifying_key());
        assert!(root.join(".well-known/charta/audit-checkpoint").is_file());
        for feed in ["feeds/groups/wg.atom", "feeds/specs/demo.atom", "feeds/clauses/T:1.atom"] {
            let text = std::fs::read_to_string(root.join(feed)).unwrap();
            assert!(text.contains("<feed") && text.contains("1.0.0"), "{feed}: {text}");
        }
        // Nothing private: the group's draft has no feed or release there.
        assert!(!root.join("feeds/specs/wg-draft.atom").exists());
        assert!(!root.join("releases/wg-draft").exists());
        // No half-written file is left behind.
        let leftovers = walk(root).into_iter().filter(|p| p.extension().is_some_and(|e| e == "charta-mirror-tmp")).count();
        assert_eq!(leftovers, 0);
    };
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
