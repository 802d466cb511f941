//! Signing a release and checking a downloaded one.
//!
//! Only `manifest.json` is signed: it lists every artefact with its SHA-256,
//! so one signature covers the whole release and each artefact can still be
//! fetched and checked on its own.
//!
//! **`manifest.sig`** is a small JSON document (so that it can say which key
//! made it and be extended without guessing at bytes):
//!
//! ```json
//! {
//!   "format": "charta-release-signature/1",
//!   "algorithm": "ed25519",
//!   "key-id": "sha256:<hex SHA-256 of the 32-byte public key>",
//!   "signature": "<standard base64 of the 64-byte Ed25519 signature>"
//! }
//! ```
//!
//! The signature is Ed25519 (RFC 8032, no pre-hashing, no context) over the
//! exact bytes of `manifest.json`, and is checked with `verify_strict`.
//!
//! **The public key** served at `/.well-known/charta/release-key` is a JSON
//! document ([`public_key_document`]), which carries the same key twice:
//! base64 for scripts and PEM (SubjectPublicKeyInfo, RFC 8410) for OpenSSL
//! and other tools:
//!
//! ```json
//! {
//!   "format": "charta-release-key/1",
//!   "algorithm": "ed25519",
//!   "key-id": "sha256:<hex>",
//!   "public-key": "<standard base64 of the 32-byte public key>",
//!   "pem": "-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----\n"
//! }
//! ```
//!
//! [`parse_public_key`] reads either that document or a bare PEM file, so
//! `charta verify DIR --public-key FILE` takes whichever the user saved.

use crate::manifest::{Manifest, is_plain_name, sha256_hex};
use crate::{AUDIT_CHECKPOINT, MANIFEST, ReleaseError, SIGNATURE};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The `format` of `manifest.sig`.
pub const SIGNATURE_FORMAT: &str = "charta-release-signature/1";
/// The `format` of the public key document.
pub const KEY_FORMAT: &str = "charta-release-key/1";
const ALGORITHM: &str = "ed25519";

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), followed by
/// the 32 key bytes.
pub(crate) const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct SignatureDoc {
    format: String,
    algorithm: String,
    key_id: String,
    signature: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct KeyDoc {
    format: String,
    algorithm: String,
    key_id: String,
    public_key: String,
    pem: String,
}

/// The key's identifier: `sha256:` and the hex SHA-256 of the 32-byte
/// public key. Signatures name it so that a verifier can tell "signed with
/// another key" from "altered".
pub fn key_id(key: &VerifyingKey) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(key.as_bytes())))
}

/// Signs the exact bytes of `manifest.json` and returns `manifest.sig`.
pub fn sign_manifest(key: &SigningKey, manifest: &[u8]) -> Vec<u8> {
    let signature = key.sign(manifest);
    let doc = SignatureDoc {
        format: SIGNATURE_FORMAT.to_string(),
        algorithm: ALGORITHM.to_string(),
        key_id: key_id(&key.verifying_key()),
        signature: B64.encode(signature.to_bytes()),
    };
    // A struct of strings always serialises.
    let mut out = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    out.push(b'\n');
    out
}

/// The public key as PEM (SubjectPublicKeyInfo).
pub fn public_key_pem(key: &VerifyingKey) -> String {
    let mut der = SPKI_PREFIX.to_vec();
    der.extend_from_slice(key.as_bytes());
    pem("PUBLIC KEY", &der)
}

/// The document served at `/.well-known/charta/release-key`.
pub fn public_key_document(key: &VerifyingKey) -> Vec<u8> {
    let doc = KeyDoc {
        format: KEY_FORMAT.to_string(),
        algorithm: ALGORITHM.to_string(),
        key_id: key_id(key),
        public_key: B64.encode(key.as_bytes()),
        pem: public_key_pem(key),
    };
    let mut out = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Reads a public key from the key document or from a PEM file.
pub fn parse_public_key(bytes: &[u8]) -> Result<VerifyingKey, ReleaseError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ReleaseError::PublicKey("the file is not UTF-8 text".into()))?
        .trim();
    if text.starts_with('{') {
        let doc: KeyDoc =
            serde_json::from_str(text).map_err(|e| ReleaseError::PublicKey(e.to_string()))?;
        if doc.format != KEY_FORMAT || doc.algorithm != ALGORITHM {
            return Err(ReleaseError::PublicKey(format!(
                "format {:?} with algorithm {:?}; expected {KEY_FORMAT:?} with {ALGORITHM:?}",
                doc.format, doc.algorithm
            )));
        }
        let raw = B64
            .decode(doc.public_key.as_bytes())
            .map_err(|e| ReleaseError::PublicKey(format!("public-key: {e}")))?;
        let key = verifying_key(&raw)?;
        if key_id(&key) != doc.key_id {
            return Err(ReleaseError::PublicKey(format!(
                "key-id {} is not the id of the key it comes with ({})",
                doc.key_id,
                key_id(&key)
            )));
        }
        if parse_pem_public_key(&doc.pem)? != key {
            return Err(ReleaseError::PublicKey(
                "the pem and public-key fields hold different keys".into(),
            ));
        }
        Ok(key)
    } else {
        parse_pem_public_key(text)
    }
}

fn parse_pem_public_key(text: &str) -> Result<VerifyingKey, ReleaseError> {
    let der = unpem("PUBLIC KEY", text).map_err(ReleaseError::PublicKey)?;
    match der.strip_prefix(&SPKI_PREFIX[..]) {
        Some(raw) => verifying_key(raw),
        None => Err(ReleaseError::PublicKey(
            "the PEM block is not an Ed25519 SubjectPublicKeyInfo".into(),
        )),
    }
}

fn verifying_key(raw: &[u8]) -> Result<VerifyingKey, ReleaseError> {
    let raw: &[u8; 32] = raw
        .try_into()
        .map_err(|_| ReleaseError::PublicKey(format!("{} bytes; expected 32", raw.len())))?;
    VerifyingKey::from_bytes(raw).map_err(|e| ReleaseError::PublicKey(e.to_string()))
}

/// PEM armour around DER, wrapped at 64 columns.
pub(crate) fn pem(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The DER inside the first PEM block labelled `label`.
pub(crate) fn unpem(label: &str, text: &str) -> Result<Vec<u8>, String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text
        .find(&begin)
        .ok_or_else(|| format!("no \"{begin}\" line"))?
        + begin.len();
    let len = text[start..]
        .find(&end)
        .ok_or_else(|| format!("no \"{end}\" line"))?;
    let body: String = text[start..start + len]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    B64.decode(body.as_bytes())
        .map_err(|e| format!("the PEM body is not base64: {e}"))
}

/// One reason a release does not verify. Each names the file concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyProblem {
    ManifestMissing,
    SignatureMissing,
    ManifestUnreadable(String),
    SignatureUnreadable(String),
    /// The signature names another key than the one given.
    WrongKey {
        expected: String,
        found: String,
    },
    /// The signature does not verify the manifest's bytes with the key.
    BadSignature,
    /// An artefact's bytes are not those the manifest lists.
    Altered {
        name: String,
        expected_sha256: String,
        actual_sha256: String,
        expected_size: u64,
        actual_size: u64,
    },
    /// The manifest lists a file that is not there.
    Missing {
        name: String,
    },
    /// A file is there that the manifest does not list.
    Unexpected {
        name: String,
    },
    /// The manifest lists a name that is not a plain file name, or the
    /// manifest or signature themselves.
    BadName {
        name: String,
    },
    /// The manifest lists a name twice.
    Duplicate {
        name: String,
    },
    /// The audit checkpoint the manifest names is missing, not signed by
    /// the release key, or pins another entry than the manifest says.
    Checkpoint(String),
}

impl VerifyProblem {
    /// The files the problem is about.
    pub fn files(&self) -> Vec<&str> {
        match self {
            Self::ManifestMissing | Self::ManifestUnreadable(_) => vec![MANIFEST],
            Self::SignatureMissing | Self::SignatureUnreadable(_) | Self::WrongKey { .. } => {
                vec![SIGNATURE]
            }
            Self::BadSignature => vec![MANIFEST, SIGNATURE],
            Self::BadName { .. } | Self::Duplicate { .. } => vec![MANIFEST],
            Self::Checkpoint(_) => vec![AUDIT_CHECKPOINT],
            Self::Altered { name, .. } | Self::Missing { name } | Self::Unexpected { name } => {
                vec![name.as_str()]
            }
        }
    }
}

impl fmt::Display for VerifyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ManifestMissing => write!(f, "{MANIFEST} is missing"),
            Self::SignatureMissing => write!(f, "{SIGNATURE} is missing"),
            Self::ManifestUnreadable(e) => write!(f, "{MANIFEST} cannot be read: {e}"),
            Self::SignatureUnreadable(e) => write!(f, "{SIGNATURE} cannot be read: {e}"),
            Self::WrongKey { expected, found } => write!(
                f,
                "{SIGNATURE} was made with key {found}, not with the release key {expected}"
            ),
            Self::BadSignature => write!(
                f,
                "{SIGNATURE} does not verify {MANIFEST} with the release key: the manifest or its signature was altered"
            ),
            Self::Altered {
                name,
                expected_sha256,
                actual_sha256,
                expected_size,
                actual_size,
            } => write!(
                f,
                "{name} does not match the manifest: SHA-256 {actual_sha256} ({actual_size} bytes), expected {expected_sha256} ({expected_size} bytes)"
            ),
            Self::Missing { name } => write!(f, "{name} is listed in {MANIFEST} but missing"),
            Self::Unexpected { name } => write!(f, "{name} is not listed in {MANIFEST}"),
            Self::BadName { name } => write!(
                f,
                "{MANIFEST} lists {name:?}, which cannot be an artefact of a release"
            ),
            Self::Duplicate { name } => write!(f, "{MANIFEST} lists {name} more than once"),
            Self::Checkpoint(e) => write!(f, "{AUDIT_CHECKPOINT}: {e}"),
        }
    }
}

/// Why a release did not verify: every problem found, in a stable order
/// (signature, then the manifest's entries in order, then unlisted files).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct VerifyError {
    pub problems: Vec<VerifyProblem>,
}

impl VerifyError {
    /// Every file named by a problem, once each, sorted.
    pub fn files(&self) -> BTreeSet<&str> {
        self.problems
            .iter()
            .flat_map(VerifyProblem::files)
            .collect()
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the release does not verify: ")?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// Checks a release: the signature over `manifest.json` with `public_key`,
/// then every artefact against the manifest, then that no other file is
/// there. Returns the manifest when everything holds, or every problem.
pub fn verify_bundle(
    files: &BTreeMap<String, Vec<u8>>,
    public_key: &VerifyingKey,
) -> Result<Manifest, VerifyError> {
    let mut problems = Vec::new();
    let manifest_bytes = files.get(MANIFEST);
    match files.get(SIGNATURE) {
        None => problems.push(VerifyProblem::SignatureMissing),
        Some(sig) => match parse_signature(sig) {
            Err(e) => problems.push(VerifyProblem::SignatureUnreadable(e)),
            Ok((found, signature)) => {
                let expected = key_id(public_key);
                if found != expected {
                    problems.push(VerifyProblem::WrongKey { expected, found });
                } else if let Some(m) = manifest_bytes
                    && public_key.verify_strict(m, &signature).is_err()
                {
                    problems.push(VerifyProblem::BadSignature);
                }
            }
        },
    }
    let manifest = match manifest_bytes.map(|m| Manifest::parse(m)) {
        None => {
            problems.insert(0, VerifyProblem::ManifestMissing);
            None
        }
        Some(Err(e)) => {
            problems.push(VerifyProblem::ManifestUnreadable(e));
            None
        }
        Some(Ok(m)) => Some(m),
    };
    if let Some(m) = &manifest {
        let mut listed = BTreeSet::new();
        for e in &m.artefacts {
            if !is_plain_name(&e.name) || e.name == MANIFEST || e.name == SIGNATURE {
                problems.push(VerifyProblem::BadName {
                    name: e.name.clone(),
                });
                continue;
            }
            if !listed.insert(e.name.as_str()) {
                problems.push(VerifyProblem::Duplicate {
                    name: e.name.clone(),
                });
                continue;
            }
            match files.get(&e.name) {
                None => problems.push(VerifyProblem::Missing {
                    name: e.name.clone(),
                }),
                Some(bytes) => {
                    let actual = sha256_hex(bytes);
                    if actual != e.sha256.to_ascii_lowercase() || bytes.len() as u64 != e.size {
                        problems.push(VerifyProblem::Altered {
                            name: e.name.clone(),
                            expected_sha256: e.sha256.clone(),
                            actual_sha256: actual,
                            expected_size: e.size,
                            actual_size: bytes.len() as u64,
                        });
                    }
                }
            }
        }
        for name in files.keys() {
            if name != MANIFEST && name != SIGNATURE && !listed.contains(name.as_str()) {
                problems.push(VerifyProblem::Unexpected { name: name.clone() });
            }
        }
        if let Some(p) = check_audit_checkpoint(m, &listed, files, public_key) {
            problems.push(p);
        }
    }
    match manifest {
        Some(m) if problems.is_empty() => Ok(m),
        _ => Err(VerifyError { problems }),
    }
}

/// The audit checkpoint a manifest names must be one of its artefacts,
/// signed with the release key, and pin the entry the manifest states.
fn check_audit_checkpoint(
    m: &Manifest,
    listed: &BTreeSet<&str>,
    files: &BTreeMap<String, Vec<u8>>,
    public_key: &VerifyingKey,
) -> Option<VerifyProblem> {
    let stated = m.audit_checkpoint.as_ref()?;
    if !listed.contains(AUDIT_CHECKPOINT) {
        return Some(VerifyProblem::Checkpoint(format!(
            "{MANIFEST} names an audit checkpoint but does not list its file"
        )));
    }
    // A missing or altered file is already reported against the manifest.
    let doc = files.get(AUDIT_CHECKPOINT)?;
    match crate::checkpoint::verify_checkpoint(doc, public_key) {
        Err(e) => Some(VerifyProblem::Checkpoint(e.to_string())),
        Ok(c) if c.seq != stated.seq || c.hash != stated.hash || c.at != stated.at => {
            Some(VerifyProblem::Checkpoint(format!(
                "it pins audit entry {} ({}), but {MANIFEST} says entry {} ({})",
                c.seq, c.hash, stated.seq, stated.hash
            )))
        }
        Ok(_) => None,
    }
}

fn parse_signature(bytes: &[u8]) -> Result<(String, Signature), String> {
    let doc: SignatureDoc = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if doc.format != SIGNATURE_FORMAT || doc.algorithm != ALGORITHM {
        return Err(format!(
            "format {:?} with algorithm {:?}; expected {SIGNATURE_FORMAT:?} with {ALGORITHM:?}",
            doc.format, doc.algorithm
        ));
    }
    let raw = B64
        .decode(doc.signature.as_bytes())
        .map_err(|e| format!("signature: {e}"))?;
    let raw: [u8; 64] = raw
        .as_slice()
        .try_into()
        .map_err(|_| format!("signature has {} bytes; expected 64", raw.len()))?;
    Ok((doc.key_id, Signature::from_bytes(&raw)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    #[test]
    fn public_key_round_trips_through_document_and_pem() {
        let k = key(7).verifying_key();
        assert_eq!(parse_public_key(&public_key_document(&k)).unwrap(), k);
        assert_eq!(parse_public_key(public_key_pem(&k).as_bytes()).unwrap(), k);
        assert!(parse_public_key(b"hello").is_err());
    }

    #[test]
    fn a_tampered_key_document_is_refused() {
        let k = key(7).verifying_key();
        let other = key(8).verifying_key();
        let doc = String::from_utf8(public_key_document(&k)).unwrap();
        let swapped = doc.replace(
            &public_key_pem(&k).replace('\n', "\\n"),
            &public_key_pem(&other).replace('\n', "\\n"),
        );
        assert_ne!(doc, swapped);
        assert!(parse_public_key(swapped.as_bytes()).is_err());
    }

    #[test]
    fn signature_names_its_key() {
        let sig = sign_manifest(&key(1), b"{}");
        let (id, _) = parse_signature(&sig).unwrap();
        assert_eq!(id, key_id(&key(1).verifying_key()));
    }
}
