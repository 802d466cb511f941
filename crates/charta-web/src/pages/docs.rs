//! Reference pages compiled into the server: the specification file format,
//! so that the "file format" link of the proposal form works for everyone,
//! on every instance, and describes the format this build accepts.

use super::Page;
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;

/// The description of the specification files, from the repository's
/// `specs/README.md` as it was when the server was built.
const SPEC_FORMAT: &str = include_str!("../../../../specs/README.md");

#[derive(Template)]
#[template(path = "docs/show.html")]
pub struct DocPage {
    pub title: String,
    pub chrome: Chrome,
    pub body_html: String,
}

/// The specification file format.
pub async fn spec_format(State(state): State<AppState>, viewer: Viewer) -> Page<DocPage> {
    Page(DocPage {
        title: "Specification file format".into(),
        chrome: viewer.chrome(&state),
        body_html: crate::markdown::render(SPEC_FORMAT),
    })
}
