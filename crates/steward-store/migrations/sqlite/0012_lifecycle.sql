-- HR: on- and offboardings (the checklist's tasks, the leaving reason) and what a leaver
-- must hand back. Kept in lockstep with migrations/postgres/0012_lifecycle.sql.
CREATE TABLE hr_lifecycles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    employee_id INTEGER NOT NULL REFERENCES hr_employees(id),
    kind TEXT NOT NULL,
    start_date INTEGER NOT NULL,
    reason TEXT,
    note TEXT NOT NULL DEFAULT '',
    tasks TEXT NOT NULL DEFAULT '[]',
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    UNIQUE (company_id, employee_id, kind)
);
CREATE TABLE hr_returns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    employee_id INTEGER NOT NULL REFERENCES hr_employees(id),
    lifecycle_id INTEGER NOT NULL REFERENCES hr_lifecycles(id),
    item TEXT NOT NULL,
    source TEXT NOT NULL,
    returned_at INTEGER,
    returned_by INTEGER REFERENCES users(id)
);
CREATE INDEX hr_returns_employee ON hr_returns(company_id, employee_id, id);
