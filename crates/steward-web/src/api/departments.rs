//! Every department route of the API, in one place: `/api/v1/departments…` (departments
//! with their heads, the approvers' "manager", and the people in them) and
//! `/api/v1/hr/departments…` (the tree with HR's headcounts; HR staff and admins edit it).
//! The two families keep their own shapes (clients depend on them): the first answers
//! [`DepartmentOut`] with `members`, the second [`TreeDepartmentOut`] with `depth` and
//! `employees`. Every handler goes through `steward_core::departments` (HR's headcounts
//! through `steward_core::hr::org::department_tree`), which authorize.
use axum::extract::{Path, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::departments::{self, Department, DepartmentEdit, Member, TreeDepartment};
use steward_core::hr::org;
use steward_core::ids::{DepartmentId, UserId};
use steward_core::Error;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::api::{created, ok, ApiJson};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(list_departments, create_department))
        .routes(routes!(update_department))
        .routes(routes!(members))
        .routes(routes!(set_member))
        .routes(routes!(tree))
        .routes(routes!(edit_department))
}

// ---- `/api/v1/departments`: departments with their heads and members ----

#[derive(Serialize, ToSchema)]
#[schema(as = ApprovalDepartmentOut)]
pub struct DepartmentOut {
    pub id: i64,
    pub name: String,
    /// The manager of everyone in it.
    pub head_user_id: Option<i64>,
    pub head: Option<String>,
    pub members: i64,
}

impl From<Department> for DepartmentOut {
    fn from(d: Department) -> Self {
        DepartmentOut {
            id: d.id.0,
            name: d.name,
            head_user_id: d.head.map(|h| h.0),
            head: d.head_name,
            members: d.members,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/departments", tag = "departments",
    responses((status = 200, body = Vec<DepartmentOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_departments<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let ds = departments::list(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ds
        .into_iter()
        .map(DepartmentOut::from)
        .collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ApprovalDepartmentIn)]
pub struct DepartmentIn {
    #[schema(schema_with = crate::api::contract::line::<100, true>)]
    name: String,
}

#[utoipa::path(post, path = "/api/v1/departments", tag = "departments", request_body = DepartmentIn,
    responses((status = 201, body = DepartmentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_department<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<DepartmentIn>,
) -> Result<Response, ApiError> {
    let d = departments::create(&state.store, &a.actor, &b.name)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(DepartmentOut::from(d)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentUpdateIn {
    #[schema(schema_with = crate::api::contract::line::<100, true>)]
    name: String,
    /// The head (manager); null for none.
    #[serde(default)]
    head_user_id: Option<i64>,
}

/// Renames a department and sets its head.
#[utoipa::path(put, path = "/api/v1/departments/{id}", tag = "departments", params(("id" = i64, Path)), request_body = DepartmentUpdateIn,
    responses((status = 200, body = DepartmentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_department<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<DepartmentUpdateIn>,
) -> Result<Response, ApiError> {
    let d = departments::update(
        &state.store,
        &a.actor,
        DepartmentId(id),
        &b.name,
        b.head_user_id.map(UserId),
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(DepartmentOut::from(d)))
}

#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub department_id: Option<i64>,
}

impl From<Member> for MemberOut {
    fn from(m: Member) -> Self {
        MemberOut {
            user_id: m.user_id.0,
            username: m.username,
            display_name: m.display_name,
            department_id: m.department.map(|d| d.0),
        }
    }
}

/// The company's people with their departments.
#[utoipa::path(get, path = "/api/v1/departments/members", tag = "departments",
    responses((status = 200, body = Vec<MemberOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn members<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let ms = departments::members(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ms.into_iter().map(MemberOut::from).collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberIn {
    /// Null: no department.
    department_id: Option<i64>,
}

/// Puts a person into a department.
#[utoipa::path(put, path = "/api/v1/departments/members/{id}", tag = "departments", params(("id" = i64, Path, description = "The user id")), request_body = MemberIn,
    responses((status = 200, body = MemberOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_member<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<MemberIn>,
) -> Result<Response, ApiError> {
    let m = departments::set_member(
        &state.store,
        &a.actor,
        UserId(id),
        b.department_id.map(DepartmentId),
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(MemberOut::from(m)))
}

// ---- `/api/v1/hr/departments`: the tree with HR's headcounts ----

// A department in the tree with HR's headcount (the tree here, and the departments of
// `/api/v1/hr/org`). A plain comment: a doc comment would change the published document.
#[derive(Serialize, ToSchema)]
#[schema(as = OrgDepartmentOut)]
pub struct TreeDepartmentOut {
    id: i64,
    name: String,
    code: Option<String>,
    parent_id: Option<i64>,
    head_user_id: Option<i64>,
    head_name: Option<String>,
    /// Depth in the tree (0 at the top).
    depth: usize,
    /// Active employees.
    employees: i64,
}

impl From<TreeDepartment> for TreeDepartmentOut {
    fn from(d: TreeDepartment) -> Self {
        TreeDepartmentOut {
            id: d.id.0,
            name: d.name,
            code: d.code,
            parent_id: d.parent_id.map(|p| p.0),
            head_user_id: d.head.map(|h| h.0),
            head_name: d.head_name,
            depth: d.depth,
            employees: d.employees,
        }
    }
}

/// The department tree, parents before children (everyone who may read HR).
#[utoipa::path(get, path = "/api/v1/hr/departments", tag = "hr",
    responses((status = 200, body = Vec<TreeDepartmentOut>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn tree<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let t = org::department_tree(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(t
        .into_iter()
        .map(TreeDepartmentOut::from)
        .collect::<Vec<_>>()))
}

/// A field that was sent (`Some(None)` for `null`) or not (`None`, by `default`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A department's edit. Absent fields keep their value; `null` clears code, parent, head.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OrgDepartmentIn)]
pub struct DepartmentEditIn {
    /// A new name; absent or null keeps it (a department always has one).
    #[schema(schema_with = crate::api::contract::nullable_line::<100>)]
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = crate::api::contract::opt_code::<20>)]
    code: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = crate::api::contract::opt_id)]
    parent_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = crate::api::contract::opt_id)]
    head_user_id: Option<Option<i64>>,
}

/// Renames, recodes, moves or sets the head of a department (HR staff, admins). Moving it
/// under itself or one of its sub-departments is 422 on `parent_id`.
#[utoipa::path(put, path = "/api/v1/hr/departments/{id}", tag = "hr", params(("id" = i64, Path)), request_body = DepartmentEditIn,
    responses((status = 200, body = TreeDepartmentOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn edit_department<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<DepartmentEditIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    if !departments::may_shape(&a.actor) {
        return Err(err(Error::Forbidden));
    }
    let before = departments::get(&state.store, &a.actor, DepartmentId(id))
        .await
        .map_err(err)?;
    let input = DepartmentEdit {
        name: b.name.unwrap_or(before.name),
        code: b.code.unwrap_or(before.code),
        parent_id: b
            .parent_id
            .map(|p| p.map(DepartmentId))
            .unwrap_or(before.parent_id),
        head: b.head_user_id.map(|h| h.map(UserId)).unwrap_or(before.head),
    };
    departments::edit(&state.store, &a.actor, DepartmentId(id), input)
        .await
        .map_err(err)?;
    let t = org::department_tree(&state.store, &a.actor)
        .await
        .map_err(err)?;
    let d = t.into_iter().find(|d| d.id.0 == id).ok_or_else(|| {
        err(Error::NotFound {
            entity: "department",
        })
    })?;
    Ok(ok(TreeDepartmentOut::from(d)))
}
