//! Billing's tables (see `steward_core::billing`): settings, parties, tax codes, and the
//! documents with their lines. Posting a document writes its ledger entry through the
//! ledger's own writer (`Store::insert_entries_in`) in the transaction that numbers it.
mod aged;
mod invoices;
mod mail;
mod parties;
pub(crate) mod payments;
mod recurring;
mod reports;
mod runs;
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
            "SELECT receivable_account_id, payable_account_id, tax_rounding, bill_approval_threshold, \
             fx_gain_loss_account_id, version \
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
            bill_approval_threshold: opt_i64(&r, "bill_approval_threshold")?,
            fx_gain_loss_account_id: opt_i64(&r, "fx_gain_loss_account_id")?.map(AccountId),
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
                "INSERT INTO billing_settings (company_id, receivable_account_id, payable_account_id, tax_rounding, \
                 bill_approval_threshold, fx_gain_loss_account_id, version) VALUES ($1, $2, $3, $4, $5, $6, 1) \
                 ON CONFLICT (company_id) DO NOTHING",
            )
            .bind(company.0)
            .bind(s.receivable_account_id.map(|a| a.0))
            .bind(s.payable_account_id.map(|a| a.0))
            .bind(s.tax_rounding.as_str())
            .bind(s.bill_approval_threshold)
            .bind(s.fx_gain_loss_account_id.map(|a| a.0))
            .execute(&mut *tx)
            .await
            .map_err(db)?
        } else {
            sqlx::query(
                "UPDATE billing_settings SET receivable_account_id = $1, payable_account_id = $2, \
                 tax_rounding = $3, bill_approval_threshold = $4, fx_gain_loss_account_id = $5, version = version + 1 \
                 WHERE company_id = $6 AND version = $7",
            )
            .bind(s.receivable_account_id.map(|a| a.0))
            .bind(s.payable_account_id.map(|a| a.0))
            .bind(s.tax_rounding.as_str())
            .bind(s.bill_approval_threshold)
            .bind(s.fx_gain_loss_account_id.map(|a| a.0))
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

/// A posted invoice written straight into the tables, for benchmarks: no lines, no ledger
/// entry, numbered `INV-<year>-<seq>` from `seq`.
#[derive(Debug, Clone, Copy)]
pub struct SeedInvoice {
    pub party: i64,
    pub issue_date: chrono::NaiveDate,
    pub due_date: chrono::NaiveDate,
    pub total: i64,
    /// Settled so far (one allocation on the issue date plus a week), 0 for none.
    pub paid: i64,
    pub seq: i64,
}

impl Store {
    /// Writes posted invoices in multi-row INSERTs (benchmarks of the aged report). Every
    /// value is an integer or a currency code the caller gives, written as a literal.
    pub async fn seed_posted_invoices(
        &self,
        company: CompanyId,
        currency: &str,
        docs: &[SeedInvoice],
    ) -> Result<()> {
        use steward_core::ledger::day_key;
        if !currency.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::invalid("currency", "letters and digits"));
        }
        let now = steward_core::time::Timestamp::now().0;
        let mut tx = self.begin().await?;
        // Each document's id by its number (year, seq), as the insert returns them: the
        // allocations name their documents by id (a sub-select per row would be planned on
        // a table whose statistics do not know it has grown).
        let mut ids: std::collections::HashMap<(i64, i64), i64> =
            std::collections::HashMap::with_capacity(docs.len());
        for chunk in docs.chunks(500) {
            let values: Vec<String> = chunk
                .iter()
                .map(|d| {
                    let year = i64::from(chrono::Datelike::year(&d.issue_date));
                    format!(
                        "({}, 'invoice', 'posted', {}, 'INV', {year}, {}, 'INV-{year}-{:04}', {}, {}, '{currency}', {}, 0, {}, 'line', {now})",
                        company.0,
                        d.party,
                        d.seq,
                        d.seq,
                        day_key(d.issue_date),
                        day_key(d.due_date),
                        d.total,
                        d.total
                    )
                })
                .collect();
            let rows = sqlx::query(&format!(
                "INSERT INTO billing_documents (company_id, kind, status, party_id, series, year, seq, number, issue_date, due_date, currency, subtotal, tax, total, tax_rounding, created_at) VALUES {} \
                 RETURNING id, year, seq",
                values.join(", ")
            ))
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            for r in rows {
                ids.insert(
                    (get_i64(&r, "year")?, get_i64(&r, "seq")?),
                    get_i64(&r, "id")?,
                );
            }
        }
        // The allocations of the paid ones.
        for chunk in docs.chunks(500) {
            let mut paid: Vec<String> = Vec::with_capacity(chunk.len());
            for d in chunk.iter().filter(|d| d.paid > 0) {
                let year = i64::from(chrono::Datelike::year(&d.issue_date));
                let id = ids
                    .get(&(year, d.seq))
                    .ok_or_else(|| Error::internal("seeded invoice without its id"))?;
                paid.push(format!(
                    "({}, {id}, {}, {}, {now})",
                    company.0,
                    d.paid,
                    day_key(d.issue_date + chrono::Days::new(7))
                ));
            }
            if paid.is_empty() {
                continue;
            }
            sqlx::query(&format!(
                "INSERT INTO billing_allocations (company_id, document_id, amount, date, created_at) VALUES {}",
                paid.join(", ")
            ))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        // The series continue after what was seeded, as posting would have left them.
        sqlx::query(&format!(
            "INSERT INTO billing_sequences (company_id, series, year, last_value) \
             SELECT company_id, series, year, MAX(seq) FROM billing_documents WHERE company_id = {} \
             AND seq IS NOT NULL GROUP BY company_id, series, year \
             ON CONFLICT (company_id, series, year) DO UPDATE SET last_value = excluded.last_value",
            company.0
        ))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }
}
