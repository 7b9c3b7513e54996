//! Tasks and delegation: `work_tasks` with watchers, checklist items, comments and the
//! assignment history (`work_task_assignments`: who held a task when), checklist templates
//! and recurring rules. Lists are narrowed to the actor's scope in the query. Recurring
//! occurrences are unique per (rule, date), so running the recurrence job twice is harmless.
use chrono::NaiveDate;
use sea_query::{Alias, Cond, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use steward_core::audit::AuditDraft;
use steward_core::ids::{CompanyId, DepartmentId, UserId};
use steward_core::ledger::{day_from_key, day_key};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::work::tasks::{
    Assignment, ChecklistItem, ChecklistItemId, Comment, NewRule, NewTask, NewTemplate, Person,
    Priority, RuleId, StatusFilter, Task, TaskId, TaskQuery, TaskRule, TaskScope, TaskSort,
    TaskStatus, TaskStore, TaskSummary, TaskTemplate, TaskUpdate, TemplateId, TemplateItem,
    WorkloadRow,
};
use steward_core::work::RecordRef;
use steward_core::{Error, Result};

use crate::sql::like_pattern;
use crate::sql::{col, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

type Tx = Transaction<'static, Any>;

fn a(s: &str) -> Alias {
    Alias::new(s)
}

fn bad_row(what: &str) -> Error {
    Error::Internal(format!("work_tasks: unreadable {what} in the database"))
}

fn opt_day(r: &AnyRow, c: &str) -> Result<Option<NaiveDate>> {
    opt_i64(r, c)?
        .map(|k| day_from_key(k).ok_or_else(|| bad_row(c)))
        .transpose()
}

fn priority_of(r: &AnyRow) -> Result<Priority> {
    Priority::from_rank(get_i64(r, "priority")?).ok_or_else(|| bad_row("priority"))
}

fn status_of(r: &AnyRow) -> Result<TaskStatus> {
    TaskStatus::parse(&get_str(r, "status")?).ok_or_else(|| bad_row("status"))
}

fn link_of(r: &AnyRow) -> Result<Option<RecordRef>> {
    Ok(match (opt_str(r, "link_kind")?, opt_i64(r, "link_id")?) {
        (Some(k), Some(id)) => Some(RecordRef { kind: k, id }),
        _ => None,
    })
}

fn name_of(r: &AnyRow, c: &str) -> Result<String> {
    Ok(opt_str(r, c)?.unwrap_or_default())
}

/// The condition "the user owns, holds or watches the task `t`".
fn involving(user: UserId) -> Cond {
    let mut watch = Query::select();
    watch
        .expr(Expr::val(1))
        .from_as(a("work_task_watchers"), a("w"))
        .and_where(col("w", "task_id").equals((a("t"), a("id"))))
        .and_where(col("w", "user_id").eq(user.0));
    Cond::any()
        .add(col("t", "owner_id").eq(user.0))
        .add(col("t", "assignee_id").eq(user.0))
        .add(Expr::exists(watch))
}

/// The columns of a task in a list (with owner and assignee names and checklist progress),
/// filtered by scope and query; the caller orders it.
fn summary_select(company: CompanyId, scope: TaskScope, q: &TaskQuery) -> SelectStatement {
    let mut s = Query::select();
    filtered(company, scope, q, &mut s);
    for c in SUMMARY_COLUMNS {
        s.column((a("t"), a(c)));
    }
    s.join_as(
        sea_query::JoinType::LeftJoin,
        a("users"),
        a("o"),
        col("o", "id").equals((a("t"), a("owner_id"))),
    )
    .join_as(
        sea_query::JoinType::LeftJoin,
        a("users"),
        a("s"),
        col("s", "id").equals((a("t"), a("assignee_id"))),
    )
    .expr_as(col("o", "display_name"), a("owner_name"))
    .expr_as(col("s", "display_name"), a("assignee_name"))
    // Static SQL (no client text): the checklist's progress per row.
    .expr_as(
        Expr::cust(
            "(SELECT COUNT(*) FROM work_task_checklist c WHERE c.task_id = t.id AND c.done = 1)",
        ),
        a("checklist_done"),
    )
    .expr_as(
        Expr::cust("(SELECT COUNT(*) FROM work_task_checklist c WHERE c.task_id = t.id)"),
        a("checklist_total"),
    );
    s
}

fn scope_cond(scope: TaskScope) -> Option<Cond> {
    match scope {
        TaskScope::Company => None,
        TaskScope::Own { user } => Some(involving(user)),
        TaskScope::Department { department, user } => {
            let mut c = involving(user);
            if let Some(d) = department {
                let mut team = Query::select();
                team.expr(Expr::val(1))
                    .from_as(a("memberships"), a("m"))
                    .and_where(col("m", "company_id").equals((a("t"), a("company_id"))))
                    .and_where(col("m", "department_id").eq(d.0))
                    .cond_where(
                        Cond::any()
                            .add(col("m", "user_id").equals((a("t"), a("owner_id"))))
                            .add(col("m", "user_id").equals((a("t"), a("assignee_id")))),
                    );
                c = c.add(Expr::exists(team));
            }
            Some(c)
        }
    }
}

const ACTIVE: [&str; 3] = ["open", "in_progress", "waiting"];

fn filtered(company: CompanyId, scope: TaskScope, q: &TaskQuery, s: &mut SelectStatement) {
    s.from_as(a("work_tasks"), a("t"))
        .and_where(col("t", "company_id").eq(company.0));
    if let Some(c) = scope_cond(scope) {
        s.cond_where(c);
    }
    if let Some(t) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let p = like_pattern(t);
        let like = |c: &str| {
            Expr::expr(Func::lower(col("t", c)))
                .like(sea_query::LikeExpr::new(p.clone()).escape('\\'))
        };
        s.cond_where(Cond::any().add(like("title")).add(like("description")));
    }
    match q.status {
        StatusFilter::Any => {}
        StatusFilter::Active => {
            s.and_where(col("t", "status").is_in(ACTIVE));
        }
        StatusFilter::One(st) => {
            s.and_where(col("t", "status").eq(st.as_str()));
        }
    }
    if let Some(u) = q.assignee {
        s.and_where(col("t", "assignee_id").eq(u.0));
    }
    if let Some(u) = q.owner {
        s.and_where(col("t", "owner_id").eq(u.0));
    }
    if let Some(u) = q.involving {
        s.cond_where(involving(u));
    }
    if let Some(p) = q.priority {
        s.and_where(col("t", "priority").eq(p.rank()));
    }
    if q.overdue {
        let today = q.today.unwrap_or_else(steward_core::work::tasks::today);
        s.and_where(col("t", "status").is_in(ACTIVE))
            .and_where(col("t", "due").lt(day_key(today)));
    }
    if let Some(l) = &q.link {
        s.and_where(col("t", "link_kind").eq(l.kind.as_str()))
            .and_where(col("t", "link_id").eq(l.id));
    }
}

const SUMMARY_COLUMNS: [&str; 11] = [
    "id",
    "title",
    "owner_id",
    "assignee_id",
    "due",
    "priority",
    "status",
    "link_kind",
    "link_id",
    "updated_at",
    "version",
];

fn summary_of(r: &AnyRow) -> Result<TaskSummary> {
    Ok(TaskSummary {
        id: TaskId(get_i64(r, "id")?),
        title: get_str(r, "title")?,
        owner_id: UserId(get_i64(r, "owner_id")?),
        owner_name: name_of(r, "owner_name")?,
        assignee_id: opt_i64(r, "assignee_id")?.map(UserId),
        assignee_name: name_of(r, "assignee_name")?,
        due: opt_day(r, "due")?,
        priority: priority_of(r)?,
        status: status_of(r)?,
        link: link_of(r)?,
        checklist_done: get_i64(r, "checklist_done")?,
        checklist_total: get_i64(r, "checklist_total")?,
        updated_at: Timestamp(get_i64(r, "updated_at")?),
        version: get_i64(r, "version")?,
    })
}

fn text_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(Error::internal)
}

async fn current_version(tx: &mut Tx, company: CompanyId, id: TaskId) -> Result<Option<i64>> {
    let r = sqlx::query("SELECT version FROM work_tasks WHERE id = $1 AND company_id = $2")
        .bind(id.0)
        .bind(company.0)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?;
    r.map(|r| get_i64(&r, "version")).transpose()
}

/// Bumps the version (checked) and the update time; NotFound or Conflict otherwise.
async fn touch(tx: &mut Tx, company: CompanyId, id: TaskId, expected: Option<i64>) -> Result<()> {
    let now = Timestamp::now().0;
    let n = match expected {
        Some(v) => sqlx::query(
            "UPDATE work_tasks SET version = version + 1, updated_at = $1 WHERE id = $2 AND company_id = $3 AND version = $4",
        )
        .bind(now)
        .bind(id.0)
        .bind(company.0)
        .bind(v)
        .execute(&mut **tx)
        .await
        .map_err(db)?
        .rows_affected(),
        None => sqlx::query(
            "UPDATE work_tasks SET version = version + 1, updated_at = $1 WHERE id = $2 AND company_id = $3",
        )
        .bind(now)
        .bind(id.0)
        .bind(company.0)
        .execute(&mut **tx)
        .await
        .map_err(db)?
        .rows_affected(),
    };
    if n == 1 {
        return Ok(());
    }
    match current_version(tx, company, id).await? {
        None => Err(Error::NotFound { entity: "task" }),
        Some(_) => Err(Error::conflict(
            "the task was changed by someone else since you read it; reload and try again",
        )),
    }
}

async fn insert_task(
    tx: &mut Tx,
    company: CompanyId,
    t: &NewTask,
    now: i64,
) -> Result<Option<TaskId>> {
    let row = sqlx::query(
        "INSERT INTO work_tasks (company_id, title, description, owner_id, assignee_id, due, priority, status, \
         link_kind, link_id, template_id, rule_id, occurrence, created_by, created_at, updated_at, completed_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, 1) \
         ON CONFLICT (rule_id, occurrence) DO NOTHING RETURNING id",
    )
    .bind(company.0)
    .bind(&t.title)
    .bind(&t.description)
    .bind(t.owner_id.0)
    .bind(t.assignee_id.map(|u| u.0))
    .bind(t.due.map(day_key))
    .bind(t.priority.rank())
    .bind(t.status.as_str())
    .bind(t.link.as_ref().map(|l| l.kind.clone()))
    .bind(t.link.as_ref().map(|l| l.id))
    .bind(t.template_id.map(|x| x.0))
    .bind(t.rule_id.map(|x| x.0))
    .bind(t.occurrence.map(day_key))
    .bind(t.created_by.map(|u| u.0))
    .bind(now)
    .bind(t.status.is_closed().then_some(now))
    .fetch_optional(&mut **tx)
    .await
    .map_err(db)?;
    let Some(row) = row else { return Ok(None) };
    let id = get_i64(&row, "id")?;
    for w in &t.watchers {
        sqlx::query("INSERT INTO work_task_watchers (task_id, user_id) VALUES ($1, $2)")
            .bind(id)
            .bind(w.0)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
    }
    for (i, text) in t.checklist.iter().enumerate() {
        sqlx::query("INSERT INTO work_task_checklist (task_id, position, text, done) VALUES ($1, $2, $3, 0)")
            .bind(id)
            .bind(i as i64)
            .bind(text)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
    }
    sqlx::query(
        "INSERT INTO work_task_assignments (task_id, assignee_id, assigned_by, note, from_at) VALUES ($1, $2, $3, '', $4)",
    )
    .bind(id)
    .bind(t.assignee_id.map(|u| u.0))
    .bind(t.created_by.map(|u| u.0))
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(Some(TaskId(id)))
}

fn rule_of(r: &AnyRow) -> Result<TaskRule> {
    Ok(TaskRule {
        id: RuleId(get_i64(r, "id")?),
        company_id: CompanyId(get_i64(r, "company_id")?),
        title: get_str(r, "title")?,
        description: get_str(r, "description")?,
        rrule: get_str(r, "rrule")?,
        start: day_from_key(get_i64(r, "start_date")?).ok_or_else(|| bad_row("start_date"))?,
        owner_id: UserId(get_i64(r, "owner_id")?),
        owner_name: name_of(r, "owner_name")?,
        assignee_id: opt_i64(r, "assignee_id")?.map(UserId),
        assignee_name: name_of(r, "assignee_name")?,
        priority: priority_of(r)?,
        checklist: serde_json::from_str(&get_str(r, "checklist")?)
            .map_err(|_| bad_row("checklist"))?,
        active: get_i64(r, "active")? != 0,
        created_at: Timestamp(get_i64(r, "created_at")?),
        version: get_i64(r, "version")?,
    })
}

const RULE_SELECT: &str = "SELECT r.id, r.company_id, r.title, r.description, r.rrule, r.start_date, r.owner_id, \
     o.display_name AS owner_name, r.assignee_id, s.display_name AS assignee_name, r.priority, r.checklist, \
     r.active, r.created_at, r.version \
     FROM work_task_rules r LEFT JOIN users o ON o.id = r.owner_id LEFT JOIN users s ON s.id = r.assignee_id";

impl TaskStore for Store {
    async fn task_people(&self, company: CompanyId) -> Result<Vec<Person>> {
        let rows = sqlx::query(
            "SELECT u.id, u.username, u.display_name, m.department_id FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.company_id = $1 AND u.disabled = 0 AND (m.valid_until IS NULL OR m.valid_until > $2) \
             ORDER BY u.display_name, u.id",
        )
        .bind(company.0)
        .bind(Timestamp::now().0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Person {
                    id: UserId(get_i64(r, "id")?),
                    username: get_str(r, "username")?,
                    display_name: get_str(r, "display_name")?,
                    department_id: opt_i64(r, "department_id")?.map(DepartmentId),
                })
            })
            .collect()
    }

    async fn first_user_with_role(
        &self,
        company: CompanyId,
        role_key: &str,
    ) -> Result<Option<UserId>> {
        let row = sqlx::query(
            "SELECT MIN(u.id) AS id FROM user_roles ur JOIN roles r ON r.id = ur.role_id \
             JOIN memberships m ON m.user_id = ur.user_id AND m.company_id = ur.company_id \
             JOIN users u ON u.id = ur.user_id \
             WHERE ur.company_id = $1 AND r.key = $2 AND (r.company_id IS NULL OR r.company_id = $1) \
             AND u.disabled = 0 AND (m.valid_until IS NULL OR m.valid_until > $3)",
        )
        .bind(company.0)
        .bind(role_key)
        .bind(Timestamp::now().0)
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        Ok(opt_i64(&row, "id")?.map(UserId))
    }

    async fn insert_tasks(
        &self,
        company: CompanyId,
        tasks: &[NewTask],
        audit: Vec<AuditDraft>,
    ) -> Result<Vec<Option<TaskId>>> {
        if audit.len() != tasks.len() {
            return Err(Error::internal("insert_tasks: one audit event per task"));
        }
        let mut tx = self.begin().await?;
        let now = Timestamp::now().0;
        let mut out = Vec::with_capacity(tasks.len());
        for (t, mut ev) in tasks.iter().zip(audit) {
            let id = insert_task(&mut tx, company, t, now).await?;
            if let Some(id) = id {
                ev.entity_id = Some(id.to_string());
                append_audit(&mut tx, ev).await?;
            }
            out.push(id);
        }
        tx.commit().await.map_err(db)?;
        Ok(out)
    }

    async fn get_task(&self, company: CompanyId, id: TaskId) -> Result<Option<Task>> {
        let row = sqlx::query(
            "SELECT t.*, o.display_name AS owner_name, s.display_name AS assignee_name, \
             om.department_id AS owner_department, sm.department_id AS assignee_department \
             FROM work_tasks t LEFT JOIN users o ON o.id = t.owner_id LEFT JOIN users s ON s.id = t.assignee_id \
             LEFT JOIN memberships om ON om.user_id = t.owner_id AND om.company_id = t.company_id \
             LEFT JOIN memberships sm ON sm.user_id = t.assignee_id AND sm.company_id = t.company_id \
             WHERE t.id = $1 AND t.company_id = $2",
        )
        .bind(id.0)
        .bind(company.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        let Some(r) = row else { return Ok(None) };
        let watchers = sqlx::query(
            "SELECT w.user_id, u.display_name FROM work_task_watchers w JOIN users u ON u.id = w.user_id \
             WHERE w.task_id = $1 ORDER BY u.display_name, w.user_id",
        )
        .bind(id.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|w| Ok((UserId(get_i64(w, "user_id")?), get_str(w, "display_name")?)))
        .collect::<Result<Vec<_>>>()?;
        let checklist = sqlx::query(
            "SELECT id, text, done, done_at FROM work_task_checklist WHERE task_id = $1 ORDER BY position, id",
        )
        .bind(id.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|c| {
            Ok(ChecklistItem {
                id: ChecklistItemId(get_i64(c, "id")?),
                text: get_str(c, "text")?,
                done: get_i64(c, "done")? != 0,
                done_at: opt_i64(c, "done_at")?.map(Timestamp),
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(Some(Task {
            id,
            company_id: company,
            title: get_str(&r, "title")?,
            description: get_str(&r, "description")?,
            owner_id: UserId(get_i64(&r, "owner_id")?),
            owner_name: name_of(&r, "owner_name")?,
            owner_department: opt_i64(&r, "owner_department")?.map(DepartmentId),
            assignee_id: opt_i64(&r, "assignee_id")?.map(UserId),
            assignee_name: name_of(&r, "assignee_name")?,
            assignee_department: opt_i64(&r, "assignee_department")?.map(DepartmentId),
            watchers,
            due: opt_day(&r, "due")?,
            priority: priority_of(&r)?,
            status: status_of(&r)?,
            link: link_of(&r)?,
            checklist,
            template_id: opt_i64(&r, "template_id")?.map(TemplateId),
            rule_id: opt_i64(&r, "rule_id")?.map(RuleId),
            created_at: Timestamp(get_i64(&r, "created_at")?),
            updated_at: Timestamp(get_i64(&r, "updated_at")?),
            completed_at: opt_i64(&r, "completed_at")?.map(Timestamp),
            version: get_i64(&r, "version")?,
        }))
    }

    async fn list_tasks(
        &self,
        company: CompanyId,
        scope: TaskScope,
        q: &TaskQuery,
    ) -> Result<Page<TaskSummary>> {
        let mut count = Query::select();
        filtered(company, scope, q, &mut count);
        count.expr_as(count_all(), a("n"));

        let mut s = summary_select(company, scope, q);
        let order = match q.dir {
            SortDir::Asc => Order::Asc,
            SortDir::Desc => Order::Desc,
        };
        let due_last = || Expr::cust("CASE WHEN t.due IS NULL THEN 1 ELSE 0 END");
        match q.sort {
            TaskSort::Due => {
                s.order_by_expr(due_last(), Order::Asc)
                    .order_by((a("t"), a("due")), order.clone())
                    .order_by((a("t"), a("priority")), Order::Desc);
            }
            TaskSort::Priority => {
                s.order_by((a("t"), a("priority")), order.clone())
                    .order_by_expr(due_last(), Order::Asc)
                    .order_by((a("t"), a("due")), Order::Asc);
            }
            TaskSort::Title => {
                s.order_by((a("t"), a("title")), order.clone());
            }
            TaskSort::Status => {
                s.order_by((a("t"), a("status")), order.clone());
            }
            TaskSort::Assignee => {
                s.order_by_expr(
                    Func::coalesce([col("s", "display_name"), Expr::val("")]).into(),
                    order.clone(),
                );
            }
            TaskSort::Created => {
                s.order_by((a("t"), a("created_at")), order.clone());
            }
            TaskSort::Updated => {
                s.order_by((a("t"), a("updated_at")), order.clone());
            }
        }
        s.order_by((a("t"), a("id")), order);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        let items = rows.iter().map(summary_of).collect::<Result<_>>()?;
        Ok(Page {
            items,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn update_task(
        &self,
        company: CompanyId,
        id: TaskId,
        u: &TaskUpdate,
        expected_version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        touch(&mut tx, company, id, Some(expected_version)).await?;
        let now = Timestamp::now().0;
        sqlx::query(
            "UPDATE work_tasks SET title = $1, description = $2, due = $3, priority = $4, status = $5, link_kind = $6, link_id = $7, \
             completed_at = CASE WHEN $8 = 1 THEN COALESCE(completed_at, $9) ELSE NULL END \
             WHERE id = $10 AND company_id = $11",
        )
        .bind(&u.title)
        .bind(&u.description)
        .bind(u.due.map(day_key))
        .bind(u.priority.rank())
        .bind(u.status.as_str())
        .bind(u.link.as_ref().map(|l| l.kind.clone()))
        .bind(u.link.as_ref().map(|l| l.id))
        .bind(i64::from(u.status.is_closed()))
        .bind(now)
        .bind(id.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query("DELETE FROM work_task_watchers WHERE task_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for w in &u.watchers {
            sqlx::query("INSERT INTO work_task_watchers (task_id, user_id) VALUES ($1, $2)")
                .bind(id.0)
                .bind(w.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn reassign_task(
        &self,
        company: CompanyId,
        id: TaskId,
        to: Option<UserId>,
        by: Option<UserId>,
        note: &str,
        expected_version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        touch(&mut tx, company, id, Some(expected_version)).await?;
        let now = Timestamp::now().0;
        sqlx::query("UPDATE work_tasks SET assignee_id = $1 WHERE id = $2 AND company_id = $3")
            .bind(to.map(|u| u.0))
            .bind(id.0)
            .bind(company.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("UPDATE work_task_assignments SET until_at = $1 WHERE task_id = $2 AND until_at IS NULL")
            .bind(now)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO work_task_assignments (task_id, assignee_id, assigned_by, note, from_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.0)
        .bind(to.map(|u| u.0))
        .bind(by.map(|u| u.0))
        .bind(note)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn task_assignments(&self, company: CompanyId, id: TaskId) -> Result<Vec<Assignment>> {
        let rows = sqlx::query(
            "SELECT h.assignee_id, s.display_name AS assignee_name, h.assigned_by, b.display_name AS by_name, h.note, h.from_at, h.until_at \
             FROM work_task_assignments h JOIN work_tasks t ON t.id = h.task_id \
             LEFT JOIN users s ON s.id = h.assignee_id LEFT JOIN users b ON b.id = h.assigned_by \
             WHERE h.task_id = $1 AND t.company_id = $2 ORDER BY h.id",
        )
        .bind(id.0)
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Assignment {
                    assignee_id: opt_i64(r, "assignee_id")?.map(UserId),
                    assignee_name: name_of(r, "assignee_name")?,
                    assigned_by: opt_i64(r, "assigned_by")?.map(UserId),
                    assigned_by_name: name_of(r, "by_name")?,
                    note: get_str(r, "note")?,
                    from: Timestamp(get_i64(r, "from_at")?),
                    until: opt_i64(r, "until_at")?.map(Timestamp),
                })
            })
            .collect()
    }

    async fn task_comments(&self, company: CompanyId, id: TaskId) -> Result<Vec<Comment>> {
        let rows = sqlx::query(
            "SELECT c.id, c.author_id, u.display_name AS author_name, c.body, c.created_at \
             FROM work_task_comments c JOIN work_tasks t ON t.id = c.task_id LEFT JOIN users u ON u.id = c.author_id \
             WHERE c.task_id = $1 AND t.company_id = $2 ORDER BY c.id",
        )
        .bind(id.0)
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Comment {
                    id: get_i64(r, "id")?,
                    author_id: opt_i64(r, "author_id")?.map(UserId),
                    author_name: opt_str(r, "author_name")?.unwrap_or_else(|| "Steward".into()),
                    body: get_str(r, "body")?,
                    created_at: Timestamp(get_i64(r, "created_at")?),
                })
            })
            .collect()
    }

    async fn add_task_comment(
        &self,
        company: CompanyId,
        id: TaskId,
        author: Option<UserId>,
        body: &str,
        audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        touch(&mut tx, company, id, None).await?;
        let row = sqlx::query(
            "INSERT INTO work_task_comments (task_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(id.0)
        .bind(author.map(|u| u.0))
        .bind(body)
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let cid = get_i64(&row, "id")?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(cid)
    }

    async fn add_checklist_item(
        &self,
        company: CompanyId,
        id: TaskId,
        text: &str,
        audit: AuditDraft,
    ) -> Result<ChecklistItemId> {
        let mut tx = self.begin().await?;
        touch(&mut tx, company, id, None).await?;
        let row = sqlx::query(
            "INSERT INTO work_task_checklist (task_id, position, text, done) \
             VALUES ($1, (SELECT COALESCE(MAX(position), -1) + 1 FROM work_task_checklist WHERE task_id = $1), $2, 0) RETURNING id",
        )
        .bind(id.0)
        .bind(text)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let item = get_i64(&row, "id")?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(ChecklistItemId(item))
    }

    async fn set_checklist_item(
        &self,
        company: CompanyId,
        id: TaskId,
        item: ChecklistItemId,
        done: bool,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        touch(&mut tx, company, id, None).await?;
        let now = Timestamp::now().0;
        let n = sqlx::query(
            "UPDATE work_task_checklist SET done = $1, done_by = $2, done_at = $3 WHERE id = $4 AND task_id = $5",
        )
        .bind(i64::from(done))
        .bind(if done { by.map(|u| u.0) } else { None })
        .bind(done.then_some(now))
        .bind(item.0)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Err(Error::NotFound {
                entity: "checklist item",
            });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn workload_tasks(
        &self,
        company: CompanyId,
        scope: TaskScope,
        today: NaiveDate,
        per_person: u32,
    ) -> Result<Vec<TaskSummary>> {
        let q = TaskQuery {
            status: StatusFilter::Active,
            ..Default::default()
        };
        let mut s = summary_select(company, scope, &q);
        s.and_where(col("t", "assignee_id").is_not_null());
        // Each person's most pressing tasks in one query: overdue first, then by due date
        // (none last), then by priority. Integers we computed, never client text.
        s.expr_as(
            Expr::cust(format!(
                "ROW_NUMBER() OVER (PARTITION BY t.assignee_id ORDER BY \
                 CASE WHEN t.due < {} THEN 0 ELSE 1 END, \
                 CASE WHEN t.due IS NULL THEN 1 ELSE 0 END, t.due, t.priority DESC, t.id)",
                day_key(today)
            )),
            a("rn"),
        );
        let (inner, values) = crate::sql::build(self.backend(), &s);
        let sql = format!(
            "SELECT * FROM ({inner}) AS w WHERE w.rn <= {} ORDER BY w.assignee_id, w.rn",
            Ord::max(per_person, 1)
        );
        crate::sql::bind_values(sqlx::query(&sql), values)
            .fetch_all(&self.read)
            .await
            .map_err(db)?
            .iter()
            .map(summary_of)
            .collect()
    }

    async fn workload(
        &self,
        company: CompanyId,
        scope: TaskScope,
        today: NaiveDate,
    ) -> Result<Vec<WorkloadRow>> {
        let q = TaskQuery {
            status: StatusFilter::Active,
            ..Default::default()
        };
        let mut s = Query::select();
        filtered(company, scope, &q, &mut s);
        s.and_where(col("t", "assignee_id").is_not_null())
            .join_as(
                sea_query::JoinType::InnerJoin,
                a("users"),
                a("s"),
                col("s", "id").equals((a("t"), a("assignee_id"))),
            )
            .column((a("t"), a("assignee_id")))
            .expr_as(Func::max(col("s", "display_name")), a("name"))
            .expr_as(col("t", "id").count(), a("open"))
            // Integers we computed, never client text. SUM is NUMERIC on PostgreSQL: cast.
            .expr_as(
                Expr::cust(format!(
                    "CAST(SUM(CASE WHEN t.due < {} THEN 1 ELSE 0 END) AS BIGINT)",
                    day_key(today)
                )),
                a("overdue"),
            )
            .expr_as(
                Expr::cust("CAST(SUM(CASE WHEN t.priority = 4 THEN 1 ELSE 0 END) AS BIGINT)"),
                a("urgent"),
            )
            .expr_as(
                Expr::cust("CAST(SUM(CASE WHEN t.priority = 3 THEN 1 ELSE 0 END) AS BIGINT)"),
                a("high"),
            )
            .expr_as(Func::min(col("t", "due")), a("next_due"))
            .group_by_col((a("t"), a("assignee_id")));
        let rows = self.fetch_all(&s).await?;
        rows.iter()
            .map(|r| {
                let num = |c: &str| get_i64(r, c);
                Ok(WorkloadRow {
                    user_id: UserId(get_i64(r, "assignee_id")?),
                    name: name_of(r, "name")?,
                    open: num("open")?,
                    overdue: num("overdue")?,
                    urgent: num("urgent")?,
                    high: num("high")?,
                    next_due: opt_day(r, "next_due")?,
                })
            })
            .collect()
    }

    async fn task_templates(&self, company: CompanyId) -> Result<Vec<TaskTemplate>> {
        let rows = sqlx::query(
            "SELECT id, key, name, description, items, created_at FROM work_task_templates WHERE company_id = $1 ORDER BY name, id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let items: Vec<TemplateItem> = serde_json::from_str(&get_str(r, "items")?)
                    .map_err(|_| bad_row("template items"))?;
                Ok(TaskTemplate {
                    id: TemplateId(get_i64(r, "id")?),
                    key: opt_str(r, "key")?,
                    name: get_str(r, "name")?,
                    description: get_str(r, "description")?,
                    items,
                    created_at: Timestamp(get_i64(r, "created_at")?),
                })
            })
            .collect()
    }

    async fn ensure_templates(&self, company: CompanyId, templates: &[NewTemplate]) -> Result<()> {
        let have: Vec<String> = sqlx::query(
            "SELECT key FROM work_task_templates WHERE company_id = $1 AND key IS NOT NULL",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| get_str(r, "key"))
        .collect::<Result<_>>()?;
        let missing: Vec<&NewTemplate> = templates
            .iter()
            .filter(|t| t.key.as_ref().is_some_and(|k| !have.contains(k)))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for t in missing {
            let row = sqlx::query(
                "INSERT INTO work_task_templates (company_id, key, name, description, items, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(company.0)
            .bind(&t.key)
            .bind(&t.name)
            .bind(&t.description)
            .bind(text_json(&t.items)?)
            .bind(Timestamp::now().0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            if let Some(r) = row {
                let id = get_i64(&r, "id")?;
                let ev = AuditDraft::system(
                    "steward",
                    None,
                    "work_task_template",
                    Some(id.to_string()),
                    "create",
                    serde_json::json!({"name": t.name, "key": t.key, "builtin": true}),
                )
                .in_company(company);
                append_audit(&mut tx, ev).await?;
            }
        }
        tx.commit().await.map_err(db)
    }

    async fn insert_template(
        &self,
        company: CompanyId,
        t: &NewTemplate,
        mut audit: AuditDraft,
    ) -> Result<TemplateId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO work_task_templates (company_id, key, name, description, items, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(company.0)
        .bind(&t.key)
        .bind(&t.name)
        .bind(&t.description)
        .bind(text_json(&t.items)?)
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&row, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(TemplateId(id))
    }

    async fn task_rules(&self, company: CompanyId) -> Result<Vec<TaskRule>> {
        let rows = sqlx::query(&format!(
            "{RULE_SELECT} WHERE r.company_id = $1 ORDER BY r.title, r.id"
        ))
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(rule_of).collect()
    }

    async fn active_task_rules(&self) -> Result<Vec<TaskRule>> {
        let rows = sqlx::query(&format!("{RULE_SELECT} WHERE r.active = 1 ORDER BY r.id"))
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(rule_of).collect()
    }

    async fn insert_rule(
        &self,
        company: CompanyId,
        r: &NewRule,
        mut audit: AuditDraft,
    ) -> Result<RuleId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO work_task_rules (company_id, title, description, rrule, start_date, owner_id, assignee_id, priority, checklist, active, created_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, 1) RETURNING id",
        )
        .bind(company.0)
        .bind(&r.title)
        .bind(&r.description)
        .bind(&r.rrule)
        .bind(day_key(r.start))
        .bind(r.owner_id.0)
        .bind(r.assignee_id.map(|u| u.0))
        .bind(r.priority.rank())
        .bind(text_json(&r.checklist)?)
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&row, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(RuleId(id))
    }

    async fn set_rule_active(
        &self,
        company: CompanyId,
        id: RuleId,
        active: bool,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE work_task_rules SET active = $1, version = version + 1 WHERE id = $2 AND company_id = $3",
        )
        .bind(i64::from(active))
        .bind(id.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Err(Error::NotFound {
                entity: "recurring task",
            });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
