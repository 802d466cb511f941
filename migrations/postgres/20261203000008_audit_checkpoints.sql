-- Signed checkpoints of the audit log's head, published outside the
-- database so that a truncated or rewritten tail can be detected. Kept
-- forever: rows are never changed or deleted.
CREATE TABLE audit_checkpoints (
    seq       BIGINT PRIMARY KEY,
    hash      TEXT NOT NULL,
    made_at   TIMESTAMPTZ NOT NULL,
    document  TEXT NOT NULL
);
CREATE FUNCTION charta_refuse_checkpoint_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit checkpoints are append-only';
END;
$$;
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION charta_refuse_checkpoint_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION charta_refuse_truncate();
