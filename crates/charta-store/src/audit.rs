//! The append-only, hash-chained audit log.
//!
//! An entry is written by [`audit_append!`] inside the same transaction as the
//! change it records, so either both are stored or neither is. Appending first
//! bumps the single `audit_head` row, which does two jobs: it hands out the
//! next sequence number and the previous entry's hash, and its row lock makes
//! concurrent appenders on PostgreSQL take turns, so the chain never forks and
//! never has gaps. (SQLite write transactions are already serialised by
//! `BEGIN IMMEDIATE`.) The triggers in the migrations refuse to change or
//! delete entries; the chain, checked by [`Store::verify_audit`], catches
//! anyone who gets past them.

use crate::page::{Page, PageKey, PageRequest};
use crate::{Pool, Store, StoreError, StoreResult, on_pool};
use charta_domain::audit::{AuditEntry, ChainBreak, ChainVerifier, canonical_json, entry_hash};
use time::OffsetDateTime;
use time::macros::format_description;

/// Entries read per query while verifying, so that a long log is never held
/// in memory at once.
const VERIFY_PAGE: i64 = 1000;

/// A change to record in the audit log.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    /// Who made the change: an account, or a tool such as `charta import`.
    pub actor: &'a str,
    /// What kind of change, as `noun.verb`, such as `spec.version.create`.
    pub action: &'a str,
    /// What was changed, as `kind:slug`, such as `spec:steward-baseline`.
    pub object: &'a str,
    /// Further facts; stored as canonical JSON.
    pub details: serde_json::Value,
}

/// The newest entry's number and hash, as the `audit_head` row records them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditHead {
    /// Number of entries appended so far (0 for an empty log).
    pub seq: i64,
    pub hash: String,
}

/// A signed checkpoint of the audit log, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CheckpointRow {
    /// The number of the entry it pins (the log's length then).
    pub seq: i64,
    pub hash: String,
    pub made_at: OffsetDateTime,
    /// The signed JSON document, as published.
    pub document: String,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    object: String,
    details: String,
    prev_hash: String,
    hash: String,
}

impl From<EntryRow> for AuditEntry {
    fn from(r: EntryRow) -> Self {
        AuditEntry {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            object: r.object,
            details: r.details,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// Builds the entry that follows `prev_hash` as number `seq`, stamped now.
pub(crate) fn seal(event: &AuditEvent<'_>, seq: i64, prev_hash: String) -> StoreResult<AuditEntry> {
    let at = timestamp(OffsetDateTime::now_utc())?;
    let details = canonical_json(&event.details);
    let hash = entry_hash(
        seq,
        &at,
        event.actor,
        event.action,
        event.object,
        &details,
        &prev_hash,
    );
    Ok(AuditEntry {
        seq,
        at,
        actor: event.actor.to_string(),
        action: event.action.to_string(),
        object: event.object.to_string(),
        details,
        prev_hash,
        hash,
    })
}

/// RFC 3339 in UTC with exactly six fractional digits: a fixed width keeps
/// the stored text (which is what gets hashed) free of formatting choices.
fn timestamp(t: OffsetDateTime) -> StoreResult<String> {
    let fmt =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    t.to_offset(time::UtcOffset::UTC)
        .format(fmt)
        .map_err(|e| StoreError::Config(format!("cannot format the audit timestamp: {e}")))
}

/// Appends one [`AuditEvent`] to the audit log inside the transaction `$tx`
/// of an [`in_tx!`](crate::in_tx) body, and evaluates to the new entry's
/// number. Bumping `audit_head.seq` first takes the head's row lock, so a
/// concurrent appender waits until this transaction ends and then sees its
/// entry. The `RETURNING` clause yields the new `seq` and the still unchanged
/// `hash`, which is the previous entry's hash.
///
/// Use it as the transaction's last write: the head's lock is then always the
/// last one taken (so it cannot be part of a deadlock) and is held only until
/// the commit.
macro_rules! audit_append {
    ($tx:ident, $event:expr) => {{
        let event: &$crate::audit::AuditEvent<'_> = $event;
        let (seq, prev_hash): (i64, String) =
            sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut *$tx)
                .await?;
        let entry = $crate::audit::seal(event, seq, prev_hash)?;
        $crate::audit::EntryWrite::write_entry(&mut $tx, &entry).await?;
        entry.seq
    }};
}
pub(crate) use audit_append;

/// The next entry's number and the hash it follows, read by the statement
/// that writes a transaction's record (see [`audit_append_reserved`]).
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct Reserved {
    pub seq: i64,
    pub prev_hash: String,
}

/// A new record's id and the audit entry reserved with it.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct Written {
    pub id: i64,
    #[sqlx(flatten)]
    pub reserved: Reserved,
}

/// As [`audit_append!`], for a record whose own statement already read
/// (on SQLite) or took (on PostgreSQL) the head as `$reserved`, a
/// [`Reserved`]: one round trip fewer while the head is held, for the
/// writes made most often (a vote, a reply).
///
/// On PostgreSQL that statement bumps `audit_head.seq` in a data-modifying
/// `WITH`, taking the head's row lock as `audit_append!` does. On SQLite it
/// reads the head in its `RETURNING` clause: the transaction has held the
/// database's only write lock since `BEGIN IMMEDIATE`, so nothing can move
/// the head between that read and the entry's write, which sets both the
/// head's number and its hash.
macro_rules! audit_append_reserved {
    ($tx:ident, $event:expr, $reserved:expr) => {{
        let event: &$crate::audit::AuditEvent<'_> = $event;
        let reserved: $crate::audit::Reserved = $reserved;
        let entry = $crate::audit::seal(event, reserved.seq, reserved.prev_hash)?;
        $crate::audit::EntryWrite::write_entry(&mut $tx, &entry).await?;
        entry.seq
    }};
}
pub(crate) use audit_append_reserved;

/// Whether `tx` runs on SQLite, for the few statements written once per
/// dialect inside an [`in_tx!`](crate::in_tx) body.
pub(crate) fn is_sqlite<DB: sqlx::Database>(_tx: &sqlx::Transaction<'_, DB>) -> bool {
    DB::NAME == <sqlx::Sqlite as sqlx::Database>::NAME
}

/// Stores a sealed entry and moves the head to it, inside the transaction
/// that took the head's lock, in one round trip: every round trip made while
/// the lock is held makes every other writer wait that much longer.
/// PostgreSQL does it in one statement (the head's number was bumped when
/// its lock was taken); SQLite runs no data-modifying statement inside
/// `WITH`, so it is sent two statements in one command, and sets the head's
/// number too, which [`audit_append_reserved!`] only read.
pub(crate) trait EntryWrite {
    fn write_entry(
        &mut self,
        entry: &AuditEntry,
    ) -> impl std::future::Future<Output = Result<(), sqlx::Error>> + Send;
}

impl EntryWrite for sqlx::Transaction<'_, sqlx::Sqlite> {
    async fn write_entry(&mut self, entry: &AuditEntry) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, action, object, details, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
             UPDATE audit_head SET seq = $1, hash = $8 WHERE id = 1",
        )
        .bind(entry.seq)
        .bind(&entry.at)
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(&entry.object)
        .bind(&entry.details)
        .bind(&entry.prev_hash)
        .bind(&entry.hash)
        .execute(&mut **self)
        .await?;
        Ok(())
    }
}

impl EntryWrite for sqlx::Transaction<'_, sqlx::Postgres> {
    async fn write_entry(&mut self, entry: &AuditEntry) -> Result<(), sqlx::Error> {
        sqlx::query(
            "WITH entry AS (
                 INSERT INTO audit_log (seq, at, actor, action, object, details, prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             )
             UPDATE audit_head SET hash = $8 WHERE id = 1",
        )
        .bind(entry.seq)
        .bind(&entry.at)
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(&entry.object)
        .bind(&entry.details)
        .bind(&entry.prev_hash)
        .bind(&entry.hash)
        .execute(&mut **self)
        .await?;
        Ok(())
    }
}

/// Runs `$body` with `$tx` bound to a read-only transaction that sees one
/// consistent state of the database throughout, even while others append.
/// SQLite in WAL mode gives every read transaction a snapshot; PostgreSQL
/// needs `REPEATABLE READ` for that.
macro_rules! in_snapshot {
    ($store:expr, $tx:ident => $body:expr) => {
        match &$store.pool {
            Pool::Sqlite(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.rollback().await?;
                out
            }
            Pool::Postgres(pool) => {
                let mut $tx = pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?;
                let out = $body;
                $tx.rollback().await?;
                out
            }
        }
    };
}

impl Store {
    /// Records an event on its own, in a transaction of its own. Changes made
    /// by the store record their own events in their own transaction; this is
    /// for events with no other write, such as a sign-in.
    pub async fn record(&self, event: &AuditEvent<'_>) -> StoreResult<i64> {
        let seq = crate::in_tx!(self, tx => audit_append!(tx, event));
        Ok(seq)
    }

    /// The newest `limit` entries about one object (such as
    /// `amendment:spec/3` or `ballot:7`), newest first: an object's
    /// activity, for its feed.
    pub async fn audit_of(&self, object: &str, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        let rows: Vec<EntryRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT seq, at, actor, action, object, details, prev_hash, hash
             FROM audit_log WHERE object = $1 ORDER BY seq DESC LIMIT $2",
        )
        .bind(object)
        .bind(limit.max(0))
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }

    /// Up to `limit` entries numbered after `after_seq`, oldest first: pass
    /// 0 to start at the beginning and the last `seq` seen to go on. A
    /// negative `limit` counts as 0 (PostgreSQL would refuse it, SQLite would
    /// read it as "no limit").
    pub async fn audit_entries(&self, after_seq: i64, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        let rows: Vec<EntryRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT seq, at, actor, action, object, details, prev_hash, hash
             FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after_seq)
        .bind(limit.max(0))
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }

    /// Every entry about one object (such as `spec:steward-baseline`),
    /// newest first.
    pub async fn audit_entries_for(&self, object: &str) -> StoreResult<Vec<AuditEntry>> {
        let rows: Vec<EntryRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT seq, at, actor, action, object, details, prev_hash, hash
             FROM audit_log WHERE object = $1 ORDER BY seq DESC",
        )
        .bind(object)
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }

    /// The newest `limit` entries about one object, newest first.
    pub async fn audit_entries_for_latest(
        &self,
        object: &str,
        limit: i64,
    ) -> StoreResult<Vec<AuditEntry>> {
        let rows: Vec<EntryRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT seq, at, actor, action, object, details, prev_hash, hash
             FROM audit_log WHERE object = $1 ORDER BY seq DESC LIMIT $2",
        )
        .bind(object)
        .bind(limit.max(0))
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }

    /// One page of the entries about one object, oldest first.
    pub async fn audit_entries_for_page(
        &self,
        object: &str,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEntry>> {
        let rows: Vec<EntryRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT seq, at, actor, action, object, details, prev_hash, hash
             FROM audit_log WHERE object = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(object)
        .bind(page.after.as_ref().map_or(0, |k| k.number))
        .bind(page.fetch())
        .fetch_all(p)
        .await)?;
        let entries = rows.into_iter().map(AuditEntry::from).collect();
        Ok(Page::from_rows(entries, page, |e: &AuditEntry| {
            PageKey::number(e.seq)
        }))
    }

    /// The newest entry's number and hash.
    pub async fn audit_head(&self) -> StoreResult<AuditHead> {
        let head = on_pool!(self, p => sqlx::query_as(
            "SELECT seq, hash FROM audit_head WHERE id = 1",
        )
        .fetch_one(p)
        .await)?;
        Ok(head)
    }

    /// Stores a signed checkpoint of the log's head. A second checkpoint of
    /// the same entry (another instance made one at the same moment) is
    /// ignored, so each entry has at most one.
    pub async fn record_checkpoint(
        &self,
        seq: i64,
        hash: &str,
        made_at: OffsetDateTime,
        document: &str,
    ) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO audit_checkpoints (seq, hash, made_at, document) VALUES ($1, $2, $3, $4)
             ON CONFLICT (seq) DO NOTHING",
        )
        .bind(seq)
        .bind(hash)
        .bind(made_at)
        .bind(document)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The checkpoint of entry `seq`.
    pub async fn checkpoint(&self, seq: i64) -> StoreResult<CheckpointRow> {
        let row: Option<CheckpointRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT seq, hash, made_at, document FROM audit_checkpoints WHERE seq = $1",
        )
        .bind(seq)
        .fetch_optional(p)
        .await)?;
        row.ok_or_else(|| StoreError::NotFound(format!("audit checkpoint of entry {seq}")))
    }

    /// The newest checkpoint, if any was made.
    pub async fn latest_checkpoint(&self) -> StoreResult<Option<CheckpointRow>> {
        let row = on_pool!(self, p => sqlx::query_as(
            "SELECT seq, hash, made_at, document FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
        )
        .fetch_optional(p)
        .await)?;
        Ok(row)
    }

    /// Checks the whole log: numbered without gaps, every entry linked to the
    /// one before and hashing to its own hash, and the last one agreeing with
    /// `audit_head`. Reads one consistent snapshot a page at a time. The outer
    /// result is a database failure; the inner one is the verdict: the number
    /// of entries, or the first entry that breaks the chain.
    pub async fn verify_audit(&self) -> StoreResult<Result<usize, ChainBreak>> {
        let verdict = in_snapshot!(self, tx => {
            let head: AuditHead = sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?;
            let mut verifier = ChainVerifier::new();
            let mut after = 0;
            let mut broken = None;
            'pages: loop {
                let rows: Vec<EntryRow> = sqlx::query_as(
                    "SELECT seq, at, actor, action, object, details, prev_hash, hash
                     FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after)
                .bind(VERIFY_PAGE)
                .fetch_all(&mut *tx)
                .await?;
                let Some(last) = rows.last() else { break };
                after = last.seq;
                for row in rows {
                    if let Err(b) = verifier.push(&AuditEntry::from(row)) {
                        broken = Some(b);
                        break 'pages;
                    }
                }
            }
            match broken {
                Some(b) => Err(b),
                None => verifier.finish(head.seq, &head.hash),
            }
        });
        Ok(verdict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_fixed_microsecond_precision() {
        let t = time::macros::datetime!(2026-11-22 10:00:05.120 +02:00);
        assert_eq!(timestamp(t).unwrap(), "2026-11-22T08:00:05.120000Z");
        let t = time::macros::datetime!(2026-11-22 10:00:05.123456789 UTC);
        assert_eq!(timestamp(t).unwrap(), "2026-11-22T10:00:05.123456Z");
        assert!(
            OffsetDateTime::parse(
                &timestamp(t).unwrap(),
                &time::format_description::well_known::Rfc3339
            )
            .is_ok()
        );
    }

    #[test]
    fn sealed_entries_chain_and_verify() {
        let event = AuditEvent {
            actor: "alice",
            action: "group.upsert",
            object: "group:wg",
            details: serde_json::json!({"name": "WG", "members": ["a"]}),
        };
        let first = seal(&event, 1, charta_domain::audit::GENESIS_HASH.into()).unwrap();
        let second = seal(&event, 2, first.hash.clone()).unwrap();
        assert_eq!(first.details, r#"{"members":["a"],"name":"WG"}"#);
        assert_eq!(charta_domain::audit::verify_chain(&[first, second]), Ok(2));
    }
}
