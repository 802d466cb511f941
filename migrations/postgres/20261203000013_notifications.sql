-- Notifications: people's choices, webhooks, and the outbox every e-mail
-- and webhook delivery passes through.
-- Same logical schema as ../sqlite/20261203000013_notifications.sql.

-- What each person chose per kind of event; no row means the default.
CREATE TABLE notification_prefs (
    user_id BIGINT NOT NULL REFERENCES users (id),
    topic   TEXT NOT NULL,
    mode    TEXT NOT NULL CHECK (mode IN ('immediate', 'digest', 'never')),
    PRIMARY KEY (user_id, topic)
);

-- Webhooks a group's chair registered.
CREATE TABLE webhooks (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id      BIGINT NOT NULL REFERENCES working_groups (id),
    url           TEXT NOT NULL,
    topics        TEXT NOT NULL,
    secret        TEXT NOT NULL,
    created_by    BIGINT NOT NULL REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL,
    -- Set when a delivery used up its retries; cleared by the next success.
    failing_since TIMESTAMPTZ,
    deleted_at    TIMESTAMPTZ
);
CREATE INDEX webhooks_group ON webhooks (group_id);

-- The last audit entry whose notifications have been written to the outbox.
CREATE TABLE notify_cursor (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
-- Entries made before notifications existed are history, not news.
INSERT INTO notify_cursor (id, seq) SELECT 1, seq FROM audit_head;

-- One e-mail to one address, or one webhook delivery to one hook.
CREATE TABLE outbox (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel       TEXT NOT NULL CHECK (channel IN ('mail', 'webhook')),
    topic         TEXT NOT NULL,
    -- The audit entry it announces (none for invitations, written directly).
    event_seq     BIGINT,
    user_id       BIGINT REFERENCES users (id),
    webhook_id    BIGINT REFERENCES webhooks (id),
    address       TEXT NOT NULL,
    -- Mail: Message-ID and thread root; webhook: the webhook-id.
    message_id    TEXT NOT NULL,
    thread        TEXT NOT NULL DEFAULT '',
    subject       TEXT NOT NULL DEFAULT '',
    body_text     TEXT NOT NULL DEFAULT '',
    body_html     TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    digest        BOOLEAN NOT NULL DEFAULT FALSE,
    attempts      BIGINT NOT NULL DEFAULT 0,
    next_at       TIMESTAMPTZ NOT NULL,
    claimed_until TIMESTAMPTZ,
    last_status   BIGINT,
    last_error    TEXT NOT NULL DEFAULT '',
    duration_ms   BIGINT,
    created_at    TIMESTAMPTZ NOT NULL,
    sent_at       TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox (state, next_at);
CREATE INDEX outbox_webhook ON outbox (webhook_id, id);
CREATE INDEX outbox_user ON outbox (user_id, id);

-- Ballots whose voters were reminded of the coming deadline, per round.
CREATE TABLE ballot_reminders (
    ballot_id BIGINT NOT NULL REFERENCES ballots (id),
    round     INTEGER NOT NULL,
    PRIMARY KEY (ballot_id, round)
);

-- The key that signs one-click unsubscribe links, made once per database
-- so that links in mail already sent keep working across restarts.
CREATE TABLE notify_secret (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    key TEXT NOT NULL
);
INSERT INTO notify_secret (id, key)
VALUES (1, replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''));

-- An object's activity (its feed) is read from the audit log by object.
CREATE INDEX audit_log_object ON audit_log (object, seq);
