-- HR: employees with effective-dated job and pay history, custom fields, locations,
-- positions and the department tree. Kept in lockstep with migrations/postgres/0008_hr.sql.
-- Dates are INTEGER yyyymmdd, instants µs since the epoch, FTE in thousandths (1000 = full
-- time), money in minor units with its currency code.
-- Links within a table (a department's parent, an employee's manager) are checked at commit, so
-- a restore may insert a row before the one it points to.
ALTER TABLE departments ADD COLUMN parent_id INTEGER REFERENCES departments(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE departments ADD COLUMN code TEXT;
CREATE INDEX departments_parent ON departments(company_id, parent_id);
CREATE TABLE hr_locations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    calendar_id INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (company_id, name)
);
CREATE TABLE hr_positions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    title TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    reports_to INTEGER REFERENCES hr_positions(id) DEFERRABLE INITIALLY DEFERRED,
    created_at INTEGER NOT NULL,
    UNIQUE (company_id, title, department_id)
);
CREATE TABLE hr_employees (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    user_id INTEGER REFERENCES users(id),
    employee_number TEXT NOT NULL,
    legal_name TEXT NOT NULL,
    preferred_name TEXT NOT NULL DEFAULT '',
    work_email TEXT NOT NULL DEFAULT '',
    work_phone TEXT NOT NULL DEFAULT '',
    birth_date INTEGER,
    personal_email TEXT NOT NULL DEFAULT '',
    personal_phone TEXT NOT NULL DEFAULT '',
    home_address TEXT NOT NULL DEFAULT '',
    postal_address TEXT NOT NULL DEFAULT '',
    national_id TEXT NOT NULL DEFAULT '',
    tax_id TEXT NOT NULL DEFAULT '',
    emergency_contacts TEXT NOT NULL DEFAULT '[]',
    position TEXT NOT NULL DEFAULT '',
    department_id INTEGER REFERENCES departments(id),
    manager_id INTEGER REFERENCES hr_employees(id) DEFERRABLE INITIALLY DEFERRED,
    location_id INTEGER REFERENCES hr_locations(id),
    employment_type TEXT NOT NULL,
    fte_milli INTEGER NOT NULL DEFAULT 1000,
    start_date INTEGER NOT NULL,
    probation_end INTEGER,
    end_date INTEGER,
    end_reason TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    custom TEXT NOT NULL DEFAULT '{}',
    search TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    -- The first day the copy of today's job or the status goes stale (see steward_core::hr::employees).
    next_change INTEGER,
    UNIQUE (company_id, employee_number)
);
CREATE UNIQUE INDEX hr_employees_user ON hr_employees(company_id, user_id);
CREATE INDEX hr_employees_name ON hr_employees(company_id, legal_name, id);
CREATE INDEX hr_employees_department ON hr_employees(company_id, department_id, status, legal_name);
CREATE INDEX hr_employees_manager ON hr_employees(company_id, manager_id);
CREATE INDEX hr_employees_status ON hr_employees(company_id, status, legal_name);
CREATE INDEX hr_employees_start ON hr_employees(company_id, start_date);
CREATE INDEX hr_employees_work_email ON hr_employees(company_id, work_email);
CREATE INDEX hr_employees_next_change ON hr_employees(company_id, next_change);
CREATE INDEX hr_employees_location ON hr_employees(company_id, location_id, legal_name);
CREATE INDEX hr_employees_position ON hr_employees(company_id, position, id);
-- The job an employee holds from a date on; the row with the latest effective_date on or
-- before a day is the job on that day. hr_employees holds a copy of today's for lists.
CREATE TABLE hr_job_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    employee_id INTEGER NOT NULL REFERENCES hr_employees(id),
    effective_date INTEGER NOT NULL,
    position TEXT NOT NULL DEFAULT '',
    department_id INTEGER REFERENCES departments(id),
    manager_id INTEGER REFERENCES hr_employees(id) DEFERRABLE INITIALLY DEFERRED,
    location_id INTEGER REFERENCES hr_locations(id),
    employment_type TEXT NOT NULL,
    fte_milli INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX hr_job_history_employee ON hr_job_history(employee_id, effective_date, id);
CREATE INDEX hr_job_history_company ON hr_job_history(company_id, effective_date);
-- Contracts and pay, effective-dated the same way. Sensitive.
CREATE TABLE hr_contracts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    employee_id INTEGER NOT NULL REFERENCES hr_employees(id),
    effective_date INTEGER NOT NULL,
    end_date INTEGER,
    contract_type TEXT NOT NULL,
    pay_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    frequency TEXT NOT NULL,
    hours_per_week_milli INTEGER,
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX hr_contracts_employee ON hr_contracts(employee_id, effective_date, id);
-- Custom fields per company; values live in hr_employees.custom as a JSON object by key.
CREATE TABLE hr_custom_fields (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    choices TEXT NOT NULL DEFAULT '[]',
    required INTEGER NOT NULL DEFAULT 0,
    required_for TEXT NOT NULL DEFAULT '',
    sensitive INTEGER NOT NULL DEFAULT 0,
    help TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    UNIQUE (company_id, key)
);
-- Self-service changes to sensitive fields wait for HR here (Work's approvals decide).
CREATE TABLE hr_change_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    employee_id INTEGER NOT NULL REFERENCES hr_employees(id),
    requested_by INTEGER REFERENCES users(id),
    changes TEXT NOT NULL,
    status TEXT NOT NULL,
    approval_id INTEGER,
    comment TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    decided_at INTEGER
);
CREATE INDEX hr_change_requests_employee ON hr_change_requests(company_id, employee_id, id);
