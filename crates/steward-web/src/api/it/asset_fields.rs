//! `/api/v1/it/categories/{id}/fields`: the custom fields of an asset category (whoever
//! reads the catalog lists them; whoever may add and change categories defines them), and
//! `/api/v1/it/assets/{id}/checked-out`: the assets checked out to an asset.
use axum::extract::{Path, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::ids::{AssetCategoryId, AssetId};
use steward_core::it::asset_fields::{self, CategoryField, CategoryFieldInput};
use steward_core::it::assets;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use super::assets::AssetOut;
use crate::api::{created, ok, ApiJson};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(list_fields, create_field))
        .routes(routes!(update_field))
        .routes(routes!(checked_out))
}

#[derive(Serialize, ToSchema)]
pub struct CategoryFieldOut {
    id: i64,
    category_id: i64,
    /// Names the values (`custom.<key>` on an asset, a column of the export and import).
    key: String,
    label: String,
    /// `text`, `number`, `date` or `choice`.
    kind: String,
    choices: Vec<String>,
    required: bool,
    help: String,
    position: i64,
    /// An inactive field is no longer asked (its values stay).
    active: bool,
    version: i64,
}

impl From<CategoryField> for CategoryFieldOut {
    fn from(f: CategoryField) -> Self {
        CategoryFieldOut {
            id: f.id,
            category_id: f.owner.0,
            key: f.key,
            label: f.label,
            kind: f.kind,
            choices: f.choices,
            required: f.required,
            help: f.help,
            position: f.position,
            active: f.active,
            version: f.version,
        }
    }
}

fn kind() -> utoipa::openapi::schema::Object {
    crate::api::contract::one_of(asset_fields::KINDS, false)
}

fn kind_or_empty() -> utoipa::openapi::schema::Object {
    crate::api::contract::filter(asset_fields::KINDS)
}

/// At most 100 choices of at most 100 characters.
fn choices() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(SchemaType::new(Type::String))
                .max_length(Some(100)),
        )
        .max_items(Some(100))
        .build()
}

fn yes() -> bool {
    true
}

/// A new field of a category. A key the category has, or one an asset's own column has
/// (`serial`, `location`, ...), is 422 on `key`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryFieldIn {
    /// 1 to 40 lowercase letters, digits or `_`, starting with a letter; fixed once made.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,39}$")]
    key: String,
    #[schema(schema_with = kind)]
    kind: String,
    #[schema(schema_with = crate::api::contract::nonblank::<100>)]
    label: String,
    /// A `choice` field needs at least one choice.
    #[serde(default)]
    #[schema(schema_with = choices)]
    choices: Vec<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    #[schema(max_length = 500)]
    help: String,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 9999)]
    position: i64,
    #[serde(default = "yes")]
    active: bool,
}

/// A field's new definition: the key and the kind stay (send the same kind, or none).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryFieldUpdateIn {
    #[serde(default)]
    #[schema(schema_with = kind_or_empty)]
    kind: String,
    #[schema(schema_with = crate::api::contract::nonblank::<100>)]
    label: String,
    #[serde(default)]
    #[schema(schema_with = choices)]
    choices: Vec<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    #[schema(max_length = 500)]
    help: String,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 9999)]
    position: i64,
    #[serde(default = "yes")]
    active: bool,
    /// The version read: a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

/// The custom fields of an asset category (inactive ones too), by position.
#[utoipa::path(get, path = "/api/v1/it/categories/{id}/fields", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<CategoryFieldOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_fields<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let list = asset_fields::fields(&state.store, &a.actor, AssetCategoryId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(CategoryFieldOut::from)
        .collect::<Vec<_>>()))
}

/// Defines a custom field on an asset category (whoever may add categories).
#[utoipa::path(post, path = "/api/v1/it/categories/{id}/fields", tag = "it", params(("id" = i64, Path)), request_body = CategoryFieldIn,
    responses((status = 201, body = CategoryFieldOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_field<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<CategoryFieldIn>,
) -> Result<Response, ApiError> {
    let input = CategoryFieldInput {
        key: b.key,
        label: b.label,
        kind: b.kind,
        choices: b.choices,
        required: b.required,
        help: b.help,
        position: b.position,
        active: b.active,
    };
    let f = asset_fields::create_field(&state.store, &a.actor, AssetCategoryId(id), &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(CategoryFieldOut::from(f)))
}

/// Changes a custom field of an asset category (whoever may change categories); its key
/// and kind stay (another kind is 422 on `kind`).
#[utoipa::path(put, path = "/api/v1/it/categories/{id}/fields/{field_id}", tag = "it",
    params(("id" = i64, Path), ("field_id" = i64, Path)), request_body = CategoryFieldUpdateIn,
    responses((status = 200, body = CategoryFieldOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_field<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path((id, field_id)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<CategoryFieldUpdateIn>,
) -> Result<Response, ApiError> {
    let input = CategoryFieldInput {
        key: String::new(),
        label: b.label,
        kind: b.kind,
        choices: b.choices,
        required: b.required,
        help: b.help,
        position: b.position,
        active: b.active,
    };
    let f = asset_fields::update_field(
        &state.store,
        &a.actor,
        AssetCategoryId(id),
        field_id,
        &input,
        b.version,
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(CategoryFieldOut::from(f)))
}

/// The assets checked out to this asset (a docking station's monitors), by tag.
#[utoipa::path(get, path = "/api/v1/it/assets/{id}/checked-out", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AssetOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn checked_out<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let list = assets::checked_out_to(&state.store, &a.actor, AssetId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list.into_iter().map(AssetOut::from).collect::<Vec<_>>()))
}
