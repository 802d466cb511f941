-- Each release carries the signed audit checkpoint made when it was
-- published; the release names it by the entry it pins.
-- Same logical change as ../sqlite/20261203000012_release_checkpoints.sql.
ALTER TABLE releases ADD COLUMN audit_checkpoint_seq BIGINT REFERENCES audit_checkpoints (seq);

CREATE OR REPLACE FUNCTION charta_releases_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'published releases never change';
    END IF;
    IF OLD.superseded_at IS NOT NULL
       OR (NEW.spec_id, NEW.version, NEW.name, NEW.published_on, NEW.published_at, NEW.published_by, NEW.manifest_sha256, NEW.key_id)
          IS DISTINCT FROM (OLD.spec_id, OLD.version, OLD.name, OLD.published_on, OLD.published_at, OLD.published_by, OLD.manifest_sha256, OLD.key_id)
       OR NEW.predecessor_id IS DISTINCT FROM OLD.predecessor_id
       OR NEW.ballot_id IS DISTINCT FROM OLD.ballot_id
       OR NEW.audit_checkpoint_seq IS DISTINCT FROM OLD.audit_checkpoint_seq THEN
        RAISE EXCEPTION 'published releases never change; only marking one superseded, once, is allowed';
    END IF;
    RETURN NEW;
END;
$$;
