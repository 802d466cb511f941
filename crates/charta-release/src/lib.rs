//! Releases of a specification version: the bundle consumers download, and
//! its signature.
//!
//! A release is what standards bodies, auditors and compliance tools rely on
//! for years, so it must be exact, permanent and verifiable. This crate turns
//! a stored specification version into that bundle and checks it again:
//!
//! * [`build`] is a pure function from a [`ReleaseInput`] and the reference
//!   catalogs to a [`Bundle`]: `release.json` (Charta's own documented JSON,
//!   see [`release_json`]), `catalog.oscal.json` and `mapping.oscal.json`
//!   (OSCAL 1.2.3, see [`oscal`]), one OSCAL profile per maturity level
//!   (`profile-level-1.oscal.json` …, see [`profile`]), the correspondence
//!   with the CRA's essential requirements as an Annex ZA (`annex-za.html`,
//!   `annex-za.csv` and the editable `annex-za.odt`, see [`annex_za`]), the specification as a Gemara
//!   control catalog (`catalog.gemara.yaml`, see
//!   [`charta_domain::gemara::export`]), `crosswalk.csv`, `notes.md` (the generated
//!   [`ReleaseNotes`] in Markdown) and `manifest.json` (every artefact with
//!   its SHA-256). It reads no clock, draws no random number and iterates no
//!   hash map, so the same input always gives byte-identical artefacts; the
//!   identifiers OSCAL requires are UUIDv5 derived from stable names.
//! * [`sign_manifest`] signs the manifest's exact bytes with the instance's
//!   Ed25519 release key, and [`verify_bundle`] checks a downloaded copy
//!   against the public key, naming every file that does not match.
//! * [`key`] keeps the signing key in a file only the service can read, and
//!   [`dir`] reads and writes a release as a directory of files.
//!
//! The formats of `manifest.json`, `manifest.sig` and the public key
//! document are described in [`sign`].

pub mod annex_za;
pub mod assessment;
pub mod checkpoint;
pub mod csv;
pub mod dir;
mod ids;
mod input;
pub mod key;
pub mod manifest;
pub mod notes;
mod odt;
pub mod oscal;
pub mod profile;
pub mod reference;
pub mod release_json;
pub mod sign;
mod wording;

use charta_domain::FormatError;
use std::path::PathBuf;

pub use dir::verify_dir;
pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use input::{AmendmentRef, BallotRef, Predecessor, ReleaseInput};
pub use manifest::{Manifest, ManifestCheckpoint, ManifestEntry};
pub use notes::ReleaseNotes;
pub use sign::{
    VerifyError, VerifyProblem, key_id, parse_public_key, public_key_document, public_key_pem,
    sign_manifest, verify_bundle,
};

mod build;
pub use build::{Bundle, build};

/// File name of the signed manifest.
pub const MANIFEST: &str = "manifest.json";
/// File name of the manifest's detached signature.
pub const SIGNATURE: &str = "manifest.sig";
/// File name of Charta's own JSON rendering of the release.
pub const RELEASE_JSON: &str = "release.json";
/// File name of the OSCAL catalog.
pub const CATALOG_OSCAL: &str = "catalog.oscal.json";
/// File name of the specification as a Gemara layer-2 control catalog.
pub const CATALOG_GEMARA: &str = "catalog.gemara.yaml";
/// File name of the OSCAL mapping collection.
pub const MAPPING_OSCAL: &str = "mapping.oscal.json";
/// File name of the CSV crosswalk.
pub const CROSSWALK_CSV: &str = "crosswalk.csv";
/// File name of the release notes in Markdown.
pub const NOTES_MD: &str = "notes.md";
/// File name of the signed audit checkpoint a release carries.
pub const AUDIT_CHECKPOINT: &str = "audit-checkpoint.json";

/// Every artefact a manifest lists, in the order it lists them (by name),
/// besides [`AUDIT_CHECKPOINT`] which releases carry since checkpoints
/// exist. `manifest.json` and `manifest.sig` are not artefacts: they
/// describe them.
pub const ARTEFACTS: [&str; 12] = [
    annex_za::ANNEX_ZA_CSV,
    annex_za::ANNEX_ZA_HTML,
    annex_za::ANNEX_ZA_ODT,
    CATALOG_GEMARA,
    CATALOG_OSCAL,
    CROSSWALK_CSV,
    MAPPING_OSCAL,
    NOTES_MD,
    profile::PROFILES[0],
    profile::PROFILES[1],
    profile::PROFILES[2],
    RELEASE_JSON,
];

/// The caveat every release carries: mappings help readers find related
/// clauses, they do not certify anything.
pub const CAVEAT: &str = "A mapping relates a control to a catalog item; it is not a claim of compliance with that item, nor with the regulation or framework it belongs to.";

/// Everything that can go wrong building, signing, storing or checking a
/// release. One enum for the crate, so callers match on one type; a failed
/// verification carries its itemised report in [`ReleaseError::Verify`].
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// The specification snapshot breaks the domain's rules; a release of an
    /// invalid specification would publish broken links and mappings.
    #[error("the specification is not valid: {0}")]
    InvalidSpec(FormatError),
    /// A field of the release input cannot appear in a permanent address or
    /// in a valid OSCAL document.
    #[error("{field} is not valid: {reason}")]
    InvalidInput { field: &'static str, reason: String },
    /// The content hash given is not that of the snapshot, so the release
    /// would claim to be a version it is not.
    #[error("content hash {given} is not the hash of the specification snapshot ({actual})")]
    ContentHashMismatch { given: String, actual: String },
    /// The Gemara rendering could not be written.
    #[error("could not write {CATALOG_GEMARA}: {0}")]
    Gemara(FormatError),
    /// OSCAL requires at least one mapping in a mapping collection.
    #[error(
        "no active control maps to a catalog item, so there is no OSCAL mapping collection to publish"
    )]
    NoMappings,
    #[error("could not write {artefact} as JSON: {source}")]
    Json {
        artefact: &'static str,
        source: serde_json::Error,
    },
    /// The key file can be read by people other than the service.
    #[error(
        "key file {path} has mode {mode:04o}: it must be readable by its owner only (chmod 600 {path})",
        path = path.display()
    )]
    KeyPermissions { path: PathBuf, mode: u32 },
    /// The key file exists but does not hold an Ed25519 private key.
    #[error("key file {path} is not an Ed25519 private key in PKCS#8 PEM: {reason}", path = path.display())]
    KeyFormat { path: PathBuf, reason: String },
    /// A public key document or PEM file could not be read.
    #[error("not an Ed25519 release public key: {0}")]
    PublicKey(String),
    #[error("{action} {path}: {source}", path = path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    #[error(transparent)]
    Verify(#[from] VerifyError),
}

impl ReleaseError {
    fn input(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
