-- Records' full-text search: each record keeps the folded words of its title and text (a
-- note's, a text document's newest version's) in `search_text`, written by Steward with the
-- record and emptied when it is disposed of; SQLite indexes them with FTS5, PostgreSQL with
-- a GIN index on their `simple` tsvector. Records made before this migration are indexed
-- from their title and note text as stored.
-- Kept in lockstep with migrations/sqlite/0036_records_search.sql.
ALTER TABLE records_items ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE records_items SET search_text = title || ' ' || body WHERE disposed_at IS NULL;
-- Dialect-specific below
CREATE INDEX records_items_search ON records_items
    USING GIN (to_tsvector('simple'::regconfig, search_text));
