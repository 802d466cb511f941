//! Nothing acknowledged is lost: people comment through the API of a real
//! `charta demo` process while it is killed with SIGKILL; after a restart
//! every comment that was answered `201` is there, and the audit chain
//! verifies. On SQLite and on PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a failing test panics with its message"
)]

mod visitor;

use charta_store::testing::TestDb;
use std::time::Duration;
use visitor::{Instance, Visitor, empty_dir};

const WRITERS: [&str; 3] = ["Riya Menon", "Carmen Chávez", "Chen Wei"];

async fn signed_in(base: &str, name: &str) -> Visitor {
    let mut v = Visitor::new(base);
    let login = v.get("/auth/login").await.ok();
    let page = v.click(&login, name).await.ok();
    assert!(page.says(name), "signed in as {name}");
    v
}

/// The number of an amendment still open for review.
async fn open_amendment(v: &mut Visitor) -> i64 {
    let page = v
        .get("/api/v1/specs/steward-baseline/amendments")
        .await
        .ok();
    let json: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    let list = json
        .get("items")
        .unwrap_or(&json)
        .as_array()
        .unwrap()
        .clone();
    list.iter()
        .find(|a| a["state"] == "open")
        .and_then(|a| a["number"].as_i64())
        .expect("the demo has an open amendment")
}

async fn killed_during_writes(db: TestDb) {
    let dir = empty_dir(&format!("durability-{:?}", db.backend()));
    let args = ["demo", "--database-url", db.url.as_str()];
    let demo = Instance::start(&dir, &args, &[]);
    let base = demo.base();
    let mut reader = Visitor::new(&base);
    let number = open_amendment(&mut reader).await;
    let path = format!("/api/v1/specs/steward-baseline/amendments/{number}/threads");

    let mut writers = Vec::new();
    for name in WRITERS {
        let v = signed_in(&base, name).await;
        let path = path.clone();
        writers.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0..2000 {
                let body = serde_json::json!({ "body": format!("{name} says {i}") });
                match v.post_json(&path, &body).await {
                    Ok((201, text)) => {
                        let created: serde_json::Value = serde_json::from_str(&text).unwrap();
                        acknowledged.push(created["thread"].as_i64().unwrap());
                    }
                    Ok((status, text)) => panic!("{name}: {status} {text}"),
                    // The server is gone: what it did not answer was never
                    // acknowledged.
                    Err(_) => break,
                }
            }
            acknowledged
        }));
    }
    // Let the writes run, then kill the process without warning.
    tokio::time::sleep(Duration::from_millis(700)).await;
    drop(demo);
    let mut acknowledged = Vec::new();
    for w in writers {
        acknowledged.extend(w.await.unwrap());
    }
    assert!(
        acknowledged.len() > 10,
        "only {} writes before the kill",
        acknowledged.len()
    );

    let again = Instance::start(&dir, &args, &[]);
    let mut v = Visitor::new(&again.base());
    let page = v
        .get(&format!(
            "/api/v1/specs/steward-baseline/amendments/{number}"
        ))
        .await
        .ok();
    let json: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    let stored: Vec<i64> = json["threads"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .collect();
    let lost: Vec<&i64> = acknowledged
        .iter()
        .filter(|id| !stored.contains(id))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    drop(again);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_charta"))
        .args(["audit", "verify", "--database-url", db.url.as_str()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_keeps_every_acknowledged_write_through_sigkill() {
    killed_during_writes(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_keeps_every_acknowledged_write_through_sigkill() {
    if let Some(db) = TestDb::postgres().await {
        killed_during_writes(db).await;
    }
}
