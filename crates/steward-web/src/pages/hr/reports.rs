//! HR reports at `/hr/reports`: headcount by department and month, joiners and leavers
//! with turnover, and the record-health trend; bar charts drawn as SVG here, each table as
//! CSV/XLSX (`?format=csv&report=headcount|movements|health`). HR staff and auditors.
//! `/hr/reports/timeoff`: time off taken and balances (also for a manager, over their
//! reporting line), with the per-person balances as a list.
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use steward_core::hr::health::{self, Run};
use steward_core::hr::reports::{
    self, percent_label, BalanceSort, EmployeeBalance, Headcount, Month, Movements, Reach,
    TimeoffReport,
};
use steward_core::hr::timeoff::days_text;
use steward_core::ids::DepartmentId;
use steward_core::list::SortKey;

use crate::auth::PageActor;
use crate::list::{col, Column, ListParams, ListView};
use crate::pages::{chrome, fail, render, Chrome};
use crate::state::{AppState, Backend};
pub(crate) use crate::views::hr_reports::{
    balance_export_row, balances_table, department_from, headcount_table, health_table,
    movements_table, range_from, taken_table, BALANCES_KINDS, BALANCE_EXPORT, BALANCE_EXPORT_KINDS,
};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/hr/reports", get(index::<S>))
        .route("/hr/reports/timeoff", get(timeoff::<S>))
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

async fn index<S: Backend>(
    State(state): State<AppState<S>>,
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
        // A department, month or run first, then counts.
        let kinds = crate::list::text_then_numbers(1, h.len());
        return crate::list::export_typed(format, name, &h, &kinds, rows);
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

// ---------------------------------------------------------------- time off

const BALANCE_COLUMNS: &[Column] = &[
    col("name", "Name", true),
    col("department", "Department", true),
    col("policy", "Policy", true),
    col("balance", "Balance (days)", true),
];

/// Milli-days however deeply the template's loops borrow them.
trait Milli {
    fn milli(&self) -> i64;
}
impl Milli for i64 {
    fn milli(&self) -> i64 {
        *self
    }
}
impl<T: Milli + ?Sized> Milli for &T {
    fn milli(&self) -> i64 {
        (**self).milli()
    }
}

#[derive(Template)]
#[template(path = "hr/report_timeoff.html")]
struct TimeoffPage {
    chrome: Chrome,
    range_to: String,
    months: u32,
    report: TimeoffReport,
    chart: Vec<Col>,
    bar_w: i64,
    base_y: i64,
    items: Vec<EmployeeBalance>,
    list: ListView,
    /// Headcount and turnover are for HR staff and auditors; a manager gets no link there.
    company_wide: bool,
}

impl TimeoffPage {
    fn days(&self, milli: impl Milli) -> String {
        days_text(milli.milli())
    }
    fn href(&self, report: &str, format: &str) -> String {
        let dept = self
            .report
            .department_id
            .map(|d| format!("&department={d}"))
            .unwrap_or_default();
        format!(
            "/hr/reports/timeoff?report={report}&format={format}&to={}&months={}{dept}",
            self.range_to, self.months
        )
    }
    fn dept_selected(&self, id: &DepartmentId) -> bool {
        self.report.department_id == Some(*id)
    }
}

/// The parameters the per-person list carries on in its links.
fn list_pairs(params: &ListParams) -> Vec<(String, String)> {
    [
        "to",
        "months",
        "department",
        "sort",
        "dir",
        "limit",
        "offset",
    ]
    .iter()
    .filter_map(|k| params.get(k).map(|v| ((*k).to_string(), v.to_string())))
    .collect()
}

async fn timeoff<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let (range, department) = match (range_from(&params), department_from(&params)) {
        (Ok(r), Ok(d)) => (r, d),
        (Err(e), _) | (_, Err(e)) => return fail(&state, &pa, e).await,
    };
    let report = match reports::timeoff(&state.store, &pa.actor, range, department).await {
        Ok(r) => r,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let format = params.export_format();
    match (format, params.get("report")) {
        (Some(f), Some("taken")) => {
            let (headers, rows) = taken_table(&report);
            let h: Vec<&str> = headers.iter().map(String::as_str).collect();
            // policy, department, then days per month (a correction is negative).
            let kinds = crate::list::text_then_numbers(2, h.len());
            return crate::list::export_typed(f, "hr-timeoff-taken", &h, &kinds, rows);
        }
        (Some(f), Some("balances")) => {
            let (headers, rows) = balances_table(&report);
            let h: Vec<&str> = headers.iter().map(String::as_str).collect();
            return crate::list::export_typed(f, "hr-timeoff-balances", &h, BALANCES_KINDS, rows);
        }
        _ => {}
    }
    let (sort, dir) = params.sort::<BalanceSort>();
    let page = match reports::employee_balances(
        &state.store,
        &pa.actor,
        report.as_of,
        department,
        sort,
        dir,
        params.paging(),
    )
    .await
    {
        Ok(p) => p,
        Err(e) => return fail(&state, &pa, e).await,
    };
    if let Some(f) = format {
        let rows = page.items.iter().map(balance_export_row).collect();
        return crate::list::export_typed(
            f,
            "hr-timeoff-employee-balances",
            BALANCE_EXPORT,
            BALANCE_EXPORT_KINDS,
            rows,
        );
    }
    // The list's own links (sort, pages, its export) must not carry `report=taken|balances`.
    let list_params = ListParams::new(list_pairs(&params));
    let list = ListView::new(
        "/hr/reports/timeoff",
        &list_params,
        BALANCE_COLUMNS,
        sort.name(),
        dir,
        &page,
    );
    let label = |m: &Month| m.0.format("%b %y").to_string();
    // Bars scaled in milli-days, labelled in days by the template.
    let chart = columns(
        &report
            .months
            .iter()
            .zip(&report.taken_totals)
            .map(|(m, t)| (label(m), *t))
            .collect::<Vec<_>>(),
    );
    let n = i64::from(range.months).max(1);
    render(
        &TimeoffPage {
            chrome: chrome(&state, &pa, "Time off report", "/hr/reports").await,
            range_to: range.to.label(),
            months: range.months,
            company_wide: report.reach == Reach::Company,
            report,
            chart,
            bar_w: ((CHART_W / n).max(8) - 8).max(2),
            base_y: CHART_H - 4,
            items: page.items,
            list,
        },
        StatusCode::OK,
    )
}
