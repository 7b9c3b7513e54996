//! HR reports (see `steward_core::hr::reports`): headcount on a day by the department the
//! job history says, joiners and leavers per month.
use chrono::NaiveDate;
use steward_core::hr::day_key;
use steward_core::hr::reports::ReportStore;
use steward_core::ids::{CompanyId, DepartmentId};
use steward_core::Result;

use crate::{db, get_i64, opt_i64, Store};

impl ReportStore for Store {
    async fn headcount_on(
        &self,
        company: CompanyId,
        day: NaiveDate,
    ) -> Result<Vec<(Option<DepartmentId>, i64)>> {
        // The job on `day` is the history row with the latest effective date on or before it
        // (the employee's current department when there is none yet).
        let rows = sqlx::query(
            "SELECT COALESCE((SELECT h.department_id FROM hr_job_history h \
                WHERE h.employee_id = e.id AND h.company_id = e.company_id AND h.effective_date <= $2 \
                ORDER BY h.effective_date DESC, h.id DESC LIMIT 1), e.department_id) AS department_id, \
             COUNT(*) AS n FROM hr_employees e \
             WHERE e.company_id = $1 AND e.start_date <= $2 AND (e.end_date IS NULL OR e.end_date >= $2) \
             GROUP BY 1",
        )
        .bind(company.0)
        .bind(day_key(day))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok((
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
