//! Records' API under `/api/v1/records/…`: kinds of subject and their fields, templates,
//! record categories (setup.rs); subjects, their assignments and files: notes, documents
//! and their versions (subjects.rs); the access log, break-glass and its review queue
//! (access.rs); legal holds and disposals (retention.rs); consents (consent.rs); full-text search (search.rs); anonymizing a subject
//! (anonymize.rs). Every handler calls `steward_core::records`, which authorizes object by
//! object: a subject the caller may not open is 404, as another company's is.
mod access;
mod anonymize;
mod consent;
mod retention;
mod search;
mod setup;
mod subjects;

use utoipa_axum::router::OpenApiRouter;

use crate::state::{AppState, Backend};

pub fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    anonymize::routes(search::routes(consent::routes(retention::routes(
        access::routes(subjects::routes(setup::routes(r))),
    ))))
}
