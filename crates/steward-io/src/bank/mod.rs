//! Bank statements: pure readers for OFX (1.x SGML and 2.x XML), ISO 20022 CAMT.053 and CSV
//! with a saved column mapping, all into one model, [`Statement`].
//!
//! Like the rest of this crate the readers take bytes and return values: no I/O, no
//! database. A file is read whole or refused whole: the first problem is returned as a
//! [`StatementError`] naming the 1-based line (and the column, field or element) where it
//! is, so a person can find it in the file.
//!
//! Amounts are exact ([`Decimal`], the journal reader's type), signed from the account
//! holder's side: money in is positive, money out negative.
//!
//! Re-importing the same statement must add nothing, so every line has a stable identity
//! ([`StatementLine::identity`], [`Statement::identities`]): the bank's own reference when
//! the file has one, else a SHA-256 of what the line says, with the line's
//! [`occurrence`](StatementLine::occurrence) among identical lines of the same statement so
//! that two genuinely identical lines (two coffees on one day) stay two.

mod amount;
mod camt053;
mod csv;
mod ofx;
mod text;
mod tree;

pub use self::csv::CsvMapping;
pub use crate::journal::Decimal;
pub use amount::parse_amount;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;

/// A bank statement file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma-, semicolon- or tab-separated values read with a [`CsvMapping`].
    Csv,
    /// Open Financial Exchange, 1.x (SGML) or 2.x (XML).
    Ofx,
    /// ISO 20022 bank-to-customer statement, `camt.053.001.02` and later.
    Camt053,
}

impl Format {
    /// Sniffs the format from the content: OFX (`OFXHEADER:` / `<OFX>`) or CAMT.053 (its
    /// namespace). CSV cannot be told from text, so `None` means "maybe CSV".
    pub fn detect(bytes: &[u8]) -> Option<Format> {
        let head = &bytes[..bytes.len().min(64 * 1024)];
        if memchr::memmem::find(head, b"urn:iso:std:iso:20022:tech:xsd:camt.053").is_some() {
            Some(Format::Camt053)
        } else if memchr::memmem::find(head, b"OFXHEADER").is_some()
            || contains_ignore_case(head, b"<OFX>")
        {
            Some(Format::Ofx)
        } else {
            None
        }
    }

    /// The prefix of identities made from the bank's reference: `csv`, `ofx` or `camt`.
    pub fn family(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Ofx => "ofx",
            Format::Camt053 => "camt",
        }
    }
}

fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// The account a statement is for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountId {
    /// The IBAN (without spaces, upper case) or the bank's account number (OFX `ACCTID`,
    /// CAMT `Othr/Id`). Empty when the file does not say (CSV).
    pub number: String,
    /// True when `number` is an IBAN (CAMT `Acct/Id/IBAN`, or an OFX `ACCTID` shaped like one).
    pub is_iban: bool,
    /// The bank: OFX `BANKID` (routing number, sort code, BLZ), CAMT `Svcr/FinInstnId/BIC`
    /// (`BICFI` from version 4).
    pub bank_id: Option<String>,
}

impl AccountId {
    /// The account as one string for identities: the IBAN, or `BANKID/NUMBER` (or the
    /// number alone when the bank is not given).
    pub fn key(&self) -> String {
        match &self.bank_id {
            Some(bank) if !self.is_iban => format!("{bank}/{}", self.number),
            _ => self.number.clone(),
        }
    }
}

/// A balance on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Balance {
    /// The day it holds on (opening: at the start; closing: at the end).
    pub date: NaiveDate,
    /// Signed: below zero when the account is overdrawn.
    pub amount: Decimal,
}

/// One statement of one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// What it was read from.
    pub format: Format,
    /// Whose statement it is.
    pub account: AccountId,
    /// The account's currency (ISO 4217), e.g. `EUR`. For CSV, the mapping's
    /// [`currency`](CsvMapping::currency), or empty.
    pub currency: String,
    /// The bank's id of the statement (CAMT `Stmt/Id`); OFX and CSV have none.
    pub statement_id: Option<String>,
    /// First day covered (OFX `DTSTART`, CAMT `FrToDt/FrDtTm`).
    pub start_date: Option<NaiveDate>,
    /// Last day covered (OFX `DTEND`, CAMT `FrToDt/ToDtTm`).
    pub end_date: Option<NaiveDate>,
    /// Opening balance (CAMT `OPBD`, else `PRCD`; CSV from a balance column).
    pub opening: Option<Balance>,
    /// Closing balance (OFX `LEDGERBAL`, CAMT `CLBD`; CSV from a balance column).
    pub closing: Option<Balance>,
    /// The booked lines in file order.
    pub lines: Vec<StatementLine>,
}

/// One booked movement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementLine {
    /// The format it was read from (the prefix of its identity).
    pub format: Format,
    /// 1-based line of the source file where the entry starts.
    pub line: usize,
    /// How many earlier lines of the same statement have the same identity basis (the same
    /// bank reference and booking date, or, without a reference, the same booking date,
    /// amount, description and counterparty). Set by the readers; 0 for nearly every line.
    pub occurrence: usize,
    /// Booking date.
    pub booking_date: NaiveDate,
    /// Value date (OFX: `DTUSER`, else `DTAVAIL`).
    pub value_date: Option<NaiveDate>,
    /// Signed: credits (money in) positive, debits negative.
    pub amount: Decimal,
    /// ISO 4217 currency of `amount`.
    pub currency: String,
    /// The bank's reference: OFX `FITID`; CAMT `AcctSvcrRef`, else `NtryRef`, else `TxId`;
    /// CSV the mapped column.
    pub bank_ref: Option<String>,
    /// The payer's end-to-end id (SEPA), `NOTPROVIDED` left out.
    pub end_to_end_id: Option<String>,
    /// Structured creditor reference (e.g. `RF18 5390 0754 7034`) or the remittance text.
    pub reference: Option<String>,
    /// Who paid (on a credit) or was paid (on a debit).
    pub counterparty_name: Option<String>,
    /// Their IBAN, without spaces, upper case.
    pub counterparty_iban: Option<String>,
    /// What the bank says about it.
    pub description: String,
}

/// Why a statement could not be read. Displays as `line 12, column amount: message`
/// (or `line 12: message` when no column, field or element applies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementError {
    /// 1-based line of the file.
    pub line: usize,
    /// The column (CSV header), field or element name, when one applies.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl StatementError {
    pub(crate) fn new(line: usize, column: Option<&str>, message: impl Into<String>) -> Self {
        StatementError {
            line,
            column: column.map(str::to_owned),
            message: message.into(),
        }
    }
}

impl fmt::Display for StatementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column {c}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

impl std::error::Error for StatementError {}

/// Reads one statement. A file holding several (several accounts in one OFX download, or
/// several `Stmt` in a CAMT message) is refused; [`read_all`] takes them all.
/// `csv_mapping` is required for [`Format::Csv`] and ignored otherwise.
///
/// Never panics, whatever the bytes.
pub fn read(
    bytes: &[u8],
    format: Format,
    csv_mapping: Option<&CsvMapping>,
) -> Result<Statement, StatementError> {
    let mut all = read_located(bytes, format, csv_mapping)?;
    if let Some((line, _)) = all.get(1) {
        let element = match format {
            Format::Ofx => Some("STMTRS"),
            Format::Camt053 => Some("Stmt"),
            Format::Csv => None,
        };
        return Err(StatementError::new(
            *line,
            element,
            format!(
                "the file holds {} statements; import them one at a time",
                all.len()
            ),
        ));
    }
    all.pop()
        .map(|(_, s)| s)
        .ok_or_else(|| StatementError::new(1, None, "the file holds no statement"))
}

/// Reads every statement in the file, in file order.
pub fn read_all(
    bytes: &[u8],
    format: Format,
    csv_mapping: Option<&CsvMapping>,
) -> Result<Vec<Statement>, StatementError> {
    Ok(read_located(bytes, format, csv_mapping)?
        .into_iter()
        .map(|(_, s)| s)
        .collect())
}

/// The statements with the line each starts on.
fn read_located(
    bytes: &[u8],
    format: Format,
    csv_mapping: Option<&CsvMapping>,
) -> Result<Vec<(usize, Statement)>, StatementError> {
    let mut statements = match format {
        Format::Ofx => ofx::read(bytes)?,
        Format::Camt053 => camt053::read(bytes)?,
        Format::Csv => {
            let mapping = csv_mapping.ok_or_else(|| {
                StatementError::new(1, None, "a CSV statement needs a column mapping")
            })?;
            vec![(1, self::csv::read(bytes, mapping)?)]
        }
    };
    for (_, s) in &mut statements {
        s.number_occurrences();
    }
    Ok(statements)
}

impl Statement {
    /// Whether opening + the lines = closing; `None` when either balance is missing (or the
    /// sum overflows). A mismatch is not a read error: the caller shows it.
    pub fn balances_add_up(&self) -> Option<bool> {
        let opening = self.opening?;
        let closing = self.closing?;
        let mut sum = opening.amount;
        for l in &self.lines {
            sum = sum.checked_add(l.amount)?;
        }
        Some(sum == closing.amount)
    }

    /// The identity of every line, in order, for this statement's own account
    /// ([`AccountId::key`]). See [`StatementLine::identity`].
    pub fn identities(&self) -> Vec<String> {
        self.identities_for(&self.account.key())
    }

    /// The identity of every line for `account` (for CSV, whose file does not name it).
    pub fn identities_for(&self, account: &str) -> Vec<String> {
        self.lines.iter().map(|l| l.identity(account)).collect()
    }

    /// Sets every line's [`occurrence`](StatementLine::occurrence) from the lines before it
    /// (the readers do this; call it again after changing the lines).
    pub fn number_occurrences(&mut self) {
        let mut seen: HashMap<Vec<u8>, usize> = HashMap::new();
        for l in &mut self.lines {
            let n = seen.entry(l.identity_basis()).or_insert(0);
            l.occurrence = *n;
            *n += 1;
        }
    }
}

impl StatementLine {
    /// A stable identity, so that importing the same statement again adds nothing.
    ///
    /// With a bank reference: `FAMILY:ACCOUNT:BOOKING-DATE:REFERENCE` (`:`, `#` and `%`
    /// in the account and reference are %-escaped), plus `#N` for the Nth repetition of the
    /// same reference and date. The date is part of it because some banks' references only
    /// number the entries of one statement (CAMT `NtryRef` 1, 2, 3...).
    ///
    /// Without one: the SHA-256 (64 lower-case hex digits) of the account, booking date,
    /// amount (`12.5` and `12.50` alike), description and counterparty (runs of white space
    /// as one space) and the [`occurrence`](Self::occurrence).
    pub fn identity(&self, account: &str) -> String {
        match &self.bank_ref {
            Some(r) => {
                let mut s = format!(
                    "{}:{}:{}:{}",
                    self.format.family(),
                    escape_id(account),
                    self.booking_date.format("%Y-%m-%d"),
                    escape_id(r)
                );
                if self.occurrence > 0 {
                    s.push_str(&format!("#{}", self.occurrence));
                }
                s
            }
            None => {
                let mut h = Sha256::new();
                let mut field = |b: &[u8]| {
                    h.update((b.len() as u64).to_le_bytes());
                    h.update(b);
                };
                field(b"steward-bank-line-1");
                field(account.as_bytes());
                field(self.basis().as_slice());
                field(&(self.occurrence as u64).to_le_bytes());
                h.finalize().iter().map(|b| format!("{b:02x}")).collect()
            }
        }
    }

    /// What makes two lines of one statement "the same" for [`Self::occurrence`].
    fn identity_basis(&self) -> Vec<u8> {
        match &self.bank_ref {
            Some(r) => {
                let mut v = b"ref\0".to_vec();
                v.extend_from_slice(self.booking_date.format("%Y-%m-%d").to_string().as_bytes());
                v.push(0);
                v.extend_from_slice(r.as_bytes());
                v
            }
            None => self.basis(),
        }
    }

    /// The hashed fields, each length-prefixed so no two field lists encode alike.
    fn basis(&self) -> Vec<u8> {
        let mut v = Vec::new();
        let mut field = |s: &str| {
            v.extend_from_slice(&(s.len() as u64).to_le_bytes());
            v.extend_from_slice(s.as_bytes());
        };
        field(&self.booking_date.format("%Y-%m-%d").to_string());
        field(&self.amount.trim_to(0).to_string());
        field(&squeeze(&self.description));
        field(&squeeze(self.counterparty_name.as_deref().unwrap_or("")));
        field(&squeeze(self.counterparty_iban.as_deref().unwrap_or("")));
        v
    }
}

/// Runs of white space as one space, trimmed.
pub(crate) fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn escape_id(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            ':' => out.push_str("%3A"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// A currency code as stored: three ASCII letters, upper case.
pub(crate) fn currency_code(s: &str) -> Option<String> {
    let s = s.trim();
    (s.len() == 3 && s.bytes().all(|b| b.is_ascii_alphabetic())).then(|| s.to_ascii_uppercase())
}

/// An IBAN as stored: spaces removed, upper case; `None` when what is left is empty.
pub(crate) fn normalize_iban(s: &str) -> Option<String> {
    let v: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (!v.is_empty()).then_some(v)
}

/// Whether `s` (already normalized) is shaped like an IBAN: two letters, two digits, then
/// 11 to 30 letters and digits.
pub(crate) fn looks_like_iban(s: &str) -> bool {
    let b = s.as_bytes();
    (15..=34).contains(&b.len())
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..4].iter().all(u8::is_ascii_digit)
        && b[4..].iter().all(u8::is_ascii_alphanumeric)
}

#[cfg(test)]
mod tests;
