//! `/api/v1/it/licences` (with the compliance view and the seats of each) and
//! `/api/v1/it/licences/seats/{id}/unassign`. Writes need IT's lead (`it.approve`).
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::ids::{LicenceId, LicenceSeatId};
use steward_core::it::licences::{
    self, ComplianceRow, Licence, LicenceInput, LicenceQuery, LicenceSort, Seat, SeatInput, Usage,
};
use steward_core::list::Paging;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::contract::{filter_of, sort_and_dir};
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(list, create))
        .routes(routes!(compliance))
        .routes(routes!(get, update))
        .routes(routes!(seats, assign))
        .routes(routes!(unassign))
}

filter_of!(usage_filter, Usage);

#[derive(Serialize, ToSchema)]
pub struct LicenceOut {
    id: i64,
    product: String,
    vendor: String,
    /// Seats owned.
    seats: i64,
    /// Seats assigned now.
    seats_used: i64,
    /// Seats owned and not in use.
    seats_free: i64,
    /// `over` (more in use than owned; an expired licence owns none), `full` or `under`.
    usage: String,
    /// In `currency`'s places (`1299.00`); null when none.
    cost: Option<String>,
    currency: String,
    purchase_date: Option<String>,
    /// The renewal date: the licence expires then.
    expires_on: Option<String>,
    notes: String,
    /// The licence key: only for IT's staff (null for anyone else, and when none).
    key: Option<String>,
    version: i64,
}

impl From<Licence> for LicenceOut {
    fn from(l: Licence) -> Self {
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
        LicenceOut {
            id: l.id.0,
            seats_free: l.free(),
            usage: l.usage(licences::today()).as_str().to_string(),
            cost: l
                .cost
                .map(|c| steward_core::money::format_in(c, &l.currency)),
            product: l.product,
            vendor: l.vendor,
            seats: l.seats,
            seats_used: l.seats_used,
            currency: l.currency,
            purchase_date: day(l.purchase_date),
            expires_on: day(l.expires_on),
            notes: l.notes,
            key: l.key,
            version: l.version,
        }
    }
}

/// A licence as written (all fields; an update replaces them, an absent `key` is kept).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LicenceIn {
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    product: String,
    /// The vendor, as a name.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    vendor: Option<String>,
    /// Seats owned; fewer than in use is 422 on `seats`.
    #[schema(minimum = 0, maximum = 1_000_000)]
    seats: u32,
    /// An amount in `currency` (the places it allows are checked by the server).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_amount::<4, false>)]
    cost: Option<String>,
    /// The cost's currency; the company's when absent or empty.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_currency)]
    currency: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    purchase_date: Option<String>,
    /// The renewal (expiry) date, on or after the purchase date.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    expires_on: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<4000>)]
    notes: Option<String>,
    /// The licence key; absent: unchanged (updates), empty: none.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<2000>)]
    key: Option<String>,
    /// The version read (updates): a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

impl LicenceIn {
    fn input(self) -> (LicenceInput, Option<i64>) {
        (
            LicenceInput {
                product: self.product,
                vendor: self.vendor.unwrap_or_default(),
                seats: self.seats.to_string(),
                cost: self.cost.unwrap_or_default(),
                currency: self.currency.unwrap_or_default(),
                purchase_date: self.purchase_date.unwrap_or_default(),
                expires_on: self.expires_on.unwrap_or_default(),
                notes: self.notes.unwrap_or_default(),
                key: self.key,
            },
            self.version,
        )
    }
}

#[derive(Serialize, ToSchema)]
pub struct SeatOut {
    id: i64,
    licence_id: i64,
    product: String,
    /// The employee holding it (or null: an asset does).
    employee_id: Option<i64>,
    employee: Option<String>,
    /// The asset holding it (or null: an employee does).
    asset_id: Option<i64>,
    asset_tag: Option<String>,
    note: String,
    /// RFC 3339.
    assigned_at: String,
    assigned_by: String,
}

impl From<Seat> for SeatOut {
    fn from(s: Seat) -> Self {
        SeatOut {
            id: s.id.0,
            licence_id: s.licence_id.0,
            product: s.product,
            employee_id: s.employee_id.map(|e| e.0),
            employee: s.employee,
            asset_id: s.asset_id.map(|a| a.0),
            asset_tag: s.asset_tag,
            note: s.note,
            assigned_at: s.assigned_at.rfc3339(),
            assigned_by: s.assigned_by,
        }
    }
}

/// A seat for an employee or an asset (one of the two).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatIn {
    /// The employee (HR's id) who gets the seat.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    employee_id: Option<i64>,
    /// Or the asset that gets it.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    asset_id: Option<i64>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<1000>)]
    note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LicenceComplianceOut {
    id: i64,
    product: String,
    vendor: String,
    seats: i64,
    used: i64,
    /// Seats owned and idle.
    free: i64,
    /// Seats in use beyond those owned (an expired licence owns none).
    over_by: i64,
    /// `over`, `full` or `under`.
    usage: String,
    expires_on: Option<String>,
    expired: bool,
}

impl From<ComplianceRow> for LicenceComplianceOut {
    fn from(c: ComplianceRow) -> Self {
        LicenceComplianceOut {
            id: c.id.0,
            product: c.product,
            vendor: c.vendor,
            seats: c.seats,
            used: c.used,
            free: c.free,
            over_by: c.over_by,
            usage: c.usage.as_str().to_string(),
            expires_on: c.expires_on.map(|d| d.to_string()),
            expired: c.expired,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LicenceListParams {
    /// Part of the product or vendor.
    q: Option<String>,
    /// `over`, `full` or `under`; empty for all.
    #[param(schema_with = usage_filter)]
    usage: Option<String>,
    /// Only licences expiring within 30 days.
    expiring: Option<bool>,
    /// `product` (default), `vendor`, `seats`, `used`, `expires_on` or `created`.
    #[param(schema_with = crate::api::contract::sort::<LicenceSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// Licences the caller may see: IT's staff all, anyone else those with a seat of theirs.
/// The download (`format`) needs `it.export`; the key is never exported.
#[utoipa::path(get, path = "/api/v1/it/licences", tag = "it", params(LicenceListParams),
    responses((status = 200, body = ListOf<LicenceOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<LicenceListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (sort, dir) =
        sort_and_dir::<LicenceSort>(p.sort.as_deref(), p.dir.as_deref()).map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    if export.is_some() {
        licences::authorize_export(&a.actor).map_err(err)?;
    }
    let usage = match p.usage.as_deref().unwrap_or("") {
        "" => None,
        s => Some(Usage::parse(s).ok_or_else(|| {
            err(Error::invalid(
                "usage",
                format!("one of {}", Usage::words()),
            ))
        })?),
    };
    let today = licences::today();
    let q = LicenceQuery {
        search: p.q.clone(),
        usage,
        expiring: p.expiring.unwrap_or(false),
        today: Some(today),
        sort,
        dir,
        paging: if export.is_some() {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    };
    let page = licences::list(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = export {
        return Ok(crate::list::export(
            format,
            "licences",
            licences::EXPORT_HEADERS,
            page.items
                .iter()
                .map(|l| licences::export_row(l, today))
                .collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(LicenceOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// A new licence (IT's leads: `it.approve`). Bad input is 422 naming the field; nothing is
/// written. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/it/licences", tag = "it", request_body = LicenceIn,
    responses((status = 201, body = LicenceOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<LicenceIn>,
) -> Result<Response, ApiError> {
    let (input, _) = b.input();
    let l = licences::create(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(LicenceOut::from(l)))
}

/// Seats owned against seats used for every licence (IT's staff): over-used first.
#[utoipa::path(get, path = "/api/v1/it/licences/compliance", tag = "it",
    responses((status = 200, body = Vec<LicenceComplianceOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn compliance<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let rows = licences::compliance(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(rows
        .into_iter()
        .map(LicenceComplianceOut::from)
        .collect::<Vec<_>>()))
}

/// One licence (one the caller may not see is 404).
#[utoipa::path(get, path = "/api/v1/it/licences/{id}", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = LicenceOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let l = licences::get(&state.store, &a.actor, LicenceId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(LicenceOut::from(l)))
}

/// Changes a licence (IT's leads). Fewer seats than in use is 422 on `seats`.
#[utoipa::path(put, path = "/api/v1/it/licences/{id}", tag = "it", params(("id" = i64, Path)), request_body = LicenceIn,
    responses((status = 200, body = LicenceOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<LicenceIn>,
) -> Result<Response, ApiError> {
    let (input, version) = b.input();
    let l = licences::update(&state.store, &a.actor, LicenceId(id), &input, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(LicenceOut::from(l)))
}

/// The seats in use of a licence: IT's staff all, anyone else their own.
#[utoipa::path(get, path = "/api/v1/it/licences/{id}/seats", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<SeatOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn seats<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let list = licences::seats(&state.store, &a.actor, LicenceId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list.into_iter().map(SeatOut::from).collect::<Vec<_>>()))
}

/// Assigns a seat to an employee or an asset (IT's leads). No seat free is 422 on `seats`
/// (checked in the write's transaction: two at once cannot overrun), an expired licence on
/// `expires_on`; nothing is written. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/it/licences/{id}/seats", tag = "it", params(("id" = i64, Path)), request_body = SeatIn,
    responses((status = 201, body = SeatOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn assign<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<SeatIn>,
) -> Result<Response, ApiError> {
    let input = SeatInput {
        employee_id: b.employee_id.map(|e| e.to_string()).unwrap_or_default(),
        asset_id: b.asset_id.map(|x| x.to_string()).unwrap_or_default(),
        note: b.note.unwrap_or_default(),
    };
    let s = licences::assign(&state.store, &a.actor, LicenceId(id), &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(SeatOut::from(s)))
}

/// Frees a seat (IT's leads); an offboarding's item for it is closed. A seat not in use is
/// 404. Answers the licence.
#[utoipa::path(post, path = "/api/v1/it/licences/seats/{id}/unassign", tag = "it", params(("id" = i64, Path, description = "Seat id")),
    responses((status = 200, body = LicenceOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn unassign<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let l = licences::unassign(&state.store, &a.actor, LicenceSeatId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(LicenceOut::from(l)))
}
