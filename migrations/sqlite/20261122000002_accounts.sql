-- People, sessions, roles, invitations, API tokens and the audit log.
-- Same logical schema as ../postgres/20261122000002_accounts.sql.

-- Specifications are drafts (readable by their group's members only) until
-- published; publishing is one-way.
ALTER TABLE specs ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public'
    CHECK (visibility IN ('draft', 'public'));

-- An account is keyed by the provider that vouches for it and the subject
-- that provider gave it, never by e-mail alone.
CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    issuer          TEXT NOT NULL,
    subject         TEXT NOT NULL,
    email           TEXT NOT NULL DEFAULT '',
    name            TEXT NOT NULL DEFAULT '',
    platform_admin  INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    last_sign_in_at TEXT,
    UNIQUE (issuer, subject)
);

-- Server-side sessions. Only a SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    -- Absolute expiry; idle expiry is computed from last_seen_at.
    expires_at   TEXT NOT NULL,
    mfa          INTEGER NOT NULL DEFAULT 0,
    amr          TEXT NOT NULL DEFAULT '',
    acr          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Sign-ins in progress: state, nonce and PKCE verifier, single use.
CREATE TABLE oidc_logins (
    state_hash    TEXT PRIMARY KEY,
    browser_hash  TEXT NOT NULL,
    provider      TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    return_to     TEXT NOT NULL,
    step_up       INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

CREATE TABLE memberships (
    id              INTEGER PRIMARY KEY,
    group_id        INTEGER NOT NULL REFERENCES working_groups (id),
    user_id         INTEGER NOT NULL REFERENCES users (id),
    role            TEXT NOT NULL CHECK (role IN ('chair', 'editor', 'representative', 'alternate', 'reviewer', 'observer')),
    -- The member organisation a representative or alternate speaks for.
    organization_id INTEGER REFERENCES organizations (id),
    created_at      TEXT NOT NULL,
    CHECK ((role IN ('representative', 'alternate')) = (organization_id IS NOT NULL))
);
CREATE UNIQUE INDEX memberships_unique ON memberships (group_id, user_id, role, COALESCE(organization_id, 0));
-- One voting representative per member organisation.
CREATE UNIQUE INDEX memberships_one_representative ON memberships (group_id, organization_id) WHERE role = 'representative';

CREATE TABLE invitations (
    id              INTEGER PRIMARY KEY,
    token_hash      TEXT NOT NULL UNIQUE,
    group_id        INTEGER NOT NULL REFERENCES working_groups (id),
    role            TEXT NOT NULL,
    organization_id INTEGER REFERENCES organizations (id),
    email           TEXT NOT NULL,
    invited_by      INTEGER NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    accepted_by     INTEGER REFERENCES users (id),
    accepted_at     TEXT,
    revoked_at      TEXT
);

-- Personal API tokens. Only a SHA-256 of the token is stored; `prefix` is
-- the first characters, shown in lists so people can tell tokens apart.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Append-only, hash-chained audit log. Each entry's hash covers its fields
-- and the previous entry's hash; `at` is kept as the exact RFC 3339 text
-- that was hashed.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    details   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- The newest entry's sequence number and hash. Appending updates this one
-- row first, which serialises concurrent appends.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, 'sha256:0000000000000000000000000000000000000000000000000000000000000000');
