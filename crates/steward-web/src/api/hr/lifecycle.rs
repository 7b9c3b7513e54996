//! `/api/v1/hr/employees/{id}/lifecycle`, `.../onboarding`, `.../offboarding` and
//! `/api/v1/hr/returns/{id}`: on- and offboarding through the API. Starting is for HR staff;
//! the employee's managers and the employee read.
use axum::extract::{Path, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::hr::lifecycle::{self, Lifecycle, LifecycleView, OffboardingInput, ReturnItem};
use steward_core::ids::EmployeeId;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::api::{created, ok, ApiJson};
use crate::auth::ApiActor;
use crate::error::ApiError;
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(get_lifecycle))
        .routes(routes!(onboarding))
        .routes(routes!(offboarding))
        .routes(routes!(set_returned))
}

#[derive(Serialize, ToSchema)]
pub struct LifecycleOut {
    id: i64,
    /// `onboarding` or `offboarding`.
    kind: String,
    /// The day the checklist counts from (first working day, or the leaving date).
    start_date: String,
    /// Offboarding: why the person leaves.
    reason: Option<String>,
    note: String,
    /// The checklist's tasks.
    tasks: Vec<i64>,
    created_at: String,
}

impl From<Lifecycle> for LifecycleOut {
    fn from(l: Lifecycle) -> Self {
        LifecycleOut {
            id: l.id,
            kind: l.kind.as_str().to_string(),
            start_date: l.start_date.to_string(),
            reason: l.reason,
            note: l.note,
            tasks: l.tasks,
            created_at: l.created_at.rfc3339(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReturnOut {
    id: i64,
    employee_id: i64,
    item: String,
    /// `hr`, or the domain that lent it.
    source: String,
    returned: bool,
    returned_at: Option<String>,
}

impl From<ReturnItem> for ReturnOut {
    fn from(r: ReturnItem) -> Self {
        ReturnOut {
            id: r.id,
            employee_id: r.employee_id.0,
            item: r.item,
            source: r.source,
            returned: r.returned_at.is_some(),
            returned_at: r.returned_at.map(|t| t.rfc3339()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LifecycleViewOut {
    employee_id: i64,
    status: String,
    end_date: Option<String>,
    lifecycles: Vec<LifecycleOut>,
    returns: Vec<ReturnOut>,
}

impl From<LifecycleView> for LifecycleViewOut {
    fn from(v: LifecycleView) -> Self {
        LifecycleViewOut {
            employee_id: v.employee.id.0,
            status: v.employee.status,
            end_date: v.employee.end_date.map(|d| d.to_string()),
            lifecycles: v.lifecycles.into_iter().map(LifecycleOut::from).collect(),
            returns: v.returns.into_iter().map(ReturnOut::from).collect(),
        }
    }
}

/// An employee's on- and offboardings and what they must hand back.
#[utoipa::path(get, path = "/api/v1/hr/employees/{id}/lifecycle", tag = "hr", params(("id" = i64, Path)),
    responses((status = 200, body = LifecycleViewOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn get_lifecycle<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let v = lifecycle::view(&state.store, &a.actor, EmployeeId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(LifecycleViewOut::from(v)))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct OnboardingIn {
    /// The first working day (`YYYY-MM-DD`); default the employee's start date.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    start_date: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<2000, false>)]
    note: String,
}

/// Starts onboarding: the onboarding checklist's tasks, linked to the employee.
#[utoipa::path(post, path = "/api/v1/hr/employees/{id}/onboarding", tag = "hr", params(("id" = i64, Path)), request_body = OnboardingIn,
    responses((status = 201, body = LifecycleOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn onboarding<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<OnboardingIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let start = steward_core::time::parse_optional_date("start_date", input.start_date.as_deref())
        .map_err(err)?;
    let l = lifecycle::start_onboarding(&state.store, &a.actor, EmployeeId(id), start, &input.note)
        .await
        .map_err(err)?;
    Ok(created(LifecycleOut::from(l)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OffboardingIn {
    /// The last working day, `YYYY-MM-DD`, not before the start date. Access ends when it
    /// is over.
    #[schema(schema_with = crate::api::contract::date)]
    leaving_date: String,
    /// resignation, dismissal, end_of_contract, retirement, mutual_agreement, death, other.
    #[schema(schema_with = leaving_reason)]
    reason: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<2000, false>)]
    note: String,
    /// What must come back (at most 50 items of at most 200 characters, no control
    /// characters; blank ones are skipped); default badge and keys. Equipment other
    /// domains lent is added.
    #[serde(default)]
    #[schema(schema_with = returns)]
    returns: Option<Vec<String>>,
}

fn leaving_reason() -> utoipa::openapi::schema::Object {
    let keys: Vec<&str> = lifecycle::LEAVING_REASONS.iter().map(|(k, _)| *k).collect();
    crate::api::contract::one_of(&keys, false)
}

/// `core::hr::lifecycle::parse_returns`.
fn returns() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(
            ObjectBuilder::new()
                .schema_type(SchemaType::new(Type::String))
                .pattern(Some(r"^[^\x00-\x1f\x7f-\x9f]*$"))
                .max_length(Some(200)),
        )
        .max_items(Some(50))
        .build()
}

/// Starts offboarding: leaving date and reason, end of access, the offboarding checklist,
/// and the list of what must come back.
#[utoipa::path(post, path = "/api/v1/hr/employees/{id}/offboarding", tag = "hr", params(("id" = i64, Path)), request_body = OffboardingIn,
    responses((status = 201, body = LifecycleOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn offboarding<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<OffboardingIn>,
) -> Result<Response, ApiError> {
    let input = OffboardingInput {
        leaving_date: input.leaving_date,
        reason: input.reason,
        note: input.note,
        returns: input.returns,
    };
    let l = lifecycle::start_offboarding(&state.store, &a.actor, EmployeeId(id), &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    state.recheck_health(a.actor.company_id, Some(EmployeeId(id)));
    Ok(created(LifecycleOut::from(l)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnedIn {
    returned: bool,
}

/// Marks an item handed back (or, to undo a mistake, not).
#[utoipa::path(post, path = "/api/v1/hr/returns/{id}", tag = "hr", params(("id" = i64, Path)), request_body = ReturnedIn,
    responses((status = 200, body = ReturnOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn set_returned<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ReturnedIn>,
) -> Result<Response, ApiError> {
    let r = lifecycle::set_returned(&state.store, &a.actor, id, input.returned)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ReturnOut::from(r)))
}
