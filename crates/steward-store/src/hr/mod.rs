//! HR's tables (see `steward_core::hr`). This module holds what every HR part reads about
//! people; each part has its own submodule.
mod documents;
mod employees;
mod fields;
mod health;
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
