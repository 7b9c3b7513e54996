//! The bank's API under `/api/v1/bank/…`: bank accounts, statement uploads (OFX, CAMT.053,
//! CSV with a saved mapping), the statements and their lines, saved CSV mappings,
//! reconciliation (a statement's view and auto-match; a line's proposals, match, entry, undo). Every
//! handler calls `steward_core::bank`, which authorizes (the books' grants).
mod accounts;
mod reconcile;
mod statements;

use serde::Serialize;
use steward_core::bank::statements::DayBalance;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::api::ledger::large_body;
use crate::state::{AppState, Backend};

pub fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(accounts::list, accounts::create))
        .routes(routes!(accounts::get, accounts::update))
        .routes(large_body(routes!(statements::upload)))
        .routes(routes!(statements::list))
        .routes(routes!(statements::get))
        .routes(routes!(statements::mappings, statements::create_mapping))
        .routes(routes!(statements::delete_mapping))
        .routes(routes!(reconcile::view))
        .routes(routes!(reconcile::auto_match))
        .routes(routes!(reconcile::proposals))
        .routes(routes!(reconcile::accept))
        .routes(routes!(reconcile::entry))
        .routes(routes!(reconcile::undo))
}

/// A balance on a day.
#[derive(Serialize, ToSchema)]
#[schema(as = BankBalanceOut)]
pub struct BalanceOut {
    /// `YYYY-MM-DD`
    date: String,
    /// In the account's currency, e.g. `1234.50`.
    amount: String,
    amount_minor: i64,
}

impl BalanceOut {
    fn of(b: Option<DayBalance>, currency: &str) -> Option<BalanceOut> {
        b.map(|b| BalanceOut {
            date: b.date.to_string(),
            amount: steward_core::bank::statements::money(b.minor, currency),
            amount_minor: b.minor,
        })
    }
}
