//! The home page and working group pages.

use super::Page;
use crate::api::groups::{GroupDetail, group_detail};
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::error::PageResult;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use charta_domain::Catalog;
use charta_store::{GroupRow, SpecRow};

/// A group with its specifications, for the home page.
pub struct GroupCard {
    pub group: GroupRow,
    pub specs: Vec<SpecRow>,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub title: String,
    pub chrome: Chrome,
    pub groups: Vec<GroupCard>,
    pub catalogs: Vec<Catalog>,
}

/// Working groups, their specifications, and the reference catalogs.
pub async fn home(State(state): State<AppState>, viewer: Viewer) -> PageResult<Page<HomePage>> {
    let specs = crate::lookup::readable_specs(&state, &viewer).await?;
    let groups = state
        .store
        .groups()
        .await?
        .into_iter()
        .map(|g| GroupCard {
            specs: specs
                .iter()
                .filter(|s| s.group_slug == g.slug)
                .cloned()
                .collect(),
            group: g,
        })
        .collect();
    Ok(Page(HomePage {
        title: "Security specifications".into(),
        chrome: viewer.chrome(&state),
        groups,
        catalogs: state.catalogs.catalogs().to_vec(),
    }))
}

#[derive(Template)]
#[template(path = "group.html")]
pub struct GroupPage {
    pub title: String,
    pub chrome: Chrome,
    pub detail: GroupDetail,
    pub description_html: String,
}

/// A working group: its members and specifications.
pub async fn group(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
) -> PageResult<Page<GroupPage>> {
    let detail = group_detail(&state, &viewer, &group).await?;
    Ok(Page(GroupPage {
        title: detail.group.name.clone(),
        chrome: viewer.chrome(&state),
        description_html: crate::markdown::render(&detail.group.description),
        detail,
    }))
}
