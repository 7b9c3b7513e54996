//! Records' pages: subjects (`/records`, one at `/records/subjects/{id}` with its file:
//! notes, documents and their versions, who is assigned; break-glass when the caller has
//! no access; "who has seen this file" at `…/access-log`), a user's accesses
//! (`/records/users/{id}/access-log`), the setup of kinds, fields and categories with the
//! templates (`/records/setup`), the break-glass review queue (`/records/break-glass`) and
//! retention: legal holds and disposals (`/records/retention`), consents (a subject's at
//! `/records/subjects/{id}/consents`, the company's at `/records/consents`) and full-text
//! search (`/records/search`), anonymizing a subject (`/records/subjects/{id}/anonymize`).
//! Everything goes through `steward_core::records`, which authorizes.
mod anonymize;
mod consent;
mod retention;
mod search;
mod setup;
mod subjects;

use axum::Router;

use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    subjects::router::<S>()
        .merge(setup::router::<S>())
        .merge(retention::router::<S>())
        .merge(consent::router::<S>())
        .merge(search::router::<S>())
        .merge(anonymize::router::<S>())
}
