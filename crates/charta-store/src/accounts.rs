//! People, their sessions and sign-ins in progress.
//!
//! Session and sign-in secrets are never stored: callers pass the SHA-256 of
//! the cookie or `state` value, so a copy of the database cannot be used to
//! take over a session.

use crate::audit::{AuditEvent, audit_append};
use crate::{Store, StoreError, StoreResult, in_tx, now, on_pool};
use time::{Duration, OffsetDateTime};

/// A person, as vouched for by an OpenID Connect provider.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub issuer: String,
    pub subject: String,
    pub email: String,
    pub name: String,
    pub platform_admin: bool,
    /// The provider vouched for `email` (its `email_verified` claim).
    pub email_verified: bool,
    pub created_at: OffsetDateTime,
}

/// A live session with its user.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub user_id: i64,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub mfa: bool,
    pub amr: String,
    pub acr: String,
    /// When the provider last authenticated the person, if it said.
    pub auth_time: Option<OffsetDateTime>,
}

impl SessionRow {
    /// When the person last proved who they are: the provider's
    /// `auth_time`, or else the moment the session began.
    pub fn authenticated_at(&self) -> OffsetDateTime {
        self.auth_time.unwrap_or(self.created_at)
    }
}

/// A sign-in in progress, taken (and deleted) exactly once by the callback.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoginRow {
    pub browser_hash: String,
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub return_to: String,
    pub step_up: bool,
    pub created_at: OffsetDateTime,
}

/// A new session.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user_id: i64,
    pub lifetime: Duration,
    pub mfa: bool,
    pub amr: &'a str,
    pub acr: &'a str,
}

impl Store {
    /// Records a sign-in: creates the account keyed by (issuer, subject) or
    /// refreshes its e-mail and name from the provider.
    pub async fn upsert_user(
        &self,
        issuer: &str,
        subject: &str,
        email: &str,
        name: &str,
    ) -> StoreResult<UserRow> {
        let at = now();
        let row = in_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO users (issuer, subject, email, name, created_at, last_sign_in_at) VALUES ($1, $2, $3, $4, $5, $5)
                 ON CONFLICT (issuer, subject) DO UPDATE SET email = excluded.email, name = excluded.name, last_sign_in_at = excluded.last_sign_in_at",
            )
            .bind(issuer)
            .bind(subject)
            .bind(email)
            .bind(name)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            let row: UserRow = sqlx::query_as(
                "SELECT id, issuer, subject, email, name, platform_admin, email_verified, created_at FROM users WHERE issuer = $1 AND subject = $2",
            )
            .bind(issuer)
            .bind(subject)
            .fetch_one(&mut *tx)
            .await?;
            row
        });
        Ok(row)
    }

    /// One account.
    pub async fn user(&self, id: i64) -> StoreResult<UserRow> {
        let row: Option<UserRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, issuer, subject, email, name, platform_admin, email_verified, created_at FROM users WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(p)
        .await)?;
        row.ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    /// Finds an account by e-mail address (for tools; never for sign-in).
    pub async fn users_by_email(&self, email: &str) -> StoreResult<Vec<UserRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT id, issuer, subject, email, name, platform_admin, email_verified, created_at FROM users WHERE lower(email) = lower($1) ORDER BY id",
        )
        .bind(email)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// Records whether the provider vouched for the account's e-mail
    /// address at its latest sign-in.
    pub async fn set_email_verified(&self, user_id: i64, verified: bool) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query("UPDATE users SET email_verified = $1 WHERE id = $2")
            .bind(verified)
            .bind(user_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Records when the provider authenticated the person of a session (the
    /// ID token's `auth_time`).
    pub async fn set_session_auth_time(
        &self,
        id_hash: &str,
        auth_time: OffsetDateTime,
    ) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query("UPDATE sessions SET auth_time = $1 WHERE id_hash = $2")
            .bind(auth_time)
            .bind(id_hash)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Grants or removes platform administration, with its audit entry.
    pub async fn set_platform_admin(
        &self,
        user_id: i64,
        admin: bool,
        actor: &str,
    ) -> StoreResult<()> {
        in_tx!(self, tx => {
            let user: Option<(String, String)> = sqlx::query_as(
                "UPDATE users SET platform_admin = $1 WHERE id = $2 RETURNING email, issuer",
            )
            .bind(admin)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((email, issuer)) = user else {
                return Err(StoreError::NotFound(format!("user {user_id}")));
            };
            let object = format!("user:{user_id}");
            audit_append!(tx, &AuditEvent {
                actor,
                action: if admin { "admin.grant" } else { "admin.revoke" },
                object: &object,
                details: serde_json::json!({"email": email, "issuer": issuer}),
            });
        });
        Ok(())
    }

    /// Signs a person in: stores their new session, when their provider
    /// authenticated them, and the `auth.sign_in` audit entry with
    /// `details`, in one transaction.
    pub async fn sign_in(
        &self,
        s: NewSession<'_>,
        auth_time: Option<OffsetDateTime>,
        details: serde_json::Value,
    ) -> StoreResult<()> {
        let at = now();
        in_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, mfa, amr, acr, auth_time)
                 VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8)",
            )
            .bind(s.id_hash)
            .bind(s.user_id)
            .bind(at)
            .bind(at + s.lifetime)
            .bind(s.mfa)
            .bind(s.amr)
            .bind(s.acr)
            .bind(auth_time)
            .execute(&mut *tx)
            .await?;
            let user = format!("user:{}", s.user_id);
            audit_append!(tx, &AuditEvent {
                actor: &user,
                action: "auth.sign_in",
                object: &user,
                details,
            });
        });
        Ok(())
    }

    /// Signs a person out: ends the session and records `auth.sign_out`,
    /// in one transaction.
    pub async fn sign_out(&self, id_hash: &str, user_id: i64) -> StoreResult<()> {
        in_tx!(self, tx => {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                .bind(id_hash)
                .execute(&mut *tx)
                .await?;
            let user = format!("user:{user_id}");
            audit_append!(tx, &AuditEvent {
                actor: &user,
                action: "auth.sign_out",
                object: &user,
                details: serde_json::json!({}),
            });
        });
        Ok(())
    }

    /// Stores a new session, without an audit entry: for tests and tools
    /// that set up sessions; people sign in through [`Store::sign_in`].
    pub async fn create_session(&self, s: NewSession<'_>) -> StoreResult<()> {
        let at = now();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, mfa, amr, acr)
             VALUES ($1, $2, $3, $3, $4, $5, $6, $7)",
        )
        .bind(s.id_hash)
        .bind(s.user_id)
        .bind(at)
        .bind(at + s.lifetime)
        .bind(s.mfa)
        .bind(s.amr)
        .bind(s.acr)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The live session with this id hash, or `None` if there is none or it
    /// has passed its absolute expiry or been idle longer than `idle`. Marks
    /// it as used, at most once a minute to spare the database.
    pub async fn session(&self, id_hash: &str, idle: Duration) -> StoreResult<Option<SessionRow>> {
        let row: Option<SessionRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT user_id, created_at, last_seen_at, expires_at, mfa, amr, acr, auth_time FROM sessions WHERE id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(p)
        .await)?;
        let Some(row) = row else { return Ok(None) };
        let at = now();
        if at >= row.expires_at || at - row.last_seen_at >= idle {
            self.delete_session(id_hash).await?;
            return Ok(None);
        }
        if at - row.last_seen_at >= Duration::minutes(1) {
            on_pool!(self, p => sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                .bind(at)
                .bind(id_hash)
                .execute(p)
                .await
                .map(|r| r.rows_affected()))?;
        }
        Ok(Some(row))
    }

    /// Ends a session.
    pub async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Removes sessions past their absolute expiry or idle for longer than
    /// `idle`, and sign-ins started more than `login_ttl` ago and never
    /// finished; returns how many of each. Safe to run from several
    /// instances at once: each row is deleted once.
    pub async fn purge_sign_ins(
        &self,
        idle: Duration,
        login_ttl: Duration,
    ) -> StoreResult<(u64, u64)> {
        let at = now();
        let sessions = on_pool!(self, p => sqlx::query(
            "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2",
        )
        .bind(at)
        .bind(at - idle)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        let logins = on_pool!(self, p => sqlx::query("DELETE FROM oidc_logins WHERE created_at <= $1")
            .bind(at - login_ttl)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok((sessions, logins))
    }

    /// Stores a sign-in in progress under the hash of its `state`.
    pub async fn create_login(&self, state_hash: &str, l: &LoginRow) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO oidc_logins (state_hash, browser_hash, provider, nonce, pkce_verifier, return_to, step_up, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(state_hash)
        .bind(&l.browser_hash)
        .bind(&l.provider)
        .bind(&l.nonce)
        .bind(&l.pkce_verifier)
        .bind(&l.return_to)
        .bind(l.step_up)
        .bind(l.created_at)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Takes the sign-in stored under `state_hash`, deleting it in the same
    /// statement, so a `state` can complete at most one sign-in even when two
    /// requests race.
    pub async fn take_login(&self, state_hash: &str) -> StoreResult<Option<LoginRow>> {
        let row = on_pool!(self, p => sqlx::query_as(
            "DELETE FROM oidc_logins WHERE state_hash = $1
             RETURNING browser_hash, provider, nonce, pkce_verifier, return_to, step_up, created_at",
        )
        .bind(state_hash)
        .fetch_optional(p)
        .await)?;
        Ok(row)
    }
}
