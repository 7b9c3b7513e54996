//! `/api/v1/records/holds` (legal holds on a subject or a category: place, release) and
//! `/api/v1/records/disposals` (what the retention job listed as due; dispose of or keep
//! each; list what is due now). The privacy office only.
use axum::extract::{Path, Query, Request, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::list::Paging;
use steward_core::records::retention::{
    self, Disposal, DisposalId, DisposalQuery, Hold, HoldId, HoldInput,
};
use steward_core::records::{self as records};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::{created, json_body, ok, ListOf, Shape};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(holds, place_hold))
        .routes(routes!(release_hold))
        .routes(routes!(disposals))
        .routes(routes!(run))
        .routes(routes!(dispose))
        .routes(routes!(keep))
}

#[derive(Serialize, ToSchema)]
pub struct RecordsHoldOut {
    id: i64,
    /// A subject's hold (or a category's).
    subject_id: Option<i64>,
    /// The subject's reference and name.
    subject: String,
    category_id: Option<i64>,
    category: String,
    reason: String,
    placed_by: String,
    /// RFC 3339.
    placed_at: String,
    /// In force while none.
    released_at: Option<String>,
    released_by: String,
    release_reason: String,
    version: i64,
}

impl From<Hold> for RecordsHoldOut {
    fn from(h: Hold) -> Self {
        RecordsHoldOut {
            id: h.id.0,
            subject_id: h.subject_id.map(|s| s.0),
            subject: h.subject,
            category_id: h.category_id.map(|c| c.0),
            category: h.category,
            reason: h.reason,
            placed_by: h.placed_by_name,
            placed_at: h.placed_at.rfc3339(),
            released_at: h.released_at.map(|t| t.rfc3339()),
            released_by: h.released_by_name,
            release_reason: h.release_reason,
            version: h.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RecordsDisposalOut {
    id: i64,
    item_id: i64,
    subject_id: i64,
    subject: String,
    category_id: i64,
    category: String,
    title: String,
    /// `note` or `document`.
    kind: String,
    /// When the retention period ran out (`YYYY-MM-DD`).
    due_on: String,
    /// RFC 3339.
    listed_at: String,
    /// `due`, `disposed` or `kept`.
    status: String,
    decided_by: String,
    decided_at: Option<String>,
    /// Why it was kept.
    note: String,
    /// What the disposal removed.
    versions: i64,
    bytes: i64,
    /// A hold covers it now: it cannot be disposed of until released.
    held: bool,
}

impl From<Disposal> for RecordsDisposalOut {
    fn from(d: Disposal) -> Self {
        RecordsDisposalOut {
            id: d.id.0,
            item_id: d.item_id.0,
            subject_id: d.subject_id.0,
            subject: d.subject,
            category_id: d.category_id.0,
            category: d.category,
            title: d.title,
            kind: d.kind,
            due_on: d.due_on.to_string(),
            listed_at: d.listed_at.rfc3339(),
            status: d.status,
            decided_by: d.decided_by_name,
            decided_at: d.decided_at.map(|t| t.rfc3339()),
            note: d.note,
            versions: d.versions,
            bytes: d.bytes,
            held: d.held,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HoldParams {
    /// Only holds in force (the default); `false` for all.
    active: Option<bool>,
}

/// Legal holds, newest first (the privacy office).
#[utoipa::path(get, path = "/api/v1/records/holds", tag = "records", params(HoldParams),
    responses((status = 200, body = Vec<RecordsHoldOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn holds<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<HoldParams>,
) -> Result<Response, ApiError> {
    let list = retention::holds(&state.store, &a.actor, p.active.unwrap_or(true))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(RecordsHoldOut::from)
        .collect::<Vec<_>>()))
}

/// A legal hold: a subject or a category, and why.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsHoldIn {
    /// The subject held (or `category_id`, not both: 422).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    subject_id: Option<i64>,
    /// The category held.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    category_id: Option<i64>,
    /// Required (422 on `reason`).
    #[schema(schema_with = crate::api::contract::text::<1000, true>)]
    reason: String,
}

/// Places a legal hold (the privacy office): nothing the hold covers is listed for disposal
/// or disposed of until it is released. Audited.
#[utoipa::path(post, path = "/api/v1/records/holds", tag = "records", request_body = RecordsHoldIn,
    responses((status = 201, body = RecordsHoldOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn place_hold<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    req: Request,
) -> Result<Response, ApiError> {
    records::gate_office(&a.actor).map_err(|e| ApiError::new(e, &a.request_id))?;
    let b: RecordsHoldIn = json_body(req, &state, Shape::Object).await?;
    let input = HoldInput {
        subject_id: b.subject_id.map(|i| i.to_string()).unwrap_or_default(),
        subject_reference: String::new(),
        category_id: b.category_id.map(|i| i.to_string()).unwrap_or_default(),
        reason: b.reason,
    };
    let h = retention::place_hold(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(RecordsHoldOut::from(h)))
}

/// Why a hold ends.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsReleaseIn {
    /// Required (422 on `reason`).
    #[schema(schema_with = crate::api::contract::text::<1000, true>)]
    reason: String,
    /// The version read: a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

/// Releases a legal hold with a reason (the privacy office). One released already is 409.
#[utoipa::path(post, path = "/api/v1/records/holds/{id}/release", tag = "records", params(("id" = i64, Path)), request_body = RecordsReleaseIn,
    responses((status = 200, body = RecordsHoldOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn release_hold<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    records::gate_office(&a.actor).map_err(|e| ApiError::new(e, &a.request_id))?;
    let b: RecordsReleaseIn = json_body(req, &state, Shape::Object).await?;
    let h = retention::release_hold(&state.store, &a.actor, HoldId(id), &b.reason, b.version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RecordsHoldOut::from(h)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DisposalParams {
    /// `due`, `disposed` or `kept`; absent: all.
    #[param(schema_with = status_param)]
    status: Option<String>,
    /// Part of the title or the subject's reference.
    search: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
}

fn status_param() -> utoipa::openapi::schema::Object {
    let keys: Vec<&str> = retention::STATUSES.iter().map(|(k, _)| *k).collect();
    crate::api::contract::filter(&keys)
}

/// Disposals: due ones by due date, decided ones newest first (the privacy office).
#[utoipa::path(get, path = "/api/v1/records/disposals", tag = "records", params(DisposalParams),
    responses((status = 200, body = ListOf<RecordsDisposalOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn disposals<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<DisposalParams>,
) -> Result<Response, ApiError> {
    let q = DisposalQuery {
        status: p.status.filter(|s| !s.trim().is_empty()),
        search: p.search,
        sensitive_titles: false,
        paging: Paging::new(p.limit, p.offset),
    };
    let page = retention::disposals(&state.store, &a.actor, &q)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(RecordsDisposalOut::from)
            .collect::<Vec<_>>(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RecordsListedOut {
    /// How many records were newly listed as due.
    listed: u64,
}

/// Lists the company's records due for disposal now (the daily job does it at 05:00 UTC;
/// the privacy office).
#[utoipa::path(post, path = "/api/v1/records/disposals/run", tag = "records",
    responses((status = 200, body = RecordsListedOut), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn run<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let listed = retention::list_due_now(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RecordsListedOut { listed }))
}

/// Disposes of a due record (the privacy office): its text and every version's bytes are
/// deleted, the tombstone stays. A record under a legal hold, or decided already, is 409.
#[utoipa::path(post, path = "/api/v1/records/disposals/{id}/dispose", tag = "records", params(("id" = i64, Path)),
    responses((status = 200, body = RecordsDisposalOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn dispose<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let d = retention::dispose(&state.store, &*state.files, &a.actor, DisposalId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RecordsDisposalOut::from(d)))
}

/// Why a due record is kept.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsKeepIn {
    /// Required (422 on `note`).
    #[schema(schema_with = crate::api::contract::text::<1000, true>)]
    note: String,
}

/// Keeps a due record with a note (the privacy office); it is not listed again. One
/// decided already is 409.
#[utoipa::path(post, path = "/api/v1/records/disposals/{id}/keep", tag = "records", params(("id" = i64, Path)), request_body = RecordsKeepIn,
    responses((status = 200, body = RecordsDisposalOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn keep<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    records::gate_office(&a.actor).map_err(|e| ApiError::new(e, &a.request_id))?;
    let b: RecordsKeepIn = json_body(req, &state, Shape::Object).await?;
    let d = retention::keep(&state.store, &a.actor, DisposalId(id), &b.note)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RecordsDisposalOut::from(d)))
}
