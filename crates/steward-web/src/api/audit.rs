//! `/api/v1/audit`: the audit trail, and its verification.
use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::audit::{self, AuditEvent};
use utoipa::{IntoParams, ToSchema};

use super::{ok, ListOf};
use crate::auth::ApiActor;
use crate::error::ApiError;
use crate::list::ListParams;
use crate::state::{AppState, Backend};

#[derive(Serialize, ToSchema)]
pub struct AuditEventOut {
    seq: i64,
    at: String,
    actor: String,
    actor_id: Option<i64>,
    ip: Option<String>,
    entity: String,
    entity_id: Option<String>,
    action: String,
    #[schema(value_type = Object)]
    changes: serde_json::Value,
    prev_hash: String,
    hash: String,
}

impl From<AuditEvent> for AuditEventOut {
    fn from(e: AuditEvent) -> Self {
        AuditEventOut {
            seq: e.seq,
            at: e.at.rfc3339(),
            actor: e.actor,
            actor_id: e.actor_id.map(|u| u.0),
            ip: e.ip,
            entity: e.entity,
            entity_id: e.entity_id,
            action: e.action,
            changes: e.changes,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// Documents the query string; the handler parses it with the shared `ListParams`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AuditParams {
    q: Option<String>,
    entity: Option<String>,
    action: Option<String>,
    actor: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    #[param(schema_with = crate::api::contract::date_param)]
    from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    #[param(schema_with = crate::api::contract::date_param)]
    to: Option<String>,
    /// `asc` or `desc` (default: newest first).
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// The company's audit events, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = ListOf<AuditEventOut>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let params = ListParams::exact(pairs);
    let q = crate::views::audit::query_from(&params).map_err(err)?;
    if let Some(format) = crate::list::api_export_format(params.get("format")).map_err(err)? {
        let items = audit::export_events(&state.store, &a.actor, &q)
            .await
            .map_err(err)?;
        return Ok(crate::list::export(
            format,
            "audit",
            crate::views::audit::EXPORT_HEADERS,
            items.iter().map(crate::views::audit::export_row).collect(),
        ));
    }
    let page = audit::list_events(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(AuditEventOut::from)
            .collect::<Vec<_>>(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct VerifyOut {
    ok: bool,
    events: u64,
    /// The first broken event, when not ok.
    broken_at: Option<i64>,
    reason: Option<String>,
}

/// Verifies the whole hash chain.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = VerifyOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn verify<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let r = audit::verify(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(match r {
        Ok(n) => VerifyOut {
            ok: true,
            events: n,
            broken_at: None,
            reason: None,
        },
        Err(b) => VerifyOut {
            ok: false,
            events: 0,
            broken_at: Some(b.seq),
            reason: Some(b.reason),
        },
    }))
}
