//! `/api/v1/dashboard` (the manager's tiles, as data) and `/api/v1/jobs` (the company's
//! background jobs: list, counts, retry one that failed for good).
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::jobs::{self, Job, JobId, JobStats};
use steward_core::work::dashboard::Tile;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::{ok, ListOf};
use crate::auth::ApiActor;
use crate::error::ApiError;
use crate::list::ListParams;
use crate::state::{AppState, Backend};
use crate::views::jobs as jobs_page;

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(dashboard))
        .routes(routes!(list_jobs))
        .routes(routes!(stats))
        .routes(routes!(retry))
}

#[derive(Serialize, ToSchema)]
pub struct BarOut {
    label: String,
    value: i64,
    link: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DashboardLineOut)]
pub struct LineOut {
    text: String,
    when: Option<String>,
    link: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TileOut {
    key: String,
    title: String,
    number: i64,
    caption: String,
    bars: Vec<BarOut>,
    lines: Vec<LineOut>,
    /// The filtered list behind the tile (a page path).
    link: String,
    unavailable: bool,
}

impl From<Tile> for TileOut {
    fn from(t: Tile) -> Self {
        TileOut {
            key: t.key,
            title: t.title,
            number: t.number,
            caption: t.caption,
            bars: t
                .bars
                .into_iter()
                .map(|b| BarOut {
                    label: b.label,
                    value: b.value,
                    link: b.link,
                })
                .collect(),
            lines: t
                .lines
                .into_iter()
                .map(|l| LineOut {
                    text: l.text,
                    when: l.when.map(|w| w.rfc3339()),
                    link: l.link,
                })
                .collect(),
            link: t.link,
            unavailable: t.unavailable,
        }
    }
}

/// The manager's dashboard tiles (Work approve).
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "work",
    responses((status = 200, body = Vec<TileOut>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn dashboard<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let tiles = steward_core::work::dashboard::dashboard(state.registry.tiles(), &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(tiles.into_iter().map(TileOut::from).collect::<Vec<_>>()))
}

#[derive(Serialize, ToSchema)]
#[schema(as = DashboardJobOut)]
pub struct JobOut {
    id: i64,
    kind: String,
    /// `queued`, `running`, `done` or `dead` (failed for good).
    status: String,
    #[schema(value_type = Object)]
    payload: serde_json::Value,
    attempts: i64,
    max_attempts: i64,
    run_at: String,
    created_at: String,
    finished_at: Option<String>,
    last_error: Option<String>,
}

impl From<Job> for JobOut {
    fn from(j: Job) -> Self {
        // A mail's body may be long and personal: the list shows where it goes, not what.
        let payload = if j.kind == steward_core::work::mail::MAIL_SEND {
            serde_json::json!({ "to": j.payload.get("to"), "subject": j.payload.get("subject") })
        } else {
            j.payload
        };
        JobOut {
            id: j.id.0,
            kind: j.kind,
            status: j.status.as_str().to_string(),
            payload,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: j.run_at.rfc3339(),
            created_at: j.created_at.rfc3339(),
            finished_at: j.finished_at.map(|t| t.rfc3339()),
            last_error: j.last_error,
        }
    }
}

/// Documents the query string; the handler parses it with the shared `ListParams`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct JobParams {
    /// `queued`, `running`, `done` or `dead`.
    #[param(schema_with = job_status_filter)]
    status: Option<String>,
    kind: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// The company's background jobs, newest first (System read).
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", params(JobParams),
    responses((status = 200, body = ListOf<JobOut>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn list_jobs<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let params = ListParams::exact(pairs);
    let format = crate::list::api_export_format(params.get("format")).map_err(err)?;
    let q = jobs_page::query_from(&params).map_err(err)?;
    let page = jobs::list_jobs(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = format {
        return Ok(crate::list::export(
            format,
            "jobs",
            jobs_page::EXPORT_HEADERS,
            page.items.iter().map(jobs_page::export_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page.items.into_iter().map(JobOut::from).collect::<Vec<_>>(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct StatsOut {
    queued: u64,
    due: u64,
    running: u64,
    done: u64,
    dead: u64,
    oldest_due: Option<String>,
}

impl From<JobStats> for StatsOut {
    fn from(s: JobStats) -> Self {
        StatsOut {
            queued: s.queued,
            due: s.due,
            running: s.running,
            done: s.done,
            dead: s.dead,
            oldest_due: s.oldest_due.map(|t| t.rfc3339()),
        }
    }
}

/// Counts of the company's jobs by status.
#[utoipa::path(get, path = "/api/v1/jobs/stats", tag = "jobs",
    responses((status = 200, body = StatsOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn stats<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let s = jobs::job_stats(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(StatsOut::from(s)))
}

/// Queues a job that failed for good again, with fresh attempts (System update; audited).
#[utoipa::path(post, path = "/api/v1/jobs/{id}/retry", tag = "jobs", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn retry<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    jobs::retry_dead(&state.store, &a.actor, JobId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(StatusCode::NO_CONTENT)
}

crate::api::contract::filter_of!(job_status_filter, steward_core::jobs::JobStatus);
