-- Work: front-office escalations ("cases"), their communication log, and the service
-- levels per company (targets per priority, working calendar, holidays).
-- Kept in lockstep with migrations/postgres/0006_cases.sql (a test compares them).
-- Instants are µs since the epoch; business durations µs; holidays INTEGER yyyymmdd.
CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    customer_name TEXT NOT NULL,
    customer_email TEXT NOT NULL DEFAULT '',
    customer_phone TEXT NOT NULL DEFAULT '',
    customer_ref TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,
    priority INTEGER NOT NULL,
    status TEXT NOT NULL,
    is_open INTEGER NOT NULL DEFAULT 1,
    opened_by INTEGER NOT NULL REFERENCES users(id),
    assignee_id INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    first_response_at INTEGER,
    resolved_at INTEGER,
    closed_at INTEGER,
    paused_since INTEGER,
    paused_micros INTEGER NOT NULL DEFAULT 0,
    first_response_due INTEGER,
    resolution_due INTEGER,
    sla_state TEXT NOT NULL,
    response_warned_at INTEGER,
    response_breached_at INTEGER,
    resolution_warned_at INTEGER,
    resolution_breached_at INTEGER,
    first_response_micros INTEGER,
    resolution_micros INTEGER,
    resolution TEXT NOT NULL DEFAULT '',
    resolution_category TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1
);
-- The queue: open cases by priority and due time.
CREATE INDEX cases_queue ON cases(company_id, is_open, priority, resolution_due);
CREATE INDEX cases_created ON cases(company_id, created_at);
CREATE INDEX cases_opened_by ON cases(company_id, opened_by, created_at);
CREATE INDEX cases_assignee ON cases(company_id, assignee_id);
-- The SLA job reads every open case.
CREATE INDEX cases_open ON cases(is_open, company_id);
CREATE TABLE case_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    case_id INTEGER NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    internal INTEGER NOT NULL,
    body TEXT NOT NULL,
    author_id INTEGER REFERENCES users(id),
    mail_to TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX case_log_case ON case_log(case_id, id);
CREATE TABLE case_sla_settings (
    company_id INTEGER PRIMARY KEY REFERENCES companies(id),
    utc_offset_minutes INTEGER NOT NULL DEFAULT 0,
    mon TEXT NOT NULL DEFAULT '',
    tue TEXT NOT NULL DEFAULT '',
    wed TEXT NOT NULL DEFAULT '',
    thu TEXT NOT NULL DEFAULT '',
    fri TEXT NOT NULL DEFAULT '',
    sat TEXT NOT NULL DEFAULT '',
    sun TEXT NOT NULL DEFAULT '',
    warn_percent INTEGER NOT NULL DEFAULT 80,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE case_sla_targets (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    priority INTEGER NOT NULL,
    first_response_minutes INTEGER NOT NULL,
    resolution_minutes INTEGER NOT NULL,
    PRIMARY KEY (company_id, priority)
);
CREATE TABLE case_holidays (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    day INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (company_id, day)
);
