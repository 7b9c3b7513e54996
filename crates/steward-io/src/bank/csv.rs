//! CSV statements read with a saved column mapping ([`CsvMapping`]): which header holds the
//! date, the amount (or debit and credit), the description and so on.
//!
//! The grid is read by the crate's CSV table reader (quotes, line breaks in cells, ragged
//! rows, delimiter sniffing), after the text is decoded (UTF-8, else Windows-1252, the
//! usual encoding of bank exports) and the bank's preamble lines are skipped.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::text::decode;
use super::{
    currency_code, normalize_iban, parse_amount, squeeze, AccountId, Balance, Decimal, Format,
    Statement, StatementError, StatementLine,
};
use crate::table::{read_csv_with, ReadLimits, Row, Table};

/// Where a bank's CSV export keeps what, saved per bank account (as JSON) so the next
/// upload reads the same way. Columns are named by their header text (surrounding blanks
/// ignored; matched exactly, else ignoring case).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CsvMapping {
    /// The booking date's column.
    pub date: String,
    /// The date format, as chrono writes it: `%d.%m.%Y`, `%Y-%m-%d`, `%m/%d/%Y`.
    pub date_format: String,
    /// One signed amount column (money in positive)...
    pub amount: Option<String>,
    /// ...or a debit column (money out; read as its magnitude, so `12,50` and `-12,50` are
    /// both a payment of 12.50)...
    pub debit: Option<String>,
    /// ...and a credit column (money in, also as its magnitude). A row may fill one of the
    /// two; both with a non-zero amount is an error.
    pub credit: Option<String>,
    /// The description: these columns' cells joined with a space (runs of white space,
    /// line breaks too, as one space).
    pub description: Vec<String>,
    /// The payment reference.
    pub reference: Option<String>,
    /// The counterparty's name.
    pub counterparty_name: Option<String>,
    /// The counterparty's IBAN.
    pub counterparty_iban: Option<String>,
    /// The bank's own reference of the transaction (makes identities exact).
    pub bank_ref: Option<String>,
    /// The value date (same format as the date).
    pub value_date: Option<String>,
    /// The running balance after each row: gives the opening and closing balance.
    pub balance: Option<String>,
    /// Amounts are written `1.234,56` (else `1,234.56`).
    pub decimal_comma: bool,
    /// The delimiter (`b';'`), or `None` to detect `,`, `;` or tab from the header line.
    pub delimiter: Option<u8>,
    /// Lines before the header row to skip (a bank's account summary above the table).
    pub skip_rows: usize,
    /// The account's currency (ISO 4217), which CSV exports rarely state per row; the
    /// statement's and every line's currency (empty when `None`).
    pub currency: Option<String>,
}

/// The mapped columns, as indexes into a row.
struct Columns {
    date: usize,
    amount: Amount,
    description: Vec<usize>,
    reference: Option<usize>,
    counterparty_name: Option<usize>,
    counterparty_iban: Option<usize>,
    bank_ref: Option<usize>,
    value_date: Option<usize>,
    balance: Option<usize>,
}

enum Amount {
    Signed(usize),
    DebitCredit(Option<usize>, Option<usize>),
}

pub(crate) fn read(bytes: &[u8], m: &CsvMapping) -> Result<Statement, StatementError> {
    let text = decode(bytes);
    let (start, skipped) = skip_lines(&text, m.skip_rows);
    let limits = ReadLimits {
        max_rows: usize::MAX,
        max_bytes: usize::MAX,
    };
    let (header_line, table) = read_csv_with(&text.as_bytes()[start..], &limits, m.delimiter)
        .map_err(|e| StatementError::new(e.line().unwrap_or(1) + skipped, None, e.message()))?;
    let header_line = header_line + skipped;
    let currency = match &m.currency {
        Some(c) => currency_code(c).ok_or_else(|| {
            StatementError::new(
                header_line,
                Some("currency"),
                format!(
                    "the mapping's currency '{c}' is not a currency code (three letters, e.g. EUR)"
                ),
            )
        })?,
        None => String::new(),
    };
    if m.date_format.trim().is_empty() {
        return Err(StatementError::new(
            header_line,
            Some(&m.date),
            "the mapping has no date format",
        ));
    }
    let cols = columns(m, &table, header_line)?;
    let mut lines = Vec::with_capacity(table.rows.len());
    let mut balances = Vec::new();
    for row in &table.rows {
        let line = row.line + skipped;
        let l = read_row(m, &table, &cols, row, line, &currency)?;
        if let Some(b) = cols.balance {
            balances.push(opt_amount(m, &table, row, line, Some(b))?);
        }
        lines.push(l);
    }
    let (opening, closing) = balance_ends(&lines, &balances);
    Ok(Statement {
        format: Format::Csv,
        account: AccountId::default(),
        currency,
        statement_id: None,
        start_date: None,
        end_date: None,
        opening,
        closing,
        lines,
    })
}

/// The byte offset after `n` lines, and how many lines there were to skip.
fn skip_lines(text: &str, n: usize) -> (usize, usize) {
    let b = text.as_bytes();
    let mut skipped = 0;
    let mut i = 0;
    while skipped < n && i < b.len() {
        if b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')) {
            skipped += 1;
        }
        i += 1;
    }
    if skipped < n {
        // The file ends inside the preamble: nothing left to read.
        return (b.len(), skipped);
    }
    (i, skipped)
}

fn columns(m: &CsvMapping, t: &Table, header_line: usize) -> Result<Columns, StatementError> {
    let find = |name: &str| -> Result<usize, StatementError> {
        let name = name.trim();
        t.headers
            .iter()
            .position(|h| h == name)
            .or_else(|| {
                let lower = name.to_lowercase();
                t.headers.iter().position(|h| h.to_lowercase() == lower)
            })
            .ok_or_else(|| {
                StatementError::new(
                    header_line,
                    Some(name),
                    format!(
                        "the file has no column '{name}' (its columns are: {})",
                        t.headers.join(", ")
                    ),
                )
            })
    };
    let opt = |name: &Option<String>| name.as_deref().map(find).transpose();
    let amount = match (&m.amount, &m.debit, &m.credit) {
        (Some(a), None, None) => Amount::Signed(find(a)?),
        (None, d, c) if d.is_some() || c.is_some() => Amount::DebitCredit(opt(d)?, opt(c)?),
        (Some(a), _, _) => {
            return Err(StatementError::new(
                header_line,
                Some(a),
                "the mapping names both an amount column and debit/credit columns; choose one",
            ))
        }
        _ => {
            return Err(StatementError::new(
                header_line,
                None,
                "the mapping names no amount column (or debit and credit columns)",
            ))
        }
    };
    Ok(Columns {
        date: find(&m.date)?,
        amount,
        description: m
            .description
            .iter()
            .map(|d| find(d))
            .collect::<Result<_, _>>()?,
        reference: opt(&m.reference)?,
        counterparty_name: opt(&m.counterparty_name)?,
        counterparty_iban: opt(&m.counterparty_iban)?,
        bank_ref: opt(&m.bank_ref)?,
        value_date: opt(&m.value_date)?,
        balance: opt(&m.balance)?,
    })
}

fn cell(row: &Row, i: usize) -> &str {
    row.cells.get(i).map_or("", |c| c.trim())
}

fn header(t: &Table, i: usize) -> &str {
    t.headers.get(i).map_or("", String::as_str)
}

fn read_row(
    m: &CsvMapping,
    t: &Table,
    c: &Columns,
    row: &Row,
    line: usize,
    currency: &str,
) -> Result<StatementLine, StatementError> {
    let booking_date = opt_date(m, t, row, line, Some(c.date))?
        .ok_or_else(|| StatementError::new(line, Some(header(t, c.date)), "the date is empty"))?;
    let amount = match c.amount {
        Amount::Signed(i) => opt_amount(m, t, row, line, Some(i))?
            .ok_or_else(|| StatementError::new(line, Some(header(t, i)), "the amount is empty"))?,
        Amount::DebitCredit(d, cr) => debit_credit(m, t, row, line, d, cr)?,
    };
    let text = |i: Option<usize>| {
        i.map(|i| cell(row, i))
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    // Line breaks inside quoted cells become spaces, like the joins between cells.
    let description = squeeze(
        &c.description
            .iter()
            .map(|&i| cell(row, i))
            .collect::<Vec<_>>()
            .join(" "),
    );
    Ok(StatementLine {
        format: Format::Csv,
        line,
        occurrence: 0,
        booking_date,
        value_date: opt_date(m, t, row, line, c.value_date)?,
        amount,
        currency: currency.to_owned(),
        bank_ref: text(c.bank_ref),
        end_to_end_id: None,
        reference: text(c.reference),
        counterparty_name: text(c.counterparty_name),
        counterparty_iban: c
            .counterparty_iban
            .and_then(|i| normalize_iban(cell(row, i))),
        description,
    })
}

/// Debit and credit columns to one signed amount.
fn debit_credit(
    m: &CsvMapping,
    t: &Table,
    row: &Row,
    line: usize,
    debit: Option<usize>,
    credit: Option<usize>,
) -> Result<Decimal, StatementError> {
    let d = opt_amount(m, t, row, line, debit)?;
    let c = opt_amount(m, t, row, line, credit)?;
    let magnitude = |v: Decimal| v.checked_abs().unwrap_or(v);
    let name = |i: Option<usize>| i.map_or("", |i| header(t, i));
    match (d.filter(|v| !v.is_zero()), c.filter(|v| !v.is_zero())) {
        (Some(_), Some(_)) => Err(StatementError::new(
            line,
            Some(name(debit)),
            format!("both {} and {} hold an amount", name(debit), name(credit)),
        )),
        (Some(d), None) => Ok(magnitude(d).checked_neg().unwrap_or(d)),
        (None, Some(c)) => Ok(magnitude(c)),
        (None, None) => match d.or(c) {
            Some(zero) => Ok(magnitude(zero)),
            None => {
                let (col, what) = match (debit, credit) {
                    (Some(d), Some(_)) => (d, "the debit and credit columns are both empty"),
                    (Some(d), None) => (d, "the debit is empty"),
                    (None, Some(c)) => (c, "the credit is empty"),
                    (None, None) => (0, "there is no amount column"),
                };
                Err(StatementError::new(line, Some(header(t, col)), what))
            }
        },
    }
}

fn opt_amount(
    m: &CsvMapping,
    t: &Table,
    row: &Row,
    line: usize,
    col: Option<usize>,
) -> Result<Option<Decimal>, StatementError> {
    let Some(i) = col else { return Ok(None) };
    let s = cell(row, i);
    if s.is_empty() {
        return Ok(None);
    }
    let mark = if m.decimal_comma { ',' } else { '.' };
    parse_amount(s, mark, true)
        .map(Some)
        .map_err(|e| StatementError::new(line, Some(header(t, i)), e))
}

fn opt_date(
    m: &CsvMapping,
    t: &Table,
    row: &Row,
    line: usize,
    col: Option<usize>,
) -> Result<Option<NaiveDate>, StatementError> {
    let Some(i) = col else { return Ok(None) };
    let s = cell(row, i);
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, m.date_format.trim())
        .map(Some)
        .map_err(|_| {
            StatementError::new(
                line,
                Some(header(t, i)),
                format!("'{s}' is not a date in the format {}", m.date_format.trim()),
            )
        })
}

/// Opening and closing balance from a running balance column: the oldest row's balance
/// before its amount, and the newest row's balance. Rows are oldest first unless the first
/// row's date is after the last's (many banks list the newest first).
fn balance_ends(
    lines: &[StatementLine],
    balances: &[Option<Decimal>],
) -> (Option<Balance>, Option<Balance>) {
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
        return (None, None);
    };
    let n = lines.len() - 1;
    let (old, new) = if first.booking_date > last.booking_date {
        (n, 0)
    } else {
        (0, n)
    };
    let at = |i: usize| balances.get(i).copied().flatten();
    let opening = at(old).and_then(|b| {
        let l = lines.get(old)?;
        Some(Balance {
            date: l.booking_date,
            amount: b.checked_sub(l.amount)?,
        })
    });
    let closing = at(new).and_then(|b| {
        Some(Balance {
            date: lines.get(new)?.booking_date,
            amount: b,
        })
    });
    (opening, closing)
}

#[cfg(test)]
mod tests;
