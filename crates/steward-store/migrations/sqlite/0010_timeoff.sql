-- Time off: working calendars, holidays, policies, the accruals ledger, requests, iCalendar feeds.
-- Kept in lockstep with migrations/postgres/0010_timeoff.sql (a test compares them).
-- Amounts are milli-days (1000 = one working day), dates INTEGER yyyymmdd.
CREATE TABLE hr_timeoff_calendars (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    weekdays TEXT NOT NULL DEFAULT '12345',
    is_default INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (company_id, name)
);
CREATE TABLE hr_timeoff_holidays (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    calendar_id INTEGER NOT NULL REFERENCES hr_timeoff_calendars(id),
    day INTEGER NOT NULL,
    name TEXT NOT NULL,
    half_day INTEGER NOT NULL DEFAULT 0,
    UNIQUE (calendar_id, day)
);
CREATE TABLE hr_timeoff_policies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    accrual TEXT NOT NULL,
    entitlement_milli INTEGER NOT NULL DEFAULT 0,
    waiting_days INTEGER NOT NULL DEFAULT 0,
    carry_cap_milli INTEGER NOT NULL DEFAULT 0,
    carry_expiry_months INTEGER NOT NULL DEFAULT 0,
    allow_negative INTEGER NOT NULL DEFAULT 0,
    needs_approval INTEGER NOT NULL DEFAULT 1,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, name)
);
CREATE TABLE hr_timeoff_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    employee_id INTEGER NOT NULL REFERENCES hr_employees(id),
    policy_id INTEGER NOT NULL REFERENCES hr_timeoff_policies(id),
    start_day INTEGER NOT NULL,
    start_half INTEGER NOT NULL DEFAULT 0,
    end_day INTEGER NOT NULL,
    end_half INTEGER NOT NULL DEFAULT 0,
    amount_milli INTEGER NOT NULL,
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    decision_note TEXT NOT NULL DEFAULT '',
    approval_id INTEGER,
    created_by INTEGER REFERENCES users(id),
    decided_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX hr_timeoff_requests_employee ON hr_timeoff_requests(company_id, employee_id, start_day);
CREATE INDEX hr_timeoff_requests_days ON hr_timeoff_requests(company_id, start_day, end_day);
CREATE TABLE hr_timeoff_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    employee_id INTEGER NOT NULL REFERENCES hr_employees(id),
    policy_id INTEGER NOT NULL REFERENCES hr_timeoff_policies(id),
    day INTEGER NOT NULL,
    kind TEXT NOT NULL,
    amount_milli INTEGER NOT NULL,
    request_id INTEGER REFERENCES hr_timeoff_requests(id),
    period TEXT,
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    UNIQUE (company_id, employee_id, policy_id, period)
);
CREATE INDEX hr_timeoff_ledger_employee ON hr_timeoff_ledger(company_id, employee_id, policy_id, day);
CREATE TABLE hr_timeoff_feeds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    scope TEXT NOT NULL,
    employee_id INTEGER REFERENCES hr_employees(id),
    department_id INTEGER REFERENCES departments(id),
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
