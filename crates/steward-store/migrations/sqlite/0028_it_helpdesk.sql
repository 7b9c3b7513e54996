-- IT helpdesk: ticket categories, groups of technicians, tickets with their SLA timers, the
-- conversation (public replies and internal notes), linked assets and knowledge-base
-- articles, and the service-level targets per priority. Instants are µs since the epoch;
-- priority is 1 (P1, most urgent) to 4. is_open is 1 while new, in progress or waiting on
-- the requester. sla_due is the next due time (first response while none was given, else
-- resolution) and NULL once closed: a technician's queue walks
-- it_tickets_queue (company, assignee, open, due, priority) whether the company has 200 or
-- 200,000 tickets, and the SLA job walks only the open ones (it_tickets_open).
-- Kept in lockstep with migrations/postgres/0028_it_helpdesk.sql.
CREATE TABLE it_ticket_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX it_ticket_categories_name ON it_ticket_categories(company_id, lower(name));
CREATE TABLE it_ticket_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX it_ticket_groups_name ON it_ticket_groups(company_id, lower(name));
CREATE TABLE it_ticket_group_members (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    group_id INTEGER NOT NULL REFERENCES it_ticket_groups(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (group_id, user_id)
);
CREATE TABLE it_tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    requester_id INTEGER NOT NULL REFERENCES users(id),
    subject TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    category_id INTEGER REFERENCES it_ticket_categories(id),
    urgency TEXT NOT NULL,
    impact TEXT NOT NULL,
    priority INTEGER NOT NULL,
    status TEXT NOT NULL,
    is_open INTEGER NOT NULL DEFAULT 1,
    assignee_id INTEGER REFERENCES users(id),
    group_id INTEGER REFERENCES it_ticket_groups(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    first_response_at INTEGER,
    resolved_at INTEGER,
    closed_at INTEGER,
    paused_since INTEGER,
    paused_micros INTEGER NOT NULL DEFAULT 0,
    first_response_due INTEGER,
    resolution_due INTEGER,
    sla_due INTEGER,
    sla_state TEXT NOT NULL,
    response_warned_at INTEGER,
    response_breached_at INTEGER,
    resolution_warned_at INTEGER,
    resolution_breached_at INTEGER,
    rating INTEGER,
    rating_comment TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX it_tickets_queue ON it_tickets(company_id, assignee_id, is_open, sla_due, priority, id);
CREATE INDEX it_tickets_group ON it_tickets(company_id, group_id, is_open, sla_due, priority, id);
CREATE INDEX it_tickets_requester ON it_tickets(company_id, requester_id, id);
CREATE INDEX it_tickets_created ON it_tickets(company_id, created_at);
CREATE INDEX it_tickets_open ON it_tickets(is_open, id) WHERE is_open = 1;
CREATE TABLE it_ticket_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    ticket_id INTEGER NOT NULL REFERENCES it_tickets(id),
    kind TEXT NOT NULL,
    internal INTEGER NOT NULL,
    body TEXT NOT NULL,
    author_id INTEGER REFERENCES users(id),
    author TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX it_ticket_messages_ticket ON it_ticket_messages(ticket_id, id);
CREATE TABLE it_ticket_assets (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    ticket_id INTEGER NOT NULL REFERENCES it_tickets(id),
    asset_id INTEGER NOT NULL REFERENCES it_assets(id),
    PRIMARY KEY (ticket_id, asset_id)
);
CREATE TABLE it_kb_articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    author_id INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX it_kb_articles_company ON it_kb_articles(company_id, published, id);
CREATE TABLE it_ticket_articles (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    ticket_id INTEGER NOT NULL REFERENCES it_tickets(id),
    article_id INTEGER NOT NULL REFERENCES it_kb_articles(id),
    PRIMARY KEY (ticket_id, article_id)
);
CREATE TABLE it_helpdesk_sla (
    company_id INTEGER PRIMARY KEY REFERENCES companies(id),
    targets TEXT NOT NULL,
    warn_percent INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
