//! The general ledger's tables. Entries are inserted, never updated once posted (the
//! database refuses it too, by trigger); posting writes the lines to `ledger_postings`, takes
//! the next gap-free number of its journal and fiscal year, and adds the lines to the stored
//! monthly balances, all in the transaction that appends the audit event.
//!
//! Lock order on PostgreSQL (the same in every writer, so posters never deadlock): the
//! company row (shared; closing a period takes it exclusively), number sequences by
//! (journal, year), entries, balances by key, the audit head.
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
    Account, AccountName, AccountQuery, AccountSort, AccountType, AccountUpdate, BalanceQuery,
    BalanceRow, Commodity, Cost, Entry, EntryQuery, EntrySort, EntrySource, EntryStatus,
    EntrySummary, ImportIds, ImportSetup, ImportSummary, Journal, JournalKind, LedgerPage,
    LedgerRow, LedgerSettings, LedgerStore, Line, NewAccount, NewEntry, NewRate, Period,
    PeriodStatus, Rate,
};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use crate::sql::{bind_values, build, like_pattern};
use crate::sql::{col, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Backend, Store};

type Tx = Transaction<'static, Any>;

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
    let seq = opt_i64(r, "seq")?;
    Ok(match seq {
        Some(seq) => {
            let fy = i32::try_from(get_i64(r, "fiscal_year")?).map_err(|_| bad_row("year"))?;
            Some(format_entry_number(&get_str(r, "journal_code")?, fy, seq))
        }
        None => None,
    })
}

fn closed_message(month: i64) -> Error {
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
// Bulk writes
// ---------------------------------------------------------------------------------------
//
// SQLite: multi-row `INSERT OR FAIL ... VALUES (?, ...)` of `SQLITE_ROWS` rows, the same
// text for every full chunk (prepared once, cached). `?` placeholders, because sqlx binds
// `$n` ones by name in quadratic time; `OR FAIL` because then SQLite needs no statement
// journal (a failure fails the whole transaction anyway), which would copy every page the
// statement touches. PostgreSQL: one statement per `BULK_ROWS` rows reading a single bound
// JSON text with `jsonb_array_elements`, so the driver binds one value instead of thousands.
// Integers we own (company, import, times) are written into the SQL text; nothing that came
// from a client is.

/// Rows per SQLite multi-row VALUES statement: 11 binds a row stay under SQLite's 32766;
/// measured on 1M entries, 500-2500 rows are equally fast, 100 some 10% slower (more
/// hand-offs to the driver's thread).
const SQLITE_ROWS: usize = 1000;

/// A posting to write: the entry's id, the line's number and the entry's date.
struct PostingRow<'a> {
    entry: i64,
    line_no: i64,
    date: i64,
    line: &'a Line,
}

/// An imported (posted) entry to write.
struct EntryRow<'a> {
    id: i64,
    fiscal_year: i64,
    seq: i64,
    entry: &'a NewEntry,
}

fn postings_of(entry: i64, e: &NewEntry) -> impl Iterator<Item = PostingRow<'_>> {
    let date = day_key(e.date);
    e.lines.iter().enumerate().map(move |(i, line)| PostingRow {
        entry,
        line_no: i as i64 + 1,
        date,
        line,
    })
}

/// `INSERT OR FAIL INTO table (cols) VALUES row, row, ...`.
fn sqlite_values(table_and_columns: &str, row: &str, rows: usize) -> String {
    let mut sql = String::with_capacity(table_and_columns.len() + rows * (row.len() + 2) + 32);
    sql.push_str("INSERT OR FAIL INTO ");
    sql.push_str(table_and_columns);
    sql.push_str(" VALUES ");
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(row);
    }
    sql
}

/// Rows for one PostgreSQL bulk statement, written as a JSON array of arrays.
#[derive(Default)]
struct JsonRows {
    buf: String,
    rows: usize,
}

impl JsonRows {
    fn start_row(&mut self) {
        self.buf.push(if self.rows == 0 { '[' } else { ',' });
        self.buf.push('[');
        self.rows += 1;
    }
    fn int(&mut self, first: bool, v: i64) {
        if !first {
            self.buf.push(',');
        }
        let _ = write!(self.buf, "{v}");
    }
    fn opt(&mut self, v: Option<i64>) {
        match v {
            Some(v) => self.int(false, v),
            None => self.buf.push_str(",null"),
        }
    }
    fn text(&mut self, s: &str) {
        self.buf.push(',');
        // Escaping a &str into a String cannot fail.
        if let Ok(quoted) = serde_json::to_string(s) {
            self.buf.push_str(&quoted);
        }
    }
    fn opt_text(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.text(s),
            None => self.buf.push_str(",null"),
        }
    }
    fn end_row(&mut self) {
        self.buf.push(']');
    }
    fn take(&mut self) -> String {
        self.buf.push(']');
        self.rows = 0;
        std::mem::take(&mut self.buf)
    }
}

const POSTINGS_INTO: &str = "ledger_postings (entry_id, line_no, company_id, account_id, commodity_id, amount, cost_commodity_id, cost_amount, department_id, project, memo, date)";

async fn insert_postings(
    tx: &mut Tx,
    backend: Backend,
    company: CompanyId,
    rows: &[PostingRow<'_>],
) -> Result<()> {
    match backend {
        Backend::Sqlite => {
            let row = format!("(?, ?, {}, ?, ?, ?, ?, ?, ?, ?, ?, ?)", company.0);
            let full = sqlite_values(POSTINGS_INTO, &row, SQLITE_ROWS);
            for chunk in rows.chunks(SQLITE_ROWS) {
                let partial;
                let sql = if chunk.len() == SQLITE_ROWS {
                    &full
                } else {
                    partial = sqlite_values(POSTINGS_INTO, &row, chunk.len());
                    &partial
                };
                let mut q = sqlx::query(sql);
                for r in chunk {
                    let l = r.line;
                    q = q
                        .bind(r.entry)
                        .bind(r.line_no)
                        .bind(l.account_id.0)
                        .bind(l.commodity_id.0)
                        .bind(l.amount)
                        .bind(l.cost.as_ref().map(|c| c.commodity_id.0))
                        .bind(l.cost.as_ref().map(|c| c.amount))
                        .bind(l.department_id.map(|d| d.0))
                        .bind(l.project.as_str())
                        .bind(l.memo.as_str())
                        .bind(r.date);
                }
                q.execute(&mut **tx).await.map_err(db)?;
            }
        }
        Backend::Postgres => {
            let sql = format!(
                "INSERT INTO {POSTINGS_INTO} \
                 SELECT (v->>0)::bigint, (v->>1)::bigint, {}, (v->>2)::bigint, (v->>3)::bigint, (v->>4)::bigint, (v->>5)::bigint, (v->>6)::bigint, (v->>7)::bigint, v->>8, v->>9, (v->>10)::bigint \
                 FROM jsonb_array_elements($1::jsonb) AS v",
                company.0
            );
            let mut json = JsonRows::default();
            for chunk in rows.chunks(BULK_ROWS) {
                for r in chunk {
                    let l = r.line;
                    json.start_row();
                    json.int(true, r.entry);
                    json.int(false, r.line_no);
                    json.int(false, l.account_id.0);
                    json.int(false, l.commodity_id.0);
                    json.int(false, l.amount);
                    json.opt(l.cost.as_ref().map(|c| c.commodity_id.0));
                    json.opt(l.cost.as_ref().map(|c| c.amount));
                    json.opt(l.department_id.map(|d| d.0));
                    json.text(&l.project);
                    json.text(&l.memo);
                    json.int(false, r.date);
                    json.end_row();
                }
                sqlx::query(&sql)
                    .bind(json.take())
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
            }
        }
    }
    Ok(())
}

const ENTRIES_INTO: &str = "ledger_entries (id, company_id, journal_id, fiscal_year, seq, date, status, reference, description, comment, client_key, reverses_id, import_id, created_by, created_at, posted_at, version)";

/// Writes imported, posted entries with the ids and numbers given.
async fn insert_imported_entries(
    tx: &mut Tx,
    backend: Backend,
    company: CompanyId,
    import_id: i64,
    created_by: Option<UserId>,
    now: i64,
    rows: &[EntryRow<'_>],
) -> Result<()> {
    let by = created_by.map_or_else(|| "NULL".to_string(), |u| u.0.to_string());
    let consts = (company.0, import_id, by, now);
    match backend {
        Backend::Sqlite => {
            let row = format!(
                "(?, {}, ?, ?, ?, ?, 'posted', ?, ?, ?, ?, ?, {}, {}, {}, {}, 1)",
                consts.0, consts.1, consts.2, consts.3, consts.3
            );
            let full = sqlite_values(ENTRIES_INTO, &row, SQLITE_ROWS);
            for chunk in rows.chunks(SQLITE_ROWS) {
                let partial;
                let sql = if chunk.len() == SQLITE_ROWS {
                    &full
                } else {
                    partial = sqlite_values(ENTRIES_INTO, &row, chunk.len());
                    &partial
                };
                let mut q = sqlx::query(sql);
                for r in chunk {
                    let e = r.entry;
                    q = q
                        .bind(r.id)
                        .bind(e.journal_id.0)
                        .bind(r.fiscal_year)
                        .bind(r.seq)
                        .bind(day_key(e.date))
                        .bind(e.reference.as_str())
                        .bind(e.description.as_str())
                        .bind(e.comment.as_str())
                        .bind(e.client_key.as_deref())
                        .bind(e.reverses.map(|r| r.0));
                }
                q.execute(&mut **tx).await.map_err(db)?;
            }
        }
        Backend::Postgres => {
            let sql = format!(
                "INSERT INTO {ENTRIES_INTO} \
                 SELECT (v->>0)::bigint, {}, (v->>1)::bigint, (v->>2)::bigint, (v->>3)::bigint, (v->>4)::bigint, 'posted', v->>5, v->>6, v->>7, v->>8, (v->>9)::bigint, {}, {}, {}, {}, 1 \
                 FROM jsonb_array_elements($1::jsonb) AS v",
                consts.0, consts.1, consts.2, consts.3, consts.3
            );
            let mut json = JsonRows::default();
            for chunk in rows.chunks(BULK_ROWS) {
                for r in chunk {
                    let e = r.entry;
                    json.start_row();
                    json.int(true, r.id);
                    json.int(false, e.journal_id.0);
                    json.int(false, r.fiscal_year);
                    json.int(false, r.seq);
                    json.int(false, day_key(e.date));
                    json.text(&e.reference);
                    json.text(&e.description);
                    json.text(&e.comment);
                    json.opt_text(e.client_key.as_deref());
                    json.opt(e.reverses.map(|r| r.0));
                    json.end_row();
                }
                sqlx::query(&sql)
                    .bind(json.take())
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Helpers inside a transaction
// ---------------------------------------------------------------------------------------

/// PostgreSQL: holds the company row shared, so that closing a period (which takes it
/// exclusively) waits for posters in flight, and posters wait for a close. SQLite has one
/// writer anyway.
async fn lock_company(
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
async fn closed_months(tx: &mut Tx, company: CompanyId) -> Result<HashSet<i64>> {
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

/// Which months of a date range are whole (read from the stored balances) and which day
/// ranges at the ends are not (read from the postings).
#[derive(Debug, Default, PartialEq, Eq)]
struct Split {
    months: Option<(i64, i64)>,
    days: Vec<(i64, i64)>,
}

fn split_range(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Split {
    let mut out = Split::default();
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return out;
        }
    }
    // First whole month, and the partial days before it.
    let first_month = match from {
        None => 0,
        Some(f) if f.day() == 1 => month_key(f),
        Some(f) => {
            let m = month_key(f);
            let end = month_end(m).unwrap_or(f);
            let end = to.map_or(end, |t| t.min(end));
            out.days.push((day_key(f), day_key(end)));
            next_month(m)
        }
    };
    let last_month = match to {
        None => 999_912,
        Some(t) if month_end(month_key(t)) == Some(t) => month_key(t),
        Some(t) => {
            let m = month_key(t);
            let start = month_start(m).unwrap_or(t);
            // Not when the range started in this same month (its days are taken already).
            if from.is_none_or(|f| month_key(f) != m) {
                out.days.push((day_key(start), day_key(t)));
            }
            prev_month(m)
        }
    };
    if first_month <= last_month {
        out.months = Some((first_month, last_month));
    }
    out
}

fn next_month(m: i64) -> i64 {
    if m % 100 >= 12 {
        (m / 100 + 1) * 100 + 1
    } else {
        m + 1
    }
}

fn prev_month(m: i64) -> i64 {
    if m % 100 <= 1 {
        (m / 100 - 1) * 100 + 12
    } else {
        m - 1
    }
}

// ---------------------------------------------------------------------------------------
// The trait
// ---------------------------------------------------------------------------------------

impl LedgerStore for Store {
    async fn ledger_settings(&self, company: CompanyId) -> Result<LedgerSettings> {
        let r = sqlx::query(
            "SELECT fiscal_year_start_month, approval_threshold, version FROM ledger_settings WHERE company_id = $1",
        )
        .bind(company.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        Ok(match r {
            Some(r) => LedgerSettings {
                fiscal_year_start_month: u32::try_from(get_i64(&r, "fiscal_year_start_month")?)
                    .unwrap_or(1),
                approval_threshold: opt_i64(&r, "approval_threshold")?,
                version: get_i64(&r, "version")?,
            },
            None => LedgerSettings::default(),
        })
    }

    async fn save_ledger_settings(
        &self,
        company: CompanyId,
        settings: &LedgerSettings,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let month = i64::from(settings.fiscal_year_start_month);
        let changed = if settings.version == 0 {
            sqlx::query(
                "INSERT INTO ledger_settings (company_id, fiscal_year_start_month, approval_threshold, version) \
                 VALUES ($1, $2, $3, 1) ON CONFLICT (company_id) DO NOTHING",
            )
            .bind(company.0)
            .bind(month)
            .bind(settings.approval_threshold)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected()
        } else {
            sqlx::query(
                "UPDATE ledger_settings SET fiscal_year_start_month = $1, approval_threshold = $2, version = version + 1 \
                 WHERE company_id = $3 AND version = $4",
            )
            .bind(month)
            .bind(settings.approval_threshold)
            .bind(company.0)
            .bind(settings.version)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected()
        };
        if changed != 1 {
            return Err(Error::conflict(
                "the ledger settings were changed by someone else since you read them; reload and try again",
            ));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn commodities(&self, company: CompanyId) -> Result<Vec<Commodity>> {
        sqlx::query(
            "SELECT id, symbol, precision, name FROM ledger_commodities WHERE company_id = $1 ORDER BY symbol",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(Commodity {
                id: CommodityId(get_i64(r, "id")?),
                symbol: get_str(r, "symbol")?,
                precision: u8::try_from(get_i64(r, "precision")?).unwrap_or(0),
                name: get_str(r, "name")?,
            })
        })
        .collect()
    }

    async fn insert_commodity(
        &self,
        company: CompanyId,
        symbol: &str,
        precision: u8,
        name: &str,
        mut audit: AuditDraft,
    ) -> Result<CommodityId> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO ledger_commodities (company_id, symbol, precision, name) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(company.0)
        .bind(symbol)
        .bind(i64::from(precision))
        .bind(name)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db(e) {
            Error::Conflict { .. } => Error::conflict(format!("the commodity {symbol} exists already")),
            other => other,
        })?;
        let id = get_i64(&r, "id")?;
        audit.entity_id.get_or_insert_with(|| id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(CommodityId(id))
    }

    async fn list_accounts(&self, company: CompanyId, q: &AccountQuery) -> Result<Page<Account>> {
        let filter = |s: &mut SelectStatement| {
            s.and_where(col("acc", "company_id").eq(company.0));
            if let Some(t) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                let p = like_pattern(t);
                let like = |c: &str| {
                    Expr::expr(Func::lower(col("acc", c)))
                        .like(sea_query::LikeExpr::new(p.clone()).escape('\\'))
                };
                s.cond_where(Cond::any().add(like("name")).add(like("code")));
            }
            if let Some(k) = q.kind {
                s.and_where(col("acc", "kind").eq(k.as_str()));
            }
            if let Some(active) = q.active {
                s.and_where(col("acc", "active").eq(i64::from(active)));
            }
            if q.leaf_only {
                s.and_where(col("acc", "has_children").eq(0));
            }
        };
        let mut count = Query::select();
        count
            .from_as(a("ledger_accounts"), a("acc"))
            .expr_as(col("acc", "id").count(), a("n"));
        filter(&mut count);
        let total = get_i64(&self.fetch_one(&count).await?, "n")?;
        let mut s = account_select();
        filter(&mut s);
        let order = order_of(q.dir);
        match q.sort {
            AccountSort::Name => {}
            AccountSort::Code => {
                s.order_by_expr(
                    Func::coalesce([col("acc", "code"), Expr::val("")]).into(),
                    order.clone(),
                );
            }
            AccountSort::Kind => {
                s.order_by((a("acc"), a("kind")), order.clone());
            }
        }
        s.order_by((a("acc"), a("name")), order);
        let items = self
            .fetch_page(&s, q.paging)
            .await?
            .iter()
            .map(account_from)
            .collect::<Result<_>>()?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn all_accounts(&self, company: CompanyId) -> Result<Vec<Account>> {
        let mut s = account_select();
        s.and_where(col("acc", "company_id").eq(company.0))
            .order_by((a("acc"), a("name")), Order::Asc);
        self.fetch_all(&s).await?.iter().map(account_from).collect()
    }

    async fn get_account(&self, company: CompanyId, id: AccountId) -> Result<Option<Account>> {
        let mut s = account_select();
        s.and_where(col("acc", "company_id").eq(company.0))
            .and_where(col("acc", "id").eq(id.0));
        self.fetch_all(&s)
            .await?
            .first()
            .map(account_from)
            .transpose()
    }

    async fn accounts_by_keys(&self, company: CompanyId, keys: &[String]) -> Result<Vec<Account>> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for chunk in keys.chunks(VALUES_ROWS) {
            let mut s = account_select();
            s.and_where(col("acc", "company_id").eq(company.0))
                .cond_where(
                    Cond::any()
                        .add(col("acc", "name").is_in(chunk.iter().cloned()))
                        .add(col("acc", "code").is_in(chunk.iter().cloned())),
                )
                .order_by((a("acc"), a("name")), Order::Asc);
            for r in self.fetch_all(&s).await? {
                let acc = account_from(&r)?;
                if seen.insert(acc.id) {
                    out.push(acc);
                }
            }
        }
        Ok(out)
    }

    async fn insert_accounts(
        &self,
        company: CompanyId,
        accounts: &[NewAccount],
        mut audit: Vec<AuditDraft>,
    ) -> Result<Vec<AccountId>> {
        let mut tx = self.begin().await?;
        let now = Timestamp::now().0;
        let mut ids = Vec::with_capacity(accounts.len());
        for acc in accounts {
            let parent = match acc.name.parent() {
                Some(p) => Some(
                    account_id_by_name(&mut tx, company, p.as_str())
                        .await?
                        .ok_or_else(|| {
                            Error::invalid("name", format!("the parent account {p} does not exist"))
                        })?,
                ),
                None => None,
            };
            let id = insert_account_tx(
                &mut tx,
                company,
                &acc.name,
                acc.code.as_deref(),
                acc.kind,
                acc.commodity_id,
                &acc.description,
                parent,
                now,
            )
            .await?;
            ids.push(AccountId(id));
        }
        let names: Vec<String> = ids.iter().map(ToString::to_string).collect();
        fill_entity_ids(&mut audit, &names);
        for ev in audit {
            append_audit(&mut tx, ev).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }

    async fn update_account(
        &self,
        company: CompanyId,
        id: AccountId,
        update: &AccountUpdate,
        expected_version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE ledger_accounts SET code = $1, description = $2, active = $3, commodity_id = $4, version = version + 1 \
             WHERE id = $5 AND company_id = $6 AND version = $7",
        )
        .bind(update.code.as_deref())
        .bind(&update.description)
        .bind(i64::from(update.active))
        .bind(update.commodity_id.map(|c| c.0))
        .bind(id.0)
        .bind(company.0)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(|e| match db(e) {
            Error::Conflict { .. } => Error::conflict("another account has this code"),
            other => other,
        })?;
        if r.rows_affected() != 1 {
            let exists =
                sqlx::query("SELECT id FROM ledger_accounts WHERE id = $1 AND company_id = $2")
                    .bind(id.0)
                    .bind(company.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
            return Err(match exists {
                None => Error::NotFound { entity: "account" },
                Some(_) => Error::conflict(
                    "the account was changed by someone else since you read it; reload and try again",
                ),
            });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn journals(&self, company: CompanyId) -> Result<Vec<Journal>> {
        sqlx::query(
            "SELECT id, code, name, kind FROM ledger_journals WHERE company_id = $1 ORDER BY code",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(Journal {
                id: JournalId(get_i64(r, "id")?),
                code: get_str(r, "code")?,
                name: get_str(r, "name")?,
                kind: JournalKind::parse(&get_str(r, "kind")?)
                    .ok_or_else(|| bad_row("journal kind"))?,
            })
        })
        .collect()
    }

    async fn insert_journal(
        &self,
        company: CompanyId,
        code: &str,
        name: &str,
        kind: JournalKind,
        mut audit: AuditDraft,
    ) -> Result<JournalId> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO ledger_journals (company_id, code, name, kind) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(company.0)
        .bind(code)
        .bind(name)
        .bind(kind.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db(e) {
            Error::Conflict { .. } => Error::conflict(format!("a journal with code {code} exists already")),
            other => other,
        })?;
        let id = get_i64(&r, "id")?;
        audit.entity_id.get_or_insert_with(|| id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(JournalId(id))
    }

    async fn list_entries(&self, company: CompanyId, q: &EntryQuery) -> Result<Page<EntrySummary>> {
        let filter = |s: &mut SelectStatement| {
            s.from_as(a("ledger_entries"), a("e"))
                .and_where(col("e", "company_id").eq(company.0));
            if let Some(t) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                let p = like_pattern(t);
                let like = |c: &str| {
                    Expr::expr(Func::lower(col("e", c)))
                        .like(sea_query::LikeExpr::new(p.clone()).escape('\\'))
                };
                s.cond_where(Cond::any().add(like("description")).add(like("reference")));
            }
            if let Some(j) = q.journal {
                s.and_where(col("e", "journal_id").eq(j.0));
            }
            if let Some(st) = q.status {
                s.and_where(col("e", "status").eq(st.as_str()));
            }
            if let Some(f) = q.from {
                s.and_where(col("e", "date").gte(day_key(f)));
            }
            if let Some(t) = q.to {
                s.and_where(col("e", "date").lte(day_key(t)));
            }
            if let Some(acc) = q.account {
                let mut sub = Query::select();
                sub.expr(Expr::val(1))
                    .from_as(a("ledger_postings"), a("p"))
                    .and_where(col("p", "entry_id").equals((a("e"), a("id"))))
                    .and_where(col("p", "account_id").eq(acc.0));
                s.and_where(Expr::exists(sub));
            }
        };
        let mut count = Query::select();
        count.expr_as(count_all(), a("n"));
        filter(&mut count);
        let total = get_i64(&self.fetch_one(&count).await?, "n")?;

        let mut s = Query::select();
        filter(&mut s);
        s.inner_join(
            a("ledger_journals"),
            col("ledger_journals", "id").equals((a("e"), a("journal_id"))),
        );
        for c in [
            "id",
            "fiscal_year",
            "seq",
            "date",
            "status",
            "reference",
            "description",
            "reverses_id",
            "created_at",
        ] {
            s.column((a("e"), a(c)));
        }
        s.expr_as(col("ledger_journals", "code"), a("journal_code"));
        let order = order_of(q.dir);
        match q.sort {
            EntrySort::Date => {
                s.order_by((a("e"), a("date")), order.clone());
            }
            EntrySort::Number => {
                s.order_by((a("ledger_journals"), a("code")), order.clone())
                    .order_by((a("e"), a("fiscal_year")), order.clone())
                    .order_by_expr(
                        Func::coalesce([col("e", "seq"), Expr::val(0)]).into(),
                        order.clone(),
                    );
            }
            EntrySort::Description => {
                s.order_by((a("e"), a("description")), order.clone());
            }
            EntrySort::Status => {
                s.order_by((a("e"), a("status")), order.clone());
            }
        }
        s.order_by((a("e"), a("id")), order);
        let items = self
            .fetch_page(&s, q.paging)
            .await?
            .iter()
            .map(|r| {
                Ok(EntrySummary {
                    id: EntryId(get_i64(r, "id")?),
                    journal_code: get_str(r, "journal_code")?,
                    number: number_of(r)?,
                    date: date_of(r, "date")?,
                    status: status_of(r)?,
                    reference: get_str(r, "reference")?,
                    description: get_str(r, "description")?,
                    reverses: opt_i64(r, "reverses_id")?.map(EntryId),
                    created_at: Timestamp(get_i64(r, "created_at")?),
                })
            })
            .collect::<Result<_>>()?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn get_entry(&self, company: CompanyId, id: EntryId) -> Result<Option<Entry>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entries e JOIN ledger_journals j ON j.id = e.journal_id \
             WHERE e.company_id = $1 AND e.id = $2"
        );
        let rows = sqlx::query(&sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        Ok(self
            .entries_from_rows(company, &rows)
            .await?
            .into_iter()
            .next())
    }

    async fn insert_entries(
        &self,
        company: CompanyId,
        entries: &[NewEntry],
        status: EntryStatus,
        created_by: Option<UserId>,
        audit: Vec<AuditDraft>,
    ) -> Result<Vec<(EntryId, bool)>> {
        // A concurrent insert of the same client key makes ours fail on the unique index
        // (on PostgreSQL that aborts the transaction): start again, and the key is found.
        let keyed = entries.iter().any(|e| e.client_key.is_some());
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .insert_entries_once(company, entries, status, created_by, audit.clone())
                .await
            {
                Err(Error::Conflict { .. }) if keyed && attempt < 4 => continue,
                other => return other,
            }
        }
    }

    async fn update_draft(
        &self,
        company: CompanyId,
        id: EntryId,
        entry: &NewEntry,
        expected_version: i64,
        mut audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let current = sqlx::query(
            "SELECT status, version FROM ledger_entries WHERE id = $1 AND company_id = $2",
        )
        .bind(id.0)
        .bind(company.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(Error::NotFound { entity: "entry" })?;
        if status_of(&current)? != EntryStatus::Draft
            || get_i64(&current, "version")? != expected_version
        {
            return Err(self.why_not_draft(&mut tx, company, id, "changed").await);
        }
        check_refs(&mut tx, self.backend, company, &[entry]).await?;
        let start = fiscal_start_in(&mut tx, company).await?;
        let r = sqlx::query(
            "UPDATE ledger_entries SET journal_id = $1, fiscal_year = $2, date = $3, reference = $4, description = $5, comment = $6, \
             lines_json = $7, reverses_id = $8, version = version + 1 \
             WHERE id = $9 AND company_id = $10 AND status = 'draft' AND version = $11",
        )
        .bind(entry.journal_id.0)
        .bind(i64::from(fiscal_year(entry.date, start)))
        .bind(day_key(entry.date))
        .bind(&entry.reference)
        .bind(&entry.description)
        .bind(&entry.comment)
        .bind(lines_json(&entry.lines)?)
        .bind(entry.reverses.map(|r| r.0))
        .bind(id.0)
        .bind(company.0)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() != 1 {
            return Err(self.why_not_draft(&mut tx, company, id, "changed").await);
        }
        audit.entity_id.get_or_insert_with(|| id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn delete_draft(
        &self,
        company: CompanyId,
        id: EntryId,
        mut audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "DELETE FROM ledger_entries WHERE id = $1 AND company_id = $2 AND status = 'draft'",
        )
        .bind(id.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() != 1 {
            return Err(self.why_not_draft(&mut tx, company, id, "deleted").await);
        }
        audit.entity_id.get_or_insert_with(|| id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn set_entry_status(
        &self,
        company: CompanyId,
        id: EntryId,
        from: EntryStatus,
        to: EntryStatus,
        approved_by: Option<UserId>,
        mut audit: AuditDraft,
    ) -> Result<()> {
        if from == EntryStatus::Posted {
            return Err(Error::conflict(
                "a posted entry cannot change; reverse it instead",
            ));
        }
        let mut tx = self.begin().await?;
        if to == EntryStatus::Posted {
            lock_company(&mut tx, self.backend, company, false).await?;
        }
        let row = sqlx::query(
            "SELECT status, journal_id, date, lines_json FROM ledger_entries WHERE id = $1 AND company_id = $2",
        )
        .bind(id.0)
        .bind(company.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(Error::NotFound { entity: "entry" })?;
        if status_of(&row)? != from {
            return Err(Error::conflict(format!(
                "the entry is no longer {}; reload and try again",
                from.as_str()
            )));
        }
        let now = Timestamp::now().0;
        if to == EntryStatus::Posted {
            let date = date_of(&row, "date")?;
            check_open(&mut tx, company, &[date]).await?;
            let lines: Vec<Line> =
                serde_json::from_str(&opt_str(&row, "lines_json")?.unwrap_or_default())
                    .map_err(|_| bad_row("lines"))?;
            let start = fiscal_start_in(&mut tx, company).await?;
            let fy = i64::from(fiscal_year(date, start));
            let journal = get_i64(&row, "journal_id")?;
            let seq = take_numbers(&mut tx, journal, fy, 1).await?;
            // The entry becomes posted last: after that the trigger refuses any change.
            let date_key = day_key(date);
            let rows: Vec<PostingRow> = lines
                .iter()
                .enumerate()
                .map(|(i, line)| PostingRow {
                    entry: id.0,
                    line_no: i as i64 + 1,
                    date: date_key,
                    line,
                })
                .collect();
            insert_postings(&mut tx, self.backend, company, &rows).await?;
            let r = sqlx::query(
                "UPDATE ledger_entries SET status = 'posted', fiscal_year = $1, seq = $2, lines_json = NULL, posted_at = $3, approved_by = $4, version = version + 1 \
                 WHERE id = $5 AND status = $6",
            )
            .bind(fy)
            .bind(seq)
            .bind(now)
            .bind(approved_by.map(|u| u.0))
            .bind(id.0)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            if r.rows_affected() != 1 {
                return Err(Error::conflict(
                    "the entry changed meanwhile; reload and try again",
                ));
            }
            let mut deltas = HashMap::new();
            add_lines(&mut deltas, &lines, date);
            upsert_balances(&mut tx, self.backend, company, deltas).await?;
        } else {
            let r = sqlx::query(
                "UPDATE ledger_entries SET status = $1, approved_by = $2, version = version + 1 WHERE id = $3 AND status = $4",
            )
            .bind(to.as_str())
            .bind(approved_by.map(|u| u.0))
            .bind(id.0)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            if r.rows_affected() != 1 {
                return Err(Error::conflict(
                    "the entry changed meanwhile; reload and try again",
                ));
            }
        }
        audit.entity_id.get_or_insert_with(|| id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn reversal_of(&self, company: CompanyId, id: EntryId) -> Result<Option<EntryId>> {
        let r = sqlx::query(
            "SELECT id FROM ledger_entries WHERE company_id = $1 AND reverses_id = $2 ORDER BY id LIMIT 1",
        )
        .bind(company.0)
        .bind(id.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        r.map(|r| get_i64(&r, "id").map(EntryId)).transpose()
    }

    async fn periods(
        &self,
        company: CompanyId,
        from_month: i64,
        to_month: i64,
    ) -> Result<Vec<Period>> {
        sqlx::query(
            "SELECT month, status, changed_by, changed_at, reason FROM ledger_periods \
             WHERE company_id = $1 AND month BETWEEN $2 AND $3 ORDER BY month",
        )
        .bind(company.0)
        .bind(from_month)
        .bind(to_month)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(Period {
                month: get_i64(r, "month")?,
                status: match get_str(r, "status")?.as_str() {
                    "closed" => PeriodStatus::Closed,
                    _ => PeriodStatus::Open,
                },
                changed_by: Some(get_str(r, "changed_by")?),
                changed_at: Some(Timestamp(get_i64(r, "changed_at")?)),
                reason: get_str(r, "reason")?,
            })
        })
        .collect()
    }

    async fn set_period(
        &self,
        company: CompanyId,
        month: i64,
        status: PeriodStatus,
        by: &str,
        reason: &str,
        mut audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        lock_company(&mut tx, self.backend, company, true).await?;
        sqlx::query(
            "INSERT INTO ledger_periods (company_id, month, status, changed_by, changed_at, reason) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (company_id, month) DO UPDATE SET status = excluded.status, changed_by = excluded.changed_by, \
             changed_at = excluded.changed_at, reason = excluded.reason",
        )
        .bind(company.0)
        .bind(month)
        .bind(period_status_str(status))
        .bind(by)
        .bind(Timestamp::now().0)
        .bind(reason)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit.entity_id.get_or_insert_with(|| month.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn balances(&self, company: CompanyId, q: &BalanceQuery) -> Result<Vec<BalanceRow>> {
        let split = split_range(q.from, q.to);
        let mut sums: BTreeMap<(i64, i64, i64, String), Delta> = BTreeMap::new();
        let mut dims = String::new();
        if q.by_department {
            dims.push_str(", department_id");
        }
        if q.by_project {
            dims.push_str(", project");
        }
        let mut filters = String::new();
        let mut next = 4;
        if q.department.is_some() {
            let _ = write!(filters, " AND COALESCE(department_id, 0) = ${next}");
            next += 1;
        }
        if q.project.is_some() {
            let _ = write!(filters, " AND project = ${next}");
        }
        let dept_col = if q.by_department {
            "COALESCE(department_id, 0) AS dept"
        } else {
            "0 AS dept"
        };
        let project_col = if q.by_project {
            "project AS proj"
        } else {
            "'' AS proj"
        };
        let group = format!(
            "GROUP BY account_id, commodity_id{}",
            dims.replace("department_id", "COALESCE(department_id, 0)")
        );
        let sums_cols = "CAST(SUM(amount) AS BIGINT) AS amount, CAST(SUM(debit) AS BIGINT) AS debit, CAST(SUM(credit) AS BIGINT) AS credit";
        let mut queries = Vec::new();
        if let Some((m1, m2)) = split.months {
            queries.push((
                format!(
                    "SELECT account_id, commodity_id, {dept_col}, {project_col}, {sums_cols} FROM ledger_balances \
                     WHERE company_id = $1 AND month BETWEEN $2 AND $3{filters} {group}"
                ),
                m1,
                m2,
            ));
        }
        for (d1, d2) in &split.days {
            queries.push((
                format!(
                    "SELECT account_id, commodity_id, {dept_col}, {project_col}, \
                     CAST(SUM(p.amount) AS BIGINT) AS amount, \
                     CAST(SUM(CASE WHEN p.amount > 0 THEN p.amount ELSE 0 END) AS BIGINT) AS debit, \
                     CAST(SUM(CASE WHEN p.amount < 0 THEN -p.amount ELSE 0 END) AS BIGINT) AS credit \
                     FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id \
                     WHERE e.company_id = $1 AND e.date BETWEEN $2 AND $3 AND e.status = 'posted'{filters} {group}"
                ),
                *d1,
                *d2,
            ));
        }
        // The grouped rows come back as one JSON array in one row: with thousands of
        // accounts, handing each row from the database thread to the runtime cost more than
        // the sums themselves (measured: 1,500 accounts, 2,900 rows).
        let wrap: fn(&str) -> String = match self.backend {
            Backend::Sqlite => |inner: &str| {
                format!(
                    "SELECT COALESCE(json_group_array(json_array(account_id, commodity_id, dept, proj, \
                     amount, debit, credit)), '[]') AS j FROM ({inner}) AS g"
                )
            },
            Backend::Postgres => |inner: &str| {
                format!(
                    "SELECT COALESCE(json_agg(json_build_array(account_id, commodity_id, dept, proj, \
                     amount, debit, credit))::text, '[]') AS j FROM ({inner}) AS g"
                )
            },
        };
        for (sql, lo, hi) in queries {
            let sql = wrap(&sql);
            let mut qy = sqlx::query(&sql).bind(company.0).bind(lo).bind(hi);
            if let Some(d) = q.department {
                qy = qy.bind(d.0);
            }
            if let Some(p) = &q.project {
                qy = qy.bind(p.as_str());
            }
            let r = qy.fetch_one(&self.read).await.map_err(db)?;
            let rows: Vec<(i64, i64, i64, String, i64, i64, i64)> =
                serde_json::from_str(&get_str(&r, "j")?).map_err(|_| bad_row("balance sums"))?;
            for (account, commodity, dept, project, amount, debit, credit) in rows {
                sums.entry((account, commodity, dept, project))
                    .or_default()
                    .merge(Delta {
                        amount,
                        debit,
                        credit,
                        count: 0,
                    });
            }
        }
        Ok(sums
            .into_iter()
            .map(|((acc, com, dept, project), d)| BalanceRow {
                account_id: AccountId(acc),
                commodity_id: CommodityId(com),
                department_id: (q.by_department && dept != 0).then_some(DepartmentId(dept)),
                project,
                amount: d.amount,
                debit: d.debit,
                credit: d.credit,
            })
            .collect())
    }

    async fn account_ledger(
        &self,
        company: CompanyId,
        account: AccountId,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        paging: steward_core::list::Paging,
    ) -> Result<LedgerPage> {
        let owned = sqlx::query("SELECT id FROM ledger_accounts WHERE id = $1 AND company_id = $2")
            .bind(account.0)
            .bind(company.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        if owned.is_none() {
            return Err(Error::NotFound { entity: "account" });
        }
        let mut opening: BTreeMap<i64, i64> = BTreeMap::new();
        if let Some(f) = from {
            let m = month_key(f);
            for r in sqlx::query(
                "SELECT commodity_id, CAST(SUM(amount) AS BIGINT) AS s FROM ledger_balances \
                 WHERE account_id = $1 AND month < $2 GROUP BY commodity_id",
            )
            .bind(account.0)
            .bind(m)
            .fetch_all(&self.read)
            .await
            .map_err(db)?
            {
                *opening.entry(get_i64(&r, "commodity_id")?).or_default() += get_i64(&r, "s")?;
            }
            if f.day() > 1 {
                let start = month_start(m).map_or(0, day_key);
                for (c, s) in self.posting_sums(account.0, start, day_key(f) - 1).await? {
                    *opening.entry(c).or_default() += s;
                }
            }
        }
        let lo = from.map_or(0, day_key);
        let hi = to.map_or(MAX_DAY, day_key);
        let total = sqlx::query(
            "SELECT COUNT(*) AS n FROM ledger_postings WHERE account_id = $1 AND date BETWEEN $2 AND $3",
        )
        .bind(account.0)
        .bind(lo)
        .bind(hi)
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        let total = get_i64(&total, "n")?;
        let mut running = opening.clone();
        if paging.offset > 0 {
            // The rows of earlier pages, summed where they lie (bounds are our integers).
            let sql = format!(
                "SELECT commodity_id, CAST(SUM(amount) AS BIGINT) AS s FROM \
                 (SELECT commodity_id, amount FROM ledger_postings WHERE account_id = $1 AND date BETWEEN $2 AND $3 \
                  ORDER BY date, entry_id, line_no LIMIT {}) t GROUP BY commodity_id",
                paging.offset
            );
            for r in sqlx::query(&sql)
                .bind(account.0)
                .bind(lo)
                .bind(hi)
                .fetch_all(&self.read)
                .await
                .map_err(db)?
            {
                *running.entry(get_i64(&r, "commodity_id")?).or_default() += get_i64(&r, "s")?;
            }
        }
        let sql = format!(
            "SELECT p.entry_id, p.date, p.commodity_id, p.amount, p.memo, e.seq, e.fiscal_year, j.code AS journal_code, e.description, e.reference \
             FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id JOIN ledger_journals j ON j.id = e.journal_id \
             WHERE p.account_id = $1 AND p.date BETWEEN $2 AND $3 \
             ORDER BY p.date, p.entry_id, p.line_no LIMIT {} OFFSET {}",
            paging.limit, paging.offset
        );
        let mut rows = Vec::new();
        for r in sqlx::query(&sql)
            .bind(account.0)
            .bind(lo)
            .bind(hi)
            .fetch_all(&self.read)
            .await
            .map_err(db)?
        {
            let commodity = get_i64(&r, "commodity_id")?;
            let amount = get_i64(&r, "amount")?;
            let run = running.entry(commodity).or_default();
            *run = run.saturating_add(amount);
            rows.push(LedgerRow {
                entry_id: EntryId(get_i64(&r, "entry_id")?),
                number: number_of(&r)?,
                date: date_of(&r, "date")?,
                description: get_str(&r, "description")?,
                reference: get_str(&r, "reference")?,
                commodity_id: CommodityId(commodity),
                amount,
                memo: get_str(&r, "memo")?,
                running: *run,
            });
        }
        Ok(LedgerPage {
            opening: opening
                .into_iter()
                .map(|(c, s)| (CommodityId(c), s))
                .collect(),
            rows,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    async fn posted_entries_after(
        &self,
        company: CompanyId,
        after: Option<EntryId>,
        limit: u32,
    ) -> Result<Vec<Entry>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entries e JOIN ledger_journals j ON j.id = e.journal_id \
             WHERE e.company_id = $1 AND e.status = 'posted' AND e.id > $2 ORDER BY e.id LIMIT {}",
            limit.clamp(1, 10_000)
        );
        let rows = sqlx::query(&sql)
            .bind(company.0)
            .bind(after.map_or(0, |a| a.0))
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        self.entries_from_rows(company, &rows).await
    }

    async fn rates(&self, company: CompanyId) -> Result<Vec<Rate>> {
        sqlx::query(
            "SELECT r.date, c.symbol AS commodity, q.symbol AS quote, r.rate, r.source FROM ledger_rates r \
             JOIN ledger_commodities c ON c.id = r.commodity_id JOIN ledger_commodities q ON q.id = r.quote_id \
             WHERE r.company_id = $1 ORDER BY r.date, c.symbol, q.symbol",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(Rate {
                date: date_of(r, "date")?,
                commodity: get_str(r, "commodity")?,
                quote: get_str(r, "quote")?,
                rate: get_str(r, "rate")?,
                source: get_str(r, "source")?,
            })
        })
        .collect()
    }

    async fn upsert_rates(
        &self,
        company: CompanyId,
        rates: &[NewRate],
        audit: AuditDraft,
    ) -> Result<usize> {
        let mut tx = self.begin().await?;
        let known: HashSet<i64> =
            sqlx::query("SELECT id FROM ledger_commodities WHERE company_id = $1")
                .bind(company.0)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?
                .iter()
                .map(|r| get_i64(r, "id"))
                .collect::<Result<_>>()?;
        for r in rates {
            if !known.contains(&r.commodity_id.0) || !known.contains(&r.quote_id.0) {
                return Err(Error::invalid(
                    "commodity",
                    "a rate names a commodity that does not exist",
                ));
            }
            upsert_rate(
                &mut tx,
                company,
                r.commodity_id.0,
                r.quote_id.0,
                r.date,
                &r.rate,
                &r.source,
            )
            .await?;
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(rates.len())
    }

    async fn import_entries<S, F>(
        &self,
        company: CompanyId,
        setup: ImportSetup,
        created_by: Option<UserId>,
        make_source: F,
        audit: AuditDraft,
    ) -> Result<ImportSummary>
    where
        S: EntrySource,
        F: FnOnce(ImportIds) -> S + Send,
    {
        let mut tx = self.begin().await?;
        if self.backend == Backend::Sqlite {
            // A bigger page cache for the bulk insert (the index pages stay in memory); put
            // back before the connection returns to the pool.
            // Foreign keys checked at commit: then no statement can fail half-way on one,
            // and SQLite needs no statement journal.
            for pragma in [
                "PRAGMA cache_size = -131072",
                "PRAGMA defer_foreign_keys = ON",
            ] {
                sqlx::query(pragma).execute(&mut *tx).await.map_err(db)?;
            }
        }
        let result = self
            .import_in(&mut tx, company, setup, created_by, make_source, audit)
            .await;
        if self.backend == Backend::Sqlite {
            let _ = sqlx::query("PRAGMA cache_size = -2000")
                .execute(&mut *tx)
                .await;
        }
        let summary = result?;
        tx.commit().await.map_err(db)?;
        if summary.entries >= 1000 {
            if let Err(e) = self.analyze_ledger().await {
                tracing::warn!(error = %e, "refreshing statistics after an import failed");
            }
        }
        Ok(summary)
    }
}

async fn upsert_rate(
    tx: &mut Tx,
    company: CompanyId,
    commodity: i64,
    quote: i64,
    date: NaiveDate,
    rate: &str,
    source: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO ledger_rates (company_id, commodity_id, quote_id, date, rate, source) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (company_id, commodity_id, quote_id, date) DO UPDATE SET rate = excluded.rate, source = excluded.source",
    )
    .bind(company.0)
    .bind(commodity)
    .bind(quote)
    .bind(day_key(date))
    .bind(rate)
    .bind(source)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

impl Store {
    /// Refreshes the planner's statistics of the ledger's tables after a bulk import (the
    /// import is committed; best effort). SQLite reads for it without memory-mapping the file:
    /// mapped, the sampled pages of a fresh multi-million-row import counted some 250 MB
    /// towards the process's resident memory (measured).
    async fn analyze_ledger(&self) -> Result<()> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "PRAGMA mmap_size = 0; PRAGMA analysis_limit = 1000; \
                 ANALYZE ledger_accounts; ANALYZE ledger_balances; ANALYZE ledger_entries; ANALYZE ledger_postings; \
                 PRAGMA mmap_size = 268435456;"
            }
            Backend::Postgres => {
                "ANALYZE ledger_accounts, ledger_balances, ledger_entries, ledger_postings"
            }
        };
        sqlx::raw_sql(sql).execute(&self.write).await.map_err(db)?;
        Ok(())
    }

    /// Why a draft-only write touched no row: the entry is absent (for this company) or is
    /// no longer a draft / was changed meanwhile.
    async fn why_not_draft(
        &self,
        tx: &mut Tx,
        company: CompanyId,
        id: EntryId,
        what: &str,
    ) -> Error {
        let found =
            sqlx::query("SELECT status FROM ledger_entries WHERE id = $1 AND company_id = $2")
                .bind(id.0)
                .bind(company.0)
                .fetch_optional(&mut **tx)
                .await;
        match found {
            Ok(None) => Error::NotFound { entity: "entry" },
            Ok(Some(r)) if get_str(&r, "status").is_ok_and(|s| s != "draft") => Error::conflict(
                format!("only a draft can be {what}; this entry is no longer a draft"),
            ),
            Ok(Some(_)) => Error::conflict(
                "the entry was changed by someone else since you read it; reload and try again",
            ),
            Err(e) => db(e),
        }
    }

    async fn insert_entries_once(
        &self,
        company: CompanyId,
        entries: &[NewEntry],
        status: EntryStatus,
        created_by: Option<UserId>,
        mut audit: Vec<AuditDraft>,
    ) -> Result<Vec<(EntryId, bool)>> {
        let mut tx = self.begin().await?;
        let posted = status == EntryStatus::Posted;
        if posted {
            lock_company(&mut tx, self.backend, company, false).await?;
        }
        // Keys that exist already.
        let keys: Vec<String> = entries
            .iter()
            .filter_map(|e| e.client_key.clone())
            .collect();
        let mut existing: HashMap<String, i64> = HashMap::new();
        for chunk in keys.chunks(VALUES_ROWS) {
            let mut s = Query::select();
            s.columns([a("id"), a("client_key")])
                .from(a("ledger_entries"))
                .and_where(Expr::col(a("company_id")).eq(company.0))
                .and_where(Expr::col(a("client_key")).is_in(chunk.iter().cloned()));
            let (sql, values) = build(self.backend, &s);
            for r in bind_values(sqlx::query(&sql), values)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?
            {
                existing.insert(get_str(&r, "client_key")?, get_i64(&r, "id")?);
            }
        }
        // Which entries are new (a key repeated within the call counts once).
        let mut seen_keys = HashSet::new();
        let new: Vec<bool> = entries
            .iter()
            .map(|e| match &e.client_key {
                Some(k) => !existing.contains_key(k) && seen_keys.insert(k.clone()),
                None => true,
            })
            .collect();
        let fresh: Vec<&NewEntry> = entries
            .iter()
            .zip(&new)
            .filter(|(_, n)| **n)
            .map(|(e, _)| e)
            .collect();
        check_refs(&mut tx, self.backend, company, &fresh).await?;
        let start = fiscal_start_in(&mut tx, company).await?;
        let mut numbers = Vec::new();
        if posted {
            let dates: Vec<NaiveDate> = fresh.iter().map(|e| e.date).collect();
            check_open(&mut tx, company, &dates).await?;
            let keys: Vec<(i64, i64)> = fresh
                .iter()
                .map(|e| (e.journal_id.0, i64::from(fiscal_year(e.date, start))))
                .collect();
            numbers = number_entries(&mut tx, &keys).await?;
        }
        let now = Timestamp::now().0;
        let mut out = Vec::with_capacity(entries.len());
        let mut new_ids = Vec::new();
        let mut posted_ids: Vec<(i64, &NewEntry)> = Vec::new();
        let mut deltas = HashMap::new();
        let mut by_key: HashMap<String, i64> = HashMap::new();
        let mut numbers = numbers.into_iter();
        for (e, is_new) in entries.iter().zip(&new) {
            if !is_new {
                let id = e
                    .client_key
                    .as_ref()
                    .and_then(|k| existing.get(k).or_else(|| by_key.get(k)))
                    .copied()
                    .ok_or_else(|| Error::internal("client key lookup"))?;
                out.push((EntryId(id), false));
                continue;
            }
            let seq = if posted { numbers.next() } else { None };
            let r = sqlx::query(
                "INSERT INTO ledger_entries (company_id, journal_id, fiscal_year, seq, date, status, reference, description, comment, lines_json, client_key, reverses_id, created_by, created_at, posted_at, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1) RETURNING id",
            )
            .bind(company.0)
            .bind(e.journal_id.0)
            .bind(i64::from(fiscal_year(e.date, start)))
            .bind(seq)
            .bind(day_key(e.date))
            .bind(status.as_str())
            .bind(&e.reference)
            .bind(&e.description)
            .bind(&e.comment)
            .bind(if posted { None } else { Some(lines_json(&e.lines)?) })
            .bind(e.client_key.as_deref())
            .bind(e.reverses.map(|r| r.0))
            .bind(created_by.map(|u| u.0))
            .bind(now)
            .bind(posted.then_some(now))
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let id = get_i64(&r, "id")?;
            if let Some(k) = &e.client_key {
                by_key.insert(k.clone(), id);
            }
            if posted {
                posted_ids.push((id, e));
                add_lines(&mut deltas, &e.lines, e.date);
            }
            new_ids.push(id.to_string());
            out.push((EntryId(id), true));
        }
        let rows: Vec<PostingRow> = posted_ids
            .iter()
            .flat_map(|(id, e)| postings_of(*id, e))
            .collect();
        insert_postings(&mut tx, self.backend, company, &rows).await?;
        upsert_balances(&mut tx, self.backend, company, deltas).await?;
        if new_ids.is_empty() {
            // A pure retry: nothing happened, nothing to record.
            return Ok(out);
        }
        if audit.len() == entries.len() {
            // One event per entry: only the new ones happened.
            audit = audit
                .into_iter()
                .zip(&new)
                .filter(|(_, n)| **n)
                .map(|(a, _)| a)
                .collect();
        }
        fill_entity_ids(&mut audit, &new_ids);
        for ev in audit {
            append_audit(&mut tx, ev).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(out)
    }

    /// The import inside its transaction (see [`LedgerStore::import_entries`]).
    async fn import_in<S, F>(
        &self,
        tx: &mut Tx,
        company: CompanyId,
        setup: ImportSetup,
        created_by: Option<UserId>,
        make_source: F,
        mut audit: AuditDraft,
    ) -> Result<ImportSummary>
    where
        S: EntrySource,
        F: FnOnce(ImportIds) -> S + Send,
    {
        let backend = self.backend;
        lock_company(tx, backend, company, false).await?;
        let now = Timestamp::now().0;
        let mut summary = ImportSummary::default();

        // Commodities.
        let mut commodities: HashMap<String, CommodityId> = HashMap::new();
        for r in sqlx::query("SELECT id, symbol FROM ledger_commodities WHERE company_id = $1")
            .bind(company.0)
            .fetch_all(&mut **tx)
            .await
            .map_err(db)?
        {
            commodities.insert(get_str(&r, "symbol")?, CommodityId(get_i64(&r, "id")?));
        }
        for (symbol, precision) in &setup.commodities {
            if commodities.contains_key(symbol) {
                continue;
            }
            let r = sqlx::query(
                "INSERT INTO ledger_commodities (company_id, symbol, precision, name) VALUES ($1, $2, $3, '') RETURNING id",
            )
            .bind(company.0)
            .bind(symbol.as_str())
            .bind(i64::from(*precision))
            .fetch_one(&mut **tx)
            .await
            .map_err(db)?;
            commodities.insert(symbol.clone(), CommodityId(get_i64(&r, "id")?));
            summary.commodities_created += 1;
        }

        // Accounts, with any missing parents (of the same kind).
        let mut accounts: HashMap<String, AccountId> = HashMap::new();
        for r in sqlx::query("SELECT id, name FROM ledger_accounts WHERE company_id = $1")
            .bind(company.0)
            .fetch_all(&mut **tx)
            .await
            .map_err(db)?
        {
            accounts.insert(get_str(&r, "name")?, AccountId(get_i64(&r, "id")?));
        }
        for (name, kind) in &setup.accounts {
            let mut parent: Option<i64> = None;
            for n in name.ancestors_and_self() {
                let id = match accounts.get(n.as_str()) {
                    Some(id) => id.0,
                    None => {
                        let id =
                            insert_account_tx(tx, company, &n, None, *kind, None, "", parent, now)
                                .await?;
                        accounts.insert(n.as_str().to_string(), AccountId(id));
                        summary.accounts_created += 1;
                        id
                    }
                };
                parent = Some(id);
            }
        }

        // The journal: the one asked for, else the company's first general journal, else a
        // new one.
        let journal_id = match setup.journal_id {
            Some(j) => {
                let ok =
                    sqlx::query("SELECT id FROM ledger_journals WHERE id = $1 AND company_id = $2")
                        .bind(j.0)
                        .bind(company.0)
                        .fetch_optional(&mut **tx)
                        .await
                        .map_err(db)?;
                if ok.is_none() {
                    return Err(Error::NotFound { entity: "journal" });
                }
                j
            }
            None => {
                let found = sqlx::query(
                    "SELECT id FROM ledger_journals WHERE company_id = $1 AND kind = 'general' ORDER BY id LIMIT 1",
                )
                .bind(company.0)
                .fetch_optional(&mut **tx)
                .await
                .map_err(db)?;
                match found {
                    Some(r) => JournalId(get_i64(&r, "id")?),
                    None => {
                        let r = sqlx::query(
                            "INSERT INTO ledger_journals (company_id, code, name, kind) VALUES ($1, 'GJ', 'General journal', 'general') RETURNING id",
                        )
                        .bind(company.0)
                        .fetch_one(&mut **tx)
                        .await
                        .map_err(db)?;
                        JournalId(get_i64(&r, "id")?)
                    }
                }
            }
        };

        // Rates.
        for (date, commodity, quote, rate) in &setup.rates {
            let (Some(c), Some(q)) = (commodities.get(commodity), commodities.get(quote)) else {
                return Err(Error::invalid(
                    "rates",
                    format!("a rate of {commodity} in {quote} names an unknown commodity"),
                ));
            };
            upsert_rate(tx, company, c.0, q.0, *date, rate, &setup.format).await?;
        }

        let r = sqlx::query(
            "INSERT INTO ledger_imports (company_id, file_name, sha256, format, entries, postings, created_by, created_at) \
             VALUES ($1, $2, $3, $4, 0, 0, $5, $6) RETURNING id",
        )
        .bind(company.0)
        .bind(&setup.file_name)
        .bind(&setup.sha256)
        .bind(&setup.format)
        .bind(created_by.map(|u| u.0))
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
        let import_id = get_i64(&r, "id")?;

        let closed = closed_months(tx, company).await?;
        let start = fiscal_start_in(tx, company).await?;
        let id_seq = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let r = sqlx::query("SELECT pg_get_serial_sequence('ledger_entries', 'id') AS s")
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(db)?;
                Some(get_str(&r, "s")?)
            }
        };
        // SQLite: one writer, inside its transaction: ids follow the highest ever given.
        let mut next_id = match backend {
            Backend::Sqlite => {
                let r = sqlx::query(
                    "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'ledger_entries'), 0), \
                     COALESCE((SELECT MAX(id) FROM ledger_entries), 0)) AS m",
                )
                .fetch_one(&mut **tx)
                .await
                .map_err(db)?;
                get_i64(&r, "m")? + 1
            }
            Backend::Postgres => 0,
        };

        let mut source = make_source(ImportIds {
            accounts,
            commodities,
            journal_id,
        });
        let mut deltas: HashMap<BalanceKey, Delta> = HashMap::new();
        while let Some(batch) = source.next_batch().await? {
            for chunk in batch.chunks(BULK_ROWS) {
                let ids: Vec<i64> = match &id_seq {
                    None => {
                        let ids = (next_id..next_id + chunk.len() as i64).collect();
                        next_id += chunk.len() as i64;
                        ids
                    }
                    Some(seq) => sqlx::query(
                        "SELECT nextval($1::regclass) AS id FROM generate_series(1, $2)",
                    )
                    .bind(seq.as_str())
                    .bind(chunk.len() as i64)
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(db)?
                    .iter()
                    .map(|r| get_i64(r, "id"))
                    .collect::<Result<_>>()?,
                };
                let mut keys = Vec::with_capacity(chunk.len());
                for e in chunk {
                    let m = month_key(e.date);
                    if closed.contains(&m) {
                        return Err(closed_message(m));
                    }
                    keys.push((e.journal_id.0, i64::from(fiscal_year(e.date, start))));
                }
                let numbers = number_entries(tx, &keys).await?;
                let mut entry_rows = Vec::with_capacity(chunk.len());
                let mut posting_rows = Vec::with_capacity(chunk.len() * 3);
                for (((entry, id), seq), (_, fiscal_year)) in
                    chunk.iter().zip(&ids).zip(&numbers).zip(&keys)
                {
                    entry_rows.push(EntryRow {
                        id: *id,
                        fiscal_year: *fiscal_year,
                        seq: *seq,
                        entry,
                    });
                    posting_rows.extend(postings_of(*id, entry));
                    add_lines(&mut deltas, &entry.lines, entry.date);
                }
                summary.entries += chunk.len() as u64;
                summary.postings += posting_rows.len() as u64;
                insert_imported_entries(
                    tx,
                    backend,
                    company,
                    import_id,
                    created_by,
                    now,
                    &entry_rows,
                )
                .await?;
                insert_postings(tx, backend, company, &posting_rows).await?;
            }
        }
        upsert_balances(tx, backend, company, deltas).await?;
        sqlx::query("UPDATE ledger_imports SET entries = $1, postings = $2 WHERE id = $3")
            .bind(i64::try_from(summary.entries).unwrap_or(i64::MAX))
            .bind(i64::try_from(summary.postings).unwrap_or(i64::MAX))
            .bind(import_id)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        audit.entity_id = Some(import_id.to_string());
        append_audit(tx, audit).await?;
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }

    #[test]
    fn ranges_split_into_whole_months_and_partial_days() {
        assert_eq!(
            split_range(d("2026-01-01"), d("2026-03-31")),
            Split {
                months: Some((202601, 202603)),
                days: vec![]
            }
        );
        assert_eq!(
            split_range(d("2026-01-15"), d("2026-03-10")),
            Split {
                months: Some((202602, 202602)),
                days: vec![(20260115, 20260131), (20260301, 20260310)]
            }
        );
        assert_eq!(
            split_range(d("2026-01-15"), d("2026-01-20")),
            Split {
                months: None,
                days: vec![(20260115, 20260120)]
            }
        );
        assert_eq!(
            split_range(d("2025-12-02"), d("2026-01-31")),
            Split {
                months: Some((202601, 202601)),
                days: vec![(20251202, 20251231)]
            }
        );
        assert_eq!(
            split_range(None, d("2026-02-27")),
            Split {
                months: Some((0, 202601)),
                days: vec![(20260201, 20260227)]
            }
        );
        assert_eq!(
            split_range(d("2026-02-01"), None),
            Split {
                months: Some((202602, 999912)),
                days: vec![]
            }
        );
        assert_eq!(
            split_range(d("2026-02-02"), d("2026-02-01")),
            Split::default()
        );
    }
}
