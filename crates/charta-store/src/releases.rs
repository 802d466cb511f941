//! Published releases and their artefacts.
//!
//! A release row and its files are written in one transaction with the
//! audit entry, and never change afterwards (triggers on both backends allow
//! only marking a release superseded, once). Consumers read the bytes
//! exactly as they were signed.

use crate::audit::{AuditEvent, audit_append};
use crate::page::{Page, PageKey, PageRequest};
use crate::{Store, StoreError, StoreResult, in_tx, now, on_pool};
use time::OffsetDateTime;

/// The columns of [`ReleaseRow`].
macro_rules! release_select {
    ($rest:literal) => {
        concat!(
            "SELECT r.id, r.spec_id, s.slug AS spec_slug, s.title AS spec_title, g.slug AS group_slug, r.version, r.name,
                    r.published_on, r.published_at, u.name AS publisher_name, r.predecessor_id, p.name AS predecessor_name,
                    r.ballot_id, r.manifest_sha256, r.key_id, r.audit_checkpoint_seq, r.superseded_at, r.superseded_reason
             FROM releases r JOIN specs s ON s.id = r.spec_id JOIN working_groups g ON g.id = s.group_id
             JOIN users u ON u.id = r.published_by LEFT JOIN releases p ON p.id = r.predecessor_id ",
            $rest
        )
    };
}

/// A published release.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReleaseRow {
    pub id: i64,
    pub spec_id: i64,
    pub spec_slug: String,
    pub spec_title: String,
    pub group_slug: String,
    /// The specification version the release freezes.
    pub version: i64,
    /// The release's name, such as `1.2.0`.
    pub name: String,
    /// Publication date, `YYYY-MM-DD`.
    pub published_on: String,
    pub published_at: OffsetDateTime,
    pub publisher_name: String,
    pub predecessor_id: Option<i64>,
    /// The previous release's name.
    pub predecessor_name: Option<String>,
    /// The release ballot that approved it.
    pub ballot_id: Option<i64>,
    /// SHA-256 of `manifest.json`, hex.
    pub manifest_sha256: String,
    /// The signing key's id.
    pub key_id: String,
    /// The audit entry pinned by the checkpoint the release carries
    /// (`audit-checkpoint.json`); none for releases made before checkpoints.
    pub audit_checkpoint_seq: Option<i64>,
    pub superseded_at: Option<OffsetDateTime>,
    pub superseded_reason: String,
}

/// One stored artefact.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReleaseFile {
    pub name: String,
    pub content: Vec<u8>,
    /// SHA-256 of `content`, hex.
    pub sha256: String,
}

/// A release to write.
#[derive(Debug, Clone)]
pub struct NewRelease<'a> {
    pub spec_id: i64,
    pub spec_slug: &'a str,
    pub version: i64,
    pub name: &'a str,
    pub published_on: &'a str,
    pub published_by: i64,
    pub predecessor_id: Option<i64>,
    pub ballot_id: Option<i64>,
    pub manifest_sha256: &'a str,
    pub key_id: &'a str,
    /// The audit checkpoint the bundle carries.
    pub audit_checkpoint_seq: Option<i64>,
    /// Every file of the bundle, with its SHA-256 hex.
    pub files: Vec<(&'a str, &'a [u8], String)>,
}

impl Store {
    /// Writes a release with all its files, if its predecessor is still the
    /// newest release of the specification (so two publications racing
    /// never both claim the same predecessor).
    pub async fn create_release(&self, r: NewRelease<'_>) -> StoreResult<i64> {
        let at = now();
        let actor = format!("user:{}", r.published_by);
        let object = format!("release:{}/{}", r.spec_slug, r.name);
        let id = in_tx!(self, tx => {
            // Serialise publications of one specification on its row.
            sqlx::query("UPDATE specs SET head_version = head_version WHERE id = $1")
                .bind(r.spec_id)
                .execute(&mut *tx)
                .await?;
            let newest: Option<(i64,)> = sqlx::query_as("SELECT id FROM releases WHERE spec_id = $1 ORDER BY id DESC LIMIT 1")
                .bind(r.spec_id)
                .fetch_optional(&mut *tx)
                .await?;
            if newest.map(|(id,)| id) != r.predecessor_id {
                return Err(StoreError::Conflict(
                    "another release of this specification was published meanwhile; reload and publish again".into(),
                ));
            }
            let taken: Option<(String,)> = sqlx::query_as("SELECT name FROM releases WHERE spec_id = $1 AND (name = $2 OR version = $3)")
                .bind(r.spec_id)
                .bind(r.name)
                .bind(r.version)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some((name,)) = taken {
                return Err(StoreError::Conflict(format!(
                    "release {name} already exists for this name or version; a published release never changes"
                )));
            }
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO releases (spec_id, version, name, published_on, published_at, published_by, predecessor_id, ballot_id, manifest_sha256, key_id, audit_checkpoint_seq)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(r.spec_id)
            .bind(r.version)
            .bind(r.name)
            .bind(r.published_on)
            .bind(at)
            .bind(r.published_by)
            .bind(r.predecessor_id)
            .bind(r.ballot_id)
            .bind(r.manifest_sha256)
            .bind(r.key_id)
            .bind(r.audit_checkpoint_seq)
            .fetch_one(&mut *tx)
            .await?;
            for (name, content, sha) in &r.files {
                sqlx::query("INSERT INTO release_files (release_id, name, content, sha256) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(*name)
                    .bind(*content)
                    .bind(sha)
                    .execute(&mut *tx)
                    .await?;
            }
            audit_append!(tx, &AuditEvent {
                actor: &actor,
                action: "release.publish",
                object: &object,
                details: serde_json::json!({
                    "version": r.version, "date": r.published_on, "ballot": r.ballot_id,
                    "manifest_sha256": r.manifest_sha256, "key_id": r.key_id,
                    "audit_checkpoint": r.audit_checkpoint_seq,
                    "files": r.files.iter().map(|(n, c, s)| serde_json::json!({"name": n, "sha256": s, "size": c.len()})).collect::<Vec<_>>(),
                }),
            });
            id
        });
        Ok(id)
    }

    /// The releases of a specification, newest first.
    pub async fn releases(&self, spec_id: i64) -> StoreResult<Vec<ReleaseRow>> {
        Ok(
            on_pool!(self, p => sqlx::query_as(release_select!("WHERE r.spec_id = $1 ORDER BY r.id DESC"))
            .bind(spec_id)
            .fetch_all(p)
            .await)?,
        )
    }

    /// One page of the releases of a specification, newest first.
    pub async fn releases_page(
        &self,
        spec_id: i64,
        page: &PageRequest,
    ) -> StoreResult<Page<ReleaseRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            release_select!("WHERE r.spec_id = $1 AND r.id < $2 ORDER BY r.id DESC LIMIT $3"),
        )
        .bind(spec_id)
        .bind(page.before_descending())
        .bind(page.fetch())
        .fetch_all(p)
        .await)?;
        Ok(Page::from_rows(rows, page, |r: &ReleaseRow| {
            PageKey::number(r.id)
        }))
    }

    /// Every release of every specification, newest first (for feeds).
    pub async fn all_releases(&self) -> StoreResult<Vec<ReleaseRow>> {
        Ok(
            on_pool!(self, p => sqlx::query_as(release_select!("ORDER BY r.id DESC"))
            .fetch_all(p)
            .await)?,
        )
    }

    /// One release of a specification by name.
    pub async fn release(&self, spec_id: i64, name: &str) -> StoreResult<ReleaseRow> {
        let row: Option<ReleaseRow> = on_pool!(self, p => sqlx::query_as(release_select!("WHERE r.spec_id = $1 AND r.name = $2"))
            .bind(spec_id)
            .bind(name)
            .fetch_optional(p)
            .await)?;
        row.ok_or_else(|| StoreError::NotFound(format!("release {name}")))
    }

    /// One artefact of a release.
    pub async fn release_file(&self, release_id: i64, name: &str) -> StoreResult<ReleaseFile> {
        let row: Option<ReleaseFile> = on_pool!(self, p => sqlx::query_as(
            "SELECT name, content, sha256 FROM release_files WHERE release_id = $1 AND name = $2",
        )
        .bind(release_id)
        .bind(name)
        .fetch_optional(p)
        .await)?;
        row.ok_or_else(|| StoreError::NotFound(format!("file {name} of this release")))
    }

    /// A release's files without their content: name, SHA-256 hex and
    /// size in bytes, by name.
    pub async fn release_file_list(
        &self,
        release_id: i64,
    ) -> StoreResult<Vec<(String, String, i64)>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT name, sha256, CAST(LENGTH(content) AS BIGINT) FROM release_files WHERE release_id = $1 ORDER BY name",
        )
        .bind(release_id)
        .fetch_all(p)
        .await)?)
    }

    /// Marks a release superseded, once, with a reason. Its files stay as
    /// they are and stay served.
    pub async fn supersede_release(
        &self,
        release: &ReleaseRow,
        reason: &str,
        actor: &str,
    ) -> StoreResult<()> {
        let at = now();
        let object = format!("release:{}/{}", release.spec_slug, release.name);
        in_tx!(self, tx => {
            let done = sqlx::query(
                "UPDATE releases SET superseded_at = $1, superseded_reason = $2 WHERE id = $3 AND superseded_at IS NULL",
            )
            .bind(at)
            .bind(reason)
            .bind(release.id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!("release {} is already superseded", release.name)));
            }
            audit_append!(tx, &AuditEvent { actor, action: "release.supersede", object: &object, details: serde_json::json!({"reason": reason}) });
        });
        Ok(())
    }
}
