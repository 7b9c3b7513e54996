//! `/ledger`: where the books stand, what waits for approval, and the way to set them up.
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use steward_core::auth::Action;
use steward_core::ledger::service;
use steward_core::ledger::{EntryQuery, EntrySort, EntryStatus, EntrySummary};
use steward_core::list::{Paging, SortDir};

use super::can;
use crate::auth::PageActor;
use crate::pages::{chrome, fail, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/ledger", get(overview::<S>))
        .route("/ledger/setup", post(set_up::<S>))
}

#[derive(Template)]
#[template(path = "ledger/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    has_books: bool,
    can_set_up: bool,
    can_create: bool,
    pending: u64,
    drafts: u64,
    recent: Vec<EntrySummary>,
}

async fn overview<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    let (store, actor) = (&state.store, &pa.actor);
    let journals = match service::journals(store, actor).await {
        Ok(j) => j,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let count = |status| EntryQuery {
        status: Some(status),
        paging: Paging::new(Some(1), None),
        ..Default::default()
    };
    let pending = match service::list_entries(store, actor, &count(EntryStatus::Pending)).await {
        Ok(p) => p.total,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let drafts = service::list_entries(store, actor, &count(EntryStatus::Draft))
        .await
        .map(|p| p.total)
        .unwrap_or(0);
    let recent_q = EntryQuery {
        sort: EntrySort::Date,
        dir: SortDir::Desc,
        paging: Paging::new(Some(10), None),
        ..Default::default()
    };
    let recent = service::list_entries(store, actor, &recent_q)
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let page = OverviewPage {
        chrome: chrome(&state, &pa, "Books", "/ledger").await,
        has_books: !journals.is_empty(),
        can_set_up: can(actor, Action::Update),
        can_create: can(actor, Action::Create),
        pending,
        drafts,
        recent,
    };
    render(&page, StatusCode::OK)
}

async fn set_up<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    match service::set_up_books(&state.store, &pa.actor, true).await {
        Ok(()) => redirect_with(
            "/ledger",
            "The books are set up: your currency, five journals and a starter chart of accounts.",
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}
