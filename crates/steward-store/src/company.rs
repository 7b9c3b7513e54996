//! Companies and memberships.
use sqlx::Row;
use steward_core::audit::AuditDraft;
use steward_core::company::{Company, CompanyStore};
use steward_core::ids::{CompanyId, UserId};
use steward_core::time::Timestamp;
use steward_core::Result;

use crate::{append_audit, db, get_i64, get_str, Store};

fn company_from(r: &sqlx::any::AnyRow) -> Result<Company> {
    Ok(Company {
        id: CompanyId(get_i64(r, "id")?),
        name: get_str(r, "name")?,
        currency: get_str(r, "currency")?,
    })
}

impl CompanyStore for Store {
    async fn companies_of(&self, user: UserId) -> Result<Vec<Company>> {
        let rows = sqlx::query(
            "SELECT c.id, c.name, c.currency FROM companies c JOIN memberships m ON m.company_id = c.id \
             WHERE m.user_id = $1 AND (m.valid_until IS NULL OR m.valid_until > $2) ORDER BY c.name",
        )
        .bind(user.0)
        .bind(Timestamp::now().0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(company_from).collect()
    }

    async fn insert_company(
        &self,
        name: &str,
        currency: &str,
        mut audit: AuditDraft,
    ) -> Result<CompanyId> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO companies (name, currency, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name)
        .bind(currency)
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = CompanyId(r.try_get::<i64, _>("id").map_err(db)?);
        audit.company_id = Some(id);
        audit.entity_id.get_or_insert_with(|| id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn has_companies(&self) -> Result<bool> {
        let r = sqlx::query("SELECT COUNT(*) AS n FROM companies")
            .fetch_one(&self.read)
            .await
            .map_err(db)?;
        Ok(get_i64(&r, "n")? > 0)
    }
}

impl Store {
    /// Adds an existing user to a company (used by the CLI and the demo).
    pub async fn add_membership(
        &self,
        user: UserId,
        company: CompanyId,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO memberships (user_id, company_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(user.0)
            .bind(company.0)
            .bind(Timestamp::now().0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    /// Sets or clears the end of a membership (an auditor's time box).
    pub async fn set_membership_until(
        &self,
        user: UserId,
        company: CompanyId,
        until: Option<Timestamp>,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE memberships SET valid_until = $1 WHERE user_id = $2 AND company_id = $3",
        )
        .bind(until.map(|t| t.0))
        .bind(user.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}

impl Store {
    /// Every company, oldest first (for the command line and the demo).
    pub async fn companies_of_all(&self) -> Result<Vec<Company>> {
        let rows = sqlx::query("SELECT id, name, currency FROM companies ORDER BY id")
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(company_from).collect()
    }
}
