//! IT's pages: assets (`/it/assets`, one at `/it/assets/{id}` with its check-out,
//! check-in and history), the catalog of models and categories (`/it/models`), licences
//! (`/it/licences`, the compliance view, one with its seats), consumables
//! (`/it/consumables`, one with its receipts, issues and movements), networks and sites
//! (`/it/networks`), planned changes (`/it/changes`) and maintenance schedules
//! (`/it/maintenance`); the helpdesk: tickets (`/it/tickets`), the knowledge base (`/it/kb`)
//! the report (`/it/helpdesk/report`) and the settings (`/it/helpdesk/settings`: categories,
//! groups, service levels). Everything goes through `steward_core::it`, which
//! authorizes.
mod asset_fields;
mod assets;
mod books;
mod changes;
mod consumables;
mod helpdesk_settings;
mod licences;
mod networks;
mod tickets;

use axum::Router;

use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    assets::router::<S>()
        .merge(books::router::<S>())
        .merge(asset_fields::router::<S>())
        .merge(licences::router::<S>())
        .merge(consumables::router::<S>())
        .merge(networks::router::<S>())
        .merge(changes::router::<S>())
        .merge(tickets::router::<S>())
        .merge(helpdesk_settings::router::<S>())
}
