//! Reports: trial balance, balance sheet, income statement and cash-flow statement with their options form,
//! drill-down links (report line -> account ledger -> entry), and the same report as CSV,
//! XLSX or JSON.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use steward_core::auth::Domain;
use steward_core::error::FieldError;
use steward_core::ledger::reports::{
    self as report, Compare, Dimension, Report, ReportKind, ReportOptions, ReportRow,
};
use steward_core::ledger::{service, Commodity};
use steward_core::Error;
use steward_io::TableFormat;

use super::{field, find_error, href_with, is_invalid};
use crate::auth::PageActor;
use crate::pages::{chrome, fail, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/ledger/reports", get(index::<S>))
        .route("/ledger/reports/{kind}", get(show::<S>))
}

/// The reports' landing page is the trial balance, for those who may read the books.
async fn index<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    if !pa.actor.can_read(Domain::Accounting) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    Redirect::to("/ledger/reports/trial-balance").into_response()
}

const KINDS: [ReportKind; 4] = ReportKind::ALL;

struct RowView {
    label: String,
    /// The full account name (for screen readers in tree mode, and exports).
    account: String,
    href: Option<String>,
    depth: usize,
    commodity: String,
    amounts: Vec<String>,
    negative: Vec<bool>,
}

struct SectionView {
    title: String,
    rows: Vec<RowView>,
    totals: Vec<RowView>,
}

#[derive(Template)]
#[template(path = "ledger/report.html")]
struct ReportPage {
    chrome: Chrome,
    kind: ReportKind,
    kinds: [ReportKind; 4],
    /// The options as typed, for the form.
    as_of: String,
    from: String,
    to: String,
    compare: String,
    by: String,
    convert: String,
    tree: bool,
    department: String,
    project: String,
    commodities: Vec<Commodity>,
    errors: Vec<FieldError>,
    report: Option<Report>,
    sections: Vec<SectionView>,
    totals: Vec<RowView>,
    csv_href: String,
    xlsx_href: String,
    json_href: String,
}

impl ReportPage {
    fn error(&self, field: &str) -> Option<String> {
        find_error(&self.errors, field)
    }
    /// Whether option `v` is the chosen one (empty means the first, the default).
    fn chosen(&self, current: &str, v: &str) -> bool {
        current == v || (current.is_empty() && v == "none")
    }
    fn point_in_time(&self) -> bool {
        self.kind.is_point_in_time()
    }
    fn compare_options(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            (Compare::None.as_str(), "No comparison"),
            (Compare::Months.as_str(), "By month"),
            (Compare::Quarters.as_str(), "By quarter"),
            (Compare::Years.as_str(), "By year"),
            (Compare::LastYear.as_str(), "Against last year"),
        ]
    }
    fn by_options(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            (Dimension::None.as_str(), "Period columns"),
            (Dimension::Department.as_str(), "A column per department"),
            (Dimension::Project.as_str(), "A column per project"),
        ]
    }
}

/// The drill-down range of a report: from its first column's start to its last column's end.
fn range(r: &Report) -> (String, String) {
    let from = r
        .columns
        .first()
        .and_then(|c| c.from)
        .map(|d| d.to_string())
        .unwrap_or_default();
    let to = r
        .columns
        .last()
        .and_then(|c| c.to)
        .map(|d| d.to_string())
        .unwrap_or_default();
    (from, to)
}

fn row_view(r: &ReportRow, range: &(String, String), tree: bool) -> RowView {
    RowView {
        label: if tree || r.is_total || r.account.is_empty() {
            r.label.clone()
        } else {
            r.account.clone()
        },
        account: r.account.clone(),
        href: r.account_id.map(|id| {
            href_with(
                &format!("/ledger/accounts/{id}"),
                &[("from", range.0.clone()), ("to", range.1.clone())],
            )
        }),
        depth: r.depth.min(8),
        commodity: r.commodity.clone(),
        amounts: (0..r.amounts.len()).map(|i| r.formatted(i)).collect(),
        negative: r.amounts.iter().map(|a| *a < 0).collect(),
    }
}

/// Rows for CSV/XLSX: section, account, commodity, one column per report column.
fn table_of(r: &Report) -> (Vec<String>, Vec<Vec<String>>) {
    let mut headers = vec!["section".to_string(), "account".into(), "commodity".into()];
    headers.extend(r.columns.iter().map(|c| c.label.clone()));
    let line = |section: &str, row: &ReportRow| {
        let mut v = vec![
            section.to_string(),
            if row.account.is_empty() {
                row.label.clone()
            } else {
                row.account.clone()
            },
            row.commodity.clone(),
        ];
        v.extend((0..r.columns.len()).map(|i| row.formatted(i)));
        v
    };
    let mut rows = Vec::new();
    for s in &r.sections {
        rows.extend(s.rows.iter().map(|row| line(&s.title, row)));
        rows.extend(s.totals.iter().map(|row| line(&s.title, row)));
    }
    rows.extend(r.totals.iter().map(|row| line("Total", row)));
    (headers, rows)
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(kind): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let Some(kind) = ReportKind::parse(&kind) else {
        return fail(&state, &pa, Error::NotFound { entity: "report" }).await;
    };
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let format = field(&pairs, "format");
    let (opts, mut errors) = match ReportOptions::from_params(get) {
        Ok(o) => (Some(o), Vec::new()),
        Err(e) if is_invalid(&e) => (None, e.field_errors()),
        Err(e) => return fail(&state, &pa, e).await,
    };
    let report = match &opts {
        Some(o) => match report::report(&state.store, &pa.actor, kind, o).await {
            Ok(r) => Some(r),
            Err(e) if is_invalid(&e) => {
                errors = e.field_errors();
                None
            }
            Err(e) => return fail(&state, &pa, e).await,
        },
        None => None,
    };
    if let Some(r) = &report {
        let name = kind.slug();
        match format.as_str() {
            "json" => return Json(r).into_response(),
            "csv" if r.kind == ReportKind::TrialBalance && r.columns.len() == 1 => {
                let mut resp = report::trial_balance_csv(r).into_response();
                let h = resp.headers_mut();
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(TableFormat::Csv.content_type()),
                );
                h.insert(
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_static("attachment; filename=\"trial-balance.csv\""),
                );
                return resp;
            }
            f => {
                if let Some(tf) = TableFormat::from_name(f) {
                    let (headers, rows) = table_of(r);
                    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
                    // section, account, commodity, then amounts.
                    let kinds = crate::list::text_then_numbers(3, headers.len());
                    return crate::list::export_typed(tf, name, &headers, &kinds, rows);
                }
            }
        }
    }
    let commodities = match service::commodities(&state.store, &pa.actor).await {
        Ok(c) => c,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let tree = opts.as_ref().is_some_and(|o| o.tree);
    let (sections, totals) = match &report {
        Some(r) => {
            let range = range(r);
            (
                r.sections
                    .iter()
                    .map(|s| SectionView {
                        title: s.title.clone(),
                        rows: s
                            .rows
                            .iter()
                            .map(|row| row_view(row, &range, tree))
                            .collect(),
                        totals: s
                            .totals
                            .iter()
                            .map(|row| row_view(row, &range, tree))
                            .collect(),
                    })
                    .collect(),
                r.totals
                    .iter()
                    .map(|row| row_view(row, &range, tree))
                    .collect(),
            )
        }
        None => (Vec::new(), Vec::new()),
    };
    let path = format!("/ledger/reports/{}", kind.slug());
    let keep: Vec<(&str, String)> = [
        "as_of",
        "from",
        "to",
        "compare",
        "by",
        "convert",
        "tree",
        "department",
        "project",
    ]
    .iter()
    .map(|k| (*k, field(&pairs, k)))
    .collect();
    let with = |f: &str| {
        let mut p = keep.clone();
        p.push(("format", f.to_string()));
        href_with(&path, &p)
    };
    let status = crate::pages::form_status(!errors.is_empty());
    let page = ReportPage {
        chrome: chrome(&state, &pa, kind.title(), &path).await,
        kind,
        kinds: KINDS,
        as_of: field(&pairs, "as_of"),
        from: field(&pairs, "from"),
        to: field(&pairs, "to"),
        compare: field(&pairs, "compare"),
        by: field(&pairs, "by"),
        convert: field(&pairs, "convert"),
        tree,
        department: field(&pairs, "department"),
        project: field(&pairs, "project"),
        commodities,
        errors,
        report,
        sections,
        totals,
        csv_href: with("csv"),
        xlsx_href: with("xlsx"),
        json_href: with("json"),
    };
    render(&page, status)
}
