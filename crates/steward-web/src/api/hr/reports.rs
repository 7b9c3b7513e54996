//! `/api/v1/hr/reports/...`: headcount by department and month, joiners and leavers with
//! turnover (HR staff, auditors); time off taken and balances (also managers, over their
//! reporting line). `?format=csv|xlsx` downloads the table.
use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::hr::reports::{self, BalanceSort, Reach, TimeoffReport};
use steward_core::hr::timeoff::days_text;
use steward_core::list::{Paging, SortDir};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::ok;
use crate::auth::ApiActor;
use crate::error::ApiError;
use crate::list::ListParams;
use crate::state::{AppState, Backend};
use crate::views::hr_reports as page;

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(headcount))
        .routes(routes!(movements))
        .routes(routes!(timeoff))
}

/// Documents the query string.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RangeParams {
    /// The last month, `yyyy-mm` (this month by default).
    #[param(schema_with = crate::api::contract::month_param)]
    to: Option<String>,
    /// How many months (12 by default, at most 36).
    #[param(schema_with = months_param)]
    months: Option<u32>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// The time-off report's tables (`table=`).
const TABLES: &[&str] = &["taken", "balances", "employees"];

fn table_param() -> utoipa::openapi::schema::Object {
    crate::api::contract::filter(TABLES)
}

/// `months=`: 1 to `core::hr::reports::MAX_MONTHS`, or empty for 12.
fn months_param() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, SchemaType, Type};
    let any = AnyOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(SchemaType::new(Type::Integer))
                .minimum(Some(1))
                .maximum(Some(steward_core::hr::reports::MAX_MONTHS)),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(SchemaType::new(Type::String))
                .max_length(Some(0)),
        )
        .build();
    utoipa::openapi::RefOr::T(Schema::AnyOf(any))
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
        // A department, month or run first, then counts.
        let kinds = crate::list::text_then_numbers(1, h.len());
        return Ok(crate::list::export_typed(f, name, &h, &kinds, rows));
    }
    Ok(ok(TableOut { columns, rows }))
}

/// Headcount at each month's end by department, with a total row.
#[utoipa::path(get, path = "/api/v1/hr/reports/headcount", tag = "hr", params(RangeParams),
    responses((status = 200, body = TableOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn headcount<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let params = ListParams::exact(pairs);
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
pub async fn movements<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let params = ListParams::exact(pairs);
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

/// Documents the time-off report's query string.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct TimeoffParams {
    /// The last month, `yyyy-mm` (this month by default); balances are on its last day.
    #[param(schema_with = crate::api::contract::month_param)]
    to: Option<String>,
    /// How many months (12 by default, at most 36).
    #[param(schema_with = months_param)]
    months: Option<u32>,
    /// Only people in this department (id).
    #[param(schema_with = crate::api::contract::id_param)]
    department: Option<i64>,
    /// `csv` or `xlsx` to download one table (see `table`).
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
    /// The table to download: `taken` (default), `balances` or `employees` (each person's
    /// balance per policy).
    #[param(schema_with = table_param)]
    table: Option<String>,
}

/// Days taken of a policy by a department; days as exact decimals (`1.5`).
#[derive(Serialize, ToSchema)]
pub struct TakenOut {
    policy_id: i64,
    policy: String,
    department_id: Option<i64>,
    department: String,
    /// One per month of the report.
    days: Vec<String>,
    total: String,
}

/// Balances of a policy in a department.
#[derive(Serialize, ToSchema)]
#[schema(as = HrReportBalanceOut)]
pub struct BalanceOut {
    policy_id: i64,
    policy: String,
    department_id: Option<i64>,
    department: String,
    employees: i64,
    total: String,
    average: String,
    /// How many of them are below zero.
    negative: i64,
}

/// Time off taken per month and balances.
#[derive(Serialize, ToSchema)]
pub struct TimeoffOut {
    months: Vec<String>,
    /// `company` (HR staff, auditors) or `reporting_line` (a manager: the people below them).
    scope: String,
    department_id: Option<i64>,
    /// Balances are the ledger summed up to this day.
    as_of: String,
    taken: Vec<TakenOut>,
    /// Per month, over all rows.
    taken_totals: Vec<String>,
    taken_total: String,
    balances: Vec<BalanceOut>,
}

impl From<&TimeoffReport> for TimeoffOut {
    fn from(r: &TimeoffReport) -> Self {
        TimeoffOut {
            months: r.months.iter().map(|m| m.label()).collect(),
            scope: match r.reach {
                Reach::Company => "company".into(),
                Reach::Below(_) => "reporting_line".into(),
            },
            department_id: r.department_id.map(|d| d.0),
            as_of: r.as_of.to_string(),
            taken: r
                .taken
                .iter()
                .map(|t| TakenOut {
                    policy_id: t.policy_id,
                    policy: t.policy.clone(),
                    department_id: t.department_id.map(|d| d.0),
                    department: t.department.clone(),
                    days: t.milli.iter().map(|m| days_text(*m)).collect(),
                    total: days_text(t.total_milli),
                })
                .collect(),
            taken_totals: r.taken_totals.iter().map(|m| days_text(*m)).collect(),
            taken_total: days_text(r.taken_total),
            balances: r
                .balances
                .iter()
                .map(|b| BalanceOut {
                    policy_id: b.policy_id,
                    policy: b.policy.clone(),
                    department_id: b.department_id.map(|d| d.0),
                    department: b.department.clone(),
                    employees: b.employees,
                    total: days_text(b.total_milli),
                    average: days_text(b.average_milli),
                    negative: b.negative,
                })
                .collect(),
        }
    }
}

/// Time off taken per month, policy and department, and balances per policy and department
/// (HR staff and auditors: the company; a manager: the people below them; others 403).
#[utoipa::path(get, path = "/api/v1/hr/reports/timeoff", tag = "hr", params(TimeoffParams),
    responses((status = 200, body = TimeoffOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn timeoff<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let params = ListParams::exact(pairs);
    let range = page::range_from(&params).map_err(err)?;
    let department = page::department_from(&params).map_err(err)?;
    let format = crate::list::api_export_format(params.get("format")).map_err(err)?;
    let table = params.get("table").unwrap_or("taken");
    if !TABLES.contains(&table) {
        return Err(err(steward_core::Error::invalid(
            "table",
            "taken, balances or employees",
        )));
    }
    let r = reports::timeoff(&state.store, &a.actor, range, department)
        .await
        .map_err(err)?;
    let Some(f) = format else {
        return Ok(ok(TimeoffOut::from(&r)));
    };
    let (name, (columns, rows)) = match table {
        "balances" => ("hr-timeoff-balances", page::balances_table(&r)),
        "employees" => {
            let people = reports::employee_balances(
                &state.store,
                &a.actor,
                r.as_of,
                department,
                BalanceSort::default(),
                SortDir::Asc,
                Paging::export(),
            )
            .await
            .map_err(err)?;
            let columns = page::BALANCE_EXPORT.iter().map(|c| c.to_string()).collect();
            let rows = people.items.iter().map(page::balance_export_row).collect();
            ("hr-timeoff-employee-balances", (columns, rows))
        }
        _ => ("hr-timeoff-taken", page::taken_table(&r)),
    };
    let h: Vec<&str> = columns.iter().map(String::as_str).collect();
    let kinds = match table {
        "balances" => page::BALANCES_KINDS.to_vec(),
        "employees" => page::BALANCE_EXPORT_KINDS.to_vec(),
        // policy, department, then days per month (a correction is negative).
        _ => crate::list::text_then_numbers(2, h.len()),
    };
    Ok(crate::list::export_typed(f, name, &h, &kinds, rows))
}
