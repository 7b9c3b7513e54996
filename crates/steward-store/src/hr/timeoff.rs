//! Time off's tables (see `steward_core::hr::timeoff`): calendars and holidays, policies,
//! the accruals ledger (a balance is the sum of its rows; periods are unique per employee and
//! policy, so a second accrual run writes nothing), requests and secret feeds.
use chrono::NaiveDate;
use sea_query::{Alias, Cond, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use steward_core::audit::AuditDraft;
use steward_core::hr::timeoff::calendar::{Holiday, Span};
use steward_core::hr::timeoff::{
    CalendarRow, Feed, LedgerRow, NewCalendar, NewFeed, NewLedgerRow, NewPolicy, NewRequest,
    Policy, Request, RequestQuery, RequestSort, TimeoffStore,
};
use steward_core::hr::{day_key, EmployeeRef};
use steward_core::ids::{CompanyId, DepartmentId, EmployeeId, LocationId, UserId};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::{bad_row, employee_ref_of, get_day, EMPLOYEE_REF};
use crate::sql::like_pattern;
use crate::sql::{col, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

type Tx = Transaction<'static, Any>;

fn a(s: &str) -> Alias {
    Alias::new(s)
}

fn b(v: bool) -> i64 {
    i64::from(v)
}

use crate::taken;

/// Ends an insert: the new row's id into the audit entry, appended, committed.
async fn inserted(mut tx: Tx, row: &AnyRow, mut audit: AuditDraft) -> Result<i64> {
    let id = get_i64(row, "id")?;
    audit.entity_id = Some(id.to_string());
    append_audit(&mut tx, audit).await?;
    tx.commit().await.map_err(db)?;
    Ok(id)
}

/// Binds a policy's ten columns in order (name … active), the same in INSERT and UPDATE.
trait BindPolicy<'q> {
    fn bind_policy(self, p: &NewPolicy) -> Self;
}

impl<'q> BindPolicy<'q> for sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    fn bind_policy(self, p: &NewPolicy) -> Self {
        self.bind(p.name.clone())
            .bind(p.kind.clone())
            .bind(p.accrual.clone())
            .bind(p.entitlement_milli)
            .bind(p.waiting_days)
            .bind(p.carry_cap_milli)
            .bind(p.carry_expiry_months)
            .bind(b(p.allow_negative))
            .bind(b(p.needs_approval))
            .bind(b(p.active))
    }
}

const FEED_COLUMNS: &str =
    "id, company_id, user_id, scope, employee_id, department_id, label, created_at, revoked_at";

fn policy_of(r: &AnyRow) -> Result<Policy> {
    Ok(Policy {
        id: get_i64(r, "id")?,
        name: get_str(r, "name")?,
        kind: get_str(r, "kind")?,
        accrual: get_str(r, "accrual")?,
        entitlement_milli: get_i64(r, "entitlement_milli")?,
        waiting_days: get_i64(r, "waiting_days")?,
        carry_cap_milli: get_i64(r, "carry_cap_milli")?,
        carry_expiry_months: get_i64(r, "carry_expiry_months")?,
        allow_negative: get_i64(r, "allow_negative")? != 0,
        needs_approval: get_i64(r, "needs_approval")? != 0,
        active: get_i64(r, "active")? != 0,
        version: get_i64(r, "version")?,
    })
}

const LEDGER_COLUMNS: &str = "id, employee_id, policy_id, day, kind, amount_milli, request_id, \
     period, note, created_at";

fn ledger_of(r: &AnyRow) -> Result<LedgerRow> {
    Ok(LedgerRow {
        id: get_i64(r, "id")?,
        employee_id: EmployeeId(get_i64(r, "employee_id")?),
        policy_id: get_i64(r, "policy_id")?,
        day: get_day(r, "day")?,
        kind: get_str(r, "kind")?,
        amount_milli: get_i64(r, "amount_milli")?,
        request_id: opt_i64(r, "request_id")?,
        period: opt_str(r, "period")?,
        note: get_str(r, "note")?,
        created_at: Timestamp(get_i64(r, "created_at")?),
    })
}

fn request_of(r: &AnyRow) -> Result<Request> {
    let preferred = opt_str(r, "preferred_name")?.unwrap_or_default();
    let span = Span::new(
        get_day(r, "start_day")?,
        get_i64(r, "start_half")? != 0,
        get_day(r, "end_day")?,
        get_i64(r, "end_half")? != 0,
    )
    .map_err(|_| bad_row("time-off span"))?;
    Ok(Request {
        id: get_i64(r, "id")?,
        employee_id: EmployeeId(get_i64(r, "employee_id")?),
        employee_name: if preferred.trim().is_empty() {
            opt_str(r, "legal_name")?.unwrap_or_default()
        } else {
            preferred
        },
        department_id: opt_i64(r, "department_id")?.map(DepartmentId),
        policy_id: get_i64(r, "policy_id")?,
        policy_name: opt_str(r, "policy_name")?.unwrap_or_default(),
        span,
        amount_milli: get_i64(r, "amount_milli")?,
        status: get_str(r, "status")?,
        note: get_str(r, "note")?,
        decision_note: get_str(r, "decision_note")?,
        approval_id: opt_i64(r, "approval_id")?,
        created_by: opt_i64(r, "created_by")?.map(UserId),
        created_at: Timestamp(get_i64(r, "created_at")?),
        updated_at: Timestamp(get_i64(r, "updated_at")?),
        version: get_i64(r, "version")?,
    })
}

fn feed_of(r: &AnyRow) -> Result<Feed> {
    Ok(Feed {
        id: get_i64(r, "id")?,
        company_id: CompanyId(get_i64(r, "company_id")?),
        user_id: UserId(get_i64(r, "user_id")?),
        scope: get_str(r, "scope")?,
        employee_id: opt_i64(r, "employee_id")?.map(EmployeeId),
        department_id: opt_i64(r, "department_id")?.map(DepartmentId),
        label: get_str(r, "label")?,
        created_at: Timestamp(get_i64(r, "created_at")?),
        revoked_at: opt_i64(r, "revoked_at")?.map(Timestamp),
    })
}

/// The request columns with the employee's names and the policy's.
fn request_select(company: CompanyId) -> SelectStatement {
    let mut s = Query::select();
    s.columns(
        [
            "id",
            "employee_id",
            "policy_id",
            "start_day",
            "start_half",
            "end_day",
            "end_half",
            "amount_milli",
            "status",
            "note",
            "decision_note",
            "approval_id",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        .map(|c| (a("r"), a(c))),
    )
    .expr_as(col("e", "preferred_name"), a("preferred_name"))
    .expr_as(col("e", "legal_name"), a("legal_name"))
    .expr_as(col("e", "department_id"), a("department_id"))
    .expr_as(col("p", "name"), a("policy_name"))
    .from_as(a("hr_timeoff_requests"), a("r"))
    .join_as(
        JoinType::LeftJoin,
        a("hr_employees"),
        a("e"),
        col("e", "id").equals((a("r"), a("employee_id"))),
    )
    .join_as(
        JoinType::LeftJoin,
        a("hr_timeoff_policies"),
        a("p"),
        col("p", "id").equals((a("r"), a("policy_id"))),
    )
    .and_where(col("r", "company_id").eq(company.0));
    s
}

fn filter(s: &mut SelectStatement, q: &RequestQuery) {
    if let Some(ids) = &q.employees {
        s.and_where(col("r", "employee_id").is_in(ids.iter().map(|e| e.0).collect::<Vec<_>>()));
    }
    if let Some(e) = q.employee {
        s.and_where(col("r", "employee_id").eq(e.0));
    }
    if let Some(st) = &q.status {
        s.and_where(col("r", "status").eq(st.as_str()));
    }
    if let Some(p) = q.policy {
        s.and_where(col("r", "policy_id").eq(p));
    }
    if let Some(d) = q.department {
        s.and_where(col("e", "department_id").eq(d.0));
    }
    if let Some(f) = q.from {
        s.and_where(col("r", "end_day").gte(day_key(f)));
    }
    if let Some(t) = q.to {
        s.and_where(col("r", "start_day").lte(day_key(t)));
    }
    if let Some(t) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let p = like_pattern(t);
        let like = |tb: &str, c: &str| {
            Expr::expr(Func::lower(col(tb, c)))
                .like(sea_query::LikeExpr::new(p.clone()).escape('\\'))
        };
        s.cond_where(
            Cond::any()
                .add(like("e", "search"))
                .add(like("e", "legal_name"))
                .add(like("e", "preferred_name"))
                .add(like("r", "note")),
        );
    }
}

async fn insert_rows(tx: &mut Tx, company: CompanyId, rows: &[NewLedgerRow]) -> Result<usize> {
    let now = Timestamp::now().0;
    let mut n = 0;
    for r in rows {
        let done = sqlx::query(
            "INSERT INTO hr_timeoff_ledger (company_id, employee_id, policy_id, day, kind, \
             amount_milli, request_id, period, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (company_id, employee_id, policy_id, period) DO NOTHING",
        )
        .bind(company.0)
        .bind(r.employee_id.0)
        .bind(r.policy_id)
        .bind(day_key(r.day))
        .bind(r.kind.clone())
        .bind(r.amount_milli)
        .bind(r.request_id)
        .bind(r.period.clone())
        .bind(r.note.clone())
        .bind(r.created_by.map(|u| u.0))
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
        n += usize::try_from(done.rows_affected()).unwrap_or(0);
    }
    Ok(n)
}

impl TimeoffStore for Store {
    async fn timeoff_calendars(&self, company: CompanyId) -> Result<Vec<CalendarRow>> {
        let cals = sqlx::query(
            "SELECT id, name, weekdays, is_default FROM hr_timeoff_calendars \
             WHERE company_id = $1 ORDER BY name, id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let hols = sqlx::query(
            "SELECT calendar_id, day, name, half_day FROM hr_timeoff_holidays \
             WHERE company_id = $1 ORDER BY day",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let mut out = Vec::with_capacity(cals.len());
        for c in &cals {
            let id = get_i64(c, "id")?;
            let mut holidays = Vec::new();
            for h in hols.iter() {
                if get_i64(h, "calendar_id")? == id {
                    holidays.push(Holiday {
                        day: get_day(h, "day")?,
                        name: get_str(h, "name")?,
                        half_day: get_i64(h, "half_day")? != 0,
                    });
                }
            }
            out.push(CalendarRow {
                id,
                name: get_str(c, "name")?,
                weekdays: steward_core::hr::timeoff::calendar::parse_weekdays(&get_str(
                    c, "weekdays",
                )?)
                .ok_or_else(|| bad_row("weekdays"))?,
                is_default: get_i64(c, "is_default")? != 0,
                holidays,
            });
        }
        Ok(out)
    }

    async fn timeoff_insert_calendar(
        &self,
        company: CompanyId,
        cal: &NewCalendar,
        audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        if cal.is_default {
            sqlx::query("UPDATE hr_timeoff_calendars SET is_default = 0 WHERE company_id = $1")
                .bind(company.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let row = sqlx::query(
            "INSERT INTO hr_timeoff_calendars (company_id, name, weekdays, is_default, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(company.0)
        .bind(cal.name.clone())
        .bind(steward_core::hr::timeoff::calendar::weekdays_text(
            &cal.weekdays,
        ))
        .bind(b(cal.is_default))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(taken("name", "a calendar has this name already"))?;
        inserted(tx, &row, audit).await
    }

    async fn timeoff_add_holiday(
        &self,
        company: CompanyId,
        calendar: i64,
        holiday: &Holiday,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO hr_timeoff_holidays (company_id, calendar_id, day, name, half_day) \
             SELECT $1, id, $3, $4, $5 FROM hr_timeoff_calendars WHERE company_id = $1 AND id = $2",
        )
        .bind(company.0)
        .bind(calendar)
        .bind(day_key(holiday.day))
        .bind(holiday.name.clone())
        .bind(b(holiday.half_day))
        .execute(&mut *tx)
        .await
        .map_err(taken("day", "this day is a holiday already"))?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn timeoff_remove_holiday(
        &self,
        company: CompanyId,
        calendar: i64,
        day: NaiveDate,
        audit: AuditDraft,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "DELETE FROM hr_timeoff_holidays WHERE company_id = $1 AND calendar_id = $2 AND day = $3",
        )
        .bind(company.0)
        .bind(calendar)
        .bind(day_key(day))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn timeoff_location_calendar(
        &self,
        company: CompanyId,
        location: LocationId,
    ) -> Result<Option<i64>> {
        let row =
            sqlx::query("SELECT calendar_id FROM hr_locations WHERE company_id = $1 AND id = $2")
                .bind(company.0)
                .bind(location.0)
                .fetch_optional(&self.read)
                .await
                .map_err(db)?;
        Ok(match row {
            Some(r) => opt_i64(&r, "calendar_id")?,
            None => None,
        })
    }

    async fn timeoff_policies(&self, company: CompanyId) -> Result<Vec<Policy>> {
        sqlx::query(
            "SELECT id, name, kind, accrual, entitlement_milli, waiting_days, carry_cap_milli, \
             carry_expiry_months, allow_negative, needs_approval, active, version \
             FROM hr_timeoff_policies WHERE company_id = $1 ORDER BY active DESC, name, id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(policy_of)
        .collect()
    }

    async fn timeoff_insert_policy(
        &self,
        company: CompanyId,
        p: &NewPolicy,
        audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let now = Timestamp::now().0;
        let row = sqlx::query(
            "INSERT INTO hr_timeoff_policies (company_id, name, kind, accrual, entitlement_milli, \
             waiting_days, carry_cap_milli, carry_expiry_months, allow_negative, needs_approval, \
             active, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, 1) RETURNING id",
        )
        .bind(company.0)
        .bind_policy(p)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(taken("name", "a policy has this name already"))?;
        inserted(tx, &row, audit).await
    }

    async fn timeoff_update_policy(
        &self,
        company: CompanyId,
        id: i64,
        p: &NewPolicy,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE hr_timeoff_policies SET name = $3, kind = $4, accrual = $5, \
             entitlement_milli = $6, waiting_days = $7, carry_cap_milli = $8, \
             carry_expiry_months = $9, allow_negative = $10, needs_approval = $11, active = $12, \
             updated_at = $13, version = version + 1 \
             WHERE company_id = $1 AND id = $2 AND version = $14",
        )
        .bind(company.0)
        .bind(id)
        .bind_policy(p)
        .bind(Timestamp::now().0)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(taken("name", "a policy has this name already"))?;
        if done.rows_affected() == 0 {
            return Err(Error::conflict(
                "the policy changed since you loaded it: reload and try again",
            ));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn timeoff_ledger(
        &self,
        company: CompanyId,
        employee: EmployeeId,
        policy: Option<i64>,
    ) -> Result<Vec<LedgerRow>> {
        // One statement for both: `$3 IS NULL` matches every policy.
        sqlx::query(&format!(
            "SELECT {LEDGER_COLUMNS} FROM hr_timeoff_ledger \
             WHERE company_id = $1 AND employee_id = $2 \
             AND (CAST($3 AS BIGINT) IS NULL OR policy_id = $3) ORDER BY day, id"
        ))
        .bind(company.0)
        .bind(employee.0)
        .bind(policy)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(ledger_of)
        .collect()
    }

    async fn timeoff_ledger_since(
        &self,
        company: CompanyId,
        since: NaiveDate,
    ) -> Result<Vec<LedgerRow>> {
        let since_key = day_key(since);
        let opening_day = since.pred_opt().unwrap_or(since);
        let opening = sqlx::query(
            "SELECT employee_id, policy_id, CAST(SUM(amount_milli) AS BIGINT) AS total \
             FROM hr_timeoff_ledger WHERE company_id = $1 AND day < $2 \
             GROUP BY employee_id, policy_id",
        )
        .bind(company.0)
        .bind(since_key)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let mut out = opening
            .iter()
            .map(|r| {
                Ok(LedgerRow {
                    id: 0,
                    employee_id: EmployeeId(get_i64(r, "employee_id")?),
                    policy_id: get_i64(r, "policy_id")?,
                    day: opening_day,
                    kind: "opening".into(),
                    amount_milli: get_i64(r, "total")?,
                    request_id: None,
                    period: None,
                    note: String::new(),
                    created_at: Timestamp(0),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        for r in sqlx::query(&format!(
            "SELECT {LEDGER_COLUMNS} FROM hr_timeoff_ledger \
             WHERE company_id = $1 AND day >= $2 ORDER BY employee_id, policy_id, day, id"
        ))
        .bind(company.0)
        .bind(since_key)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        {
            out.push(ledger_of(r)?);
        }
        Ok(out)
    }

    async fn timeoff_balances(
        &self,
        company: CompanyId,
        employee: EmployeeId,
        until: Option<NaiveDate>,
    ) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT policy_id, CAST(SUM(amount_milli) AS BIGINT) AS total FROM hr_timeoff_ledger \
             WHERE company_id = $1 AND employee_id = $2 AND day <= $3 GROUP BY policy_id",
        )
        .bind(company.0)
        .bind(employee.0)
        .bind(until.map_or(99_991_231, day_key))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| Ok((get_i64(r, "policy_id")?, get_i64(r, "total")?)))
            .collect()
    }

    async fn timeoff_post(
        &self,
        company: CompanyId,
        groups: &[(Vec<NewLedgerRow>, AuditDraft)],
    ) -> Result<usize> {
        if groups.iter().all(|(rows, _)| rows.is_empty()) {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        let mut total = 0;
        for (rows, audit) in groups {
            let n = insert_rows(&mut tx, company, rows).await?;
            if n > 0 {
                append_audit(&mut tx, audit.clone()).await?;
            }
            total += n;
        }
        if total == 0 {
            return Ok(0);
        }
        tx.commit().await.map_err(db)?;
        Ok(total)
    }

    async fn timeoff_insert_request(
        &self,
        company: CompanyId,
        req: &NewRequest,
        use_row: Option<NewLedgerRow>,
        audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let now = Timestamp::now().0;
        let row = sqlx::query(
            "INSERT INTO hr_timeoff_requests (company_id, employee_id, policy_id, start_day, \
             start_half, end_day, end_half, amount_milli, status, note, created_by, decided_by, \
             created_at, updated_at, version) \
             SELECT $1, e.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, 1 \
             FROM hr_employees e WHERE e.company_id = $1 AND e.id = $2 RETURNING id",
        )
        .bind(company.0)
        .bind(req.employee_id.0)
        .bind(req.policy_id)
        .bind(day_key(req.span.start))
        .bind(b(req.span.start_pm))
        .bind(day_key(req.span.end))
        .bind(b(req.span.end_am))
        .bind(req.amount_milli)
        .bind(req.status.clone())
        .bind(req.note.clone())
        .bind(req.created_by.map(|u| u.0))
        .bind(
            (req.status == "approved")
                .then_some(req.created_by.map(|u| u.0))
                .flatten(),
        )
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(Error::NotFound { entity: "employee" })?;
        let id = get_i64(&row, "id")?;
        if let Some(mut u) = use_row {
            u.request_id = Some(id);
            insert_rows(&mut tx, company, &[u]).await?;
        }
        let mut audit = audit;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn timeoff_set_approval(&self, company: CompanyId, id: i64, approval: i64) -> Result<()> {
        sqlx::query(
            "UPDATE hr_timeoff_requests SET approval_id = $3 WHERE company_id = $1 AND id = $2",
        )
        .bind(company.0)
        .bind(id)
        .bind(approval)
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn timeoff_request(&self, company: CompanyId, id: i64) -> Result<Option<Request>> {
        let mut s = request_select(company);
        s.and_where(col("r", "id").eq(id));
        let rows = self.fetch_all(&s).await?;
        rows.first().map(request_of).transpose()
    }

    async fn timeoff_settle(
        &self,
        company: CompanyId,
        id: i64,
        from: &str,
        to: &str,
        decided_by: Option<UserId>,
        note: &str,
        rows: &[NewLedgerRow],
        audit: AuditDraft,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE hr_timeoff_requests SET status = $4, decided_by = $5, decision_note = $6, \
             updated_at = $7, version = version + 1 \
             WHERE company_id = $1 AND id = $2 AND status = $3",
        )
        .bind(company.0)
        .bind(id)
        .bind(from.to_string())
        .bind(to.to_string())
        .bind(decided_by.map(|u| u.0))
        .bind(note.to_string())
        .bind(Timestamp::now().0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        insert_rows(&mut tx, company, rows).await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn timeoff_requests(
        &self,
        company: CompanyId,
        q: &RequestQuery,
    ) -> Result<Page<Request>> {
        let mut count = Query::select();
        count
            .expr_as(count_all(), a("n"))
            .from_as(a("hr_timeoff_requests"), a("r"))
            .join_as(
                JoinType::LeftJoin,
                a("hr_employees"),
                a("e"),
                col("e", "id").equals((a("r"), a("employee_id"))),
            )
            .and_where(col("r", "company_id").eq(company.0));
        filter(&mut count, q);
        let mut s = request_select(company);
        filter(&mut s, q);
        let order = match q.dir {
            SortDir::Asc => Order::Asc,
            SortDir::Desc => Order::Desc,
        };
        match q.sort {
            RequestSort::Start => s.order_by((a("r"), a("start_day")), order.clone()),
            RequestSort::Employee => s.order_by((a("e"), a("legal_name")), order.clone()),
            RequestSort::Policy => s.order_by((a("p"), a("name")), order.clone()),
            RequestSort::Status => s.order_by((a("r"), a("status")), order.clone()),
            RequestSort::Days => s.order_by((a("r"), a("amount_milli")), order.clone()),
            RequestSort::Created => s.order_by((a("r"), a("created_at")), order.clone()),
        };
        s.order_by((a("r"), a("id")), order);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        let items = rows.iter().map(request_of).collect::<Result<_>>()?;
        Ok(Page {
            items,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn timeoff_requests_between(
        &self,
        company: CompanyId,
        from: NaiveDate,
        to: NaiveDate,
        employees: Option<&[EmployeeId]>,
    ) -> Result<Vec<Request>> {
        let mut s = request_select(company);
        s.and_where(col("r", "status").is_in(["pending", "approved"]))
            .and_where(col("r", "end_day").gte(day_key(from)))
            .and_where(col("r", "start_day").lte(day_key(to)));
        if let Some(ids) = employees {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            s.and_where(col("r", "employee_id").is_in(ids.iter().map(|e| e.0).collect::<Vec<_>>()));
        }
        s.order_by((a("r"), a("start_day")), Order::Asc)
            .order_by((a("r"), a("id")), Order::Asc);
        self.fetch_all(&s).await?.iter().map(request_of).collect()
    }

    async fn timeoff_employees(&self, company: CompanyId) -> Result<Vec<EmployeeRef>> {
        sqlx::query(&format!(
            "SELECT {EMPLOYEE_REF} FROM hr_employees e WHERE e.company_id = $1 \
             ORDER BY e.legal_name, e.id"
        ))
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(employee_ref_of)
        .collect()
    }

    async fn timeoff_companies(&self) -> Result<Vec<(CompanyId, String)>> {
        let rows = sqlx::query(
            "SELECT c.id, c.name FROM companies c WHERE EXISTS \
             (SELECT 1 FROM hr_timeoff_policies p WHERE p.company_id = c.id) ORDER BY c.id",
        )
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| Ok((CompanyId(get_i64(r, "id")?), get_str(r, "name")?)))
            .collect()
    }

    async fn timeoff_feeds(&self, company: CompanyId, user: UserId) -> Result<Vec<Feed>> {
        sqlx::query(&format!(
            "SELECT {FEED_COLUMNS} FROM hr_timeoff_feeds WHERE company_id = $1 AND user_id = $2 \
             ORDER BY id DESC"
        ))
        .bind(company.0)
        .bind(user.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(feed_of)
        .collect()
    }

    async fn timeoff_insert_feed(
        &self,
        company: CompanyId,
        feed: &NewFeed,
        audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO hr_timeoff_feeds (company_id, user_id, scope, employee_id, department_id, \
             token_hash, label, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(company.0)
        .bind(feed.user_id.0)
        .bind(feed.scope.clone())
        .bind(feed.employee_id.map(|e| e.0))
        .bind(feed.department_id.map(|d| d.0))
        .bind(feed.token_hash.clone())
        .bind(feed.label.clone())
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        inserted(tx, &row, audit).await
    }

    async fn timeoff_revoke_feed(
        &self,
        company: CompanyId,
        user: UserId,
        id: i64,
        audit: AuditDraft,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE hr_timeoff_feeds SET revoked_at = $4 \
             WHERE company_id = $1 AND user_id = $2 AND id = $3 AND revoked_at IS NULL",
        )
        .bind(company.0)
        .bind(user.0)
        .bind(id)
        .bind(Timestamp::now().0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn timeoff_feed_by_hash(&self, hash: &str) -> Result<Option<Feed>> {
        let row = sqlx::query(&format!(
            "SELECT {FEED_COLUMNS} FROM hr_timeoff_feeds WHERE token_hash = $1 AND revoked_at IS NULL"
        ))
        .bind(hash.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.as_ref().map(feed_of).transpose()
    }
}
