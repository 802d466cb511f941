//! Telling people and other systems what happened: e-mail and webhooks.
//!
//! Every event is an audit entry, written in the same transaction as the
//! change. The [`fan_out`] job reads entries after a cursor, decides who
//! hears of each ([`plan`]) and writes the messages to the outbox in one
//! transaction with the cursor's move; the [`deliver`] job sends what is
//! due, with retries and backoff ([`charta_domain::notify::retry_delay`]).
//! So nothing acknowledged is lost when the mail server is down or the
//! process is killed: the event is stored before anyone is told "done",
//! and a message leaves the outbox only once it was delivered or its
//! retries ran out. Invitations are the one exception to "from the audit
//! log": their link's secret is stored nowhere, so the invitation writes
//! its mail to the outbox itself.

pub mod deliver;
pub mod follows;
pub mod mail;
pub mod plan;
pub mod prefs;
pub mod webhook;

pub use deliver::deliver;
pub use plan::fan_out;

/// How mail leaves Charta.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MailTransport {
    /// No mail at all: nothing is written to the outbox for e-mail.
    #[default]
    Off,
    /// Mail is kept in the outbox and shown on the local mailbox page
    /// instead of being sent (`charta demo`).
    Mailbox,
    /// Sent through this SMTP server (`smtp://` or `smtps://` URL).
    Smtp(String),
}

/// The notification settings.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    pub transport: MailTransport,
    /// The `From` of every message, such as `Charta <charta@example.org>`.
    pub mail_from: String,
    /// Deliver webhooks to loopback and private addresses too (tests and
    /// closed networks only).
    pub allow_private_webhooks: bool,
    /// How often the jobs look for new events and due messages.
    pub every: std::time::Duration,
    /// How long a sender may hold a message before another may take it.
    pub lease: time::Duration,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            transport: MailTransport::Off,
            mail_from: "Charta <charta@localhost>".into(),
            allow_private_webhooks: false,
            every: std::time::Duration::from_secs(2),
            lease: time::Duration::minutes(2),
        }
    }
}

impl NotifySettings {
    /// Whether e-mail is written to the outbox at all.
    pub fn mail_on(&self) -> bool {
        self.transport != MailTransport::Off
    }
}
