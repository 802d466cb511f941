//! Platform administration: working groups and member organisations.

use super::Page;
use super::form::PageForm;
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::{Error, PageResult, see_other};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use charta_domain::access::Action;
use charta_domain::group::{GroupFile, MemberOrg, is_valid_domain};
use charta_domain::ident::is_valid_slug;
use charta_store::{GroupRow, OrgRow, StoreError};
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
    viewer.require(Action::Administer)?;
    let slug = f.slug.trim();
    if !is_valid_slug(slug) {
        return Err(Error::BadRequest(format!("{slug:?} is not a valid group slug: use 2 to 64 lower-case letters, digits and single hyphens")).into());
    }
    if f.name.trim().is_empty() {
        return Err(Error::BadRequest("the group needs a name".into()).into());
    }
    match state.store.group(slug).await {
        Ok(_) => {
            return Err(Error::Conflict(format!("a working group {slug} already exists")).into());
        }
        Err(StoreError::NotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let g = GroupFile {
        group: slug.to_string(),
        name: f.name.trim().to_string(),
        description: f.description.trim().to_string(),
        members: Vec::new(),
    };
    state.store.upsert_group(&g, &actor(&viewer)).await?;
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
    viewer.require(Action::Administer)?;
    let g = state.store.group(&group).await?;
    let slug = f.slug.trim();
    if !is_valid_slug(slug) || f.name.trim().is_empty() {
        return Err(Error::BadRequest(
            "an organisation needs a valid slug (lower-case letters, digits, hyphens) and a name"
                .into(),
        )
        .into());
    }
    let url = f.url.trim();
    if !url.is_empty() && !url.starts_with("https://") && !url.starts_with("http://") {
        return Err(Error::BadRequest(
            "the organisation's address must start with https://".into(),
        )
        .into());
    }
    let domain = f.email_domain.trim().trim_start_matches('@');
    if !domain.is_empty() && !is_valid_domain(domain) {
        return Err(Error::BadRequest(format!(
            "{domain:?} is not an e-mail domain: give the part after the @ of the organisation's addresses, such as example.org"
        ))
        .into());
    }
    let file = GroupFile {
        group: g.slug.clone(),
        name: g.name.clone(),
        description: g.description.clone(),
        members: vec![MemberOrg {
            slug: slug.to_string(),
            name: f.name.trim().to_string(),
            url: url.to_string(),
            email_domain: Some(domain.to_ascii_lowercase()).filter(|d| !d.is_empty()),
        }],
    };
    state.store.upsert_group(&file, &actor(&viewer)).await?;
    Ok(see_other("/admin").into_response())
}

/// How the viewer is named in the audit log.
pub fn actor(viewer: &Viewer) -> String {
    viewer
        .user
        .as_ref()
        .map_or_else(|| "anonymous".into(), |u| format!("user:{}", u.id))
}
