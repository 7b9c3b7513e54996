//! The home page: what needs attention, for the person signed in.
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use steward_core::audit::{list_events, AuditEvent, AuditQuery};
use steward_core::auth::{Action, Domain, Permission};
use steward_core::list::{Paging, SortDir};
use steward_core::users::{list_users, UserQuery, UserStatus};

use super::{chrome, render, Chrome};
use crate::auth::PageActor;
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new().route("/", get(home::<S>))
}

struct Status {
    backend: &'static str,
    schema_version: i64,
    users_active: u64,
    users_disabled: u64,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    roles: Vec<String>,
    status: Option<Status>,
    events: Vec<AuditEvent>,
    can_audit: bool,
}

async fn home<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    let a = &pa.actor;
    let count = |status| UserQuery {
        status: Some(status),
        paging: Paging::new(Some(1), None),
        ..Default::default()
    };
    let status = if a.can(Permission::new(Domain::Users, Action::Read))
        && a.can(Permission::new(Domain::System, Action::Read))
    {
        let active = list_users(&state.store, a, &count(UserStatus::Active))
            .await
            .map(|p| p.total)
            .unwrap_or(0);
        let disabled = list_users(&state.store, a, &count(UserStatus::Disabled))
            .await
            .map(|p| p.total)
            .unwrap_or(0);
        let info = steward_core::system::info(&state.store).await;
        Some(Status {
            backend: info.backend,
            schema_version: info.schema_version,
            users_active: active,
            users_disabled: disabled,
        })
    } else {
        None
    };
    let can_audit = a.can(Permission::new(Domain::Audit, Action::Read));
    let events = if can_audit {
        let q = AuditQuery {
            dir: SortDir::Desc,
            paging: Paging::new(Some(10), None),
            ..Default::default()
        };
        list_events(&state.store, a, &q)
            .await
            .map(|p| p.items)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let page = HomePage {
        chrome: chrome(&state, &pa, "Home", "/").await,
        roles: a.role_keys.clone(),
        status,
        events,
        can_audit,
    };
    render(&page, StatusCode::OK)
}
