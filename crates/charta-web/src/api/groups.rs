//! Working groups and their member organisations.

use crate::api::records::{Organization, SpecificationSummary, WorkingGroup};
use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::paging;
use crate::state::AppState;
use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::Response;
use charta_app::groups::group_detail;

/// List the working groups, by name, a page at a time.
#[utoipa::path(get, path = "/api/v1/groups", tag = "groups", operation_id = "list_groups", params(crate::paging::PageParams),
    responses((status = 200, description = "A page of working groups, by name", body = Vec<WorkingGroup>, headers(("Link" = String, description = "`<…>; rel=\"next\"`: the address of the next page; absent on the last"))),
              (status = 400, description = "`limit` is not 1 to 200, or `after` is not a cursor this list handed out (`bad_request`)", body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<crate::paging::PageParams>,
) -> ApiResult<Response> {
    let page = state.store.groups_page(&p.request()?).await?;
    Ok(paging::respond(
        &state.config.public_url,
        &uri,
        page.items
            .into_iter()
            .map(WorkingGroup::from)
            .collect::<Vec<_>>(),
        page.next.as_ref(),
    ))
}

/// One working group, its member organisations and its specifications.
#[utoipa::path(get, path = "/api/v1/groups/{group}", tag = "groups", operation_id = "show_group",
    params(("group" = String, Path, description = "Working group slug")),
    responses((status = 200, description = "The working group, its member organisations and the specifications the caller may read", body = GroupDetail),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 404, description = "No such working group (`not_found`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
) -> ApiResult<Json<GroupDetail>> {
    let d = group_detail(&state, &viewer, &group).await?;
    Ok(Json(GroupDetail {
        group: d.group.into(),
        members: d.members.into_iter().map(Organization::from).collect(),
        specs: d
            .specs
            .into_iter()
            .map(SpecificationSummary::from)
            .collect(),
    }))
}

/// A working group with its member organisations and the specifications
/// the caller may read.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct GroupDetail {
    #[serde(flatten)]
    pub group: WorkingGroup,
    pub members: Vec<Organization>,
    pub specs: Vec<SpecificationSummary>,
}
