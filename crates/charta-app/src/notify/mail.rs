//! E-mail: the SMTP connection and the messages as they go on the wire.

use super::{MailTransport, NotifySettings};
use crate::error::Error;
use charta_store::OutboxRow;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// Sends mail, or keeps it for the mailbox page, as configured.
pub struct Mailer {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("smtp", &self.smtp.is_some())
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Mailer {
    /// Checks the settings: a `From` address that parses and an SMTP URL
    /// Charta can use. Errors say which setting is wrong.
    pub fn new(settings: &NotifySettings) -> Result<Mailer, Error> {
        let from: Mailbox = settings.mail_from.parse().map_err(|e| {
            Error::BadRequest(format!(
                "CHARTA_MAIL_FROM {:?} is not a mail address such as \"Charta <charta@example.org>\": {e}",
                settings.mail_from
            ))
        })?;
        let smtp = match &settings.transport {
            MailTransport::Smtp(url) => Some(smtp_transport(url).map_err(Error::BadRequest)?),
            MailTransport::Off | MailTransport::Mailbox => None,
        };
        Ok(Mailer { smtp, from })
    }

    /// The `From` of every message.
    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// Sends one message; `Ok(false)` when there is no SMTP server and the
    /// message stays for the mailbox page. The error is the server's or
    /// the connection's, for the delivery log.
    pub async fn send(&self, message: Message) -> Result<bool, String> {
        match &self.smtp {
            Some(smtp) => smtp
                .send(message)
                .await
                .map(|_| true)
                .map_err(|e| e.to_string()),
            None => Ok(false),
        }
    }
}

/// Builds the SMTP connection for `url`: `smtps://host[:465]` speaks TLS
/// from the start; `smtp://host[:587]` must upgrade with STARTTLS, except on
/// a loopback host (`localhost`, `127.0.0.1`, `[::1]`), where plain SMTP on
/// port 25 (or the port given) is allowed. `user:password@` in the URL
/// (percent-encoded) signs in.
fn smtp_transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let bad = |why: &str| {
        format!(
            "CHARTA_SMTP_URL {:?} {why}; use smtp://user:password@host:587 (STARTTLS), smtps://user:password@host:465 or smtp://localhost:25",
            redact(url)
        )
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("names no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let builder = match parsed.scheme() {
        "smtps" => AsyncSmtpTransport::<Tokio1Executor>::relay(&host)
            .map_err(|e| bad(&format!("cannot use TLS with that host ({e})")))?,
        "smtp" if loopback => {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host).port(25)
        }
        "smtp" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host)
            .map_err(|e| bad(&format!("cannot use STARTTLS with that host ({e})")))?,
        other => return Err(bad(&format!("has the scheme {other:?}"))),
    };
    let mut builder = builder.timeout(Some(Duration::from_secs(30)));
    if let Some(port) = parsed.port() {
        builder = builder.port(port);
    }
    if !parsed.username().is_empty() {
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| {
                bad("has a user name or password that is not valid percent-encoding")
            })
        };
        let user = decode(parsed.username())?;
        let password = decode(parsed.password().unwrap_or_default())?;
        builder = builder.credentials(Credentials::new(user, password));
    }
    Ok(builder.build())
}

/// The URL with its user name and password hidden, for error messages
/// and logs (even when it does not parse).
pub fn redact(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[start..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..start], &rest[at..]),
        None => url.to_string(),
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// What every message of this deployment shares.
pub struct Letterhead<'a> {
    pub from: &'a Mailbox,
    /// The host of the public URL, for `List-Id`.
    pub host: &'a str,
}

/// One message as sent: for a single outbox row, or a digest of several.
pub struct Letter<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    pub message_id: &'a str,
    pub thread: &'a str,
    /// The one-click unsubscribe URL, when the message goes to an account.
    pub unsubscribe: Option<&'a str>,
}

/// Builds the multipart message with its threading and list headers.
pub fn compose(head: &Letterhead<'_>, letter: &Letter<'_>) -> Result<Message, String> {
    let to: Mailbox = letter
        .to
        .parse()
        .map_err(|e| format!("{:?} is not a mail address: {e}", letter.to))?;
    let mut builder = Message::builder()
        .from(head.from.clone())
        .to(to)
        .subject(letter.subject)
        .message_id(Some(format!("<{}>", letter.message_id)))
        .raw_header(raw(
            "List-Id",
            format!("Charta notifications <notifications.{}>", head.host),
        )?)
        .raw_header(raw("Auto-Submitted", "auto-generated".into())?);
    if !letter.thread.is_empty() {
        builder = builder
            .in_reply_to(format!("<{}>", letter.thread))
            .references(format!("<{}>", letter.thread));
    }
    if let Some(url) = letter.unsubscribe {
        builder = builder
            .raw_header(raw("List-Unsubscribe", format!("<{url}>"))?)
            .raw_header(raw(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".into(),
            )?);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            letter.text.to_string(),
            letter.html.to_string(),
        ))
        .map_err(|e| format!("cannot build the message: {e}"))
}

fn raw(name: &'static str, value: String) -> Result<HeaderValue, String> {
    let name = HeaderName::new_from_ascii_str(name);
    Ok(HeaderValue::new(name, value))
}

/// The text of a message kept for the mailbox page or a test, as a mail
/// client would show its headers.
pub fn preview(row: &OutboxRow) -> String {
    format!(
        "To: {}\nSubject: {}\nMessage-ID: <{}>\n\n{}",
        row.address, row.subject, row.message_id, row.body_text
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_choose_tls_by_scheme_and_host() {
        assert!(smtp_transport("smtp://localhost:2525").is_ok());
        assert!(smtp_transport("smtp://127.0.0.1").is_ok());
        assert!(smtp_transport("smtps://user:p%40ss@mail.example.org").is_ok());
        assert!(smtp_transport("smtp://mail.example.org:587").is_ok());
        let err = smtp_transport("http://mail.example.org").unwrap_err();
        assert!(err.contains("scheme \"http\""), "{err}");
        let err = smtp_transport("smtp://u:secret@").unwrap_err();
        assert!(
            !err.contains("secret"),
            "passwords stay out of messages: {err}"
        );
        assert!(smtp_transport("smtp://u:%zz@localhost").is_err());
    }

    #[test]
    fn messages_carry_threading_and_one_click_unsubscribe() {
        let from: Mailbox = "Charta <charta@example.org>".parse().unwrap();
        let head = Letterhead {
            from: &from,
            host: "charta.example.org",
        };
        let message = compose(
            &head,
            &Letter {
                to: "ana@example.org",
                subject: "[oss-stewards] Ballot opened: Adopt 1.1",
                text: "Vote at https://charta.example.org/ballots/1",
                html: "<p>Vote</p>",
                message_id: "7.3.ballot.opened@charta.example.org",
                thread: "ballot.1@charta.example.org",
                unsubscribe: Some("https://charta.example.org/unsubscribe/abc"),
            },
        )
        .unwrap();
        let wire = String::from_utf8(message.formatted()).unwrap();
        for header in [
            "Message-ID: <7.3.ballot.opened@charta.example.org>",
            "In-Reply-To: <ballot.1@charta.example.org>",
            "References: <ballot.1@charta.example.org>",
            "List-Id: Charta notifications <notifications.charta.example.org>",
            "List-Unsubscribe: <https://charta.example.org/unsubscribe/abc>",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            "Content-Type: multipart/alternative",
        ] {
            assert!(wire.contains(header), "{header} missing from\n{wire}");
        }
        assert!(
            compose(
                &head,
                &Letter {
                    to: "not an address",
                    subject: "",
                    text: "",
                    html: "",
                    message_id: "x@y",
                    thread: "",
                    unsubscribe: None
                }
            )
            .is_err()
        );
    }
}
