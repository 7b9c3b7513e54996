//! The general ledger's tables. Entries are inserted, never updated once posted (the
//! database refuses it too, by trigger); posting writes the lines to `ledger_postings`, takes
//! the next gap-free number of its journal and fiscal year, and adds the lines to the stored
//! monthly balances, all in the transaction that appends the audit event.
//!
//! Lock order on PostgreSQL (the same in every writer, so posters never deadlock): the
//! company row (shared; closing a period takes it exclusively), number sequences by
//! (journal, year), entries, balances by key, the audit head.
//!
//! One module per part, by the same words as the core's services: accounts, books (settings,
//! commodities, journals, rates), entries, periods, reports, import; bulk.rs holds the
//! multi-row writes the posting path and the import share.
mod accounts;
mod books;
mod bulk;
mod entries;
mod import;
mod periods;
mod reports;

use chrono::{Datelike, NaiveDate};
use sea_query::{Alias, Cond, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use steward_core::audit::AuditDraft;
use steward_core::ids::{
    AccountId, CommodityId, CompanyId, DepartmentId, EntryId, JournalId, UserId,
};
use steward_core::ledger::{
    day_from_key, day_key, fiscal_year, format_entry_number, month_end, month_key, month_start,
    Account, AccountName, AccountQuery, AccountSort, AccountStore, AccountType, AccountUpdate,
    BalanceQuery, BalanceRow, BookStore, Commodity, Cost, Entry, EntryQuery, EntrySort,
    EntrySource, EntryStatus, EntryStore, EntrySummary, ImportIds, ImportSetup, ImportStore,
    ImportSummary, Journal, JournalKind, LedgerPage, LedgerRow, LedgerSettings, Line, NewAccount,
    NewEntry, NewRate, Period, PeriodStatus, PeriodStore, Rate, ReportStore,
};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use crate::sql::{bind_values, build, like_pattern};
use crate::sql::{col, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Backend, Store};

pub(crate) type Tx = Transaction<'static, Any>;

fn a(s: &str) -> Alias {
    Alias::new(s)
}

fn order_of(dir: SortDir) -> Order {
    match dir {
        SortDir::Asc => Order::Asc,
        SortDir::Desc => Order::Desc,
    }
}

/// Rows of one bulk statement (bound as one JSON text).
const BULK_ROWS: usize = 10_000;
/// Rows per multi-row VALUES statement (10 binds each: far below both limits).
const VALUES_ROWS: usize = 500;
/// Latest `yyyymmdd` key: an open end of a date range.
const MAX_DAY: i64 = 99_991_231;

fn bad_row(what: &str) -> Error {
    Error::Internal(format!("ledger: a stored {what} does not parse"))
}

fn date_of(r: &AnyRow, c: &str) -> Result<NaiveDate> {
    day_from_key(get_i64(r, c)?).ok_or_else(|| bad_row("date"))
}

fn status_of(r: &AnyRow) -> Result<EntryStatus> {
    EntryStatus::parse(&get_str(r, "status")?).ok_or_else(|| bad_row("entry status"))
}

fn period_status_str(s: PeriodStatus) -> &'static str {
    match s {
        PeriodStatus::Open => "open",
        PeriodStatus::Closed => "closed",
    }
}

fn number_of(r: &AnyRow) -> Result<Option<String>> {
    number_with(r, &get_str(r, "journal_code")?)
}

/// The entry's number from its row and its journal's code (already read by the caller).
fn number_with(r: &AnyRow, journal_code: &str) -> Result<Option<String>> {
    let seq = opt_i64(r, "seq")?;
    Ok(match seq {
        Some(seq) => {
            let fy = i32::try_from(get_i64(r, "fiscal_year")?).map_err(|_| bad_row("year"))?;
            Some(format_entry_number(journal_code, fy, seq))
        }
        None => None,
    })
}

pub(crate) fn closed_message(month: i64) -> Error {
    Error::invalid(
        "date",
        format!("the period {:04}-{:02} is closed", month / 100, month % 100),
    )
}

/// Fills the entity ids of audit events that do not name one: one event per record, or a
/// single event for a single record.
fn fill_entity_ids(audit: &mut [AuditDraft], ids: &[String]) {
    if audit.len() == ids.len() {
        for (ev, id) in audit.iter_mut().zip(ids) {
            ev.entity_id.get_or_insert_with(|| id.clone());
        }
    }
}

// ---------------------------------------------------------------------------------------
// Balance deltas
// ---------------------------------------------------------------------------------------

/// account, commodity, month, department (0: none), project.
type BalanceKey = (i64, i64, i64, i64, String);

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Delta {
    amount: i64,
    debit: i64,
    credit: i64,
    count: i64,
}

impl Delta {
    fn add_amount(&mut self, amount: i64) {
        self.amount = self.amount.saturating_add(amount);
        if amount >= 0 {
            self.debit = self.debit.saturating_add(amount);
        } else {
            self.credit = self.credit.saturating_add(amount.saturating_neg());
        }
        self.count += 1;
    }
    fn merge(&mut self, o: Delta) {
        self.amount = self.amount.saturating_add(o.amount);
        self.debit = self.debit.saturating_add(o.debit);
        self.credit = self.credit.saturating_add(o.credit);
        self.count = self.count.saturating_add(o.count);
    }
}

fn add_lines(deltas: &mut HashMap<BalanceKey, Delta>, lines: &[Line], date: NaiveDate) {
    let month = month_key(date);
    for l in lines {
        deltas
            .entry((
                l.account_id.0,
                l.commodity_id.0,
                month,
                l.department_id.map_or(0, |d| d.0),
                l.project.clone(),
            ))
            .or_default()
            .add_amount(l.amount);
    }
}

/// Adds the deltas to the stored balances, one row per key, in key order (the lock order).
/// On SQLite the rows use anonymous `?` placeholders: sqlx resolves numbered ones through
/// `sqlite3_bind_parameter_name`, a linear walk per parameter (quadratic in a 5,000-value
/// statement; it was a quarter of a large import's time).
async fn upsert_balances(
    tx: &mut Tx,
    backend: Backend,
    company: CompanyId,
    deltas: HashMap<BalanceKey, Delta>,
) -> Result<()> {
    let sorted: BTreeMap<BalanceKey, Delta> = deltas.into_iter().collect();
    let rows: Vec<(BalanceKey, Delta)> = sorted.into_iter().collect();
    for chunk in rows.chunks(VALUES_ROWS) {
        let mut sql = String::from(
            "INSERT INTO ledger_balances (account_id, commodity_id, month, department_id, project, company_id, amount, debit, credit, count) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 10;
            if i > 0 {
                sql.push_str(", ");
            }
            if backend == Backend::Sqlite {
                sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                continue;
            }
            let _ = write!(
                sql,
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9,
                b + 10
            );
        }
        sql.push_str(
            " ON CONFLICT (account_id, commodity_id, month, department_id, project) DO UPDATE SET \
             amount = ledger_balances.amount + excluded.amount, \
             debit = ledger_balances.debit + excluded.debit, \
             credit = ledger_balances.credit + excluded.credit, \
             count = ledger_balances.count + excluded.count",
        );
        let mut q = sqlx::query(&sql);
        for ((acc, com, month, dept, project), d) in chunk {
            q = q
                .bind(*acc)
                .bind(*com)
                .bind(*month)
                .bind(*dept)
                .bind(project.as_str())
                .bind(company.0)
                .bind(d.amount)
                .bind(d.debit)
                .bind(d.credit)
                .bind(d.count);
        }
        q.execute(&mut **tx).await.map_err(db)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Helpers inside a transaction
// ---------------------------------------------------------------------------------------

/// PostgreSQL: holds the company row shared, so that closing a period (which takes it
/// exclusively) waits for posters in flight, and posters wait for a close. SQLite has one
/// writer anyway.
pub(crate) async fn lock_company(
    tx: &mut Tx,
    backend: Backend,
    company: CompanyId,
    exclusive: bool,
) -> Result<()> {
    if backend == Backend::Postgres {
        let sql = if exclusive {
            "SELECT id FROM companies WHERE id = $1 FOR NO KEY UPDATE"
        } else {
            "SELECT id FROM companies WHERE id = $1 FOR SHARE"
        };
        sqlx::query(sql)
            .bind(company.0)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
    }
    Ok(())
}

async fn fiscal_start_in(tx: &mut Tx, company: CompanyId) -> Result<u32> {
    let r =
        sqlx::query("SELECT fiscal_year_start_month FROM ledger_settings WHERE company_id = $1")
            .bind(company.0)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?;
    Ok(match r {
        Some(r) => u32::try_from(get_i64(&r, "fiscal_year_start_month")?).unwrap_or(1),
        None => 1,
    })
}

/// The company's closed months.
pub(crate) async fn closed_months(tx: &mut Tx, company: CompanyId) -> Result<HashSet<i64>> {
    sqlx::query("SELECT month FROM ledger_periods WHERE company_id = $1 AND status = 'closed'")
        .bind(company.0)
        .fetch_all(&mut **tx)
        .await
        .map_err(db)?
        .iter()
        .map(|r| get_i64(r, "month"))
        .collect()
}

async fn check_open(tx: &mut Tx, company: CompanyId, dates: &[NaiveDate]) -> Result<()> {
    if dates.is_empty() {
        return Ok(());
    }
    let closed = closed_months(tx, company).await?;
    let months: BTreeSet<i64> = dates.iter().map(|d| month_key(*d)).collect();
    match months.into_iter().find(|m| closed.contains(m)) {
        Some(m) => Err(closed_message(m)),
        None => Ok(()),
    }
}

/// Takes `n` numbers of a journal and fiscal year; returns the first.
async fn take_numbers(tx: &mut Tx, journal: i64, fy: i64, n: i64) -> Result<i64> {
    let r = sqlx::query(
        "INSERT INTO ledger_sequences (journal_id, fiscal_year, last_value) VALUES ($1, $2, $3) \
         ON CONFLICT (journal_id, fiscal_year) DO UPDATE SET last_value = ledger_sequences.last_value + excluded.last_value \
         RETURNING last_value",
    )
    .bind(journal)
    .bind(fy)
    .bind(n)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?;
    Ok(get_i64(&r, "last_value")? - n + 1)
}

/// Numbers for entries in order, grouped by (journal, fiscal year): one allocation per group,
/// in group order.
async fn number_entries(tx: &mut Tx, keys: &[(i64, i64)]) -> Result<Vec<i64>> {
    let mut counts: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    for k in keys {
        *counts.entry(*k).or_default() += 1;
    }
    let mut next: HashMap<(i64, i64), i64> = HashMap::with_capacity(counts.len());
    for (k, n) in counts {
        next.insert(k, take_numbers(tx, k.0, k.1, n).await?);
    }
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let v = next
            .get_mut(k)
            .ok_or_else(|| Error::internal("numbering"))?;
        out.push(*v);
        *v += 1;
    }
    Ok(out)
}

/// Refuses lines that name an account or commodity the company does not have.
async fn check_refs(
    tx: &mut Tx,
    backend: Backend,
    company: CompanyId,
    entries: &[&NewEntry],
) -> Result<()> {
    let mut accounts = BTreeSet::new();
    let mut commodities = BTreeSet::new();
    for e in entries {
        for l in &e.lines {
            accounts.insert(l.account_id.0);
            commodities.insert(l.commodity_id.0);
            if let Some(c) = &l.cost {
                commodities.insert(c.commodity_id.0);
            }
        }
    }
    for (table, ids) in [
        ("ledger_accounts", accounts),
        ("ledger_commodities", commodities),
    ] {
        let ids: Vec<i64> = ids.into_iter().collect();
        for chunk in ids.chunks(VALUES_ROWS) {
            let mut s = Query::select();
            s.expr_as(Expr::col(a("id")).count(), a("n"))
                .from(a(table))
                .and_where(Expr::col(a("company_id")).eq(company.0))
                .and_where(Expr::col(a("id")).is_in(chunk.iter().copied()));
            let (sql, values) = build(backend, &s);
            let r = bind_values(sqlx::query(&sql), values)
                .fetch_one(&mut **tx)
                .await
                .map_err(db)?;
            if usize::try_from(get_i64(&r, "n")?).unwrap_or(0) != chunk.len() {
                return Err(Error::invalid(
                    "lines",
                    "a line names an account or commodity that does not exist",
                ));
            }
        }
    }
    Ok(())
}

fn lines_json(lines: &[Line]) -> Result<String> {
    serde_json::to_string(lines).map_err(Error::internal)
}

/// Inserts an account (its parent, if any, exists) and marks the parent as having children.
#[allow(clippy::too_many_arguments)]
async fn insert_account_tx(
    tx: &mut Tx,
    company: CompanyId,
    name: &AccountName,
    code: Option<&str>,
    kind: AccountType,
    commodity: Option<CommodityId>,
    description: &str,
    parent: Option<i64>,
    now: i64,
) -> Result<i64> {
    let r = sqlx::query(
        "INSERT INTO ledger_accounts (company_id, name, code, parent_id, kind, commodity_id, active, has_children, description, created_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, 0, $7, $8, 1) RETURNING id",
    )
    .bind(company.0)
    .bind(name.as_str())
    .bind(code)
    .bind(parent)
    .bind(kind.as_str())
    .bind(commodity.map(|c| c.0))
    .bind(description)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| match db(e) {
        Error::Conflict { .. } => Error::conflict(format!(
            "an account named {name}{} exists already",
            code.map(|c| format!(" or with code {c}")).unwrap_or_default()
        )),
        other => other,
    })?;
    if let Some(p) = parent {
        sqlx::query(
            "UPDATE ledger_accounts SET has_children = 1 WHERE id = $1 AND has_children = 0",
        )
        .bind(p)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    get_i64(&r, "id")
}

async fn account_id_by_name(tx: &mut Tx, company: CompanyId, name: &str) -> Result<Option<i64>> {
    let r = sqlx::query("SELECT id FROM ledger_accounts WHERE company_id = $1 AND name = $2")
        .bind(company.0)
        .bind(name)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?;
    r.map(|r| get_i64(&r, "id")).transpose()
}

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

fn account_select() -> SelectStatement {
    let mut s = Query::select();
    s.from_as(a("ledger_accounts"), a("acc")).left_join(
        a("ledger_commodities"),
        col("ledger_commodities", "id").equals((a("acc"), a("commodity_id"))),
    );
    for c in [
        "id",
        "name",
        "code",
        "parent_id",
        "kind",
        "active",
        "has_children",
        "description",
        "version",
    ] {
        s.column((a("acc"), a(c)));
    }
    s.expr_as(col("ledger_commodities", "symbol"), a("commodity"));
    s
}

fn account_from(r: &AnyRow) -> Result<Account> {
    Ok(Account {
        id: AccountId(get_i64(r, "id")?),
        name: AccountName::parse(&get_str(r, "name")?).map_err(|_| bad_row("account name"))?,
        code: opt_str(r, "code")?,
        parent_id: opt_i64(r, "parent_id")?.map(AccountId),
        kind: AccountType::parse(&get_str(r, "kind")?).ok_or_else(|| bad_row("account kind"))?,
        commodity: opt_str(r, "commodity")?,
        active: get_i64(r, "active")? != 0,
        has_children: get_i64(r, "has_children")? != 0,
        description: get_str(r, "description")?,
        version: get_i64(r, "version")?,
    })
}

const ENTRY_COLUMNS: &str = "e.id, e.journal_id, j.code AS journal_code, e.fiscal_year, e.seq, e.date, e.status, e.reference, e.description, e.comment, e.lines_json, e.reverses_id, e.client_key, e.created_by, e.created_at, e.posted_at, e.approved_by, e.version";

fn entry_from(r: &AnyRow, lines: Vec<Line>, reversed_by: Option<EntryId>) -> Result<Entry> {
    Ok(Entry {
        id: EntryId(get_i64(r, "id")?),
        journal_id: JournalId(get_i64(r, "journal_id")?),
        journal_code: get_str(r, "journal_code")?,
        number: number_of(r)?,
        date: date_of(r, "date")?,
        status: status_of(r)?,
        reference: get_str(r, "reference")?,
        description: get_str(r, "description")?,
        comment: get_str(r, "comment")?,
        lines,
        reverses: opt_i64(r, "reverses_id")?.map(EntryId),
        reversed_by,
        client_key: opt_str(r, "client_key")?,
        created_by: opt_i64(r, "created_by")?.map(UserId),
        created_at: Timestamp(get_i64(r, "created_at")?),
        posted_at: opt_i64(r, "posted_at")?.map(Timestamp),
        approved_by: opt_i64(r, "approved_by")?.map(UserId),
        version: get_i64(r, "version")?,
    })
}

const POSTING_COLUMNS: &str = "p.entry_id, p.line_no, p.account_id, acc.name AS account, p.commodity_id, c.symbol AS commodity, p.amount, p.cost_commodity_id, cc.symbol AS cost_commodity, p.cost_amount, p.department_id, p.project, p.memo";
const POSTING_JOINS: &str =
    "FROM ledger_postings p JOIN ledger_accounts acc ON acc.id = p.account_id \
     JOIN ledger_commodities c ON c.id = p.commodity_id \
     LEFT JOIN ledger_commodities cc ON cc.id = p.cost_commodity_id";

fn line_from(r: &AnyRow) -> Result<Line> {
    let cost = match opt_i64(r, "cost_commodity_id")? {
        Some(id) => Some(Cost {
            commodity_id: CommodityId(id),
            commodity: opt_str(r, "cost_commodity")?.unwrap_or_default(),
            amount: opt_i64(r, "cost_amount")?.unwrap_or(0),
        }),
        None => None,
    };
    Ok(Line {
        account_id: AccountId(get_i64(r, "account_id")?),
        account: get_str(r, "account")?,
        commodity_id: CommodityId(get_i64(r, "commodity_id")?),
        commodity: get_str(r, "commodity")?,
        amount: get_i64(r, "amount")?,
        cost,
        department_id: opt_i64(r, "department_id")?.map(DepartmentId),
        project: get_str(r, "project")?,
        memo: get_str(r, "memo")?,
    })
}

impl Store {
    /// Lines kept as JSON (drafts, pending), with today's account names and symbols.
    async fn json_lines(&self, company: CompanyId, raw: &str) -> Result<Vec<Line>> {
        let mut lines: Vec<Line> = serde_json::from_str(raw).map_err(|_| bad_row("lines"))?;
        let ids: BTreeSet<i64> = lines.iter().map(|l| l.account_id.0).collect();
        let mut names = HashMap::new();
        if !ids.is_empty() {
            let mut s = Query::select();
            s.columns([a("id"), a("name")])
                .from(a("ledger_accounts"))
                .and_where(Expr::col(a("company_id")).eq(company.0))
                .and_where(Expr::col(a("id")).is_in(ids));
            for r in self.fetch_all(&s).await? {
                names.insert(get_i64(&r, "id")?, get_str(&r, "name")?);
            }
        }
        let symbols: HashMap<i64, String> = self
            .commodities(company)
            .await?
            .into_iter()
            .map(|c| (c.id.0, c.symbol))
            .collect();
        for l in &mut lines {
            if let Some(n) = names.get(&l.account_id.0) {
                l.account.clone_from(n);
            }
            if let Some(s) = symbols.get(&l.commodity_id.0) {
                l.commodity.clone_from(s);
            }
            if let Some(c) = &mut l.cost {
                if let Some(s) = symbols.get(&c.commodity_id.0) {
                    c.commodity.clone_from(s);
                }
            }
        }
        Ok(lines)
    }

    /// Entry rows with their lines and reversals, in the order given.
    async fn entries_from_rows(&self, company: CompanyId, rows: &[AnyRow]) -> Result<Vec<Entry>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = rows
            .iter()
            .map(|r| get_i64(r, "id"))
            .collect::<Result<_>>()?;
        let (lo, hi) = (
            ids.iter().copied().min().unwrap_or(0),
            ids.iter().copied().max().unwrap_or(0),
        );
        let wanted: HashSet<i64> = ids.iter().copied().collect();
        // Posted lines of every entry in one range query (the key's prefix).
        let mut lines: HashMap<i64, Vec<Line>> = HashMap::new();
        let sql = format!(
            "SELECT {POSTING_COLUMNS} {POSTING_JOINS} WHERE p.company_id = $1 AND p.entry_id BETWEEN $2 AND $3 ORDER BY p.entry_id, p.line_no"
        );
        for r in sqlx::query(&sql)
            .bind(company.0)
            .bind(lo)
            .bind(hi)
            .fetch_all(&self.read)
            .await
            .map_err(db)?
        {
            let id = get_i64(&r, "entry_id")?;
            if wanted.contains(&id) {
                lines.entry(id).or_default().push(line_from(&r)?);
            }
        }
        let mut reversed: HashMap<i64, i64> = HashMap::new();
        let mut s = Query::select();
        s.columns([a("id"), a("reverses_id")])
            .from(a("ledger_entries"))
            .and_where(Expr::col(a("company_id")).eq(company.0))
            .and_where(Expr::col(a("reverses_id")).is_in(ids.iter().copied()))
            .order_by(a("id"), Order::Desc);
        for r in self.fetch_all(&s).await? {
            if let Some(of) = opt_i64(&r, "reverses_id")? {
                // Descending: the first reversal wins.
                reversed.insert(of, get_i64(&r, "id")?);
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id = get_i64(r, "id")?;
            let l = match opt_str(r, "lines_json")? {
                Some(raw) => self.json_lines(company, &raw).await?,
                None => lines.remove(&id).unwrap_or_default(),
            };
            out.push(entry_from(r, l, reversed.get(&id).copied().map(EntryId))?);
        }
        Ok(out)
    }

    /// Sums of an account's postings dated `lo..=hi` per commodity.
    async fn posting_sums(&self, account: i64, lo: i64, hi: i64) -> Result<Vec<(i64, i64)>> {
        sqlx::query(
            "SELECT commodity_id, CAST(SUM(amount) AS BIGINT) AS s FROM ledger_postings \
             WHERE account_id = $1 AND date BETWEEN $2 AND $3 GROUP BY commodity_id",
        )
        .bind(account)
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((get_i64(r, "commodity_id")?, get_i64(r, "s")?)))
        .collect()
    }
}
