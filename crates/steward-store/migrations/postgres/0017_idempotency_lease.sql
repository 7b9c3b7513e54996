-- Idempotency claims survive a crash (issue 14, item 13). A claim is held by one request
-- (`holder`, a random token) until `lease_until`, renewed while the request runs; a retry
-- may take over a claim whose lease ran out. The write the request makes marks the claim in
-- its own transaction (`committed_at`, and what it wrote: `entity`, `entity_id`), only while
-- it still holds it, so a taken-over request cannot write as well, and a retry after a crash
-- knows whether the write committed. Claims left running by an older version (lease 0) are
-- taken over by their next retry. Kept in lockstep with migrations/sqlite/0017.
ALTER TABLE idempotency_keys ADD COLUMN holder TEXT NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE idempotency_keys ADD COLUMN committed_at BIGINT;
ALTER TABLE idempotency_keys ADD COLUMN entity TEXT;
ALTER TABLE idempotency_keys ADD COLUMN entity_id TEXT;
