//! `/api/v1/billing/invoices`: invoices, credit notes, bills and vendor credits. A new
//! document is a draft; `…/post` numbers it and writes its ledger entry; `…/credit` makes a
//! credit draft for a posted one. Drafts change (`PUT`) or go (`DELETE`); posted ones never.
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::billing::invoice_batch;
use steward_core::billing::invoices::{
    self, decimal_text, Invoice, InvoiceInput, InvoiceKind, InvoiceQuery, InvoiceRow, InvoiceSort,
    InvoiceStatus, LineInput,
};
use steward_core::ids::InvoiceId;
use steward_core::list::Paging;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};

use super::money;
use crate::api::contract::parse_date_param;
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(list, create))
        .routes(routes!(batch))
        .routes(routes!(get, update, delete))
        .routes(routes!(post))
        .routes(routes!(credit))
        .routes(routes!(pdf))
        .routes(
            routes!(attachments, attach).layer(axum::extract::DefaultBodyLimit::max(
                crate::forms::UPLOAD_BODY_LIMIT,
            )),
        )
}

#[derive(Serialize, ToSchema)]
pub struct InvoiceLineOut {
    id: i64,
    description: String,
    /// Decimal, e.g. `1.5`.
    quantity: String,
    unit_price: String,
    /// Percent, e.g. `10`.
    discount: String,
    tax_code: Option<String>,
    account_id: i64,
    account: String,
    department_id: Option<i64>,
    project: String,
    credited_line_id: Option<i64>,
    net: String,
    tax: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvoiceOut {
    id: i64,
    /// `invoice`, `credit_note`, `bill` or `vendor_credit`.
    kind: String,
    /// `draft`, `pending` (a bill waiting in the approvals inbox) or `posted`.
    status: String,
    party_id: i64,
    party_name: String,
    /// `INV-2026-0001` once posted; `null` for a draft.
    number: Option<String>,
    issue_date: String,
    due_date: String,
    currency: String,
    reference: String,
    notes: String,
    credited_id: Option<i64>,
    credited_number: Option<String>,
    subtotal: String,
    tax: String,
    total: String,
    /// The ledger entry a posted document wrote.
    entry_id: Option<i64>,
    /// What a posted document still owes after payments and credits (in `GET` of one
    /// document; absent elsewhere).
    #[serde(skip_serializing_if = "Option::is_none")]
    open: Option<String>,
    lines: Vec<InvoiceLineOut>,
    /// Why the approver refused the bill (empty when never refused).
    approval_note: String,
    /// The books' currency when the document is in another; `null` otherwise.
    book_currency: Option<String>,
    /// A posted document in a currency other than the books': the ledger's rate of its
    /// issue date it took, units of `book_currency` for one of `currency` (`0.92`).
    fx_rate: Option<String>,
    /// Its total in `book_currency` at `fx_rate`: its book value.
    book_total: Option<String>,
    /// A credit in a foreign currency applied to the document it credits: the exchange
    /// gain (positive) or loss (negative) that realised, in `book_currency`.
    exchange_difference: Option<String>,
    version: i64,
}

impl InvoiceOut {
    /// `home`: the books' currency.
    fn of(i: Invoice, home: &str) -> Self {
        let c = i.currency.clone();
        let foreign = c != home;
        InvoiceOut {
            book_currency: foreign.then(|| home.to_string()),
            book_total: i.book_total.filter(|_| foreign).map(|b| money(b, home)),
            exchange_difference: i
                .fx_rate
                .as_ref()
                .map(|_| money(i.exchange_difference, home)),
            fx_rate: i.fx_rate,
            id: i.id.0,
            kind: i.kind.as_str().to_string(),
            status: i.status.as_str().to_string(),
            party_id: i.party_id.0,
            party_name: i.party_name,
            number: i.number,
            issue_date: i.issue_date.to_string(),
            due_date: i.due_date.to_string(),
            reference: i.reference,
            notes: i.notes,
            credited_id: i.credited_id.map(|c| c.0),
            credited_number: i.credited_number,
            subtotal: money(i.subtotal, &c),
            tax: money(i.tax, &c),
            total: money(i.total, &c),
            entry_id: i.entry_id.map(|e| e.0),
            open: None,
            lines: i
                .lines
                .into_iter()
                .map(|l| InvoiceLineOut {
                    id: l.id,
                    quantity: decimal_text(l.quantity, 4),
                    unit_price: money(l.unit_price, &c),
                    discount: decimal_text(l.discount, 2),
                    description: l.description,
                    tax_code: l.tax_code,
                    account_id: l.account_id.0,
                    account: l.account,
                    department_id: l.department_id.map(|d| d.0),
                    project: l.project,
                    credited_line_id: l.credited_line_id,
                    net: money(l.net, &c),
                    tax: money(l.tax, &c),
                })
                .collect(),
            approval_note: i.approval_note,
            version: i.version,
            currency: c,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvoiceRowOut {
    id: i64,
    kind: String,
    status: String,
    party_id: i64,
    party_name: String,
    number: Option<String>,
    issue_date: String,
    due_date: String,
    currency: String,
    reference: String,
    subtotal: String,
    tax: String,
    total: String,
    version: i64,
}

impl From<InvoiceRow> for InvoiceRowOut {
    fn from(r: InvoiceRow) -> Self {
        InvoiceRowOut {
            id: r.id.0,
            kind: r.kind.as_str().to_string(),
            status: r.status.as_str().to_string(),
            party_id: r.party_id.0,
            party_name: r.party_name,
            number: r.number,
            issue_date: r.issue_date.to_string(),
            due_date: r.due_date.to_string(),
            subtotal: money(r.subtotal, &r.currency),
            tax: money(r.tax, &r.currency),
            total: money(r.total, &r.currency),
            currency: r.currency,
            reference: r.reference,
            version: r.version,
        }
    }
}

/// One line as written.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceLineIn {
    #[schema(schema_with = crate::api::contract::line::<500, true>)]
    description: String,
    /// Decimal, at most 4 places; 1 when absent or empty.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_amount::<4, true>)]
    quantity: Option<String>,
    /// In the document's currency, at most its decimal places.
    #[schema(schema_with = crate::api::contract::amount::<12, true>)]
    unit_price: String,
    /// Percent, at most 2 decimals.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_discount)]
    discount: Option<String>,
    /// A tax code of the company; empty or absent for no tax.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_tax_code)]
    tax_code: Option<String>,
    /// Income (invoices) or expense (bills) account by name or code; the party's default
    /// when absent or empty.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<400>)]
    account: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    department_id: Option<i64>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<100>)]
    project: Option<String>,
    /// On a credit: the line of the credited document this line credits.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    credited_line_id: Option<i64>,
}

impl From<InvoiceLineIn> for LineInput {
    fn from(l: InvoiceLineIn) -> Self {
        LineInput {
            description: l.description,
            quantity: l.quantity.unwrap_or_default(),
            unit_price: l.unit_price,
            discount: l.discount.unwrap_or_default(),
            tax_code: l.tax_code.unwrap_or_default(),
            account: l.account.unwrap_or_default(),
            department_id: l.department_id,
            project: l.project.unwrap_or_default(),
            credited_line_id: l.credited_line_id,
        }
    }
}

/// A document as written: a new one (`kind` required) or a draft's new content.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceIn {
    /// `invoice` (the default, also when null) or `bill` for a new document; ignored on an
    /// update.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::invoice_kind)]
    kind: Option<String>,
    /// The customer (invoices) or vendor (bills).
    #[schema(schema_with = crate::api::contract::id)]
    party_id: i64,
    #[schema(schema_with = crate::api::contract::date)]
    issue_date: String,
    /// The issue date plus the party's payment terms when absent or empty.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    due_date: Option<String>,
    /// The party's currency when absent or empty.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_currency)]
    currency: Option<String>,
    /// The customer's order number, or the vendor's own bill number.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<100>)]
    reference: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<2000>)]
    notes: Option<String>,
    /// 1 to 500 lines.
    #[schema(min_items = 1, max_items = 500)]
    lines: Vec<InvoiceLineIn>,
    /// The version read (updates): a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

impl InvoiceIn {
    fn input(self) -> (InvoiceInput, Option<String>, Option<i64>) {
        (
            InvoiceInput {
                party_id: Some(self.party_id),
                issue_date: self.issue_date,
                due_date: self.due_date.unwrap_or_default(),
                currency: self.currency.unwrap_or_default(),
                reference: self.reference.unwrap_or_default(),
                notes: self.notes.unwrap_or_default(),
                lines: self.lines.into_iter().map(LineInput::from).collect(),
            },
            self.kind,
            self.version,
        )
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvoiceListParams {
    /// One kind, or `sales` (invoices and credit notes) or `purchases` (bills and vendor
    /// credits); empty for all the caller may see.
    #[param(schema_with = crate::api::contract::invoice_kind_filter)]
    kind: Option<String>,
    /// `draft`, `pending` or `posted`.
    #[param(schema_with = crate::api::contract::invoice_status_filter)]
    status: Option<String>,
    /// Documents of one customer or vendor.
    #[param(schema_with = crate::api::contract::id_param)]
    party_id: Option<String>,
    /// Part of the number, the reference or the party's name.
    q: Option<String>,
    /// Issued on or after (`YYYY-MM-DD`).
    #[param(schema_with = crate::api::contract::date_param)]
    from: Option<String>,
    /// Issued on or before.
    #[param(schema_with = crate::api::contract::date_param)]
    to: Option<String>,
    /// `issue_date` (default), `due_date`, `number` or `total`.
    #[param(schema_with = crate::api::contract::sort::<InvoiceSort>)]
    sort: Option<String>,
    /// `asc` or `desc` (default).
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// Invoices, credit notes, bills and vendor credits the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/billing/invoices", tag = "billing", params(InvoiceListParams),
    responses((status = 200, body = ListOf<InvoiceRowOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<InvoiceListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let dir = crate::api::contract::parse_dir(p.dir.as_deref(), steward_core::list::SortDir::Desc)
        .map_err(err)?;
    let sort = crate::api::contract::parse_sort::<InvoiceSort>(p.sort.as_deref()).map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    let status = match p.status.as_deref().unwrap_or("") {
        "" => None,
        s => Some(
            InvoiceStatus::parse(s)
                .ok_or_else(|| err(Error::invalid("status", "`draft`, `pending` or `posted`")))?,
        ),
    };
    let party_id = super::party_filter(p.party_id.as_deref()).map_err(err)?;
    let q = InvoiceQuery {
        kinds: InvoiceKind::filter(p.kind.as_deref().unwrap_or("")).map_err(err)?,
        status,
        party_id,
        search: p.q.clone(),
        from: parse_date_param("from", p.from.as_deref()).map_err(err)?,
        to: parse_date_param("to", p.to.as_deref()).map_err(err)?,
        sort,
        dir,
        paging: if export.is_some() {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    };
    let page = invoices::list(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = export {
        return Ok(crate::list::export(
            format,
            "invoices",
            invoices::EXPORT_HEADERS,
            page.items.iter().map(invoices::export_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(InvoiceRowOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// A new draft invoice (`receivables.create`) or bill (`payables.create`). Every field
/// error at once, lines named `lines[2].quantity`. With an `Idempotency-Key` a retry
/// returns the first draft.
#[utoipa::path(post, path = "/api/v1/billing/invoices", tag = "billing", request_body = InvoiceIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first draft")),
    responses((status = 201, body = InvoiceOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    headers: HeaderMap,
    ApiJson(b): ApiJson<InvoiceIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let key = crate::api::idempotency_key(&headers).map_err(err)?;
    let (input, kind, _) = b.input();
    let kind = match kind.as_deref() {
        None | Some("invoice") => InvoiceKind::Invoice,
        Some("bill") => InvoiceKind::Bill,
        _ => return Err(err(Error::invalid("kind", "`invoice` or `bill`"))),
    };
    let inv = invoices::create_draft(&state.store, &a.actor, kind, &input, key.as_deref())
        .await
        .map_err(err)?;
    Ok(created(InvoiceOut::of(inv, &a.actor.company_currency)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceBatchItemIn {
    /// The document's own idempotency key (1 to 200 printable ASCII characters): an item
    /// whose key made a document before is not posted again.
    #[serde(default)]
    #[schema(pattern = "^[ -~]{0,200}$")]
    key: Option<String>,
    /// An invoice or bill as `POST /api/v1/billing/invoices` takes it (`version` is
    /// ignored).
    document: InvoiceIn,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceBatchIn {
    #[schema(min_items = 1, max_items = 1000)]
    items: Vec<InvoiceBatchItemIn>,
}

#[derive(Serialize, ToSchema)]
pub struct InvoiceBatchResultOut {
    id: i64,
    number: String,
    /// False when the item's key had made the document before (nothing new was written).
    created: bool,
}

#[derive(Serialize, ToSchema)]
pub struct InvoiceBatchOut {
    /// One per item, in order.
    results: Vec<InvoiceBatchResultOut>,
    /// How many were new.
    created: usize,
}

/// Posts up to 1,000 invoices or bills in one transaction, all or nothing: each is
/// numbered and gets its ledger entry as if drafted and posted one by one. Problems name
/// the item, e.g. `items[3].document.lines[0].unit_price`. Credits are made one at a time from what
/// they credit. Each item may carry its own idempotency key.
#[utoipa::path(post, path = "/api/v1/billing/invoices/batch", tag = "billing", request_body = InvoiceBatchIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    responses((status = 201, body = InvoiceBatchOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn batch<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    // Who may post documents at all is settled before the body is read.
    if !invoices::may_write(&a.actor, InvoiceKind::Invoice)
        && !invoices::may_write(&a.actor, InvoiceKind::Bill)
    {
        return Err(err(Error::Forbidden));
    }
    let crate::api::ledger::LargeJson(b) =
        <crate::api::ledger::LargeJson<InvoiceBatchIn> as axum::extract::FromRequest<_>>::from_request(req, &state)
            .await?;
    let mut items = Vec::with_capacity(b.items.len());
    for (n, i) in b.items.into_iter().enumerate() {
        let (input, kind, _) = i.document.input();
        let kind = match kind.as_deref() {
            None | Some("invoice") => InvoiceKind::Invoice,
            Some("bill") => InvoiceKind::Bill,
            _ => {
                return Err(err(Error::invalid(
                    format!("items[{n}].document.kind"),
                    "`invoice` or `bill`",
                )))
            }
        };
        items.push(invoice_batch::BatchItem {
            key: i.key,
            kind,
            input,
        });
    }
    let results = invoice_batch::post_batch(&state.store, &a.actor, &items)
        .await
        .map_err(err)?;
    Ok(created(InvoiceBatchOut {
        created: results.iter().filter(|r| r.created).count(),
        results: results
            .into_iter()
            .map(|r| InvoiceBatchResultOut {
                id: r.id.0,
                number: r.number,
                created: r.created,
            })
            .collect(),
    }))
}

/// One document with its lines.
#[utoipa::path(get, path = "/api/v1/billing/invoices/{id}", tag = "billing", params(("id" = i64, Path)),
    responses((status = 200, body = InvoiceOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let inv = invoices::get(&state.store, &a.actor, InvoiceId(id))
        .await
        .map_err(err)?;
    let open = if inv.status == InvoiceStatus::Posted {
        let (_, o) = steward_core::billing::payments::settlement(&state.store, &a.actor, inv.id)
            .await
            .map_err(err)?;
        Some(money(o.open(), &inv.currency))
    } else {
        None
    };
    let mut out = InvoiceOut::of(inv, &a.actor.company_currency);
    out.open = open;
    Ok(ok(out))
}

/// Replaces a draft's content (a posted document is 409: credit it instead).
#[utoipa::path(put, path = "/api/v1/billing/invoices/{id}", tag = "billing", params(("id" = i64, Path)), request_body = InvoiceIn,
    responses((status = 200, body = InvoiceOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<InvoiceIn>,
) -> Result<Response, ApiError> {
    let (input, _, version) = b.input();
    let inv = invoices::update_draft(&state.store, &a.actor, InvoiceId(id), &input, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(InvoiceOut::of(inv, &a.actor.company_currency)))
}

/// Discards a draft (a posted document is 409).
#[utoipa::path(delete, path = "/api/v1/billing/invoices/{id}", tag = "billing", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    invoices::delete_draft(&state.store, &a.actor, InvoiceId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Posts a draft: checks it again, gives it the next number of its series and year and
/// writes its ledger entry, in one transaction. Posting twice is 409; a closed period is
/// 422 on `issue_date`. A bill above the billing settings' approval threshold is not
/// posted but sent to the approvals inbox (`status: pending`); its approval posts it.
/// A document in a currency other than the books' takes the ledger's rate of its issue
/// date (`fx_rate`, its total's value `book_total`; no rate on or before it is 422 on
/// `issue_date`) and its entry's lines carry their values in the books' currency as
/// costs; a credit of one applied to what it credits posts the exchange difference to
/// the billing settings' exchange difference account (422 on `fx_gain_loss_account` when
/// it is not set).
#[utoipa::path(post, path = "/api/v1/billing/invoices/{id}/post", tag = "billing", params(("id" = i64, Path)),
    responses((status = 200, body = InvoiceOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn post<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let inv = invoices::post(&state.store, &a.actor, InvoiceId(id), None)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(InvoiceOut::of(inv, &a.actor.company_currency)))
}

/// What to credit: `{}` (no `lines`) for everything not credited yet.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CreditIn {
    /// Each names `credited_line_id` and at most the quantity left to credit.
    #[serde(default)]
    #[schema(max_items = 500)]
    lines: Option<Vec<InvoiceLineIn>>,
}

/// A credit draft (credit note or vendor credit) for a posted invoice or bill: all that is
/// left to credit, or the given lines.
#[utoipa::path(post, path = "/api/v1/billing/invoices/{id}/credit", tag = "billing", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first credit draft")),
    request_body = CreditIn,
    responses((status = 201, body = InvoiceOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn credit<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<CreditIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let key = crate::api::idempotency_key(&headers).map_err(err)?;
    let lines = b
        .lines
        .map(|l| l.into_iter().map(LineInput::from).collect());
    let inv = invoices::create_credit(&state.store, &a.actor, InvoiceId(id), lines, key.as_deref())
        .await
        .map_err(err)?;
    Ok(created(InvoiceOut::of(inv, &a.actor.company_currency)))
}

/// The document as a PDF a customer would accept (A4, the lines, tax per code, totals).
#[utoipa::path(get, path = "/api/v1/billing/invoices/{id}/pdf", tag = "billing", params(("id" = i64, Path)),
    responses((status = 200, description = "The PDF", content_type = "application/pdf"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn pdf<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let d = crate::views::billing::invoice_pdf(&state.store, &a.actor, InvoiceId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(crate::forms::download_response(d))
}

/// The files on the document (the vendor's bill as PDF or image, say).
#[utoipa::path(get, path = "/api/v1/billing/invoices/{id}/attachments", tag = "billing",
    params(("id" = i64, Path, description = "Document id")),
    responses((status = 200, body = crate::api::work::attachments::AttachmentList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn attachments<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    crate::api::work::attachments::list_of(
        &state,
        &a,
        steward_core::work::RecordRef::new(steward_core::billing::INVOICE, id),
    )
    .await
}

/// Attaches a file to the document (who may write documents of its kind): checked by its
/// content (PDF, images, text, Office), at most 20 MB.
#[utoipa::path(post, path = "/api/v1/billing/invoices/{id}/attachments", tag = "billing",
    params(("id" = i64, Path, description = "Document id")),
    request_body(content = crate::api::work::attachments::UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = crate::api::work::attachments::AttachmentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn attach<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    mp: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    crate::api::work::attachments::attach(
        &state,
        &a,
        steward_core::work::RecordRef::new(steward_core::billing::INVOICE, id),
        mp,
    )
    .await
}
