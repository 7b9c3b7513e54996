//! Work's pages: my work, tasks and delegation, the approvals inbox, front-office cases,
//! notifications and the manager's dashboard. Every handler goes through
//! `steward_core::work`, which authorizes.
mod approvals;
mod cases;
pub(crate) mod dashboard;
pub(crate) mod jobs;
mod my_work;
pub(crate) mod notify;
pub(crate) mod tasks;

use axum::Router;

use crate::domains::{nav, needs, NavEntry, WebDomain};
use crate::state::{AppState, Backend};
use steward_core::auth::{Action, Domain};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .merge(tasks::router())
        .merge(approvals::router())
        .merge(cases::router())
        .merge(notify::router())
        .merge(dashboard::router())
        .merge(my_work::router())
        .merge(jobs::router())
}

/// Work: my work, the dashboard, tasks, approvals, cases, notifications, jobs.
pub fn domain<S: Backend>() -> WebDomain<S> {
    const NAV: &[NavEntry] = &[
        nav(10, "/work", "My work", None),
        nav(
            11,
            "/dashboard",
            "Dashboard",
            needs(Domain::Work, Action::Approve),
        ),
        nav(12, "/tasks", "Tasks", needs(Domain::Work, Action::Read)),
        nav(13, "/approvals", "Approvals", None),
        nav(
            14,
            "/cases",
            "Cases",
            needs(Domain::Escalations, Action::Read),
        ),
    ];
    WebDomain {
        name: "work",
        pages: router::<S>,
        api: crate::api::work::routes::<S>,
        nav: NAV,
        links: &[
            ("task", "/tasks/{id}"),
            ("case", "/cases/{id}"),
            ("approval", "/approvals/{id}"),
        ],
    }
}
