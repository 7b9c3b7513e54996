-- Work: tasks and delegation, checklist templates and recurring rules.
-- Kept in lockstep with migrations/postgres/0004_tasks.sql (a test compares them).
-- Dates are INTEGER yyyymmdd, instants µs since the epoch, priorities 1 (low) to 4 (urgent).
CREATE TABLE work_task_templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    key TEXT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    items TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (company_id, name)
);
CREATE UNIQUE INDEX work_task_templates_key ON work_task_templates(company_id, key);
CREATE TABLE work_task_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    rrule TEXT NOT NULL,
    start_date INTEGER NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    assignee_id INTEGER REFERENCES users(id),
    priority INTEGER NOT NULL,
    checklist TEXT NOT NULL DEFAULT '[]',
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX work_task_rules_company ON work_task_rules(company_id, id);
CREATE TABLE work_tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner_id INTEGER NOT NULL REFERENCES users(id),
    assignee_id INTEGER REFERENCES users(id),
    due INTEGER,
    priority INTEGER NOT NULL,
    status TEXT NOT NULL,
    link_kind TEXT,
    link_id INTEGER,
    template_id INTEGER REFERENCES work_task_templates(id),
    rule_id INTEGER REFERENCES work_task_rules(id),
    occurrence INTEGER,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    completed_at INTEGER,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX work_tasks_due ON work_tasks(company_id, due, id);
CREATE INDEX work_tasks_assignee ON work_tasks(company_id, assignee_id, status, due);
CREATE INDEX work_tasks_owner ON work_tasks(company_id, owner_id, status);
CREATE INDEX work_tasks_status ON work_tasks(company_id, status, due);
CREATE INDEX work_tasks_link ON work_tasks(company_id, link_kind, link_id);
-- A recurring rule creates its task for a date once, however often the job runs.
CREATE UNIQUE INDEX work_tasks_occurrence ON work_tasks(rule_id, occurrence);
CREATE TABLE work_task_watchers (
    task_id INTEGER NOT NULL REFERENCES work_tasks(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (task_id, user_id)
);
CREATE INDEX work_task_watchers_user ON work_task_watchers(user_id, task_id);
CREATE TABLE work_task_checklist (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id INTEGER NOT NULL REFERENCES work_tasks(id),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    done_by INTEGER REFERENCES users(id),
    done_at INTEGER
);
CREATE INDEX work_task_checklist_task ON work_task_checklist(task_id, position);
CREATE TABLE work_task_comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id INTEGER NOT NULL REFERENCES work_tasks(id),
    author_id INTEGER REFERENCES users(id),
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX work_task_comments_task ON work_task_comments(task_id, id);
-- Who held a task when: one row per stretch; the current one has no until_at.
CREATE TABLE work_task_assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id INTEGER NOT NULL REFERENCES work_tasks(id),
    assignee_id INTEGER REFERENCES users(id),
    assigned_by INTEGER REFERENCES users(id),
    note TEXT NOT NULL DEFAULT '',
    from_at INTEGER NOT NULL,
    until_at INTEGER
);
CREATE INDEX work_task_assignments_task ON work_task_assignments(task_id, id);
