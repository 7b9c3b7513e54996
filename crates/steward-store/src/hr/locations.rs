//! Work locations (see `steward_core::hr::locations`). A company's locations are read in
//! one query with their calendar's name and a correlated headcount that walks the
//! employees' `(company_id, location_id)` rows.
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::hr::locations::{Location, LocationInput, LocationStore, LocationUsage};
use steward_core::ids::{CompanyId, LocationId};
use steward_core::{Error, Result};

use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

/// A duplicate name becomes a field error (two writers racing past the service's check).
fn name_taken(e: sqlx::Error) -> Error {
    match db(e) {
        Error::Conflict { .. } => Error::invalid("name", "another location has this name"),
        e => e,
    }
}

fn location_of(r: &AnyRow) -> Result<Location> {
    Ok(Location {
        id: LocationId(get_i64(r, "id")?),
        name: get_str(r, "name")?,
        address: get_str(r, "address")?,
        calendar_id: opt_i64(r, "calendar_id")?,
        calendar_name: opt_str(r, "calendar_name")?,
        employees: get_i64(r, "employees")?,
    })
}

impl LocationStore for Store {
    async fn locations(&self, company: CompanyId) -> Result<Vec<Location>> {
        let rows = sqlx::query(
            "SELECT l.id, l.name, l.address, l.calendar_id, c.name AS calendar_name, \
             (SELECT COUNT(*) FROM hr_employees e WHERE e.company_id = l.company_id \
              AND e.location_id = l.id AND e.status <> 'leaver') AS employees \
             FROM hr_locations l \
             LEFT JOIN hr_timeoff_calendars c ON c.id = l.calendar_id AND c.company_id = l.company_id \
             WHERE l.company_id = $1 ORDER BY l.name, l.id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(location_of).collect()
    }

    async fn insert_location(
        &self,
        company: CompanyId,
        input: &LocationInput,
        mut audit: AuditDraft,
    ) -> Result<LocationId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO hr_locations (company_id, name, address, calendar_id, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(company.0)
        .bind(&input.name)
        .bind(&input.address)
        .bind(input.calendar_id)
        .bind(steward_core::time::Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(name_taken)?;
        let id = get_i64(&row, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(LocationId(id))
    }

    async fn update_location(
        &self,
        company: CompanyId,
        id: LocationId,
        input: &LocationInput,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE hr_locations SET name = $1, address = $2, calendar_id = $3 \
             WHERE id = $4 AND company_id = $5",
        )
        .bind(&input.name)
        .bind(&input.address)
        .bind(input.calendar_id)
        .bind(id.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(name_taken)?;
        if r.rows_affected() == 0 {
            return Err(Error::NotFound { entity: "location" });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn location_usage(&self, company: CompanyId, id: LocationId) -> Result<LocationUsage> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM hr_employees WHERE company_id = $1 AND location_id = $2) AS employees, \
             (SELECT COUNT(*) FROM hr_job_history WHERE company_id = $1 AND location_id = $2) AS history",
        )
        .bind(company.0)
        .bind(id.0)
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        Ok(LocationUsage {
            employees: get_i64(&row, "employees")?,
            job_history: get_i64(&row, "history")?,
        })
    }

    async fn delete_location(
        &self,
        company: CompanyId,
        id: LocationId,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        // The foreign keys of employees and job history refuse the delete when a reference
        // arrived after the service's check; that surfaces as a conflict.
        let r = sqlx::query("DELETE FROM hr_locations WHERE id = $1 AND company_id = $2")
            .bind(id.0)
            .bind(company.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::NotFound { entity: "location" });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
