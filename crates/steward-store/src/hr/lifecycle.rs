//! On- and offboardings and the items a leaver hands back (see `steward_core::hr::lifecycle`).
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::hr::day_key;
use steward_core::hr::lifecycle::{
    LentItem, Lifecycle, LifecycleKind, LifecycleStore, NewLifecycle, ReturnItem,
};
use steward_core::ids::{CompanyId, EmployeeId, UserId};
use steward_core::time::Timestamp;
use steward_core::Result;

use super::{bad_row, get_day};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

fn lifecycle_of(r: &AnyRow) -> Result<Lifecycle> {
    let kind = get_str(r, "kind")?;
    let tasks: Vec<i64> =
        serde_json::from_str(&get_str(r, "tasks")?).map_err(|_| bad_row("tasks"))?;
    Ok(Lifecycle {
        id: get_i64(r, "id")?,
        employee_id: EmployeeId(get_i64(r, "employee_id")?),
        kind: LifecycleKind::parse(&kind).ok_or_else(|| bad_row("kind"))?,
        start_date: get_day(r, "start_date")?,
        reason: opt_str(r, "reason")?,
        note: get_str(r, "note")?,
        tasks,
        created_by: opt_i64(r, "created_by")?.map(UserId),
        created_at: Timestamp(get_i64(r, "created_at")?),
    })
}

fn return_of(r: &AnyRow) -> Result<ReturnItem> {
    Ok(ReturnItem {
        id: get_i64(r, "id")?,
        employee_id: EmployeeId(get_i64(r, "employee_id")?),
        lifecycle_id: get_i64(r, "lifecycle_id")?,
        item: get_str(r, "item")?,
        source: get_str(r, "source")?,
        returned_at: opt_i64(r, "returned_at")?.map(Timestamp),
        returned_by: opt_i64(r, "returned_by")?.map(UserId),
    })
}

const RETURN_COLS: &str = "id, employee_id, lifecycle_id, item, source, returned_at, returned_by";

impl LifecycleStore for Store {
    async fn insert_lifecycle(
        &self,
        company: CompanyId,
        new: &NewLifecycle,
        mut audit: AuditDraft,
    ) -> Result<Lifecycle> {
        let now = Timestamp::now().0;
        let tasks = serde_json::to_string(&new.tasks).map_err(steward_core::Error::internal)?;
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO hr_lifecycles (company_id, employee_id, kind, start_date, reason, note, tasks, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(company.0)
        .bind(new.employee_id.0)
        .bind(new.kind.as_str())
        .bind(day_key(new.start_date))
        .bind(new.reason.as_deref())
        .bind(&new.note)
        .bind(tasks)
        .bind(new.created_by.map(|u| u.0))
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&row, "id")?;
        for r in &new.returns {
            sqlx::query(
                "INSERT INTO hr_returns (company_id, employee_id, lifecycle_id, item, source, record) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(company.0)
            .bind(new.employee_id.0)
            .bind(id)
            .bind(&r.item)
            .bind(&r.source)
            .bind(r.record.as_ref().map(|x| x.to_string()))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        if let Some((leaving, access_ends)) = new.leaving {
            let today = chrono::Utc::now().date_naive();
            let start = sqlx::query(
                "SELECT start_date, user_id FROM hr_employees WHERE company_id = $1 AND id = $2",
            )
            .bind(company.0)
            .bind(new.employee_id.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let status =
                steward_core::hr::status_on(get_day(&start, "start_date")?, Some(leaving), today);
            sqlx::query(
                "UPDATE hr_employees SET end_date = $1, end_reason = $2, status = $3, updated_at = $4, \
                 version = version + 1 WHERE company_id = $5 AND id = $6",
            )
            .bind(day_key(leaving))
            .bind(new.reason.as_deref().unwrap_or(""))
            .bind(status)
            .bind(now)
            .bind(company.0)
            .bind(new.employee_id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            if let Some(user) = opt_i64(&start, "user_id")? {
                // Access ends with the leaving date; an earlier end already set stays.
                sqlx::query(
                    "UPDATE memberships SET valid_until = $1 WHERE user_id = $2 AND company_id = $3 \
                     AND (valid_until IS NULL OR valid_until > $1)",
                )
                .bind(access_ends.0)
                .bind(user)
                .bind(company.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
        }
        audit.company_id = Some(company);
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(Lifecycle {
            id,
            employee_id: new.employee_id,
            kind: new.kind,
            start_date: new.start_date,
            reason: new.reason.clone(),
            note: new.note.clone(),
            tasks: new.tasks.clone(),
            created_by: new.created_by,
            created_at: Timestamp(now),
        })
    }

    async fn lifecycles(&self, company: CompanyId, employee: EmployeeId) -> Result<Vec<Lifecycle>> {
        let rows = sqlx::query(
            "SELECT id, employee_id, kind, start_date, reason, note, tasks, created_by, created_at \
             FROM hr_lifecycles WHERE company_id = $1 AND employee_id = $2 ORDER BY id",
        )
        .bind(company.0)
        .bind(employee.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(lifecycle_of).collect()
    }

    async fn return_items(
        &self,
        company: CompanyId,
        employee: EmployeeId,
    ) -> Result<Vec<ReturnItem>> {
        let rows = sqlx::query(&format!(
            "SELECT {RETURN_COLS} FROM hr_returns WHERE company_id = $1 AND employee_id = $2 ORDER BY id"
        ))
        .bind(company.0)
        .bind(employee.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(return_of).collect()
    }

    async fn return_item(&self, company: CompanyId, id: i64) -> Result<Option<ReturnItem>> {
        let row = sqlx::query(&format!(
            "SELECT {RETURN_COLS} FROM hr_returns WHERE company_id = $1 AND id = $2"
        ))
        .bind(company.0)
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.as_ref().map(return_of).transpose()
    }

    async fn set_returned(
        &self,
        company: CompanyId,
        id: i64,
        returned: Option<(Timestamp, Option<UserId>)>,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE hr_returns SET returned_at = $1, returned_by = $2 WHERE company_id = $3 AND id = $4",
        )
        .bind(returned.map(|(t, _)| t.0))
        .bind(returned.and_then(|(_, u)| u).map(|u| u.0))
        .bind(company.0)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn assigned_items(
        &self,
        company: CompanyId,
        employee: EmployeeId,
    ) -> Result<Vec<LentItem>> {
        // Whatever the lending domains registered (`crate::LENDERS`).
        let mut items = Vec::new();
        for lender in crate::LENDERS {
            items.extend(lender(self, company, employee).await?);
        }
        Ok(items)
    }
}
