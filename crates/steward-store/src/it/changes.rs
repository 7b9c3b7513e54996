//! Planned changes (with checklist and assets) and maintenance schedules (with assets and
//! log); see `steward_core::it::{changes, maintenance}`. A list reads its page, then the
//! page's checklists and assets in one statement each.
use chrono::NaiveDate;
use sea_query::{Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use std::collections::HashMap;
use steward_core::audit::AuditDraft;
use steward_core::hr::{day_from_key, day_key};
use steward_core::ids::{AssetId, CompanyId, UserId};
use steward_core::it::changes::{
    AssetRef, Change, ChangeQuery, ChangeSort, ChangeStatus, ChangeStore, ChecklistItem, NewChange,
    Risk,
};
use steward_core::it::maintenance::{
    DueSchedule, LogEntry, MaintenanceStore, NewSchedule, Schedule, ScheduleQuery, ScheduleSort,
};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::{a, bad};
use crate::sql::{col, contains_any, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

fn day(r: &AnyRow, c: &str) -> Result<Option<NaiveDate>> {
    opt_i64(r, c)?
        .map(|k| day_from_key(k).ok_or_else(|| bad(c)))
        .transpose()
}

/// `1,2,3` for an `IN` list of ids we read (numbers, never typed text).
fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The assets linked to each owner through `table` (`it_change_assets` by `change_id`,
/// `it_maintenance_assets` by `schedule_id`).
async fn linked_assets(
    store: &Store,
    table: &str,
    key: &str,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<AssetRef>>> {
    let mut out: HashMap<i64, Vec<AssetRef>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT l.{key} AS owner, t.id, t.tag, t.name FROM {table} l JOIN it_assets t ON t.id = l.asset_id \
         WHERE l.{key} IN ({}) ORDER BY t.tag",
        id_list(ids)
    );
    for r in sqlx::query(&sql)
        .fetch_all(&store.read)
        .await
        .map_err(db)?
        .iter()
    {
        out.entry(get_i64(r, "owner")?).or_default().push(AssetRef {
            id: AssetId(get_i64(r, "id")?),
            tag: get_str(r, "tag")?,
            name: get_str(r, "name")?,
        });
    }
    Ok(out)
}

async fn set_assets(
    tx: &mut Tx,
    company: CompanyId,
    table: &str,
    key: &str,
    owner: i64,
    assets: &[AssetId],
) -> Result<()> {
    sqlx::query(&format!("DELETE FROM {table} WHERE {key} = $1"))
        .bind(owner)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    for asset in assets {
        sqlx::query(&format!(
            "INSERT INTO {table} (company_id, {key}, asset_id) VALUES ($1, $2, $3)"
        ))
        .bind(company.0)
        .bind(owner)
        .bind(asset.0)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(())
}

async fn known(store: &Store, company: CompanyId, ids: &[i64]) -> Result<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id FROM it_assets WHERE company_id = $1 AND id IN ({})",
        id_list(ids)
    );
    sqlx::query(&sql)
        .bind(company.0)
        .fetch_all(&store.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| get_i64(r, "id"))
        .collect()
}

fn dir_of(d: SortDir) -> Order {
    match d {
        SortDir::Asc => Order::Asc,
        SortDir::Desc => Order::Desc,
    }
}

// ---- changes ----

const CHANGE_COLUMNS: &[&str] = &[
    "id",
    "title",
    "description",
    "window_start",
    "window_end",
    "risk",
    "status",
    "approval_id",
    "decision_comment",
    "created_by",
    "version",
];

fn change_of(r: &AnyRow) -> Result<Change> {
    Ok(Change {
        id: get_i64(r, "id")?,
        title: get_str(r, "title")?,
        description: get_str(r, "description")?,
        window_start: Timestamp(get_i64(r, "window_start")?),
        window_end: Timestamp(get_i64(r, "window_end")?),
        risk: Risk::parse(&get_str(r, "risk")?).ok_or_else(|| bad("risk"))?,
        status: ChangeStatus::parse(&get_str(r, "status")?).ok_or_else(|| bad("status"))?,
        approval_id: opt_i64(r, "approval_id")?,
        decision_comment: get_str(r, "decision_comment")?,
        created_by: get_str(r, "created_by")?,
        checklist: Vec::new(),
        assets: Vec::new(),
        version: get_i64(r, "version")?,
    })
}

fn change_filter(company: CompanyId, q: &ChangeQuery, s: &mut SelectStatement) {
    s.from_as(a("it_changes"), a("c"))
        .and_where(col("c", "company_id").eq(company.0));
    if let Some(st) = q.status {
        s.and_where(col("c", "status").eq(st.as_str()));
    }
    if let Some(r) = q.risk {
        s.and_where(col("c", "risk").eq(r.as_str()));
    }
    if let Some(c) = contains_any(q.search.as_deref(), &[("c", "title"), ("c", "description")]) {
        s.cond_where(c);
    }
}

impl Store {
    /// Fills the changes' checklists and assets.
    async fn complete_changes(&self, changes: &mut [Change]) -> Result<()> {
        let ids: Vec<i64> = changes.iter().map(|c| c.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        let mut assets = linked_assets(self, "it_change_assets", "change_id", &ids).await?;
        let sql = format!(
            "SELECT id, change_id, position, text, done_by, done_at FROM it_change_items \
             WHERE change_id IN ({}) ORDER BY change_id, position, id",
            id_list(&ids)
        );
        let mut items: HashMap<i64, Vec<ChecklistItem>> = HashMap::new();
        for r in sqlx::query(&sql)
            .fetch_all(&self.read)
            .await
            .map_err(db)?
            .iter()
        {
            let done_at = opt_i64(r, "done_at")?.map(Timestamp);
            items
                .entry(get_i64(r, "change_id")?)
                .or_default()
                .push(ChecklistItem {
                    id: get_i64(r, "id")?,
                    position: get_i64(r, "position")?,
                    text: get_str(r, "text")?,
                    done: done_at.is_some(),
                    done_by: opt_str(r, "done_by")?,
                    done_at,
                });
        }
        for c in changes.iter_mut() {
            c.assets = assets.remove(&c.id).unwrap_or_default();
            c.checklist = items.remove(&c.id).unwrap_or_default();
        }
        Ok(())
    }
}

impl ChangeStore for Store {
    async fn list_changes(&self, company: CompanyId, q: &ChangeQuery) -> Result<Page<Change>> {
        let mut count = Query::select();
        change_filter(company, q, &mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        change_filter(company, q, &mut s);
        for c in CHANGE_COLUMNS {
            s.column((a("c"), a(c)));
        }
        let dir = dir_of(q.dir);
        match q.sort {
            ChangeSort::WindowStart => s.order_by((a("c"), a("window_start")), dir.clone()),
            ChangeSort::Title => {
                s.order_by_expr(Func::lower(col("c", "title")).into(), dir.clone())
            }
            ChangeSort::Risk => s.order_by_expr(
                Expr::cust("CASE c.risk WHEN 'low' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"),
                dir.clone(),
            ),
            ChangeSort::Status => s.order_by((a("c"), a("status")), dir.clone()),
            ChangeSort::Created => s.order_by((a("c"), a("id")), dir.clone()),
        };
        s.order_by((a("c"), a("id")), dir);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        let mut items = rows.iter().map(change_of).collect::<Result<Vec<_>>>()?;
        self.complete_changes(&mut items).await?;
        Ok(Page {
            items,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn change(&self, company: CompanyId, id: i64) -> Result<Option<Change>> {
        let sql = format!(
            "SELECT {} FROM it_changes WHERE company_id = $1 AND id = $2",
            CHANGE_COLUMNS.join(", ")
        );
        let Some(r) = sqlx::query(&sql)
            .bind(company.0)
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
        else {
            return Ok(None);
        };
        let mut one = vec![change_of(&r)?];
        self.complete_changes(&mut one).await?;
        Ok(one.pop())
    }

    async fn insert_change(
        &self,
        company: CompanyId,
        c: &NewChange,
        mut audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO it_changes (company_id, title, description, window_start, window_end, risk, status, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8) RETURNING id",
        )
        .bind(company.0)
        .bind(&c.title)
        .bind(&c.description)
        .bind(c.window_start.0)
        .bind(c.window_end.0)
        .bind(c.risk.as_str())
        .bind(&audit.actor)
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&r, "id")?;
        set_items(&mut tx, company, id, &c.checklist, 0).await?;
        set_assets(
            &mut tx,
            company,
            "it_change_assets",
            "change_id",
            id,
            &c.assets,
        )
        .await?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn update_change(
        &self,
        company: CompanyId,
        id: i64,
        c: &NewChange,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE it_changes SET title = $1, description = $2, window_start = $3, window_end = $4, \
             risk = $5, status = 'draft', version = version + 1 \
             WHERE company_id = $6 AND id = $7 AND version = $8 AND status IN ('draft', 'rejected')",
        )
        .bind(&c.title)
        .bind(&c.description)
        .bind(c.window_start.0)
        .bind(c.window_end.0)
        .bind(c.risk.as_str())
        .bind(company.0)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict(
                "the change was changed by someone else since you read it; reload and try again",
            ));
        }
        sqlx::query("DELETE FROM it_change_items WHERE change_id = $1 AND done_at IS NULL")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let kept = sqlx::query(
            "SELECT COALESCE(MAX(position), 0) AS p FROM it_change_items WHERE change_id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        set_items(&mut tx, company, id, &c.checklist, get_i64(&kept, "p")?).await?;
        set_assets(
            &mut tx,
            company,
            "it_change_assets",
            "change_id",
            id,
            &c.assets,
        )
        .await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn move_change(
        &self,
        company: CompanyId,
        id: i64,
        from: ChangeStatus,
        to: ChangeStatus,
        approval: Option<i64>,
        comment: Option<&str>,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE it_changes SET status = $1, approval_id = COALESCE($2, approval_id), \
             decision_comment = COALESCE($3, decision_comment), version = version + 1 \
             WHERE company_id = $4 AND id = $5 AND status = $6",
        )
        .bind(to.as_str())
        .bind(approval)
        .bind(comment)
        .bind(company.0)
        .bind(id)
        .bind(from.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict(
                "the change was moved by someone else since you read it; reload and try again",
            ));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn tick_change_item(
        &self,
        company: CompanyId,
        change: i64,
        item: i64,
        done: bool,
        by: &str,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let (by, at) = if done {
            (Some(by), Some(Timestamp::now().0))
        } else {
            (None, None)
        };
        let r = sqlx::query(
            "UPDATE it_change_items SET done_by = $1, done_at = $2 \
             WHERE company_id = $3 AND change_id = $4 AND id = $5",
        )
        .bind(by)
        .bind(at)
        .bind(company.0)
        .bind(change)
        .bind(item)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::NotFound {
                entity: "checklist item",
            });
        }
        sqlx::query(
            "UPDATE it_changes SET version = version + 1 WHERE company_id = $1 AND id = $2",
        )
        .bind(company.0)
        .bind(change)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn known_assets(&self, company: CompanyId, ids: &[i64]) -> Result<Vec<i64>> {
        known(self, company, ids).await
    }
}

async fn set_items(
    tx: &mut Tx,
    company: CompanyId,
    change: i64,
    items: &[String],
    after: i64,
) -> Result<()> {
    for (i, text) in items.iter().enumerate() {
        sqlx::query(
            "INSERT INTO it_change_items (company_id, change_id, position, text) VALUES ($1, $2, $3, $4)",
        )
        .bind(company.0)
        .bind(change)
        .bind(after + i as i64 + 1)
        .bind(text)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(())
}

// ---- maintenance ----

const SCHEDULE_COLUMNS: &[&str] = &[
    "id",
    "title",
    "instructions",
    "rule",
    "starts_on",
    "next_due",
    "last_done",
    "version",
];

fn schedule_of(r: &AnyRow) -> Result<Schedule> {
    Ok(Schedule {
        id: get_i64(r, "id")?,
        title: get_str(r, "title")?,
        instructions: get_str(r, "instructions")?,
        rule: get_str(r, "rule")?,
        starts_on: day_from_key(get_i64(r, "starts_on")?).ok_or_else(|| bad("starts_on"))?,
        next_due: day(r, "next_due")?,
        last_done: day(r, "last_done")?,
        assets: Vec::new(),
        version: get_i64(r, "version")?,
    })
}

fn schedule_filter(company: CompanyId, q: &ScheduleQuery, s: &mut SelectStatement) {
    s.from_as(a("it_maintenance"), a("m"))
        .and_where(col("m", "company_id").eq(company.0));
    if let Some(d) = q.due_by {
        s.and_where(col("m", "next_due").lte(day_key(d)));
    }
    if let Some(c) = contains_any(
        q.search.as_deref(),
        &[("m", "title"), ("m", "instructions")],
    ) {
        s.cond_where(c);
    }
}

impl MaintenanceStore for Store {
    async fn list_schedules(
        &self,
        company: CompanyId,
        q: &ScheduleQuery,
    ) -> Result<Page<Schedule>> {
        let mut count = Query::select();
        schedule_filter(company, q, &mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        schedule_filter(company, q, &mut s);
        for c in SCHEDULE_COLUMNS {
            s.column((a("m"), a(c)));
        }
        let dir = dir_of(q.dir);
        match q.sort {
            ScheduleSort::NextDue => s
                .order_by_expr(Expr::cust("m.next_due IS NULL"), Order::Asc)
                .order_by((a("m"), a("next_due")), dir.clone()),
            ScheduleSort::Title => {
                s.order_by_expr(Func::lower(col("m", "title")).into(), dir.clone())
            }
            ScheduleSort::LastDone => s
                .order_by_expr(Expr::cust("m.last_done IS NULL"), Order::Asc)
                .order_by((a("m"), a("last_done")), dir.clone()),
        };
        s.order_by((a("m"), a("id")), dir);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        let mut items = rows.iter().map(schedule_of).collect::<Result<Vec<_>>>()?;
        let ids: Vec<i64> = items.iter().map(|s| s.id).collect();
        let mut assets = linked_assets(self, "it_maintenance_assets", "schedule_id", &ids).await?;
        for s in &mut items {
            s.assets = assets.remove(&s.id).unwrap_or_default();
        }
        Ok(Page {
            items,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn schedule(&self, company: CompanyId, id: i64) -> Result<Option<Schedule>> {
        let sql = format!(
            "SELECT {} FROM it_maintenance WHERE company_id = $1 AND id = $2",
            SCHEDULE_COLUMNS.join(", ")
        );
        let Some(r) = sqlx::query(&sql)
            .bind(company.0)
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
        else {
            return Ok(None);
        };
        let mut s = schedule_of(&r)?;
        s.assets = linked_assets(self, "it_maintenance_assets", "schedule_id", &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        Ok(Some(s))
    }

    async fn insert_schedule(
        &self,
        company: CompanyId,
        s: &NewSchedule,
        mut audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO it_maintenance (company_id, title, instructions, rule, starts_on, next_due, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(company.0)
        .bind(&s.title)
        .bind(&s.instructions)
        .bind(&s.rule)
        .bind(day_key(s.starts_on))
        .bind(s.next_due.map(day_key))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&r, "id")?;
        set_assets(
            &mut tx,
            company,
            "it_maintenance_assets",
            "schedule_id",
            id,
            &s.assets,
        )
        .await?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn update_schedule(
        &self,
        company: CompanyId,
        id: i64,
        s: &NewSchedule,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE it_maintenance SET title = $1, instructions = $2, rule = $3, starts_on = $4, \
             next_due = $5, version = version + 1 WHERE company_id = $6 AND id = $7 AND version = $8",
        )
        .bind(&s.title)
        .bind(&s.instructions)
        .bind(&s.rule)
        .bind(day_key(s.starts_on))
        .bind(s.next_due.map(day_key))
        .bind(company.0)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict(
                "the schedule was changed by someone else since you read it; reload and try again",
            ));
        }
        set_assets(
            &mut tx,
            company,
            "it_maintenance_assets",
            "schedule_id",
            id,
            &s.assets,
        )
        .await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn log_maintenance(
        &self,
        company: CompanyId,
        id: i64,
        done_on: NaiveDate,
        notes: &str,
        next_due: Option<NaiveDate>,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE it_maintenance SET next_due = $1, \
             last_done = CASE WHEN last_done IS NULL OR last_done < $2 THEN $2 ELSE last_done END, \
             version = version + 1 WHERE company_id = $3 AND id = $4 AND version = $5",
        )
        .bind(next_due.map(day_key))
        .bind(day_key(done_on))
        .bind(company.0)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict(
                "the schedule was logged or changed by someone else meanwhile; reload and try again",
            ));
        }
        sqlx::query(
            "INSERT INTO it_maintenance_log (company_id, schedule_id, done_on, notes, by_name, actor_id, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(company.0)
        .bind(id)
        .bind(day_key(done_on))
        .bind(notes)
        .bind(&audit.actor)
        .bind(audit.actor_id.map(|u| u.0))
        .bind(Timestamp::now().0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn maintenance_log(&self, company: CompanyId, id: i64) -> Result<Vec<LogEntry>> {
        sqlx::query(
            "SELECT id, schedule_id, done_on, notes, by_name, at FROM it_maintenance_log \
             WHERE company_id = $1 AND schedule_id = $2 ORDER BY done_on DESC, id DESC",
        )
        .bind(company.0)
        .bind(id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(LogEntry {
                id: get_i64(r, "id")?,
                schedule_id: get_i64(r, "schedule_id")?,
                done_on: day_from_key(get_i64(r, "done_on")?).ok_or_else(|| bad("done_on"))?,
                notes: get_str(r, "notes")?,
                by: get_str(r, "by_name")?,
                at: Timestamp(get_i64(r, "at")?),
            })
        })
        .collect()
    }

    async fn maintenance_due(&self, d: NaiveDate) -> Result<Vec<DueSchedule>> {
        sqlx::query(
            "SELECT company_id, id, title, next_due FROM it_maintenance \
             WHERE next_due IS NOT NULL AND next_due <= $1 ORDER BY company_id, next_due, id",
        )
        .bind(day_key(d))
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(DueSchedule {
                company: CompanyId(get_i64(r, "company_id")?),
                id: get_i64(r, "id")?,
                title: get_str(r, "title")?,
                next_due: day_from_key(get_i64(r, "next_due")?).ok_or_else(|| bad("next_due"))?,
            })
        })
        .collect()
    }

    async fn schedule_known_assets(&self, company: CompanyId, ids: &[i64]) -> Result<Vec<i64>> {
        known(self, company, ids).await
    }

    async fn role_holders(&self, company: CompanyId, role: &str) -> Result<Vec<UserId>> {
        steward_core::work::approvals::ApprovalStore::holders_of(self, company, role).await
    }
}
