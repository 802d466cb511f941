//! The `charta` command as an operator uses it: import, export, migrate and
//! their failure paths, on both databases.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

mod process;

use charta_store::both_backends;
use charta_store::testing::TestDb;
use process::{repo, text};
use std::path::PathBuf;
use std::process::{Command, Output};

fn charta(db: &TestDb, args: &[&str]) -> Output {
    charta_at(&db.url, args)
}

fn charta_at(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_charta"))
        .args(args)
        .env("CHARTA_DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run charta")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("charta-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

both_backends! {
    import_then_export_is_byte_identical => |db: TestDb| async move {
        let specs = repo().join("specs");
        let out = charta(&db, &["import", specs.join("groups").to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let seed = specs.join("seed/steward-baseline");
        let out = charta(&db, &["import", seed.to_str().unwrap(), "--message", "seed"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(stdout.contains("version 1 created") && stdout.contains("version 3 created"), "{stdout}");

        for n in 1..=3 {
            let out = charta(&db, &["export", "steward-baseline", "--version", &n.to_string()]);
            assert!(out.status.success(), "{}", text(&out.stderr));
            let original = std::fs::read(seed.join(format!("v{n}.yaml"))).unwrap();
            assert!(out.stdout == original, "version {n} does not round-trip byte for byte");
        }
        // Exporting to a file and importing it again changes nothing.
        let dir = temp_dir(&format!("rt-{:?}", db.backend()));
        let file = dir.join("head.yaml");
        let out = charta(&db, &["export", "steward-baseline", "-o", file.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = charta(&db, &["import", file.to_str().unwrap()]);
        assert!(text(&out.stdout).contains("unchanged (version 3)"), "{}", text(&out.stdout));
        let _ = std::fs::remove_dir_all(dir);
    };

    gemara_in_and_out => |db: TestDb| async move {
        // A Gemara family file becomes a reference catalog file, with no
        // database write; a stored version goes out as a Gemara catalog
        // that the importer reads back.
        let dir = temp_dir(&format!("gemara-{:?}", db.backend()));
        let family = repo().join("crates/charta-domain/tests/gemara/OSPS-BR.yaml");
        let catalog = dir.join("osps-test.yaml");
        let out = charta(&db, &["import", "--format", "gemara", "--catalog", "osps-test", "--title", "Test", "--edition", "v1", "--revised", "2026-12-06", family.to_str().unwrap(), "-o", catalog.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let cat = charta_domain::Catalog::parse(&std::fs::read_to_string(&catalog).unwrap()).unwrap();
        assert_eq!(cat.catalog, "osps-test");
        assert!(cat.items().any(|i| i.id == "OSPS-BR-01.02" && !i.in_force()));
        let out = charta(&db, &["import", "--format", "gemara", family.to_str().unwrap()]);
        assert!(!out.status.success() && text(&out.stderr).contains("--catalog"), "{}", text(&out.stderr));

        let specs = repo().join("specs");
        assert!(charta(&db, &["import", specs.join("groups").to_str().unwrap()]).status.success());
        assert!(charta(&db, &["import", specs.join("seed/steward-baseline").to_str().unwrap()]).status.success());
        let exported = dir.join("spec.gemara.yaml");
        let out = charta(&db, &["export", "--format", "gemara", "steward-baseline", "-o", exported.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let back = dir.join("back.yaml");
        let out = charta(&db, &["import", "--format", "gemara", "--catalog", "back", "--revised", "2026-12-06", exported.to_str().unwrap(), "-o", back.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let back = charta_domain::Catalog::parse(&std::fs::read_to_string(&back).unwrap()).unwrap();
        assert!(back.items().any(|i| i.id == "SVH-VM-01"));
        let _ = std::fs::remove_dir_all(dir);
    };

    bad_files_name_file_and_line_and_write_nothing => |db: TestDb| async move {
        let specs = repo().join("specs");
        assert!(charta(&db, &["import", specs.join("groups").to_str().unwrap()]).status.success());
        let dir = temp_dir(&format!("bad-{:?}", db.backend()));
        let v1 = std::fs::read_to_string(specs.join("seed/steward-baseline/v1.yaml")).unwrap();
        std::fs::write(dir.join("a-good.yaml"), &v1).unwrap();
        // The first control's id reused by the second control.
        let ids: Vec<&str> = v1.lines().filter_map(|l| l.strip_prefix("  - id: ")).collect();
        let controls: Vec<&str> = ids.iter().copied().filter(|i| i.contains('-')).collect();
        let bad = v1.replacen(&format!("  - id: {}\n", controls[1]), &format!("  - id: {}\n", controls[0]), 1);
        let bad_line = bad.lines().position(|l| l == format!("  - id: {}", controls[0])).unwrap();
        let second = bad.lines().skip(bad_line + 1).position(|l| l == format!("  - id: {}", controls[0])).unwrap() + bad_line + 2;
        std::fs::write(dir.join("b-bad.yaml"), bad).unwrap();

        let out = charta(&db, &["import", dir.to_str().unwrap()]);
        assert!(!out.status.success());
        let err = text(&out.stderr);
        assert!(err.contains(&format!("b-bad.yaml:{second}: control {} appears more than once", controls[0])), "{err}");
        assert!(err.contains("nothing was imported"), "{err}");
        let out = charta(&db, &["export", "steward-baseline"]);
        assert!(!out.status.success(), "the good file must not have been imported either");
        assert!(text(&out.stderr).contains("specification steward-baseline not found"), "{}", text(&out.stderr));

        std::fs::write(dir.join("b-bad.yaml"), "spec: x\ntitle: [\n").unwrap();
        let err = text(&charta(&db, &["import", dir.join("b-bad.yaml").to_str().unwrap()]).stderr);
        assert!(err.contains("b-bad.yaml:"), "{err}");

        let big = "x".repeat(charta_domain::format::MAX_SPEC_BYTES + 10);
        std::fs::write(dir.join("b-bad.yaml"), format!("spec: x\n{big}")).unwrap();
        let err = text(&charta(&db, &["import", dir.join("b-bad.yaml").to_str().unwrap()]).stderr);
        assert!(err.contains("limit"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    };

    export_of_unknown_things_fails_clearly => |db: TestDb| async move {
        let out = charta(&db, &["export", "nope"]);
        assert!(!out.status.success());
        assert!(text(&out.stderr).contains("specification nope not found"));
        let out = charta(&db, &["migrate"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = charta(&db, &["import", "/definitely/not/here"]);
        assert!(text(&out.stderr).contains("does not exist"));
    };
}

#[test]
fn every_command_has_help() {
    for cmd in [
        "serve",
        "demo",
        "migrate",
        "import",
        "export",
        "audit",
        "audit verify",
        "audit list",
        "admin grant",
        "admin revoke",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_charta"))
            .args(cmd.split(' ').chain(["--help"]))
            .output()
            .unwrap();
        assert!(out.status.success(), "{cmd} --help");
        assert!(text(&out.stdout).contains("Usage: charta"), "{cmd}");
    }
}

#[test]
fn demo_refuses_public_addresses() {
    let out = Command::new(env!("CARGO_BIN_EXE_charta"))
        .args([
            "demo",
            "--listen",
            "0.0.0.0:0",
            "--database-url",
            "sqlite:///nonexistent/never.db",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("only listens on a loopback address"),
        "{}",
        text(&out.stderr)
    );
}

/// The audit log as an operator checks it: intact after an import, and
/// naming the altered entry once someone with direct database access has
/// changed one. SQLite suffices here; the store suite covers both backends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_and_list() {
    let db = TestDb::sqlite().await;
    let specs = repo().join("specs");
    assert!(
        charta(&db, &["import", specs.join("groups").to_str().unwrap()])
            .status
            .success()
    );
    let seed = specs.join("seed/steward-baseline");
    let out = charta(&db, &["import", seed.to_str().unwrap(), "--author", "ada"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = charta(&db, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "audit log intact: 4 entries\n");

    let out = charta(&db, &["audit", "list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(
        lines[0].contains("charta import  group.upsert  group:oss-stewards"),
        "{stdout}"
    );
    assert!(
        lines[3].contains("ada  spec.version.create  spec:steward-baseline"),
        "{stdout}"
    );
    let out = charta(
        &db,
        &[
            "audit",
            "list",
            "--object",
            "spec:steward-baseline",
            "--limit",
            "2",
        ],
    );
    let stdout = text(&out.stdout);
    let seqs: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(seqs, ["3", "4"], "{stdout}");

    db.execute_raw("DROP TRIGGER audit_log_no_update")
        .await
        .unwrap();
    db.execute_raw("UPDATE audit_log SET details = '{\"version\":9}' WHERE seq = 3")
        .await
        .unwrap();
    let out = charta(&db, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("entry 3: its hash does not match its contents"),
        "{err}"
    );
}

#[tokio::test]
async fn admin_grant_needs_an_existing_unambiguous_account() {
    let db = TestDb::sqlite().await;
    let out = charta(&db, &["admin", "grant", "ada@example.org"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("must sign in once first"),
        "{}",
        text(&out.stderr)
    );
    let ada = db
        .store
        .upsert_user("https://idp.one", "ada", "ada@example.org", "Ada")
        .await
        .unwrap();
    let out = charta(&db, &["admin", "grant", "ada@example.org"]);
    assert!(
        text(&out.stderr).contains("did not verify"),
        "an unverified address makes nobody an administrator: {}",
        text(&out.stderr)
    );
    assert!(!db.store.user(ada.id).await.unwrap().platform_admin);
    db.store.set_email_verified(ada.id, true).await.unwrap();
    let out = charta(&db, &["admin", "grant", "ada@example.org"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(db.store.user(ada.id).await.unwrap().platform_admin);
    db.store
        .upsert_user("https://idp.two", "ada", "ada@example.org", "Ada")
        .await
        .unwrap();
    let out = charta(&db, &["admin", "revoke", "ada@example.org"]);
    assert!(
        text(&out.stderr).contains("2 accounts"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        db.store.user(ada.id).await.unwrap().platform_admin,
        "nothing changed"
    );
}

/// A signed checkpoint pins the audit log: `charta audit verify
/// --checkpoint` accepts a log that still holds the pinned entry (and has
/// grown since), and names a log cut short or rewritten after it, or a
/// checkpoint signed by another key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_checks_a_signed_checkpoint() {
    use charta_release::checkpoint::sign_checkpoint;
    let db = TestDb::sqlite().await;
    let dir = temp_dir("checkpoint");
    let key = charta_release::SigningKey::from_bytes(&[9; 32]);
    let key_file = dir.join("release-key.json");
    std::fs::write(
        &key_file,
        charta_release::public_key_document(&key.verifying_key()),
    )
    .unwrap();
    charta_store::import_group_text(
        &db.store,
        "group: wg\nname: WG\nmembers:\n  - slug: aurora\n    name: A\n",
        "t",
    )
    .await
    .unwrap();
    let head = db.store.audit_head().await.unwrap();
    let write = |name: &str, seq: i64, hash: &str, key: &charta_release::SigningKey| {
        let path = dir.join(name);
        std::fs::write(
            &path,
            sign_checkpoint(key, "http://c.example", seq, hash, "2026-12-03T09:00:00Z").unwrap(),
        )
        .unwrap();
        path
    };
    let verify = |path: &std::path::Path| {
        charta(
            &db,
            &[
                "audit",
                "verify",
                "--checkpoint",
                path.to_str().unwrap(),
                "--public-key",
                key_file.to_str().unwrap(),
            ],
        )
    };
    let good = write("good.json", head.seq, &head.hash, &key);
    // The log grows after the checkpoint: still fine.
    charta_store::import_group_text(
        &db.store,
        "group: wg2\nname: WG2\nmembers:\n  - slug: borealis\n    name: B\n",
        "t",
    )
    .await
    .unwrap();
    let out = verify(&good);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(&format!("still holds entry {}", head.seq)),
        "{}",
        text(&out.stdout)
    );

    // What a checkpoint made before a truncation or a rewrite looks like
    // to the log as it is now.
    let longer = write("longer.json", head.seq + 50, &head.hash, &key);
    let err = text(&verify(&longer).stderr);
    assert!(
        err.contains("cut short") && err.contains(&format!("pins entry {}", head.seq + 50)),
        "{err}"
    );
    let other = write("other.json", head.seq, "sha256:00ff", &key);
    let err = text(&verify(&other).stderr);
    assert!(
        err.contains("rewritten") && err.contains("sha256:00ff"),
        "{err}"
    );
    let forged = write(
        "forged.json",
        head.seq,
        &head.hash,
        &charta_release::SigningKey::from_bytes(&[1; 32]),
    );
    let out = verify(&forged);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("cannot be trusted"),
        "{}",
        text(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// `charta demo` as a newcomer starts it: seeded, serving, with amendments
/// in every state, a closed ballot, EFSP-like ballot rules and one-click
/// sign-in.
#[test]
fn demo_starts_seeded_and_serves() {
    let dir = temp_dir("demo");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let db = format!("sqlite://{}/demo.db", dir.display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_charta"))
        .args([
            "demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &db,
        ])
        .env("RUST_LOG", "warn")
        // A real instance's key: the demo must neither use nor create it.
        .env("CHARTA_RELEASE_KEY", dir.join("release.key"))
        .current_dir(&dir)
        .spawn()
        .unwrap();
    let get = |path: &str| -> Option<(u16, String)> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        let status = out.split(' ').nth(1)?.parse().ok()?;
        Some((status, out))
    };
    let mut ready = false;
    for _ in 0..200 {
        if get("/readyz").is_some_and(|(s, _)| s == 200) {
            ready = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let checks = ready.then(|| {
        let spec = get("/specs/steward-baseline").unwrap();
        let versions = get("/api/v1/specs/steward-baseline").unwrap();
        let amendments = get("/api/v1/specs/steward-baseline/amendments").unwrap();
        let login = get("/auth/login").unwrap();
        let ballots = get("/api/v1/specs/steward-baseline/ballots").unwrap();
        let rules = get("/api/v1/groups/oss-stewards/rules").unwrap();
        // The open ballot exists but asks visitors to sign in.
        let open_ballot = get("/ballots/2").unwrap();
        let releases = get("/api/v1/specs/steward-baseline/releases").unwrap();
        let catalog = get("/releases/steward-baseline/1.1.0/catalog.oscal.json").unwrap();
        let key = get("/.well-known/charta/release-key").unwrap();
        // Publishing signed a checkpoint of the audit log; it verifies
        // against the database it was made from.
        let checkpoint = get("/.well-known/charta/audit-checkpoint").unwrap();
        let key_body = key
            .1
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_string();
        std::fs::write(dir.join("release-key.json"), key_body).unwrap();
        let audit = Command::new(env!("CARGO_BIN_EXE_charta"))
            .args([
                "audit",
                "verify",
                "--database-url",
                &db,
                "--checkpoint",
                &format!("http://127.0.0.1:{port}/.well-known/charta/audit-checkpoint"),
                "--public-key",
                dir.join("release-key.json").to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert_eq!(checkpoint.0, 200, "{}", checkpoint.1);
        assert!(
            checkpoint.1.contains("charta-audit-checkpoint/1"),
            "{}",
            checkpoint.1
        );
        assert!(
            audit.status.success() && text(&audit.stdout).contains("still holds entry"),
            "{}{}",
            text(&audit.stdout),
            text(&audit.stderr)
        );
        // A consumer checks a published release over HTTP.
        let verified = Command::new(env!("CARGO_BIN_EXE_charta"))
            .args([
                "verify",
                &format!("http://127.0.0.1:{port}/releases/steward-baseline/1.1.0/"),
                "--trust-on-first-use",
            ])
            .output()
            .unwrap();
        (
            verified,
            spec,
            versions,
            amendments,
            login,
            ballots,
            rules,
            open_ballot,
            releases,
            catalog,
            key,
        )
    });
    let _ = child.kill();
    let _ = child.wait();
    let real_key_touched = dir.join("release.key").exists();
    let key_mode = std::fs::metadata(dir.join("charta-demo-release.key")).map(|m| {
        use std::os::unix::fs::PermissionsExt;
        m.permissions().mode() & 0o777
    });
    let _ = std::fs::remove_dir_all(&dir);
    let (
        verified,
        spec,
        versions,
        amendments,
        login,
        ballots,
        rules,
        open_ballot,
        releases,
        catalog,
        key,
    ) = checks.expect("charta demo did not become ready");
    assert_eq!(spec.0, 200);
    assert!(
        spec.1.contains("SVH-VM-03"),
        "the seed specification is shown"
    );
    assert!(
        versions.1.contains("\"number\":4") && versions.1.contains("\"number\":1"),
        "four versions"
    );
    for state in [
        "\"state\":\"merged\"",
        "\"state\":\"open\"",
        "\"state\":\"rejected\"",
    ] {
        assert!(
            amendments.1.contains(state),
            "{state} missing: {}",
            amendments.1
        );
    }
    assert!(
        login.1.contains("Carmen") && login.1.contains("name=\"person\""),
        "demo people offered"
    );
    // Signed out, only the closed ballot is listed; it passed at its deadline.
    assert!(
        ballots.1.contains("\"outcome\":\"passed\"")
            && ballots.1.contains("\"closed_by\":\"deadline\""),
        "{}",
        ballots.1
    );
    assert!(!ballots.1.contains("\"state\":\"open\""), "{}", ballots.1);
    assert_eq!(open_ballot.0, 303, "{}", open_ballot.1);
    // Two published releases, served as immutable artefacts, signed with a
    // key created on first start and readable by its owner only.
    assert!(
        releases.1.contains("\"name\":\"1.0.0\"") && releases.1.contains("\"name\":\"1.1.0\""),
        "{}",
        releases.1
    );
    assert_eq!(catalog.0, 200);
    assert!(
        catalog.1.contains("immutable")
            && catalog.1.contains("\"oscal-version\"")
            && catalog.1.contains("1.2.3")
    );
    assert_eq!(key.0, 200);
    assert!(key.1.contains("ed25519"), "{}", key.1);
    assert_eq!(
        key_mode.ok(),
        Some(0o600),
        "the demo's own release key is private to its owner"
    );
    assert!(!real_key_touched, "the demo never uses CHARTA_RELEASE_KEY");
    assert!(
        verified.status.success(),
        "charta verify of the demo release: {}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(
        String::from_utf8_lossy(&verified.stdout).contains("catalog.oscal.json"),
        "the artefacts checked are listed"
    );
    assert!(open_ballot.1.contains("/auth/login"), "{}", open_ballot.1);
    assert!(
        rules.1.contains("\"amendment-ballot-required\":true") && rules.1.contains("two thirds"),
        "{}",
        rules.1
    );
}

/// A server whose release key file is missing refuses to start, saying how
/// to create the first one; `--create-release-key` creates it (mode 0600),
/// and later starts load the same key.
#[test]
fn serve_refuses_a_missing_release_key_unless_asked_to_create_one() {
    let dir = temp_dir("key");
    let db = format!("sqlite://{}/charta.db", dir.display());
    let key = dir.join("release.key");
    let out = Command::new(env!("CARGO_BIN_EXE_charta"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &db])
        .env("CHARTA_RELEASE_KEY", &key)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("does not exist") && err.contains("--create-release-key"),
        "{err}"
    );
    assert!(!key.exists(), "no key is created without the flag");

    // With the flag, the key is created and the server starts (and is
    // stopped again once it answers).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_charta"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &db,
            "--create-release-key",
        ])
        .env("CHARTA_RELEASE_KEY", &key)
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(up, "charta serve --create-release-key started");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let _ = std::fs::remove_dir_all(dir);
}

/// The deployment files agree with each other and with the binary (ports,
/// probes, users, the key as a secret, the proxy trusted on the compose
/// network): `deploy/check-manifests.py`, which `scripts/containers` also
/// runs before building anything.
#[test]
fn deployment_manifests_agree() {
    let out = Command::new("/usr/bin/python3")
        .arg(repo().join("deploy/check-manifests.py"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains(", 0 problems"),
        "{}",
        text(&out.stdout)
    );
}

/// The URL of `db` with its `host:port` replaced by `addr`.
fn via(db: &TestDb, addr: std::net::SocketAddr) -> String {
    let at = db.url.rfind('@').expect("the test URL names a user");
    let slash = at
        + db.url[at..]
            .find('/')
            .expect("the test URL names a database");
    format!("{}@{addr}{}", &db.url[..at], &db.url[slash..])
}

/// Containers start together, so `charta migrate` (and `serve`) may come up
/// before PostgreSQL listens, or before its name resolves: it keeps trying
/// for `CHARTA_DATABASE_WAIT` seconds. Here the server's port answers only
/// after a second and a half, through a forwarder to the test database.
#[tokio::test]
async fn migrate_waits_for_postgres_to_start() {
    let Some(pg) = TestDb::postgres().await else {
        return;
    };
    let real: std::net::SocketAddr = pg.url[pg.url.rfind('@').unwrap() + 1..]
        .split('/')
        .next()
        .unwrap()
        .parse()
        .expect("the test URL names 127.0.0.1:PORT");
    // A port nobody listens on yet.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_charta"))
        .args(["migrate"])
        .env("CHARTA_DATABASE_URL", via(&pg, addr))
        .env("CHARTA_DATABASE_WAIT", "30")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let forwarder = tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(real).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    let out = child.wait_with_output().await.unwrap();
    forwarder.abort();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Database is up to date."),
        "{}",
        text(&out.stdout)
    );

    // A host name that never resolves: it tries again, then gives up after
    // the wait, saying so, without the password.
    let out = charta_at(
        "postgres://charta:hunter2@charta-db.invalid:5432/charta",
        &["migrate", "--database-wait", "2"],
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("the database cannot be reached yet; trying again"),
        "{err}"
    );
    assert!(
        err.contains("postgres://charta:***@charta-db.invalid:5432/charta could not be reached; gave up after"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");

    // A database that does not exist is not waited for.
    let out = charta_at(&format!("{}_missing", pg.url), &["migrate"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("cannot open the database (postgres)"), "{err}");
    assert!(!err.contains("trying again"), "{err}");
}

/// The Kubernetes manifests are valid objects of the API versions they
/// name, strictly (an unknown or misspelt field is an error), for the
/// oldest and the newest Kubernetes they are meant for. A misspelt probe
/// is caught, so the check can fail.
#[test]
fn deployment_manifests_match_the_kubernetes_schemas() {
    let Ok(validate) = std::env::var("CHARTA_TEST_KUBERNETES_VALIDATE") else {
        eprintln!(
            "skipping: CHARTA_TEST_KUBERNETES_VALIDATE is not set (./scripts/test installs kubernetes-validate and sets it)"
        );
        return;
    };
    let k8s = repo().join("deploy/k8s");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&k8s)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "yaml")
                && p.file_name().is_some_and(|n| n != "kustomization.yaml")
        })
        .collect();
    files.sort();
    assert!(files.len() >= 6, "{files:?}");
    let run = |version: &str, files: &[PathBuf]| {
        Command::new(&validate)
            .args(["--strict", "--no-warn", "-k", version])
            .args(files)
            .output()
            .unwrap()
    };
    for version in ["1.31.0", "1.37.0"] {
        let out = run(version, &files);
        assert!(
            out.status.success(),
            "Kubernetes {version}:\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        let passed = text(&out.stdout).matches(" passed for resource ").count();
        assert_eq!(passed, files.len(), "{}", text(&out.stdout));
    }
    let dir = temp_dir("k8s-typo");
    let typo = dir.join("deployment.yaml");
    let original = std::fs::read_to_string(k8s.join("deployment.yaml")).unwrap();
    assert!(original.contains("readinessProbe:"));
    std::fs::write(&typo, original.replace("readinessProbe:", "readinesProbe:")).unwrap();
    let out = run("1.37.0", &[typo]);
    assert!(!out.status.success(), "a misspelt field passed");
    assert!(
        text(&out.stdout).contains("readinesProbe"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(dir);
}
