//! Billing's reports: the tax report at `/billing/reports/tax` (a period, per tax code, the
//! tie to the ledger; CSV/XLSX) and a party's statement at `/billing/parties/{id}/statement`
//! (and `/pdf`).
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{Datelike, NaiveDate};
use steward_core::billing::aged::Side;
use steward_core::billing::reports;
use steward_core::ids::PartyId;

use crate::auth::PageActor;
use crate::list::ListParams;
use crate::pages::{chrome, fail, render, Chrome};
use crate::state::{AppState, Backend};
use crate::views::billing_reports::{
    kind_label, statement_out, statement_pdf, tax_export, tax_out, StatementOut, TaxReportOut,
};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/billing/reports/tax", get(tax_page::<S>))
        .route("/billing/parties/{id}/statement", get(statement_page::<S>))
        .route(
            "/billing/parties/{id}/statement/pdf",
            get(statement_pdf_page::<S>),
        )
}

/// A day typed in the form: the default when empty, an error naming the field when bad.
fn day_of(
    params: &ListParams,
    field: &str,
    default: NaiveDate,
    error: &mut Option<String>,
) -> NaiveDate {
    let text = params.get(field).unwrap_or("").trim();
    if text.is_empty() {
        return default;
    }
    match steward_core::time::parse_date(field, text) {
        Ok(d) => d,
        Err(e) => {
            *error = Some(e.to_string());
            default
        }
    }
}

fn month_start(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d)
}

#[derive(Template)]
#[template(path = "billing/tax_report.html")]
struct TaxPage {
    chrome: Chrome,
    from: String,
    to: String,
    report: TaxReportOut,
    error: Option<String>,
}

impl TaxPage {
    fn cell(&self, v: &str, currency: &str) -> String {
        self.chrome.num(format!("{v} {currency}"))
    }
    /// Whether a formatted amount is zero (`0.00`, `0`).
    fn is_zero(&self, v: &str) -> bool {
        v.chars().all(|c| c == '0' || c == '.' || c == '-')
    }
}

async fn tax_page<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    if params.export_format().is_some() {
        if let Err(e) = steward_core::billing::authorize_export(
            &pa.actor,
            steward_core::auth::Domain::Accounting,
        ) {
            return fail(&state, &pa, e).await;
        }
    }
    let today = steward_core::ledger::service::today();
    let mut error = None;
    let from = day_of(&params, "from", month_start(today), &mut error);
    let to = day_of(&params, "to", today, &mut error);
    let r = match reports::tax_report(&state.store, &pa.actor, Some(from), Some(to)).await {
        Ok(r) => r,
        Err(e) if crate::pages::is_invalid(&e) => {
            error = Some(e.to_string());
            match reports::tax_report(&state.store, &pa.actor, Some(from), Some(from)).await {
                Ok(r) => r,
                Err(e) => return fail(&state, &pa, e).await,
            }
        }
        Err(e) => return fail(&state, &pa, e).await,
    };
    let out = tax_out(&r);
    if let Some(format) = params.export_format() {
        if error.is_none() {
            return tax_export(format, &out);
        }
    }
    let status = crate::pages::form_status(error.is_some());
    render(
        &TaxPage {
            chrome: chrome(&state, &pa, "Tax report", "/billing/reports/tax").await,
            from: from.to_string(),
            to: to.to_string(),
            report: out,
            error,
        },
        status,
    )
}

#[derive(Template)]
#[template(path = "billing/statement.html")]
struct StatementPage {
    chrome: Chrome,
    side: String,
    from: String,
    to: String,
    statement: StatementOut,
    error: Option<String>,
}

impl StatementPage {
    fn cell(&self, v: &str, currency: &str) -> String {
        self.chrome.num(format!("{v} {currency}"))
    }
    fn label(&self, kind: &str) -> &'static str {
        kind_label(kind)
    }
    /// The page that shows a line's document or payment.
    fn href(&self, kind: &str, id: &i64) -> String {
        match kind {
            "payment" | "writeoff" => format!("/billing/payments/{id}"),
            _ => format!("/billing/invoices/{id}"),
        }
    }
}

struct StatementQuery {
    side: Option<Side>,
    from: NaiveDate,
    to: NaiveDate,
    error: Option<String>,
}

fn statement_query(params: &ListParams) -> StatementQuery {
    let today = steward_core::ledger::service::today();
    let mut error = None;
    let side = match params.get("side").unwrap_or("").trim() {
        "" => None,
        s => match Side::parse(s) {
            Some(s) => Some(s),
            None => {
                error = Some("side: `receivables` or `payables`".to_string());
                None
            }
        },
    };
    let start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let from = day_of(params, "from", start, &mut error);
    let to = day_of(params, "to", today, &mut error);
    StatementQuery {
        side,
        from,
        to,
        error,
    }
}

async fn statement_page<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let mut q = statement_query(&params);
    let s = match reports::statement(
        &state.store,
        &pa.actor,
        PartyId(id),
        q.side,
        Some(q.from),
        Some(q.to),
    )
    .await
    {
        Ok(s) => s,
        Err(e) if crate::pages::is_invalid(&e) && q.from > q.to => {
            q.error = Some(e.to_string());
            match reports::statement(
                &state.store,
                &pa.actor,
                PartyId(id),
                q.side,
                Some(q.to),
                Some(q.to),
            )
            .await
            {
                Ok(s) => s,
                Err(e) => return fail(&state, &pa, e).await,
            }
        }
        Err(e) => return fail(&state, &pa, e).await,
    };
    let status = crate::pages::form_status(q.error.is_some());
    let title = match s.side {
        Side::Receivables => format!("Statement of {}", s.party_name),
        Side::Payables => format!("Vendor statement of {}", s.party_name),
    };
    render(
        &StatementPage {
            chrome: chrome(&state, &pa, &title, "/billing/parties").await,
            side: s.side.as_str().to_string(),
            from: q.from.to_string(),
            to: q.to.to_string(),
            statement: statement_out(&s),
            error: q.error,
        },
        status,
    )
}

async fn statement_pdf_page<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let q = statement_query(&params);
    match statement_pdf(
        &state.store,
        &pa.actor,
        PartyId(id),
        q.side,
        Some(q.from),
        Some(q.to),
    )
    .await
    {
        Ok(d) => crate::forms::download_response(d),
        Err(e) => fail(&state, &pa, e).await,
    }
}
