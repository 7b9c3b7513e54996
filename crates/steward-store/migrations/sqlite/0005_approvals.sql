-- Work: approvals. Departments get a head (the manager of their members); approval
-- policies per kind (levels as JSON), requests with their steps, out-of-office delegates.
-- Kept in lockstep with migrations/postgres/0005_approvals.sql (a test compares them).
-- Instants are µs since the epoch; days are yyyymmdd; amounts are minor units.
ALTER TABLE departments ADD COLUMN head_user_id INTEGER REFERENCES users(id);
CREATE TABLE approval_policies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    kind TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    deadline_hours INTEGER NOT NULL,
    bulk_limit INTEGER NOT NULL,
    levels_json TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX approval_policies_kind ON approval_policies(company_id, kind, COALESCE(department_id, 0));
CREATE TABLE approval_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    kind TEXT NOT NULL,
    subject_kind TEXT,
    subject_id INTEGER,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    amount INTEGER,
    currency TEXT,
    department_id INTEGER REFERENCES departments(id),
    requester_id INTEGER REFERENCES users(id),
    status TEXT NOT NULL,
    deadline_hours INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    decided_at INTEGER,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX approval_requests_status ON approval_requests(company_id, status, created_at);
CREATE INDEX approval_requests_requester ON approval_requests(company_id, requester_id, created_at);
CREATE INDEX approval_requests_subject ON approval_requests(company_id, subject_kind, subject_id);
CREATE TABLE approval_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER NOT NULL REFERENCES approval_requests(id),
    company_id INTEGER NOT NULL REFERENCES companies(id),
    position INTEGER NOT NULL,
    rule TEXT NOT NULL,
    approver_user_id INTEGER REFERENCES users(id),
    approver_role TEXT,
    status TEXT NOT NULL,
    due_at INTEGER,
    decided_by INTEGER REFERENCES users(id),
    on_behalf_of INTEGER REFERENCES users(id),
    decided_at INTEGER,
    comment TEXT NOT NULL DEFAULT '',
    UNIQUE (request_id, position)
);
CREATE INDEX approval_steps_open ON approval_steps(status, due_at);
CREATE INDEX approval_steps_user ON approval_steps(company_id, approver_user_id, status);
CREATE INDEX approval_steps_role ON approval_steps(company_id, approver_role, status);
CREATE TABLE approval_delegates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    delegate_id INTEGER NOT NULL REFERENCES users(id),
    starts_on INTEGER NOT NULL,
    ends_on INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX approval_delegates_delegate ON approval_delegates(company_id, delegate_id, ends_on);
