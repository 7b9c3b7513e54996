//! The general ledger: chart of accounts, commodities, journals, entries (draft -> pending
//! approval -> posted, never changed after: corrections are reversals), periods and year-end
//! close, rates, reports, and plain-text journal import and export.
//!
//! Amounts are integer minor units of their commodity (`Commodity::precision` places).
//! Balancing follows hledger's rule: per commodity, after converting lines that carry a
//! cost to the cost's commodity.
mod entry;
pub mod import;
pub mod report;
pub mod service;
pub mod store;
mod types;

pub use entry::*;
pub use store::*;
pub use types::*;
