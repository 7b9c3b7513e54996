//! Billing's tables (see `steward_core::billing`): settings, parties, tax codes, and the
//! documents with their lines. Posting a document writes its ledger entry through the
//! ledger's own writer (`Store::insert_entries_in`) in the transaction that numbers it.
mod aged;
mod invoices;
mod parties;
mod payments;
mod tax;

use steward_core::audit::AuditDraft;
use steward_core::billing::{BillingSettings, SettingsStore, TaxRounding};
use steward_core::ids::{AccountId, CompanyId};
use steward_core::{Error, Result};

use crate::{append_audit, db, get_i64, get_str, opt_i64, Store};

pub(crate) fn flag(v: bool) -> i64 {
    i64::from(v)
}

impl SettingsStore for Store {
    async fn billing_settings(&self, company: CompanyId) -> Result<BillingSettings> {
        let row = sqlx::query(
            "SELECT receivable_account_id, payable_account_id, tax_rounding, version \
             FROM billing_settings WHERE company_id = $1",
        )
        .bind(company.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        let Some(r) = row else {
            return Ok(BillingSettings::default());
        };
        Ok(BillingSettings {
            receivable_account_id: opt_i64(&r, "receivable_account_id")?.map(AccountId),
            payable_account_id: opt_i64(&r, "payable_account_id")?.map(AccountId),
            tax_rounding: TaxRounding::parse(&get_str(&r, "tax_rounding")?)
                .ok_or_else(|| Error::internal("unknown tax rounding"))?,
            version: get_i64(&r, "version")?,
        })
    }

    async fn set_billing_settings(
        &self,
        company: CompanyId,
        s: &BillingSettings,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = if version == 0 {
            sqlx::query(
                "INSERT INTO billing_settings (company_id, receivable_account_id, payable_account_id, tax_rounding, version) \
                 VALUES ($1, $2, $3, $4, 1) ON CONFLICT (company_id) DO NOTHING",
            )
            .bind(company.0)
            .bind(s.receivable_account_id.map(|a| a.0))
            .bind(s.payable_account_id.map(|a| a.0))
            .bind(s.tax_rounding.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?
        } else {
            sqlx::query(
                "UPDATE billing_settings SET receivable_account_id = $1, payable_account_id = $2, \
                 tax_rounding = $3, version = version + 1 WHERE company_id = $4 AND version = $5",
            )
            .bind(s.receivable_account_id.map(|a| a.0))
            .bind(s.payable_account_id.map(|a| a.0))
            .bind(s.tax_rounding.as_str())
            .bind(company.0)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(db)?
        };
        if r.rows_affected() == 0 {
            return Err(Error::conflict(
                "the billing settings were changed by someone else since you read them; reload and try again",
            ));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
