//! Cases (front-office escalations), their communication log and the service levels (see
//! `steward_core::work::cases`). Every change is written with its log entries and its audit
//! event in one transaction. The SLA job's events are recorded with a conditional update
//! (`… WHERE <event>_at IS NULL`), so each happens once however many workers evaluate.
use sea_query::{Alias, Cond, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use steward_core::audit::AuditDraft;
use steward_core::ids::{CompanyId, UserId};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::work::cases::{
    AssigneeFilter, Case, CaseId, CaseQuery, CaseSort, CaseStatus, CaseStore, Holiday, LogEntry,
    LogKind, NewLogEntry, Priority, SlaCase, SlaEvent, SlaSettings, SlaState, SlaTarget, SlaUpdate,
};
use steward_core::work::sla::{Calendar, Hours, Zone, WEEKDAYS};
use steward_core::{Error, Result};

use crate::sql::like_pattern;
use crate::sql::{col, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

type Tx = Transaction<'static, Any>;

fn a(s: &str) -> Alias {
    Alias::new(s)
}

fn bad_row(what: &str) -> Error {
    Error::Internal(format!("cases: a stored {what} does not parse"))
}

const CASE_COLUMNS: &[&str] = &[
    "id",
    "company_id",
    "customer_name",
    "customer_email",
    "customer_phone",
    "customer_ref",
    "subject",
    "description",
    "category",
    "priority",
    "status",
    "opened_by",
    "assignee_id",
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "paused_since",
    "paused_micros",
    "first_response_due",
    "resolution_due",
    "sla_state",
    "response_warned_at",
    "response_breached_at",
    "resolution_warned_at",
    "resolution_breached_at",
    "first_response_micros",
    "resolution_micros",
    "resolution",
    "resolution_category",
    "version",
];

fn case_select() -> SelectStatement {
    let mut s = Query::select();
    s.from_as(a("cases"), a("c"))
        .join_as(
            sea_query::JoinType::InnerJoin,
            a("users"),
            a("ob"),
            col("ob", "id").equals((a("c"), a("opened_by"))),
        )
        .join_as(
            sea_query::JoinType::LeftJoin,
            a("users"),
            a("asg"),
            col("asg", "id").equals((a("c"), a("assignee_id"))),
        );
    for c in CASE_COLUMNS {
        s.column((a("c"), a(c)));
    }
    s.expr_as(col("ob", "display_name"), a("opened_by_name"))
        .expr_as(col("asg", "display_name"), a("assignee_name"));
    s
}

fn ts(r: &AnyRow, c: &str) -> Result<Option<Timestamp>> {
    Ok(opt_i64(r, c)?.map(Timestamp))
}

fn priority_of(r: &AnyRow) -> Result<Priority> {
    Priority::from_rank(get_i64(r, "priority")?).ok_or_else(|| bad_row("priority"))
}

fn case_from(r: &AnyRow) -> Result<Case> {
    Ok(Case {
        id: CaseId(get_i64(r, "id")?),
        company: CompanyId(get_i64(r, "company_id")?),
        customer_name: get_str(r, "customer_name")?,
        customer_email: get_str(r, "customer_email")?,
        customer_phone: get_str(r, "customer_phone")?,
        customer_ref: get_str(r, "customer_ref")?,
        subject: get_str(r, "subject")?,
        description: get_str(r, "description")?,
        category: get_str(r, "category")?,
        priority: priority_of(r)?,
        status: CaseStatus::parse(&get_str(r, "status")?).ok_or_else(|| bad_row("status"))?,
        opened_by: UserId(get_i64(r, "opened_by")?),
        opened_by_name: get_str(r, "opened_by_name")?,
        assignee: opt_i64(r, "assignee_id")?.map(UserId),
        assignee_name: opt_str(r, "assignee_name")?,
        created_at: Timestamp(get_i64(r, "created_at")?),
        updated_at: Timestamp(get_i64(r, "updated_at")?),
        first_response_at: ts(r, "first_response_at")?,
        resolved_at: ts(r, "resolved_at")?,
        closed_at: ts(r, "closed_at")?,
        paused_since: ts(r, "paused_since")?,
        paused_micros: get_i64(r, "paused_micros")?,
        first_response_due: ts(r, "first_response_due")?,
        resolution_due: ts(r, "resolution_due")?,
        sla_state: SlaState::parse(&get_str(r, "sla_state")?)
            .ok_or_else(|| bad_row("SLA state"))?,
        response_warned_at: ts(r, "response_warned_at")?,
        response_breached_at: ts(r, "response_breached_at")?,
        resolution_warned_at: ts(r, "resolution_warned_at")?,
        resolution_breached_at: ts(r, "resolution_breached_at")?,
        first_response_micros: opt_i64(r, "first_response_micros")?,
        resolution_micros: opt_i64(r, "resolution_micros")?,
        resolution: get_str(r, "resolution")?,
        resolution_category: get_str(r, "resolution_category")?,
        version: get_i64(r, "version")?,
    })
}

fn t(v: Option<Timestamp>) -> Option<i64> {
    v.map(|t| t.0)
}

async fn insert_log(
    tx: &mut Tx,
    company: CompanyId,
    case: CaseId,
    e: &NewLogEntry,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO case_log (company_id, case_id, kind, internal, body, author_id, mail_to, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(company.0)
    .bind(case.0)
    .bind(e.kind.as_str())
    .bind(i64::from(e.kind.internal()))
    .bind(&e.body)
    .bind(e.author.map(|u| u.0))
    .bind(&e.mail_to)
    .bind(at.0)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

/// Updates written per transaction by the SLA job.
const SLA_CHUNK: usize = 500;

impl CaseStore for Store {
    async fn insert_case(
        &self,
        c: &Case,
        log: &NewLogEntry,
        mut audit: AuditDraft,
    ) -> Result<CaseId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO cases (company_id, customer_name, customer_email, customer_phone, customer_ref, subject, description, \
             category, priority, status, is_open, opened_by, assignee_id, created_at, updated_at, paused_micros, \
             first_response_due, resolution_due, sla_state, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 1) RETURNING id",
        )
        .bind(c.company.0)
        .bind(&c.customer_name)
        .bind(&c.customer_email)
        .bind(&c.customer_phone)
        .bind(&c.customer_ref)
        .bind(&c.subject)
        .bind(&c.description)
        .bind(&c.category)
        .bind(c.priority.rank())
        .bind(c.status.as_str())
        .bind(i64::from(c.status.is_open()))
        .bind(c.opened_by.0)
        .bind(c.assignee.map(|u| u.0))
        .bind(c.created_at.0)
        .bind(c.updated_at.0)
        .bind(c.paused_micros)
        .bind(t(c.first_response_due))
        .bind(t(c.resolution_due))
        .bind(c.sla_state.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = CaseId(get_i64(&row, "id")?);
        insert_log(&mut tx, c.company, id, log, c.created_at).await?;
        audit.entity_id.get_or_insert_with(|| id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn get_case(&self, company: CompanyId, id: CaseId) -> Result<Option<Case>> {
        let mut s = case_select();
        s.and_where(col("c", "company_id").eq(company.0))
            .and_where(col("c", "id").eq(id.0));
        self.fetch_all(&s).await?.first().map(case_from).transpose()
    }

    async fn open_cases_by_sla(
        &self,
        company: CompanyId,
        opened_by: Option<UserId>,
    ) -> Result<Vec<(SlaState, u64)>> {
        let rows = sqlx::query(
            "SELECT sla_state, COUNT(*) AS n FROM cases \
             WHERE company_id = $1 AND is_open = 1 AND ($2 = 0 OR opened_by = $2) \
             GROUP BY sla_state",
        )
        .bind(company.0)
        .bind(opened_by.map_or(0, |u| u.0))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let state = get_str(r, "sla_state")?;
                let state = SlaState::parse(&state).ok_or_else(|| bad_row("sla_state"))?;
                Ok((state, u64::try_from(get_i64(r, "n")?).unwrap_or(0)))
            })
            .collect()
    }

    async fn list_cases(&self, company: CompanyId, q: &CaseQuery) -> Result<Page<Case>> {
        let filter = |s: &mut SelectStatement| {
            s.and_where(col("c", "company_id").eq(company.0));
            if let Some(u) = q.opened_by {
                s.and_where(col("c", "opened_by").eq(u.0));
            }
            if let Some(st) = q.status {
                s.and_where(col("c", "status").eq(st.as_str()));
            } else if q.open_only {
                s.and_where(col("c", "is_open").eq(1));
            }
            if let Some(p) = q.priority {
                s.and_where(col("c", "priority").eq(p.rank()));
            }
            if let Some(st) = q.sla {
                s.and_where(col("c", "sla_state").eq(st.as_str()));
            }
            match q.assignee {
                Some(AssigneeFilter::Nobody) => {
                    s.and_where(col("c", "assignee_id").is_null());
                }
                Some(AssigneeFilter::User(u)) => {
                    s.and_where(col("c", "assignee_id").eq(u.0));
                }
                None => {}
            }
            if let Some(cat) = &q.category {
                s.and_where(col("c", "category").eq(cat.as_str()));
            }
            if let Some(text) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                let p = like_pattern(text);
                let like = |c: &str| {
                    Expr::expr(Func::lower(col("c", c)))
                        .like(sea_query::LikeExpr::new(p.clone()).escape('\\'))
                };
                let mut any = Cond::any()
                    .add(like("subject"))
                    .add(like("customer_name"))
                    .add(like("customer_email"))
                    .add(like("customer_ref"));
                if let Ok(n) = text.trim_start_matches('#').parse::<i64>() {
                    any = any.add(col("c", "id").eq(n));
                }
                s.cond_where(any);
            }
        };
        let mut count = Query::select();
        count
            .from_as(a("cases"), a("c"))
            .expr_as(count_all(), a("n"));
        filter(&mut count);
        let mut s = case_select();
        filter(&mut s);
        let (asc, desc) = match q.dir {
            SortDir::Asc => (Order::Asc, Order::Desc),
            SortDir::Desc => (Order::Desc, Order::Asc),
        };
        // Closed cases have no due time: they sort after every open one.
        let due = || Func::coalesce([col("c", "resolution_due"), Expr::val(i64::MAX / 2)]);
        match q.sort {
            CaseSort::Queue => {
                s.order_by((a("c"), a("is_open")), desc.clone())
                    .order_by((a("c"), a("priority")), desc.clone())
                    .order_by_expr(due().into(), asc.clone());
            }
            CaseSort::Due => {
                s.order_by_expr(due().into(), asc.clone());
            }
            CaseSort::Created => {
                s.order_by((a("c"), a("created_at")), asc.clone());
            }
            CaseSort::Updated => {
                s.order_by((a("c"), a("updated_at")), asc.clone());
            }
            CaseSort::Priority => {
                s.order_by((a("c"), a("priority")), asc.clone());
            }
            CaseSort::Status => {
                s.order_by((a("c"), a("status")), asc.clone());
            }
            CaseSort::Subject => {
                s.order_by_expr(Func::lower(col("c", "subject")).into(), asc.clone());
            }
            CaseSort::Customer => {
                s.order_by_expr(Func::lower(col("c", "customer_name")).into(), asc.clone());
            }
        }
        s.order_by((a("c"), a("id")), asc);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        let items = rows.iter().map(case_from).collect::<Result<_>>()?;
        Ok(Page {
            items,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn case_log(
        &self,
        company: CompanyId,
        id: CaseId,
        internal: bool,
    ) -> Result<Vec<LogEntry>> {
        let sql = format!(
            "SELECT l.id, l.case_id, l.kind, l.internal, l.body, l.author_id, l.mail_to, l.created_at, u.display_name AS author_name \
             FROM case_log l LEFT JOIN users u ON u.id = l.author_id \
             WHERE l.company_id = $1 AND l.case_id = $2{} ORDER BY l.id",
            if internal { "" } else { " AND l.internal = 0" }
        );
        let rows = sqlx::query(&sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(LogEntry {
                    id: get_i64(r, "id")?,
                    case_id: CaseId(get_i64(r, "case_id")?),
                    kind: LogKind::parse(&get_str(r, "kind")?)
                        .ok_or_else(|| bad_row("log kind"))?,
                    body: get_str(r, "body")?,
                    internal: get_i64(r, "internal")? != 0,
                    author: opt_i64(r, "author_id")?.map(UserId),
                    author_name: opt_str(r, "author_name")?.unwrap_or_else(|| "Steward".into()),
                    mail_to: opt_str(r, "mail_to")?,
                    created_at: Timestamp(get_i64(r, "created_at")?),
                })
            })
            .collect()
    }

    async fn update_case(
        &self,
        c: &Case,
        log: &[NewLogEntry],
        mut audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE cases SET priority = $1, status = $2, is_open = $3, assignee_id = $4, updated_at = $5, \
             first_response_at = $6, resolved_at = $7, closed_at = $8, paused_since = $9, paused_micros = $10, \
             first_response_due = $11, resolution_due = $12, sla_state = $13, \
             response_breached_at = COALESCE(response_breached_at, $14), \
             resolution_breached_at = COALESCE(resolution_breached_at, $15), \
             first_response_micros = $16, resolution_micros = $17, resolution = $18, resolution_category = $19, \
             version = version + 1 \
             WHERE id = $20 AND company_id = $21 AND version = $22",
        )
        .bind(c.priority.rank())
        .bind(c.status.as_str())
        .bind(i64::from(c.status.is_open()))
        .bind(c.assignee.map(|u| u.0))
        .bind(c.updated_at.0)
        .bind(t(c.first_response_at))
        .bind(t(c.resolved_at))
        .bind(t(c.closed_at))
        .bind(t(c.paused_since))
        .bind(c.paused_micros)
        .bind(t(c.first_response_due))
        .bind(t(c.resolution_due))
        .bind(c.sla_state.as_str())
        .bind(t(c.response_breached_at))
        .bind(t(c.resolution_breached_at))
        .bind(c.first_response_micros)
        .bind(c.resolution_micros)
        .bind(&c.resolution)
        .bind(&c.resolution_category)
        .bind(c.id.0)
        .bind(c.company.0)
        .bind(c.version)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict(
                "the case was changed by someone else meanwhile; reload and try again",
            ));
        }
        for e in log {
            insert_log(&mut tx, c.company, c.id, e, c.updated_at).await?;
        }
        audit.entity_id.get_or_insert_with(|| c.id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn sla_settings(&self, company: CompanyId) -> Result<SlaSettings> {
        let mut s = SlaSettings::default();
        let row = sqlx::query(
            "SELECT time_zone, mon, tue, wed, thu, fri, sat, sun, warn_percent, version \
             FROM case_sla_settings WHERE company_id = $1",
        )
        .bind(company.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        if let Some(r) = row {
            let mut week = [None; 7];
            for (i, d) in WEEKDAYS.iter().enumerate() {
                week[i] = Hours::parse(&get_str(&r, d)?).map_err(|_| bad_row("working day"))?;
            }
            s.calendar = Calendar {
                time_zone: Zone::parse(&get_str(&r, "time_zone")?)
                    .map_err(|_| bad_row("time zone"))?,
                week,
                holidays: Default::default(),
            };
            s.warn_percent = get_i64(&r, "warn_percent")?;
            s.version = get_i64(&r, "version")?;
        }
        let rows = sqlx::query(
            "SELECT priority, first_response_minutes, resolution_minutes FROM case_sla_targets WHERE company_id = $1",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        for r in &rows {
            let t = SlaTarget {
                priority: priority_of(r)?,
                first_response_minutes: get_i64(r, "first_response_minutes")?,
                resolution_minutes: get_i64(r, "resolution_minutes")?,
            };
            match s.targets.iter_mut().find(|x| x.priority == t.priority) {
                Some(x) => *x = t,
                None => s.targets.push(t),
            }
        }
        s.calendar.holidays = self
            .holidays(company)
            .await?
            .into_iter()
            .map(|h| h.day)
            .collect();
        Ok(s)
    }

    async fn holidays(&self, company: CompanyId) -> Result<Vec<Holiday>> {
        let rows =
            sqlx::query("SELECT day, name FROM case_holidays WHERE company_id = $1 ORDER BY day")
                .bind(company.0)
                .fetch_all(&self.read)
                .await
                .map_err(db)?;
        rows.iter()
            .map(|r| {
                let k = get_i64(r, "day")?;
                let day = chrono::NaiveDate::from_ymd_opt(
                    i32::try_from(k / 10_000).map_err(|_| bad_row("holiday"))?,
                    u32::try_from(k / 100 % 100).map_err(|_| bad_row("holiday"))?,
                    u32::try_from(k % 100).map_err(|_| bad_row("holiday"))?,
                )
                .ok_or_else(|| bad_row("holiday"))?;
                Ok(Holiday {
                    day,
                    name: get_str(r, "name")?,
                })
            })
            .collect()
    }

    async fn save_sla_settings(
        &self,
        company: CompanyId,
        s: &SlaSettings,
        holidays: &[Holiday],
        audit: AuditDraft,
    ) -> Result<()> {
        use chrono::Datelike;
        let mut tx = self.begin().await?;
        let days: Vec<String> = s
            .calendar
            .week
            .iter()
            .map(|h| h.map(Hours::display).unwrap_or_default())
            .collect();
        let zone = s.calendar.time_zone.name().to_string();
        let q = if s.version == 0 {
            sqlx::query(
                "INSERT INTO case_sla_settings (time_zone, mon, tue, wed, thu, fri, sat, sun, warn_percent, company_id, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1) ON CONFLICT (company_id) DO NOTHING",
            )
        } else {
            sqlx::query(
                "UPDATE case_sla_settings SET time_zone = $1, mon = $2, tue = $3, wed = $4, thu = $5, fri = $6, \
                 sat = $7, sun = $8, warn_percent = $9, version = version + 1 WHERE company_id = $10 AND version = $11",
            )
        };
        let mut q = q.bind(zone);
        for d in &days {
            q = q.bind(d.clone());
        }
        q = q.bind(s.warn_percent).bind(company.0);
        if s.version != 0 {
            q = q.bind(s.version);
        }
        let r = q.execute(&mut *tx).await.map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict(
                "the service levels were changed by someone else meanwhile; reload and try again",
            ));
        }
        sqlx::query("DELETE FROM case_sla_targets WHERE company_id = $1")
            .bind(company.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for t in &s.targets {
            sqlx::query("INSERT INTO case_sla_targets (company_id, priority, first_response_minutes, resolution_minutes) VALUES ($1, $2, $3, $4)")
                .bind(company.0)
                .bind(t.priority.rank())
                .bind(t.first_response_minutes)
                .bind(t.resolution_minutes)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        sqlx::query("DELETE FROM case_holidays WHERE company_id = $1")
            .bind(company.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for h in holidays {
            let key = i64::from(h.day.year()) * 10_000
                + i64::from(h.day.month()) * 100
                + i64::from(h.day.day());
            sqlx::query("INSERT INTO case_holidays (company_id, day, name) VALUES ($1, $2, $3)")
                .bind(company.0)
                .bind(key)
                .bind(&h.name)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn open_sla_cases(&self) -> Result<Vec<SlaCase>> {
        let rows = sqlx::query(
            "SELECT id, company_id, subject, priority, status, assignee_id, created_at, first_response_at, paused_since, \
             paused_micros, first_response_due, resolution_due, sla_state, response_warned_at, response_breached_at, \
             resolution_warned_at, resolution_breached_at FROM cases WHERE is_open = 1",
        )
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(SlaCase {
                    id: CaseId(get_i64(r, "id")?),
                    company: CompanyId(get_i64(r, "company_id")?),
                    subject: get_str(r, "subject")?,
                    priority: priority_of(r)?,
                    status: CaseStatus::parse(&get_str(r, "status")?)
                        .ok_or_else(|| bad_row("status"))?,
                    assignee: opt_i64(r, "assignee_id")?.map(UserId),
                    created_at: Timestamp(get_i64(r, "created_at")?),
                    first_response_at: ts(r, "first_response_at")?,
                    paused_since: ts(r, "paused_since")?,
                    paused_micros: get_i64(r, "paused_micros")?,
                    first_response_due: ts(r, "first_response_due")?,
                    resolution_due: ts(r, "resolution_due")?,
                    sla_state: SlaState::parse(&get_str(r, "sla_state")?)
                        .ok_or_else(|| bad_row("SLA state"))?,
                    response_warned: opt_i64(r, "response_warned_at")?.is_some(),
                    response_breached: opt_i64(r, "response_breached_at")?.is_some(),
                    resolution_warned: opt_i64(r, "resolution_warned_at")?.is_some(),
                    resolution_breached: opt_i64(r, "resolution_breached_at")?.is_some(),
                })
            })
            .collect()
    }

    async fn apply_sla(&self, updates: &[SlaUpdate], now: Timestamp) -> Result<Vec<Vec<SlaEvent>>> {
        let mut out = Vec::with_capacity(updates.len());
        for chunk in updates.chunks(SLA_CHUNK) {
            let mut tx = self.begin().await?;
            for u in chunk {
                sqlx::query(
                    "UPDATE cases SET sla_state = $1, first_response_due = $2, resolution_due = $3 \
                     WHERE id = $4 AND company_id = $5 AND is_open = 1",
                )
                .bind(u.sla_state.as_str())
                .bind(t(u.first_response_due))
                .bind(t(u.resolution_due))
                .bind(u.id.0)
                .bind(u.company.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                let mut applied = Vec::new();
                for ev in &u.events {
                    if crate::sla::mark_event(&mut tx, "cases", "case", u.company, u.id.0, *ev, now)
                        .await?
                    {
                        applied.push(*ev);
                        let entry = NewLogEntry {
                            kind: LogKind::Sla,
                            body: format!("Service level: {}.", ev.describe()),
                            author: None,
                            mail_to: None,
                        };
                        insert_log(&mut tx, u.company, u.id, &entry, now).await?;
                    }
                }
                out.push(applied);
            }
            tx.commit().await.map_err(db)?;
        }
        Ok(out)
    }

    async fn case_staff(&self, company: CompanyId) -> Result<Vec<(UserId, String)>> {
        self.holders(company, "update").await
    }

    async fn case_managers(&self, company: CompanyId) -> Result<Vec<UserId>> {
        Ok(self
            .holders(company, "approve")
            .await?
            .into_iter()
            .map(|(u, _)| u)
            .collect())
    }

    async fn report_cases(
        &self,
        company: CompanyId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Case>> {
        let mut s = case_select();
        s.and_where(col("c", "company_id").eq(company.0))
            .and_where(col("c", "created_at").gte(from.0))
            .and_where(col("c", "created_at").lt(to.0))
            .order_by((a("c"), a("id")), Order::Asc);
        self.fetch_all(&s).await?.iter().map(case_from).collect()
    }
}

impl Store {
    /// Active members of `company` holding `escalations.<action>` at company scope.
    async fn holders(&self, company: CompanyId, action: &str) -> Result<Vec<(UserId, String)>> {
        self.grant_holders(company, "escalations", action).await
    }

    /// Active members of the company holding `<domain>.<action>` company-wide: (id, name),
    /// by name.
    pub(crate) async fn grant_holders(
        &self,
        company: CompanyId,
        domain: &str,
        action: &str,
    ) -> Result<Vec<(UserId, String)>> {
        let rows = sqlx::query(
            "SELECT DISTINCT u.id, u.display_name FROM users u \
             JOIN memberships m ON m.user_id = u.id AND m.company_id = $1 \
             JOIN user_roles ur ON ur.user_id = u.id AND ur.company_id = $2 \
             JOIN role_grants g ON g.role_id = ur.role_id \
             WHERE u.disabled = 0 AND (m.valid_until IS NULL OR m.valid_until > $3) \
             AND g.domain = $4 AND g.action = $5 AND g.scope = 'company' \
             ORDER BY u.display_name, u.id",
        )
        .bind(company.0)
        .bind(company.0)
        .bind(Timestamp::now().0)
        .bind(domain)
        .bind(action)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| Ok((UserId(get_i64(r, "id")?), get_str(r, "display_name")?)))
            .collect()
    }
}

/// Rows per multi-row INSERT of [`Store::insert_cases_bulk`] (31 binds each).
const BULK_CASE_ROWS: usize = 400;

impl Store {
    /// Inserts many cases as they are (state, due times and SLA events included), with one
    /// audit event for the lot. For `steward bench work-cases`; no log entries.
    pub async fn insert_cases_bulk(&self, cases: &[Case], audit: AuditDraft) -> Result<u64> {
        let cols = [
            "company_id",
            "customer_name",
            "customer_email",
            "customer_phone",
            "customer_ref",
            "subject",
            "description",
            "category",
            "priority",
            "status",
            "is_open",
            "opened_by",
            "assignee_id",
            "created_at",
            "updated_at",
            "first_response_at",
            "paused_since",
            "paused_micros",
            "first_response_due",
            "resolution_due",
            "sla_state",
            "response_warned_at",
            "response_breached_at",
            "resolution_warned_at",
            "resolution_breached_at",
            "version",
        ];
        let mut tx = self.begin().await?;
        let mut n = 0u64;
        for chunk in cases.chunks(BULK_CASE_ROWS) {
            let mut sql = format!("INSERT INTO cases ({}) VALUES ", cols.join(", "));
            let mut p = 0;
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for j in 0..cols.len() {
                    if j > 0 {
                        sql.push_str(", ");
                    }
                    p += 1;
                    sql.push_str(&format!("${p}"));
                }
                sql.push(')');
            }
            let mut q = sqlx::query(&sql);
            for c in chunk {
                q = q
                    .bind(c.company.0)
                    .bind(c.customer_name.clone())
                    .bind(c.customer_email.clone())
                    .bind(c.customer_phone.clone())
                    .bind(c.customer_ref.clone())
                    .bind(c.subject.clone())
                    .bind(c.description.clone())
                    .bind(c.category.clone())
                    .bind(c.priority.rank())
                    .bind(c.status.as_str())
                    .bind(i64::from(c.status.is_open()))
                    .bind(c.opened_by.0)
                    .bind(c.assignee.map(|u| u.0))
                    .bind(c.created_at.0)
                    .bind(c.updated_at.0)
                    .bind(t(c.first_response_at))
                    .bind(t(c.paused_since))
                    .bind(c.paused_micros)
                    .bind(t(c.first_response_due))
                    .bind(t(c.resolution_due))
                    .bind(c.sla_state.as_str())
                    .bind(t(c.response_warned_at))
                    .bind(t(c.response_breached_at))
                    .bind(t(c.resolution_warned_at))
                    .bind(t(c.resolution_breached_at))
                    .bind(1i64);
            }
            n += q.execute(&mut *tx).await.map_err(db)?.rows_affected();
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(n)
    }

    /// Moves a case and its log back in time by `micros` (the demo's cases were opened days
    /// ago), audited.
    pub async fn backdate_case(
        &self,
        company: CompanyId,
        id: CaseId,
        micros: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE cases SET created_at = created_at - $1, updated_at = updated_at - $2, \
             first_response_at = first_response_at - $3, resolved_at = resolved_at - $4, \
             closed_at = closed_at - $5, paused_since = paused_since - $6 \
             WHERE company_id = $7 AND id = $8",
        )
        .bind(micros)
        .bind(micros)
        .bind(micros)
        .bind(micros)
        .bind(micros)
        .bind(micros)
        .bind(company.0)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query("UPDATE case_log SET created_at = created_at - $1 WHERE company_id = $2 AND case_id = $3")
            .bind(micros)
            .bind(company.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
