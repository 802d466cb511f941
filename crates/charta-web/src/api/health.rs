//! Liveness and readiness probes for load balancers and orchestrators.

use crate::error::{ApiResult, Error};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// The process is up and serving requests.
#[utoipa::path(get, path = "/healthz", tag = "probes", operation_id = "healthz",
    responses((status = 200, description = "The process is alive", body = crate::api::openapi::Liveness)))]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The database answers, so requests can be served.
#[utoipa::path(get, path = "/readyz", tag = "probes", operation_id = "readyz",
    responses((status = 200, description = "Ready: the database answers", body = crate::api::openapi::Readiness),
              (status = 500, description = "The database does not answer (`internal`)", body = crate::error::ErrorBody)))]
pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state
        .store
        .ping()
        .await
        .map_err(|e| Error::Internal(format!("readiness check failed: {e}")))?;
    Ok(Json(
        json!({"status": "ready", "database": state.store.backend().as_str()}),
    ))
}
