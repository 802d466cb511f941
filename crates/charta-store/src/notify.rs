//! Notifications: people's choices, webhooks, and the outbox that every
//! e-mail and webhook delivery passes through.
//!
//! Events come from the audit log. A cursor (`notify_cursor`) records the
//! last entry whose messages have been written; [`Store::advance_notifications`]
//! moves it and writes that batch's messages in one transaction, and only
//! if nobody moved it first, so with several instances each entry is fanned
//! out once. Messages then wait in `outbox` until a sender claims them for a
//! while ([`Store::claim_outbox`]); a sender that dies leaves its claim to
//! expire, and another picks the message up. Nothing is deleted: a sent
//! message stays as the record of what was sent.

use crate::audit::{AuditEvent, audit_append};
use crate::{Pool, Store, StoreError, StoreResult, in_tx, now, on_pool};
use charta_domain::notify::{FollowKind, Mode, Topic};
use std::collections::HashMap;
use time::OffsetDateTime;

/// Inserts a [`NewMail`] in the transaction `$tx`; evaluates to its id.
macro_rules! insert_mail {
    ($tx:ident, $m:expr, $created:expr) => {{
        let m: &$crate::notify::NewMail = $m;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO outbox (channel, topic, event_seq, user_id, address, message_id, thread, subject,
                                 body_text, body_html, state, digest, next_at, created_at)
             VALUES ('mail', $1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11, $12) RETURNING id",
        )
        .bind(m.topic.as_str())
        .bind(m.event_seq)
        .bind(m.user_id)
        .bind(&m.to)
        .bind(&m.message_id)
        .bind(&m.thread)
        .bind(&m.subject)
        .bind(&m.text)
        .bind(&m.html)
        .bind(m.digest)
        .bind(m.not_before)
        .bind($created)
        .fetch_one(&mut *$tx)
        .await?;
        id
    }};
}
pub(crate) use insert_mail;

/// Inserts a [`NewDelivery`] in the transaction `$tx`, due at once;
/// evaluates to its id.
macro_rules! insert_delivery {
    ($tx:ident, $d:expr, $created:expr) => {{
        let d: &$crate::notify::NewDelivery = $d;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO outbox (channel, topic, event_seq, webhook_id, address, message_id, body_text,
                                 state, next_at, created_at)
             VALUES ('webhook', $1, $2, $3, $4, $5, $6, 'pending', $7, $7) RETURNING id",
        )
        .bind(d.topic.as_str())
        .bind(d.event_seq)
        .bind(d.webhook_id)
        .bind(&d.url)
        .bind(&d.message_id)
        .bind(&d.payload)
        .bind($created)
        .fetch_one(&mut *$tx)
        .await?;
        id
    }};
}

/// An e-mail to write to the outbox.
#[derive(Debug, Clone)]
pub struct NewMail {
    pub topic: Topic,
    /// The audit entry it announces.
    pub event_seq: Option<i64>,
    /// The account it goes to (none for an invitation).
    pub user_id: Option<i64>,
    pub to: String,
    /// The message's own `Message-ID`, without angle brackets.
    pub message_id: String,
    /// The `Message-ID` of the thread it belongs to, so that mail clients
    /// group an amendment's or a ballot's messages.
    pub thread: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Held for the daily digest instead of sent at once.
    pub digest: bool,
    /// Not sent before this time (the digest's hour, or now).
    pub not_before: OffsetDateTime,
}

/// A webhook delivery to write to the outbox.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub topic: Topic,
    pub event_seq: Option<i64>,
    pub webhook_id: i64,
    pub url: String,
    /// The `webhook-id` header: the same for every attempt and redelivery,
    /// so receivers can drop duplicates.
    pub message_id: String,
    /// The JSON body.
    pub payload: String,
}

/// A message in the outbox.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    /// `mail` or `webhook`.
    pub channel: String,
    #[sqlx(try_from = "String")]
    pub topic: Topic,
    pub event_seq: Option<i64>,
    pub user_id: Option<i64>,
    pub webhook_id: Option<i64>,
    /// The e-mail address or the webhook's URL.
    pub address: String,
    pub message_id: String,
    pub thread: String,
    pub subject: String,
    /// The text part of a mail, or a webhook's JSON body.
    pub body_text: String,
    pub body_html: String,
    /// `pending`, `sent` or `failed` (retries used up).
    pub state: String,
    pub digest: bool,
    pub attempts: i64,
    pub next_at: OffsetDateTime,
    pub last_status: Option<i64>,
    pub last_error: String,
    pub duration_ms: Option<i64>,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
}

/// The columns of [`OutboxRow`], between the statement's start and end.
macro_rules! outbox_columns {
    ($before:literal, $after:literal) => {
        concat!(
            $before,
            " id, channel, topic, event_seq, user_id, webhook_id, address, message_id, thread, subject,
              body_text, body_html, state, digest, attempts, next_at, last_status, last_error,
              duration_ms, created_at, sent_at ",
            $after
        )
    };
}

/// A registered webhook.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookRow {
    pub id: i64,
    pub group_id: i64,
    pub group_slug: String,
    pub url: String,
    /// The events it receives, space-separated.
    pub topics: String,
    /// The signing secret, as `whsec_…`.
    pub secret: String,
    pub created_by: i64,
    pub created_at: OffsetDateTime,
    /// When its deliveries started failing for good; `None` while healthy.
    pub failing_since: Option<OffsetDateTime>,
}

impl WebhookRow {
    /// The events it receives.
    pub fn topic_list(&self) -> Vec<Topic> {
        self.topics
            .split_whitespace()
            .filter_map(|t| t.parse().ok())
            .collect()
    }
}

macro_rules! webhook_select {
    ($rest:literal) => {
        concat!(
            "SELECT h.id, h.group_id, g.slug AS group_slug, h.url, h.topics, h.secret, h.created_by, h.created_at, h.failing_since
             FROM webhooks h JOIN working_groups g ON g.id = h.group_id ",
            $rest
        )
    };
}

/// A webhook to register.
#[derive(Debug, Clone)]
pub struct NewWebhook<'a> {
    pub group_id: i64,
    pub url: &'a str,
    pub topics: &'a [Topic],
    pub secret: &'a str,
    pub created_by: i64,
}

/// Someone who may be told of something.
#[derive(Debug, Clone, PartialEq, Eq, Hash, sqlx::FromRow)]
pub struct Recipient {
    pub id: i64,
    pub email: String,
    pub name: String,
}

/// What a claimed message's attempt came to.
#[derive(Debug, Clone)]
pub enum Attempt {
    /// Delivered; the receiver's status code, if it has one.
    Sent {
        status: Option<i64>,
        duration_ms: i64,
    },
    /// Not delivered; try again at `retry_at`, or never when `None`.
    Failed {
        status: Option<i64>,
        error: String,
        duration_ms: i64,
        retry_at: Option<OffsetDateTime>,
    },
}

impl Store {
    /// The last audit entry whose notifications are in the outbox.
    pub async fn notify_cursor(&self) -> StoreResult<i64> {
        let seq = on_pool!(self, p => sqlx::query_scalar("SELECT seq FROM notify_cursor WHERE id = 1")
            .fetch_one(p)
            .await)?;
        Ok(seq)
    }

    /// Moves the cursor from `from` to `to` and writes the messages of the
    /// entries in between, all at once; returns `false` and writes nothing
    /// when the cursor is no longer at `from` (another instance got there
    /// first).
    pub async fn advance_notifications(
        &self,
        from: i64,
        to: i64,
        mails: &[NewMail],
        deliveries: &[NewDelivery],
    ) -> StoreResult<bool> {
        let created = now();
        let moved = in_tx!(self, tx => {
            let moved = sqlx::query("UPDATE notify_cursor SET seq = $1 WHERE id = 1 AND seq = $2")
                .bind(to)
                .bind(from)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if moved == 1 {
                for m in mails {
                    insert_mail!(tx, m, created);
                }
                for d in deliveries {
                    insert_delivery!(tx, d, created);
                }
            }
            moved == 1
        });
        Ok(moved)
    }

    /// Claims up to `limit` messages that are due at `now`, for
    /// `lease` seconds, and counts the attempt. Digest mail is claimed by
    /// [`Store::claim_digests`] instead. On PostgreSQL, rows another
    /// sender is claiming are skipped rather than waited for.
    pub async fn claim_outbox(
        &self,
        at: OffsetDateTime,
        lease: time::Duration,
        limit: i64,
    ) -> StoreResult<Vec<OutboxRow>> {
        self.claim(at, lease, limit, false).await
    }

    /// Claims the due digest mail (up to `limit` messages), ordered by
    /// recipient so that each person's items can be sent as one message.
    pub async fn claim_digests(
        &self,
        at: OffsetDateTime,
        lease: time::Duration,
        limit: i64,
    ) -> StoreResult<Vec<OutboxRow>> {
        let mut rows = self.claim(at, lease, limit, true).await?;
        rows.sort_by_key(|r| (r.user_id, r.id));
        Ok(rows)
    }

    async fn claim(
        &self,
        at: OffsetDateTime,
        lease: time::Duration,
        limit: i64,
        digest: bool,
    ) -> StoreResult<Vec<OutboxRow>> {
        // The same statement for both, but PostgreSQL skips rows another
        // sender is claiming instead of waiting for them.
        let sql = match self.pool {
            Pool::Sqlite(_) => outbox_columns!(
                "UPDATE outbox SET claimed_until = $1, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM outbox
                              WHERE state = 'pending' AND digest = $2 AND next_at <= $3
                                AND (claimed_until IS NULL OR claimed_until < $3)
                              ORDER BY next_at, id LIMIT $4) RETURNING",
                ""
            ),
            Pool::Postgres(_) => outbox_columns!(
                "UPDATE outbox SET claimed_until = $1, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM outbox
                              WHERE state = 'pending' AND digest = $2 AND next_at <= $3
                                AND (claimed_until IS NULL OR claimed_until < $3)
                              ORDER BY next_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING",
                ""
            ),
        };
        let rows = in_tx!(self, tx => sqlx::query_as::<_, OutboxRow>(sql)
            .bind(at + lease)
            .bind(digest)
            .bind(at)
            .bind(limit.max(0))
            .fetch_all(&mut *tx)
            .await?);
        let mut rows = rows;
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    }

    /// Records how an attempt at the claimed message `id` went.
    pub async fn finish_attempt(&self, id: i64, outcome: &Attempt) -> StoreResult<()> {
        let at = now();
        on_pool!(self, p => match outcome {
            Attempt::Sent { status, duration_ms } => sqlx::query(
                "UPDATE outbox SET state = 'sent', sent_at = $1, claimed_until = NULL, last_status = $2,
                                   duration_ms = $3, last_error = '' WHERE id = $4",
            )
            .bind(at)
            .bind(*status)
            .bind(*duration_ms)
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
            Attempt::Failed { status, error, duration_ms, retry_at } => sqlx::query(
                "UPDATE outbox SET state = $1, next_at = COALESCE($2, next_at), claimed_until = NULL,
                                   last_status = $3, last_error = $4, duration_ms = $5 WHERE id = $6",
            )
            .bind(if retry_at.is_some() { "pending" } else { "failed" })
            .bind(*retry_at)
            .bind(*status)
            .bind(error)
            .bind(*duration_ms)
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
        })?;
        Ok(())
    }

    /// Messages of one channel, newest first: the demo's mailbox, and what
    /// tests and operators look at.
    pub async fn outbox(&self, channel: &str, limit: i64) -> StoreResult<Vec<OutboxRow>> {
        let sql = outbox_columns!(
            "SELECT",
            "FROM outbox WHERE channel = $1 ORDER BY id DESC LIMIT $2"
        );
        let rows = on_pool!(self, p => sqlx::query_as(sql)
            .bind(channel)
            .bind(limit.max(0))
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// How many messages wait to be sent (due or not), for metrics.
    pub async fn outbox_pending(&self) -> StoreResult<i64> {
        let n = on_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
            .fetch_one(p)
            .await)?;
        Ok(n)
    }

    /// The choices a person made; topics they left alone are absent.
    pub async fn notification_prefs(&self, user_id: i64) -> StoreResult<HashMap<Topic, Mode>> {
        let rows: Vec<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT topic, mode FROM notification_prefs WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(t, m)| Some((t.parse().ok()?, m.parse().ok()?)))
            .collect())
    }

    /// Everyone's choice for one topic, by account.
    pub async fn prefs_for_topic(&self, topic: Topic) -> StoreResult<HashMap<i64, Mode>> {
        let rows: Vec<(i64, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT user_id, mode FROM notification_prefs WHERE topic = $1",
        )
        .bind(topic.as_str())
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(u, m)| Some((u, m.parse().ok()?)))
            .collect())
    }

    /// Stores a person's choices (each topic given replaces the old one).
    pub async fn set_notification_prefs(
        &self,
        user_id: i64,
        prefs: &[(Topic, Mode)],
    ) -> StoreResult<()> {
        let actor = format!("user:{user_id}");
        in_tx!(self, tx => {
            for (topic, mode) in prefs {
                sqlx::query(
                    "INSERT INTO notification_prefs (user_id, topic, mode) VALUES ($1, $2, $3)
                     ON CONFLICT (user_id, topic) DO UPDATE SET mode = excluded.mode",
                )
                .bind(user_id)
                .bind(topic.as_str())
                .bind(mode.as_str())
                .execute(&mut *tx)
                .await?;
            }
            let details: serde_json::Map<String, serde_json::Value> = prefs
                .iter()
                .map(|(t, m)| (t.as_str().to_string(), m.as_str().into()))
                .collect();
            audit_append!(tx, &AuditEvent {
                actor: &actor,
                action: "account.notifications.set",
                object: &actor,
                details: serde_json::Value::Object(details),
            });
        });
        Ok(())
    }

    /// Members of the group with an address their provider vouched for.
    pub async fn group_recipients(&self, group_id: i64) -> StoreResult<Vec<Recipient>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT DISTINCT u.id, u.email, u.name FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.group_id = $1 AND u.email <> '' AND u.email_verified ORDER BY u.id",
        )
        .bind(group_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// The representatives and alternates of the group, with the
    /// organisation each speaks for.
    pub async fn voter_recipients(&self, group_id: i64) -> StoreResult<Vec<(i64, Recipient)>> {
        let rows: Vec<(i64, i64, String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT m.organization_id, u.id, u.email, u.name FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.group_id = $1 AND m.role IN ('representative', 'alternate')
               AND u.email <> '' AND u.email_verified ORDER BY u.id",
        )
        .bind(group_id)
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(org, id, email, name)| (org, Recipient { id, email, name }))
            .collect())
    }

    /// An amendment's author, everyone who wrote in its threads and the
    /// reviewers asked to look at it.
    pub async fn amendment_recipients(&self, amendment_id: i64) -> StoreResult<Vec<Recipient>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT u.id, u.email, u.name FROM users u
             WHERE u.email <> '' AND u.email_verified AND (
                   u.id IN (SELECT author_id FROM amendments WHERE id = $1)
                OR u.id IN (SELECT c.author_id FROM review_comments c JOIN review_threads t ON t.id = c.thread_id
                            WHERE t.amendment_id = $1)
                OR u.id IN (SELECT user_id FROM review_requests WHERE amendment_id = $1))
             ORDER BY u.id",
        )
        .bind(amendment_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// One account as a recipient, if it has an address to write to.
    pub async fn recipient(&self, user_id: i64) -> StoreResult<Option<Recipient>> {
        let row = on_pool!(self, p => sqlx::query_as(
            "SELECT id, email, name FROM users WHERE id = $1 AND email <> '' AND email_verified",
        )
        .bind(user_id)
        .fetch_optional(p)
        .await)?;
        Ok(row)
    }

    /// Registers a webhook, with a `webhook.create` audit entry (which
    /// names the URL and events, never the secret).
    pub async fn create_webhook(&self, h: NewWebhook<'_>) -> StoreResult<i64> {
        let topics: Vec<&str> = h.topics.iter().map(|t| t.as_str()).collect();
        let topics = topics.join(" ");
        let actor = format!("user:{}", h.created_by);
        let id = in_tx!(self, tx => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO webhooks (group_id, url, topics, secret, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(h.group_id)
            .bind(h.url)
            .bind(&topics)
            .bind(h.secret)
            .bind(h.created_by)
            .bind(now())
            .fetch_one(&mut *tx)
            .await?;
            let object = format!("webhook:{id}");
            audit_append!(tx, &AuditEvent {
                actor: &actor,
                action: "webhook.create",
                object: &object,
                details: serde_json::json!({"group": h.group_id, "url": h.url, "events": topics}),
            });
            id
        });
        Ok(id)
    }

    /// The group's webhooks, oldest first (deleted ones are gone).
    pub async fn webhooks(&self, group_id: i64) -> StoreResult<Vec<WebhookRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            webhook_select!("WHERE h.group_id = $1 AND h.deleted_at IS NULL ORDER BY h.id"),
        )
        .bind(group_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// One webhook of the group.
    pub async fn webhook(&self, group_id: i64, id: i64) -> StoreResult<WebhookRow> {
        let row: Option<WebhookRow> = on_pool!(self, p => sqlx::query_as(
            webhook_select!("WHERE h.id = $1 AND h.group_id = $2 AND h.deleted_at IS NULL"),
        )
        .bind(id)
        .bind(group_id)
        .fetch_optional(p)
        .await)?;
        row.ok_or_else(|| StoreError::NotFound(format!("webhook {id}")))
    }

    /// Removes a webhook: it gets nothing more, and its pending deliveries
    /// are dropped. Its delivery log stays.
    pub async fn delete_webhook(&self, group_id: i64, id: i64, actor: &str) -> StoreResult<()> {
        in_tx!(self, tx => {
            let gone = sqlx::query(
                "UPDATE webhooks SET deleted_at = $1 WHERE id = $2 AND group_id = $3 AND deleted_at IS NULL",
            )
            .bind(now())
            .bind(id)
            .bind(group_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if gone == 0 {
                return Err(StoreError::NotFound(format!("webhook {id}")));
            }
            sqlx::query(
                "UPDATE outbox SET state = 'failed', last_error = 'the webhook was deleted'
                 WHERE webhook_id = $1 AND state = 'pending'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let object = format!("webhook:{id}");
            audit_append!(tx, &AuditEvent { actor, action: "webhook.delete", object: &object, details: serde_json::json!({}) });
        });
        Ok(())
    }

    /// Every live webhook of the group that receives `topic`.
    pub async fn webhooks_for(&self, group_id: i64, topic: Topic) -> StoreResult<Vec<WebhookRow>> {
        Ok(self
            .webhooks(group_id)
            .await?
            .into_iter()
            .filter(|h| h.topic_list().contains(&topic))
            .collect())
    }

    /// Marks a webhook failing (its retries ran out); returns `true` when
    /// it was healthy until now, so the chair is told once.
    pub async fn webhook_failing(&self, id: i64) -> StoreResult<bool> {
        let changed = on_pool!(self, p => sqlx::query(
            "UPDATE webhooks SET failing_since = $1 WHERE id = $2 AND failing_since IS NULL",
        )
        .bind(now())
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(changed == 1)
    }

    /// Marks a webhook healthy again after a delivery got through.
    pub async fn webhook_healthy(&self, id: i64) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query("UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL")
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The newest deliveries to one webhook.
    pub async fn webhook_deliveries(
        &self,
        webhook_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<OutboxRow>> {
        let sql = outbox_columns!(
            "SELECT",
            "FROM outbox WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2"
        );
        let rows = on_pool!(self, p => sqlx::query_as(sql)
            .bind(webhook_id)
            .bind(limit.max(0))
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// Queues a delivery of the webhook again, with the same `webhook-id`
    /// and body, to be sent at once; returns the new delivery's id.
    pub async fn redeliver(
        &self,
        webhook_id: i64,
        delivery_id: i64,
        actor: &str,
    ) -> StoreResult<i64> {
        let at = now();
        let id = in_tx!(self, tx => {
            let sql = outbox_columns!("SELECT", "FROM outbox WHERE id = $1 AND webhook_id = $2");
            let old: Option<OutboxRow> = sqlx::query_as(sql)
                .bind(delivery_id)
                .bind(webhook_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(old) = old else {
                return Err(StoreError::NotFound(format!("delivery {delivery_id} of webhook {webhook_id}")));
            };
            let copy = NewDelivery {
                topic: old.topic,
                event_seq: old.event_seq,
                webhook_id,
                url: old.address,
                message_id: old.message_id,
                payload: old.body_text,
            };
            let id = insert_delivery!(tx, &copy, at);
            let object = format!("webhook:{webhook_id}");
            audit_append!(tx, &AuditEvent {
                actor,
                action: "webhook.redeliver",
                object: &object,
                details: serde_json::json!({"delivery": delivery_id, "new_delivery": id}),
            });
            id
        });
        Ok(id)
    }
}

impl Store {
    /// Records a `ballot.remind` entry for each open ballot that closes
    /// before `at + within` and whose voters have not been reminded in its
    /// current round; returns those ballots. A ballot is reminded once per
    /// round, whichever instance gets to it.
    pub async fn remind_ballots(
        &self,
        at: OffsetDateTime,
        within: time::Duration,
    ) -> StoreResult<Vec<i64>> {
        let due: Vec<(i64, i64, OffsetDateTime)> = on_pool!(self, p => sqlx::query_as(
            "SELECT b.id, CAST(b.round AS BIGINT), b.closes_at FROM ballots b
             WHERE b.state = 'open' AND b.closes_at > $1 AND b.closes_at <= $2
               AND NOT EXISTS (SELECT 1 FROM ballot_reminders r WHERE r.ballot_id = b.id AND r.round = b.round)
             ORDER BY b.id",
        )
        .bind(at)
        .bind(at + within)
        .fetch_all(p)
        .await)?;
        let mut reminded = Vec::new();
        for (id, round, closes_at) in due {
            let fresh = in_tx!(self, tx => {
                let added = sqlx::query(
                    "INSERT INTO ballot_reminders (ballot_id, round) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(round)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if added == 1 {
                    let object = format!("ballot:{id}");
                    let closes = closes_at
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default();
                    audit_append!(tx, &AuditEvent {
                        actor: "system:reminders",
                        action: "ballot.remind",
                        object: &object,
                        details: serde_json::json!({"round": round, "closes_at": closes}),
                    });
                }
                added == 1
            });
            if fresh {
                reminded.push(id);
            }
        }
        Ok(reminded)
    }
}

impl Store {
    /// The key that signs unsubscribe links (made by the migration).
    pub async fn notify_secret(&self) -> StoreResult<String> {
        let key = on_pool!(self, p => sqlx::query_scalar("SELECT key FROM notify_secret WHERE id = 1")
            .fetch_one(p)
            .await)?;
        Ok(key)
    }
}

impl Store {
    /// Writes one e-mail to the outbox on its own (such as the notice to a
    /// group's chairs that a webhook is failing).
    pub async fn enqueue_mail(&self, mail: &NewMail) -> StoreResult<i64> {
        let id = in_tx!(self, tx => insert_mail!(tx, mail, now()));
        Ok(id)
    }

    /// The chairs of a group who have an address to write to.
    pub async fn chair_recipients(&self, group_id: i64) -> StoreResult<Vec<Recipient>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT DISTINCT u.id, u.email, u.name FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.group_id = $1 AND m.role = 'chair' AND u.email <> '' AND u.email_verified ORDER BY u.id",
        )
        .bind(group_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// The group (id and slug) a webhook belongs to, deleted or not.
    pub async fn webhook_group(&self, id: i64) -> StoreResult<Option<(i64, String)>> {
        let row = on_pool!(self, p => sqlx::query_as(
            "SELECT g.id, g.slug FROM webhooks h JOIN working_groups g ON g.id = h.group_id WHERE h.id = $1",
        )
        .bind(id)
        .fetch_optional(p)
        .await)?;
        Ok(row)
    }

    /// A live webhook's secret; `None` once it is deleted.
    pub async fn webhook_secret(&self, id: i64) -> StoreResult<Option<String>> {
        let row = on_pool!(self, p => sqlx::query_scalar(
            "SELECT secret FROM webhooks WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(id)
        .fetch_optional(p)
        .await)?;
        Ok(row)
    }
}

/// Something a person follows to hear of its releases.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FollowRow {
    pub id: i64,
    pub user_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: FollowKind,
    /// A specification's slug, or a catalog item's identifier.
    pub subject: String,
    pub created_at: OffsetDateTime,
}

impl Store {
    /// What a person follows, oldest first.
    pub async fn follows(&self, user_id: i64) -> StoreResult<Vec<FollowRow>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT id, user_id, kind, subject, created_at FROM follows WHERE user_id = $1 ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// Starts following something, with an `account.follow` audit entry.
    /// Following what one already follows changes nothing and returns the
    /// existing row.
    pub async fn follow(
        &self,
        user_id: i64,
        kind: FollowKind,
        subject: &str,
    ) -> StoreResult<FollowRow> {
        let actor = format!("user:{user_id}");
        let row = in_tx!(self, tx => {
            let added: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO follows (user_id, kind, subject, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (user_id, kind, subject) DO NOTHING RETURNING id",
            )
            .bind(user_id)
            .bind(kind.as_str())
            .bind(subject)
            .bind(now())
            .fetch_optional(&mut *tx)
            .await?;
            if added.is_some() {
                audit_append!(tx, &AuditEvent {
                    actor: &actor,
                    action: "account.follow",
                    object: &actor,
                    details: serde_json::json!({"kind": kind.as_str(), "subject": subject}),
                });
            }
            let row: FollowRow = sqlx::query_as(
                "SELECT id, user_id, kind, subject, created_at FROM follows
                 WHERE user_id = $1 AND kind = $2 AND subject = $3",
            )
            .bind(user_id)
            .bind(kind.as_str())
            .bind(subject)
            .fetch_one(&mut *tx)
            .await?;
            row
        });
        Ok(row)
    }

    /// Stops following, with an `account.unfollow` audit entry, and returns
    /// the follow removed; someone else's follow is not found.
    pub async fn unfollow(&self, user_id: i64, id: i64) -> StoreResult<FollowRow> {
        let actor = format!("user:{user_id}");
        let row = in_tx!(self, tx => {
            let gone: Option<FollowRow> = sqlx::query_as(
                "DELETE FROM follows WHERE id = $1 AND user_id = $2
                 RETURNING id, user_id, kind, subject, created_at",
            )
            .bind(id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = gone else {
                return Err(StoreError::NotFound(format!("follow {id} (see your account page for what you follow)")));
            };
            audit_append!(tx, &AuditEvent {
                actor: &actor,
                action: "account.unfollow",
                object: &actor,
                details: serde_json::json!({"kind": row.kind.as_str(), "subject": row.subject}),
            });
            row
        });
        Ok(row)
    }

    /// People who follow a release's specification, or a catalog item one
    /// of that version's controls maps to, with an address their provider
    /// vouched for.
    pub async fn release_followers(
        &self,
        spec_id: i64,
        spec_slug: &str,
        version: i64,
    ) -> StoreResult<Vec<Recipient>> {
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT u.id, u.email, u.name FROM users u
             WHERE u.email <> '' AND u.email_verified AND u.id IN (
                 SELECT f.user_id FROM follows f
                 WHERE (f.kind = 'spec' AND f.subject = $1)
                    OR (f.kind = 'clause' AND f.subject IN (
                        SELECT target FROM version_mappings WHERE spec_id = $2 AND version = $3)))
             ORDER BY u.id",
        )
        .bind(spec_slug)
        .bind(spec_id)
        .bind(version)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }
}
