//! The books themselves: setting them up, settings, journals, commodities, rates (periods
//! and the journal import have their own modules).
use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::ledger::service::{self, CommodityInput, JournalInput, RateInput, SettingsInput};
use steward_core::ledger::LedgerSettings;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};

use super::{precisions, rename_fields, CommodityOut, JournalOut};
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
    #[schema(schema_with = crate::api::contract::opt_amount::<2, false>)]
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
    #[schema(schema_with = crate::api::contract::nonblank::<100>)]
    name: String,
    /// `general`, `sales`, `purchases`, `bank`, `cash` or `custom`.
    #[schema(schema_with = journal_kind)]
    kind: String,
}

fn journal_kind() -> utoipa::openapi::schema::Object {
    let kinds: Vec<&str> = steward_core::ledger::JournalKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    crate::api::contract::one_of(&kinds, false)
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
    #[schema(schema_with = crate::api::contract::commodity_symbol)]
    symbol: String,
    /// Decimal places, 0-12.
    #[schema(minimum = 0, maximum = 12)]
    precision: u8,
    #[serde(default)]
    #[schema(max_length = 100)]
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
    #[schema(schema_with = crate::api::contract::day)]
    date: String,
    /// A commodity's symbol.
    #[schema(schema_with = crate::api::contract::commodity_symbol)]
    commodity: String,
    /// Another commodity's symbol.
    #[schema(schema_with = crate::api::contract::commodity_symbol)]
    quote: String,
    /// A positive decimal: units of `quote` for one `commodity`.
    #[schema(schema_with = crate::api::contract::positive_decimal)]
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
