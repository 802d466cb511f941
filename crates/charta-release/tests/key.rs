#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
//! The key file: created once with mode 0600, never overwritten, refused
//! when others may read it, and readable by OpenSSL-style tools.

use charta_release::ReleaseError;
use charta_release::key::{load, load_or_create, private_key_pem};
use std::os::unix::fs::PermissionsExt as _;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn creates_the_key_once_with_owner_only_access() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("release.key");
    let first = load_or_create(&path).unwrap();
    assert_eq!(mode(&path), 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{text}");
    // Loading again gives the same key and leaves the file as it was.
    let again = load_or_create(&path).unwrap();
    assert_eq!(first.to_bytes(), again.to_bytes());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["release.key"]);
}

#[test]
fn two_keys_are_different() {
    let dir = tempfile::tempdir().unwrap();
    let a = load_or_create(&dir.path().join("a.key")).unwrap();
    let b = load_or_create(&dir.path().join("b.key")).unwrap();
    assert_ne!(a.to_bytes(), b.to_bytes());
}

#[test]
fn refuses_a_key_file_others_can_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("release.key");
    load_or_create(&path).unwrap();
    for bad in [0o640, 0o604, 0o644, 0o660, 0o602] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(bad)).unwrap();
        let err = load_or_create(&path).unwrap_err();
        match &err {
            ReleaseError::KeyPermissions { mode, .. } => assert_eq!(*mode, bad),
            other => panic!("{other}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("chmod 600") && msg.contains("release.key"),
            "{msg}"
        );
        // The refused file is left untouched, not replaced by a new key.
        assert_eq!(mode(&path), bad);
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    assert!(load(&path).is_ok(), "read-only for the owner is fine");
}

#[test]
fn refuses_a_file_that_is_not_a_key_without_overwriting_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("release.key");
    std::fs::write(&path, "not a key\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let err = load_or_create(&path).unwrap_err();
    assert!(matches!(err, ReleaseError::KeyFormat { .. }), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a key\n");
}

#[test]
fn a_missing_directory_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_or_create(&dir.path().join("nope/release.key")).unwrap_err();
    assert!(matches!(err, ReleaseError::Io { .. }), "{err}");
}

#[test]
fn the_pem_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.pem");
    let key = charta_release::SigningKey::from_bytes(&[9; 32]);
    std::fs::write(&path, private_key_pem(&key)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(load(&path).unwrap().to_bytes(), key.to_bytes());
}

#[test]
fn instances_starting_together_share_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("release.key");
    let keys: Vec<[u8; 32]> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| load_or_create(&path).unwrap().to_bytes()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(keys.windows(2).all(|w| w[0] == w[1]));
}
