//! Notifications and notification preferences (see `steward_core::work::notify`). Every
//! read and write is keyed by (company, user): nobody reaches another's notifications.
use sea_query::{Alias, Cond, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use sqlx::Row;
use steward_core::audit::AuditDraft;
use steward_core::ids::{CompanyId, UserId};
use steward_core::jobs::NewJob;
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::work::notify::{
    mail_job, Delivery, Notification, NotificationId, NotificationQuery, NotificationSort,
    NotifyStore, Outgoing, Preference, Recipient, GROUPS,
};
use steward_core::{Error, Result};

use crate::sql::like_pattern;
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

const COLUMNS: [&str; 10] = [
    "id",
    "company_id",
    "user_id",
    "kind",
    "title",
    "body",
    "link",
    "read_at",
    "mailed_at",
    "created_at",
];

fn cols() -> String {
    COLUMNS.join(", ")
}

fn notification_from(r: &AnyRow) -> Result<Notification> {
    Ok(Notification {
        id: NotificationId(get_i64(r, "id")?),
        company: CompanyId(get_i64(r, "company_id")?),
        user: UserId(get_i64(r, "user_id")?),
        kind: get_str(r, "kind")?,
        title: get_str(r, "title")?,
        body: get_str(r, "body")?,
        link: opt_str(r, "link")?,
        read_at: opt_i64(r, "read_at")?.map(Timestamp),
        mailed_at: opt_i64(r, "mailed_at")?.map(Timestamp),
        created_at: Timestamp(get_i64(r, "created_at")?),
    })
}

fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn a(s: &str) -> Alias {
    Alias::new(s)
}

fn filtered(company: CompanyId, user: UserId, q: &NotificationQuery) -> SelectStatement {
    let mut s = Query::select();
    s.from(a("notifications"))
        .and_where(Expr::col(a("user_id")).eq(user.0))
        .and_where(Expr::col(a("company_id")).eq(company.0));
    if q.unread_only {
        s.and_where(Expr::col(a("read_at")).is_null());
    }
    if let Some(g) = q.group.as_deref() {
        if g == "system" {
            // Everything not in a named group.
            for (k, _) in GROUPS.iter().filter(|(k, _)| *k != "system") {
                s.and_where(Expr::col(a("kind")).ne(*k));
                s.and_where(Expr::col(a("kind")).not_like(format!("{k}.%")));
            }
        } else {
            s.cond_where(
                Cond::any()
                    .add(Expr::col(a("kind")).eq(g))
                    .add(Expr::col(a("kind")).like(format!("{g}.%"))),
            );
        }
    }
    if let Some(t) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let p = like_pattern(t);
        let like = |c: &str| {
            Expr::expr(Func::lower(Expr::col(a(c))))
                .like(sea_query::LikeExpr::new(p.clone()).escape('\\'))
        };
        s.cond_where(Cond::any().add(like("title")).add(like("body")));
    }
    s
}

impl NotifyStore for Store {
    async fn recipients(&self, company: CompanyId, users: &[UserId]) -> Result<Vec<Recipient>> {
        let mut out = Vec::new();
        for chunk in users.chunks(500) {
            let sql = format!(
                "SELECT u.id, u.email, u.display_name FROM users u \
                 JOIN memberships m ON m.user_id = u.id AND m.company_id = $1 \
                 WHERE u.disabled = 0 AND (m.valid_until IS NULL OR m.valid_until > $2) \
                   AND u.id IN ({}) ORDER BY u.id",
                placeholders(3, chunk.len())
            );
            let mut q = sqlx::query(&sql).bind(company.0).bind(Timestamp::now().0);
            for u in chunk {
                q = q.bind(u.0);
            }
            for r in q.fetch_all(&self.read).await.map_err(db)? {
                out.push(Recipient {
                    user: UserId(get_i64(&r, "id")?),
                    email: get_str(&r, "email")?,
                    display_name: get_str(&r, "display_name")?,
                });
            }
        }
        Ok(out)
    }

    async fn deliveries(
        &self,
        company: CompanyId,
        users: &[UserId],
    ) -> Result<Vec<(UserId, Preference)>> {
        let mut out = Vec::new();
        for chunk in users.chunks(500) {
            let sql = format!(
                "SELECT user_id, kind_group, delivery FROM notification_prefs \
                 WHERE company_id = $1 AND user_id IN ({}) ORDER BY user_id, kind_group",
                placeholders(2, chunk.len())
            );
            let mut q = sqlx::query(&sql).bind(company.0);
            for u in chunk {
                q = q.bind(u.0);
            }
            for r in q.fetch_all(&self.read).await.map_err(db)? {
                let d = get_str(&r, "delivery")?;
                let Some(delivery) = Delivery::parse(&d) else {
                    tracing::warn!(delivery = %d, "unknown notification delivery ignored");
                    continue;
                };
                out.push((
                    UserId(get_i64(&r, "user_id")?),
                    Preference {
                        group: get_str(&r, "kind_group")?,
                        delivery,
                    },
                ));
            }
        }
        Ok(out)
    }

    async fn insert_notifications(&self, items: &[Outgoing]) -> Result<Vec<NotificationId>> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let mut ids = Vec::with_capacity(items.len());
        let mut jobs: Vec<NewJob> = Vec::new();
        for o in items {
            let n = &o.item;
            let row = sqlx::query(
                "INSERT INTO notifications (company_id, user_id, kind, title, body, link, read_at, mailed_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8) RETURNING id",
            )
            .bind(n.company.0)
            .bind(n.user.0)
            .bind(&n.kind)
            .bind(&n.title)
            .bind(&n.body)
            .bind(n.link.as_deref())
            .bind(o.mail_now.then_some(now.0))
            .bind(now.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let id = NotificationId(row.try_get::<i64, _>("id").map_err(db)?);
            if o.mail_now {
                jobs.push(mail_job(n.company, n.user, id)?);
            }
            ids.push(id);
        }
        if !jobs.is_empty() {
            Self::enqueue_in(&mut tx, &jobs).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }

    async fn get_notification(
        &self,
        company: CompanyId,
        user: UserId,
        id: NotificationId,
    ) -> Result<Option<Notification>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM notifications WHERE id = $1 AND user_id = $2 AND company_id = $3",
            cols()
        ))
        .bind(id.0)
        .bind(user.0)
        .bind(company.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.as_ref().map(notification_from).transpose()
    }

    async fn list_notifications(
        &self,
        company: CompanyId,
        user: UserId,
        q: &NotificationQuery,
    ) -> Result<Page<Notification>> {
        let mut count = filtered(company, user, q);
        count.expr_as(Expr::col(a("id")).count(), a("n"));
        let mut s = filtered(company, user, q);
        s.columns(COLUMNS.map(a));
        let dir = match q.dir {
            Some(SortDir::Asc) => Order::Asc,
            Some(SortDir::Desc) => Order::Desc,
            None if q.sort == NotificationSort::Created => Order::Desc,
            None => Order::Asc,
        };
        match q.sort {
            NotificationSort::Created => {}
            NotificationSort::Kind => {
                s.order_by(a("kind"), dir.clone());
            }
            NotificationSort::Title => {
                s.order_by(a("title"), dir.clone());
            }
        }
        s.order_by(a("id"), dir);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        let items = rows.iter().map(notification_from).collect::<Result<_>>()?;
        Ok(Page {
            items,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn unread_count(&self, company: CompanyId, user: UserId) -> Result<u64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND company_id = $2 AND read_at IS NULL",
        )
        .bind(user.0)
        .bind(company.0)
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        Ok(u64::try_from(get_i64(&row, "n")?).unwrap_or(0))
    }

    async fn mark_read(
        &self,
        company: CompanyId,
        user: UserId,
        ids: &[NotificationId],
        now: Timestamp,
    ) -> Result<u64> {
        let mut n = 0;
        for chunk in ids.chunks(500) {
            let sql = format!(
                "UPDATE notifications SET read_at = $1 \
                 WHERE user_id = $2 AND company_id = $3 AND read_at IS NULL AND id IN ({})",
                placeholders(4, chunk.len())
            );
            let mut q = sqlx::query(&sql).bind(now.0).bind(user.0).bind(company.0);
            for id in chunk {
                q = q.bind(id.0);
            }
            n += q.execute(&self.write).await.map_err(db)?.rows_affected();
        }
        Ok(n)
    }

    async fn mark_all_read(&self, company: CompanyId, user: UserId, now: Timestamp) -> Result<u64> {
        let r = sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND company_id = $3 AND read_at IS NULL",
        )
        .bind(now.0)
        .bind(user.0)
        .bind(company.0)
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(r.rows_affected())
    }

    async fn set_preferences(
        &self,
        company: CompanyId,
        user: UserId,
        prefs: &[Preference],
        audit: AuditDraft,
    ) -> Result<()> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        for p in prefs {
            if !GROUPS.iter().any(|(g, _)| *g == p.group) {
                return Err(Error::invalid("group", "unknown group"));
            }
            sqlx::query(
                "INSERT INTO notification_prefs (user_id, company_id, kind_group, delivery, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (user_id, company_id, kind_group) DO UPDATE SET delivery = excluded.delivery, updated_at = excluded.updated_at",
            )
            .bind(user.0)
            .bind(company.0)
            .bind(&p.group)
            .bind(p.delivery.as_str())
            .bind(now.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn digest_subscribers(&self) -> Result<Vec<(CompanyId, UserId)>> {
        let rows = sqlx::query(
            "SELECT DISTINCT company_id, user_id FROM notification_prefs WHERE delivery = 'digest' \
             ORDER BY company_id, user_id",
        )
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok((
                    CompanyId(get_i64(r, "company_id")?),
                    UserId(get_i64(r, "user_id")?),
                ))
            })
            .collect()
    }

    async fn unmailed(
        &self,
        company: CompanyId,
        user: UserId,
        limit: u32,
    ) -> Result<Vec<Notification>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM notifications \
             WHERE user_id = $1 AND company_id = $2 AND read_at IS NULL AND mailed_at IS NULL \
             ORDER BY id LIMIT {}",
            cols(),
            limit.clamp(1, 10_000)
        ))
        .bind(user.0)
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(notification_from).collect()
    }

    async fn mark_mailed(&self, ids: &[NotificationId], now: Timestamp, job: NewJob) -> Result<()> {
        let mut tx = self.begin().await?;
        for chunk in ids.chunks(500) {
            let sql = format!(
                "UPDATE notifications SET mailed_at = $1 WHERE mailed_at IS NULL AND id IN ({})",
                placeholders(2, chunk.len())
            );
            let mut q = sqlx::query(&sql).bind(now.0);
            for id in chunk {
                q = q.bind(id.0);
            }
            q.execute(&mut *tx).await.map_err(db)?;
        }
        Self::enqueue_in(&mut tx, &[job]).await?;
        tx.commit().await.map_err(db)
    }
}
