//! A group's webhooks: registered, listed, removed and redelivered by its
//! chair with a multi-factor sign-in.

use crate::app::App;
use crate::error::Error;
use crate::notify::webhook::{check_url, new_secret};
use crate::viewer::Viewer;
use charta_domain::access::Action;
use charta_domain::notify::{Topic, forbidden_address};
use charta_store::{GroupRow, NewWebhook, OutboxRow, WebhookRow};

/// Webhooks one group may have.
pub const MAX_PER_GROUP: usize = 20;
/// Deliveries a delivery log shows.
pub const LOG_LENGTH: i64 = 100;

/// The events a webhook can receive, in the order pages list them.
pub fn topics() -> impl Iterator<Item = Topic> {
    Topic::ALL.into_iter().filter(|t| t.hookable())
}

/// The group's webhooks.
pub async fn list(app: &App, viewer: &Viewer, group: &GroupRow) -> Result<Vec<WebhookRow>, Error> {
    viewer.require(Action::ManageWebhooks { group_id: group.id })?;
    Ok(app.store.webhooks(group.id).await?)
}

/// Registers a webhook and returns it with its secret, which is shown to
/// the chair now and never again.
pub async fn create(
    app: &App,
    viewer: &Viewer,
    group: &GroupRow,
    url: &str,
    events: &[Topic],
) -> Result<WebhookRow, Error> {
    viewer.require(Action::ManageWebhooks { group_id: group.id })?;
    let url = check_url(url).map_err(Error::BadRequest)?;
    if !app.settings.notify.allow_private_webhooks
        && let Some(ip) = url
            .host_str()
            .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
            .and_then(|h| h.parse::<std::net::IpAddr>().ok())
        && forbidden_address(ip)
    {
        return Err(Error::BadRequest(format!(
            "{ip} is a loopback, private, link-local or reserved address; webhooks go to addresses on the internet"
        )));
    }
    if events.is_empty() {
        return Err(Error::BadRequest(
            "choose at least one event for the webhook to receive".into(),
        ));
    }
    if let Some(t) = events.iter().find(|t| !t.hookable()) {
        return Err(Error::BadRequest(format!(
            "webhooks cannot receive {t} events"
        )));
    }
    if app.store.webhooks(group.id).await?.len() >= MAX_PER_GROUP {
        return Err(Error::Conflict(format!(
            "the group already has {MAX_PER_GROUP} webhooks; delete one first"
        )));
    }
    let secret = new_secret().map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    let mut events = events.to_vec();
    events.sort();
    events.dedup();
    let id = app
        .store
        .create_webhook(NewWebhook {
            group_id: group.id,
            url: url.as_str(),
            topics: &events,
            secret: &secret,
            created_by: viewer.user()?.id,
        })
        .await?;
    Ok(app.store.webhook(group.id, id).await?)
}

/// Removes a webhook; its pending deliveries are dropped.
pub async fn delete(app: &App, viewer: &Viewer, group: &GroupRow, id: i64) -> Result<(), Error> {
    viewer.require(Action::ManageWebhooks { group_id: group.id })?;
    let actor = crate::amend::actor(viewer);
    Ok(app.store.delete_webhook(group.id, id, &actor).await?)
}

/// A webhook and its newest deliveries.
pub async fn log(
    app: &App,
    viewer: &Viewer,
    group: &GroupRow,
    id: i64,
) -> Result<(WebhookRow, Vec<OutboxRow>), Error> {
    viewer.require(Action::ManageWebhooks { group_id: group.id })?;
    let hook = app.store.webhook(group.id, id).await?;
    let log = app.store.webhook_deliveries(id, LOG_LENGTH).await?;
    Ok((hook, log))
}

/// Queues a delivery again (same `webhook-id` and body); returns the new
/// delivery's id.
pub async fn redeliver(
    app: &App,
    viewer: &Viewer,
    group: &GroupRow,
    id: i64,
    delivery: i64,
) -> Result<i64, Error> {
    viewer.require(Action::ManageWebhooks { group_id: group.id })?;
    app.store.webhook(group.id, id).await?;
    let actor = crate::amend::actor(viewer);
    Ok(app.store.redeliver(id, delivery, &actor).await?)
}
