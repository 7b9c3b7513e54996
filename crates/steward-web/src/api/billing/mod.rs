//! Billing's API under `/api/v1/billing/…`: customers and vendors, tax codes, the billing
//! settings, and invoices, credit notes, bills and vendor credits. Every handler calls
//! `steward_core::billing`, which authorizes (receivables for sales documents and
//! customers, payables for bills and vendors); what the caller may not see is 404.
mod invoices;
mod mail;
mod parties;
mod payments;
mod recurring;
mod reports;
mod runs;

use utoipa_axum::router::OpenApiRouter;

use crate::state::{AppState, Backend};

pub fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    let r = parties::routes(r);
    let r = payments::routes(r);
    let r = runs::routes(r);
    let r = reports::routes(r);
    let r = mail::routes(r);
    let r = recurring::routes(r);
    invoices::routes(r)
}

/// An amount in minor units as the API writes it: `1234.50` in the currency's places.
pub use steward_core::money::format_in as money;

/// A list's `party_id` filter: a customer's or vendor's id, or empty for all.
pub(crate) fn party_filter(
    text: Option<&str>,
) -> Result<Option<steward_core::ids::PartyId>, steward_core::Error> {
    match text.unwrap_or("").trim() {
        "" => Ok(None),
        s => s
            .parse::<i64>()
            .ok()
            .filter(|i| *i > 0)
            .map(|i| Some(steward_core::ids::PartyId(i)))
            .ok_or_else(|| steward_core::Error::invalid("party_id", "a customer's or vendor's id")),
    }
}
