//! The [`Viewer`]: who is asking, loaded once per request.

pub use charta_app::viewer::{Viewer, principal};

use crate::auth::{csrf::CsrfToken, secret, session, tokens};
use crate::error::{ApiError, Error, PageError};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use charta_domain::access::{Actor, Credential, Scope};
use std::net::SocketAddr;

/// What the page header shows about the viewer.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub demo: bool,
    pub user_name: Option<String>,
    pub admin: bool,
    pub csrf: String,
}

/// The page header's view of a viewer.
pub trait ChromeOf {
    fn chrome(&self, state: &AppState) -> Chrome;
}

impl ChromeOf for Viewer {
    /// The page header's view of this viewer.
    fn chrome(&self, state: &AppState) -> Chrome {
        Chrome {
            demo: state.config.demo,
            user_name: self.user.as_ref().map(|u| {
                if u.name.is_empty() {
                    u.email.clone()
                } else {
                    u.name.clone()
                }
            }),
            admin: self.user.as_ref().is_some_and(|u| u.platform_admin),
            csrf: self.csrf.clone(),
        }
    }
}

fn reject(api: bool, e: Error) -> Response {
    if api {
        ApiError(e).into_response()
    } else {
        PageError(e).into_response()
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let api = parts.uri.path().starts_with("/api/");
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();

        // An API token, when one is sent, is the only credential considered,
        // and only by the API: the pages and their forms act for people at
        // a browser, whose decisions a script holding a token cannot make.
        if let Some(value) = parts.headers.get(AUTHORIZATION) {
            if !api {
                return Err(reject(
                    api,
                    Error::Unauthorized(
                        "API tokens are accepted under /api/v1 only; sign in to use the pages"
                            .into(),
                    ),
                ));
            }
            let peer = parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip());
            let ip =
                crate::client_addr::client_ip(&parts.headers, peer, &state.config.trusted_proxies);
            let bearer = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim);
            let Some(token) = bearer else {
                return Err(reject(
                    api,
                    Error::Unauthorized("the Authorization header must be `Bearer <token>`".into()),
                ));
            };
            // A valid token is always accepted: the limit only slows down
            // guessing, and must not lock a client out of its own token
            // because someone sharing its address (or a proxy) guessed.
            let found = if token.starts_with(tokens::PREFIX) {
                state
                    .store
                    .live_token(&secret::hash(token))
                    .await
                    .map_err(|e| reject(api, e.into()))?
            } else {
                None
            };
            let Some((row, user)) = found else {
                if state.token_failures.is_blocked(ip) {
                    return Err(reject(api, Error::TooManyRequests(
                        "too many requests with invalid tokens from this address; wait a few minutes".into(),
                    )));
                }
                state.token_failures.record_failure(ip);
                return Err(reject(
                    api,
                    Error::Unauthorized(
                        "this API token is not valid: it may be mistyped, expired or revoked"
                            .into(),
                    ),
                ));
            };
            let memberships = state
                .store
                .memberships_of(user.id)
                .await
                .map_err(|e| reject(api, e.into()))?;
            let scopes = row
                .scopes
                .split_whitespace()
                .filter_map(Scope::parse)
                .collect();
            let actor = Actor::User(principal(&user, &memberships, Credential::Token { scopes }));
            return Ok(Viewer {
                actor,
                user: Some(user),
                memberships,
                session_hash: None,
                csrf,
                here,
                api,
                recent_sign_in: false,
            });
        }

        let Some(cookie) = session::cookie_value(&parts.headers, &state.config) else {
            return Ok(Viewer::anonymous(csrf, here, api));
        };
        let hash = secret::hash(&cookie);
        let live = state
            .store
            .session(&hash, state.config.session_idle)
            .await
            .map_err(|e| reject(api, e.into()))?;
        let Some(s) = live else {
            // An expired or unknown session simply means signed out.
            return Ok(Viewer::anonymous(csrf, here, api));
        };
        let user = state
            .store
            .user(s.user_id)
            .await
            .map_err(|e| reject(api, e.into()))?;
        let memberships = state
            .store
            .memberships_of(user.id)
            .await
            .map_err(|e| reject(api, e.into()))?;
        // A multi-factor sign-in counts for privileged actions only while
        // the provider's authentication is recent; after that the person
        // is sent back to the provider to step up again.
        let recent_sign_in =
            time::OffsetDateTime::now_utc() - s.authenticated_at() <= state.config.fresh_sign_in;
        let actor = Actor::User(principal(
            &user,
            &memberships,
            Credential::Session {
                mfa: s.mfa && recent_sign_in,
            },
        ));
        Ok(Viewer {
            actor,
            user: Some(user),
            memberships,
            session_hash: Some(hash),
            csrf,
            here,
            api,
            recent_sign_in,
        })
    }
}
