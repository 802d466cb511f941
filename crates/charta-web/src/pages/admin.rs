//! Platform administration: working groups and member organisations.

use super::Page;
use super::form::PageForm;
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::{PageResult, see_other};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use charta_app::admin;
use charta_domain::access::Action;
use charta_store::{GroupRow, OrgRow};
use serde::Deserialize;

/// A group with its organisations, for the admin page.
pub struct AdminGroup {
    pub group: GroupRow,
    pub organizations: Vec<OrgRow>,
}

#[derive(Template)]
#[template(path = "admin/show.html")]
pub struct AdminPage {
    pub title: String,
    pub chrome: Chrome,
    pub groups: Vec<AdminGroup>,
}

/// The administration page.
pub async fn show(State(state): State<AppState>, viewer: Viewer) -> PageResult<Page<AdminPage>> {
    viewer.require(Action::Administer)?;
    let mut groups = Vec::new();
    for group in state.store.groups().await? {
        let organizations = state.store.organizations(group.id).await?;
        groups.push(AdminGroup {
            group,
            organizations,
        });
    }
    Ok(Page(AdminPage {
        title: "Administration".into(),
        chrome: viewer.chrome(&state),
        groups,
    }))
}

/// The new group form.
#[derive(Debug, Deserialize)]
pub struct GroupForm {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// Creates a working group.
pub async fn create_group(
    State(state): State<AppState>,
    viewer: Viewer,
    PageForm(f): PageForm<GroupForm>,
) -> PageResult<Response> {
    admin::create_group(
        &state,
        &viewer,
        &admin::NewGroup {
            slug: &f.slug,
            name: &f.name,
            description: &f.description,
        },
    )
    .await?;
    Ok(see_other("/admin").into_response())
}

/// The new organisation form.
#[derive(Debug, Deserialize)]
pub struct OrgForm {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub email_domain: String,
}

/// Adds a member organisation to a group.
pub async fn add_organization(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
    PageForm(f): PageForm<OrgForm>,
) -> PageResult<Response> {
    admin::add_organization(
        &state,
        &viewer,
        &group,
        &admin::NewOrganization {
            slug: &f.slug,
            name: &f.name,
            url: &f.url,
            email_domain: &f.email_domain,
        },
    )
    .await?;
    Ok(see_other("/admin").into_response())
}
