//! Delegations of an organisation's vote, and who holds that vote.
//!
//! Delegations are append-only events (`delegation_events`): a grant and,
//! later, perhaps its revocation; triggers refuse any change. Giving or
//! revoking one first touches the organisation's row, which takes its row
//! lock on PostgreSQL, so two delegations of one organisation are checked
//! for overlap one after the other. Who votes is always answered by
//! [`charta_domain::delegation::voter_at`] over the rows read inside the
//! caller's transaction.

use crate::audit::{AuditEvent, audit_append};
use crate::{Store, StoreError, StoreResult, in_tx, on_pool};
use charta_domain::delegation::{Delegation, Voice, check_new, voter_at};
use time::OffsetDateTime;

/// The columns of [`DelegationRow`]: each grant with its revocation.
macro_rules! delegation_select {
    ($rest:literal) => {
        concat!(
            "SELECT d.id, d.group_id, d.organization_id, o.slug AS organization_slug, o.name AS organization_name,
                    d.alternate_id, a.name AS alternate_name, d.starts_at, d.ends_at, r.recorded_at AS revoked_at,
                    g.name AS given_by_name, rb.name AS revoked_by_name, d.recorded_at
             FROM delegation_events d
             JOIN organizations o ON o.id = d.organization_id
             JOIN users a ON a.id = d.alternate_id
             JOIN users g ON g.id = d.given_by
             LEFT JOIN delegation_events r ON r.revokes = d.id AND r.kind = 'revoke'
             LEFT JOIN users rb ON rb.id = r.given_by
             WHERE d.kind = 'grant' ",
            $rest
        )
    };
}
pub(crate) use delegation_select;

/// Reads, inside transaction `$tx`, what decides who votes for
/// organisation `$org`: its name, its representative, its alternates and
/// its delegations, as a [`VoiceFacts`].
macro_rules! voice_facts {
    ($tx:ident, $org:expr) => {{
        let org: i64 = $org;
        // The organisation and the people who speak for it, in one query:
        // one row per person, or one with no person when there is none.
        let rows: Vec<(String, Option<i64>, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT o.name, m.user_id, u.name, m.role FROM organizations o
             LEFT JOIN memberships m ON m.group_id = o.group_id AND m.organization_id = o.id
                  AND m.role IN ('representative', 'alternate')
             LEFT JOIN users u ON u.id = m.user_id
             WHERE o.id = $1
             ORDER BY m.id",
        )
        .bind(org)
        .fetch_all(&mut *$tx)
        .await?;
        let organization_name = rows
            .first()
            .map(|r| r.0.clone())
            .ok_or_else(|| $crate::StoreError::NotFound(format!("member organisation {org}")))?;
        let people: Vec<(i64, String, String)> = rows
            .into_iter()
            .filter_map(|(_, id, name, role)| Some((id?, name?, role?)))
            .collect();
        let delegations: Vec<$crate::delegations::DelegationRow> = sqlx::query_as(
            $crate::delegations::delegation_select!("AND d.organization_id = $1 ORDER BY d.id"),
        )
        .bind(org)
        .fetch_all(&mut *$tx)
        .await?;
        $crate::delegations::VoiceFacts {
            organization_name,
            people,
            delegations,
        }
    }};
}
pub(crate) use voice_facts;

/// A delegation, with the names its record shows.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DelegationRow {
    pub id: i64,
    pub group_id: i64,
    pub organization_id: i64,
    pub organization_slug: String,
    pub organization_name: String,
    pub alternate_id: i64,
    /// The alternate who votes while it is in force.
    pub alternate_name: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    /// Who gave it: the representative, or the chair.
    pub given_by_name: String,
    pub revoked_by_name: Option<String>,
    pub recorded_at: OffsetDateTime,
}

impl DelegationRow {
    /// The plain data the domain rule reads.
    pub fn domain(&self) -> Delegation {
        Delegation {
            id: self.id,
            alternate: self.alternate_id,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            revoked_at: self.revoked_at,
        }
    }
}

/// What decides who votes for one organisation, read in one transaction.
pub(crate) struct VoiceFacts {
    pub organization_name: String,
    /// Representatives and alternates: id, name and role.
    pub people: Vec<(i64, String, String)>,
    pub delegations: Vec<DelegationRow>,
}

impl VoiceFacts {
    fn with_role(&self, role: &str) -> impl Iterator<Item = &(i64, String, String)> {
        self.people.iter().filter(move |p| p.2 == role)
    }

    pub fn representative(&self) -> Option<i64> {
        self.with_role("representative").map(|p| p.0).next()
    }

    pub fn alternates(&self) -> Vec<i64> {
        self.with_role("alternate").map(|p| p.0).collect()
    }

    pub fn domain(&self) -> Vec<Delegation> {
        self.delegations.iter().map(DelegationRow::domain).collect()
    }

    /// Who votes at `at`.
    pub fn voice_at(&self, at: OffsetDateTime) -> Voice {
        voter_at(
            self.representative(),
            &self.alternates(),
            &self.domain(),
            at,
        )
    }

    fn name_of(&self, user: i64) -> &str {
        self.people
            .iter()
            .find(|p| p.0 == user)
            .map(|p| p.1.as_str())
            .unwrap_or("someone")
    }

    /// Why `user` may not vote at `at`: who does, and how that changes.
    pub fn refusal(&self, voice: Voice) -> String {
        let org = &self.organization_name;
        match voice {
            Voice::Representative(r) => format!(
                "{org}'s vote is cast by its representative, {}; to vote for {org} instead, ask them to delegate the vote to you on the working group's members page",
                self.name_of(r)
            ),
            Voice::Delegate {
                alternate,
                delegation,
            } => {
                let until = self
                    .delegations
                    .iter()
                    .find(|d| d.id == delegation)
                    .and_then(|d| d.domain().until())
                    .map(|u| format!("until {}", rfc3339(u)))
                    .unwrap_or_else(|| "until it is revoked".into());
                format!(
                    "{org}'s vote is delegated to {} (delegation {delegation}, {until}); only they can vote for {org} while it is in force, and its representative can revoke it on the working group's members page",
                    self.name_of(alternate)
                )
            }
            Voice::Nobody => format!(
                "{org} has no representative and no delegation in force, so nobody can vote for it; the working group's chair can delegate its vote to one of its alternates on the members page"
            ),
        }
    }
}

/// A delegation to give.
#[derive(Debug, Clone)]
pub struct NewDelegation {
    pub group_id: i64,
    pub organization_id: i64,
    pub alternate_id: i64,
    pub starts_at: OffsetDateTime,
    pub ends_at: Option<OffsetDateTime>,
    pub given_by: i64,
    pub at: OffsetDateTime,
}

impl Store {
    /// Every delegation in a group, newest first.
    pub async fn delegations_of_group(&self, group_id: i64) -> StoreResult<Vec<DelegationRow>> {
        Ok(
            on_pool!(self, p => sqlx::query_as(delegation_select!("AND d.group_id = $1 ORDER BY d.id DESC"))
            .bind(group_id)
            .fetch_all(p)
            .await)?,
        )
    }

    /// The group's delegations in force at some moment of `[from, to)`,
    /// oldest first: those a ballot running then was voted under.
    pub async fn delegations_during(
        &self,
        group_id: i64,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> StoreResult<Vec<DelegationRow>> {
        let mut rows = self.delegations_of_group(group_id).await?;
        rows.retain(|d| d.domain().overlaps(from, Some(to)));
        rows.reverse();
        Ok(rows)
    }

    /// One delegation.
    pub async fn delegation(&self, id: i64) -> StoreResult<DelegationRow> {
        let row: Option<DelegationRow> = on_pool!(self, p => sqlx::query_as(delegation_select!("AND d.id = $1"))
            .bind(id)
            .fetch_optional(p)
            .await)?;
        row.ok_or_else(|| StoreError::NotFound(format!("delegation {id}")))
    }

    /// Who votes for an organisation at `at`, with their name.
    pub async fn voice(&self, organization_id: i64, at: OffsetDateTime) -> StoreResult<Voice> {
        let facts = on_pool!(self, p => {
            let mut conn = p.acquire().await?;
            voice_facts!(conn, organization_id)
        });
        Ok(facts.voice_at(at))
    }

    /// Records a delegation of an organisation's vote to one of its
    /// alternates, after checking it against the alternates and the
    /// delegations already given. Who may give it is the caller's question
    /// (the access policy).
    pub async fn give_delegation(&self, d: NewDelegation) -> StoreResult<i64> {
        let actor = format!("user:{}", d.given_by);
        let id = in_tx!(self, tx => {
            let locked = sqlx::query("UPDATE organizations SET name = name WHERE id = $1 AND group_id = $2")
                .bind(d.organization_id)
                .bind(d.group_id)
                .execute(&mut *tx)
                .await?;
            if locked.rows_affected() != 1 {
                return Err(StoreError::NotFound(format!("member organisation {} in this working group", d.organization_id)));
            }
            let facts = voice_facts!(tx, d.organization_id);
            check_new(d.alternate_id, &facts.alternates(), &facts.domain(), d.starts_at, d.ends_at, d.at)
                .map_err(|e| StoreError::Conflict(e.to_string()))?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO delegation_events (group_id, organization_id, kind, alternate_id, starts_at, ends_at, given_by, recorded_at)
                 VALUES ($1, $2, 'grant', $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(d.group_id)
            .bind(d.organization_id)
            .bind(d.alternate_id)
            .bind(d.starts_at)
            .bind(d.ends_at)
            .bind(d.given_by)
            .bind(d.at)
            .fetch_one(&mut *tx)
            .await?;
            let object = format!("organization:{}", d.organization_id);
            audit_append!(tx, &AuditEvent {
                actor: &actor,
                action: "delegation.give",
                object: &object,
                details: serde_json::json!({
                    "delegation": id, "organization": facts.organization_name,
                    "alternate": d.alternate_id, "starts_at": rfc3339(d.starts_at),
                    "ends_at": d.ends_at.map(rfc3339),
                }),
            });
            id
        });
        Ok(id)
    }

    /// Revokes a delegation of the group from `at` on. Refused when it
    /// has already ended or been revoked.
    pub async fn revoke_delegation(
        &self,
        group_id: i64,
        delegation_id: i64,
        by: i64,
        at: OffsetDateTime,
    ) -> StoreResult<()> {
        let actor = format!("user:{by}");
        in_tx!(self, tx => {
            let row: Option<DelegationRow> = sqlx::query_as(delegation_select!("AND d.id = $1 AND d.group_id = $2"))
                .bind(delegation_id)
                .bind(group_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else {
                return Err(StoreError::NotFound(format!("delegation {delegation_id} in this working group")));
            };
            sqlx::query("UPDATE organizations SET name = name WHERE id = $1")
                .bind(row.organization_id)
                .execute(&mut *tx)
                .await?;
            if row.revoked_at.is_some() {
                return Err(StoreError::Conflict(format!("delegation {delegation_id} was already revoked")));
            }
            if row.ends_at.is_some_and(|e| e <= at) {
                return Err(StoreError::Conflict(format!("delegation {delegation_id} has already ended")));
            }
            sqlx::query(
                "INSERT INTO delegation_events (group_id, organization_id, kind, revokes, given_by, recorded_at)
                 VALUES ($1, $2, 'revoke', $3, $4, $5)",
            )
            .bind(group_id)
            .bind(row.organization_id)
            .bind(delegation_id)
            .bind(by)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(db) if db.is_unique_violation() => {
                    StoreError::Conflict(format!("delegation {delegation_id} was already revoked"))
                }
                other => other.into(),
            })?;
            let object = format!("organization:{}", row.organization_id);
            audit_append!(tx, &AuditEvent {
                actor: &actor,
                action: "delegation.revoke",
                object: &object,
                details: serde_json::json!({"delegation": delegation_id, "organization": row.organization_name}),
            });
        });
        Ok(())
    }
}

/// RFC 3339 text for messages and audit details.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
