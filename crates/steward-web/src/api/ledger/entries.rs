//! `/api/v1/ledger/entries`: list, create (post, draft or pending), batches, drafts, the
//! approval flow and reversals.
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use steward_core::ids::{DepartmentId, EntryId};
use steward_core::ledger::service::{self, BatchItem, Intent, ReverseInput};
use steward_core::ledger::{EntryInput, EntryQuery, EntrySort, EntrySummary, LineInput};
use steward_core::list::Paging;
use utoipa::{IntoParams, ToSchema};

use super::{precisions, rename_fields, EntryOut, EntrySummaryOut, LargeJson, OptionalJson};
use crate::api::contract::sort_and_dir;
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

/// One line: `amount` (signed, positive is a debit) or one of `debit` / `credit`. Amounts
/// are decimal strings in the line's commodity (`"1200.50"`). One line of an entry may
/// leave all three out: it takes what balances the others.
#[derive(Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct LineIn {
    /// Full name (`Assets:Bank:Checking`) or code (`1000`).
    #[schema(schema_with = crate::api::contract::nonblank::<400>)]
    account: String,
    /// Signed, in at most the commodity's decimal places.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_amount::<12, true>)]
    amount: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_amount::<12, false>)]
    debit: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_amount::<12, false>)]
    credit: Option<String>,
    /// The line's commodity; the account's or the company's currency when absent.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_commodity_symbol)]
    commodity: Option<String>,
    /// Price per unit in `price_commodity` (`10 AAPL @ 50 USD`).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_price)]
    price: Option<String>,
    /// Total price in `price_commodity` (`10 AAPL @@ 500 USD`).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_amount::<12, false>)]
    total_price: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_commodity_symbol)]
    price_commodity: Option<String>,
    #[serde(default)]
    department_id: Option<i64>,
    #[serde(default)]
    #[schema(max_length = 100)]
    project: Option<String>,
    #[serde(default)]
    #[schema(max_length = 500)]
    memo: Option<String>,
}

impl From<LineIn> for LineInput {
    fn from(l: LineIn) -> Self {
        LineInput {
            account: l.account,
            amount: l.amount,
            debit: l.debit,
            credit: l.credit,
            commodity: l.commodity,
            price: l.price,
            total_price: l.total_price,
            price_commodity: l.price_commodity,
            department_id: l.department_id.map(DepartmentId),
            project: l.project,
            memo: l.memo,
        }
    }
}

/// An entry. It must balance per commodity (after prices).
#[derive(Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct EntryIn {
    /// `YYYY-MM-DD`, years 1900-2999.
    #[schema(schema_with = crate::api::contract::date)]
    date: String,
    /// Journal code; the general journal when absent.
    #[serde(default)]
    #[schema(schema_with = journal_code)]
    journal: Option<String>,
    #[serde(default)]
    #[schema(max_length = 100)]
    reference: String,
    #[schema(schema_with = crate::api::contract::nonblank::<500>)]
    description: String,
    #[serde(default)]
    comment: String,
    #[schema(min_items = 2, max_items = 1000)]
    lines: Vec<LineIn>,
}

/// A journal's code (`core::ledger::parse_journal_code`), any case; null for the general
/// journal.
fn journal_code() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .pattern(Some("^[A-Za-z0-9]{1,10}$"))
        .build()
}

impl From<EntryIn> for EntryInput {
    fn from(e: EntryIn) -> Self {
        EntryInput {
            date: e.date,
            journal: e.journal,
            reference: e.reference,
            description: e.description,
            comment: e.comment,
            lines: e.lines.into_iter().map(LineInput::from).collect(),
        }
    }
}

fn status_param() -> utoipa::openapi::schema::Object {
    use steward_core::ledger::EntryStatus;
    crate::api::contract::filter(&[
        EntryStatus::Draft.as_str(),
        EntryStatus::Pending.as_str(),
        EntryStatus::Posted.as_str(),
    ])
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryListParams {
    /// Search in description and reference.
    q: Option<String>,
    /// A journal id.
    #[param(schema_with = crate::api::contract::id_param)]
    journal: Option<String>,
    /// `draft`, `pending` or `posted`.
    #[param(schema_with = status_param)]
    status: Option<String>,
    /// Entries with a line on this account id.
    #[param(schema_with = crate::api::contract::id_param)]
    account: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    #[param(schema_with = crate::api::contract::date_param)]
    from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    #[param(schema_with = crate::api::contract::date_param)]
    to: Option<String>,
    /// One of `date`, `number`, `description`, `status`.
    #[param(schema_with = crate::api::contract::sort::<steward_core::ledger::store::EntrySort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    /// 1 to 500, default 50.
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download the filtered list instead of JSON.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

fn query(p: &EntryListParams) -> Result<EntryQuery, steward_core::Error> {
    let mut q = EntryQuery::filters_from(|k| match k {
        "q" => p.q.clone(),
        "journal" => p.journal.clone(),
        "status" => p.status.clone(),
        "account" => p.account.clone(),
        "from" => p.from.clone(),
        "to" => p.to.clone(),
        _ => None,
    })?;
    let (sort, dir) = sort_and_dir::<EntrySort>(p.sort.as_deref(), p.dir.as_deref())?;
    q.sort = sort;
    q.dir = dir;
    q.paging = if p.format.is_some() {
        Paging::export()
    } else {
        Paging::new(p.limit, p.offset)
    };
    Ok(q)
}

const EXPORT_HEADERS: &[&str] = &[
    "id",
    "number",
    "date",
    "journal",
    "status",
    "reference",
    "description",
    "reverses",
];

fn export_row(e: &EntrySummary) -> Vec<String> {
    vec![
        e.id.to_string(),
        e.number.clone().unwrap_or_default(),
        e.date.to_string(),
        e.journal_code.clone(),
        e.status.as_str().to_string(),
        e.reference.clone(),
        e.description.clone(),
        e.reverses.map(|r| r.to_string()).unwrap_or_default(),
    ]
}

/// Lists entries (without their lines).
#[utoipa::path(get, path = "/api/v1/ledger/entries", tag = "ledger", params(EntryListParams),
    responses((status = 200, body = ListOf<EntrySummaryOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<EntryListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let q = query(&p).map_err(err)?;
    if let Some(format) = crate::list::api_export_format(p.format.as_deref()).map_err(err)? {
        let items = service::export_entries(&state.store, &a.actor, &q)
            .await
            .map_err(err)?;
        return Ok(crate::list::export(
            format,
            "entries",
            EXPORT_HEADERS,
            items.iter().map(export_row).collect(),
        ));
    }
    let page = service::list_entries(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(EntrySummaryOut::from)
            .collect::<Vec<_>>(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreateParams {
    /// `true`: keep it as a draft instead of posting it.
    #[serde(default)]
    draft: bool,
}

async fn entry_response<S: Backend>(
    state: &AppState<S>,
    a: &ApiActor,
    e: steward_core::ledger::Entry,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let p = precisions(state, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok((status, axum::Json(EntryOut::from(e, &p))).into_response())
}

/// Creates an entry and posts it, or keeps it as a draft (`?draft=true`). Above the
/// approval threshold it becomes `pending` until another user approves it. With an
/// `Idempotency-Key` a retry returns the entry the first request made and posts nothing.
#[utoipa::path(post, path = "/api/v1/ledger/entries", tag = "ledger", request_body = EntryIn,
    params(CreateParams, ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first entry; it never posts twice")),
    responses((status = 201, body = EntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<CreateParams>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<EntryIn>,
) -> Result<Response, ApiError> {
    let key = crate::api::idempotency_key(&headers).map_err(|e| ApiError::new(e, &a.request_id))?;
    let intent = if p.draft { Intent::Draft } else { Intent::Post };
    let e = service::create_entry(
        &state.store,
        &a.actor,
        &EntryInput::from(b),
        key.as_deref(),
        intent,
    )
    .await
    .map_err(|e| {
        // The service calls the key `key`; here it is the header.
        let e = rename_fields(e, |f| {
            if f == "key" {
                "Idempotency-Key".to_string()
            } else {
                f.to_string()
            }
        });
        ApiError::new(e, &a.request_id)
    })?;
    entry_response(&state, &a, e, StatusCode::CREATED).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchItemIn {
    /// The item's own idempotency key (1 to 200 printable ASCII characters, as
    /// `core::idempotency::check_key`): an item whose key was posted before is not posted
    /// again.
    #[serde(default)]
    #[schema(pattern = "^[ -~]{0,200}$")]
    key: Option<String>,
    entry: EntryIn,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchIn {
    #[schema(min_items = 1, max_items = 10000)]
    entries: Vec<BatchItemIn>,
}

#[derive(Serialize, ToSchema)]
pub struct BatchResultOut {
    id: i64,
    /// False when the item's key had been posted before (nothing new was written).
    created: bool,
}

#[derive(Serialize, ToSchema)]
pub struct BatchOut {
    /// One per item, in order.
    results: Vec<BatchResultOut>,
    /// How many were new.
    created: usize,
}

/// Posts up to 10 000 entries in one transaction, all or nothing. Problems name the item,
/// e.g. `entries[3].lines[0].amount`. Entries above the approval threshold are refused
/// here: post those one by one.
#[utoipa::path(post, path = "/api/v1/ledger/entries/batch", tag = "ledger", request_body = BatchIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    responses((status = 201, body = BatchOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn batch<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    LargeJson(b): LargeJson<BatchIn>,
) -> Result<Response, ApiError> {
    let items: Vec<BatchItem> = b
        .entries
        .into_iter()
        .map(|i| BatchItem {
            key: i.key,
            entry: i.entry.into(),
        })
        .collect();
    let results = service::post_batch(&state.store, &a.actor, &items)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    let out = BatchOut {
        created: results.iter().filter(|r| r.created).count(),
        results: results
            .into_iter()
            .map(|r| BatchResultOut {
                id: r.id.0,
                created: r.created,
            })
            .collect(),
    };
    Ok(created(out))
}

/// One entry with its lines.
#[utoipa::path(get, path = "/api/v1/ledger/entries/{id}", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = EntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let e = service::get_entry(&state.store, &a.actor, EntryId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    entry_response(&state, &a, e, StatusCode::OK).await
}

/// A draft's new content, with the `version` read.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftIn {
    #[schema(schema_with = crate::api::contract::date)]
    date: String,
    #[serde(default)]
    #[schema(schema_with = journal_code)]
    journal: Option<String>,
    #[serde(default)]
    #[schema(max_length = 100)]
    reference: String,
    #[schema(schema_with = crate::api::contract::nonblank::<500>)]
    description: String,
    #[serde(default)]
    comment: String,
    #[schema(min_items = 2, max_items = 1000)]
    lines: Vec<LineIn>,
    /// The `version` you read.
    version: i64,
}

/// Replaces a draft's content. Posted entries are never changed (reverse them); 409 on a
/// stale `version` or when the entry is no longer a draft.
#[utoipa::path(put, path = "/api/v1/ledger/entries/{id}", tag = "ledger", params(("id" = i64, Path)), request_body = DraftIn,
    responses((status = 200, body = EntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<DraftIn>,
) -> Result<Response, ApiError> {
    let version = b.version;
    let input = EntryInput::from(EntryIn {
        date: b.date,
        journal: b.journal,
        reference: b.reference,
        description: b.description,
        comment: b.comment,
        lines: b.lines,
    });
    let e = service::update_draft(&state.store, &a.actor, EntryId(id), &input, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    entry_response(&state, &a, e, StatusCode::OK).await
}

/// Deletes a draft (or a pending entry). A posted entry is never deleted: 409.
#[utoipa::path(delete, path = "/api/v1/ledger/entries/{id}", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    service::delete_draft(&state.store, &a.actor, EntryId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Posts a draft, or sends it for approval when it is above the threshold.
#[utoipa::path(post, path = "/api/v1/ledger/entries/{id}/post", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = EntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn post<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let e = service::post_draft(&state.store, &a.actor, EntryId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    entry_response(&state, &a, e, StatusCode::OK).await
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ApproveIn {
    #[serde(default)]
    comment: String,
}

/// Approves a pending entry: it posts. Nobody approves their own entry (422 naming
/// `approver`).
#[utoipa::path(post, path = "/api/v1/ledger/entries/{id}/approve", tag = "ledger", params(("id" = i64, Path)),
    request_body(content = Option<ApproveIn>, description = "Optional"),
    responses((status = 200, body = EntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn approve<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    OptionalJson(b): OptionalJson<ApproveIn>,
) -> Result<Response, ApiError> {
    let e = service::approve_entry(&state.store, &a.actor, EntryId(id), &b.comment)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    entry_response(&state, &a, e, StatusCode::OK).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EntryRejectIn)]
pub struct RejectIn {
    /// Why it is rejected; required.
    #[schema(schema_with = crate::api::contract::nonblank_unbounded)]
    comment: String,
}

/// Rejects a pending entry: it goes back to its author as a draft.
#[utoipa::path(post, path = "/api/v1/ledger/entries/{id}/reject", tag = "ledger", params(("id" = i64, Path)), request_body = RejectIn,
    responses((status = 200, body = EntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reject<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<RejectIn>,
) -> Result<Response, ApiError> {
    let e = service::reject_entry(&state.store, &a.actor, EntryId(id), &b.comment)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    entry_response(&state, &a, e, StatusCode::OK).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseIn {
    /// The reversal's date (`YYYY-MM-DD`); the original's date when absent or empty.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    date: Option<String>,
    /// Why; required.
    #[schema(schema_with = crate::api::contract::nonblank_unbounded)]
    reason: String,
    /// Optionally, the corrected entry, posted together with the reversal. Its problems
    /// are named `corrected.…`.
    #[serde(default)]
    corrected: Option<EntryIn>,
}

#[derive(Serialize, ToSchema)]
pub struct ReverseOut {
    reversal: EntryOut,
    corrected: Option<EntryOut>,
}

/// Reverses a posted entry: a linked entry with opposite lines (and optionally a corrected
/// copy), posted together. 409 when it is not posted or was reversed already.
#[utoipa::path(post, path = "/api/v1/ledger/entries/{id}/reverse", tag = "ledger", params(("id" = i64, Path)), request_body = ReverseIn,
    responses((status = 201, body = ReverseOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reverse<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ReverseIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let input = ReverseInput {
        date: b.date,
        reason: b.reason,
        corrected: b.corrected.map(EntryInput::from),
    };
    let (rev, corrected) = service::reverse_entry(&state.store, &a.actor, EntryId(id), &input)
        .await
        .map_err(err)?;
    let p = precisions(&state, &a.actor).await.map_err(err)?;
    Ok(created(ReverseOut {
        reversal: EntryOut::from(rev, &p),
        corrected: corrected.map(|c| EntryOut::from(c, &p)),
    }))
}
