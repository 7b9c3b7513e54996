-- Files (the FileStore's index), attachments on any record, employee documents and certifications.
-- Kept in lockstep with migrations/postgres/0009_files.sql (a test compares them).
-- A file's bytes live in the FileStore under storage_key (random); this is its index.
CREATE TABLE files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    storage_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX files_company ON files(company_id, id);
-- A file attached to any record (RecordRef kind:id), e.g. a task or a case.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    record_kind TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    file_id INTEGER NOT NULL REFERENCES files(id),
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX attachments_record ON attachments(company_id, record_kind, record_id);
CREATE TABLE hr_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    employee_id INTEGER NOT NULL REFERENCES hr_employees(id),
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    file_id INTEGER NOT NULL REFERENCES files(id),
    expires INTEGER,
    uploaded_by INTEGER REFERENCES users(id),
    uploaded_at INTEGER NOT NULL,
    deleted_at INTEGER,
    reminded_at INTEGER
);
CREATE INDEX hr_documents_employee ON hr_documents(company_id, employee_id, id);
CREATE INDEX hr_documents_expires ON hr_documents(company_id, expires);
CREATE TABLE hr_certifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    employee_id INTEGER NOT NULL REFERENCES hr_employees(id),
    name TEXT NOT NULL,
    issuer TEXT NOT NULL DEFAULT '',
    issued INTEGER,
    expires INTEGER,
    document_id INTEGER REFERENCES hr_documents(id),
    reminded_at INTEGER,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX hr_certifications_employee ON hr_certifications(company_id, employee_id, id);
CREATE INDEX hr_certifications_expires ON hr_certifications(company_id, expires);
