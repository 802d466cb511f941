//! Delegations of an organisation's vote through the API: list a group's,
//! give one, revoke one.

use crate::auth::Viewer;
use crate::error::{ApiResult, Error};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use charta_app::delegation::{self, GiveRequest};
use charta_domain::access::Action;
use charta_store::DelegationRow;
use serde::{Deserialize, Serialize};

/// Every delegation in a working group, newest first; for its members.
#[utoipa::path(get, path = "/api/v1/groups/{group}/delegations", tag = "ballots",
    params(("group" = String, Path, description = "Working group slug")),
    responses((status = 200, body = Vec<DelegationRow>), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
) -> ApiResult<Json<Vec<DelegationRow>>> {
    let g = state.store.group(&group).await?;
    viewer.require(Action::ReadMembers { group_id: g.id })?;
    Ok(Json(state.store.delegations_of_group(g.id).await?))
}

/// A delegation to give.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DelegationRequest {
    /// The organisation's slug.
    pub organization: String,
    /// The e-mail address of one of its alternates.
    pub alternate: String,
    /// When it starts: an RFC 3339 time or a date (UTC); now when left out.
    #[serde(default)]
    pub starts_at: String,
    /// When it ends: an RFC 3339 time or a date (the end of that day, UTC);
    /// until revoked when left out.
    #[serde(default)]
    pub ends_at: String,
}

/// The number of a recorded delegation.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DelegationRecorded {
    pub delegation: i64,
}

/// Delegate an organisation's vote to one of its alternates for a period.
/// Given by the organisation's representative, or by the chair when it has
/// none; needs a session or a token with the `vote` scope.
#[utoipa::path(post, path = "/api/v1/groups/{group}/delegations", tag = "ballots", request_body = DelegationRequest,
    params(("group" = String, Path, description = "Working group slug")),
    responses((status = 201, body = DelegationRecorded), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn give(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
    body: Result<Json<DelegationRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<DelegationRecorded>)> {
    let Json(d) = body.map_err(|e| {
        Error::BadRequest(format!(
            "send JSON {{\"organization\", \"alternate\", \"starts_at\", \"ends_at\"}}: {}",
            e.body_text()
        ))
    })?;
    let id = delegation::give(
        &state,
        &viewer,
        &group,
        GiveRequest {
            organization: &d.organization,
            alternate: &d.alternate,
            starts: &d.starts_at,
            ends: &d.ends_at,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(DelegationRecorded { delegation: id }),
    ))
}

/// Revoke a delegation from now on; the vote returns to the representative.
#[utoipa::path(post, path = "/api/v1/groups/{group}/delegations/{delegation}/revoke", tag = "ballots",
    params(("group" = String, Path, description = "Working group slug"), ("delegation" = i64, Path, description = "Delegation number")),
    responses((status = 200, body = DelegationRow), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((group, id)): Path<(String, String)>,
) -> ApiResult<Json<DelegationRow>> {
    Ok(Json(
        delegation::revoke(&state, &viewer, &group, &id).await?,
    ))
}
