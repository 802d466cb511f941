//! What waits on the signed-in person, as the "my work" page shows it.

use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use charta_app::work::{self, MyWork};

/// Amendments, ballots and steward work waiting on the signed-in person.
#[utoipa::path(get, path = "/api/v1/my-work", tag = "account",
    responses((status = 200, body = MyWork), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn my_work(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<MyWork>> {
    Ok(Json(work::my_work(&state, &viewer).await?))
}
