//! Self-assessments against published releases: drafts, their answers and
//! published snapshots.
//!
//! Every write checks, in its own transaction, that the assessment is still
//! a draft (and, for a move, still on the release the caller read), and
//! appends its audit entry there too. Once published, triggers on both
//! backends refuse any change to the assessment, its answers and its files.

use crate::audit::{AuditEvent, audit_append};
use crate::{Store, StoreError, StoreResult, in_tx, now, on_pool};
use charta_domain::assessment::{Answer, Review, Status};
use serde::Serialize;
use time::OffsetDateTime;

/// Rows per statement when a move writes answers: 8 bound values a row
/// stays far below both backends' limits on bound parameters.
const MOVE_BATCH: usize = 500;

/// The columns of [`AssessmentRow`].
macro_rules! assessment_select {
    ($rest:literal) => {
        concat!(
            "SELECT a.id, a.owner_id, u.name AS owner_name, a.organization_id, o.name AS organization_name,
                    a.subject_kind, a.subject_name, a.subject_url, a.release_id, r.name AS release_name,
                    r.spec_id, s.slug AS spec_slug, s.title AS spec_title, s.group_id, g.slug AS group_slug,
                    a.target_level, a.state, a.dropped, a.moved_from_id, m.name AS moved_from_name,
                    a.created_at, a.updated_at, a.published_at, a.achieved_level
             FROM assessments a JOIN users u ON u.id = a.owner_id
             LEFT JOIN organizations o ON o.id = a.organization_id
             JOIN releases r ON r.id = a.release_id JOIN specs s ON s.id = r.spec_id
             JOIN working_groups g ON g.id = s.group_id
             LEFT JOIN releases m ON m.id = a.moved_from_id ",
            $rest
        )
    };
}

/// One assessment, with the names it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AssessmentRow {
    pub id: i64,
    #[serde(skip)]
    pub owner_id: i64,
    pub owner_name: String,
    #[serde(skip)]
    pub organization_id: Option<i64>,
    pub organization_name: Option<String>,
    /// `project`, `repository` or `package`.
    pub subject_kind: String,
    pub subject_name: String,
    pub subject_url: String,
    #[serde(skip)]
    pub release_id: i64,
    pub release_name: String,
    #[serde(skip)]
    pub spec_id: i64,
    pub spec_slug: String,
    pub spec_title: String,
    #[serde(skip)]
    pub group_id: i64,
    pub group_slug: String,
    pub target_level: i64,
    /// `draft` or `published`.
    pub state: String,
    /// Answers that dropped out at the last move (JSON array).
    #[serde(skip)]
    pub dropped: String,
    #[serde(skip)]
    pub moved_from_id: Option<i64>,
    pub moved_from_name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    pub achieved_level: Option<i64>,
}

impl AssessmentRow {
    pub fn is_published(&self) -> bool {
        self.state == "published"
    }
}

/// One stored answer.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AnswerRow {
    pub control: String,
    pub status: Option<String>,
    pub justification: String,
    /// JSON array of links.
    pub evidence: String,
    pub review: Option<String>,
    /// JSON of what changed in the control at the last move, or empty.
    pub redline: String,
    pub updated_at: OffsetDateTime,
}

impl AnswerRow {
    /// The domain's answer; a value the schema's checks let through but
    /// this build does not know reads as no status.
    pub fn answer(&self) -> Answer {
        Answer {
            control: self.control.clone(),
            status: self.status.as_deref().and_then(Status::parse),
            justification: self.justification.clone(),
            evidence: serde_json::from_str(&self.evidence).unwrap_or_default(),
            review: self.review.as_deref().and_then(Review::parse),
        }
    }
}

/// An assessment to start.
#[derive(Debug, Clone)]
pub struct NewAssessment<'a> {
    pub owner_id: i64,
    pub organization_id: Option<i64>,
    pub subject_kind: &'a str,
    pub subject_name: &'a str,
    pub subject_url: &'a str,
    pub release_id: i64,
    pub target_level: u8,
}

/// An answer to write, with the redline that flagged it (or empty).
#[derive(Debug, Clone)]
pub struct NewAnswer {
    pub answer: Answer,
    pub redline: String,
}

/// One file of a published assessment.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AssessmentFile {
    pub name: String,
    pub content: Vec<u8>,
    pub sha256: String,
}

/// How many published assessments of a release reach each level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LevelCount {
    /// The highest level met; none when not even level 1 is.
    pub achieved_level: Option<i64>,
    pub assessments: i64,
}

/// How often one control is answered "not met" or "not applicable" in a
/// release's published assessments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ControlCount {
    pub control: String,
    pub not_met: i64,
    pub not_applicable: i64,
    pub answered: i64,
}

fn object(id: i64) -> String {
    format!("assessment:{id}")
}

/// Refuses unless the assessment is a draft, locking its row for the rest
/// of the transaction.
macro_rules! lock_draft {
    ($tx:ident, $id:expr, $at:expr) => {{
        let done = sqlx::query("UPDATE assessments SET updated_at = $1 WHERE id = $2 AND state = 'draft'")
            .bind($at)
            .bind($id)
            .execute(&mut *$tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "assessment {} is published (or gone) and can no longer change; start a new assessment instead",
                $id
            )));
        }
    }};
}

impl Store {
    /// Starts an assessment, with an `assessment.start` audit entry.
    pub async fn create_assessment(&self, a: NewAssessment<'_>) -> StoreResult<i64> {
        let at = now();
        let actor = format!("user:{}", a.owner_id);
        let id = in_tx!(self, tx => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO assessments (owner_id, organization_id, subject_kind, subject_name, subject_url, release_id, target_level, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .bind(a.owner_id)
            .bind(a.organization_id)
            .bind(a.subject_kind)
            .bind(a.subject_name)
            .bind(a.subject_url)
            .bind(a.release_id)
            .bind(i64::from(a.target_level))
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            audit_append!(tx, &AuditEvent {
                actor: &actor,
                action: "assessment.start",
                object: &object(id),
                details: serde_json::json!({
                    "subject": a.subject_name, "url": a.subject_url, "kind": a.subject_kind,
                    "release": a.release_id, "level": a.target_level, "organization": a.organization_id,
                }),
            });
            id
        });
        Ok(id)
    }

    /// One assessment by id.
    pub async fn assessment(&self, id: i64) -> StoreResult<AssessmentRow> {
        let row: Option<AssessmentRow> = on_pool!(self, p => sqlx::query_as(assessment_select!("WHERE a.id = $1"))
            .bind(id)
            .fetch_optional(p)
            .await)?;
        row.ok_or_else(|| StoreError::NotFound(format!("assessment {id}")))
    }

    /// The assessments a person owns, or that an organisation they speak
    /// for owns, newest first.
    pub async fn assessments_of(
        &self,
        user_id: i64,
        organization_ids: &[i64],
    ) -> StoreResult<Vec<AssessmentRow>> {
        // Few organisations per person: one query per list is simpler than
        // an array bind both backends accept.
        let mut rows: Vec<AssessmentRow> = on_pool!(self, p => sqlx::query_as(assessment_select!("WHERE a.owner_id = $1 ORDER BY a.id DESC"))
            .bind(user_id)
            .fetch_all(p)
            .await)?;
        for org in organization_ids {
            let more: Vec<AssessmentRow> = on_pool!(self, p => sqlx::query_as(assessment_select!("WHERE a.organization_id = $1 AND a.owner_id <> $2 ORDER BY a.id DESC"))
                .bind(org)
                .bind(user_id)
                .fetch_all(p)
                .await)?;
            rows.extend(more);
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.id));
        rows.dedup_by_key(|r| r.id);
        Ok(rows)
    }

    /// Published assessments of one release, newest first.
    pub async fn published_assessments(&self, release_id: i64) -> StoreResult<Vec<AssessmentRow>> {
        Ok(
            on_pool!(self, p => sqlx::query_as(assessment_select!("WHERE a.release_id = $1 AND a.state = 'published' ORDER BY a.id DESC"))
            .bind(release_id)
            .fetch_all(p)
            .await)?,
        )
    }

    /// Draft assessments on a release of `spec_id` older than `release_id`:
    /// whose owners hear of a new release.
    pub async fn drafts_behind(
        &self,
        spec_id: i64,
        release_id: i64,
    ) -> StoreResult<Vec<AssessmentRow>> {
        Ok(
            on_pool!(self, p => sqlx::query_as(assessment_select!("WHERE r.spec_id = $1 AND a.release_id < $2 AND a.state = 'draft' ORDER BY a.id"))
            .bind(spec_id)
            .bind(release_id)
            .fetch_all(p)
            .await)?,
        )
    }

    /// The answers of an assessment, by control.
    pub async fn assessment_answers(&self, id: i64) -> StoreResult<Vec<AnswerRow>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT control, status, justification, evidence, review, redline, updated_at
             FROM assessment_answers WHERE assessment_id = $1 ORDER BY control",
        )
        .bind(id)
        .fetch_all(p)
        .await)?)
    }

    /// Records one answer of a draft (replacing an earlier one, and
    /// clearing any review flag), with an `assessment.answer` audit entry.
    pub async fn save_answer(&self, id: i64, actor: &str, a: &Answer) -> StoreResult<()> {
        let at = now();
        let evidence = serde_json::to_string(&a.evidence)
            .map_err(|e| StoreError::Conflict(format!("evidence links: {e}")))?;
        in_tx!(self, tx => {
            lock_draft!(tx, id, at);
            sqlx::query(
                "INSERT INTO assessment_answers (assessment_id, control, status, justification, evidence, review, redline, updated_at)
                 VALUES ($1, $2, $3, $4, $5, NULL, '', $6)
                 ON CONFLICT (assessment_id, control) DO UPDATE SET status = excluded.status,
                     justification = excluded.justification, evidence = excluded.evidence,
                     review = NULL, redline = '', updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(&a.control)
            .bind(a.status.map(Status::as_str))
            .bind(&a.justification)
            .bind(&evidence)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            audit_append!(tx, &AuditEvent {
                actor,
                action: "assessment.answer",
                object: &object(id),
                details: serde_json::json!({
                    "control": a.control, "status": a.status.map(Status::as_str),
                    "evidence": a.evidence.len(),
                }),
            });
        });
        Ok(())
    }

    /// Moves a draft from release `from` to release `to`, with an
    /// `assessment.move` audit entry: writes the answers that change (those
    /// flagged for review, and new controls), deletes the answers of
    /// controls in `removed`, and leaves every other answer's row as it is,
    /// so a move costs what changed, not the size of the assessment.
    /// Refused if the assessment moved or was published meanwhile.
    #[expect(clippy::too_many_arguments, reason = "one move, stated in full")]
    pub async fn move_assessment(
        &self,
        id: i64,
        actor: &str,
        from: i64,
        to: i64,
        changed: &[NewAnswer],
        removed: &[String],
        dropped: &str,
    ) -> StoreResult<()> {
        let at = now();
        in_tx!(self, tx => {
            let done = sqlx::query(
                "UPDATE assessments SET release_id = $1, moved_from_id = $2, dropped = $3, updated_at = $4
                 WHERE id = $5 AND release_id = $2 AND state = 'draft'",
            )
            .bind(to)
            .bind(from)
            .bind(dropped)
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "assessment {id} moved or was published meanwhile; reload it and try again"
                )));
            }
            // A move of a large assessment writes a hundred answers or
            // more: a few statements of many rows each, not one round trip
            // per answer.
            for chunk in removed.chunks(MOVE_BATCH) {
                let mut q = sqlx::QueryBuilder::new("DELETE FROM assessment_answers WHERE assessment_id = ");
                q.push_bind(id).push(" AND control IN (");
                let mut list = q.separated(", ");
                for control in chunk {
                    list.push_bind(control.as_str());
                }
                q.push(")");
                q.build().execute(&mut *tx).await?;
            }
            let evidence = changed
                .iter()
                .map(|n| serde_json::to_string(&n.answer.evidence))
                .collect::<Result<Vec<String>, _>>()
                .map_err(|e| StoreError::Conflict(format!("evidence links: {e}")))?;
            let rows: Vec<(&NewAnswer, &String)> = changed.iter().zip(&evidence).collect();
            for chunk in rows.chunks(MOVE_BATCH) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO assessment_answers (assessment_id, control, status, justification, evidence, review, redline, updated_at) ",
                );
                q.push_values(chunk, |mut b, (n, evidence)| {
                    let a = &n.answer;
                    b.push_bind(id)
                        .push_bind(a.control.as_str())
                        .push_bind(a.status.map(Status::as_str))
                        .push_bind(a.justification.as_str())
                        .push_bind(evidence.as_str())
                        .push_bind(a.review.map(Review::as_str))
                        .push_bind(n.redline.as_str())
                        .push_bind(at);
                });
                q.push(
                    " ON CONFLICT (assessment_id, control) DO UPDATE SET status = excluded.status,
                         justification = excluded.justification, evidence = excluded.evidence,
                         review = excluded.review, redline = excluded.redline, updated_at = excluded.updated_at",
                );
                q.build().execute(&mut *tx).await?;
            }
            audit_append!(tx, &AuditEvent {
                actor,
                action: "assessment.move",
                object: &object(id),
                details: serde_json::json!({"from": from, "to": to, "flagged": changed.len(), "removed": removed.len()}),
            });
        });
        Ok(())
    }

    /// Publishes a draft for good with its files, with an
    /// `assessment.publish` audit entry. Refused if it moved to another
    /// release than `release_id` meanwhile (the signed statement names the
    /// release) or was published already.
    pub async fn publish_assessment(
        &self,
        id: i64,
        actor: &str,
        release_id: i64,
        achieved_level: Option<u8>,
        files: &[(&str, &[u8], String)],
    ) -> StoreResult<OffsetDateTime> {
        let at = now();
        in_tx!(self, tx => {
            let done = sqlx::query(
                "UPDATE assessments SET state = 'published', published_at = $1, achieved_level = $2
                 WHERE id = $3 AND state = 'draft' AND release_id = $4",
            )
            .bind(at)
            .bind(achieved_level.map(i64::from))
            .bind(id)
            .bind(release_id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "assessment {id} moved to another release or was published meanwhile; reload it and publish again"
                )));
            }
            for (name, content, sha) in files {
                sqlx::query("INSERT INTO assessment_files (assessment_id, name, content, sha256) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(*name)
                    .bind(*content)
                    .bind(sha)
                    .execute(&mut *tx)
                    .await?;
            }
            audit_append!(tx, &AuditEvent {
                actor,
                action: "assessment.publish",
                object: &object(id),
                details: serde_json::json!({
                    "level": achieved_level,
                    "files": files.iter().map(|(n, _, s)| serde_json::json!({"name": n, "sha256": s})).collect::<Vec<_>>(),
                }),
            });
        });
        Ok(at)
    }

    /// One file of a published assessment.
    pub async fn assessment_file(&self, id: i64, name: &str) -> StoreResult<AssessmentFile> {
        let row: Option<AssessmentFile> = on_pool!(self, p => sqlx::query_as(
            "SELECT name, content, sha256 FROM assessment_files WHERE assessment_id = $1 AND name = $2",
        )
        .bind(id)
        .bind(name)
        .fetch_optional(p)
        .await)?;
        row.ok_or_else(|| StoreError::NotFound(format!("file {name} of assessment {id}")))
    }

    /// How many published assessments of a release reach each level.
    pub async fn assessment_level_counts(&self, release_id: i64) -> StoreResult<Vec<LevelCount>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT achieved_level, COUNT(*) AS assessments FROM assessments
             WHERE release_id = $1 AND state = 'published' GROUP BY achieved_level ORDER BY achieved_level",
        )
        .bind(release_id)
        .fetch_all(p)
        .await)?)
    }

    /// Per control, how often the published assessments of a release say
    /// "not met" or "not applicable", most often not met first.
    pub async fn assessment_control_counts(
        &self,
        release_id: i64,
    ) -> StoreResult<Vec<ControlCount>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT x.control,
                    CAST(SUM(CASE WHEN x.status = 'not-met' THEN 1 ELSE 0 END) AS BIGINT) AS not_met,
                    CAST(SUM(CASE WHEN x.status = 'not-applicable' THEN 1 ELSE 0 END) AS BIGINT) AS not_applicable,
                    COUNT(x.status) AS answered
             FROM assessment_answers x JOIN assessments a ON a.id = x.assessment_id
             WHERE a.release_id = $1 AND a.state = 'published'
             GROUP BY x.control ORDER BY not_met DESC, not_applicable DESC, x.control",
        )
        .bind(release_id)
        .fetch_all(p)
        .await)?)
    }
}
