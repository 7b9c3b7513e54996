//! The books themselves: setting them up, settings, journals, commodities, rates, periods
//! and the year-end close.
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use steward_core::ledger::import::{self, BytesSource, ImportRequest};
use steward_core::ledger::service::{self, CommodityInput, JournalInput, RateInput, SettingsInput};
use steward_core::ledger::{fiscal_year, LedgerSettings, Period, PeriodStatus};
use steward_core::Error;
use steward_io::journal::Format;
use utoipa::{IntoParams, ToSchema};

use super::accounts::{read_multipart, truthy};
use super::{precisions, rename_fields, CommodityOut, EntryOut, JournalOut};
use crate::api::{created, ok, ApiJson};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

// ---------------------------------------------------------------- setup

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SetupParams {
    /// `false`: no starter chart of accounts (default `true`).
    chart: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct SetupOut {
    journals: Vec<JournalOut>,
    commodities: Vec<CommodityOut>,
    accounts: u64,
}

/// Sets up the company's books once: its currency as a commodity, the default journals
/// and (unless `chart=false`) a starter chart of accounts. Does nothing when the books
/// exist already.
#[utoipa::path(post, path = "/api/v1/ledger/setup", tag = "ledger", params(SetupParams),
    responses((status = 200, body = SetupOut), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn setup<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<SetupParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    service::set_up_books(&state.store, &a.actor, p.chart.unwrap_or(true))
        .await
        .map_err(err)?;
    let journals = service::journals(&state.store, &a.actor)
        .await
        .map_err(err)?;
    let commodities = service::commodities(&state.store, &a.actor)
        .await
        .map_err(err)?;
    let accounts = service::chart(&state.store, &a.actor)
        .await
        .map_err(err)?
        .len() as u64;
    Ok(ok(SetupOut {
        journals: journals.into_iter().map(JournalOut::from).collect(),
        commodities: commodities.into_iter().map(CommodityOut::from).collect(),
        accounts,
    }))
}

// ---------------------------------------------------------------- settings

#[derive(Serialize, ToSchema)]
pub struct SettingsOut {
    /// The month (1-12) the fiscal year starts in.
    fiscal_year_start_month: u32,
    /// Entries whose debits are above this (in the company currency) need another user's
    /// approval; `null`: none do.
    approval_threshold: Option<String>,
    version: i64,
}

async fn settings_out<S: Backend>(
    state: &AppState<S>,
    a: &ApiActor,
    s: LedgerSettings,
) -> Result<SettingsOut, Error> {
    let threshold = match s.approval_threshold {
        None => None,
        Some(t) => Some(
            precisions(state, &a.actor)
                .await?
                .format(&a.actor.company_currency, t),
        ),
    };
    Ok(SettingsOut {
        fiscal_year_start_month: s.fiscal_year_start_month,
        approval_threshold: threshold,
        version: s.version,
    })
}

/// The ledger settings.
#[utoipa::path(get, path = "/api/v1/ledger/settings", tag = "ledger",
    responses((status = 200, body = SettingsOut), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn settings<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let s = service::settings(&state.store, &a.actor)
        .await
        .map_err(err)?;
    Ok(ok(settings_out(&state, &a, s).await.map_err(err)?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsIn {
    /// 1-12.
    #[schema(minimum = 1, maximum = 12)]
    fiscal_year_start_month: u32,
    /// In the company currency, e.g. `"5000.00"`; absent or empty: no approval needed.
    #[serde(default)]
    approval_threshold: Option<String>,
    /// The `version` you read.
    version: i64,
}

/// Changes the ledger settings (accounting leads). 409 on a stale `version`.
#[utoipa::path(put, path = "/api/v1/ledger/settings", tag = "ledger", request_body = SettingsIn,
    responses((status = 200, body = SettingsOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_settings<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<SettingsIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let input = SettingsInput {
        fiscal_year_start_month: b.fiscal_year_start_month,
        approval_threshold: b.approval_threshold,
        version: b.version,
    };
    let s = service::update_settings(&state.store, &a.actor, &input)
        .await
        .map_err(err)?;
    Ok(ok(settings_out(&state, &a, s).await.map_err(err)?))
}

// ---------------------------------------------------------------- journals

/// The company's journals.
#[utoipa::path(get, path = "/api/v1/ledger/journals", tag = "ledger",
    responses((status = 200, body = Vec<JournalOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn journals<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let j = service::journals(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(j.into_iter().map(JournalOut::from).collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JournalIn {
    /// 1-10 letters or digits, e.g. `PJ`.
    #[schema(pattern = "^[A-Za-z0-9]{1,10}$")]
    code: String,
    name: String,
    /// `general`, `sales`, `purchases`, `bank`, `cash` or `custom`.
    kind: String,
}

/// Creates a journal.
#[utoipa::path(post, path = "/api/v1/ledger/journals", tag = "ledger", request_body = JournalIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    responses((status = 201, body = JournalOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_journal<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<JournalIn>,
) -> Result<Response, ApiError> {
    let input = JournalInput {
        code: b.code,
        name: b.name,
        kind: b.kind,
    };
    let j = service::create_journal(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(JournalOut::from(j)))
}

// ---------------------------------------------------------------- commodities

/// The company's commodities (currencies, shares, …).
#[utoipa::path(get, path = "/api/v1/ledger/commodities", tag = "ledger",
    responses((status = 200, body = Vec<CommodityOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn commodities<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let c = service::commodities(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(c
        .into_iter()
        .map(CommodityOut::from)
        .collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommodityIn {
    /// `USD`, `$`, `AAPL`, `BTC`.
    symbol: String,
    /// Decimal places, 0-12.
    #[schema(maximum = 12)]
    precision: u8,
    #[serde(default)]
    name: String,
}

/// Creates a commodity.
#[utoipa::path(post, path = "/api/v1/ledger/commodities", tag = "ledger", request_body = CommodityIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    responses((status = 201, body = CommodityOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_commodity<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<CommodityIn>,
) -> Result<Response, ApiError> {
    let input = CommodityInput {
        symbol: b.symbol,
        precision: b.precision,
        name: b.name,
    };
    // The service names the symbol `commodity`; this body calls it `symbol`.
    let c = service::create_commodity(&state.store, &a.actor, &input)
        .await
        .map_err(|e| {
            let e = rename_fields(e, |f| {
                if f == "commodity" {
                    "symbol".to_string()
                } else {
                    f.to_string()
                }
            });
            ApiError::new(e, &a.request_id)
        })?;
    Ok(created(CommodityOut::from(c)))
}

// ---------------------------------------------------------------- rates

#[derive(Serialize, ToSchema)]
pub struct RateOut {
    date: String,
    commodity: String,
    quote: String,
    /// Units of `quote` for one unit of `commodity`.
    rate: String,
    source: String,
}

/// Exchange rates and prices.
#[utoipa::path(get, path = "/api/v1/ledger/rates", tag = "ledger",
    responses((status = 200, body = Vec<RateOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn rates<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let r = service::rates(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(r
        .into_iter()
        .map(|r| RateOut {
            date: r.date.to_string(),
            commodity: r.commodity,
            quote: r.quote,
            rate: r.rate,
            source: r.source,
        })
        .collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateIn {
    /// `YYYY-MM-DD`
    date: String,
    commodity: String,
    quote: String,
    /// A positive decimal: units of `quote` for one `commodity`.
    rate: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatesIn {
    #[schema(min_items = 1)]
    rates: Vec<RateIn>,
}

#[derive(Serialize, ToSchema)]
pub struct RatesOut {
    /// Rates written (new or replaced).
    saved: usize,
}

/// Enters rates, all or none (a rate for the same pair and date is replaced). Problems
/// name `rates[i].field`.
#[utoipa::path(post, path = "/api/v1/ledger/rates", tag = "ledger", request_body = RatesIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    responses((status = 200, body = RatesOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_rates<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<RatesIn>,
) -> Result<Response, ApiError> {
    let single = b.rates.len() == 1;
    let rows: Vec<RateInput> = b
        .rates
        .into_iter()
        .map(|r| RateInput {
            date: r.date,
            commodity: r.commodity,
            quote: r.quote,
            rate: r.rate,
        })
        .collect();
    if rows.is_empty() {
        return Err(ApiError::new(
            Error::invalid("rates", "give at least one rate"),
            &a.request_id,
        ));
    }
    let saved = service::set_rates(&state.store, &a.actor, &rows, "api")
        .await
        .map_err(|e| {
            ApiError::new(
                rename_fields(e, |f| match f.strip_prefix("rows[") {
                    Some(rest) => format!("rates[{rest}"),
                    None if single => format!("rates[0].{f}"),
                    None => f.to_string(),
                }),
                &a.request_id,
            )
        })?;
    Ok(ok(RatesOut { saved }))
}

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
    params(("month" = String, Path, description = "YYYY-MM")),
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
    /// Why the month is reopened; required.
    reason: String,
}

/// Reopens a closed month (admins only), with a reason.
#[utoipa::path(post, path = "/api/v1/ledger/periods/{month}/reopen", tag = "ledger",
    params(("month" = String, Path, description = "YYYY-MM")), request_body = ReopenIn,
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

// ---------------------------------------------------------------- journal import

#[derive(Serialize, ToSchema)]
pub struct JournalImportOut {
    dry_run: bool,
    /// Transactions read (and, unless a dry run, posted).
    transactions: u64,
    postings: u64,
    /// Accounts and commodities the import creates (or would create).
    accounts_created: Vec<String>,
    commodities_created: Vec<String>,
    /// Price directives turned into rates.
    rates: u64,
    first_date: Option<String>,
    last_date: Option<String>,
    /// SHA-256 of the file, recorded with the import.
    sha256: String,
}

/// The multipart form of a journal import (documentation of the fields).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct JournalImportForm {
    /// The journal file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `hledger`, `ledger` or `beancount`; guessed from the file name (`.journal`,
    /// `.hledger`, `.ledger`, `.beancount`, `.bean`) when absent.
    format: Option<String>,
    /// `true`: check everything (balances, assertions, closed periods) and write nothing.
    dry_run: Option<bool>,
    /// Journal code for the entries; the general journal when absent.
    journal: Option<String>,
}

fn guess_format(file_name: &str) -> Option<Format> {
    let ext = file_name.rsplit_once('.').map(|(_, e)| e)?;
    match ext.to_ascii_lowercase().as_str() {
        "journal" | "hledger" | "j" => Some(Format::Hledger),
        "ledger" | "dat" => Some(Format::Ledger),
        "beancount" | "bean" => Some(Format::Beancount),
        _ => None,
    }
}

/// Imports a plain-text journal (hledger, ledger or Beancount), all or nothing: every
/// transaction must balance, every balance assertion hold, no date fall into a closed
/// month. Problems are a 422 naming `file` with `FILE:LINE: what is wrong`. Missing
/// accounts and commodities are created.
#[utoipa::path(post, path = "/api/v1/ledger/import", tag = "ledger",
    request_body(content = JournalImportForm, content_type = "multipart/form-data"),
    responses((status = 200, body = JournalImportOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn import_journal<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    // Who may import is settled before 50 MB are read.
    service::may_import(&a.actor).map_err(err)?;
    let mp = mp.map_err(|e| {
        err(Error::invalid(
            "file",
            format!("send multipart/form-data with a `file`: {}", e.body_text()),
        ))
    })?;
    let (name, bytes, fields) = read_multipart(mp).await.map_err(err)?;
    let field = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let format = match field("format") {
        Some(f) => Format::parse(&f)
            .ok_or_else(|| err(Error::invalid("format", "hledger, ledger or beancount")))?,
        None => guess_format(&name).ok_or_else(|| {
            err(Error::invalid(
                "format",
                "say which: hledger, ledger or beancount",
            ))
        })?,
    };
    let req = ImportRequest {
        format,
        file_name: name,
        dry_run: field("dry_run").is_some_and(|v| truthy(&v)),
        journal: field("journal"),
    };
    let out = import::import_journal(
        &state.store,
        &a.actor,
        &req,
        Arc::new(BytesSource(Arc::new(bytes))),
        None,
    )
    .await
    .map_err(err)?;
    Ok(ok(JournalImportOut {
        dry_run: out.dry_run,
        transactions: out.transactions,
        postings: out.postings,
        accounts_created: out.accounts_created,
        commodities_created: out.commodities_created,
        rates: out.rates,
        first_date: out.first_date.map(|d| d.to_string()),
        last_date: out.last_date.map(|d| d.to_string()),
        sha256: out.sha256,
    }))
}
