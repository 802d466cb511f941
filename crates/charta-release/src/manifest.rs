//! `manifest.json`: what a release consists of, byte for byte.
//!
//! The manifest is the one file that is signed; it names the release and
//! lists every artefact with its SHA-256 and size, so one signature covers
//! them all and a consumer can check any artefact on its own.
//!
//! ```json
//! {
//!   "format": "charta-release-manifest/1",
//!   "spec": "steward-baseline",
//!   "version": "1.2.0",
//!   "spec-version": 3,
//!   "content-hash": "sha256:…",
//!   "date": "2026-11-22",
//!   "url": "https://charta.example.org/releases/steward-baseline/1.2.0/",
//!   "audit-checkpoint": { "seq": 812, "hash": "sha256:…", "at": "2026-11-22T10:00:00Z" },
//!   "artefacts": [
//!     { "name": "catalog.oscal.json", "sha256": "<64 hex>", "size": 12345 },
//!     …
//!   ]
//! }
//! ```
//!
//! `audit-checkpoint` names the signed checkpoint of the instance's audit
//! log made when the release was published (the artefact
//! `audit-checkpoint.json`): the release states how long the record of
//! decisions behind it was, so a later rewrite of that record shows. Releases
//! made before checkpoints existed have no such key.
//!
//! Keys come in this order, artefacts are sorted by name, the JSON is
//! pretty-printed with two spaces and ends with a newline. Artefact names
//! are plain file names (no `/`, not starting with `.`).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The value of `format`; bumped only for incompatible changes.
pub const FORMAT: &str = "charta-release-manifest/1";

/// The parsed `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    /// Slug of the specification.
    pub spec: String,
    /// The release's version name.
    pub version: String,
    /// The stored specification version the release freezes.
    pub spec_version: u64,
    /// `sha256:<hex>` of that version's canonical text.
    pub content_hash: String,
    /// Publication date, `YYYY-MM-DD`.
    pub date: String,
    /// Absolute URL of the release page.
    pub url: String,
    /// The audit log's head when the release was published, as pinned by
    /// the artefact `audit-checkpoint.json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_checkpoint: Option<ManifestCheckpoint>,
    /// Every artefact, sorted by name.
    pub artefacts: Vec<ManifestEntry>,
}

/// The audit checkpoint a release carries: which entry of the log it pins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestCheckpoint {
    /// The number of the newest audit entry then.
    pub seq: i64,
    /// That entry's hash, `sha256:<hex>`.
    pub hash: String,
    /// When the checkpoint was signed, RFC 3339.
    pub at: String,
}

/// One artefact of the release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    pub name: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

impl ManifestEntry {
    /// Describes one file.
    pub fn of(name: &str, bytes: &[u8]) -> Self {
        Self {
            name: name.to_string(),
            sha256: sha256_hex(bytes),
            size: bytes.len() as u64,
        }
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Whether `name` can be a file in a release directory: a plain name that
/// cannot climb out of it or hide in it.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && !name.chars().any(char::is_control)
}

impl Manifest {
    /// Lists `artefacts` (already sorted, being a `BTreeMap`).
    pub(crate) fn describe(
        identity: Manifest,
        artefacts: &BTreeMap<&'static str, Vec<u8>>,
    ) -> Manifest {
        Manifest {
            artefacts: artefacts
                .iter()
                .map(|(name, bytes)| ManifestEntry::of(name, bytes))
                .collect(),
            ..identity
        }
    }

    /// Parses a manifest, refusing unknown fields and formats so that a
    /// verifier never silently ignores something it does not understand.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, String> {
        let m: Manifest = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if m.format != FORMAT {
            return Err(format!(
                "unknown format {:?}; expected {FORMAT:?}",
                m.format
            ));
        }
        Ok(m)
    }

    /// The manifest's bytes as published.
    pub fn to_bytes(&self) -> Result<Vec<u8>, crate::ReleaseError> {
        crate::release_json::to_json(crate::MANIFEST, self)
    }
}
