//! `/api/v1/billing/payments` (payments received and made, with their allocations) and
//! `/api/v1/billing/aged` (aged receivables and payables as of a day).
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::billing::aged::{self, Buckets, Side};
use steward_core::billing::payments::{
    self, AllocationInput, Payment, PaymentInput, PaymentKind, PaymentQuery, PaymentRow,
    PaymentSort,
};
use steward_core::list::Paging;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use super::money;
use crate::api::contract::{parse_date_param, sort_and_dir};
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(aged_report))
}

#[derive(Serialize, ToSchema)]
pub struct AllocationOut {
    document_id: i64,
    document_number: Option<String>,
    amount: String,
    /// A payment in a currency other than the books': the document's book value it
    /// settled, in `book_currency` (its share of the document's `book_total`).
    book_amount: Option<String>,
    /// The exchange gain (positive) or loss (negative) it realised, in `book_currency`.
    exchange_difference: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentOut {
    id: i64,
    /// `received` or `made`.
    kind: String,
    /// `RCV-2026-0001` or `PAY-2026-0001`.
    number: String,
    party_id: i64,
    party_name: String,
    date: String,
    currency: String,
    amount: String,
    account_id: i64,
    account: String,
    reference: String,
    writeoff_account_id: Option<i64>,
    writeoff: String,
    allocations: Vec<AllocationOut>,
    /// Left as credit on the party.
    unallocated: String,
    entry_id: Option<i64>,
    /// The books' currency when the payment is in another; `null` otherwise.
    book_currency: Option<String>,
    /// The ledger's rate of the payment's date it posted at: units of `book_currency` for
    /// one of `currency`.
    fx_rate: Option<String>,
    /// `amount` in `book_currency` at `fx_rate`.
    book_amount: Option<String>,
    /// The realised exchange gain (positive) or loss (negative) in `book_currency`: what
    /// the allocations are worth at `fx_rate` less the book value they settled (the
    /// documents' at their issue dates' rates), posted to the billing settings' exchange
    /// difference account.
    exchange_difference: Option<String>,
}

impl PaymentOut {
    /// `home`: the books' currency.
    fn of(p: Payment, home: &str) -> Self {
        let c = p.currency.clone();
        let foreign = p.fx_rate.is_some();
        PaymentOut {
            book_currency: (c != home).then(|| home.to_string()),
            fx_rate: p.fx_rate.clone(),
            book_amount: p.book_amount.filter(|_| foreign).map(|b| money(b, home)),
            exchange_difference: foreign.then(|| money(p.exchange_difference, home)),
            id: p.id,
            kind: p.kind.as_str().to_string(),
            number: p.number,
            party_id: p.party_id.0,
            party_name: p.party_name,
            date: p.date.to_string(),
            amount: money(p.amount, &c),
            account_id: p.account_id.0,
            account: p.account,
            reference: p.reference,
            writeoff_account_id: p.writeoff_account_id.map(|a| a.0),
            writeoff: money(p.writeoff, &c),
            allocations: p
                .allocations
                .into_iter()
                .map(|a| AllocationOut {
                    document_id: a.document_id.0,
                    document_number: a.document_number,
                    amount: money(a.amount, &c),
                    book_amount: a.book_amount.filter(|_| foreign).map(|b| money(b, home)),
                    exchange_difference: foreign.then(|| money(a.exchange_difference, home)),
                })
                .collect(),
            unallocated: money(p.unallocated, &c),
            entry_id: p.entry_id.map(|e| e.0),
            currency: c,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PaymentRowOut {
    id: i64,
    kind: String,
    number: String,
    party_id: i64,
    party_name: String,
    date: String,
    currency: String,
    amount: String,
    unallocated: String,
    reference: String,
}

impl From<PaymentRow> for PaymentRowOut {
    fn from(r: PaymentRow) -> Self {
        PaymentRowOut {
            id: r.id,
            kind: r.kind.as_str().to_string(),
            number: r.number,
            party_id: r.party_id.0,
            party_name: r.party_name,
            date: r.date.to_string(),
            amount: money(r.amount, &r.currency),
            unallocated: money(r.unallocated, &r.currency),
            currency: r.currency,
            reference: r.reference,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationIn {
    /// A posted invoice (payments received) or bill (payments made) of the party.
    #[schema(schema_with = crate::api::contract::id)]
    document_id: i64,
    /// At most what the document still owes.
    #[schema(schema_with = crate::api::contract::positive_amount)]
    amount: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentIn {
    /// `received` (the default) or `made`.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::payment_kind)]
    kind: Option<String>,
    #[schema(schema_with = crate::api::contract::id)]
    party_id: i64,
    #[schema(schema_with = crate::api::contract::date)]
    date: String,
    /// What went through the bank, in the payment's currency.
    #[schema(schema_with = crate::api::contract::positive_amount)]
    amount: String,
    /// The bank or cash account (name or code).
    #[schema(schema_with = crate::api::contract::line::<400, true>)]
    account: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<100>)]
    reference: Option<String>,
    /// The party's currency when absent or empty.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_currency)]
    currency: Option<String>,
    /// A small difference to write off (a bank fee, a discount taken).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_positive_amount)]
    writeoff: Option<String>,
    /// Where the difference goes (name or code); needed with `writeoff`.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<400>)]
    writeoff_account: Option<String>,
    /// The documents it settles; what is left stays as credit on the party.
    #[serde(default)]
    #[schema(max_items = 500)]
    allocations: Vec<AllocationIn>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PaymentListParams {
    /// `received` or `made`; empty for both.
    #[param(schema_with = crate::api::contract::payment_kind_filter)]
    kind: Option<String>,
    #[param(schema_with = crate::api::contract::id_param)]
    party_id: Option<String>,
    /// Part of the number, the reference or the party's name.
    q: Option<String>,
    /// `date` (default) or `amount`.
    #[param(schema_with = crate::api::contract::sort::<PaymentSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// Payments received and made that the caller may see.
#[utoipa::path(get, path = "/api/v1/billing/payments", tag = "billing", params(PaymentListParams),
    responses((status = 200, body = ListOf<PaymentRowOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<PaymentListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (sort, dir) =
        sort_and_dir::<PaymentSort>(p.sort.as_deref(), p.dir.as_deref()).map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    let kinds = match p.kind.as_deref().unwrap_or("") {
        "" => Vec::new(),
        k => vec![PaymentKind::parse(k)
            .ok_or_else(|| err(Error::invalid("kind", "`received` or `made`")))?],
    };
    let party_id = super::party_filter(p.party_id.as_deref()).map_err(err)?;
    let q = PaymentQuery {
        kinds,
        party_id,
        search: p.q.clone(),
        sort,
        dir,
        paging: if export.is_some() {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    };
    let page = payments::list(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = export {
        return Ok(crate::list::export(
            format,
            "payments",
            payments::EXPORT_HEADERS,
            page.items.iter().map(payments::export_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(PaymentRowOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// Records and posts a payment with its allocations (`receivables.create` for payments
/// received, `payables.create` for payments made). An allocation above what its document
/// owes, or allocations above what the payment holds, are 422 naming them. With an
/// `Idempotency-Key` a retry returns the first payment and posts nothing. A payment in a
/// currency other than the books' posts at the ledger's rate of its date (none on or
/// before it is 422 on `date`); the difference between what it is worth and the book value
/// of what it settles is the realised exchange gain or loss, posted to the billing
/// settings' exchange difference account (422 on `fx_gain_loss_account` when it is not
/// set and there is a difference).
#[utoipa::path(post, path = "/api/v1/billing/payments", tag = "billing", request_body = PaymentIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first payment; it never posts twice")),
    responses((status = 201, body = PaymentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    headers: HeaderMap,
    ApiJson(b): ApiJson<PaymentIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let key = crate::api::idempotency_key(&headers).map_err(err)?;
    let kind = match b.kind.as_deref() {
        None | Some("received") => PaymentKind::Received,
        Some("made") => PaymentKind::Made,
        _ => return Err(err(Error::invalid("kind", "`received` or `made`"))),
    };
    let input = PaymentInput {
        party_id: Some(b.party_id),
        date: b.date,
        amount: b.amount,
        account: b.account,
        reference: b.reference.unwrap_or_default(),
        currency: b.currency.unwrap_or_default(),
        writeoff: b.writeoff.unwrap_or_default(),
        writeoff_account: b.writeoff_account.unwrap_or_default(),
        allocations: b
            .allocations
            .into_iter()
            .map(|x| AllocationInput {
                document_id: Some(x.document_id),
                amount: x.amount,
            })
            .collect(),
    };
    let p = payments::record(&state.store, &a.actor, kind, &input, key.as_deref())
        .await
        .map_err(err)?;
    Ok(created(PaymentOut::of(p, &a.actor.company_currency)))
}

/// One payment with its allocations.
#[utoipa::path(get, path = "/api/v1/billing/payments/{id}", tag = "billing", params(("id" = i64, Path)),
    responses((status = 200, body = PaymentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let p = payments::get(&state.store, &a.actor, id)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(PaymentOut::of(p, &a.actor.company_currency)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgedParams {
    /// `receivables` (default) or `payables`.
    #[param(schema_with = crate::api::contract::aged_side)]
    side: Option<String>,
    /// The day it is as of (`YYYY-MM-DD`); today when absent.
    #[param(schema_with = crate::api::contract::date_param)]
    as_of: Option<String>,
    /// Bucket edges in days overdue, ascending: `30,60,90` (the default).
    #[param(schema_with = crate::api::contract::aged_buckets)]
    buckets: Option<String>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// What each party owes (receivables) or is owed (payables) as of a day, by days overdue.
#[utoipa::path(get, path = "/api/v1/billing/aged", tag = "billing", params(AgedParams),
    responses((status = 200, body = crate::views::billing::AgedOut, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn aged_report<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<AgedParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let side = match p.side.as_deref().unwrap_or("") {
        "" => Side::Receivables,
        s => Side::parse(s)
            .ok_or_else(|| err(Error::invalid("side", "`receivables` or `payables`")))?,
    };
    let as_of = parse_date_param("as_of", p.as_of.as_deref())
        .map_err(err)?
        .unwrap_or_else(steward_core::ledger::service::today);
    let buckets = Buckets::parse("buckets", p.buckets.as_deref().unwrap_or("")).map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    if export.is_some() {
        steward_core::billing::authorize_export(&a.actor, side.domain()).map_err(err)?;
    }
    let rows = aged::aged(&state.store, &a.actor, side, as_of, &buckets)
        .await
        .map_err(err)?;
    let out = crate::views::billing::aged_out(side, as_of, &buckets, rows);
    if let Some(format) = export {
        return Ok(crate::views::billing::aged_export(format, &out));
    }
    Ok(ok(out))
}
