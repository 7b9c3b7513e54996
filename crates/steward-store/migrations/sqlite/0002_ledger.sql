-- General ledger: settings, commodities, accounts, journals, number sequences, imports,
-- entries, postings, stored monthly balances, periods and rates.
-- Kept in lockstep with migrations/postgres/0002_ledger.sql (a test compares them).
-- Dates are INTEGER yyyymmdd, months yyyymm, instants µs since the epoch.
CREATE TABLE ledger_settings (
    company_id INTEGER PRIMARY KEY REFERENCES companies(id),
    fiscal_year_start_month INTEGER NOT NULL DEFAULT 1,
    approval_threshold INTEGER,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE ledger_commodities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    symbol TEXT NOT NULL,
    precision INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    UNIQUE (company_id, symbol)
);
CREATE TABLE ledger_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    code TEXT,
    parent_id INTEGER REFERENCES ledger_accounts(id),
    kind TEXT NOT NULL,
    commodity_id INTEGER REFERENCES ledger_commodities(id),
    active INTEGER NOT NULL DEFAULT 1,
    has_children INTEGER NOT NULL DEFAULT 0,
    description TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, name)
);
CREATE UNIQUE INDEX ledger_accounts_code ON ledger_accounts(company_id, code) WHERE code IS NOT NULL;
CREATE TABLE ledger_journals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    UNIQUE (company_id, code)
);
-- The last number handed out per journal and fiscal year (gap-free: taken in the posting
-- transaction, so a rollback returns it).
CREATE TABLE ledger_sequences (
    journal_id INTEGER NOT NULL REFERENCES ledger_journals(id),
    fiscal_year INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (journal_id, fiscal_year)
);
CREATE TABLE ledger_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    format TEXT NOT NULL,
    entries INTEGER NOT NULL DEFAULT 0,
    postings INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL
);
-- Drafts and pending entries keep their lines in lines_json; posted ones in ledger_postings.
-- The references of the two big tables are checked at commit: a bulk insert then needs no
-- statement journal on SQLite (measured: it copied every touched page per statement).
CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id) DEFERRABLE INITIALLY DEFERRED,
    journal_id INTEGER NOT NULL REFERENCES ledger_journals(id) DEFERRABLE INITIALLY DEFERRED,
    fiscal_year INTEGER NOT NULL,
    seq INTEGER,
    date INTEGER NOT NULL,
    status TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    lines_json TEXT,
    client_key TEXT,
    reverses_id INTEGER,
    import_id INTEGER,
    created_by INTEGER,
    created_at INTEGER NOT NULL,
    posted_at INTEGER,
    approved_by INTEGER,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX ledger_entries_client_key ON ledger_entries(company_id, client_key) WHERE client_key IS NOT NULL;
CREATE UNIQUE INDEX ledger_entries_number ON ledger_entries(journal_id, fiscal_year, seq) WHERE seq IS NOT NULL;
CREATE INDEX ledger_entries_date ON ledger_entries(company_id, date, id);
CREATE INDEX ledger_entries_open ON ledger_entries(company_id, status) WHERE status <> 'posted';
CREATE INDEX ledger_entries_reverses ON ledger_entries(reverses_id) WHERE reverses_id IS NOT NULL;
-- Written once, never changed (triggers below). The store checks account and commodity ids
-- before writing; the key and the account index are the only indexes (bulk imports).
CREATE TABLE ledger_postings (
    entry_id INTEGER NOT NULL REFERENCES ledger_entries(id) DEFERRABLE INITIALLY DEFERRED,
    line_no INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    commodity_id INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    cost_commodity_id INTEGER,
    cost_amount INTEGER,
    department_id INTEGER,
    project TEXT NOT NULL DEFAULT '',
    memo TEXT NOT NULL DEFAULT '',
    date INTEGER NOT NULL,
    PRIMARY KEY (entry_id, line_no)
) WITHOUT ROWID;
CREATE INDEX ledger_postings_account ON ledger_postings(account_id, date, entry_id, line_no);
-- Sums of posted lines per account, commodity, month and dimensions (department 0: none),
-- kept in the posting transaction. debit: sum of positive amounts; credit: of negative
-- amounts, as a positive number; amount = debit - credit.
CREATE TABLE ledger_balances (
    account_id INTEGER NOT NULL,
    commodity_id INTEGER NOT NULL,
    month INTEGER NOT NULL,
    department_id INTEGER NOT NULL DEFAULT 0,
    project TEXT NOT NULL DEFAULT '',
    company_id INTEGER NOT NULL REFERENCES companies(id),
    amount INTEGER NOT NULL,
    debit INTEGER NOT NULL,
    credit INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (account_id, commodity_id, month, department_id, project)
) WITHOUT ROWID;
-- Covers the reports' sums: walks one company in (account, commodity) order, no lookups.
CREATE INDEX ledger_balances_sums ON ledger_balances(company_id, account_id, commodity_id, month, amount, debit, credit);
CREATE TABLE ledger_periods (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    month INTEGER NOT NULL,
    status TEXT NOT NULL,
    changed_by TEXT NOT NULL DEFAULT '',
    changed_at INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (company_id, month)
);
CREATE TABLE ledger_rates (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    commodity_id INTEGER NOT NULL REFERENCES ledger_commodities(id),
    quote_id INTEGER NOT NULL REFERENCES ledger_commodities(id),
    date INTEGER NOT NULL,
    rate TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (company_id, commodity_id, quote_id, date)
);
-- Dialect-specific below: only the trigger names are compared.
-- The ledger is append-only in the database too: postings never change, posted entries
-- never change (a restore only inserts).
CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'postings are immutable'); END;
CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'postings are immutable'); END;
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries WHEN OLD.status = 'posted'
BEGIN SELECT RAISE(ABORT, 'posted entries are immutable'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries WHEN OLD.status = 'posted'
BEGIN SELECT RAISE(ABORT, 'posted entries are immutable'); END;
