//! Personal API tokens. Only a SHA-256 of each token is stored.

use crate::audit::{AuditEvent, audit_append};
use crate::page::{Page, PageKey, PageRequest};
use crate::{Store, StoreError, StoreResult, UserRow, in_tx, now, on_pool};
use time::OffsetDateTime;

/// A token as its owner sees it in lists (never the secret itself).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The first characters of the token, to tell tokens apart.
    pub prefix: String,
    /// Space-separated scopes.
    pub scopes: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// A token with the columns of its holder, as [`Store::live_token`] reads
/// them.
#[derive(sqlx::FromRow)]
struct HolderRow {
    #[sqlx(flatten)]
    token: TokenRow,
    u_issuer: String,
    u_subject: String,
    u_email: String,
    u_name: String,
    u_platform_admin: bool,
    u_email_verified: bool,
    u_created_at: OffsetDateTime,
}

/// A new token.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub prefix: &'a str,
    pub token_hash: &'a str,
    pub scopes: &'a str,
    pub expires_at: OffsetDateTime,
}

impl Store {
    /// Stores a token and its `token.create` audit entry, and returns its
    /// id.
    pub async fn create_token(&self, t: NewToken<'_>) -> StoreResult<i64> {
        let id = in_tx!(self, tx => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO api_tokens (user_id, name, prefix, token_hash, scopes, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(t.user_id)
            .bind(t.name)
            .bind(t.prefix)
            .bind(t.token_hash)
            .bind(t.scopes)
            .bind(now())
            .bind(t.expires_at)
            .fetch_one(&mut *tx)
            .await?;
            let actor = format!("user:{}", t.user_id);
            let object = format!("token:{id}");
            let expires = t
                .expires_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            audit_append!(tx, &AuditEvent {
                actor: &actor,
                action: "token.create",
                object: &object,
                details: serde_json::json!({"name": t.name, "scopes": t.scopes, "prefix": t.prefix, "expires_at": expires}),
            });
            id
        });
        Ok(id)
    }

    /// A person's tokens, newest first, including revoked and expired ones.
    pub async fn tokens_of(&self, user_id: i64) -> StoreResult<Vec<TokenRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT id, user_id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at
             FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(user_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// One page of a person's tokens, newest first (tokens are numbered in
    /// the order they were made).
    pub async fn tokens_page(
        &self,
        user_id: i64,
        page: &PageRequest,
    ) -> StoreResult<Page<TokenRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT id, user_id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at
             FROM api_tokens WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(user_id)
        .bind(page.before_descending())
        .bind(page.fetch())
        .fetch_all(p)
        .await)?;
        Ok(Page::from_rows(rows, page, |t: &TokenRow| {
            PageKey::number(t.id)
        }))
    }

    /// The live (not revoked, not expired) token with this hash and the
    /// person holding it, read in one query (every API request with a token
    /// asks), marking the token used.
    pub async fn live_token(&self, token_hash: &str) -> StoreResult<Option<(TokenRow, UserRow)>> {
        let at = now();
        let row: Option<HolderRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT t.id, t.user_id, t.name, t.prefix, t.scopes, t.created_at, t.expires_at, t.last_used_at,
                    t.revoked_at, u.issuer AS u_issuer, u.subject AS u_subject, u.email AS u_email,
                    u.name AS u_name, u.platform_admin AS u_platform_admin,
                    u.email_verified AS u_email_verified, u.created_at AS u_created_at
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2",
        )
        .bind(token_hash)
        .bind(at)
        .fetch_optional(p)
        .await)?;
        let Some(row) = row else {
            return Ok(None);
        };
        if row
            .token
            .last_used_at
            .is_none_or(|u| at - u >= time::Duration::minutes(1))
        {
            on_pool!(self, p => sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(at)
                .bind(row.token.id)
                .execute(p)
                .await
                .map(|r| r.rows_affected()))?;
        }
        let user = UserRow {
            id: row.token.user_id,
            issuer: row.u_issuer,
            subject: row.u_subject,
            email: row.u_email,
            name: row.u_name,
            platform_admin: row.u_platform_admin,
            email_verified: row.u_email_verified,
            created_at: row.u_created_at,
        };
        Ok(Some((row.token, user)))
    }

    /// Revokes one of a person's tokens, with its `token.revoke` audit
    /// entry. Another person's token id is reported as not found, so ids
    /// cannot be probed.
    pub async fn revoke_token(&self, user_id: i64, token_id: i64) -> StoreResult<()> {
        in_tx!(self, tx => {
            let n = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
            )
            .bind(now())
            .bind(token_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound(format!(
                    "token {token_id} (or it is already revoked)"
                )));
            }
            let actor = format!("user:{user_id}");
            let object = format!("token:{token_id}");
            audit_append!(tx, &AuditEvent {
                actor: &actor,
                action: "token.revoke",
                object: &object,
                details: serde_json::json!({}),
            });
        });
        Ok(())
    }
}
