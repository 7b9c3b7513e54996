//! Record health at `/hr/health`: the problems of the last run by rule (counts, each a
//! filter), the list of every problem (by employee, rule or department; search, paging,
//! CSV/XLSX) with a link to fix each, a health score per department and the trend of past
//! runs as an SVG chart drawn here. HR staff and auditors see it; HR staff may run it now.
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use steward_core::hr::health::{self, Issue, Summary};
use steward_core::list::{Page, SortKey};

use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};
pub(crate) use crate::views::hr_health::{export_row, query_from, EXPORT_HEADERS};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/hr/health", get(index::<S>))
        .route("/hr/health/run", post(run::<S>))
}

const COLUMNS: &[Column] = &[
    col("employee", "Employee", true),
    col("rule", "Problem", true),
    col("department", "Department", true),
    col("detail", "About", false),
    col("found", "Found", true),
    col("fix", "Fix", false),
];

/// A point of the trend chart.
pub struct TrendPoint {
    pub x: i64,
    pub y: i64,
    pub height: i64,
    pub issues: i64,
    pub label: String,
}

pub const TREND_W: i64 = 600;
pub const TREND_H: i64 = 120;

/// Bars of the problems of each run (oldest left), scaled to the largest.
pub fn trend_points(runs: &[health::Run]) -> Vec<TrendPoint> {
    let max = runs.iter().map(|r| r.issues).max().unwrap_or(0).max(1);
    let n = i64::try_from(runs.len()).unwrap_or(1).max(1);
    let step = (TREND_W / n).max(4);
    runs.iter()
        .enumerate()
        .map(|(i, r)| {
            let h = if r.issues <= 0 {
                0
            } else {
                (r.issues.saturating_mul(TREND_H - 20) / max).max(2)
            };
            TrendPoint {
                x: i64::try_from(i).unwrap_or(0) * step + 2,
                y: TREND_H - h,
                height: h,
                issues: r.issues,
                label: r.finished_at.display(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "hr/health_index.html")]
struct HealthPage {
    chrome: Chrome,
    summary: Summary,
    trend: Vec<TrendPoint>,
    trend_step: i64,
    items: Vec<Issue>,
    list: ListView,
    can_run: bool,
}

impl HealthPage {
    fn rule_href(&self, key: &str) -> String {
        self.list
            .params
            .href("/hr/health", &[("rule", key), ("offset", "")])
    }
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
    let page: Page<Issue> = match health::issues(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(&state, &pa, e).await,
    };
    if let Some(format) = params.export_format() {
        return export(
            format,
            "record-health",
            EXPORT_HEADERS,
            page.items.iter().map(export_row).collect(),
        );
    }
    let summary = match health::summary(&state.store, &pa.actor).await {
        Ok(s) => s,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let list = ListView::new("/hr/health", &params, COLUMNS, q.sort.name(), q.dir, &page);
    let trend = trend_points(&summary.runs);
    let trend_step = (TREND_W / i64::try_from(summary.runs.len()).unwrap_or(1).max(1)).max(4) - 2;
    render(
        &HealthPage {
            chrome: chrome(&state, &pa, "Record health", "/hr/health").await,
            summary,
            trend,
            trend_step,
            items: page.items,
            list,
            can_run: steward_core::hr::is_hr_staff(&pa.actor),
        },
        StatusCode::OK,
    )
}

async fn run<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    match health::run_now(&state.store, &pa.actor).await {
        Ok(r) => redirect_with(
            "/hr/health",
            &format!("Checked {} employees: {} problems.", r.employees, r.issues),
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}
