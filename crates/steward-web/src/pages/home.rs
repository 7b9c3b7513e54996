//! The home page: what needs attention, for the person signed in.
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use steward_core::audit::{recent_events, AuditEvent};
use steward_core::auth::{Action, Domain, Permission};
use steward_core::users::status_counts;

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
    let show_status = a.can(Permission::new(Domain::Users, Action::Read))
        && a.can(Permission::new(Domain::System, Action::Read));
    let can_audit = a.can(Permission::new(Domain::Audit, Action::Read));
    // The parts are independent: read them at once.
    let status = async {
        if !show_status {
            return None;
        }
        let (counts, info) = tokio::join!(
            status_counts(&state.store, a),
            steward_core::system::info(&state.store)
        );
        let (active, disabled) = counts.unwrap_or((0, 0));
        Some(Status {
            backend: info.backend,
            schema_version: info.schema_version,
            users_active: active,
            users_disabled: disabled,
        })
    };
    let events = async {
        if can_audit {
            recent_events(&state.store, a, 10).await.unwrap_or_default()
        } else {
            Vec::new()
        }
    };
    let (chrome, status, events) = tokio::join!(chrome(&state, &pa, "Home", "/"), status, events);
    let page = HomePage {
        chrome,
        roles: a.role_keys.clone(),
        status,
        events,
        can_audit,
    };
    render(&page, StatusCode::OK)
}
