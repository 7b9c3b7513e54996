//! IT's helpdesk tables (see `steward_core::it::helpdesk`): categories, groups, tickets, their
//! conversation, linked assets and articles, the knowledge base and the SLA targets.
//!
//! A technician's queue (`assignee_id = ? AND is_open = 1 ORDER BY sla_due, priority, id`)
//! walks the index `it_tickets_queue` in order and stops at the page's end; the unassigned
//! queue walks it with `assignee_id IS NULL`. The SLA job reads the open tickets through the
//! partial index `it_tickets_open`.
use sea_query::{Cond, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::auth::Action;
use steward_core::ids::{AssetId, CompanyId, UserId};
use steward_core::it::helpdesk::{
    ArticleId, HelpdeskSla, HelpdeskStore, Level, LinkedAsset, Message, MessageKind, NewMessage,
    Priority, Ticket, TicketCategory, TicketCategoryId, TicketGroup, TicketGroupId, TicketId,
    TicketQuery, TicketSlaUpdate, TicketSort, TicketStatus, View,
};
use steward_core::it::helpdesk_kb::{Article, KbStore};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::work::sla::{SlaEvent, SlaState};
use steward_core::Result;

use super::{a, bad, stale};
use crate::sql::{col, contains_any, count_all, insert_values, rows_per_statement, values_table};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

fn ts(r: &AnyRow, c: &str) -> Result<Option<Timestamp>> {
    Ok(opt_i64(r, c)?.map(Timestamp))
}

fn t(v: Option<Timestamp>) -> Option<i64> {
    v.map(|x| x.0)
}

const TICKET_COLUMNS: &[&str] = &[
    "id",
    "company_id",
    "requester_id",
    "subject",
    "description",
    "category_id",
    "urgency",
    "impact",
    "priority",
    "status",
    "assignee_id",
    "group_id",
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "paused_since",
    "paused_micros",
    "first_response_due",
    "resolution_due",
    "sla_state",
    "response_warned_at",
    "response_breached_at",
    "resolution_warned_at",
    "resolution_breached_at",
    "rating",
    "rating_comment",
    "version",
];

const JOINED: [(&str, &str); 4] = [
    ("ru.display_name", "requester_name"),
    ("au.display_name", "assignee_name"),
    ("tc.name", "category"),
    ("tg.name", "group_name"),
];

fn joined(s: &mut SelectStatement) {
    s.from_as(a("it_tickets"), a("t"))
        .join_as(
            JoinType::InnerJoin,
            a("users"),
            a("ru"),
            col("ru", "id").equals((a("t"), a("requester_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            a("users"),
            a("au"),
            col("au", "id").equals((a("t"), a("assignee_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            a("it_ticket_categories"),
            a("tc"),
            col("tc", "id").equals((a("t"), a("category_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            a("it_ticket_groups"),
            a("tg"),
            col("tg", "id").equals((a("t"), a("group_id"))),
        );
}

fn ticket_select() -> SelectStatement {
    let mut s = Query::select();
    joined(&mut s);
    for c in TICKET_COLUMNS {
        s.column((a("t"), a(c)));
    }
    for (e, n) in JOINED {
        s.expr_as(Expr::cust(e), a(n));
    }
    s
}

fn ticket_of(r: &AnyRow) -> Result<Ticket> {
    Ok(Ticket {
        id: TicketId(get_i64(r, "id")?),
        company: CompanyId(get_i64(r, "company_id")?),
        requester: UserId(get_i64(r, "requester_id")?),
        requester_name: get_str(r, "requester_name")?,
        subject: get_str(r, "subject")?,
        description: get_str(r, "description")?,
        category_id: opt_i64(r, "category_id")?.map(TicketCategoryId),
        category: opt_str(r, "category")?,
        urgency: Level::parse(&get_str(r, "urgency")?).ok_or_else(|| bad("urgency"))?,
        impact: Level::parse(&get_str(r, "impact")?).ok_or_else(|| bad("impact"))?,
        priority: Priority::from_rank(get_i64(r, "priority")?).ok_or_else(|| bad("priority"))?,
        status: TicketStatus::parse(&get_str(r, "status")?).ok_or_else(|| bad("status"))?,
        assignee: opt_i64(r, "assignee_id")?.map(UserId),
        assignee_name: opt_str(r, "assignee_name")?,
        group_id: opt_i64(r, "group_id")?.map(TicketGroupId),
        group: opt_str(r, "group_name")?,
        created_at: Timestamp(get_i64(r, "created_at")?),
        updated_at: Timestamp(get_i64(r, "updated_at")?),
        first_response_at: ts(r, "first_response_at")?,
        resolved_at: ts(r, "resolved_at")?,
        closed_at: ts(r, "closed_at")?,
        paused_since: ts(r, "paused_since")?,
        paused_micros: get_i64(r, "paused_micros")?,
        first_response_due: ts(r, "first_response_due")?,
        resolution_due: ts(r, "resolution_due")?,
        sla_state: SlaState::parse(&get_str(r, "sla_state")?).ok_or_else(|| bad("sla_state"))?,
        response_warned_at: ts(r, "response_warned_at")?,
        response_breached_at: ts(r, "response_breached_at")?,
        resolution_warned_at: ts(r, "resolution_warned_at")?,
        resolution_breached_at: ts(r, "resolution_breached_at")?,
        rating: opt_i64(r, "rating")?,
        rating_comment: get_str(r, "rating_comment")?,
        version: get_i64(r, "version")?,
    })
}

fn article_of(r: &AnyRow) -> Result<Article> {
    Ok(Article {
        id: ArticleId(get_i64(r, "id")?),
        title: get_str(r, "title")?,
        body: get_str(r, "body")?,
        published: get_i64(r, "published")? != 0,
        updated_at: Timestamp(get_i64(r, "updated_at")?),
        version: get_i64(r, "version")?,
    })
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

async fn insert_message(
    tx: &mut Tx,
    company: CompanyId,
    ticket: TicketId,
    m: &NewMessage,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO it_ticket_messages (company_id, ticket_id, kind, internal, body, author_id, author, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(company.0)
    .bind(ticket.0)
    .bind(m.kind.as_str())
    .bind(i64::from(m.internal()))
    .bind(&m.body)
    .bind(m.author_id.map(|u| u.0))
    .bind(&m.author)
    .bind(at.0)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

async fn link_asset(
    tx: &mut Tx,
    company: CompanyId,
    ticket: TicketId,
    asset: AssetId,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO it_ticket_assets (company_id, ticket_id, asset_id) VALUES ($1, $2, $3) \
         ON CONFLICT (ticket_id, asset_id) DO NOTHING",
    )
    .bind(company.0)
    .bind(ticket.0)
    .bind(asset.0)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

async fn set_members(
    tx: &mut Tx,
    company: CompanyId,
    group: i64,
    members: &[UserId],
) -> Result<()> {
    sqlx::query("DELETE FROM it_ticket_group_members WHERE group_id = $1")
        .bind(group)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    for m in members {
        sqlx::query(
            "INSERT INTO it_ticket_group_members (company_id, group_id, user_id) VALUES ($1, $2, $3)",
        )
        .bind(company.0)
        .bind(group)
        .bind(m.0)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(())
}

const SLA_CHUNK: usize = 5_000;

impl HelpdeskStore for Store {
    async fn helpdesk_sla(&self, company: CompanyId) -> Result<HelpdeskSla> {
        let r = sqlx::query(
            "SELECT targets, warn_percent, version FROM it_helpdesk_sla WHERE company_id = $1",
        )
        .bind(company.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        let Some(r) = r else {
            return Ok(HelpdeskSla::default());
        };
        let targets: [(i64, i64); 4] =
            serde_json::from_str(&get_str(&r, "targets")?).map_err(|_| bad("targets"))?;
        Ok(HelpdeskSla {
            targets,
            warn_percent: get_i64(&r, "warn_percent")?,
            version: get_i64(&r, "version")?,
        })
    }

    async fn save_helpdesk_sla(
        &self,
        company: CompanyId,
        s: &HelpdeskSla,
        audit: AuditDraft,
    ) -> Result<()> {
        let targets = serde_json::to_string(&s.targets).map_err(|_| bad("targets"))?;
        let mut tx = self.begin().await?;
        let r = if s.version == 0 {
            sqlx::query(
                "INSERT INTO it_helpdesk_sla (company_id, targets, warn_percent, version) VALUES ($1, $2, $3, 1) \
                 ON CONFLICT (company_id) DO NOTHING",
            )
            .bind(company.0)
            .bind(&targets)
            .bind(s.warn_percent)
            .execute(&mut *tx)
            .await
            .map_err(db)?
        } else {
            sqlx::query(
                "UPDATE it_helpdesk_sla SET targets = $1, warn_percent = $2, version = version + 1 \
                 WHERE company_id = $3 AND version = $4",
            )
            .bind(&targets)
            .bind(s.warn_percent)
            .bind(company.0)
            .bind(s.version)
            .execute(&mut *tx)
            .await
            .map_err(db)?
        };
        if r.rows_affected() == 0 {
            return Err(stale("service-level settings"));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn ticket_categories(&self, company: CompanyId) -> Result<Vec<TicketCategory>> {
        sqlx::query(
            "SELECT id, name, version FROM it_ticket_categories WHERE company_id = $1 ORDER BY lower(name), id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(TicketCategory {
                id: TicketCategoryId(get_i64(r, "id")?),
                name: get_str(r, "name")?,
                version: get_i64(r, "version")?,
            })
        })
        .collect()
    }

    async fn insert_ticket_category(
        &self,
        company: CompanyId,
        name: &str,
        mut audit: AuditDraft,
    ) -> Result<TicketCategoryId> {
        let mut tx = self.begin().await?;
        let id =
            super::insert_named(&mut tx, "it_ticket_categories", "category", company, name).await?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(TicketCategoryId(id))
    }

    async fn update_ticket_category(
        &self,
        company: CompanyId,
        id: TicketCategoryId,
        name: &str,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        super::rename(
            &mut tx,
            "it_ticket_categories",
            "category",
            company,
            id.0,
            name,
            version,
        )
        .await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn ticket_groups(&self, company: CompanyId) -> Result<Vec<TicketGroup>> {
        let groups = sqlx::query(
            "SELECT id, name, version FROM it_ticket_groups WHERE company_id = $1 ORDER BY lower(name), id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let members = sqlx::query(
            "SELECT m.group_id, u.id, u.display_name FROM it_ticket_group_members m \
             JOIN users u ON u.id = m.user_id WHERE m.company_id = $1 ORDER BY u.display_name, u.id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        groups
            .iter()
            .map(|r| {
                let id = get_i64(r, "id")?;
                let mut m = Vec::new();
                for x in &members {
                    if get_i64(x, "group_id")? == id {
                        m.push((UserId(get_i64(x, "id")?), get_str(x, "display_name")?));
                    }
                }
                Ok(TicketGroup {
                    id: TicketGroupId(id),
                    name: get_str(r, "name")?,
                    members: m,
                    version: get_i64(r, "version")?,
                })
            })
            .collect()
    }

    async fn insert_ticket_group(
        &self,
        company: CompanyId,
        name: &str,
        members: &[UserId],
        mut audit: AuditDraft,
    ) -> Result<TicketGroupId> {
        let mut tx = self.begin().await?;
        let id = super::insert_named(&mut tx, "it_ticket_groups", "group", company, name).await?;
        set_members(&mut tx, company, id, members).await?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(TicketGroupId(id))
    }

    async fn update_ticket_group(
        &self,
        company: CompanyId,
        id: TicketGroupId,
        name: &str,
        members: &[UserId],
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        super::rename(
            &mut tx,
            "it_ticket_groups",
            "group",
            company,
            id.0,
            name,
            version,
        )
        .await?;
        set_members(&mut tx, company, id.0, members).await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn it_grant_holders(
        &self,
        company: CompanyId,
        action: Action,
    ) -> Result<Vec<(UserId, String)>> {
        self.grant_holders(company, "it", action.as_str()).await
    }

    async fn insert_ticket(
        &self,
        tk: &Ticket,
        assets: &[AssetId],
        first: &NewMessage,
        mut audit: AuditDraft,
    ) -> Result<TicketId> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO it_tickets (company_id, requester_id, subject, description, category_id, urgency, impact, \
             priority, status, is_open, assignee_id, group_id, created_at, updated_at, first_response_due, \
             resolution_due, sla_due, sla_state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
        )
        .bind(tk.company.0)
        .bind(tk.requester.0)
        .bind(&tk.subject)
        .bind(&tk.description)
        .bind(tk.category_id.map(|c| c.0))
        .bind(tk.urgency.as_str())
        .bind(tk.impact.as_str())
        .bind(tk.priority.rank())
        .bind(tk.status.as_str())
        .bind(i64::from(tk.status.is_open()))
        .bind(tk.assignee.map(|u| u.0))
        .bind(tk.group_id.map(|g| g.0))
        .bind(tk.created_at.0)
        .bind(tk.updated_at.0)
        .bind(t(tk.first_response_due))
        .bind(t(tk.resolution_due))
        .bind(t(tk.sla_due()))
        .bind(tk.sla_state.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = TicketId(get_i64(&r, "id")?);
        for asset in assets {
            link_asset(&mut tx, tk.company, id, *asset).await?;
        }
        insert_message(&mut tx, tk.company, id, first, tk.created_at).await?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn ticket(&self, company: CompanyId, id: TicketId) -> Result<Option<Ticket>> {
        let mut s = ticket_select();
        s.and_where(col("t", "company_id").eq(company.0))
            .and_where(col("t", "id").eq(id.0));
        self.fetch_all(&s).await?.first().map(ticket_of).transpose()
    }

    async fn list_tickets(&self, company: CompanyId, q: &TicketQuery) -> Result<Page<Ticket>> {
        let filter = |s: &mut SelectStatement| {
            s.and_where(col("t", "company_id").eq(company.0));
            match q.view {
                View::Mine => {
                    s.and_where(col("t", "requester_id").eq(q.user.map_or(0, |u| u.0)));
                }
                View::Queue => {
                    s.and_where(col("t", "assignee_id").eq(q.user.map_or(0, |u| u.0)))
                        .and_where(col("t", "is_open").eq(1));
                }
                View::Unassigned => {
                    s.and_where(col("t", "assignee_id").is_null())
                        .and_where(col("t", "is_open").eq(1));
                }
                View::All => {}
            }
            if let Some(st) = q.status {
                s.and_where(col("t", "status").eq(st.as_str()));
            }
            if let Some(p) = q.priority {
                s.and_where(col("t", "priority").eq(p.rank()));
            }
            if let Some(c) = q.category {
                s.and_where(col("t", "category_id").eq(c.0));
            }
            if let Some(g) = q.group {
                s.and_where(col("t", "group_id").eq(g.0));
            }
            if let Some(st) = q.sla {
                s.and_where(col("t", "sla_state").eq(st.as_str()));
            }
            if let Some(mut c) = contains_any(q.search.as_deref(), &[("t", "subject")]) {
                if let Some(Ok(n)) = q
                    .search
                    .as_deref()
                    .map(|x| x.trim().trim_start_matches('#').parse::<i64>())
                {
                    c = c.add(col("t", "id").eq(n));
                }
                s.cond_where(c);
            }
        };
        let mut count = Query::select();
        count
            .from_as(a("it_tickets"), a("t"))
            .expr_as(count_all(), a("n"));
        filter(&mut count);
        let mut s = ticket_select();
        filter(&mut s);
        let (asc, desc) = match q.dir {
            SortDir::Asc => (Order::Asc, Order::Desc),
            SortDir::Desc => (Order::Desc, Order::Asc),
        };
        let open_only = matches!(q.view, View::Queue | View::Unassigned);
        match q.sort {
            TicketSort::Due => {
                if !open_only {
                    // Closed tickets have no due time: after every open one, on both
                    // databases (their NULL orders differ).
                    s.order_by_expr(Expr::cust("t.sla_due IS NULL"), Order::Asc);
                }
                s.order_by((a("t"), a("sla_due")), asc.clone())
                    .order_by((a("t"), a("priority")), asc.clone());
            }
            TicketSort::Priority => {
                s.order_by((a("t"), a("priority")), asc.clone());
            }
            TicketSort::Created => {
                s.order_by((a("t"), a("created_at")), asc.clone());
            }
            TicketSort::Updated => {
                s.order_by((a("t"), a("updated_at")), asc.clone());
            }
        }
        let _ = desc;
        s.order_by((a("t"), a("id")), asc);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        Ok(Page {
            items: rows.iter().map(ticket_of).collect::<Result<_>>()?,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn update_ticket(
        &self,
        tk: &Ticket,
        messages: &[NewMessage],
        link_assets: &[AssetId],
        link_articles: &[ArticleId],
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE it_tickets SET urgency = $1, impact = $2, priority = $3, status = $4, is_open = $5, \
             assignee_id = $6, group_id = $7, updated_at = $8, first_response_at = $9, resolved_at = $10, \
             closed_at = $11, paused_since = $12, paused_micros = $13, first_response_due = $14, \
             resolution_due = $15, sla_due = $16, sla_state = $17, response_breached_at = $18, \
             resolution_breached_at = $19, rating = $20, rating_comment = $21, version = version + 1 \
             WHERE company_id = $22 AND id = $23 AND version = $24",
        )
        .bind(tk.urgency.as_str())
        .bind(tk.impact.as_str())
        .bind(tk.priority.rank())
        .bind(tk.status.as_str())
        .bind(i64::from(tk.status.is_open()))
        .bind(tk.assignee.map(|u| u.0))
        .bind(tk.group_id.map(|g| g.0))
        .bind(tk.updated_at.0)
        .bind(t(tk.first_response_at))
        .bind(t(tk.resolved_at))
        .bind(t(tk.closed_at))
        .bind(t(tk.paused_since))
        .bind(tk.paused_micros)
        .bind(t(tk.first_response_due))
        .bind(t(tk.resolution_due))
        .bind(t(tk.sla_due()))
        .bind(tk.sla_state.as_str())
        .bind(t(tk.response_breached_at))
        .bind(t(tk.resolution_breached_at))
        .bind(tk.rating)
        .bind(&tk.rating_comment)
        .bind(tk.company.0)
        .bind(tk.id.0)
        .bind(tk.version)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(stale("ticket"));
        }
        for m in messages {
            insert_message(&mut tx, tk.company, tk.id, m, tk.updated_at).await?;
        }
        for asset in link_assets {
            link_asset(&mut tx, tk.company, tk.id, *asset).await?;
        }
        for article in link_articles {
            sqlx::query(
                "INSERT INTO it_ticket_articles (company_id, ticket_id, article_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (ticket_id, article_id) DO NOTHING",
            )
            .bind(tk.company.0)
            .bind(tk.id.0)
            .bind(article.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn ticket_messages(
        &self,
        company: CompanyId,
        id: TicketId,
        internal: bool,
    ) -> Result<Vec<Message>> {
        let sql = if internal {
            "SELECT id, kind, internal, body, author_id, author, at FROM it_ticket_messages \
             WHERE company_id = $1 AND ticket_id = $2 ORDER BY id"
        } else {
            "SELECT id, kind, internal, body, author_id, author, at FROM it_ticket_messages \
             WHERE company_id = $1 AND ticket_id = $2 AND internal = 0 ORDER BY id"
        };
        sqlx::query(sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_all(&self.read)
            .await
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(Message {
                    id: get_i64(r, "id")?,
                    kind: MessageKind::parse(&get_str(r, "kind")?).ok_or_else(|| bad("kind"))?,
                    internal: get_i64(r, "internal")? != 0,
                    body: get_str(r, "body")?,
                    author_id: opt_i64(r, "author_id")?.map(UserId),
                    author: get_str(r, "author")?,
                    at: Timestamp(get_i64(r, "at")?),
                })
            })
            .collect()
    }

    async fn ticket_assets(&self, company: CompanyId, id: TicketId) -> Result<Vec<LinkedAsset>> {
        sqlx::query(
            "SELECT a.id, a.tag, a.name FROM it_ticket_assets l JOIN it_assets a ON a.id = l.asset_id \
             WHERE l.company_id = $1 AND l.ticket_id = $2 ORDER BY a.tag",
        )
        .bind(company.0)
        .bind(id.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(LinkedAsset {
                id: AssetId(get_i64(r, "id")?),
                tag: get_str(r, "tag")?,
                name: get_str(r, "name")?,
            })
        })
        .collect()
    }

    async fn ticket_articles(&self, company: CompanyId, id: TicketId) -> Result<Vec<Article>> {
        sqlx::query(
            "SELECT k.id, k.title, k.body, k.published, k.updated_at, k.version FROM it_ticket_articles l \
             JOIN it_kb_articles k ON k.id = l.article_id \
             WHERE l.company_id = $1 AND l.ticket_id = $2 ORDER BY lower(k.title), k.id",
        )
        .bind(company.0)
        .bind(id.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(article_of)
        .collect()
    }

    async fn open_tickets_by_sla(
        &self,
        company: CompanyId,
        requester: Option<UserId>,
    ) -> Result<Vec<(SlaState, u64)>> {
        let mut s = Query::select();
        s.from_as(a("it_tickets"), a("t"))
            .column((a("t"), a("sla_state")))
            .expr_as(count_all(), a("n"))
            .and_where(col("t", "company_id").eq(company.0))
            .and_where(col("t", "is_open").eq(1))
            .group_by_col((a("t"), a("sla_state")));
        if let Some(u) = requester {
            s.and_where(col("t", "requester_id").eq(u.0));
        }
        self.fetch_all(&s)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    SlaState::parse(&get_str(r, "sla_state")?).ok_or_else(|| bad("sla_state"))?,
                    u64::try_from(get_i64(r, "n")?).unwrap_or(0),
                ))
            })
            .collect()
    }

    async fn open_sla_tickets(&self) -> Result<Vec<Ticket>> {
        let mut s = ticket_select();
        // A literal, so both databases use the partial index of open tickets.
        s.and_where(Expr::cust("t.is_open = 1"))
            .order_by((a("t"), a("id")), Order::Asc);
        self.fetch_all(&s).await?.iter().map(ticket_of).collect()
    }

    async fn apply_ticket_sla(
        &self,
        updates: &[TicketSlaUpdate],
        now: Timestamp,
    ) -> Result<Vec<Vec<SlaEvent>>> {
        let mut out = Vec::with_capacity(updates.len());
        for chunk in updates.chunks(SLA_CHUNK) {
            let mut tx = self.begin().await?;
            // The due times and states of the chunk in one statement per thousand tickets,
            // each found by its id: the unary `+` keeps SQLite's planner off the indexes on
            // `company_id` and `is_open` (walking the open tickets for every row of `v`).
            const ROW: &str = "(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), \
                 CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))";
            for part in chunk.chunks(rows_per_statement(6)) {
                let sql = format!(
                    "UPDATE it_tickets SET sla_state = v.column3, first_response_due = v.column4, \
                     resolution_due = v.column5, sla_due = v.column6 FROM ({}) AS v \
                     WHERE it_tickets.id = v.column1 AND +it_tickets.company_id = v.column2 \
                     AND +it_tickets.is_open = 1",
                    values_table(self.backend, ROW, part.len())
                );
                let mut q = sqlx::query(&sql);
                for u in part {
                    q = q
                        .bind(u.id.0)
                        .bind(u.company.0)
                        .bind(u.sla_state.as_str())
                        .bind(t(u.first_response_due))
                        .bind(t(u.resolution_due))
                        .bind(t(u.sla_due));
                }
                q.execute(&mut *tx).await.map_err(db)?;
            }
            // Each warning and breach once, with its audit event and the ticket's message.
            let items: Vec<(CompanyId, i64, SlaEvent)> = chunk
                .iter()
                .flat_map(|u| u.events.iter().map(move |ev| (u.company, u.id.0, *ev)))
                .collect();
            let marked = crate::sla::mark_events(
                &mut tx,
                self.backend,
                "it_tickets",
                steward_core::it::helpdesk::TICKET,
                &items,
                now,
            )
            .await?;
            let applied: Vec<&(CompanyId, i64, SlaEvent)> = items
                .iter()
                .zip(&marked)
                .filter(|(_, m)| **m)
                .map(|(i, _)| i)
                .collect();
            const INTO: &str = "it_ticket_messages (company_id, ticket_id, kind, internal, body, author_id, author, at)";
            for part in applied.chunks(rows_per_statement(8)) {
                let sql = insert_values(self.backend, INTO, "(?, ?, ?, ?, ?, ?, ?, ?)", part.len());
                let mut q = sqlx::query(&sql);
                for (company, id, ev) in part {
                    q = q
                        .bind(company.0)
                        .bind(*id)
                        .bind(MessageKind::Sla.as_str())
                        // SLA notes are internal (`NewMessage::internal`).
                        .bind(1i64)
                        .bind(format!("Service level: {}.", ev.describe()))
                        .bind(None::<i64>)
                        .bind("SLA")
                        .bind(now.0);
                }
                q.execute(&mut *tx).await.map_err(db)?;
            }
            let mut by_ticket: std::collections::HashMap<i64, Vec<SlaEvent>> =
                std::collections::HashMap::new();
            for (_, id, ev) in &applied {
                by_ticket.entry(*id).or_default().push(*ev);
            }
            for u in chunk {
                out.push(by_ticket.remove(&u.id.0).unwrap_or_default());
            }
            tx.commit().await.map_err(db)?;
        }
        Ok(out)
    }

    async fn report_tickets(
        &self,
        company: CompanyId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Ticket>> {
        let mut s = ticket_select();
        s.and_where(col("t", "company_id").eq(company.0))
            .and_where(col("t", "created_at").gte(from.0))
            .and_where(col("t", "created_at").lt(to.0))
            .order_by((a("t"), a("id")), Order::Asc);
        self.fetch_all(&s).await?.iter().map(ticket_of).collect()
    }
}

impl KbStore for Store {
    async fn articles(
        &self,
        company: CompanyId,
        published_only: bool,
        search: Option<&str>,
    ) -> Result<Vec<Article>> {
        let mut s = Query::select();
        s.from_as(a("it_kb_articles"), a("k"));
        for c in ["id", "title", "body", "published", "updated_at", "version"] {
            s.column((a("k"), a(c)));
        }
        s.and_where(col("k", "company_id").eq(company.0));
        if published_only {
            s.and_where(col("k", "published").eq(1));
        }
        if let Some(c) = contains_any(search, &[("k", "title"), ("k", "body")]) {
            s.cond_where(Cond::all().add(c));
        }
        s.order_by_expr(Expr::cust("lower(k.title)"), Order::Asc)
            .order_by((a("k"), a("id")), Order::Asc);
        self.fetch_all(&s).await?.iter().map(article_of).collect()
    }

    async fn article(&self, company: CompanyId, id: ArticleId) -> Result<Option<Article>> {
        sqlx::query(
            "SELECT id, title, body, published, updated_at, version FROM it_kb_articles \
             WHERE company_id = $1 AND id = $2",
        )
        .bind(company.0)
        .bind(id.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        .as_ref()
        .map(article_of)
        .transpose()
    }

    async fn insert_article(
        &self,
        company: CompanyId,
        k: &Article,
        mut audit: AuditDraft,
    ) -> Result<ArticleId> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO it_kb_articles (company_id, title, body, published, author_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(company.0)
        .bind(&k.title)
        .bind(&k.body)
        .bind(i64::from(k.published))
        .bind(audit.actor_id.map(|u| u.0))
        .bind(k.updated_at.0)
        .bind(k.updated_at.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&r, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(ArticleId(id))
    }

    async fn update_article(
        &self,
        company: CompanyId,
        k: &Article,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE it_kb_articles SET title = $1, body = $2, published = $3, updated_at = $4, version = version + 1 \
             WHERE company_id = $5 AND id = $6 AND version = $7",
        )
        .bind(&k.title)
        .bind(&k.body)
        .bind(i64::from(k.published))
        .bind(k.updated_at.0)
        .bind(company.0)
        .bind(k.id.0)
        .bind(k.version)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(stale("article"));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}

/// Rows per multi-row INSERT of [`Store::insert_tickets_bulk`].
const BULK_ROWS: usize = 200;

impl Store {
    /// Inserts many tickets as they are (state and due times included), with one audit
    /// event for the lot: for demo data and benchmarks; no conversation entries.
    pub async fn insert_tickets_bulk(&self, tickets: &[Ticket], audit: AuditDraft) -> Result<u64> {
        let mut tx = self.begin().await?;
        let mut n = 0u64;
        for chunk in tickets.chunks(BULK_ROWS) {
            let cols = 24;
            let mut sql = String::from(
                "INSERT INTO it_tickets (company_id, requester_id, subject, description, category_id, urgency, impact, \
                 priority, status, is_open, assignee_id, group_id, created_at, updated_at, first_response_at, \
                 resolved_at, closed_at, paused_since, first_response_due, resolution_due, sla_due, sla_state, \
                 response_breached_at, resolution_breached_at) VALUES ",
            );
            for (i, _) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let ps: Vec<String> = (1..=cols).map(|c| format!("${}", i * cols + c)).collect();
                sql.push('(');
                sql.push_str(&ps.join(", "));
                sql.push(')');
            }
            let mut q = sqlx::query(&sql);
            for tk in chunk {
                q = q
                    .bind(tk.company.0)
                    .bind(tk.requester.0)
                    .bind(tk.subject.clone())
                    .bind(tk.description.clone())
                    .bind(tk.category_id.map(|c| c.0))
                    .bind(tk.urgency.as_str())
                    .bind(tk.impact.as_str())
                    .bind(tk.priority.rank())
                    .bind(tk.status.as_str())
                    .bind(i64::from(tk.status.is_open()))
                    .bind(tk.assignee.map(|u| u.0))
                    .bind(tk.group_id.map(|g| g.0))
                    .bind(tk.created_at.0)
                    .bind(tk.updated_at.0)
                    .bind(t(tk.first_response_at))
                    .bind(t(tk.resolved_at))
                    .bind(t(tk.closed_at))
                    .bind(t(tk.paused_since))
                    .bind(t(tk.first_response_due))
                    .bind(t(tk.resolution_due))
                    .bind(t(tk.sla_due()))
                    .bind(tk.sla_state.as_str())
                    .bind(t(tk.response_breached_at))
                    .bind(t(tk.resolution_breached_at));
            }
            n += q.execute(&mut *tx).await.map_err(db)?.rows_affected();
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        // The queues' reads are planned on the statistics: refresh them after a big load
        // (PostgreSQL otherwise takes a 1,000-ticket queue for one row and sorts it all).
        if tickets.len() >= 1_000 {
            let _ = self.analyze(&["it_tickets"]).await;
        }
        Ok(n)
    }
}
