//! IT's API under `/api/v1/it/…`: asset categories and models, assets (check-out, check-in,
//! history), the assets an employee holds, licences (seats, compliance) and consumables
//! (stock movements); sites, networks and their addresses; planned changes and maintenance
//! schedules. Every handler calls `steward_core::it`, which authorizes (IT's staff: `it.*`
//! company-wide, licence writes IT's leads; anyone else reads what they hold).
mod assets;
mod changes;
mod consumables;
mod licences;
mod networks;

use utoipa_axum::router::OpenApiRouter;

use crate::state::{AppState, Backend};

pub fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    changes::routes(networks::routes(consumables::routes(licences::routes(
        assets::routes(r),
    ))))
}
