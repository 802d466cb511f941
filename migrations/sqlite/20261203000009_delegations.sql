-- Delegations of an organisation's vote to one of its alternates, as
-- append-only events; who could vote for each organisation when a ballot
-- opened; the delegation each vote was cast under; and the e-mail domain
-- that people who speak for an organisation must have.
-- Same logical schema as ../postgres/20261203000009_delegations.sql.

-- A 'grant' hands the vote to `alternate_id` from `starts_at` until
-- `ends_at` (or without end); a 'revoke' ends the grant `revokes` at its
-- `recorded_at`. A delegation is revoked at most once.
CREATE TABLE delegation_events (
    id              INTEGER PRIMARY KEY,
    group_id        INTEGER NOT NULL REFERENCES working_groups (id),
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    kind            TEXT NOT NULL CHECK (kind IN ('grant', 'revoke')),
    alternate_id    INTEGER REFERENCES users (id),
    starts_at       TEXT,
    ends_at         TEXT,
    revokes         INTEGER REFERENCES delegation_events (id),
    given_by        INTEGER NOT NULL REFERENCES users (id),
    recorded_at     TEXT NOT NULL,
    CHECK ((kind = 'grant') = (alternate_id IS NOT NULL AND starts_at IS NOT NULL)),
    CHECK ((kind = 'revoke') = (revokes IS NOT NULL)),
    CHECK (kind = 'grant' OR ends_at IS NULL)
);
CREATE INDEX delegation_events_organization ON delegation_events (organization_id, id);
CREATE UNIQUE INDEX delegation_events_revoked_once ON delegation_events (revokes);

CREATE TRIGGER delegation_events_no_update BEFORE UPDATE ON delegation_events
BEGIN SELECT RAISE(ABORT, 'delegations are append-only'); END;
CREATE TRIGGER delegation_events_no_delete BEFORE DELETE ON delegation_events
BEGIN SELECT RAISE(ABORT, 'delegations are append-only'); END;

-- The person who could vote for the organisation when the ballot opened,
-- and the delegation that made them so; NULL when nobody could.
ALTER TABLE ballot_voters ADD COLUMN voter_id INTEGER REFERENCES users (id);
ALTER TABLE ballot_voters ADD COLUMN delegation_id INTEGER REFERENCES delegation_events (id);

-- The delegation a vote was cast under; NULL for the representative.
ALTER TABLE ballot_votes ADD COLUMN delegation_id INTEGER REFERENCES delegation_events (id);

-- When set, representatives and alternates of the organisation need a
-- verified e-mail address in this domain (or an administrator's say-so).
ALTER TABLE organizations ADD COLUMN email_domain TEXT;
