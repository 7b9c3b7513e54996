//! Bank accounts and their imported statements. A bank account sits on one asset account of
//! the chart (leaf) and has one currency; statements (OFX, CAMT.053, CSV with a saved
//! mapping: `steward_io::bank`) are imported into it line by line, each line with a stable
//! identity so that importing the same statement again adds nothing. Reconciliation matches
//! lines to open documents, payments and ledger lines ([`reconcile`] rules, [`matching`]
//! service).
//!
//! Who may do what: the books' grants (`accounting.*`), company-wide: reading needs
//! `accounting.read`, accounts and mappings `accounting.create`/`update` (deleting a
//! mapping too: it is set-up, not a record), an import `accounting.import`. The one gate is [`gate`].
pub mod accounts;
pub mod import;
pub mod matching;
pub mod reconcile;
pub mod statements;
pub mod tiles;

use crate::auth::{authorize_company, Action, Actor, Domain, Permission};
use crate::ledger::LedgerStore;
use crate::registry::Registry;
use crate::{Error, Result};

pub use accounts::{BankAccount, BankAccountStore};
pub use import::{ImportReport, MappingStore};
pub use statements::{BankLine, BankStatement, StatementStore};
pub use steward_io::bank::{CsvMapping, Format};

/// An imported statement (`bank.statement:12`).
pub const STATEMENT: &str = "bank.statement";
/// A bank account (`bank.account:3`), the entity of its audit events.
pub const ACCOUNT: &str = "bank.account";

/// Every store trait the bank needs.
pub trait BankBackend: LedgerStore + BankAccountStore + StatementStore + MappingStore {}
impl<T> BankBackend for T where T: LedgerStore + BankAccountStore + StatementStore + MappingStore {}

/// The bank's record kinds (links from tasks and approvals).
pub fn register<S: BankBackend + Clone + 'static>(r: &mut Registry, store: S) {
    r.record_kind(STATEMENT, "Bank statement");
    r.tile(
        "bank.cash",
        crate::work::dashboard::handler(store, tiles::CashByAccount),
    );
}

/// Whether the actor holds `accounting.<action>` for the whole company.
pub fn allowed(actor: &Actor, action: Action) -> bool {
    authorize_company(actor, Permission::new(Domain::Accounting, action)).is_ok()
}

/// The one gate: `Forbidden` unless [`allowed`].
pub fn gate(actor: &Actor, action: Action) -> Result<()> {
    if allowed(actor, action) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Whether the actor may import statements: asked before an upload is read.
pub fn may_import(actor: &Actor) -> Result<()> {
    gate(actor, Action::Import)
}
