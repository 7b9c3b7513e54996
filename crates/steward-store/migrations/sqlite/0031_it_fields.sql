-- IT: custom fields per asset category (their values in it_assets.custom, a JSON object by
-- key, checked by the service against the asset's category) and check-out to a location or
-- to another asset besides an employee (exactly one of holder_id, checkout_location,
-- parent_id is set on a deployed asset; the history records which). Kept in lockstep with
-- migrations/postgres/0031_it_fields.sql.
CREATE TABLE it_category_fields (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    category_id INTEGER NOT NULL REFERENCES it_categories(id),
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    choices TEXT NOT NULL DEFAULT '[]',
    required INTEGER NOT NULL DEFAULT 0,
    help TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (category_id, key)
);
CREATE INDEX it_category_fields_company ON it_category_fields(company_id, category_id, position);
ALTER TABLE it_assets ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE it_assets ADD COLUMN checkout_location TEXT;
ALTER TABLE it_assets ADD COLUMN parent_id INTEGER REFERENCES it_assets(id);
CREATE INDEX it_assets_parent ON it_assets(company_id, parent_id);
ALTER TABLE it_asset_events ADD COLUMN location TEXT;
ALTER TABLE it_asset_events ADD COLUMN target_asset_id INTEGER REFERENCES it_assets(id);
