//! A person's own account: roles, personal API tokens.

use super::Page;
use super::form::PageForm;
use super::view::date;
use crate::auth::tokens::{MAX_DAYS, PREFIX};
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::auth::{Viewer, secret};
use crate::error::{Error, PageResult, see_other};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use charta_domain::access::{Action, Scope};
use charta_store::{MembershipRow, NewToken, TokenRow, UserRow};

/// A token line on the account page.
pub struct TokenView {
    pub row: TokenRow,
    pub created: String,
    pub expires: String,
    pub live: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub title: String,
    pub chrome: Chrome,
    pub user: UserRow,
    pub memberships: Vec<MembershipRow>,
    pub tokens: Vec<TokenView>,
    /// Shown once, right after creation.
    pub new_token: Option<String>,
    pub scopes: Vec<&'static str>,
    pub max_days: i64,
}

async fn account_page(
    state: &AppState,
    viewer: &Viewer,
    new_token: Option<String>,
) -> Result<AccountPage, Error> {
    viewer.require(Action::ViewAccount)?;
    let user = viewer.user()?.clone();
    let now = time::OffsetDateTime::now_utc();
    let tokens = state
        .store
        .tokens_of(user.id)
        .await?
        .into_iter()
        .map(|row| TokenView {
            created: date(row.created_at),
            expires: date(row.expires_at),
            live: row.revoked_at.is_none() && row.expires_at > now,
            row,
        })
        .collect();
    Ok(AccountPage {
        title: "Your account".into(),
        chrome: viewer.chrome(state),
        memberships: viewer.memberships.clone(),
        user,
        tokens,
        new_token,
        scopes: Scope::ALL.iter().map(|s| s.as_str()).collect(),
        max_days: MAX_DAYS,
    })
}

/// The account page.
pub async fn show(State(state): State<AppState>, viewer: Viewer) -> PageResult<Page<AccountPage>> {
    Ok(Page(account_page(&state, &viewer, None).await?))
}

/// Parses and checks a token request, shared with the API.
pub fn check_token_request(
    name: &str,
    scopes: &[String],
    days: i64,
) -> Result<(String, String), Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(Error::BadRequest(
            "give the token a name of 1 to 80 characters, such as \"release CI\"".into(),
        ));
    }
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(Error::BadRequest(format!(
            "a token lives from 1 to {MAX_DAYS} days"
        )));
    }
    let mut parsed = Vec::new();
    for s in scopes {
        let scope = Scope::parse(s).ok_or_else(|| {
            Error::BadRequest(format!(
                "unknown scope {s:?}: use read, propose, comment or vote"
            ))
        })?;
        if !parsed.contains(&scope) {
            parsed.push(scope);
        }
    }
    if parsed.is_empty() {
        return Err(Error::BadRequest("choose at least one scope".into()));
    }
    parsed.sort();
    Ok((
        name.to_string(),
        parsed
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    ))
}

/// Creates a token for the viewer and returns (id, secret).
pub async fn create_token(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
    scopes: &str,
    days: i64,
) -> Result<(i64, String), Error> {
    viewer.require(Action::CreateToken)?;
    // A stolen or forgotten session must not mint long-lived credentials.
    viewer.require_recent_sign_in()?;
    let user = viewer.user()?;
    let secret_value = format!(
        "{PREFIX}{}",
        secret::random(32).map_err(|e| Error::Internal(format!("no randomness: {e}")))?
    );
    let prefix: String = secret_value.chars().take(PREFIX.len() + 6).collect();
    let id = state
        .store
        .create_token(NewToken {
            user_id: user.id,
            name,
            prefix: &prefix,
            token_hash: &secret::hash(&secret_value),
            scopes,
            expires_at: time::OffsetDateTime::now_utc() + time::Duration::days(days),
        })
        .await?;
    Ok((id, secret_value))
}

/// Creates a token and shows it once.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    PageForm(f): PageForm<Vec<(String, String)>>,
) -> PageResult<Page<AccountPage>> {
    let get = |k: &str| {
        f.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let scopes: Vec<String> = f
        .iter()
        .filter(|(k, _)| k == "scopes")
        .map(|(_, v)| v.clone())
        .collect();
    let days = get("days")
        .trim()
        .parse::<i64>()
        .map_err(|_| Error::BadRequest("the lifetime must be a number of days".into()))?;
    let (name, scopes) = check_token_request(&get("name"), &scopes, days)?;
    let (_, token) = create_token(&state, &viewer, &name, &scopes, days).await?;
    Ok(Page(account_page(&state, &viewer, Some(token)).await?))
}

/// Revokes one of the viewer's tokens.
pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    revoke_token(&state, &viewer, &id).await?;
    Ok(see_other("/account").into_response())
}

/// Revokes a token by id, shared with the API.
pub async fn revoke_token(state: &AppState, viewer: &Viewer, id: &str) -> Result<(), Error> {
    viewer.require(Action::RevokeToken)?;
    let user = viewer.user()?;
    let id: i64 = id
        .parse()
        .map_err(|_| Error::NotFound(format!("token {id}")))?;
    state.store.revoke_token(user.id, id).await?;
    Ok(())
}
