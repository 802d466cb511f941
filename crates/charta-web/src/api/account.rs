//! The signed-in person and their personal API tokens.

use crate::api::records::{Account, ApiToken};
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
use serde::{Deserialize, Serialize};

/// A role, as the API reports it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RoleView {
    pub group: String,
    #[schema(value_type = charta_domain::access::Role)]
    pub role: String,
    pub organization: Option<String>,
}

/// Who is signed in.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub user: Account,
    pub roles: Vec<RoleView>,
    /// `session` or `token`.
    #[schema(value_type = crate::api::openapi::CredentialKind)]
    pub credential: &'static str,
}

/// The signed-in person (by session or API token) and their roles.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", operation_id = "me",
    responses((status = 200, description = "The signed-in person and their roles", body = Me),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 403, description = "The API token does not have the `read` scope (`forbidden`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn me(viewer: Viewer) -> ApiResult<Json<Me>> {
    viewer.require(Action::ViewAccount)?;
    let user = Account::from(viewer.user()?.clone());
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
#[utoipa::path(get, path = "/api/v1/tokens", tag = "account", operation_id = "list_tokens", params(crate::paging::PageParams),
    responses((status = 200, description = "A page of the person's tokens, newest first", body = Vec<ApiToken>, headers(("Link" = String, description = "`<…>; rel=\"next\"`: the address of the next page; absent on the last"))),
              (status = 400, description = "`limit` is not 1 to 200, or `after` is not a cursor this list handed out (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 403, description = "The API token does not have the `read` scope (`forbidden`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
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
        page.items
            .into_iter()
            .map(ApiToken::from)
            .collect::<Vec<_>>(),
        page.next.as_ref(),
    ))
}

/// A token request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewTokenRequest {
    /// 1 to 80 characters, such as "release CI".
    #[schema(min_length = 1, max_length = 80)]
    pub name: String,
    /// Any of read, propose, comment, vote, assess.
    #[schema(value_type = Vec<charta_domain::access::Scope>, min_items = 1)]
    pub scopes: Vec<String>,
    /// Lifetime in days, 1 to 366.
    #[schema(minimum = 1, maximum = 366)]
    pub days: i64,
}

/// A new token; `token` is shown this once and never again.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NewTokenResponse {
    pub id: i64,
    pub token: String,
    /// The token's scopes, separated by spaces.
    pub scopes: String,
}

/// Create a personal API token. Needs a browser session: a token cannot
/// create tokens.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "account", operation_id = "create_token", request_body = NewTokenRequest,
    responses((status = 201, description = "Created; the secret is in `token`, shown this once", body = NewTokenResponse),
              (status = 400, description = "The body is not the JSON described, the name is empty or too long, no scope is chosen, or `days` is not 1 to 366 (`bad_request`)", body = crate::error::ErrorBody),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 403, description = "Refused (`forbidden`): the call is made with an API token, or a call with a session cookie came without this site's `Origin`, or from another site", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Result<Json<NewTokenRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<NewTokenResponse>)> {
    viewer.require(Action::CreateToken)?;
    let req = super::body(body, "{\"name\", \"scopes\", \"days\"}")?;
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
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "account", operation_id = "revoke_token",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 403, description = "Refused (`forbidden`): the API token does not have the `read` scope, or a call with a session cookie came without this site's `Origin`, or from another site", body = crate::error::ErrorBody),
              (status = 404, description = "The person has no such token (`not_found`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
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
