//! IT's pages: assets (`/it/assets`, one at `/it/assets/{id}` with its check-out,
//! check-in and history), the catalog of models and categories (`/it/models`), licences
//! (`/it/licences`, the compliance view, one with its seats) and consumables
//! (`/it/consumables`, one with its receipts, issues and movements). Everything goes
//! through `steward_core::it`, which authorizes.
mod assets;
mod consumables;
mod licences;

use axum::Router;

use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    assets::router::<S>()
        .merge(licences::router::<S>())
        .merge(consumables::router::<S>())
}
