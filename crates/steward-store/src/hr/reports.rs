//! HR reports (see `steward_core::hr::reports`): headcount on a day by the department the
//! job history says, joiners and leavers per month, time off taken and balances from the
//! time-off ledger (the actor's reach applied in the statement, one statement per table).
use chrono::NaiveDate;
use sqlx::any::AnyArguments;
use sqlx::Any;
use steward_core::hr::day_key;
use steward_core::hr::reports::{
    BalanceCell, BalanceSort, EmployeeBalance, Reach, ReportStore, TakenCell, TimeoffFilter,
};
use steward_core::ids::{CompanyId, DepartmentId, EmployeeId};
use steward_core::list::{Page, Paging, SortDir};
use steward_core::Result;

use super::get_day;
use crate::{db, get_i64, get_str, opt_i64, Store};

/// The department an employee was in on a day (an SQL expression of the day): the job-history
/// row with the latest effective date on or before it, else the employee's current one.
fn department_on(employee: &str, day: &str) -> String {
    format!(
        "COALESCE((SELECT h.department_id FROM hr_job_history h \
           WHERE h.employee_id = {employee}.id AND h.company_id = {employee}.company_id \
           AND h.effective_date <= {day} \
           ORDER BY h.effective_date DESC, h.id DESC LIMIT 1), {employee}.department_id)"
    )
}

/// The parts a time-off statement adds for the actor's reach and the department filter:
/// a `WITH RECURSIVE` prefix walking down the reporting line, a condition on `e` (the
/// employee) and one on `x.department_id` (outside the inner select), with the integers to
/// bind after the statement's own parameters (numbered from `next`).
struct Scoped {
    with: String,
    reach: String,
    department: String,
    binds: Vec<i64>,
}

fn scoped(filter: &TimeoffFilter, mut next: usize) -> Scoped {
    let mut s = Scoped {
        with: String::new(),
        reach: String::new(),
        department: String::new(),
        binds: Vec::new(),
    };
    if let Reach::Below(EmployeeId(m)) = filter.reach {
        // The depth bound ends a cycle in the data; a cycle back to the manager is dropped.
        s.with = format!(
            "WITH RECURSIVE down(id, depth) AS ( \
               SELECT id, 1 FROM hr_employees WHERE company_id = $1 AND manager_id = ${next} \
               UNION ALL \
               SELECT c.id, down.depth + 1 FROM hr_employees c JOIN down ON c.manager_id = down.id \
               WHERE c.company_id = $1 AND down.depth < 64 \
             ) "
        );
        s.reach = format!(" AND e.id IN (SELECT id FROM down) AND e.id <> ${next}");
        s.binds.push(m);
        next += 1;
    }
    if let Some(DepartmentId(d)) = filter.department {
        s.department = format!(" WHERE x.department_id = ${next}");
        s.binds.push(d);
    }
    s
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, Any, AnyArguments<'q>>,
    binds: &[i64],
) -> sqlx::query::Query<'q, Any, AnyArguments<'q>> {
    for b in binds {
        q = q.bind(*b);
    }
    q
}

/// Per employee and policy: the balance on the filter's day of the people employed then,
/// with their department on that day. `x` in the statements that wrap it.
fn balances_inner(reach: &str) -> String {
    format!(
        "SELECT s.employee_id, s.policy_id, s.balance, {dept} AS department_id \
         FROM (SELECT employee_id, policy_id, CAST(SUM(amount_milli) AS BIGINT) AS balance \
               FROM hr_timeoff_ledger WHERE company_id = $1 AND day <= $2 \
               GROUP BY employee_id, policy_id) s \
         JOIN hr_employees e ON e.id = s.employee_id AND e.company_id = $1 \
         WHERE e.start_date <= $2 AND (e.end_date IS NULL OR e.end_date >= $2){reach}",
        dept = department_on("e", "$2"),
    )
}

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

    async fn has_reports(&self, company: CompanyId, manager: EmployeeId) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM (SELECT id FROM hr_employees \
             WHERE company_id = $1 AND manager_id = $2 AND id <> $2 LIMIT 1) x",
        )
        .bind(company.0)
        .bind(manager.0)
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        Ok(get_i64(&row, "n")? > 0)
    }

    async fn timeoff_taken(
        &self,
        company: CompanyId,
        from: NaiveDate,
        to: NaiveDate,
        filter: &TimeoffFilter,
    ) -> Result<Vec<TakenCell>> {
        let sc = scoped(filter, 4);
        let sql = format!(
            "{with}SELECT x.m, x.policy_id, x.department_id, CAST(SUM(x.amount) AS BIGINT) AS taken \
             FROM (SELECT l.day / 100 AS m, l.policy_id, -l.amount_milli AS amount, \
                   {dept} AS department_id \
                   FROM hr_timeoff_ledger l \
                   JOIN hr_employees e ON e.id = l.employee_id AND e.company_id = l.company_id \
                   WHERE l.company_id = $1 AND l.kind = 'use' AND l.day >= $2 AND l.day <= $3{reach} \
             ) x{department} GROUP BY x.m, x.policy_id, x.department_id",
            with = sc.with,
            dept = department_on("e", "l.day"),
            reach = sc.reach,
            department = sc.department,
        );
        let q = sqlx::query(&sql)
            .bind(company.0)
            .bind(day_key(from))
            .bind(day_key(to));
        let rows = bind_all(q, &sc.binds)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(TakenCell {
                    month: get_i64(r, "m")?,
                    policy_id: get_i64(r, "policy_id")?,
                    department_id: opt_i64(r, "department_id")?.map(DepartmentId),
                    milli: get_i64(r, "taken")?,
                })
            })
            .collect()
    }

    async fn timeoff_balance_summary(
        &self,
        company: CompanyId,
        filter: &TimeoffFilter,
    ) -> Result<Vec<BalanceCell>> {
        let sc = scoped(filter, 3);
        let sql = format!(
            "{with}SELECT x.policy_id, x.department_id, COUNT(*) AS employees, \
             CAST(SUM(x.balance) AS BIGINT) AS total, \
             CAST(SUM(CASE WHEN x.balance < 0 THEN 1 ELSE 0 END) AS BIGINT) AS negative \
             FROM ({inner}) x{department} GROUP BY x.policy_id, x.department_id",
            with = sc.with,
            inner = balances_inner(&sc.reach),
            department = sc.department,
        );
        let q = sqlx::query(&sql).bind(company.0).bind(day_key(filter.day));
        let rows = bind_all(q, &sc.binds)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(BalanceCell {
                    policy_id: get_i64(r, "policy_id")?,
                    department_id: opt_i64(r, "department_id")?.map(DepartmentId),
                    employees: get_i64(r, "employees")?,
                    total_milli: get_i64(r, "total")?,
                    negative: get_i64(r, "negative")?,
                })
            })
            .collect()
    }

    async fn timeoff_employee_balances(
        &self,
        company: CompanyId,
        filter: &TimeoffFilter,
        sort: BalanceSort,
        dir: SortDir,
        paging: Paging,
    ) -> Result<Page<EmployeeBalance>> {
        let sc = scoped(filter, 3);
        let inner = balances_inner(&sc.reach);
        let from = format!(
            "FROM ({inner}) x JOIN hr_employees e ON e.id = x.employee_id \
             JOIN hr_timeoff_policies p ON p.id = x.policy_id AND p.company_id = $1 \
             LEFT JOIN departments d ON d.id = x.department_id{department}",
            department = sc.department,
        );
        let dir = match dir {
            SortDir::Asc => "ASC",
            SortDir::Desc => "DESC",
        };
        let name =
            "LOWER(CASE WHEN e.preferred_name <> '' THEN e.preferred_name ELSE e.legal_name END)";
        // Sort columns come from the allowlist enum, never from the request's text.
        let order = match sort {
            BalanceSort::Name => format!("{name} {dir}, LOWER(p.name) {dir}"),
            BalanceSort::Department => format!("LOWER(d.name) {dir}, {name} {dir}"),
            BalanceSort::Policy => format!("LOWER(p.name) {dir}, {name} {dir}"),
            BalanceSort::Balance => format!("x.balance {dir}, {name} {dir}"),
        };
        let count_sql = format!("{with}SELECT COUNT(*) AS n {from}", with = sc.with);
        let page_sql = format!(
            "{with}SELECT x.employee_id, x.policy_id, x.balance, x.department_id, \
             e.employee_number, e.legal_name, e.preferred_name, p.name AS policy_name, \
             d.name AS department_name {from} \
             ORDER BY {order}, x.employee_id {dir}, x.policy_id {dir} LIMIT {} OFFSET {}",
            paging.limit,
            paging.offset,
            with = sc.with,
        );
        let count = sqlx::query(&count_sql)
            .bind(company.0)
            .bind(day_key(filter.day));
        let total = get_i64(
            &bind_all(count, &sc.binds)
                .fetch_one(&self.read)
                .await
                .map_err(db)?,
            "n",
        )?;
        let page = sqlx::query(&page_sql)
            .bind(company.0)
            .bind(day_key(filter.day));
        let rows = bind_all(page, &sc.binds)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        let items = rows
            .iter()
            .map(|r| {
                let preferred = get_str(r, "preferred_name")?;
                Ok(EmployeeBalance {
                    employee_id: EmployeeId(get_i64(r, "employee_id")?),
                    employee_number: get_str(r, "employee_number")?,
                    name: if preferred.trim().is_empty() {
                        get_str(r, "legal_name")?
                    } else {
                        preferred
                    },
                    department_id: opt_i64(r, "department_id")?.map(DepartmentId),
                    department: crate::opt_str(r, "department_name")?
                        .unwrap_or_else(|| "No department".to_string()),
                    policy_id: get_i64(r, "policy_id")?,
                    policy: get_str(r, "policy_name")?,
                    balance_milli: get_i64(r, "balance")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
            limit: paging.limit,
            offset: paging.offset,
        })
    }
}
