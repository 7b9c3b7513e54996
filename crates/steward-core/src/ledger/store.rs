//! What the ledger needs from a database. The store holds no rules: services validate and
//! balance; the store writes in one transaction with the audit event, keeps the stored
//! balances (account x commodity x month x department x project) in step with the postings,
//! hands out gap-free entry numbers, and refuses posting into a closed month (checked again
//! inside the transaction, so a concurrent close cannot slip an entry in).
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;

use super::types::*;
use crate::audit::AuditDraft;
use crate::ids::{AccountId, CommodityId, CompanyId, DepartmentId, EntryId, JournalId, UserId};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::time::Timestamp;
use crate::Result;

/// An account to create. Parents must exist already or come earlier in the same list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub name: AccountName,
    pub code: Option<String>,
    pub kind: AccountType,
    pub commodity_id: Option<CommodityId>,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountUpdate {
    pub code: Option<String>,
    pub description: String,
    pub active: bool,
    pub commodity_id: Option<CommodityId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccountSort {
    #[default]
    Name,
    Code,
    Kind,
}

impl SortKey for AccountSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("name", AccountSort::Name),
        ("code", AccountSort::Code),
        ("kind", AccountSort::Kind),
    ];
}

#[derive(Debug, Clone, Default)]
pub struct AccountQuery {
    /// Matches name or code, case-insensitive substring.
    pub search: Option<String>,
    pub kind: Option<AccountType>,
    pub active: Option<bool>,
    /// Only accounts that can take postings.
    pub leaf_only: bool,
    pub sort: AccountSort,
    pub dir: SortDir,
    pub paging: Paging,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EntrySort {
    #[default]
    Date,
    Number,
    Description,
    Status,
}

impl SortKey for EntrySort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("date", EntrySort::Date),
        ("number", EntrySort::Number),
        ("description", EntrySort::Description),
        ("status", EntrySort::Status),
    ];
}

#[derive(Debug, Clone, Default)]
pub struct EntryQuery {
    /// Description or reference, case-insensitive substring.
    pub search: Option<String>,
    pub journal: Option<JournalId>,
    pub status: Option<EntryStatus>,
    /// Entries with a line on this account.
    pub account: Option<AccountId>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub sort: EntrySort,
    pub dir: SortDir,
    pub paging: Paging,
}

impl EntryQuery {
    /// The filters from query parameters (`q`, `journal` id, `status`, `account` id,
    /// `from`, `to`), naming the bad one. Sort and paging come from the list component.
    pub fn filters_from(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let id = |k: &str| -> Result<Option<i64>> {
            get(k)
                .map(|v| {
                    v.parse::<i64>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| crate::Error::invalid(k, "an id"))
                })
                .transpose()
        };
        Ok(EntryQuery {
            search: get("q").map(|s| s.chars().take(200).collect()),
            journal: id("journal")?.map(JournalId),
            status: get("status")
                .map(|s| {
                    EntryStatus::parse(&s)
                        .ok_or_else(|| crate::Error::invalid("status", "draft, pending or posted"))
                })
                .transpose()?,
            account: id("account")?.map(AccountId),
            from: get("from").map(|v| parse_date("from", &v)).transpose()?,
            to: get("to").map(|v| parse_date("to", &v)).transpose()?,
            ..Default::default()
        })
    }
}

impl AccountQuery {
    /// The filters from query parameters (`q`, `kind`, `active` = yes|no, `leaf` = 1).
    pub fn filters_from(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Ok(AccountQuery {
            search: get("q").map(|s| s.chars().take(200).collect()),
            kind: get("kind")
                .map(|k| {
                    AccountType::parse(&k).ok_or_else(|| {
                        crate::Error::invalid("kind", "asset, liability, equity, income or expense")
                    })
                })
                .transpose()?,
            active: match get("active").as_deref() {
                None => None,
                Some("yes" | "true" | "1") => Some(true),
                Some("no" | "false" | "0") => Some(false),
                Some(_) => return Err(crate::Error::invalid("active", "yes or no")),
            },
            leaf_only: match get("leaf").as_deref() {
                None | Some("0" | "false") => false,
                Some("1" | "true") => true,
                Some(_) => return Err(crate::Error::invalid("leaf", "1 or 0")),
            },
            ..Default::default()
        })
    }
}

/// A row of the entries list (no lines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntrySummary {
    pub id: EntryId,
    pub journal_code: String,
    pub number: Option<String>,
    pub date: NaiveDate,
    pub status: EntryStatus,
    pub reference: String,
    pub description: String,
    pub reverses: Option<EntryId>,
    pub created_at: Timestamp,
}

/// What a report sums: postings dated `from..=to` (open ends: since the beginning / up to
/// the latest), optionally split or filtered by department and project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BalanceQuery {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub by_department: bool,
    pub by_project: bool,
    pub department: Option<DepartmentId>,
    pub project: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BalanceRow {
    pub account_id: AccountId,
    pub commodity_id: CommodityId,
    /// Set only when the query splits by department (`None`: no department).
    pub department_id: Option<DepartmentId>,
    /// Set only when the query splits by project (empty: no project).
    pub project: String,
    pub amount: i64,
    pub debit: i64,
    pub credit: i64,
}

/// One posting in an account's ledger, with the balance after it in its commodity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerRow {
    pub entry_id: EntryId,
    pub number: Option<String>,
    pub date: NaiveDate,
    pub description: String,
    pub reference: String,
    pub commodity_id: CommodityId,
    pub amount: i64,
    pub memo: String,
    pub running: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerPage {
    /// Balance per commodity before `from` (zero when there is no `from`).
    pub opening: Vec<(CommodityId, i64)>,
    pub rows: Vec<LedgerRow>,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rate {
    pub date: NaiveDate,
    pub commodity: String,
    pub quote: String,
    /// Units of `quote` for one unit of `commodity`, as a plain decimal.
    pub rate: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRate {
    pub date: NaiveDate,
    pub commodity_id: CommodityId,
    pub quote_id: CommodityId,
    pub rate: String,
    pub source: String,
}

/// What an import creates before its entries: commodities and accounts not yet known.
#[derive(Debug, Clone, Default)]
pub struct ImportSetup {
    pub commodities: Vec<(String, u8)>,
    pub accounts: Vec<(AccountName, AccountType)>,
    pub journal_id: Option<JournalId>,
    pub file_name: String,
    pub sha256: String,
    pub format: String,
    pub rates: Vec<(NaiveDate, String, String, String)>,
}

/// The ids of every account and commodity of the company, by name, once the import's own
/// have been created: the source turns parsed names into ids with them.
#[derive(Debug, Clone, Default)]
pub struct ImportIds {
    pub accounts: HashMap<String, AccountId>,
    pub commodities: HashMap<String, CommodityId>,
    pub journal_id: JournalId,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub entries: u64,
    pub postings: u64,
    pub accounts_created: u64,
    pub commodities_created: u64,
}

/// Hands the import its entries in batches; `Ok(None)` at the end. An `Err` (a failed
/// balance assertion found at the end, say) rolls the whole import back.
pub trait EntrySource: Send {
    fn next_batch(&mut self) -> impl Future<Output = Result<Option<Vec<NewEntry>>>> + Send;
}

/// Everything the ledger needs from a database: one trait per part, by the same words as
/// the services (accounts, books, entries, periods, reports, import).
pub trait LedgerStore:
    AccountStore + BookStore + EntryStore + PeriodStore + ReportStore + ImportStore
{
}
impl<T> LedgerStore for T where
    T: AccountStore + BookStore + EntryStore + PeriodStore + ReportStore + ImportStore
{
}

/// The books: settings, commodities, journals, rates.
pub trait BookStore: Send + Sync {
    fn ledger_settings(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<LedgerSettings>> + Send;
    /// `Conflict` when the stored version is not `settings.version`.
    fn save_ledger_settings(
        &self,
        company: CompanyId,
        settings: &LedgerSettings,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;

    fn commodities(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<Commodity>>> + Send;
    fn insert_commodity(
        &self,
        company: CompanyId,
        symbol: &str,
        precision: u8,
        name: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<CommodityId>> + Send;

    fn journals(&self, company: CompanyId) -> impl Future<Output = Result<Vec<Journal>>> + Send;
    fn insert_journal(
        &self,
        company: CompanyId,
        code: &str,
        name: &str,
        kind: JournalKind,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<JournalId>> + Send;

    fn rates(&self, company: CompanyId) -> impl Future<Output = Result<Vec<Rate>>> + Send;
    /// Inserts or replaces rates (same commodity, quote and date), with one audit event.
    fn upsert_rates(
        &self,
        company: CompanyId,
        rates: &[NewRate],
        audit: AuditDraft,
    ) -> impl Future<Output = Result<usize>> + Send;
}

/// The chart of accounts.
pub trait AccountStore: Send + Sync {
    fn list_accounts(
        &self,
        company: CompanyId,
        q: &AccountQuery,
    ) -> impl Future<Output = Result<Page<Account>>> + Send;
    /// Every account of the company, by name (charts have thousands, not millions).
    fn all_accounts(&self, company: CompanyId)
        -> impl Future<Output = Result<Vec<Account>>> + Send;
    fn get_account(
        &self,
        company: CompanyId,
        id: AccountId,
    ) -> impl Future<Output = Result<Option<Account>>> + Send;
    /// Accounts whose full name or code is one of `keys`.
    fn accounts_by_keys(
        &self,
        company: CompanyId,
        keys: &[String],
    ) -> impl Future<Output = Result<Vec<Account>>> + Send;
    /// Creates the accounts (parents first), marks their parents as having children, and
    /// appends the audit events, in one transaction. `Conflict` on a taken name or code.
    fn insert_accounts(
        &self,
        company: CompanyId,
        accounts: &[NewAccount],
        audit: Vec<AuditDraft>,
    ) -> impl Future<Output = Result<Vec<AccountId>>> + Send;
    fn update_account(
        &self,
        company: CompanyId,
        id: AccountId,
        update: &AccountUpdate,
        expected_version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// Entries: drafts, pending, posted (numbers, postings, balances).
pub trait EntryStore: Send + Sync {
    fn list_entries(
        &self,
        company: CompanyId,
        q: &EntryQuery,
    ) -> impl Future<Output = Result<Page<EntrySummary>>> + Send;
    fn get_entry(
        &self,
        company: CompanyId,
        id: EntryId,
    ) -> impl Future<Output = Result<Option<Entry>>> + Send;
    /// Inserts entries in `status` in one transaction with their audit events (one per
    /// entry, or one for the batch). Posted ones get their numbers, postings and balance
    /// updates. An entry whose `client_key` exists already is not inserted again: its
    /// existing id comes back with `false`. A posted entry dated in a closed month is
    /// `Invalid { field: "date" }` and nothing is written.
    fn insert_entries(
        &self,
        company: CompanyId,
        entries: &[NewEntry],
        status: EntryStatus,
        created_by: Option<UserId>,
        audit: Vec<AuditDraft>,
    ) -> impl Future<Output = Result<Vec<(EntryId, bool)>>> + Send;
    /// Replaces a draft's content. `Conflict` on a stale version or if it is not a draft.
    fn update_draft(
        &self,
        company: CompanyId,
        id: EntryId,
        entry: &NewEntry,
        expected_version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn delete_draft(
        &self,
        company: CompanyId,
        id: EntryId,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Moves an entry from `from` to `to` (draft -> pending, draft/pending -> posted,
    /// pending -> draft). Posting assigns the number, writes postings, updates balances.
    /// `Conflict` if the entry is no longer in `from`.
    fn set_entry_status(
        &self,
        company: CompanyId,
        id: EntryId,
        from: EntryStatus,
        to: EntryStatus,
        approved_by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The entry that reverses `id`, if any.
    fn reversal_of(
        &self,
        company: CompanyId,
        id: EntryId,
    ) -> impl Future<Output = Result<Option<EntryId>>> + Send;
}

/// Periods: the stored state of months.
pub trait PeriodStore: Send + Sync {
    /// Periods with a stored state in `from..=to` months (`yyyymm`); absent ones are open.
    fn periods(
        &self,
        company: CompanyId,
        from_month: i64,
        to_month: i64,
    ) -> impl Future<Output = Result<Vec<Period>>> + Send;
    fn set_period(
        &self,
        company: CompanyId,
        month: i64,
        status: PeriodStatus,
        by: &str,
        reason: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// What the reports read: stored balances and an account's postings.
pub trait ReportStore: Send + Sync {
    /// Sums of posted lines per account and commodity (and dimensions if asked), read from
    /// the stored monthly balances plus the postings of partial months at the ends.
    fn balances(
        &self,
        company: CompanyId,
        q: &BalanceQuery,
    ) -> impl Future<Output = Result<Vec<BalanceRow>>> + Send;
    /// An account's posted lines dated `from..=to`, oldest first, with running balances.
    fn account_ledger(
        &self,
        company: CompanyId,
        account: AccountId,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        paging: Paging,
    ) -> impl Future<Output = Result<LedgerPage>> + Send;
}

/// Journal import (one transaction) and the export's walk through posted entries.
pub trait ImportStore: Send + Sync {
    /// Posted entries with their lines, by id after `after`, at most `limit`: an export
    /// walks the whole ledger in pages without holding it in memory.
    fn posted_entries_after(
        &self,
        company: CompanyId,
        after: Option<EntryId>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Entry>>> + Send;

    /// One transaction: creates `setup`'s commodities and accounts, calls `make_source`
    /// with every id by name, inserts each batch of posted entries (numbers, postings),
    /// updates balances once at the end, records the import and the one audit event.
    /// Any error rolls everything back.
    fn import_entries<S, F>(
        &self,
        company: CompanyId,
        setup: ImportSetup,
        created_by: Option<UserId>,
        make_source: F,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<ImportSummary>> + Send
    where
        S: EntrySource,
        F: FnOnce(ImportIds) -> S + Send;
}
