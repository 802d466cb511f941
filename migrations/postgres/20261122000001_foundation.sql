-- Working groups, their member organisations, specifications and their
-- immutable versions. Same logical schema as ../sqlite/20261122000001_foundation.sql.

CREATE TABLE working_groups (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE organizations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id   BIGINT NOT NULL REFERENCES working_groups (id),
    slug       TEXT NOT NULL,
    name       TEXT NOT NULL,
    url        TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (group_id, slug)
);

CREATE TABLE specs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id     BIGINT NOT NULL REFERENCES working_groups (id),
    slug         TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    -- Number of the newest version; 0 before the first one exists. Moved
    -- forward only by a compare-and-set, which is what makes concurrent
    -- version creation safe.
    head_version BIGINT NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE spec_versions (
    spec_id       BIGINT NOT NULL REFERENCES specs (id),
    number        BIGINT NOT NULL CHECK (number >= 1),
    content       TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    title         TEXT NOT NULL,
    control_count BIGINT NOT NULL,
    message       TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (spec_id, number)
);

-- One row per control per version, for history, catalog look-ups and search.
CREATE TABLE version_controls (
    spec_id      BIGINT NOT NULL,
    version      BIGINT NOT NULL,
    control_id   TEXT NOT NULL,
    section      TEXT NOT NULL,
    title        TEXT NOT NULL,
    level        BIGINT NOT NULL,
    status       TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    statement    TEXT NOT NULL,
    guidance     TEXT NOT NULL,
    search       TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', control_id), 'A') ||
        setweight(to_tsvector('english', title), 'B') ||
        to_tsvector('english', statement || ' ' || guidance)
    ) STORED,
    PRIMARY KEY (spec_id, version, control_id),
    FOREIGN KEY (spec_id, version) REFERENCES spec_versions (spec_id, number)
);
CREATE INDEX version_controls_search ON version_controls USING GIN (search);

CREATE TABLE version_mappings (
    spec_id      BIGINT NOT NULL,
    version      BIGINT NOT NULL,
    control_id   TEXT NOT NULL,
    target       TEXT NOT NULL,
    relationship TEXT NOT NULL,
    rationale    TEXT NOT NULL,
    PRIMARY KEY (spec_id, version, control_id, target),
    FOREIGN KEY (spec_id, version) REFERENCES spec_versions (spec_id, number)
);
CREATE INDEX version_mappings_target ON version_mappings (target);

-- Published versions never change.
CREATE FUNCTION charta_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'specification versions are immutable';
END;
$$;
CREATE TRIGGER spec_versions_immutable BEFORE UPDATE OR DELETE ON spec_versions
    FOR EACH ROW EXECUTE FUNCTION charta_refuse_change();
CREATE TRIGGER version_controls_immutable BEFORE UPDATE OR DELETE ON version_controls
    FOR EACH ROW EXECUTE FUNCTION charta_refuse_change();
CREATE TRIGGER version_mappings_immutable BEFORE UPDATE OR DELETE ON version_mappings
    FOR EACH ROW EXECUTE FUNCTION charta_refuse_change();
