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

/// The page that documents Charta's OSCAL property namespace: the URN
/// itself, then each property from `charta_release::oscal::PROPS`, so the
/// page can list nothing the documents do not write, nor miss anything.
pub async fn oscal_props(State(state): State<AppState>, viewer: Viewer) -> Page<DocPage> {
    use charta_release::oscal::{NS, PROPS};
    let mut md = format!(
        "# Charta's OSCAL properties\n\n\
         Charta's OSCAL documents (a release's catalog, mapping collection and \
         profiles, and the reference catalogs at `/catalogs/{{catalog}}/catalog.oscal.json`) \
         use OSCAL's own properties where OSCAL defines one (`label`, `alt-identifier`, \
         `status`) and otherwise properties in Charta's namespace:\n\n\
         ```\n{NS}\n```\n\n\
         The namespace is the same on every Charta instance and never changes; it is a \
         name, not an address. A property whose meaning changed would get a new name.\n\n\
         | property | found on | meaning |\n| --- | --- | --- |\n"
    );
    for p in PROPS {
        md.push_str(&format!(
            "| `{}` | {} | {} |\n",
            p.name, p.found_on, p.meaning
        ));
    }
    Page(DocPage {
        title: "Charta's OSCAL properties".into(),
        chrome: viewer.chrome(&state),
        body_html: crate::markdown::render(&md),
    })
}
