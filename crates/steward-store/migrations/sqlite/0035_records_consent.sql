-- Records' consent: a category may name the purpose its records serve (empty: none needs a
-- consent); a subject's consents to a purpose, given on a day, perhaps until a day,
-- perhaps withdrawn (with the day and the reason), with the signed form as a document in
-- the subject's file. A record whose category's purpose has no consent in force is flagged.
-- Kept in lockstep with migrations/postgres/0035_records_consent.sql.
ALTER TABLE records_categories ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
CREATE TABLE records_consents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    subject_id INTEGER NOT NULL REFERENCES records_subjects(id),
    purpose TEXT NOT NULL,
    purpose_key TEXT NOT NULL,
    given_on INTEGER NOT NULL,
    expires_on INTEGER,
    withdrawn_on INTEGER,
    withdrawn_reason TEXT NOT NULL DEFAULT '',
    document_id INTEGER REFERENCES records_items(id),
    note TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES users(id),
    recorded_at INTEGER NOT NULL,
    withdrawn_by INTEGER REFERENCES users(id),
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX records_consents_subject ON records_consents(company_id, subject_id, purpose_key);
CREATE INDEX records_consents_expiry ON records_consents(company_id, expires_on);
