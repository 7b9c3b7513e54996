-- Bank accounts and imported statements (steward_core::bank). Kept in lockstep with
-- migrations/postgres/0021_bank.sql. Dates are INTEGER yyyymmdd, instants µs since the
-- epoch, money in minor units of the account's currency.
CREATE TABLE bank_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    ledger_account_id INTEGER NOT NULL REFERENCES ledger_accounts(id),
    currency TEXT NOT NULL,
    iban TEXT NOT NULL DEFAULT '',
    bic TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, name)
);
CREATE TABLE bank_statements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    account_id INTEGER NOT NULL REFERENCES bank_accounts(id),
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    statement_id TEXT,
    start_date INTEGER,
    end_date INTEGER,
    opening_date INTEGER,
    opening_minor INTEGER,
    closing_date INTEGER,
    closing_minor INTEGER,
    line_count INTEGER NOT NULL,
    duplicate_count INTEGER NOT NULL DEFAULT 0,
    continuity INTEGER NOT NULL DEFAULT 1,
    imported_by INTEGER REFERENCES users(id),
    imported_at INTEGER NOT NULL
);
CREATE INDEX bank_statements_account ON bank_statements(account_id, id);
CREATE INDEX bank_statements_company ON bank_statements(company_id, imported_at);
CREATE TABLE bank_statement_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    statement_id INTEGER NOT NULL REFERENCES bank_statements(id),
    account_id INTEGER NOT NULL REFERENCES bank_accounts(id),
    booking_date INTEGER NOT NULL,
    value_date INTEGER,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    bank_ref TEXT,
    end_to_end_id TEXT,
    reference TEXT,
    counterparty_name TEXT,
    counterparty_iban TEXT,
    description TEXT NOT NULL DEFAULT '',
    identity TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'unmatched',
    source_line INTEGER NOT NULL
);
CREATE UNIQUE INDEX bank_statement_lines_identity ON bank_statement_lines(account_id, identity);
CREATE INDEX bank_statement_lines_statement ON bank_statement_lines(statement_id, id);
CREATE INDEX bank_statement_lines_account_date ON bank_statement_lines(account_id, booking_date, id);
CREATE TABLE bank_csv_mappings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    mapping TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (company_id, name)
);
