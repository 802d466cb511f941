//! Databases for tests, on both backends.
//!
//! SQLite tests get a fresh file in a temporary directory. PostgreSQL tests
//! get a fresh database on the server named by `CHARTA_TEST_POSTGRES_URL`
//! (the project's test command starts a throwaway cluster and sets it),
//! dropped again when the [`TestDb`] is dropped. When the variable is unset,
//! PostgreSQL tests are skipped with a message, unless
//! `CHARTA_TEST_REQUIRE_POSTGRES=1`, which the test command sets so that a
//! missing server fails the run instead of passing it silently.

use crate::{Backend, Store};
use sqlx::Connection;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A migrated, empty database that is removed on drop.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Database { admin_url: String, name: String },
}

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{n}_{}", std::process::id(), t % 1_000_000_000)
}

impl TestDb {
    /// A fresh database on `backend`, or `None` when PostgreSQL is not
    /// configured and not required.
    pub async fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => Some(Self::sqlite().await),
            Backend::Postgres => Self::postgres().await,
        }
    }

    /// A fresh SQLite database file.
    #[expect(clippy::expect_used, reason = "test set-up fails loudly")]
    pub async fn sqlite() -> TestDb {
        let path = std::env::temp_dir().join(format!("{}.db", unique("charta_test")));
        let url = format!("sqlite://{}", path.display());
        let store = Store::connect(&url).await.expect("open test SQLite");
        store.migrate().await.expect("migrate test SQLite");
        TestDb {
            store,
            url,
            cleanup: Cleanup::File(path),
        }
    }

    /// A fresh PostgreSQL database, if a server is configured.
    #[expect(
        clippy::expect_used,
        clippy::panic,
        reason = "test set-up fails loudly"
    )]
    pub async fn postgres() -> Option<TestDb> {
        let Ok(admin_url) = std::env::var("CHARTA_TEST_POSTGRES_URL") else {
            if std::env::var("CHARTA_TEST_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("CHARTA_TEST_POSTGRES_URL is not set but CHARTA_TEST_REQUIRE_POSTGRES=1");
            }
            eprintln!(
                "skipping PostgreSQL case: CHARTA_TEST_POSTGRES_URL is not set (./scripts/test sets it)"
            );
            return None;
        };
        let name = unique("charta_test");
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("connect to CHARTA_TEST_POSTGRES_URL");
        // The name is generated above from digits and letters only.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let _ = admin.close().await;
        let url = match admin_url.rfind('/') {
            Some(i)
                if admin_url[..i].contains("://")
                    && i > admin_url.find("://").map_or(0, |s| s + 2) =>
            {
                format!("{}/{name}", &admin_url[..i])
            }
            _ => format!("{admin_url}/{name}"),
        };
        let store = Store::connect(&url).await.expect("open test PostgreSQL");
        store.migrate().await.expect("migrate test PostgreSQL");
        Some(TestDb {
            store,
            url,
            cleanup: Cleanup::Database { admin_url, name },
        })
    }

    pub fn backend(&self) -> Backend {
        self.store.backend()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Database { admin_url, name } => {
                // Dropping needs a connection of its own, outside the test's
                // runtime, which may already be shutting down.
                let admin_url = admin_url.clone();
                let name = name.clone();
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async {
                        if let Ok(mut c) = sqlx::PgConnection::connect(&admin_url).await {
                            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            )))
                            .execute(&mut c)
                            .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

impl TestDb {
    /// Runs a statement directly, bypassing the store, to prove what the
    /// schema itself refuses (e.g. edits to published versions).
    pub async fn execute_raw(&self, sql: &'static str) -> Result<u64, sqlx::Error> {
        crate::on_pool!(self.store, p => sqlx::raw_sql(sql).execute(p).await.map(|r| r.rows_affected()))
    }
}

/// Generates a test module with `sqlite` and `postgres` test functions from
/// one async body that receives a fresh [`TestDb`], so that every case runs
/// unchanged on both backends.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident => $body:expr;)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::testing::TestDb::new($crate::Backend::Sqlite).await.unwrap();
                ($body)(db).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = $crate::testing::TestDb::new($crate::Backend::Postgres).await else { return };
                ($body)(db).await;
            }
        }
    )*};
}
