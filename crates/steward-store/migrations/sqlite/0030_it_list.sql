-- The asset list without joins until its page is known: each asset carries its model's
-- category (kept by every write, and by a model's move to another category) and the
-- lower-cased text a search looks in (tag, serial, name; written by the store). The count
-- of a filtered list reads an index alone; each sort column has an index the page walks in
-- order (NULLS LAST both ways: SQLite reads the NULLs after the rest of the same index).
-- Kept in lockstep with migrations/postgres/0030_it_list.sql.
ALTER TABLE it_assets ADD COLUMN category_id INTEGER REFERENCES it_categories(id);
ALTER TABLE it_assets ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE it_assets SET
    category_id = (SELECT m.category_id FROM it_models m WHERE m.id = it_assets.model_id),
    search_text = lower(tag || ' ' || coalesce(serial, '') || ' ' || name);
CREATE INDEX it_assets_category ON it_assets(company_id, category_id, status, purchase_date);
CREATE INDEX it_assets_purchase ON it_assets(company_id, purchase_date);
-- PostgreSQL's per-direction indexes, kept in lockstep (SQLite reads the one above backwards
-- for DESC, where its NULLs come last anyway; these two cost a little on writes only).
CREATE INDEX it_assets_purchase_desc ON it_assets(company_id, purchase_date DESC);
CREATE INDEX it_assets_warranty ON it_assets(company_id, warranty_end);
CREATE INDEX it_assets_warranty_desc ON it_assets(company_id, warranty_end DESC);
CREATE INDEX it_assets_name ON it_assets(company_id, lower(name));
-- The holder's confirmation that they received the asset of the current check-out (µs).
ALTER TABLE it_assets ADD COLUMN acknowledged_at INTEGER;
