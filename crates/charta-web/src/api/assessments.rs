//! Self-assessments through the API (token scope `assess`; reading a
//! published one needs no account).

use super::body;
use crate::auth::Viewer;
use crate::error::{ApiResult, Error};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use charta_app::assessments::{self, Assessment, Given, Start, Stats};
use charta_domain::assessment::{Dropped, GapPlan, LevelStanding, Review, Status, SubjectKind};
use charta_domain::spec::Level;
use charta_release::assessment::{ASSESSMENT_JSON, ASSESSMENT_OSCAL, ATTESTATION, SELF_ASSESSMENT};
use charta_store::AssessmentRow;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What is assessed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubjectDoc {
    pub kind: SubjectKind,
    pub name: String,
    pub url: String,
}

/// An assessment in a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssessmentSummary {
    pub id: i64,
    /// Its page.
    pub url: String,
    /// `draft` or `published`.
    pub state: String,
    pub subject: SubjectDoc,
    pub owner: String,
    pub organization: Option<String>,
    pub spec: String,
    pub release: String,
    pub target_level: i64,
    /// The highest level met when published.
    pub achieved_level: Option<i64>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published_at: Option<time::OffsetDateTime>,
}

/// One control of the release with its answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ControlAnswer {
    pub id: String,
    pub title: String,
    pub level: u8,
    /// Required at the target level (or below).
    pub in_scope: bool,
    pub status: Option<Status>,
    pub justification: String,
    pub evidence: Vec<String>,
    /// Set after a move to a newer release: `changed` (answer again) or
    /// `new` (not answered yet).
    pub review: Option<Review>,
    /// For a control flagged `changed`: what changed (the diff of the
    /// control between the two releases).
    #[schema(value_type = Option<Object>)]
    pub redline: Option<serde_json::Value>,
}

/// An assessment with its standing, gap plan and answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssessmentDoc {
    #[serde(flatten)]
    pub summary: AssessmentSummary,
    /// What every assessment is, and is not.
    pub statement: String,
    pub spec_title: String,
    /// The release the assessment last moved from.
    pub moved_from: Option<String>,
    /// A newer release of the specification the owner can move to.
    pub newer_release: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: time::OffsetDateTime,
    /// The standing at levels 1 to 3.
    pub levels: Vec<LevelStanding>,
    /// The highest level the answers meet now.
    pub meets_level: Option<u8>,
    /// What remains for the target level and the next one.
    pub gaps: Vec<GapPlan>,
    pub controls: Vec<ControlAnswer>,
    /// Answers that dropped out at the last move.
    pub dropped: Vec<Dropped>,
    /// For a published assessment: file name → address (its JSON, OSCAL
    /// assessment results and signed attestation).
    pub files: BTreeMap<String, String>,
    /// A badge image for the level met.
    pub badge: String,
}

fn page(state: &AppState, id: i64) -> String {
    format!("{}/assessments/{id}", state.config.public_url)
}

pub(crate) fn summary(state: &AppState, r: &AssessmentRow) -> AssessmentSummary {
    AssessmentSummary {
        id: r.id,
        url: page(state, r.id),
        state: r.state.clone(),
        subject: SubjectDoc {
            kind: SubjectKind::parse(&r.subject_kind).unwrap_or(SubjectKind::Project),
            name: r.subject_name.clone(),
            url: r.subject_url.clone(),
        },
        owner: r.owner_name.clone(),
        organization: r.organization_name.clone(),
        spec: r.spec_slug.clone(),
        release: r.release_name.clone(),
        target_level: r.target_level,
        achieved_level: r.achieved_level,
        published_at: r.published_at,
    }
}

fn document(state: &AppState, a: Assessment) -> AssessmentDoc {
    let target = a.target();
    let controls = a
        .version
        .spec
        .active_controls()
        .map(|c| {
            let answer = a.answer(&c.id);
            ControlAnswer {
                id: c.id.clone(),
                title: c.title.clone(),
                level: c.level.get(),
                in_scope: c.level <= target,
                status: answer.and_then(|x| x.status),
                justification: answer.map(|x| x.justification.clone()).unwrap_or_default(),
                evidence: answer.map(|x| x.evidence.clone()).unwrap_or_default(),
                review: answer.and_then(|x| x.review),
                redline: a.redlines.get(&c.id).cloned(),
            }
        })
        .collect();
    let url = page(state, a.row.id);
    let files = if a.row.is_published() {
        [ASSESSMENT_JSON, ASSESSMENT_OSCAL, ATTESTATION]
            .into_iter()
            .map(|n| (n.to_string(), format!("{url}/files/{n}")))
            .collect()
    } else {
        BTreeMap::new()
    };
    AssessmentDoc {
        summary: summary(state, &a.row),
        statement: SELF_ASSESSMENT.into(),
        spec_title: a.row.spec_title.clone(),
        moved_from: a.row.moved_from_name.clone(),
        newer_release: a.newer.as_ref().map(|r| r.name.clone()),
        updated_at: a.row.updated_at,
        levels: a.evaluation.levels.clone(),
        meets_level: a.evaluation.achieved,
        gaps: a.plans.clone(),
        controls,
        dropped: a.dropped.clone(),
        files,
        badge: format!("{url}/badge.svg"),
    }
}

/// Starting an assessment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StartRequest {
    /// The specification's slug.
    pub spec: String,
    /// The name of one of its published releases.
    pub release: String,
    /// `project`, `repository` or `package`.
    pub kind: SubjectKind,
    /// The subject's name, one line.
    pub name: String,
    /// The subject's address (`https://…`).
    pub url: String,
    /// The level aimed at, 1 to 3.
    pub target_level: u8,
    /// The slug of a member organisation you speak for, to own the
    /// assessment on its behalf.
    #[serde(default)]
    pub organization: Option<String>,
}

/// Answering one control.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AnswerRequest {
    pub status: Status,
    /// Why the status holds; required for `not-applicable`.
    #[serde(default)]
    pub justification: String,
    /// Links (`https://…`) to what shows it; at most 20.
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// Moving to a newer release.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MoveRequest {
    /// The name of a newer release of the same specification.
    pub release: String,
}

/// A release's published assessments and what they add up to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReleaseAssessments {
    #[serde(flatten)]
    pub stats: Stats,
    pub assessments: Vec<AssessmentSummary>,
}

/// The assessments you own, or an organisation you speak for owns, newest
/// first: drafts and published ones.
#[utoipa::path(get, path = "/api/v1/assessments", tag = "assessments", operation_id = "my_assessments",
    responses((status = 200, description = "Your assessments", body = Vec<AssessmentSummary>), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the token's scope (`forbidden`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
) -> ApiResult<Json<Vec<AssessmentSummary>>> {
    let rows = assessments::mine(&state, &viewer).await?;
    Ok(Json(rows.iter().map(|r| summary(&state, r)).collect()))
}

/// Start a draft self-assessment of a project, repository or package
/// against a published release and a target level.
#[utoipa::path(post, path = "/api/v1/assessments", tag = "assessments", operation_id = "start_assessment", request_body = StartRequest,
    responses((status = 201, description = "The new draft", body = AssessmentDoc), (status = 400, description = "The request body or a parameter is not what the operation takes (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the token's scope, an organisation you do not speak for, or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such specification or release (`not_found`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn start(
    State(state): State<AppState>,
    viewer: Viewer,
    request: Result<Json<StartRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<AssessmentDoc>)> {
    let r = body(
        request,
        "{\"spec\", \"release\", \"kind\": \"project\"|\"repository\"|\"package\", \"name\", \"url\", \"target_level\": 1-3, \"organization\"?}",
    )?;
    let target = Level::new(r.target_level).map_err(Error::BadRequest)?;
    let row = assessments::start(
        &state,
        &viewer,
        Start {
            spec: &r.spec,
            release: &r.release,
            kind: r.kind,
            name: &r.name,
            url: &r.url,
            target,
            organization: r.organization.as_deref(),
        },
    )
    .await?;
    let a = assessments::get(&state, &viewer, row.id).await?;
    Ok((StatusCode::CREATED, Json(document(&state, a))))
}

/// An assessment: its standing per level, its gap plan and every answer.
/// Drafts are visible to their owner and owning organisation only.
#[utoipa::path(get, path = "/api/v1/assessments/{id}", tag = "assessments", operation_id = "show_assessment",
    params(("id" = i64, Path, description = "Assessment id")),
    responses((status = 200, description = "The assessment", body = AssessmentDoc), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the token's scope (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No assessment the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<AssessmentDoc>> {
    let a = assessments::get(&state, &viewer, id).await?;
    Ok(Json(document(&state, a)))
}

/// Record the answer for one control of a draft (replacing any earlier
/// answer and clearing a review flag).
#[utoipa::path(put, path = "/api/v1/assessments/{id}/answers/{control}", tag = "assessments", operation_id = "answer_control", request_body = AnswerRequest,
    params(("id" = i64, Path, description = "Assessment id"), ("control" = String, Path, description = "Control identifier")),
    responses((status = 200, description = "The assessment as it now stands", body = AssessmentDoc), (status = 400, description = "The request body or a parameter is not what the operation takes, such as \"not applicable\" without a reason or a link that is not `https://` (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the token's scope, not the owner, or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No assessment the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "The assessment is published and never changes (`conflict`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn answer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, control)): Path<(i64, String)>,
    request: Result<Json<AnswerRequest>, JsonRejection>,
) -> ApiResult<Json<AssessmentDoc>> {
    let r = body(
        request,
        "{\"status\": \"met\"|\"partly-met\"|\"not-met\"|\"not-applicable\", \"justification\", \"evidence\": [\"https://…\"]}",
    )?;
    let a = assessments::answer(
        &state,
        &viewer,
        id,
        Given {
            control: &control,
            status: r.status,
            justification: &r.justification,
            evidence: r.evidence,
        },
    )
    .await?;
    Ok(Json(document(&state, a)))
}

/// Move a draft to a newer release of its specification: unchanged
/// controls keep their answers, changed ones are flagged `changed` with
/// what changed, new ones `new`, and answers to withdrawn or removed
/// controls drop out with a note.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/move", tag = "assessments", operation_id = "move_assessment", request_body = MoveRequest,
    params(("id" = i64, Path, description = "Assessment id")),
    responses((status = 200, description = "The assessment on the newer release", body = AssessmentDoc), (status = 400, description = "The request body or a parameter is not what the operation takes (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the token's scope, not the owner, or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such assessment or release (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "The release is not newer, or the assessment is published or moved meanwhile (`conflict`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn move_to(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    request: Result<Json<MoveRequest>, JsonRejection>,
) -> ApiResult<Json<AssessmentDoc>> {
    let r = body(request, "{\"release\"}")?;
    let a = assessments::move_to(&state, &viewer, id, &r.release).await?;
    Ok(Json(document(&state, a)))
}

/// Publish a draft for good: it becomes public and immutable, with its
/// JSON, OSCAL assessment results and an attestation signed with the
/// instance's release key.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/publish", tag = "assessments", operation_id = "publish_assessment",
    params(("id" = i64, Path, description = "Assessment id")),
    responses((status = 200, description = "The published assessment with its files", body = AssessmentDoc), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the token's scope, not the owner, or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No assessment the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "Already published, or moved meanwhile (`conflict`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<AssessmentDoc>> {
    let a = assessments::publish(&state, &viewer, id).await?;
    Ok(Json(document(&state, a)))
}

/// The published assessments of a release: how many meet each level and,
/// per control, how often it is not met or not applicable.
#[utoipa::path(get, path = "/api/v1/specs/{spec}/releases/{name}/assessments", tag = "assessments", operation_id = "release_assessments",
    params(("spec" = String, Path, description = "Specification slug"), ("name" = String, Path, description = "Release name")),
    responses((status = 200, description = "The statistics and the published assessments, newest first", body = ReleaseAssessments), (status = 401, response = crate::api::openapi::Unauthorized), (status = 404, description = "No such specification or release (`not_found`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn of_release(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, name)): Path<(String, String)>,
) -> ApiResult<Json<ReleaseAssessments>> {
    let (stats, list) = assessments::stats(&state, &viewer, &spec, &name).await?;
    Ok(Json(ReleaseAssessments {
        stats,
        assessments: list.iter().map(|r| summary(&state, r)).collect(),
    }))
}
