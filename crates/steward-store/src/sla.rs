//! What service levels write, for every domain that keeps them (cases, IT tickets): a
//! warning or breach recorded once per record, in the caller's transaction, with its audit
//! event. The tables share the columns (`response_warned_at`, `response_breached_at`,
//! `resolution_warned_at`, `resolution_breached_at`, `is_open`).
use steward_core::audit::AuditDraft;
use steward_core::ids::CompanyId;
use steward_core::time::Timestamp;
use steward_core::work::sla::SlaEvent;
use steward_core::Result;

use crate::{append_audit, db};

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
    let audit = AuditDraft::system(
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
    .in_company(company);
    append_audit(tx, audit).await?;
    Ok(true)
}
