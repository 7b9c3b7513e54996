//! HR's API under `/api/v1/hr/…`. Each module registers its routes (with their OpenAPI
//! descriptions) in its own `routes`. A field the caller may not see is absent from the
//! JSON, not empty.
mod documents;
mod employees;
mod health;
mod lifecycle;
mod locations;
mod org;
mod reports;
mod timeoff;

use utoipa_axum::router::OpenApiRouter;

use crate::state::{AppState, Backend};

pub fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    let r = employees::routes(r);
    let r = org::routes(r);
    let r = locations::routes(r);
    let r = documents::routes(r);
    let r = timeoff::routes(r);
    let r = lifecycle::routes(r);
    let r = health::routes(r);
    reports::routes(r)
}
