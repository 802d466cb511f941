//! What waits on the signed-in person, as the "my work" page shows it.

use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use charta_app::work::{self, MyWork};

/// Amendments, ballots and steward work waiting on the signed-in person.
#[utoipa::path(get, path = "/api/v1/my-work", tag = "account",
    responses((status = 200, description = "What waits on the signed-in person", body = MyWork), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope, a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn my_work(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<MyWork>> {
    Ok(Json(work::my_work(&state, &viewer).await?))
}
