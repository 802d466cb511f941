-- What a person follows beyond their own groups: the releases of a
-- specification, or releases whose controls map to a catalog item (a CRA
-- clause, an OpenSSF level). Release mail goes to these people as well.
-- Same logical schema as ../postgres/20261206000014_follows.sql.
CREATE TABLE follows (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL CHECK (kind IN ('spec', 'clause')),
    subject    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (user_id, kind, subject)
);
CREATE INDEX follows_subject ON follows (kind, subject);
