//! The general ledger: chart of accounts, commodities, journals, entries (draft -> pending
//! approval -> posted, never changed after: corrections are reversals), periods and year-end
//! close, rates, reports, and plain-text journal import and export.
//!
//! Amounts are integer minor units of their commodity (`Commodity::precision` places).
//! Balancing follows hledger's rule: per commodity, after converting lines that carry a
//! cost to the cost's commodity.
pub mod accounts;
pub mod books;
pub mod entries;
mod entry;
pub mod import;
pub mod periods;
pub mod reports;
pub mod service;
pub mod store;
mod types;

pub use entry::*;
pub use store::*;
pub use types::*;

use crate::registry::{ApprovalKind, Decision, Registry};
use crate::work::approvals::ApprovalBackend;

/// Everything the ledger's services need from the store: its own tables and the approval
/// engine's (entries above the threshold wait for approval).
pub trait LedgerBackend: LedgerStore + ApprovalBackend {}
impl<T> LedgerBackend for T where T: LedgerStore + ApprovalBackend {}

/// Ledger entries as a kind of record (links from tasks and approvals).
pub const ENTRY: &str = "ledger.entry";
/// Accounts as a kind of record.
pub const ACCOUNT: &str = "ledger.account";

/// An entry above the approval threshold waits for this kind of request; the final
/// decision posts it or sends it back to draft.
pub const ENTRY_APPROVAL: ApprovalKind = ApprovalKind {
    key: "ledger.entry",
    label: "Ledger entry",
    direct: false,
    lead_role: "accounting_lead",
    lead_decides: false,
};

/// Plugs the ledger in: its approval kind (decided entries post or go back to draft) and
/// its record kinds.
pub fn register<S: LedgerBackend + Clone + 'static>(r: &mut Registry, store: S) {
    r.approval_kind(
        &ENTRY_APPROVAL,
        Some(crate::registry::boxed(move |d: Decision| {
            let store = store.clone();
            async move {
                if d.subject.kind != ENTRY {
                    return Ok(());
                }
                service::settle_pending(
                    &store,
                    &d.actor,
                    crate::ids::EntryId(d.subject.id),
                    d.approved,
                    &d.comment,
                )
                .await
            }
        })),
    );
    r.record_kind(ENTRY, "Ledger entry")
        .record_kind(ACCOUNT, "Account");
}
