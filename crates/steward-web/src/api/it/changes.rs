//! `/api/v1/it/changes` (planned upgrades and changes: submit to the approvals inbox, move,
//! tick checklist items) and `/api/v1/it/maintenance` (recurring schedules and their log).
//! Every handler calls `steward_core::it::{changes, maintenance}`, which authorizes.
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::it::changes::{
    self, Change, ChangeInput, ChangeQuery, ChangeSort, ChangeStatus, ChecklistItem, Risk,
};
use steward_core::it::maintenance::{
    self, LogEntry, Schedule, ScheduleInput, ScheduleQuery, ScheduleSort,
};
use steward_core::list::Paging;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::contract::{choice_of, filter_of, sort_and_dir};
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(submit))
        .routes(routes!(move_status))
        .routes(routes!(tick))
        .routes(routes!(schedules, create_schedule))
        .routes(routes!(get_schedule, update_schedule))
        .routes(routes!(schedule_log, log_done))
}

filter_of!(status_filter, ChangeStatus);
filter_of!(risk_filter, Risk);
choice_of!(risk_choice, Risk);

fn move_choice() -> utoipa::openapi::schema::Object {
    crate::api::contract::one_of(&["in_progress", "done", "cancelled"], false)
}

#[derive(Serialize, ToSchema)]
pub struct ItemOut {
    id: i64,
    position: i64,
    text: String,
    done: bool,
    done_by: Option<String>,
    /// RFC 3339.
    done_at: Option<String>,
}

impl From<ChecklistItem> for ItemOut {
    fn from(i: ChecklistItem) -> Self {
        ItemOut {
            id: i.id,
            position: i.position,
            text: i.text,
            done: i.done,
            done_by: i.done_by,
            done_at: i.done_at.map(|t| t.rfc3339()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AssetRefOut {
    id: i64,
    tag: String,
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ItChangeOut {
    id: i64,
    title: String,
    description: String,
    /// RFC 3339.
    window_start: String,
    window_end: String,
    /// `low`, `medium` or `high`.
    risk: String,
    /// `draft`, `submitted`, `approved`, `rejected`, `in_progress`, `done` or `cancelled`.
    status: String,
    /// The approvals inbox's request, once submitted.
    approval_id: Option<i64>,
    decision_comment: String,
    created_by: String,
    checklist: Vec<ItemOut>,
    assets: Vec<AssetRefOut>,
    version: i64,
}

impl From<Change> for ItChangeOut {
    fn from(c: Change) -> Self {
        ItChangeOut {
            id: c.id,
            title: c.title,
            description: c.description,
            window_start: c.window_start.rfc3339(),
            window_end: c.window_end.rfc3339(),
            risk: c.risk.as_str().to_string(),
            status: c.status.as_str().to_string(),
            approval_id: c.approval_id,
            decision_comment: c.decision_comment,
            created_by: c.created_by,
            checklist: c.checklist.into_iter().map(ItemOut::from).collect(),
            assets: c
                .assets
                .into_iter()
                .map(|a| AssetRefOut {
                    id: a.id.0,
                    tag: a.tag,
                    name: a.name,
                })
                .collect(),
            version: c.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeIn {
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    title: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<8000>)]
    description: Option<String>,
    /// The maintenance window's start: RFC 3339, or `YYYY-MM-DDTHH:MM` in UTC.
    #[schema(schema_with = crate::api::contract::line::<40, true>)]
    window_start: String,
    /// After the start (422 on `window_end` otherwise).
    #[schema(schema_with = crate::api::contract::line::<40, true>)]
    window_end: String,
    /// `low`, `medium` or `high`.
    #[schema(schema_with = risk_choice)]
    risk: String,
    /// The checklist, an item each (one line); on update it replaces the unticked items.
    #[serde(default)]
    #[schema(max_items = 100)]
    checklist: Vec<String>,
    /// The IT assets the change touches.
    #[serde(default)]
    #[schema(max_items = 200)]
    asset_ids: Vec<i64>,
    /// The version read (updates): a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

impl ChangeIn {
    fn input(self) -> (ChangeInput, Option<i64>) {
        (
            ChangeInput {
                title: self.title,
                description: self.description.unwrap_or_default(),
                window_start: self.window_start,
                window_end: self.window_end,
                risk: self.risk,
                checklist: self.checklist,
                asset_ids: self.asset_ids,
            },
            self.version,
        )
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveIn {
    /// `in_progress` (from approved), `done` (from in progress, every item ticked) or
    /// `cancelled` (not while waiting for approval, not once done).
    #[schema(schema_with = move_choice)]
    status: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TickIn {
    /// Ticked (true) or not.
    done: bool,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeListParams {
    /// Part of the title or description.
    q: Option<String>,
    #[param(schema_with = status_filter)]
    status: Option<String>,
    #[param(schema_with = risk_filter)]
    risk: Option<String>,
    /// `window_start` (default), `title`, `risk`, `status` or `created`.
    #[param(schema_with = crate::api::contract::sort::<ChangeSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// Planned changes (IT's staff). The download (`format`) needs `it.export`.
#[utoipa::path(get, path = "/api/v1/it/changes", tag = "it", params(ChangeListParams),
    responses((status = 200, body = ListOf<ItChangeOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<ChangeListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (sort, dir) =
        sort_and_dir::<ChangeSort>(p.sort.as_deref(), p.dir.as_deref()).map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    let status = match p.status.as_deref().unwrap_or("") {
        "" => None,
        s => Some(ChangeStatus::parse(s).ok_or_else(|| {
            err(Error::invalid(
                "status",
                format!("one of {}", ChangeStatus::words()),
            ))
        })?),
    };
    let risk = match p.risk.as_deref().unwrap_or("") {
        "" => None,
        s => Some(
            Risk::parse(s)
                .ok_or_else(|| err(Error::invalid("risk", format!("one of {}", Risk::words()))))?,
        ),
    };
    let q = ChangeQuery {
        search: p.q.clone(),
        status,
        risk,
        sort,
        dir,
        paging: if export.is_some() {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    };
    let page = changes::list(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = export {
        return Ok(crate::list::export(
            format,
            "changes",
            changes::EXPORT_HEADERS,
            page.items.iter().map(changes::export_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(ItChangeOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// A new planned change, a draft.
#[utoipa::path(post, path = "/api/v1/it/changes", tag = "it", request_body = ChangeIn,
    responses((status = 201, body = ItChangeOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<ChangeIn>,
) -> Result<Response, ApiError> {
    let (input, _) = b.input();
    let c = changes::create(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(ItChangeOut::from(c)))
}

/// One planned change with its checklist and assets.
#[utoipa::path(get, path = "/api/v1/it/changes/{id}", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = ItChangeOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let c = changes::get(&state.store, &a.actor, id)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ItChangeOut::from(c)))
}

/// Edits a draft or rejected change (a rejected one becomes a draft); any other is 422 on
/// `status`.
#[utoipa::path(put, path = "/api/v1/it/changes/{id}", tag = "it", params(("id" = i64, Path)), request_body = ChangeIn,
    responses((status = 200, body = ItChangeOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ChangeIn>,
) -> Result<Response, ApiError> {
    let (input, version) = b.input();
    let c = changes::update(&state.store, &a.actor, id, &input, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ItChangeOut::from(c)))
}

/// Sends a draft (or rejected) change to the approvals inbox; the IT leads decide there.
#[utoipa::path(post, path = "/api/v1/it/changes/{id}/submit", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = ItChangeOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let c = changes::submit(&state.store, &a.actor, id)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ItChangeOut::from(c)))
}

/// Moves a change: `in_progress`, `done` or `cancelled` (approving is the inbox's).
#[utoipa::path(post, path = "/api/v1/it/changes/{id}/status", tag = "it", params(("id" = i64, Path)), request_body = MoveIn,
    responses((status = 200, body = ItChangeOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn move_status<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<MoveIn>,
) -> Result<Response, ApiError> {
    let c = changes::move_to(&state.store, &a.actor, id, &b.status)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ItChangeOut::from(c)))
}

/// Ticks (or unticks) a checklist item, recording who and when (approved or in progress).
#[utoipa::path(post, path = "/api/v1/it/changes/{id}/checklist/{item_id}", tag = "it",
    params(("id" = i64, Path), ("item_id" = i64, Path)), request_body = TickIn,
    responses((status = 200, body = ItChangeOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn tick<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path((id, item)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<TickIn>,
) -> Result<Response, ApiError> {
    let c = changes::tick(&state.store, &a.actor, id, item, b.done)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ItChangeOut::from(c)))
}

// ---- maintenance ----

#[derive(Serialize, ToSchema)]
pub struct ScheduleOut {
    id: i64,
    title: String,
    instructions: String,
    /// The RRULE, canonical.
    rule: String,
    starts_on: String,
    /// Null when the rule has no more dates.
    next_due: Option<String>,
    last_done: Option<String>,
    assets: Vec<AssetRefOut>,
    version: i64,
}

impl From<Schedule> for ScheduleOut {
    fn from(s: Schedule) -> Self {
        ScheduleOut {
            id: s.id,
            title: s.title,
            instructions: s.instructions,
            rule: s.rule,
            starts_on: s.starts_on.to_string(),
            next_due: s.next_due.map(|d| d.to_string()),
            last_done: s.last_done.map(|d| d.to_string()),
            assets: s
                .assets
                .into_iter()
                .map(|a| AssetRefOut {
                    id: a.id.0,
                    tag: a.tag,
                    name: a.name,
                })
                .collect(),
            version: s.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleIn {
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    title: String,
    /// What to do.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<8000>)]
    instructions: Option<String>,
    /// An RRULE (`FREQ=MONTHLY;BYMONTHDAY=1`), as recurring tasks take (422 on `rule`).
    #[schema(schema_with = crate::api::contract::line::<300, true>)]
    rule: String,
    /// The first possible date.
    #[schema(schema_with = crate::api::contract::date)]
    starts_on: String,
    #[serde(default)]
    #[schema(max_items = 200)]
    asset_ids: Vec<i64>,
    /// The version read (updates): a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

impl ScheduleIn {
    fn input(self) -> (ScheduleInput, Option<i64>) {
        (
            ScheduleInput {
                title: self.title,
                instructions: self.instructions.unwrap_or_default(),
                rule: self.rule,
                starts_on: self.starts_on,
                asset_ids: self.asset_ids,
            },
            self.version,
        )
    }
}

#[derive(Serialize, ToSchema)]
pub struct MaintenanceLogOut {
    id: i64,
    done_on: String,
    notes: String,
    by: String,
    /// RFC 3339.
    at: String,
}

impl From<LogEntry> for MaintenanceLogOut {
    fn from(l: LogEntry) -> Self {
        MaintenanceLogOut {
            id: l.id,
            done_on: l.done_on.to_string(),
            notes: l.notes,
            by: l.by,
            at: l.at.rfc3339(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogIn {
    /// The day it was done (not in the future); absent or empty: today.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    done_on: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<4000>)]
    notes: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScheduleListParams {
    /// Part of the title or instructions.
    q: Option<String>,
    /// Only schedules due on or before this day (`YYYY-MM-DD`).
    #[param(schema_with = crate::api::contract::date_param)]
    due_by: Option<String>,
    /// `next_due` (default), `title` or `last_done`.
    #[param(schema_with = crate::api::contract::sort::<ScheduleSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// Maintenance schedules (IT's staff). The download (`format`) needs `it.export`.
#[utoipa::path(get, path = "/api/v1/it/maintenance", tag = "it", params(ScheduleListParams),
    responses((status = 200, body = ListOf<ScheduleOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn schedules<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<ScheduleListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (sort, dir) =
        sort_and_dir::<ScheduleSort>(p.sort.as_deref(), p.dir.as_deref()).map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    let due_by =
        crate::api::contract::parse_date_param("due_by", p.due_by.as_deref()).map_err(err)?;
    let q = ScheduleQuery {
        search: p.q.clone(),
        due_by,
        sort,
        dir,
        paging: if export.is_some() {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    };
    let page = maintenance::list(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = export {
        return Ok(crate::list::export(
            format,
            "maintenance",
            maintenance::EXPORT_HEADERS,
            page.items.iter().map(maintenance::export_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(ScheduleOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// A new maintenance schedule; its next due date is the rule's first.
#[utoipa::path(post, path = "/api/v1/it/maintenance", tag = "it", request_body = ScheduleIn,
    responses((status = 201, body = ScheduleOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_schedule<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<ScheduleIn>,
) -> Result<Response, ApiError> {
    let (input, _) = b.input();
    let s = maintenance::create(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(ScheduleOut::from(s)))
}

/// One maintenance schedule.
#[utoipa::path(get, path = "/api/v1/it/maintenance/{id}", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = ScheduleOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_schedule<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let s = maintenance::get(&state.store, &a.actor, id)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ScheduleOut::from(s)))
}

/// Changes a schedule (every field is replaced; the next due date follows the rule).
#[utoipa::path(put, path = "/api/v1/it/maintenance/{id}", tag = "it", params(("id" = i64, Path)), request_body = ScheduleIn,
    responses((status = 200, body = ScheduleOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_schedule<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ScheduleIn>,
) -> Result<Response, ApiError> {
    let (input, version) = b.input();
    let s = maintenance::update(&state.store, &a.actor, id, &input, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ScheduleOut::from(s)))
}

/// What was done under a schedule, newest first.
#[utoipa::path(get, path = "/api/v1/it/maintenance/{id}/log", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<MaintenanceLogOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn schedule_log<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let list = maintenance::log(&state.store, &a.actor, id)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(MaintenanceLogOut::from)
        .collect::<Vec<_>>()))
}

/// Logs the maintenance as done; the next due date moves to the rule's next date.
#[utoipa::path(post, path = "/api/v1/it/maintenance/{id}/log", tag = "it", params(("id" = i64, Path)), request_body = LogIn,
    responses((status = 201, body = ScheduleOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn log_done<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<LogIn>,
) -> Result<Response, ApiError> {
    let s = maintenance::record_done(
        &state.store,
        &a.actor,
        id,
        b.done_on.as_deref().unwrap_or(""),
        b.notes.as_deref().unwrap_or(""),
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(ScheduleOut::from(s)))
}
