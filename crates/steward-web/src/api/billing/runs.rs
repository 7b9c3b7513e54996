//! `/api/v1/billing/payment-runs`: pay the bills due by a date from one bank account as a
//! SEPA credit transfer file. `…/proposal` shows what a run would pay (and which vendors
//! it leaves out, why); a new run is a draft (lines removed or lowered with `PUT`);
//! `…/submit` sends it to the approvals inbox; once approved, `…/pain001` is the file and
//! `…/send` records the payments, once. Everything goes through
//! `steward_core::billing::runs`, which authorizes (`payables.*`).
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::billing::runs::{
    self, PaymentRun, Proposal, RunInput, RunLineInput, RunQuery, RunRow, RunSort, RunStatus,
};
use steward_core::list::Paging;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use super::money;
use crate::api::contract::sort_and_dir;
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(list, create))
        .routes(routes!(proposal))
        .routes(routes!(get, update, delete))
        .routes(routes!(submit))
        .routes(routes!(send))
        .routes(routes!(pain001))
}

#[derive(Serialize, ToSchema)]
pub struct DueBillOut {
    document_id: i64,
    number: String,
    party_id: i64,
    party_name: String,
    currency: String,
    due_date: String,
    /// What it still owes, less what other runs not yet sent hold of it.
    open: String,
}

#[derive(Serialize, ToSchema)]
pub struct ExcludedOut {
    party_id: i64,
    party_name: String,
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProposalOut {
    lines: Vec<DueBillOut>,
    /// Vendors with bills due that a SEPA run cannot pay, and why.
    excluded: Vec<ExcludedOut>,
}

impl From<Proposal> for ProposalOut {
    fn from(p: Proposal) -> Self {
        ProposalOut {
            lines: p
                .lines
                .into_iter()
                .map(|d| DueBillOut {
                    open: money(d.open, &d.currency),
                    document_id: d.document_id.0,
                    number: d.number,
                    party_id: d.party_id.0,
                    party_name: d.party_name,
                    currency: d.currency,
                    due_date: d.due_date.to_string(),
                })
                .collect(),
            excluded: p
                .excluded
                .into_iter()
                .map(|e| ExcludedOut {
                    party_id: e.party_id.0,
                    party_name: e.party_name,
                    reason: e.reason,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RunLineOut {
    party_id: i64,
    party_name: String,
    document_id: i64,
    number: String,
    due_date: String,
    amount: String,
    /// The payment made that settled it, once the run is sent.
    payment_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentRunOut {
    id: i64,
    bank_account_id: i64,
    bank_account: String,
    /// `draft`, `pending` (in the approvals inbox), `approved` or `sent`.
    status: String,
    due_by: String,
    execution_date: String,
    currency: String,
    total: String,
    /// The note, or the approver's reason for a refusal.
    note: String,
    lines: Vec<RunLineOut>,
    version: i64,
}

impl From<PaymentRun> for PaymentRunOut {
    fn from(r: PaymentRun) -> Self {
        let c = r.currency.clone();
        PaymentRunOut {
            id: r.id,
            bank_account_id: r.bank_account_id.0,
            bank_account: r.bank_account,
            status: r.status.as_str().to_string(),
            due_by: r.due_by.to_string(),
            execution_date: r.execution_date.to_string(),
            total: money(r.total, &c),
            note: r.note,
            lines: r
                .lines
                .into_iter()
                .map(|l| RunLineOut {
                    party_id: l.party_id.0,
                    party_name: l.party_name,
                    document_id: l.document_id.0,
                    number: l.number,
                    due_date: l.due_date.to_string(),
                    amount: money(l.amount, &c),
                    payment_id: l.payment_id,
                })
                .collect(),
            version: r.version,
            currency: c,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PaymentRunRowOut {
    id: i64,
    bank_account: String,
    status: String,
    due_by: String,
    execution_date: String,
    currency: String,
    total: String,
    vendors: i64,
}

impl From<RunRow> for PaymentRunRowOut {
    fn from(r: RunRow) -> Self {
        PaymentRunRowOut {
            id: r.id,
            bank_account: r.bank_account,
            status: r.status.as_str().to_string(),
            due_by: r.due_by.to_string(),
            execution_date: r.execution_date.to_string(),
            total: money(r.total, &r.currency),
            currency: r.currency,
            vendors: r.vendors,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunLineIn {
    /// A posted bill of the proposal.
    #[schema(schema_with = crate::api::contract::id)]
    document_id: i64,
    /// At most what it owes; absent or empty for all of it.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_positive_amount)]
    amount: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRunIn {
    /// The bank account that pays (active, in euro, with an IBAN).
    #[schema(schema_with = crate::api::contract::id)]
    bank_account_id: i64,
    /// Pay the bills due on or before this day.
    #[schema(schema_with = crate::api::contract::date)]
    due_by: String,
    /// When the bank executes the transfers; `due_by` when absent.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    execution_date: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<500>)]
    note: Option<String>,
    /// The bills to pay; absent for every bill of the proposal, for what it owes.
    #[serde(default)]
    #[schema(max_items = 2000)]
    lines: Option<Vec<RunLineIn>>,
    /// The version read (`PUT`): a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

impl PaymentRunIn {
    fn input(self) -> (RunInput, Option<i64>) {
        (
            RunInput {
                bank_account_id: Some(self.bank_account_id),
                due_by: self.due_by,
                execution_date: self.execution_date.unwrap_or_default(),
                note: self.note.unwrap_or_default(),
                lines: self.lines.map(|l| {
                    l.into_iter()
                        .map(|x| RunLineInput {
                            document_id: Some(x.document_id),
                            amount: x.amount.unwrap_or_default(),
                        })
                        .collect()
                }),
            },
            self.version,
        )
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunListParams {
    /// `draft`, `pending`, `approved` or `sent`; empty for all.
    #[param(schema_with = crate::api::contract::run_status_filter)]
    status: Option<String>,
    /// Part of the bank account's name or the note.
    q: Option<String>,
    /// `execution_date` (default) or `total`.
    #[param(schema_with = crate::api::contract::sort::<RunSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// Payment runs (`payables.read`).
#[utoipa::path(get, path = "/api/v1/billing/payment-runs", tag = "billing", params(RunListParams),
    responses((status = 200, body = ListOf<PaymentRunRowOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<RunListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (sort, dir) = sort_and_dir::<RunSort>(p.sort.as_deref(), p.dir.as_deref()).map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    let status = match p.status.as_deref().unwrap_or("") {
        "" => None,
        s => Some(RunStatus::parse(s).ok_or_else(|| {
            err(Error::invalid(
                "status",
                "`draft`, `pending`, `approved` or `sent`",
            ))
        })?),
    };
    let q = RunQuery {
        status,
        search: p.q.clone(),
        sort,
        dir,
        paging: if export.is_some() {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    };
    let page = runs::list(&state.store, &a.actor, &q).await.map_err(err)?;
    if let Some(format) = export {
        return Ok(crate::list::export(
            format,
            "payment-runs",
            runs::EXPORT_HEADERS,
            page.items.iter().map(runs::export_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(PaymentRunRowOut::from)
            .collect::<Vec<_>>(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalParams {
    /// The bank account that would pay.
    #[param(schema_with = crate::api::contract::id_param)]
    bank_account_id: Option<String>,
    /// Bills due on or before this day (`YYYY-MM-DD`); today when absent.
    #[param(schema_with = crate::api::contract::date_param)]
    due_by: Option<String>,
}

/// What a run would pay (`payables.create`): every posted bill due by the day that still
/// owes something, in euro to a vendor with an IBAN; the other vendors with the reason.
#[utoipa::path(get, path = "/api/v1/billing/payment-runs/proposal", tag = "billing", params(ProposalParams),
    responses((status = 200, body = ProposalOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn proposal<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<ProposalParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let account = match p.bank_account_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(
            s.parse::<i64>()
                .ok()
                .filter(|i| *i > 0)
                .ok_or_else(|| err(Error::invalid("bank_account_id", "a bank account's id")))?,
        ),
    };
    let due_by = match p.due_by.as_deref().map(str::trim) {
        None | Some("") => steward_core::ledger::service::today().to_string(),
        Some(d) => d.to_string(),
    };
    let out = runs::proposal(&state.store, &a.actor, account, &due_by)
        .await
        .map_err(err)?;
    Ok(ok(ProposalOut::from(out)))
}

/// A new draft run (`payables.create`): the given bills, or the whole proposal. Every field
/// error at once (`lines[2].amount`). With an `Idempotency-Key` a retry returns the first
/// run.
#[utoipa::path(post, path = "/api/v1/billing/payment-runs", tag = "billing", request_body = PaymentRunIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first run")),
    responses((status = 201, body = PaymentRunOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    headers: HeaderMap,
    ApiJson(b): ApiJson<PaymentRunIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let key = crate::api::idempotency_key(&headers).map_err(err)?;
    let (input, _) = b.input();
    let run = runs::create(&state.store, &a.actor, &input, key.as_deref())
        .await
        .map_err(err)?;
    Ok(created(PaymentRunOut::from(run)))
}

/// One run with its lines.
#[utoipa::path(get, path = "/api/v1/billing/payment-runs/{id}", tag = "billing", params(("id" = i64, Path)),
    responses((status = 200, body = PaymentRunOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let run = runs::get(&state.store, &a.actor, id)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(PaymentRunOut::from(run)))
}

/// Changes a draft run: remove lines, lower amounts, other dates (a run past draft is 409).
#[utoipa::path(put, path = "/api/v1/billing/payment-runs/{id}", tag = "billing", params(("id" = i64, Path)), request_body = PaymentRunIn,
    responses((status = 200, body = PaymentRunOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<PaymentRunIn>,
) -> Result<Response, ApiError> {
    let (input, version) = b.input();
    let run = runs::update(&state.store, &a.actor, id, &input, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(PaymentRunOut::from(run)))
}

/// Discards a draft run (a run past draft is 409).
#[utoipa::path(delete, path = "/api/v1/billing/payment-runs/{id}", tag = "billing", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    runs::delete(&state.store, &a.actor, id)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends a draft run to the approvals inbox (checked again first; another user decides).
#[utoipa::path(post, path = "/api/v1/billing/payment-runs/{id}/submit", tag = "billing", params(("id" = i64, Path)),
    responses((status = 200, body = PaymentRunOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let run = runs::submit(&state.store, &a.actor, id, None)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(PaymentRunOut::from(run)))
}

/// Marks an approved run sent to the bank: records one payment made per vendor, allocated
/// to its bills and dated the execution date, in one transaction. A run sent already is
/// answered as it is and pays nothing again; a run not approved is 409.
#[utoipa::path(post, path = "/api/v1/billing/payment-runs/{id}/send", tag = "billing", params(("id" = i64, Path)),
    responses((status = 200, body = PaymentRunOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn send<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let run = runs::send(&state.store, &a.actor, id)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(PaymentRunOut::from(run)))
}

/// The SEPA credit transfer file (pain.001.001.03) of an approved or sent run; the same
/// message each time. Downloading records nothing (`…/send` does).
#[utoipa::path(get, path = "/api/v1/billing/payment-runs/{id}/pain001", tag = "billing", params(("id" = i64, Path)),
    responses((status = 200, description = "The pain.001.001.03 XML", content_type = "application/xml"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn pain001<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let d = crate::views::billing::run_file(&state.store, &a.actor, id)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(crate::forms::download_response(d))
}
