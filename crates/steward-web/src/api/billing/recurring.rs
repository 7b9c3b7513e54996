//! `/api/v1/billing/recurring`: recurring invoices. A template is made from an invoice
//! with a recurrence rule (RFC 5545 RRULE), a start, an optional end or count, and whether
//! each invoice is posted and e-mailed on its own; the daily job makes them, `…/run` makes
//! those due now. `…/pause`, `…/resume` and `…/stop` (for good) change its state.
use axum::extract::{Path, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::billing::recurring::{
    self, Recurring, RecurringInput, RecurringRun, RecurringStatus,
};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use super::money;
use crate::api::{created, ok, ApiJson};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(run))
        .routes(routes!(pause))
        .routes(routes!(resume))
        .routes(routes!(stop))
}

#[derive(Serialize, ToSchema)]
pub struct RecurringRunOut {
    occurrence: String,
    /// `null` when the draft was discarded.
    document_id: Option<i64>,
    number: Option<String>,
    /// `draft`, `posted` or `discarded`.
    status: String,
    total: String,
    currency: String,
}

impl From<RecurringRun> for RecurringRunOut {
    fn from(r: RecurringRun) -> Self {
        RecurringRunOut {
            occurrence: r.occurrence.to_string(),
            document_id: r.document_id.map(|d| d.0),
            number: r.number,
            status: r
                .status
                .map(|s| s.as_str())
                .unwrap_or("discarded")
                .to_string(),
            total: money(r.total, &r.currency),
            currency: r.currency,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RecurringOut {
    id: i64,
    name: String,
    party_id: i64,
    party_name: String,
    source_id: Option<i64>,
    rrule: String,
    start: String,
    end: Option<String>,
    count: Option<i64>,
    auto_post: bool,
    auto_send: bool,
    /// `active`, `paused` or `stopped`.
    status: String,
    /// How many invoices it made.
    made: i64,
    /// The next occurrence after today, if any.
    next: Option<String>,
    /// The last occurrence that could not be made, and why; empty when none.
    last_error: String,
    /// The invoices it made, newest first (in `GET` of one template; absent elsewhere).
    #[serde(skip_serializing_if = "Option::is_none")]
    invoices: Option<Vec<RecurringRunOut>>,
    version: i64,
}

impl From<Recurring> for RecurringOut {
    fn from(r: Recurring) -> Self {
        let next = r
            .next_after(chrono::Utc::now().date_naive())
            .map(|d| d.to_string());
        RecurringOut {
            id: r.id,
            name: r.name,
            party_id: r.party_id.0,
            party_name: r.party_name,
            source_id: r.source_id.map(|s| s.0),
            rrule: r.rrule,
            start: r.start.to_string(),
            end: r.end.map(|e| e.to_string()),
            count: r.count,
            auto_post: r.auto_post,
            auto_send: r.auto_send,
            status: r.status.as_str().to_string(),
            made: r.made,
            next,
            last_error: r.last_error,
            invoices: None,
            version: r.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecurringIn {
    /// The invoice to repeat: its customer, currency, reference, notes and lines.
    #[schema(schema_with = crate::api::contract::id)]
    source_id: i64,
    #[schema(schema_with = crate::api::contract::line::<100, true>)]
    name: String,
    /// When invoices are made (`FREQ=MONTHLY;BYMONTHDAY=1`).
    #[schema(schema_with = crate::api::work::tasks::rrule)]
    rrule: String,
    /// The first possible date.
    #[schema(schema_with = crate::api::contract::date)]
    start: String,
    /// No invoice after this day; absent for none.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    end: Option<String>,
    /// At most this many invoices; absent for no limit.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1000)]
    count: Option<i64>,
    /// Post each invoice when it is made (else it is a draft).
    #[serde(default)]
    auto_post: bool,
    /// E-mail each posted invoice to the customer (needs `auto_post`).
    #[serde(default)]
    auto_send: bool,
}

/// The company's recurring invoices, newest first.
#[utoipa::path(get, path = "/api/v1/billing/recurring", tag = "billing",
    responses((status = 200, body = Vec<RecurringOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let list = recurring::list(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(RecurringOut::from)
        .collect::<Vec<_>>()))
}

/// A recurring invoice made from an invoice (`receivables.create`).
#[utoipa::path(post, path = "/api/v1/billing/recurring", tag = "billing", request_body = RecurringIn,
    responses((status = 201, body = RecurringOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<RecurringIn>,
) -> Result<Response, ApiError> {
    let input = RecurringInput {
        source_id: Some(b.source_id),
        name: b.name,
        rrule: b.rrule,
        start: b.start,
        end: b.end.unwrap_or_default(),
        count: b.count.map(|c| c.to_string()).unwrap_or_default(),
        auto_post: b.auto_post,
        auto_send: b.auto_send,
    };
    let r = recurring::create(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(RecurringOut::from(r)))
}

async fn one<S: Backend>(state: &AppState<S>, a: &ApiActor, id: i64) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let r = recurring::get(&state.store, &a.actor, id)
        .await
        .map_err(err)?;
    let runs = recurring::runs(&state.store, &a.actor, id)
        .await
        .map_err(err)?;
    let mut out = RecurringOut::from(r);
    out.invoices = Some(runs.into_iter().map(RecurringRunOut::from).collect());
    Ok(ok(out))
}

/// One recurring invoice with the invoices it made.
#[utoipa::path(get, path = "/api/v1/billing/recurring/{id}", tag = "billing", params(("id" = i64, Path)),
    responses((status = 200, body = RecurringOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    one(&state, &a, id).await
}

/// Makes the invoices due by today that were not made yet (one per occurrence, ever).
#[utoipa::path(post, path = "/api/v1/billing/recurring/{id}/run", tag = "billing", params(("id" = i64, Path)),
    responses((status = 200, body = RecurringOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn run<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    recurring::make_due(&state.store, &a.actor, id, chrono::Utc::now().date_naive())
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    one(&state, &a, id).await
}

async fn set<S: Backend>(
    state: &AppState<S>,
    a: &ApiActor,
    id: i64,
    status: RecurringStatus,
) -> Result<Response, ApiError> {
    let r = recurring::set_status(&state.store, &a.actor, id, status)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RecurringOut::from(r)))
}

/// Pauses a recurring invoice: nothing is made until it is resumed.
#[utoipa::path(post, path = "/api/v1/billing/recurring/{id}/pause", tag = "billing", params(("id" = i64, Path)),
    responses((status = 200, body = RecurringOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn pause<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    set(&state, &a, id, RecurringStatus::Paused).await
}

/// Resumes a paused recurring invoice (occurrences missed meanwhile are made by the next run).
#[utoipa::path(post, path = "/api/v1/billing/recurring/{id}/resume", tag = "billing", params(("id" = i64, Path)),
    responses((status = 200, body = RecurringOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn resume<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    set(&state, &a, id, RecurringStatus::Active).await
}

/// Stops a recurring invoice for good.
#[utoipa::path(post, path = "/api/v1/billing/recurring/{id}/stop", tag = "billing", params(("id" = i64, Path)),
    responses((status = 200, body = RecurringOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn stop<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    set(&state, &a, id, RecurringStatus::Stopped).await
}
