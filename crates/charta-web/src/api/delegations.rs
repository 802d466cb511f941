//! Delegations of an organisation's vote through the API: list a group's,
//! give one, revoke one.

use crate::api::records::VoteDelegation;
use crate::auth::Viewer;
use crate::error::{ApiResult, Error};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use charta_app::delegation::{self, GiveRequest, Moment};
use charta_domain::access::Action;
use serde::{Deserialize, Serialize};

/// Every delegation in a working group, newest first; for its members.
#[utoipa::path(get, path = "/api/v1/groups/{group}/delegations", tag = "ballots", operation_id = "list_delegations",
    params(("group" = String, Path, description = "Working group slug")),
    responses((status = 200, description = "Every delegation in the group, newest first", body = Vec<VoteDelegation>),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 403, description = "Only the group's members see its delegations; or the API token lacks the `read` scope (`forbidden`)", body = crate::error::ErrorBody),
              (status = 404, description = "No such working group (`not_found`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
) -> ApiResult<Json<Vec<VoteDelegation>>> {
    let g = state.store.group(&group).await?;
    viewer.require(Action::ReadMembers { group_id: g.id })?;
    Ok(Json(
        state
            .store
            .delegations_of_group(g.id)
            .await?
            .into_iter()
            .map(VoteDelegation::from)
            .collect(),
    ))
}

/// A delegation to give.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DelegationRequest {
    /// The organisation's slug.
    #[schema(min_length = 1, pattern = "\\S")]
    pub organization: String,
    /// The e-mail address of one of its alternates.
    #[schema(min_length = 1, pattern = "\\S")]
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
#[utoipa::path(post, path = "/api/v1/groups/{group}/delegations", tag = "ballots", operation_id = "give_delegation", request_body = DelegationRequest,
    params(("group" = String, Path, description = "Working group slug")),
    responses((status = 201, description = "Given", body = DelegationRecorded),
              (status = 400, description = "The body is not the JSON described, the organisation or alternate is not one of the group's, or a time is neither a date nor an RFC 3339 time (`bad_request`)", body = crate::error::ErrorBody),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 403, description = "Refused (`forbidden`): only the organisation's representative (or the chair, when it has none) delegates; the API token lacks the `vote` scope; or a call with a session cookie came without this site's `Origin`, or from another site", body = crate::error::ErrorBody),
              (status = 404, description = "No such working group (`not_found`)", body = crate::error::ErrorBody),
              (status = 409, description = "The delegation cannot be given as asked: the period is not valid or overlaps another, or the person may not hold the organisation's vote (`conflict`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn give(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
    body: Result<Json<DelegationRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<DelegationRecorded>)> {
    let d = super::body(
        body,
        "{\"organization\", \"alternate\", \"starts_at\", \"ends_at\"}",
    )?;
    let id = delegation::give(
        &state,
        &viewer,
        &group,
        GiveRequest {
            organization: &d.organization,
            alternate: &d.alternate,
            starts: Moment::parse(&d.starts_at, "start")?,
            ends: Moment::parse(&d.ends_at, "end")?,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(DelegationRecorded { delegation: id }),
    ))
}

/// Revoke a delegation from now on; the vote returns to the representative.
#[utoipa::path(post, path = "/api/v1/groups/{group}/delegations/{delegation}/revoke", tag = "ballots", operation_id = "revoke_delegation",
    params(("group" = String, Path, description = "Working group slug"), ("delegation" = i64, Path, description = "Delegation number")),
    responses((status = 200, description = "Revoked; the delegation as it now stands", body = VoteDelegation),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 403, description = "Refused (`forbidden`): only the organisation's representative (or the chair, when it has none) revokes; the API token lacks the `vote` scope; or a call with a session cookie came without this site's `Origin`, or from another site", body = crate::error::ErrorBody),
              (status = 404, description = "No such working group, or no such delegation in it (`not_found`)", body = crate::error::ErrorBody),
              (status = 409, description = "The delegation was already revoked or has ended (`conflict`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((group, id)): Path<(String, String)>,
) -> ApiResult<Json<VoteDelegation>> {
    let id = id
        .parse()
        .map_err(|_| Error::NotFound(format!("delegation {id} in working group {group}")))?;
    Ok(Json(
        delegation::revoke(&state, &viewer, &group, id)
            .await?
            .into(),
    ))
}
