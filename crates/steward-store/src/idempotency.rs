//! Idempotency keys: a POST retried with the same `Idempotency-Key` gets the first answer
//! back instead of doing the work twice.
pub use steward_core::idempotency::{Claim, StoredResponse};
use steward_core::idempotency::{IdempotencyStore, KeyedRequest};
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
    async fn claim_idempotency(&self, req: KeyedRequest<'_>) -> Result<Claim> {
        let KeyedRequest {
            user,
            key,
            method,
            path,
            request_hash,
        } = req;
        let r = sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, 0, '', $6) ON CONFLICT DO NOTHING",
        )
        .bind(user.0)
        .bind(key)
        .bind(method)
        .bind(path)
        .bind(request_hash)
        .bind(Timestamp::now().0)
        .execute(&self.write)
        .await
        .map_err(db)?;
        if r.rows_affected() == 1 {
            return Ok(Claim::Fresh);
        }
        // One read of the earlier request: what it was and what it answered.
        let row = sqlx::query("SELECT method, path, request_hash, status, body FROM idempotency_keys WHERE user_id = $1 AND key = $2")
            .bind(user.0)
            .bind(key)
            .fetch_optional(&self.read)
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
        Ok(
            if stored.method != method
                || stored.path != path
                || get_str(&r, "request_hash")? != request_hash
            {
                Claim::Mismatch
            } else if stored.status == 0 {
                Claim::InProgress
            } else {
                Claim::Replay(stored)
            },
        )
    }

    async fn complete_idempotency(
        &self,
        user: UserId,
        key: &str,
        status: u16,
        body: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE idempotency_keys SET status = $1, body = $2 WHERE user_id = $3 AND key = $4",
        )
        .bind(i64::from(status))
        .bind(body)
        .bind(user.0)
        .bind(key)
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn release_idempotency(&self, user: UserId, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status IN (0, 500, 502, 503)")
            .bind(user.0)
            .bind(key)
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(())
    }
}
