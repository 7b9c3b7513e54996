//! `/api/v1/billing/parties` (customers and vendors), `/api/v1/billing/tax-codes` and
//! `/api/v1/billing/settings`.
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::billing::parties::{self, Party, PartyInput, PartyQuery, PartyRole, PartySort};
use steward_core::billing::party_import;
use steward_core::billing::tax::{self, TaxCode, TaxCodeInput};
use steward_core::billing::{self, BillingSettings, SettingsInput};
use steward_core::ids::{PartyId, TaxCodeId};
use steward_core::list::Paging;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::contract::sort_and_dir;
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(list, create))
        .routes(routes!(import))
        .routes(routes!(get, update))
        .routes(routes!(tax_codes, create_tax_code))
        .routes(routes!(update_tax_code))
        .routes(routes!(settings, set_settings))
}

#[derive(Serialize, ToSchema)]
pub struct PartyOut {
    id: i64,
    name: String,
    legal_name: String,
    is_customer: bool,
    is_vendor: bool,
    tax_id: String,
    email: String,
    address: String,
    payment_terms_days: i64,
    currency: String,
    income_account_id: Option<i64>,
    expense_account_id: Option<i64>,
    /// Electronic form, no spaces; empty when none.
    iban: String,
    bic: String,
    active: bool,
    version: i64,
}

impl From<Party> for PartyOut {
    fn from(p: Party) -> Self {
        PartyOut {
            id: p.id.0,
            name: p.name,
            legal_name: p.legal_name,
            is_customer: p.is_customer,
            is_vendor: p.is_vendor,
            tax_id: p.tax_id,
            email: p.email,
            address: p.address,
            payment_terms_days: p.payment_terms_days,
            currency: p.currency,
            income_account_id: p.income_account_id.map(|a| a.0),
            expense_account_id: p.expense_account_id.map(|a| a.0),
            iban: p.iban,
            bic: p.bic,
            active: p.active,
            version: p.version,
        }
    }
}

/// A customer or vendor as written (all fields; an update replaces them).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyIn {
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    name: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::line::<200, false>)]
    legal_name: String,
    /// At least one of `is_customer` and `is_vendor`.
    #[serde(default)]
    is_customer: bool,
    #[serde(default)]
    is_vendor: bool,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::line::<50, false>)]
    tax_id: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_email)]
    email: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<1000, false>)]
    address: String,
    /// Days from a document's date to its due date (0 to 365); 30 when absent.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 365)]
    payment_terms_days: Option<u16>,
    /// The party's currency; the company's when absent or empty.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_currency)]
    currency: Option<String>,
    /// Default income account of its invoice lines (name or code).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<400>)]
    income_account: Option<String>,
    /// Default expense account of its bill lines (name or code).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<400>)]
    expense_account: Option<String>,
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

impl PartyIn {
    fn input(self) -> (PartyInput, Option<i64>) {
        (
            PartyInput {
                name: self.name,
                legal_name: self.legal_name,
                is_customer: self.is_customer,
                is_vendor: self.is_vendor,
                tax_id: self.tax_id,
                email: self.email,
                address: self.address,
                payment_terms_days: self
                    .payment_terms_days
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                currency: self.currency.unwrap_or_default(),
                income_account: self.income_account.unwrap_or_default(),
                expense_account: self.expense_account.unwrap_or_default(),
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
pub struct PartyListParams {
    /// Part of the name, legal name, tax id or e-mail.
    q: Option<String>,
    /// `customer` or `vendor`; empty for both.
    #[param(schema_with = crate::api::contract::party_role_filter)]
    role: Option<String>,
    /// `true`: active only; `false`: inactive only; empty: both.
    #[param(schema_with = crate::api::contract::bool_filter)]
    active: Option<String>,
    /// `name` (default) or `created`.
    #[param(schema_with = crate::api::contract::sort::<PartySort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// Customers and vendors the caller may see (receivables: customers; payables: vendors).
#[utoipa::path(get, path = "/api/v1/billing/parties", tag = "billing", params(PartyListParams),
    responses((status = 200, body = ListOf<PartyOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<PartyListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (sort, dir) =
        sort_and_dir::<PartySort>(p.sort.as_deref(), p.dir.as_deref()).map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    if export.is_some() {
        parties::authorize_export(&a.actor).map_err(err)?;
    }
    let role = match p.role.as_deref().unwrap_or("") {
        "" => PartyRole::Any,
        r => PartyRole::parse(r)
            .ok_or_else(|| err(Error::invalid("role", "`customer` or `vendor`")))?,
    };
    let active = match p.active.as_deref().unwrap_or("") {
        "" => None,
        "true" => Some(true),
        "false" => Some(false),
        _ => return Err(err(Error::invalid("active", "`true` or `false`"))),
    };
    let q = PartyQuery {
        search: p.q.clone(),
        role,
        active,
        sort,
        dir,
        paging: if export.is_some() {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    };
    let page = parties::list(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = export {
        return Ok(crate::list::export(
            format,
            "parties",
            parties::EXPORT_HEADERS,
            page.items.iter().map(parties::export_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(PartyOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// Imports customers and vendors from a CSV (`text/csv`) or XLSX body, all rows or none.
/// Columns as the list's export: `name` (required), `legal_name`, `customer`, `vendor`
/// (yes or no; at least one yes), `tax_id`, `email`, `address`, `payment_terms_days`,
/// `currency`, `income_account`, `expense_account` (name or code), `iban`, `bic`, `active`.
/// A customer row needs `receivables.import` and `.create`, a vendor row the same of
/// `payables`. With problems the answer is 422 and lists each by line and column; nothing
/// is written. `map.<field>=<header>` maps a column by hand.
#[utoipa::path(post, path = "/api/v1/billing/parties/import", tag = "billing", params(crate::api::import::ImportParams),
    request_body(content = inline(crate::api::contract::TableUpload), content_type = "text/csv", description = "CSV or XLSX"),
    responses((status = 200, body = crate::api::import::ImportReportOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = crate::api::import::ImportReportOut)))]
pub async fn import<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<crate::api::import::ImportParams>,
    Query(pairs): Query<Vec<(String, String)>>,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    // Who may import is settled before 50 MB are read.
    party_import::may_import(&a.actor).map_err(err)?;
    let (store, actor) = (&state.store, &a.actor);
    crate::api::import::run(req, &pairs, |name, table, mapping| async move {
        party_import::import(store, actor, &table, name, &mapping, p.dry_run).await
    })
    .await
    .map_err(err)
}

/// A new customer or vendor (a customer needs `receivables.create`, a vendor
/// `payables.create`). A name another party has is 422 on `name`; a bad IBAN on `iban`.
#[utoipa::path(post, path = "/api/v1/billing/parties", tag = "billing", request_body = PartyIn,
    responses((status = 201, body = PartyOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<PartyIn>,
) -> Result<Response, ApiError> {
    let (input, _) = b.input();
    let p = parties::create(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(PartyOut::from(p)))
}

/// One customer or vendor.
#[utoipa::path(get, path = "/api/v1/billing/parties/{id}", tag = "billing", params(("id" = i64, Path)),
    responses((status = 200, body = PartyOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let p = parties::get(&state.store, &a.actor, PartyId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(PartyOut::from(p)))
}

/// Changes a customer or vendor (every field is replaced). The bank details and the
/// expense account are the vendor side's (`payables.update`), the income account the
/// customer side's.
#[utoipa::path(put, path = "/api/v1/billing/parties/{id}", tag = "billing", params(("id" = i64, Path)), request_body = PartyIn,
    responses((status = 200, body = PartyOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<PartyIn>,
) -> Result<Response, ApiError> {
    let (input, version) = b.input();
    let p = parties::update(&state.store, &a.actor, PartyId(id), &input, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(PartyOut::from(p)))
}

#[derive(Serialize, ToSchema)]
pub struct TaxCodeOut {
    id: i64,
    code: String,
    name: String,
    /// Percent, e.g. `19` or `7.5`.
    rate: String,
    /// Prices include the tax.
    inclusive: bool,
    collected_account_id: Option<i64>,
    paid_account_id: Option<i64>,
    active: bool,
    version: i64,
}

impl From<TaxCode> for TaxCodeOut {
    fn from(t: TaxCode) -> Self {
        TaxCodeOut {
            id: t.id.0,
            rate: t.rate_text(),
            code: t.code,
            name: t.name,
            inclusive: t.inclusive,
            collected_account_id: t.collected_account_id.map(|a| a.0),
            paid_account_id: t.paid_account_id.map(|a| a.0),
            active: t.active,
            version: t.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxCodeIn {
    /// Letters, digits, `-` and `_` (upper-cased), unique in the company.
    #[schema(schema_with = crate::api::contract::tax_code)]
    code: String,
    #[schema(schema_with = crate::api::contract::line::<100, true>)]
    name: String,
    /// Percent from 0 to 100, at most 4 decimals.
    #[schema(schema_with = crate::api::contract::percent)]
    rate: String,
    #[serde(default)]
    inclusive: bool,
    /// Where tax on sales is credited (name or code).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<400>)]
    collected_account: Option<String>,
    /// Where tax on purchases is debited (name or code).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<400>)]
    paid_account: Option<String>,
    #[serde(default)]
    active: Option<bool>,
    #[serde(default)]
    version: Option<i64>,
}

impl TaxCodeIn {
    fn input(self) -> (TaxCodeInput, Option<i64>) {
        (
            TaxCodeInput {
                code: self.code,
                name: self.name,
                rate: self.rate,
                inclusive: self.inclusive,
                collected_account: self.collected_account.unwrap_or_default(),
                paid_account: self.paid_account.unwrap_or_default(),
                active: self.active.unwrap_or(true),
            },
            self.version,
        )
    }
}

/// The company's tax codes.
#[utoipa::path(get, path = "/api/v1/billing/tax-codes", tag = "billing",
    responses((status = 200, body = Vec<TaxCodeOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn tax_codes<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let codes = tax::list(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(codes
        .into_iter()
        .map(TaxCodeOut::from)
        .collect::<Vec<_>>()))
}

/// A new tax code (whoever keeps the books).
#[utoipa::path(post, path = "/api/v1/billing/tax-codes", tag = "billing", request_body = TaxCodeIn,
    responses((status = 201, body = TaxCodeOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_tax_code<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<TaxCodeIn>,
) -> Result<Response, ApiError> {
    let (input, _) = b.input();
    let t = tax::create(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(TaxCodeOut::from(t)))
}

/// Changes a tax code. Posted documents keep the tax they were posted with.
#[utoipa::path(put, path = "/api/v1/billing/tax-codes/{id}", tag = "billing", params(("id" = i64, Path)), request_body = TaxCodeIn,
    responses((status = 200, body = TaxCodeOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_tax_code<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<TaxCodeIn>,
) -> Result<Response, ApiError> {
    let (input, version) = b.input();
    let t = tax::update(&state.store, &a.actor, TaxCodeId(id), &input, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(TaxCodeOut::from(t)))
}

#[derive(Serialize, ToSchema)]
pub struct BillingSettingsOut {
    receivable_account_id: Option<i64>,
    payable_account_id: Option<i64>,
    /// `line` or `document`.
    tax_rounding: String,
    /// Bills whose total in the company currency is above this wait for approval before
    /// they post; `null`: none.
    bill_approval_threshold: Option<String>,
    /// Where the exchange gains and losses realised by settling documents in a foreign
    /// currency are posted; `null`: none set.
    fx_gain_loss_account_id: Option<i64>,
    version: i64,
}

impl BillingSettingsOut {
    fn of(s: BillingSettings, currency: &str) -> Self {
        BillingSettingsOut {
            bill_approval_threshold: s.bill_approval_threshold.map(|t| super::money(t, currency)),
            receivable_account_id: s.receivable_account_id.map(|a| a.0),
            payable_account_id: s.payable_account_id.map(|a| a.0),
            fx_gain_loss_account_id: s.fx_gain_loss_account_id.map(|a| a.0),
            tax_rounding: s.tax_rounding.as_str().to_string(),
            version: s.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillingSettingsIn {
    /// The receivables control account (name or code); empty for none.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<400>)]
    receivable_account: Option<String>,
    /// The payables control account (name or code); empty for none.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<400>)]
    payable_account: Option<String>,
    /// Tax rounded on each line (`line`, the default) or once per code on the document.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::tax_rounding)]
    tax_rounding: Option<String>,
    /// An amount in the company currency: bills above it wait for approval before they
    /// post. Absent or empty: none.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_positive_amount)]
    bill_approval_threshold: Option<String>,
    /// The exchange difference account (name or code): realised exchange gains and
    /// losses of documents in a foreign currency go there. Absent or empty: none (a
    /// payment that realises a difference is then refused).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<400>)]
    fx_gain_loss_account: Option<String>,
    /// The version read: a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

/// How the company bills.
#[utoipa::path(get, path = "/api/v1/billing/settings", tag = "billing",
    responses((status = 200, body = BillingSettingsOut), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn settings<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let s = billing::settings(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(BillingSettingsOut::of(s, &a.actor.company_currency)))
}

/// Sets the receivables and payables accounts, the tax rounding, the bills' approval
/// threshold and the exchange difference account.
#[utoipa::path(put, path = "/api/v1/billing/settings", tag = "billing", request_body = BillingSettingsIn,
    responses((status = 200, body = BillingSettingsOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_settings<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<BillingSettingsIn>,
) -> Result<Response, ApiError> {
    let input = SettingsInput {
        receivable_account: b.receivable_account.unwrap_or_default(),
        payable_account: b.payable_account.unwrap_or_default(),
        tax_rounding: b.tax_rounding.unwrap_or_else(|| "line".into()),
        bill_approval_threshold: b.bill_approval_threshold.unwrap_or_default(),
        fx_gain_loss_account: b.fx_gain_loss_account.unwrap_or_default(),
    };
    let s = billing::set_settings(&state.store, &a.actor, &input, b.version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(BillingSettingsOut::of(s, &a.actor.company_currency)))
}
