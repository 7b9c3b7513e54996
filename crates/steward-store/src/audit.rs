//! Reading the audit trail: filtered pages for people, the whole chain for verification.
use sea_query::{Alias, Cond, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use steward_core::audit::{
    scoped_break, AuditEvent, AuditKey, AuditQuery, AuditStore, ChainBreak, ChainVerifier,
    Checkpoint, StoredEvent,
};
use steward_core::ids::{CompanyId, UserId};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::Result;

use crate::sql::like_pattern;
use crate::{db, get_i64, get_str, opt_i64, opt_str, Store};

const COLUMNS: [&str; 12] = [
    "seq",
    "at",
    "company_id",
    "actor_id",
    "actor",
    "ip",
    "entity",
    "entity_id",
    "action",
    "changes",
    "prev_hash",
    "hash",
];

pub(crate) fn event_from(r: &AnyRow) -> Result<AuditEvent> {
    Ok(AuditEvent {
        seq: get_i64(r, "seq")?,
        at: Timestamp(get_i64(r, "at")?),
        company_id: opt_i64(r, "company_id")?.map(CompanyId),
        actor_id: opt_i64(r, "actor_id")?.map(UserId),
        actor: get_str(r, "actor")?,
        ip: opt_str(r, "ip")?,
        entity: get_str(r, "entity")?,
        entity_id: opt_str(r, "entity_id")?,
        action: get_str(r, "action")?,
        // A row edited into invalid JSON still loads (as a string), and then fails its hash.
        changes: {
            let raw = get_str(r, "changes")?;
            serde_json::from_str(&raw).unwrap_or(serde_json::Value::String(raw))
        },
        prev_hash: get_str(r, "prev_hash")?,
        hash: get_str(r, "hash")?,
    })
}

fn filtered(company: CompanyId, q: &AuditQuery) -> SelectStatement {
    let a = Alias::new;
    let mut s = Query::select();
    s.from(a("audit_events"))
        .and_where(Expr::col(a("company_id")).eq(company.0));
    if let Some(t) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let p = like_pattern(t);
        let like = |c: &'static str| {
            Expr::expr(Func::lower(Expr::col(Alias::new(c))))
                .like(sea_query::LikeExpr::new(p.clone()).escape('\\'))
        };
        s.cond_where(
            Cond::any()
                .add(like("actor"))
                .add(like("entity"))
                .add(like("action"))
                .add(like("entity_id"))
                .add(like("changes")),
        );
    }
    for (c, v) in [
        ("entity", &q.entity),
        ("action", &q.action),
        ("actor", &q.actor),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            s.and_where(Expr::col(a(c)).eq(v));
        }
    }
    if let Some(f) = q.from {
        s.and_where(Expr::col(a("at")).gte(f.0));
    }
    if let Some(t) = q.to {
        s.and_where(Expr::col(a("at")).lt(t.0));
    }
    s
}

impl AuditStore for Store {
    async fn list_events(&self, company: CompanyId, q: &AuditQuery) -> Result<Page<AuditEvent>> {
        let a = Alias::new;
        let mut count = filtered(company, q);
        count.expr_as(Expr::col(a("seq")).count(), a("n"));
        let mut s = filtered(company, q);
        s.columns(COLUMNS.map(a)).order_by(
            a("seq"),
            if q.dir == SortDir::Asc {
                Order::Asc
            } else {
                Order::Desc
            },
        );
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        let items = rows.iter().map(event_from).collect::<Result<_>>()?;
        Ok(Page {
            items,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn recent_events(&self, company: CompanyId, limit: u32) -> Result<Vec<AuditEvent>> {
        let a = Alias::new;
        let mut s = filtered(company, &AuditQuery::default());
        s.columns(COLUMNS.map(a)).order_by(a("seq"), Order::Desc);
        self.fetch_page(&s, steward_core::list::Paging::new(Some(limit), None))
            .await?
            .iter()
            .map(event_from)
            .collect()
    }

    async fn count_since(&self, company: CompanyId, since: Timestamp, cap: u32) -> Result<u64> {
        // The cap is a literal: a bound LIMIT makes PostgreSQL's generic plan forget it.
        let r = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM audit_events \
             WHERE company_id = $1 AND at >= $2 LIMIT {cap}) t"
        ))
        .bind(company.0)
        .bind(since.0)
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        Ok(u64::try_from(get_i64(&r, "n")?).unwrap_or(0))
    }

    async fn verify_scoped(
        &self,
        company: Option<CompanyId>,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<Result<u64, ChainBreak>> {
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.read)
            .await
            .map_err(db)?;
        let head_seq = get_i64(&head, "seq")?;
        let head_hash = get_str(&head, "hash")?;
        // Walk in pages so that a long trail never sits in memory whole.
        let sql = format!(
            "SELECT {} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT 10000",
            COLUMNS.join(", ")
        );
        let mut verifier = ChainVerifier::new(crate::audit_key(), checkpoint.cloned());
        let mut after = 0i64;
        let mut own = 0u64;
        loop {
            let rows = sqlx::query(&sql)
                .bind(after)
                .fetch_all(&self.read)
                .await
                .map_err(db)?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let e = stored_from(r)?;
                let mine = company.is_none_or(|c| e.company_id == Some(c.0));
                if let Err(b) = verifier.push_stored(&e) {
                    return Ok(Err(scoped_break(b, mine)));
                }
                if mine {
                    own += 1;
                }
                after = e.seq;
            }
        }
        Ok(match verifier.finish(Some((head_seq, &head_hash))) {
            Ok(n) if company.is_none() => Ok(n),
            Ok(_) => Ok(own),
            Err(b) => Err(scoped_break(b, company.is_none())),
        })
    }

    async fn head(&self) -> Result<(i64, String)> {
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.read)
            .await
            .map_err(db)?;
        Ok((get_i64(&head, "seq")?, get_str(&head, "hash")?))
    }

    fn audit_key(&self) -> Option<AuditKey> {
        crate::audit_key()
    }
}

/// A row exactly as stored, for verification.
fn stored_from(r: &AnyRow) -> Result<StoredEvent> {
    Ok(StoredEvent {
        seq: get_i64(r, "seq")?,
        at: get_i64(r, "at")?,
        company_id: opt_i64(r, "company_id")?,
        actor_id: opt_i64(r, "actor_id")?,
        actor: get_str(r, "actor")?,
        ip: opt_str(r, "ip")?,
        entity: get_str(r, "entity")?,
        entity_id: opt_str(r, "entity_id")?,
        action: get_str(r, "action")?,
        changes: get_str(r, "changes")?,
        prev_hash: get_str(r, "prev_hash")?,
        hash: get_str(r, "hash")?,
    })
}
