//! Recurring invoices (see `steward_core::billing::recurring`): the templates, their
//! content as JSON of the invoice as typed, and the occurrences they made (primary key
//! template x date: an occurrence is recorded once).
use chrono::NaiveDate;
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::billing::invoices::InvoiceStatus;
use steward_core::billing::recurring::{
    NewRecurring, Recurring, RecurringRun, RecurringStatus, RecurringStore, StoredContent,
};
use steward_core::ids::{CompanyId, InvoiceId, PartyId};
use steward_core::ledger::{day_from_key, day_key};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::flag;
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

const COLUMNS: &str = "r.id, r.company_id, r.name, r.party_id, p.name AS party_name, r.source_id, r.rrule, \
    r.start_date, r.end_date, r.max_count, r.auto_post, r.auto_send, r.status, r.content, r.last_error, \
    r.created_at, r.version, \
    (SELECT COUNT(*) FROM billing_recurring_runs x WHERE x.recurring_id = r.id) AS made";

fn day(r: &AnyRow, c: &str) -> Result<NaiveDate> {
    day_from_key(get_i64(r, c)?).ok_or_else(|| Error::internal(format!("bad date in {c}")))
}

fn recurring_of(r: &AnyRow) -> Result<Recurring> {
    let party_id = PartyId(get_i64(r, "party_id")?);
    let content: StoredContent = serde_json::from_str(&get_str(r, "content")?)
        .map_err(|e| Error::internal(format!("recurring content: {e}")))?;
    Ok(Recurring {
        id: get_i64(r, "id")?,
        name: get_str(r, "name")?,
        party_id,
        party_name: get_str(r, "party_name")?,
        source_id: opt_i64(r, "source_id")?.map(InvoiceId),
        rrule: get_str(r, "rrule")?,
        start: day(r, "start_date")?,
        end: opt_i64(r, "end_date")?.and_then(day_from_key),
        count: opt_i64(r, "max_count")?,
        auto_post: get_i64(r, "auto_post")? != 0,
        auto_send: get_i64(r, "auto_send")? != 0,
        status: RecurringStatus::parse(&get_str(r, "status")?)
            .ok_or_else(|| Error::internal("unknown recurring status"))?,
        content: content.input(party_id),
        made: get_i64(r, "made")?,
        last_error: get_str(r, "last_error")?,
        created_at: Timestamp(get_i64(r, "created_at")?),
        version: get_i64(r, "version")?,
    })
}

impl RecurringStore for Store {
    async fn recurring_list(&self, company: CompanyId) -> Result<Vec<Recurring>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM billing_recurring r JOIN billing_parties p ON p.id = r.party_id \
             WHERE r.company_id = $1 ORDER BY r.id DESC"
        ))
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(recurring_of).collect()
    }

    async fn recurring(&self, company: CompanyId, id: i64) -> Result<Option<Recurring>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM billing_recurring r JOIN billing_parties p ON p.id = r.party_id \
             WHERE r.company_id = $1 AND r.id = $2"
        ))
        .bind(company.0)
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.as_ref().map(recurring_of).transpose()
    }

    async fn insert_recurring(
        &self,
        company: CompanyId,
        r: &NewRecurring,
        mut audit: AuditDraft,
    ) -> Result<i64> {
        let content = serde_json::to_string(&StoredContent::of(&r.content))
            .map_err(|e| Error::internal(format!("recurring content: {e}")))?;
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO billing_recurring (company_id, name, party_id, source_id, rrule, start_date, end_date, \
             max_count, auto_post, auto_send, status, content, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', $11, $12, $13) RETURNING id",
        )
        .bind(company.0)
        .bind(&r.name)
        .bind(r.party_id.0)
        .bind(r.source_id.map(|s| s.0))
        .bind(&r.rrule)
        .bind(day_key(r.start))
        .bind(r.end.map(day_key))
        .bind(r.count)
        .bind(flag(r.auto_post))
        .bind(flag(r.auto_send))
        .bind(&content)
        .bind(r.created_by.map(|u| u.0))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&row, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn set_recurring_status(
        &self,
        company: CompanyId,
        id: i64,
        status: RecurringStatus,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE billing_recurring SET status = $1, version = version + 1 \
             WHERE company_id = $2 AND id = $3 AND status <> 'stopped'",
        )
        .bind(status.as_str())
        .bind(company.0)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict("the recurring invoice is stopped for good"));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn set_recurring_error(&self, company: CompanyId, id: i64, error: &str) -> Result<()> {
        sqlx::query(
            "UPDATE billing_recurring SET last_error = $1 WHERE company_id = $2 AND id = $3",
        )
        .bind(error)
        .bind(company.0)
        .bind(id)
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn recurring_runs(&self, company: CompanyId, id: i64) -> Result<Vec<RecurringRun>> {
        let rows = sqlx::query(
            "SELECT x.occurrence, x.document_id, d.number, d.status, COALESCE(d.total, 0) AS total, \
             COALESCE(d.currency, '') AS currency \
             FROM billing_recurring_runs x JOIN billing_recurring r ON r.id = x.recurring_id \
             LEFT JOIN billing_documents d ON d.id = x.document_id \
             WHERE r.company_id = $1 AND x.recurring_id = $2 ORDER BY x.occurrence DESC",
        )
        .bind(company.0)
        .bind(id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(RecurringRun {
                    occurrence: day(r, "occurrence")?,
                    document_id: opt_i64(r, "document_id")?.map(InvoiceId),
                    number: opt_str(r, "number")?,
                    status: opt_str(r, "status")?.and_then(|s| InvoiceStatus::parse(&s)),
                    total: get_i64(r, "total")?,
                    currency: get_str(r, "currency")?,
                })
            })
            .collect()
    }

    async fn record_run(
        &self,
        company: CompanyId,
        id: i64,
        occurrence: NaiveDate,
        document: InvoiceId,
    ) -> Result<bool> {
        let r = sqlx::query(
            "INSERT INTO billing_recurring_runs (recurring_id, occurrence, document_id, created_at) \
             SELECT r.id, $1, $2, $3 FROM billing_recurring r WHERE r.company_id = $4 AND r.id = $5 \
             ON CONFLICT (recurring_id, occurrence) DO NOTHING",
        )
        .bind(day_key(occurrence))
        .bind(document.0)
        .bind(Timestamp::now().0)
        .bind(company.0)
        .bind(id)
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(r.rows_affected() == 1)
    }

    async fn active_recurring(&self) -> Result<Vec<(String, CompanyId, String, Recurring)>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS}, c.name AS company_name, c.currency AS company_currency FROM billing_recurring r \
             JOIN billing_parties p ON p.id = r.party_id JOIN companies c ON c.id = r.company_id \
             WHERE r.status = 'active' ORDER BY r.company_id, r.id"
        ))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok((
                    get_str(r, "company_name")?,
                    CompanyId(get_i64(r, "company_id")?),
                    get_str(r, "company_currency")?,
                    recurring_of(r)?,
                ))
            })
            .collect()
    }
}
