//! Personal API tokens: a person creates them for scripts, with the
//! scopes a script needs and a lifetime, and revokes them. Only the hash of
//! a token is stored; the secret is shown once.

use crate::app::App;
use crate::error::Error;
use crate::secret;
use crate::viewer::Viewer;
use charta_domain::access::{Action, Scope};
use charta_store::NewToken;

/// Every token starts with this, so that secret scanners and people
/// recognise one.
pub const PREFIX: &str = "charta_";

/// The longest a token may live, in days.
pub const MAX_DAYS: i64 = 366;

/// A checked request for a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    pub name: String,
    /// Sorted, without repeats, never empty.
    pub scopes: Vec<Scope>,
    pub days: i64,
}

impl TokenRequest {
    /// The scopes as stored: space-separated words.
    pub fn scope_words(&self) -> String {
        self.scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Checks a token request as typed or sent.
pub fn check_request(name: &str, scopes: &[String], days: i64) -> Result<TokenRequest, Error> {
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
                "unknown scope {s:?}: use read, propose, comment, vote or assess"
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
    Ok(TokenRequest {
        name: name.to_string(),
        scopes: parsed,
        days,
    })
}

/// Creates a token for the viewer; returns its id and the secret, which is
/// never available again.
pub async fn create(
    app: &App,
    viewer: &Viewer,
    request: &TokenRequest,
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
    let id = app
        .store
        .create_token(NewToken {
            user_id: user.id,
            name: &request.name,
            prefix: &prefix,
            token_hash: &secret::hash(&secret_value),
            scopes: &request.scope_words(),
            expires_at: time::OffsetDateTime::now_utc() + time::Duration::days(request.days),
        })
        .await?;
    Ok((id, secret_value))
}

/// Revokes one of the viewer's own tokens.
pub async fn revoke(app: &App, viewer: &Viewer, id: i64) -> Result<(), Error> {
    viewer.require(Action::RevokeToken)?;
    let user = viewer.user()?;
    app.store.revoke_token(user.id, id).await?;
    Ok(())
}
