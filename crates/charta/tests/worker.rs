//! `charta worker` runs the background jobs without the web server, and
//! `charta serve --jobs false` leaves them to it: a ballot past its
//! deadline stays open under a web node without jobs and is closed by the
//! worker, once, with the deadline as its reason. On SQLite and on
//! PostgreSQL, with the shipped binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a failing test panics with its message"
)]

mod process;

use charta_domain::ballot::{BallotKind, Rules};
use charta_store::NewBallot;
use charta_store::testing::TestDb;
use process::{free_port, repo, start, text};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn charta(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_charta"))
        .args(args)
        .env("CHARTA_DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run charta")
}

async fn deadline_passes_under_the_worker(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    for part in ["specs/groups", "specs/seed"] {
        let path = repo().join(part);
        let out = charta(&db.url, &["import", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }

    // A release ballot whose deadline passed yesterday.
    let store = &db.store;
    let spec = store.spec("steward-baseline").await.unwrap();
    let chair = store
        .upsert_user("https://id.example", "chair", "chair@example.org", "Chair")
        .await
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let ballot = store
        .open_ballot(NewBallot {
            group_id: spec.group_id,
            spec_id: spec.id,
            kind: BallotKind::Release,
            amendment_id: None,
            version: Some(spec.head_version),
            revision: None,
            title: "Release the baseline",
            rules: &Rules::default(),
            opened_by: chair.id,
            opened_at: now - time::Duration::days(8),
            closes_at: now - time::Duration::days(1),
            subject: "spec:steward-baseline@1",
        })
        .await
        .unwrap();

    // A web node without jobs leaves it open.
    let port = free_port();
    let key = dir.path().join("release.key");
    let key_arg = key.to_str().unwrap();
    let node = start(
        &[
            "serve",
            "--jobs",
            "false",
            "--ballot-sweep-seconds",
            "1",
            "--release-key",
            key_arg,
            "--create-release-key",
        ],
        Some(&db.url),
        dir.path(),
        port,
    );
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(store.ballot(ballot).await.unwrap().state.as_str(), "open");
    drop(node);

    // The worker needs the key that signs checkpoints, and says so.
    let out = charta(
        &db.url,
        &["worker", "--release-key", "/nonexistent/charta.key"],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("release key file"),
        "{}",
        text(&out.stderr)
    );

    // With it, the worker closes the ballot at its deadline.
    let mut worker = Command::new(env!("CARGO_BIN_EXE_charta"))
        .args([
            "worker",
            "--ballot-sweep-seconds",
            "1",
            "--release-key",
            key_arg,
        ])
        .env("CHARTA_DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let closed = loop {
        let b = store.ballot(ballot).await.unwrap();
        if b.state.as_str() != "open" {
            break b;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the worker did not close the ballot"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(closed.closed_by.as_deref(), Some("deadline"));
    assert_eq!(
        closed.outcome,
        Some(charta_domain::ballot::Outcome::Failed),
        "nobody voted"
    );

    // SIGTERM ends it cleanly.
    let pid = worker.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = loop {
        if let Some(s) = worker.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the worker ignored SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "worker exited with {status}");

    // The closing is in the audit log once, and the chain verifies.
    let entries = store
        .audit_entries_for(&format!("ballot:{ballot}"))
        .await
        .unwrap();
    let closings = entries
        .iter()
        .filter(|e| e.action.starts_with("ballot.close"))
        .count();
    assert_eq!(closings, 1, "{entries:?}");
    let out = charta(&db.url, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_worker_closes_due_ballots() {
    deadline_passes_under_the_worker(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_worker_closes_due_ballots() {
    if let Some(db) = TestDb::postgres().await {
        deadline_passes_under_the_worker(db).await;
    }
}
