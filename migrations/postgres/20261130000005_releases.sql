-- Releases: signed, immutable bundles of a specification version.
-- Same logical schema as ../sqlite/20261130000005_releases.sql.

CREATE TABLE releases (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    spec_id           BIGINT NOT NULL REFERENCES specs (id),
    -- The specification version the release freezes.
    version           BIGINT NOT NULL,
    -- The release's name in the group's scheme: 1.2.0 or 2026.11.22.
    name              TEXT NOT NULL,
    -- Publication date (YYYY-MM-DD), as written into the artefacts.
    published_on      TEXT NOT NULL,
    published_at      TIMESTAMPTZ NOT NULL,
    published_by      BIGINT NOT NULL REFERENCES users (id),
    predecessor_id    BIGINT REFERENCES releases (id),
    -- The release ballot that approved it.
    ballot_id         BIGINT REFERENCES ballots (id),
    manifest_sha256   TEXT NOT NULL,
    key_id            TEXT NOT NULL,
    -- Withdrawal marks a release superseded; its bytes stay served.
    superseded_at     TIMESTAMPTZ,
    superseded_reason TEXT NOT NULL DEFAULT '',
    UNIQUE (spec_id, name),
    UNIQUE (spec_id, version)
);

-- The artefacts, byte for byte as signed.
CREATE TABLE release_files (
    release_id BIGINT NOT NULL REFERENCES releases (id),
    name       TEXT NOT NULL,
    content    BYTEA NOT NULL,
    sha256     TEXT NOT NULL,
    PRIMARY KEY (release_id, name)
);

CREATE FUNCTION charta_release_files_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published releases never change';
END;
$$;
CREATE TRIGGER release_files_immutable BEFORE UPDATE OR DELETE ON release_files
    FOR EACH ROW EXECUTE FUNCTION charta_release_files_immutable();

-- Only marking a release superseded, once, is allowed.
CREATE FUNCTION charta_releases_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'published releases never change';
    END IF;
    IF OLD.superseded_at IS NOT NULL
       OR (NEW.spec_id, NEW.version, NEW.name, NEW.published_on, NEW.published_at, NEW.published_by, NEW.manifest_sha256, NEW.key_id)
          IS DISTINCT FROM (OLD.spec_id, OLD.version, OLD.name, OLD.published_on, OLD.published_at, OLD.published_by, OLD.manifest_sha256, OLD.key_id)
       OR NEW.predecessor_id IS DISTINCT FROM OLD.predecessor_id
       OR NEW.ballot_id IS DISTINCT FROM OLD.ballot_id THEN
        RAISE EXCEPTION 'published releases never change; only marking one superseded, once, is allowed';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER releases_immutable BEFORE UPDATE OR DELETE ON releases
    FOR EACH ROW EXECUTE FUNCTION charta_releases_immutable();
