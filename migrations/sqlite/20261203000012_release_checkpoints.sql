-- Each release carries the signed audit checkpoint made when it was
-- published; the release names it by the entry it pins.
-- Same logical change as ../postgres/20261203000012_release_checkpoints.sql.
ALTER TABLE releases ADD COLUMN audit_checkpoint_seq INTEGER REFERENCES audit_checkpoints (seq);

DROP TRIGGER releases_immutable;
CREATE TRIGGER releases_immutable BEFORE UPDATE ON releases
WHEN OLD.superseded_at IS NOT NULL
  OR NEW.spec_id IS NOT OLD.spec_id OR NEW.version IS NOT OLD.version OR NEW.name IS NOT OLD.name
  OR NEW.published_on IS NOT OLD.published_on OR NEW.published_at IS NOT OLD.published_at
  OR NEW.published_by IS NOT OLD.published_by OR NEW.predecessor_id IS NOT OLD.predecessor_id
  OR NEW.ballot_id IS NOT OLD.ballot_id OR NEW.manifest_sha256 IS NOT OLD.manifest_sha256
  OR NEW.key_id IS NOT OLD.key_id OR NEW.audit_checkpoint_seq IS NOT OLD.audit_checkpoint_seq
BEGIN SELECT RAISE(ABORT, 'published releases never change; only marking one superseded, once, is allowed'); END;
