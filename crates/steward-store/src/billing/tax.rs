//! Tax codes: a handful per company, read whole.
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::billing::tax::{NewTaxCode, TaxCode, TaxStore};
use steward_core::ids::{AccountId, CompanyId, TaxCodeId};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::flag;
use crate::{append_audit, db, get_i64, get_str, opt_i64, Store};

fn code_taken(e: sqlx::Error) -> Error {
    match db(e) {
        Error::Conflict { .. } => Error::invalid("code", "another tax code has this code"),
        e => e,
    }
}

fn tax_code_of(r: &AnyRow) -> Result<TaxCode> {
    Ok(TaxCode {
        id: TaxCodeId(get_i64(r, "id")?),
        code: get_str(r, "code")?,
        name: get_str(r, "name")?,
        rate: get_i64(r, "rate")?,
        inclusive: get_i64(r, "inclusive")? != 0,
        collected_account_id: opt_i64(r, "collected_account_id")?.map(AccountId),
        paid_account_id: opt_i64(r, "paid_account_id")?.map(AccountId),
        active: get_i64(r, "active")? != 0,
        version: get_i64(r, "version")?,
    })
}

impl TaxStore for Store {
    async fn tax_codes(&self, company: CompanyId) -> Result<Vec<TaxCode>> {
        sqlx::query(
            "SELECT id, code, name, rate, inclusive, collected_account_id, paid_account_id, active, version \
             FROM billing_tax_codes WHERE company_id = $1 ORDER BY code, id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(tax_code_of)
        .collect()
    }

    async fn insert_tax_code(
        &self,
        company: CompanyId,
        t: &NewTaxCode,
        mut audit: AuditDraft,
    ) -> Result<TaxCodeId> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO billing_tax_codes (company_id, code, name, rate, inclusive, collected_account_id, paid_account_id, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(company.0)
        .bind(&t.code)
        .bind(&t.name)
        .bind(t.rate)
        .bind(flag(t.inclusive))
        .bind(t.collected_account_id.map(|a| a.0))
        .bind(t.paid_account_id.map(|a| a.0))
        .bind(flag(t.active))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(code_taken)?;
        let id = get_i64(&r, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(TaxCodeId(id))
    }

    async fn update_tax_code(
        &self,
        company: CompanyId,
        id: TaxCodeId,
        t: &NewTaxCode,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE billing_tax_codes SET code = $1, name = $2, rate = $3, inclusive = $4, collected_account_id = $5, \
             paid_account_id = $6, active = $7, version = version + 1 WHERE id = $8 AND company_id = $9 AND version = $10",
        )
        .bind(&t.code)
        .bind(&t.name)
        .bind(t.rate)
        .bind(flag(t.inclusive))
        .bind(t.collected_account_id.map(|a| a.0))
        .bind(t.paid_account_id.map(|a| a.0))
        .bind(flag(t.active))
        .bind(id.0)
        .bind(company.0)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(code_taken)?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict(
                "the tax code was changed by someone else since you read it; reload and try again",
            ));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
