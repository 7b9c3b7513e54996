-- Records' search on PostgreSQL keeps each record's tsvector in a generated column of its
-- own (see migrations/postgres/0037_records_search_vector.sql); SQLite's FTS5 index already
-- holds its words, so nothing changes here.
-- Kept in lockstep with migrations/postgres/0037_records_search_vector.sql.
-- Dialect-specific below
SELECT 1;
