-- Amendments: proposed changes to a specification, their revisions and the
-- review threads on them. Same logical schema on both backends.

CREATE TABLE amendments (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    spec_id        BIGINT NOT NULL REFERENCES specs (id),
    -- Numbered per specification: amendment 3 of steward-baseline.
    number         BIGINT NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    author_id      BIGINT NOT NULL REFERENCES users (id),
    state          TEXT NOT NULL CHECK (state IN ('draft', 'open', 'merged', 'rejected', 'withdrawn')),
    -- Newest revision number; moved forward by compare-and-set.
    head_revision  BIGINT NOT NULL DEFAULT 0,
    merged_version BIGINT,
    closed_reason  TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (spec_id, number)
);

-- Every revision is kept, whole, like specification versions.
CREATE TABLE amendment_revisions (
    amendment_id BIGINT NOT NULL REFERENCES amendments (id),
    number       BIGINT NOT NULL CHECK (number >= 1),
    -- The specification version this revision is based on.
    base_version BIGINT NOT NULL,
    content      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    author_id    BIGINT NOT NULL REFERENCES users (id),
    message      TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (amendment_id, number)
);

CREATE TABLE review_threads (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    amendment_id BIGINT NOT NULL REFERENCES amendments (id),
    -- The revision the thread was opened on.
    revision     BIGINT NOT NULL,
    -- NULL for a comment on the amendment as a whole.
    control_id   TEXT,
    field        TEXT,
    first_line   BIGINT,
    last_line    BIGINT,
    -- The anchored lines' text, to find them again in later revisions.
    anchor_text  TEXT NOT NULL DEFAULT '',
    blocking     BOOLEAN NOT NULL DEFAULT FALSE,
    resolved     BOOLEAN NOT NULL DEFAULT FALSE,
    author_id    BIGINT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX review_threads_amendment ON review_threads (amendment_id);

CREATE TABLE review_comments (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    thread_id  BIGINT NOT NULL REFERENCES review_threads (id),
    author_id  BIGINT NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX review_comments_thread ON review_comments (thread_id);

-- People asked to review an amendment.
CREATE TABLE review_requests (
    amendment_id BIGINT NOT NULL REFERENCES amendments (id),
    user_id      BIGINT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (amendment_id, user_id)
);

CREATE FUNCTION charta_revisions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'amendment revisions are immutable';
END;
$$;
CREATE TRIGGER amendment_revisions_immutable BEFORE UPDATE OR DELETE ON amendment_revisions
    FOR EACH ROW EXECUTE FUNCTION charta_revisions_immutable();
