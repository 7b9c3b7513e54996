-- The audit trail is append-only in the database too: an event is never updated or
-- deleted (a restore into an empty database only inserts). Someone with write access to
-- the database can still drop the triggers: the keyed chain and checkpoints catch that.
-- Kept in lockstep with migrations/sqlite/0014_audit_immutable.sql (a test compares them).
-- Dialect-specific below: only the trigger names are compared (TRUNCATE is PostgreSQL's
-- alone; SQLite's DELETE without WHERE runs the row trigger).
CREATE FUNCTION audit_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are immutable';
END
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_immutable();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_immutable();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_immutable();
