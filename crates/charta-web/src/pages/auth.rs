//! Sign-in, the provider callback, sign-out and the demo's one-click sign-in.

use super::Page;
use super::form::PageForm;
use crate::auth::oidc::{LOGIN_COOKIE, is_multi_factor, safe_return_to};
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::auth::{Viewer, demo, session};
use crate::error::{Error, PageResult, see_other};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Query of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    pub provider: Option<String>,
    pub return_to: Option<String>,
    /// Set when an action needs a multi-factor sign-in.
    pub step_up: Option<String>,
    /// Set when an action needs a recent sign-in (of any kind).
    pub reauth: Option<String>,
}

/// A provider button on the sign-in page.
pub struct ProviderView {
    pub id: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    pub title: String,
    pub chrome: Chrome,
    pub providers: Vec<ProviderView>,
    pub people: Vec<demo::DemoPerson>,
    pub return_to: String,
    pub step_up: bool,
}

/// Starts a sign-in: straight to the provider when there is only one (or
/// one was chosen), otherwise a page to choose.
pub async fn login(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<LoginQuery>,
) -> PageResult<Response> {
    let return_to = landing(q.return_to.as_deref());
    let step_up = q.step_up.as_deref() == Some("1");
    let reauthenticate = q.reauth.as_deref() == Some("1");
    let chosen = match q.provider.as_deref() {
        Some(id) => Some(
            state
                .config
                .providers
                .iter()
                .find(|p| p.id == id)
                .ok_or_else(|| Error::NotFound(format!("sign-in provider {id}")))?,
        ),
        None if state.config.providers.len() == 1 && !state.config.demo => {
            state.config.providers.first()
        }
        None => None,
    };
    if let Some(p) = chosen {
        let oidc = state
            .oidc
            .as_ref()
            .ok_or_else(|| Error::Internal("sign-in HTTP client unavailable".into()))?;
        let started = oidc
            .start(&state, p, &return_to, step_up, reauthenticate)
            .await?;
        let mut resp = see_other(&started.authorize_url);
        resp.headers_mut().append(SET_COOKIE, started.cookie);
        return Ok(resp);
    }
    if state.config.providers.is_empty() && !state.config.demo {
        return Err(Error::Unavailable(
            "sign-in is not configured on this Charta instance; its operator needs to set CHARTA_OIDC_ISSUER, CHARTA_OIDC_CLIENT_ID and CHARTA_OIDC_CLIENT_SECRET".into(),
        )
        .into());
    }
    Ok(Page(LoginPage {
        title: if step_up {
            "Confirm it's you".into()
        } else {
            "Sign in".into()
        },
        chrome: viewer.chrome(&state),
        providers: state
            .config
            .providers
            .iter()
            .map(|p| ProviderView {
                id: p.id.clone(),
                name: p.name.clone(),
            })
            .collect(),
        people: if state.config.demo {
            demo::PEOPLE.to_vec()
        } else {
            Vec::new()
        },
        return_to,
        step_up,
    })
    .into_response())
}

/// Where a sign-in lands: the page asked for, or "my work" when none was
/// given (or one that is not a local page), since what waits on a person
/// is what they signed in for.
pub fn landing(return_to: Option<&str>) -> String {
    match return_to.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) if safe_return_to(Some(r)) == r => r.to_string(),
        _ => MY_WORK.into(),
    }
}

/// The "my work" page.
const MY_WORK: &str = "/my-work";

/// What the provider sends back.
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Completes a sign-in and starts a fresh session.
pub async fn callback(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> PageResult<Response> {
    if let Some(err) = q.error.as_deref() {
        let why = match err {
            "access_denied" => "you (or your provider) declined the sign-in".to_string(),
            "login_required" | "interaction_required" => {
                "your provider needs you to sign in again".to_string()
            }
            other => format!("your provider reported `{other}`"),
        };
        record_failure(&format!(
            "provider error {err}: {}",
            q.error_description.as_deref().unwrap_or("")
        ));
        return Err(Error::BadRequest(format!(
            "Sign-in failed: {why}. You can try again from the Sign in link."
        ))
        .into());
    }
    let (Some(code), Some(state_value)) = (q.code.as_deref(), q.state.as_deref()) else {
        return Err(Error::BadRequest("Sign-in failed: the provider's answer is missing its code or state. Start again from the Sign in link.".into()).into());
    };
    let Some(login) = state
        .store
        .take_login(&crate::auth::secret::hash(state_value))
        .await?
    else {
        record_failure("unknown or already used state");
        return Err(Error::BadRequest("Sign-in failed: this sign-in link is unknown, expired or was already used. Start again from the Sign in link.".into()).into());
    };
    let oidc = state
        .oidc
        .as_ref()
        .ok_or_else(|| Error::Internal("sign-in HTTP client unavailable".into()))?;
    let browser = session::read_cookie(&headers, LOGIN_COOKIE);
    let identity = match oidc.finish(&state, &login, browser.as_deref(), code).await {
        Ok(id) => id,
        Err(f) => {
            record_failure(&f.detail());
            return Err(f.into_error().into());
        }
    };
    let mfa = is_multi_factor(&identity, &state.config.mfa_acr);
    if login.step_up && !mfa {
        record_failure("step-up requested but the provider did not report a multi-factor sign-in");
        return Err(Error::Forbidden(
            "This action needs a multi-factor sign-in, and your provider did not confirm one. Set up a second factor with your provider and try again.".into(),
        )
        .into());
    }
    let user = state
        .store
        .upsert_user(
            &identity.issuer,
            &identity.subject,
            &identity.email,
            &identity.name,
        )
        .await?;
    // A fresh session id at every sign-in; the old session, if any, ends.
    if let Some(old) = &viewer.session_hash {
        state.store.delete_session(old).await?;
    }
    state
        .store
        .set_email_verified(user.id, identity.email_verified)
        .await?;
    let cookie = session::start(
        &state,
        &user,
        mfa,
        &identity.amr.join(" "),
        &identity.acr,
        identity.auth_time,
        serde_json::json!({"issuer": identity.issuer, "mfa": mfa, "amr": identity.amr, "acr": identity.acr, "step_up": login.step_up}),
    )
    .await?;
    let mut resp = see_other(&login.return_to);
    resp.headers_mut().append(SET_COOKIE, cookie);
    resp.headers_mut().append(
        SET_COOKIE,
        session::set_cookie(
            &state.config,
            LOGIN_COOKIE,
            String::new(),
            time::Duration::ZERO,
            axum_extra::extract::cookie::SameSite::Lax,
        ),
    );
    Ok(resp)
}

/// Logs a failed sign-in. Anyone can make these happen (an unknown state,
/// a forged callback), so they go to the log, rate-limited, and never into
/// the permanent audit log, which only holds what people did.
fn record_failure(reason: &str) {
    crate::auth::noise::warn("sign-in refused", reason);
}

/// The sign-out form.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {}

/// Ends the session.
pub async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    PageForm(_): PageForm<LogoutForm>,
) -> PageResult<Response> {
    if let (Some(hash), Some(user)) = (&viewer.session_hash, &viewer.user) {
        state.store.sign_out(hash, user.id).await?;
    }
    let mut resp = see_other("/");
    resp.headers_mut()
        .append(SET_COOKIE, session::clear(&state.config));
    Ok(resp)
}

/// The demo sign-in form.
#[derive(Debug, Deserialize)]
pub struct DemoForm {
    pub person: String,
    pub return_to: Option<String>,
}

/// Signs in as a seeded demo person. Only in `charta demo`.
pub async fn demo_sign_in(
    State(state): State<AppState>,
    viewer: Viewer,
    PageForm(f): PageForm<DemoForm>,
) -> PageResult<Response> {
    if !state.config.demo {
        return Err(Error::NotFound("page /auth/demo".into()).into());
    }
    let p = demo::person(&f.person)
        .ok_or_else(|| Error::BadRequest(format!("there is no demo person {:?}", f.person)))?;
    let user = state
        .store
        .upsert_user(demo::DEMO_ISSUER, p.slug, p.email, p.name)
        .await?;
    if let Some(old) = &viewer.session_hash {
        state.store.delete_session(old).await?;
    }
    // Demo people count as multi-factor so that every feature can be tried.
    state.store.set_email_verified(user.id, true).await?;
    let cookie = session::start(
        &state,
        &user,
        true,
        "demo",
        "",
        Some(time::OffsetDateTime::now_utc()),
        serde_json::json!({"issuer": demo::DEMO_ISSUER, "mfa": true, "demo": true}),
    )
    .await?;
    let mut resp = see_other(&landing(f.return_to.as_deref()));
    resp.headers_mut().append(SET_COOKIE, cookie);
    Ok(resp)
}
