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

use crate::state::{AppState, Backend};

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
