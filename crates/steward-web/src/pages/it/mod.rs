//! IT's pages: assets (`/it/assets`, one at `/it/assets/{id}` with its check-out,
//! check-in and history) and the catalog of models and categories (`/it/models`).
//! The helpdesk: tickets (`/it/tickets`), the knowledge base (`/it/kb`) and the report
//! (`/it/helpdesk/report`). Everything goes through `steward_core::it`, which authorizes.
mod assets;
mod tickets;

use axum::Router;

use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    assets::router::<S>().merge(tickets::router::<S>())
}
