//! Periods: the months of a fiscal year, closing and reopening them, the year-end close.
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::ledger::service;
use steward_core::ledger::{fiscal_year, Period, PeriodStatus};
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};

use super::{precisions, EntryOut};
use crate::api::{ok, ApiJson};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

// ---------------------------------------------------------------- periods

#[derive(Serialize, ToSchema)]
pub struct PeriodOut {
    /// `YYYY-MM`
    month: String,
    /// `open` or `closed`.
    status: String,
    changed_by: Option<String>,
    changed_at: Option<String>,
    reason: String,
}

fn month_text(m: i64) -> String {
    format!("{:04}-{:02}", m / 100, m % 100)
}

impl From<Period> for PeriodOut {
    fn from(p: Period) -> Self {
        PeriodOut {
            month: month_text(p.month),
            status: match p.status {
                PeriodStatus::Open => "open",
                PeriodStatus::Closed => "closed",
            }
            .to_string(),
            changed_by: p.changed_by,
            changed_at: p.changed_at.map(|t| t.rfc3339()),
            reason: p.reason,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// The fiscal year (named by the calendar year it ends in); the current one when absent.
    #[param(minimum = 1900, maximum = 2999)]
    year: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct PeriodsOut {
    year: i32,
    periods: Vec<PeriodOut>,
}

/// The months of a fiscal year and whether each is open.
#[utoipa::path(get, path = "/api/v1/ledger/periods", tag = "ledger", params(PeriodParams),
    responses((status = 200, body = PeriodsOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn periods<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<PeriodParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let year = match p.year {
        Some(y) => y,
        None => {
            let s = service::settings(&state.store, &a.actor)
                .await
                .map_err(err)?;
            fiscal_year(service::today(), s.fiscal_year_start_month)
        }
    };
    if !(1900..=2999).contains(&year) {
        return Err(err(Error::invalid("year", "a year 1900-2999")));
    }
    let periods = service::periods(&state.store, &a.actor, year)
        .await
        .map_err(err)?;
    Ok(ok(PeriodsOut {
        year,
        periods: periods.into_iter().map(PeriodOut::from).collect(),
    }))
}

/// The state of one month after a change.
async fn period_of<S: Backend>(
    state: &AppState<S>,
    a: &ApiActor,
    month: i64,
) -> Result<PeriodOut, Error> {
    let s = service::settings(&state.store, &a.actor).await?;
    let start = steward_core::ledger::month_start(month)
        .ok_or_else(|| Error::invalid("month", "out of range"))?;
    let fy = fiscal_year(start, s.fiscal_year_start_month);
    service::periods(&state.store, &a.actor, fy)
        .await?
        .into_iter()
        .find(|p| p.month == month)
        .map(PeriodOut::from)
        .ok_or_else(|| Error::internal("month not in its fiscal year"))
}

/// Closes a month: nothing more posts into it (accounting leads).
#[utoipa::path(post, path = "/api/v1/ledger/periods/{month}/close", tag = "ledger",
    params(("month" = String, Path, description = "YYYY-MM", pattern = "^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$")),
    responses((status = 200, body = PeriodOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn close_period<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(month): Path<String>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let m = service::parse_month("month", &month).map_err(err)?;
    service::close_period(&state.store, &a.actor, m)
        .await
        .map_err(err)?;
    Ok(ok(period_of(&state, &a, m).await.map_err(err)?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenIn {
    /// Why the month is reopened; required, at most 500 characters.
    #[schema(schema_with = crate::api::contract::nonblank::<500>)]
    reason: String,
}

/// Reopens a closed month (admins only), with a reason.
#[utoipa::path(post, path = "/api/v1/ledger/periods/{month}/reopen", tag = "ledger",
    params(("month" = String, Path, description = "YYYY-MM", pattern = "^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$")), request_body = ReopenIn,
    responses((status = 200, body = PeriodOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn reopen_period<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(month): Path<String>,
    ApiJson(b): ApiJson<ReopenIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let m = service::parse_month("month", &month).map_err(err)?;
    service::reopen_period(&state.store, &a.actor, m, &b.reason)
        .await
        .map_err(err)?;
    Ok(ok(period_of(&state, &a, m).await.map_err(err)?))
}

#[derive(Serialize, ToSchema)]
pub struct YearCloseOut {
    year: i32,
    /// The closing entry; `null` when income and expenses were zero already.
    entry: Option<EntryOut>,
    /// The months now closed (`YYYY-MM`).
    closed: Vec<String>,
}

/// Year-end close: one entry on the fiscal year's last day that brings every income and
/// expense account to zero against `Equity:Retained Earnings`, then every month of the
/// year closes (accounting leads).
#[utoipa::path(post, path = "/api/v1/ledger/years/{year}/close", tag = "ledger",
    params(("year" = i32, Path, description = "The fiscal year", minimum = 1900, maximum = 2999)),
    responses((status = 200, body = YearCloseOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn close_year<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(year): Path<i32>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    if !(1900..=2999).contains(&year) {
        return Err(err(Error::invalid("year", "a year 1900-2999")));
    }
    let entry = service::close_year(&state.store, &a.actor, year)
        .await
        .map_err(err)?;
    let entry = match entry {
        Some(e) => {
            let p = precisions(&state, &a.actor).await.map_err(err)?;
            Some(EntryOut::from(e, &p))
        }
        None => None,
    };
    let closed = service::periods(&state.store, &a.actor, year)
        .await
        .map_err(err)?
        .into_iter()
        .filter(|p| p.status == PeriodStatus::Closed)
        .map(|p| month_text(p.month))
        .collect();
    Ok(ok(YearCloseOut {
        year,
        entry,
        closed,
    }))
}
