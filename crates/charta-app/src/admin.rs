//! What platform administrators do: create working groups and add member
//! organisations to them.

use crate::amend::actor;
use crate::app::App;
use crate::error::Error;
use crate::viewer::Viewer;
use charta_domain::access::Action;
use charta_domain::group::{GroupFile, MemberOrg, is_valid_domain};
use charta_domain::ident::is_valid_slug;
use charta_store::StoreError;

/// A new working group, as typed.
#[derive(Debug, Clone, Copy)]
pub struct NewGroup<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
}

/// A new member organisation, as typed.
#[derive(Debug, Clone, Copy)]
pub struct NewOrganization<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    /// Its web address; may be empty.
    pub url: &'a str,
    /// When set, its representatives and alternates need a verified
    /// address in this domain.
    pub email_domain: &'a str,
}

/// Creates a working group with no members yet.
pub async fn create_group(app: &App, viewer: &Viewer, g_in: &NewGroup<'_>) -> Result<(), Error> {
    viewer.require(Action::Administer)?;
    let slug = g_in.slug.trim();
    if !is_valid_slug(slug) {
        return Err(Error::BadRequest(format!(
            "{slug:?} is not a valid group slug: use 2 to 64 lower-case letters, digits and single hyphens"
        )));
    }
    if g_in.name.trim().is_empty() {
        return Err(Error::BadRequest("the group needs a name".into()));
    }
    match app.store.group(slug).await {
        Ok(_) => {
            return Err(Error::Conflict(format!(
                "a working group {slug} already exists"
            )));
        }
        Err(StoreError::NotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let g = GroupFile {
        group: slug.to_string(),
        name: g_in.name.trim().to_string(),
        description: g_in.description.trim().to_string(),
        members: Vec::new(),
    };
    app.store.upsert_group(&g, &actor(viewer)).await?;
    Ok(())
}

/// Adds a member organisation to the group `group`.
pub async fn add_organization(
    app: &App,
    viewer: &Viewer,
    group: &str,
    g_in: &NewOrganization<'_>,
) -> Result<(), Error> {
    viewer.require(Action::Administer)?;
    let g = app.store.group(group).await?;
    let slug = g_in.slug.trim();
    if !is_valid_slug(slug) || g_in.name.trim().is_empty() {
        return Err(Error::BadRequest(
            "an organisation needs a valid slug (lower-case letters, digits, hyphens) and a name"
                .into(),
        ));
    }
    let url = g_in.url.trim();
    if !url.is_empty() && !url.starts_with("https://") && !url.starts_with("http://") {
        return Err(Error::BadRequest(
            "the organisation's address must start with https://".into(),
        ));
    }
    let domain = g_in.email_domain.trim().trim_start_matches('@');
    if !domain.is_empty() && !is_valid_domain(domain) {
        return Err(Error::BadRequest(format!(
            "{domain:?} is not an e-mail domain: give the part after the @ of the organisation's addresses, such as example.org"
        )));
    }
    let file = GroupFile {
        group: g.slug.clone(),
        name: g.name.clone(),
        description: g.description.clone(),
        members: vec![MemberOrg {
            slug: slug.to_string(),
            name: g_in.name.trim().to_string(),
            url: url.to_string(),
            email_domain: Some(domain.to_ascii_lowercase()).filter(|d| !d.is_empty()),
        }],
    };
    app.store.upsert_group(&file, &actor(viewer)).await?;
    Ok(())
}
