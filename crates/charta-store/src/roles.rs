//! Roles in working groups and invitations to them.

use crate::audit::{AuditEvent, audit_append};
use crate::{Store, StoreError, StoreResult, in_tx, now, on_pool};
use charta_domain::affiliation::{Claim, may_speak_for};
use time::OffsetDateTime;

/// A role a person holds in a group, with names for display.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MembershipRow {
    pub id: i64,
    pub group_id: i64,
    pub group_slug: String,
    pub group_name: String,
    pub user_id: i64,
    pub user_name: String,
    pub user_email: String,
    pub role: String,
    pub organization_id: Option<i64>,
    pub organization_name: Option<String>,
}

/// An invitation to take a role in a group.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: i64,
    pub group_id: i64,
    pub group_slug: String,
    pub group_name: String,
    pub role: String,
    pub organization_id: Option<i64>,
    pub organization_name: Option<String>,
    pub email: String,
    pub invited_by: i64,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub accepted_by: Option<i64>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// A new invitation.
#[derive(Debug, Clone)]
pub struct NewInvitation<'a> {
    pub token_hash: &'a str,
    pub group_id: i64,
    pub role: &'a str,
    pub organization_id: Option<i64>,
    pub email: &'a str,
    pub invited_by: i64,
    pub expires_at: OffsetDateTime,
    /// The e-mail that carries the invitation's link, written to the
    /// outbox in the same transaction (the link's token is stored nowhere
    /// else, so it cannot be written later from the audit log).
    pub mail: Option<crate::notify::NewMail>,
}

/// The columns of [`MembershipRow`] followed by the rest of the query.
macro_rules! membership_select {
    ($rest:literal) => {
        concat!(
            "SELECT m.id, m.group_id, g.slug AS group_slug, g.name AS group_name, m.user_id,
                    u.name AS user_name, u.email AS user_email, m.role, m.organization_id, o.name AS organization_name
             FROM memberships m
             JOIN working_groups g ON g.id = m.group_id
             JOIN users u ON u.id = m.user_id
             LEFT JOIN organizations o ON o.id = m.organization_id ",
            $rest
        )
    };
}

/// The columns of [`InvitationRow`] followed by the rest of the query.
macro_rules! invitation_select {
    ($rest:literal) => {
        concat!(
            "SELECT i.id, i.group_id, g.slug AS group_slug, g.name AS group_name, i.role, i.organization_id,
                    o.name AS organization_name, i.email, i.invited_by, i.created_at, i.expires_at, i.accepted_by, i.revoked_at
             FROM invitations i
             JOIN working_groups g ON g.id = i.group_id
             LEFT JOIN organizations o ON o.id = i.organization_id ",
            $rest
        )
    };
}

impl Store {
    /// Every role a person holds, in every group.
    pub async fn memberships_of(&self, user_id: i64) -> StoreResult<Vec<MembershipRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            membership_select!("WHERE m.user_id = $1 ORDER BY g.name, m.role"),
        )
        .bind(user_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// Everyone with a role in a group.
    pub async fn group_members(&self, group_id: i64) -> StoreResult<Vec<MembershipRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            membership_select!("WHERE m.group_id = $1 ORDER BY m.role, u.name"),
        )
        .bind(group_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// Gives a person a role. A second voting representative for the same
    /// organisation, or the same role twice, is a conflict. This is the
    /// operator's path (imports, the demo, tests); people get roles through
    /// invitations, which also check who may speak for an organisation.
    pub async fn add_membership(
        &self,
        group_id: i64,
        user_id: i64,
        role: &str,
        organization_id: Option<i64>,
    ) -> StoreResult<i64> {
        let at = now();
        let id = in_tx!(self, tx => {
            if let Some(org) = organization_id {
                let belongs: Option<(i64,)> = sqlx::query_as("SELECT id FROM organizations WHERE id = $1 AND group_id = $2")
                    .bind(org)
                    .bind(group_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if belongs.is_none() {
                    return Err(StoreError::NotFound(format!("member organisation {org} in this working group")));
                }
            }
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO memberships (group_id, user_id, role, organization_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(group_id)
            .bind(user_id)
            .bind(role)
            .bind(organization_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(
                    "that person already has this role, or the organisation already has a voting representative (make the new person an alternate, or remove the current representative first)".into(),
                ),
                other => other.into(),
            })?;
            id
        });
        Ok(id)
    }

    /// Removes a role; returns false if the membership does not exist in
    /// the group. The group's last chair keeps the role (a conflict): a
    /// working group without a chair has nobody who can manage its people.
    pub async fn remove_membership(
        &self,
        group_id: i64,
        membership_id: i64,
        actor: &str,
    ) -> StoreResult<bool> {
        in_tx!(self, tx => {
            // Serialises removals in one group, so that two chairs removing
            // each other at the same time cannot leave it without one
            // (SQLite's immediate transaction already does).
            sqlx::query("UPDATE working_groups SET name = name WHERE id = $1")
                .bind(group_id)
                .execute(&mut *tx)
                .await?;
            let role: Option<(String,)> =
                sqlx::query_as("SELECT role FROM memberships WHERE id = $1 AND group_id = $2")
                    .bind(membership_id)
                    .bind(group_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((role,)) = role else {
                return Ok(false);
            };
            if role == "chair" {
                let (chairs,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM memberships WHERE group_id = $1 AND role = 'chair'",
                )
                .bind(group_id)
                .fetch_one(&mut *tx)
                .await?;
                if chairs <= 1 {
                    return Err(StoreError::Conflict(
                        "this is the working group's last chair: a group needs a chair to manage its people, so give someone else the chair role before removing this one".into(),
                    ));
                }
            }
            sqlx::query("DELETE FROM memberships WHERE id = $1 AND group_id = $2")
                .bind(membership_id)
                .bind(group_id)
                .execute(&mut *tx)
                .await?;
            let (slug,): (String,) = sqlx::query_as("SELECT slug FROM working_groups WHERE id = $1")
                .bind(group_id)
                .fetch_one(&mut *tx)
                .await?;
            let object = format!("group:{slug}");
            audit_append!(tx, &AuditEvent {
                actor,
                action: "role.remove",
                object: &object,
                details: serde_json::json!({"membership": membership_id, "role": role}),
            });
        });
        Ok(true)
    }

    /// Stores an invitation and its `role.invite` audit entry (by the
    /// inviter).
    pub async fn create_invitation(&self, inv: NewInvitation<'_>) -> StoreResult<i64> {
        let id = in_tx!(self, tx => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO invitations (token_hash, group_id, role, organization_id, email, invited_by, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(inv.token_hash)
            .bind(inv.group_id)
            .bind(inv.role)
            .bind(inv.organization_id)
            .bind(inv.email)
            .bind(inv.invited_by)
            .bind(now())
            .bind(inv.expires_at)
            .fetch_one(&mut *tx)
            .await?;
            let (slug,): (String,) = sqlx::query_as("SELECT slug FROM working_groups WHERE id = $1")
                .bind(inv.group_id)
                .fetch_one(&mut *tx)
                .await?;
            if let Some(mail) = &inv.mail {
                crate::notify::insert_mail!(tx, mail, now());
            }
            let actor = format!("user:{}", inv.invited_by);
            let object = format!("group:{slug}");
            audit_append!(tx, &AuditEvent {
                actor: &actor,
                action: "role.invite",
                object: &object,
                details: serde_json::json!({"invitation": id, "email": inv.email, "role": inv.role, "organization": inv.organization_id}),
            });
            id
        });
        Ok(id)
    }

    /// The invitation with this token hash.
    pub async fn invitation(&self, token_hash: &str) -> StoreResult<InvitationRow> {
        let row: Option<InvitationRow> = on_pool!(self, p => sqlx::query_as(
            invitation_select!("WHERE i.token_hash = $1"),
        )
        .bind(token_hash)
        .fetch_optional(p)
        .await)?;
        row.ok_or_else(|| StoreError::NotFound("invitation (the link may be mistyped)".into()))
    }

    /// Open invitations of a group, newest first.
    pub async fn open_invitations(&self, group_id: i64) -> StoreResult<Vec<InvitationRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            invitation_select!("WHERE i.group_id = $1 AND i.accepted_by IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2 ORDER BY i.created_at DESC"),
        )
        .bind(group_id)
        .bind(now())
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// Accepts an invitation: in one transaction, marks it used (only if it
    /// is still open) and grants the role. Returns the new membership id.
    /// A voting role (one for an organisation) is refused unless the
    /// person may speak for the organisation
    /// ([`charta_domain::affiliation::may_speak_for`]): a verified address
    /// in its e-mail domain when one is recorded, or an administrator's
    /// invitation; and never to a chair who invited themselves to an
    /// organisation outside their domain.
    pub async fn accept_invitation(&self, token_hash: &str, user_id: i64) -> StoreResult<i64> {
        let inv = self.invitation(token_hash).await?;
        let at = now();
        if inv.revoked_at.is_some() {
            return Err(StoreError::Conflict("this invitation was withdrawn".into()));
        }
        if inv.accepted_by.is_some() {
            return Err(StoreError::Conflict(
                "this invitation has already been used".into(),
            ));
        }
        if inv.expires_at <= at {
            return Err(StoreError::Conflict(
                "this invitation has expired; ask the chair for a new one".into(),
            ));
        }
        let id = in_tx!(self, tx => {
            let claimed = sqlx::query(
                "UPDATE invitations SET accepted_by = $1, accepted_at = $2
                 WHERE id = $3 AND accepted_by IS NULL AND revoked_at IS NULL AND expires_at > $2",
            )
            .bind(user_id)
            .bind(at)
            .bind(inv.id)
            .execute(&mut *tx)
            .await?;
            if claimed.rows_affected() != 1 {
                return Err(StoreError::Conflict("this invitation has already been used".into()));
            }
            if let Some(org) = inv.organization_id {
                let (domain,): (Option<String>,) = sqlx::query_as("SELECT email_domain FROM organizations WHERE id = $1")
                    .bind(org)
                    .fetch_one(&mut *tx)
                    .await?;
                let (email, email_verified): (String, bool) = sqlx::query_as("SELECT email, email_verified FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_one(&mut *tx)
                    .await?;
                let (admin,): (bool,) = sqlx::query_as("SELECT platform_admin FROM users WHERE id = $1")
                    .bind(inv.invited_by)
                    .fetch_one(&mut *tx)
                    .await?;
                may_speak_for(Claim {
                    domain: domain.as_deref(),
                    email: &email,
                    email_verified,
                    self_granted: inv.invited_by == user_id,
                    admin_confirmed: admin,
                })
                .map_err(|e| StoreError::Forbidden(e.to_string()))?;
            }
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO memberships (group_id, user_id, role, organization_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(inv.group_id)
            .bind(user_id)
            .bind(&inv.role)
            .bind(inv.organization_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(
                    "you already hold this role, or the organisation already has a voting representative".into(),
                ),
                other => other.into(),
            })?;
            let actor = format!("user:{user_id}");
            let object = format!("group:{}", inv.group_slug);
            audit_append!(tx, &AuditEvent {
                actor: &actor,
                action: "role.accept",
                object: &object,
                details: serde_json::json!({"invitation": inv.id, "membership": id, "role": inv.role}),
            });
            id
        });
        Ok(id)
    }
}
