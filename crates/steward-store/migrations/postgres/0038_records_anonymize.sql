-- Records: a subject anonymized (a right-to-erasure request) keeps its row with its name,
-- reference and custom values replaced; when and by whom it was done.
-- Kept in lockstep with migrations/sqlite/0038_records_anonymize.sql.
ALTER TABLE records_subjects ADD COLUMN anonymized_at BIGINT;
ALTER TABLE records_subjects ADD COLUMN anonymized_by BIGINT REFERENCES users (id);
