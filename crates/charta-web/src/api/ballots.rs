//! Ballots through the API: a specification's ballots, one ballot with its
//! tally, positions, history and audit entries, voting, and group rules.

use crate::api::records::{BallotVoter, Vote, VoteDelegation};
use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::paging;
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use charta_app::ballot::visible;
use charta_app::ballot::{self, Standing};
use charta_app::lookup;
use charta_domain::ballot::{BallotKind, BallotState, Outcome, Rules, Tally};
use charta_store::{AuditEntry, BallotRow};
use serde::{Deserialize, Serialize};

/// List the ballots on a specification and its amendments, newest first.
/// Open ballots are listed for the group's members only.
#[utoipa::path(get, path = "/api/v1/specs/{spec}/ballots", tag = "ballots", operation_id = "list_ballots",
    params(("spec" = String, Path, description = "Specification slug"), crate::paging::PageParams),
    responses((status = 200, description = "A page of the ballots the caller may see, newest first", body = Vec<Ballot>, headers(("Link" = String, description = "`<…>; rel=\"next\"`: the address of the next page; absent on the last"))),
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
    let page = state.store.ballots_of_spec_page(row.id, &request).await?;
    let items: Vec<Ballot> = visible(&viewer, &row, page.items)
        .into_iter()
        .map(Ballot::from)
        .collect();
    Ok(paging::respond(
        &state.config.public_url,
        &uri,
        items,
        page.next.as_ref(),
    ))
}

/// A ballot as the API shows it: the public facts of a stored ballot,
/// with its kind, state and outcome as their fixed words. Kept apart from
/// the database row so that the row can change without changing the API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Ballot {
    pub id: i64,
    pub group_slug: String,
    pub spec_slug: String,
    pub spec_title: String,
    pub kind: BallotKind,
    /// For a ballot on an amendment.
    pub amendment_number: Option<i64>,
    /// The version a release ballot is about.
    pub version: Option<i64>,
    /// The amendment revision under vote.
    pub revision: Option<i64>,
    /// Starts at 1; a normative revision starts a new round and votes of
    /// earlier rounds no longer count.
    pub round: i64,
    pub title: String,
    pub state: BallotState,
    pub opener_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub opened_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub closes_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<time::OffsetDateTime>,
    /// `deadline`, or the account that closed early or cancelled.
    pub closed_by: Option<String>,
    /// Once closed.
    pub outcome: Option<Outcome>,
    /// Why it was cancelled; empty otherwise.
    pub cancel_reason: String,
}

impl From<BallotRow> for Ballot {
    fn from(b: BallotRow) -> Ballot {
        Ballot {
            outcome: b.outcome,
            id: b.id,
            group_slug: b.group_slug,
            spec_slug: b.spec_slug,
            spec_title: b.spec_title,
            kind: b.kind,
            amendment_number: b.amendment_number,
            version: b.version,
            revision: b.revision,
            round: b.round,
            title: b.title,
            state: b.state,
            opener_name: b.opener_name,
            opened_at: b.opened_at,
            closes_at: b.closes_at,
            closed_at: b.closed_at,
            closed_by: b.closed_by,
            cancel_reason: b.cancel_reason,
        }
    }
}

/// A ballot with everything needed to check its result.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BallotDocument {
    #[serde(flatten)]
    pub ballot: Ballot,
    /// The rules it runs under.
    pub rules: Rules,
    /// The same rules as sentences.
    pub rules_text: Vec<String>,
    /// The final tally once closed; the live one while open.
    pub tally: Tally,
    /// Each eligible organisation's current (or final) position.
    pub positions: Vec<Standing>,
    /// Every vote cast, oldest first, including changed and reset ones,
    /// each with the delegation it was cast under (if any).
    pub history: Vec<Vote>,
    /// The organisations eligible, fixed when the ballot opened, with the
    /// person who could vote for each at that moment.
    pub eligible: Vec<BallotVoter>,
    /// Every delegation in force at some moment while the ballot ran.
    pub delegations: Vec<VoteDelegation>,
    /// Where the audit entries of this ballot are.
    pub audit: String,
}

/// One ballot: tally, positions, rationales and the history of votes.
/// Closed ballots of public specifications are public.
#[utoipa::path(get, path = "/api/v1/ballots/{id}", tag = "ballots", operation_id = "show_ballot",
    params(("id" = i64, Path, description = "Ballot number", minimum = 1)),
    responses((status = 200, description = "The ballot with everything needed to check its result", body = BallotDocument),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 403, description = "An open ballot, or one on a draft, is for the group's members only; or the API token lacks the `read` scope (`forbidden`)", body = crate::error::ErrorBody),
              (status = 404, description = "No such ballot the caller may know of (`not_found`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> ApiResult<Json<BallotDocument>> {
    let l = ballot::load(&state, &viewer, ballot::parse_id(&id)?).await?;
    let count = ballot::count(&state.store, &l).await?;
    Ok(Json(BallotDocument {
        rules_text: l.rules.describe(),
        rules: l.rules,
        tally: count.tally,
        positions: count.standings,
        history: count.history.into_iter().map(Vote::from).collect(),
        eligible: count.voters.into_iter().map(BallotVoter::from).collect(),
        delegations: count
            .delegations
            .into_iter()
            .map(VoteDelegation::from)
            .collect(),
        audit: format!("/api/v1/ballots/{}/audit", l.ballot.id),
        ballot: Ballot::from(l.ballot),
    }))
}

/// The audit log entries recording this ballot's events, oldest first, with
/// the hashes that chain them into the whole log (`charta audit verify`
/// checks the chain).
#[utoipa::path(get, path = "/api/v1/ballots/{id}/audit", tag = "ballots", operation_id = "ballot_audit",
    params(("id" = i64, Path, description = "Ballot number", minimum = 1), crate::paging::PageParams),
    responses((status = 200, description = "A page of the ballot's audit entries, oldest first", body = Vec<AuditEntry>, headers(("Link" = String, description = "`<…>; rel=\"next\"`: the address of the next page; absent on the last"))),
              (status = 400, description = "`limit` is not 1 to 200, or `after` is not a cursor this list handed out (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 403, description = "An open ballot, or one on a draft, is for the group's members only; or the API token lacks the `read` scope (`forbidden`)", body = crate::error::ErrorBody),
              (status = 404, description = "No such ballot the caller may know of (`not_found`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<crate::paging::PageParams>,
) -> ApiResult<Response> {
    let request = p.request()?;
    let l = ballot::load(&state, &viewer, ballot::parse_id(&id)?).await?;
    let page = state
        .store
        .audit_entries_for_page(&l.ballot.audit_object(), &request)
        .await?;
    Ok(paging::respond(
        &state.config.public_url,
        &uri,
        page.items,
        page.next.as_ref(),
    ))
}

/// A vote.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct VoteRequest {
    /// The organisation's slug; may be left out by someone who speaks for
    /// exactly one organisation in the ballot.
    #[serde(default)]
    pub organization: Option<String>,
    /// approve, abstain, object or recuse.
    #[schema(value_type = charta_domain::ballot::Position)]
    pub position: String,
    /// Why; required for an objection. At most 5,000 characters.
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub rationale: String,
}

/// The number of a recorded vote.
#[derive(Serialize, utoipa::ToSchema)]
pub struct VoteRecorded {
    pub vote: i64,
}

/// Cast or change an organisation's vote. Needs a session or a token with
/// the `vote` scope, held by the organisation's representative or an
/// alternate.
#[utoipa::path(post, path = "/api/v1/ballots/{id}/votes", tag = "ballots", operation_id = "cast_vote", request_body = VoteRequest,
    params(("id" = i64, Path, description = "Ballot number", minimum = 1)),
    responses((status = 201, description = "Recorded", body = VoteRecorded),
              (status = 400, description = "The body is not the JSON described, the position is unknown, an objection has no rationale, or the organisation is not voting in this ballot or must be named (`bad_request`)", body = crate::error::ErrorBody),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 403, description = "Refused (`forbidden`): only an organisation's representative, or the alternate holding its vote, votes for it; the API token lacks the `vote` scope; or a call with a session cookie came without this site's `Origin`, or from another site", body = crate::error::ErrorBody),
              (status = 404, description = "No such ballot the caller may know of (`not_found`)", body = crate::error::ErrorBody),
              (status = 409, description = "The ballot has closed, the organisation has no vote in it, or the caller already voted for another organisation in it (`conflict`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn vote(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Result<Json<VoteRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<VoteRecorded>)> {
    let v = super::body(body, "{\"organization\", \"position\", \"rationale\"}")?;
    let id = ballot::parse_id(&id)?;
    let position = ballot::parse_position(&v.position)?;
    let vote = ballot::cast(
        &state,
        &viewer,
        id,
        v.organization.as_deref(),
        position,
        &v.rationale,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(VoteRecorded { vote })))
}

/// A group's ballot rules.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RulesDocument {
    pub rules: Rules,
    pub rules_text: Vec<String>,
}

/// A working group's ballot rules.
#[utoipa::path(get, path = "/api/v1/groups/{group}/rules", tag = "ballots", operation_id = "group_rules",
    params(("group" = String, Path, description = "Working group slug")),
    responses((status = 200, description = "The rules, and the same as sentences", body = RulesDocument),
              (status = 404, description = "No such working group (`not_found`)", body = crate::error::ErrorBody)))]
pub async fn rules(
    State(state): State<AppState>,
    Path(group): Path<String>,
) -> ApiResult<Json<RulesDocument>> {
    let (_, rules) = charta_app::rules::of(&state, &group).await?;
    Ok(Json(RulesDocument {
        rules_text: rules.describe(),
        rules,
    }))
}
