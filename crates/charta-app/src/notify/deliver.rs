//! The sender: takes due messages from the outbox and delivers them.

use super::mail::{Letter, Letterhead, compose};
use super::plan::host_of;
use super::prefs::unsubscribe_url;
use super::{MailTransport, webhook};
use crate::app::App;
use crate::error::Error;
use charta_domain::notify::{Topic, retry_delay};
use charta_store::{Attempt, NewMail, OutboxRow};
use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;
use std::time::Instant;
use time::OffsetDateTime;

/// Messages claimed per pass.
const BATCH: i64 = 50;
/// Deliveries in flight at once.
const PARALLEL: usize = 8;
/// Digest items claimed per pass (several people's).
const DIGEST_BATCH: i64 = 1000;

/// Delivers every message due at `at` (the clock is a parameter so that
/// tests can let a day pass); returns how many attempts it made.
pub async fn deliver(app: &App, at: OffsetDateTime) -> Result<usize, Error> {
    let lease = app.settings.notify.lease;
    let mut attempts = 0;
    loop {
        let rows = app.store.claim_outbox(at, lease, BATCH).await?;
        if rows.is_empty() {
            break;
        }
        attempts += rows.len();
        // A few at once: each delivery mostly waits on the network.
        let mut waiting = rows.iter();
        let mut running = FuturesUnordered::new();
        loop {
            while running.len() < PARALLEL {
                match waiting.next() {
                    Some(row) => running.push(deliver_one(app, row, at)),
                    None => break,
                }
            }
            match running.next().await {
                Some(done) => done?,
                None => break,
            }
        }
    }
    let digests = app.store.claim_digests(at, lease, DIGEST_BATCH).await?;
    for person in digests.chunk_by(|a, b| a.user_id == b.user_id) {
        attempts += 1;
        let rows: Vec<&OutboxRow> = person.iter().collect();
        let outcome = send_mail(app, &rows, at).await;
        for row in person {
            finish(app, row, outcome.clone()).await?;
        }
    }
    Ok(attempts)
}

/// Delivers one claimed message and records the attempt.
async fn deliver_one(app: &App, row: &OutboxRow, at: OffsetDateTime) -> Result<(), Error> {
    let outcome = match row.channel.as_str() {
        "webhook" => send_webhook(app, row, at).await,
        _ => send_mail(app, &[row], at).await,
    };
    finish(app, row, outcome).await
}

/// Records an attempt; when a webhook's retries ran out, marks it failing
/// and tells the group's chairs (once, until it works again).
async fn finish(app: &App, row: &OutboxRow, outcome: Attempt) -> Result<(), Error> {
    let gave_up = matches!(outcome, Attempt::Failed { retry_at: None, .. });
    if let Attempt::Failed { error, .. } = &outcome {
        tracing::warn!(
            message = row.id,
            channel = %row.channel,
            attempt = row.attempts,
            gave_up,
            %error,
            "delivery failed"
        );
    }
    let sent = matches!(outcome, Attempt::Sent { .. });
    app.store.finish_attempt(row.id, &outcome).await?;
    if let Some(hook) = row.webhook_id {
        if sent {
            app.store.webhook_healthy(hook).await?;
        } else if gave_up && app.store.webhook_failing(hook).await? {
            tell_chairs(app, hook, row).await?;
        }
    }
    Ok(())
}

/// Writes a message to the chairs of the hook's group: its deliveries
/// have stopped getting through.
async fn tell_chairs(app: &App, hook_id: i64, row: &OutboxRow) -> Result<(), Error> {
    if !app.settings.notify.mail_on() {
        return Ok(());
    }
    let Some((group_id, group_slug)) = app.store.webhook_group(hook_id).await? else {
        return Ok(());
    };
    let host = host_of(&app.settings.public_url);
    let url = format!("{}/groups/{group_slug}/webhooks", app.settings.public_url);
    let text = format!(
        "Deliveries to the webhook {} keep failing; the last answer was: {}.\n\nCharta stopped retrying them. Its delivery log shows each attempt and can send them again: {url}",
        row.address,
        match &row.last_status {
            Some(s) => format!("HTTP {s}"),
            None => "no answer".into(),
        }
    );
    let html = format!(
        "<p>{}</p>",
        super::plan::escape(&text).replace("\n\n", "</p><p>")
    );
    for chair in app.store.chair_recipients(group_id).await? {
        app.store
            .enqueue_mail(&NewMail {
                topic: Topic::WebhookFailing,
                event_seq: None,
                user_id: Some(chair.id),
                to: chair.email.clone(),
                message_id: format!("hook.{hook_id}.{}.{}@{host}", row.id, chair.id),
                thread: format!("webhook.{hook_id}@{host}"),
                subject: format!("[{group_slug}] A webhook is failing: {}", row.address),
                text: text.clone(),
                html: html.clone(),
                digest: false,
                not_before: charta_store::now(),
            })
            .await?;
    }
    Ok(())
}

fn millis(started: Instant) -> i64 {
    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// The next attempt's time after `attempts` tries, the last at `at`, or
/// `None` when the schedule is spent.
fn retry(at: OffsetDateTime, attempts: i64) -> Option<OffsetDateTime> {
    let attempts = u32::try_from(attempts).ok()?;
    retry_delay(attempts).map(|d| at + d)
}

async fn send_webhook(app: &App, row: &OutboxRow, at: OffsetDateTime) -> Attempt {
    let Some(hook_id) = row.webhook_id else {
        return Attempt::Failed {
            status: None,
            error: "a webhook delivery without a webhook".into(),
            duration_ms: 0,
            retry_at: None,
        };
    };
    let secret = match app.store.webhook_secret(hook_id).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Attempt::Failed {
                status: None,
                error: "the webhook was deleted".into(),
                duration_ms: 0,
                retry_at: None,
            };
        }
        Err(e) => {
            return Attempt::Failed {
                status: None,
                error: format!("cannot read the webhook: {e}"),
                duration_ms: 0,
                retry_at: retry(at, row.attempts),
            };
        }
    };
    let out = webhook::post(
        &row.address,
        &secret,
        &row.message_id,
        &row.body_text,
        app.settings.notify.allow_private_webhooks,
    )
    .await;
    let status = out.status.map(i64::from);
    match out.error {
        None => Attempt::Sent {
            status,
            duration_ms: out.duration_ms,
        },
        Some(error) => Attempt::Failed {
            status,
            error,
            duration_ms: out.duration_ms,
            retry_at: if out.permanent {
                None
            } else {
                retry(at, row.attempts)
            },
        },
    }
}

/// Sends one message: a single row, or several rows of one person's
/// digest as one message.
async fn send_mail(app: &App, rows: &[&OutboxRow], at: OffsetDateTime) -> Attempt {
    let started = Instant::now();
    let Some(first) = rows.first() else {
        return Attempt::Sent {
            status: None,
            duration_ms: 0,
        };
    };
    let Some(mailer) = app.mailer() else {
        return Attempt::Failed {
            status: None,
            error: "mail is not configured".into(),
            duration_ms: 0,
            retry_at: retry(at, first.attempts),
        };
    };
    if app.settings.notify.transport == MailTransport::Mailbox {
        // Kept for the mailbox page: delivered as far as this deployment goes.
        return Attempt::Sent {
            status: None,
            duration_ms: millis(started),
        };
    }
    let host = host_of(&app.settings.public_url);
    let unsubscribe = match (rows.len(), first.user_id) {
        (1, Some(user)) if Topic::CHOOSABLE.contains(&first.topic) => {
            unsubscribe_url(app, user, first.topic).await.ok()
        }
        _ => None,
    };
    let (subject, text, html, message_id);
    if rows.len() == 1 {
        subject = first.subject.clone();
        text = first.body_text.clone();
        html = first.body_html.clone();
        message_id = first.message_id.clone();
    } else {
        subject = format!("Charta daily digest: {} updates", rows.len());
        text = rows
            .iter()
            .map(|r| format!("{}\n\n{}", r.subject, r.body_text))
            .collect::<Vec<_>>()
            .join("\n\n----\n\n");
        html = rows
            .iter()
            .map(|r| {
                format!(
                    "<h2>{}</h2>{}",
                    super::plan::escape(&r.subject),
                    body_of(&r.body_html)
                )
            })
            .collect::<Vec<_>>()
            .join("<hr>");
        message_id = format!("digest.{}.{}@{host}", first.id, first.user_id.unwrap_or(0));
    }
    let head = Letterhead {
        from: mailer.from(),
        host: &host,
    };
    let letter = Letter {
        to: &first.address,
        subject: &subject,
        text: &text,
        html: &html,
        message_id: &message_id,
        thread: if rows.len() == 1 { &first.thread } else { "" },
        unsubscribe: unsubscribe.as_deref(),
    };
    let message = match compose(&head, &letter) {
        Ok(m) => m,
        Err(error) => {
            return Attempt::Failed {
                status: None,
                error,
                duration_ms: millis(started),
                retry_at: None,
            };
        }
    };
    match mailer.send(message).await {
        Ok(_) => Attempt::Sent {
            status: None,
            duration_ms: millis(started),
        },
        Err(error) => Attempt::Failed {
            status: None,
            error,
            duration_ms: millis(started),
            retry_at: retry(at, first.attempts),
        },
    }
}

/// The inside of an HTML body, to put several into one digest.
fn body_of(html: &str) -> &str {
    let start = html.find("<body>").map(|i| i + 6).unwrap_or(0);
    let end = html.rfind("</body>").unwrap_or(html.len());
    html.get(start..end).unwrap_or(html)
}
