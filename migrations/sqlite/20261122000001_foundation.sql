-- Working groups, their member organisations, specifications and their
-- immutable versions. Same logical schema as ../postgres/20261122000001_foundation.sql.

CREATE TABLE working_groups (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);

CREATE TABLE organizations (
    id         INTEGER PRIMARY KEY,
    group_id   INTEGER NOT NULL REFERENCES working_groups (id),
    slug       TEXT NOT NULL,
    name       TEXT NOT NULL,
    url        TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (group_id, slug)
);

CREATE TABLE specs (
    id           INTEGER PRIMARY KEY,
    group_id     INTEGER NOT NULL REFERENCES working_groups (id),
    slug         TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    -- Number of the newest version; 0 before the first one exists. Moved
    -- forward only by a compare-and-set, which is what makes concurrent
    -- version creation safe.
    head_version INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE spec_versions (
    spec_id       INTEGER NOT NULL REFERENCES specs (id),
    number        INTEGER NOT NULL CHECK (number >= 1),
    content       TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    title         TEXT NOT NULL,
    control_count INTEGER NOT NULL,
    message       TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    PRIMARY KEY (spec_id, number)
);

-- One row per control per version, for history, catalog look-ups and search.
CREATE TABLE version_controls (
    spec_id      INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    control_id   TEXT NOT NULL,
    section      TEXT NOT NULL,
    title        TEXT NOT NULL,
    level        INTEGER NOT NULL,
    status       TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    statement    TEXT NOT NULL,
    guidance     TEXT NOT NULL,
    PRIMARY KEY (spec_id, version, control_id),
    FOREIGN KEY (spec_id, version) REFERENCES spec_versions (spec_id, number)
);

CREATE TABLE version_mappings (
    spec_id      INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    control_id   TEXT NOT NULL,
    target       TEXT NOT NULL,
    relationship TEXT NOT NULL,
    rationale    TEXT NOT NULL,
    PRIMARY KEY (spec_id, version, control_id, target),
    FOREIGN KEY (spec_id, version) REFERENCES spec_versions (spec_id, number)
);
CREATE INDEX version_mappings_target ON version_mappings (target);

CREATE VIRTUAL TABLE control_search USING fts5 (
    control_id, title, body,
    spec_id UNINDEXED, version UNINDEXED,
    tokenize = 'unicode61'
);

-- Published versions never change.
CREATE TRIGGER spec_versions_no_update BEFORE UPDATE ON spec_versions
BEGIN SELECT RAISE(ABORT, 'specification versions are immutable'); END;
CREATE TRIGGER spec_versions_no_delete BEFORE DELETE ON spec_versions
BEGIN SELECT RAISE(ABORT, 'specification versions are immutable'); END;
CREATE TRIGGER version_controls_no_update BEFORE UPDATE ON version_controls
BEGIN SELECT RAISE(ABORT, 'specification versions are immutable'); END;
CREATE TRIGGER version_controls_no_delete BEFORE DELETE ON version_controls
BEGIN SELECT RAISE(ABORT, 'specification versions are immutable'); END;
CREATE TRIGGER version_mappings_no_update BEFORE UPDATE ON version_mappings
BEGIN SELECT RAISE(ABORT, 'specification versions are immutable'); END;
CREATE TRIGGER version_mappings_no_delete BEFORE DELETE ON version_mappings
BEGIN SELECT RAISE(ABORT, 'specification versions are immutable'); END;
