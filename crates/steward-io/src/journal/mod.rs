//! Plain-text accounting journals: a streaming reader for the common subset of
//! hledger, ledger (ledger-cli) and Beancount, and writers for hledger and Beancount.
//!
//! # Streaming, in two passes
//! [`Reader`] reads one line at a time from a [`std::io::BufRead`] and yields one
//! [`Item`] at a time (a balanced [`Transaction`], a declaration, a price, ...). It never
//! holds the file or more than one transaction; account and commodity names are
//! interned into [`Names`] (ids are `u32`), so memory is proportional to the number of
//! distinct names, not to the file. Included files are opened through an
//! [`IncludeResolver`], so this module does no I/O of its own.
//!
//! An importer makes two passes over the file:
//! 1. `Reader::new(..)`, then `next_item()` until `None`, then [`Reader::finish`]: this
//!    validates everything (syntax, dates, balancing, include cycles) and returns the
//!    final [`Names`] (accounts, commodities, display precisions). Feed each transaction
//!    and `BalanceAssertion` to [`AssertionChecker::learn_transaction`] /
//!    [`AssertionChecker::learn_balance`] to learn the assertion targets.
//! 2. `Reader::with_names(.., names_from_pass_1)` and stream the transactions to the
//!    database, feeding every posting to [`AssertionChecker::feed_transaction`]; then
//!    [`AssertionChecker::finish`] reports the first failing assertion. With the names of
//!    pass 1 the ids of pass 2 are the same, and transactions balance against the final
//!    (whole-journal) precisions exactly as hledger does. Pass 1 balances with the
//!    precisions known so far and rechecks, in `finish`, the few transactions whose
//!    residual was only tolerated by rounding, so pass 2 cannot fail where pass 1 passed.
//!
//! # Supported syntax
//! * Transactions: `DATE[=DATE2] [*|!] [(CODE)] DESCRIPTION [; comment]` with dates as
//!   `2024-01-05`, `2024/1/5`, `2024.01.05`, or `01/05` after `Y 2024`/`year 2024`;
//!   postings `ACCOUNT  AMOUNT [@ UNIT | @@ TOTAL] [= BAL | == BAL] [; comment]` (two
//!   spaces or a tab after the account; the account may contain single spaces); comment
//!   lines and `tag:value` tags; ledger lot prices `{..}` are used as the price.
//!   Beancount: `DATE [*|!|txn] ["payee"] "narration" [#tag ^link]`, cost `{..}`/`{{..}}`
//!   (used as the price), `@`/`@@`, metadata lines (ignored).
//! * Amounts: `$10`, `-$10`, `$-10`, `10 USD`, `USD 10`, `"ACME 1" 5`, `1,234.50`,
//!   `1.250.000,50`, `1 000`; decimal and digit group marks as hledger reads them (see
//!   `number.rs`): a repeated mark, a mark followed by the other one, or a space groups
//!   digits; a lone `1,000` is decided by `decimal-mark`, the commodity's `commodity`
//!   directive or `D`, and is otherwise a decimal mark (1), as in hledger. In ledger files
//!   a lone comma without a declaration is refused as ambiguous (ledger reads it as a
//!   group mark). Beancount: `10.00 USD`, `1,000.00 USD`.
//! * Directives: `account` (with `type:` tag), `commodity` (with `format` sub-line), `D`,
//!   `P`, `include`, `Y`/`year`, `decimal-mark`; ignored: `payee`, `tag`, `N`, comment
//!   blocks. Beancount: `open`, `close`, `balance`, `price`, `commodity`, `include`,
//!   `pushtag`/`poptag`; ignored: `option`, `plugin`, `note`, `event`, `document`,
//!   `custom`, `query`.
//! * Refused with `FILE:LINE: message`: virtual postings `(a)`/`[a]`, balance
//!   assignments (`a  = $5` without amount), `=*`/`==*`, `alias`, `apply account`,
//!   automated (`=`) and periodic (`~`) transactions, Beancount `pad` and empty costs,
//!   amount expressions, unknown directives, impossible dates, lines over 64 KiB,
//!   NUL bytes, invalid UTF-8, transactions over 100,000 lines, unbalanced transactions.
//!
//! # Balancing
//! [`balance`] is hledger's rule as a pure function (also usable for entries typed into
//! the UI): postings with a price count in the price's commodity; each commodity's sum
//! must be zero after rounding to its display precision; one posting without an amount
//! receives the negated sum (one posting per commodity); a transaction with exactly two
//! commodities and no prices is a conversion (hledger and ledger infer the rate) and
//! gets a total price on its single first-commodity posting.

mod assert;
mod balance;
mod decimal;
mod names;
mod number;
mod reader;
mod writer;

pub use assert::AssertionChecker;
pub use balance::{balance, weight, BalanceError, Imbalance};
pub use decimal::Decimal;
pub use names::{
    account_type_from_name, beancount_account, beancount_account_unique, beancount_commodity,
    beancount_commodity_unique, AccountId, AccountType, CommodityId, CommodityInfo, CommodityStyle,
    Names,
};
pub use reader::{IncludeResolver, NoIncludes, Reader, MAX_LINE, MAX_TRANSACTION_LINES};
pub use writer::Writer;

use chrono::NaiveDate;
use std::fmt;

/// A journal dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// hledger's journal format.
    Hledger,
    /// ledger-cli's format (the subset it shares with hledger, plus `Y`, lot prices).
    Ledger,
    /// Beancount.
    Beancount,
}

impl Format {
    /// `hledger`, `ledger` or `beancount` (any case; `journal` and `bean` too).
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "hledger" | "journal" => Some(Format::Hledger),
            "ledger" => Some(Format::Ledger),
            "beancount" | "bean" => Some(Format::Beancount),
            _ => None,
        }
    }

    /// The name [`Format::parse`] accepts.
    pub fn name(self) -> &'static str {
        match self {
            Format::Hledger => "hledger",
            Format::Ledger => "ledger",
            Format::Beancount => "beancount",
        }
    }
}

/// A problem in a journal, located by file and line. Displays as `FILE:LINE: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalError {
    /// Display name of the file (as given to the reader or by the include resolver).
    pub file: String,
    /// 1-based line number (0 when the problem has no line, e.g. a failing read).
    pub line: u32,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for JournalError {}

/// Where an item came from: an index into [`Reader::file_name`] and a 1-based line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Location {
    /// File index (0 is the main file).
    pub file: u32,
    /// 1-based line.
    pub line: u32,
}

/// A quantity of one commodity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amount {
    /// The commodity.
    pub commodity: CommodityId,
    /// The exact quantity, with the decimals it was written with.
    pub quantity: Decimal,
}

/// A posting's price: per unit (`@`, Beancount `{}`) or in total (`@@`, `{{}}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Price {
    /// Price of one unit.
    Unit(Amount),
    /// Price of the whole quantity (always written positive; the sign follows the quantity).
    Total(Amount),
}

/// A balance assertion on a posting: `=` (this commodity) or `==` (and no other).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assertion {
    /// Expected balance.
    pub amount: Amount,
    /// `==`: the account holds no other commodity.
    pub total: bool,
}

/// One line of a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Posting {
    /// The account.
    pub account: AccountId,
    /// The amount; `None` only before [`balance`] fills it in.
    pub amount: Option<Amount>,
    /// The price, if any.
    pub price: Option<Price>,
    /// The balance assertion, if any.
    pub assertion: Option<Assertion>,
    /// True when the amount was inferred by balancing.
    pub inferred: bool,
    /// Source line.
    pub line: u32,
    /// The posting's comment text (without `;`), empty if none.
    pub comment: String,
}

impl Posting {
    /// A posting with an amount and nothing else.
    pub fn new(account: AccountId, amount: Option<Amount>) -> Posting {
        Posting {
            account,
            amount,
            price: None,
            assertion: None,
            inferred: false,
            line: 0,
            comment: String::new(),
        }
    }
}

/// Cleared state of a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Status {
    /// No mark.
    #[default]
    Unmarked,
    /// `!`
    Pending,
    /// `*`
    Cleared,
}

/// A balanced transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    /// Where its header line is.
    pub location: Location,
    /// Its (primary) date.
    pub date: NaiveDate,
    /// `*` / `!` / none.
    pub status: Status,
    /// The `(code)`, empty if none.
    pub code: String,
    /// Description as written (hledger `payee | note` whole; Beancount
    /// `payee | narration`, or the narration alone).
    pub description: String,
    /// The header's and the comment lines' text, joined by newlines.
    pub comment: String,
    /// Tags: `name:value` in comments, Beancount `#tag` (value empty) and `^link`
    /// (name `link`).
    pub tags: Vec<(String, String)>,
    /// The postings, amounts all filled in.
    pub postings: Vec<Posting>,
}

/// `account` / Beancount `open`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountDecl {
    /// Where it is.
    pub location: Location,
    /// The account.
    pub account: AccountId,
    /// Declared (or, for Beancount, root-implied) type.
    pub account_type: Option<AccountType>,
    /// Beancount's open date.
    pub date: Option<NaiveDate>,
    /// Beancount's allowed currencies.
    pub currencies: Vec<CommodityId>,
}

/// `commodity` / `D` / Beancount `commodity`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommodityDecl {
    /// Where it is.
    pub location: Location,
    /// The commodity.
    pub commodity: CommodityId,
    /// Declared display precision, if the directive showed a sample amount.
    pub precision: Option<u8>,
}

/// A market price: `P DATE COMMODITY PRICE` / Beancount `price`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceDecl {
    /// Where it is.
    pub location: Location,
    /// Its date.
    pub date: NaiveDate,
    /// The commodity being priced.
    pub commodity: CommodityId,
    /// Price of one unit.
    pub price: Amount,
}

/// One thing read from a journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A balanced transaction.
    Transaction(Transaction),
    /// An account declaration.
    Account(AccountDecl),
    /// A commodity declaration.
    Commodity(CommodityDecl),
    /// A market price.
    Price(PriceDecl),
    /// Beancount `close`.
    Close {
        /// Where it is.
        location: Location,
        /// Closing date.
        date: NaiveDate,
        /// The account.
        account: AccountId,
    },
    /// Beancount `balance`: the balance at the *start* of `date`.
    BalanceAssertion {
        /// Where it is.
        location: Location,
        /// The date at whose start the balance holds.
        date: NaiveDate,
        /// The account.
        account: AccountId,
        /// The expected balance of that commodity.
        amount: Amount,
    },
}

#[cfg(test)]
mod tests;
