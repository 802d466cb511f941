#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]
//! `charta verify` as someone relying on a release runs it: the real binary
//! against a release of the seed specification, signed with a key made by
//! `charta_release::key::load_or_create`, first as a directory on disk and
//! then served over HTTP at the addresses an instance publishes. A release
//! that is intact verifies; every altered, missing or unexpected file, a
//! wrong key and a failed download is reported by name and makes the
//! command exit with status 1.

use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use charta_domain::CatalogSet;
use charta_domain::format::{content_hash, parse_spec, to_canonical};
use charta_release::dir::write_dir;
use charta_release::{
    ARTEFACTS, MANIFEST, Manifest, Predecessor, ReleaseInput, SIGNATURE, SigningKey, build, key_id,
    public_key_document, public_key_pem,
};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use tempfile::TempDir;

const V2: &str = include_str!("../../../specs/seed/steward-baseline/v2.yaml");
const V3: &str = include_str!("../../../specs/seed/steward-baseline/v3.yaml");
const SPEC: &str = "steward-baseline";
const VERSION: &str = "1.1.0";

/// Every file of a signed release, and the keys to check it with, in a
/// temporary directory that lives as long as the fixture.
struct Release {
    tmp: TempDir,
    files: BTreeMap<String, Vec<u8>>,
    signing: SigningKey,
    /// The public key document, as served at /.well-known/charta/release-key.
    key_doc: PathBuf,
    /// The same key as PEM.
    key_pem: PathBuf,
    /// The public key document of another instance's key.
    other_key_doc: PathBuf,
}

impl Release {
    /// Release 1.1.0 of the seed specification's version 3, with version 2
    /// released as 1.0.0 before it.
    fn new() -> Release {
        let tmp = tempfile::tempdir().unwrap();
        let spec = parse_spec(V3).unwrap();
        let input = ReleaseInput {
            spec_slug: SPEC.into(),
            spec_title: spec.title.clone(),
            group_slug: "oss-stewards".into(),
            group_name: "Open Source Stewards Security Working Group".into(),
            version_name: VERSION.into(),
            spec_version: 3,
            date: time::macros::date!(2026 - 11 - 22),
            content_hash: content_hash(&to_canonical(&spec)),
            spec,
            predecessor: Some(Predecessor {
                version_name: "1.0.0".into(),
                spec: parse_spec(V2).unwrap(),
            }),
            ballots: Vec::new(),
            amendments: Vec::new(),
            base_url: "https://charta.example.org".into(),
            audit_checkpoint: None,
        };
        let signing = charta_release::key::load_or_create(&tmp.path().join("release.key")).unwrap();
        let files = build(&input, &CatalogSet::builtin().unwrap())
            .unwrap()
            .into_signed_files(&signing);
        let other = charta_release::key::load_or_create(&tmp.path().join("other.key")).unwrap();
        let public = signing.verifying_key();
        let key_doc = tmp.path().join("release-key.json");
        std::fs::write(&key_doc, public_key_document(&public)).unwrap();
        let key_pem = tmp.path().join("release-key.pem");
        std::fs::write(&key_pem, public_key_pem(&public)).unwrap();
        let other_key_doc = tmp.path().join("other-key.json");
        std::fs::write(&other_key_doc, public_key_document(&other.verifying_key())).unwrap();
        Release {
            tmp,
            files,
            signing,
            key_doc,
            key_pem,
            other_key_doc,
        }
    }

    fn key_id(&self) -> String {
        key_id(&self.signing.verifying_key())
    }

    /// SHA-256 hex of the signed manifest, as a release row keeps it.
    fn manifest_sha256(&self) -> String {
        charta_release::manifest::sha256_hex(&self.files[MANIFEST])
    }

    fn manifest(&self) -> Manifest {
        Manifest::parse(&self.files[MANIFEST]).unwrap()
    }

    /// Writes `files` into a new directory inside the fixture's.
    fn write(&self, label: &str, files: &BTreeMap<String, Vec<u8>>) -> PathBuf {
        let dir = self.tmp.path().join(label);
        write_dir(&dir, files).unwrap();
        dir
    }

    /// The release's files with one byte in the middle of `name` flipped.
    fn flipped(&self, name: &str) -> BTreeMap<String, Vec<u8>> {
        let mut files = self.files.clone();
        let bytes = files.get_mut(name).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0x01;
        files
    }

    /// The release's files without `name`.
    fn without(&self, name: &str) -> BTreeMap<String, Vec<u8>> {
        let mut files = self.files.clone();
        files.remove(name).unwrap();
        files
    }
}

/// Runs the real binary. Proxy variables are cleared so that requests to
/// the test server on 127.0.0.1 go straight to it.
fn charta(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_charta"))
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .expect("run charta")
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_verifies(out: &Output) {
    assert!(
        out.status.success(),
        "expected success, got {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// The command ran, found the release wanting and said so about `name`.
/// Exit status 1, distinct from clap's 2 for a wrong command line.
fn assert_fails_naming(out: &Output, name: &str) {
    let err = stderr(out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected exit status 1 naming {name}\nstdout:\n{}\nstderr:\n{err}",
        stdout(out)
    );
    assert!(err.contains(name), "stderr does not name {name}:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// What a successful report must show: the release, each artefact with the
/// start of its SHA-256, and the key id.
fn assert_report(out: &Output, release: &Release) {
    let text = stdout(out);
    assert!(text.contains(SPEC) && text.contains(VERSION), "{text}");
    assert!(text.contains(&release.key_id()), "{text}");
    assert!(text.contains("signature valid"), "{text}");
    let manifest = release.manifest();
    assert_eq!(manifest.artefacts.len(), ARTEFACTS.len());
    for e in &manifest.artefacts {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&e.name))
            .unwrap_or_else(|| panic!("no line for {}:\n{text}", e.name));
        assert!(line.contains(&e.sha256[..16]), "{line}");
    }
}

/// The command could not check the release (a download failed, no key to
/// trust) and said so about `name`: exit status 2, distinct from 1, "does
/// not verify".
fn assert_could_not_check(out: &Output, name: &str) {
    let err = stderr(out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit status 2 naming {name}\nstdout:\n{}\nstderr:\n{err}",
        stdout(out)
    );
    assert!(err.contains(name), "stderr does not name {name}:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

// ---------------------------------------------------------------- offline

/// A published self-assessment of the release, signed with its key: the
/// attestation and the two files it names, written into a directory.
fn assessment_files(release: &Release) -> PathBuf {
    use charta_domain::assessment::{Answer, Status, evaluate};
    use charta_release::assessment::{AssessmentInput, Subject, publish};
    let spec = parse_spec(V3).unwrap();
    let answers: Vec<Answer> = spec
        .active_controls()
        .take(3)
        .map(|c| Answer {
            control: c.id.clone(),
            status: Some(Status::Met),
            justification: "Done.".into(),
            evidence: vec!["https://example.org/evidence".into()],
            review: None,
        })
        .collect();
    let input = AssessmentInput {
        instance: "https://charta.example.org".into(),
        id: 7,
        subject: Subject {
            kind: "project".into(),
            name: "Widget".into(),
            url: "https://example.org/widget".into(),
        },
        owner: "Ada".into(),
        organization: None,
        spec: SPEC.into(),
        spec_title: spec.title.clone(),
        release: VERSION.into(),
        release_manifest_sha256: release.manifest_sha256(),
        target_level: 1,
        published_at: "2026-12-07T10:00:00Z".into(),
        controls: spec
            .active_controls()
            .map(|c| {
                (
                    c.clone(),
                    answers.iter().find(|a| a.control == c.id).cloned(),
                )
            })
            .collect(),
        evaluation: evaluate(&spec, &answers),
    };
    let files = publish(&input, &release.signing).unwrap();
    release.write("assessment", &files)
}

#[test]
fn a_downloaded_assessment_attestation_verifies_and_names_the_release() {
    let release = Release::new();
    let dir = assessment_files(&release);
    let attestation = dir.join("attestation.json");
    let out = charta(&[
        "verify",
        path(&attestation),
        "--public-key",
        path(&release.key_doc),
    ]);
    assert_verifies(&out);
    let text = stdout(&out);
    assert!(text.contains(&release.manifest_sha256()), "{text}");
    assert!(
        text.contains("assessment.json, assessment-results.oscal.json"),
        "{text}"
    );
    assert!(text.contains("not a certification"), "{text}");
    // Another key, or a changed file beside it, does not verify.
    let out = charta(&[
        "verify",
        path(&attestation),
        "--public-key",
        path(&release.other_key_doc),
    ]);
    assert_fails_naming(&out, "key");
    let json = dir.join("assessment.json");
    let mut bytes = std::fs::read(&json).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(&json, bytes).unwrap();
    let out = charta(&[
        "verify",
        path(&attestation),
        "--public-key",
        path(&release.key_doc),
    ]);
    assert_fails_naming(&out, "assessment.json");
    // Without a key there is nothing to check against.
    let out = charta(&["verify", path(&attestation)]);
    assert_could_not_check(&out, "--public-key");
}

#[test]
fn a_downloaded_release_verifies_with_the_key_document_or_pem() {
    let release = Release::new();
    let dir = release.write("ok", &release.files);
    for key in [&release.key_doc, &release.key_pem] {
        let out = charta(&["verify", path(&dir), "--public-key", path(key)]);
        assert_verifies(&out);
        assert_report(&out, &release);
    }
    // The path of the manifest names the same directory.
    let out = charta(&[
        "verify",
        path(&dir.join(MANIFEST)),
        "--public-key",
        path(&release.key_doc),
    ]);
    assert_verifies(&out);
}

#[test]
fn flipping_a_byte_of_any_file_fails_naming_it() {
    let release = Release::new();
    assert_eq!(release.files.len(), ARTEFACTS.len() + 2);
    for name in release.files.keys() {
        let dir = release.write(&format!("flip-{name}"), &release.flipped(name));
        let out = charta(&["verify", path(&dir), "--public-key", path(&release.key_doc)]);
        assert_fails_naming(&out, name);
        assert!(stderr(&out).contains("does NOT verify"), "{}", stderr(&out));
    }
}

#[test]
fn a_missing_or_extra_file_is_named() {
    let release = Release::new();
    for name in release.files.keys() {
        let dir = release.write(&format!("without-{name}"), &release.without(name));
        let out = charta(&["verify", path(&dir), "--public-key", path(&release.key_doc)]);
        assert_fails_naming(&out, name);
        assert!(stderr(&out).contains("missing"), "{}", stderr(&out));
    }
    let mut extra = release.files.clone();
    extra.insert("readme.txt".into(), b"hello".to_vec());
    let dir = release.write("extra", &extra);
    let out = charta(&["verify", path(&dir), "--public-key", path(&release.key_doc)]);
    assert_fails_naming(&out, "readme.txt");
}

#[test]
fn another_public_key_fails_saying_so() {
    let release = Release::new();
    let dir = release.write("ok", &release.files);
    let out = charta(&[
        "verify",
        path(&dir),
        "--public-key",
        path(&release.other_key_doc),
    ]);
    assert_fails_naming(&out, SIGNATURE);
    let err = stderr(&out);
    assert!(err.contains("not with the release key"), "{err}");
    assert!(err.contains(&release.key_id()), "{err}");
    assert!(err.contains("another key"), "{err}");
}

#[test]
fn mistakes_on_the_command_line_are_explained() {
    let release = Release::new();
    let dir = release.write("ok", &release.files);

    // A directory needs a key file; a key id or trust on first use cannot
    // stand in for it offline.
    for extra in [
        &["--key-id", "sha256:00"][..],
        &["--trust-on-first-use"][..],
    ] {
        let mut args = vec!["verify", path(&dir)];
        args.extend_from_slice(extra);
        let out = charta(&args);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("--public-key FILE"),
            "{}",
            stderr(&out)
        );
    }
    // A directory needs a key.
    let out = charta(&["verify", path(&dir)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--public-key"), "{}", stderr(&out));

    // A file that is not a key names the file.
    let not_a_key = dir.join("notes.md");
    let out = charta(&["verify", path(&dir), "--public-key", path(&not_a_key)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not a Charta release public key"),
        "{}",
        stderr(&out)
    );
    let out = charta(&["verify", path(&dir), "--public-key", "/no/such/key.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/no/such/key.json"),
        "{}",
        stderr(&out)
    );

    // Only http(s) is fetched.
    let out = charta(&["verify", "ftp://127.0.0.1/releases/steward-baseline/1.1.0/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("http"), "{}", stderr(&out));

    // No such directory; --out is for URLs.
    let out = charta(&[
        "verify",
        "/no/such/release",
        "--public-key",
        path(&release.key_doc),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/no/such/release"),
        "{}",
        stderr(&out)
    );
    let out = charta(&[
        "verify",
        path(&dir),
        "--public-key",
        path(&release.key_doc),
        "--out",
        path(&release.tmp.path().join("copy")),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--out"), "{}", stderr(&out));

    // A wrong command line is clap's usage error, status 2.
    assert_eq!(charta(&["verify"]).status.code(), Some(2));
    assert_eq!(
        charta(&["verify", path(&dir), "--timeout", "0"])
            .status
            .code(),
        Some(2)
    );

    // The help shows examples a newcomer can copy.
    let help = stdout(&charta(&["verify", "--help"]));
    assert!(
        help.contains("Examples:") && help.contains("--public-key"),
        "{help}"
    );
}

// ----------------------------------------------------------------- online

/// What the test server serves, and which paths were asked for.
struct Served {
    spec: String,
    version: String,
    files: BTreeMap<String, Vec<u8>>,
    key_doc: Vec<u8>,
    requests: Mutex<Vec<String>>,
}

/// A release served over HTTP on 127.0.0.1 at the addresses of the
/// contract: `/releases/{spec}/{version}/{file}` and the instance key at
/// `/.well-known/charta/release-key`. The server runs on its own runtime so
/// that each test can run the binary synchronously; dropping it stops it.
struct Server {
    _runtime: tokio::runtime::Runtime,
    addr: SocketAddr,
    served: Arc<Served>,
}

impl Server {
    fn start(release: &Release, files: BTreeMap<String, Vec<u8>>) -> Server {
        Server::at(release, files, VERSION)
    }

    /// Serves `files` as if they were release `version`.
    fn at(release: &Release, files: BTreeMap<String, Vec<u8>>, version: &str) -> Server {
        let served = Arc::new(Served {
            spec: SPEC.into(),
            version: version.into(),
            files,
            key_doc: public_key_document(&release.signing.verifying_key()),
            requests: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .route("/releases/{spec}/{version}/{file}", get(release_file))
            .route("/.well-known/charta/release-key", get(release_key))
            .route("/same/releases/{spec}/{version}/{file}", get(moved_here))
            .route(
                "/elsewhere/releases/{spec}/{version}/{file}",
                get(moved_away),
            )
            .with_state(Arc::clone(&served));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move { axum::serve(listener, app).await });
        Server {
            _runtime: runtime,
            addr,
            served,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The release page's address.
    fn page(&self) -> String {
        self.url(&format!("/releases/{SPEC}/{}/", self.served.version))
    }

    fn requests(&self) -> Vec<String> {
        self.served.requests.lock().unwrap().clone()
    }

    /// Whether any artefact (not the manifest or its signature) was asked for.
    fn artefact_requested(&self) -> bool {
        self.requests()
            .iter()
            .any(|r| ARTEFACTS.iter().any(|a| r.ends_with(a)))
    }
}

async fn release_file(
    State(served): State<Arc<Served>>,
    UrlPath((spec, version, file)): UrlPath<(String, String, String)>,
) -> Response {
    served
        .requests
        .lock()
        .unwrap()
        .push(format!("/releases/{spec}/{version}/{file}"));
    match served.files.get(&file) {
        Some(bytes) if spec == served.spec && version == served.version => {
            bytes.clone().into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A redirect within the server: `/same/releases/…` to `/releases/…`.
async fn moved_here(UrlPath((spec, version, file)): UrlPath<(String, String, String)>) -> Response {
    axum::response::Redirect::temporary(&format!("/releases/{spec}/{version}/{file}"))
        .into_response()
}

/// A redirect to the same files under another host name, which is another
/// server as far as the check is concerned.
async fn moved_away(
    headers: axum::http::HeaderMap,
    UrlPath((spec, version, file)): UrlPath<(String, String, String)>,
) -> Response {
    let port = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.rsplit(':').next())
        .unwrap_or("80")
        .to_string();
    axum::response::Redirect::temporary(&format!(
        "http://localhost:{port}/releases/{spec}/{version}/{file}"
    ))
    .into_response()
}

async fn release_key(State(served): State<Arc<Served>>) -> Response {
    served
        .requests
        .lock()
        .unwrap()
        .push("/.well-known/charta/release-key".into());
    served.key_doc.clone().into_response()
}

#[test]
fn a_served_release_verifies_with_a_key_trusted_on_first_use_and_says_so() {
    let release = Release::new();
    let server = Server::start(&release, release.files.clone());
    let page = server.page();
    let forms = [
        page.clone(),
        page.trim_end_matches('/').to_string(),
        format!("{page}{MANIFEST}"),
    ];
    for url in &forms {
        let out = charta(&["verify", url, "--trust-on-first-use"]);
        assert!(
            stdout(&out).contains("trusted on first use"),
            "{}",
            stdout(&out)
        );
        assert_verifies(&out);
        assert_report(&out, &release);
        let err = stderr(&out);
        assert!(
            err.contains(&release.key_id()),
            "the key id is not shown:\n{err}"
        );
        assert!(
            err.contains("warning") && err.contains("same server"),
            "{err}"
        );
    }
    assert!(
        server
            .requests()
            .contains(&"/.well-known/charta/release-key".to_string())
    );
}

#[test]
fn the_key_fetched_from_the_server_is_never_trusted_silently() {
    let release = Release::new();
    let server = Server::start(&release, release.files.clone());
    // No key, no key id, no trust on first use: not checked, and the
    // message offers the server's key id to compare.
    let out = charta(&["verify", &server.page()]);
    assert_could_not_check(&out, &release.key_id());
    assert!(
        stderr(&out).contains("--trust-on-first-use"),
        "{}",
        stderr(&out)
    );
    assert!(!server.artefact_requested(), "{:?}", server.requests());

    // The right key id: verified, without a warning.
    let out = charta(&["verify", &server.page(), "--key-id", &release.key_id()]);
    assert_verifies(&out);
    assert_report(&out, &release);
    assert!(stdout(&out).contains("id as expected"), "{}", stdout(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));

    // Another key id: the server's key is not the trusted one, so the
    // release does not verify, and no artefact is fetched.
    let other = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    let before = server.requests().len();
    let out = charta(&["verify", &server.page(), "--key-id", other]);
    assert_fails_naming(&out, other);
    assert!(
        server.requests()[before..]
            .iter()
            .all(|r| r.starts_with("/.well-known")),
        "{:?}",
        server.requests()
    );
    // A key file whose id is not the one given is a mistake on the command line.
    let out = charta(&[
        "verify",
        &server.page(),
        "--public-key",
        path(&release.key_doc),
        "--key-id",
        other,
    ]);
    assert_could_not_check(&out, other);
}

#[test]
fn redirects_are_followed_on_the_release_server_only() {
    let release = Release::new();
    let server = Server::start(&release, release.files.clone());
    let same = server.url(&format!("/same/releases/{SPEC}/{VERSION}/"));
    let out = charta(&["verify", &same, "--public-key", path(&release.key_doc)]);
    assert_verifies(&out);
    let elsewhere = server.url(&format!("/elsewhere/releases/{SPEC}/{VERSION}/"));
    let out = charta(&["verify", &elsewhere, "--public-key", path(&release.key_doc)]);
    assert_could_not_check(&out, "another server (localhost)");
}

#[test]
fn a_served_release_verifies_with_a_key_file_without_fetching_the_key() {
    let release = Release::new();
    let server = Server::start(&release, release.files.clone());
    for key in [&release.key_doc, &release.key_pem] {
        let out = charta(&["verify", &server.page(), "--public-key", path(key)]);
        assert_verifies(&out);
        assert_report(&out, &release);
        assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    }
    assert!(
        !server
            .requests()
            .iter()
            .any(|r| r.starts_with("/.well-known")),
        "{:?}",
        server.requests()
    );
}

#[test]
fn a_served_release_checked_with_another_key_fails_before_downloading_artefacts() {
    let release = Release::new();
    let server = Server::start(&release, release.files.clone());
    let out = charta(&[
        "verify",
        &server.page(),
        "--public-key",
        path(&release.other_key_doc),
    ]);
    assert_fails_naming(&out, SIGNATURE);
    assert!(
        stderr(&out).contains("not with the release key"),
        "{}",
        stderr(&out)
    );
    assert!(!server.artefact_requested(), "{:?}", server.requests());
}

#[test]
fn a_tampered_served_file_fails_naming_it() {
    let release = Release::new();
    for name in release.files.keys() {
        let server = Server::start(&release, release.flipped(name));
        let out = charta(&["verify", &server.page(), "--trust-on-first-use"]);
        assert_fails_naming(&out, name);
        if name == MANIFEST || name == SIGNATURE {
            // A manifest that is not authentic is not followed.
            assert!(!server.artefact_requested(), "{:?}", server.requests());
        }
    }
}

#[test]
fn an_artefact_the_server_does_not_have_is_named_with_its_url() {
    let release = Release::new();
    let server = Server::start(&release, release.without("notes.md"));
    let out = charta(&[
        "verify",
        &server.page(),
        "--public-key",
        path(&release.key_doc),
    ]);
    assert_fails_naming(&out, &format!("{}notes.md", server.page()));
    let err = stderr(&out);
    assert!(err.contains("404"), "{err}");
    // The other artefacts were still checked, and only the failure repeated.
    assert!(
        !err.contains("listed in manifest.json but missing"),
        "{err}"
    );
}

#[test]
fn no_release_at_the_address_names_the_url() {
    let release = Release::new();
    let server = Server::start(&release, release.files.clone());
    let wrong = server.url("/releases/steward-baseline/9.9.9/");
    let out = charta(&["verify", &wrong, "--public-key", path(&release.key_doc)]);
    assert_could_not_check(&out, &format!("{wrong}{MANIFEST}"));
    assert!(stderr(&out).contains("404"), "{}", stderr(&out));
    let server = Server::start(&release, release.without(SIGNATURE));
    let out = charta(&[
        "verify",
        &server.page(),
        "--public-key",
        path(&release.key_doc),
    ]);
    assert_could_not_check(&out, &format!("{}{SIGNATURE}", server.page()));
}

#[test]
fn a_release_served_at_another_releases_address_fails() {
    // A validly signed 1.1.0 offered as 1.2.0 (an old release passed off as
    // a new one) does not verify.
    let release = Release::new();
    let server = Server::at(&release, release.files.clone(), "1.2.0");
    let out = charta(&[
        "verify",
        &server.page(),
        "--public-key",
        path(&release.key_doc),
    ]);
    assert_fails_naming(&out, MANIFEST);
    assert!(stderr(&out).contains("another release"), "{}", stderr(&out));
}

#[test]
fn out_saves_a_verified_copy_that_verifies_offline_and_is_never_overwritten() {
    let release = Release::new();
    let server = Server::start(&release, release.files.clone());
    let copy = release.tmp.path().join("copy");
    let out = charta(&[
        "verify",
        &server.page(),
        "--public-key",
        path(&release.key_doc),
        "--out",
        path(&copy),
    ]);
    assert_verifies(&out);
    for (name, bytes) in &release.files {
        assert_eq!(&std::fs::read(copy.join(name)).unwrap(), bytes, "{name}");
    }
    let out = charta(&[
        "verify",
        path(&copy),
        "--public-key",
        path(&release.key_doc),
    ]);
    assert_verifies(&out);
    assert_report(&out, &release);

    // A second download into the same directory is refused.
    let out = charta(&["verify", &server.page(), "--out", path(&copy)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));

    // A release that does not verify is not saved.
    let bad = Server::start(&release, release.flipped("crosswalk.csv"));
    let not_saved = release.tmp.path().join("not-saved");
    let out = charta(&[
        "verify",
        &bad.page(),
        "--trust-on-first-use",
        "--out",
        path(&not_saved),
    ]);
    assert_fails_naming(&out, "crosswalk.csv");
    assert!(!not_saved.exists());
}

#[test]
fn a_server_that_never_answers_times_out_naming_the_url() {
    let release = Release::new();
    // Connections complete in the kernel's backlog, but nothing answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let page = format!(
        "http://{}/releases/{SPEC}/{VERSION}/",
        silent.local_addr().unwrap()
    );
    let started = std::time::Instant::now();
    let out = charta(&[
        "verify",
        &page,
        "--public-key",
        path(&release.key_doc),
        "--timeout",
        "1",
    ]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_could_not_check(&out, &format!("{page}{MANIFEST}"));
}
