-- The audit trail is append-only in the database too: an event is never updated or
-- deleted (a restore into an empty database only inserts). Someone with write access to
-- the database can still drop the triggers: the keyed chain and checkpoints catch that.
-- Kept in lockstep with migrations/postgres/0014_audit_immutable.sql (a test compares them).
-- Dialect-specific below: only the trigger names are compared.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are immutable'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are immutable'); END;
