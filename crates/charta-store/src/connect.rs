//! Opening the database named by `CHARTA_DATABASE_URL`.

use crate::writer::Writer;
use crate::{Pool, Store, StoreError, StoreResult};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::{Duration, Instant};

/// Used when no database URL is configured: a SQLite file in the current
/// directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://charta.db";

/// The two supported databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Picks the backend from the URL scheme.
    pub fn from_url(url: &str) -> StoreResult<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Config(format!(
                "unsupported database URL {:?}: use sqlite://FILE or postgres://USER@HOST/DB",
                redact(url)
            )))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Hides the password of a database URL, for logs and error messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Store {
    /// Connects to the database at `url`, creating a SQLite file if needed.
    ///
    /// SQLite runs in WAL mode with foreign keys enforced and a busy timeout,
    /// so readers never block the writer and concurrent writers wait their
    /// turn instead of failing. Its write transactions run on a connection
    /// of their own (see [`Writer`]), its reads on the pool.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        let (pool, writer) = match Backend::from_url(url)? {
            Backend::Sqlite => {
                let opts = SqliteConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Config(format!("bad SQLite URL: {e}")))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                let writer = Writer::sqlite(opts.clone());
                let pool = Pool::Sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(8)
                        // A SQLite connection is a file handle in this
                        // process, not a socket a server may have closed;
                        // testing it before each use only costs a trip to
                        // its thread and back.
                        .test_before_acquire(false)
                        .acquire_timeout(Duration::from_secs(15))
                        .connect_with(opts)
                        .await?,
                );
                (pool, writer)
            }
            Backend::Postgres => (
                Pool::Postgres(
                    PgPoolOptions::new()
                        .max_connections(16)
                        .acquire_timeout(Duration::from_secs(15))
                        .connect(url)
                        .await?,
                ),
                Writer::default(),
            ),
        };
        Ok(Store {
            pool,
            sqlite_writer: std::sync::Arc::new(writer),
        })
    }
}

/// First pause between attempts of [`Store::connect_waiting`]; it doubles
/// up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(250);
const MAX_PAUSE: Duration = Duration::from_secs(2);
/// The shortest time one attempt is given, however little of the wait is
/// left: a server that answers slowly (a TLS handshake across a network) is
/// not the same as one that cannot be reached.
const MIN_ATTEMPT: Duration = Duration::from_secs(5);

impl Store {
    /// Connects as [`Store::connect`] does, but keeps trying for up to `wait`
    /// while the database server cannot be reached yet or is still starting.
    ///
    /// Containers start together: a node or the migration job may come up
    /// before PostgreSQL's name resolves or its port listens (Kubernetes has
    /// no start order, and older podman-compose ignores health conditions).
    /// Failures that waiting cannot mend (a wrong password, an unknown
    /// database, a bad URL, any SQLite error) are returned at once.
    pub async fn connect_waiting(url: &str, wait: Duration) -> StoreResult<Store> {
        if Backend::from_url(url)? == Backend::Sqlite {
            return Store::connect(url).await;
        }
        let started = Instant::now();
        let deadline = started + wait;
        let mut pause = FIRST_PAUSE;
        let mut attempts = 1u32;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let failure =
                match tokio::time::timeout(left.max(MIN_ATTEMPT), Store::connect(url)).await {
                    Ok(Ok(store)) => return Ok(store),
                    Ok(Err(e)) if !is_transient(&e) => return Err(e),
                    Ok(Err(e)) => e.to_string(),
                    Err(_) => "no answer".to_string(),
                };
            if Instant::now() + pause >= deadline {
                return Err(StoreError::Config(format!(
                    "the database at {} could not be reached; gave up after {} s and {attempts} attempt{} (CHARTA_DATABASE_WAIT): {failure}",
                    redact(url),
                    started.elapsed().as_secs(),
                    if attempts == 1 { "" } else { "s" },
                )));
            }
            tracing::warn!(
                database = %redact(url),
                attempt = attempts,
                error = %failure,
                "the database cannot be reached yet; trying again"
            );
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_PAUSE);
            attempts += 1;
        }
    }
}

/// Whether a failed connection may succeed later without anyone acting:
/// nothing listening yet, a name not resolvable yet, or PostgreSQL's
/// `57P03` ("the database system is starting up").
fn is_transient(e: &StoreError) -> bool {
    match e {
        StoreError::Database(sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut) => true,
        StoreError::Database(sqlx::Error::Database(db)) => db.code().as_deref() == Some("57P03"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_backend_by_scheme() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("postgres://u@h/d").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/d").unwrap(),
            Backend::Postgres
        );
        let err = Backend::from_url("mysql://root:hunter2@h/d")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unsupported database URL"), "{err}");
        assert!(!err.contains("hunter2"), "password leaked: {err}");
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:secret@h/d"), "postgres://u:***@h/d");
        assert_eq!(redact("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(redact("sqlite://charta.db"), "sqlite://charta.db");
    }
}
