//! Periods: the months of a fiscal year with their state; close a month, reopen one (an
//! admin action with a reason), and the year-end close behind a confirmation step.
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::auth::{Action, Domain, Permission};
use steward_core::error::FieldError;
use steward_core::ledger::service;
use steward_core::ledger::{month_end, month_start, Period, PeriodStatus};
use steward_core::Error;

use super::{can, field, find_error, form_errors};
use crate::auth::PageActor;
use crate::pages::{chrome, fail, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/ledger/periods", get(index::<S>))
        .route("/ledger/periods/close", post(close::<S>))
        .route("/ledger/periods/reopen", post(reopen::<S>))
        .route(
            "/ledger/periods/close-year",
            get(confirm_close_year::<S>).post(close_year::<S>),
        )
}

struct MonthRow {
    /// `2026-03`
    month: String,
    label: String,
    from: String,
    to: String,
    closed: bool,
    changed_by: String,
    changed_at: String,
    reason: String,
}

fn month_row(p: &Period) -> MonthRow {
    let start = month_start(p.month);
    MonthRow {
        month: start
            .map(|d| d.format("%Y-%m").to_string())
            .unwrap_or_else(|| p.month.to_string()),
        label: start
            .map(|d| d.format("%B %Y").to_string())
            .unwrap_or_else(|| p.month.to_string()),
        from: start.map(|d| d.to_string()).unwrap_or_default(),
        to: month_end(p.month)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        closed: p.status == PeriodStatus::Closed,
        changed_by: p.changed_by.clone().unwrap_or_default(),
        changed_at: p.changed_at.map(|t| t.display()).unwrap_or_default(),
        reason: p.reason.clone(),
    }
}

#[derive(Template)]
#[template(path = "ledger/periods.html")]
struct PeriodsPage {
    chrome: Chrome,
    year: i32,
    months: Vec<MonthRow>,
    can_close: bool,
    can_reopen: bool,
    /// The month a failed form belongs to, and its errors.
    error_month: String,
    errors: Vec<FieldError>,
    reason: String,
}

impl PeriodsPage {
    fn error_for(&self, month: &str, field: &str) -> Option<String> {
        (self.error_month == month)
            .then(|| find_error(&self.errors, field))
            .flatten()
    }
    fn general_errors(&self) -> Vec<String> {
        self.errors
            .iter()
            .filter(|e| self.error_month.is_empty() || e.field != "reason")
            .map(|e| e.message.clone())
            .collect()
    }
}

fn parse_year(s: &str) -> Option<i32> {
    s.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (1900..=2999).contains(y))
}

async fn current_year<S: Backend>(state: &AppState<S>, pa: &PageActor) -> i32 {
    service::fiscal_year_of(&state.store, &pa.actor, service::today())
        .await
        .unwrap_or_else(|_| chrono::Datelike::year(&service::today()))
}

async fn page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    year: i32,
    error_month: String,
    errors: Vec<FieldError>,
    reason: String,
    status: StatusCode,
) -> Response {
    let periods = match service::periods(&state.store, &pa.actor, year).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let p = PeriodsPage {
        chrome: chrome(state, pa, &format!("Periods {year}"), "/ledger/periods").await,
        year,
        months: periods.iter().map(month_row).collect(),
        can_close: can(&pa.actor, Action::Approve),
        can_reopen: pa
            .actor
            .can(Permission::new(Domain::System, Action::Update))
            && can(&pa.actor, Action::Approve),
        error_month,
        errors,
        reason,
    };
    render(&p, status)
}

async fn index<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let year = match parse_year(&field(&pairs, "year")) {
        Some(y) => y,
        None => current_year(&state, &pa).await,
    };
    page(
        &state,
        &pa,
        year,
        String::new(),
        Vec::new(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

fn back_to(pairs: &[(String, String)]) -> String {
    match parse_year(&field(pairs, "year")) {
        Some(y) => format!("/ledger/periods?year={y}"),
        None => "/ledger/periods".into(),
    }
}

async fn after_failure<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    pairs: &[(String, String)],
    e: Error,
) -> Response {
    let month = field(pairs, "month");
    match form_errors(&e, "month") {
        Some(errors) => {
            let year = match parse_year(&field(pairs, "year")) {
                Some(y) => y,
                None => current_year(state, pa).await,
            };
            let status = crate::error::status_of(&e);
            page(
                state,
                pa,
                year,
                month,
                errors,
                field(pairs, "reason"),
                status,
            )
            .await
        }
        None => fail(state, pa, e).await,
    }
}

async fn close<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let month = service::parse_month("month", &field(&pairs, "month"))?;
        service::close_period(&state.store, &pa.actor, month).await
    }
    .await;
    match result {
        Ok(()) => redirect_with(
            &back_to(&pairs),
            &format!(
                "{} is closed: nothing more posts into it.",
                field(&pairs, "month")
            ),
        ),
        Err(e) => after_failure(&state, &pa, &pairs, e).await,
    }
}

async fn reopen<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let month = service::parse_month("month", &field(&pairs, "month"))?;
        service::reopen_period(&state.store, &pa.actor, month, &field(&pairs, "reason")).await
    }
    .await;
    match result {
        Ok(()) => redirect_with(
            &back_to(&pairs),
            &format!("{} is open again.", field(&pairs, "month")),
        ),
        Err(e) => after_failure(&state, &pa, &pairs, e).await,
    }
}

#[derive(Template)]
#[template(path = "ledger/close_year.html")]
struct CloseYearPage {
    chrome: Chrome,
    year: i32,
    from: String,
    to: String,
}

async fn confirm_close_year<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    if !can(&pa.actor, Action::Approve) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let Some(year) = parse_year(&field(&pairs, "year")) else {
        return fail(&state, &pa, Error::invalid("year", "a year like 2026")).await;
    };
    let (from, to) = match service::settings(&state.store, &pa.actor).await {
        Ok(s) => steward_core::ledger::fiscal_year_bounds(year, s.fiscal_year_start_month)
            .map(|(f, t)| (f.to_string(), t.to_string()))
            .unwrap_or_default(),
        Err(e) => return fail(&state, &pa, e).await,
    };
    let page = CloseYearPage {
        chrome: chrome(
            &state,
            &pa,
            &format!("Close the year {year}"),
            "/ledger/periods",
        )
        .await,
        year,
        from,
        to,
    };
    render(&page, StatusCode::OK)
}

async fn close_year<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Some(year) = parse_year(&field(&pairs, "year")) else {
        return fail(&state, &pa, Error::invalid("year", "a year like 2026")).await;
    };
    if field(&pairs, "confirm") != "yes" {
        return redirect_with(
            &format!("/ledger/periods/close-year?year={year}"),
            "Confirm the year-end close first.",
        );
    }
    match service::close_year(&state.store, &pa.actor, year).await {
        Ok(entry) => {
            let msg = match entry.and_then(|e| e.number) {
                Some(n) => format!(
                    "Fiscal year {year} is closed: income and expenses were closed into retained earnings by {n}, and every month is closed."
                ),
                None => format!(
                    "Fiscal year {year} is closed: there was no income or expense to close, every month is closed."
                ),
            };
            redirect_with(&format!("/ledger/periods?year={year}"), &msg)
        }
        Err(e) => after_failure(&state, &pa, &pairs, e).await,
    }
}
