//! A group's webhooks, for its chair: register one (its secret is shown
//! once), see each one's delivery log, send a delivery again, remove one.

use super::Page;
use super::form::PageForm;
use super::view::datetime;
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::{Error, PageResult, see_other};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use charta_app::webhooks;
use charta_domain::notify::Topic;
use charta_store::{GroupRow, OutboxRow, WebhookRow};

/// One webhook as the list shows it.
pub struct HookView {
    pub id: i64,
    pub url: String,
    pub events: String,
    pub created: String,
    pub failing_since: Option<String>,
}

impl From<&WebhookRow> for HookView {
    fn from(h: &WebhookRow) -> Self {
        HookView {
            id: h.id,
            url: h.url.clone(),
            events: h.topics.replace(' ', ", "),
            created: datetime(h.created_at),
            failing_since: h.failing_since.map(datetime),
        }
    }
}

/// An event a webhook can be registered for.
pub struct EventChoice {
    pub name: &'static str,
    pub description: &'static str,
}

#[derive(Template)]
#[template(path = "webhooks/list.html")]
pub struct WebhooksPage {
    pub title: String,
    pub chrome: Chrome,
    pub group_slug: String,
    pub group_name: String,
    pub hooks: Vec<HookView>,
    pub events: Vec<EventChoice>,
    /// The webhook just registered, with its secret, shown this once.
    pub created: Option<(HookView, String)>,
}

/// One delivery in a log.
pub struct DeliveryView {
    pub id: i64,
    pub event: String,
    pub message_id: String,
    pub state: String,
    pub attempts: i64,
    pub status: String,
    pub duration: String,
    pub error: String,
    pub when: String,
}

impl From<&OutboxRow> for DeliveryView {
    fn from(d: &OutboxRow) -> Self {
        DeliveryView {
            id: d.id,
            event: d.topic.to_string(),
            message_id: d.message_id.clone(),
            state: d.state.clone(),
            attempts: d.attempts,
            status: d.last_status.map(|s| s.to_string()).unwrap_or_default(),
            duration: d
                .duration_ms
                .map(|ms| format!("{ms} ms"))
                .unwrap_or_default(),
            error: d.last_error.clone(),
            when: datetime(d.sent_at.unwrap_or(d.created_at)),
        }
    }
}

#[derive(Template)]
#[template(path = "webhooks/show.html")]
pub struct WebhookPage {
    pub title: String,
    pub chrome: Chrome,
    pub group_slug: String,
    pub group_name: String,
    pub hook: HookView,
    pub deliveries: Vec<DeliveryView>,
}

fn events() -> Vec<EventChoice> {
    webhooks::topics()
        .map(|t| EventChoice {
            name: t.as_str(),
            description: t.describe(),
        })
        .collect()
}

async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    g: GroupRow,
    created: Option<(HookView, String)>,
) -> Result<WebhooksPage, Error> {
    let hooks = webhooks::list(state, viewer, &g).await?;
    Ok(WebhooksPage {
        title: format!("Webhooks of {}", g.name),
        chrome: viewer.chrome(state),
        hooks: hooks.iter().map(HookView::from).collect(),
        events: events(),
        created,
        group_slug: g.slug,
        group_name: g.name,
    })
}

/// The group's webhooks and the form to register one.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
) -> PageResult<Page<WebhooksPage>> {
    let g = state.store.group(&group).await?;
    Ok(Page(list_page(&state, &viewer, g, None).await?))
}

/// Registers a webhook and shows its secret once.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
    PageForm(f): PageForm<Vec<(String, String)>>,
) -> PageResult<Page<WebhooksPage>> {
    let g = state.store.group(&group).await?;
    let url = f
        .iter()
        .find(|(k, _)| k == "url")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    let events = f
        .iter()
        .filter(|(k, _)| k == "events")
        .map(|(_, v)| v.parse::<Topic>().map_err(Error::BadRequest))
        .collect::<Result<Vec<_>, _>>()?;
    let hook = webhooks::create(&state, &viewer, &g, url, &events).await?;
    let created = Some((HookView::from(&hook), hook.secret));
    Ok(Page(list_page(&state, &viewer, g, created).await?))
}

fn id_of(raw: &str, what: &str) -> Result<i64, Error> {
    raw.parse()
        .map_err(|_| Error::NotFound(format!("{what} {raw}")))
}

/// One webhook's delivery log.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((group, id)): Path<(String, String)>,
) -> PageResult<Page<WebhookPage>> {
    let g = state.store.group(&group).await?;
    let id = id_of(&id, "webhook")?;
    let (hook, log) = webhooks::log(&state, &viewer, &g, id).await?;
    Ok(Page(WebhookPage {
        title: format!("Webhook {}", hook.url),
        chrome: viewer.chrome(&state),
        hook: HookView::from(&hook),
        deliveries: log.iter().map(DeliveryView::from).collect(),
        group_slug: g.slug,
        group_name: g.name,
    }))
}

/// Removes a webhook.
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((group, id)): Path<(String, String)>,
) -> PageResult<Response> {
    let g = state.store.group(&group).await?;
    webhooks::delete(&state, &viewer, &g, id_of(&id, "webhook")?).await?;
    Ok(see_other(&format!("/groups/{}/webhooks", g.slug)).into_response())
}

/// Queues a delivery again and goes back to the log.
pub async fn redeliver(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((group, id, delivery)): Path<(String, String, String)>,
) -> PageResult<Response> {
    let g = state.store.group(&group).await?;
    let id = id_of(&id, "webhook")?;
    webhooks::redeliver(&state, &viewer, &g, id, id_of(&delivery, "delivery")?).await?;
    Ok(see_other(&format!("/groups/{}/webhooks/{id}", g.slug)).into_response())
}
