//! The signed-in person and their personal API tokens.

use crate::auth::Viewer;
use crate::error::{ApiResult, Error};
use crate::paging;
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use charta_app::tokens;
use charta_domain::access::Action;
use charta_store::{TokenRow, UserRow};
use serde::{Deserialize, Serialize};

/// A role, as the API reports it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RoleView {
    pub group: String,
    pub role: String,
    pub organization: Option<String>,
}

/// Who is signed in.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub user: UserRow,
    pub roles: Vec<RoleView>,
    /// `session` or `token`.
    pub credential: &'static str,
}

/// The signed-in person (by session or API token) and their roles.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(viewer: Viewer) -> ApiResult<Json<Me>> {
    viewer.require(Action::ViewAccount)?;
    let user = viewer.user()?.clone();
    Ok(Json(Me {
        user,
        roles: viewer
            .memberships
            .iter()
            .map(|m| RoleView {
                group: m.group_slug.clone(),
                role: m.role.clone(),
                organization: m.organization_name.clone(),
            })
            .collect(),
        credential: if viewer.session_hash.is_some() {
            "session"
        } else {
            "token"
        },
    }))
}

/// List the signed-in person's tokens (never their secrets).
/// Newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "account", params(crate::paging::PageParams),
    responses((status = 200, body = Vec<TokenRow>, headers(("Link" = String, description = "`<…>; rel=\"next\"`: the address of the next page; absent on the last"))),
              (status = 400, body = crate::error::ErrorBody, description = "`limit` is not 1 to 200, or `after` is not a cursor this list handed out"), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<crate::paging::PageParams>,
) -> ApiResult<Response> {
    viewer.require(Action::ViewAccount)?;
    let page = state
        .store
        .tokens_page(viewer.user()?.id, &p.request()?)
        .await?;
    Ok(paging::respond(
        &state.config.public_url,
        &uri,
        page.items,
        page.next.as_ref(),
    ))
}

/// A token request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewTokenRequest {
    pub name: String,
    /// Any of read, propose, comment, vote.
    pub scopes: Vec<String>,
    /// Lifetime in days, 1 to 366.
    pub days: i64,
}

/// A new token; `token` is shown this once and never again.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NewTokenResponse {
    pub id: i64,
    pub token: String,
    pub scopes: String,
}

/// Create a personal API token. Needs a browser session: a token cannot
/// create tokens.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "account", request_body = NewTokenRequest,
    responses((status = 201, body = NewTokenResponse), (status = 400, body = crate::error::ErrorBody),
              (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Result<Json<NewTokenRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<NewTokenResponse>)> {
    viewer.require(Action::CreateToken)?;
    let Json(req) = body.map_err(|e| {
        Error::BadRequest(format!(
            "send JSON {{\"name\", \"scopes\", \"days\"}}: {}",
            e.body_text()
        ))
    })?;
    let request = tokens::check_request(&req.name, &req.scopes, req.days)?;
    let (id, token) = tokens::create(&state, &viewer, &request).await?;
    Ok((
        StatusCode::CREATED,
        Json(NewTokenResponse {
            id,
            token,
            scopes: request.scope_words(),
        }),
    ))
}

/// Revoke one of the signed-in person's tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "account",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: i64 = id
        .parse()
        .map_err(|_| Error::NotFound(format!("token {id}")))?;
    tokens::revoke(&state, &viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
