//! HR's pages: employees and the directory, custom fields, employee import, the department
//! tree and org chart, work locations, documents and certifications, time off, on- and
//! offboarding, record health and reports. Every handler goes through `steward_core::hr`,
//! which authorizes and leaves out the fields the actor may not see.
mod documents;
mod employees;
pub(crate) mod health;
mod import;
mod lifecycle;
mod locations;
mod org;
pub(crate) mod reports;
mod timeoff;

use axum::Router;

use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .merge(employees::router())
        .merge(import::router())
        .merge(org::router())
        .merge(locations::router())
        .merge(documents::router())
        .merge(timeoff::router())
        .merge(lifecycle::router())
        .merge(health::router())
        .merge(reports::router())
}
