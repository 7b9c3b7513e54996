//! `/api/v1/it/consumables` (with receipts, issues and the movements of each). IT's staff
//! keep them; the auditor reads.
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::ids::{AssetCategoryId, ConsumableId};
use steward_core::it::consumables::{
    self, Consumable, ConsumableInput, ConsumableQuery, ConsumableSort, Movement, MovementInput,
};
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
        .routes(routes!(get, update))
        .routes(routes!(receive))
        .routes(routes!(issue))
        .routes(routes!(movements))
}

#[derive(Serialize, ToSchema)]
pub struct ConsumableOut {
    id: i64,
    name: String,
    /// An IT asset category, or null.
    category_id: Option<i64>,
    category: Option<String>,
    unit: String,
    /// In stock now.
    quantity: i64,
    /// Below this it wants reordering.
    min_quantity: i64,
    below_minimum: bool,
    location: String,
    /// In `currency`'s places; null when none.
    unit_cost: Option<String>,
    currency: String,
    version: i64,
}

impl From<Consumable> for ConsumableOut {
    fn from(c: Consumable) -> Self {
        ConsumableOut {
            id: c.id.0,
            below_minimum: c.below_minimum(),
            unit_cost: c
                .unit_cost
                .map(|x| steward_core::money::format_in(x, &c.currency)),
            name: c.name,
            category_id: c.category_id.map(|k| k.0),
            category: c.category,
            unit: c.unit,
            quantity: c.quantity,
            min_quantity: c.min_quantity,
            location: c.location,
            currency: c.currency,
            version: c.version,
        }
    }
}

/// A consumable as written (an update replaces every field but the stock, which moves only
/// by receipts and issues).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsumableIn {
    /// Unique in the company (422 on `name`).
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    name: String,
    /// One of IT's asset categories; absent or null for none.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    category_id: Option<i64>,
    /// `pcs` when absent or empty.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<30>)]
    unit: Option<String>,
    /// The opening stock (creation only; ignored by updates).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    quantity: Option<u32>,
    /// The reorder level.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    min_quantity: Option<u32>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    location: Option<String>,
    /// An amount in `currency`.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_amount::<4, false>)]
    unit_cost: Option<String>,
    /// The company's when absent or empty.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_currency)]
    currency: Option<String>,
    /// The version read (updates): a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

impl ConsumableIn {
    fn input(self) -> (ConsumableInput, Option<i64>) {
        let n = |v: Option<u32>| v.map(|x| x.to_string()).unwrap_or_default();
        (
            ConsumableInput {
                name: self.name,
                category_id: self.category_id.map(|k| k.to_string()).unwrap_or_default(),
                unit: self.unit.unwrap_or_default(),
                quantity: n(self.quantity),
                min_quantity: n(self.min_quantity),
                location: self.location.unwrap_or_default(),
                unit_cost: self.unit_cost.unwrap_or_default(),
                currency: self.currency.unwrap_or_default(),
            },
            self.version,
        )
    }
}

/// Stock received.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveIn {
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    quantity: u32,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<1000>)]
    note: Option<String>,
}

/// Stock issued to an employee.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueIn {
    /// More than in stock is 422 on `quantity`.
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    quantity: u32,
    /// The employee (HR's id) who takes it.
    #[schema(schema_with = crate::api::contract::id)]
    employee_id: i64,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<1000>)]
    note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MovementOut {
    id: i64,
    /// `opening`, `received` or `issued`.
    kind: String,
    /// Signed: + in, - out.
    change: i64,
    /// The stock after it.
    balance: i64,
    employee_id: Option<i64>,
    employee: Option<String>,
    note: String,
    /// RFC 3339.
    at: String,
    actor: String,
}

impl From<Movement> for MovementOut {
    fn from(m: Movement) -> Self {
        MovementOut {
            id: m.id,
            kind: m.kind,
            change: m.change,
            balance: m.balance,
            employee_id: m.employee_id.map(|e| e.0),
            employee: m.employee,
            note: m.note,
            at: m.at.rfc3339(),
            actor: m.actor,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsumableListParams {
    /// Part of the name or location.
    q: Option<String>,
    /// Consumables of one category.
    #[param(schema_with = crate::api::contract::id_param)]
    category_id: Option<String>,
    /// Only those below their minimum (to reorder).
    below_minimum: Option<bool>,
    /// `name` (default), `quantity`, `location` or `created`.
    #[param(schema_with = crate::api::contract::sort::<ConsumableSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// The company's consumables (IT's staff and the auditor). The download (`format`) needs
/// `it.export`.
#[utoipa::path(get, path = "/api/v1/it/consumables", tag = "it", params(ConsumableListParams),
    responses((status = 200, body = ListOf<ConsumableOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<ConsumableListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (sort, dir) =
        sort_and_dir::<ConsumableSort>(p.sort.as_deref(), p.dir.as_deref()).map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    if export.is_some() {
        consumables::authorize_export(&a.actor).map_err(err)?;
    }
    let category = match p.category_id.as_deref().unwrap_or("").trim() {
        "" => None,
        s => Some(AssetCategoryId(
            s.parse::<i64>().ok().filter(|i| *i > 0).ok_or_else(|| {
                err(Error::invalid(
                    "category_id",
                    "an id (a whole number from 1)",
                ))
            })?,
        )),
    };
    let q = ConsumableQuery {
        search: p.q.clone(),
        category,
        below_minimum: p.below_minimum.unwrap_or(false),
        sort,
        dir,
        paging: if export.is_some() {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    };
    let page = consumables::list(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = export {
        return Ok(crate::list::export(
            format,
            "consumables",
            consumables::EXPORT_HEADERS,
            page.items.iter().map(consumables::export_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(ConsumableOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// A new consumable (IT's staff), with its opening stock. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/it/consumables", tag = "it", request_body = ConsumableIn,
    responses((status = 201, body = ConsumableOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<ConsumableIn>,
) -> Result<Response, ApiError> {
    let (input, _) = b.input();
    let c = consumables::create(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(ConsumableOut::from(c)))
}

/// One consumable.
#[utoipa::path(get, path = "/api/v1/it/consumables/{id}", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = ConsumableOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let c = consumables::get(&state.store, &a.actor, ConsumableId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ConsumableOut::from(c)))
}

/// Changes a consumable (not its stock).
#[utoipa::path(put, path = "/api/v1/it/consumables/{id}", tag = "it", params(("id" = i64, Path)), request_body = ConsumableIn,
    responses((status = 200, body = ConsumableOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ConsumableIn>,
) -> Result<Response, ApiError> {
    let (input, version) = b.input();
    let c = consumables::update(&state.store, &a.actor, ConsumableId(id), &input, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ConsumableOut::from(c)))
}

/// Stock received: `quantity` more. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/it/consumables/{id}/receive", tag = "it", params(("id" = i64, Path)), request_body = ReceiveIn,
    responses((status = 200, body = ConsumableOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn receive<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ReceiveIn>,
) -> Result<Response, ApiError> {
    let input = MovementInput {
        quantity: b.quantity.to_string(),
        employee_id: String::new(),
        note: b.note.unwrap_or_default(),
    };
    let c = consumables::receive(&state.store, &a.actor, ConsumableId(id), &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ConsumableOut::from(c)))
}

/// Stock issued to an employee: `quantity` fewer. More than in stock is 422 on `quantity`
/// (checked in the write's transaction), nothing written. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/it/consumables/{id}/issue", tag = "it", params(("id" = i64, Path)), request_body = IssueIn,
    responses((status = 200, body = ConsumableOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn issue<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<IssueIn>,
) -> Result<Response, ApiError> {
    let input = MovementInput {
        quantity: b.quantity.to_string(),
        employee_id: b.employee_id.to_string(),
        note: b.note.unwrap_or_default(),
    };
    let c = consumables::issue(&state.store, &a.actor, ConsumableId(id), &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ConsumableOut::from(c)))
}

/// The consumable's movements, newest first.
#[utoipa::path(get, path = "/api/v1/it/consumables/{id}/movements", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<MovementOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn movements<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let list = consumables::movements(&state.store, &a.actor, ConsumableId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(MovementOut::from)
        .collect::<Vec<_>>()))
}
