-- IT networks and upgrades: sites, their networks (CIDR text, canonical), the addresses
-- given out (canonical text; UNIQUE per network, so a race cannot give one twice),
-- planned changes with their checklist and assets, maintenance schedules with their
-- assets and log. Dates are INTEGER yyyymmdd, instants µs since the epoch.
-- Kept in lockstep with migrations/postgres/0029_it_networks.sql.
CREATE TABLE it_sites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX it_sites_name ON it_sites(company_id, lower(name));
CREATE TABLE it_networks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    site_id INTEGER NOT NULL REFERENCES it_sites(id),
    name TEXT NOT NULL,
    cidr TEXT NOT NULL,
    vlan INTEGER,
    gateway TEXT NOT NULL DEFAULT '',
    dns TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX it_networks_site ON it_networks(company_id, site_id);
CREATE TABLE it_addresses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    network_id INTEGER NOT NULL REFERENCES it_networks(id),
    address TEXT NOT NULL,
    hostname TEXT NOT NULL,
    device TEXT NOT NULL DEFAULT '',
    asset_id INTEGER REFERENCES it_assets(id),
    notes TEXT NOT NULL DEFAULT '',
    allocated_at INTEGER NOT NULL,
    allocated_by TEXT NOT NULL,
    UNIQUE (network_id, address)
);
CREATE INDEX it_addresses_asset ON it_addresses(company_id, asset_id);
CREATE TABLE it_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    window_start INTEGER NOT NULL,
    window_end INTEGER NOT NULL,
    risk TEXT NOT NULL,
    status TEXT NOT NULL,
    approval_id INTEGER,
    decision_comment TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX it_changes_status ON it_changes(company_id, status, window_start);
CREATE INDEX it_changes_window ON it_changes(company_id, window_start);
CREATE TABLE it_change_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    change_id INTEGER NOT NULL REFERENCES it_changes(id),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    done_by TEXT,
    done_at INTEGER
);
CREATE INDEX it_change_items_change ON it_change_items(change_id, position);
CREATE TABLE it_change_assets (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    change_id INTEGER NOT NULL REFERENCES it_changes(id),
    asset_id INTEGER NOT NULL REFERENCES it_assets(id),
    PRIMARY KEY (change_id, asset_id)
);
CREATE TABLE it_maintenance (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    title TEXT NOT NULL,
    instructions TEXT NOT NULL DEFAULT '',
    rule TEXT NOT NULL,
    starts_on INTEGER NOT NULL,
    next_due INTEGER,
    last_done INTEGER,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX it_maintenance_company ON it_maintenance(company_id, next_due);
CREATE INDEX it_maintenance_due ON it_maintenance(next_due);
CREATE TABLE it_maintenance_assets (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    schedule_id INTEGER NOT NULL REFERENCES it_maintenance(id),
    asset_id INTEGER NOT NULL REFERENCES it_assets(id),
    PRIMARY KEY (schedule_id, asset_id)
);
CREATE TABLE it_maintenance_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    schedule_id INTEGER NOT NULL REFERENCES it_maintenance(id),
    done_on INTEGER NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    by_name TEXT NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    at INTEGER NOT NULL
);
CREATE INDEX it_maintenance_log_schedule ON it_maintenance_log(schedule_id, id);
