//! The web layer's one error type and how it becomes an HTTP response.
//!
//! Handlers return [`ApiResult`] (JSON body `{"error": {"code", "message"}}`)
//! or [`PageResult`] (an HTML error page); both wrap the same [`Error`], so a
//! failure means the same status everywhere. Internal details are logged
//! once, here, and never sent to the client.

use crate::auth::Viewer;
use crate::auth::csrf::CsrfToken;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::state::AppState;
use askama::Template;
use axum::Json;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

pub use charta_app::Error;

/// The HTTP status of each kind of failure: the one place where the use
/// cases' errors meet HTTP.
pub fn status(e: &Error) -> StatusCode {
    match e {
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::BadRequest(_) => StatusCode::BAD_REQUEST,
        Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Conflict(_) => StatusCode::CONFLICT,
        Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        Error::Unauthorized(_) | Error::SignIn { .. } | Error::Reauthenticate { .. } => {
            StatusCode::UNAUTHORIZED
        }
        Error::Forbidden(_) | Error::StepUp { .. } => StatusCode::FORBIDDEN,
        Error::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
        Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;
/// Result of a page handler.
pub type PageResult<T> = Result<T, PageError>;

/// An [`Error`] rendered as JSON.
#[derive(Debug)]
pub struct ApiError(pub Error);

/// An [`Error`] rendered as an HTML page.
#[derive(Debug)]
pub struct PageError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl<E: Into<Error>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

/// The JSON error envelope.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code: not_found, bad_request, invalid, conflict,
    /// payload_too_large, unauthorized, sign_in_required, forbidden,
    /// mfa_required, reauthentication_required, too_many_requests, internal.
    pub code: &'static str,
    pub message: String,
    /// For `invalid`: each problem with its line in the submitted file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemBody>,
}

/// One problem in a submitted file.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemBody {
    pub line: Option<usize>,
    pub message: String,
}

fn problems(e: &Error) -> Vec<ProblemBody> {
    match e {
        Error::Invalid(f) => f
            .problems
            .iter()
            .map(|p| ProblemBody {
                line: p.line,
                message: p.message.clone(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.0.code(),
                message: self.0.message(),
                problems: problems(&self.0),
            },
        };
        (status(&self.0), Json(body)).into_response()
    }
}

/// The HTML error page, inside the site's normal layout.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub title: String,
    pub chrome: Chrome,
    pub status: u16,
    pub message: String,
    pub problems: Vec<ProblemBody>,
}

/// What an error page says, kept on the response so that [`page_chrome`]
/// can render it again with the header of the person who asked.
#[derive(Debug, Clone)]
pub struct ErrorView {
    pub status: StatusCode,
    pub message: String,
    pub problems: Vec<ProblemBody>,
}

impl ErrorView {
    fn render(&self, chrome: Chrome) -> Response {
        let page = ErrorPage {
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            chrome,
            status: self.status.as_u16(),
            message: self.message.clone(),
            problems: self.problems.clone(),
        };
        match page.render() {
            Ok(html) => {
                let mut r = (self.status, Html(html)).into_response();
                r.extensions_mut().insert(self.clone());
                r
            }
            Err(e) => {
                tracing::error!("error page failed to render: {e}");
                (self.status, self.message.clone()).into_response()
            }
        }
    }
}

/// The header of a signed-out visitor: what an error page shows until
/// [`page_chrome`] knows who asked.
fn anonymous_chrome() -> Chrome {
    Chrome {
        demo: false,
        user_name: None,
        admin: false,
        csrf: String::new(),
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.0.log();
        // People are sent to sign in (again) rather than shown an error.
        match &self.0 {
            Error::SignIn { return_to } => {
                return see_other(&format!("/auth/login?return_to={}", url_encode(return_to)));
            }
            Error::StepUp { return_to } => {
                return see_other(&format!(
                    "/auth/login?step_up=1&return_to={}",
                    url_encode(return_to)
                ));
            }
            Error::Reauthenticate { return_to } => {
                return see_other(&format!(
                    "/auth/login?reauth=1&return_to={}",
                    url_encode(return_to)
                ));
            }
            _ => {}
        }
        ErrorView {
            status: status(&self.0),
            message: self.0.message(),
            problems: problems(&self.0),
        }
        .render(anonymous_chrome())
    }
}

/// Middleware: an HTML error page gets the same header as every other page
/// (the person's name, the sign-out button, the demo banner). Errors are
/// rendered where no viewer is at hand (extractor rejections, the fallback,
/// handlers that fail before loading one), so the viewer is loaded here,
/// and only when the response is an error page.
pub async fn page_chrome(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // API errors are JSON and never carry the page header.
    if req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    // Only what finds the viewer is kept: the session cookie and a token
    // (refused on pages, which the viewer says in words).
    let mut copy = Request::builder()
        .method(req.method().clone())
        .uri(req.uri().clone());
    if let Some(h) = copy.headers_mut() {
        for name in [
            axum::http::header::COOKIE,
            axum::http::header::AUTHORIZATION,
        ] {
            for v in req.headers().get_all(&name) {
                h.append(name.clone(), v.clone());
            }
        }
    }
    if let Some(t) = req.extensions().get::<CsrfToken>() {
        copy = copy.extension(t.clone());
    }
    let resp = next.run(req).await;
    let Some(view) = resp.extensions().get::<ErrorView>().cloned() else {
        return resp;
    };
    let Ok(copy) = copy.body(()) else {
        return resp;
    };
    let (mut parts, ()) = copy.into_parts();
    match Viewer::from_request_parts(&mut parts, &state).await {
        Ok(viewer) if !viewer.api => view.render(viewer.chrome(&state)),
        _ => resp,
    }
}

/// A `303 See Other` redirect to a local path.
pub fn see_other(location: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(location) {
        r.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    r
}

/// Percent-encodes a query parameter value.
pub fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)])
        .map(|q| q[2..].to_string())
        .unwrap_or_default()
}

/// Middleware: under `/api/`, a refusal that axum's extractors or layers
/// answer as plain text (a path segment that is not UTF-8, a query
/// parameter given twice, a body larger than the limit) becomes the API's
/// JSON error envelope, so that clients parse every error one way.
pub async fn json_refusals(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let resp = next.run(req).await;
    let plain = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    let status = resp.status();
    if !plain || !(status == StatusCode::BAD_REQUEST || status == StatusCode::PAYLOAD_TOO_LARGE) {
        return resp;
    }
    let text = match axum::body::to_bytes(resp.into_body(), 64 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_string(),
        Err(_) => String::new(),
    };
    let error = if status == StatusCode::PAYLOAD_TOO_LARGE {
        Error::PayloadTooLarge(if text.is_empty() {
            "the request body is larger than this server accepts".into()
        } else {
            text
        })
    } else {
        Error::BadRequest(if text.is_empty() {
            "the request's path or query could not be read".into()
        } else {
            text
        })
    };
    ApiError(error).into_response()
}
