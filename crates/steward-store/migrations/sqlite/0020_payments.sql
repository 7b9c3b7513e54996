-- Payments received and made, and their allocations to posted documents (also credit
-- notes applied to the invoices they credit). Kept in lockstep with
-- migrations/postgres/0020_payments.sql. Amounts in minor units, dates yyyymmdd.
CREATE TABLE billing_payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    kind TEXT NOT NULL,
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    number TEXT NOT NULL,
    party_id INTEGER NOT NULL REFERENCES billing_parties(id),
    date INTEGER NOT NULL,
    currency TEXT NOT NULL,
    amount INTEGER NOT NULL,
    account_id INTEGER NOT NULL REFERENCES ledger_accounts(id),
    reference TEXT NOT NULL DEFAULT '',
    writeoff_account_id INTEGER REFERENCES ledger_accounts(id),
    writeoff INTEGER NOT NULL DEFAULT 0,
    entry_id INTEGER REFERENCES ledger_entries(id),
    client_key TEXT,
    created_by INTEGER,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX billing_payments_number ON billing_payments(company_id, series, year, seq);
CREATE UNIQUE INDEX billing_payments_client_key ON billing_payments(company_id, client_key);
CREATE INDEX billing_payments_list ON billing_payments(company_id, kind, date, id);
CREATE INDEX billing_payments_party ON billing_payments(company_id, party_id, date);
CREATE TABLE billing_allocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    payment_id INTEGER REFERENCES billing_payments(id),
    credit_id INTEGER REFERENCES billing_documents(id),
    document_id INTEGER NOT NULL REFERENCES billing_documents(id),
    amount INTEGER NOT NULL,
    date INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX billing_allocations_document ON billing_allocations(company_id, document_id, date);
CREATE INDEX billing_allocations_payment ON billing_allocations(payment_id);
CREATE INDEX billing_allocations_credit ON billing_allocations(credit_id);
-- Dialect-specific below: only the trigger names are compared.
CREATE TRIGGER billing_payments_no_update BEFORE UPDATE ON billing_payments
BEGIN SELECT RAISE(ABORT, 'posted payments are immutable'); END;
CREATE TRIGGER billing_payments_no_delete BEFORE DELETE ON billing_payments
BEGIN SELECT RAISE(ABORT, 'posted payments are immutable'); END;
CREATE TRIGGER billing_allocations_no_update BEFORE UPDATE ON billing_allocations
BEGIN SELECT RAISE(ABORT, 'allocations are immutable'); END;
CREATE TRIGGER billing_allocations_no_delete BEFORE DELETE ON billing_allocations
BEGIN SELECT RAISE(ABORT, 'allocations are immutable'); END;
