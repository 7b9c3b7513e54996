//! Employees (`hr_employees`), their job history (`hr_job_history`), contracts and pay
//! (`hr_contracts`) and self-service change requests (`hr_change_requests`). The job
//! columns of `hr_employees` are always copied from the history row in force today
//! ([`sync_job`]), in the same transaction as the change; the user's membership department
//! follows the employee's department (approval chains read it).
use chrono::NaiveDate;
use sea_query::{Alias, Cond, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use steward_core::audit::AuditDraft;
use steward_core::hr::employees::{
    next_change, search_text, ChangeRequest, Contract, Derived, EmergencyContact, Employee,
    EmployeeQuery, EmployeeRow, EmployeeSort, EmployeeStore, ImportRow, JobRecord, NewContract,
    NewJob, Reveal,
};
use steward_core::hr::{day_key, status_on};
use steward_core::ids::{CompanyId, DepartmentId, EmployeeId, LocationId, UserId};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::{bad_row, get_day, opt_day};
use crate::sql::like_pattern;
use crate::sql::{col, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

type Tx = Transaction<'static, Any>;

fn a(s: &str) -> Alias {
    Alias::new(s)
}

const MANAGER_NAME: &str =
    "CASE WHEN m.preferred_name <> '' THEN m.preferred_name ELSE m.legal_name END";

/// The name a colleague sees: the preferred name, else the legal name.
const SHOWN_NAME: &str =
    "CASE WHEN e.preferred_name <> '' THEN e.preferred_name ELSE e.legal_name END";

const EMPLOYEE_SELECT: &str = "SELECT e.id, e.company_id, e.user_id, e.employee_number, e.legal_name, \
     e.preferred_name, e.work_email, e.work_phone, e.birth_date, e.personal_email, e.personal_phone, \
     e.home_address, e.postal_address, e.national_id, e.tax_id, e.emergency_contacts, e.position, \
     e.department_id, e.manager_id, e.location_id, e.employment_type, e.fte_milli, e.start_date, \
     e.probation_end, e.end_date, e.end_reason, e.status, e.custom, e.created_at, e.updated_at, \
     e.version, d.name AS department_name, l.name AS location_name, \
     CASE WHEN m.preferred_name <> '' THEN m.preferred_name ELSE m.legal_name END AS manager_name \
     FROM hr_employees e LEFT JOIN departments d ON d.id = e.department_id \
     LEFT JOIN hr_employees m ON m.id = e.manager_id LEFT JOIN hr_locations l ON l.id = e.location_id";

fn employee_of(r: &AnyRow) -> Result<Employee> {
    let contacts: Vec<EmergencyContact> = serde_json::from_str(&get_str(r, "emergency_contacts")?)
        .map_err(|_| bad_row("emergency_contacts"))?;
    let custom: Map<String, Value> =
        serde_json::from_str(&get_str(r, "custom")?).map_err(|_| bad_row("custom"))?;
    Ok(Employee {
        id: EmployeeId(get_i64(r, "id")?),
        company_id: CompanyId(get_i64(r, "company_id")?),
        user_id: opt_i64(r, "user_id")?.map(UserId),
        employee_number: get_str(r, "employee_number")?,
        legal_name: get_str(r, "legal_name")?,
        preferred_name: get_str(r, "preferred_name")?,
        work_email: get_str(r, "work_email")?,
        work_phone: get_str(r, "work_phone")?,
        birth_date: opt_day(r, "birth_date")?,
        personal_email: get_str(r, "personal_email")?,
        personal_phone: get_str(r, "personal_phone")?,
        home_address: get_str(r, "home_address")?,
        postal_address: get_str(r, "postal_address")?,
        national_id: get_str(r, "national_id")?,
        tax_id: get_str(r, "tax_id")?,
        emergency_contacts: contacts,
        position: get_str(r, "position")?,
        department_id: opt_i64(r, "department_id")?.map(DepartmentId),
        department_name: opt_str(r, "department_name")?.unwrap_or_default(),
        manager_id: opt_i64(r, "manager_id")?.map(EmployeeId),
        manager_name: opt_str(r, "manager_name")?.unwrap_or_default(),
        location_id: opt_i64(r, "location_id")?.map(LocationId),
        location_name: opt_str(r, "location_name")?.unwrap_or_default(),
        employment_type: get_str(r, "employment_type")?,
        fte_milli: get_i64(r, "fte_milli")?,
        start_date: get_day(r, "start_date")?,
        probation_end: opt_day(r, "probation_end")?,
        end_date: opt_day(r, "end_date")?,
        end_reason: get_str(r, "end_reason")?,
        status: get_str(r, "status")?,
        custom,
        created_at: Timestamp(get_i64(r, "created_at")?),
        updated_at: Timestamp(get_i64(r, "updated_at")?),
        version: get_i64(r, "version")?,
    })
}

fn row_of(r: &AnyRow) -> Result<EmployeeRow> {
    let preferred = get_str(r, "preferred_name")?;
    Ok(EmployeeRow {
        id: EmployeeId(get_i64(r, "id")?),
        user_id: opt_i64(r, "user_id")?.map(UserId),
        employee_number: get_str(r, "employee_number")?,
        name: if preferred.trim().is_empty() {
            get_str(r, "legal_name")?
        } else {
            preferred
        },
        position: get_str(r, "position")?,
        department_id: opt_i64(r, "department_id")?.map(DepartmentId),
        department_name: opt_str(r, "department_name")?.unwrap_or_default(),
        manager_id: opt_i64(r, "manager_id")?.map(EmployeeId),
        manager_name: opt_str(r, "manager_name")?.unwrap_or_default(),
        location_id: opt_i64(r, "location_id")?.map(LocationId),
        location_name: opt_str(r, "location_name")?.unwrap_or_default(),
        work_email: get_str(r, "work_email")?,
        work_phone: get_str(r, "work_phone")?,
        employment_type: get_str(r, "employment_type")?,
        fte_milli: get_i64(r, "fte_milli")?,
        start_date: get_day(r, "start_date")?,
        end_date: opt_day(r, "end_date")?,
        status: get_str(r, "status")?,
    })
}

fn contacts_json(e: &Employee) -> String {
    serde_json::to_string(&e.emergency_contacts).unwrap_or_else(|_| "[]".into())
}

fn custom_json(e: &Employee) -> String {
    serde_json::to_string(&e.custom).unwrap_or_else(|_| "{}".into())
}

async fn insert_contract_row(
    tx: &mut Tx,
    company: CompanyId,
    id: EmployeeId,
    c: &NewContract,
    now: i64,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO hr_contracts (company_id, employee_id, effective_date, end_date, contract_type, pay_minor, \
         currency, frequency, hours_per_week_milli, note, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(company.0)
    .bind(id.0)
    .bind(day_key(c.effective_date))
    .bind(c.end_date.map(day_key))
    .bind(&c.contract_type)
    .bind(c.pay_minor)
    .bind(&c.currency)
    .bind(&c.frequency)
    .bind(c.hours_per_week_milli)
    .bind(&c.note)
    .bind(c.created_by.map(|u| u.0))
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?;
    get_i64(&row, "id")
}

/// Copies the job in force on `today` (or, before the start, the first one) into the
/// record's job columns, and the department into the user's membership.
async fn sync_job(tx: &mut Tx, company: CompanyId, id: EmployeeId, today: NaiveDate) -> Result<()> {
    let cols = "position, department_id, manager_id, location_id, employment_type, fte_milli";
    let mut row = sqlx::query(&format!(
        "SELECT {cols} FROM hr_job_history WHERE company_id = $1 AND employee_id = $2 AND effective_date <= $3 \
         ORDER BY effective_date DESC, id DESC LIMIT 1"
    ))
    .bind(company.0)
    .bind(id.0)
    .bind(day_key(today))
    .fetch_optional(&mut **tx)
    .await
    .map_err(db)?;
    if row.is_none() {
        row = sqlx::query(&format!(
            "SELECT {cols} FROM hr_job_history WHERE company_id = $1 AND employee_id = $2 \
             ORDER BY effective_date, id LIMIT 1"
        ))
        .bind(company.0)
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?;
    }
    if let Some(r) = row {
        sqlx::query(
            "UPDATE hr_employees SET position = $1, department_id = $2, manager_id = $3, location_id = $4, \
             employment_type = $5, fte_milli = $6 WHERE company_id = $7 AND id = $8",
        )
        .bind(get_str(&r, "position")?)
        .bind(opt_i64(&r, "department_id")?)
        .bind(opt_i64(&r, "manager_id")?)
        .bind(opt_i64(&r, "location_id")?)
        .bind(get_str(&r, "employment_type")?)
        .bind(get_i64(&r, "fte_milli")?)
        .bind(company.0)
        .bind(id.0)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    sqlx::query(
        "UPDATE memberships SET department_id = (SELECT department_id FROM hr_employees WHERE id = $1) \
         WHERE company_id = $2 AND user_id = (SELECT user_id FROM hr_employees WHERE id = $1)",
    )
    .bind(id.0)
    .bind(company.0)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

fn filtered(company: CompanyId, q: &EmployeeQuery, s: &mut SelectStatement) {
    s.from_as(a("hr_employees"), a("e"))
        .and_where(col("e", "company_id").eq(company.0));
    if let Some(t) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let like = |e: Expr| e.like(sea_query::LikeExpr::new(like_pattern(t)).escape('\\'));
        let lower = |e: Expr| -> Expr { Func::lower(e).into() };
        match q.reveal {
            // The stored search text holds the legal name and number too.
            Reveal::Personal => {
                s.and_where(like(col("e", "search")));
            }
            Reveal::Job | Reveal::Directory => {
                let mut any = Cond::any()
                    .add(like(lower(Expr::cust(SHOWN_NAME))))
                    .add(like(lower(col("e", "work_email"))))
                    .add(like(lower(col("e", "position"))));
                if q.reveal == Reveal::Job {
                    any = any.add(like(lower(col("e", "employee_number"))));
                }
                s.cond_where(any);
            }
        }
    }
    if let Some(d) = q.department {
        s.and_where(col("e", "department_id").eq(d.0));
    }
    if let Some(l) = q.location {
        s.and_where(col("e", "location_id").eq(l.0));
    }
    if let Some(m) = q.manager {
        s.and_where(col("e", "manager_id").eq(m.0));
    }
    if let Some(st) = &q.status {
        s.and_where(col("e", "status").eq(st.as_str()));
    }
    if let Some(t) = &q.employment_type {
        s.and_where(col("e", "employment_type").eq(t.as_str()));
    }
}

const ROW_COLUMNS: [&str; 17] = [
    "id",
    "user_id",
    "employee_number",
    "legal_name",
    "preferred_name",
    "position",
    "department_id",
    "manager_id",
    "location_id",
    "work_email",
    "work_phone",
    "employment_type",
    "fte_milli",
    "start_date",
    "end_date",
    "status",
    "company_id",
];

async fn future_dates(tx: &mut Tx, id: EmployeeId, today: NaiveDate) -> Result<Vec<NaiveDate>> {
    let rows = sqlx::query(
        "SELECT effective_date FROM hr_job_history WHERE employee_id = $1 AND effective_date > $2",
    )
    .bind(id.0)
    .bind(day_key(today))
    .fetch_all(&mut **tx)
    .await
    .map_err(db)?;
    rows.iter().map(|r| get_day(r, "effective_date")).collect()
}

impl EmployeeStore for Store {
    async fn get_employee(&self, company: CompanyId, id: EmployeeId) -> Result<Option<Employee>> {
        let row = sqlx::query(&format!(
            "{EMPLOYEE_SELECT} WHERE e.company_id = $1 AND e.id = $2"
        ))
        .bind(company.0)
        .bind(id.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.as_ref().map(employee_of).transpose()
    }

    async fn job_history(&self, company: CompanyId, id: EmployeeId) -> Result<Vec<JobRecord>> {
        let rows = sqlx::query(
            "SELECT id, effective_date, position, department_id, manager_id, location_id, employment_type, \
             fte_milli, reason, created_at FROM hr_job_history WHERE company_id = $1 AND employee_id = $2 \
             ORDER BY effective_date, id",
        )
        .bind(company.0)
        .bind(id.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(JobRecord {
                    id: get_i64(r, "id")?,
                    effective_date: get_day(r, "effective_date")?,
                    position: get_str(r, "position")?,
                    department_id: opt_i64(r, "department_id")?.map(DepartmentId),
                    manager_id: opt_i64(r, "manager_id")?.map(EmployeeId),
                    location_id: opt_i64(r, "location_id")?.map(LocationId),
                    employment_type: get_str(r, "employment_type")?,
                    fte_milli: get_i64(r, "fte_milli")?,
                    reason: get_str(r, "reason")?,
                    created_at: Timestamp(get_i64(r, "created_at")?),
                })
            })
            .collect()
    }

    async fn contracts(&self, company: CompanyId, id: EmployeeId) -> Result<Vec<Contract>> {
        let rows = sqlx::query(
            "SELECT id, effective_date, end_date, contract_type, pay_minor, currency, frequency, \
             hours_per_week_milli, note, created_at FROM hr_contracts WHERE company_id = $1 AND employee_id = $2 \
             ORDER BY effective_date, id",
        )
        .bind(company.0)
        .bind(id.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Contract {
                    id: get_i64(r, "id")?,
                    effective_date: get_day(r, "effective_date")?,
                    end_date: opt_day(r, "end_date")?,
                    contract_type: get_str(r, "contract_type")?,
                    pay_minor: get_i64(r, "pay_minor")?,
                    currency: get_str(r, "currency")?,
                    frequency: get_str(r, "frequency")?,
                    hours_per_week_milli: opt_i64(r, "hours_per_week_milli")?,
                    note: get_str(r, "note")?,
                    created_at: Timestamp(get_i64(r, "created_at")?),
                })
            })
            .collect()
    }

    async fn refs_exist(
        &self,
        company: CompanyId,
        department: Option<DepartmentId>,
        location: Option<LocationId>,
        user: Option<UserId>,
    ) -> Result<[bool; 3]> {
        let mut out = [true; 3];
        let checks = [
            (
                department.map(|d| d.0),
                "SELECT COUNT(*) AS n FROM departments WHERE company_id = $1 AND id = $2",
            ),
            (
                location.map(|l| l.0),
                "SELECT COUNT(*) AS n FROM hr_locations WHERE company_id = $1 AND id = $2",
            ),
            (
                user.map(|u| u.0),
                "SELECT COUNT(*) AS n FROM memberships WHERE company_id = $1 AND user_id = $2",
            ),
        ];
        for (i, (id, sql)) in checks.into_iter().enumerate() {
            if let Some(id) = id {
                let r = sqlx::query(sql)
                    .bind(company.0)
                    .bind(id)
                    .fetch_one(&self.read)
                    .await
                    .map_err(db)?;
                out[i] = get_i64(&r, "n")? > 0;
            }
        }
        Ok(out)
    }

    async fn hr_locations(&self, company: CompanyId) -> Result<Vec<(LocationId, String)>> {
        let rows =
            sqlx::query("SELECT id, name FROM hr_locations WHERE company_id = $1 ORDER BY name")
                .bind(company.0)
                .fetch_all(&self.read)
                .await
                .map_err(db)?;
        rows.iter()
            .map(|r| Ok((LocationId(get_i64(r, "id")?), get_str(r, "name")?)))
            .collect()
    }

    async fn insert_employee(
        &self,
        company: CompanyId,
        e: &Employee,
        d: &Derived,
        job: &NewJob,
        contract: Option<&NewContract>,
        mut audit: AuditDraft,
    ) -> Result<EmployeeId> {
        let now = Timestamp::now().0;
        let sqlite = self.backend == crate::Backend::Sqlite;
        let mut tx = self.begin().await?;
        let (id, _) = insert_rows(&mut tx, sqlite, company, &[(e, d)], now)
            .await?
            .pop()
            .ok_or_else(|| bad_row("inserted employee id"))?;
        insert_jobs(&mut tx, sqlite, company, &[(id, job)], now).await?;
        if let Some(c) = contract {
            insert_contract_row(&mut tx, company, id, c, now).await?;
        }
        sync_job(&mut tx, company, id, steward_core::hr::employees::today()).await?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn import_employees(
        &self,
        company: CompanyId,
        rows: &[ImportRow],
        audit: AuditDraft,
    ) -> Result<u64> {
        let now = Timestamp::now().0;
        let sqlite = self.backend == crate::Backend::Sqlite;
        let mut tx = self.begin().await?;
        // Multi-row statements, a chunk at a time: one round trip per chunk, not per row.
        let mut ids: std::collections::HashMap<String, EmployeeId> =
            std::collections::HashMap::with_capacity(rows.len());
        let records: Vec<(&Employee, &Derived)> =
            rows.iter().map(|r| (&r.employee, &r.derived)).collect();
        for chunk in records.chunks(IMPORT_CHUNK) {
            for (id, number) in insert_rows(&mut tx, sqlite, company, chunk, now).await? {
                ids.insert(number, id);
            }
        }
        // Managers in the same file are known now: the job rows carry them from the start.
        let mut jobs: Vec<(EmployeeId, NewJob)> = Vec::with_capacity(rows.len());
        let mut managers: Vec<(EmployeeId, EmployeeId)> = Vec::new();
        for r in rows {
            let id = *ids
                .get(r.employee.employee_number.as_str())
                .ok_or_else(|| bad_row("imported employee id"))?;
            let mut job = r.job.clone();
            if let Some(mid) = r.manager_number.as_deref().and_then(|m| ids.get(m)) {
                job.manager_id = Some(*mid);
                managers.push((id, *mid));
            }
            jobs.push((id, job));
        }
        let jobs: Vec<(EmployeeId, &NewJob)> = jobs.iter().map(|(id, j)| (*id, j)).collect();
        for chunk in jobs.chunks(IMPORT_CHUNK) {
            insert_jobs(&mut tx, sqlite, company, chunk, now).await?;
        }
        for chunk in managers.chunks(IMPORT_CHUNK) {
            set_managers(&mut tx, sqlite, chunk).await?;
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        if rows.len() > 1000 {
            self.optimize().await?;
        }
        Ok(rows.len() as u64)
    }

    async fn update_employee(
        &self,
        company: CompanyId,
        e: &Employee,
        d: &Derived,
        job: Option<&NewJob>,
        today: NaiveDate,
        expected_version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let now = Timestamp::now().0;
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE hr_employees SET user_id = $1, employee_number = $2, legal_name = $3, preferred_name = $4, \
             work_email = $5, work_phone = $6, birth_date = $7, personal_email = $8, personal_phone = $9, \
             home_address = $10, postal_address = $11, national_id = $12, tax_id = $13, emergency_contacts = $14, \
             start_date = $15, probation_end = $16, end_date = $17, end_reason = $18, status = $19, custom = $20, \
             search = $21, next_change = $22, updated_at = $23, version = version + 1 \
             WHERE company_id = $24 AND id = $25 AND version = $26",
        )
        .bind(e.user_id.map(|u| u.0))
        .bind(&e.employee_number)
        .bind(&e.legal_name)
        .bind(&e.preferred_name)
        .bind(&e.work_email)
        .bind(&e.work_phone)
        .bind(e.birth_date.map(day_key))
        .bind(&e.personal_email)
        .bind(&e.personal_phone)
        .bind(&e.home_address)
        .bind(&e.postal_address)
        .bind(&e.national_id)
        .bind(&e.tax_id)
        .bind(contacts_json(e))
        .bind(day_key(e.start_date))
        .bind(e.probation_end.map(day_key))
        .bind(e.end_date.map(day_key))
        .bind(&e.end_reason)
        .bind(&d.status)
        .bind(custom_json(e))
        .bind(&d.search)
        .bind(d.next_change.map(day_key))
        .bind(now)
        .bind(company.0)
        .bind(e.id.0)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            let exists =
                sqlx::query("SELECT id FROM hr_employees WHERE company_id = $1 AND id = $2")
                    .bind(company.0)
                    .bind(e.id.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
            return Err(match exists {
                None => Error::NotFound { entity: "employee" },
                Some(_) => Error::conflict(
                    "the record was changed by someone else since you read it; reload and try again",
                ),
            });
        }
        if let Some(j) = job {
            sqlx::query(
                "DELETE FROM hr_job_history WHERE company_id = $1 AND employee_id = $2 AND effective_date = $3",
            )
            .bind(company.0)
            .bind(e.id.0)
            .bind(day_key(j.effective_date))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            let sqlite = self.backend == crate::Backend::Sqlite;
            insert_jobs(&mut tx, sqlite, company, &[(e.id, j)], now).await?;
        }
        sync_job(&mut tx, company, e.id, today).await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn insert_contract(
        &self,
        company: CompanyId,
        id: EmployeeId,
        c: &NewContract,
        next: Option<NaiveDate>,
        mut audit: AuditDraft,
    ) -> Result<i64> {
        let now = Timestamp::now().0;
        let mut tx = self.begin().await?;
        let cid = insert_contract_row(&mut tx, company, id, c, now).await?;
        sqlx::query(
            "UPDATE hr_employees SET version = version + 1, updated_at = $1, next_change = $2 \
             WHERE company_id = $3 AND id = $4",
        )
        .bind(now)
        .bind(next.map(day_key))
        .bind(company.0)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit.entity_id = Some(cid.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(cid)
    }

    async fn list_employees(
        &self,
        company: CompanyId,
        q: &EmployeeQuery,
    ) -> Result<Page<EmployeeRow>> {
        let mut count = Query::select();
        filtered(company, q, &mut count);
        count.expr_as(count_all(), a("n"));

        let mut s = Query::select();
        filtered(company, q, &mut s);
        for c in ROW_COLUMNS {
            s.column((a("e"), a(c)));
        }
        s.join_as(
            sea_query::JoinType::LeftJoin,
            a("departments"),
            a("d"),
            col("d", "id").equals((a("e"), a("department_id"))),
        )
        .join_as(
            sea_query::JoinType::LeftJoin,
            a("hr_employees"),
            a("m"),
            col("m", "id").equals((a("e"), a("manager_id"))),
        )
        .join_as(
            sea_query::JoinType::LeftJoin,
            a("hr_locations"),
            a("l"),
            col("l", "id").equals((a("e"), a("location_id"))),
        )
        .expr_as(col("d", "name"), a("department_name"))
        .expr_as(col("l", "name"), a("location_name"))
        .expr_as(Expr::cust(MANAGER_NAME), a("manager_name"));
        let order = match q.dir {
            SortDir::Asc => Order::Asc,
            SortDir::Desc => Order::Desc,
        };
        let coalesced = |c: Expr| -> Expr { Func::coalesce([c, Expr::val("")]).into() };
        let key = match q.sort {
            // The name everyone sees; HR staff who see legal names keep the legal name's
            // order (and its index).
            EmployeeSort::Name if q.reveal == Reveal::Personal => col("e", "legal_name"),
            EmployeeSort::Name => Expr::cust(SHOWN_NAME),
            EmployeeSort::Number => col("e", "employee_number"),
            EmployeeSort::Position => col("e", "position"),
            EmployeeSort::Department => coalesced(col("d", "name")),
            EmployeeSort::Location => coalesced(col("l", "name")),
            EmployeeSort::Start => col("e", "start_date"),
            EmployeeSort::Status => col("e", "status"),
            EmployeeSort::EmploymentType => col("e", "employment_type"),
        };
        s.order_by_expr(key, order.clone())
            .order_by((a("e"), a("id")), order);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        let items = rows.iter().map(row_of).collect::<Result<_>>()?;
        Ok(Page {
            items,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn apply_due_changes(&self, company: CompanyId, today: NaiveDate) -> Result<u64> {
        let due = sqlx::query(
            "SELECT id FROM hr_employees WHERE company_id = $1 AND next_change IS NOT NULL AND next_change <= $2",
        )
        .bind(company.0)
        .bind(day_key(today))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        if due.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        let mut n = 0;
        for r in &due {
            let id = EmployeeId(get_i64(r, "id")?);
            sync_job(&mut tx, company, id, today).await?;
            let Some(row) = sqlx::query(
                "SELECT legal_name, preferred_name, employee_number, work_email, position, start_date, end_date \
                 FROM hr_employees WHERE company_id = $1 AND id = $2 AND next_change <= $3",
            )
            .bind(company.0)
            .bind(id.0)
            .bind(day_key(today))
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            else {
                continue;
            };
            let e = Employee {
                legal_name: get_str(&row, "legal_name")?,
                preferred_name: get_str(&row, "preferred_name")?,
                employee_number: get_str(&row, "employee_number")?,
                work_email: get_str(&row, "work_email")?,
                position: get_str(&row, "position")?,
                start_date: get_day(&row, "start_date")?,
                end_date: opt_day(&row, "end_date")?,
                ..Default::default()
            };
            let future = future_dates(&mut tx, id, today).await?;
            let next = next_change(e.start_date, e.end_date, future, today);
            sqlx::query(
                "UPDATE hr_employees SET status = $1, search = $2, next_change = $3 WHERE company_id = $4 AND id = $5",
            )
            .bind(status_on(e.start_date, e.end_date, today))
            .bind(search_text(&e))
            .bind(next.map(day_key))
            .bind(company.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            n += 1;
        }
        tx.commit().await.map_err(db)?;
        Ok(n)
    }

    async fn insert_change_request(
        &self,
        company: CompanyId,
        employee: EmployeeId,
        requested_by: Option<UserId>,
        changes: &Map<String, Value>,
        mut audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO hr_change_requests (company_id, employee_id, requested_by, changes, status, created_at) \
             VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING id",
        )
        .bind(company.0)
        .bind(employee.0)
        .bind(requested_by.map(|u| u.0))
        .bind(Value::Object(changes.clone()).to_string())
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

    async fn set_change_approval(&self, company: CompanyId, id: i64, approval: i64) -> Result<()> {
        sqlx::query(
            "UPDATE hr_change_requests SET approval_id = $1 WHERE company_id = $2 AND id = $3",
        )
        .bind(approval)
        .bind(company.0)
        .bind(id)
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn get_change_request(
        &self,
        company: CompanyId,
        id: i64,
    ) -> Result<Option<ChangeRequest>> {
        let row = sqlx::query(
            "SELECT c.id, c.employee_id, c.requested_by, c.changes, c.status, c.approval_id, c.comment, \
             c.created_at, c.decided_at, CASE WHEN e.preferred_name <> '' THEN e.preferred_name ELSE e.legal_name END AS name \
             FROM hr_change_requests c JOIN hr_employees e ON e.id = c.employee_id \
             WHERE c.company_id = $1 AND c.id = $2",
        )
        .bind(company.0)
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.map(|r| {
            Ok(ChangeRequest {
                id: get_i64(&r, "id")?,
                employee_id: EmployeeId(get_i64(&r, "employee_id")?),
                employee_name: get_str(&r, "name")?,
                requested_by: opt_i64(&r, "requested_by")?.map(UserId),
                changes: serde_json::from_str(&get_str(&r, "changes")?)
                    .map_err(|_| bad_row("changes"))?,
                status: get_str(&r, "status")?,
                approval_id: opt_i64(&r, "approval_id")?,
                comment: get_str(&r, "comment")?,
                created_at: Timestamp(get_i64(&r, "created_at")?),
                decided_at: opt_i64(&r, "decided_at")?.map(Timestamp),
            })
        })
        .transpose()
    }

    async fn decide_change_request(
        &self,
        company: CompanyId,
        id: i64,
        status: &str,
        comment: &str,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE hr_change_requests SET status = $1, comment = $2, decided_at = $3 \
             WHERE company_id = $4 AND id = $5 AND status = 'pending'",
        )
        .bind(status)
        .bind(comment)
        .bind(Timestamp::now().0)
        .bind(company.0)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}

/// Rows per multi-row statement in the import (31 values a row: under every bind limit).
const IMPORT_CHUNK: usize = 500;

/// The `n`th placeholder: `?` on SQLite (sqlx resolves numbered ones quadratically in big
/// statements), `$n` on PostgreSQL.
fn ph(sqlite: bool, n: usize) -> String {
    if sqlite {
        "?".into()
    } else {
        format!("${n}")
    }
}

/// `(…), (…)` for `rows` rows of `cols` placeholders.
fn value_rows(sqlite: bool, rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=cols).map(|c| ph(sqlite, r * cols + c)).collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Inserts employee records (one created, or a chunk of an import) in one statement;
/// returns (id, employee number) of each.
async fn insert_rows(
    tx: &mut Tx,
    sqlite: bool,
    company: CompanyId,
    rows: &[(&Employee, &Derived)],
    now: i64,
) -> Result<Vec<(EmployeeId, String)>> {
    let sql = format!(
        "INSERT INTO hr_employees (company_id, user_id, employee_number, legal_name, preferred_name, work_email, \
         work_phone, birth_date, personal_email, personal_phone, home_address, postal_address, national_id, tax_id, \
         emergency_contacts, position, department_id, manager_id, location_id, employment_type, fte_milli, \
         start_date, probation_end, end_date, end_reason, status, custom, search, next_change, created_at, updated_at) \
         VALUES {} RETURNING id, employee_number",
        value_rows(sqlite, rows.len(), 31)
    );
    let mut q = sqlx::query(&sql);
    for (e, d) in rows {
        q = q
            .bind(company.0)
            .bind(e.user_id.map(|u| u.0))
            .bind(&e.employee_number)
            .bind(&e.legal_name)
            .bind(&e.preferred_name)
            .bind(&e.work_email)
            .bind(&e.work_phone)
            .bind(e.birth_date.map(day_key))
            .bind(&e.personal_email)
            .bind(&e.personal_phone)
            .bind(&e.home_address)
            .bind(&e.postal_address)
            .bind(&e.national_id)
            .bind(&e.tax_id)
            .bind(contacts_json(e))
            .bind(&e.position)
            .bind(e.department_id.map(|x| x.0))
            .bind(e.manager_id.map(|x| x.0))
            .bind(e.location_id.map(|x| x.0))
            .bind(&e.employment_type)
            .bind(e.fte_milli)
            .bind(day_key(e.start_date))
            .bind(e.probation_end.map(day_key))
            .bind(e.end_date.map(day_key))
            .bind(&e.end_reason)
            .bind(&d.status)
            .bind(custom_json(e))
            .bind(&d.search)
            .bind(d.next_change.map(day_key))
            .bind(now)
            .bind(now);
    }
    let out = q.fetch_all(&mut **tx).await.map_err(db)?;
    out.iter()
        .map(|r| {
            Ok((
                EmployeeId(get_i64(r, "id")?),
                get_str(r, "employee_number")?,
            ))
        })
        .collect()
}

/// Inserts job-history rows (one, or a chunk of an import) in one statement.
async fn insert_jobs(
    tx: &mut Tx,
    sqlite: bool,
    company: CompanyId,
    jobs: &[(EmployeeId, &NewJob)],
    now: i64,
) -> Result<()> {
    let sql = format!(
        "INSERT INTO hr_job_history (company_id, employee_id, effective_date, position, department_id, \
         manager_id, location_id, employment_type, fte_milli, reason, created_by, created_at) VALUES {}",
        value_rows(sqlite, jobs.len(), 12)
    );
    let mut q = sqlx::query(&sql);
    for (id, j) in jobs {
        q = q
            .bind(company.0)
            .bind(id.0)
            .bind(day_key(j.effective_date))
            .bind(&j.position)
            .bind(j.department_id.map(|d| d.0))
            .bind(j.manager_id.map(|m| m.0))
            .bind(j.location_id.map(|l| l.0))
            .bind(&j.employment_type)
            .bind(j.fte_milli)
            .bind(&j.reason)
            .bind(j.created_by.map(|u| u.0))
            .bind(now);
    }
    q.execute(&mut **tx).await.map_err(db)?;
    Ok(())
}

/// Sets the managers of a chunk of imported employees in one statement.
async fn set_managers(tx: &mut Tx, sqlite: bool, pairs: &[(EmployeeId, EmployeeId)]) -> Result<()> {
    let mut n = 0;
    let mut next = || {
        n += 1;
        ph(sqlite, n)
    };
    let cases: Vec<String> = pairs
        .iter()
        .map(|_| format!("WHEN {} THEN {}", next(), next()))
        .collect();
    let list: Vec<String> = pairs.iter().map(|_| next()).collect();
    let sql = format!(
        "UPDATE hr_employees SET manager_id = CASE id {} END WHERE id IN ({})",
        cases.join(" "),
        list.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for (id, m) in pairs {
        q = q.bind(id.0).bind(m.0);
    }
    for (id, _) in pairs {
        q = q.bind(id.0);
    }
    q.execute(&mut **tx).await.map_err(db)?;
    Ok(())
}
