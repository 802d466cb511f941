//! Charta's storage: every SQL statement lives in this crate.
//!
//! One [`Store`] serves both backends. It holds either a SQLite or a
//! PostgreSQL pool, and each operation is written once, with SQL that both
//! dialects accept, then compiled for both pools by the [`on_pool!`] macro.
//! Where the dialects really differ (full-text search, locking) the operation
//! says so and carries one statement per backend. This keeps native drivers
//! (typed timestamps, FTS5 and `tsvector`, proper transactions) without two
//! copies of every query; see `docs/ARCHITECTURE.md` for why this was chosen
//! over a trait with two implementations or sqlx's `Any` driver.

mod accounts;
mod amendments;
mod assessments;
mod audit;
mod backup;
mod ballots;
mod connect;
mod delegations;
mod error;
mod groups;
mod import;
mod notify;
mod page;
mod privileges;
mod releases;
mod roles;
mod rows;
mod search;
mod specs;
#[cfg(feature = "testing")]
pub mod testing;
mod tokens;
mod writer;

pub use accounts::{LoginRow, NewSession, SessionRow, UserRow};
pub use amendments::{
    AmendmentRow, CommentRow, NewAmendment, NewRevision, NewThread, RevisionRow, ThreadRow, Work,
};
pub use assessments::{
    AnswerRow, AssessmentFile, AssessmentRow, ControlCount, LevelCount, NewAnswer, NewAssessment,
};
pub use audit::{AuditEvent, AuditHead, CheckpointRow};
pub use backup::{BACKUP_FORMAT, BackupHeader, BackupSummary};
pub use ballots::{
    BallotRow, BallotVoterRow, Closing, NewBallot, NewVote, VoteRow, current_positions,
};
pub use charta_domain::audit::{AuditEntry, BreakReason, ChainBreak};
pub use connect::{Backend, DEFAULT_DATABASE_URL};
pub use delegations::{DelegationRow, NewDelegation};
pub use error::{StoreError, StoreResult};
pub use import::{ImportMeta, ImportOutcome, import_group_text, import_spec, import_spec_text};
pub use notify::{
    Attempt, FollowRow, NewDelivery, NewMail, NewWebhook, OutboxRow, Recipient, WebhookRow,
};
pub use page::{Page, PageKey, PageRequest};
pub use privileges::INSERT_ONLY;
pub use releases::{NewRelease, ReleaseFile, ReleaseRow};
pub use roles::{InvitationRow, MembershipRow, NewInvitation};
pub use rows::*;
pub use specs::NewVersion;
pub use tokens::{NewToken, TokenRow};

use sqlx::{PgPool, SqlitePool};

/// Runs the same code against whichever pool the store holds. The body is
/// compiled once per backend, so it may only use SQL both dialects accept.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// The shape of the JSON in `version_parsed`: serde's form of
/// `charta_domain::Spec`. Raise it when that form changes in a way older
/// stored JSON would not read back as the same specification; rows of
/// another format are then ignored and rewritten as versions are read.
pub const PARSED_FORMAT: i64 = 1;

/// Runs `$body` inside a write transaction on whichever backend the store
/// holds, committing when it returns `Ok`.
///
/// On SQLite every write transaction runs on the store's one writer
/// connection (see [`writer::Writer`]), taken in turn by the writers of this
/// process, and starts with `BEGIN IMMEDIATE` so that a writer in another
/// process is waited for (busy timeout) instead of failing when a read lock
/// is upgraded.
macro_rules! in_tx {
    ($store:expr, $tx:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite(_) => {
                let mut writer = $store.sqlite_writer.take().await?;
                let mut $tx = writer.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::Pool::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}
pub(crate) use in_tx;

#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Handle to the database. Cheap to clone: the pools are reference counted.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// The SQLite writer connection (see [`in_tx`]); shared by every clone.
    /// PostgreSQL does not use it.
    sqlite_writer: std::sync::Arc<writer::Writer>,
}

impl Store {
    /// Which backend this store talks to.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies any migrations not yet applied. Safe to run at every start
    /// and from several instances at once (sqlx takes a lock). When the
    /// schema is already current it changes nothing and needs no rights
    /// beyond reading, so a database role that does not own the schema can
    /// start Charta; only `charta migrate`, run as the owner, alters it.
    pub async fn migrate(&self) -> StoreResult<()> {
        if self.pending_migrations().await?.is_empty() {
            return Ok(());
        }
        match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("../../migrations/sqlite").run(p).await?,
            Pool::Postgres(p) => sqlx::migrate!("../../migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// The migrations of this build that the database has not applied, as
    /// `version description`, oldest first. Refused when an applied
    /// migration differs from this build's or was left half done: the
    /// schema is then not one this build knows.
    pub async fn pending_migrations(&self) -> StoreResult<Vec<String>> {
        let migrator = match &self.pool {
            Pool::Sqlite(_) => sqlx::migrate!("../../migrations/sqlite"),
            Pool::Postgres(_) => sqlx::migrate!("../../migrations/postgres"),
        };
        let exists: bool = match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
                )
                .fetch_one(p)
                .await?
                    > 0
            }
            Pool::Postgres(p) => {
                sqlx::query_scalar::<_, bool>("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                    .fetch_one(p)
                    .await?
            }
        };
        let applied: Vec<(i64, Vec<u8>, bool)> = if exists {
            on_pool!(self, p => sqlx::query_as("SELECT version, checksum, success FROM _sqlx_migrations")
                .fetch_all(p)
                .await)?
        } else {
            Vec::new()
        };
        let mut pending = Vec::new();
        for m in migrator
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
        {
            match applied.iter().find(|(v, _, _)| *v == m.version) {
                None => pending.push(format!("{} {}", m.version, m.description)),
                Some((_, _, false)) => {
                    return Err(StoreError::Config(format!(
                        "migration {} {} was left half applied; restore the database from a backup",
                        m.version, m.description
                    )));
                }
                Some((_, checksum, true)) if checksum.as_slice() != &*m.checksum => {
                    return Err(StoreError::Config(format!(
                        "migration {} {} was applied in a different form than this build's; this build does not know the schema",
                        m.version, m.description
                    )));
                }
                Some(_) => {}
            }
        }
        if let Some(newest) = applied.iter().map(|(v, _, _)| *v).max()
            && migrator.iter().all(|m| m.version < newest)
        {
            return Err(StoreError::Config(format!(
                "the database was migrated by a newer Charta (migration {newest}); run that version or newer"
            )));
        }
        Ok(pending)
    }

    /// The connection pool's open and idle connections, for metrics.
    pub fn pool_connections(&self) -> (u32, usize) {
        on_pool!(self, p => (p.size(), p.num_idle()))
    }

    /// A trivial query, for the readiness probe.
    pub async fn ping(&self) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Closes every connection, waiting for queries in flight.
    pub async fn close(&self) {
        self.sqlite_writer.close().await;
        on_pool!(self, p => p.close().await)
    }
}

/// The current time in whole microseconds, as both backends store it; use
/// it for timestamps that are compared with stored ones.
pub fn now() -> time::OffsetDateTime {
    // Whole microseconds: PostgreSQL keeps no more, so a value read back
    // equals the value written on both backends.
    let t = time::OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}
