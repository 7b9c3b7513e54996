//! The ledger's vocabulary: accounts, commodities, journals, entries, periods. Every type
//! that comes from outside is built through a `parse` that names the bad field.
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::ids::{AccountId, CommodityId, DepartmentId, EntryId, JournalId, UserId};
use crate::money::format_minor;
use crate::time::Timestamp;
use crate::{Error, Result};

/// The five kinds of account; the kind decides where an account shows in the balance sheet
/// or the income statement, and which side is its normal balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    Asset,
    Liability,
    Equity,
    Income,
    Expense,
}

impl AccountType {
    pub const ALL: [AccountType; 5] = [
        AccountType::Asset,
        AccountType::Liability,
        AccountType::Equity,
        AccountType::Income,
        AccountType::Expense,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Asset => "asset",
            AccountType::Liability => "liability",
            AccountType::Equity => "equity",
            AccountType::Income => "income",
            AccountType::Expense => "expense",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            AccountType::Asset => "Asset",
            AccountType::Liability => "Liability",
            AccountType::Equity => "Equity",
            AccountType::Income => "Income",
            AccountType::Expense => "Expense",
        }
    }
    /// The words [`AccountType::parse`] reads, in any case.
    pub const WORDS: &'static [(&'static str, AccountType)] = &[
        ("asset", AccountType::Asset),
        ("assets", AccountType::Asset),
        ("a", AccountType::Asset),
        ("liability", AccountType::Liability),
        ("liabilities", AccountType::Liability),
        ("l", AccountType::Liability),
        ("equity", AccountType::Equity),
        ("e", AccountType::Equity),
        ("income", AccountType::Income),
        ("revenue", AccountType::Income),
        ("revenues", AccountType::Income),
        ("r", AccountType::Income),
        ("expense", AccountType::Expense),
        ("expenses", AccountType::Expense),
        ("x", AccountType::Expense),
    ];
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        Self::WORDS.iter().find(|(w, _)| *w == s).map(|(_, k)| *k)
    }
    /// From the top-level name of an account (`Assets:Bank` -> asset), any case.
    pub fn from_name(name: &str) -> Option<Self> {
        let top = name.split(':').next().unwrap_or("").trim().to_lowercase();
        match top.as_str() {
            "assets" | "asset" => Some(AccountType::Asset),
            "liabilities" | "liability" | "debts" => Some(AccountType::Liability),
            "equity" => Some(AccountType::Equity),
            "income" | "revenue" | "revenues" => Some(AccountType::Income),
            "expenses" | "expense" => Some(AccountType::Expense),
            _ => None,
        }
    }
    /// Balance sheet kinds; the others close into retained earnings at year end.
    pub fn is_balance_sheet(self) -> bool {
        matches!(
            self,
            AccountType::Asset | AccountType::Liability | AccountType::Equity
        )
    }
}

impl fmt::Display for AccountType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A full account name, `Assets:Bank:Checking`: colon-separated, each part trimmed and
/// non-empty, no tabs or control characters, no two spaces in a row (the journal formats
/// end an account name at two spaces).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountName(String);

impl AccountName {
    pub const MAX_LEN: usize = 400;
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim();
        let bad = |m: &str| Err(Error::invalid("name", m.to_string()));
        if s.is_empty() {
            return bad("an account needs a name, e.g. Assets:Bank");
        }
        if s.chars().count() > Self::MAX_LEN {
            return bad("is longer than 400 characters");
        }
        if s.chars().any(|c| c.is_control()) {
            return bad("contains a tab or control character");
        }
        if s.contains("  ") {
            return bad("contains two spaces in a row");
        }
        if s.split(':').any(|p| p.trim().is_empty() || p.trim() != p) {
            return bad("each part between colons must be non-empty, without spaces around it");
        }
        Ok(AccountName(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn parent(&self) -> Option<AccountName> {
        self.0
            .rsplit_once(':')
            .map(|(p, _)| AccountName(p.to_string()))
    }
    /// `Assets`, `Assets:Bank`, `Assets:Bank:Checking`.
    pub fn ancestors_and_self(&self) -> Vec<AccountName> {
        let mut out = Vec::new();
        let mut end = 0;
        for part in self.0.split(':') {
            end += part.len();
            out.push(AccountName(self.0[..end].to_string()));
            end += 1;
        }
        out
    }
    pub fn depth(&self) -> usize {
        self.0.matches(':').count()
    }
    pub fn leaf(&self) -> &str {
        self.0.rsplit(':').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for AccountName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A commodity symbol as the journal formats write it: `EUR`, `$`, `AAPL`, `BTC`, `"ACME 1"`
/// (stored without quotes). At most 32 characters, no digits-only, no whitespace at the ends,
/// none of `-+.,;@=*"` or control characters unless it is a quoted symbol with a space.
pub fn parse_commodity_symbol(s: &str) -> Result<String> {
    let t = s.trim().trim_matches('"');
    let ok = !t.is_empty()
        && t.chars().count() <= 32
        && !t.chars().all(|c| c.is_ascii_digit())
        && !t.chars().any(|c| {
            c.is_control() || matches!(c, '-' | '+' | '.' | ',' | ';' | '@' | '=' | '*' | '"')
        })
        && t.trim() == t;
    if ok {
        Ok(t.to_string())
    } else {
        Err(Error::invalid(
            "commodity",
            format!("`{s}` is not a commodity symbol (e.g. EUR, $, AAPL)"),
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Commodity {
    pub id: CommodityId,
    pub symbol: String,
    /// Decimal places amounts are kept with: JPY 0, EUR 2, KWD 3, BTC 8.
    pub precision: u8,
    pub name: String,
}

impl Commodity {
    pub fn format(&self, minor: i64) -> String {
        format_minor(minor, self.precision)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: AccountId,
    pub name: AccountName,
    pub code: Option<String>,
    pub parent_id: Option<AccountId>,
    pub kind: AccountType,
    /// When set, only this commodity may be posted to the account.
    pub commodity: Option<String>,
    pub active: bool,
    /// Parents take no postings; their balance is their children's.
    pub has_children: bool,
    pub description: String,
    pub version: i64,
}

impl Account {
    pub fn depth(&self) -> usize {
        self.name.depth()
    }
    pub fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({"name": self.name, "code": self.code, "kind": self.kind,
            "commodity": self.commodity, "active": self.active, "description": self.description})
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalKind {
    General,
    Sales,
    Purchases,
    Bank,
    Cash,
    Custom,
}

impl JournalKind {
    pub const ALL: [JournalKind; 6] = [
        JournalKind::General,
        JournalKind::Sales,
        JournalKind::Purchases,
        JournalKind::Bank,
        JournalKind::Cash,
        JournalKind::Custom,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            JournalKind::General => "general",
            JournalKind::Sales => "sales",
            JournalKind::Purchases => "purchases",
            JournalKind::Bank => "bank",
            JournalKind::Cash => "cash",
            JournalKind::Custom => "custom",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        JournalKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Journal {
    pub id: JournalId,
    /// Short code used in entry numbers: `GJ-2026-000042`.
    pub code: String,
    pub name: String,
    pub kind: JournalKind,
}

pub fn parse_journal_code(s: &str) -> Result<String> {
    let c = s.trim().to_ascii_uppercase();
    if (1..=10).contains(&c.len()) && c.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(c)
    } else {
        Err(Error::invalid(
            "code",
            "a journal code is 1-10 letters or digits, e.g. GJ",
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    Draft,
    /// Above the approval threshold: waits for another user's approval before it posts.
    Pending,
    Posted,
}

impl EntryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryStatus::Draft => "draft",
            EntryStatus::Pending => "pending",
            EntryStatus::Posted => "posted",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(EntryStatus::Draft),
            "pending" => Some(EntryStatus::Pending),
            "posted" => Some(EntryStatus::Posted),
            _ => None,
        }
    }
}

/// One line of an entry, in minor units of its commodity. `cost` is the line's value in
/// another commodity (`10 AAPL @ 50 USD` has cost 500.00 USD): the entry balances on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub account_id: AccountId,
    /// Display only (empty where the store does not need it, e.g. during an import).
    pub account: String,
    pub commodity_id: CommodityId,
    pub commodity: String,
    pub amount: i64,
    pub cost: Option<Cost>,
    pub department_id: Option<DepartmentId>,
    pub project: String,
    pub memo: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    pub commodity_id: CommodityId,
    pub commodity: String,
    /// The total cost of the line in the cost commodity's minor units, same sign as the line.
    pub amount: i64,
}

/// A validated, balanced entry ready for the store: lines reference existing leaf accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEntry {
    pub journal_id: JournalId,
    pub date: NaiveDate,
    pub reference: String,
    pub description: String,
    pub comment: String,
    pub lines: Vec<Line>,
    /// A client's key: a second post with the same key returns the first entry.
    pub client_key: Option<String>,
    pub reverses: Option<EntryId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub id: EntryId,
    pub journal_id: JournalId,
    pub journal_code: String,
    /// `GJ-2026-000042` once posted; drafts have none.
    pub number: Option<String>,
    pub date: NaiveDate,
    pub status: EntryStatus,
    pub reference: String,
    pub description: String,
    pub comment: String,
    pub lines: Vec<Line>,
    pub reverses: Option<EntryId>,
    pub reversed_by: Option<EntryId>,
    pub client_key: Option<String>,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
    pub posted_at: Option<Timestamp>,
    pub approved_by: Option<UserId>,
    pub version: i64,
}

impl Entry {
    /// The sum of the positive lines per commodity: what an approver looks at.
    pub fn debit_totals(&self) -> Vec<(String, i64)> {
        let mut totals: Vec<(String, i64)> = Vec::new();
        for l in self.lines.iter().filter(|l| l.amount > 0) {
            match totals.iter_mut().find(|(c, _)| *c == l.commodity) {
                Some((_, t)) => *t = t.saturating_add(l.amount),
                None => totals.push((l.commodity.clone(), l.amount)),
            }
        }
        totals
    }
}

/// `yyyymmdd` as stored.
pub fn day_key(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

pub fn day_from_key(k: i64) -> Option<NaiveDate> {
    let y = i32::try_from(k / 10_000).ok()?;
    NaiveDate::from_ymd_opt(y, ((k / 100) % 100) as u32, (k % 100) as u32)
}

/// `yyyymm` of a date: the month key of stored balances and periods.
pub fn month_key(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 100 + i64::from(d.month())
}

pub fn month_start(month: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(i32::try_from(month / 100).ok()?, (month % 100) as u32, 1)
}

pub fn month_end(month: i64) -> Option<NaiveDate> {
    let start = month_start(month)?;
    let next = if start.month() == 12 {
        NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)?
    };
    next.pred_opt()
}

pub use crate::time::{check_date_range, parse_date};

/// The fiscal year a date falls in, named by the calendar year it ends in.
pub fn fiscal_year(d: NaiveDate, start_month: u32) -> i32 {
    if start_month <= 1 || d.month() < start_month {
        d.year()
    } else {
        d.year() + 1
    }
}

/// First and last day of fiscal year `fy`.
pub fn fiscal_year_bounds(fy: i32, start_month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let start = if start_month <= 1 {
        NaiveDate::from_ymd_opt(fy, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(fy - 1, start_month, 1)?
    };
    let end = if start_month <= 1 {
        NaiveDate::from_ymd_opt(fy, 12, 31)?
    } else {
        NaiveDate::from_ymd_opt(fy, start_month, 1)?.pred_opt()?
    };
    Some((start, end))
}

pub fn format_entry_number(journal_code: &str, fiscal_year: i32, seq: i64) -> String {
    format!("{journal_code}-{fiscal_year}-{seq:06}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodStatus {
    Open,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// `yyyymm`
    pub month: i64,
    pub status: PeriodStatus,
    pub changed_by: Option<String>,
    pub changed_at: Option<Timestamp>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerSettings {
    pub fiscal_year_start_month: u32,
    /// Entries whose largest commodity total is above this many minor units of the
    /// company currency need another user's approval. `None`: no approval needed.
    pub approval_threshold: Option<i64>,
    pub version: i64,
}

impl Default for LedgerSettings {
    fn default() -> Self {
        LedgerSettings {
            fiscal_year_start_month: 1,
            approval_threshold: None,
            version: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_are_checked() {
        assert!(AccountName::parse("Assets:Bank:Checking").is_ok());
        assert!(AccountName::parse("Ausgaben:Büro Material").is_ok());
        assert!(AccountName::parse("Assets::Bank").is_err());
        assert!(AccountName::parse("Assets:Bank  Two").is_err());
        assert!(AccountName::parse("Assets:\tBank").is_err());
        assert!(AccountName::parse("").is_err());
        let n = AccountName::parse("a:b:c").expect("valid");
        let anc: Vec<String> = n
            .ancestors_and_self()
            .iter()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(anc, vec!["a", "a:b", "a:b:c"]);
        assert_eq!(n.parent().map(|p| p.to_string()).as_deref(), Some("a:b"));
        assert_eq!(n.leaf(), "c");
    }

    #[test]
    fn types_from_names() {
        assert_eq!(AccountType::from_name("ASSETS:x"), Some(AccountType::Asset));
        assert_eq!(AccountType::from_name("revenue"), Some(AccountType::Income));
        assert_eq!(AccountType::from_name("misc:x"), None);
    }

    #[test]
    fn fiscal_years() {
        let d = NaiveDate::from_ymd_opt(2026, 4, 1).expect("date");
        assert_eq!(fiscal_year(d, 1), 2026);
        assert_eq!(fiscal_year(d, 4), 2027);
        assert_eq!(fiscal_year(d, 7), 2026);
        let (s, e) = fiscal_year_bounds(2027, 4).expect("bounds");
        assert_eq!(s.to_string(), "2026-04-01");
        assert_eq!(e.to_string(), "2027-03-31");
        assert_eq!(
            month_end(202602).map(|d| d.to_string()).as_deref(),
            Some("2026-02-28")
        );
        assert_eq!(day_from_key(20240229), NaiveDate::from_ymd_opt(2024, 2, 29));
        assert_eq!(day_from_key(20230229), None);
    }

    #[test]
    fn commodity_symbols() {
        for ok in ["EUR", "$", "AAPL", "\"ACME 1\"", "€", "BTC"] {
            assert!(parse_commodity_symbol(ok).is_ok(), "{ok}");
        }
        for bad in ["", "12", "A-B", "a;b", "x@y"] {
            assert!(parse_commodity_symbol(bad).is_err(), "{bad}");
        }
    }
}
