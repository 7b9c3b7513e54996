//! Work's API under `/api/v1/…`: tasks, approvals, cases, notifications, dashboard. Each
//! module registers its routes (with their OpenAPI descriptions) in its own `routes`.
mod approvals;
pub(crate) mod attachments;
mod cases;
mod dashboard;
mod notify;
pub(crate) mod tasks;

use utoipa_axum::router::OpenApiRouter;

use crate::state::{AppState, Backend};

/// Work's part of the document: the registered approval and record kinds, and the rules of
/// cases (service levels, actions, how to reach a customer).
pub fn document(doc: &mut serde_json::Value, reg: &steward_core::registry::Registry) {
    approvals::document(doc, reg);
    cases::document(doc, reg);
    tasks::document(doc, reg);
}

pub fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    let r = tasks::routes(r);
    let r = approvals::routes(r);
    let r = cases::routes(r);
    let r = attachments::routes(r);
    let r = notify::routes(r);
    dashboard::routes(r)
}
