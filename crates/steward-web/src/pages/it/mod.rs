//! IT's pages: assets (`/it/assets`, one at `/it/assets/{id}` with its check-out,
//! check-in and history) and the catalog of models and categories (`/it/models`).
//! Everything goes through `steward_core::it`, which authorizes.
mod assets;

use axum::Router;

use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    assets::router::<S>()
}
