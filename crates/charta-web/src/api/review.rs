//! Reviewing and steering an amendment through the API: replies, settling
//! and reopening threads, state changes, rebasing with conflict choices and
//! the amendment's audit trail. Each handler is a thin adapter over
//! `charta_app::amendments`.

use super::body;
use crate::auth::Viewer;
use crate::error::{ApiResult, Error};
use crate::paging;
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use charta_app::amend;
use charta_app::amendments;
use charta_domain::amendment::AmendmentEvent;
use charta_domain::merge::Side;
use charta_store::AuditEntry;
use serde::{Deserialize, Serialize};

/// A reply in a thread.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReplyRequest {
    /// At most 20,000 characters.
    pub body: String,
}

/// Reply in a review thread.
#[utoipa::path(post, path = "/api/v1/specs/{spec}/amendments/{number}/threads/{thread}/replies", tag = "amendments", request_body = ReplyRequest,
    params(("spec" = String, Path, description = "Specification slug"), ("number" = i64, Path, description = "Amendment number"), ("thread" = i64, Path, description = "Thread id")),
    responses((status = 204, description = "The reply is recorded"), (status = 400, description = "The request body or a parameter is not what the operation takes (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope, a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "The object's state does not allow this now (`conflict`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn reply(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number, thread)): Path<(String, String, String)>,
    request: Result<Json<ReplyRequest>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let r = body(request, "{\"body\"}")?;
    let ctx = amend::load_subject(&state, &viewer, &spec, &number).await?;
    amendments::reply(
        &state,
        &viewer,
        &ctx,
        amendments::parse_thread_id(&thread)?,
        &r.body,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Settling or reopening a thread.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SettleRequest {
    /// `true` settles the thread, `false` reopens it.
    pub resolved: bool,
    /// Required when the chair settles someone else's objection: added to
    /// the thread for everyone to read.
    #[serde(default)]
    pub reason: String,
}

/// Settle or reopen a review thread. Someone else's objection is settled
/// only by the chair, with a multi-factor browser session and a reason.
#[utoipa::path(post, path = "/api/v1/specs/{spec}/amendments/{number}/threads/{thread}/resolve", tag = "amendments", request_body = SettleRequest,
    params(("spec" = String, Path, description = "Specification slug"), ("number" = i64, Path, description = "Amendment number"), ("thread" = i64, Path, description = "Thread id")),
    responses((status = 204, description = "The thread is settled or reopened"), (status = 400, description = "The request body or a parameter is not what the operation takes (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope, a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "The object's state does not allow this now (`conflict`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn settle(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number, thread)): Path<(String, String, String)>,
    request: Result<Json<SettleRequest>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let r = body(request, "{\"resolved\": true|false, \"reason\"}")?;
    let ctx = amend::load_subject(&state, &viewer, &spec, &number).await?;
    amendments::settle(
        &state,
        &viewer,
        &ctx,
        amendments::parse_thread_id(&thread)?,
        r.resolved,
        &r.reason,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A state change of an amendment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StateRequest {
    /// `submit` (draft to open), `withdraw`, `reject` or `reopen`.
    pub event: String,
    /// Shown on the amendment.
    #[serde(default)]
    pub reason: String,
}

/// The state an amendment is in after a change.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StateChanged {
    /// draft, open, merged, rejected or withdrawn.
    pub state: String,
}

/// Submit, withdraw, reject or reopen an amendment. Rejecting is a decision
/// of the group: the chair (or an editor where the rules allow) with a
/// multi-factor browser session, never a token.
#[utoipa::path(post, path = "/api/v1/specs/{spec}/amendments/{number}/state", tag = "amendments", request_body = StateRequest,
    params(("spec" = String, Path, description = "Specification slug"), ("number" = i64, Path, description = "Amendment number")),
    responses((status = 200, description = "The amendment's state after the change", body = StateChanged), (status = 400, description = "The request body or a parameter is not what the operation takes (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope, a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "The object's state does not allow this now (`conflict`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn change_state(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    request: Result<Json<StateRequest>, JsonRejection>,
) -> ApiResult<Json<StateChanged>> {
    let r = body(
        request,
        "{\"event\": \"submit|withdraw|reject|reopen\", \"reason\"}",
    )?;
    let event = AmendmentEvent::parse(r.event.trim()).ok_or_else(|| {
        Error::BadRequest(format!(
            "unknown event {:?}: use submit, withdraw, reject or reopen",
            r.event
        ))
    })?;
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let to = amendments::change_state(&state, &viewer, &ctx, event, &r.reason).await?;
    Ok(Json(StateChanged {
        state: to.as_str().to_string(),
    }))
}

/// One conflict a rebase needs decided.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RebaseConflict {
    /// Its index: the position of its choice in `choices`.
    pub index: usize,
    /// What the conflict is in: the specification, a section or a control.
    pub subject: String,
    /// Which field of it.
    pub field: String,
    /// The value in the version the amendment was based on.
    pub base: String,
    /// The value in the specification's newest version.
    pub head: String,
    /// The value in the amendment's newest revision.
    pub revision: String,
}

/// What rebasing the amendment onto the newest version would do.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RebasePreview {
    /// The amendment is already based on the newest version.
    pub up_to_date: bool,
    pub base_version: i64,
    pub head_version: i64,
    /// The newest revision, to send back as `expected`.
    pub revision: i64,
    /// Empty for a clean rebase.
    pub conflicts: Vec<RebaseConflict>,
}

/// Show what rebasing onto the specification's newest version would do:
/// nothing, a clean merge, or the conflicts to decide.
#[utoipa::path(get, path = "/api/v1/specs/{spec}/amendments/{number}/rebase", tag = "amendments",
    params(("spec" = String, Path, description = "Specification slug"), ("number" = i64, Path, description = "Amendment number")),
    responses((status = 200, description = "What a rebase would do", body = RebasePreview), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope, a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn rebase_preview(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
) -> ApiResult<Json<RebasePreview>> {
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    amend::require_steward(&viewer, &ctx)?;
    let o = amendments::rebase_outcome(&state, &ctx).await?;
    Ok(Json(RebasePreview {
        up_to_date: !ctx.out_of_date(),
        base_version: ctx.latest().base_version,
        head_version: ctx.spec.head_version,
        revision: ctx.latest().number,
        conflicts: o
            .conflicts
            .iter()
            .enumerate()
            .map(|(index, c)| RebaseConflict {
                index,
                subject: c.subject.to_string(),
                field: c.field.to_string(),
                base: c.base.to_string(),
                head: c.head.to_string(),
                revision: c.revision.to_string(),
            })
            .collect(),
    }))
}

/// A rebase with a choice for each conflict.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RebaseRequest {
    /// The newest revision number the client saw.
    pub expected: i64,
    /// One of `head` or `revision` per conflict, in the preview's order.
    #[serde(default)]
    pub choices: Vec<String>,
}

/// Rebase the amendment onto the specification's newest version; the
/// merged text becomes a new revision.
#[utoipa::path(post, path = "/api/v1/specs/{spec}/amendments/{number}/rebase", tag = "amendments", request_body = RebaseRequest,
    params(("spec" = String, Path, description = "Specification slug"), ("number" = i64, Path, description = "Amendment number")),
    responses((status = 201, description = "The rebased text is the amendment's new revision", body = super::amendments::RevisionCreated), (status = 400, description = "The request body or a parameter is not what the operation takes (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope, a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "The object's state does not allow this now (`conflict`)", body = crate::error::ErrorBody), (status = 422, description = "The result is not a valid specification; each problem has its line (`invalid`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn rebase(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    request: Result<Json<RebaseRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<super::amendments::RevisionCreated>)> {
    let r = body(
        request,
        "{\"expected\", \"choices\": [\"head\"|\"revision\", …]}",
    )?;
    let mut sides = Vec::with_capacity(r.choices.len());
    for (i, c) in r.choices.iter().enumerate() {
        sides.push(match c.as_str() {
            "head" => Side::Head,
            "revision" => Side::Revision,
            other => {
                return Err(Error::BadRequest(format!(
                    "choice {i} is {other:?}: each choice is \"head\" or \"revision\""
                ))
                .into());
            }
        });
    }
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let revision =
        amendments::rebase(&state, &viewer, &ctx, r.expected, |i| sides.get(i).copied()).await?;
    Ok((
        StatusCode::CREATED,
        Json(super::amendments::RevisionCreated { revision }),
    ))
}

/// The audit log entries recording this amendment's events, oldest first.
#[utoipa::path(get, path = "/api/v1/specs/{spec}/amendments/{number}/audit", tag = "amendments",
    params(("spec" = String, Path, description = "Specification slug"), ("number" = i64, Path, description = "Amendment number"), crate::paging::PageParams),
    responses((status = 200, description = "A page of the amendment's audit entries, oldest first", body = Vec<AuditEntry>, headers(("Link" = String, description = "`<…>; rel=\"next\"`: the address of the next page; absent on the last"))),
              (status = 400, description = "The request body or a parameter is not what the operation takes (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<crate::paging::PageParams>,
) -> ApiResult<Response> {
    let request = p.request()?;
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let object = format!("amendment:{}/{}", ctx.spec.slug, ctx.amendment.number);
    let page = state
        .store
        .audit_entries_for_page(&object, &request)
        .await?;
    Ok(paging::respond(
        &state.config.public_url,
        &uri,
        page.items,
        page.next.as_ref(),
    ))
}

/// Someone who can be asked to review an amendment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewerLine {
    pub user_id: i64,
    pub name: String,
    /// Already asked to review.
    pub requested: bool,
}

/// The group members who can be asked to review the amendment (members who
/// may comment, other than its author), and whether they were asked.
#[utoipa::path(get, path = "/api/v1/specs/{spec}/amendments/{number}/reviewers", operation_id = "amendment_reviewers", tag = "amendments",
    params(("spec" = String, Path, description = "Specification slug"), ("number" = i64, Path, description = "Amendment number")),
    responses((status = 200, description = "Possible reviewers", body = [ReviewerLine]), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role or the token's scope (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn reviewers(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
) -> ApiResult<Json<Vec<ReviewerLine>>> {
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    // Who is in the group is the group's business.
    viewer.require(charta_domain::access::Action::ReadMembers {
        group_id: ctx.spec.group_id,
    })?;
    Ok(Json(
        amendments::reviewers(&state, &ctx)
            .await?
            .into_iter()
            .map(|r| ReviewerLine {
                user_id: r.user_id,
                name: r.name,
                requested: r.requested,
            })
            .collect(),
    ))
}

/// Whom to ask for a review.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReviewRequest {
    /// The person's `user_id`, from the amendment's reviewers.
    pub reviewer: i64,
}

/// Ask a member of the group to review an open amendment: they are told and
/// find it in their work. The author or the group's chair and editors ask.
#[utoipa::path(post, path = "/api/v1/specs/{spec}/amendments/{number}/review-requests", operation_id = "request_review", tag = "amendments", request_body = ReviewRequest,
    params(("spec" = String, Path, description = "Specification slug"), ("number" = i64, Path, description = "Amendment number")),
    responses((status = 204, description = "The person is asked (asking again changes nothing)"), (status = 400, description = "The request body is not what the operation takes, or the person cannot review it (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "The amendment is not open for review (`conflict`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn request_review(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    request: Result<Json<ReviewRequest>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let r = body(request, "{\"reviewer\": user id}")?;
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    amendments::request_review(&state, &viewer, &ctx, r.reviewer).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The suggestions to apply, by thread.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ApplySuggestions {
    /// Threads whose suggested wordings go into one new revision.
    #[schema(min_items = 1)]
    pub threads: Vec<i64>,
}

/// Apply reviewers' suggested wordings to the newest revision as one new
/// revision that credits them; their threads are settled by the change. A
/// suggestion whose lines changed since, or two on the same lines, are
/// refused with `409`.
#[utoipa::path(post, path = "/api/v1/specs/{spec}/amendments/{number}/suggestions", operation_id = "apply_suggestions", tag = "amendments", request_body = ApplySuggestions,
    params(("spec" = String, Path, description = "Specification slug"), ("number" = i64, Path, description = "Amendment number")),
    responses((status = 201, description = "The new revision", body = super::amendments::RevisionCreated), (status = 400, description = "The body is not what the operation takes, or a thread holds no suggestion (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: only the amendment's author or the group's chair and editors apply suggestions; the token's scope, or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such amendment or thread the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "A suggestion is stale, applied already, or clashes with another; or the amendment changed meanwhile (`conflict`)", body = crate::error::ErrorBody), (status = 422, description = "The text with the suggestions breaks a rule of the format (`invalid`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn apply_suggestions(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    request: Result<Json<ApplySuggestions>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<super::amendments::RevisionCreated>)> {
    let r = body(request, "{\"threads\": [thread ids]}")?;
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let revision = amendments::apply_suggestions(&state, &viewer, &ctx, &r.threads).await?;
    Ok((
        StatusCode::CREATED,
        Json(super::amendments::RevisionCreated { revision }),
    ))
}
