-- Releases: signed, immutable bundles of a specification version.
-- Same logical schema as ../postgres/20261130000005_releases.sql.

CREATE TABLE releases (
    id                INTEGER PRIMARY KEY,
    spec_id           INTEGER NOT NULL REFERENCES specs (id),
    -- The specification version the release freezes.
    version           INTEGER NOT NULL,
    -- The release's name in the group's scheme: 1.2.0 or 2026.11.22.
    name              TEXT NOT NULL,
    -- Publication date (YYYY-MM-DD), as written into the artefacts.
    published_on      TEXT NOT NULL,
    published_at      TEXT NOT NULL,
    published_by      INTEGER NOT NULL REFERENCES users (id),
    predecessor_id    INTEGER REFERENCES releases (id),
    -- The release ballot that approved it.
    ballot_id         INTEGER REFERENCES ballots (id),
    manifest_sha256   TEXT NOT NULL,
    key_id            TEXT NOT NULL,
    -- Withdrawal marks a release superseded; its bytes stay served.
    superseded_at     TEXT,
    superseded_reason TEXT NOT NULL DEFAULT '',
    UNIQUE (spec_id, name),
    UNIQUE (spec_id, version)
);

-- The artefacts, byte for byte as signed.
CREATE TABLE release_files (
    release_id INTEGER NOT NULL REFERENCES releases (id),
    name       TEXT NOT NULL,
    content    BLOB NOT NULL,
    sha256     TEXT NOT NULL,
    PRIMARY KEY (release_id, name)
);

CREATE TRIGGER release_files_no_update BEFORE UPDATE ON release_files
BEGIN SELECT RAISE(ABORT, 'published releases never change'); END;
CREATE TRIGGER release_files_no_delete BEFORE DELETE ON release_files
BEGIN SELECT RAISE(ABORT, 'published releases never change'); END;
CREATE TRIGGER releases_no_delete BEFORE DELETE ON releases
BEGIN SELECT RAISE(ABORT, 'published releases never change'); END;
-- Only marking a release superseded, once, is allowed.
CREATE TRIGGER releases_immutable BEFORE UPDATE ON releases
WHEN OLD.superseded_at IS NOT NULL
  OR NEW.spec_id IS NOT OLD.spec_id OR NEW.version IS NOT OLD.version OR NEW.name IS NOT OLD.name
  OR NEW.published_on IS NOT OLD.published_on OR NEW.published_at IS NOT OLD.published_at
  OR NEW.published_by IS NOT OLD.published_by OR NEW.predecessor_id IS NOT OLD.predecessor_id
  OR NEW.ballot_id IS NOT OLD.ballot_id OR NEW.manifest_sha256 IS NOT OLD.manifest_sha256
  OR NEW.key_id IS NOT OLD.key_id
BEGIN SELECT RAISE(ABORT, 'published releases never change; only marking one superseded, once, is allowed'); END;
