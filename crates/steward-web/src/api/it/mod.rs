//! IT's API under `/api/v1/it/…`: asset categories and models, assets (check-out, check-in,
//! history) and the assets an employee holds. Every handler calls `steward_core::it`,
//! which authorizes (IT's staff: `it.*` company-wide; anyone else reads what they hold).
mod assets;

use utoipa_axum::router::OpenApiRouter;

use crate::state::{AppState, Backend};

pub fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    assets::routes(r)
}
