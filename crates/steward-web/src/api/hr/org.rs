//! `/api/v1/hr/org` (the org chart: a person with their reporting line and direct reports,
//! a department's top, or the top of the company; directory fields only) and
//! `/api/v1/hr/positions`. The department tree (`/api/v1/hr/departments`) is
//! `api::departments`'s; the chart shows its departments in the same shape.
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::hr::org::{self, OrgLevelPage, OrgPerson, Position, PositionId, PositionInput};
use steward_core::ids::{DepartmentId, EmployeeId};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::departments::TreeDepartmentOut;
use crate::api::{created, ok, ApiJson};
use crate::auth::ApiActor;
use crate::error::ApiError;
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(chart))
        .routes(routes!(list_positions, create_position))
        .routes(routes!(update_position))
}

/// A person in the chart: directory data only.
#[derive(Serialize, ToSchema)]
pub struct PersonOut {
    id: i64,
    name: String,
    position: String,
    department_id: Option<i64>,
    department: Option<String>,
    manager_id: Option<i64>,
    /// Direct reports who have not left.
    reports: i64,
}

impl From<OrgPerson> for PersonOut {
    fn from(p: OrgPerson) -> Self {
        PersonOut {
            id: p.id.0,
            name: p.name,
            position: p.position,
            department_id: p.department_id.map(|d| d.0),
            department: p.department,
            manager_id: p.manager_id.map(|m| m.0),
            reports: p.reports,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = OrgLevelOut)]
pub struct LevelOut {
    people: Vec<PersonOut>,
    total: i64,
    offset: u64,
    /// The offset of the next people, if there are more.
    next_offset: Option<u64>,
}

impl From<OrgLevelPage> for LevelOut {
    fn from(p: OrgLevelPage) -> Self {
        LevelOut {
            next_offset: p.next_offset(),
            total: p.total,
            offset: p.offset,
            people: p.people.into_iter().map(PersonOut::from).collect(),
        }
    }
}

/// The chart at one place: `person` with `chain` (top first) and `reports`, or `department`
/// with its `chain`, `children` and the people at its top (`reports`), or the top.
#[derive(Serialize, ToSchema)]
pub struct ChartOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    person: Option<PersonOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    department: Option<TreeDepartmentOut>,
    /// Managers from the top down to the person's own, or the departments above.
    #[serde(skip_serializing_if = "Option::is_none")]
    chain: Option<Vec<PersonOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    department_chain: Option<Vec<TreeDepartmentOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    children: Option<Vec<TreeDepartmentOut>>,
    reports: LevelOut,
    /// Search results, when `q` was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    matches: Option<Vec<PersonOut>>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChartParams {
    employee: Option<i64>,
    department: Option<i64>,
    /// Skip this many people of the level.
    offset: Option<u64>,
    /// Search people by name.
    q: Option<String>,
}

/// The org chart (everyone who may read HR; directory fields only).
#[utoipa::path(get, path = "/api/v1/hr/org", tag = "hr", params(ChartParams),
    responses((status = 200, body = ChartOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn chart<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<ChartParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let offset = p.offset.unwrap_or(0);
    let matches = match p.q.as_deref().filter(|q| !q.trim().is_empty()) {
        Some(q) => Some(
            org::search(&state.store, &a.actor, q)
                .await
                .map_err(err)?
                .into_iter()
                .map(PersonOut::from)
                .collect(),
        ),
        None => None,
    };
    let out = if let Some(id) = p.employee {
        let n = org::node(&state.store, &a.actor, EmployeeId(id), offset)
            .await
            .map_err(err)?;
        ChartOut {
            person: Some(n.person.into()),
            department: None,
            chain: Some(n.chain.into_iter().map(PersonOut::from).collect()),
            department_chain: None,
            children: None,
            reports: n.reports.into(),
            matches,
        }
    } else if let Some(id) = p.department {
        let d = org::department(&state.store, &a.actor, DepartmentId(id), offset)
            .await
            .map_err(err)?;
        ChartOut {
            person: None,
            department: Some(d.department.into()),
            chain: None,
            department_chain: Some(d.chain.into_iter().map(TreeDepartmentOut::from).collect()),
            children: Some(
                d.children
                    .into_iter()
                    .map(TreeDepartmentOut::from)
                    .collect(),
            ),
            reports: d.people.into(),
            matches,
        }
    } else {
        let top = org::top(&state.store, &a.actor, offset)
            .await
            .map_err(err)?;
        ChartOut {
            person: None,
            department: None,
            chain: None,
            department_chain: None,
            children: None,
            reports: top.into(),
            matches,
        }
    };
    Ok(ok(out))
}

#[derive(Serialize, ToSchema)]
pub struct PositionOut {
    id: i64,
    title: String,
    department_id: Option<i64>,
    department: Option<String>,
    reports_to: Option<i64>,
    reports_to_title: Option<String>,
}

impl From<Position> for PositionOut {
    fn from(p: Position) -> Self {
        PositionOut {
            id: p.id.0,
            title: p.title,
            department_id: p.department_id.map(|d| d.0),
            department: p.department,
            reports_to: p.reports_to.map(|r| r.0),
            reports_to_title: p.reports_to_title,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionIn {
    #[schema(schema_with = crate::api::contract::name::<100>)]
    title: String,
    department_id: Option<i64>,
    /// The position this one reports to.
    reports_to: Option<i64>,
}

impl From<PositionIn> for PositionInput {
    fn from(p: PositionIn) -> Self {
        PositionInput {
            title: p.title,
            department_id: p.department_id.map(DepartmentId),
            reports_to: p.reports_to.map(PositionId),
        }
    }
}

/// Positions by title (everyone who may read HR).
#[utoipa::path(get, path = "/api/v1/hr/positions", tag = "hr",
    responses((status = 200, body = Vec<PositionOut>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn list_positions<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let ps = org::positions(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ps
        .into_iter()
        .map(PositionOut::from)
        .collect::<Vec<_>>()))
}

/// A new position (HR staff, admins).
#[utoipa::path(post, path = "/api/v1/hr/positions", tag = "hr", request_body = PositionIn,
    responses((status = 201, body = PositionOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_position<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<PositionIn>,
) -> Result<Response, ApiError> {
    let p = org::create_position(&state.store, &a.actor, b.into())
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(PositionOut::from(p)))
}

/// Changes a position (HR staff, admins); a position cannot report to itself or below it.
#[utoipa::path(put, path = "/api/v1/hr/positions/{id}", tag = "hr", params(("id" = i64, Path)), request_body = PositionIn,
    responses((status = 200, body = PositionOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update_position<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<PositionIn>,
) -> Result<Response, ApiError> {
    let p = org::update_position(&state.store, &a.actor, PositionId(id), b.into())
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(PositionOut::from(p)))
}
