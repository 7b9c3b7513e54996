-- Bank reconciliation (steward_core::bank::reconcile). Kept in lockstep with
-- migrations/postgres/0022_bank_reconcile.sql. A statement line's reconciliation: a payment
-- recorded for it or before, a ledger entry posted for it or before. Undoing keeps the row
-- (undone_at, undone_by); the partial unique indexes allow one open reconciliation per
-- line, per payment and per entry.
CREATE TABLE bank_reconciliations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    line_id INTEGER NOT NULL REFERENCES bank_statement_lines(id),
    kind TEXT NOT NULL,
    payment_id INTEGER REFERENCES billing_payments(id),
    entry_id INTEGER REFERENCES ledger_entries(id),
    client_key TEXT,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    undone_at INTEGER,
    undone_by INTEGER REFERENCES users(id),
    reversal_entry_id INTEGER REFERENCES ledger_entries(id)
);
CREATE UNIQUE INDEX bank_reconciliations_line ON bank_reconciliations(line_id) WHERE undone_at IS NULL;
CREATE UNIQUE INDEX bank_reconciliations_payment ON bank_reconciliations(payment_id) WHERE undone_at IS NULL AND payment_id IS NOT NULL;
CREATE UNIQUE INDEX bank_reconciliations_entry ON bank_reconciliations(entry_id) WHERE undone_at IS NULL AND entry_id IS NOT NULL;
CREATE UNIQUE INDEX bank_reconciliations_client_key ON bank_reconciliations(company_id, client_key);
CREATE INDEX bank_reconciliations_history ON bank_reconciliations(line_id, id);
CREATE INDEX billing_payments_account ON billing_payments(company_id, account_id);
CREATE INDEX billing_payments_entry ON billing_payments(entry_id);
