//! Operating an instance with the shipped binary: `charta backup` and
//! `charta restore` (a running demo restored into PostgreSQL, the
//! documented way to outgrow SQLite, and back into SQLite, after which the
//! audit chain verifies and the releases still verify against the original
//! key; the refusals that keep a restore all-or-nothing), and `charta
//! mirror` served by a plain static web server and checked with `charta
//! verify`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

mod process;

use charta_store::testing::TestDb;
use process::{Running, free_port, get, get_with, start, text};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

fn charta(url: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_charta"))
        .args(args)
        .env("CHARTA_DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .current_dir(dir)
        .output()
        .expect("run charta")
}

/// The artefacts of demo release 1.1.0 as a server answers them.
fn release_files(port: u16) -> Vec<(u16, Vec<u8>)> {
    [
        "manifest.json",
        "manifest.sig",
        "catalog.oscal.json",
        "audit-checkpoint.json",
    ]
    .iter()
    .map(|f| get(port, &format!("/releases/steward-baseline/1.1.0/{f}")).unwrap())
    .collect()
}

#[tokio::test]
async fn a_running_sqlite_instance_moves_to_postgresql_and_back_with_every_signature_intact() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo_url = format!("sqlite://{}/demo.db", d.display());
    let port = free_port();
    let demo = start(&["demo", "--database-url", &demo_url], None, d, port);
    let original = release_files(port);
    assert!(original.iter().all(|(s, _)| *s == 200));
    let (_, key) = get(port, "/.well-known/charta/release-key").unwrap();
    std::fs::write(d.join("release-key.json"), &key).unwrap();

    // Backed up while the demo serves.
    let out = charta(&demo_url, d, &["backup", "demo.charta-backup.gz"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Backed up"),
        "{}",
        text(&out.stdout)
    );
    // A backup never overwrites a file.
    let out = charta(&demo_url, d, &["backup", "demo.charta-backup.gz"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("exists already"),
        "{}",
        text(&out.stderr)
    );
    drop(demo);

    let Some(pg) = TestDb::postgres().await else {
        return;
    };
    let out = charta(&pg.url, d, &["restore", "demo.charta-backup.gz"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("hash chain intact"),
        "{}",
        text(&out.stdout)
    );
    let out = charta(&pg.url, d, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // A second restore into the same database is refused and changes
    // nothing.
    let head = pg.store.audit_head().await.unwrap();
    let out = charta(&pg.url, d, &["restore", "demo.charta-backup.gz"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("restore into an empty database"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(pg.store.audit_head().await.unwrap(), head);

    // The PostgreSQL instance serves the same release bytes, signed with
    // the same key, and `charta verify` accepts them with that key.
    std::fs::copy(d.join("charta-demo-release.key"), d.join("release.key")).unwrap();
    let port = free_port();
    let serving = start(
        &["serve", "--release-key", "release.key"],
        Some(&pg.url),
        d,
        port,
    );
    assert_eq!(release_files(port), original);
    let out = charta(
        &pg.url,
        d,
        &[
            "verify",
            &format!("http://127.0.0.1:{port}/releases/steward-baseline/1.1.0/"),
            "--public-key",
            "release-key.json",
        ],
    );
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let (status, body) = get(port, "/api/v1/specs/steward-baseline/amendments").unwrap();
    assert_eq!(status, 200, "{}", text(&body));
    drop(serving);
    // Ids go on after the restored ones: a new account and a new audit
    // entry do not collide with restored rows.
    let known = pg.store.users_by_email("ada@charta.example").await.unwrap();
    assert!(!known.is_empty(), "the demo's people came along");
    let newcomer = pg
        .store
        .upsert_user("https://idp.example", "newcomer", "n@example.org", "N")
        .await
        .unwrap();
    assert!(
        known.iter().all(|u| u.id < newcomer.id),
        "{known:?} vs {}",
        newcomer.id
    );
    pg.store
        .set_platform_admin(newcomer.id, true, "test")
        .await
        .unwrap();
    assert!(pg.store.verify_audit().await.unwrap().is_ok());

    // And back: a backup of PostgreSQL restores into a new SQLite file.
    let out = charta(&pg.url, d, &["backup", "pg.charta-backup.gz"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let back_url = format!("sqlite://{}/back.db", d.display());
    let out = charta(&back_url, d, &["restore", "pg.charta-backup.gz"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let port = free_port();
    let serving = start(
        &["serve", "--release-key", "release.key"],
        Some(&back_url),
        d,
        port,
    );
    assert_eq!(release_files(port), original);
    // Times written by PostgreSQL read back in SQLite: the open ballot
    // still shows its deadline.
    let (status, body) = get(port, "/api/v1/specs/steward-baseline/ballots").unwrap();
    assert_eq!(status, 200, "{}", text(&body));
    assert!(text(&body).contains("closes_at"), "{}", text(&body));
    drop(serving);
}

#[tokio::test]
async fn a_cut_off_or_foreign_backup_restores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let source = TestDb::sqlite().await;
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    for p in [specs.join("groups"), specs.join("seed/steward-baseline")] {
        let out = charta(&source.url, d, &["import", p.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let out = charta(&source.url, d, &["backup", "full.gz"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // Uncompressed, cut before its last line.
    let mut plain = String::new();
    std::io::Read::read_to_string(&mut flate2_reader(&d.join("full.gz")), &mut plain).unwrap();
    let lines: Vec<&str> = plain.lines().collect();
    assert!(lines.last().unwrap().starts_with("{\"end\""));
    std::fs::write(d.join("cut.jsonl"), lines[..lines.len() - 1].join("\n")).unwrap();
    // A row removed, trailer kept.
    let mut fewer = lines.clone();
    fewer.remove(lines.len() / 2);
    std::fs::write(d.join("fewer.jsonl"), fewer.join("\n")).unwrap();
    std::fs::write(d.join("junk.jsonl"), "hello\n").unwrap();

    for (file, says) in [
        ("cut.jsonl", "cut off"),
        ("fewer.jsonl", "other row counts"),
        ("junk.jsonl", "not a Charta backup"),
    ] {
        let target = TestDb::sqlite().await;
        let out = charta(&target.url, d, &["restore", file]);
        assert!(!out.status.success(), "{file} restored");
        assert!(
            text(&out.stderr).contains(says),
            "{file}: {}",
            text(&out.stderr)
        );
        assert_eq!(
            target.store.audit_head().await.unwrap().seq,
            0,
            "{file} wrote something"
        );
        assert!(
            target.store.spec("steward-baseline").await.is_err(),
            "{file} wrote something"
        );
    }
    // The whole file restores.
    let target = TestDb::sqlite().await;
    let out = charta(&target.url, d, &["restore", "full.gz"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        target
            .store
            .spec("steward-baseline")
            .await
            .unwrap()
            .head_version,
        source
            .store
            .spec("steward-baseline")
            .await
            .unwrap()
            .head_version
    );
}

fn flate2_reader(path: &Path) -> impl std::io::Read {
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
}

#[test]
fn a_static_mirror_served_by_a_plain_web_server_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo_url = format!("sqlite://{}/demo.db", d.display());
    let port = free_port();
    let demo = start(&["demo", "--database-url", &demo_url], None, d, port);
    let original = release_files(port);
    let (_, key) = get(port, "/.well-known/charta/release-key").unwrap();
    let (_, feed) = get(port, "/feeds/specs/steward-baseline.atom").unwrap();
    drop(demo);
    let key_doc: serde_json::Value = serde_json::from_slice(&key).unwrap();
    let key_id = key_doc["key-id"]
        .as_str()
        .expect("the key document names its id");

    // A missing key file is named, not replaced.
    let out = charta(
        &demo_url,
        d,
        &["mirror", "out", "--release-key", "missing.key"],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("missing.key"),
        "{}",
        text(&out.stderr)
    );

    let out = charta(
        &demo_url,
        d,
        &[
            "mirror",
            "out",
            "--release-key",
            "charta-demo-release.key",
            "--public-url",
            &format!("http://127.0.0.1:{port}"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Mirrored"),
        "{}",
        text(&out.stdout)
    );
    let mirrored_feed = std::fs::read(d.join("out/feeds/specs/steward-baseline.atom")).unwrap();
    assert_eq!(mirrored_feed, feed, "the feed as the instance serves it");

    // Python's static file server stands for any static host or CDN. It
    // picks its own port and says which, so no other test's server can be
    // mistaken for it.
    let mut server = Running(
        Command::new("python3")
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"])
            .current_dir(d.join("out"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 serves the mirror"),
    );
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.0.stdout.take().unwrap()),
        &mut first,
    )
    .unwrap();
    // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
    let static_port: u16 = first
        .split(" port ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {first:?}"));
    assert!(get(static_port, "/").is_some(), "the static server answers");
    assert_eq!(
        release_files(static_port),
        original,
        "the same bytes from the mirror"
    );
    let out = charta(
        &demo_url,
        d,
        &[
            "verify",
            &format!("http://127.0.0.1:{static_port}/releases/steward-baseline/1.1.0/"),
            "--key-id",
            key_id,
        ],
    );
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("pins the instance's audit log"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn metrics_are_on_their_own_listener_by_route_template() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let metrics_port = free_port();
    let url = format!("sqlite://{}/demo.db", d.display());
    let _demo = start(
        &[
            "demo",
            "--database-url",
            &url,
            "--metrics-listen",
            &format!("127.0.0.1:{metrics_port}"),
        ],
        None,
        d,
        port,
    );
    for path in [
        "/specs/steward-baseline",
        "/specs/steward-baseline",
        "/no/such/page",
    ] {
        assert!(get(port, path).is_some());
    }
    let artefacts = release_files(port);
    assert!(artefacts.iter().all(|(s, _)| *s == 200));
    // Revalidating a cached artefact (answered before any other layer) is
    // counted under its route too.
    let manifest = "/releases/steward-baseline/1.1.0/manifest.json";
    let (_, head, _) = get_with(port, manifest, "").unwrap();
    let etag = head
        .lines()
        .find_map(|l| l.strip_prefix("etag: "))
        .expect("an ETag")
        .to_string();
    let (status, head, body) =
        get_with(port, manifest, &format!("If-None-Match: {etag}\r\n")).unwrap();
    assert_eq!(status, 304, "{head}");
    assert!(body.is_empty());
    assert!(!head.contains("x-request-id"), "not the fast path: {head}");
    assert!(
        head.contains("content-security-policy: default-src 'none'"),
        "{head}"
    );
    // Not on the public port.
    assert_eq!(get(port, "/metrics").unwrap().0, 404);
    let (status, body) = get(metrics_port, "/metrics").unwrap();
    assert_eq!(status, 200);
    let text = text(&body);
    for line in [
        "charta_http_requests_total{method=\"GET\",route=\"/specs/{spec}\",status=\"200\"} 2",
        "charta_http_requests_total{method=\"GET\",route=\"/releases/{spec}/{version}/{file}\",status=\"200\"} 5",
        "charta_http_requests_total{method=\"GET\",route=\"/releases/{spec}/{version}/{file}\",status=\"304\"} 1",
        "charta_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} ",
        "charta_http_request_duration_seconds_bucket{le=\"",
        "charta_db_pool_connections{state=\"open\"} ",
        "# TYPE charta_job_runs counter",
        "# TYPE charta_outbox_pending gauge",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
    let served: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("charta_release_artefacts_served_total "))
        .expect("artefacts served")
        .trim()
        .parse()
        .unwrap();
    assert!(served >= 6, "{served}");
    // The ballot sweeper runs at start-up and is counted.
    assert!(
        text.contains("charta_job_runs_total{job=\"ballot_deadlines\",outcome=\"ok\"}"),
        "{text}"
    );
}

#[test]
fn one_sigterm_stops_the_server_even_with_a_client_holding_a_connection() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let url = format!("sqlite://{}/demo.db", d.display());
    let mut demo = start(
        &["demo", "--database-url", &url, "--request-timeout", "2"],
        None,
        d,
        port,
    );
    // A client that starts a request and never finishes it, and one that
    // keeps an answered connection open.
    let mut stuck = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stuck
        .write_all(b"GET /specs HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    let mut idle = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        idle,
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let pid = demo.0.id().to_string();
    let term = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(term.success());
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = demo.0.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = exited.expect("one SIGTERM ends the server within its grace period");
    assert!(status.success(), "{status:?}");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "no longer listening"
    );
    drop((stuck, idle));
}

#[test]
fn json_logs_carry_the_request_id_on_every_line_of_a_request() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let log = std::fs::File::create(d.join("charta.log")).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_charta"));
    cmd.args(["demo", "--listen", &format!("127.0.0.1:{port}")])
        .env("CHARTA_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .current_dir(d)
        .stderr(log);
    let _demo = Running(cmd.spawn().unwrap());
    let mut ready = false;
    for _ in 0..300 {
        if get(port, "/readyz").is_some_and(|(s, _)| s == 200) {
            ready = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(ready, "the demo started");
    // A proxy's request id is kept; without one, the server makes one and
    // returns it.
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    // X-Forwarded-For from a peer not in CHARTA_TRUSTED_PROXIES is not
    // believed: the line names the peer.
    write!(s, "GET /specs/steward-baseline HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nx-request-id: trace-me-42\r\nX-Forwarded-For: 203.0.113.9\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("x-request-id: trace-me-42"),
        "{answer}"
    );
    std::thread::sleep(Duration::from_millis(300));

    let text = std::fs::read_to_string(d.join("charta.log")).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let ours: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["span"]["request.id"] == "trace-me-42")
        .collect();
    let done = ours
        .iter()
        .find(|l| l["message"] == "finished processing request")
        .unwrap_or_else(|| panic!("no access line for the request in:\n{text}"));
    assert_eq!(done["status"], 200);
    assert_eq!(done["span"]["http.route"], "/specs/{spec}");
    assert_eq!(done["span"]["http.method"], "GET");
    assert_eq!(done["span"]["client.address"], "127.0.0.1");
}

/// Behind a proxy whose address is in a trusted range, each client named in
/// `X-Forwarded-For` has its own limit on the expensive endpoints; a range
/// written with bits beyond its prefix is refused at start-up.
#[test]
fn trusted_proxy_ranges_give_each_forwarded_client_its_own_limit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let url = format!("sqlite://{}/demo.db", d.display());
    let out = Command::new(env!("CARGO_BIN_EXE_charta"))
        .args(["demo", "--listen", "127.0.0.1:0", "--database-url", &url])
        .env("CHARTA_TRUSTED_PROXIES", "127.0.0.1/8")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("127.0.0.1/8 has bits set beyond its /8 prefix"),
        "{}",
        text(&out.stderr)
    );

    // The status of a search, forwarded for `client`.
    let search = |port: u16, client: &str| {
        get_with(
            port,
            "/search?q=policy",
            &format!("X-Forwarded-For: {client}\r\n"),
        )
        .unwrap()
        .0
    };
    let limited = [
        "demo",
        "--database-url",
        &url,
        "--expensive-per-minute",
        "1",
    ];
    // Without the proxy trusted, every request counts against the peer.
    let port = free_port();
    let plain = start(&limited, None, d, port);
    assert_eq!(search(port, "198.51.100.1"), 200);
    assert_eq!(search(port, "198.51.100.2"), 429);
    drop(plain);
    // With loopback trusted as a range, each forwarded client is counted
    // on its own, and a client's second request is limited.
    let port = free_port();
    let trusting = [&limited[..], &["--trusted-proxies", "127.0.0.0/8"]].concat();
    let _proxied = start(&trusting, None, d, port);
    assert_eq!(search(port, "198.51.100.1"), 200);
    assert_eq!(search(port, "198.51.100.2"), 200);
    assert_eq!(search(port, "198.51.100.2"), 429);
}
