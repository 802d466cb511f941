//! Running ballots through the API: opening them on an amendment or a
//! version, extending, cancelling and closing early, and setting a group's
//! rules. Running ballots and setting rules are the chair's, with a
//! multi-factor browser session; a token gets a `403` that says so.

use super::body;
use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use charta_app::{amend, ballot, lookup};
use charta_domain::ballot::{Rules, Tally};
use serde::{Deserialize, Serialize};

/// Opening a ballot.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct OpenBallotRequest {
    /// How many days it runs; the group's default when left out.
    #[serde(default)]
    pub days: Option<u32>,
    /// For a release ballot: the version to release; the newest when left
    /// out.
    #[serde(default)]
    pub version: Option<i64>,
}

/// The number of an opened ballot.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BallotOpened {
    pub ballot: i64,
}

/// Open a ballot on merging an amendment that is open for review.
#[utoipa::path(post, path = "/api/v1/specs/{spec}/amendments/{number}/ballots", tag = "ballots", request_body = OpenBallotRequest,
    params(("spec" = String, Path, description = "Specification slug"), ("number" = i64, Path, description = "Amendment number")),
    responses((status = 201, description = "The ballot is open", body = BallotOpened), (status = 400, description = "The request body or a parameter is not what the operation takes (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope, a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "The object's state does not allow this now (`conflict`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn open_on_amendment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    request: Result<Json<OpenBallotRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<BallotOpened>)> {
    let r = body(request, "{\"days\"}")?;
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let id = ballot::open_on_amendment(&state, &viewer, &ctx, r.days).await?;
    Ok((StatusCode::CREATED, Json(BallotOpened { ballot: id })))
}

/// Open a ballot on releasing a version of a specification.
#[utoipa::path(post, path = "/api/v1/specs/{spec}/ballots", tag = "ballots", request_body = OpenBallotRequest,
    params(("spec" = String, Path, description = "Specification slug")),
    responses((status = 201, description = "The ballot is open", body = BallotOpened), (status = 400, description = "The request body or a parameter is not what the operation takes (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope, a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "The object's state does not allow this now (`conflict`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn open_on_version(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    request: Result<Json<OpenBallotRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<BallotOpened>)> {
    let r = body(request, "{\"version\", \"days\"}")?;
    let row = lookup::spec(&state, &viewer, &spec).await?;
    let version = r.version.unwrap_or(row.head_version);
    let id = ballot::open_on_version(&state, &viewer, &row, version, r.days).await?;
    Ok((StatusCode::CREATED, Json(BallotOpened { ballot: id })))
}

/// Extending a ballot.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ExtendRequest {
    /// Days to add to the deadline; 7 when left out. A ballot runs at most
    /// 30 days from opening.
    #[serde(default)]
    pub days: Option<u32>,
}

/// Move an open ballot's deadline later.
#[utoipa::path(post, path = "/api/v1/ballots/{id}/extend", tag = "ballots", request_body = ExtendRequest,
    params(("id" = i64, Path, description = "Ballot number")),
    responses((status = 204, description = "The deadline moved"), (status = 400, description = "The request body or a parameter is not what the operation takes (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope, a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "The object's state does not allow this now (`conflict`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn extend(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    request: Result<Json<ExtendRequest>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let r = body(request, "{\"days\"}")?;
    ballot::extend(&state, &viewer, ballot::parse_id(&id)?, r.days).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Cancelling a ballot.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CancelRequest {
    /// Why; shown on the ballot. At most 2,000 characters.
    pub reason: String,
}

/// Cancel an open ballot, without a result.
#[utoipa::path(post, path = "/api/v1/ballots/{id}/cancel", tag = "ballots", request_body = CancelRequest,
    params(("id" = i64, Path, description = "Ballot number")),
    responses((status = 204, description = "The ballot is cancelled"), (status = 400, description = "The request body or a parameter is not what the operation takes (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope, a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "The object's state does not allow this now (`conflict`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn cancel(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    request: Result<Json<CancelRequest>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let r = body(request, "{\"reason\"}")?;
    ballot::cancel(&state, &viewer, ballot::parse_id(&id)?, &r.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Close an open ballot before its deadline, where the rules allow and the
/// outcome can no longer change; answers with the final tally.
#[utoipa::path(post, path = "/api/v1/ballots/{id}/close", tag = "ballots",
    params(("id" = i64, Path, description = "Ballot number")),
    responses((status = 200, description = "The ballot is closed; its final tally", body = Tally), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope, a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "The object's state does not allow this now (`conflict`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn close(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Tally>> {
    Ok(Json(
        ballot::close_early(&state, &viewer, ballot::parse_id(&id)?).await?,
    ))
}

/// Replace a working group's ballot rules (the `rules` object that
/// `GET /api/v1/groups/{group}/rules` returns). Ballots already open keep
/// the rules they opened under.
#[utoipa::path(put, path = "/api/v1/groups/{group}/rules", tag = "ballots", request_body = Rules,
    params(("group" = String, Path, description = "Working group slug")),
    responses((status = 200, description = "The group's rules as they now stand", body = super::ballots::RulesDocument), (status = 400, description = "The request body or a parameter is not what the operation takes (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope, a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn set_rules(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
    request: Result<Json<Rules>, JsonRejection>,
) -> ApiResult<Json<super::ballots::RulesDocument>> {
    let g = state.store.group(&group).await?;
    // Who may not change the rules is told so before the body is judged.
    viewer.require(charta_domain::access::Action::SetRules { group_id: g.id })?;
    let rules = body(
        request,
        "rules as GET /api/v1/groups/{group}/rules returns them in `rules`",
    )?;
    // Stored as sent, once checked: no need to read them back.
    charta_app::rules::set(&state, &viewer, &g, &rules).await?;
    Ok(Json(super::ballots::RulesDocument {
        rules_text: rules.describe(),
        rules,
    }))
}
