//! IT's API under `/api/v1/it/…`: asset categories and models, assets (check-out, check-in,
//! history) and the assets an employee holds; sites, networks and their addresses; planned
//! changes and maintenance schedules. Every handler calls `steward_core::it`, which
//! authorizes (IT's staff: `it.*` company-wide; anyone else reads what they hold).
mod assets;
mod changes;
mod networks;

use utoipa_axum::router::OpenApiRouter;

use crate::state::{AppState, Backend};

pub fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    changes::routes(networks::routes(assets::routes(r)))
}
