//! HR's tables (see `steward_core::hr`). This module holds what every HR part reads about
//! people; each part has its own submodule.
mod documents;
mod employees;
mod fields;
mod health;
mod lifecycle;
mod locations;
mod org;
mod reports;
mod timeoff;

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use steward_core::hr::{day_from_key, EmployeeRef, HrBaseStore};
use steward_core::ids::{CompanyId, DepartmentId, EmployeeId, LocationId, UserId};
use steward_core::{Error, Result};

use crate::{db, get_i64, get_str, opt_i64, Store};

pub(crate) fn bad_row(what: &str) -> Error {
    Error::Internal(format!("hr: a stored {what} does not parse"))
}

pub(crate) fn get_day(r: &AnyRow, c: &str) -> Result<NaiveDate> {
    day_from_key(get_i64(r, c)?).ok_or_else(|| bad_row(c))
}

pub(crate) fn opt_day(r: &AnyRow, c: &str) -> Result<Option<NaiveDate>> {
    opt_i64(r, c)?
        .map(|k| day_from_key(k).ok_or_else(|| bad_row(c)))
        .transpose()
}

/// The columns [`employee_ref_of`] reads, for `SELECT {EMPLOYEE_REF} FROM hr_employees e`.
pub(crate) const EMPLOYEE_REF: &str = "e.id, e.company_id, e.user_id, e.employee_number, \
     e.legal_name, e.preferred_name, e.position, e.department_id, e.manager_id, e.location_id, \
     e.employment_type, e.fte_milli, e.start_date, e.end_date, e.status";

pub(crate) fn employee_ref_of(r: &AnyRow) -> Result<EmployeeRef> {
    let preferred = get_str(r, "preferred_name")?;
    Ok(EmployeeRef {
        id: EmployeeId(get_i64(r, "id")?),
        company_id: CompanyId(get_i64(r, "company_id")?),
        user_id: opt_i64(r, "user_id")?.map(UserId),
        employee_number: get_str(r, "employee_number")?,
        name: if preferred.trim().is_empty() {
            get_str(r, "legal_name")?
        } else {
            preferred
        },
        position: get_str(r, "position")?,
        department_id: opt_i64(r, "department_id")?.map(DepartmentId),
        manager_id: opt_i64(r, "manager_id")?.map(EmployeeId),
        location_id: opt_i64(r, "location_id")?.map(LocationId),
        employment_type: get_str(r, "employment_type")?,
        fte_milli: get_i64(r, "fte_milli")?,
        start_date: get_day(r, "start_date")?,
        end_date: opt_day(r, "end_date")?,
        status: get_str(r, "status")?,
    })
}

impl steward_core::departments::ReportingLine for Store {
    /// HR's reporting line: the user account of the employee's manager.
    async fn line_manager(&self, company: CompanyId, user: UserId) -> Result<Option<UserId>> {
        let row = sqlx::query(
            "SELECT m.user_id FROM hr_employees e \
             JOIN hr_employees m ON m.company_id = e.company_id AND m.id = e.manager_id \
             WHERE e.company_id = $1 AND e.user_id = $2",
        )
        .bind(company.0)
        .bind(user.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        Ok(match row {
            Some(r) => opt_i64(&r, "user_id")?.map(UserId),
            None => None,
        })
    }
}

impl HrBaseStore for Store {
    async fn employee_ref(
        &self,
        company: CompanyId,
        id: EmployeeId,
    ) -> Result<Option<EmployeeRef>> {
        let row = sqlx::query(&format!(
            "SELECT {EMPLOYEE_REF} FROM hr_employees e WHERE e.company_id = $1 AND e.id = $2"
        ))
        .bind(company.0)
        .bind(id.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.as_ref().map(employee_ref_of).transpose()
    }

    async fn employee_of_user(
        &self,
        company: CompanyId,
        user: UserId,
    ) -> Result<Option<EmployeeRef>> {
        let row = sqlx::query(&format!(
            "SELECT {EMPLOYEE_REF} FROM hr_employees e WHERE e.company_id = $1 AND e.user_id = $2"
        ))
        .bind(company.0)
        .bind(user.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.as_ref().map(employee_ref_of).transpose()
    }

    async fn is_above(
        &self,
        company: CompanyId,
        manager: EmployeeId,
        employee: EmployeeId,
    ) -> Result<bool> {
        if manager == employee {
            return Ok(false);
        }
        // Walk up from the employee; the depth bound ends a cycle in the data.
        let row = sqlx::query(
            "WITH RECURSIVE up(id, depth) AS ( \
               SELECT manager_id, 1 FROM hr_employees WHERE company_id = $1 AND id = $2 \
               UNION ALL \
               SELECT e.manager_id, up.depth + 1 FROM hr_employees e JOIN up ON e.id = up.id \
               WHERE e.company_id = $1 AND up.depth < 64 AND e.manager_id IS NOT NULL \
             ) SELECT COUNT(*) AS n FROM up WHERE id = $3",
        )
        .bind(company.0)
        .bind(employee.0)
        .bind(manager.0)
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        Ok(get_i64(&row, "n")? > 0)
    }
}

/// An employee as demo data, benchmarks and tests put them in (no checks, no audit event:
/// people's own changes go through `steward_core::hr::employees`, which validates and audits).
#[derive(Debug, Clone)]
pub struct SeedEmployee {
    pub employee_number: String,
    pub legal_name: String,
    pub user_id: Option<UserId>,
    pub work_email: String,
    pub position: String,
    pub department_id: Option<DepartmentId>,
    pub manager_id: Option<EmployeeId>,
    pub location_id: Option<LocationId>,
    pub employment_type: String,
    pub fte_milli: i64,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

impl SeedEmployee {
    /// A full-time permanent employee with nothing else set.
    pub fn new(number: &str, name: &str, start_date: NaiveDate) -> SeedEmployee {
        SeedEmployee {
            employee_number: number.to_string(),
            legal_name: name.to_string(),
            user_id: None,
            work_email: String::new(),
            position: String::new(),
            department_id: None,
            manager_id: None,
            location_id: None,
            employment_type: "permanent".into(),
            fte_milli: 1000,
            start_date,
            end_date: None,
        }
    }
}

impl Store {
    /// Inserts a location (name, no address or calendar): seeding for demos and benchmarks.
    pub async fn seed_location(&self, company: CompanyId, name: &str) -> Result<LocationId> {
        let row = sqlx::query(
            "INSERT INTO hr_locations (company_id, name, address, created_at) \
             VALUES ($1, $2, '', $3) RETURNING id",
        )
        .bind(company.0)
        .bind(name)
        .bind(steward_core::time::Timestamp::now().0)
        .fetch_one(&self.write)
        .await
        .map_err(db)?;
        Ok(LocationId(get_i64(&row, "id")?))
    }

    /// Inserts an employee and their first job-history row as they are (see [`SeedEmployee`]).
    pub async fn seed_employee(&self, company: CompanyId, e: &SeedEmployee) -> Result<EmployeeId> {
        let now = steward_core::time::Timestamp::now().0;
        let today = chrono::Utc::now().date_naive();
        let status = steward_core::hr::status_on(e.start_date, e.end_date, today);
        let search = format!(
            "{} {} {} {}",
            e.legal_name, e.employee_number, e.work_email, e.position
        )
        .to_lowercase();
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO hr_employees (company_id, user_id, employee_number, legal_name, work_email, \
             position, department_id, manager_id, location_id, employment_type, fte_milli, start_date, \
             end_date, status, search, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id",
        )
        .bind(company.0)
        .bind(e.user_id.map(|u| u.0))
        .bind(&e.employee_number)
        .bind(&e.legal_name)
        .bind(&e.work_email)
        .bind(&e.position)
        .bind(e.department_id.map(|d| d.0))
        .bind(e.manager_id.map(|m| m.0))
        .bind(e.location_id.map(|l| l.0))
        .bind(&e.employment_type)
        .bind(e.fte_milli)
        .bind(steward_core::hr::day_key(e.start_date))
        .bind(e.end_date.map(steward_core::hr::day_key))
        .bind(status)
        .bind(search)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&row, "id")?;
        sqlx::query(
            "INSERT INTO hr_job_history (company_id, employee_id, effective_date, position, department_id, \
             manager_id, location_id, employment_type, fte_milli, reason, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'hire', $10)",
        )
        .bind(company.0)
        .bind(id)
        .bind(steward_core::hr::day_key(e.start_date))
        .bind(&e.position)
        .bind(e.department_id.map(|d| d.0))
        .bind(e.manager_id.map(|m| m.0))
        .bind(e.location_id.map(|l| l.0))
        .bind(&e.employment_type)
        .bind(e.fte_milli)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(EmployeeId(id))
    }
}
