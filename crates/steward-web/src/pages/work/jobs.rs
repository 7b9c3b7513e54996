//! The background jobs page at `/jobs` (admins: System read): the queue's counts, the
//! company's jobs filtered by status and kind (failed ones first to look at, with their
//! error), and retrying a job that failed for good.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use steward_core::jobs::{self, Job, JobId, JobStats, JobStatus};
use steward_core::list::SortDir;

use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};
pub(crate) use crate::views::jobs::{export_row, query_from, EXPORT_HEADERS};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/jobs", get(index::<S>))
        .route("/jobs/{id}/retry", post(retry::<S>))
}

const COLUMNS: &[Column] = &[
    col("id", "#", false),
    col("kind", "Kind", false),
    col("status", "Status", false),
    col("attempts", "Attempts", false),
    col("run_at", "Due", false),
    col("error", "Last error", false),
    col("actions", "", false),
];

#[derive(Template)]
#[template(path = "work/jobs.html")]
struct JobsPage {
    chrome: Chrome,
    list: ListView,
    jobs: Vec<Job>,
    stats: JobStats,
    statuses: [JobStatus; 4],
    can_retry: bool,
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
    let page = match jobs::list_jobs(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(&state, &pa, e).await,
    };
    if let Some(format) = params.export_format() {
        return export(
            format,
            "jobs",
            EXPORT_HEADERS,
            page.items.iter().map(export_row).collect(),
        );
    }
    let stats = match jobs::job_stats(&state.store, &pa.actor).await {
        Ok(s) => s,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let can_retry = pa.actor.can(steward_core::auth::Permission::new(
        steward_core::auth::Domain::System,
        steward_core::auth::Action::Update,
    ));
    let list = ListView::new("/jobs", &params, COLUMNS, "id", SortDir::Desc, &page);
    render(
        &JobsPage {
            chrome: chrome(&state, &pa, "Background jobs", "/jobs").await,
            list,
            jobs: page.items,
            stats,
            statuses: JobStatus::ALL,
            can_retry,
        },
        StatusCode::OK,
    )
}

async fn retry<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match jobs::retry_dead(&state.store, &pa.actor, JobId(id)).await {
        Ok(()) => redirect_with("/jobs?status=dead", &format!("Job {id} is queued again.")),
        Err(e) => fail(&state, &pa, e).await,
    }
}
