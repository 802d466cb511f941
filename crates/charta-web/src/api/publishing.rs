//! Publishing and superseding releases through the API. Both are the
//! chair's, with a multi-factor browser session: a script holding a token
//! can prepare everything, and a person signs off.

use super::body;
use super::releases::{ReleaseEntry, entry};
use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use charta_app::release;
use serde::Deserialize;

/// Publishing a release.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PublishRequest {
    /// The version to release; its release ballot must have passed.
    pub version: i64,
    /// The release's name under the group's scheme, such as `1.2.0` or
    /// `2026.12`.
    pub name: String,
}

/// Publish an approved version as a signed release.
#[utoipa::path(post, path = "/api/v1/specs/{spec}/releases", tag = "releases", request_body = PublishRequest,
    params(("spec" = String, Path, description = "Specification slug")),
    responses((status = 201, description = "The published release and the addresses of its artefacts", body = ReleaseEntry), (status = 400, description = "The request body or a parameter is not what the operation takes (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope, a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "The object's state does not allow this now (`conflict`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    request: Result<Json<PublishRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ReleaseEntry>)> {
    let r = body(request, "{\"version\", \"name\"}")?;
    let published = release::publish(&state, &viewer, &spec, r.version, &r.name).await?;
    Ok((StatusCode::CREATED, Json(entry(&state, published).await?)))
}

/// Superseding a release.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SupersedeRequest {
    /// Why, for example which release replaces it; at most 2,000 characters.
    pub reason: String,
}

/// Mark a release superseded; its bytes stay served, unchanged.
#[utoipa::path(post, path = "/api/v1/specs/{spec}/releases/{name}/supersede", tag = "releases", request_body = SupersedeRequest,
    params(("spec" = String, Path, description = "Specification slug"), ("name" = String, Path, description = "Release name")),
    responses((status = 204, description = "The release is marked superseded"), (status = 400, description = "The request body or a parameter is not what the operation takes (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope, a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "The object's state does not allow this now (`conflict`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn supersede(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, name)): Path<(String, String)>,
    request: Result<Json<SupersedeRequest>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let r = body(request, "{\"reason\"}")?;
    release::supersede(&state, &viewer, &spec, &name, &r.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}
