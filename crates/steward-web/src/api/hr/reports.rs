//! `/api/v1/hr/reports/...`: headcount by department and month, joiners and leavers with
//! turnover (HR staff, auditors). `?format=csv|xlsx` downloads the table.
use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::hr::reports;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::ok;
use crate::auth::ApiActor;
use crate::error::ApiError;
use crate::list::ListParams;
use crate::pages::hr::reports as page;
use crate::state::AppState;

pub(crate) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(headcount)).routes(routes!(movements))
}

/// Documents the query string.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RangeParams {
    /// The last month, `yyyy-mm` (this month by default).
    to: Option<String>,
    /// How many months (12 by default, at most 36).
    months: Option<u32>,
    /// `csv` or `xlsx` to download.
    format: Option<String>,
}

/// A report as a table: column names and rows of text.
#[derive(Serialize, ToSchema)]
pub struct TableOut {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn answer(
    params: &ListParams,
    name: &str,
    (columns, rows): (Vec<String>, Vec<Vec<String>>),
    rid: &crate::middleware::RequestId,
) -> Result<Response, ApiError> {
    let format =
        crate::list::api_export_format(params.get("format")).map_err(|e| ApiError::new(e, rid))?;
    if let Some(f) = format {
        let h: Vec<&str> = columns.iter().map(String::as_str).collect();
        return Ok(crate::list::export(f, name, &h, rows));
    }
    Ok(ok(TableOut { columns, rows }))
}

/// Headcount at each month's end by department, with a total row.
#[utoipa::path(get, path = "/api/v1/hr/reports/headcount", tag = "hr", params(RangeParams),
    responses((status = 200, body = TableOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn headcount(
    State(state): State<AppState>,
    a: ApiActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let params = ListParams::new(pairs);
    let range = page::range_from(&params).map_err(err)?;
    let h = reports::headcount(&state.store, &a.actor, range)
        .await
        .map_err(err)?;
    answer(
        &params,
        "hr-headcount",
        page::headcount_table(&h),
        &a.request_id,
    )
}

/// Joiners, leavers, headcount and turnover per month, with a total row.
#[utoipa::path(get, path = "/api/v1/hr/reports/movements", tag = "hr", params(RangeParams),
    responses((status = 200, body = TableOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn movements(
    State(state): State<AppState>,
    a: ApiActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let params = ListParams::new(pairs);
    let range = page::range_from(&params).map_err(err)?;
    let m = reports::movements(&state.store, &a.actor, range)
        .await
        .map_err(err)?;
    answer(
        &params,
        "hr-joiners-leavers",
        page::movements_table(&m),
        &a.request_id,
    )
}
