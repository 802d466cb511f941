//! The [`Viewer`]: who is asking, loaded once per request.

use crate::auth::{csrf::CsrfToken, secret, session, tokens};
use crate::error::{ApiError, Error, PageError};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use charta_domain::access::{
    self, Action, Actor, Credential, Decision, Membership, Principal, Role, Scope, Visibility,
};
use charta_store::{MembershipRow, SpecRow, UserRow};
use std::net::SocketAddr;

/// Who is making the request, with everything authorization needs.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub actor: Actor,
    pub user: Option<UserRow>,
    pub memberships: Vec<MembershipRow>,
    /// Hash of the session cookie, when signed in with a browser session.
    pub session_hash: Option<String>,
    /// This browser's CSRF token, to embed in forms.
    pub csrf: String,
    /// Path and query of the request, to come back to after signing in.
    pub here: String,
    /// Whether the request is for the JSON API (decides error formats).
    pub api: bool,
    /// Signed in with a browser session whose provider authentication is
    /// recent enough (see `WebConfig::fresh_sign_in`).
    pub recent_sign_in: bool,
}

/// What the page header shows about the viewer.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub demo: bool,
    pub user_name: Option<String>,
    pub admin: bool,
    pub csrf: String,
}

impl Viewer {
    fn anonymous(csrf: String, here: String, api: bool) -> Viewer {
        Viewer {
            actor: Actor::Anonymous,
            user: None,
            memberships: Vec::new(),
            session_hash: None,
            csrf,
            here,
            api,
            recent_sign_in: false,
        }
    }

    /// Refuses unless the person signed in with their provider recently:
    /// pages send them back to the provider, the API answers 401.
    pub fn require_recent_sign_in(&self) -> Result<(), Error> {
        if self.session_hash.is_some() && !self.recent_sign_in {
            return Err(Error::Reauthenticate {
                return_to: self.here.clone(),
            });
        }
        Ok(())
    }

    /// The policy's decision for this viewer.
    pub fn decide(&self, action: Action) -> Decision {
        access::decide(&self.actor, action)
    }

    /// Succeeds if the policy allows `action`; otherwise the error that
    /// tells the person what to do (sign in, step up, or that they may not).
    pub fn require(&self, action: Action) -> Result<(), Error> {
        match self.decide(action) {
            Decision::Allow => Ok(()),
            Decision::SignIn if self.api => Err(Error::Unauthorized(
                "sign in, or send a personal API token as `Authorization: Bearer charta_…`".into(),
            )),
            Decision::SignIn => Err(Error::SignIn {
                return_to: self.here.clone(),
            }),
            Decision::StepUp => Err(Error::StepUp {
                return_to: self.here.clone(),
            }),
            Decision::Deny(reason) => Err(Error::Forbidden(reason.into())),
        }
    }

    /// Whether the viewer may read a specification. Drafts of other groups
    /// are reported as not found by callers, so their existence is not
    /// revealed.
    pub fn can_read(&self, spec: &SpecRow) -> bool {
        let visibility = Visibility::parse(&spec.visibility).unwrap_or(Visibility::Draft);
        self.decide(Action::ReadSpec {
            group_id: spec.group_id,
            visibility,
        }) == Decision::Allow
    }

    /// The signed-in user, or the error asking them to sign in.
    pub fn user(&self) -> Result<&UserRow, Error> {
        self.user.as_ref().ok_or_else(|| match self.api {
            true => Error::Unauthorized("sign in first".into()),
            false => Error::SignIn {
                return_to: self.here.clone(),
            },
        })
    }

    /// The page header's view of this viewer.
    pub fn chrome(&self, state: &AppState) -> Chrome {
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

/// Builds the policy's principal from stored roles.
pub fn principal(
    user: &UserRow,
    memberships: &[MembershipRow],
    credential: Credential,
) -> Principal {
    Principal {
        user_id: user.id,
        platform_admin: user.platform_admin,
        memberships: memberships
            .iter()
            .filter_map(|m| {
                Some(Membership {
                    group_id: m.group_id,
                    role: Role::parse(&m.role)?,
                    organization_id: m.organization_id,
                })
            })
            .collect(),
        credential,
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
            let Some(row) = found else {
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
            let user = state
                .store
                .user(row.user_id)
                .await
                .map_err(|e| reject(api, e.into()))?;
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
