-- People, sessions, roles, invitations, API tokens and the audit log.
-- Same logical schema as ../sqlite/20261122000002_accounts.sql.

-- Specifications are drafts (readable by their group's members only) until
-- published; publishing is one-way.
ALTER TABLE specs ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public'
    CHECK (visibility IN ('draft', 'public'));

-- An account is keyed by the provider that vouches for it and the subject
-- that provider gave it, never by e-mail alone.
CREATE TABLE users (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issuer          TEXT NOT NULL,
    subject         TEXT NOT NULL,
    email           TEXT NOT NULL DEFAULT '',
    name            TEXT NOT NULL DEFAULT '',
    platform_admin  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL,
    last_sign_in_at TIMESTAMPTZ,
    UNIQUE (issuer, subject)
);

-- Server-side sessions. Only a SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    -- Absolute expiry; idle expiry is computed from last_seen_at.
    expires_at   TIMESTAMPTZ NOT NULL,
    mfa          BOOLEAN NOT NULL DEFAULT FALSE,
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
    step_up       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id        BIGINT NOT NULL REFERENCES working_groups (id),
    user_id         BIGINT NOT NULL REFERENCES users (id),
    role            TEXT NOT NULL CHECK (role IN ('chair', 'editor', 'representative', 'alternate', 'reviewer', 'observer')),
    -- The member organisation a representative or alternate speaks for.
    organization_id BIGINT REFERENCES organizations (id),
    created_at      TIMESTAMPTZ NOT NULL,
    CHECK ((role IN ('representative', 'alternate')) = (organization_id IS NOT NULL))
);
CREATE UNIQUE INDEX memberships_unique ON memberships (group_id, user_id, role, COALESCE(organization_id, 0));
-- One voting representative per member organisation.
CREATE UNIQUE INDEX memberships_one_representative ON memberships (group_id, organization_id) WHERE role = 'representative';

CREATE TABLE invitations (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash      TEXT NOT NULL UNIQUE,
    group_id        BIGINT NOT NULL REFERENCES working_groups (id),
    role            TEXT NOT NULL,
    organization_id BIGINT REFERENCES organizations (id),
    email           TEXT NOT NULL,
    invited_by      BIGINT NOT NULL REFERENCES users (id),
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    accepted_by     BIGINT REFERENCES users (id),
    accepted_at     TIMESTAMPTZ,
    revoked_at      TIMESTAMPTZ
);

-- Personal API tokens. Only a SHA-256 of the token is stored; `prefix` is
-- the first characters, shown in lists so people can tell tokens apart.
CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Append-only, hash-chained audit log. Each entry's hash covers its fields
-- and the previous entry's hash; `at` is kept as the exact RFC 3339 text
-- that was hashed.
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    details   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE FUNCTION charta_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION charta_audit_append_only();

-- The newest entry's sequence number and hash. Appending updates this one
-- row first, which serialises concurrent appends.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, 'sha256:0000000000000000000000000000000000000000000000000000000000000000');
