//! A person's own account: roles, personal API tokens.

use super::Page;
use super::form::PageForm;
use super::view::date;
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::{Error, PageResult, see_other};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use charta_app::tokens::{self, MAX_DAYS};
use charta_domain::access::{Action, Scope};
use charta_store::{MembershipRow, TokenRow, UserRow};

/// A token line on the account page.
pub struct TokenView {
    pub row: TokenRow,
    pub created: String,
    pub expires: String,
    pub live: bool,
}

#[derive(Template)]
#[template(path = "account/show.html")]
pub struct AccountPage {
    pub title: String,
    pub chrome: Chrome,
    pub user: UserRow,
    pub memberships: Vec<MembershipRow>,
    pub tokens: Vec<TokenView>,
    /// Shown once, right after creation.
    pub new_token: Option<String>,
    pub scopes: Vec<&'static str>,
    pub max_days: i64,
    /// What the person hears of, per kind of event.
    pub choices: Vec<ChoiceView>,
    /// Whether this deployment sends mail at all.
    pub mail_on: bool,
    /// Specifications and catalog items the person follows.
    pub follows: Vec<charta_app::notify::follows::Follow>,
}

/// One kind of event and what the person chose for it.
pub struct ChoiceView {
    pub name: &'static str,
    pub description: &'static str,
    pub mode: &'static str,
    pub chosen: bool,
}

async fn account_page(
    state: &AppState,
    viewer: &Viewer,
    new_token: Option<String>,
) -> Result<AccountPage, Error> {
    viewer.require(Action::ViewAccount)?;
    let user = viewer.user()?.clone();
    let now = time::OffsetDateTime::now_utc();
    let tokens = state
        .store
        .tokens_of(user.id)
        .await?
        .into_iter()
        .map(|row| TokenView {
            created: date(row.created_at),
            expires: date(row.expires_at),
            live: row.revoked_at.is_none() && row.expires_at > now,
            row,
        })
        .collect();
    let choices = charta_app::notify::prefs::of(state, viewer)
        .await?
        .into_iter()
        .map(|c| ChoiceView {
            name: c.topic.as_str(),
            description: c.topic.describe(),
            mode: c.mode.as_str(),
            chosen: c.chosen,
        })
        .collect();
    let follows = charta_app::notify::follows::list(state, viewer).await?;
    Ok(AccountPage {
        follows,
        title: "Your account".into(),
        choices,
        mail_on: state.settings.notify.mail_on(),
        chrome: viewer.chrome(state),
        memberships: viewer.memberships.clone(),
        user,
        tokens,
        new_token,
        scopes: Scope::ALL.iter().map(|s| s.as_str()).collect(),
        max_days: MAX_DAYS,
    })
}

/// The account page.
pub async fn show(State(state): State<AppState>, viewer: Viewer) -> PageResult<Page<AccountPage>> {
    Ok(Page(account_page(&state, &viewer, None).await?))
}

/// Creates a token and shows it once.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    PageForm(f): PageForm<Vec<(String, String)>>,
) -> PageResult<Page<AccountPage>> {
    let get = |k: &str| {
        f.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let scopes: Vec<String> = f
        .iter()
        .filter(|(k, _)| k == "scopes")
        .map(|(_, v)| v.clone())
        .collect();
    let days = get("days")
        .trim()
        .parse::<i64>()
        .map_err(|_| Error::BadRequest("the lifetime must be a number of days".into()))?;
    let request = tokens::check_request(&get("name"), &scopes, days)?;
    let (_, token) = tokens::create(&state, &viewer, &request).await?;
    Ok(Page(account_page(&state, &viewer, Some(token)).await?))
}

/// Stores what the person wants to hear of (one `select` per event).
pub async fn notifications(
    State(state): State<AppState>,
    viewer: Viewer,
    PageForm(f): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let choices = f
        .iter()
        .filter(|(k, _)| k != crate::auth::csrf::FIELD)
        .map(|(k, v)| {
            let topic = k.parse().map_err(Error::BadRequest)?;
            let mode = v.parse().map_err(Error::BadRequest)?;
            Ok((topic, mode))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    charta_app::notify::prefs::set(&state, &viewer, &choices).await?;
    Ok(see_other("/account#notifications").into_response())
}

/// Revokes one of the viewer's tokens.
pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let id: i64 = id
        .parse()
        .map_err(|_| Error::NotFound(format!("token {id}")))?;
    tokens::revoke(&state, &viewer, id).await?;
    Ok(see_other("/account").into_response())
}
