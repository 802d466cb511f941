//! Working groups and their member organisations.

use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use charta_store::{GroupRow, OrgRow, SpecRow};
use serde::Serialize;

/// A working group with its members and specifications.
#[derive(Serialize, utoipa::ToSchema)]
pub struct GroupDetail {
    #[serde(flatten)]
    pub group: GroupRow,
    pub members: Vec<OrgRow>,
    pub specs: Vec<SpecRow>,
}

/// List every working group.
#[utoipa::path(get, path = "/api/v1/groups", tag = "groups",
    responses((status = 200, body = Vec<GroupRow>)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<GroupRow>>> {
    Ok(Json(state.store.groups().await?))
}

/// One working group, its member organisations and its specifications.
#[utoipa::path(get, path = "/api/v1/groups/{group}", tag = "groups",
    params(("group" = String, Path, description = "Working group slug")),
    responses((status = 200, body = GroupDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
) -> ApiResult<Json<GroupDetail>> {
    Ok(Json(group_detail(&state, &viewer, &group).await?))
}

/// Loads a group with its members and specifications.
pub async fn group_detail(
    state: &AppState,
    viewer: &Viewer,
    slug: &str,
) -> Result<GroupDetail, crate::error::Error> {
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
