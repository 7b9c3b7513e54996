//! HR reports at `/hr/reports`: headcount by department and month, joiners and leavers
//! with turnover, and the record-health trend; bar charts drawn as SVG here, each table as
//! CSV/XLSX (`?format=csv&report=headcount|movements|health`). HR staff and auditors.
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use steward_core::hr::health::{self, Run};
use steward_core::hr::reports::{self, percent_label, Headcount, Month, Movements, Range};
use steward_core::Error;

use crate::auth::PageActor;
use crate::list::{export, ListParams};
use crate::pages::{chrome, fail, render, Chrome};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/hr/reports", get(index))
}

/// `to=yyyy-mm` and `months=n`; the last 12 months by default.
pub(crate) fn range_from(params: &ListParams) -> Result<Range, Error> {
    let to = match params.get("to") {
        Some(t) => Month::parse(t).ok_or_else(|| Error::invalid("to", "a month as yyyy-mm"))?,
        None => Month::of(health::today()),
    };
    let months = match params.get("months") {
        Some(m) => m
            .parse::<u32>()
            .map_err(|_| Error::invalid("months", "a number of months"))?,
        None => 12,
    };
    Range::new(to, months)
}

pub(crate) fn headcount_table(h: &Headcount) -> (Vec<String>, Vec<Vec<String>>) {
    let mut headers = vec!["department".to_string()];
    headers.extend(h.months.iter().map(|m| m.label()));
    let mut rows: Vec<Vec<String>> = h
        .rows
        .iter()
        .map(|r| {
            let mut v = vec![r.department.clone()];
            v.extend(r.counts.iter().map(i64::to_string));
            v
        })
        .collect();
    let mut total = vec!["Total".to_string()];
    total.extend(h.totals.iter().map(i64::to_string));
    rows.push(total);
    (headers, rows)
}

pub(crate) fn movements_table(m: &Movements) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = [
        "month",
        "joiners",
        "leavers",
        "headcount_start",
        "headcount_end",
        "turnover",
    ]
    .map(str::to_string)
    .to_vec();
    let mut rows: Vec<Vec<String>> = m
        .rows
        .iter()
        .map(|r| {
            vec![
                r.month.label(),
                r.joiners.to_string(),
                r.leavers.to_string(),
                r.headcount_start.to_string(),
                r.headcount_end.to_string(),
                percent_label(r.turnover_permille),
            ]
        })
        .collect();
    rows.push(vec![
        "Total".into(),
        m.joiners.to_string(),
        m.leavers.to_string(),
        String::new(),
        String::new(),
        percent_label(m.turnover_permille),
    ]);
    (headers, rows)
}

pub(crate) fn health_table(runs: &[Run]) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = ["finished_at", "employees", "with_problems", "problems"]
        .map(str::to_string)
        .to_vec();
    let rows = runs
        .iter()
        .map(|r| {
            vec![
                r.finished_at.rfc3339(),
                r.employees.to_string(),
                r.affected.to_string(),
                r.issues.to_string(),
            ]
        })
        .collect();
    (headers, rows)
}

/// One vertical bar of a chart.
pub struct Col {
    pub x: i64,
    pub y: i64,
    pub height: i64,
    pub value: i64,
    pub label: String,
}

pub const CHART_W: i64 = 600;
pub const CHART_H: i64 = 140;

/// Columns scaled to the largest value, with room for the labels below.
pub fn columns(values: &[(String, i64)]) -> Vec<Col> {
    let max = values.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let n = i64::try_from(values.len()).unwrap_or(1).max(1);
    let step = (CHART_W / n).max(8);
    values
        .iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let h = if *v <= 0 {
                0
            } else {
                (v.saturating_mul(CHART_H - 30) / max).max(2)
            };
            Col {
                x: i64::try_from(i).unwrap_or(0) * step + 4,
                y: CHART_H - 16 - h,
                height: h,
                value: *v,
                label: label.clone(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "hr/report_index.html")]
struct ReportsPage {
    chrome: Chrome,
    range_to: String,
    months: u32,
    headcount: Headcount,
    headcount_chart: Vec<Col>,
    movements: Movements,
    joiners_chart: Vec<Col>,
    leavers_chart: Vec<Col>,
    runs: Vec<Run>,
    health_chart: Vec<Col>,
    bar_w: i64,
    base_y: i64,
}

impl ReportsPage {
    fn pct<P: std::borrow::Borrow<i64>>(&self, permille: P) -> String {
        percent_label(*permille.borrow())
    }
    fn href(&self, report: &str, format: &str) -> String {
        format!(
            "/hr/reports?report={report}&format={format}&to={}&months={}",
            self.range_to, self.months
        )
    }
}

async fn index(
    State(state): State<AppState>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let range = match range_from(&params) {
        Ok(r) => r,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let (headcount, movements, runs) = tokio::join!(
        reports::headcount(&state.store, &pa.actor, range),
        reports::movements(&state.store, &pa.actor, range),
        health::trend(&state.store, &pa.actor, 60)
    );
    let (headcount, movements, runs) = match (headcount, movements, runs) {
        (Ok(h), Ok(m), Ok(r)) => (h, m, r),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return fail(&state, &pa, e).await,
    };
    if let Some(format) = params.export_format() {
        let (name, (headers, rows)) = match params.get("report") {
            Some("movements") => ("hr-joiners-leavers", movements_table(&movements)),
            Some("health") => ("hr-record-health", health_table(&runs)),
            _ => ("hr-headcount", headcount_table(&headcount)),
        };
        let h: Vec<&str> = headers.iter().map(String::as_str).collect();
        return export(format, name, &h, rows);
    }
    let label = |m: &Month| m.0.format("%b %y").to_string();
    let headcount_chart = columns(
        &headcount
            .months
            .iter()
            .zip(&headcount.totals)
            .map(|(m, t)| (label(m), *t))
            .collect::<Vec<_>>(),
    );
    let joiners_chart = columns(
        &movements
            .rows
            .iter()
            .map(|r| (label(&r.month), r.joiners))
            .collect::<Vec<_>>(),
    );
    let leavers_chart = columns(
        &movements
            .rows
            .iter()
            .map(|r| (label(&r.month), r.leavers))
            .collect::<Vec<_>>(),
    );
    let health_chart = columns(
        &runs
            .iter()
            .map(|r| {
                (
                    r.finished_at.to_datetime().format("%d %b").to_string(),
                    r.issues,
                )
            })
            .collect::<Vec<_>>(),
    );
    let n = i64::from(range.months).max(1);
    render(
        &ReportsPage {
            chrome: chrome(&state, &pa, "HR reports", "/hr/reports").await,
            range_to: range.to.label(),
            months: range.months,
            headcount,
            headcount_chart,
            movements,
            joiners_chart,
            leavers_chart,
            bar_w: ((CHART_W / n).max(8) - 8).max(2),
            base_y: CHART_H - 4,
            runs,
            health_chart,
        },
        StatusCode::OK,
    )
}
