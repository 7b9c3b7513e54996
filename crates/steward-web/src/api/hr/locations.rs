//! `/api/v1/hr/locations`: work locations with their working calendar (which holidays
//! count for the people there). Everyone who may read the directory reads them; HR staff
//! create, change and remove them. Every handler calls `steward_core::hr::locations`,
//! which authorizes; another company's location is 404.
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::hr::locations::{self, Location, LocationInput, LocationQuery, LocationSort};
use steward_core::ids::LocationId;
use steward_core::list::Paging;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::contract::sort_and_dir;
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(list, create))
        .routes(routes!(get, update, delete))
}

#[derive(Serialize, ToSchema)]
pub struct LocationOut {
    id: i64,
    name: String,
    address: String,
    /// The working calendar of the people here; `null`: the company's default calendar.
    calendar_id: Option<i64>,
    calendar_name: Option<String>,
    /// Employees at the location who have not left.
    employees: i64,
}

impl From<Location> for LocationOut {
    fn from(l: Location) -> Self {
        LocationOut {
            id: l.id.0,
            name: l.name,
            address: l.address,
            calendar_id: l.calendar_id,
            calendar_name: l.calendar_name,
            employees: l.employees,
        }
    }
}

/// A location as written (all fields; an update replaces them).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationIn {
    #[schema(schema_with = crate::api::contract::name::<100>)]
    name: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::address::<500>)]
    address: String,
    /// One of the company's time-off calendars (`/api/v1/hr/timeoff/calendars`); absent or
    /// `null`: the default calendar.
    #[serde(default)]
    calendar_id: Option<i64>,
}

impl From<LocationIn> for LocationInput {
    fn from(b: LocationIn) -> Self {
        LocationInput {
            name: b.name,
            address: b.address,
            calendar_id: b.calendar_id,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocationListParams {
    /// Part of the name or address.
    q: Option<String>,
    /// `name` (default) or `employees`.
    #[param(schema_with = crate::api::contract::sort::<steward_core::hr::locations::LocationSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// The locations, with how many people work at each.
#[utoipa::path(get, path = "/api/v1/hr/locations", tag = "hr", params(LocationListParams),
    responses((status = 200, body = ListOf<LocationOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<LocationListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (sort, dir) =
        sort_and_dir::<LocationSort>(p.sort.as_deref(), p.dir.as_deref()).map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    let q = LocationQuery {
        search: p.q.clone(),
        sort,
        dir,
        paging: if export.is_some() {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    };
    let page = locations::list(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = export {
        return Ok(crate::list::export(
            format,
            "locations",
            locations::EXPORT_HEADERS,
            page.items.iter().map(locations::export_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(LocationOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// A new location (HR staff). A name another location has is 422 on `name`; a calendar
/// that is not the company's is 422 on `calendar_id`.
#[utoipa::path(post, path = "/api/v1/hr/locations", tag = "hr", request_body = LocationIn,
    responses((status = 201, body = LocationOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<LocationIn>,
) -> Result<Response, ApiError> {
    let l = locations::create(&state.store, &a.actor, b.into())
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(LocationOut::from(l)))
}

/// One location.
#[utoipa::path(get, path = "/api/v1/hr/locations/{id}", tag = "hr", params(("id" = i64, Path)),
    responses((status = 200, body = LocationOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let l = locations::get(&state.store, &a.actor, LocationId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(LocationOut::from(l)))
}

/// Changes a location (HR staff): name, address and calendar are replaced.
#[utoipa::path(put, path = "/api/v1/hr/locations/{id}", tag = "hr", params(("id" = i64, Path)), request_body = LocationIn,
    responses((status = 200, body = LocationOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<LocationIn>,
) -> Result<Response, ApiError> {
    let l = locations::update(&state.store, &a.actor, LocationId(id), b.into())
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(LocationOut::from(l)))
}

/// Removes a location (HR staff). 409 while employees work there or job history names it.
#[utoipa::path(delete, path = "/api/v1/hr/locations/{id}", tag = "hr", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    locations::delete(&state.store, &a.actor, LocationId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(StatusCode::NO_CONTENT)
}
