-- A line comment can carry a suggested replacement for its lines, which the
-- amendment's author (or an editor) applies as a new revision; the thread
-- then records the revision that applied it.
-- Same logical schema as ../sqlite/20261206000015_suggestions.sql.
ALTER TABLE review_threads ADD COLUMN suggestion TEXT NOT NULL DEFAULT '';
ALTER TABLE review_threads ADD COLUMN applied_in BIGINT;
