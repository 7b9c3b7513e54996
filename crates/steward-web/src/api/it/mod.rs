//! IT's API under `/api/v1/it/…`: asset categories and models, assets (check-out, check-in,
//! history) and the assets an employee holds; the helpdesk (tickets, categories, groups,
//! technicians, service levels, the report and the knowledge base). Every handler calls `steward_core::it`,
//! which authorizes (IT's staff: `it.*` company-wide; anyone else reads what they hold).
mod assets;
mod helpdesk;
mod tickets;

use utoipa_axum::router::OpenApiRouter;

use crate::state::{AppState, Backend};

pub fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    tickets::routes(helpdesk::routes(assets::routes(r)))
}
