//! Billing's pages: invoices and bills (`/billing/invoices`), customers and vendors
//! (`/billing/parties`) and the settings with the tax codes (`/billing/settings`).
//! Everything goes through `steward_core::billing`, which authorizes.
mod invoices;
mod parties;
mod payments;
mod settings;

use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/billing", get(home))
        .merge(invoices::router::<S>())
        .merge(parties::router::<S>())
        .merge(payments::router::<S>())
        .merge(settings::router::<S>())
}

async fn home() -> Response {
    Redirect::to("/billing/invoices").into_response()
}

/// An amount as pages show it, in the currency's places.
pub(crate) fn money(minor: i64, currency: &str) -> String {
    crate::api::billing::money(minor, currency)
}
