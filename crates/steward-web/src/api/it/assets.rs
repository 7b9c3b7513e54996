//! `/api/v1/it/categories`, `/api/v1/it/models` and `/api/v1/it/assets` (with check-out,
//! check-in and the history), and `/api/v1/it/employees/{id}/assets`.
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::ids::{AssetCategoryId, AssetId, AssetModelId, EmployeeId};
use steward_core::it::asset_import;
use steward_core::it::assets::{
    self, Asset, AssetEvent, AssetInput, AssetQuery, AssetSort, AssetStatus, Category,
    CategoryInput, CheckoutInput, Depreciation, Model, ModelInput,
};
use steward_core::list::Paging;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};

use crate::api::contract::{choice_of, filter_of, opt_choice_of, sort_and_dir};
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(categories, create_category))
        .routes(routes!(update_category))
        .routes(routes!(models, create_model))
        .routes(routes!(get_model, update_model))
        .routes(routes!(list, create))
        .routes(routes!(import))
        .routes(routes!(get, update))
        .routes(routes!(check_out))
        .routes(routes!(check_in))
        .routes(routes!(acknowledge))
        .routes(routes!(history))
        .routes(routes!(depreciation))
        .routes(routes!(held_by))
        .routes(routes!(history_of))
        .routes(
            routes!(attachments, attach).layer(axum::extract::DefaultBodyLimit::max(
                crate::forms::UPLOAD_BODY_LIMIT,
            )),
        )
}

filter_of!(status_filter, AssetStatus);
opt_choice_of!(opt_status, AssetStatus);
choice_of!(depreciation_choice, Depreciation);

#[derive(Serialize, ToSchema)]
pub struct CategoryOut {
    id: i64,
    name: String,
    version: i64,
}

impl From<Category> for CategoryOut {
    fn from(c: Category) -> Self {
        CategoryOut {
            id: c.id.0,
            name: c.name,
            version: c.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryIn {
    /// Unique in the company.
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    name: String,
    /// The version read (updates): a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ModelOut {
    id: i64,
    name: String,
    maker: String,
    model_number: String,
    category_id: i64,
    category: String,
    /// `straight_line`, `declining_balance` or `none`.
    depreciation: String,
    /// Useful life in months (0 with no depreciation).
    life_months: i64,
    version: i64,
}

impl From<Model> for ModelOut {
    fn from(m: Model) -> Self {
        ModelOut {
            id: m.id.0,
            name: m.name,
            maker: m.maker,
            model_number: m.model_number,
            category_id: m.category_id.0,
            category: m.category,
            depreciation: m.depreciation.as_str().to_string(),
            life_months: m.life_months,
            version: m.version,
        }
    }
}

/// A model as written (all fields; an update replaces them).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelIn {
    /// Unique in the company.
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    name: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::line::<200, false>)]
    maker: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::line::<100, false>)]
    model_number: String,
    #[schema(schema_with = crate::api::contract::id)]
    category_id: i64,
    /// `straight_line`, `declining_balance` or `none`; one that depreciates needs
    /// `life_months` above 0.
    #[schema(schema_with = depreciation_choice)]
    depreciation: String,
    /// Useful life in months, 0 to 600.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 600)]
    life_months: Option<u16>,
    /// The version read (updates): a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

impl ModelIn {
    fn input(self) -> (ModelInput, Option<i64>) {
        (
            ModelInput {
                name: self.name,
                maker: self.maker,
                model_number: self.model_number,
                category_id: self.category_id.to_string(),
                depreciation: self.depreciation,
                life_months: self.life_months.map(|m| m.to_string()).unwrap_or_default(),
            },
            self.version,
        )
    }
}

#[derive(Serialize, ToSchema)]
pub struct AssetOut {
    id: i64,
    tag: String,
    /// Empty when none.
    serial: String,
    name: String,
    model_id: i64,
    model: String,
    category_id: i64,
    category: String,
    /// `deployable`, `deployed`, `in_repair`, `retired` or `lost`.
    status: String,
    location: String,
    supplier: String,
    purchase_date: Option<String>,
    /// In `currency`'s places (`1299.00`); null when none.
    purchase_cost: Option<String>,
    currency: String,
    warranty_end: Option<String>,
    notes: String,
    /// The employee holding it (a deployed asset).
    holder_id: Option<i64>,
    holder: Option<String>,
    expected_return: Option<String>,
    /// When the holder confirmed they received it (RFC 3339); null until then.
    acknowledged_at: Option<String>,
    version: i64,
    /// Custom field values by key (the fields of its category:
    /// `GET /api/v1/it/categories/{id}/fields`).
    #[schema(value_type = Object)]
    custom: serde_json::Map<String, serde_json::Value>,
    /// Where it is checked out to, when to a location.
    checkout_location: Option<String>,
    /// The asset it is checked out to (a monitor to a docking station), and its tag.
    parent_id: Option<i64>,
    parent_tag: Option<String>,
}

impl From<Asset> for AssetOut {
    fn from(a: Asset) -> Self {
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
        AssetOut {
            id: a.id.0,
            purchase_cost: a
                .purchase_cost
                .map(|c| steward_core::money::format_in(c, &a.currency)),
            tag: a.tag,
            serial: a.serial,
            name: a.name,
            model_id: a.model_id.0,
            model: a.model,
            category_id: a.category_id.0,
            category: a.category,
            status: a.status.as_str().to_string(),
            location: a.location,
            supplier: a.supplier,
            purchase_date: day(a.purchase_date),
            currency: a.currency,
            warranty_end: day(a.warranty_end),
            notes: a.notes,
            holder_id: a.holder_id.map(|e| e.0),
            holder: a.holder,
            expected_return: day(a.expected_return),
            acknowledged_at: a.acknowledged_at.map(|t| t.rfc3339()),
            version: a.version,
            custom: a.custom,
            checkout_location: a.checkout_location,
            parent_id: a.parent_id.map(|p| p.0),
            parent_tag: a.parent_tag,
        }
    }
}

/// An asset as written (all fields; an update replaces them).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetIn {
    /// Unique in the company: letters, digits, `-`, `_` and `.` (upper-cased). Absent or
    /// empty: numbered (`A-000123`) on create, kept on update. A taken one is 422 on `tag`.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_code::<50>)]
    tag: Option<String>,
    /// Unique in the company when given (422 on `serial`).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<100>)]
    serial: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    name: Option<String>,
    #[schema(schema_with = crate::api::contract::id)]
    model_id: i64,
    /// Absent or empty: `deployable` on create, unchanged on update. `deployed` only by a
    /// check-out; a deployed asset keeps it until checked in (422 on `status`).
    #[serde(default)]
    #[schema(schema_with = opt_status)]
    status: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    location: Option<String>,
    /// The vendor, as a name.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    supplier: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    purchase_date: Option<String>,
    /// An amount in `currency` (the places it allows are checked by the server).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_amount::<4, false>)]
    purchase_cost: Option<String>,
    /// The cost's currency; the company's when absent or empty.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_currency)]
    currency: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    warranty_end: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<4000>)]
    notes: Option<String>,
    /// The version read (updates): a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
    /// Custom field values by key, checked against the fields of the model's category (a
    /// bad one is 422 on `custom.<key>`, as is a required one missing). Absent: none on
    /// create, unchanged on update; given, it replaces them all.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    custom: Option<serde_json::Map<String, serde_json::Value>>,
}

impl AssetIn {
    fn input(self) -> (AssetInput, Option<i64>) {
        (
            AssetInput {
                tag: self.tag.unwrap_or_default(),
                serial: self.serial.unwrap_or_default(),
                name: self.name.unwrap_or_default(),
                model_id: self.model_id.to_string(),
                status: self.status.unwrap_or_default(),
                location: self.location.unwrap_or_default(),
                supplier: self.supplier.unwrap_or_default(),
                purchase_date: self.purchase_date.unwrap_or_default(),
                purchase_cost: self.purchase_cost.unwrap_or_default(),
                currency: self.currency.unwrap_or_default(),
                warranty_end: self.warranty_end.unwrap_or_default(),
                notes: self.notes.unwrap_or_default(),
                custom: self.custom,
            },
            self.version,
        )
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutIn {
    /// The employee (HR's id) who takes the asset. Exactly one of `employee_id`,
    /// `location` and `asset_id` (none, or more than one, is 422 naming the field).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    employee_id: Option<i64>,
    /// A place the asset goes to (a meeting room, a rack).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    location: Option<String>,
    /// Another asset it goes with (a monitor with a docking station): not this one, not
    /// retired or lost, not checked out to this one (422 on `asset_id`).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    asset_id: Option<i64>,
    /// When it should come back (from today on); absent or empty: open-ended.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    expected_return: Option<String>,
    /// The asset's condition as it leaves.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<1000>)]
    note: Option<String>,
    /// The version read: a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckinIn {
    /// The asset's condition as it comes back.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<1000>)]
    note: Option<String>,
    /// The version read: a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AssetEventOut {
    id: i64,
    asset_id: i64,
    asset_tag: String,
    /// `created`, `updated`, `checked_out` or `checked_in`.
    kind: String,
    employee_id: Option<i64>,
    employee: Option<String>,
    expected_return: Option<String>,
    note: String,
    /// RFC 3339.
    at: String,
    /// Who did it.
    actor: String,
    /// A check-out or check-in of a location: where.
    location: Option<String>,
    /// A check-out or check-in with another asset: which, and its tag.
    target_asset_id: Option<i64>,
    target_asset_tag: Option<String>,
}

impl From<AssetEvent> for AssetEventOut {
    fn from(e: AssetEvent) -> Self {
        AssetEventOut {
            id: e.id,
            asset_id: e.asset_id.0,
            asset_tag: e.asset_tag,
            kind: e.kind,
            employee_id: e.employee_id.map(|x| x.0),
            employee: e.employee,
            expected_return: e.expected_return.map(|d| d.to_string()),
            note: e.note,
            at: e.at.rfc3339(),
            actor: e.actor,
            location: e.location,
            target_asset_id: e.target_asset_id.map(|a| a.0),
            target_asset_tag: e.target_asset_tag,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssetListParams {
    /// Part of the tag, serial, name or model.
    q: Option<String>,
    /// One status; empty for all.
    #[param(schema_with = status_filter)]
    status: Option<String>,
    /// Assets of one category.
    #[param(schema_with = crate::api::contract::id_param)]
    category_id: Option<String>,
    /// Assets of one model.
    #[param(schema_with = crate::api::contract::id_param)]
    model_id: Option<String>,
    /// `tag` (default), `name`, `status`, `purchase_date`, `warranty_end` or `created`.
    #[param(schema_with = crate::api::contract::sort::<AssetSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// A positive id in a query filter; empty for none.
fn id_filter(field: &str, text: Option<&str>) -> Result<Option<i64>, Error> {
    match text.unwrap_or("").trim() {
        "" => Ok(None),
        s => s
            .parse::<i64>()
            .ok()
            .filter(|i| *i > 0)
            .map(Some)
            .ok_or_else(|| Error::invalid(field, "an id (a whole number from 1)")),
    }
}

/// The company's asset categories (IT's staff).
#[utoipa::path(get, path = "/api/v1/it/categories", tag = "it",
    responses((status = 200, body = Vec<CategoryOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn categories<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let list = assets::categories(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(CategoryOut::from)
        .collect::<Vec<_>>()))
}

/// A new asset category. A name another category has is 422 on `name`.
#[utoipa::path(post, path = "/api/v1/it/categories", tag = "it", request_body = CategoryIn,
    responses((status = 201, body = CategoryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_category<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<CategoryIn>,
) -> Result<Response, ApiError> {
    let c = assets::create_category(&state.store, &a.actor, &CategoryInput { name: b.name })
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(CategoryOut::from(c)))
}

/// Renames an asset category.
#[utoipa::path(put, path = "/api/v1/it/categories/{id}", tag = "it", params(("id" = i64, Path)), request_body = CategoryIn,
    responses((status = 200, body = CategoryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_category<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<CategoryIn>,
) -> Result<Response, ApiError> {
    let c = assets::update_category(
        &state.store,
        &a.actor,
        AssetCategoryId(id),
        &CategoryInput { name: b.name },
        b.version,
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(CategoryOut::from(c)))
}

/// The company's asset models (IT's staff).
#[utoipa::path(get, path = "/api/v1/it/models", tag = "it",
    responses((status = 200, body = Vec<ModelOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn models<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let list = assets::models(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list.into_iter().map(ModelOut::from).collect::<Vec<_>>()))
}

/// A new asset model. A name another model has is 422 on `name`; a category that does
/// not exist on `category_id`.
#[utoipa::path(post, path = "/api/v1/it/models", tag = "it", request_body = ModelIn,
    responses((status = 201, body = ModelOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_model<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<ModelIn>,
) -> Result<Response, ApiError> {
    let (input, _) = b.input();
    let m = assets::create_model(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(ModelOut::from(m)))
}

/// One asset model.
#[utoipa::path(get, path = "/api/v1/it/models/{id}", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = ModelOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_model<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let m = assets::model(&state.store, &a.actor, AssetModelId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ModelOut::from(m)))
}

/// Changes an asset model (every field is replaced).
#[utoipa::path(put, path = "/api/v1/it/models/{id}", tag = "it", params(("id" = i64, Path)), request_body = ModelIn,
    responses((status = 200, body = ModelOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_model<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ModelIn>,
) -> Result<Response, ApiError> {
    let (input, version) = b.input();
    let m = assets::update_model(&state.store, &a.actor, AssetModelId(id), &input, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ModelOut::from(m)))
}

/// Assets the caller may see: IT's staff all of them, anyone else those checked out to
/// them. The download (`format`) needs `it.export`.
#[utoipa::path(get, path = "/api/v1/it/assets", tag = "it", params(AssetListParams),
    responses((status = 200, body = ListOf<AssetOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<AssetListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (sort, dir) =
        sort_and_dir::<AssetSort>(p.sort.as_deref(), p.dir.as_deref()).map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    if export.is_some() {
        assets::authorize_export(&a.actor).map_err(err)?;
    }
    let status = match p.status.as_deref().unwrap_or("") {
        "" => None,
        s => Some(AssetStatus::parse(s).ok_or_else(|| {
            err(Error::invalid(
                "status",
                format!("one of {}", AssetStatus::words()),
            ))
        })?),
    };
    let q = AssetQuery {
        search: p.q.clone(),
        status,
        category: id_filter("category_id", p.category_id.as_deref())
            .map_err(err)?
            .map(AssetCategoryId),
        model: id_filter("model_id", p.model_id.as_deref())
            .map_err(err)?
            .map(AssetModelId),
        holder: None,
        sort,
        dir,
        paging: if export.is_some() {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    };
    let page = assets::list(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = export {
        let keys = steward_core::it::asset_fields::keys(
            &steward_core::it::asset_fields::all_fields(&state.store, &a.actor)
                .await
                .map_err(err)?,
        );
        let headers = assets::export_headers(&keys);
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        return Ok(crate::list::export(
            format,
            "assets",
            &headers,
            page.items
                .iter()
                .map(|x| assets::export_row_with(x, &keys))
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
            .map(AssetOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// A new asset (IT's staff). A taken tag is 422 on `tag`, a taken serial on `serial`;
/// nothing is written. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/it/assets", tag = "it", request_body = AssetIn,
    responses((status = 201, body = AssetOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<AssetIn>,
) -> Result<Response, ApiError> {
    let (input, _) = b.input();
    let x = assets::create(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(AssetOut::from(x)))
}

/// One asset (one the caller may not see is 404).
#[utoipa::path(get, path = "/api/v1/it/assets/{id}", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = AssetOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let x = assets::get(&state.store, &a.actor, AssetId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(AssetOut::from(x)))
}

/// Changes an asset (every field is replaced; an absent tag or status keeps it).
#[utoipa::path(put, path = "/api/v1/it/assets/{id}", tag = "it", params(("id" = i64, Path)), request_body = AssetIn,
    responses((status = 200, body = AssetOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AssetIn>,
) -> Result<Response, ApiError> {
    let (input, version) = b.input();
    let x = assets::update(&state.store, &a.actor, AssetId(id), &input, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(AssetOut::from(x)))
}

/// Lends a deployable asset to an employee, to a location or with another asset: it
/// becomes `deployed`. An asset that is not deployable is 422 on `status`, nothing written;
/// none or several of `employee_id`, `location` and `asset_id` is 422 naming the field.
/// Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/it/assets/{id}/check-out", tag = "it", params(("id" = i64, Path)), request_body = CheckoutIn,
    responses((status = 200, body = AssetOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn check_out<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<CheckoutIn>,
) -> Result<Response, ApiError> {
    let input = CheckoutInput {
        employee_id: b.employee_id.map(|i| i.to_string()).unwrap_or_default(),
        expected_return: b.expected_return.unwrap_or_default(),
        note: b.note.unwrap_or_default(),
        location: b.location.unwrap_or_default(),
        asset_id: b.asset_id.map(|i| i.to_string()).unwrap_or_default(),
    };
    let x = assets::check_out(&state.store, &a.actor, AssetId(id), &input, b.version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(AssetOut::from(x)))
}

/// Takes back a checked-out asset: it is `deployable` again. One that is not checked out
/// is 422 on `status`.
#[utoipa::path(post, path = "/api/v1/it/assets/{id}/check-in", tag = "it", params(("id" = i64, Path)), request_body = CheckinIn,
    responses((status = 200, body = AssetOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn check_in<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<CheckinIn>,
) -> Result<Response, ApiError> {
    let note = b.note.unwrap_or_default();
    let x = assets::check_in(&state.store, &a.actor, AssetId(id), &note, b.version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(AssetOut::from(x)))
}

/// The holder confirms they received the asset checked out to them (once a check-out):
/// only the holder may (IT's staff get 403); twice is 422 on `acknowledged_at`.
#[utoipa::path(post, path = "/api/v1/it/assets/{id}/acknowledge", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = AssetOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn acknowledge<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let x = assets::acknowledge(&state.store, &a.actor, AssetId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(AssetOut::from(x)))
}

/// The asset's history, oldest first: created, changed, checked out and in.
#[utoipa::path(get, path = "/api/v1/it/assets/{id}/history", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AssetEventOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn history<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let events = assets::history(&state.store, &a.actor, AssetId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(events
        .into_iter()
        .map(AssetEventOut::from)
        .collect::<Vec<_>>()))
}

#[derive(Serialize, ToSchema)]
pub struct DepreciationPeriodOut {
    /// The month's first day.
    month: String,
    /// What the month takes (decimal in the asset's currency).
    amount: String,
    accumulated: String,
    /// The value at the month's end.
    book_value: String,
}

#[derive(Serialize, ToSchema)]
pub struct DepreciationOut {
    /// The model's method: `straight_line`, `declining_balance` or `none`.
    method: String,
    life_months: i64,
    currency: String,
    /// None when the cost or the purchase date is not known (and then no schedule).
    cost: Option<String>,
    residual: String,
    /// At the end of this month.
    book_value: Option<String>,
    /// Month by month from the month of purchase.
    periods: Vec<DepreciationPeriodOut>,
}

/// The asset's depreciation schedule by its model's method and life, month by month from
/// the month it was bought, and what it is worth at the end of this month.
#[utoipa::path(get, path = "/api/v1/it/assets/{id}/depreciation", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = DepreciationOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn depreciation<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let d = steward_core::it::depreciation::of_asset(
        &state.store,
        &a.actor,
        AssetId(id),
        steward_core::time::today(),
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    let money = |m: i64| steward_core::money::format_in(m, &d.currency);
    Ok(ok(DepreciationOut {
        method: d.method.as_str().to_string(),
        life_months: d.life_months,
        cost: d.cost.map(&money),
        residual: money(d.residual),
        book_value: d.book_value.map(&money),
        periods: d
            .periods
            .iter()
            .map(|p| DepreciationPeriodOut {
                month: p.month.to_string(),
                amount: money(p.amount),
                accumulated: money(p.accumulated),
                book_value: money(p.book_value),
            })
            .collect(),
        currency: d.currency.clone(),
    }))
}

/// The assets an employee holds: IT's staff ask about anyone, a person about themself.
#[utoipa::path(get, path = "/api/v1/it/employees/{id}/assets", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AssetOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn held_by<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let list = assets::held_by(&state.store, &a.actor, EmployeeId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list.into_iter().map(AssetOut::from).collect::<Vec<_>>()))
}

/// What an employee was lent and gave back, oldest first: IT's staff ask about anyone, a
/// person about themself.
#[utoipa::path(get, path = "/api/v1/it/employees/{id}/history", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AssetEventOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn history_of<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let events = assets::history_of(&state.store, &a.actor, EmployeeId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(events
        .into_iter()
        .map(AssetEventOut::from)
        .collect::<Vec<_>>()))
}

/// Imports assets from a CSV (`text/csv`) or XLSX body, all rows or none. Columns as the
/// list's export: `model` (a model's name, required), `tag` (empty: numbered), `serial`,
/// `name`, `status` (not `deployed`), `location`, `supplier`, `purchase_date`,
/// `purchase_cost`, `currency`, `warranty_end`, `notes`, and one column per custom field
/// (named by its key, checked against the row's model's category). A taken or repeated tag or serial,
/// like any bad cell, is a problem by line and column (422); nothing is written.
/// `map.<field>=<header>` maps a column by hand.
#[utoipa::path(post, path = "/api/v1/it/assets/import", tag = "it", params(crate::api::import::ImportParams),
    request_body(content = inline(crate::api::contract::TableUpload), content_type = "text/csv", description = "CSV or XLSX"),
    responses((status = 200, body = crate::api::import::ImportReportOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = crate::api::import::ImportReportOut)))]
pub async fn import<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<crate::api::import::ImportParams>,
    Query(pairs): Query<Vec<(String, String)>>,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    // Who may import is settled before the body is read.
    asset_import::may_import(&a.actor).map_err(err)?;
    let (store, actor) = (&state.store, &a.actor);
    crate::api::import::run(req, &pairs, |name, table, mapping| async move {
        asset_import::import(store, actor, &table, name, &mapping, p.dry_run).await
    })
    .await
    .map_err(err)
}

/// The photos and files on an asset (whoever sees the asset).
#[utoipa::path(get, path = "/api/v1/it/assets/{id}/attachments", tag = "it",
    params(("id" = i64, Path, description = "Asset id")),
    responses((status = 200, body = crate::api::work::attachments::AttachmentList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn attachments<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    crate::api::work::attachments::list_of(
        &state,
        &a,
        steward_core::work::RecordRef::new(steward_core::it::ASSET, id),
    )
    .await
}

/// Attaches a photo or file to an asset (IT's staff): checked by its content (PDF, images,
/// text, Office), at most 20 MB.
#[utoipa::path(post, path = "/api/v1/it/assets/{id}/attachments", tag = "it",
    params(("id" = i64, Path, description = "Asset id")),
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
        steward_core::work::RecordRef::new(steward_core::it::ASSET, id),
        mp,
    )
    .await
}
