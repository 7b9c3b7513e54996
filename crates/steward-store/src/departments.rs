//! Departments and who belongs to them (`memberships.department_id`).
use steward_core::audit::AuditDraft;
use steward_core::departments::{Department, DepartmentEdit, DepartmentStore, Member};
use steward_core::ids::{CompanyId, DepartmentId, UserId};
use steward_core::{Error, Result};

use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

fn member_of(r: &sqlx::any::AnyRow) -> Result<Member> {
    Ok(Member {
        user_id: UserId(get_i64(r, "user_id")?),
        username: get_str(r, "username")?,
        display_name: get_str(r, "display_name")?,
        department: opt_i64(r, "department_id")?.map(DepartmentId),
    })
}

const MEMBERS: &str = "SELECT m.user_id, u.username, u.display_name, m.department_id \
     FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.company_id = $1";

impl DepartmentStore for Store {
    async fn departments(&self, company: CompanyId) -> Result<Vec<Department>> {
        let rows = sqlx::query(
            "SELECT d.id, d.name, d.head_user_id, d.parent_id, d.code, u.display_name AS head_name, \
             (SELECT COUNT(*) FROM memberships m WHERE m.company_id = d.company_id AND m.department_id = d.id) AS members \
             FROM departments d LEFT JOIN users u ON u.id = d.head_user_id \
             WHERE d.company_id = $1 ORDER BY d.name, d.id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Department {
                    id: DepartmentId(get_i64(r, "id")?),
                    name: get_str(r, "name")?,
                    head: opt_i64(r, "head_user_id")?.map(UserId),
                    head_name: opt_str(r, "head_name")?,
                    members: get_i64(r, "members")?,
                    parent_id: opt_i64(r, "parent_id")?.map(DepartmentId),
                    code: opt_str(r, "code")?,
                })
            })
            .collect()
    }

    async fn insert_department(
        &self,
        company: CompanyId,
        name: &str,
        mut audit: AuditDraft,
    ) -> Result<DepartmentId> {
        let mut tx = self.begin().await?;
        let row =
            sqlx::query("INSERT INTO departments (company_id, name) VALUES ($1, $2) RETURNING id")
                .bind(company.0)
                .bind(name)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        let id = get_i64(&row, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(DepartmentId(id))
    }

    async fn update_department(
        &self,
        company: CompanyId,
        id: DepartmentId,
        name: &str,
        head: Option<UserId>,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE departments SET name = $1, head_user_id = $2 WHERE id = $3 AND company_id = $4",
        )
        .bind(name)
        .bind(head.map(|h| h.0))
        .bind(id.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::NotFound {
                entity: "department",
            });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn edit_department(
        &self,
        company: CompanyId,
        id: DepartmentId,
        edit: &DepartmentEdit,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        // The parent must still not lie below this department (a concurrent move): walk up
        // from the new parent inside the transaction.
        if let Some(p) = edit.parent_id {
            let row = sqlx::query(
                "WITH RECURSIVE up(id, depth) AS ( \
                   SELECT id, 0 FROM departments WHERE company_id = $1 AND id = $2 \
                   UNION ALL \
                   SELECT d.parent_id, up.depth + 1 FROM departments d JOIN up ON d.id = up.id \
                   WHERE d.company_id = $1 AND d.parent_id IS NOT NULL AND up.depth < 256 \
                 ) SELECT COUNT(*) AS n FROM up WHERE id = $3",
            )
            .bind(company.0)
            .bind(p.0)
            .bind(id.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            if get_i64(&row, "n")? > 0 {
                return Err(Error::invalid(
                    "parent_id",
                    "a department cannot be placed under itself or one of its own sub-departments",
                ));
            }
        }
        let r = sqlx::query(
            "UPDATE departments SET name = $1, head_user_id = $2, parent_id = $3, code = $4 \
             WHERE id = $5 AND company_id = $6",
        )
        .bind(&edit.name)
        .bind(edit.head.map(|h| h.0))
        .bind(edit.parent_id.map(|p| p.0))
        .bind(edit.code.as_deref())
        .bind(id.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::NotFound {
                entity: "department",
            });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn set_member_department(
        &self,
        company: CompanyId,
        user: UserId,
        department: Option<DepartmentId>,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE memberships SET department_id = $1 WHERE user_id = $2 AND company_id = $3",
        )
        .bind(department.map(|d| d.0))
        .bind(user.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::NotFound { entity: "user" });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn members(&self, company: CompanyId) -> Result<Vec<Member>> {
        let rows = sqlx::query(&format!("{MEMBERS} ORDER BY u.display_name, u.id"))
            .bind(company.0)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(member_of).collect()
    }

    async fn member(&self, company: CompanyId, user: UserId) -> Result<Option<Member>> {
        let row = sqlx::query(&format!("{MEMBERS} AND m.user_id = $2"))
            .bind(company.0)
            .bind(user.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        row.as_ref().map(member_of).transpose()
    }
}
