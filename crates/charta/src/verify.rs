//! `charta verify`: checks a published release, online by its URL or
//! offline as a downloaded directory, against the instance's public release
//! key, and names every file that does not match.
//!
//! A release is relied on for years by people who never talk to the
//! instance that made it: auditors, compliance tools, other foundations.
//! They need one command that either says "these are exactly the files that
//! were signed" or lists what differs. The checking itself is
//! [`charta_release::verify_bundle`]; this module gathers the files (over
//! HTTP or from a directory), chooses the key, and reports.
//!
//! Two choices worth knowing:
//!
//! * Online, the signature over `manifest.json` is checked before any
//!   artefact is downloaded, so nothing is fetched on the word of a manifest
//!   that is not authentic.
//! * A key fetched from the same server as the release only proves that the
//!   files are intact and were signed by the key that server offers. So the
//!   command never trusts it silently: it needs the key (`--public-key`),
//!   the key's id from a source the user trusts (`--key-id`), or an explicit
//!   `--trust-on-first-use`, which the report names.
//! * Exit status 0 means verified, 1 means checked and not matching, and 2
//!   means it could not be checked (a download failed, no key to trust, a
//!   wrong command line), so that scripts can tell an attack from an outage.

use anyhow::{Context, Result, anyhow, bail};
use charta_release::dir::write_dir;
use charta_release::manifest::is_plain_name;
use charta_release::{
    MANIFEST, Manifest, ReleaseError, SIGNATURE, VerifyProblem, VerifyingKey, key_id,
    parse_public_key, verify_bundle, verify_dir,
};
use clap::Args;
use reqwest::{Client, StatusCode, Url};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where every instance publishes its public release key (see
/// `crates/charta-release/RELEASE_JSON.md`).
pub const KEY_PATH: &str = "/.well-known/charta/release-key";

/// The largest file accepted from a server. A release of a thousand
/// controls is a few MiB; the cap keeps a hostile or broken server from
/// filling memory.
const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// The most artefacts a manifest may list for an online check. Today's
/// format has five; the cap keeps a signed but absurd manifest from sending
/// the command off on thousands of downloads.
const MAX_ARTEFACTS: usize = 100;

/// Shown after the options in `charta verify --help`.
const EXAMPLES: &str = "\
Examples:
  # Check a release on its instance against the key id the working group
  # announced (or a colleague gave you); the key itself is fetched:
  charta verify https://charta.example.org/releases/steward-baseline/1.0.0/ \\
      --key-id sha256:9ad99413…

  # No key or key id at hand: trust the key the server offers, and say so:
  charta verify https://charta.example.org/releases/steward-baseline/1.0.0/ \\
      --trust-on-first-use

  # Check against a key you already trust, and keep a copy of the release:
  charta verify https://charta.example.org/releases/steward-baseline/1.0.0/ \\
      --public-key release-key.json --out steward-baseline-1.0.0

  # Check that copy again later, without a network:
  charta verify steward-baseline-1.0.0 --public-key release-key.json

  # Check a published self-assessment's signed attestation and files:
  charta verify https://charta.example.org/assessments/7 --key-id sha256:9ad99413…
  charta verify attestation.json --public-key release-key.json

The key file is the JSON document served at /.well-known/charta/release-key,
or the same key as a PEM public key (-----BEGIN PUBLIC KEY-----).

Exit status: 0 when every file matches the signed manifest; 1 when the release
was checked and does not verify (a file differs, is missing or extra, the
signature or the key does not match); 2 when it could not be checked (a
download failed, no key to trust was given, the key cannot be read, the
command line is wrong). Redirects are followed only on the release's own
server.";

/// Arguments of `charta verify`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct VerifyArgs {
    /// The release to check: the URL of its page, such as
    /// https://charta.example.org/releases/steward-baseline/1.0.0/ (or of its
    /// manifest.json), or a directory holding a downloaded copy. Or a
    /// published self-assessment: its page, such as
    /// https://charta.example.org/assessments/7, or a downloaded
    /// attestation.json (with assessment.json and
    /// assessment-results.oscal.json beside it, when kept).
    #[arg(value_name = "URL|DIR")]
    pub release: String,
    /// The instance's public release key: the JSON document served at
    /// /.well-known/charta/release-key, or a PEM public key. Required for a
    /// directory. For a URL it defaults to the key fetched from the same
    /// server, which proves the files are intact but not who published them.
    #[arg(long, value_name = "FILE", conflicts_with = "trust_on_first_use")]
    pub public_key: Option<PathBuf>,
    /// For a URL: the id of the key you trust (`sha256:…`, shown on the
    /// instance's releases and announced by its working group). The key is
    /// fetched from the server and used only if its id matches.
    #[arg(long, value_name = "sha256:HEX", conflicts_with = "trust_on_first_use")]
    pub key_id: Option<String>,
    /// For a URL: trust whatever key the release's own server offers. This
    /// proves the files are intact, not who published them; the report says
    /// that the key was trusted on first use and prints its id.
    #[arg(long)]
    pub trust_on_first_use: bool,
    /// Save the downloaded files into this new or empty directory once they
    /// verify, to check or use them offline later. Only with a URL; nothing
    /// is ever overwritten.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Seconds each download may take, connecting included.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
}

/// Why `charta verify` did not succeed, which decides its exit status.
#[derive(Debug)]
pub enum Failure {
    /// The release was checked and does not verify (exit status 1).
    DoesNotVerify(anyhow::Error),
    /// The release could not be checked (exit status 2).
    CouldNotCheck(anyhow::Error),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::DoesNotVerify(_) => 1,
            Failure::CouldNotCheck(_) => 2,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::DoesNotVerify(e) | Failure::CouldNotCheck(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for Failure {}

/// A release that was checked and found not to match.
#[derive(Debug)]
pub(crate) struct NotVerified(pub(crate) String);

impl std::fmt::Display for NotVerified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotVerified {}

/// Runs `charta verify`. The report of each problem has been printed by the
/// time it returns a [`Failure`].
pub async fn run(args: VerifyArgs) -> Result<(), Failure> {
    check(args).await.map_err(|e| {
        if e.downcast_ref::<NotVerified>().is_some() {
            Failure::DoesNotVerify(e)
        } else {
            Failure::CouldNotCheck(e)
        }
    })
}

async fn check(args: VerifyArgs) -> Result<()> {
    // A self-assessment's attestation: its page or file on a server, or a
    // downloaded attestation.json.
    if let Some(target) = crate::attestation::Target::parse(&args.release) {
        return crate::attestation::verify(target, &args).await;
    }
    match Target::parse(&args.release)? {
        Target::Url(url) => verify_url(url, &args).await,
        Target::Dir(dir) => {
            if args.out.is_some() {
                bail!(
                    "--out saves a release downloaded from a URL; {} is already a directory",
                    dir.display()
                );
            }
            verify_local(&dir, &args)
        }
    }
}

/// What the user asked to check.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Url(Url),
    Dir(PathBuf),
}

impl Target {
    /// Tells a URL from a directory. Anything with `://` is meant as a URL,
    /// so a mistyped scheme is refused rather than looked for on disk.
    fn parse(arg: &str) -> Result<Target> {
        if arg.contains("://") {
            let url = Url::parse(arg).with_context(|| format!("{arg} is not a valid URL"))?;
            if !matches!(url.scheme(), "http" | "https") {
                bail!(
                    "cannot fetch {arg}: only http:// and https:// URLs are supported; for a downloaded copy, give its directory"
                );
            }
            return Ok(Target::Url(url));
        }
        let path = PathBuf::from(arg);
        if path.is_dir() {
            return Ok(Target::Dir(path));
        }
        if path.is_file() && path.file_name().is_some_and(|n| n == MANIFEST) {
            let dir = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            return Ok(Target::Dir(dir));
        }
        if path.exists() {
            bail!("{arg} is not a directory: give the directory that holds the release's files");
        }
        if arg.contains("/releases/") {
            bail!("{arg} does not exist; for a release on a server, write the URL with https://");
        }
        bail!("{arg} does not exist: give a release directory or an http(s):// URL")
    }
}

/// Where the public key came from, for the report.
enum KeySource {
    File(PathBuf),
    /// Fetched from the server, and its id is the one the user trusts.
    Expected(Url),
    /// Fetched from the server and trusted because the user said so.
    TrustedOnFirstUse(Url),
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::File(p) => write!(f, "from {}", p.display()),
            KeySource::Expected(u) => write!(f, "fetched from {u}, id as expected"),
            KeySource::TrustedOnFirstUse(u) => {
                write!(f, "fetched from {u}, trusted on first use")
            }
        }
    }
}

/// Reads `--public-key`.
pub(crate) fn read_key_file(path: &Path) -> Result<VerifyingKey> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the public key file {}", path.display()))?;
    parse_public_key(&bytes).with_context(|| {
        format!(
            "{} is not a Charta release public key: give the JSON document served at {KEY_PATH}, or a PEM public key",
            path.display()
        )
    })
}

/// Offline: a directory, checked with [`verify_dir`], which also reports
/// files the manifest does not list.
fn verify_local(dir: &Path, args: &VerifyArgs) -> Result<()> {
    if args.key_id.is_some() || args.trust_on_first_use {
        bail!(
            "a downloaded release is checked against a key file: pass --public-key FILE (--key-id and --trust-on-first-use only work with a URL, where the key can be fetched)"
        );
    }
    let Some(key_path) = &args.public_key else {
        bail!(
            "checking a downloaded release needs the instance's public key: pass --public-key FILE, the JSON document served at https://INSTANCE{KEY_PATH} (or a PEM public key), from a source you trust"
        );
    };
    let key = read_key_file(key_path)?;
    let source = KeySource::File(key_path.clone());
    match verify_dir(dir, &key) {
        Ok(manifest) => {
            print_verified(&manifest, &key, &source, &dir.display().to_string());
            Ok(())
        }
        Err(ReleaseError::Verify(e)) => Err(fail(
            &dir.display().to_string(),
            e.problems.iter().map(Problem::from).collect(),
            &key,
        )),
        Err(e) => {
            Err(e).with_context(|| format!("cannot read the release directory {}", dir.display()))
        }
    }
}

/// Online: downloads the manifest and its signature, checks them, then
/// downloads and checks every artefact the manifest lists.
async fn verify_url(given: Url, args: &VerifyArgs) -> Result<()> {
    let base = release_base(given)?;
    if let Some(out) = &args.out {
        check_out_dir(out)?;
    }
    let http = Fetcher::new(Duration::from_secs(args.timeout))?;
    let (key, source) = match &args.public_key {
        Some(path) => {
            let key = read_key_file(path)?;
            if let Some(id) = &args.key_id
                && key_id(&key) != id.trim()
            {
                bail!(
                    "the key in {} has id {}, not {id}: check which key you meant to trust",
                    path.display(),
                    key_id(&key)
                );
            }
            (key, KeySource::File(path.clone()))
        }
        None => {
            let url = base
                .join(KEY_PATH)
                .context("cannot make the address of the public key")?;
            let key = fetch_key(&http, &url).await?;
            let offered = key_id(&key);
            match &args.key_id {
                Some(id) if offered == id.trim() => (key, KeySource::Expected(url)),
                Some(id) => {
                    eprintln!("The release at {base} does NOT verify:");
                    eprintln!(
                        "  - the server offers the key {offered}, not the key {id} you trust"
                    );
                    return Err(anyhow!(NotVerified(format!(
                        "the server's release key {offered} is not the trusted key {id}"
                    ))));
                }
                None if args.trust_on_first_use => {
                    warn_fetched_key(&key, &url);
                    (key, KeySource::TrustedOnFirstUse(url))
                }
                None => bail!(
                    "no key to check the release against. The server offers the key {offered}: if that is the id the working group published, pass --key-id {offered}; or pass --public-key FILE with a copy of the key you trust; or, knowing that it proves only that the files are intact, --trust-on-first-use"
                ),
            }
        }
    };

    let mut files = BTreeMap::new();
    for name in [MANIFEST, SIGNATURE] {
        let url = file_url(&base, name)?;
        let bytes = http.get(&url).await.map_err(|e| match e.status {
            Some(StatusCode::NOT_FOUND) if name == MANIFEST => anyhow!(e).context(format!(
                "no release at {base} (a release page's address looks like https://INSTANCE/releases/SPEC/VERSION/)"
            )),
            _ => anyhow!(e),
        })?;
        files.insert(name.to_string(), bytes);
    }
    let shown = base.to_string();

    // The signature first: with only the manifest and its signature, every
    // problem except "artefact missing" means the manifest cannot be trusted
    // to say what to download.
    if let Err(e) = verify_bundle(&files, &key) {
        let fatal: Vec<Problem> = e
            .problems
            .iter()
            .filter(|p| !matches!(p, VerifyProblem::Missing { .. }))
            .map(Problem::from)
            .collect();
        if !fatal.is_empty() {
            let err = fail(&shown, fatal, &key);
            eprintln!("No artefact was downloaded, since the manifest cannot be trusted.");
            return Err(err);
        }
    }
    let manifest = Manifest::parse(files.get(MANIFEST).map_or(&[][..], Vec::as_slice))
        .map_err(|e| anyhow!("{MANIFEST} at {base} cannot be read: {e}"))?;
    if manifest.artefacts.len() > MAX_ARTEFACTS {
        bail!(
            "{MANIFEST} at {base} lists {} artefacts; a release has far fewer, so it was not downloaded",
            manifest.artefacts.len()
        );
    }

    let mut problems = Vec::new();
    for entry in &manifest.artefacts {
        let url = file_url(&base, &entry.name)?;
        match http.get(&url).await {
            Ok(bytes) => {
                files.insert(entry.name.clone(), bytes);
            }
            Err(e) => problems.push(Problem {
                files: vec![entry.name.clone()],
                text: e.to_string(),
                wrong_key: false,
            }),
        }
    }
    let fetch_failed: BTreeSet<String> = problems.iter().flat_map(|p| p.files.clone()).collect();
    if let Some(p) = served_as_another_release(&base, &manifest) {
        problems.push(p);
    }
    match verify_bundle(&files, &key) {
        Ok(manifest) if problems.is_empty() => {
            print_verified(&manifest, &key, &source, &shown);
            if let Some(out) = &args.out {
                write_dir(out, &files)
                    .with_context(|| format!("cannot save the release in {}", out.display()))?;
                println!("Saved the release in {}.", out.display());
            }
            Ok(())
        }
        Ok(_) => Err(fail(&shown, problems, &key)),
        Err(e) => {
            // A file that could not be downloaded is already reported with
            // its URL; "listed but missing" would only repeat it.
            problems.extend(
                e.problems
                    .iter()
                    .filter(|p| {
                        !matches!(p, VerifyProblem::Missing { name } if fetch_failed.contains(name))
                    })
                    .map(Problem::from),
            );
            Err(fail(&shown, problems, &key))
        }
    }
}

/// The release's directory URL, from the URL of its page (with or without
/// the trailing slash) or of its `manifest.json`.
fn release_base(mut url: Url) -> Result<Url> {
    if url.cannot_be_a_base() || url.host_str().is_none_or(str::is_empty) {
        bail!("{url} names no server");
    }
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().to_string();
    let dir = match path.strip_suffix(MANIFEST) {
        Some(dir) if dir.ends_with('/') => dir.to_string(),
        _ if path.ends_with('/') => path,
        _ => format!("{path}/"),
    };
    url.set_path(&dir);
    Ok(url)
}

/// The URL of one file of the release. Only plain names are accepted (no
/// `/`, no leading `.`, so no `..`), and the name goes in as one
/// percent-encoded path segment, so that no name, not even one with `:`,
/// `?` or `#`, can point anywhere but into the release's directory.
fn file_url(base: &Url, name: &str) -> Result<Url> {
    if !is_plain_name(name) {
        bail!("{MANIFEST} at {base} lists {name:?}, which cannot be a file of a release");
    }
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|()| anyhow!("{base} cannot hold files"))?
        .pop_if_empty()
        .push(name);
    Ok(url)
}

/// Whether a validly signed manifest is served at the address of another
/// release: an old release offered as a new one would otherwise verify.
/// Only addresses of the standard form `…/releases/{spec}/{version}/` can be
/// compared; a mirror with another layout is taken as it is.
fn served_as_another_release(base: &Url, manifest: &Manifest) -> Option<Problem> {
    let segments: Vec<&str> = base.path_segments()?.collect();
    let [.., "releases", spec, version, ""] = segments.as_slice() else {
        return None;
    };
    (*spec != manifest.spec || *version != manifest.version).then(|| Problem {
        files: vec![MANIFEST.to_string()],
        text: format!(
            "{MANIFEST} describes release {} {}, but was served at the address of {spec} {version}: the server may be offering another release than the one asked for",
            manifest.spec, manifest.version
        ),
        wrong_key: false,
    })
}

/// Refuses, before anything is downloaded, an `--out` directory that
/// already holds something: a release directory must hold the release and
/// nothing else, or checking it offline would report the extra files.
fn check_out_dir(out: &Path) -> Result<()> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                bail!(
                    "--out {} is not empty; choose a new or empty directory (nothing is ever overwritten)",
                    out.display()
                );
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot use --out {}", out.display())),
    }
}

pub(crate) async fn fetch_key(http: &Fetcher, url: &Url) -> Result<VerifyingKey> {
    let bytes = http.get(url).await.context(
        "cannot fetch the instance's public release key (or pass --public-key FILE with a copy obtained another way)",
    )?;
    parse_public_key(&bytes)
        .with_context(|| format!("{url} does not hold a Charta release public key"))
}

pub(crate) fn warn_fetched_key(key: &VerifyingKey, url: &Url) {
    eprintln!("Public key fetched from {url}");
    eprintln!("  key id {}", key_id(key));
    eprintln!(
        "warning: trusting this key on first use: it comes from the same server as the release, so the check proves the files are intact and signed by the key that server offers, not that the server is genuine. Compare the key id above with one obtained another way, then pass --key-id or --public-key FILE."
    );
    if url.scheme() == "http" {
        eprintln!(
            "warning: the key was fetched over plain http, so anyone on the network path could have replaced it."
        );
    }
}

/// One reason the release does not verify, with the files it is about.
#[derive(Debug)]
struct Problem {
    files: Vec<String>,
    text: String,
    /// The signature names another key: worth a hint about which key to use.
    wrong_key: bool,
}

impl From<&VerifyProblem> for Problem {
    fn from(p: &VerifyProblem) -> Self {
        Problem {
            files: p.files().into_iter().map(str::to_string).collect(),
            text: p.to_string(),
            wrong_key: matches!(p, VerifyProblem::WrongKey { .. }),
        }
    }
}

/// Prints every problem and returns the error that makes the process exit
/// non-zero, naming the files concerned.
fn fail(location: &str, problems: Vec<Problem>, key: &VerifyingKey) -> anyhow::Error {
    eprintln!("The release at {location} does NOT verify:");
    for p in &problems {
        eprintln!("  - {}", p.text);
    }
    if problems.iter().any(|p| p.wrong_key) {
        eprintln!(
            "hint: {SIGNATURE} names another key than the one used for the check ({}). Check that the public key is this instance's; if the instance has a new key, obtain it from a source you trust.",
            key_id(key)
        );
    }
    let files: BTreeSet<&str> = problems
        .iter()
        .flat_map(|p| p.files.iter().map(String::as_str))
        .collect();
    anyhow!(NotVerified(format!(
        "the release does not verify: {} problem{} with {}",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" },
        files.into_iter().collect::<Vec<_>>().join(", ")
    )))
}

/// The success report: what was checked, with enough of each hash to
/// compare with another copy by eye.
fn print_verified(manifest: &Manifest, key: &VerifyingKey, source: &KeySource, location: &str) {
    let width = manifest
        .artefacts
        .iter()
        .map(|e| e.name.len())
        .chain([MANIFEST.len()])
        .max()
        .unwrap_or(0);
    println!(
        "Release {} {} verifies: specification version {}, published {}.",
        manifest.spec, manifest.version, manifest.spec_version, manifest.date
    );
    println!("  checked   {location}");
    println!("  release   {}", manifest.url);
    println!("  content   {}", manifest.content_hash);
    println!("  key       {} ({source})", key_id(key));
    println!("  {MANIFEST:<width$}  signature valid");
    for e in &manifest.artefacts {
        let prefix = e.sha256.get(..16).unwrap_or(&e.sha256);
        println!("  {:<width$}  sha256 {prefix}…  {} bytes", e.name, e.size);
    }
    println!(
        "All {} artefacts match the signed manifest.",
        manifest.artefacts.len()
    );
    if let Some(c) = &manifest.audit_checkpoint {
        println!(
            "The release pins the instance's audit log at entry {} ({}), signed {}.",
            c.seq, c.hash, c.at
        );
    }
    if let KeySource::TrustedOnFirstUse(_) = source {
        println!(
            "Note: the key was trusted on first use: it came from the same server as the release; compare its id with one obtained another way to know who signed it."
        );
    }
}

/// A failed download, naming the URL and, for an HTTP error, the status.
#[derive(Debug)]
pub(crate) struct FetchError {
    message: String,
    status: Option<StatusCode>,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FetchError {}

/// An HTTP client with a timeout and a size cap per file.
pub(crate) struct Fetcher {
    client: Client,
}

impl Fetcher {
    pub(crate) fn new(timeout: Duration) -> Result<Self> {
        // A redirect may move within the release's server (a trailing slash,
        // http to https on the same host) but never to another server, which
        // would let a compromised page send the check to files of its choice.
        let policy = reqwest::redirect::Policy::custom(|attempt| {
            let same_server = attempt.previous().first().is_some_and(|first| {
                first.host_str() == attempt.url().host_str()
                    && first.port_or_known_default() == attempt.url().port_or_known_default()
                    || (first.scheme() == "http"
                        && attempt.url().scheme() == "https"
                        && first.host_str() == attempt.url().host_str())
            });
            if attempt.previous().len() > 5 {
                attempt.error("more than five redirects")
            } else if same_server {
                attempt.follow()
            } else {
                let host = attempt.url().host_str().unwrap_or("?").to_string();
                attempt.error(format!(
                    "it redirects to another server ({host}), which is not followed"
                ))
            }
        });
        let client = Client::builder()
            .redirect(policy)
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("charta-verify/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot set up the HTTP client")?;
        Ok(Self { client })
    }

    pub(crate) async fn get(&self, url: &Url) -> Result<Vec<u8>, FetchError> {
        let failed = |e: reqwest::Error| FetchError {
            message: format!("cannot download {url}: {}", error_chain(&e.without_url())),
            status: None,
        };
        let mut response = self.client.get(url.clone()).send().await.map_err(failed)?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError {
                message: format!("cannot download {url}: the server answered {status}"),
                status: Some(status),
            });
        }
        let too_big = || FetchError {
            message: format!("cannot download {url}: it is larger than {MAX_FILE_BYTES} bytes"),
            status: None,
        };
        if response
            .content_length()
            .is_some_and(|n| n > MAX_FILE_BYTES as u64)
        {
            return Err(too_big());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > MAX_FILE_BYTES {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// The error and its causes on one line: reqwest's own message is only
/// "error sending request", the reason (refused, timed out, bad
/// certificate) is in its sources.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    fn base(s: &str) -> String {
        release_base(Url::parse(s).unwrap()).unwrap().to_string()
    }

    #[test]
    fn page_urls_with_or_without_slash_or_manifest_name_one_directory() {
        let want = "https://h.example/releases/s/1.0.0/";
        assert_eq!(base("https://h.example/releases/s/1.0.0/"), want);
        assert_eq!(base("https://h.example/releases/s/1.0.0"), want);
        assert_eq!(
            base("https://h.example/releases/s/1.0.0/manifest.json"),
            want
        );
        assert_eq!(base("https://h.example/releases/s/1.0.0/?x=1#top"), want);
    }

    #[test]
    fn file_names_stay_inside_the_release_directory() {
        let b = Url::parse("https://h.example/releases/s/1.0.0/").unwrap();
        assert_eq!(
            file_url(&b, "notes.md").unwrap().as_str(),
            "https://h.example/releases/s/1.0.0/notes.md"
        );
        for name in ["..", ".", "a/b", ""] {
            assert!(file_url(&b, name).is_err(), "{name}");
        }
        for name in ["a:b", "x?y", "z#w", "a..b"] {
            let u = file_url(&b, name).unwrap();
            assert!(
                u.path().starts_with("/releases/s/1.0.0/") && u.query().is_none(),
                "{name} -> {u}"
            );
            assert_eq!(u.host_str(), Some("h.example"));
        }
    }

    #[test]
    fn only_http_urls_are_fetched() {
        assert!(Target::parse("ftp://h.example/releases/s/1/").is_err());
        assert!(matches!(
            Target::parse("http://h.example/releases/s/1/"),
            Ok(Target::Url(_))
        ));
    }
}
