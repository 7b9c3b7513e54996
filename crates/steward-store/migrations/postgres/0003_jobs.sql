-- Jobs engine: deduplication keys, per-job attempt limits, the company a job works for,
-- and when it finished (for purging). Kept in lockstep with migrations/sqlite/0003_jobs.sql.
ALTER TABLE jobs ADD COLUMN dedupe_key TEXT;
ALTER TABLE jobs ADD COLUMN max_attempts BIGINT NOT NULL DEFAULT 5;
ALTER TABLE jobs ADD COLUMN company_id BIGINT;
ALTER TABLE jobs ADD COLUMN finished_at BIGINT;
-- NULL keys are distinct in both databases: only jobs that carry a key are deduplicated.
CREATE UNIQUE INDEX jobs_dedupe ON jobs(dedupe_key);
-- The admin page lists a company's jobs newest first.
CREATE INDEX jobs_company ON jobs(company_id, id);
