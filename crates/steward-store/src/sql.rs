//! Running sea-query statements on either backend: build for the right dialect, bind the
//! values in order.
use sea_query::{QueryStatementWriter, Value, Values};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::Any;
use steward_core::Result;

use crate::{db, Backend, Store};

/// `t.c`, a table alias's column.
pub(crate) fn col(t: &str, c: &str) -> sea_query::Expr {
    sea_query::Expr::col((sea_query::Alias::new(t), sea_query::Alias::new(c)))
}

/// `COUNT(*)` for a list's total: unlike `COUNT(t.id)` it needs no column, so PostgreSQL
/// answers it from the filter's index alone (an index-only scan), not the table's rows.
pub(crate) fn count_all() -> sea_query::Expr {
    sea_query::Expr::cust("COUNT(*)")
}

pub(crate) fn build(backend: Backend, stmt: &impl QueryStatementWriter) -> (String, Values) {
    match backend {
        Backend::Sqlite => stmt.build(sea_query::SqliteQueryBuilder),
        Backend::Postgres => stmt.build(sea_query::PostgresQueryBuilder),
    }
}

pub(crate) fn bind_values<'q>(
    mut q: Query<'q, Any, AnyArguments<'q>>,
    values: Values,
) -> Query<'q, Any, AnyArguments<'q>> {
    for v in values.0 {
        q = match v {
            Value::Bool(b) => q.bind(b.map(i64::from)),
            Value::TinyInt(i) => q.bind(i.map(i64::from)),
            Value::SmallInt(i) => q.bind(i.map(i64::from)),
            Value::Int(i) => q.bind(i.map(i64::from)),
            Value::BigInt(i) => q.bind(i),
            Value::TinyUnsigned(i) => q.bind(i.map(i64::from)),
            Value::SmallUnsigned(i) => q.bind(i.map(i64::from)),
            Value::Unsigned(i) => q.bind(i.map(i64::from)),
            Value::BigUnsigned(i) => q.bind(i.map(|v| i64::try_from(v).unwrap_or(i64::MAX))),
            Value::String(s) => q.bind(s.map(|s| s.to_string())),
            Value::Char(c) => q.bind(c.map(|c| c.to_string())),
            Value::Float(f) => q.bind(f.map(f64::from)),
            Value::Double(f) => q.bind(f),
            Value::Bytes(b) => q.bind(b.map(|b| b.to_vec())),
            #[allow(unreachable_patterns)]
            other => q.bind(Some(format!("{other:?}"))),
        };
    }
    q
}

/// Bound values per multi-row statement: under SQLite's limit (32,766 since 3.32) and
/// PostgreSQL's (65,535), with room to spare.
const MAX_BOUND: usize = 30_000;

/// Rows of `cols` bound values each that one multi-row statement takes (at most 1,000).
pub(crate) fn rows_per_statement(cols: usize) -> usize {
    (MAX_BOUND / cols.max(1)).clamp(1, 1000)
}

/// `INSERT INTO {into} VALUES (…), (…)`: `rows` rows, each `row` with `?` for every bound
/// value (literals we own may stand between them). On SQLite the placeholders stay anonymous
/// `?` (sqlx resolves numbered ones by name, a linear walk per value: quadratic in a large
/// statement) and the statement is `INSERT OR FAIL` (no statement journal; a failure fails
/// the whole transaction anyway); on PostgreSQL they are numbered `$1, $2, …` in order.
pub(crate) fn insert_values(backend: Backend, into: &str, row: &str, rows: usize) -> String {
    let per_row = row.matches('?').count();
    let mut sql = String::with_capacity(into.len() + rows * (row.len() + 4 * per_row + 2) + 32);
    sql.push_str(match backend {
        Backend::Sqlite => "INSERT OR FAIL INTO ",
        Backend::Postgres => "INSERT INTO ",
    });
    sql.push_str(into);
    sql.push_str(" VALUES ");
    let mut n = 0usize;
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        match backend {
            Backend::Sqlite => sql.push_str(row),
            Backend::Postgres => {
                for c in row.chars() {
                    if c == '?' {
                        n += 1;
                        sql.push('$');
                        sql.push_str(&n.to_string());
                    } else {
                        sql.push(c);
                    }
                }
            }
        }
    }
    sql
}

/// `VALUES (…), (…)`: `rows` rows, each `row` with `?` for every bound value, numbered as
/// [`insert_values`] numbers them: a table of values to join in an `UPDATE … FROM (…) AS v`
/// (whose columns both databases name `column1`, `column2`, …). Cast each `?`
/// (`CAST(? AS BIGINT)`) so PostgreSQL types the columns.
pub(crate) fn values_table(backend: Backend, row: &str, rows: usize) -> String {
    let sql = insert_values(backend, "x", row, rows);
    match sql.find(" VALUES ") {
        Some(i) => sql[i + 1..].to_string(),
        None => sql,
    }
}

/// `n` fresh ids of `table` (whose `id` the database numbers), for rows written in
/// multi-row statements whose other rows must name them. SQLite: the one writer, inside its
/// transaction, continues after the highest id ever given (`sqlite_sequence`, or the
/// table's highest); PostgreSQL: `n` values of the column's sequence (never given twice,
/// whatever other transactions do).
pub(crate) async fn reserve_ids(
    tx: &mut crate::ledger::Tx,
    backend: Backend,
    table: &'static str,
    n: usize,
) -> Result<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let count = i64::try_from(n).map_err(steward_core::Error::internal)?;
    match backend {
        Backend::Sqlite => {
            let r = sqlx::query(&format!(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0),                  COALESCE((SELECT MAX(id) FROM {table}), 0)) AS m"
            ))
            .fetch_one(&mut **tx)
            .await
            .map_err(db)?;
            let first = crate::get_i64(&r, "m")? + 1;
            Ok((first..first + count).collect())
        }
        Backend::Postgres => {
            let mut ids = sqlx::query(&format!(
                "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id FROM generate_series(1, $1)"
            ))
            .bind(count)
            .fetch_all(&mut **tx)
            .await
            .map_err(db)?
            .iter()
            .map(|r| crate::get_i64(r, "id"))
            .collect::<Result<Vec<_>>>()?;
            ids.sort_unstable();
            Ok(ids)
        }
    }
}

impl Store {
    pub(crate) async fn fetch_all(&self, stmt: &impl QueryStatementWriter) -> Result<Vec<AnyRow>> {
        let (sql, values) = build(self.backend, stmt);
        bind_values(sqlx::query(&sql), values)
            .fetch_all(&self.read)
            .await
            .map_err(db)
    }
    /// A page of a list. The bounds are written into the SQL as literals (they are integers
    /// we computed, never client text): bound as parameters, PostgreSQL's generic plan no
    /// longer knows that only `limit` rows are wanted and sorts the whole table.
    pub(crate) async fn fetch_page(
        &self,
        stmt: &impl QueryStatementWriter,
        paging: steward_core::list::Paging,
    ) -> Result<Vec<AnyRow>> {
        let (sql, values) = build(self.backend, stmt);
        let sql = format!("{sql} LIMIT {} OFFSET {}", paging.limit, paging.offset);
        bind_values(sqlx::query(&sql), values)
            .fetch_all(&self.read)
            .await
            .map_err(db)
    }

    /// A page of a list and the list's total. The page is read first; the count (`count`,
    /// one row with column `n`, the same filter) only when the page cannot tell the total: a
    /// full page, or an empty one past the start. Short lists (most filtered ones) cost one
    /// statement, not two.
    pub(crate) async fn fetch_counted(
        &self,
        count: &impl QueryStatementWriter,
        page: &impl QueryStatementWriter,
        paging: steward_core::list::Paging,
    ) -> Result<(Vec<AnyRow>, u64)> {
        let rows = self.fetch_page(page, paging).await?;
        let total = match total_from_page(rows.len(), paging) {
            Some(n) => n,
            None => u64::try_from(crate::get_i64(&self.fetch_one(count).await?, "n")?).unwrap_or(0),
        };
        Ok((rows, total))
    }

    pub(crate) async fn fetch_one(&self, stmt: &impl QueryStatementWriter) -> Result<AnyRow> {
        let (sql, values) = build(self.backend, stmt);
        bind_values(sqlx::query(&sql), values)
            .fetch_one(&self.read)
            .await
            .map_err(db)
    }
}

/// The list's total when a page read with `paging` shows it: a page shorter than its limit
/// that holds something, or an empty first page. `None`: count.
fn total_from_page(rows: usize, paging: steward_core::list::Paging) -> Option<u64> {
    let rows = u64::try_from(rows).ok()?;
    if rows < u64::from(paging.limit) && (rows > 0 || paging.offset == 0) {
        paging.offset.checked_add(rows)
    } else {
        None
    }
}

/// Rows where any of `cols` (table alias, column) contains `text`, in any case (a NULL
/// column contains nothing); `None` when there is no text to look for.
pub(crate) fn contains_any(text: Option<&str>, cols: &[(&str, &str)]) -> Option<sea_query::Cond> {
    use sea_query::{Expr, ExprTrait, Func};
    let t = text.map(str::trim).filter(|t| !t.is_empty())?;
    let p = like_pattern(t);
    Some(
        cols.iter()
            .fold(sea_query::Cond::any(), |c, (table, column)| {
                c.add(
                    Expr::expr(Func::lower(Func::coalesce([
                        col(table, column),
                        Expr::val(""),
                    ])))
                    .like(sea_query::LikeExpr::new(p.clone()).escape('\\')),
                )
            }),
    )
}

/// `%text%` for LIKE, with the wildcard characters in `text` escaped by `\`.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::total_from_page;
    use steward_core::list::Paging;

    fn paging(limit: u32, offset: u64) -> Paging {
        Paging { limit, offset }
    }

    #[test]
    fn a_short_page_tells_the_total_a_full_or_empty_later_one_does_not() {
        assert_eq!(total_from_page(0, paging(50, 0)), Some(0));
        assert_eq!(total_from_page(7, paging(50, 0)), Some(7));
        assert_eq!(total_from_page(7, paging(50, 100)), Some(107));
        assert_eq!(total_from_page(50, paging(50, 0)), None);
        assert_eq!(total_from_page(0, paging(50, 100)), None);
    }
}
