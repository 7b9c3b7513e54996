//! The jobs queue (see `steward_core::jobs` for the life of a job).
//!
//! Claiming is one `UPDATE … WHERE id IN (SELECT … ORDER BY run_at, id LIMIT n) RETURNING …`.
//! On PostgreSQL the inner select ends in `FOR UPDATE SKIP LOCKED`: instances claiming at
//! once lock disjoint rows and none waits for another; a row another transaction changed
//! meanwhile is re-checked against `status = 'queued'` before it is taken, so no job is
//! handed out twice. On SQLite the statement runs on the single writer connection, which
//! serializes claims. The claim's SQL is written by hand rather than with sea-query: it needs
//! the lock clause only on PostgreSQL, and its `LIMIT` as a literal (an integer we computed)
//! so that PostgreSQL's cached generic plan still walks `jobs_due` and stops, instead of
//! sorting every due job. The kinds are bound as parameters (`IN ($5, $6, …)`).
use sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use steward_core::audit::AuditDraft;
use steward_core::ids::CompanyId;
use steward_core::jobs::{
    truncate_error, Job, JobId, JobQuery, JobStats, JobStatus, JobStore, NewJob, WorkerId,
};
use steward_core::list::Page;
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Backend, Store};

const COLUMNS: &str = "id, kind, payload, status, run_at, attempts, max_attempts, dedupe_key, \
                       company_id, locked_by, locked_until, last_error, created_at, finished_at";

const COLUMN_LIST: [&str; 14] = [
    "id",
    "kind",
    "payload",
    "status",
    "run_at",
    "attempts",
    "max_attempts",
    "dedupe_key",
    "company_id",
    "locked_by",
    "locked_until",
    "last_error",
    "created_at",
    "finished_at",
];

const LEASE_EXPIRED: &str =
    "the lease ran out before the job finished (the worker stopped, or the job took too long)";

fn job_from(r: &AnyRow) -> Result<Job> {
    let status = get_str(r, "status")?;
    Ok(Job {
        id: JobId(get_i64(r, "id")?),
        kind: get_str(r, "kind")?,
        // A payload that is not JSON (edited by hand) still loads, as a string, and its
        // handler reports it; it must not stop the claim of every other job.
        payload: {
            let raw = get_str(r, "payload")?;
            serde_json::from_str(&raw).unwrap_or(serde_json::Value::String(raw))
        },
        status: JobStatus::parse(&status)
            .ok_or_else(|| Error::internal(format!("job with unknown status `{status}`")))?,
        run_at: Timestamp(get_i64(r, "run_at")?),
        attempts: get_i64(r, "attempts")?,
        max_attempts: get_i64(r, "max_attempts")?,
        dedupe_key: opt_str(r, "dedupe_key")?,
        company: opt_i64(r, "company_id")?.map(CompanyId),
        locked_by: opt_str(r, "locked_by")?,
        locked_until: opt_i64(r, "locked_until")?.map(Timestamp),
        last_error: opt_str(r, "last_error")?,
        created_at: Timestamp(get_i64(r, "created_at")?),
        finished_at: opt_i64(r, "finished_at")?.map(Timestamp),
    })
}

/// `$first, $first+1, …` for `n` bound values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Enqueues jobs inside the caller's transaction, so that a change and the jobs it sets
    /// off (an SLA timer for a new ticket) commit together or not at all.
    pub(crate) async fn enqueue_in(
        tx: &mut Transaction<'static, Any>,
        jobs: &[NewJob],
    ) -> Result<Vec<Option<JobId>>> {
        for j in jobs {
            j.validate()?;
        }
        let now = Timestamp::now();
        let mut ids = Vec::with_capacity(jobs.len());
        for j in jobs {
            let row = sqlx::query(
                "INSERT INTO jobs (kind, payload, run_at, status, attempts, max_attempts, dedupe_key, company_id, created_at) \
                 VALUES ($1, $2, $3, 'queued', 0, $4, $5, $6, $7) \
                 ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            )
            .bind(j.kind.as_str())
            .bind(j.payload.to_string())
            .bind(j.run_at.0)
            .bind(i64::from(j.max_attempts))
            .bind(j.dedupe_key.as_deref())
            .bind(j.company.map(|c| c.0))
            .bind(now.0)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?;
            ids.push(
                row.map(|r| r.try_get::<i64, _>("id").map(JobId))
                    .transpose()
                    .map_err(db)?,
            );
        }
        Ok(ids)
    }

    async fn reclaim_in(&self, tx: &mut Transaction<'static, Any>, now: Timestamp) -> Result<u64> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET \
               status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END, \
               finished_at = CASE WHEN attempts >= max_attempts THEN $1 ELSE NULL END, \
               last_error = $2, locked_by = NULL, locked_until = NULL \
             WHERE id IN (SELECT id FROM jobs WHERE status = 'running' AND locked_until < $3{lock})"
        );
        let r = sqlx::query(&sql)
            .bind(now.0)
            .bind(LEASE_EXPIRED)
            .bind(now.0)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        if r.rows_affected() > 0 {
            tracing::warn!(
                jobs = r.rows_affected(),
                "took back jobs whose lease ran out"
            );
        }
        Ok(r.rows_affected())
    }
}

fn filtered(company: Option<CompanyId>, q: &JobQuery) -> SelectStatement {
    let a = Alias::new;
    let mut s = Query::select();
    s.from(a("jobs"));
    if let Some(c) = company {
        s.and_where(Expr::col(a("company_id")).eq(c.0));
    }
    if let Some(st) = q.status {
        s.and_where(Expr::col(a("status")).eq(st.as_str()));
    }
    if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty()) {
        s.and_where(Expr::col(a("kind")).eq(k));
    }
    s
}

impl JobStore for Store {
    async fn enqueue(&self, jobs: &[NewJob]) -> Result<Vec<Option<JobId>>> {
        let mut tx = self.begin().await?;
        let ids = Self::enqueue_in(&mut tx, jobs).await?;
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }

    async fn claim(
        &self,
        worker: &WorkerId,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        kinds: &[String],
    ) -> Result<Vec<Job>> {
        let mut tx = self.begin().await?;
        self.reclaim_in(&mut tx, now).await?;
        if limit == 0 || kinds.is_empty() {
            tx.commit().await.map_err(db)?;
            return Ok(Vec::new());
        }
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $3 AND kind IN ({}) \
                          ORDER BY run_at, id LIMIT {limit}{lock}) \
             RETURNING {COLUMNS}",
            placeholders(4, kinds.len())
        );
        let mut q = sqlx::query(&sql)
            .bind(worker.as_str())
            .bind(lease_until.0)
            .bind(now.0);
        for k in kinds {
            q = q.bind(k.as_str());
        }
        let rows = q.fetch_all(&mut *tx).await.map_err(db)?;
        tx.commit().await.map_err(db)?;
        let mut jobs = rows.iter().map(job_from).collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    async fn renew(&self, worker: &WorkerId, ids: &[JobId], until: Timestamp) -> Result<u64> {
        let mut renewed = 0;
        // Chunks keep the number of bound values well under either database's limit.
        for chunk in ids.chunks(500) {
            let sql = format!(
                "UPDATE jobs SET locked_until = $1 WHERE status = 'running' AND locked_by = $2 AND id IN ({})",
                placeholders(3, chunk.len())
            );
            let mut q = sqlx::query(&sql).bind(until.0).bind(worker.as_str());
            for id in chunk {
                q = q.bind(id.0);
            }
            renewed += q.execute(&self.write).await.map_err(db)?.rows_affected();
        }
        Ok(renewed)
    }

    async fn complete(&self, id: JobId, worker: &WorkerId) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE jobs SET status = 'done', locked_by = NULL, locked_until = NULL, finished_at = $1 \
             WHERE id = $2 AND locked_by = $3 AND status = 'running'",
        )
        .bind(Timestamp::now().0)
        .bind(id.0)
        .bind(worker.as_str())
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(r.rows_affected() == 1)
    }

    async fn fail(
        &self,
        id: JobId,
        worker: &WorkerId,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<bool> {
        let error = truncate_error(error);
        let q = match retry_at {
            Some(at) => sqlx::query(
                "UPDATE jobs SET status = 'queued', run_at = $1, last_error = $2, locked_by = NULL, locked_until = NULL \
                 WHERE id = $3 AND locked_by = $4 AND status = 'running'",
            )
            .bind(at.0),
            None => sqlx::query(
                "UPDATE jobs SET status = 'dead', finished_at = $1, last_error = $2, locked_by = NULL, locked_until = NULL \
                 WHERE id = $3 AND locked_by = $4 AND status = 'running'",
            )
            .bind(Timestamp::now().0),
        };
        let r = q
            .bind(error)
            .bind(id.0)
            .bind(worker.as_str())
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() == 1)
    }

    async fn release(&self, id: JobId, worker: &WorkerId) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE jobs SET status = 'queued', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, \
               locked_by = NULL, locked_until = NULL \
             WHERE id = $1 AND locked_by = $2 AND status = 'running'",
        )
        .bind(id.0)
        .bind(worker.as_str())
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(r.rows_affected() == 1)
    }

    async fn reclaim_expired(&self, now: Timestamp) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = self.reclaim_in(&mut tx, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(n)
    }

    async fn get_job(&self, id: JobId) -> Result<Option<Job>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        row.as_ref().map(job_from).transpose()
    }

    async fn list_jobs(&self, company: Option<CompanyId>, q: &JobQuery) -> Result<Page<Job>> {
        let a = Alias::new;
        let mut count = filtered(company, q);
        count.expr_as(Expr::col(a("id")).count(), a("n"));
        let mut s = filtered(company, q);
        s.columns(COLUMN_LIST.map(a)).order_by(a("id"), Order::Desc);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        let items = rows.iter().map(job_from).collect::<Result<_>>()?;
        Ok(Page {
            items,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn job_stats(&self, company: Option<CompanyId>, now: Timestamp) -> Result<JobStats> {
        let by_status = "SELECT status, COUNT(*) AS n, \
                 SUM(CASE WHEN status = 'queued' AND run_at <= $1 THEN 1 ELSE 0 END) AS due, \
                 MIN(CASE WHEN status = 'queued' AND run_at <= $1 THEN run_at ELSE NULL END) AS oldest_due \
             FROM jobs";
        let rows = match company {
            Some(c) => {
                sqlx::query(&format!(
                    "{by_status} WHERE company_id = $2 GROUP BY status"
                ))
                .bind(now.0)
                .bind(c.0)
                .fetch_all(&self.read)
                .await
            }
            None => {
                sqlx::query(&format!("{by_status} GROUP BY status"))
                    .bind(now.0)
                    .fetch_all(&self.read)
                    .await
            }
        }
        .map_err(db)?;
        let mut stats = JobStats::default();
        for r in &rows {
            let n = u64::try_from(get_i64(r, "n")?).unwrap_or(0);
            match JobStatus::parse(&get_str(r, "status")?) {
                Some(JobStatus::Queued) => {
                    stats.queued = n;
                    stats.due = u64::try_from(opt_i64(r, "due")?.unwrap_or(0)).unwrap_or(0);
                    stats.oldest_due = opt_i64(r, "oldest_due")?.map(Timestamp);
                }
                Some(JobStatus::Running) => stats.running = n,
                Some(JobStatus::Done) => stats.done = n,
                Some(JobStatus::Dead) => stats.dead = n,
                None => {}
            }
        }
        Ok(stats)
    }

    async fn retry_dead(
        &self,
        company: Option<CompanyId>,
        id: JobId,
        now: Timestamp,
        audit: AuditDraft,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let sql =
            "UPDATE jobs SET status = 'queued', attempts = 0, run_at = $1, finished_at = NULL \
                   WHERE id = $2 AND status = 'dead'";
        let r = match company {
            Some(c) => {
                sqlx::query(&format!("{sql} AND company_id = $3"))
                    .bind(now.0)
                    .bind(id.0)
                    .bind(c.0)
                    .execute(&mut *tx)
                    .await
            }
            None => {
                sqlx::query(sql)
                    .bind(now.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
            }
        }
        .map_err(db)?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn purge_done(&self, before: Timestamp) -> Result<u64> {
        let r = sqlx::query("DELETE FROM jobs WHERE status = 'done' AND finished_at < $1")
            .bind(before.0)
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(r.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_count_from_the_first() {
        assert_eq!(placeholders(4, 3), "$4, $5, $6");
        assert_eq!(placeholders(1, 0), "");
    }
}
