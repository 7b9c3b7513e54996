//! Roles: the built-in ones (read-only) and custom roles built from grants.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::auth::{Action, Domain, Grant, Permission, Scope};
use steward_core::error::FieldError;
use steward_core::ids::RoleId;
use steward_core::roles::{self, NewRole, Role};
use steward_core::Error;

use super::{chrome, fail, field_error, redirect_with, render, Chrome};
use crate::auth::PageActor;
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/roles", get(index::<S>).post(create::<S>))
        .route("/roles/new", get(new_form::<S>))
        .route("/roles/{id}", get(show::<S>).post(update::<S>))
        .route("/roles/{id}/delete", post(delete::<S>))
}

#[derive(Template)]
#[template(path = "roles/list.html")]
struct ListPage {
    chrome: Chrome,
    roles: Vec<Role>,
    can_create: bool,
}

async fn index<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    match roles::list_roles(&state.store, &pa.actor).await {
        Ok(list) => {
            let can_create = pa
                .actor
                .can(Permission::new(Domain::System, Action::Create));
            render(
                &ListPage {
                    chrome: chrome(&state, &pa, "Roles", "/roles").await,
                    roles: list,
                    can_create,
                },
                StatusCode::OK,
            )
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

/// One row of the grants matrix: a domain, and per action the scope granted (or none) and
/// whether the domain has that action at all (`hr_personal` and `hr_pay`: read and update).
struct MatrixRow {
    domain: &'static str,
    cells: Vec<(&'static str, &'static str, bool)>,
}

fn matrix(grants: &[Grant]) -> Vec<MatrixRow> {
    Domain::ALL
        .iter()
        .map(|d| MatrixRow {
            domain: d.as_str(),
            cells: Action::ALL
                .iter()
                .map(|a| {
                    (
                        a.as_str(),
                        grants
                            .iter()
                            .find(|g| g.domain == *d && g.action == *a)
                            .map(|g| g.scope.as_str())
                            .unwrap_or(""),
                        d.actions().contains(a),
                    )
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "roles/form.html")]
struct FormPage {
    chrome: Chrome,
    role: Option<Role>,
    key: String,
    name: String,
    description: String,
    rows: Vec<MatrixRow>,
    actions: Vec<&'static str>,
    scopes: Vec<&'static str>,
    errors: Vec<FieldError>,
    editable: bool,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
}

async fn form_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    role: Option<Role>,
    input: NewRole,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let editable = role.as_ref().is_none_or(|r| !r.builtin)
        && pa.actor.can(Permission::new(
            Domain::System,
            if role.is_some() {
                Action::Update
            } else {
                Action::Create
            },
        ));
    let title = role
        .as_ref()
        .map(|r| r.name.clone())
        .unwrap_or_else(|| "New role".into());
    let page = FormPage {
        chrome: chrome(state, pa, &title, "/roles").await,
        key: input.key,
        name: input.name,
        description: input.description,
        rows: matrix(&input.grants),
        actions: Action::ALL.iter().map(|a| a.as_str()).collect(),
        scopes: Scope::ALL.iter().map(|s| s.as_str()).collect(),
        role,
        errors,
        editable,
    };
    render(&page, status)
}

async fn new_form<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    if !pa
        .actor
        .can(Permission::new(Domain::System, Action::Create))
    {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    form_page(
        &state,
        &pa,
        None,
        NewRole::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

/// Reads the matrix: fields named `g.<domain>.<action>` with a scope as value.
fn parse_form(pairs: &[(String, String)]) -> Result<NewRole, Error> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(pk, _)| pk == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut grants = Vec::new();
    for (k, v) in pairs {
        if let Some(rest) = k.strip_prefix("g.") {
            if v.is_empty() {
                continue;
            }
            let (d, a) = rest
                .split_once('.')
                .ok_or_else(|| Error::invalid("grants", format!("unknown field `{k}`")))?;
            grants
                .push(Grant::parse(d, a, v).map_err(|e| Error::invalid("grants", e.to_string()))?);
        }
    }
    Ok(NewRole {
        key: get("key"),
        name: get("name"),
        description: get("description"),
        grants,
    })
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = match parse_form(&pairs) {
        Ok(i) => i,
        Err(e) => {
            return form_page(
                &state,
                &pa,
                None,
                NewRole::default(),
                e.field_errors(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    match roles::create_role(&state.store, &pa.actor, input.clone()).await {
        Ok(id) => redirect_with(&format!("/roles/{id}"), "Role created."),
        Err(e @ (Error::Invalid { .. } | Error::InvalidMany(_))) => {
            form_page(
                &state,
                &pa,
                None,
                input,
                e.field_errors(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match roles::get_role(&state.store, &pa.actor, RoleId(id)).await {
        Ok(r) => {
            let input = NewRole {
                key: r.key.clone(),
                name: r.name.clone(),
                description: r.description.clone(),
                grants: r.grants.clone(),
            };
            form_page(&state, &pa, Some(r), input, vec![], StatusCode::OK).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let role = match roles::get_role(&state.store, &pa.actor, RoleId(id)).await {
        Ok(r) => r,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let input = match parse_form(&pairs) {
        Ok(i) => i,
        Err(e) => {
            return form_page(
                &state,
                &pa,
                Some(role.clone()),
                NewRole::default(),
                e.field_errors(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    match roles::update_role(&state.store, &pa.actor, RoleId(id), input.clone()).await {
        Ok(_) => redirect_with(&format!("/roles/{id}"), "Role saved."),
        Err(e @ (Error::Invalid { .. } | Error::InvalidMany(_))) => {
            form_page(
                &state,
                &pa,
                Some(role),
                input,
                e.field_errors(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn delete<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match roles::delete_role(&state.store, &pa.actor, RoleId(id)).await {
        Ok(()) => redirect_with("/roles", "Role deleted."),
        Err(e) => fail(&state, &pa, e).await,
    }
}
