//! API tokens (stored as SHA-256 of the secret).
use sqlx::Row;
use steward_core::audit::AuditDraft;
use steward_core::ids::{CompanyId, TokenId, UserId};
use steward_core::time::Timestamp;
use steward_core::tokens::{ApiToken, TokenStore};
use steward_core::Result;

use crate::{append_audit, db, get_i64, get_str, opt_i64, Store};

impl TokenStore for Store {
    async fn insert_token(
        &self,
        user: UserId,
        company: CompanyId,
        name: &str,
        hash: &str,
        read_only: bool,
        mut audit: AuditDraft,
    ) -> Result<TokenId> {
        let mut tx = self.begin().await?;
        let r = sqlx::query("INSERT INTO api_tokens (user_id, company_id, name, token_hash, read_only, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(user.0)
            .bind(company.0)
            .bind(name)
            .bind(hash)
            .bind(i64::from(read_only))
            .bind(Timestamp::now().0)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let id = r.try_get::<i64, _>("id").map_err(db)?;
        audit.entity_id.get_or_insert_with(|| id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(TokenId(id))
    }

    async fn list_tokens(&self, user: UserId, company: CompanyId) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query("SELECT id, name, read_only, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 AND company_id = $2 ORDER BY id DESC")
            .bind(user.0)
            .bind(company.0)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(ApiToken {
                    id: TokenId(get_i64(r, "id")?),
                    name: get_str(r, "name")?,
                    read_only: get_i64(r, "read_only")? != 0,
                    created_at: Timestamp(get_i64(r, "created_at")?),
                    last_used_at: opt_i64(r, "last_used_at")?.map(Timestamp),
                    revoked_at: opt_i64(r, "revoked_at")?.map(Timestamp),
                })
            })
            .collect()
    }

    async fn revoke_token(&self, user: UserId, id: TokenId, audit: AuditDraft) -> Result<bool> {
        let mut tx = self.begin().await?;
        let r = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(Timestamp::now().0)
            .bind(id.0)
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }
}
