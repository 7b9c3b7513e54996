//! Subjects and their assignments (see `steward_core::records::subjects`). The list is
//! narrowed in the query to what the caller may see: owned, assigned (to them, one of their
//! roles or their department) or opened by break-glass until now.
use sea_query::{Cond, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::ids::{CompanyId, DepartmentId, UserId};
use steward_core::list::{Page, SortDir};
use steward_core::records::subjects::{
    Assignee, Assignment, NewSubject, Subject, SubjectQuery, SubjectSort, SubjectStore, Visibility,
};
use steward_core::records::{KindId, SubjectId};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::{a, bad, stale, taken};
use crate::sql::{col, contains_any, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

const COLUMNS: &[&str] = &[
    "id",
    "company_id",
    "kind_id",
    "reference",
    "name",
    "custom",
    "owner_id",
    "ended_on",
    "created_at",
    "anonymized_at",
    "version",
];

fn subject_of(r: &AnyRow) -> Result<Subject> {
    let custom: serde_json::Value =
        serde_json::from_str(&get_str(r, "custom")?).map_err(|_| bad("subject's custom values"))?;
    Ok(Subject {
        id: SubjectId(get_i64(r, "id")?),
        company_id: CompanyId(get_i64(r, "company_id")?),
        kind_id: KindId(get_i64(r, "kind_id")?),
        kind_name: get_str(r, "kind_name")?,
        reference: get_str(r, "reference")?,
        name: get_str(r, "name")?,
        custom: custom.as_object().cloned().unwrap_or_default(),
        owner_id: opt_i64(r, "owner_id")?.map(UserId),
        owner_name: opt_str(r, "owner_name")?.unwrap_or_default(),
        ended_on: crate::hr::opt_day(r, "ended_on")?,
        created_at: Timestamp(get_i64(r, "created_at")?),
        anonymized_at: opt_i64(r, "anonymized_at")?.map(Timestamp),
        version: get_i64(r, "version")?,
    })
}

/// The subjects (`s`) whose files `who` opens: owned, assigned (the user, a role, the
/// department) or broken into and still open; `None` when every subject is.
pub(super) fn visible(company: CompanyId, who: &Visibility) -> Option<Cond> {
    if who.all {
        return None;
    }
    let (assigned, glass) = granted(company, who);
    Some(
        Cond::any()
            .add(col("s", "owner_id").eq(who.user.0))
            .add(col("s", "id").in_subquery(assigned))
            .add(col("s", "id").in_subquery(glass)),
    )
}

/// The subjects assigned to `who` (the user, a role, the department) and those it broke
/// into and are still open, as two `subject_id` selects.
fn granted(company: CompanyId, who: &Visibility) -> (SelectStatement, SelectStatement) {
    let mut mine = Cond::any().add(Expr::col(a("user_id")).eq(who.user.0));
    if !who.roles.is_empty() {
        mine = mine.add(Expr::col(a("role_key")).is_in(who.roles.clone()));
    }
    if let Some(d) = who.department {
        mine = mine.add(Expr::col(a("department_id")).eq(d.0));
    }
    let assigned = Query::select()
        .column(a("subject_id"))
        .from(a("records_assignments"))
        .and_where(Expr::col(a("company_id")).eq(company.0))
        .cond_where(mine)
        .to_owned();
    let glass = Query::select()
        .column(a("subject_id"))
        .from(a("records_break_glass"))
        .and_where(Expr::col(a("company_id")).eq(company.0))
        .and_where(Expr::col(a("user_id")).eq(who.user.0))
        .and_where(Expr::col(a("expires_at")).gt(who.now.0))
        .to_owned();
    (assigned, glass)
}

/// The same subjects as [`visible`], as one `subject_id` select of its three sources
/// (owned, assigned, broken into: each by its own index); `None` when every subject is.
pub(super) fn visible_ids(company: CompanyId, who: &Visibility) -> Option<SelectStatement> {
    if who.all {
        return None;
    }
    let (assigned, glass) = granted(company, who);
    Some(
        Query::select()
            .expr_as(Expr::col(a("id")), a("subject_id"))
            .from(a("records_subjects"))
            .and_where(Expr::col(a("company_id")).eq(company.0))
            .and_where(Expr::col(a("owner_id")).eq(who.user.0))
            .union(sea_query::UnionType::Distinct, assigned)
            .union(sea_query::UnionType::Distinct, glass)
            .to_owned(),
    )
}

fn filtered(company: CompanyId, who: &Visibility, q: &SubjectQuery, s: &mut SelectStatement) {
    s.from_as(a("records_subjects"), a("s"))
        .join_as(
            JoinType::InnerJoin,
            a("records_kinds"),
            a("k"),
            col("k", "id").equals((a("s"), a("kind_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            a("users"),
            a("u"),
            col("u", "id").equals((a("s"), a("owner_id"))),
        )
        .and_where(col("s", "company_id").eq(company.0));
    if let Some(v) = visible(company, who) {
        s.cond_where(v);
    }
    if let Some(k) = q.kind {
        s.and_where(col("s", "kind_id").eq(k.0));
    }
    if let Some(o) = q.owner {
        s.and_where(col("s", "owner_id").eq(o.0));
    }
    if let Some(c) = contains_any(q.search.as_deref(), &[("s", "reference"), ("s", "name")]) {
        s.cond_where(c);
    }
}

fn select_one() -> String {
    let cols: Vec<String> = COLUMNS.iter().map(|c| format!("s.{c}")).collect();
    format!(
        "SELECT {}, k.name AS kind_name, u.display_name AS owner_name FROM records_subjects s \
         JOIN records_kinds k ON k.id = s.kind_id LEFT JOIN users u ON u.id = s.owner_id",
        cols.join(", ")
    )
}

fn custom_text(s: &NewSubject) -> Result<String> {
    serde_json::to_string(&s.custom).map_err(Error::internal)
}

impl SubjectStore for Store {
    async fn list_subjects(
        &self,
        company: CompanyId,
        who: &Visibility,
        q: &SubjectQuery,
    ) -> Result<Page<Subject>> {
        let mut count = Query::select();
        filtered(company, who, q, &mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        filtered(company, who, q, &mut s);
        for c in COLUMNS {
            s.column((a("s"), a(c)));
        }
        s.expr_as(Expr::cust("k.name"), a("kind_name"));
        s.expr_as(Expr::cust("u.display_name"), a("owner_name"));
        let dir = match q.dir {
            SortDir::Asc => Order::Asc,
            SortDir::Desc => Order::Desc,
        };
        match q.sort {
            SubjectSort::Reference => {
                s.order_by_expr(Func::lower(col("s", "reference")).into(), dir.clone())
            }
            SubjectSort::Name => s.order_by_expr(Func::lower(col("s", "name")).into(), dir.clone()),
            SubjectSort::Kind => s.order_by_expr(Func::lower(col("k", "name")).into(), dir.clone()),
            SubjectSort::Created => s.order_by((a("s"), a("id")), dir.clone()),
        };
        s.order_by((a("s"), a("id")), dir);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        Ok(Page {
            items: rows.iter().map(subject_of).collect::<Result<_>>()?,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn subject(&self, company: CompanyId, id: SubjectId) -> Result<Option<Subject>> {
        sqlx::query(&format!(
            "{} WHERE s.company_id = $1 AND s.id = $2",
            select_one()
        ))
        .bind(company.0)
        .bind(id.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        .as_ref()
        .map(subject_of)
        .transpose()
    }

    async fn insert_subject(
        &self,
        company: CompanyId,
        s: &NewSubject,
        mut audit: AuditDraft,
    ) -> Result<SubjectId> {
        let mut tx = self.begin().await?;
        let now = Timestamp::now().0;
        let r = sqlx::query(
            "INSERT INTO records_subjects (company_id, kind_id, reference, name, custom, owner_id, \
             created_at, updated_at, ended_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        )
        .bind(company.0)
        .bind(s.kind_id.0)
        .bind(&s.reference)
        .bind(&s.name)
        .bind(custom_text(s)?)
        .bind(s.owner_id.map(|u| u.0))
        .bind(now)
        .bind(now)
        .bind(s.ended_on.map(steward_core::hr::day_key))
        .fetch_one(&mut *tx)
        .await
        .map_err(taken("reference", "another subject has this reference"))?;
        let id = get_i64(&r, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(SubjectId(id))
    }

    async fn update_subject(
        &self,
        company: CompanyId,
        id: SubjectId,
        s: &NewSubject,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE records_subjects SET reference = $1, name = $2, custom = $3, owner_id = $4, \
             updated_at = $5, version = version + 1, ended_on = $9 \
             WHERE company_id = $6 AND id = $7 AND version = $8",
        )
        .bind(&s.reference)
        .bind(&s.name)
        .bind(custom_text(s)?)
        .bind(s.owner_id.map(|u| u.0))
        .bind(Timestamp::now().0)
        .bind(company.0)
        .bind(id.0)
        .bind(version)
        .bind(s.ended_on.map(steward_core::hr::day_key))
        .execute(&mut *tx)
        .await
        .map_err(taken("reference", "another subject has this reference"))?
        .rows_affected();
        if n != 1 {
            return Err(stale("subject"));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn assignments(&self, company: CompanyId, subject: SubjectId) -> Result<Vec<Assignment>> {
        let rows = sqlx::query(
            "SELECT a.id, a.subject_id, a.user_id, a.role_key, a.department_id, a.created_at, \
             u.display_name AS user_name, d.name AS department_name, \
             (SELECT r.name FROM roles r WHERE r.key = a.role_key \
               AND (r.company_id IS NULL OR r.company_id = a.company_id) \
               ORDER BY r.company_id LIMIT 1) AS role_name \
             FROM records_assignments a LEFT JOIN users u ON u.id = a.user_id \
             LEFT JOIN departments d ON d.id = a.department_id \
             WHERE a.company_id = $1 AND a.subject_id = $2 ORDER BY a.id",
        )
        .bind(company.0)
        .bind(subject.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let role_key = opt_str(r, "role_key")?;
                let label = opt_str(r, "user_name")?
                    .or(opt_str(r, "department_name")?)
                    .or(opt_str(r, "role_name")?)
                    .or(role_key.clone())
                    .unwrap_or_default();
                Ok(Assignment {
                    id: get_i64(r, "id")?,
                    subject_id: SubjectId(get_i64(r, "subject_id")?),
                    user_id: opt_i64(r, "user_id")?.map(UserId),
                    role_key,
                    department_id: opt_i64(r, "department_id")?.map(DepartmentId),
                    label,
                    created_at: Timestamp(get_i64(r, "created_at")?),
                })
            })
            .collect()
    }

    async fn assignment_subject(&self, company: CompanyId, id: i64) -> Result<Option<SubjectId>> {
        let r = sqlx::query(
            "SELECT subject_id FROM records_assignments WHERE company_id = $1 AND id = $2",
        )
        .bind(company.0)
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        r.map(|r| get_i64(&r, "subject_id").map(SubjectId))
            .transpose()
    }

    async fn insert_assignment(
        &self,
        company: CompanyId,
        subject: SubjectId,
        who: &Assignee,
        mut audit: AuditDraft,
    ) -> Result<i64> {
        let (user, role, dept) = match who {
            Assignee::User(u) => (Some(u.0), None, None),
            Assignee::Role(k) => (None, Some(k.clone()), None),
            Assignee::Department(d) => (None, None, Some(d.0)),
        };
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO records_assignments (company_id, subject_id, user_id, role_key, \
             department_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(company.0)
        .bind(subject.0)
        .bind(user)
        .bind(role)
        .bind(dept)
        .bind(audit.actor_id.map(|u| u.0))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&r, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn delete_assignment(
        &self,
        company: CompanyId,
        subject: SubjectId,
        id: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "DELETE FROM records_assignments WHERE company_id = $1 AND subject_id = $2 AND id = $3",
        )
        .bind(company.0)
        .bind(subject.0)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Err(Error::NotFound {
                entity: "assignment",
            });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn break_glass_until(
        &self,
        company: CompanyId,
        subject: SubjectId,
        user: UserId,
        now: Timestamp,
    ) -> Result<Option<Timestamp>> {
        let r = sqlx::query(
            "SELECT MAX(expires_at) AS until FROM records_break_glass \
             WHERE company_id = $1 AND subject_id = $2 AND user_id = $3 AND expires_at > $4",
        )
        .bind(company.0)
        .bind(subject.0)
        .bind(user.0)
        .bind(now.0)
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        Ok(opt_i64(&r, "until")?.map(Timestamp))
    }

    async fn member_name(&self, company: CompanyId, user: UserId) -> Result<Option<String>> {
        let r = sqlx::query(
            "SELECT u.display_name FROM users u JOIN memberships m ON m.user_id = u.id \
             WHERE m.company_id = $1 AND u.id = $2 AND u.disabled = 0 \
             AND (m.valid_until IS NULL OR m.valid_until > $3)",
        )
        .bind(company.0)
        .bind(user.0)
        .bind(Timestamp::now().0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        r.map(|r| get_str(&r, "display_name")).transpose()
    }

    async fn role_exists(&self, company: CompanyId, key: &str) -> Result<bool> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n FROM roles WHERE key = $1 AND (company_id IS NULL OR company_id = $2)",
        )
        .bind(key)
        .bind(company.0)
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        Ok(get_i64(&r, "n")? > 0)
    }

    async fn department_exists(&self, company: CompanyId, id: DepartmentId) -> Result<bool> {
        let r =
            sqlx::query("SELECT COUNT(*) AS n FROM departments WHERE company_id = $1 AND id = $2")
                .bind(company.0)
                .bind(id.0)
                .fetch_one(&self.read)
                .await
                .map_err(db)?;
        Ok(get_i64(&r, "n")? > 0)
    }
}
