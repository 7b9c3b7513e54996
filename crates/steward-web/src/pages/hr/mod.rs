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

use crate::domains::{nav, needs, NavEntry, WebDomain};
use crate::state::{AppState, Backend};
use steward_core::auth::{Action, Domain};

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

/// HR: people, time off, the organisation.
pub fn domain<S: Backend>() -> WebDomain<S> {
    const NAV: &[NavEntry] = &[
        nav(30, "/hr/employees", "People", None),
        nav(
            31,
            "/hr/timeoff",
            "Time off",
            needs(Domain::Hr, Action::Read),
        ),
    ];
    WebDomain {
        name: "hr",
        pages: router::<S>,
        api: crate::api::hr::routes::<S>,
        nav: NAV,
        links: &[
            ("hr.employee", "/hr/employees/{id}"),
            ("hr.timeoff", "/hr/timeoff/requests/{id}"),
            ("hr.change", "/hr/changes/{id}"),
            ("hr.document", "/hr/documents/{id}"),
        ],
    }
}
