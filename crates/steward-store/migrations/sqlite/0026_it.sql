-- IT assets: categories, models, assets and each asset's history of events (check-out,
-- check-in, ...). Dates are INTEGER yyyymmdd, instants µs since the epoch, money in minor
-- units of the row's currency. A serial is NULL when none (so many assets may have none);
-- given, it is unique in the company, as the tag always is; category and model names are
-- unique in any case. it_tag_counters numbers the
-- tags given by the store (A-000123). Kept in lockstep with migrations/postgres/0026_it.sql.
CREATE TABLE it_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX it_categories_name ON it_categories(company_id, lower(name));
CREATE TABLE it_models (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    category_id INTEGER NOT NULL REFERENCES it_categories(id),
    name TEXT NOT NULL,
    maker TEXT NOT NULL DEFAULT '',
    model_number TEXT NOT NULL DEFAULT '',
    depreciation TEXT NOT NULL DEFAULT 'none',
    life_months INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX it_models_name ON it_models(company_id, lower(name));
CREATE TABLE it_assets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    tag TEXT NOT NULL,
    serial TEXT,
    name TEXT NOT NULL DEFAULT '',
    model_id INTEGER NOT NULL REFERENCES it_models(id),
    status TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    supplier TEXT NOT NULL DEFAULT '',
    purchase_date INTEGER,
    purchase_cost INTEGER,
    currency TEXT NOT NULL,
    warranty_end INTEGER,
    notes TEXT NOT NULL DEFAULT '',
    holder_id INTEGER REFERENCES hr_employees(id),
    expected_return INTEGER,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, tag)
);
CREATE UNIQUE INDEX it_assets_serial ON it_assets(company_id, serial);
CREATE INDEX it_assets_status ON it_assets(company_id, status, tag);
CREATE INDEX it_assets_model ON it_assets(company_id, model_id, tag);
CREATE INDEX it_assets_holder ON it_assets(company_id, holder_id);
CREATE INDEX it_assets_due ON it_assets(status, expected_return);
CREATE TABLE it_asset_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    asset_id INTEGER NOT NULL REFERENCES it_assets(id),
    kind TEXT NOT NULL,
    employee_id INTEGER REFERENCES hr_employees(id),
    expected_return INTEGER,
    note TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    actor TEXT NOT NULL
);
CREATE INDEX it_asset_events_asset ON it_asset_events(company_id, asset_id, id);
CREATE INDEX it_asset_events_employee ON it_asset_events(company_id, employee_id, id);
CREATE TABLE it_tag_counters (
    company_id INTEGER PRIMARY KEY REFERENCES companies(id),
    last INTEGER NOT NULL DEFAULT 0
);
-- What an offboarding asks back may name the record lent (`it.asset:12`): checking that in
-- closes the item.
ALTER TABLE hr_returns ADD COLUMN record TEXT;
CREATE INDEX hr_returns_record ON hr_returns(company_id, record);
