//! Coverage of one version through the API; computed by
//! `charta_app::coverage`, which the page uses too.

use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::params::CoverageParams;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
pub use charta_app::coverage::*;

/// Coverage of one version: every CRA clause, OpenSSF Principles item (by
/// track and level) and OSPS Baseline requirement against the active
/// controls mapped to it, gaps included; and what a project must do for a
/// level. A mapping is not a claim of compliance.
#[utoipa::path(get, path = "/api/v1/specs/{spec}/versions/{version}/coverage", tag = "specs", operation_id = "version_coverage",
    params(("spec" = String, Path, description = "Specification slug"),
           ("version" = i64, Path, description = "Version number, from 1", minimum = 1),
           CoverageParams),
    responses((status = 200, description = "The version's coverage of every catalog, and what a project must do", body = CoverageDocument),
              (status = 400, description = "The version is not a number from 1, or `level` is not 1, 2 or 3 (`bad_request`)", body = crate::error::ErrorBody),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 404, description = "No such specification the caller may read, or no such version (`not_found`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn coverage(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, version)): Path<(String, String)>,
    Query(q): Query<CoverageParams>,
) -> ApiResult<Json<CoverageDocument>> {
    let (n, level) = q.parse(&version)?;
    let (_, _, doc) = load(&state, &viewer, &spec, n, level).await?;
    Ok(Json(doc))
}
