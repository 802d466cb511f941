//! Protection against cross-site request forgery, applied to every request
//! by one middleware so that no form or API route can forget it.
//!
//! * Every browser gets a random CSRF token in an `HttpOnly`,
//!   `SameSite=Strict` cookie; pages embed the same token in each form as
//!   `_csrf`. A state-changing form post must carry the field, and it must
//!   equal the cookie (a site that is not Charta can make a browser send the
//!   cookie but cannot read it to fill in the field).
//! * A state-changing request that carries an `Origin` (or `Referer`) header
//!   must come from Charta's own origin.
//! * A state-changing API call made with a session cookie must carry an
//!   `Origin` header; calls with an API token are not ambient credentials and
//!   need neither.

use crate::auth::{secret, session};
use crate::error::{ApiError, Error, PageError};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, ORIGIN, REFERER, SET_COOKIE};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::SameSite;

/// The CSRF token of the current browser, put in the request extensions for
/// handlers to embed in forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// The form field that carries the token.
pub const FIELD: &str = "_csrf";

fn cookie_name(state: &AppState) -> &'static str {
    if state.config.secure() {
        "__Host-charta_csrf"
    } else {
        "charta_csrf"
    }
}

/// `scheme://host[:port]` of a URL.
fn origin_of_url(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let end = rest
        .find('/')
        .map_or(url.len(), |i| url.len() - rest.len() + i);
    Some(&url[..end])
}

/// Whether the request's `Origin` (or, failing that, `Referer`) names this
/// site. `None` when the browser sent neither.
fn same_origin(headers: &HeaderMap, state: &AppState) -> Option<bool> {
    let claimed = headers
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            headers
                .get(REFERER)
                .and_then(|v| v.to_str().ok())
                .and_then(origin_of_url)
                .map(str::to_string)
        })?;
    // Compared with the configured public address, never with the
    // request's own `Host`, which the client chooses.
    let claimed = claimed.to_ascii_lowercase();
    Some(state.config.allowed_origins().contains(&claimed))
}

fn refuse(api: bool, message: &str) -> Response {
    let e = Error::Forbidden(message.into());
    if api {
        ApiError(e).into_response()
    } else {
        PageError(e).into_response()
    }
}

/// A file of a release (`/releases/{spec}/{version}/{file}`), as opposed
/// to its page (`…/{version}/`), which carries the supersede form.
fn is_release_file(path: &str) -> bool {
    path.strip_prefix("/releases/").is_some_and(|rest| {
        rest.split('/').filter(|s| !s.is_empty()).count() == 3 && !rest.ends_with('/')
    })
}

/// The middleware. See the module documentation.
pub async fn protect(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let name = cookie_name(&state);
    let path = req.uri().path();
    // Only pages carry forms; the API, the stylesheet, the probes and the
    // files consumers fetch (release artefacts, feeds, the public key and
    // checkpoint) need no token, and their responses stay free of cookies,
    // so any cache or CDN may keep them.
    let pages = !(path.starts_with("/api/")
        || path.starts_with("/static/")
        || path.starts_with("/feeds/")
        || path.starts_with("/.well-known/")
        || is_release_file(path)
        || path.starts_with("/unsubscribe/")
        || path == "/healthz"
        || path == "/readyz");
    // An unsubscribe link's signature authorises its one change, and mail
    // clients post it without cookies or a form (RFC 8058).
    let token_authorised = path.starts_with("/unsubscribe/");
    let existing = session::read_cookie(req.headers(), name).filter(|t| t.len() >= 32);
    let (token, fresh) = match existing {
        Some(t) => (t, false),
        None if !pages => (String::new(), false),
        None => match secret::random(32) {
            Ok(t) => (t, true),
            Err(e) => {
                return ApiError(Error::Internal(format!(
                    "no randomness for a CSRF token: {e}"
                )))
                .into_response();
            }
        },
    };
    req.extensions_mut().insert(CsrfToken(token.clone()));

    // Only the methods Charta's routes change state with are checked; any
    // other (TRACE, WebDAV's, made-up ones) reaches the router, which
    // answers 405 because no route takes it.
    let unsafe_method = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let api = req.uri().path().starts_with("/api/");
    if unsafe_method && !token_authorised && !req.headers().contains_key(AUTHORIZATION) {
        match same_origin(req.headers(), &state) {
            Some(false) => {
                return refuse(
                    api,
                    "cross-site request refused: this request did not come from a Charta page",
                );
            }
            None if api && session::cookie_value(req.headers(), &state.config).is_some() => {
                return refuse(
                    api,
                    "a state-changing API call with a session cookie must carry an Origin header; scripts should use an API token instead",
                );
            }
            _ => {}
        }
        if !api {
            let (parts, body) = req.into_parts();
            let bytes = match axum::body::to_bytes(body, state.config.max_body_bytes).await {
                Ok(b) => b,
                Err(_) => {
                    return PageError(Error::PayloadTooLarge(
                        "the form is larger than this server accepts".into(),
                    ))
                    .into_response();
                }
            };
            let submitted = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .ok()
                .and_then(|fields| fields.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v));
            let valid =
                !fresh && !token.is_empty() && submitted.is_some_and(|s| secret::equal(&s, &token));
            if !valid {
                return refuse(
                    false,
                    "this form has expired or did not come from Charta; go back, reload the page and try again",
                );
            }
            req = Request::from_parts(parts, Body::from(bytes));
        }
    }

    let mut resp = next.run(req).await;
    if fresh {
        let cookie = session::set_cookie(
            &state.config,
            name,
            token,
            time::Duration::days(7),
            SameSite::Strict,
        );
        resp.headers_mut().append(SET_COOKIE, cookie);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::origin_of_url;

    #[test]
    fn origins() {
        assert_eq!(
            origin_of_url("https://a.example/x/y"),
            Some("https://a.example")
        );
        assert_eq!(
            origin_of_url("http://127.0.0.1:8080"),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin_of_url("nonsense"), None);
    }
}
