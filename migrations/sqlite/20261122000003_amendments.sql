-- Amendments: proposed changes to a specification, their revisions and the
-- review threads on them. Same logical schema on both backends.

CREATE TABLE amendments (
    id             INTEGER PRIMARY KEY,
    spec_id        INTEGER NOT NULL REFERENCES specs (id),
    -- Numbered per specification: amendment 3 of steward-baseline.
    number         INTEGER NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    author_id      INTEGER NOT NULL REFERENCES users (id),
    state          TEXT NOT NULL CHECK (state IN ('draft', 'open', 'merged', 'rejected', 'withdrawn')),
    -- Newest revision number; moved forward by compare-and-set.
    head_revision  INTEGER NOT NULL DEFAULT 0,
    merged_version INTEGER,
    closed_reason  TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (spec_id, number)
);

-- Every revision is kept, whole, like specification versions.
CREATE TABLE amendment_revisions (
    amendment_id INTEGER NOT NULL REFERENCES amendments (id),
    number       INTEGER NOT NULL CHECK (number >= 1),
    -- The specification version this revision is based on.
    base_version INTEGER NOT NULL,
    content      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    author_id    INTEGER NOT NULL REFERENCES users (id),
    message      TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    PRIMARY KEY (amendment_id, number)
);

CREATE TABLE review_threads (
    id           INTEGER PRIMARY KEY,
    amendment_id INTEGER NOT NULL REFERENCES amendments (id),
    -- The revision the thread was opened on.
    revision     INTEGER NOT NULL,
    -- NULL for a comment on the amendment as a whole.
    control_id   TEXT,
    field        TEXT,
    first_line   INTEGER,
    last_line    INTEGER,
    -- The anchored lines' text, to find them again in later revisions.
    anchor_text  TEXT NOT NULL DEFAULT '',
    blocking     INTEGER NOT NULL DEFAULT 0,
    resolved     INTEGER NOT NULL DEFAULT 0,
    author_id    INTEGER NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX review_threads_amendment ON review_threads (amendment_id);

CREATE TABLE review_comments (
    id         INTEGER PRIMARY KEY,
    thread_id  INTEGER NOT NULL REFERENCES review_threads (id),
    author_id  INTEGER NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX review_comments_thread ON review_comments (thread_id);

-- People asked to review an amendment.
CREATE TABLE review_requests (
    amendment_id INTEGER NOT NULL REFERENCES amendments (id),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (amendment_id, user_id)
);

CREATE TRIGGER amendment_revisions_no_update BEFORE UPDATE ON amendment_revisions
BEGIN SELECT RAISE(ABORT, 'amendment revisions are immutable'); END;
CREATE TRIGGER amendment_revisions_no_delete BEFORE DELETE ON amendment_revisions
BEGIN SELECT RAISE(ABORT, 'amendment revisions are immutable'); END;
