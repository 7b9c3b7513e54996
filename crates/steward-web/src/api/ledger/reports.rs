//! `/api/v1/ledger/reports/{kind}`: trial balance, balance sheet, income statement and
//! cash-flow statement as JSON, CSV or XLSX.
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use steward_core::ledger::reports::{self as report, Report, ReportKind, ReportOptions, ReportRow};
use steward_core::Error;
use steward_io::{ColumnKind, TableFormat};
use utoipa::{IntoParams, ToSchema};

use crate::api::ok;
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Balance sheet and trial balance: up to and including this date (`YYYY-MM-DD`).
    #[param(schema_with = crate::api::contract::date_param)]
    as_of: Option<String>,
    /// Income statement (or a trial balance of a range): first day, inclusive.
    #[param(schema_with = crate::api::contract::date_param)]
    from: Option<String>,
    /// Last day, inclusive.
    #[param(schema_with = crate::api::contract::date_param)]
    to: Option<String>,
    /// Comparative columns: `none`, `months`, `quarters`, `years` or `last-year`.
    compare: Option<String>,
    /// Columns by `department` or `project` instead of by period.
    by: Option<String>,
    /// Convert every amount into this commodity at each column's end date.
    convert: Option<String>,
    /// Only this department id.
    department: Option<String>,
    /// Only this project.
    project: Option<String>,
    /// `true`: parent accounts with their children's sums (statements).
    tree: Option<String>,
    /// `json` (default), `csv` or `xlsx`. The trial balance's CSV is
    /// `account,commodity,amount`, one row per account and commodity.
    #[param(schema_with = report_format)]
    format: Option<String>,
}

/// A report's `format`: JSON (`json` or empty, the default) or a download.
fn report_format() -> utoipa::openapi::schema::Object {
    crate::api::contract::one_of(&["json", "csv", "xlsx", ""], false)
}

#[derive(Serialize, ToSchema)]
pub struct ColumnOut {
    label: String,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportRowOut {
    account_id: Option<i64>,
    /// Full name; empty on total rows.
    account: String,
    label: String,
    depth: usize,
    commodity: String,
    /// One per column, as decimals. Statements show income, liabilities and equity with
    /// their normal balance positive; the trial balance shows raw signs (debit positive).
    amounts: Vec<String>,
    amounts_minor: Vec<i64>,
    is_total: bool,
}

impl From<&ReportRow> for ReportRowOut {
    fn from(r: &ReportRow) -> Self {
        ReportRowOut {
            account_id: r.account_id.map(|a| a.0),
            account: r.account.clone(),
            label: r.label.clone(),
            depth: r.depth,
            commodity: r.commodity.clone(),
            amounts: (0..r.amounts.len()).map(|i| r.formatted(i)).collect(),
            amounts_minor: r.amounts.clone(),
            is_total: r.is_total,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SectionOut {
    title: String,
    rows: Vec<ReportRowOut>,
    totals: Vec<ReportRowOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportOut {
    /// `trial_balance`, `balance_sheet`, `income_statement` or `cash_flow`.
    kind: String,
    title: String,
    subtitle: String,
    columns: Vec<ColumnOut>,
    sections: Vec<SectionOut>,
    /// Per commodity: the trial balance's (zero when the books balance), assets −
    /// liabilities − equity, net income, or (cash flow) the net change in cash and the
    /// difference from the change in the cash accounts (zero when it ties).
    totals: Vec<ReportRowOut>,
    warnings: Vec<String>,
}

impl From<&Report> for ReportOut {
    fn from(r: &Report) -> Self {
        ReportOut {
            kind: r.kind.key().to_string(),
            title: r.title.clone(),
            subtitle: r.subtitle.clone(),
            columns: r
                .columns
                .iter()
                .map(|c| ColumnOut {
                    label: c.label.clone(),
                    from: c.from.map(|d| d.to_string()),
                    to: c.to.map(|d| d.to_string()),
                })
                .collect(),
            sections: r
                .sections
                .iter()
                .map(|s| SectionOut {
                    title: s.title.clone(),
                    rows: s.rows.iter().map(ReportRowOut::from).collect(),
                    totals: s.totals.iter().map(ReportRowOut::from).collect(),
                })
                .collect(),
            totals: r.totals.iter().map(ReportRowOut::from).collect(),
            warnings: r.warnings.clone(),
        }
    }
}

/// A statement as a table: section, account, label, commodity, then one column per period.
fn statement_table(r: &Report) -> (Vec<String>, Vec<Vec<String>>) {
    let mut headers: Vec<String> = ["section", "account", "label", "commodity"]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    headers.extend(r.columns.iter().map(|c| c.label.clone()));
    let row = |section: &str, x: &ReportRow| {
        let mut v = vec![
            section.to_string(),
            x.account.clone(),
            x.label.clone(),
            x.commodity.clone(),
        ];
        v.extend((0..x.amounts.len()).map(|i| x.formatted(i)));
        v
    };
    let mut rows = Vec::new();
    for s in &r.sections {
        rows.extend(s.rows.iter().map(|x| row(&s.title, x)));
        rows.extend(s.totals.iter().map(|x| row(&s.title, x)));
    }
    rows.extend(r.totals.iter().map(|x| row("Total", x)));
    (headers, rows)
}

/// The trial balance as `account,commodity,amount` rows (the first column).
fn trial_balance_rows(r: &Report) -> Vec<Vec<String>> {
    r.sections
        .iter()
        .flat_map(|s| s.rows.iter())
        .filter(|x| x.amounts.first().copied().unwrap_or(0) != 0)
        .map(|x| vec![x.account.clone(), x.commodity.clone(), x.formatted(0)])
        .collect()
}

/// A trial balance, balance sheet, income statement or cash-flow statement. `kind` is
/// `trial-balance`, `balance-sheet`, `income-statement` or `cash-flow`.
#[utoipa::path(get, path = "/api/v1/ledger/reports/{kind}", tag = "ledger",
    params(("kind" = String, Path, description = "trial-balance, balance-sheet, income-statement or cash-flow"), ReportParams),
    responses((status = 200, body = ReportOut, description = "JSON, or CSV/XLSX with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn report<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(kind): Path<String>,
    Query(p): Query<ReportParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let kind = ReportKind::parse(&kind).ok_or_else(|| err(Error::NotFound { entity: "report" }))?;
    let format = match p.format.as_deref() {
        Some("json") => None,
        f => crate::list::api_export_format(f)
            .map_err(|_| err(Error::invalid("format", "must be json, csv or xlsx")))?,
    };
    let options = ReportOptions::from_params(|k| match k {
        "as_of" => p.as_of.clone(),
        "from" => p.from.clone(),
        "to" => p.to.clone(),
        "compare" => p.compare.clone(),
        "by" => p.by.clone(),
        "convert" => p.convert.clone(),
        "department" => p.department.clone(),
        "project" => p.project.clone(),
        "tree" => p.tree.clone(),
        _ => None,
    })
    .map_err(err)?;
    let r = report::report(&state.store, &a.actor, kind, &options)
        .await
        .map_err(err)?;
    let name = kind.slug();
    match (format, kind) {
        (None, _) => Ok(ok(ReportOut::from(&r))),
        (Some(TableFormat::Csv), ReportKind::TrialBalance) => {
            let mut resp = report::trial_balance_csv(&r).into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(TableFormat::Csv.content_type()),
            );
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.csv\"")) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            Ok(resp)
        }
        (Some(f), ReportKind::TrialBalance) => Ok(crate::list::export_typed(
            f,
            name,
            &["account", "commodity", "amount"],
            &[ColumnKind::Text, ColumnKind::Text, ColumnKind::Number],
            trial_balance_rows(&r),
        )),
        (Some(f), _) => {
            let (headers, rows) = statement_table(&r);
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            // section, account, label, commodity, then amounts.
            let kinds = crate::list::text_then_numbers(4, headers.len());
            Ok(crate::list::export_typed(f, name, &headers, &kinds, rows))
        }
    }
}
