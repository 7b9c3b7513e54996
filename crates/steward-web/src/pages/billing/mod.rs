//! Billing's pages: invoices and bills (`/billing/invoices`), customers and vendors
//! (`/billing/parties`) and the settings with the tax codes (`/billing/settings`).
//! Everything goes through `steward_core::billing`, which authorizes.
mod invoices;
mod mail;
mod parties;
mod payments;
mod recurring;
mod reports;
mod runs;
mod settings;

use axum::routing::get;
use axum::Router;

use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        // Billing's home is the documents list (not a redirect: the navigation's link is a
        // page of its own, as the accessibility tour counts it).
        .route("/billing", get(invoices::list::<S>))
        .merge(invoices::router::<S>())
        .merge(parties::router::<S>())
        .merge(payments::router::<S>())
        .merge(runs::router::<S>())
        .merge(reports::router::<S>())
        .merge(settings::router::<S>())
        .merge(mail::router::<S>())
        .merge(recurring::router::<S>())
}

/// An amount as pages show it, in the currency's places.
pub(crate) use steward_core::money::format_in as money;

/// An exchange difference in words, in the books' currency `home`: `gain 30.00 EUR`,
/// `loss 20.00 EUR`, `none`.
pub(crate) fn exchange_difference(chrome: &crate::pages::Chrome, minor: i64, home: &str) -> String {
    let amount = chrome.num(format!("{} {home}", money(minor.abs(), home)));
    match minor.signum() {
        1 => format!("gain {amount}"),
        -1 => format!("loss {amount}"),
        _ => "none".to_string(),
    }
}
