//! The instance's Ed25519 release key, kept in a file.
//!
//! The key signs every release for years, so it lives outside the database
//! (a database dump must not be enough to forge releases) in a file whose
//! path the operator chooses, readable by the service alone. The file is
//! PKCS#8 PEM (RFC 8410, `-----BEGIN PRIVATE KEY-----`), the form OpenSSL
//! reads and writes, so operators can inspect or back it up with tools they
//! know (`openssl pkey -in release.key -pubout`).

use crate::ReleaseError;
use crate::sign::{pem, unpem};
use ed25519_dalek::SigningKey;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write as _};
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

/// DER prefix of an Ed25519 PKCS#8 v1 private key (RFC 8410), followed by
/// the 32-byte seed.
const PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// Loads the key at `path`, or creates it there if no file exists.
///
/// A new key file is written under a temporary name with mode 0600 and then
/// linked into place, which fails rather than replace a file that appeared
/// meanwhile (another instance starting at the same moment): the key that
/// won is loaded instead, so every instance signs with the same key. An
/// existing file that group or others may read or write is refused rather
/// than used, because it may already have leaked.
pub fn load_or_create(path: &Path) -> Result<SigningKey, ReleaseError> {
    match load(path) {
        Err(ReleaseError::Io { source, .. }) if source.kind() == ErrorKind::NotFound => {
            create(path)
        }
        other => other,
    }
}

/// Loads an existing key file, checking its permissions first.
pub fn load(path: &Path) -> Result<SigningKey, ReleaseError> {
    let meta = fs::metadata(path).map_err(|e| ReleaseError::io("reading key file", path, e))?;
    if !meta.is_file() {
        return Err(format_error(path, "it is not a regular file"));
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(ReleaseError::KeyPermissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    let text =
        fs::read_to_string(path).map_err(|e| ReleaseError::io("reading key file", path, e))?;
    let der = unpem("PRIVATE KEY", &text).map_err(|reason| format_error(path, &reason))?;
    let seed: &[u8; 32] = der
        .strip_prefix(&PKCS8_PREFIX[..])
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| format_error(path, "the PEM block is not an Ed25519 PKCS#8 v1 key"))?;
    Ok(SigningKey::from_bytes(seed))
}

/// The private key as PKCS#8 PEM.
pub fn private_key_pem(key: &SigningKey) -> String {
    let mut der = PKCS8_PREFIX.to_vec();
    der.extend_from_slice(key.as_bytes());
    pem("PRIVATE KEY", &der)
}

fn format_error(path: &Path, reason: &str) -> ReleaseError {
    ReleaseError::KeyFormat {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn random<const N: usize>() -> Result<[u8; N], ReleaseError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| ReleaseError::Random(e.to_string()))?;
    Ok(buf)
}

fn create(path: &Path) -> Result<SigningKey, ReleaseError> {
    let key = SigningKey::from_bytes(&random::<32>()?);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(name) = path.file_name() else {
        return Err(format_error(path, "the path names no file"));
    };
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        hex::encode(random::<8>()?)
    ));
    let written = write_new(&tmp, private_key_pem(&key).as_bytes());
    let linked = written.and_then(|()| fs::hard_link(&tmp, path));
    // The temporary name goes whatever happened; the key lives on under
    // `path` if the link was made.
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            // Make the new directory entry durable; failing that is not
            // fatal, the key is written.
            if let Ok(d) = File::open(&dir) {
                let _ = d.sync_all();
            }
            Ok(key)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => load(path),
        Err(e) => Err(ReleaseError::io("creating key file", path, e)),
    }
}

fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
