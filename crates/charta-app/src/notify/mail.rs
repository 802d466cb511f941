//! E-mail: the SMTP connection and the messages as they go on the wire.

use super::{MailTransport, NotifySettings};
use crate::error::Error;
use charta_store::OutboxRow;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// Sends mail, or keeps it for the mailbox page, as configured.
pub struct Mailer {
    smtp: Option<Smtp>,
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
            MailTransport::Smtp(url) => Some(Smtp::parse(url).map_err(Error::BadRequest)?),
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
            Some(smtp) => smtp.send(&message).await.map(|()| true),
            None => Ok(false),
        }
    }
}

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    /// TLS from the first byte (`smtps://`).
    Tls,
    /// Plain at first, then upgraded with STARTTLS, which the server must
    /// offer (`smtp://` to any host but loopback).
    StartTls,
    /// Never encrypted: only to a loopback host.
    Plain,
}

/// An SMTP server as `CHARTA_SMTP_URL` names it.
struct Smtp {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    /// Used for `smtps://`; the other two connect through [`Smtp::connect`].
    tls_transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
}

/// How long connecting, and each command, may take.
const TIMEOUT: Duration = Duration::from_secs(30);

impl Smtp {
    /// Reads `url`: `smtps://host[:465]` speaks TLS from the start;
    /// `smtp://host[:587]` must upgrade with STARTTLS, except on a loopback
    /// host (`localhost`, `127.0.0.1`, `[::1]`), where plain SMTP on port
    /// 25 (or the port given) is allowed. `user:password@` in the URL
    /// (percent-encoded) signs in.
    fn parse(url: &str) -> Result<Smtp, String> {
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
        let (security, default_port) = match parsed.scheme() {
            "smtps" => (Security::Tls, 465),
            "smtp" if loopback => (Security::Plain, 25),
            "smtp" => (Security::StartTls, 587),
            other => return Err(bad(&format!("has the scheme {other:?}"))),
        };
        let port = parsed.port().unwrap_or(default_port);
        let credentials = if parsed.username().is_empty() {
            None
        } else {
            let decode = |s: &str| {
                percent_decode(s).ok_or_else(|| {
                    bad("has a user name or password that is not valid percent-encoding")
                })
            };
            let user = decode(parsed.username())?;
            let password = decode(parsed.password().unwrap_or_default())?;
            Some(Credentials::new(user, password))
        };
        let tls_transport = if security == Security::Tls {
            let mut b = AsyncSmtpTransport::<Tokio1Executor>::relay(&host)
                .map_err(|e| bad(&format!("cannot use TLS with that host ({e})")))?
                .port(port)
                .timeout(Some(TIMEOUT));
            if let Some(c) = &credentials {
                b = b.credentials(c.clone());
            }
            Some(b.build())
        } else {
            if security == Security::StartTls {
                TlsParameters::new(host.clone())
                    .map_err(|e| bad(&format!("cannot use STARTTLS with that host ({e})")))?;
            }
            None
        };
        Ok(Smtp {
            host,
            port,
            security,
            credentials,
            tls_transport,
        })
    }

    async fn send(&self, message: &Message) -> Result<(), String> {
        if let Some(t) = &self.tls_transport {
            return t
                .send(message.clone())
                .await
                .map(|_| ())
                .map_err(|e| e.to_string());
        }
        let mut conn = tokio::time::timeout(TIMEOUT, self.connect())
            .await
            .map_err(|_| {
                format!(
                    "no answer from {}:{} within {TIMEOUT:?}",
                    self.host, self.port
                )
            })??;
        let sent =
            tokio::time::timeout(TIMEOUT, conn.send(message.envelope(), &message.formatted()))
                .await;
        match sent {
            Ok(Ok(_)) => {
                // The message is accepted; a failed goodbye changes nothing.
                let _ = tokio::time::timeout(TIMEOUT, conn.quit()).await;
                Ok(())
            }
            Ok(Err(e)) => {
                conn.abort().await;
                Err(e.to_string())
            }
            Err(_) => Err(format!(
                "{}:{} did not take the message within {TIMEOUT:?}",
                self.host, self.port
            )),
        }
    }

    /// Opens a connection with Nagle's algorithm off: the message body and
    /// its closing dot go out as two writes, and with Nagle on the second
    /// waits for the server's delayed acknowledgement (about 40 ms a
    /// message on Linux).
    async fn connect(&self) -> Result<AsyncSmtpConnection, String> {
        let tcp = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| format!("cannot connect to {}:{}: {e}", self.host, self.port))?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        let hello = ClientId::default();
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello)
            .await
            .map_err(|e| e.to_string())?;
        if self.security == Security::StartTls {
            if !conn.can_starttls() {
                conn.abort().await;
                return Err(format!(
                    "{}:{} does not offer STARTTLS; Charta sends mail unencrypted only to a loopback host",
                    self.host, self.port
                ));
            }
            let tls = TlsParameters::new(self.host.clone()).map_err(|e| e.to_string())?;
            conn.starttls(tls, &hello)
                .await
                .map_err(|e| format!("STARTTLS with {}: {e}", self.host))?;
        }
        if let Some(c) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c)
                .await
                .map_err(|e| format!("signing in to {}: {e}", self.host))?;
        }
        Ok(conn)
    }
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
        let of =
            |url: &str| Smtp::parse(url).map(|s| (s.security, s.port, s.credentials.is_some()));
        assert_eq!(
            of("smtp://localhost:2525"),
            Ok((Security::Plain, 2525, false))
        );
        assert_eq!(of("smtp://127.0.0.1"), Ok((Security::Plain, 25, false)));
        assert_eq!(
            of("smtps://user:p%40ss@mail.example.org"),
            Ok((Security::Tls, 465, true))
        );
        assert_eq!(
            of("smtp://mail.example.org"),
            Ok((Security::StartTls, 587, false))
        );
        let err = of("http://mail.example.org").unwrap_err();
        assert!(err.contains("scheme \"http\""), "{err}");
        let err = of("smtp://u:secret@").unwrap_err();
        assert!(
            !err.contains("secret"),
            "passwords stay out of messages: {err}"
        );
        assert!(of("smtp://u:%zz@localhost").is_err());
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
