//! Working groups and member organisations.

use crate::audit::{AuditEvent, audit_append};
use crate::page::{Page, PageKey, PageRequest};
use crate::{GroupRow, OrgRow, Store, StoreError, StoreResult, in_tx, now, on_pool};
use charta_domain::group::GroupFile;

impl Store {
    /// Creates the group or updates its name and description, and adds or
    /// updates its member organisations. Organisations are never deleted
    /// here: they may have cast votes that must stay attributable.
    ///
    /// A change is recorded in the audit log as `actor`'s, in the same
    /// transaction. Applying a file that changes nothing (as the demo does at
    /// every start) records nothing, so the log holds changes, not attempts.
    pub async fn upsert_group(&self, g: &GroupFile, actor: &str) -> StoreResult<GroupRow> {
        let at = now();
        let object = format!("group:{}", g.group);
        let event = AuditEvent {
            actor,
            action: "group.upsert",
            object: &object,
            details: serde_json::json!({
                "name": g.name,
                "members": g.members.iter().map(|m| m.slug.as_str()).collect::<Vec<_>>(),
            }),
        };
        let row = in_tx!(self, tx => {
            // The WHERE clauses skip rows that would not change, so the
            // affected-row counts say whether anything did.
            let mut changed = sqlx::query(
                "INSERT INTO working_groups (slug, name, description, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (slug) DO UPDATE SET name = excluded.name, description = excluded.description
                 WHERE working_groups.name <> excluded.name OR working_groups.description <> excluded.description",
            )
            .bind(&g.group)
            .bind(&g.name)
            .bind(&g.description)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let row: GroupRow = sqlx::query_as(
                "SELECT id, slug, name, description, created_at FROM working_groups WHERE slug = $1",
            )
            .bind(&g.group)
            .fetch_one(&mut *tx)
            .await?;
            for m in &g.members {
                changed += sqlx::query(
                    "INSERT INTO organizations (group_id, slug, name, url, email_domain, created_at) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (group_id, slug) DO UPDATE SET name = excluded.name, url = excluded.url, email_domain = excluded.email_domain
                     WHERE organizations.name <> excluded.name OR organizations.url <> excluded.url
                        OR organizations.email_domain IS DISTINCT FROM excluded.email_domain",
                )
                .bind(row.id)
                .bind(&m.slug)
                .bind(&m.name)
                .bind(&m.url)
                .bind(m.email_domain.as_deref().map(str::to_ascii_lowercase))
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            if changed > 0 {
                audit_append!(tx, &event);
            }
            row
        });
        Ok(row)
    }

    /// Every working group, by name.
    pub async fn groups(&self) -> StoreResult<Vec<GroupRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT id, slug, name, description, created_at FROM working_groups ORDER BY name",
        )
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// One page of the working groups, by name.
    pub async fn groups_page(&self, page: &PageRequest) -> StoreResult<Page<GroupRow>> {
        let after = page.after_ascending();
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT id, slug, name, description, created_at FROM working_groups
             WHERE name > $1 OR (name = $1 AND id > $2) ORDER BY name, id LIMIT $3",
        )
        .bind(&after.text)
        .bind(after.number)
        .bind(page.fetch())
        .fetch_all(p)
        .await)?;
        Ok(Page::from_rows(rows, page, |g: &GroupRow| PageKey {
            text: g.name.clone(),
            number: g.id,
        }))
    }

    /// One working group by slug.
    pub async fn group(&self, slug: &str) -> StoreResult<GroupRow> {
        let row = on_pool!(self, p => sqlx::query_as(
            "SELECT id, slug, name, description, created_at FROM working_groups WHERE slug = $1",
        )
        .bind(slug)
        .fetch_optional(p)
        .await)?;
        row.ok_or_else(|| StoreError::NotFound(format!("working group {slug}")))
    }

    /// The member organisations of a group, by name.
    pub async fn organizations(&self, group_id: i64) -> StoreResult<Vec<OrgRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT id, group_id, slug, name, url, email_domain FROM organizations WHERE group_id = $1 ORDER BY name",
        )
        .bind(group_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }
}
