-- Records: subjects (patients, clients, customers) of kinds the company defines, with custom
-- fields (the shared custom-field checks, as HR's and IT's); record categories (sensitive or
-- not, a retention period counted from an event: kept now, the retention job comes later);
-- who is assigned to a subject (a user, a role by key or a department); the records of a
-- subject's file (notes and documents; a document's versions each index a file, a new
-- version never removes an older one); the access log (every view, download and export;
-- also in the audit trail) and break-glass openings with their review.
-- Kept in lockstep with migrations/postgres/0033_records.sql.
CREATE TABLE records_kinds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, key)
);
CREATE TABLE records_kind_fields (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    kind_id INTEGER NOT NULL REFERENCES records_kinds(id),
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    choices TEXT NOT NULL DEFAULT '[]',
    required INTEGER NOT NULL DEFAULT 0,
    help TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (kind_id, key)
);
CREATE INDEX records_kind_fields_company ON records_kind_fields(company_id, kind_id, position);
CREATE TABLE records_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    sensitive INTEGER NOT NULL DEFAULT 0,
    retention_months INTEGER,
    retention_from TEXT NOT NULL DEFAULT 'record_created',
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX records_categories_name ON records_categories(company_id, lower(name));
CREATE TABLE records_subjects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    kind_id INTEGER NOT NULL REFERENCES records_kinds(id),
    reference TEXT NOT NULL,
    name TEXT NOT NULL,
    custom TEXT NOT NULL DEFAULT '{}',
    owner_id INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX records_subjects_reference ON records_subjects(company_id, lower(reference));
CREATE INDEX records_subjects_owner ON records_subjects(company_id, owner_id);
CREATE TABLE records_assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    subject_id INTEGER NOT NULL REFERENCES records_subjects(id),
    user_id INTEGER REFERENCES users(id),
    role_key TEXT,
    department_id INTEGER REFERENCES departments(id),
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX records_assignments_subject ON records_assignments(company_id, subject_id);
CREATE INDEX records_assignments_user ON records_assignments(company_id, user_id);
CREATE TABLE records_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    subject_id INTEGER NOT NULL REFERENCES records_subjects(id),
    category_id INTEGER NOT NULL REFERENCES records_categories(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX records_items_subject ON records_items(company_id, subject_id, id);
CREATE TABLE records_document_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    item_id INTEGER NOT NULL REFERENCES records_items(id),
    number INTEGER NOT NULL,
    file_id INTEGER NOT NULL REFERENCES files(id),
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    UNIQUE (item_id, number)
);
CREATE TABLE records_access_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    subject_id INTEGER REFERENCES records_subjects(id),
    user_id INTEGER REFERENCES users(id),
    actor TEXT NOT NULL,
    at INTEGER NOT NULL,
    action TEXT NOT NULL,
    what TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX records_access_log_subject ON records_access_log(company_id, subject_id, at);
CREATE INDEX records_access_log_user ON records_access_log(company_id, user_id, at);
CREATE TABLE records_break_glass (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    subject_id INTEGER NOT NULL REFERENCES records_subjects(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    reviewed_at INTEGER,
    reviewed_by INTEGER REFERENCES users(id),
    review_note TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX records_break_glass_open ON records_break_glass(company_id, user_id, subject_id, expires_at);
CREATE INDEX records_break_glass_queue ON records_break_glass(company_id, reviewed_at, opened_at);
