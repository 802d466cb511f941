//! The signed-in person's notification choices through the API.

use super::body;
use crate::auth::Viewer;
use crate::error::{ApiResult, Error};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use charta_app::notify::prefs;
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
