//! `/api/v1/users`: list, create, read, update, disable/enable, roles, password, import.
use axum::extract::{Path, Query, Request, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::ids::UserId;
use steward_core::list::Paging;
use steward_core::users::{self, NewUser, User, UserPatch, UserQuery, UserSort, UserStatus};
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};

use super::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::ApiError;
use crate::state::{AppState, Backend};

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub disabled: bool,
    pub roles: Vec<String>,
    /// RFC 3339.
    pub created_at: String,
    pub updated_at: String,
    /// Send it back with an update; a stale one gets 409.
    pub version: i64,
}

impl From<User> for UserOut {
    fn from(u: User) -> Self {
        UserOut {
            id: u.id.0,
            username: u.username,
            email: u.email,
            display_name: u.display_name,
            disabled: u.disabled,
            roles: u.roles,
            created_at: u.created_at.rfc3339(),
            updated_at: u.updated_at.rfc3339(),
            version: u.version,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListParams {
    /// Search in user name, name and e-mail.
    q: Option<String>,
    /// `active` or `disabled`.
    #[param(schema_with = user_status_filter)]
    status: Option<String>,
    /// A role key.
    role: Option<String>,
    /// One of `username`, `display_name`, `email`, `status`, `created_at`.
    #[param(schema_with = crate::api::contract::sort::<steward_core::users::UserSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    /// 1 to 500, default 50.
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download the filtered list instead of JSON.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

fn query(p: &UserListParams) -> Result<UserQuery, Error> {
    let (sort, dir) =
        crate::api::contract::sort_and_dir::<UserSort>(p.sort.as_deref(), p.dir.as_deref())?;
    let status = match p.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            UserStatus::parse(s)
                .ok_or_else(|| Error::invalid("status", "must be active or disabled"))?,
        ),
    };
    let export = p.format.is_some();
    Ok(UserQuery {
        search: p.q.clone(),
        status,
        role: p.role.clone(),
        sort,
        dir,
        paging: if export {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    })
}

/// Lists the company's users.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserListParams),
    responses((status = 200, body = ListOf<UserOut>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<UserListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let q = query(&p).map_err(err)?;
    if let Some(format) = crate::list::api_export_format(p.format.as_deref()).map_err(err)? {
        let items = users::export_users(&state.store, &a.actor, &q)
            .await
            .map_err(err)?;
        return Ok(crate::list::export(
            format,
            "users",
            crate::views::users::EXPORT_HEADERS,
            items.iter().map(crate::views::users::export_row).collect(),
        ));
    }
    let page = users::list_users(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(UserOut::from)
            .collect::<Vec<_>>(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserIn {
    #[schema(pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$")]
    username: String,
    #[schema(schema_with = crate::api::contract::email)]
    email: String,
    #[schema(schema_with = crate::api::contract::trimmed::<200, true>)]
    display_name: String,
    /// Optional; at least 12 characters, not a common password.
    #[serde(default)]
    #[schema(min_length = 12, max_length = 1024)]
    password: Option<String>,
    /// Role keys, e.g. `["accountant"]`.
    #[serde(default)]
    roles: Vec<String>,
}

/// Creates a user in the caller's company.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    responses((status = 201, body = UserOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<NewUserIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let input = NewUser {
        username: b.username,
        email: b.email,
        display_name: b.display_name,
        password: b.password,
        roles: b.roles,
    };
    let id = users::create_user(&state.store, &a.actor, input)
        .await
        .map_err(err)?;
    let u = users::get_user(&state.store, &a.actor, id)
        .await
        .map_err(err)?;
    Ok(created(UserOut::from(u)))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let u = users::get_user(&state.store, &a.actor, UserId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(UserOut::from(u)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatchIn {
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::nullable_email)]
    email: Option<String>,
    #[serde(default)]
    #[schema(schema_with = display_name_patch)]
    display_name: Option<String>,
    /// The `version` you read.
    version: i64,
}

/// Changes a user's e-mail or name. 409 when the user changed since `version`.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserPatchIn,
    responses((status = 200, body = UserOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<UserPatchIn>,
) -> Result<Response, ApiError> {
    let patch = UserPatch {
        email: b.email,
        display_name: b.display_name,
        version: b.version,
    };
    let u = users::update_user(&state.store, &a.actor, UserId(id), patch)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(UserOut::from(u)))
}

async fn toggle<S: Backend>(
    state: AppState<S>,
    a: ApiActor,
    id: i64,
    disabled: bool,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    users::set_disabled(&state.store, &a.actor, UserId(id), disabled)
        .await
        .map_err(err)?;
    let u = users::get_user(&state.store, &a.actor, UserId(id))
        .await
        .map_err(err)?;
    Ok(ok(UserOut::from(u)))
}

/// Disables a user and ends their sessions.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn disable<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    toggle(state, a, id, true).await
}

/// Enables a disabled user.
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn enable<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    toggle(state, a, id, false).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolesIn {
    roles: Vec<String>,
}

/// Replaces a user's roles in the caller's company.
#[utoipa::path(put, path = "/api/v1/users/{id}/roles", tag = "users", params(("id" = i64, Path)), request_body = RolesIn,
    responses((status = 200, body = UserOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn set_roles<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<RolesIn>,
) -> Result<Response, ApiError> {
    let u = users::set_roles(&state.store, &a.actor, UserId(id), &b.roles)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(UserOut::from(u)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordIn {
    #[schema(min_length = 12, max_length = 1024)]
    password: String,
}

/// Sets another user's password (ends their sessions).
#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "users", params(("id" = i64, Path)), request_body = PasswordIn,
    responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn set_password<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<PasswordIn>,
) -> Result<axum::http::StatusCode, ApiError> {
    users::reset_password(&state.store, &a.actor, UserId(id), &b.password)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Imports users from a CSV (`text/csv`) or XLSX body: all rows or none. With problems
/// the answer is 422 and lists each by line and column. Columns are matched by header name
/// (ignoring case, spaces, `_` and `-`); `map.<field>=<header>` in the query string maps one
/// explicitly, e.g. `?map.username=Login`.
#[utoipa::path(post, path = "/api/v1/users/import", tag = "users", params(super::import::ImportParams),
    request_body(content = String, content_type = "text/csv", description = "CSV or XLSX with columns username, email, display_name, roles"),
    responses((status = 200, body = super::import::ImportReportOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 413, body = crate::error::Problem), (status = 422, body = super::import::ImportReportOut)))]
pub async fn import<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<super::import::ImportParams>,
    Query(pairs): Query<Vec<(String, String)>>,
    req: Request,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    // Who may import is settled before 50 MB are read.
    users::may_import(&a.actor).map_err(err)?;
    let (store, actor) = (&state.store, &a.actor);
    super::import::run(req, &pairs, |name, table, mapping| async move {
        users::import_users(store, actor, &table, name, &mapping, p.dry_run).await
    })
    .await
    .map_err(err)
}

fn user_status_filter() -> utoipa::openapi::schema::Object {
    crate::api::contract::filter(&["active", "disabled"])
}

fn display_name_patch() -> utoipa::openapi::schema::Object {
    let mut o = crate::api::contract::trimmed::<200, true>();
    o.schema_type = utoipa::openapi::schema::SchemaType::from_iter([
        utoipa::openapi::schema::Type::String,
        utoipa::openapi::schema::Type::Null,
    ]);
    o
}
