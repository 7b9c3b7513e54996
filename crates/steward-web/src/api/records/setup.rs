//! `/api/v1/records/kinds`, `/kind-fields`, `/templates` and `/categories`: what a company
//! sets up before it keeps records. Everyone who uses Records reads them; the privacy
//! office (`records.approve` company-wide) changes them, which is settled before a body is
//! read.
use axum::extract::{Path, Request, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::records::setup::{
    self, Category, CategoryInput, FieldInput, Kind, KindField, KindInput,
};
use steward_core::records::{self as records, CategoryId, KindId};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::api::{created, json_body, ok, Shape};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(list_kinds, create_kind))
        .routes(routes!(get_kind, update_kind))
        .routes(routes!(list_fields, create_field))
        .routes(routes!(update_field))
        .routes(routes!(apply_template))
        .routes(routes!(list_categories, create_category))
        .routes(routes!(update_category))
}

#[derive(Serialize, ToSchema)]
pub struct RecordsKindOut {
    id: i64,
    key: String,
    name: String,
    version: i64,
}

impl From<Kind> for RecordsKindOut {
    fn from(k: Kind) -> Self {
        RecordsKindOut {
            id: k.id.0,
            key: k.key,
            name: k.name,
            version: k.version,
        }
    }
}

/// A kind of subject. A key the company has is 422 on `key`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsKindIn {
    /// 1 to 40 lowercase letters, digits or `_`, starting with a letter; fixed once made.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,39}$")]
    key: String,
    #[schema(schema_with = crate::api::contract::line::<100, true>)]
    name: String,
}

/// A kind's new name (its key stays).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsKindUpdateIn {
    #[schema(schema_with = crate::api::contract::line::<100, true>)]
    name: String,
    /// The version read: a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RecordsFieldOut {
    id: i64,
    kind_id: i64,
    key: String,
    label: String,
    /// `text`, `number`, `date` or `choice`.
    kind: String,
    choices: Vec<String>,
    required: bool,
    help: String,
    position: i64,
    active: bool,
    version: i64,
}

impl From<KindField> for RecordsFieldOut {
    fn from(f: KindField) -> Self {
        RecordsFieldOut {
            id: f.id,
            kind_id: f.owner.0,
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

fn field_kind() -> utoipa::openapi::schema::Object {
    crate::api::contract::one_of(setup::FIELD_KINDS, false)
}

fn field_kind_or_empty() -> utoipa::openapi::schema::Object {
    crate::api::contract::filter(setup::FIELD_KINDS)
}

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

/// A field of a kind (the subject's custom values are checked against them, named
/// `custom.<key>`). A key the kind has is 422 on `key`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsFieldIn {
    /// 1 to 40 lowercase letters, digits or `_`, starting with a letter; fixed once made.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,39}$")]
    key: String,
    #[schema(schema_with = field_kind)]
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
pub struct RecordsFieldUpdateIn {
    #[serde(default)]
    #[schema(schema_with = field_kind_or_empty)]
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
    #[serde(default)]
    version: Option<i64>,
}

impl RecordsFieldIn {
    fn input(self) -> FieldInput {
        FieldInput {
            key: self.key,
            label: self.label,
            kind: self.kind,
            choices: self.choices,
            required: self.required,
            help: self.help,
            position: self.position,
            active: self.active,
        }
    }
}

impl RecordsFieldUpdateIn {
    fn input(self) -> (FieldInput, Option<i64>) {
        (
            FieldInput {
                key: String::new(),
                label: self.label,
                kind: self.kind,
                choices: self.choices,
                required: self.required,
                help: self.help,
                position: self.position,
                active: self.active,
            },
            self.version,
        )
    }
}

/// A template to set up in one call.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsTemplateIn {
    /// `clinic` (patients; encounters), `finance` (clients; reviews) or `factory`
    /// (customers; quality files). One whose kind the company has is 422 on `template`.
    #[schema(schema_with = template_key)]
    template: String,
}

fn template_key() -> utoipa::openapi::schema::Object {
    let keys: Vec<&str> = setup::TEMPLATES.iter().map(|(k, _)| *k).collect();
    crate::api::contract::one_of(&keys, false)
}

#[derive(Serialize, ToSchema)]
pub struct RecordsCategoryOut {
    id: i64,
    name: String,
    /// Records in it need `records_sensitive`.
    sensitive: bool,
    /// Null: no retention period.
    retention_months: Option<i64>,
    /// `record_created`, `last_activity` or `relationship_end`.
    retention_from: String,
    /// The purpose its records serve, which needs the subject's consent; empty: none.
    purpose: String,
    version: i64,
}

impl From<Category> for RecordsCategoryOut {
    fn from(c: Category) -> Self {
        RecordsCategoryOut {
            id: c.id.0,
            name: c.name,
            sensitive: c.sensitive,
            retention_months: c.retention_months,
            retention_from: c.retention_from,
            purpose: c.purpose,
            version: c.version,
        }
    }
}

fn retention_from() -> utoipa::openapi::schema::Object {
    let keys: Vec<&str> = setup::RETENTION_EVENTS.iter().map(|(k, _)| *k).collect();
    crate::api::contract::filter(&keys)
}

/// A record category. A name the company has is 422 on `name`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsCategoryIn {
    #[schema(schema_with = crate::api::contract::line::<100, true>)]
    name: String,
    #[serde(default)]
    sensitive: bool,
    /// 1 to 1200; absent or null: no retention period (the retention job is to come).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1200)]
    retention_months: Option<u32>,
    /// What the period counts from; `record_created` when absent or empty.
    #[serde(default)]
    #[schema(schema_with = retention_from)]
    retention_from: String,
    /// The purpose its records serve (research, marketing...): a subject's record in it
    /// without a consent to it in force is flagged. Absent or empty: none needed.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::line::<100, false>)]
    purpose: String,
    #[serde(default)]
    version: Option<i64>,
}

impl RecordsCategoryIn {
    fn input(self) -> (CategoryInput, Option<i64>) {
        (
            CategoryInput {
                name: self.name,
                sensitive: self.sensitive,
                retention_months: self
                    .retention_months
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
                retention_from: self.retention_from,
                purpose: self.purpose,
            },
            self.version,
        )
    }
}

fn office(a: &ApiActor) -> Result<(), ApiError> {
    records::gate_office(&a.actor).map_err(|e| ApiError::new(e, &a.request_id))
}

/// The company's kinds of subject.
#[utoipa::path(get, path = "/api/v1/records/kinds", tag = "records",
    responses((status = 200, body = Vec<RecordsKindOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_kinds<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let list = setup::kinds(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(RecordsKindOut::from)
        .collect::<Vec<_>>()))
}

/// A new kind of subject (the privacy office).
#[utoipa::path(post, path = "/api/v1/records/kinds", tag = "records", request_body = RecordsKindIn,
    responses((status = 201, body = RecordsKindOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_kind<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    req: Request,
) -> Result<Response, ApiError> {
    office(&a)?;
    let b: RecordsKindIn = json_body(req, &state, Shape::Object).await?;
    let input = KindInput {
        key: b.key,
        name: b.name,
    };
    let k = setup::create_kind(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(RecordsKindOut::from(k)))
}

/// One kind.
#[utoipa::path(get, path = "/api/v1/records/kinds/{id}", tag = "records", params(("id" = i64, Path)),
    responses((status = 200, body = RecordsKindOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_kind<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let k = setup::kind(&state.store, &a.actor, KindId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RecordsKindOut::from(k)))
}

/// Renames a kind (the privacy office); its key stays.
#[utoipa::path(put, path = "/api/v1/records/kinds/{id}", tag = "records", params(("id" = i64, Path)), request_body = RecordsKindUpdateIn,
    responses((status = 200, body = RecordsKindOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_kind<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    office(&a)?;
    let b: RecordsKindUpdateIn = json_body(req, &state, Shape::Object).await?;
    let input = KindInput {
        key: String::new(),
        name: b.name,
    };
    let k = setup::update_kind(&state.store, &a.actor, KindId(id), &input, b.version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RecordsKindOut::from(k)))
}

/// The fields of a kind (inactive ones too).
#[utoipa::path(get, path = "/api/v1/records/kinds/{id}/fields", tag = "records", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<RecordsFieldOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_fields<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let list = setup::fields(&state.store, &a.actor, KindId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(RecordsFieldOut::from)
        .collect::<Vec<_>>()))
}

/// A new field of a kind (the privacy office).
#[utoipa::path(post, path = "/api/v1/records/kinds/{id}/fields", tag = "records", params(("id" = i64, Path)), request_body = RecordsFieldIn,
    responses((status = 201, body = RecordsFieldOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_field<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    office(&a)?;
    let b: RecordsFieldIn = json_body(req, &state, Shape::Object).await?;
    let input = b.input();
    let f = setup::create_field(&state.store, &a.actor, KindId(id), &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(RecordsFieldOut::from(f)))
}

/// Changes a field (the privacy office): the key and the kind stay.
#[utoipa::path(put, path = "/api/v1/records/kind-fields/{id}", tag = "records", params(("id" = i64, Path)), request_body = RecordsFieldUpdateIn,
    responses((status = 200, body = RecordsFieldOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_field<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    office(&a)?;
    let b: RecordsFieldUpdateIn = json_body(req, &state, Shape::Object).await?;
    let (input, version) = b.input();
    let f = setup::update_field(&state.store, &a.actor, id, &input, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RecordsFieldOut::from(f)))
}

/// Sets up a template in one call (the privacy office): its kind, fields and the
/// categories the company has not got by name.
#[utoipa::path(post, path = "/api/v1/records/templates", tag = "records", request_body = RecordsTemplateIn,
    responses((status = 201, body = RecordsKindOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn apply_template<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    req: Request,
) -> Result<Response, ApiError> {
    office(&a)?;
    let b: RecordsTemplateIn = json_body(req, &state, Shape::Object).await?;
    let k = setup::apply_template(&state.store, &a.actor, &b.template)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(RecordsKindOut::from(k)))
}

/// The company's record categories.
#[utoipa::path(get, path = "/api/v1/records/categories", tag = "records",
    responses((status = 200, body = Vec<RecordsCategoryOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_categories<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let list = setup::categories(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(RecordsCategoryOut::from)
        .collect::<Vec<_>>()))
}

/// A new record category (the privacy office).
#[utoipa::path(post, path = "/api/v1/records/categories", tag = "records", request_body = RecordsCategoryIn,
    responses((status = 201, body = RecordsCategoryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_category<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    req: Request,
) -> Result<Response, ApiError> {
    office(&a)?;
    let b: RecordsCategoryIn = json_body(req, &state, Shape::Object).await?;
    let (input, _) = b.input();
    let c = setup::create_category(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(RecordsCategoryOut::from(c)))
}

/// Changes a record category (the privacy office).
#[utoipa::path(put, path = "/api/v1/records/categories/{id}", tag = "records", params(("id" = i64, Path)), request_body = RecordsCategoryIn,
    responses((status = 200, body = RecordsCategoryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_category<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    office(&a)?;
    let b: RecordsCategoryIn = json_body(req, &state, Shape::Object).await?;
    let (input, version) = b.input();
    let c = setup::update_category(&state.store, &a.actor, CategoryId(id), &input, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RecordsCategoryOut::from(c)))
}
