//! Users: the list (search, filter, sort, page, export), create, view and edit, roles,
//! disable, password reset, and import from CSV/XLSX with a dry run.
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use steward_core::auth::{Action, Domain, Permission};
use steward_core::error::FieldError;
use steward_core::ids::UserId;
use steward_core::list::SortKey;
use steward_core::roles::{list_roles, Role};
use steward_core::users::{self, NewUser, User, UserPatch};
use steward_core::Error;

use super::{chrome, fail, field_error, redirect_with, render, Chrome};
use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::state::{AppState, Backend};
pub(crate) use crate::views::users::{export_row, query_from, EXPORT_HEADERS};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/users", get(index::<S>).post(create::<S>))
        .route("/users/new", get(new_form::<S>))
        .route(
            "/users/import",
            get(import_form::<S>)
                .post(import::<S>)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::IMPORT_BODY_LIMIT,
                )),
        )
        .route("/users/{id}", get(show::<S>).post(update::<S>))
        .route("/users/{id}/roles", post(set_roles::<S>))
        .route("/users/{id}/disable", post(disable::<S>))
        .route("/users/{id}/enable", post(enable::<S>))
        .route("/users/{id}/password", post(reset_password::<S>))
}

const COLUMNS: &[Column] = &[
    col("username", "User name", true),
    col("display_name", "Name", true),
    col("email", "E-mail", true),
    col("roles", "Roles", false),
    col("status", "Status", true),
    col("created_at", "Created", true),
];

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    users: Vec<User>,
    roles: Vec<(String, String)>,
    can_create: bool,
}

async fn index<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let q = query_from(&params);
    if let Some(format) = params.export_format() {
        return match users::export_users(&state.store, &pa.actor, &q).await {
            Ok(items) => export(
                format,
                "users",
                EXPORT_HEADERS,
                items.iter().map(export_row).collect(),
            ),
            Err(e) => fail(&state, &pa, e).await,
        };
    }
    let page = match users::list_users(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let roles = steward_core::roles::role_options(&state.store, &pa.actor)
        .await
        .unwrap_or_default();
    let list = ListView::new("/users", &params, COLUMNS, q.sort.name(), q.dir, &page);
    let can_create = pa.actor.can(Permission::new(Domain::Users, Action::Create));
    render(
        &ListPage {
            chrome: chrome(&state, &pa, "Users", "/users").await,
            list,
            users: page.items,
            roles,
            can_create,
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "users/new.html")]
struct NewPage {
    chrome: Chrome,
    form: NewUserForm,
    roles: Vec<Role>,
    errors: Vec<FieldError>,
}

impl NewPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
    fn has_role(&self, key: &str) -> bool {
        self.form.roles.iter().any(|r| r == key)
    }
}

#[derive(Default, Clone)]
struct NewUserForm {
    username: String,
    email: String,
    display_name: String,
    roles: Vec<String>,
}

async fn new_form<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    if !pa.actor.can(Permission::new(Domain::Users, Action::Create)) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let roles = list_roles(&state.store, &pa.actor)
        .await
        .unwrap_or_default();
    render(
        &NewPage {
            chrome: chrome(&state, &pa, "New user", "/users").await,
            form: NewUserForm::default(),
            roles,
            errors: vec![],
        },
        StatusCode::OK,
    )
}

fn pairs_get(pairs: &[(String, String)], key: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = NewUserForm {
        username: pairs_get(&pairs, "username"),
        email: pairs_get(&pairs, "email"),
        display_name: pairs_get(&pairs, "display_name"),
        roles: pairs
            .iter()
            .filter(|(k, _)| k == "roles")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let input = NewUser {
        username: form.username.clone(),
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        password: Some(pairs_get(&pairs, "password")).filter(|p| !p.is_empty()),
        roles: form.roles.clone(),
    };
    match users::create_user(&state.store, &pa.actor, input).await {
        Ok(id) => redirect_with(
            &format!("/users/{id}"),
            &format!("User {} created.", form.username.trim().to_lowercase()),
        ),
        Err(e @ (Error::Invalid { .. } | Error::InvalidMany(_))) => {
            let roles = list_roles(&state.store, &pa.actor)
                .await
                .unwrap_or_default();
            let page = NewPage {
                chrome: chrome(&state, &pa, "New user", "/users").await,
                form,
                roles,
                errors: e.field_errors(),
            };
            render(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "users/show.html")]
struct ShowPage {
    chrome: Chrome,
    user: User,
    roles: Vec<Role>,
    errors: Vec<FieldError>,
    can_update: bool,
    can_assign: bool,
    is_self: bool,
}

impl ShowPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
    fn has_role(&self, key: &str) -> bool {
        self.user.roles.iter().any(|r| r == key)
    }
}

async fn show_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    user: User,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let roles = list_roles(&state.store, &pa.actor)
        .await
        .unwrap_or_default();
    let page = ShowPage {
        chrome: chrome(state, pa, &user.display_name, "/users").await,
        can_update: pa.actor.can(Permission::new(Domain::Users, Action::Update)),
        can_assign: pa
            .actor
            .can(Permission::new(Domain::System, Action::Update)),
        is_self: user.id == pa.actor.user_id,
        user,
        roles,
        errors,
    };
    render(&page, status)
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match users::get_user(&state.store, &pa.actor, UserId(id)).await {
        Ok(u) => show_page(&state, &pa, u, vec![], StatusCode::OK).await,
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Deserialize)]
struct UpdateForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    version: i64,
}

async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<UpdateForm>,
) -> Response {
    let patch = UserPatch {
        email: Some(f.email.clone()),
        display_name: Some(f.display_name.clone()),
        version: f.version,
    };
    match users::update_user(&state.store, &pa.actor, UserId(id), patch).await {
        Ok(_) => redirect_with(&format!("/users/{id}"), "Saved."),
        Err(e @ (Error::Invalid { .. } | Error::InvalidMany(_))) => {
            match users::get_user(&state.store, &pa.actor, UserId(id)).await {
                Ok(mut u) => {
                    u.email = f.email;
                    u.display_name = f.display_name;
                    show_page(
                        &state,
                        &pa,
                        u,
                        e.field_errors(),
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await
                }
                Err(e) => fail(&state, &pa, e).await,
            }
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn set_roles<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let roles: Vec<String> = pairs
        .into_iter()
        .filter(|(k, _)| k == "roles")
        .map(|(_, v)| v)
        .collect();
    match users::set_roles(&state.store, &pa.actor, UserId(id), &roles).await {
        Ok(_) => redirect_with(&format!("/users/{id}"), "Roles saved."),
        Err(e) => show_errors(&state, &pa, id, e).await,
    }
}

/// After a failed write on a user's page: the page again with the field errors beside
/// their fields, or the error page for anything else.
async fn show_errors<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    e: Error,
) -> Response {
    if !matches!(e, Error::Invalid { .. } | Error::InvalidMany(_)) {
        return fail(state, pa, e).await;
    }
    match users::get_user(&state.store, &pa.actor, UserId(id)).await {
        Ok(u) => {
            show_page(
                state,
                pa,
                u,
                e.field_errors(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(state, pa, e).await,
    }
}

async fn toggle<S: Backend>(
    state: AppState<S>,
    pa: PageActor,
    id: i64,
    disabled: bool,
) -> Response {
    match users::set_disabled(&state.store, &pa.actor, UserId(id), disabled).await {
        Ok(()) => redirect_with(
            &format!("/users/{id}"),
            if disabled {
                "User disabled; their sessions were ended."
            } else {
                "User enabled."
            },
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn disable<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    toggle(state, pa, id, true).await
}

async fn enable<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    toggle(state, pa, id, false).await
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    password: String,
}

async fn reset_password<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<PasswordForm>,
) -> Response {
    match users::reset_password(&state.store, &pa.actor, UserId(id), &f.password).await {
        Ok(()) => redirect_with(
            &format!("/users/{id}"),
            "Password set; the user's sessions were ended.",
        ),
        Err(e) => show_errors(&state, &pa, id, e).await,
    }
}

fn importer() -> super::import::Importer {
    super::import::Importer {
        title: "Import users",
        noun: "users",
        action: "/users/import",
        back: "/users",
        template: None,
        columns: users::IMPORT_COLUMNS,
        note: "Roles are role keys separated by “;”.",
    }
}

async fn import_form<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    if !pa.actor.can(Permission::new(Domain::Users, Action::Import)) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let c = chrome(&state, &pa, "Import users", "/users").await;
    super::import::form(c, importer())
}

async fn import<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    mp: Multipart,
) -> Response {
    // Refused before the upload is read: the service would refuse it anyway.
    if let Err(e) = users::may_import(&pa.actor) {
        return fail(&state, &pa, e).await;
    }
    let c = chrome(&state, &pa, "Import users", "/users").await;
    super::import::upload(
        &state,
        &pa,
        c,
        importer(),
        mp,
        |name, table, mapping, dry_run| {
            let (store, actor) = (&state.store, &pa.actor);
            async move { users::import_users(store, actor, &table, &name, &mapping, dry_run).await }
        },
    )
    .await
}
