//! Pages of notifications: one-click unsubscribe from a message, and the
//! demo's mailbox, which shows the mail a real deployment would have sent.

use super::Page;
use super::view::datetime;
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::{Error, PageResult};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};

#[derive(Template)]
#[template(path = "notifications/unsubscribe.html")]
pub struct UnsubscribePage {
    pub title: String,
    pub chrome: Chrome,
    pub token: String,
    pub description: &'static str,
    /// The topic is now off.
    pub done: bool,
}

/// The page an unsubscribe link opens: what it turns off, and a button.
/// Opening it changes nothing, so link scanners cannot unsubscribe anyone.
pub async fn confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> PageResult<Page<UnsubscribePage>> {
    let (_, topic) = charta_app::notify::prefs::read_token(&state, &token).await?;
    Ok(Page(UnsubscribePage {
        title: "Unsubscribe".into(),
        chrome: viewer.chrome(&state),
        token,
        description: topic.describe(),
        done: false,
    }))
}

/// Turns the topic off: the button of [`confirm`], or a mail client's
/// one-click `POST` (RFC 8058), which carries no cookie and no CSRF field;
/// the link's signature is what authorises it.
pub async fn unsubscribe(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> PageResult<Page<UnsubscribePage>> {
    let topic = charta_app::notify::prefs::unsubscribe(&state, &token).await?;
    Ok(Page(UnsubscribePage {
        title: "Unsubscribed".into(),
        chrome: viewer.chrome(&state),
        token,
        description: topic.describe(),
        done: true,
    }))
}

/// One message in the demo's mailbox.
pub struct LetterView {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub when: String,
    pub state: String,
    pub digest: bool,
}

#[derive(Template)]
#[template(path = "notifications/mailbox.html")]
pub struct MailboxPage {
    pub title: String,
    pub chrome: Chrome,
    pub letters: Vec<LetterView>,
}

/// The demo's mailbox: every e-mail Charta wrote, newest first. Only
/// `charta demo` serves it (it listens on loopback only); elsewhere mail is
/// sent, not shown.
pub async fn mailbox(
    State(state): State<AppState>,
    viewer: Viewer,
) -> PageResult<Page<MailboxPage>> {
    if !state.config.demo {
        return Err(Error::NotFound("the mailbox (only `charta demo` has one)".into()).into());
    }
    let letters = state
        .store
        .outbox("mail", 200)
        .await?
        .into_iter()
        .map(|m| LetterView {
            to: m.address,
            subject: m.subject,
            text: m.body_text,
            when: datetime(m.created_at),
            state: m.state,
            digest: m.digest,
        })
        .collect();
    Ok(Page(MailboxPage {
        title: "Mailbox".into(),
        chrome: viewer.chrome(&state),
        letters,
    }))
}
