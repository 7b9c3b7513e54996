//! `/api/v1/bank/accounts`: bank accounts.
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::bank::accounts::{
    self, BankAccount, BankAccountInput, BankAccountQuery, BankAccountSort,
};
use steward_core::ids::BankAccountId;
use steward_core::list::Paging;
use utoipa::{IntoParams, ToSchema};

use crate::api::contract::sort_and_dir;
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

#[derive(Serialize, ToSchema)]
pub struct BankAccountOut {
    id: i64,
    name: String,
    ledger_account_id: i64,
    /// The ledger account's full name, `Assets:Bank:Checking`.
    ledger_account: String,
    currency: String,
    /// Electronic form, no spaces; empty when none.
    iban: String,
    bic: String,
    active: bool,
    /// The last statement's closing balance and its day (none before the first import
    /// with a closing balance).
    last_closing: Option<super::BalanceOut>,
    /// Statements imported.
    statements: i64,
    /// Send it back with an update; a stale one gets 409.
    version: i64,
}

impl From<BankAccount> for BankAccountOut {
    fn from(a: BankAccount) -> Self {
        let last = a
            .last_closing
            .map(|(date, minor)| steward_core::bank::statements::DayBalance { date, minor });
        BankAccountOut {
            id: a.id.0,
            last_closing: super::BalanceOut::of(last, &a.currency),
            name: a.name,
            ledger_account_id: a.ledger_account_id.0,
            ledger_account: a.ledger_account,
            currency: a.currency,
            iban: a.iban,
            bic: a.bic,
            active: a.active,
            statements: a.statements,
            version: a.version,
        }
    }
}

/// A bank account as written (all fields; an update replaces them).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankAccountIn {
    /// Unique in the company.
    #[schema(schema_with = crate::api::contract::line::<100, true>)]
    name: String,
    /// The ledger account the money sits on (name or code): an active asset account
    /// without sub-accounts.
    #[schema(schema_with = crate::api::contract::line::<400, true>)]
    ledger_account: String,
    /// The statements' currency; the company's when absent or empty. Fixed once a
    /// statement was imported.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_currency)]
    currency: Option<String>,
    /// With or without spaces; check digits are verified.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_iban)]
    iban: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_bic)]
    bic: Option<String>,
    /// Active unless `false`.
    #[serde(default)]
    active: Option<bool>,
    /// The version read (updates): a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

impl BankAccountIn {
    fn input(self) -> (BankAccountInput, Option<i64>) {
        (
            BankAccountInput {
                name: self.name,
                ledger_account: self.ledger_account,
                currency: self.currency.unwrap_or_default(),
                iban: self.iban.unwrap_or_default(),
                bic: self.bic.unwrap_or_default(),
                active: self.active.unwrap_or(true),
            },
            self.version,
        )
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BankAccountListParams {
    /// Part of the name or IBAN.
    q: Option<String>,
    /// `name` (default) or `created`.
    #[param(schema_with = crate::api::contract::sort::<BankAccountSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// The company's bank accounts, each with its last closing balance.
#[utoipa::path(get, path = "/api/v1/bank/accounts", tag = "bank", params(BankAccountListParams),
    responses((status = 200, body = ListOf<BankAccountOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<BankAccountListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (sort, dir) =
        sort_and_dir::<BankAccountSort>(p.sort.as_deref(), p.dir.as_deref()).map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    if export.is_some() {
        steward_core::bank::statements::authorize_export(&a.actor).map_err(err)?;
    }
    let q = BankAccountQuery {
        search: p.q.clone(),
        sort,
        dir,
        paging: if export.is_some() {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    };
    let page = accounts::list(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = export {
        return Ok(crate::list::export(
            format,
            "bank-accounts",
            accounts::EXPORT_HEADERS,
            page.items.iter().map(accounts::export_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(BankAccountOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// A new bank account (`accounting.create`). A name another account has is 422 on
/// `name`; a ledger account that is not an active asset leaf on `ledger_account`.
#[utoipa::path(post, path = "/api/v1/bank/accounts", tag = "bank", request_body = BankAccountIn,
    responses((status = 201, body = BankAccountOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<BankAccountIn>,
) -> Result<Response, ApiError> {
    let (input, _) = b.input();
    let acc = accounts::create(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(BankAccountOut::from(acc)))
}

/// One bank account.
#[utoipa::path(get, path = "/api/v1/bank/accounts/{id}", tag = "bank", params(("id" = i64, Path)),
    responses((status = 200, body = BankAccountOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let acc = accounts::get(&state.store, &a.actor, BankAccountId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(BankAccountOut::from(acc)))
}

/// Changes a bank account (every field is replaced; `accounting.update`).
#[utoipa::path(put, path = "/api/v1/bank/accounts/{id}", tag = "bank", params(("id" = i64, Path)), request_body = BankAccountIn,
    responses((status = 200, body = BankAccountOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<BankAccountIn>,
) -> Result<Response, ApiError> {
    let (input, version) = b.input();
    let acc = accounts::update(&state.store, &a.actor, BankAccountId(id), &input, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(BankAccountOut::from(acc)))
}
