//! What service levels write, for every domain that keeps them (cases, IT tickets): a
//! warning or breach recorded once per record, in the caller's transaction, with its audit
//! event. The tables share the columns (`response_warned_at`, `response_breached_at`,
//! `resolution_warned_at`, `resolution_breached_at`, `is_open`).
use steward_core::audit::AuditDraft;
use steward_core::ids::CompanyId;
use steward_core::time::Timestamp;
use steward_core::work::sla::SlaEvent;
use steward_core::Result;

use crate::{append_audit, append_audits, db, get_i64, Backend};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// The column that records `e`.
pub(crate) fn event_column(e: SlaEvent) -> &'static str {
    match e {
        SlaEvent::ResponseWarning => "response_warned_at",
        SlaEvent::ResponseBreach => "response_breached_at",
        SlaEvent::ResolutionWarning => "resolution_warned_at",
        SlaEvent::ResolutionBreach => "resolution_breached_at",
    }
}

/// Records `ev` on open record `id` of `table` (record kind `kind` in the audit trail) unless
/// it is recorded already: only the run that finds the column empty records it, so each
/// warning and breach happens once. Whether this run did.
pub(crate) async fn mark_event(
    tx: &mut Tx,
    table: &'static str,
    kind: &'static str,
    company: CompanyId,
    id: i64,
    ev: SlaEvent,
    now: Timestamp,
) -> Result<bool> {
    let c = event_column(ev);
    let r = sqlx::query(&format!(
        "UPDATE {table} SET {c} = $1 WHERE id = $2 AND is_open = 1 AND {c} IS NULL"
    ))
    .bind(now.0)
    .bind(id)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    if r.rows_affected() != 1 {
        return Ok(false);
    }
    append_audit(tx, event_audit(kind, company, id, ev)).await?;
    Ok(true)
}

/// The audit event of `ev` recorded on record `id`.
fn event_audit(kind: &'static str, company: CompanyId, id: i64, ev: SlaEvent) -> AuditDraft {
    AuditDraft::system(
        "sla",
        None,
        kind,
        Some(id.to_string()),
        if ev.is_breach() {
            "sla_breach"
        } else {
            "sla_warning"
        },
        serde_json::json!({"event": ev}),
    )
    .in_company(company)
}

/// [`mark_event`] for many records at once: one conditional UPDATE per kind of event and
/// thousand records (`RETURNING` the ids it recorded), the audit events in one append. For
/// each item, whether this run recorded it.
pub(crate) async fn mark_events(
    tx: &mut Tx,
    backend: Backend,
    table: &'static str,
    kind: &'static str,
    items: &[(CompanyId, i64, SlaEvent)],
    now: Timestamp,
) -> Result<Vec<bool>> {
    use std::fmt::Write as _;
    let mut done = std::collections::HashSet::new();
    for ev in [
        SlaEvent::ResponseWarning,
        SlaEvent::ResponseBreach,
        SlaEvent::ResolutionWarning,
        SlaEvent::ResolutionBreach,
    ] {
        let ids: Vec<i64> = items.iter().filter(|i| i.2 == ev).map(|i| i.1).collect();
        let c = event_column(ev);
        for chunk in ids.chunks(1000) {
            // The ids and the instant are our own integers: written into the statement. Found
            // by id (`+is_open` keeps SQLite off the index of open records).
            let mut list = String::with_capacity(chunk.len() * 8);
            for (n, id) in chunk.iter().enumerate() {
                if n > 0 {
                    list.push(',');
                }
                let _ = write!(list, "{id}");
            }
            let rows = sqlx::query(&format!(
                "UPDATE {table} SET {c} = {} WHERE id IN ({list}) AND +is_open = 1 AND {c} IS NULL RETURNING id",
                now.0
            ))
            .fetch_all(&mut **tx)
            .await
            .map_err(db)?;
            for r in rows {
                done.insert((get_i64(&r, "id")?, ev));
            }
        }
    }
    let marked: Vec<bool> = items.iter().map(|i| done.contains(&(i.1, i.2))).collect();
    let drafts = items
        .iter()
        .zip(&marked)
        .filter(|(_, m)| **m)
        .map(|(i, _)| event_audit(kind, i.0, i.1, i.2))
        .collect();
    append_audits(tx, backend, drafts).await?;
    Ok(marked)
}
