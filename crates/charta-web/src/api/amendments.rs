//! Amendments through the API: list, propose (upload a changed file), read
//! with revisions, threads and the merge gate, revise, comment and merge.

use crate::api::records::{Amendment, AmendmentRevision, ReviewComment, ReviewThread};
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
use charta_app::amendments::{self, Comment, CommentOn, Proposal};
use charta_app::lookup;
use charta_domain::amendment::GateCheck;
use charta_domain::diff::{DiffSummary, diff_specs};
use serde::{Deserialize, Serialize};

use super::body as json;

/// List the amendments of a specification, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/specs/{spec}/amendments", tag = "amendments", operation_id = "list_amendments",
    params(("spec" = String, Path, description = "Specification slug"), crate::paging::PageParams),
    responses((status = 200, description = "A page of the specification's amendments, newest first", body = Vec<Amendment>, headers(("Link" = String, description = "`<…>; rel=\"next\"`: the address of the next page; absent on the last"))),
              (status = 400, description = "`limit` is not 1 to 200, or `after` is not a cursor this list handed out (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 404, description = "No specification the caller may read by this slug (`not_found`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<crate::paging::PageParams>,
) -> ApiResult<Response> {
    let request = p.request()?;
    let row = lookup::spec(&state, &viewer, &spec).await?;
    let page = state.store.amendments_page(row.id, &request).await?;
    Ok(paging::respond(
        &state.config.public_url,
        &uri,
        page.items
            .into_iter()
            .map(Amendment::from)
            .collect::<Vec<_>>(),
        page.next.as_ref(),
    ))
}

/// A proposal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ProposeRequest {
    /// 1 to 200 characters, not only spaces.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The whole proposed specification, in the file format.
    #[schema(min_length = 1)]
    pub content: String,
    /// Open for review at once (default) or keep as a draft.
    #[serde(default = "yes")]
    pub open: bool,
}

fn yes() -> bool {
    true
}

/// The number of a created amendment.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Created {
    pub number: i64,
}

/// Propose an amendment by uploading the changed specification file.
#[utoipa::path(post, path = "/api/v1/specs/{spec}/amendments", tag = "amendments", operation_id = "propose_amendment", request_body = ProposeRequest,
    params(("spec" = String, Path, description = "Specification slug")),
    responses((status = 201, description = "Proposed", body = Created),
              (status = 400, description = "The body is not the JSON described, the title breaks the rules, or the file makes no change (`bad_request`)", body = crate::error::ErrorBody),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 403, description = "Refused (`forbidden`): only the group's chair, editors, representatives and alternates propose, the API token lacks the `propose` scope, or a call with a session cookie came without this site's `Origin`, or from another site", body = crate::error::ErrorBody),
              (status = 404, description = "No specification the caller may read by this slug (`not_found`)", body = crate::error::ErrorBody),
              (status = 422, description = "The proposed file is invalid, or changes what a new version may not change (`invalid`); `problems` lists each with its line", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    body: Result<Json<ProposeRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let r = json(body, "{\"title\", \"description\", \"content\", \"open\"}")?;
    let number = amendments::propose(
        &state,
        &viewer,
        &spec,
        Proposal {
            title: &r.title,
            description: &r.description,
            content: &r.content,
            open: r.open,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { number })))
}

/// An amendment with everything reviewers see.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AmendmentDetail {
    pub amendment: Amendment,
    pub revisions: Vec<AmendmentRevision>,
    /// Whether the specification moved on since the newest revision's base.
    pub out_of_date: bool,
    /// The newest revision against its base version.
    pub changes: DiffSummary,
    pub gate: Vec<GateCheck>,
    pub threads: Vec<ReviewThread>,
    pub comments: Vec<ReviewComment>,
}

/// One amendment: revisions, changes, merge gate, threads and comments.
#[utoipa::path(get, path = "/api/v1/specs/{spec}/amendments/{number}", tag = "amendments", operation_id = "show_amendment",
    params(("spec" = String, Path, description = "Specification slug"), ("number" = i64, Path, description = "Amendment number", minimum = 1)),
    responses((status = 200, description = "The amendment with its revisions, changes, merge gate, threads and comments", body = AmendmentDetail),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 404, description = "No such specification the caller may read, or no such amendment (`not_found`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
) -> ApiResult<Json<AmendmentDetail>> {
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let latest = ctx.latest();
    let base = amend::version_spec(&state, &ctx.spec, latest.base_version).await?;
    let revision = amend::revision_spec(&state, latest).await?;
    let changes = state
        .cpu
        .run(move |_| Ok(diff_specs(&base.spec, &revision).summary))
        .await?;
    let gate = amend::gate(&state, &ctx).await?;
    Ok(Json(AmendmentDetail {
        out_of_date: ctx.out_of_date(),
        threads: state
            .store
            .threads(ctx.amendment.id)
            .await?
            .into_iter()
            .map(ReviewThread::from)
            .collect(),
        comments: state
            .store
            .comments(ctx.amendment.id)
            .await?
            .into_iter()
            .map(ReviewComment::from)
            .collect(),
        changes,
        gate,
        revisions: ctx
            .revisions
            .into_iter()
            .map(AmendmentRevision::from)
            .collect(),
        amendment: ctx.amendment.into(),
    }))
}

/// A new revision.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReviseRequest {
    /// The whole revised specification, in the file format.
    #[schema(min_length = 1)]
    pub content: String,
    #[serde(default)]
    pub message: String,
    /// The newest revision number the client saw; a concurrent revision makes this a conflict.
    #[schema(minimum = 1)]
    pub expected: i64,
}

/// The number of a created revision.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RevisionCreated {
    pub revision: i64,
}

/// Post a new revision of an amendment.
#[utoipa::path(post, path = "/api/v1/specs/{spec}/amendments/{number}/revisions", tag = "amendments", operation_id = "revise_amendment", request_body = ReviseRequest,
    params(("spec" = String, Path, description = "Specification slug"), ("number" = i64, Path, description = "Amendment number", minimum = 1)),
    responses((status = 201, description = "Revised", body = RevisionCreated),
              (status = 400, description = "The body is not the JSON described, or the file is the same as the newest revision (`bad_request`)", body = crate::error::ErrorBody),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 403, description = "Refused (`forbidden`): only the author, or the group's chair and editors, revise; the API token lacks the `propose` scope; or a call with a session cookie came without this site's `Origin`, or from another site", body = crate::error::ErrorBody),
              (status = 404, description = "No such specification the caller may read, or no such amendment (`not_found`)", body = crate::error::ErrorBody),
              (status = 409, description = "The amendment is no longer open for revision, or `expected` is not its newest revision (`conflict`)", body = crate::error::ErrorBody),
              (status = 422, description = "The file is invalid (`invalid`); `problems` lists each with its line", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn revise(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    body: Result<Json<ReviseRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<RevisionCreated>)> {
    let r = json(body, "{\"content\", \"message\", \"expected\"}")?;
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let revision =
        amendments::revise(&state, &viewer, &ctx, &r.content, &r.message, r.expected).await?;
    Ok((StatusCode::CREATED, Json(RevisionCreated { revision })))
}

/// A comment opening a thread.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ThreadRequest {
    /// The comment: up to 20,000 bytes, not only spaces.
    #[schema(min_length = 1, pattern = "\\S")]
    pub body: String,
    /// With `field`, `first_line` and `last_line`: comment on those lines of
    /// the text named by `on` (the newest revision unless said otherwise).
    /// Without: on the amendment as a whole.
    pub control_id: Option<String>,
    #[schema(value_type = Option<crate::api::openapi::CommentField>)]
    pub field: Option<String>,
    /// The first line of the field commented on, from 1.
    #[schema(minimum = 1)]
    pub first_line: Option<i64>,
    /// The last line; needs `first_line`.
    #[schema(minimum = 1)]
    pub last_line: Option<i64>,
    #[serde(default)]
    pub blocking: bool,
    /// A suggested replacement for the lines, which the amendment's author
    /// can apply (`POST …/suggestions`); needs the lines.
    #[serde(default)]
    pub suggestion: String,
    /// Which text the lines are counted in: a revision number, or `base`
    /// for the specification version the newest revision is based on (the
    /// older side of its redline, where removed text is). Absent: the
    /// newest revision. A thread on the base version reports revision 0.
    #[schema(pattern = "^(base|[1-9][0-9]*)$", example = "base")]
    pub on: Option<String>,
}

/// The id of a created thread.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ThreadCreated {
    pub thread: i64,
}

/// Open a review thread on an amendment or on lines of one of its controls.
#[utoipa::path(post, path = "/api/v1/specs/{spec}/amendments/{number}/threads", tag = "amendments", operation_id = "open_thread", request_body = ThreadRequest,
    params(("spec" = String, Path, description = "Specification slug"), ("number" = i64, Path, description = "Amendment number", minimum = 1)),
    responses((status = 201, description = "Opened", body = ThreadCreated),
              (status = 400, description = "The body is not the JSON described, the comment is empty or too long, or the control, field or lines do not exist in the text commented on, or `on` names no revision (`bad_request`)", body = crate::error::ErrorBody),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 403, description = "Refused (`forbidden`): only the group's members other than observers comment, the API token lacks the `comment` scope, or a call with a session cookie came without this site's `Origin`, or from another site", body = crate::error::ErrorBody),
              (status = 404, description = "No such specification the caller may read, or no such amendment (`not_found`)", body = crate::error::ErrorBody),
              (status = 409, description = "The amendment is closed (`conflict`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn thread(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    body: Result<Json<ThreadRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ThreadCreated>)> {
    let r = json(
        body,
        "{\"body\", \"control_id\", \"field\", \"first_line\", \"last_line\", \"blocking\", \"suggestion\", \"on\"}",
    )?;
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let lines = match (r.first_line, r.last_line) {
        (Some(a), Some(b)) => Some((a, b)),
        (Some(a), None) => Some((a, a)),
        (None, None) => None,
        (None, Some(_)) => {
            return Err(Error::BadRequest("last_line needs first_line".into()).into());
        }
    };
    let thread = amendments::comment(
        &state,
        &viewer,
        &ctx,
        Comment {
            body: &r.body,
            control: r.control_id.as_deref(),
            field: r.field.as_deref(),
            lines,
            blocking: r.blocking,
            suggestion: &r.suggestion,
            on: CommentOn::parse(r.on.as_deref().unwrap_or_default())?,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ThreadCreated { thread })))
}

/// The version an amendment became.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Merged {
    pub version: i64,
}

/// Merge an open amendment whose gate passes into a new version of its specification.
#[utoipa::path(post, path = "/api/v1/specs/{spec}/amendments/{number}/merge", tag = "amendments", operation_id = "merge_amendment",
    params(("spec" = String, Path, description = "Specification slug"), ("number" = i64, Path, description = "Amendment number", minimum = 1)),
    responses((status = 200, description = "Merged into a new version", body = Merged),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 403, description = "Refused: only the group's chair (and its editors, if the rules let them) merge, never with an API token (`forbidden`); a multi-factor sign-in is needed (`mfa_required`); or a call with a session cookie came without this site's `Origin`, or from another site", body = crate::error::ErrorBody),
              (status = 404, description = "No such specification the caller may read, or no such amendment (`not_found`)", body = crate::error::ErrorBody),
              (status = 409, description = "The amendment is not open, its gate does not pass, or the specification moved on (`conflict`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn merge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
) -> ApiResult<Json<Merged>> {
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    Ok(Json(Merged {
        version: amendments::merge(&state, &viewer, &ctx).await?,
    }))
}
