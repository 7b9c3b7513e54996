//! The audit trail: browse, filter, export, verify the chain.
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use steward_core::audit::{self, AuditEvent, AuditQuery};
use steward_core::list::SortDir;
use steward_core::Error;

use super::{chrome, fail, render, Chrome};
use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new().route("/audit", get(index::<S>))
}

const COLUMNS: &[Column] = &[
    col("seq", "#", true),
    col("at", "When", false),
    col("actor", "Who", false),
    col("ip", "From", false),
    col("entity", "What", false),
    col("action", "Action", false),
    col("changes", "Changes", false),
];

pub const EXPORT_HEADERS: &[&str] = &[
    "seq",
    "at",
    "actor",
    "ip",
    "entity",
    "entity_id",
    "action",
    "changes",
    "hash",
];

pub fn export_row(e: &AuditEvent) -> Vec<String> {
    vec![
        e.seq.to_string(),
        e.at.rfc3339(),
        e.actor.clone(),
        e.ip.clone().unwrap_or_default(),
        e.entity.clone(),
        e.entity_id.clone().unwrap_or_default(),
        e.action.clone(),
        e.changes.to_string(),
        e.hash.clone(),
    ]
}

/// Parses `YYYY-MM-DD` as the start of that day (UTC).
/// A `YYYY-MM-DD` filter as the start of that day (UTC).
fn day(s: Option<&str>, field: &str) -> Result<Option<steward_core::time::Timestamp>, Error> {
    s.map(|d| {
        steward_core::time::Timestamp::start_of_day(d)
            .ok_or_else(|| Error::invalid(field, "must be a date like 2026-01-31"))
    })
    .transpose()
}

pub fn query_from(params: &ListParams) -> Result<AuditQuery, Error> {
    let to = day(params.get("to"), "to")?.map(|t| t.plus_secs(86_400));
    Ok(AuditQuery {
        search: params.search(),
        entity: params.get("entity").map(str::to_string),
        action: params.get("action").map(str::to_string),
        actor: params.get("actor").map(str::to_string),
        from: day(params.get("from"), "from")?,
        to,
        dir: params
            .get("dir")
            .and_then(SortDir::parse)
            .unwrap_or(SortDir::Desc),
        paging: params.paging(),
    })
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    events: Vec<AuditEvent>,
    verify: Option<Result<u64, String>>,
}

async fn index<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let q = match query_from(&params) {
        Ok(q) => q,
        Err(e) => return fail(&state, &pa, e).await,
    };
    if let Some(format) = params.export_format() {
        return match audit::export_events(&state.store, &pa.actor, &q).await {
            Ok(items) => export(
                format,
                "audit",
                EXPORT_HEADERS,
                items.iter().map(export_row).collect(),
            ),
            Err(e) => fail(&state, &pa, e).await,
        };
    }
    let page = match audit::list_events(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let verify = if params.get("verify").is_some() {
        match audit::verify(&state.store, &pa.actor).await {
            Ok(r) => Some(r.map_err(|b| b.to_string())),
            Err(e) => return fail(&state, &pa, e).await,
        }
    } else {
        None
    };
    let list = ListView::new("/audit", &params, COLUMNS, "seq", q.dir, &page);
    render(
        &ListPage {
            chrome: chrome(&state, &pa, "Audit trail", "/audit").await,
            list,
            events: page.items,
            verify,
        },
        StatusCode::OK,
    )
}
