//! Proposing a change to one control without sending the whole file.

use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use charta_app::amendments::{self, EditInto};
use charta_domain::Control;
use charta_domain::edit::EditKind;
use serde::{Deserialize, Serialize};

/// Whether the control is changed or added.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EditAction {
    /// The control exists; it is replaced by the one sent (withdraw it by
    /// sending `status: withdrawn` with `replaced-by`).
    Change,
    /// The control is new.
    Add,
}

/// One control as it should be, and where to propose it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlEdit {
    pub action: EditAction,
    /// The whole control, as in the specification file.
    pub control: Control,
    /// Add the edit as a new revision of this amendment (a draft gathering
    /// edits, or an open one the caller may revise); otherwise a new
    /// amendment is made.
    #[serde(default)]
    pub amendment: Option<i64>,
    /// The new amendment's title (ignored with `amendment`).
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Open the new amendment for review at once rather than keep it a draft.
    #[serde(default)]
    pub open: bool,
}

/// Where the edit landed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EditResult {
    pub amendment: i64,
    pub revision: i64,
    /// The amendment's page, showing this revision's changes.
    pub url: String,
}

/// Propose a change to one control, or a new control: Charta writes the
/// specification file with it and proposes it as a new amendment or a new
/// revision of one, checked exactly like a whole file.
#[utoipa::path(post, path = "/api/v1/specs/{spec}/control-edits", tag = "amendments", operation_id = "edit_control", request_body = ControlEdit,
    params(("spec" = String, Path, description = "Specification slug")),
    responses((status = 201, description = "Proposed", body = EditResult),
              (status = 400, description = "The body is not the JSON described, the control is unknown or taken, its section does not exist, it changes nothing, or the title breaks the rules (`bad_request`)", body = crate::error::ErrorBody),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 403, description = "Refused (`forbidden`): the caller may not propose in the group or revise that amendment, the token lacks the `propose` scope, or the request's origin", body = crate::error::ErrorBody),
              (status = 404, description = "No specification the caller may read, or no such amendment (`not_found`)", body = crate::error::ErrorBody),
              (status = 409, description = "The amendment can no longer be revised, or was revised meanwhile (`conflict`)", body = crate::error::ErrorBody),
              (status = 422, description = "The specification with this control breaks a rule (`invalid`); `problems` lists each", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn edit_control(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    body: Result<Json<ControlEdit>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<EditResult>)> {
    let r = super::body(
        body,
        "{\"action\": \"change\" or \"add\", \"control\": {…}, \"amendment\" or \"title\"}",
    )?;
    let kind = match r.action {
        EditAction::Change => EditKind::Change,
        EditAction::Add => EditKind::Add,
    };
    let into = match r.amendment {
        Some(n) => EditInto::Amendment(n),
        None => EditInto::New {
            title: &r.title,
            description: &r.description,
            open: r.open,
        },
    };
    let done =
        amendments::edit_control(&state, &viewer, &spec, r.control.clone(), kind, into).await?;
    Ok((
        StatusCode::CREATED,
        Json(EditResult {
            amendment: done.amendment,
            revision: done.revision,
            url: format!("/specs/{spec}/amendments/{}", done.amendment),
        }),
    ))
}
