//! The signed-in person's notification choices through the API.

use super::body;
use crate::auth::Viewer;
use crate::error::{ApiResult, Error};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use charta_app::notify::{follows, prefs};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How someone hears of one kind of event.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    /// A message per event, sent at once.
    Immediate,
    /// Collected into one message a day (07:00 UTC).
    Digest,
    /// Not at all.
    Never,
}

impl From<charta_domain::notify::Mode> for Delivery {
    fn from(m: charta_domain::notify::Mode) -> Self {
        use charta_domain::notify::Mode;
        match m {
            Mode::Immediate => Delivery::Immediate,
            Mode::Digest => Delivery::Digest,
            Mode::Never => Delivery::Never,
        }
    }
}

impl From<Delivery> for charta_domain::notify::Mode {
    fn from(d: Delivery) -> Self {
        use charta_domain::notify::Mode;
        match d {
            Delivery::Immediate => Mode::Immediate,
            Delivery::Digest => Mode::Digest,
            Delivery::Never => Mode::Never,
        }
    }
}

/// One kind of event and the person's choice for it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Choice {
    /// The event, such as `ballot.opened`.
    pub event: String,
    pub description: String,
    pub delivery: Delivery,
    /// `false` while the person keeps the default.
    pub chosen: bool,
}

/// What the signed-in person hears of.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Choices {
    pub choices: Vec<Choice>,
    /// Whether this server sends e-mail at all.
    pub mail_enabled: bool,
}

/// New choices: event name to delivery; events left out keep theirs.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"ballot.opened": "immediate", "ballot.closed": "never"}))]
pub struct ChoiceChanges(pub BTreeMap<String, Delivery>);

fn document(state: &AppState, list: Vec<prefs::Choice>) -> Choices {
    Choices {
        choices: list
            .into_iter()
            .map(|c| Choice {
                event: c.topic.as_str().into(),
                description: c.topic.describe().into(),
                delivery: c.mode.into(),
                chosen: c.chosen,
            })
            .collect(),
        mail_enabled: state.settings.notify.mail_on(),
    }
}

/// What the signed-in person hears of, per kind of event.
#[utoipa::path(get, path = "/api/v1/account/notifications", operation_id = "notification_choices", tag = "account",
    responses((status = 200, description = "Each kind of event with the person's choice", body = Choices), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the token's scope (`forbidden`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn show(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Choices>> {
    let list = prefs::of(&state, &viewer).await?;
    Ok(Json(document(&state, list)))
}

/// Change what the signed-in person hears of.
#[utoipa::path(put, path = "/api/v1/account/notifications", operation_id = "set_notification_choices", tag = "account", request_body = ChoiceChanges,
    responses((status = 200, description = "The choices as they now stand", body = Choices), (status = 400, description = "An unknown event or delivery (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the token's scope or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn set(
    State(state): State<AppState>,
    viewer: Viewer,
    request: Result<Json<ChoiceChanges>, JsonRejection>,
) -> ApiResult<Json<Choices>> {
    let changes = body(
        request,
        "an object from event names (such as \"ballot.opened\") to \"immediate\", \"digest\" or \"never\"",
    )?;
    let choices = changes
        .0
        .into_iter()
        .map(|(event, delivery)| Ok((event.parse().map_err(Error::BadRequest)?, delivery.into())))
        .collect::<Result<Vec<_>, Error>>()?;
    let list = prefs::set(&state, &viewer, &choices).await?;
    Ok(Json(document(&state, list)))
}

/// Something the person follows to hear of its releases.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FollowLine {
    pub id: i64,
    /// `spec` or `clause` (a catalog item).
    pub kind: String,
    /// The specification's slug or the catalog item's identifier.
    pub subject: String,
    pub title: String,
    /// Its page.
    pub url: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: time::OffsetDateTime,
}

fn follow_line(f: follows::Follow) -> FollowLine {
    FollowLine {
        id: f.row.id,
        kind: f.row.kind.as_str().into(),
        subject: f.row.subject,
        title: f.title,
        url: f.path,
        created_at: f.row.created_at,
    }
}

/// What to follow.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"kind": "clause", "subject": "CRA:AnnexI.2.2"}))]
pub struct FollowRequest {
    /// `spec` or `clause`.
    pub kind: String,
    /// A specification's slug, or a catalog item's identifier.
    pub subject: String,
}

/// What the signed-in person follows: specifications and catalog items
/// whose releases they hear of beyond their own groups.
#[utoipa::path(get, path = "/api/v1/account/follows", operation_id = "follows", tag = "account",
    responses((status = 200, description = "What the person follows", body = [FollowLine]), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the token's scope (`forbidden`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn follow_list(
    State(state): State<AppState>,
    viewer: Viewer,
) -> ApiResult<Json<Vec<FollowLine>>> {
    Ok(Json(
        follows::list(&state, &viewer)
            .await?
            .into_iter()
            .map(follow_line)
            .collect(),
    ))
}

/// Follow a specification's releases, or releases that map a control to a
/// catalog item. Following again returns the existing follow.
#[utoipa::path(post, path = "/api/v1/account/follows", operation_id = "follow", tag = "account", request_body = FollowRequest,
    responses((status = 201, description = "Followed", body = FollowLine), (status = 400, description = "An unknown kind (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the token's scope or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such specification the caller may read, or catalog item (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "Too many follows (`conflict`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn follow(
    State(state): State<AppState>,
    viewer: Viewer,
    request: Result<Json<FollowRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<FollowLine>)> {
    let r = body(
        request,
        "{\"kind\": \"spec\" or \"clause\", \"subject\": slug or catalog item}",
    )?;
    let kind = r.kind.parse().map_err(Error::BadRequest)?;
    let done = follows::follow(&state, &viewer, kind, &r.subject).await?;
    Ok((StatusCode::CREATED, Json(follow_line(done))))
}

/// Stop following.
#[utoipa::path(delete, path = "/api/v1/account/follows/{id}", operation_id = "unfollow", tag = "account",
    params(("id" = i64, Path, description = "The follow's id")),
    responses((status = 204, description = "No longer followed"), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the token's scope or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such follow of the caller's (`not_found`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn unfollow(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: i64 = id
        .parse()
        .map_err(|_| Error::NotFound(format!("follow {id}")))?;
    follows::unfollow(&state, &viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
