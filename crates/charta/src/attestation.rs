//! `charta verify` for a published self-assessment: checks its attestation
//! against the instance's release key and the assessment's other files
//! against the hashes the attestation names.
//!
//! The key is chosen as for releases (`--public-key`, `--key-id` or an
//! explicit `--trust-on-first-use`), and the exit statuses mean the same:
//! 0 verified, 1 checked and not matching, 2 could not be checked.

use crate::verify::{Fetcher, NotVerified, VerifyArgs, fetch_key, read_key_file, warn_fetched_key};
use anyhow::{Context, Result, anyhow, bail};
use charta_release::assessment::{
    ASSESSMENT_JSON, ASSESSMENT_OSCAL, ATTESTATION, Attestation, check_file, verify_attestation,
};
use charta_release::{VerifyingKey, key_id};
use reqwest::Url;
use std::path::PathBuf;
use std::time::Duration;

/// A self-assessment to check.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// `https://INSTANCE/assessments/ID`, or one of its files' addresses.
    Url { base: Url, id: String },
    /// A downloaded `attestation.json`.
    File(PathBuf),
}

impl Target {
    /// Whether the argument names a self-assessment rather than a release.
    pub fn parse(arg: &str) -> Option<Target> {
        if arg.contains("://") {
            let url = Url::parse(arg).ok()?;
            let mut segments = url.path_segments()?;
            if segments.next()? != "assessments" {
                return None;
            }
            let id = segments.next()?.to_string();
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let mut base = url.clone();
            base.set_path("/");
            base.set_query(None);
            base.set_fragment(None);
            return Some(Target::Url { base, id });
        }
        let path = PathBuf::from(arg);
        let named = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".json") && n != charta_release::MANIFEST);
        (path.is_file() && named).then_some(Target::File(path))
    }
}

/// Checks the attestation and the files beside it.
pub async fn verify(target: Target, args: &VerifyArgs) -> Result<()> {
    if args.out.is_some() {
        bail!(
            "--out saves a release; a self-assessment's files are three, fetch them from its page"
        );
    }
    match target {
        Target::File(path) => {
            let Some(key_path) = &args.public_key else {
                bail!(
                    "checking a downloaded attestation needs the instance's public key: pass --public-key FILE (the JSON document served at https://INSTANCE/.well-known/charta/release-key)"
                );
            };
            let key = read_key_file(key_path)?;
            let doc =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let a = attest(&doc, &key, &path.display().to_string())?;
            let dir = path.parent().map(PathBuf::from).unwrap_or_default();
            let mut checked = Vec::new();
            for name in [ASSESSMENT_JSON, ASSESSMENT_OSCAL] {
                let p = dir.join(name);
                if let Ok(bytes) = std::fs::read(&p) {
                    file(&a, name, &bytes)?;
                    checked.push(name);
                }
            }
            report(&a, &key, &checked);
            Ok(())
        }
        Target::Url { base, id } => {
            let http = Fetcher::new(Duration::from_secs(args.timeout))?;
            let key = choose_key(&http, &base, args).await?;
            let url = |name: &str| {
                base.join(&format!("assessments/{id}/files/{name}"))
                    .context("cannot make a file's address")
            };
            let doc = http.get(&url(ATTESTATION)?).await.map_err(|e| {
                anyhow!("{e} (only a published assessment has an attestation; a draft has none)")
            })?;
            let a = attest(&doc, &key, &format!("{base}assessments/{id}"))?;
            for name in [ASSESSMENT_JSON, ASSESSMENT_OSCAL] {
                let bytes = http.get(&url(name)?).await.map_err(|e| anyhow!(e))?;
                file(&a, name, &bytes)?;
            }
            report(&a, &key, &[ASSESSMENT_JSON, ASSESSMENT_OSCAL]);
            Ok(())
        }
    }
}

async fn choose_key(http: &Fetcher, base: &Url, args: &VerifyArgs) -> Result<VerifyingKey> {
    if let Some(path) = &args.public_key {
        return read_key_file(path);
    }
    let url = base
        .join(crate::verify::KEY_PATH)
        .context("cannot make the address of the public key")?;
    let key = fetch_key(http, &url).await?;
    let offered = key_id(&key);
    match &args.key_id {
        Some(id) if offered == id.trim() => Ok(key),
        Some(id) => {
            eprintln!(
                "The assessment does NOT verify: the server offers the key {offered}, not the key {id} you trust"
            );
            Err(anyhow!(NotVerified(format!(
                "the server's release key {offered} is not the trusted key {id}"
            ))))
        }
        None if args.trust_on_first_use => {
            warn_fetched_key(&key, &url);
            Ok(key)
        }
        None => bail!(
            "no key to check the attestation against. The server offers the key {offered}: if that is the id the working group published, pass --key-id {offered}; or pass --public-key FILE; or, knowing that it proves only that the files are intact, --trust-on-first-use"
        ),
    }
}

fn attest(doc: &[u8], key: &VerifyingKey, shown: &str) -> Result<Attestation> {
    verify_attestation(doc, key).map_err(|e| {
        eprintln!("The attestation of {shown} does NOT verify: {e}");
        anyhow!(NotVerified(e.to_string()))
    })
}

fn file(a: &Attestation, name: &str, bytes: &[u8]) -> Result<()> {
    check_file(a, name, bytes).map_err(|e| {
        eprintln!("The assessment does NOT verify: {e}");
        anyhow!(NotVerified(e.to_string()))
    })
}

fn report(a: &Attestation, key: &VerifyingKey, checked: &[&str]) {
    println!(
        "Attestation verifies: {} ({} {}) self-assessed against {} {} (release manifest SHA-256 {}), aiming at level {}, {}; published {}.",
        a.subject.name,
        a.subject.kind,
        a.subject.url,
        a.specification,
        a.release,
        a.release_manifest_sha256,
        a.target_level,
        match a.achieved_level {
            Some(l) => format!("meeting level {l}"),
            None => "meeting no level".into(),
        },
        a.published_at,
    );
    println!("Signed with key {}.", key_id(key));
    if !checked.is_empty() {
        println!("Files matching the attestation: {}.", checked.join(", "));
    }
    println!("{}", a.statement);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assessment_addresses_are_told_from_releases() {
        let t = Target::parse("https://c.example.org/assessments/7/files/attestation.json");
        assert!(matches!(t, Some(Target::Url { ref id, .. }) if id == "7"));
        assert!(Target::parse("https://c.example.org/assessments/7").is_some());
        assert!(Target::parse("https://c.example.org/releases/x/1.0.0/").is_none());
        assert!(Target::parse("https://c.example.org/assessments/new").is_none());
    }
}
