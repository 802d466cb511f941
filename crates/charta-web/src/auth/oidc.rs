//! Sign-in with OpenID Connect: authorization code flow with PKCE (S256),
//! `state` and `nonce`, ID token signature, issuer, audience and expiry
//! checked by the `openidconnect` crate, and step-up to a multi-factor
//! sign-in for privileged actions.
//!
//! Each sign-in in progress is stored server-side under the hash of its
//! `state`, bound to the browser that started it by a short-lived cookie, and
//! taken exactly once by the callback: a replayed or forged callback finds
//! nothing.

use crate::auth::{secret, session};
use crate::config::ProviderConfig;
use crate::error::Error;
use crate::state::AppState;
use axum_extra::extract::cookie::SameSite;
use charta_store::LoginRow;
use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreProviderMetadata,
};
use openidconnect::{
    AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Cookie binding a sign-in in progress to the browser that started it.
pub const LOGIN_COOKIE: &str = "charta_login";
/// How long a sign-in may take from start to callback.
pub const LOGIN_TTL: time::Duration = time::Duration::minutes(10);
/// How long discovered provider metadata is reused.
const METADATA_TTL: Duration = Duration::from_secs(3600);

/// HTTP client and discovered metadata of every configured provider.
pub struct Oidc {
    http: openidconnect::reqwest::Client,
    metadata: Mutex<HashMap<String, (CoreProviderMetadata, Instant)>>,
}

/// Who the provider says signed in.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: String,
    pub name: String,
    pub amr: Vec<String>,
    pub acr: String,
    /// When the provider authenticated the person (`auth_time`), if it said.
    pub auth_time: Option<time::OffsetDateTime>,
    /// Whether the provider vouched for `email` (`email_verified`).
    pub email_verified: bool,
}

/// A sign-in ready to send the browser to the provider.
pub struct Started {
    pub authorize_url: String,
    /// `Set-Cookie` binding the sign-in to this browser.
    pub cookie: axum::http::HeaderValue,
}

impl Oidc {
    pub fn new() -> Result<Self, String> {
        let http = openidconnect::reqwest::ClientBuilder::new()
            // The provider's redirects are for browsers; following them here
            // would be an SSRF vector (see the openidconnect documentation).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("cannot build the HTTP client for sign-in: {e}"))?;
        Ok(Self {
            http,
            metadata: Mutex::new(HashMap::new()),
        })
    }

    async fn metadata(&self, p: &ProviderConfig) -> Result<CoreProviderMetadata, Error> {
        let mut cache = self.metadata.lock().await;
        if let Some((m, at)) = cache.get(&p.id)
            && at.elapsed() < METADATA_TTL
        {
            return Ok(m.clone());
        }
        let issuer = IssuerUrl::new(p.issuer.clone()).map_err(|e| {
            Error::Internal(format!("provider {} has an invalid issuer URL: {e}", p.id))
        })?;
        let m = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                tracing::warn!(provider = %p.id, error = %e, "OpenID Connect discovery failed");
                Error::Unavailable(format!(
                    "the sign-in provider {} cannot be reached right now; try again in a few minutes",
                    p.name
                ))
            })?;
        cache.insert(p.id.clone(), (m.clone(), Instant::now()));
        Ok(m)
    }

    async fn client(
        &self,
        state: &AppState,
        p: &ProviderConfig,
    ) -> Result<ConfiguredClient, Error> {
        let m = self.metadata(p).await?;
        let redirect = RedirectUrl::new(state.config.redirect_uri()).map_err(|e| {
            Error::Internal(format!(
                "CHARTA_PUBLIC_URL gives an invalid redirect URI: {e}"
            ))
        })?;
        Ok(CoreClient::from_provider_metadata(
            m,
            ClientId::new(p.client_id.clone()),
            Some(ClientSecret::new(p.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }

    /// Starts a sign-in with provider `p`; `step_up` asks the provider for a
    /// fresh, multi-factor authentication.
    pub async fn start(
        &self,
        state: &AppState,
        p: &ProviderConfig,
        return_to: &str,
        step_up: bool,
        reauthenticate: bool,
    ) -> Result<Started, Error> {
        let client = self.client(state, p).await?;
        let rnd = |n| secret::random(n).map_err(|e| Error::Internal(format!("no randomness: {e}")));
        let (state_value, nonce, browser) = (rnd(32)?, rnd(32)?, rnd(32)?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let sv = state_value.clone();
        let nv = nonce.clone();
        let mut req = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(sv),
                move || Nonce::new(nv),
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge);
        if step_up || reauthenticate {
            req = req
                .add_prompt(CoreAuthPrompt::Login)
                .set_max_age(Duration::ZERO);
        }
        if step_up && let Some(acr) = state.config.mfa_acr.first() {
            req = req.add_auth_context_value(AuthenticationContextClass::new(acr.clone()));
        }
        let (url, _, _) = req.url();
        state
            .store
            .create_login(
                &secret::hash(&state_value),
                &LoginRow {
                    browser_hash: secret::hash(&browser),
                    provider: p.id.clone(),
                    nonce,
                    pkce_verifier: verifier.secret().clone(),
                    return_to: return_to.to_string(),
                    step_up,
                    created_at: time::OffsetDateTime::now_utc(),
                },
            )
            .await?;
        Ok(Started {
            authorize_url: url.to_string(),
            cookie: session::set_cookie(
                &state.config,
                LOGIN_COOKIE,
                browser,
                LOGIN_TTL,
                SameSite::Lax,
            ),
        })
    }

    /// Completes a sign-in: checks the browser binding, exchanges the code
    /// with the PKCE verifier and verifies the ID token and its nonce.
    pub async fn finish(
        &self,
        state: &AppState,
        login: &LoginRow,
        browser: Option<&str>,
        code: &str,
    ) -> Result<Identity, SignInFailure> {
        if time::OffsetDateTime::now_utc() - login.created_at > LOGIN_TTL {
            return Err(SignInFailure::user(
                "this sign-in took too long; start again",
            ));
        }
        if !browser.is_some_and(|b| secret::equal(&secret::hash(b), &login.browser_hash)) {
            return Err(SignInFailure::user(
                "this sign-in was started in another browser or its cookie was lost; start again from the Sign in link",
            ));
        }
        let p = state
            .config
            .providers
            .iter()
            .find(|p| p.id == login.provider)
            .ok_or_else(|| {
                SignInFailure::user("the provider of this sign-in is no longer configured")
            })?;
        let client = self.client(state, p).await.map_err(SignInFailure::Other)?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| SignInFailure::Other(Error::Internal(format!("provider {} has no token endpoint: {e}", p.id))))?
            .set_pkce_verifier(PkceCodeVerifier::new(login.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                SignInFailure::logged(
                    "the provider refused the sign-in code; it may have expired or been used already. Start again.",
                    format!("token exchange with {} failed: {e}", p.id),
                )
            })?;
        let id_token = token.id_token().ok_or_else(|| {
            SignInFailure::logged(
                "the provider did not return an identity token",
                format!("{}: no id_token", p.id),
            )
        })?;
        let algorithms: Vec<openidconnect::core::CoreJwsSigningAlgorithm> = state
            .config
            .id_token_algorithms
            .iter()
            .filter_map(|a| serde_json::from_value(serde_json::Value::String(a.clone())).ok())
            .collect();
        let verifier = client.id_token_verifier().set_allowed_algs(algorithms);
        let claims = id_token
            .claims(&verifier, &Nonce::new(login.nonce.clone()))
            .map_err(|e| {
                SignInFailure::logged(
                    "the identity token from the provider failed verification, so the sign-in was refused",
                    format!("ID token from {} rejected: {e}", p.id),
                )
            })?;
        Ok(Identity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            email: claims.email().map(|e| e.to_string()).unwrap_or_default(),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string())
                .unwrap_or_default(),
            amr: claims
                .auth_method_refs()
                .map(|v| v.iter().map(|a| a.to_string()).collect())
                .unwrap_or_default(),
            acr: claims
                .auth_context_ref()
                .map(|a| a.to_string())
                .unwrap_or_default(),
            auth_time: claims
                .auth_time()
                .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t.timestamp()).ok()),
            email_verified: claims.email_verified().unwrap_or(false),
        })
    }
}

type ConfiguredClient = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// Why a callback could not complete, with what the person should see and
/// what the log should record.
#[derive(Debug)]
pub enum SignInFailure {
    /// Shown as is; nothing worth logging beyond the failure itself.
    User(String),
    /// Shown to the person; the detail goes to the log and audit only.
    Logged {
        shown: String,
        detail: String,
    },
    Other(Error),
}

impl SignInFailure {
    fn user(m: &str) -> Self {
        SignInFailure::User(m.into())
    }

    fn logged(shown: &str, detail: String) -> Self {
        SignInFailure::Logged {
            shown: shown.into(),
            detail,
        }
    }

    /// The reason recorded in the audit log.
    pub fn detail(&self) -> String {
        match self {
            SignInFailure::User(m) => m.clone(),
            SignInFailure::Logged { detail, .. } => detail.clone(),
            SignInFailure::Other(e) => e.to_string(),
        }
    }

    /// The error shown to the person.
    pub fn into_error(self) -> Error {
        match self {
            SignInFailure::User(m) => Error::BadRequest(format!("Sign-in failed: {m}")),
            SignInFailure::Logged { shown, detail } => {
                tracing::warn!(reason = %detail, "sign-in refused");
                Error::BadRequest(format!("Sign-in failed: {shown}"))
            }
            SignInFailure::Other(e) => e,
        }
    }
}

/// Whether a sign-in counts as multi-factor: the provider says `mfa` in
/// `amr`, or reports one of the configured `acr` values.
pub fn is_multi_factor(id: &Identity, mfa_acr: &[String]) -> bool {
    id.amr.iter().any(|a| a == "mfa") || (!id.acr.is_empty() && mfa_acr.contains(&id.acr))
}

/// Accepts only local paths as places to return to, so the sign-in flow
/// cannot be used to redirect people to another site.
pub fn safe_return_to(raw: Option<&str>) -> String {
    match raw {
        Some(p) if is_local_path(p) && !p.starts_with("/auth/") => p.to_string(),
        _ => "/".into(),
    }
}

/// Whether `p` is a path (with an optional query) on this site and nothing
/// else. Browsers drop tabs and line breaks from URLs and read `\` as `/`,
/// so `/\t/evil.example` would become the scheme-relative `//evil.example`:
/// control characters, back-slashes and a second leading slash are refused
/// before the text is parsed as a URI that must have no scheme or host.
pub fn is_local_path(p: &str) -> bool {
    p.len() <= 2048
        && p.starts_with('/')
        && !p.starts_with("//")
        && !p.contains('\\')
        && !p.chars().any(char::is_control)
        && p.parse::<axum::http::Uri>().is_ok_and(|u| {
            u.scheme().is_none() && u.authority().is_none() && u.path().starts_with('/')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_stays_local() {
        assert_eq!(safe_return_to(Some("/specs/x?level=1")), "/specs/x?level=1");
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil",
            "javascript:alert(1)",
            "/auth/logout",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/%0d%0aSet-Cookie:x\r\n",
            "/ spaces are not a path",
            "",
            "specs/relative",
        ] {
            assert_eq!(safe_return_to(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_return_to(None), "/");
    }

    #[test]
    fn multi_factor_from_amr_or_acr() {
        let mut id = Identity {
            issuer: "i".into(),
            subject: "s".into(),
            email: String::new(),
            name: String::new(),
            amr: vec!["pwd".into()],
            acr: String::new(),
            auth_time: None,
            email_verified: false,
        };
        assert!(!is_multi_factor(&id, &[]));
        id.amr.push("mfa".into());
        assert!(is_multi_factor(&id, &[]));
        id.amr = vec!["pwd".into()];
        id.acr = "urn:x:loa:2".into();
        assert!(!is_multi_factor(&id, &["urn:x:loa:3".into()]));
        assert!(is_multi_factor(&id, &["urn:x:loa:2".into()]));
    }
}
