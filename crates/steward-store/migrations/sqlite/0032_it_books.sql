-- IT to the books (see steward_core::it::books): each category's accounts; each booked
-- asset's books (cost, residual value, method and life, and the accounts as booked, with
-- the depreciation posted so far and its disposal); the depreciation runs and what each
-- posted per asset and month (one row an asset a month: a second run of the same month
-- cannot write it again); and a per-company version that every run and disposal moves,
-- so two of them at once cannot both count a month. Dates are yyyymmdd, months yyyymm01
-- as dates, money minor units. Kept in lockstep with migrations/postgres/0032_it_books.sql.
CREATE TABLE it_category_accounts (
    category_id INTEGER PRIMARY KEY REFERENCES it_categories(id),
    company_id INTEGER NOT NULL REFERENCES companies(id),
    asset_account_id INTEGER REFERENCES ledger_accounts(id),
    accumulated_account_id INTEGER REFERENCES ledger_accounts(id),
    expense_account_id INTEGER REFERENCES ledger_accounts(id),
    disposal_account_id INTEGER REFERENCES ledger_accounts(id)
);
CREATE INDEX it_category_accounts_company ON it_category_accounts(company_id);
CREATE TABLE it_asset_books (
    asset_id INTEGER PRIMARY KEY REFERENCES it_assets(id),
    company_id INTEGER NOT NULL REFERENCES companies(id),
    booked_on INTEGER NOT NULL,
    cost INTEGER NOT NULL,
    currency TEXT NOT NULL,
    residual INTEGER NOT NULL DEFAULT 0,
    method TEXT NOT NULL,
    life_months INTEGER NOT NULL,
    start_month INTEGER NOT NULL,
    asset_account_id INTEGER NOT NULL REFERENCES ledger_accounts(id),
    accumulated_account_id INTEGER NOT NULL REFERENCES ledger_accounts(id),
    expense_account_id INTEGER NOT NULL REFERENCES ledger_accounts(id),
    entry_id INTEGER NOT NULL REFERENCES ledger_entries(id),
    depreciated INTEGER NOT NULL DEFAULT 0,
    depreciated_through INTEGER,
    disposed_on INTEGER,
    proceeds INTEGER,
    disposal_entry_id INTEGER REFERENCES ledger_entries(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX it_asset_books_open ON it_asset_books(company_id, disposed_on);
CREATE TABLE it_depreciation_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    through INTEGER NOT NULL,
    entry_id INTEGER NOT NULL REFERENCES ledger_entries(id),
    assets INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX it_depreciation_runs_company ON it_depreciation_runs(company_id, id);
CREATE TABLE it_depreciation_lines (
    asset_id INTEGER NOT NULL REFERENCES it_assets(id),
    month INTEGER NOT NULL,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    amount INTEGER NOT NULL,
    entry_id INTEGER NOT NULL REFERENCES ledger_entries(id),
    PRIMARY KEY (asset_id, month)
);
-- A run's rows by its entry: the run moves each asset's total from them in one statement.
CREATE INDEX it_depreciation_lines_entry ON it_depreciation_lines(entry_id);
CREATE TABLE it_books_state (
    company_id INTEGER PRIMARY KEY REFERENCES companies(id),
    version INTEGER NOT NULL
);
