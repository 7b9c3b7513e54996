-- Records: a subject anonymized (a right-to-erasure request) keeps its row with its name,
-- reference and custom values replaced; when and by whom it was done.
-- Kept in lockstep with migrations/postgres/0038_records_anonymize.sql.
ALTER TABLE records_subjects ADD COLUMN anonymized_at INTEGER;
ALTER TABLE records_subjects ADD COLUMN anonymized_by INTEGER REFERENCES users (id);
