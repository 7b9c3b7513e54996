//! The audit trail: browse, filter, export, verify the chain.
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use steward_core::audit::{self, AuditEvent};

use super::{chrome, fail, render, Chrome};
use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::state::{AppState, Backend};
pub(crate) use crate::views::audit::{export_row, query_from, EXPORT_HEADERS};

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
