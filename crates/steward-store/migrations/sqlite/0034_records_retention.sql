-- Records' retention and legal hold: the day a subject's relationship ended (retention
-- counted from the end starts then); a record disposed of keeps its row (title, category)
-- with `disposed_at` while its text and versions go; legal holds on a subject or a
-- category (placed and released with reasons); disposals: what the daily job listed as due,
-- the decision (disposed of or kept) and, once disposed, the tombstone (versions and bytes
-- removed, who approved and when).
-- Kept in lockstep with migrations/postgres/0034_records_retention.sql.
ALTER TABLE records_subjects ADD COLUMN ended_on INTEGER;
ALTER TABLE records_items ADD COLUMN disposed_at INTEGER;
ALTER TABLE records_items ADD COLUMN disposed_by INTEGER REFERENCES users(id);
CREATE INDEX records_items_category ON records_items(company_id, category_id, created_at);
CREATE TABLE records_holds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    subject_id INTEGER REFERENCES records_subjects(id),
    category_id INTEGER REFERENCES records_categories(id),
    reason TEXT NOT NULL,
    placed_by INTEGER REFERENCES users(id),
    placed_at INTEGER NOT NULL,
    released_by INTEGER REFERENCES users(id),
    released_at INTEGER,
    release_reason TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    CHECK ((subject_id IS NULL) <> (category_id IS NULL))
);
CREATE INDEX records_holds_company ON records_holds(company_id, released_at);
-- The company, subject and category are the item's, copied when the job lists it (the
-- item's own keys hold them; one foreign key per listed row instead of four: the job lists
-- hundreds of thousands at once).
CREATE TABLE records_disposals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL,
    item_id INTEGER NOT NULL REFERENCES records_items(id),
    subject_id INTEGER NOT NULL,
    category_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_on INTEGER NOT NULL,
    listed_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'due',
    decided_by INTEGER REFERENCES users(id),
    decided_at INTEGER,
    note TEXT NOT NULL DEFAULT '',
    versions INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    UNIQUE (item_id)
);
CREATE INDEX records_disposals_status ON records_disposals(company_id, status, due_on);
