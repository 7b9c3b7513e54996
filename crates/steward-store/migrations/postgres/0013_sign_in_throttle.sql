-- Sign-in throttling by growing delays (see docs/ARCHITECTURE.md): one counter row per
-- key (an address, an account, or "ok:" an address the user signed in from), updated in
-- place, instead of one row per failure.
-- Kept in lockstep with migrations/sqlite/0013_sign_in_throttle.sql (a test compares them).
DROP TABLE login_failures;
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL DEFAULT 0,
    last_at BIGINT NOT NULL
);
