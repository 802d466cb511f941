-- Row triggers guard the append-only tables against UPDATE and DELETE, but
-- TRUNCATE fires no row triggers. A statement trigger refuses it too, also
-- when it would reach these tables through TRUNCATE … CASCADE on a parent.
CREATE FUNCTION charta_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: TRUNCATE is refused', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER spec_versions_no_truncate BEFORE TRUNCATE ON spec_versions
    FOR EACH STATEMENT EXECUTE FUNCTION charta_refuse_truncate();
CREATE TRIGGER version_controls_no_truncate BEFORE TRUNCATE ON version_controls
    FOR EACH STATEMENT EXECUTE FUNCTION charta_refuse_truncate();
CREATE TRIGGER version_mappings_no_truncate BEFORE TRUNCATE ON version_mappings
    FOR EACH STATEMENT EXECUTE FUNCTION charta_refuse_truncate();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION charta_refuse_truncate();
CREATE TRIGGER amendment_revisions_no_truncate BEFORE TRUNCATE ON amendment_revisions
    FOR EACH STATEMENT EXECUTE FUNCTION charta_refuse_truncate();
CREATE TRIGGER ballots_no_truncate BEFORE TRUNCATE ON ballots
    FOR EACH STATEMENT EXECUTE FUNCTION charta_refuse_truncate();
CREATE TRIGGER ballot_votes_no_truncate BEFORE TRUNCATE ON ballot_votes
    FOR EACH STATEMENT EXECUTE FUNCTION charta_refuse_truncate();
CREATE TRIGGER releases_no_truncate BEFORE TRUNCATE ON releases
    FOR EACH STATEMENT EXECUTE FUNCTION charta_refuse_truncate();
CREATE TRIGGER release_files_no_truncate BEFORE TRUNCATE ON release_files
    FOR EACH STATEMENT EXECUTE FUNCTION charta_refuse_truncate();
