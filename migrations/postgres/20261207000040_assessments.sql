-- Self-assessments of a project, repository or package against a published
-- release. A draft belongs to its owner (and the organisation that owns
-- it); publishing freezes it for good: triggers refuse any later change to
-- a published assessment, its answers or its files. (Adding answers is
-- checked in the writing transaction, not by a trigger, so that a restore
-- can load a published assessment's rows in table order.)
-- Same logical schema as ../sqlite/20261207000040_assessments.sql.
CREATE TABLE assessments (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id        BIGINT NOT NULL REFERENCES users (id),
    organization_id BIGINT REFERENCES organizations (id),
    subject_kind    TEXT NOT NULL CHECK (subject_kind IN ('project', 'repository', 'package')),
    subject_name    TEXT NOT NULL,
    subject_url     TEXT NOT NULL,
    release_id      BIGINT NOT NULL REFERENCES releases (id),
    target_level    BIGINT NOT NULL CHECK (target_level BETWEEN 1 AND 3),
    state           TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published')),
    -- Answers that dropped out at the last move to a newer release (JSON).
    dropped         TEXT NOT NULL DEFAULT '[]',
    -- The release the assessment last moved from, if it moved.
    moved_from_id   BIGINT REFERENCES releases (id),
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    published_at    TIMESTAMPTZ,
    -- The highest level met when published, for the group's statistics.
    achieved_level  BIGINT
);
CREATE INDEX assessments_owner ON assessments (owner_id);
CREATE INDEX assessments_release ON assessments (release_id, state);

CREATE TABLE assessment_answers (
    assessment_id BIGINT NOT NULL REFERENCES assessments (id),
    control       TEXT NOT NULL,
    status        TEXT CHECK (status IN ('met', 'partly-met', 'not-met', 'not-applicable')),
    justification TEXT NOT NULL DEFAULT '',
    -- JSON array of links.
    evidence      TEXT NOT NULL DEFAULT '[]',
    review        TEXT CHECK (review IN ('changed', 'new')),
    -- What changed in the control at the move that flagged it (JSON), or ''.
    redline       TEXT NOT NULL DEFAULT '',
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (assessment_id, control)
);

-- The published snapshot's files, byte for byte as signed.
CREATE TABLE assessment_files (
    assessment_id BIGINT NOT NULL REFERENCES assessments (id),
    name          TEXT NOT NULL,
    content       BYTEA NOT NULL,
    sha256        TEXT NOT NULL,
    PRIMARY KEY (assessment_id, name)
);

CREATE FUNCTION charta_assessments_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = 'published' THEN
        RAISE EXCEPTION 'a published assessment never changes';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER assessments_frozen BEFORE UPDATE OR DELETE ON assessments
    FOR EACH ROW EXECUTE FUNCTION charta_assessments_frozen();

CREATE FUNCTION charta_assessment_answers_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT state FROM assessments WHERE id = OLD.assessment_id) = 'published' THEN
        RAISE EXCEPTION 'a published assessment never changes';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER assessment_answers_frozen BEFORE UPDATE OR DELETE ON assessment_answers
    FOR EACH ROW EXECUTE FUNCTION charta_assessment_answers_frozen();

CREATE FUNCTION charta_assessment_files_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a published assessment never changes';
END;
$$;
CREATE TRIGGER assessment_files_immutable BEFORE UPDATE OR DELETE ON assessment_files
    FOR EACH ROW EXECUTE FUNCTION charta_assessment_files_immutable();
CREATE TRIGGER assessment_files_no_truncate BEFORE TRUNCATE ON assessment_files
    FOR EACH STATEMENT EXECUTE FUNCTION charta_refuse_truncate();
