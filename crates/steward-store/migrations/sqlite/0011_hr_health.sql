-- Record health: the problems found by the last run and the history of runs.
-- Kept in lockstep with migrations/postgres/0011_hr_health.sql (a test compares them).
-- A run replaces the company's issues; each run leaves one row in hr_health_runs (the trend).
CREATE TABLE hr_health_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    employees INTEGER NOT NULL,
    affected INTEGER NOT NULL,
    issues INTEGER NOT NULL,
    counts TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX hr_health_runs_company ON hr_health_runs(company_id, id);
-- One problem: a rule broken by an employee (employee_id) or a department (department_id),
-- with the record to fix (record_kind/record_id: hr.document, hr.certification, department).
CREATE TABLE hr_health_issues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    rule TEXT NOT NULL,
    employee_id INTEGER REFERENCES hr_employees(id),
    department_id INTEGER REFERENCES departments(id),
    record_kind TEXT NOT NULL DEFAULT '',
    record_id INTEGER,
    detail TEXT NOT NULL DEFAULT '',
    found_at INTEGER NOT NULL
);
CREATE INDEX hr_health_issues_rule ON hr_health_issues(company_id, rule);
CREATE INDEX hr_health_issues_employee ON hr_health_issues(company_id, employee_id);
-- Department codes are unique in a company (several departments may have none).
CREATE UNIQUE INDEX departments_code ON departments(company_id, code);
