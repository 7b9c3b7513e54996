-- Work: notifications (in the app, by e-mail, in a daily digest) and each user's choice of
-- how to be told, per group of kinds. Kept in lockstep with
-- migrations/postgres/0007_notifications.sql (a test compares them).
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    link TEXT,
    read_at INTEGER,
    -- When it went out by e-mail (at once or in a digest); NULL: not yet, or never.
    mailed_at INTEGER,
    created_at INTEGER NOT NULL
);
-- The list (newest first) and the unread count in every page's header.
CREATE INDEX notifications_user ON notifications(user_id, company_id, id);
CREATE INDEX notifications_unread ON notifications(user_id, company_id, read_at);
CREATE TABLE notification_prefs (
    user_id INTEGER NOT NULL REFERENCES users(id),
    company_id INTEGER NOT NULL REFERENCES companies(id),
    kind_group TEXT NOT NULL,
    delivery TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, company_id, kind_group)
);
-- The digest job finds the users who chose it.
CREATE INDEX notification_prefs_delivery ON notification_prefs(delivery, company_id);
