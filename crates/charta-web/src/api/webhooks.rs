//! A group's webhooks through the API, for its chair (multi-factor
//! browser session): register, list, remove, read the delivery log and
//! redeliver. The payloads they receive are in the document's `webhooks`.

use super::body;
use crate::auth::Viewer;
use crate::error::{ApiResult, Error};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use charta_app::webhooks;
use charta_store::{OutboxRow, WebhookRow};
use serde::{Deserialize, Serialize};

/// A registered webhook.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    /// The events it receives.
    pub events: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: time::OffsetDateTime,
    /// When its deliveries started failing for good; absent while healthy.
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub failing_since: Option<time::OffsetDateTime>,
    /// The signing secret (`whsec_…`): only in the answer that registers
    /// the webhook, never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl Webhook {
    fn of(h: WebhookRow, with_secret: bool) -> Webhook {
        Webhook {
            id: h.id,
            events: h
                .topic_list()
                .iter()
                .map(|t| t.as_str().to_string())
                .collect(),
            url: h.url,
            created_at: h.created_at,
            failing_since: h.failing_since,
            secret: with_secret.then_some(h.secret),
        }
    }
}

/// The group's webhooks.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Webhooks {
    pub webhooks: Vec<Webhook>,
}

/// A webhook to register.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where deliveries go (`https://`).
    pub url: String,
    /// The events to receive, such as `ballot.opened`.
    pub events: Vec<String>,
}

/// One delivery of a webhook.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookDelivery {
    pub id: i64,
    pub event: String,
    /// The `webhook-id` header, the same for each attempt and redelivery.
    pub webhook_id: String,
    /// `pending`, `sent` or `failed` (retries used up, or refused).
    pub state: String,
    pub attempts: i64,
    /// The receiver's last HTTP status, if it answered.
    pub status: Option<i64>,
    pub duration_ms: Option<i64>,
    pub error: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<time::OffsetDateTime>,
    /// The JSON body sent.
    pub payload: serde_json::Value,
}

impl From<OutboxRow> for WebhookDelivery {
    fn from(d: OutboxRow) -> Self {
        WebhookDelivery {
            id: d.id,
            event: d.topic.to_string(),
            webhook_id: d.message_id,
            state: d.state,
            attempts: d.attempts,
            status: d.last_status,
            duration_ms: d.duration_ms,
            error: d.last_error,
            created_at: d.created_at,
            sent_at: d.sent_at,
            payload: serde_json::from_str(&d.body_text).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// A webhook's newest deliveries, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookLog {
    pub webhook: Webhook,
    pub deliveries: Vec<WebhookDelivery>,
}

/// The id of a queued redelivery.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Redelivery {
    pub delivery: i64,
}

fn id_of(raw: &str, what: &str) -> Result<i64, Error> {
    raw.parse()
        .map_err(|_| Error::NotFound(format!("{what} {raw}")))
}

/// The group's webhooks.
#[utoipa::path(get, path = "/api/v1/groups/{group}/webhooks", operation_id = "list_webhooks", tag = "groups",
    params(("group" = String, Path, description = "Working group slug")),
    responses((status = 200, description = "The group's webhooks (without their secrets)", body = Webhooks), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the chair with a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such group (`not_found`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
) -> ApiResult<Json<Webhooks>> {
    let g = state.store.group(&group).await?;
    let hooks = webhooks::list(&state, &viewer, &g).await?;
    Ok(Json(Webhooks {
        webhooks: hooks.into_iter().map(|h| Webhook::of(h, false)).collect(),
    }))
}

/// Register a webhook. The answer carries its signing secret, once.
#[utoipa::path(post, path = "/api/v1/groups/{group}/webhooks", operation_id = "create_webhook", tag = "groups", request_body = NewWebhook,
    params(("group" = String, Path, description = "Working group slug")),
    responses((status = 201, description = "Registered; `secret` is shown this once", body = Webhook), (status = 400, description = "The URL or an event is not usable (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the chair with a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such group (`not_found`)", body = crate::error::ErrorBody), (status = 409, description = "The group has as many webhooks as it may (`conflict`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
    request: Result<Json<NewWebhook>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Webhook>)> {
    let g = state.store.group(&group).await?;
    viewer.require(charta_domain::access::Action::ManageWebhooks { group_id: g.id })?;
    let new = body(
        request,
        "{\"url\": \"https://…\", \"events\": [\"ballot.opened\", …]}",
    )?;
    let events = new
        .events
        .iter()
        .map(|e| e.parse().map_err(Error::BadRequest))
        .collect::<Result<Vec<_>, _>>()?;
    let hook = webhooks::create(&state, &viewer, &g, &new.url, &events).await?;
    Ok((StatusCode::CREATED, Json(Webhook::of(hook, true))))
}

/// Remove a webhook; its pending deliveries are dropped, its log stays.
#[utoipa::path(delete, path = "/api/v1/groups/{group}/webhooks/{id}", operation_id = "delete_webhook", tag = "groups",
    params(("group" = String, Path, description = "Working group slug"), ("id" = String, Path, description = "Webhook id")),
    responses((status = 204, description = "Removed"), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the chair with a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such group or webhook (`not_found`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((group, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let g = state.store.group(&group).await?;
    webhooks::delete(&state, &viewer, &g, id_of(&id, "webhook")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A webhook and its newest deliveries.
#[utoipa::path(get, path = "/api/v1/groups/{group}/webhooks/{id}/deliveries", operation_id = "webhook_deliveries", tag = "groups",
    params(("group" = String, Path, description = "Working group slug"), ("id" = String, Path, description = "Webhook id")),
    responses((status = 200, description = "The webhook and up to 100 deliveries, newest first", body = WebhookLog), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the chair with a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such group or webhook (`not_found`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn deliveries(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((group, id)): Path<(String, String)>,
) -> ApiResult<Json<WebhookLog>> {
    let g = state.store.group(&group).await?;
    let (hook, log) = webhooks::log(&state, &viewer, &g, id_of(&id, "webhook")?).await?;
    Ok(Json(WebhookLog {
        webhook: Webhook::of(hook, false),
        deliveries: log.into_iter().map(WebhookDelivery::from).collect(),
    }))
}

/// Send a delivery again, with the same `webhook-id` and body.
#[utoipa::path(post, path = "/api/v1/groups/{group}/webhooks/{id}/deliveries/{delivery}/redeliver", operation_id = "redeliver_webhook", tag = "groups",
    params(("group" = String, Path, description = "Working group slug"), ("id" = String, Path, description = "Webhook id"), ("delivery" = String, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued; it goes out with the next pass of the sender", body = Redelivery), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the chair with a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such group, webhook or delivery (`not_found`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn redeliver(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((group, id, delivery)): Path<(String, String, String)>,
) -> ApiResult<(StatusCode, Json<Redelivery>)> {
    let g = state.store.group(&group).await?;
    let id = id_of(&id, "webhook")?;
    let delivery =
        webhooks::redeliver(&state, &viewer, &g, id, id_of(&delivery, "delivery")?).await?;
    Ok((StatusCode::ACCEPTED, Json(Redelivery { delivery })))
}
