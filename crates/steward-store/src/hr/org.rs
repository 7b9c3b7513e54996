//! The org chart and positions (see `steward_core::hr::org`). Each level of the chart is
//! one query: the people of the level by name, each with a correlated count of their
//! direct reports that walks the `(company_id, manager_id)` index.
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::hr::org::{
    OrgLevel, OrgLevelPage, OrgPerson, OrgStore, Position, PositionId, PositionInput,
};
use steward_core::ids::{CompanyId, DepartmentId, EmployeeId};
use steward_core::{Error, Result};

use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

/// The columns [`person_of`] reads, from `hr_employees e LEFT JOIN departments d`.
const PERSON: &str = "e.id, e.legal_name, e.preferred_name, e.position, e.department_id, \
     d.name AS department_name, e.manager_id, \
     (SELECT COUNT(*) FROM hr_employees r WHERE r.company_id = e.company_id \
      AND r.manager_id = e.id AND r.status <> 'leaver') AS reports";

fn person_of(r: &AnyRow) -> Result<OrgPerson> {
    let preferred = get_str(r, "preferred_name")?;
    Ok(OrgPerson {
        id: EmployeeId(get_i64(r, "id")?),
        name: if preferred.trim().is_empty() {
            get_str(r, "legal_name")?
        } else {
            preferred
        },
        position: get_str(r, "position")?,
        department_id: opt_i64(r, "department_id")?.map(DepartmentId),
        department: opt_str(r, "department_name")?,
        manager_id: opt_i64(r, "manager_id")?.map(EmployeeId),
        reports: get_i64(r, "reports")?,
    })
}

fn position_of(r: &AnyRow) -> Result<Position> {
    Ok(Position {
        id: PositionId(get_i64(r, "id")?),
        title: get_str(r, "title")?,
        department_id: opt_i64(r, "department_id")?.map(DepartmentId),
        department: opt_str(r, "department_name")?,
        reports_to: opt_i64(r, "reports_to")?.map(PositionId),
        reports_to_title: opt_str(r, "reports_to_title")?,
    })
}

impl OrgStore for Store {
    async fn org_person(&self, company: CompanyId, id: EmployeeId) -> Result<Option<OrgPerson>> {
        let row = sqlx::query(&format!(
            "SELECT {PERSON} FROM hr_employees e LEFT JOIN departments d ON d.id = e.department_id \
             WHERE e.company_id = $1 AND e.id = $2"
        ))
        .bind(company.0)
        .bind(id.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.as_ref().map(person_of).transpose()
    }

    async fn org_chain(&self, company: CompanyId, id: EmployeeId) -> Result<Vec<OrgPerson>> {
        // Walk up; the depth bound ends a cycle in the data.
        let rows = sqlx::query(&format!(
            "WITH RECURSIVE up(id, depth) AS ( \
               SELECT manager_id, 1 FROM hr_employees WHERE company_id = $1 AND id = $2 \
                 AND manager_id IS NOT NULL \
               UNION ALL \
               SELECT m.manager_id, up.depth + 1 FROM hr_employees m JOIN up ON m.id = up.id \
               WHERE m.company_id = $1 AND m.manager_id IS NOT NULL AND up.depth < 64 \
             ) \
             SELECT {PERSON}, up.depth FROM up JOIN hr_employees e ON e.id = up.id \
             LEFT JOIN departments d ON d.id = e.department_id \
             WHERE e.company_id = $1 ORDER BY up.depth"
        ))
        .bind(company.0)
        .bind(id.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let mut out: Vec<OrgPerson> = Vec::new();
        for r in &rows {
            let p = person_of(r)?;
            // A cycle: stop where the chain comes back to someone already on it.
            if p.id == id || out.iter().any(|x| x.id == p.id) {
                break;
            }
            out.push(p);
        }
        Ok(out)
    }

    async fn org_level(
        &self,
        company: CompanyId,
        level: OrgLevel,
        limit: u32,
        offset: u64,
    ) -> Result<OrgLevelPage> {
        let (filter, arg) = match level {
            // The top: no manager, or a manager who has left.
            OrgLevel::Top => (
                "(e.manager_id IS NULL OR EXISTS (SELECT 1 FROM hr_employees m \
                  WHERE m.id = e.manager_id AND m.status = 'leaver'))",
                None,
            ),
            OrgLevel::ReportsOf(m) => ("e.manager_id = $2", Some(m.0)),
            // The top of a department: its people whose manager is not in it.
            OrgLevel::TopOf(d) => (
                "e.department_id = $2 AND (e.manager_id IS NULL OR NOT EXISTS ( \
                  SELECT 1 FROM hr_employees m WHERE m.id = e.manager_id \
                  AND m.department_id = $2 AND m.status <> 'leaver'))",
                Some(d.0),
            ),
        };
        let where_ = format!("e.company_id = $1 AND e.status <> 'leaver' AND {filter}");
        let count_sql = format!("SELECT COUNT(*) AS n FROM hr_employees e WHERE {where_}");
        // Page bounds as literals (see ARCHITECTURE.md: lists stay O(page)).
        let page_sql = format!(
            "SELECT {PERSON} FROM hr_employees e LEFT JOIN departments d ON d.id = e.department_id \
             WHERE {where_} ORDER BY e.legal_name, e.id LIMIT {} OFFSET {}",
            limit.min(1000),
            offset
        );
        let mut count = sqlx::query(&count_sql).bind(company.0);
        let mut page = sqlx::query(&page_sql).bind(company.0);
        if let Some(a) = arg {
            count = count.bind(a);
            page = page.bind(a);
        }
        let total = get_i64(&count.fetch_one(&self.read).await.map_err(db)?, "n")?;
        let rows = page.fetch_all(&self.read).await.map_err(db)?;
        Ok(OrgLevelPage {
            people: rows.iter().map(person_of).collect::<Result<_>>()?,
            total,
            offset,
        })
    }

    async fn org_search(&self, company: CompanyId, q: &str, limit: u32) -> Result<Vec<OrgPerson>> {
        let pattern = crate::sql::like_pattern(q);
        let rows = sqlx::query(&format!(
            "SELECT {PERSON} FROM hr_employees e LEFT JOIN departments d ON d.id = e.department_id \
             WHERE e.company_id = $1 AND e.status <> 'leaver' \
               AND (LOWER(CASE WHEN e.preferred_name <> '' THEN e.preferred_name ELSE e.legal_name END) LIKE $2 ESCAPE '\\' \
                    OR LOWER(e.work_email) LIKE $2 ESCAPE '\\' OR LOWER(e.position) LIKE $2 ESCAPE '\\') \
             ORDER BY CASE WHEN e.preferred_name <> '' THEN e.preferred_name ELSE e.legal_name END, e.id LIMIT {}",
            limit.min(100)
        ))
        .bind(company.0)
        .bind(pattern)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(person_of).collect()
    }

    async fn department_headcounts(&self, company: CompanyId) -> Result<Vec<(DepartmentId, i64)>> {
        let rows = sqlx::query(
            "SELECT department_id, COUNT(*) AS n FROM hr_employees \
             WHERE company_id = $1 AND status <> 'leaver' AND department_id IS NOT NULL \
             GROUP BY department_id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| Ok((DepartmentId(get_i64(r, "department_id")?), get_i64(r, "n")?)))
            .collect()
    }

    async fn positions(&self, company: CompanyId) -> Result<Vec<Position>> {
        let rows = sqlx::query(
            "SELECT p.id, p.title, p.department_id, d.name AS department_name, p.reports_to, \
             s.title AS reports_to_title FROM hr_positions p \
             LEFT JOIN departments d ON d.id = p.department_id \
             LEFT JOIN hr_positions s ON s.id = p.reports_to \
             WHERE p.company_id = $1 ORDER BY p.title, p.id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(position_of).collect()
    }

    async fn insert_position(
        &self,
        company: CompanyId,
        input: &PositionInput,
        mut audit: AuditDraft,
    ) -> Result<PositionId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO hr_positions (company_id, title, department_id, reports_to, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(company.0)
        .bind(&input.title)
        .bind(input.department_id.map(|d| d.0))
        .bind(input.reports_to.map(|p| p.0))
        .bind(steward_core::time::Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&row, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(PositionId(id))
    }

    async fn update_position(
        &self,
        company: CompanyId,
        id: PositionId,
        input: &PositionInput,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE hr_positions SET title = $1, department_id = $2, reports_to = $3 \
             WHERE id = $4 AND company_id = $5",
        )
        .bind(&input.title)
        .bind(input.department_id.map(|d| d.0))
        .bind(input.reports_to.map(|p| p.0))
        .bind(id.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::NotFound { entity: "position" });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}

impl Store {
    /// Inserts employees as they are, many rows per statement, without job history or
    /// audit events: for benchmarks only (see `steward bench hr-org`). Returns their ids in
    /// order.
    pub async fn seed_employees_bulk(
        &self,
        company: CompanyId,
        rows: &[steward_core::hr::org::BulkEmployee],
    ) -> Result<Vec<EmployeeId>> {
        let now = steward_core::time::Timestamp::now().0;
        let mut ids = Vec::with_capacity(rows.len());
        let mut tx = self.begin().await?;
        for chunk in rows.chunks(400) {
            let mut sql = String::from(
                "INSERT INTO hr_employees (company_id, employee_number, legal_name, work_email, position, \
                 department_id, manager_id, employment_type, fte_milli, start_date, probation_end, status, \
                 search, created_at, updated_at) VALUES ",
            );
            let mut n = 0;
            for (i, _) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for j in 0..15 {
                    if j > 0 {
                        sql.push_str(", ");
                    }
                    n += 1;
                    match self.backend {
                        crate::Backend::Sqlite => sql.push('?'),
                        crate::Backend::Postgres => sql.push_str(&format!("${n}")),
                    }
                }
                sql.push(')');
            }
            sql.push_str(" RETURNING id");
            let mut q = sqlx::query(&sql);
            for e in chunk {
                q = q
                    .bind(company.0)
                    .bind(e.number.clone())
                    .bind(e.name.clone())
                    .bind(e.email.clone())
                    .bind(e.position.clone())
                    .bind(e.department_id.map(|d| d.0))
                    .bind(e.manager_id.map(|m| m.0))
                    .bind("permanent")
                    .bind(1000_i64)
                    .bind(20200101_i64)
                    .bind(20200701_i64)
                    .bind("active")
                    .bind(format!("{} {}", e.name, e.number).to_lowercase())
                    .bind(now)
                    .bind(now);
            }
            let got = q.fetch_all(&mut *tx).await.map_err(db)?;
            let mut chunk_ids: Vec<i64> = got
                .iter()
                .map(|r| get_i64(r, "id"))
                .collect::<Result<_>>()?;
            chunk_ids.sort_unstable();
            ids.extend(chunk_ids.into_iter().map(EmployeeId));
        }
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }
}
