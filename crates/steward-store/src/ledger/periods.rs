//! Periods: the stored state of months.
use super::*;

impl PeriodStore for Store {
    async fn periods(
        &self,
        company: CompanyId,
        from_month: i64,
        to_month: i64,
    ) -> Result<Vec<Period>> {
        sqlx::query(
            "SELECT month, status, changed_by, changed_at, reason FROM ledger_periods \
             WHERE company_id = $1 AND month BETWEEN $2 AND $3 ORDER BY month",
        )
        .bind(company.0)
        .bind(from_month)
        .bind(to_month)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(Period {
                month: get_i64(r, "month")?,
                status: match get_str(r, "status")?.as_str() {
                    "closed" => PeriodStatus::Closed,
                    _ => PeriodStatus::Open,
                },
                changed_by: Some(get_str(r, "changed_by")?),
                changed_at: Some(Timestamp(get_i64(r, "changed_at")?)),
                reason: get_str(r, "reason")?,
            })
        })
        .collect()
    }

    async fn set_period(
        &self,
        company: CompanyId,
        month: i64,
        status: PeriodStatus,
        by: &str,
        reason: &str,
        mut audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        lock_company(&mut tx, self.backend, company, true).await?;
        sqlx::query(
            "INSERT INTO ledger_periods (company_id, month, status, changed_by, changed_at, reason) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (company_id, month) DO UPDATE SET status = excluded.status, changed_by = excluded.changed_by, \
             changed_at = excluded.changed_at, reason = excluded.reason",
        )
        .bind(company.0)
        .bind(month)
        .bind(period_status_str(status))
        .bind(by)
        .bind(Timestamp::now().0)
        .bind(reason)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit.entity_id.get_or_insert_with(|| month.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
