//! Server-side sessions and their cookie.
//!
//! The cookie holds 256 random bits; the database holds only their SHA-256.
//! A new session id is issued at every sign-in (so a session id planted
//! before sign-in is worthless), and sessions end after an idle period and
//! at an absolute lifetime, both enforced by the store on every request.

use crate::auth::secret;
use crate::config::WebConfig;
use crate::error::Error;
use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use charta_store::{NewSession, UserRow};

/// Name of the session cookie. Over TLS the `__Host-` prefix makes browsers
/// refuse it unless it is `Secure`, host-only and for the whole site.
pub fn cookie_name(config: &WebConfig) -> &'static str {
    if config.secure() {
        "__Host-charta_session"
    } else {
        "charta_session"
    }
}

/// Reads a cookie from request headers.
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

/// The session cookie's value, if the browser sent one.
pub fn cookie_value(headers: &HeaderMap, config: &WebConfig) -> Option<String> {
    read_cookie(headers, cookie_name(config))
}

/// Builds a `Set-Cookie` value with Charta's cookie attributes.
pub fn set_cookie(
    config: &WebConfig,
    name: &'static str,
    value: String,
    max_age: time::Duration,
    same_site: SameSite,
) -> HeaderValue {
    let cookie = Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .secure(config.secure())
        .same_site(same_site)
        .max_age(max_age)
        .build();
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Creates a session for `user` and returns the `Set-Cookie` header value.
pub async fn start(
    state: &AppState,
    user: &UserRow,
    mfa: bool,
    amr: &str,
    acr: &str,
    auth_time: Option<time::OffsetDateTime>,
    details: serde_json::Value,
) -> Result<HeaderValue, Error> {
    let id = secret::random(32)
        .map_err(|e| Error::Internal(format!("no randomness for a session id: {e}")))?;
    let id_hash = secret::hash(&id);
    state
        .store
        .sign_in(
            NewSession {
                id_hash: &id_hash,
                user_id: user.id,
                lifetime: state.config.session_lifetime,
                mfa,
                amr,
                acr,
            },
            auth_time,
            details,
        )
        .await?;
    Ok(set_cookie(
        &state.config,
        cookie_name(&state.config),
        id,
        state.config.session_lifetime,
        SameSite::Lax,
    ))
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear(config: &WebConfig) -> HeaderValue {
    set_cookie(
        config,
        cookie_name(config),
        String::new(),
        time::Duration::ZERO,
        SameSite::Lax,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_secure_over_tls() {
        let plain = WebConfig::default();
        let c = set_cookie(
            &plain,
            cookie_name(&plain),
            "v".into(),
            time::Duration::hours(1),
            SameSite::Lax,
        );
        let c = c.to_str().unwrap();
        assert!(
            c.starts_with("charta_session=v")
                && c.contains("HttpOnly")
                && c.contains("SameSite=Lax")
                && c.contains("Path=/"),
            "{c}"
        );
        assert!(!c.contains("Secure"), "{c}");

        let tls = WebConfig {
            public_url: "https://charta.example.org".into(),
            ..WebConfig::default()
        };
        let c = set_cookie(
            &tls,
            cookie_name(&tls),
            "v".into(),
            time::Duration::hours(1),
            SameSite::Lax,
        );
        let c = c.to_str().unwrap();
        assert!(
            c.starts_with("__Host-charta_session=v")
                && c.contains("Secure")
                && c.contains("HttpOnly"),
            "{c}"
        );
        assert!(clear(&tls).to_str().unwrap().contains("Max-Age=0"));
    }
}
