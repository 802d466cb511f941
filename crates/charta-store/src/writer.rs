//! The one connection that SQLite write transactions run on.
//!
//! SQLite lets one transaction write at a time, so the writers of a process
//! take turns anyway; taking them on a connection of their own, in the order
//! they asked (a fair lock), rather than on a pooled one has two gains. A
//! writer never waits, while every other writer waits behind it, for one of
//! the pool's connections to come free from readers. And the connection is
//! not checked out of and back into the pool for each transaction, which
//! sqlx does by sending a ping to the connection's thread each way: under
//! many writers the thread switches, not SQLite, are what a write costs.

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, Sqlite, Transaction};
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{Mutex, MutexGuard};

/// The writer connection, opened when first needed, and again after it
/// failed to start a transaction.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    /// How to open it; `None` for a PostgreSQL store, which has no writer.
    options: Option<SqliteConnectOptions>,
    conn: Mutex<Option<SqliteConnection>>,
    /// Set when the connection could not begin a transaction: the next
    /// writer opens a fresh one.
    broken: AtomicBool,
    /// Set by [`Writer::close`]: no connection is opened again.
    closed: AtomicBool,
}

/// One writer's turn: the connection is theirs until this is dropped.
pub(crate) struct Turn<'a> {
    writer: &'a Writer,
    conn: MutexGuard<'a, Option<SqliteConnection>>,
}

impl Writer {
    pub(crate) fn sqlite(options: SqliteConnectOptions) -> Writer {
        Writer {
            options: Some(options),
            ..Writer::default()
        }
    }

    /// Waits for this writer's turn.
    pub(crate) async fn take(&self) -> Result<Turn<'_>, sqlx::Error> {
        let mut conn = self.conn.lock().await;
        if self.closed.load(Ordering::Relaxed) {
            return Err(sqlx::Error::PoolClosed);
        }
        if self.broken.swap(false, Ordering::Relaxed)
            && let Some(old) = conn.take()
        {
            let _ = old.close_hard().await;
        }
        if conn.is_none() {
            let options = self.options.as_ref().ok_or_else(|| {
                sqlx::Error::Configuration("this store has no SQLite writer connection".into())
            })?;
            *conn = Some(SqliteConnection::connect_with(options).await?);
        }
        Ok(Turn { writer: self, conn })
    }

    /// Closes the connection, waiting for a transaction in flight to end;
    /// later writes fail as they do on a closed pool.
    pub(crate) async fn close(&self) {
        let mut conn = self.conn.lock().await;
        self.closed.store(true, Ordering::Relaxed);
        if let Some(conn) = conn.take() {
            let _ = conn.close().await;
        }
    }
}

impl Turn<'_> {
    /// Starts the write transaction. `BEGIN IMMEDIATE` takes SQLite's write
    /// lock at once, so a writer in another process (a command run beside
    /// the server) is waited for up to the busy timeout rather than making
    /// this transaction fail when it first writes.
    pub(crate) async fn begin(&mut self) -> Result<Transaction<'_, Sqlite>, sqlx::Error> {
        let Some(conn) = self.conn.as_mut() else {
            return Err(sqlx::Error::PoolClosed);
        };
        match conn.begin_with("BEGIN IMMEDIATE").await {
            Ok(tx) => Ok(tx),
            Err(e) => {
                self.writer.broken.store(true, Ordering::Relaxed);
                Err(e)
            }
        }
    }
}
