//! A working group as people read it: its member organisations and the
//! specifications the reader may see.

use crate::app::App;
use crate::error::Error;
use crate::viewer::Viewer;
use charta_store::{GroupRow, OrgRow, SpecRow};

/// A working group with its members and specifications.
#[derive(Debug)]
pub struct GroupDetail {
    pub group: GroupRow,
    pub members: Vec<OrgRow>,
    pub specs: Vec<SpecRow>,
}

/// Loads a group with its members and specifications.
pub async fn group_detail(state: &App, viewer: &Viewer, slug: &str) -> Result<GroupDetail, Error> {
    let group = state.store.group(slug).await?;
    let members = state.store.organizations(group.id).await?;
    let specs = crate::lookup::readable_specs(state, viewer)
        .await?
        .into_iter()
        .filter(|s| s.group_slug == group.slug)
        .collect();
    Ok(GroupDetail {
        group,
        members,
        specs,
    })
}
