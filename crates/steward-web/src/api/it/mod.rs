//! IT's API under `/api/v1/it/…`: asset categories and models, assets (check-out, check-in,
//! history), the assets an employee holds, licences (seats, compliance) and consumables
//! (stock movements); sites, networks and their addresses; planned changes and maintenance
//! schedules; the helpdesk (tickets, categories, groups, technicians, service levels, the
//! report and the knowledge base). Every handler calls `steward_core::it`, which authorizes
//! (IT's staff: `it.*` company-wide, licence writes IT's leads; anyone else reads what they
//! hold).
mod asset_fields;
mod assets;
mod books;
mod changes;
mod consumables;
mod helpdesk;
mod licences;
mod networks;
mod tickets;

use utoipa_axum::router::OpenApiRouter;

use crate::state::{AppState, Backend};

pub fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    tickets::routes(helpdesk::routes(changes::routes(networks::routes(
        consumables::routes(licences::routes(books::routes(asset_fields::routes(
            assets::routes(r),
        )))),
    ))))
}
