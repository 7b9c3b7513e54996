//! Idempotency keys: a POST retried with the same `Idempotency-Key` gets the first answer
//! back instead of doing the work twice.
use sqlx::Row;
pub use steward_core::idempotency::{Claim, StoredResponse};
use steward_core::idempotency::{Holder, IdempotencyStore, KeyedRequest};
use steward_core::ids::UserId;
use steward_core::time::Timestamp;
use steward_core::Result;

use crate::{db, get_i64, get_str, Store};

impl Store {
    pub async fn idempotent_response(
        &self,
        user: UserId,
        key: &str,
    ) -> Result<Option<StoredResponse>> {
        let r = sqlx::query("SELECT method, path, status, body FROM idempotency_keys WHERE user_id = $1 AND key = $2")
            .bind(user.0)
            .bind(key)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        r.map(|r| {
            Ok(StoredResponse {
                method: get_str(&r, "method")?,
                path: get_str(&r, "path")?,
                status: u16::try_from(get_i64(&r, "status")?).unwrap_or(500),
                body: get_str(&r, "body")?,
            })
        })
        .transpose()
    }

    /// Remembers the answer; a concurrent first writer wins and the second is ignored.
    pub async fn remember_response(
        &self,
        user: UserId,
        key: &str,
        resp: &StoredResponse,
    ) -> Result<()> {
        sqlx::query("INSERT INTO idempotency_keys (user_id, key, method, path, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING")
            .bind(user.0)
            .bind(key)
            .bind(&resp.method)
            .bind(&resp.path)
            .bind(i64::from(resp.status))
            .bind(&resp.body)
            .bind(Timestamp::now().0)
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(())
    }

    /// On SQLite one process serves the database, so claims still running when it starts
    /// were held by a process that is gone (killed mid-request): their leases end now, and
    /// the first retry takes each over at once instead of waiting the lease out. On
    /// PostgreSQL other instances may be running them; leases end by themselves there.
    pub async fn end_leases_of_a_stopped_process(&self) -> Result<u64> {
        if self.backend() != crate::Backend::Sqlite {
            return Ok(0);
        }
        let r = sqlx::query(
            "UPDATE idempotency_keys SET lease_until = 0 WHERE status = 0 AND lease_until > 0",
        )
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(r.rows_affected())
    }

    /// Forgets keys older than `before` (a periodic job).
    pub async fn purge_idempotency(&self, before: Timestamp) -> Result<u64> {
        let r = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(before.0)
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(r.rows_affected())
    }
}

impl IdempotencyStore for Store {
    async fn claim_idempotency(
        &self,
        req: KeyedRequest<'_>,
        holder: &Holder,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Claim> {
        let KeyedRequest {
            user,
            key,
            method,
            path,
            request_hash,
        } = req;
        let r = sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status, body, created_at, holder, lease_until) \
             VALUES ($1, $2, $3, $4, $5, 0, '', $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(user.0)
        .bind(key)
        .bind(method)
        .bind(path)
        .bind(request_hash)
        .bind(now.0)
        .bind(&holder.token)
        .bind(lease_until.0)
        .execute(&self.write)
        .await
        .map_err(db)?;
        if r.rows_affected() == 1 {
            return Ok(Claim::Fresh { taken_over: false });
        }
        // One read of the earlier request: what it was, what it answered, who holds it.
        // From the writer: a claim just taken over or committed must be seen as it is.
        let row = sqlx::query("SELECT method, path, request_hash, status, body, holder, lease_until, committed_at, entity, entity_id FROM idempotency_keys WHERE user_id = $1 AND key = $2")
            .bind(user.0)
            .bind(key)
            .fetch_optional(&self.write)
            .await
            .map_err(db)?;
        let Some(r) = row else {
            // Released between our insert and this read: the other request failed; retry later.
            return Ok(Claim::InProgress);
        };
        let stored = StoredResponse {
            method: get_str(&r, "method")?,
            path: get_str(&r, "path")?,
            status: u16::try_from(get_i64(&r, "status")?).unwrap_or(500),
            body: get_str(&r, "body")?,
        };
        if stored.method != method
            || stored.path != path
            || get_str(&r, "request_hash")? != request_hash
        {
            return Ok(Claim::Mismatch);
        }
        if stored.status != 0 {
            return Ok(Claim::Replay(stored));
        }
        if get_i64(&r, "lease_until")? > now.0 {
            return Ok(Claim::InProgress);
        }
        // The holder is gone: take the claim over (unless another retry, or the holder
        // renewing or committing, got there first). If its write committed, the new holder
        // rebuilds and keeps the answer; if not, it runs the request. The update checks the
        // committed mark it read, so a write committing meanwhile is never run twice.
        let committed: Option<i64> = r.try_get("committed_at").map_err(db)?;
        let previous = get_str(&r, "holder")?;
        let sql = if committed.is_some() {
            "UPDATE idempotency_keys SET holder = $1, lease_until = $2 \
             WHERE user_id = $3 AND key = $4 AND holder = $5 AND status = 0 \
             AND committed_at IS NOT NULL AND lease_until <= $6"
        } else {
            "UPDATE idempotency_keys SET holder = $1, lease_until = $2 \
             WHERE user_id = $3 AND key = $4 AND holder = $5 AND status = 0 \
             AND committed_at IS NULL AND lease_until <= $6"
        };
        let taken = sqlx::query(sql)
            .bind(&holder.token)
            .bind(lease_until.0)
            .bind(user.0)
            .bind(key)
            .bind(&previous)
            .bind(now.0)
            .execute(&self.write)
            .await
            .map_err(db)?;
        if taken.rows_affected() != 1 {
            return Ok(Claim::InProgress);
        }
        if committed.is_some() {
            let entity: Option<String> = r.try_get("entity").map_err(db)?;
            let entity_id: Option<String> = r.try_get("entity_id").map_err(db)?;
            return Ok(Claim::Committed {
                entity: entity.unwrap_or_default(),
                entity_id: entity_id.unwrap_or_default(),
            });
        }
        Ok(Claim::Fresh { taken_over: true })
    }

    async fn renew_idempotency(&self, holder: &Holder, lease_until: Timestamp) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE idempotency_keys SET lease_until = $1 WHERE user_id = $2 AND key = $3 AND holder = $4 AND status = 0",
        )
        .bind(lease_until.0)
        .bind(holder.user.0)
        .bind(&holder.key)
        .bind(&holder.token)
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(r.rows_affected() == 1)
    }

    async fn complete_idempotency(&self, holder: &Holder, status: u16, body: &str) -> Result<()> {
        sqlx::query(
            "UPDATE idempotency_keys SET status = $1, body = $2, lease_until = 0 \
             WHERE user_id = $3 AND key = $4 AND holder = $5 AND status = 0",
        )
        .bind(i64::from(status))
        .bind(body)
        .bind(holder.user.0)
        .bind(&holder.key)
        .bind(&holder.token)
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn release_idempotency(&self, holder: &Holder) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND holder = $3 AND status = 0 AND committed_at IS NULL")
            .bind(holder.user.0)
            .bind(&holder.key)
            .bind(&holder.token)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        // Its write committed before it failed: a retry rebuilds the answer at once.
        sqlx::query("UPDATE idempotency_keys SET lease_until = 0 WHERE user_id = $1 AND key = $2 AND holder = $3 AND status = 0")
            .bind(holder.user.0)
            .bind(&holder.key)
            .bind(&holder.token)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }
}

/// Marks the running request's claim committed inside the write's own transaction, naming
/// what it wrote (the first audited entity). Refuses (and so rolls the write back) when the
/// claim is no longer the request's: a retry took it over after the lease ran out.
pub(crate) async fn mark_committed(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    holder: &Holder,
    entity: &str,
    entity_id: Option<&str>,
) -> Result<()> {
    let r = sqlx::query(
        "UPDATE idempotency_keys SET committed_at = COALESCE(committed_at, $1), \
         entity = COALESCE(entity, $2), entity_id = COALESCE(entity_id, $3) \
         WHERE user_id = $4 AND key = $5 AND holder = $6 AND status = 0",
    )
    .bind(Timestamp::now().0)
    .bind(entity)
    .bind(entity_id)
    .bind(holder.user.0)
    .bind(&holder.key)
    .bind(&holder.token)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    if r.rows_affected() == 1 {
        Ok(())
    } else {
        Err(steward_core::Error::conflict(
            "a retry with this Idempotency-Key took the request over; it was not written",
        ))
    }
}
