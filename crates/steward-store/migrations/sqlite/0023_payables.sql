-- Payables: bills above a threshold wait for approval, payment runs (SEPA credit
-- transfers to vendors). Kept in lockstep with migrations/postgres/0022_payables.sql.
-- Dates are INTEGER yyyymmdd, instants µs since the epoch, money in minor units.
ALTER TABLE billing_settings ADD COLUMN bill_approval_threshold INTEGER;
ALTER TABLE billing_documents ADD COLUMN submitted_by INTEGER;
ALTER TABLE billing_documents ADD COLUMN approval_note TEXT NOT NULL DEFAULT '';
CREATE TABLE billing_payment_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    bank_account_id INTEGER NOT NULL REFERENCES bank_accounts(id),
    status TEXT NOT NULL,
    due_by INTEGER NOT NULL,
    execution_date INTEGER NOT NULL,
    currency TEXT NOT NULL,
    total INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    client_key TEXT,
    created_by INTEGER,
    created_at INTEGER NOT NULL,
    submitted_by INTEGER,
    decided_by INTEGER,
    sent_at INTEGER,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX billing_payment_runs_client_key ON billing_payment_runs(company_id, client_key);
CREATE INDEX billing_payment_runs_list ON billing_payment_runs(company_id, execution_date, id);
CREATE TABLE billing_payment_run_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES billing_payment_runs(id),
    party_id INTEGER NOT NULL REFERENCES billing_parties(id),
    document_id INTEGER NOT NULL REFERENCES billing_documents(id),
    amount INTEGER NOT NULL,
    payment_id INTEGER REFERENCES billing_payments(id),
    UNIQUE (run_id, document_id)
);
CREATE INDEX billing_payment_run_lines_document ON billing_payment_run_lines(document_id);
CREATE INDEX billing_payment_run_lines_party ON billing_payment_run_lines(party_id);
CREATE INDEX billing_payment_run_lines_payment ON billing_payment_run_lines(payment_id);
