//! Amendments, their immutable revisions and the review threads on them.

use crate::audit::{AuditEvent, Written, audit_append, audit_append_reserved};
use crate::page::{Page, PageKey, PageRequest};
use crate::{Store, StoreError, StoreResult, in_tx, now, on_pool};
use charta_domain::amendment::AmendmentState;
use charta_domain::approval::resets_votes;
use charta_domain::ballot::Rules;
use charta_domain::diff::TextChange;
use time::OffsetDateTime;

/// The columns of [`AmendmentRow`], joined with the names it shows, followed
/// by the rest of the query; one definition for every amendment query.
macro_rules! amendment_select {
    ($rest:literal) => {
        concat!(
            "SELECT a.id, a.spec_id, s.slug AS spec_slug, a.number, a.title, a.description, a.author_id, u.name AS author_name,
                    a.state, a.head_revision, a.merged_version, a.closed_reason, a.created_at, a.updated_at
             FROM amendments a JOIN specs s ON s.id = a.spec_id JOIN users u ON u.id = a.author_id ",
            $rest
        )
    };
}

/// Inserts one revision row inside a transaction.
macro_rules! insert_revision {
    ($tx:ident, $amendment_id:expr, $number:expr, $r:expr, $at:expr) => {{
        let r: &NewRevision<'_> = $r;
        // Typed once, so the statement is always prepared with BIGINT here:
        // PostgreSQL caches parameter types per statement and connection.
        let number: i64 = $number;
        sqlx::query(
            "INSERT INTO amendment_revisions (amendment_id, number, base_version, content, content_hash, author_id, message, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind($amendment_id)
        .bind(number)
        .bind(r.base_version)
        .bind(r.content)
        .bind(r.content_hash)
        .bind(r.author_id)
        .bind(r.message)
        .bind($at)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// An amendment with the names a page shows.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AmendmentRow {
    pub id: i64,
    pub spec_id: i64,
    pub spec_slug: String,
    pub number: i64,
    pub title: String,
    pub description: String,
    pub author_id: i64,
    pub author_name: String,
    #[sqlx(try_from = "String")]
    pub state: AmendmentState,
    pub head_revision: i64,
    pub merged_version: Option<i64>,
    pub closed_reason: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// One revision of an amendment: the whole proposed specification.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RevisionRow {
    pub amendment_id: i64,
    pub number: i64,
    /// The specification version this revision is based on.
    pub base_version: i64,
    /// The text, when `content_loaded`; empty otherwise (see
    /// [`Store::revisions_newest_text`] and [`Store::revision_text`]).
    pub content: String,
    pub content_loaded: bool,
    pub content_hash: String,
    pub author_name: String,
    pub message: String,
    pub created_at: OffsetDateTime,
}

/// A review thread: on the whole amendment, or on lines of one field of one
/// control in one revision.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ThreadRow {
    pub id: i64,
    /// The revision whose text the lines are counted in; 0 for the
    /// specification version the amendment was based on.
    pub revision: i64,
    pub control_id: Option<String>,
    pub field: Option<String>,
    pub first_line: Option<i64>,
    pub last_line: Option<i64>,
    pub anchor_text: String,
    /// An objection: the amendment cannot merge while it is unresolved.
    pub blocking: bool,
    pub resolved: bool,
    /// Replacement text for the anchored lines that the reviewer suggests;
    /// empty when there is none.
    pub suggestion: String,
    /// The revision that applied the suggestion.
    pub applied_in: Option<i64>,
    pub author_id: i64,
    pub author_name: String,
    pub created_at: OffsetDateTime,
}

/// A comment in a thread.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CommentRow {
    pub id: i64,
    pub thread_id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub body: String,
    pub created_at: OffsetDateTime,
}

/// A new amendment with its first revision.
#[derive(Debug, Clone)]
pub struct NewAmendment<'a> {
    pub spec_id: i64,
    pub spec_slug: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub author_id: i64,
    /// `draft` or `open`.
    pub state: &'a str,
    pub revision: NewRevision<'a>,
}

/// A new revision.
#[derive(Debug, Clone)]
pub struct NewRevision<'a> {
    pub base_version: i64,
    /// Canonical specification text.
    pub content: &'a str,
    pub content_hash: &'a str,
    pub author_id: i64,
    pub message: &'a str,
}

/// A new review thread and its first comment.
#[derive(Debug, Clone)]
pub struct NewThread<'a> {
    pub amendment_id: i64,
    pub revision: i64,
    pub control_id: Option<&'a str>,
    pub field: Option<&'a str>,
    pub first_line: Option<i64>,
    pub last_line: Option<i64>,
    pub anchor_text: &'a str,
    pub blocking: bool,
    pub author_id: i64,
    pub body: &'a str,
    /// A suggested replacement for the anchored lines, or empty.
    pub suggestion: &'a str,
}

impl Store {
    /// Creates an amendment, numbered next for its specification, with its
    /// first revision.
    pub async fn create_amendment(&self, a: NewAmendment<'_>) -> StoreResult<i64> {
        let at = now();
        let actor = format!("user:{}", a.author_id);
        let number = in_tx!(self, tx => {
            let (next,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(number), 0) + 1 FROM amendments WHERE spec_id = $1")
                .bind(a.spec_id)
                .fetch_one(&mut *tx)
                .await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO amendments (spec_id, number, title, description, author_id, state, head_revision, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id",
            )
            .bind(a.spec_id)
            .bind(next)
            .bind(a.title)
            .bind(a.description)
            .bind(a.author_id)
            .bind(a.state)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            insert_revision!(tx, id, 1, &a.revision, at);
            let object = format!("amendment:{}/{next}", a.spec_slug);
            audit_append!(tx, &AuditEvent {
                actor: &actor,
                action: "amendment.create",
                object: &object,
                details: serde_json::json!({"title": a.title, "state": a.state, "base_version": a.revision.base_version, "content_hash": a.revision.content_hash}),
            });
            next
        });
        Ok(number)
    }

    /// The amendments of a specification, newest first.
    pub async fn amendments(&self, spec_id: i64) -> StoreResult<Vec<AmendmentRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            amendment_select!("WHERE a.spec_id = $1 ORDER BY a.number DESC"),
        )
        .bind(spec_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// One page of the amendments of a specification, newest first.
    pub async fn amendments_page(
        &self,
        spec_id: i64,
        page: &PageRequest,
    ) -> StoreResult<Page<AmendmentRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            amendment_select!("WHERE a.spec_id = $1 AND a.number < $2 ORDER BY a.number DESC LIMIT $3"),
        )
        .bind(spec_id)
        .bind(page.before_descending())
        .bind(page.fetch())
        .fetch_all(p)
        .await)?;
        Ok(Page::from_rows(rows, page, |a: &AmendmentRow| {
            PageKey::number(a.number)
        }))
    }

    /// One amendment of a specification by number.
    pub async fn amendment(&self, spec_id: i64, number: i64) -> StoreResult<AmendmentRow> {
        let row: Option<AmendmentRow> = on_pool!(self, p => sqlx::query_as(
            amendment_select!("WHERE a.spec_id = $1 AND a.number = $2"),
        )
        .bind(spec_id)
        .bind(number)
        .fetch_optional(p)
        .await)?;
        row.ok_or_else(|| StoreError::NotFound(format!("amendment {number}")))
    }

    /// Every revision of an amendment with its text, oldest first.
    pub async fn revisions(&self, amendment_id: i64) -> StoreResult<Vec<RevisionRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT r.amendment_id, r.number, r.base_version, r.content, TRUE AS content_loaded, r.content_hash,
                    u.name AS author_name, r.message, r.created_at
             FROM amendment_revisions r JOIN users u ON u.id = r.author_id
             WHERE r.amendment_id = $1 ORDER BY r.number",
        )
        .bind(amendment_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// Every revision of an amendment, oldest first, with the text of the
    /// newest only. Each action on an amendment needs the newest text at
    /// most, and each text is a whole specification (megabytes for a large
    /// one); older ones are read when needed with [`Store::revision_text`].
    pub async fn revisions_newest_text(&self, amendment_id: i64) -> StoreResult<Vec<RevisionRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT r.amendment_id, r.number, r.base_version,
                    CASE WHEN r.number = m.newest THEN r.content ELSE '' END AS content,
                    r.number = m.newest AS content_loaded, r.content_hash,
                    u.name AS author_name, r.message, r.created_at
             FROM amendment_revisions r
             JOIN users u ON u.id = r.author_id
             JOIN (SELECT MAX(number) AS newest FROM amendment_revisions WHERE amendment_id = $1) m ON TRUE
             WHERE r.amendment_id = $1 ORDER BY r.number",
        )
        .bind(amendment_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// The text of one revision.
    pub async fn revision_text(&self, amendment_id: i64, number: i64) -> StoreResult<String> {
        let row: Option<(String,)> = on_pool!(self, p => sqlx::query_as(
            "SELECT content FROM amendment_revisions WHERE amendment_id = $1 AND number = $2",
        )
        .bind(amendment_id)
        .bind(number)
        .fetch_optional(p)
        .await)?;
        row.map(|(text,)| text)
            .ok_or_else(|| StoreError::NotFound(format!("revision {number}")))
    }

    /// The newest revision's number, base version and content hash, without
    /// its text: enough to find its parsed form in a cache.
    pub async fn latest_revision_key(
        &self,
        amendment_id: i64,
    ) -> StoreResult<Option<(i64, i64, String)>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT number, base_version, content_hash FROM amendment_revisions WHERE amendment_id = $1 ORDER BY number DESC LIMIT 1",
        )
        .bind(amendment_id)
        .fetch_optional(p)
        .await)?)
    }

    /// Adds a revision if the newest is still `expected_head` and the
    /// amendment is still draft or open; otherwise nothing is written and a
    /// conflict is reported. The revision counts as normative: an open
    /// ballot on the amendment starts a new round.
    pub async fn add_revision(
        &self,
        a: &AmendmentRow,
        expected_head: i64,
        r: NewRevision<'_>,
    ) -> StoreResult<i64> {
        self.add_classified_revision(a, expected_head, r, TextChange::Normative, &[])
            .await
    }

    /// Adds a revision as [`Store::add_revision`] does. An open ballot on
    /// the amendment moves on to the new revision; when the revision's
    /// `change` resets the votes under the rules the ballot runs under
    /// ([`resets_votes`]: a normative change always, an editorial one
    /// unless the rules let editorial changes follow an approval), the
    /// votes cast so far stop counting and a new round starts, in the same
    /// transaction.
    pub async fn add_classified_revision(
        &self,
        a: &AmendmentRow,
        expected_head: i64,
        r: NewRevision<'_>,
        change: TextChange,
        applies: &[i64],
    ) -> StoreResult<i64> {
        let at = now();
        let number = expected_head + 1;
        let actor = format!("user:{}", r.author_id);
        in_tx!(self, tx => {
            let moved = sqlx::query(
                "UPDATE amendments SET head_revision = $1, updated_at = $2
                 WHERE id = $3 AND head_revision = $4 AND state IN ('draft', 'open')",
            )
            .bind(number)
            .bind(at)
            .bind(a.id)
            .bind(expected_head)
            .execute(&mut *tx)
            .await?;
            if moved.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "amendment {} changed meanwhile (another revision was posted, or it was closed); reload it and try again",
                    a.number
                )));
            }
            insert_revision!(tx, a.id, number, &r, at);
            // Moving the open ballot first takes its row lock, so no vote
            // lands between reading its rules and starting a new round.
            let ballot: Option<(i64, String)> = sqlx::query_as(
                "UPDATE ballots SET revision = $1 WHERE amendment_id = $2 AND state = 'open' RETURNING id, rules",
            )
            .bind(number)
            .bind(a.id)
            .fetch_optional(&mut *tx)
            .await?;
            let object = format!("amendment:{}/{}", a.spec_slug, a.number);
            if let Some((ballot_id, rules)) = ballot {
                let rules: Rules = serde_json::from_str(&rules).map_err(|e| {
                    StoreError::Config(format!("ballot {ballot_id} has unreadable rules: {e}"))
                })?;
                if resets_votes(change, &rules) {
                    let (round,): (i64,) = sqlx::query_as(
                        "UPDATE ballots SET round = round + 1 WHERE id = $1 RETURNING round",
                    )
                    .bind(ballot_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    let reason = match change {
                        TextChange::Normative => "a normative revision was posted",
                        _ => "an editorial revision was posted, and the ballot's rules do not let changes follow an approval",
                    };
                    let ballot_object = format!("ballot:{ballot_id}");
                    audit_append!(tx, &AuditEvent {
                        actor: &actor,
                        action: "ballot.reset",
                        object: &ballot_object,
                        details: serde_json::json!({"revision": number, "round": round, "reason": reason}),
                    });
                }
            }
            audit_append!(tx, &AuditEvent {
                actor: &actor,
                action: "amendment.revise",
                object: &object,
                details: serde_json::json!({"revision": number, "base_version": r.base_version, "content_hash": r.content_hash, "message": r.message, "normative": change == TextChange::Normative, "change": change.as_str()}),
            });
            // Suggestions this revision applies: their threads are settled
            // by the change, once.
            for thread in applies {
                let marked: Option<(i64,)> = sqlx::query_as(
                    "UPDATE review_threads SET resolved = TRUE, applied_in = $1, updated_at = $2
                     WHERE id = $3 AND amendment_id = $4 AND suggestion <> '' AND applied_in IS NULL
                     RETURNING author_id",
                )
                .bind(number)
                .bind(at)
                .bind(thread)
                .bind(a.id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((suggested_by,)) = marked else {
                    return Err(StoreError::Conflict(format!(
                        "the suggestion in thread {thread} was applied meanwhile, or there is none; reload the amendment"
                    )));
                };
                audit_append!(tx, &AuditEvent {
                    actor: &actor,
                    action: "review.suggestion.apply",
                    object: &object,
                    details: serde_json::json!({"thread": thread, "revision": number, "suggested_by": format!("user:{suggested_by}")}),
                });
            }
        });
        Ok(number)
    }

    /// Moves an amendment from state `from` to `to` (checked by the domain
    /// state machine before), if nobody moved it meanwhile.
    pub async fn set_amendment_state(
        &self,
        a: &AmendmentRow,
        from: &str,
        to: &str,
        reason: &str,
        actor: &str,
    ) -> StoreResult<()> {
        let at = now();
        in_tx!(self, tx => {
            let moved = sqlx::query(
                "UPDATE amendments SET state = $1, closed_reason = $2, updated_at = $3 WHERE id = $4 AND state = $5",
            )
            .bind(to)
            .bind(reason)
            .bind(at)
            .bind(a.id)
            .bind(from)
            .execute(&mut *tx)
            .await?;
            if moved.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!("amendment {} is no longer {from}; reload it", a.number)));
            }
            let object = format!("amendment:{}/{}", a.spec_slug, a.number);
            audit_append!(tx, &AuditEvent {
                actor,
                action: "amendment.state",
                object: &object,
                details: serde_json::json!({"from": from, "to": to, "reason": reason}),
            });
        });
        Ok(())
    }

    /// Opens a review thread with its first comment.
    pub async fn create_thread(&self, a: &AmendmentRow, t: NewThread<'_>) -> StoreResult<i64> {
        let at = now();
        let actor = format!("user:{}", t.author_id);
        let id = in_tx!(self, tx => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO review_threads (amendment_id, revision, control_id, field, first_line, last_line, anchor_text, blocking, resolved, author_id, created_at, updated_at, suggestion)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12) RETURNING id",
            )
            .bind(t.amendment_id)
            .bind(t.revision)
            .bind(t.control_id)
            .bind(t.field)
            .bind(t.first_line)
            .bind(t.last_line)
            .bind(t.anchor_text)
            .bind(t.blocking)
            .bind(false)
            .bind(t.author_id)
            .bind(at)
            .bind(t.suggestion)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO review_comments (thread_id, author_id, body, created_at) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(t.author_id)
                .bind(t.body)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            let object = format!("amendment:{}/{}", a.spec_slug, a.number);
            audit_append!(tx, &AuditEvent {
                actor: &actor,
                action: "review.thread.create",
                object: &object,
                details: serde_json::json!({"thread": id, "revision": t.revision, "control": t.control_id, "field": t.field, "lines": [t.first_line, t.last_line], "blocking": t.blocking}),
            });
            id
        });
        Ok(id)
    }

    /// Adds a reply to a thread of the amendment.
    pub async fn reply(
        &self,
        a: &AmendmentRow,
        thread_id: i64,
        author_id: i64,
        body: &str,
    ) -> StoreResult<i64> {
        let at = now();
        let actor = format!("user:{author_id}");
        let id = in_tx!(self, tx => {
            // The comment, its thread marked as updated and its audit
            // entry's place in the chain, in one round trip (see
            // `audit_append_reserved!`); no row when the amendment has no
            // such thread. SQLite runs no data-modifying statement inside
            // `WITH`, so it is sent two statements in one command, whose
            // rows are all read so that it runs to its end. On PostgreSQL
            // the head is bumped only once the comment is written (its
            // `WHERE` reads `comment`), so its lock is still the last taken.
            let sql = if crate::audit::is_sqlite(&tx) {
                "UPDATE review_threads SET updated_at = $4 WHERE id = $1 AND amendment_id = $5;
                 INSERT INTO review_comments (thread_id, author_id, body, created_at)
                 SELECT $1, $2, $3, $4
                 WHERE EXISTS (SELECT 1 FROM review_threads WHERE id = $1 AND amendment_id = $5)
                 RETURNING id, (SELECT seq + 1 FROM audit_head WHERE id = 1) AS seq,
                     (SELECT hash FROM audit_head WHERE id = 1) AS prev_hash"
            } else {
                "WITH thread AS (
                     UPDATE review_threads SET updated_at = $4 WHERE id = $1 AND amendment_id = $5 RETURNING id
                 ), comment AS (
                     INSERT INTO review_comments (thread_id, author_id, body, created_at)
                     SELECT thread.id, $2, $3, $4 FROM thread
                     RETURNING id
                 ), head AS (
                     UPDATE audit_head SET seq = seq + 1 WHERE id = 1 AND EXISTS (SELECT 1 FROM comment)
                     RETURNING seq, hash
                 )
                 SELECT comment.id, head.seq, head.hash AS prev_hash FROM comment, head"
            };
            let rows: Vec<Written> = sqlx::query_as(sql)
                .bind(thread_id)
                .bind(author_id)
                .bind(body)
                .bind(at)
                .bind(a.id)
                .fetch_all(&mut *tx)
                .await?;
            let Some(Written { id, reserved }) = rows.into_iter().next() else {
                return Err(StoreError::NotFound(format!("thread {thread_id} on amendment {}", a.number)));
            };
            let object = format!("amendment:{}/{}", a.spec_slug, a.number);
            audit_append_reserved!(tx, &AuditEvent { actor: &actor, action: "review.comment", object: &object, details: serde_json::json!({"thread": thread_id, "comment": id}) }, reserved);
            id
        });
        Ok(id)
    }

    /// Resolves or reopens a thread of the amendment.
    pub async fn set_thread_resolved(
        &self,
        a: &AmendmentRow,
        thread_id: i64,
        resolved: bool,
        actor: &str,
    ) -> StoreResult<()> {
        let at = now();
        in_tx!(self, tx => {
            let ok = sqlx::query("UPDATE review_threads SET resolved = $1, updated_at = $2 WHERE id = $3 AND amendment_id = $4")
                .bind(resolved)
                .bind(at)
                .bind(thread_id)
                .bind(a.id)
                .execute(&mut *tx)
                .await?;
            if ok.rows_affected() != 1 {
                return Err(StoreError::NotFound(format!("thread {thread_id} on amendment {}", a.number)));
            }
            let object = format!("amendment:{}/{}", a.spec_slug, a.number);
            audit_append!(tx, &AuditEvent {
                actor,
                action: if resolved { "review.thread.resolve" } else { "review.thread.reopen" },
                object: &object,
                details: serde_json::json!({"thread": thread_id}),
            });
        });
        Ok(())
    }

    /// The threads of an amendment, oldest first.
    pub async fn threads(&self, amendment_id: i64) -> StoreResult<Vec<ThreadRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT t.id, t.revision, t.control_id, t.field, t.first_line, t.last_line, t.anchor_text, t.blocking, t.resolved,
                    t.suggestion, t.applied_in, t.author_id, u.name AS author_name, t.created_at
             FROM review_threads t JOIN users u ON u.id = t.author_id
             WHERE t.amendment_id = $1 ORDER BY t.id",
        )
        .bind(amendment_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// Every comment on an amendment, oldest first.
    pub async fn comments(&self, amendment_id: i64) -> StoreResult<Vec<CommentRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT c.id, c.thread_id, c.author_id, u.name AS author_name, c.body, c.created_at
             FROM review_comments c JOIN review_threads t ON t.id = c.thread_id JOIN users u ON u.id = c.author_id
             WHERE t.amendment_id = $1 ORDER BY c.id",
        )
        .bind(amendment_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// Asks someone to review an amendment, with a `review.request` audit
    /// entry (which is what tells the reviewer). Asking again changes
    /// nothing and records nothing.
    pub async fn request_review(
        &self,
        a: &AmendmentRow,
        user_id: i64,
        actor: &str,
    ) -> StoreResult<()> {
        in_tx!(self, tx => {
            let added = sqlx::query(
                "INSERT INTO review_requests (amendment_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(a.id)
            .bind(user_id)
            .bind(now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if added == 1 {
                let object = format!("amendment:{}/{}", a.spec_slug, a.number);
                audit_append!(tx, &AuditEvent {
                    actor,
                    action: "review.request",
                    object: &object,
                    details: serde_json::json!({"reviewer": user_id}),
                });
            }
        });
        Ok(())
    }

    /// The people asked to review an amendment.
    pub async fn review_requests(&self, amendment_id: i64) -> StoreResult<Vec<i64>> {
        let rows = on_pool!(self, p => sqlx::query_scalar(
            "SELECT user_id FROM review_requests WHERE amendment_id = $1 ORDER BY user_id",
        )
        .bind(amendment_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// Open or draft amendments a person wrote, reviews requested from them,
    /// and amendments with threads in which someone else spoke last after
    /// them: what the "my work" page lists.
    pub async fn work_of(&self, user_id: i64) -> StoreResult<Work> {
        let authored: Vec<AmendmentRow> = on_pool!(self, p => sqlx::query_as(
            amendment_select!("WHERE a.author_id = $1 AND a.state IN ('draft', 'open') ORDER BY a.updated_at DESC"),
        )
        .bind(user_id)
        .fetch_all(p)
        .await)?;
        let review: Vec<AmendmentRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT a.id, a.spec_id, s.slug AS spec_slug, a.number, a.title, a.description, a.author_id, u.name AS author_name,
                    a.state, a.head_revision, a.merged_version, a.closed_reason, a.created_at, a.updated_at
             FROM review_requests r JOIN amendments a ON a.id = r.amendment_id
             JOIN specs s ON s.id = a.spec_id JOIN users u ON u.id = a.author_id
             WHERE r.user_id = $1 AND a.state = 'open' ORDER BY a.updated_at DESC",
        )
        .bind(user_id)
        .fetch_all(p)
        .await)?;
        let replies: Vec<AmendmentRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT DISTINCT a.id, a.spec_id, s.slug AS spec_slug, a.number, a.title, a.description, a.author_id, u.name AS author_name,
                    a.state, a.head_revision, a.merged_version, a.closed_reason, a.created_at, a.updated_at
             FROM review_threads t
             JOIN amendments a ON a.id = t.amendment_id
             JOIN specs s ON s.id = a.spec_id JOIN users u ON u.id = a.author_id
             WHERE a.state IN ('draft', 'open') AND NOT t.resolved
               AND EXISTS (SELECT 1 FROM review_comments mine WHERE mine.thread_id = t.id AND mine.author_id = $1)
               AND (SELECT c.author_id FROM review_comments c WHERE c.thread_id = t.id ORDER BY c.id DESC LIMIT 1) <> $1
             ORDER BY a.updated_at DESC",
        )
        .bind(user_id)
        .fetch_all(p)
        .await)?;
        Ok(Work {
            authored,
            review,
            replies,
        })
    }
}

/// What waits on a person.
#[derive(Debug, Clone, Default)]
pub struct Work {
    /// Their own amendments still in progress.
    pub authored: Vec<AmendmentRow>,
    /// Open amendments they were asked to review.
    pub review: Vec<AmendmentRow>,
    /// Amendments with unresolved threads where someone answered them.
    pub replies: Vec<AmendmentRow>,
}
