#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
//! Signing and verification: a signed release verifies; any change to any
//! file, a missing or extra file, or another key makes it fail, naming the
//! file concerned.

mod common;

use charta_release::dir::{verify_dir, write_dir};
use charta_release::{
    MANIFEST, ReleaseError, SIGNATURE, VerifyProblem, build, key_id, parse_public_key,
    public_key_document, verify_bundle,
};
use common::{catalogs, key, seed_input};
use std::collections::BTreeMap;

fn signed() -> BTreeMap<String, Vec<u8>> {
    build(&seed_input(), &catalogs())
        .unwrap()
        .into_signed_files(&key(1))
}

#[test]
fn a_signed_release_verifies() {
    let files = signed();
    let manifest = verify_bundle(&files, &key(1).verifying_key()).unwrap();
    assert_eq!(manifest.spec, "steward-baseline");
    assert_eq!(manifest.version, "1.1.0");
    assert_eq!(manifest.artefacts.len(), files.len() - 2);
}

#[test]
fn flipping_one_byte_of_any_file_fails_naming_it() {
    let files = signed();
    let public = key(1).verifying_key();
    for name in files.keys() {
        // The first, a middle and the last byte.
        let len = files[name].len();
        for at in [0, len / 2, len - 1] {
            let mut tampered = files.clone();
            let bytes = tampered.get_mut(name).unwrap();
            bytes[at] ^= 0x01;
            let err = verify_bundle(&tampered, &public)
                .expect_err(&format!("{name} byte {at} flipped still verifies"));
            assert!(
                err.files().contains(name.as_str()),
                "flipping byte {at} of {name} gave: {err}"
            );
            assert!(err.to_string().contains(name.as_str()), "{err}");
        }
    }
}

#[test]
fn an_artefact_changed_with_its_manifest_entry_fails_on_the_signature() {
    // Someone who edits an artefact and updates its hash in the manifest
    // still cannot produce a valid signature.
    let mut files = signed();
    let catalog = files.get_mut("crosswalk.csv").unwrap();
    catalog.extend_from_slice(b"x,y\r\n");
    let new_hash = charta_release::manifest::sha256_hex(&files["crosswalk.csv"]);
    let mut manifest = charta_release::Manifest::parse(&files[MANIFEST]).unwrap();
    for e in &mut manifest.artefacts {
        if e.name == "crosswalk.csv" {
            e.sha256 = new_hash.clone();
            e.size = files["crosswalk.csv"].len() as u64;
        }
    }
    files.insert(MANIFEST.into(), manifest.to_bytes().unwrap());
    let err = verify_bundle(&files, &key(1).verifying_key()).unwrap_err();
    assert_eq!(err.problems, [VerifyProblem::BadSignature]);
}

#[test]
fn another_key_fails() {
    let files = signed();
    let err = verify_bundle(&files, &key(2).verifying_key()).unwrap_err();
    assert_eq!(
        err.problems,
        [VerifyProblem::WrongKey {
            expected: key_id(&key(2).verifying_key()),
            found: key_id(&key(1).verifying_key()),
        }]
    );
    assert!(err.to_string().contains(SIGNATURE));
    // A signature re-labelled with the verifier's key id fails too.
    let mut relabelled = files.clone();
    let sig = String::from_utf8(files[SIGNATURE].clone())
        .unwrap()
        .replace(
            &key_id(&key(1).verifying_key()),
            &key_id(&key(2).verifying_key()),
        );
    relabelled.insert(SIGNATURE.into(), sig.into_bytes());
    let err = verify_bundle(&relabelled, &key(2).verifying_key()).unwrap_err();
    assert_eq!(err.problems, [VerifyProblem::BadSignature]);
}

#[test]
fn missing_and_extra_files_are_named() {
    let public = key(1).verifying_key();
    for name in signed().keys() {
        let mut files = signed();
        files.remove(name);
        let err = verify_bundle(&files, &public).unwrap_err();
        assert!(err.files().contains(name.as_str()), "{name}: {err}");
    }
    let mut files = signed();
    files.insert("evil.sh".into(), b"#!/bin/sh\n".to_vec());
    let err = verify_bundle(&files, &public).unwrap_err();
    assert_eq!(
        err.problems,
        [VerifyProblem::Unexpected {
            name: "evil.sh".into()
        }]
    );
}

#[test]
fn a_downloaded_directory_verifies_offline() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("1.1.0");
    write_dir(&release, &signed()).unwrap();
    // Written releases are never overwritten.
    assert!(write_dir(&release, &signed()).is_err());
    let public = parse_public_key(&public_key_document(&key(1).verifying_key())).unwrap();
    verify_dir(&release, &public).unwrap();

    std::fs::create_dir(release.join("extra")).unwrap();
    let mut bytes = std::fs::read(release.join("release.json")).unwrap();
    bytes[10] ^= 0x20;
    std::fs::write(release.join("release.json"), bytes).unwrap();
    match verify_dir(&release, &public).unwrap_err() {
        ReleaseError::Verify(e) => {
            let files: Vec<&str> = e.files().into_iter().collect();
            assert_eq!(files, ["extra", "release.json"], "{e}");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn a_manifest_naming_paths_outside_the_release_is_refused() {
    let mut files = build(&seed_input(), &catalogs()).unwrap().files;
    let mut manifest = charta_release::Manifest::parse(&files[MANIFEST]).unwrap();
    manifest.artefacts[0].name = "../../etc/passwd".into();
    let bytes = manifest.to_bytes().unwrap();
    files.insert(
        SIGNATURE.into(),
        charta_release::sign_manifest(&key(1), &bytes),
    );
    files.insert(MANIFEST.into(), bytes);
    let err = verify_bundle(&files, &key(1).verifying_key()).unwrap_err();
    assert!(
        err.problems.contains(&VerifyProblem::BadName {
            name: "../../etc/passwd".into()
        }),
        "{err}"
    );
}

/// The seed release carrying an audit checkpoint signed with `signer`.
fn with_checkpoint(signer: u8, release_key: u8) -> BTreeMap<String, Vec<u8>> {
    let mut input = seed_input();
    input.audit_checkpoint = Some(
        charta_release::checkpoint::sign_checkpoint(
            &key(signer),
            "https://charta.example.org",
            812,
            "sha256:0f0f",
            "2026-11-22T10:00:00Z",
        )
        .unwrap(),
    );
    build(&input, &catalogs())
        .unwrap()
        .into_signed_files(&key(release_key))
}

#[test]
fn a_release_names_the_audit_checkpoint_it_carries_and_verifies() {
    let files = with_checkpoint(1, 1);
    assert!(files.contains_key(charta_release::AUDIT_CHECKPOINT));
    let manifest = verify_bundle(&files, &key(1).verifying_key()).unwrap();
    let pinned = manifest.audit_checkpoint.expect("the manifest names it");
    assert_eq!((pinned.seq, pinned.hash.as_str()), (812, "sha256:0f0f"));
    assert!(
        manifest
            .artefacts
            .iter()
            .any(|e| e.name == charta_release::AUDIT_CHECKPOINT)
    );
    // A release without a checkpoint keeps the manifest it always had.
    let plain = String::from_utf8(signed()[MANIFEST].clone()).unwrap();
    assert!(!plain.contains("audit-checkpoint"), "{plain}");
}

#[test]
fn a_checkpoint_signed_with_another_key_fails_naming_it() {
    let files = with_checkpoint(2, 1);
    let err = verify_bundle(&files, &key(1).verifying_key()).unwrap_err();
    assert_eq!(
        err.files().into_iter().collect::<Vec<_>>(),
        vec![charta_release::AUDIT_CHECKPOINT],
        "{err}"
    );
    assert!(
        matches!(err.problems.as_slice(), [VerifyProblem::Checkpoint(e)] if e.contains("key")),
        "{err}"
    );
}

#[test]
fn a_checkpoint_from_another_instance_is_not_built_into_a_release() {
    let mut input = seed_input();
    input.audit_checkpoint = Some(
        charta_release::checkpoint::sign_checkpoint(
            &key(1),
            "https://elsewhere.example",
            3,
            "sha256:aa",
            "2026-11-22T10:00:00Z",
        )
        .unwrap(),
    );
    let err = build(&input, &catalogs()).unwrap_err();
    assert!(err.to_string().contains("elsewhere.example"), "{err}");
    input.audit_checkpoint = Some(b"{}".to_vec());
    assert!(matches!(
        build(&input, &catalogs()),
        Err(ReleaseError::InvalidInput {
            field: "audit checkpoint",
            ..
        })
    ));
}
