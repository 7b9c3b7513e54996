//! Imported statements and their lines. The lines of one import are written with
//! multi-row INSERTs of up to `ROWS` rows (`?` placeholders on SQLite, whose driver binds
//! `$n` by name in quadratic time), each skipping an identity the account has already
//! (`ON CONFLICT DO NOTHING` on the unique (account, identity) index), so two imports of
//! the same lines at once still write them once.
use chrono::NaiveDate;
use sea_query::{Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use std::collections::HashSet;
use steward_core::audit::AuditDraft;
use steward_core::bank::statements::{
    BankLine, BankStatement, DayBalance, LineQuery, LineSort, LineStatus, NewLine, NewStatement,
    StatementQuery, StatementSort, StatementStore,
};
use steward_core::ids::{BankAccountId, BankLineId, CompanyId, StatementId, UserId};
use steward_core::ledger::day_key;
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::{a, date_of, opt_date};
use crate::sql::{col, contains_any, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Backend, Store};

/// Rows per multi-row INSERT: 15 binds a row stay under SQLite's 32766 and PostgreSQL's
/// 65535 bound values.
const ROWS: usize = 1000;
/// Identities per existence query.
const LOOKUP: usize = 500;

const STATEMENT_COLUMNS: &[&str] = &[
    "id",
    "account_id",
    "format",
    "sha256",
    "statement_id",
    "start_date",
    "end_date",
    "opening_date",
    "opening_minor",
    "closing_date",
    "closing_minor",
    "line_count",
    "duplicate_count",
    "continuity",
    "imported_by",
    "imported_at",
];

const STATEMENT_EXTRAS: [(&str, &str); 3] = [
    (
        "(SELECT b.name FROM bank_accounts b WHERE b.id = s.account_id)",
        "account_name",
    ),
    (
        "(SELECT b.currency FROM bank_accounts b WHERE b.id = s.account_id)",
        "currency",
    ),
    (
        "(SELECT u.display_name FROM users u WHERE u.id = s.imported_by)",
        "imported_by_name",
    ),
];

pub(super) const LINE_COLUMNS: &[&str] = &[
    "id",
    "statement_id",
    "account_id",
    "booking_date",
    "value_date",
    "amount_minor",
    "currency",
    "bank_ref",
    "end_to_end_id",
    "reference",
    "counterparty_name",
    "counterparty_iban",
    "description",
    "identity",
    "status",
    "source_line",
];

fn balance_of(r: &AnyRow, date: &str, minor: &str) -> Result<Option<DayBalance>> {
    Ok(match (opt_date(r, date)?, opt_i64(r, minor)?) {
        (Some(date), Some(minor)) => Some(DayBalance { date, minor }),
        _ => None,
    })
}

fn statement_of(r: &AnyRow) -> Result<BankStatement> {
    Ok(BankStatement {
        id: StatementId(get_i64(r, "id")?),
        account_id: BankAccountId(get_i64(r, "account_id")?),
        account_name: opt_str(r, "account_name")?.unwrap_or_default(),
        currency: opt_str(r, "currency")?.unwrap_or_default(),
        format: get_str(r, "format")?,
        sha256: get_str(r, "sha256")?,
        statement_id: opt_str(r, "statement_id")?,
        start_date: opt_date(r, "start_date")?,
        end_date: opt_date(r, "end_date")?,
        opening: balance_of(r, "opening_date", "opening_minor")?,
        closing: balance_of(r, "closing_date", "closing_minor")?,
        line_count: get_i64(r, "line_count")?,
        duplicate_count: get_i64(r, "duplicate_count")?,
        continuity: get_i64(r, "continuity")? != 0,
        imported_by: opt_i64(r, "imported_by")?.map(UserId),
        imported_by_name: opt_str(r, "imported_by_name")?,
        imported_at: Timestamp(get_i64(r, "imported_at")?),
    })
}

pub(super) fn line_of(r: &AnyRow) -> Result<BankLine> {
    Ok(BankLine {
        id: BankLineId(get_i64(r, "id")?),
        statement_id: StatementId(get_i64(r, "statement_id")?),
        account_id: BankAccountId(get_i64(r, "account_id")?),
        booking_date: date_of(r, "booking_date")?,
        value_date: opt_date(r, "value_date")?,
        amount_minor: get_i64(r, "amount_minor")?,
        currency: get_str(r, "currency")?,
        bank_ref: opt_str(r, "bank_ref")?,
        end_to_end_id: opt_str(r, "end_to_end_id")?,
        reference: opt_str(r, "reference")?,
        counterparty_name: opt_str(r, "counterparty_name")?,
        counterparty_iban: opt_str(r, "counterparty_iban")?,
        description: get_str(r, "description")?,
        identity: get_str(r, "identity")?,
        status: LineStatus::parse(&get_str(r, "status")?)
            .ok_or_else(|| Error::internal("bank: unknown line status"))?,
        source_line: get_i64(r, "source_line")?,
    })
}

fn order(dir: SortDir) -> Order {
    match dir {
        SortDir::Asc => Order::Asc,
        SortDir::Desc => Order::Desc,
    }
}

fn statements_filtered(company: CompanyId, q: &StatementQuery, s: &mut SelectStatement) {
    s.from_as(a("bank_statements"), a("s"))
        .and_where(col("s", "company_id").eq(company.0));
    if let Some(acc) = q.account {
        s.and_where(col("s", "account_id").eq(acc.0));
    }
    if let Some(from) = q.from {
        s.and_where(
            Expr::expr(Func::coalesce([
                col("s", "end_date"),
                col("s", "closing_date"),
                Expr::val(99_991_231i64),
            ]))
            .gte(day_key(from)),
        );
    }
    if let Some(to) = q.to {
        s.and_where(
            Expr::expr(Func::coalesce([
                col("s", "start_date"),
                col("s", "opening_date"),
                Expr::val(0i64),
            ]))
            .lte(day_key(to)),
        );
    }
}

fn lines_filtered(company: CompanyId, q: &LineQuery, s: &mut SelectStatement) {
    s.from_as(a("bank_statement_lines"), a("l"));
    // Lines carry no company: the account says whose they are.
    s.and_where(
        col("l", "account_id").in_subquery(
            Query::select()
                .column((a("b"), a("id")))
                .from_as(a("bank_accounts"), a("b"))
                .and_where(col("b", "company_id").eq(company.0))
                .to_owned(),
        ),
    );
    if let Some(st) = q.statement {
        s.and_where(col("l", "statement_id").eq(st.0));
    }
    if let Some(acc) = q.account {
        s.and_where(col("l", "account_id").eq(acc.0));
    }
    if let Some(status) = q.status {
        s.and_where(col("l", "status").eq(status.as_str()));
    }
    if let Some(from) = q.from {
        s.and_where(col("l", "booking_date").gte(day_key(from)));
    }
    if let Some(to) = q.to {
        s.and_where(col("l", "booking_date").lte(day_key(to)));
    }
    if let Some(c) = contains_any(
        q.search.as_deref(),
        &[
            ("l", "description"),
            ("l", "reference"),
            ("l", "counterparty_name"),
        ],
    ) {
        s.cond_where(c);
    }
}

const LINES_INTO: &str = "INSERT INTO bank_statement_lines (statement_id, account_id, booking_date, value_date, amount_minor, currency, bank_ref, end_to_end_id, reference, counterparty_name, counterparty_iban, description, identity, status, source_line) VALUES ";
const LINE_BINDS: usize = 14;

/// `(?, ?, ...)` rows, or `($1, ...)` numbered on PostgreSQL.
fn values_sql(backend: Backend, rows: usize) -> String {
    let mut sql = String::with_capacity(LINES_INTO.len() + rows * 80 + 64);
    sql.push_str(LINES_INTO);
    let mut n = 0;
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..LINE_BINDS {
            if c > 0 {
                sql.push_str(", ");
            }
            if c == 13 {
                // status, a constant between identity and source_line
                sql.push_str("'unmatched', ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    n += 1;
                    sql.push_str(&format!("${n}"));
                }
            }
        }
        sql.push(')');
    }
    sql.push_str(" ON CONFLICT (account_id, identity) DO NOTHING");
    sql
}

fn placeholders(backend: Backend, n: usize, first: usize) -> String {
    (0..n)
        .map(|i| match backend {
            Backend::Sqlite => "?".to_string(),
            Backend::Postgres => format!("${}", first + i),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl StatementStore for Store {
    async fn existing_identities(
        &self,
        account: BankAccountId,
        identities: &[String],
    ) -> Result<HashSet<String>> {
        let mut found = HashSet::new();
        for chunk in identities.chunks(LOOKUP) {
            let sql = format!(
                "SELECT identity FROM bank_statement_lines WHERE account_id = {} AND identity IN ({})",
                account.0,
                placeholders(self.backend, chunk.len(), 1)
            );
            let mut q = sqlx::query(&sql);
            for i in chunk {
                q = q.bind(i.as_str());
            }
            for r in q.fetch_all(&self.read).await.map_err(db)? {
                found.insert(get_str(&r, "identity")?);
            }
        }
        Ok(found)
    }

    async fn previous_closing(
        &self,
        account: BankAccountId,
        on_or_before: Option<NaiveDate>,
    ) -> Result<Option<DayBalance>> {
        let r = sqlx::query(
            "SELECT closing_date, closing_minor FROM bank_statements \
             WHERE account_id = $1 AND closing_date IS NOT NULL AND closing_date <= $2 \
             ORDER BY closing_date DESC, id DESC LIMIT 1",
        )
        .bind(account.0)
        .bind(on_or_before.map(day_key).unwrap_or(99_991_231))
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        match r {
            Some(r) => balance_of(&r, "closing_date", "closing_minor"),
            None => Ok(None),
        }
    }

    async fn insert_statement(
        &self,
        company: CompanyId,
        s: &NewStatement,
        lines: &[NewLine],
        mut audit: AuditDraft,
    ) -> Result<Option<(StatementId, u64)>> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO bank_statements (company_id, account_id, format, sha256, statement_id, start_date, end_date, \
             opening_date, opening_minor, closing_date, closing_minor, line_count, duplicate_count, continuity, \
             imported_by, imported_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        )
        .bind(company.0)
        .bind(s.account_id.0)
        .bind(&s.format)
        .bind(&s.sha256)
        .bind(s.statement_id.as_deref())
        .bind(s.start_date.map(day_key))
        .bind(s.end_date.map(day_key))
        .bind(s.opening.map(|b| day_key(b.date)))
        .bind(s.opening.map(|b| b.minor))
        .bind(s.closing.map(|b| day_key(b.date)))
        .bind(s.closing.map(|b| b.minor))
        .bind(s.line_count)
        .bind(s.duplicate_count)
        .bind(i64::from(s.continuity))
        .bind(s.imported_by.map(|u| u.0))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&r, "id")?;
        let mut written = 0u64;
        let full = values_sql(self.backend, ROWS);
        for chunk in lines.chunks(ROWS) {
            let partial;
            let sql = if chunk.len() == ROWS {
                &full
            } else {
                partial = values_sql(self.backend, chunk.len());
                &partial
            };
            let mut q = sqlx::query(sql);
            for l in chunk {
                q = q
                    .bind(id)
                    .bind(s.account_id.0)
                    .bind(day_key(l.booking_date))
                    .bind(l.value_date.map(day_key))
                    .bind(l.amount_minor)
                    .bind(l.currency.as_str())
                    .bind(l.bank_ref.as_deref())
                    .bind(l.end_to_end_id.as_deref())
                    .bind(l.reference.as_deref())
                    .bind(l.counterparty_name.as_deref())
                    .bind(l.counterparty_iban.as_deref())
                    .bind(l.description.as_str())
                    .bind(l.identity.as_str())
                    .bind(l.source_line);
            }
            written += q.execute(&mut *tx).await.map_err(db)?.rows_affected();
        }
        if written == 0 {
            tx.rollback().await.map_err(db)?;
            return Ok(None);
        }
        let dup = s.line_count - i64::try_from(written).unwrap_or(0);
        if dup != s.duplicate_count {
            // Another import wrote some of these lines since they were counted.
            sqlx::query("UPDATE bank_statements SET duplicate_count = $1 WHERE id = $2")
                .bind(dup)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(Some((StatementId(id), written)))
    }

    async fn list_statements(
        &self,
        company: CompanyId,
        q: &StatementQuery,
    ) -> Result<Page<BankStatement>> {
        let mut count = Query::select();
        statements_filtered(company, q, &mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        statements_filtered(company, q, &mut s);
        for c in STATEMENT_COLUMNS {
            s.column((a("s"), a(c)));
        }
        for (e, n) in STATEMENT_EXTRAS {
            s.expr_as(Expr::cust(e), a(n));
        }
        let dir = order(q.dir);
        match q.sort {
            StatementSort::Imported => s.order_by((a("s"), a("imported_at")), dir.clone()),
            StatementSort::EndDate => s.order_by_expr(
                Func::coalesce([
                    col("s", "end_date"),
                    col("s", "closing_date"),
                    Expr::val(0i64),
                ])
                .into(),
                dir.clone(),
            ),
        };
        s.order_by((a("s"), a("id")), dir);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        Ok(Page {
            items: rows.iter().map(statement_of).collect::<Result<_>>()?,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn statement(
        &self,
        company: CompanyId,
        id: StatementId,
    ) -> Result<Option<BankStatement>> {
        let cols: Vec<String> = STATEMENT_COLUMNS
            .iter()
            .map(|c| format!("s.{c}"))
            .chain(STATEMENT_EXTRAS.iter().map(|(e, n)| format!("{e} AS {n}")))
            .collect();
        let sql = format!(
            "SELECT {} FROM bank_statements s WHERE s.company_id = $1 AND s.id = $2",
            cols.join(", ")
        );
        sqlx::query(&sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(statement_of)
            .transpose()
    }

    async fn list_lines(&self, company: CompanyId, q: &LineQuery) -> Result<Page<BankLine>> {
        let mut count = Query::select();
        lines_filtered(company, q, &mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        lines_filtered(company, q, &mut s);
        for c in LINE_COLUMNS {
            s.column((a("l"), a(c)));
        }
        let dir = order(q.dir);
        match q.sort {
            LineSort::Date => s.order_by((a("l"), a("booking_date")), dir.clone()),
            LineSort::Amount => s.order_by((a("l"), a("amount_minor")), dir.clone()),
        };
        s.order_by((a("l"), a("id")), dir);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        Ok(Page {
            items: rows.iter().map(line_of).collect::<Result<_>>()?,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }
}
