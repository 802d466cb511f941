//! Signed audit checkpoints: the instance's word, under its release key, on
//! how long its audit log was and what its newest entry's hash was at a
//! moment.
//!
//! The audit log is hash-chained, so a database administrator cannot alter
//! an entry in the middle without `charta audit verify` noticing; but they
//! could cut off the newest entries, or rewrite the tail and re-chain it.
//! A checkpoint published outside the database (at
//! `/.well-known/charta/audit-checkpoint`, and kept by anyone who fetched
//! it) pins the log: a later log must still contain entry `seq` with
//! exactly `hash`.
//!
//! The document is JSON; the signature covers the canonical JSON (sorted
//! keys, no white space) of every field but `signature`:
//!
//! ```json
//! {
//!   "format": "charta-audit-checkpoint/1",
//!   "instance": "https://charta.example.org",
//!   "seq": 1234,
//!   "hash": "sha256:…",
//!   "at": "2026-12-03T09:00:00Z",
//!   "key-id": "sha256:…",
//!   "signature": "<standard base64 of the Ed25519 signature>"
//! }
//! ```

use crate::ReleaseError;
use crate::sign::key_id;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// The `format` of a checkpoint document.
pub const CHECKPOINT_FORMAT: &str = "charta-audit-checkpoint/1";

/// What a checkpoint states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Checkpoint {
    pub format: String,
    /// The instance's public URL.
    pub instance: String,
    /// How many entries the log held.
    pub seq: i64,
    /// The hash of entry `seq`.
    pub hash: String,
    /// When the checkpoint was made, RFC 3339 in UTC.
    pub at: String,
    /// The id of the key that signed it.
    pub key_id: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Signed {
    #[serde(flatten)]
    checkpoint: Checkpoint,
    signature: String,
}

fn signed_bytes(c: &Checkpoint) -> Result<Vec<u8>, ReleaseError> {
    let value = serde_json::to_value(c)
        .map_err(|e| ReleaseError::PublicKey(format!("cannot encode the checkpoint: {e}")))?;
    Ok(charta_domain::audit::canonical_json(&value).into_bytes())
}

/// Signs a checkpoint of entry `seq` with `hash`, made at `at`, and
/// returns the document to publish.
pub fn sign_checkpoint(
    key: &SigningKey,
    instance: &str,
    seq: i64,
    hash: &str,
    at: &str,
) -> Result<Vec<u8>, ReleaseError> {
    let checkpoint = Checkpoint {
        format: CHECKPOINT_FORMAT.into(),
        instance: instance.into(),
        seq,
        hash: hash.into(),
        at: at.into(),
        key_id: key_id(&key.verifying_key()),
    };
    let signature = key.sign(&signed_bytes(&checkpoint)?);
    let doc = Signed {
        checkpoint,
        signature: B64.encode(signature.to_bytes()),
    };
    let mut out = serde_json::to_vec_pretty(&doc)
        .map_err(|e| ReleaseError::PublicKey(format!("cannot encode the checkpoint: {e}")))?;
    out.push(b'\n');
    Ok(out)
}

/// Why a checkpoint document is not to be believed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CheckpointError {
    #[error("not a Charta audit checkpoint: {0}")]
    Malformed(String),
    #[error("the checkpoint was signed with key {signed_with}, not with {expected}")]
    WrongKey {
        signed_with: String,
        expected: String,
    },
    #[error("the checkpoint's signature does not match its contents")]
    BadSignature,
}

/// Reads a checkpoint document without checking its signature: for the
/// release builder, which embeds a checkpoint the instance has just signed
/// and holds no verifying key of its own. Consumers use
/// [`verify_checkpoint`].
pub fn read_checkpoint(doc: &[u8]) -> Result<Checkpoint, CheckpointError> {
    Ok(parse(doc)?.checkpoint)
}

fn parse(doc: &[u8]) -> Result<Signed, CheckpointError> {
    let signed: Signed =
        serde_json::from_slice(doc).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
    if signed.checkpoint.format != CHECKPOINT_FORMAT {
        return Err(CheckpointError::Malformed(format!(
            "format {:?}, expected {CHECKPOINT_FORMAT}",
            signed.checkpoint.format
        )));
    }
    Ok(signed)
}

/// Reads a checkpoint document and checks its signature against `key`.
pub fn verify_checkpoint(doc: &[u8], key: &VerifyingKey) -> Result<Checkpoint, CheckpointError> {
    let signed = parse(doc)?;
    let c = signed.checkpoint;
    let expected = key_id(key);
    if c.key_id != expected {
        return Err(CheckpointError::WrongKey {
            signed_with: c.key_id,
            expected,
        });
    }
    let raw = B64
        .decode(signed.signature.as_bytes())
        .map_err(|_| CheckpointError::Malformed("the signature is not base64".into()))?;
    let signature = Signature::from_slice(&raw)
        .map_err(|_| CheckpointError::Malformed("the signature has the wrong length".into()))?;
    let bytes = signed_bytes(&c).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
    key.verify_strict(&bytes, &signature)
        .map_err(|_| CheckpointError::BadSignature)?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn a_signed_checkpoint_verifies_and_any_change_is_caught() {
        let k = key(7);
        let doc = sign_checkpoint(
            &k,
            "https://c.example",
            42,
            "sha256:ab",
            "2026-12-03T09:00:00Z",
        )
        .unwrap();
        let c = verify_checkpoint(&doc, &k.verifying_key()).unwrap();
        assert_eq!((c.seq, c.hash.as_str()), (42, "sha256:ab"));

        let text = String::from_utf8(doc.clone()).unwrap();
        let moved = text.replace("\"seq\": 42", "\"seq\": 41");
        assert_eq!(
            verify_checkpoint(moved.as_bytes(), &k.verifying_key()),
            Err(CheckpointError::BadSignature)
        );
        assert!(matches!(
            verify_checkpoint(&doc, &key(8).verifying_key()),
            Err(CheckpointError::WrongKey { .. })
        ));
        assert!(matches!(
            verify_checkpoint(b"{}", &k.verifying_key()),
            Err(CheckpointError::Malformed(_))
        ));
    }
}
