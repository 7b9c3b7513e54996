//! The signed-in person's own page: password and API tokens.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use steward_core::auth::session::change_password;
use steward_core::error::FieldError;
use steward_core::ids::TokenId;
use steward_core::tokens::{self, ApiToken};
use steward_core::Error;

use super::{chrome, fail, field_error, redirect_with, render, Chrome};
use crate::auth::{clear_session_cookies, PageActor};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/profile", get(show::<S>))
        .route("/profile/password", post(password::<S>))
        .route("/profile/tokens", post(create_token::<S>))
        .route("/profile/tokens/{id}/revoke", post(revoke_token::<S>))
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    chrome: Chrome,
    roles: Vec<String>,
    tokens: Vec<ApiToken>,
    new_token: Option<String>,
    errors: Vec<FieldError>,
}

impl ProfilePage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
}

async fn page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    new_token: Option<String>,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let tokens = tokens::list_tokens(&state.store, &pa.actor)
        .await
        .unwrap_or_default();
    let p = ProfilePage {
        chrome: chrome(state, pa, "My profile", "/profile").await,
        roles: pa.actor.role_keys.clone(),
        tokens,
        new_token,
        errors,
    };
    render(&p, status)
}

async fn show<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    page(&state, &pa, None, vec![], StatusCode::OK).await
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn password<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(f): Form<PasswordForm>,
) -> Response {
    match change_password(
        &state.store,
        &pa.actor,
        &f.current_password,
        &f.new_password,
        &f.confirm_password,
    )
    .await
    {
        Ok(()) => {
            let mut r = Redirect::to("/login").into_response();
            r.headers_mut()
                .extend(clear_session_cookies().map(|c| (header::SET_COOKIE, c)));
            r
        }
        Err(e @ Error::Invalid { .. }) => {
            page(
                &state,
                &pa,
                None,
                e.field_errors(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    read_only: Option<String>,
}

async fn create_token<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(f): Form<TokenForm>,
) -> Response {
    match tokens::create_token(&state.store, &pa.actor, &f.name, f.read_only.is_some()).await {
        // Shown once, on this response only; never stored in clear.
        Ok((_, secret)) => page(&state, &pa, Some(secret), vec![], StatusCode::OK).await,
        Err(e @ Error::Invalid { .. }) => {
            page(
                &state,
                &pa,
                None,
                e.field_errors(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn revoke_token<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match tokens::revoke_token(&state.store, &pa.actor, TokenId(id)).await {
        Ok(()) => redirect_with("/profile", "Token revoked."),
        Err(e) => fail(&state, &pa, e).await,
    }
}
