//! Charta served by a PostgreSQL role that does not own the schema, as
//! deploy/README.md describes: `charta migrate --grant-to` run by the owner,
//! `charta import` and `charta serve --migrate false` by the serving role,
//! which cannot alter tables, disable their triggers or rewrite the
//! append-only ones.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a failing test panics with its message"
)]

mod process;

use process::{Running, free_port, get, repo, text};
use sqlx::{Connection, PgConnection};
use std::path::Path;
use std::process::{Child, Command, Output};
use std::time::Duration;

fn charta(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_charta"))
        .args(args)
        .env("CHARTA_DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run charta")
}

/// `url` with another user and database.
fn as_user(admin_url: &str, user: &str, db: &str) -> String {
    let rest = admin_url
        .strip_prefix("postgres://")
        .expect("a postgres:// URL");
    let host_and_db = rest.split_once('@').map_or(rest, |(_, h)| h);
    let host = host_and_db.split_once('/').map_or(host_and_db, |(h, _)| h);
    format!("postgres://{user}:secret@{host}/{db}")
}

fn serve(url: &str, port: u16, dir: &Path, extra: &[&str]) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_charta"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("CHARTA_DATABASE_URL", url)
        .env("CHARTA_RELEASE_KEY", dir.join("release.key"))
        .env("CHARTA_CREATE_RELEASE_KEY", "true")
        .env("RUST_LOG", "warn")
        .current_dir(dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    Running(child)
}

fn wait_ready(port: u16, server: &mut Running) -> bool {
    for _ in 0..300 {
        if get(port, "/readyz").is_some_and(|(s, _)| s == 200) {
            return true;
        }
        if let Ok(Some(_)) = server.0.try_wait() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[tokio::test]
async fn a_role_that_does_not_own_the_schema_serves_but_cannot_rewrite_history() {
    let Ok(admin_url) = std::env::var("CHARTA_TEST_POSTGRES_URL") else {
        assert_ne!(
            std::env::var("CHARTA_TEST_REQUIRE_POSTGRES").as_deref(),
            Ok("1"),
            "CHARTA_TEST_POSTGRES_URL is not set but CHARTA_TEST_REQUIRE_POSTGRES=1"
        );
        eprintln!("skipping: CHARTA_TEST_POSTGRES_URL is not set (./scripts/test sets it)");
        return;
    };
    let tag = std::process::id();
    let (db, owner, app) = (
        format!("charta_roles_{tag}"),
        format!("charta_owner_{tag}"),
        format!("charta_app_{tag}"),
    );
    let mut admin = PgConnection::connect(&admin_url).await.unwrap();
    for sql in [
        format!("CREATE ROLE {owner} LOGIN PASSWORD 'secret'"),
        format!("CREATE ROLE {app} LOGIN PASSWORD 'secret'"),
        format!("CREATE DATABASE {db} OWNER {owner}"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await
            .unwrap();
    }
    // PostgreSQL 15 and later give only the database owner CREATE on the
    // public schema; older ones give it to everyone, so take it back.
    let mut owner_conn = PgConnection::connect(&as_user(&admin_url, &owner, &db))
        .await
        .unwrap();
    sqlx::raw_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        .execute(&mut owner_conn)
        .await
        .ok();
    let _ = owner_conn.close().await;
    let owner_url = as_user(&admin_url, &owner, &db);
    let app_url = as_user(&admin_url, &app, &db);
    let dir = tempfile::tempdir().unwrap();

    // Before any migration the serving role cannot create the schema, and
    // says what to do.
    let port = free_port();
    let mut early = serve(&app_url, port, dir.path(), &[]);
    assert!(!wait_ready(port, &mut early), "started without a schema");
    let out = early.0.stderr_after_exit();
    assert!(out.contains("charta migrate"), "{out}");
    // A node told not to migrate waits for the migration, then gives up,
    // saying what to run.
    let mut impatient = serve(
        &app_url,
        free_port(),
        dir.path(),
        &["--migrate", "false", "--database-wait", "1"],
    );
    let out = impatient.0.stderr_after_exit();
    assert!(
        out.contains("nothing changed that within 1 s") && out.contains("charta migrate"),
        "{out}"
    );
    // Given time, it waits for the migration instead, as when a
    // deployment starts its nodes and its migration job together.
    let waiting_port = free_port();
    let mut waiting = serve(
        &app_url,
        waiting_port,
        dir.path(),
        &["--migrate", "false", "--database-wait", "120"],
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        matches!(waiting.0.try_wait(), Ok(None)),
        "serve --migrate false exited instead of waiting for the migration"
    );
    assert!(
        get(waiting_port, "/readyz").is_none(),
        "listening before the schema exists"
    );

    // The owner migrates and grants; the grant refuses unknown roles and
    // odd names.
    let out = charta(&owner_url, &["migrate", "--grant-to", "nobody_here"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no database role nobody_here"),
        "{}",
        text(&out.stderr)
    );
    let out = charta(
        &owner_url,
        &["migrate", "--grant-to", "x; DROP TABLE audit_log"],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not a plain role name"),
        "{}",
        text(&out.stderr)
    );
    let out = charta(&owner_url, &["migrate", "--grant-to", &app]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("Role {app} may read and write rows")));
    assert!(
        wait_ready(waiting_port, &mut waiting),
        "the waiting node started once migrated and granted"
    );
    drop(waiting);

    // The serving role imports and serves without altering the schema.
    let specs = repo().join("specs");
    for path in [specs.join("groups"), specs.join("seed/steward-baseline")] {
        let out = charta(&app_url, &["import", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let port = free_port();
    let mut server = serve(&app_url, port, dir.path(), &["--migrate", "false"]);
    assert!(
        wait_ready(port, &mut server),
        "serve --migrate false as the serving role"
    );
    let (status, body) = get(port, "/api/v1/specs/steward-baseline").unwrap();
    assert_eq!(status, 200, "{}", text(&body));
    drop(server);
    // Without the flag it starts too, since nothing is pending.
    let port = free_port();
    let mut server = serve(&app_url, port, dir.path(), &[]);
    assert!(
        wait_ready(port, &mut server),
        "serve as the serving role on a current schema"
    );
    drop(server);
    let out = charta(&app_url, &["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );

    // What the serving role cannot do: alter tables or their triggers,
    // rewrite or empty the append-only ones, create tables.
    let mut conn = PgConnection::connect(&app_url).await.unwrap();
    let refused = [
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_log_append_only ON audit_log",
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM ballot_votes",
        "UPDATE spec_versions SET title = 'rewritten'",
        "TRUNCATE audit_log",
        "TRUNCATE sessions",
        "DROP TABLE release_files",
        "CREATE TABLE mine (x int)",
        "DELETE FROM _sqlx_migrations",
    ];
    for sql in refused {
        let err = sqlx::raw_sql(sql)
            .execute(&mut conn)
            .await
            .expect_err(sql)
            .to_string();
        assert!(
            err.contains("permission denied") || err.contains("must be owner"),
            "{sql}: {err}"
        );
    }
    for table in charta_store::INSERT_ONLY {
        let may: (bool, bool, bool) = sqlx::query_as(
            "SELECT has_table_privilege($1, $2, 'INSERT'), has_table_privilege($1, $2, 'UPDATE'), has_table_privilege($1, $2, 'DELETE')",
        )
        .bind(&app)
        .bind(table)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(may, (true, false, false), "{table}");
    }
    let _ = conn.close().await;

    // A pending migration: the serving role refuses to start with
    // --migrate false once its wait is over, and cannot apply it without;
    // both name the fix.
    let mut owner_conn = PgConnection::connect(&owner_url).await.unwrap();
    sqlx::raw_sql(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)",
    )
    .execute(&mut owner_conn)
    .await
    .unwrap();
    let _ = owner_conn.close().await;
    for extra in [&["--migrate", "false", "--database-wait", "2"][..], &[][..]] {
        let port = free_port();
        let mut server = serve(&app_url, port, dir.path(), extra);
        assert!(
            !wait_ready(port, &mut server),
            "started with a migration pending ({extra:?})"
        );
        let out = server.0.stderr_after_exit();
        assert!(out.contains("charta migrate"), "{extra:?}: {out}");
    }

    let mut admin = PgConnection::connect(&admin_url).await.unwrap();
    for sql in [
        format!("DROP DATABASE {db} WITH (FORCE)"),
        format!("DROP ROLE {app}"),
        format!("DROP ROLE {owner}"),
    ] {
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await;
    }
}

/// What a server that stopped by itself wrote to standard error.
trait StderrAfterExit {
    fn stderr_after_exit(&mut self) -> String;
}

impl StderrAfterExit for Child {
    fn stderr_after_exit(&mut self) -> String {
        use std::io::Read;
        let _ = self.wait();
        let mut s = String::new();
        if let Some(mut e) = self.stderr.take() {
            let _ = e.read_to_string(&mut s);
        }
        s
    }
}
