//! HR reports (see `steward_core::hr::reports`): headcount on a day by the department the
//! job history says, joiners and leavers per month.
use chrono::NaiveDate;
use steward_core::hr::day_key;
use steward_core::hr::reports::ReportStore;
use steward_core::ids::{CompanyId, DepartmentId};
use steward_core::Result;

use super::get_day;
use crate::{db, get_i64, opt_i64, Store};

impl ReportStore for Store {
    async fn headcounts(
        &self,
        company: CompanyId,
        days: &[NaiveDate],
    ) -> Result<Vec<(NaiveDate, Option<DepartmentId>, i64)>> {
        if days.is_empty() {
            return Ok(Vec::new());
        }
        // The days as a literal table (integers we computed); the job on a day is the
        // history row with the latest effective date on or before it (the employee's
        // current department when there is none yet).
        let table = days
            .iter()
            .map(|d| format!("SELECT CAST({} AS BIGINT) AS day", day_key(*d)))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let rows = sqlx::query(&format!(
            "SELECT x.day, x.department_id, COUNT(*) AS n FROM ( \
               SELECT m.day, COALESCE((SELECT h.department_id FROM hr_job_history h \
                 WHERE h.employee_id = e.id AND h.company_id = e.company_id \
                 AND h.effective_date <= m.day \
                 ORDER BY h.effective_date DESC, h.id DESC LIMIT 1), e.department_id) AS department_id \
               FROM ({table}) m JOIN hr_employees e ON e.company_id = $1 \
               AND e.start_date <= m.day AND (e.end_date IS NULL OR e.end_date >= m.day) \
             ) x GROUP BY x.day, x.department_id"
        ))
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok((
                    get_day(r, "day")?,
                    opt_i64(r, "department_id")?.map(DepartmentId),
                    get_i64(r, "n")?,
                ))
            })
            .collect()
    }

    async fn movements(
        &self,
        company: CompanyId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(i64, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT m, SUM(j) AS joiners, SUM(l) AS leavers FROM ( \
               SELECT start_date / 100 AS m, 1 AS j, 0 AS l FROM hr_employees \
               WHERE company_id = $1 AND start_date >= $2 AND start_date <= $3 \
               UNION ALL \
               SELECT end_date / 100 AS m, 0 AS j, 1 AS l FROM hr_employees \
               WHERE company_id = $1 AND end_date IS NOT NULL AND end_date >= $2 AND end_date <= $3 \
             ) x GROUP BY m ORDER BY m",
        )
        .bind(company.0)
        .bind(day_key(from))
        .bind(day_key(to))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok((
                    get_i64(r, "m")?,
                    get_i64(r, "joiners")?,
                    get_i64(r, "leavers")?,
                ))
            })
            .collect()
    }
}
