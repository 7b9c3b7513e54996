-- Records' full-text search: each record keeps the folded words of its title and text (a
-- note's, a text document's newest version's) in `search_text`, written by Steward with the
-- record and emptied when it is disposed of; SQLite indexes them with FTS5 (an external
-- content table kept by triggers, so a restored backup reindexes itself), PostgreSQL with a
-- GIN index on their `simple` tsvector. FTS5 keeps prefix indexes of 2 and 3 characters
-- (a query's last word is also a prefix: a short one would otherwise read every word). Records made before this migration are indexed
-- from their title and note text as stored.
-- Kept in lockstep with migrations/postgres/0036_records_search.sql.
ALTER TABLE records_items ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE records_items SET search_text = title || ' ' || body WHERE disposed_at IS NULL;
-- Dialect-specific below
CREATE VIRTUAL TABLE records_search USING fts5(
    search_text, content = 'records_items', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
CREATE TRIGGER records_items_fts_insert AFTER INSERT ON records_items BEGIN
    INSERT INTO records_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER records_items_fts_delete AFTER DELETE ON records_items BEGIN
    INSERT INTO records_search (records_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER records_items_fts_update AFTER UPDATE OF search_text ON records_items BEGIN
    INSERT INTO records_search (records_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    INSERT INTO records_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
INSERT INTO records_search (records_search) VALUES ('rebuild');
