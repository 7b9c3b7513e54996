-- Billing: customers and vendors (parties), tax codes, sales invoices, credit notes and
-- vendor bills. Kept in lockstep with migrations/postgres/0019_billing.sql.
-- Dates are INTEGER yyyymmdd, instants µs since the epoch, money in minor units of the
-- document's currency; quantities in ten-thousandths, discounts in hundredths of a percent
-- (10000 = 100 %), tax rates in ten-thousandths of a percent (1000000 = 100 %).
CREATE TABLE billing_settings (
    company_id INTEGER PRIMARY KEY REFERENCES companies(id),
    receivable_account_id INTEGER REFERENCES ledger_accounts(id),
    payable_account_id INTEGER REFERENCES ledger_accounts(id),
    tax_rounding TEXT NOT NULL DEFAULT 'line',
    version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE billing_parties (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    legal_name TEXT NOT NULL DEFAULT '',
    is_customer INTEGER NOT NULL DEFAULT 0,
    is_vendor INTEGER NOT NULL DEFAULT 0,
    tax_id TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    payment_terms_days INTEGER NOT NULL DEFAULT 30,
    currency TEXT NOT NULL,
    income_account_id INTEGER REFERENCES ledger_accounts(id),
    expense_account_id INTEGER REFERENCES ledger_accounts(id),
    iban TEXT NOT NULL DEFAULT '',
    bic TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, name)
);
CREATE INDEX billing_parties_name_lower ON billing_parties(company_id, lower(name));
CREATE TABLE billing_tax_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    rate INTEGER NOT NULL,
    inclusive INTEGER NOT NULL DEFAULT 0,
    collected_account_id INTEGER REFERENCES ledger_accounts(id),
    paid_account_id INTEGER REFERENCES ledger_accounts(id),
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, code)
);
CREATE TABLE billing_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    party_id INTEGER NOT NULL REFERENCES billing_parties(id),
    series TEXT NOT NULL,
    year INTEGER,
    seq INTEGER,
    number TEXT,
    issue_date INTEGER NOT NULL,
    due_date INTEGER NOT NULL,
    currency TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    credited_id INTEGER REFERENCES billing_documents(id) DEFERRABLE INITIALLY DEFERRED,
    subtotal INTEGER NOT NULL DEFAULT 0,
    tax INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    tax_rounding TEXT NOT NULL,
    entry_id INTEGER REFERENCES ledger_entries(id),
    client_key TEXT,
    created_by INTEGER,
    created_at INTEGER NOT NULL,
    posted_by INTEGER,
    posted_at INTEGER,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX billing_documents_number ON billing_documents(company_id, series, year, seq);
CREATE UNIQUE INDEX billing_documents_client_key ON billing_documents(company_id, client_key);
CREATE INDEX billing_documents_list ON billing_documents(company_id, kind, issue_date, id);
CREATE INDEX billing_documents_party ON billing_documents(company_id, party_id, issue_date);
CREATE INDEX billing_documents_open ON billing_documents(company_id, kind, status, due_date);
CREATE INDEX billing_documents_credited ON billing_documents(credited_id);
CREATE TABLE billing_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES billing_documents(id),
    position INTEGER NOT NULL,
    description TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price INTEGER NOT NULL,
    discount INTEGER NOT NULL DEFAULT 0,
    tax_code_id INTEGER REFERENCES billing_tax_codes(id),
    account_id INTEGER NOT NULL REFERENCES ledger_accounts(id),
    department_id INTEGER REFERENCES departments(id),
    project TEXT NOT NULL DEFAULT '',
    credited_line_id INTEGER REFERENCES billing_lines(id) DEFERRABLE INITIALLY DEFERRED,
    net INTEGER NOT NULL,
    tax INTEGER NOT NULL,
    UNIQUE (document_id, position)
);
CREATE INDEX billing_lines_credited ON billing_lines(credited_line_id);
CREATE TABLE billing_sequences (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (company_id, series, year)
);
-- Dialect-specific below: only the trigger names are compared.
CREATE TRIGGER billing_documents_no_update BEFORE UPDATE ON billing_documents WHEN OLD.status = 'posted'
BEGIN SELECT RAISE(ABORT, 'posted documents are immutable'); END;
CREATE TRIGGER billing_documents_no_delete BEFORE DELETE ON billing_documents WHEN OLD.status = 'posted'
BEGIN SELECT RAISE(ABORT, 'posted documents are immutable'); END;
CREATE TRIGGER billing_lines_no_update BEFORE UPDATE ON billing_lines WHEN (SELECT status FROM billing_documents WHERE id = OLD.document_id) = 'posted'
BEGIN SELECT RAISE(ABORT, 'posted documents are immutable'); END;
CREATE TRIGGER billing_lines_no_delete BEFORE DELETE ON billing_lines WHEN (SELECT status FROM billing_documents WHERE id = OLD.document_id) = 'posted'
BEGIN SELECT RAISE(ABORT, 'posted documents are immutable'); END;
