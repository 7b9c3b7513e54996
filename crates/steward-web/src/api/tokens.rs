//! `/api/v1/tokens`: the caller's own API tokens.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::ids::TokenId;
use steward_core::tokens::{self, ApiToken};
use utoipa::ToSchema;

use super::{created, ok, ApiJson};
use crate::auth::ApiActor;
use crate::error::ApiError;
use crate::state::{AppState, Backend};

#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    id: i64,
    name: String,
    read_only: bool,
    created_at: String,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
}

impl From<ApiToken> for TokenOut {
    fn from(t: ApiToken) -> Self {
        TokenOut {
            id: t.id.0,
            name: t.name,
            read_only: t.read_only,
            created_at: t.created_at.rfc3339(),
            last_used_at: t.last_used_at.map(|t| t.rfc3339()),
            revoked_at: t.revoked_at.map(|t| t.rfc3339()),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenIn {
    #[schema(pattern = r"\S", max_length = 100)]
    name: String,
    #[serde(default)]
    read_only: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    id: i64,
    name: String,
    read_only: bool,
    /// Shown once; only its hash is kept.
    token: String,
}

/// The caller's tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", responses((status = 200, body = Vec<TokenOut>), (status = 401, body = crate::error::Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let list = tokens::list_tokens(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list.into_iter().map(TokenOut::from).collect::<Vec<_>>()))
}

/// Creates a token for the caller; the secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = TokenIn,
    responses((status = 201, body = CreatedToken), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<TokenIn>,
) -> Result<Response, ApiError> {
    let (id, token) = tokens::create_token(&state.store, &a.actor, &b.name, b.read_only)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(CreatedToken {
        id: id.0,
        name: b.name.trim().to_string(),
        read_only: b.read_only,
        token,
    }))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn revoke<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    tokens::revoke_token(&state.store, &a.actor, TokenId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(StatusCode::NO_CONTENT)
}
