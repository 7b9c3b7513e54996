//! Ledger services: every page, API route and command goes through these. Each one
//! authorizes first, validates, and hands typed records to the [`LedgerStore`]. They live
//! by part (accounts.rs, books.rs, entries.rs, periods.rs; reports and import in their own
//! modules); this module gathers them, so callers name `ledger::service::create_entry`.
use chrono::NaiveDate;

pub use super::accounts::*;
pub use super::books::*;
pub use super::entries::*;
pub use super::periods::*;
use super::store::*;
use super::types::*;
use crate::auth::{authorize, Action, Actor, Domain, Permission, Target};
use crate::Result;

pub(super) fn perm(action: Action) -> Permission {
    Permission::new(Domain::Accounting, action)
}

pub(super) fn gate(actor: &Actor, action: Action) -> Result<()> {
    authorize(actor, perm(action), &Target::company(actor.company_id))
}

/// Whether the actor may import into the books (accounts, journals, rates): checked before
/// an upload is read, and again by each import.
pub fn may_import(actor: &Actor) -> Result<()> {
    gate(actor, Action::Import)
}

/// The first and last day of the month `yyyymm`.
pub fn month_bounds(month: i64) -> Option<(NaiveDate, NaiveDate)> {
    Some((month_start(month)?, month_end(month)?))
}

pub use crate::time::today;

/// The fiscal year that `d` is in, for the actor's company.
pub async fn fiscal_year_of(store: &impl LedgerStore, actor: &Actor, d: NaiveDate) -> Result<i32> {
    let s = store.ledger_settings(actor.company_id).await?;
    Ok(fiscal_year(d, s.fiscal_year_start_month))
}
