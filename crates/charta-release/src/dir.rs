//! A release as a directory of files: how `charta verify DIR` reads a
//! downloaded copy, and how a bundle can be written out.

use crate::ReleaseError;
use crate::manifest::{Manifest, is_plain_name};
use crate::sign::{VerifyError, VerifyProblem, verify_bundle};
use ed25519_dalek::VerifyingKey;
use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::Path;

/// What a release directory holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirContents {
    /// Every regular file directly inside, by name.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Every other entry (subdirectories, sockets, names that are not
    /// UTF-8), sorted, so that a verifier can report them as unexpected.
    pub others: Vec<String>,
}

/// Reads a release directory (not recursively).
pub fn read_dir(dir: &Path) -> Result<DirContents, ReleaseError> {
    let mut files = BTreeMap::new();
    let mut others = Vec::new();
    let entries =
        fs::read_dir(dir).map_err(|e| ReleaseError::io("reading release directory", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ReleaseError::io("reading release directory", dir, e))?;
        let path = entry.path();
        let name = entry.file_name();
        let meta = fs::metadata(&path).map_err(|e| ReleaseError::io("reading", &path, e))?;
        match name.to_str() {
            Some(n) if meta.is_file() => {
                let bytes = fs::read(&path).map_err(|e| ReleaseError::io("reading", &path, e))?;
                files.insert(n.to_string(), bytes);
            }
            _ => others.push(name.to_string_lossy().into_owned()),
        }
    }
    others.sort();
    Ok(DirContents { files, others })
}

/// Verifies a downloaded release directory against `public_key`: the
/// signature, every artefact against the manifest, and that nothing else is
/// in the directory. On failure the error is [`ReleaseError::Verify`] with
/// every problem found.
pub fn verify_dir(dir: &Path, public_key: &VerifyingKey) -> Result<Manifest, ReleaseError> {
    let DirContents { files, others } = read_dir(dir)?;
    let mut result = verify_bundle(&files, public_key);
    if !others.is_empty() {
        let mut problems = match result {
            Ok(_) => Vec::new(),
            Err(e) => e.problems,
        };
        problems.extend(
            others
                .into_iter()
                .map(|name| VerifyProblem::Unexpected { name }),
        );
        result = Err(VerifyError { problems });
    }
    Ok(result?)
}

/// Writes `files` into `dir`, creating it if needed. Existing files are
/// never overwritten: a release, once written, does not change.
pub fn write_dir(dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<(), ReleaseError> {
    fs::create_dir_all(dir).map_err(|e| ReleaseError::io("creating release directory", dir, e))?;
    for (name, bytes) in files {
        if !is_plain_name(name) {
            return Err(ReleaseError::input(
                "file name",
                format!("{name:?} is not a plain file name"),
            ));
        }
        let path = dir.join(name);
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| ReleaseError::io("creating", &path, e))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| ReleaseError::io("writing", &path, e))?;
    }
    Ok(())
}
