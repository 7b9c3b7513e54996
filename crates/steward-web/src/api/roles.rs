//! `/api/v1/roles`: built-in and custom roles.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::auth::Grant;
use steward_core::ids::RoleId;
use steward_core::roles::{self, NewRole, Role};
use steward_core::Error;
use utoipa::ToSchema;

use super::{created, ok, ApiJson};
use crate::auth::ApiActor;
use crate::error::ApiError;
use crate::state::{AppState, Backend};

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantIo {
    /// e.g. `users`, `accounting`, `hr`; `hr_personal` (others' personal data) and
    /// `hr_pay` (others' contracts and pay) take only `read` and `update`.
    domain: String,
    /// `read`, `create`, `update`, `delete`, `approve`, `export` or `import`.
    action: String,
    /// `own`, `department` or `company`.
    scope: String,
}

/// Roles in the document: a grant is a domain with one of the actions it has
/// (`Grant::check`) and a scope, one `oneOf` branch per domain.
pub(super) fn document(doc: &mut serde_json::Value, _: &steward_core::registry::Registry) {
    use steward_core::auth::{Domain, Scope};
    let scopes: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
    let variants: Vec<serde_json::Value> = Domain::ALL
        .iter()
        .map(|d| {
            let actions: Vec<&str> = d.actions().iter().map(|a| a.as_str()).collect();
            serde_json::json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["domain", "action", "scope"],
                "properties": {
                    "domain": { "type": "string", "enum": [d.as_str()] },
                    "action": { "type": "string", "enum": actions },
                    "scope": { "type": "string", "enum": scopes }
                }
            })
        })
        .collect();
    if let Some(g) = doc.pointer_mut("/components/schemas/GrantIo") {
        *g = serde_json::json!({ "oneOf": variants });
    }
}

#[derive(Serialize, ToSchema)]
pub struct RoleOut {
    id: i64,
    key: String,
    name: String,
    description: String,
    builtin: bool,
    grants: Vec<GrantIo>,
    user_count: i64,
}

impl From<Role> for RoleOut {
    fn from(r: Role) -> Self {
        RoleOut {
            id: r.id.0,
            key: r.key,
            name: r.name,
            description: r.description,
            builtin: r.builtin,
            grants: r
                .grants
                .iter()
                .map(|g| GrantIo {
                    domain: g.domain.to_string(),
                    action: g.action.to_string(),
                    scope: g.scope.to_string(),
                })
                .collect(),
            user_count: r.user_count,
        }
    }
}

/// Declares a role's body: its own `key` field (`$key`), then what a create and a change
/// share (name, description, grants), with `into_new()`. One list, so the two cannot drift;
/// not `serde(flatten)`, which loses the path of the field at fault.
macro_rules! role_body {
    ($(#[$attr:meta])* pub struct $name:ident { $($key:tt)* }) => {
        $(#[$attr])*
        pub struct $name {
            $($key)*
            #[schema(pattern = "\\S", max_length = 100)]
            name: String,
            #[serde(default)]
            #[schema(max_length = 500)]
            description: String,
            #[schema(min_items = 1)]
            grants: Vec<GrantIo>,
        }

        impl $name {
            fn into_new(self) -> Result<NewRole, Error> {
                let grants = self
                    .grants
                    .iter()
                    .enumerate()
                    .map(|(i, g)| {
                        Grant::parse(&g.domain, &g.action, &g.scope)
                            .map_err(|e| Error::invalid(format!("grants[{i}]"), e.to_string()))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(NewRole {
                    key: self.key,
                    name: self.name,
                    description: self.description,
                    grants,
                })
            }
        }
    };
}

role_body! {
    #[derive(Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct RoleIn {
        /// Ignored on update (a role's key never changes).
        #[serde(default)]
        key: String,
    }
}

role_body! {
    /// A new role: as [`RoleIn`], with its key.
    #[derive(Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct RoleCreateIn {
        /// 2 to 40 lowercase letters, digits or `_`; never changes.
        #[schema(pattern = "^[a-z0-9_]{2,40}$")]
        key: String,
    }
}

/// Built-in and custom roles of the caller's company.
#[utoipa::path(get, path = "/api/v1/roles", tag = "roles", responses((status = 200, body = Vec<RoleOut>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let list = roles::list_roles(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list.into_iter().map(RoleOut::from).collect::<Vec<_>>()))
}

/// Creates a custom role.
#[utoipa::path(post, path = "/api/v1/roles", tag = "roles", request_body = RoleCreateIn,
    responses((status = 201, body = RoleOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<RoleCreateIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let id = roles::create_role(&state.store, &a.actor, b.into_new().map_err(err)?)
        .await
        .map_err(err)?;
    let r = roles::get_role(&state.store, &a.actor, id)
        .await
        .map_err(err)?;
    Ok(created(RoleOut::from(r)))
}

/// One role.
#[utoipa::path(get, path = "/api/v1/roles/{id}", tag = "roles", params(("id" = i64, Path)),
    responses((status = 200, body = RoleOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let r = roles::get_role(&state.store, &a.actor, RoleId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RoleOut::from(r)))
}

/// Replaces a custom role's name, description and grants. Built-in roles: 409.
#[utoipa::path(put, path = "/api/v1/roles/{id}", tag = "roles", params(("id" = i64, Path)), request_body = RoleIn,
    responses((status = 200, body = RoleOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<RoleIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let r = roles::update_role(
        &state.store,
        &a.actor,
        RoleId(id),
        b.into_new().map_err(err)?,
    )
    .await
    .map_err(err)?;
    Ok(ok(RoleOut::from(r)))
}

/// Deletes a custom role nobody holds.
#[utoipa::path(delete, path = "/api/v1/roles/{id}", tag = "roles", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn delete<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    roles::delete_role(&state.store, &a.actor, RoleId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(StatusCode::NO_CONTENT)
}
