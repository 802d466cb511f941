-- Each version's parsed form, as JSON of the domain's specification.
-- Reading this back takes about a twentieth of parsing the canonical YAML
-- (1.5 ms against 30 ms for a 1 MB version), which is what makes the first
-- view of a version on a freshly started node fast. It is derived data:
-- written with each new version, filled for older versions the first time
-- they are read, and rewritten when `format` (the shape of the JSON) moves
-- on. The canonical YAML in spec_versions stays the record.
CREATE TABLE version_parsed (
    spec_id INTEGER NOT NULL,
    number  INTEGER NOT NULL,
    format  INTEGER NOT NULL,
    spec    TEXT NOT NULL,
    PRIMARY KEY (spec_id, number),
    FOREIGN KEY (spec_id, number) REFERENCES spec_versions (spec_id, number)
);
