//! Server-rendered HTML pages. Each page is an askama template struct whose
//! template under `templates/` mirrors the module name. Pages work without
//! JavaScript and load nothing but Charta's own stylesheet.

pub mod account;
pub mod admin;
pub mod amendments;
pub mod assets;
pub mod auth;
pub mod ballots;
pub mod catalogs;
pub mod coverage;
pub mod diff;
pub mod docs;
pub mod feeds;
pub mod home;
pub mod members;
pub mod rebase;
pub mod releases;
pub mod search;
pub mod specs;
pub mod view;
pub mod work;

use askama::Template;
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
