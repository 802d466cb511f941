//! What each person chooses to hear of, and one-click unsubscribe links.

use crate::app::App;
use crate::error::Error;
use crate::viewer::Viewer;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use charta_domain::access::Action;
use charta_domain::notify::{Mode, Topic};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// One line of a person's notification settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub topic: Topic,
    pub mode: Mode,
    /// The person chose it; otherwise it is the topic's default.
    pub chosen: bool,
}

/// The signed-in person's choices, one per topic they can choose for.
pub async fn of(app: &App, viewer: &Viewer) -> Result<Vec<Choice>, Error> {
    viewer.require(Action::ViewAccount)?;
    let user = viewer.user()?;
    let stored = app.store.notification_prefs(user.id).await?;
    Ok(Topic::CHOOSABLE
        .into_iter()
        .map(|topic| match stored.get(&topic) {
            Some(mode) => Choice {
                topic,
                mode: *mode,
                chosen: true,
            },
            None => Choice {
                topic,
                mode: topic.default_mode(),
                chosen: false,
            },
        })
        .collect())
}

/// Stores the signed-in person's choices; topics not given keep theirs.
pub async fn set(
    app: &App,
    viewer: &Viewer,
    choices: &[(Topic, Mode)],
) -> Result<Vec<Choice>, Error> {
    viewer.require(Action::ViewAccount)?;
    let user = viewer.user()?;
    if let Some((topic, _)) = choices.iter().find(|(t, _)| !Topic::CHOOSABLE.contains(t)) {
        let names: Vec<&str> = Topic::CHOOSABLE.iter().map(|t| t.as_str()).collect();
        return Err(Error::BadRequest(format!(
            "there is no choice to make for {topic}; the events you choose for are {}",
            names.join(", ")
        )));
    }
    if !choices.is_empty() {
        app.store.set_notification_prefs(user.id, choices).await?;
    }
    of(app, viewer).await
}

fn signature(key: &str, user: i64, topic: Topic) -> Result<String, Error> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())
        .map_err(|e| Error::Internal(format!("unsubscribe key: {e}")))?;
    mac.update(format!("unsubscribe\0{user}\0{topic}").as_bytes());
    Ok(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// The one-click unsubscribe link for one person and topic (RFC 8058):
/// whoever holds it may turn that topic off for that person, nothing else.
pub async fn unsubscribe_url(app: &App, user: i64, topic: Topic) -> Result<String, Error> {
    let key = app.store.notify_secret().await?;
    Ok(format!(
        "{}/unsubscribe/{user}.{topic}.{}",
        app.settings.public_url,
        signature(&key, user, topic)?
    ))
}

/// Reads and checks an unsubscribe token: the account and topic it names.
pub async fn read_token(app: &App, token: &str) -> Result<(i64, Topic), Error> {
    let invalid = || {
        Error::NotFound(
            "this unsubscribe link (it may be cut short; copy the whole link from the message)"
                .into(),
        )
    };
    let (user, rest) = token.split_once('.').ok_or_else(invalid)?;
    let (topic, sig) = rest.rsplit_once('.').ok_or_else(invalid)?;
    let user: i64 = user.parse().map_err(|_| invalid())?;
    let topic: Topic = topic.parse().map_err(|_| invalid())?;
    let key = app.store.notify_secret().await?;
    if !crate::secret::equal(&signature(&key, user, topic)?, sig)
        || !Topic::CHOOSABLE.contains(&topic)
    {
        return Err(invalid());
    }
    Ok((user, topic))
}

/// Turns off the topic the token names for the account it names; no
/// sign-in needed, as mail clients send this on their own.
pub async fn unsubscribe(app: &App, token: &str) -> Result<Topic, Error> {
    let (user, topic) = read_token(app, token).await?;
    app.store
        .set_notification_prefs(user, &[(topic, Mode::Never)])
        .await?;
    Ok(topic)
}
