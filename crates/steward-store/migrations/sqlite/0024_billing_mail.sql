-- Billing by e-mail: the company's mail templates and reminder levels, the log of every
-- document or reminder sent (with the documents each covered and, for reminders, the level:
-- a (document, level) pair is written once ever), customers excluded from reminders, and
-- recurring invoices with the occurrences they made. Kept in lockstep with
-- migrations/postgres/0022_billing_mail.sql. Dates are INTEGER yyyymmdd, instants µs since
-- the epoch. `job_id` names the mail job, which the jobs table may purge once done: no key. An occurrence whose draft was discarded
-- keeps its row (document_id NULL), so it is not made again.
CREATE TABLE billing_mail_settings (
    company_id INTEGER PRIMARY KEY REFERENCES companies(id),
    invoice_subject TEXT NOT NULL,
    invoice_body TEXT NOT NULL,
    dunning_enabled INTEGER NOT NULL DEFAULT 0,
    levels TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE billing_sends (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    kind TEXT NOT NULL,
    party_id INTEGER NOT NULL REFERENCES billing_parties(id),
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    message_id TEXT NOT NULL,
    level INTEGER NOT NULL DEFAULT 0,
    job_id INTEGER,
    sent_by INTEGER REFERENCES users(id),
    sent_by_name TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    client_key TEXT
);
CREATE INDEX billing_sends_company ON billing_sends(company_id, kind, id);
CREATE UNIQUE INDEX billing_sends_client_key ON billing_sends(company_id, client_key);
CREATE TABLE billing_send_documents (
    send_id INTEGER NOT NULL REFERENCES billing_sends(id),
    document_id INTEGER NOT NULL REFERENCES billing_documents(id),
    level INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (send_id, document_id)
);
CREATE INDEX billing_send_documents_document ON billing_send_documents(document_id, level);
CREATE UNIQUE INDEX billing_send_documents_level_once ON billing_send_documents(document_id, level) WHERE level > 0;
CREATE TABLE billing_dunning_exclusions (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    party_id INTEGER NOT NULL REFERENCES billing_parties(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (company_id, party_id)
);
CREATE TABLE billing_recurring (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    party_id INTEGER NOT NULL REFERENCES billing_parties(id),
    source_id INTEGER REFERENCES billing_documents(id),
    rrule TEXT NOT NULL,
    start_date INTEGER NOT NULL,
    end_date INTEGER,
    max_count INTEGER,
    auto_post INTEGER NOT NULL DEFAULT 0,
    auto_send INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    content TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX billing_recurring_company ON billing_recurring(company_id, id);
CREATE INDEX billing_recurring_status ON billing_recurring(status);
CREATE TABLE billing_recurring_runs (
    recurring_id INTEGER NOT NULL REFERENCES billing_recurring(id),
    occurrence INTEGER NOT NULL,
    document_id INTEGER REFERENCES billing_documents(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (recurring_id, occurrence)
);
CREATE INDEX billing_recurring_runs_document ON billing_recurring_runs(document_id);
