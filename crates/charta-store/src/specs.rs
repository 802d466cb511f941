//! Specifications and their immutable versions.

use crate::audit::{AuditEvent, audit_append};
use crate::page::{Page, PageKey, PageRequest};
use crate::{
    ControlRevision, MappedControl, SpecRow, Store, StoreError, StoreResult, VersionMeta,
    VersionRow, in_tx, now, on_pool,
};
use charta_domain::Spec;
use charta_domain::format::content_hash;

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's limits on
/// bound parameters (10 columns per row).
const BATCH: usize = 500;

/// Everything needed to append a version.
#[derive(Debug)]
pub struct NewVersion<'a> {
    pub spec: &'a Spec,
    /// `spec` in canonical form; this is what is stored and hashed.
    pub canonical: &'a str,
    pub message: &'a str,
    pub created_by: &'a str,
    /// The head version the caller based its change on (0 for a new
    /// specification). If the head moved meanwhile, nothing is written and
    /// [`StoreError::Conflict`] is returned.
    pub expected_head: i64,
    /// Visibility given to the specification if this version creates it;
    /// ignored for later versions.
    pub draft: bool,
    /// The amendment (by id) this version merges: it is marked merged in the
    /// same transaction, and nothing is written unless it is still open.
    pub merges_amendment: Option<i64>,
}

impl Store {
    /// Publishes a draft specification. Publishing is one-way: there is no
    /// way back to draft, so anything once public stays readable.
    pub async fn publish_spec(&self, spec_id: i64, actor: &str) -> StoreResult<bool> {
        let published = in_tx!(self, tx => {
            let slug: Option<(String,)> = sqlx::query_as(
                "UPDATE specs SET visibility = 'public' WHERE id = $1 AND visibility = 'draft' RETURNING slug",
            )
            .bind(spec_id)
            .fetch_optional(&mut *tx)
            .await?;
            match slug {
                None => false,
                Some((slug,)) => {
                    let object = format!("spec:{slug}");
                    audit_append!(tx, &AuditEvent {
                        actor,
                        action: "spec.publish",
                        object: &object,
                        details: serde_json::json!({}),
                    });
                    true
                }
            }
        });
        Ok(published)
    }

    /// Every specification that has at least one version, by title.
    pub async fn specs(&self) -> StoreResult<Vec<SpecRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT s.id, s.slug, s.title, g.slug AS group_slug, g.name AS group_name, s.head_version, s.updated_at, s.group_id, s.visibility
             FROM specs s JOIN working_groups g ON g.id = s.group_id
             WHERE s.head_version > 0 ORDER BY s.title",
        )
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// One page of the specifications that have at least one version, by
    /// title.
    pub async fn specs_page(&self, page: &PageRequest) -> StoreResult<Page<SpecRow>> {
        let after = page.after_ascending();
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT s.id, s.slug, s.title, g.slug AS group_slug, g.name AS group_name, s.head_version, s.updated_at, s.group_id, s.visibility
             FROM specs s JOIN working_groups g ON g.id = s.group_id
             WHERE s.head_version > 0 AND (s.title > $1 OR (s.title = $1 AND s.id > $2))
             ORDER BY s.title, s.id LIMIT $3",
        )
        .bind(&after.text)
        .bind(after.number)
        .bind(page.fetch())
        .fetch_all(p)
        .await)?;
        Ok(Page::from_rows(rows, page, |s: &SpecRow| PageKey {
            text: s.title.clone(),
            number: s.id,
        }))
    }

    /// One specification by slug.
    pub async fn spec(&self, slug: &str) -> StoreResult<SpecRow> {
        let row: Option<SpecRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT s.id, s.slug, s.title, g.slug AS group_slug, g.name AS group_name, s.head_version, s.updated_at, s.group_id, s.visibility
             FROM specs s JOIN working_groups g ON g.id = s.group_id
             WHERE s.slug = $1 AND s.head_version > 0",
        )
        .bind(slug)
        .fetch_optional(p)
        .await)?;
        row.ok_or_else(|| StoreError::NotFound(format!("specification {slug}")))
    }

    /// The versions of a specification, newest first.
    pub async fn versions(&self, spec_id: i64) -> StoreResult<Vec<VersionMeta>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT number, content_hash, title, control_count, message, created_by, created_at
             FROM spec_versions WHERE spec_id = $1 ORDER BY number DESC",
        )
        .bind(spec_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// One page of the versions of a specification, newest first.
    pub async fn versions_page(
        &self,
        spec_id: i64,
        page: &PageRequest,
    ) -> StoreResult<Page<VersionMeta>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT number, content_hash, title, control_count, message, created_by, created_at
             FROM spec_versions WHERE spec_id = $1 AND number < $2 ORDER BY number DESC LIMIT $3",
        )
        .bind(spec_id)
        .bind(page.before_descending())
        .bind(page.fetch())
        .fetch_all(p)
        .await)?;
        Ok(Page::from_rows(rows, page, |v: &VersionMeta| {
            PageKey::number(v.number)
        }))
    }

    /// One version with its content.
    pub async fn version(&self, spec: &SpecRow, number: i64) -> StoreResult<VersionRow> {
        let row: Option<VersionRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT v.number, v.content_hash, v.title, v.control_count, v.message, v.created_by, v.created_at,
                    v.content, p.spec AS parsed
             FROM spec_versions v
             LEFT JOIN version_parsed p ON p.spec_id = v.spec_id AND p.number = v.number AND p.format = $3
             WHERE v.spec_id = $1 AND v.number = $2",
        )
        .bind(spec.id)
        .bind(number)
        .bind(crate::PARSED_FORMAT)
        .fetch_optional(p)
        .await)?;
        row.ok_or_else(|| {
            StoreError::NotFound(format!(
                "version {number} of specification {} (it has versions 1 to {})",
                spec.slug, spec.head_version
            ))
        })
    }

    /// Stores a version's parsed form (JSON of the domain's specification,
    /// in [`crate::PARSED_FORMAT`]), replacing one of an older format or one
    /// that did not read back. It is derived from the version's canonical
    /// text, so storing it again is harmless and a failure loses nothing.
    pub async fn save_parsed(&self, spec_id: i64, number: i64, json: &str) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO version_parsed (spec_id, number, format, spec) VALUES ($1, $2, $3, $4)
             ON CONFLICT (spec_id, number) DO UPDATE SET format = excluded.format, spec = excluded.spec",
        )
        .bind(spec_id)
        .bind(number)
        .bind(crate::PARSED_FORMAT)
        .bind(json)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// How one control stood in every version that contains it, oldest first.
    pub async fn control_history(
        &self,
        spec_id: i64,
        control_id: &str,
    ) -> StoreResult<Vec<ControlRevision>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT c.version, c.title, c.level, c.status, c.content_hash, v.created_at
             FROM version_controls c
             JOIN spec_versions v ON v.spec_id = c.spec_id AND v.number = c.version
             WHERE c.spec_id = $1 AND c.control_id = $2 ORDER BY c.version",
        )
        .bind(spec_id)
        .bind(control_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// Controls in the newest version of every specification that map to a
    /// catalog item.
    pub async fn controls_mapping_to(&self, target: &str) -> StoreResult<Vec<MappedControl>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT s.slug AS spec_slug, s.title AS spec_title, m.version, m.control_id,
                    c.title, c.level, c.status, m.relationship, m.rationale
             FROM version_mappings m
             JOIN specs s ON s.id = m.spec_id AND s.head_version = m.version
             JOIN version_controls c ON c.spec_id = m.spec_id AND c.version = m.version AND c.control_id = m.control_id
             WHERE m.target = $1
             ORDER BY s.title, m.control_id",
        )
        .bind(target)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// Appends a version in one transaction: the version, its controls, its
    /// mappings, its search entries and its audit entry, then moves the head
    /// forward with a compare-and-set. Creates the specification on its first
    /// version. If the head is no longer `expected_head`, nothing is written.
    pub async fn append_version(&self, v: NewVersion<'_>) -> StoreResult<i64> {
        let spec = v.spec;
        let hash = content_hash(v.canonical);
        let parsed = serde_json::to_string(spec).map_err(|e| {
            StoreError::Conflict(format!("the specification cannot be written as JSON: {e}"))
        })?;
        let number = v.expected_head + 1;
        let at = now();
        let control_count = i64::try_from(spec.controls.len()).unwrap_or(i64::MAX);
        let backend_is_sqlite = self.backend() == crate::Backend::Sqlite;
        let object = format!("spec:{}", spec.spec);
        let event = AuditEvent {
            actor: v.created_by,
            action: "spec.version.create",
            object: &object,
            details: serde_json::json!({
                "version": number,
                "content_hash": hash,
                "message": v.message,
            }),
        };
        in_tx!(self, tx => {
            let group: Option<(i64,)> = sqlx::query_as("SELECT id FROM working_groups WHERE slug = $1")
                .bind(&spec.group)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((group_id,)) = group else {
                return Err(StoreError::NotFound(format!(
                    "working group {} (import its group file first, e.g. `charta import specs/groups/`)",
                    spec.group
                )));
            };
            let existing: Option<(i64, i64, i64)> =
                sqlx::query_as("SELECT id, group_id, head_version FROM specs WHERE slug = $1")
                    .bind(&spec.spec)
                    .fetch_optional(&mut *tx)
                    .await?;
            let spec_id = match existing {
                Some((_, gid, _)) if gid != group_id => {
                    return Err(StoreError::Conflict(format!(
                        "specification {} belongs to another working group",
                        spec.spec
                    )));
                }
                Some((id, _, _)) => id,
                None => {
                    let (id,): (i64,) = sqlx::query_as(
                        "INSERT INTO specs (group_id, slug, title, head_version, created_at, updated_at, visibility)
                         VALUES ($1, $2, $3, 0, $4, $4, $5) RETURNING id",
                    )
                    .bind(group_id)
                    .bind(&spec.spec)
                    .bind(&spec.title)
                    .bind(at)
                    .bind(if v.draft { "draft" } else { "public" })
                    .fetch_one(&mut *tx)
                    .await?;
                    id
                }
            };
            let moved = sqlx::query(
                "UPDATE specs SET head_version = $1, title = $2, updated_at = $3
                 WHERE id = $4 AND head_version = $5",
            )
            .bind(number)
            .bind(&spec.title)
            .bind(at)
            .bind(spec_id)
            .bind(v.expected_head)
            .execute(&mut *tx)
            .await?;
            if moved.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "specification {} changed while this version was being prepared (expected version {} to be the newest); reload and try again",
                    spec.spec, v.expected_head
                )));
            }
            let mut merged_number = None;
            if let Some(amendment) = v.merges_amendment {
                let merged: Option<(i64,)> = sqlx::query_as(
                    "UPDATE amendments SET state = 'merged', merged_version = $1, updated_at = $2
                     WHERE id = $3 AND spec_id = $4 AND state = 'open' RETURNING number",
                )
                .bind(number)
                .bind(at)
                .bind(amendment)
                .bind(spec_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((n,)) = merged else {
                    return Err(StoreError::Conflict(
                        "the amendment is no longer open for review (it was merged, rejected or withdrawn meanwhile)".into(),
                    ));
                };
                merged_number = Some(n);
            }
            sqlx::query(
                "INSERT INTO spec_versions (spec_id, number, content, content_hash, title, control_count, message, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(spec_id)
            .bind(number)
            .bind(v.canonical)
            .bind(&hash)
            .bind(&spec.title)
            .bind(control_count)
            .bind(v.message)
            .bind(v.created_by)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            // The parsed form, so that the version's first view on any node
            // reads JSON instead of parsing YAML (see `version_parsed`).
            sqlx::query("INSERT INTO version_parsed (spec_id, number, format, spec) VALUES ($1, $2, $3, $4)")
                .bind(spec_id)
                .bind(number)
                .bind(crate::PARSED_FORMAT)
                .bind(&parsed)
                .execute(&mut *tx)
                .await?;

            for chunk in spec.controls.chunks(BATCH) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO version_controls (spec_id, version, control_id, section, title, level, status, content_hash, statement, guidance) ",
                );
                q.push_values(chunk, |mut b, c| {
                    b.push_bind(spec_id)
                        .push_bind(number)
                        .push_bind(c.id.as_str())
                        .push_bind(c.section.as_str())
                        .push_bind(c.title.as_str())
                        .push_bind(i64::from(c.level.get()))
                        .push_bind(c.status.as_str())
                        .push_bind(control_hash(c))
                        .push_bind(c.statement.as_str())
                        .push_bind(c.guidance.as_str());
                });
                q.build().execute(&mut *tx).await?;
            }
            let mappings: Vec<_> = spec
                .controls
                .iter()
                .flat_map(|c| c.mappings.iter().map(move |m| (c, m)))
                .collect();
            for chunk in mappings.chunks(BATCH) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO version_mappings (spec_id, version, control_id, target, relationship, rationale) ",
                );
                q.push_values(chunk, |mut b, (c, m)| {
                    b.push_bind(spec_id)
                        .push_bind(number)
                        .push_bind(c.id.as_str())
                        .push_bind(m.target.as_str())
                        .push_bind(m.relationship.as_str())
                        .push_bind(m.rationale.as_str());
                });
                q.build().execute(&mut *tx).await?;
            }
            if backend_is_sqlite {
                // PostgreSQL indexes version_controls directly (a generated
                // tsvector column); SQLite keeps a separate FTS5 table.
                for chunk in spec.controls.chunks(BATCH) {
                    let mut q = sqlx::QueryBuilder::new(
                        "INSERT INTO control_search (control_id, title, body, spec_id, version) ",
                    );
                    q.push_values(chunk, |mut b, c| {
                        b.push_bind(c.id.as_str())
                            .push_bind(c.title.as_str())
                            .push_bind(format!("{}\n{}", c.statement, c.guidance))
                            .push_bind(spec_id)
                            .push_bind(number);
                    });
                    q.build().execute(&mut *tx).await?;
                }
            }
            audit_append!(tx, &event);
            if let Some(n) = merged_number {
                // The amendment's own history says it was merged, and the
                // people around it hear of it from this entry.
                let object = format!("amendment:{}/{n}", spec.spec);
                audit_append!(tx, &AuditEvent {
                    actor: v.created_by,
                    action: "amendment.state",
                    object: &object,
                    details: serde_json::json!({"from": "open", "to": "merged", "version": number}),
                });
            }
        });
        Ok(number)
    }
}

/// Hash of one control's canonical content, so that history can tell which
/// versions changed it without comparing texts.
fn control_hash(c: &charta_domain::Control) -> String {
    let one = Spec {
        spec: String::new(),
        group: String::new(),
        title: String::new(),
        summary: String::new(),
        sections: vec![],
        controls: vec![c.clone()],
    };
    content_hash(&charta_domain::format::to_canonical(&one))
}
