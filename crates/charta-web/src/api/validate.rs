//! Checking a specification file without storing it, so that authors can
//! lint their files in their own CI before proposing them.

use crate::auth::Viewer;
use crate::error::{ApiResult, Error};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::StringRejection;
use charta_domain::diff::DiffSummary;
use charta_domain::format::{content_hash, parse_spec, to_canonical};
use charta_domain::validate::{check_spec, check_succession};
use serde::Serialize;

/// The verdict on a valid file.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ValidationReport {
    pub spec: String,
    pub controls: usize,
    /// Hash the file would have as a stored version.
    pub content_hash: String,
    /// True when the file is already in canonical form.
    pub canonical: bool,
    /// When the specification exists: the newest version, and what this
    /// file would change.
    pub head_version: Option<i64>,
    pub changes: Option<DiffSummary>,
}

/// Validate a specification file (YAML body) against the format, the
/// catalogs and, if the specification exists, its newest version. Nothing
/// is stored.
#[utoipa::path(post, path = "/api/v1/validate", tag = "specs", operation_id = "validate_spec",
    request_body(content = charta_domain::Spec, content_type = "application/yaml", description = "A specification file, as YAML"),
    responses((status = 200, description = "The file is valid", body = ValidationReport),
              (status = 400, description = "The body is not UTF-8 text (`bad_request`)", body = crate::error::ErrorBody),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 403, description = "Refused (`forbidden`): a call with a session cookie came without this site's `Origin`, or from another site", body = crate::error::ErrorBody),
              (status = 413, description = "The file is larger than the server accepts (`payload_too_large`)", body = crate::error::ErrorBody),
              (status = 422, description = "The file is invalid (`invalid`); `problems` lists each with its line", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn validate(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Result<String, StringRejection>,
) -> ApiResult<Json<ValidationReport>> {
    let text = body.map_err(|e| match e {
        StringRejection::FailedToBufferBody(_) => Error::PayloadTooLarge(format!(
            "the file is larger than the limit of {} bytes",
            state.config.max_body_bytes
        )),
        other => Error::BadRequest(format!("the body must be UTF-8 text: {other}")),
    })?;
    // Parsing and checking a file of up to the body limit is the heaviest
    // thing an anonymous client can ask for: it runs in the bounded pool,
    // and stops between steps if the request is abandoned.
    let catalogs = state.catalogs.clone();
    let (spec, text, canonical) = state
        .cpu
        .run(move |cancel| {
            let spec = parse_spec(&text)?;
            cancel.check()?;
            check_spec(&spec, &catalogs, &text)?;
            cancel.check()?;
            let canonical = to_canonical(&spec);
            Ok((spec, text, canonical))
        })
        .await?;
    let head = match charta_app::lookup::version(&state, &viewer, &spec.spec, None).await {
        Ok(head) => Some(head),
        Err(Error::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let report = state
        .cpu
        .run(move |cancel| {
            let (head_version, changes) = match head {
                Some(head) => {
                    check_succession(&head.spec, &spec, &text)?;
                    cancel.check()?;
                    let d = charta_domain::diff::diff_specs(&head.spec, &spec);
                    (Some(head.meta.number), Some(d.summary))
                }
                None => (None, None),
            };
            Ok(ValidationReport {
                content_hash: content_hash(&canonical),
                canonical: canonical == text,
                controls: spec.controls.len(),
                spec: spec.spec,
                head_version,
                changes,
            })
        })
        .await?;
    Ok(Json(report))
}
