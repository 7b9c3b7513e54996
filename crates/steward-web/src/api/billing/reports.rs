//! `/api/v1/billing/reports/tax` (tax per code and period, tied to the ledger) and
//! `/api/v1/billing/parties/{id}/statement` (a customer's or vendor's statement, JSON or PDF).
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use steward_core::billing::aged::Side;
use steward_core::billing::reports;
use steward_core::ids::PartyId;
use steward_core::Error;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;

use crate::api::contract::parse_date_param;
use crate::api::ok;
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};
use crate::views::billing_reports::{statement_out, statement_pdf, tax_export, tax_out};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(tax_report))
        .routes(routes!(statement))
        .routes(routes!(statement_pdf_download))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaxParams {
    /// First day of the period (`YYYY-MM-DD`), by the documents' issue date.
    #[param(schema_with = crate::api::contract::date_param)]
    from: Option<String>,
    /// Last day of the period, inclusive.
    #[param(schema_with = crate::api::contract::date_param)]
    to: Option<String>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// Tax per tax code and currency over a period (taxable base and tax on sales and on
/// purchases, credits negative), and for each tax account what the documents posted
/// against its ledger movement, with the difference. Needs `accounting.read`.
#[utoipa::path(get, path = "/api/v1/billing/reports/tax", tag = "billing", params(TaxParams),
    responses((status = 200, body = crate::views::billing_reports::TaxReportOut, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn tax_report<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<TaxParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let from = parse_date_param("from", p.from.as_deref()).map_err(err)?;
    let to = parse_date_param("to", p.to.as_deref()).map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    if export.is_some() {
        steward_core::billing::authorize_export(&a.actor, steward_core::auth::Domain::Accounting)
            .map_err(err)?;
    }
    let r = reports::tax_report(&state.store, &a.actor, from, to)
        .await
        .map_err(err)?;
    let out = tax_out(&r);
    if let Some(format) = export {
        return Ok(tax_export(format, &out));
    }
    Ok(ok(out))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementParams {
    /// `receivables` (the customer's side) or `payables` (the vendor's); the customer's
    /// when the party is one, else the vendor's.
    #[param(schema_with = crate::api::contract::aged_side)]
    side: Option<String>,
    /// First day (`YYYY-MM-DD`).
    #[param(schema_with = crate::api::contract::date_param)]
    from: Option<String>,
    /// Last day, inclusive.
    #[param(schema_with = crate::api::contract::date_param)]
    to: Option<String>,
}

type Range = (
    Option<Side>,
    Option<chrono::NaiveDate>,
    Option<chrono::NaiveDate>,
);

fn range(p: &StatementParams) -> Result<Range, Error> {
    let side = match p.side.as_deref().unwrap_or("") {
        "" => None,
        s => Some(
            Side::parse(s).ok_or_else(|| Error::invalid("side", "`receivables` or `payables`"))?,
        ),
    };
    Ok((
        side,
        parse_date_param("from", p.from.as_deref())?,
        parse_date_param("to", p.to.as_deref())?,
    ))
}

/// A customer's or vendor's statement: documents and payments between two days with the
/// opening, running and closing balance per currency, and the aging on the last day.
#[utoipa::path(get, path = "/api/v1/billing/parties/{id}/statement", tag = "billing",
    params(("id" = i64, Path), StatementParams),
    responses((status = 200, body = crate::views::billing_reports::StatementOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn statement<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    Query(p): Query<StatementParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (side, from, to) = range(&p).map_err(err)?;
    let s = reports::statement(&state.store, &a.actor, PartyId(id), side, from, to)
        .await
        .map_err(err)?;
    Ok(ok(statement_out(&s)))
}

/// The statement as a PDF to send to the party.
#[utoipa::path(get, path = "/api/v1/billing/parties/{id}/statement/pdf", tag = "billing",
    params(("id" = i64, Path), StatementParams),
    responses((status = 200, description = "The PDF", content_type = "application/pdf"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn statement_pdf_download<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    Query(p): Query<StatementParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (side, from, to) = range(&p).map_err(err)?;
    let d = statement_pdf(&state.store, &a.actor, PartyId(id), side, from, to)
        .await
        .map_err(err)?;
    Ok(crate::forms::download_response(d))
}
