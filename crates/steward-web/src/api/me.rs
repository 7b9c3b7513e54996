//! Who am I, and which companies can I switch to.
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::ok;
use crate::auth::ApiActor;
use crate::error::ApiError;
use crate::state::{AppState, Backend};
use axum::extract::State;

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub company_id: i64,
    pub company: String,
    pub roles: Vec<String>,
    /// `domain.action:scope` for every grant.
    pub permissions: Vec<String>,
    pub read_only: bool,
}

/// The caller: user, company, roles and permissions.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", responses((status = 200, body = Me), (status = 401, body = crate::error::Problem)))]
pub async fn me<S: Backend>(_: State<AppState<S>>, a: ApiActor) -> Response {
    let a = a.actor;
    let mut permissions: Vec<String> = a
        .grants
        .iter()
        .map(|g| format!("{}.{}:{}", g.domain, g.action, g.scope))
        .collect();
    permissions.sort();
    permissions.dedup();
    ok(Me {
        id: a.user_id.0,
        username: a.username,
        display_name: a.display_name,
        company_id: a.company_id.0,
        company: a.company_name,
        roles: a.role_keys,
        permissions,
        read_only: a.read_only,
    })
}

#[derive(Serialize, ToSchema)]
pub struct CompanyOut {
    pub id: i64,
    pub name: String,
    pub currency: String,
}

/// The companies the caller belongs to.
#[utoipa::path(get, path = "/api/v1/companies", tag = "me", responses((status = 200, body = Vec<CompanyOut>), (status = 401, body = crate::error::Problem)))]
pub async fn companies<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let list = steward_core::company::my_companies(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(|c| CompanyOut {
            id: c.id.0,
            name: c.name,
            currency: c.currency,
        })
        .collect::<Vec<_>>()))
}
