//! Approval policies, requests with their steps, and out-of-office delegates. A decision
//! changes its step only while the step is still pending (a concurrent second decision
//! gets `Conflict`), in the transaction that appends its audit event.
use chrono::NaiveDate;
use sea_query::{Alias, Cond, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::ids::{CompanyId, DepartmentId, UserId};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::work::approvals::{
    day_key, rule_label, ApprovalId, ApprovalQuery, ApprovalRequest, ApprovalSort, ApprovalStore,
    ApprovalSummary, ApproverRule, Delegation, InboxFor, Mailbox, NewDelegation, NewRequestRow,
    NewStep, Policy, PolicyLevel, RequestStatus, Step, StepChange, StepStatus,
};
use steward_core::work::RecordRef;
use steward_core::{Error, Result};

use crate::sql::like_pattern;
use crate::sql::{col, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

fn a(s: &str) -> Alias {
    Alias::new(s)
}

fn bad(what: &str) -> Error {
    Error::Internal(format!("approvals: a stored {what} does not parse"))
}

fn day_of(k: i64) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(
        i32::try_from(k / 10_000).map_err(|_| bad("day"))?,
        u32::try_from(k / 100 % 100).map_err(|_| bad("day"))?,
        u32::try_from(k % 100).map_err(|_| bad("day"))?,
    )
    .ok_or_else(|| bad("day"))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct LevelJson {
    above: i64,
    rule: String,
}

fn policy_of(r: &AnyRow) -> Result<Policy> {
    let levels: Vec<LevelJson> =
        serde_json::from_str(&get_str(r, "levels_json")?).map_err(|_| bad("policy"))?;
    Ok(Policy {
        id: Some(get_i64(r, "id")?),
        kind: get_str(r, "kind")?,
        department: opt_i64(r, "department_id")?.map(DepartmentId),
        deadline_hours: get_i64(r, "deadline_hours")?,
        bulk_limit: get_i64(r, "bulk_limit")?,
        levels: levels
            .into_iter()
            .map(|l| {
                Ok(PolicyLevel {
                    above: l.above,
                    rule: ApproverRule::parse(&l.rule).map_err(|_| bad("rule"))?,
                })
            })
            .collect::<Result<_>>()?,
        version: get_i64(r, "version")?,
    })
}

fn subject_of(r: &AnyRow) -> Result<Option<RecordRef>> {
    Ok(
        match (opt_str(r, "subject_kind")?, opt_i64(r, "subject_id")?) {
            (Some(k), Some(i)) => Some(RecordRef::new(&k, i)),
            _ => None,
        },
    )
}

fn status_of(s: &str) -> Result<RequestStatus> {
    RequestStatus::parse(s).ok_or_else(|| bad("status"))
}

async fn insert_step(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    company: CompanyId,
    request: i64,
    s: &NewStep,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO approval_steps (request_id, company_id, position, rule, approver_user_id, approver_role, status, due_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(request)
    .bind(company.0)
    .bind(s.position)
    .bind(&s.rule)
    .bind(s.approver_user.map(|u| u.0))
    .bind(&s.approver_role)
    .bind(s.status.as_str())
    .bind(s.due_at.map(|d| d.0))
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

impl ApprovalStore for Store {
    async fn policies(&self, company: CompanyId) -> Result<Vec<Policy>> {
        let rows = sqlx::query(
            "SELECT id, kind, department_id, deadline_hours, bulk_limit, levels_json, version \
             FROM approval_policies WHERE company_id = $1 ORDER BY kind, id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(policy_of).collect()
    }

    async fn save_policy(
        &self,
        company: CompanyId,
        policy: &Policy,
        mut audit: AuditDraft,
    ) -> Result<i64> {
        let levels: Vec<LevelJson> = policy
            .levels
            .iter()
            .map(|l| LevelJson {
                above: l.above,
                rule: l.rule.as_text(),
            })
            .collect();
        let levels = serde_json::to_string(&levels).map_err(Error::internal)?;
        let now = Timestamp::now().0;
        let mut tx = self.begin().await?;
        let id = match policy.id {
            None => {
                let row = sqlx::query(
                    "INSERT INTO approval_policies (company_id, kind, department_id, deadline_hours, bulk_limit, levels_json, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(company.0)
                .bind(&policy.kind)
                .bind(policy.department.map(|d| d.0))
                .bind(policy.deadline_hours)
                .bind(policy.bulk_limit)
                .bind(&levels)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
                get_i64(&row, "id")?
            }
            Some(id) => {
                let r = sqlx::query(
                    "UPDATE approval_policies SET deadline_hours = $1, bulk_limit = $2, levels_json = $3, updated_at = $4, version = version + 1 \
                     WHERE id = $5 AND company_id = $6 AND version = $7",
                )
                .bind(policy.deadline_hours)
                .bind(policy.bulk_limit)
                .bind(&levels)
                .bind(now)
                .bind(id)
                .bind(company.0)
                .bind(policy.version)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                if r.rows_affected() == 0 {
                    return Err(Error::conflict(
                        "the policy was changed meanwhile; reload and try again",
                    ));
                }
                id
            }
        };
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn delete_policy(&self, company: CompanyId, id: i64, audit: AuditDraft) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query("DELETE FROM approval_policies WHERE id = $1 AND company_id = $2")
            .bind(id)
            .bind(company.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::NotFound { entity: "policy" });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn insert_request(
        &self,
        company: CompanyId,
        req: &NewRequestRow,
        steps: &[NewStep],
        mut audit: AuditDraft,
    ) -> Result<ApprovalId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO approval_requests (company_id, kind, subject_kind, subject_id, title, description, amount, currency, department_id, requester_id, status, deadline_hours, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11, $12) RETURNING id",
        )
        .bind(company.0)
        .bind(&req.kind)
        .bind(req.subject.as_ref().map(|s| s.kind.clone()))
        .bind(req.subject.as_ref().map(|s| s.id))
        .bind(&req.title)
        .bind(&req.description)
        .bind(req.amount)
        .bind(&req.currency)
        .bind(req.department.map(|d| d.0))
        .bind(req.requester.map(|u| u.0))
        .bind(req.deadline_hours)
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&row, "id")?;
        for s in steps {
            insert_step(&mut tx, company, id, s).await?;
        }
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(ApprovalId(id))
    }

    async fn get_request(
        &self,
        company: CompanyId,
        id: ApprovalId,
    ) -> Result<Option<ApprovalRequest>> {
        let Some(r) = sqlx::query(
            "SELECT r.*, u.display_name AS requester_name, d.name AS department_name \
             FROM approval_requests r LEFT JOIN users u ON u.id = r.requester_id \
             LEFT JOIN departments d ON d.id = r.department_id \
             WHERE r.id = $1 AND r.company_id = $2",
        )
        .bind(id.0)
        .bind(company.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        else {
            return Ok(None);
        };
        let rows = sqlx::query(
            "SELECT s.*, au.display_name AS approver_name, db.display_name AS decided_by_name, ob.display_name AS on_behalf_of_name \
             FROM approval_steps s \
             LEFT JOIN users au ON au.id = s.approver_user_id \
             LEFT JOIN users db ON db.id = s.decided_by \
             LEFT JOIN users ob ON ob.id = s.on_behalf_of \
             WHERE s.request_id = $1 AND s.company_id = $2 ORDER BY s.position",
        )
        .bind(id.0)
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let steps = rows
            .iter()
            .map(|s| {
                let rule = get_str(s, "rule")?;
                let approver_name = opt_str(s, "approver_name")?;
                Ok(Step {
                    id: get_i64(s, "id")?,
                    position: get_i64(s, "position")?,
                    approver_label: rule_label(&rule, approver_name.as_deref()),
                    rule,
                    approver_user: opt_i64(s, "approver_user_id")?.map(UserId),
                    approver_role: opt_str(s, "approver_role")?,
                    status: StepStatus::parse(&get_str(s, "status")?)
                        .ok_or_else(|| bad("step status"))?,
                    due_at: opt_i64(s, "due_at")?.map(Timestamp),
                    decided_by: opt_i64(s, "decided_by")?.map(UserId),
                    decided_by_name: opt_str(s, "decided_by_name")?,
                    on_behalf_of: opt_i64(s, "on_behalf_of")?.map(UserId),
                    on_behalf_of_name: opt_str(s, "on_behalf_of_name")?,
                    decided_at: opt_i64(s, "decided_at")?.map(Timestamp),
                    comment: get_str(s, "comment")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(ApprovalRequest {
            id,
            company,
            kind: get_str(&r, "kind")?,
            subject: subject_of(&r)?,
            title: get_str(&r, "title")?,
            description: get_str(&r, "description")?,
            amount: opt_i64(&r, "amount")?,
            currency: opt_str(&r, "currency")?,
            department: opt_i64(&r, "department_id")?.map(DepartmentId),
            department_name: opt_str(&r, "department_name")?,
            requester: opt_i64(&r, "requester_id")?.map(UserId),
            requester_name: opt_str(&r, "requester_name")?.unwrap_or_else(|| "Command line".into()),
            status: status_of(&get_str(&r, "status")?)?,
            deadline_hours: get_i64(&r, "deadline_hours")?,
            created_at: Timestamp(get_i64(&r, "created_at")?),
            decided_at: opt_i64(&r, "decided_at")?.map(Timestamp),
            steps,
            version: get_i64(&r, "version")?,
        }))
    }

    async fn open_request_for(
        &self,
        company: CompanyId,
        subject: &RecordRef,
    ) -> Result<Option<ApprovalId>> {
        let row = sqlx::query(
            "SELECT id FROM approval_requests WHERE company_id = $1 AND subject_kind = $2 AND subject_id = $3 AND status = 'pending' ORDER BY id DESC",
        )
        .bind(company.0)
        .bind(&subject.kind)
        .bind(subject.id)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.map(|r| get_i64(&r, "id").map(ApprovalId)).transpose()
    }

    async fn list_requests(
        &self,
        company: CompanyId,
        who: &InboxFor,
        q: &ApprovalQuery,
    ) -> Result<Page<ApprovalSummary>> {
        let filter = |s: &mut SelectStatement| {
            s.from_as(a("approval_requests"), a("r"))
                .join_as(
                    JoinType::LeftJoin,
                    a("approval_steps"),
                    a("s"),
                    Cond::all()
                        .add(col("s", "request_id").equals((a("r"), a("id"))))
                        .add(col("s", "status").eq("pending")),
                )
                .and_where(col("r", "company_id").eq(company.0));
            match q.mailbox {
                Mailbox::Inbox => {
                    let mut who_cond = Cond::any()
                        .add(col("s", "approver_user_id").is_in(who.users.iter().map(|u| u.0)));
                    if !who.roles.is_empty() {
                        who_cond = who_cond.add(col("s", "approver_role").is_in(who.roles.clone()));
                    }
                    s.and_where(col("r", "status").eq("pending"))
                        .and_where(col("s", "id").is_not_null())
                        .cond_where(
                            Cond::any()
                                .add(col("r", "requester_id").is_null())
                                .add(col("r", "requester_id").ne(who.me.0)),
                        )
                        .cond_where(who_cond);
                }
                Mailbox::Mine => {
                    s.and_where(col("r", "requester_id").eq(who.me.0));
                }
            }
            if let Some(st) = q.status {
                s.and_where(col("r", "status").eq(st.as_str()));
            }
            if let Some(k) = &q.kind {
                s.and_where(col("r", "kind").eq(k.clone()));
            }
            if let Some(m) = q.max_amount {
                s.and_where(Expr::expr(Func::coalesce([col("r", "amount"), Expr::val(0)])).lte(m));
            }
            if let Some(t) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                let p = like_pattern(t);
                s.and_where(
                    Expr::expr(Func::lower(col("r", "title")))
                        .like(sea_query::LikeExpr::new(p).escape('\\')),
                );
            }
        };
        let mut count = Query::select();
        count.expr_as(count_all(), a("n"));
        filter(&mut count);

        let mut s = Query::select();
        filter(&mut s);
        s.join_as(
            JoinType::LeftJoin,
            a("users"),
            a("ru"),
            col("ru", "id").equals((a("r"), a("requester_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            a("departments"),
            a("d"),
            col("d", "id").equals((a("r"), a("department_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            a("users"),
            a("su"),
            col("su", "id").equals((a("s"), a("approver_user_id"))),
        );
        for c in [
            "id",
            "kind",
            "subject_kind",
            "subject_id",
            "title",
            "amount",
            "currency",
            "status",
            "created_at",
        ] {
            s.column((a("r"), a(c)));
        }
        s.expr_as(col("ru", "display_name"), a("requester_name"))
            .expr_as(col("d", "name"), a("department_name"))
            .expr_as(col("s", "position"), a("step_position"))
            .expr_as(col("s", "rule"), a("step_rule"))
            .expr_as(col("s", "due_at"), a("step_due_at"))
            .expr_as(col("su", "display_name"), a("step_user_name"));
        let order = match q.dir {
            SortDir::Asc => Order::Asc,
            SortDir::Desc => Order::Desc,
        };
        match q.sort {
            ApprovalSort::Created => s.order_by((a("r"), a("created_at")), order.clone()),
            ApprovalSort::Due => s.order_by((a("s"), a("due_at")), order.clone()),
            ApprovalSort::Amount => s.order_by_expr(
                Func::coalesce([col("r", "amount"), Expr::val(0)]).into(),
                order.clone(),
            ),
            ApprovalSort::Title => s.order_by((a("r"), a("title")), order.clone()),
            ApprovalSort::Kind => s.order_by((a("r"), a("kind")), order.clone()),
        };
        s.order_by((a("r"), a("id")), order);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        let items = rows
            .iter()
            .map(|r| {
                let rule = opt_str(r, "step_rule")?;
                let user = opt_str(r, "step_user_name")?;
                Ok(ApprovalSummary {
                    id: ApprovalId(get_i64(r, "id")?),
                    kind: get_str(r, "kind")?,
                    subject: subject_of(r)?,
                    title: get_str(r, "title")?,
                    amount: opt_i64(r, "amount")?,
                    currency: opt_str(r, "currency")?,
                    requester_name: opt_str(r, "requester_name")?
                        .unwrap_or_else(|| "Command line".into()),
                    department_name: opt_str(r, "department_name")?,
                    status: status_of(&get_str(r, "status")?)?,
                    created_at: Timestamp(get_i64(r, "created_at")?),
                    step_position: opt_i64(r, "step_position")?,
                    step_label: rule.map(|x| rule_label(&x, user.as_deref())),
                    step_due_at: opt_i64(r, "step_due_at")?.map(Timestamp),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn change_step(
        &self,
        company: CompanyId,
        c: &StepChange,
        audit: AuditDraft,
    ) -> Result<()> {
        let now = Timestamp::now().0;
        let mut tx = self.begin().await?;
        // The request row first (the same lock order for every writer).
        let r = sqlx::query(
            "UPDATE approval_requests SET version = version + 1 WHERE id = $1 AND company_id = $2 AND status = 'pending'",
        )
        .bind(c.request.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict("the request was decided meanwhile"));
        }
        let r = if let Some(due) = c.new_due {
            sqlx::query(
                "UPDATE approval_steps SET due_at = $1 WHERE id = $2 AND request_id = $3 AND status = 'pending'",
            )
            .bind(due.0)
            .bind(c.step_id)
            .bind(c.request.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?
        } else {
            sqlx::query(
                "UPDATE approval_steps SET status = $1, decided_by = $2, on_behalf_of = $3, decided_at = $4, comment = $5 \
                 WHERE id = $6 AND request_id = $7 AND status = 'pending'",
            )
            .bind(c.status.as_str())
            .bind(c.decided_by.map(|u| u.0))
            .bind(c.on_behalf_of.map(|u| u.0))
            .bind(now)
            .bind(&c.comment)
            .bind(c.step_id)
            .bind(c.request.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?
        };
        if r.rows_affected() == 0 {
            return Err(Error::conflict(
                "this step was decided meanwhile; reload to see where it stands",
            ));
        }
        if let Some((next, due)) = c.next {
            sqlx::query(
                "UPDATE approval_steps SET status = 'pending', due_at = $1 WHERE id = $2 AND request_id = $3 AND status = 'waiting'",
            )
            .bind(due.0)
            .bind(next)
            .bind(c.request.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        if let Some(step) = &c.append {
            insert_step(&mut tx, company, c.request.0, step).await?;
        }
        if let Some(f) = c.final_status {
            sqlx::query(
                "UPDATE approval_steps SET status = 'skipped' WHERE request_id = $1 AND status IN ('waiting', 'pending')",
            )
            .bind(c.request.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            sqlx::query("UPDATE approval_requests SET status = $1, decided_at = $2 WHERE id = $3")
                .bind(f.as_str())
                .bind(now)
                .bind(c.request.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn overdue(&self, now: Timestamp, limit: u32) -> Result<Vec<(CompanyId, ApprovalId)>> {
        let rows = sqlx::query(&format!(
            "SELECT s.company_id, s.request_id FROM approval_steps s \
             WHERE s.status = 'pending' AND s.due_at IS NOT NULL AND s.due_at < $1 \
             ORDER BY s.due_at LIMIT {limit}"
        ))
        .bind(now.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok((
                    CompanyId(get_i64(r, "company_id")?),
                    ApprovalId(get_i64(r, "request_id")?),
                ))
            })
            .collect()
    }

    async fn delegations(
        &self,
        company: CompanyId,
        user: Option<UserId>,
    ) -> Result<Vec<Delegation>> {
        let rows = sqlx::query(
            "SELECT g.*, u.display_name AS user_name, d.display_name AS delegate_name \
             FROM approval_delegates g JOIN users u ON u.id = g.user_id JOIN users d ON d.id = g.delegate_id \
             WHERE g.company_id = $1 AND ($2 = 0 OR g.user_id = $2) ORDER BY g.starts_on DESC, g.id DESC",
        )
        .bind(company.0)
        .bind(user.map(|u| u.0).unwrap_or(0))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Delegation {
                    id: get_i64(r, "id")?,
                    user: UserId(get_i64(r, "user_id")?),
                    user_name: get_str(r, "user_name")?,
                    delegate: UserId(get_i64(r, "delegate_id")?),
                    delegate_name: get_str(r, "delegate_name")?,
                    from: day_of(get_i64(r, "starts_on")?)?,
                    until: day_of(get_i64(r, "ends_on")?)?,
                    note: get_str(r, "note")?,
                })
            })
            .collect()
    }

    async fn insert_delegation(
        &self,
        company: CompanyId,
        d: &NewDelegation,
        mut audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO approval_delegates (company_id, user_id, delegate_id, starts_on, ends_on, note, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(company.0)
        .bind(d.user.0)
        .bind(d.delegate.0)
        .bind(day_key(d.from))
        .bind(day_key(d.until))
        .bind(&d.note)
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

    async fn delete_delegation(
        &self,
        company: CompanyId,
        id: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query("DELETE FROM approval_delegates WHERE id = $1 AND company_id = $2")
            .bind(id)
            .bind(company.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::NotFound {
                entity: "delegation",
            });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn role_keys_of(&self, company: CompanyId, user: UserId) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT DISTINCT r.key FROM user_roles ur JOIN roles r ON r.id = ur.role_id \
             WHERE ur.company_id = $1 AND ur.user_id = $2 ORDER BY r.key",
        )
        .bind(company.0)
        .bind(user.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(|r| get_str(r, "key")).collect()
    }

    async fn holders_of(&self, company: CompanyId, role: &str) -> Result<Vec<UserId>> {
        let rows = sqlx::query(
            "SELECT DISTINCT ur.user_id FROM user_roles ur JOIN roles r ON r.id = ur.role_id \
             JOIN users u ON u.id = ur.user_id \
             WHERE ur.company_id = $1 AND r.key = $2 AND u.disabled = 0 ORDER BY ur.user_id",
        )
        .bind(company.0)
        .bind(role)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| get_i64(r, "user_id").map(UserId))
            .collect()
    }
}
