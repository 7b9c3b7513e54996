//! Imported statements and their lines: the lists (by account, status, dates; sorted and
//! paged) and one statement with its lines.
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashSet;
use std::future::Future;

use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::ids::{BankAccountId, BankLineId, CompanyId, StatementId, UserId};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::time::Timestamp;
use crate::{Error, Result};

/// A balance on a day, in minor units of the account's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayBalance {
    pub date: NaiveDate,
    pub minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BankStatement {
    pub id: StatementId,
    pub account_id: BankAccountId,
    pub account_name: String,
    pub currency: String,
    /// `csv`, `ofx` or `camt053`.
    pub format: String,
    /// SHA-256 of the imported file.
    pub sha256: String,
    /// The bank's id of the statement (CAMT).
    pub statement_id: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub opening: Option<DayBalance>,
    pub closing: Option<DayBalance>,
    /// Lines in the file.
    pub line_count: i64,
    /// Lines already imported before (skipped).
    pub duplicate_count: i64,
    /// False when the opening balance does not follow the previous statement's closing.
    pub continuity: bool,
    pub imported_by: Option<UserId>,
    pub imported_by_name: Option<String>,
    pub imported_at: Timestamp,
}

impl BankStatement {
    pub fn money(&self, minor: i64) -> String {
        money(minor, &self.currency)
    }
    pub fn new_lines(&self) -> i64 {
        self.line_count - self.duplicate_count
    }
}

/// An amount in the currency's places (`1234.50`).
pub use crate::money::format_in as money;

/// What reconciliation will do with a line; every imported line starts `unmatched`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    #[default]
    Unmatched,
    Matched,
}

impl LineStatus {
    pub const ALL: &'static [(&'static str, LineStatus)] = &[
        ("unmatched", LineStatus::Unmatched),
        ("matched", LineStatus::Matched),
    ];
    pub fn parse(s: &str) -> Option<LineStatus> {
        Self::ALL.iter().find(|(k, _)| *k == s).map(|(_, v)| *v)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            LineStatus::Unmatched => "unmatched",
            LineStatus::Matched => "matched",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BankLine {
    pub id: BankLineId,
    pub statement_id: StatementId,
    pub account_id: BankAccountId,
    pub booking_date: NaiveDate,
    pub value_date: Option<NaiveDate>,
    /// Signed: money in positive.
    pub amount_minor: i64,
    pub currency: String,
    pub bank_ref: Option<String>,
    pub end_to_end_id: Option<String>,
    pub reference: Option<String>,
    pub counterparty_name: Option<String>,
    pub counterparty_iban: Option<String>,
    pub description: String,
    pub identity: String,
    pub status: LineStatus,
    /// The line of the source file it was read from.
    pub source_line: i64,
}

impl BankLine {
    pub fn amount(&self) -> String {
        money(self.amount_minor, &self.currency)
    }
}

/// A statement to write, with its lines (already converted to minor units).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStatement {
    pub account_id: BankAccountId,
    pub format: String,
    pub sha256: String,
    pub statement_id: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub opening: Option<DayBalance>,
    pub closing: Option<DayBalance>,
    pub line_count: i64,
    pub duplicate_count: i64,
    pub continuity: bool,
    pub imported_by: Option<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine {
    pub booking_date: NaiveDate,
    pub value_date: Option<NaiveDate>,
    pub amount_minor: i64,
    pub currency: String,
    pub bank_ref: Option<String>,
    pub end_to_end_id: Option<String>,
    pub reference: Option<String>,
    pub counterparty_name: Option<String>,
    pub counterparty_iban: Option<String>,
    pub description: String,
    pub identity: String,
    pub source_line: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatementSort {
    #[default]
    Imported,
    EndDate,
}

impl SortKey for StatementSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("imported", StatementSort::Imported),
        ("end_date", StatementSort::EndDate),
    ];
}

#[derive(Debug, Clone, Default)]
pub struct StatementQuery {
    pub account: Option<BankAccountId>,
    /// Statements whose last day (or import day) is on or after...
    pub from: Option<NaiveDate>,
    /// ...and whose first day is on or before.
    pub to: Option<NaiveDate>,
    pub sort: StatementSort,
    pub dir: SortDir,
    pub paging: Paging,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineSort {
    #[default]
    Date,
    Amount,
}

impl SortKey for LineSort {
    const ALL: &'static [(&'static str, Self)] =
        &[("date", LineSort::Date), ("amount", LineSort::Amount)];
}

#[derive(Debug, Clone, Default)]
pub struct LineQuery {
    pub statement: Option<StatementId>,
    pub account: Option<BankAccountId>,
    pub status: Option<LineStatus>,
    /// Booking dates from and to (inclusive).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Part of the description, reference or counterparty (any case).
    pub search: Option<String>,
    pub sort: LineSort,
    pub dir: SortDir,
    pub paging: Paging,
}

pub trait StatementStore: Send + Sync {
    /// Which of `identities` the account has already.
    fn existing_identities(
        &self,
        account: BankAccountId,
        identities: &[String],
    ) -> impl Future<Output = Result<HashSet<String>>> + Send;
    /// The closing balance of the account's latest statement that closes on or before
    /// `on_or_before` (any, when `None`).
    fn previous_closing(
        &self,
        account: BankAccountId,
        on_or_before: Option<NaiveDate>,
    ) -> impl Future<Output = Result<Option<DayBalance>>> + Send;
    /// Writes the statement and those of `lines` whose identity the account does not have
    /// yet, with `audit`, in one transaction. `None` (nothing written) when every line was
    /// there already; else the statement and the number of lines written.
    fn insert_statement(
        &self,
        company: CompanyId,
        s: &NewStatement,
        lines: &[NewLine],
        audit: AuditDraft,
    ) -> impl Future<Output = Result<Option<(StatementId, u64)>>> + Send;
    fn list_statements(
        &self,
        company: CompanyId,
        q: &StatementQuery,
    ) -> impl Future<Output = Result<Page<BankStatement>>> + Send;
    fn statement(
        &self,
        company: CompanyId,
        id: StatementId,
    ) -> impl Future<Output = Result<Option<BankStatement>>> + Send;
    fn list_lines(
        &self,
        company: CompanyId,
        q: &LineQuery,
    ) -> impl Future<Output = Result<Page<BankLine>>> + Send;
}

pub async fn list<S: StatementStore>(
    store: &S,
    actor: &Actor,
    q: &StatementQuery,
) -> Result<Page<BankStatement>> {
    super::gate(actor, Action::Read)?;
    store.list_statements(actor.company_id, q).await
}

pub async fn get<S: StatementStore>(
    store: &S,
    actor: &Actor,
    id: StatementId,
) -> Result<BankStatement> {
    super::gate(actor, Action::Read)?;
    store
        .statement(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "bank statement",
        })
}

pub async fn lines<S: StatementStore>(
    store: &S,
    actor: &Actor,
    q: &LineQuery,
) -> Result<Page<BankLine>> {
    super::gate(actor, Action::Read)?;
    store.list_lines(actor.company_id, q).await
}

/// Whether the actor may export lists (statements, lines).
pub fn authorize_export(actor: &Actor) -> Result<()> {
    super::gate(actor, Action::Export)
}

pub const LINE_HEADERS: &[&str] = &[
    "booking_date",
    "value_date",
    "amount",
    "currency",
    "counterparty_name",
    "counterparty_iban",
    "reference",
    "description",
    "bank_ref",
    "end_to_end_id",
    "status",
    "source_line",
];

pub fn line_row(l: &BankLine) -> Vec<String> {
    let o = |s: &Option<String>| s.clone().unwrap_or_default();
    vec![
        l.booking_date.to_string(),
        l.value_date.map(|d| d.to_string()).unwrap_or_default(),
        l.amount(),
        l.currency.clone(),
        o(&l.counterparty_name),
        o(&l.counterparty_iban),
        o(&l.reference),
        l.description.clone(),
        o(&l.bank_ref),
        o(&l.end_to_end_id),
        l.status.as_str().to_string(),
        l.source_line.to_string(),
    ]
}

pub const STATEMENT_HEADERS: &[&str] = &[
    "id",
    "account",
    "format",
    "start_date",
    "end_date",
    "opening_balance",
    "closing_balance",
    "lines",
    "duplicates",
    "continuity",
    "imported_at",
    "sha256",
];

pub fn statement_row(s: &BankStatement) -> Vec<String> {
    let d = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    vec![
        s.id.to_string(),
        s.account_name.clone(),
        s.format.clone(),
        d(s.start_date),
        d(s.end_date),
        s.opening.map(|b| s.money(b.minor)).unwrap_or_default(),
        s.closing.map(|b| s.money(b.minor)).unwrap_or_default(),
        s.line_count.to_string(),
        s.duplicate_count.to_string(),
        if s.continuity { "yes" } else { "no" }.to_string(),
        s.imported_at.rfc3339(),
        s.sha256.clone(),
    ]
}
