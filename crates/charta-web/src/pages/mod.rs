//! Server-rendered HTML pages. Each page is an askama template struct whose
//! template under `templates/` mirrors the module name. Pages work without
//! JavaScript and load nothing but Charta's own stylesheet.

pub mod account;
pub mod admin;
pub mod amendments;
pub mod assessments;
pub mod assets;
pub mod auth;
pub mod ballots;
pub mod catalogs;
pub mod confirm;
pub mod coverage;
pub mod diff;
pub mod docs;
pub mod edit;
pub mod feeds;
pub mod follows;
pub mod form;
pub mod home;
pub mod members;
pub mod notify;
pub mod rebase;
pub mod releases;
pub mod search;
pub mod specs;
pub mod view;
pub mod webhooks;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::error::{Error, PageError};

/// Renders a template into a response; a rendering failure becomes a 500
/// error page rather than a half-written page.
pub struct Page<T>(pub T);

impl<T: Template> IntoResponse for Page<T> {
    fn into_response(self) -> Response {
        match self.0.render() {
            Ok(html) => Html(html).into_response(),
            Err(e) => PageError(Error::Internal(format!("template failed to render: {e}")))
                .into_response(),
        }
    }
}

/// A page shown again because its form was not accepted: `422
/// Unprocessable Content` (or the status of the refusal, such as `409`),
/// with what was typed and the problems next to the fields.
pub struct Rejected<T>(pub StatusCode, pub T);

impl<T: Template> IntoResponse for Rejected<T> {
    fn into_response(self) -> Response {
        let mut r = Page(self.1).into_response();
        if r.status() == StatusCode::OK {
            *r.status_mut() = self.0;
        }
        r
    }
}

/// The status of a form shown again for `e`: 422 for input that does not
/// pass its checks, and the error's own status (such as 409 for a state
/// that no longer allows the action) otherwise.
pub fn rejected_status(e: &Error) -> StatusCode {
    match e {
        Error::BadRequest(_) | Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        other => crate::error::status(other),
    }
}
