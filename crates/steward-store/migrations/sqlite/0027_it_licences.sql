-- IT licences and consumables. A licence owns `seats` and keeps `seats_used`, the number of
-- its seats assigned now, updated in the assignment's transaction by a conditional UPDATE
-- (`seats_used < seats`), so two assignments at once cannot overrun. A seat goes to an
-- employee or an asset; unassigned seats keep their row (`unassigned_at`) as history; a
-- holder has at most one seat of a licence at a time. `reminded_for` is the expiry date
-- the leads were last told about. Consumables keep their stock in `quantity`, never below
-- 0 (a CHECK as the last guard); every change is a movement. Dates are INTEGER yyyymmdd,
-- instants µs since the epoch, money minor units of the row's currency.
-- Kept in lockstep with migrations/postgres/0027_it_licences.sql.
CREATE TABLE it_licences (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    product TEXT NOT NULL,
    vendor TEXT NOT NULL DEFAULT '',
    seats INTEGER NOT NULL,
    seats_used INTEGER NOT NULL DEFAULT 0,
    cost INTEGER,
    currency TEXT NOT NULL,
    purchase_date INTEGER,
    expires_on INTEGER,
    notes TEXT NOT NULL DEFAULT '',
    licence_key TEXT,
    reminded_for INTEGER,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (seats_used >= 0 AND seats_used <= seats)
);
CREATE INDEX it_licences_product ON it_licences(company_id, product);
CREATE INDEX it_licences_expires ON it_licences(expires_on);
CREATE TABLE it_licence_seats (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    licence_id INTEGER NOT NULL REFERENCES it_licences(id),
    employee_id INTEGER REFERENCES hr_employees(id),
    asset_id INTEGER REFERENCES it_assets(id),
    note TEXT NOT NULL DEFAULT '',
    assigned_at INTEGER NOT NULL,
    assigned_by TEXT NOT NULL,
    unassigned_at INTEGER,
    unassigned_by TEXT,
    CHECK ((employee_id IS NULL) <> (asset_id IS NULL))
);
CREATE INDEX it_licence_seats_licence ON it_licence_seats(company_id, licence_id, unassigned_at);
CREATE INDEX it_licence_seats_employee ON it_licence_seats(company_id, employee_id, unassigned_at);
CREATE UNIQUE INDEX it_licence_seats_one_per_employee ON it_licence_seats(licence_id, employee_id)
    WHERE unassigned_at IS NULL AND employee_id IS NOT NULL;
CREATE UNIQUE INDEX it_licence_seats_one_per_asset ON it_licence_seats(licence_id, asset_id)
    WHERE unassigned_at IS NULL AND asset_id IS NOT NULL;
CREATE TABLE it_consumables (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    category_id INTEGER REFERENCES it_categories(id),
    unit TEXT NOT NULL DEFAULT 'pcs',
    quantity INTEGER NOT NULL DEFAULT 0,
    min_quantity INTEGER NOT NULL DEFAULT 0,
    location TEXT NOT NULL DEFAULT '',
    unit_cost INTEGER,
    currency TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (quantity >= 0)
);
CREATE UNIQUE INDEX it_consumables_name ON it_consumables(company_id, lower(name));
CREATE TABLE it_consumable_movements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    consumable_id INTEGER NOT NULL REFERENCES it_consumables(id),
    kind TEXT NOT NULL,
    delta INTEGER NOT NULL,
    balance INTEGER NOT NULL,
    employee_id INTEGER REFERENCES hr_employees(id),
    note TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    actor TEXT NOT NULL
);
CREATE INDEX it_consumable_movements_item ON it_consumable_movements(company_id, consumable_id, id);
