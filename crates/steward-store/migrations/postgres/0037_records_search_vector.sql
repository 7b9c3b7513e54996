-- Records' search on PostgreSQL keeps each record's tsvector in a column of its own,
-- generated from `search_text` as it is written, and indexes that column: a match no longer
-- recomputes the tsvector of every candidate row (its index recheck and the planner's walk
-- newest first both did), and the planner has the column's word statistics to choose
-- between the index (rare words) and the newest records first (common words).
-- SQLite's FTS5 index is unchanged (its half of this migration does nothing).
-- Kept in lockstep with migrations/sqlite/0037_records_search_vector.sql.
-- Dialect-specific below
ALTER TABLE records_items ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED;
DROP INDEX records_items_search;
CREATE INDEX records_items_search ON records_items USING GIN (search_vector);
ANALYZE records_items;
