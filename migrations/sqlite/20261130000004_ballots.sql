-- Ballots: group rules, ballots on amendments and releases, the member
-- organisations eligible in each, and the append-only vote events.
-- Same logical schema as ../postgres/20261130000004_ballots.sql.

-- A working group's ballot rules as JSON (charta_domain::ballot::Rules).
-- No row means the default rules.
CREATE TABLE group_rules (
    group_id   INTEGER PRIMARY KEY REFERENCES working_groups (id),
    rules      TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    updated_at TEXT NOT NULL
);

CREATE TABLE ballots (
    id            INTEGER PRIMARY KEY,
    group_id      INTEGER NOT NULL REFERENCES working_groups (id),
    spec_id       INTEGER NOT NULL REFERENCES specs (id),
    kind          TEXT NOT NULL CHECK (kind IN ('amendment', 'release')),
    -- What is voted on: an amendment, or a version of the specification.
    amendment_id  INTEGER REFERENCES amendments (id),
    version       INTEGER,
    -- For amendments: the revision under vote. Editorial revisions move it
    -- on and keep the votes; normative ones also start a new round.
    revision      INTEGER,
    -- Votes count only in the round they were cast in.
    round         INTEGER NOT NULL DEFAULT 1,
    title         TEXT NOT NULL,
    -- The rules the ballot was opened under, as JSON; never changes.
    rules         TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('open', 'closed', 'cancelled')),
    opened_by     INTEGER NOT NULL REFERENCES users (id),
    opened_at     TEXT NOT NULL,
    closes_at     TEXT NOT NULL,
    closed_at     TEXT,
    -- 'deadline', or the account that closed early or cancelled.
    closed_by     TEXT,
    outcome       TEXT CHECK (outcome IN ('passed', 'failed')),
    -- The final tally as JSON (charta_domain::ballot::Tally).
    tally         TEXT,
    cancel_reason TEXT NOT NULL DEFAULT '',
    CHECK ((kind = 'amendment') = (amendment_id IS NOT NULL)),
    CHECK ((kind = 'release') = (version IS NOT NULL)),
    CHECK ((state = 'closed') = (outcome IS NOT NULL))
);
-- One open ballot per amendment and per version at a time.
CREATE UNIQUE INDEX ballots_one_open_amendment ON ballots (amendment_id) WHERE state = 'open' AND kind = 'amendment';
CREATE UNIQUE INDEX ballots_one_open_release ON ballots (spec_id, version) WHERE state = 'open' AND kind = 'release';
CREATE INDEX ballots_spec ON ballots (spec_id);
CREATE INDEX ballots_due ON ballots (closes_at) WHERE state = 'open';

-- The member organisations eligible in a ballot, fixed when it opens.
CREATE TABLE ballot_voters (
    ballot_id       INTEGER NOT NULL REFERENCES ballots (id),
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    PRIMARY KEY (ballot_id, organization_id)
);

-- Every vote ever cast, never changed: an organisation's current position
-- is its newest vote in the ballot's current round.
CREATE TABLE ballot_votes (
    id              INTEGER PRIMARY KEY,
    ballot_id       INTEGER NOT NULL REFERENCES ballots (id),
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    user_id         INTEGER NOT NULL REFERENCES users (id),
    position        TEXT NOT NULL CHECK (position IN ('approve', 'abstain', 'object', 'recuse')),
    rationale       TEXT NOT NULL DEFAULT '',
    round           INTEGER NOT NULL,
    -- The amendment revision the vote was cast on.
    revision        INTEGER,
    cast_at         TEXT NOT NULL,
    CHECK (position <> 'object' OR rationale <> ''),
    FOREIGN KEY (ballot_id, organization_id) REFERENCES ballot_voters (ballot_id, organization_id)
);
CREATE INDEX ballot_votes_ballot ON ballot_votes (ballot_id, organization_id, id);

CREATE TRIGGER ballot_votes_no_update BEFORE UPDATE ON ballot_votes
BEGIN SELECT RAISE(ABORT, 'votes are append-only'); END;
CREATE TRIGGER ballot_votes_no_delete BEFORE DELETE ON ballot_votes
BEGIN SELECT RAISE(ABORT, 'votes are append-only'); END;
-- A closed or cancelled ballot is final.
CREATE TRIGGER ballots_final BEFORE UPDATE ON ballots WHEN OLD.state <> 'open'
BEGIN SELECT RAISE(ABORT, 'a closed ballot never changes'); END;
CREATE TRIGGER ballots_no_delete BEFORE DELETE ON ballots
BEGIN SELECT RAISE(ABORT, 'ballots are never deleted'); END;
