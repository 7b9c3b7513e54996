//! Statement import and the saved CSV mappings.
//!
//! An import is all or nothing: the file is read whole on a blocking thread
//! (`steward_io::bank::read`), every amount converted to minor units exactly (more decimal
//! places than the account's currency has is an error naming the line), every line given
//! its identity for the account; then the lines the account does not have yet are written
//! with the statement and one audit event (carrying the file's SHA-256) in one
//! transaction. Importing the same statement again adds nothing. The opening balance is
//! compared with the previous statement's closing balance; a gap is flagged
//! (`continuity = false`) and reported, not refused: the missing statement may come later.
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::future::Future;
use steward_io::bank::{self as io, CsvMapping, Decimal, Format, StatementError};

use super::accounts::BankAccount;
use super::statements::{DayBalance, NewLine, NewStatement};
use super::BankBackend;
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Via};
use crate::error::Validator;
use crate::ids::{BankAccountId, CompanyId, MappingId, StatementId};
use crate::money::Currency;
use crate::time::Timestamp;
use crate::{Error, Result};

/// The word a format is stored and sent as.
pub fn format_word(f: Format) -> &'static str {
    match f {
        Format::Csv => "csv",
        Format::Ofx => "ofx",
        Format::Camt053 => "camt053",
    }
}

/// `csv`, `ofx` or `camt053` (any case).
pub fn parse_format(s: &str) -> Option<Format> {
    match s.trim().to_ascii_lowercase().as_str() {
        "csv" => Some(Format::Csv),
        "ofx" => Some(Format::Ofx),
        "camt053" | "camt" | "camt.053" => Some(Format::Camt053),
        _ => None,
    }
}

pub const FORMATS: &[&str] = &["csv", "ofx", "camt053"];

/// What an import did (or, on a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub account_id: BankAccountId,
    /// The statement written; `None` on a dry run or when every line was there already.
    pub statement: Option<StatementId>,
    pub format: &'static str,
    pub sha256: String,
    pub currency: String,
    /// Lines in the file.
    pub lines: u64,
    /// Lines written (or that would be).
    pub new_lines: u64,
    /// Lines the account had already (skipped).
    pub duplicates: u64,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
    pub opening: Option<DayBalance>,
    pub closing: Option<DayBalance>,
    /// The previous statement's closing balance the opening was compared with.
    pub previous_closing: Option<DayBalance>,
    /// `Some(false)` when the opening balance does not follow the previous closing;
    /// `None` when there is nothing to compare (no opening balance or no earlier statement).
    pub continuity: Option<bool>,
    /// Whether opening + lines = closing (`None` when a balance is missing).
    pub balances_add_up: Option<bool>,
}

impl ImportReport {
    pub fn money(&self, minor: i64) -> String {
        super::statements::money(minor, &self.currency)
    }
    /// One line per fact, for the CLI and the page.
    pub fn summary(&self) -> Vec<String> {
        let mut out = Vec::new();
        let verb = if self.dry_run { "would add" } else { "added" };
        out.push(format!(
            "{} lines read ({}), {verb} {}, {} already imported",
            self.lines, self.format, self.new_lines, self.duplicates
        ));
        if let (Some(a), Some(b)) = (self.first_date, self.last_date) {
            out.push(format!("booking dates {a} to {b}"));
        }
        if let Some(o) = self.opening {
            out.push(format!(
                "opening balance {} {} on {}",
                self.money(o.minor),
                self.currency,
                o.date
            ));
        }
        if let Some(c) = self.closing {
            out.push(format!(
                "closing balance {} {} on {}",
                self.money(c.minor),
                self.currency,
                c.date
            ));
        }
        match (self.continuity, self.previous_closing) {
            (Some(false), Some(p)) => out.push(format!(
                "gap: the opening balance does not follow the previous statement's closing balance {} {} on {}",
                self.money(p.minor),
                self.currency,
                p.date
            )),
            (Some(true), _) => out.push("the opening balance follows the previous statement".into()),
            _ => {}
        }
        match self.balances_add_up {
            Some(true) => out.push("opening balance + lines = closing balance".into()),
            Some(false) => out.push("the lines do not add up to the closing balance".into()),
            None => {}
        }
        if !self.dry_run && self.statement.is_none() {
            out.push("nothing new: the statement was imported before".into());
        }
        out
    }
}

/// A read error of the file, as the API and the pages show it: on `file`,
/// `line N, column C: what is wrong`.
fn file_error(e: StatementError) -> Error {
    Error::invalid("file", e.to_string())
}

/// `amount` in minor units of a currency with `places` decimals, exactly: trailing zeros
/// beyond them are fine (`12.500`), a digit is not.
pub fn exact_minor(amount: Decimal, places: u8) -> std::result::Result<i64, String> {
    let d = amount.trim_to(places);
    if d.scale() > places {
        return Err(format!("`{amount}` has more than {places} decimal places"));
    }
    let f = 10i128
        .checked_pow(u32::from(places - d.scale()))
        .and_then(|f| d.mantissa().checked_mul(f))
        .and_then(|m| i64::try_from(m).ok());
    f.ok_or_else(|| format!("`{amount}` is too large"))
}

/// The file read and checked, ready to write.
struct Parsed {
    format: Format,
    sha256: String,
    statement_id: Option<String>,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    opening: Option<DayBalance>,
    closing: Option<DayBalance>,
    balances_add_up: Option<bool>,
    lines: Vec<NewLine>,
}

fn parse(
    bytes: &[u8],
    format: Format,
    mapping: Option<&CsvMapping>,
    account: &BankAccount,
) -> Result<Parsed> {
    let sha256 = hex::encode(Sha256::digest(bytes));
    let st = io::read(bytes, format, mapping).map_err(file_error)?;
    let currency = Currency::parse(&account.currency)?;
    let places = currency.precision();
    if !st.currency.is_empty() && !st.currency.eq_ignore_ascii_case(&account.currency) {
        return Err(Error::invalid(
            "file",
            format!(
                "the statement is in {}, the bank account `{}` in {}",
                st.currency, account.name, account.currency
            ),
        ));
    }
    if st.account.is_iban && !account.iban.is_empty() && st.account.number != account.iban {
        return Err(Error::invalid(
            "file",
            format!(
                "the statement is for {}, not for the bank account `{}` ({})",
                st.account.number,
                account.name,
                account.iban_display()
            ),
        ));
    }
    let balance = |b: Option<io::Balance>, which: &str| -> Result<Option<DayBalance>> {
        b.map(|b| {
            exact_minor(b.amount, places)
                .map(|minor| DayBalance {
                    date: b.date,
                    minor,
                })
                .map_err(|m| {
                    Error::invalid(
                        "file",
                        format!("{which} balance: {m} for {}", account.currency),
                    )
                })
        })
        .transpose()
    };
    let opening = balance(st.opening, "opening")?;
    let closing = balance(st.closing, "closing")?;
    let identities = st.identities_for(&account.identity_key());
    let mut lines = Vec::with_capacity(st.lines.len());
    for (l, identity) in st.lines.iter().zip(identities) {
        if !l.currency.is_empty() && !l.currency.eq_ignore_ascii_case(&account.currency) {
            return Err(Error::invalid(
                "file",
                format!(
                    "line {}, column currency: the line is in {}, the bank account `{}` in {}",
                    l.line, l.currency, account.name, account.currency
                ),
            ));
        }
        let amount_minor = exact_minor(l.amount, places).map_err(|m| {
            Error::invalid(
                "file",
                format!(
                    "line {}, column amount: {m} for {}",
                    l.line, account.currency
                ),
            )
        })?;
        lines.push(NewLine {
            booking_date: l.booking_date,
            value_date: l.value_date,
            amount_minor,
            currency: account.currency.clone(),
            bank_ref: l.bank_ref.clone(),
            end_to_end_id: l.end_to_end_id.clone(),
            reference: l.reference.clone(),
            counterparty_name: l.counterparty_name.clone(),
            counterparty_iban: l.counterparty_iban.clone(),
            description: l.description.clone(),
            identity,
            source_line: l.line as i64,
        });
    }
    Ok(Parsed {
        format,
        sha256,
        statement_id: st.statement_id.clone(),
        start_date: st.start_date,
        end_date: st.end_date,
        opening,
        closing,
        balances_add_up: st.balances_add_up(),
        lines,
    })
}

/// Imports one statement into a bank account. `format`: sniffed from the content when
/// `None` (OFX, CAMT.053; anything else is read as CSV, which needs `mapping`, a saved
/// mapping's name). A dry run checks everything and writes nothing.
pub async fn import_statement<S: BankBackend>(
    store: &S,
    actor: &Actor,
    account_id: BankAccountId,
    bytes: Vec<u8>,
    format: Option<Format>,
    mapping: Option<&str>,
    dry_run: bool,
) -> Result<ImportReport> {
    super::may_import(actor)?;
    let account = super::accounts::get(store, actor, account_id).await?;
    if !account.active {
        return Err(Error::invalid(
            "account",
            format!("the bank account `{}` is inactive", account.name),
        ));
    }
    let mapping = match mapping.map(str::trim).filter(|m| !m.is_empty()) {
        Some(name) => Some(
            store
                .mapping_by_name(actor.company_id, name)
                .await?
                .ok_or_else(|| Error::invalid("mapping", format!("no saved mapping `{name}`")))?
                .mapping,
        ),
        None => None,
    };
    let format = format
        .or_else(|| Format::detect(&bytes))
        .unwrap_or(Format::Csv);
    let acct = account.clone();
    let parsed =
        crate::blocking::try_run(move || parse(&bytes, format, mapping.as_ref(), &acct)).await?;
    let identities: Vec<String> = parsed.lines.iter().map(|l| l.identity.clone()).collect();
    let existing = store.existing_identities(account.id, &identities).await?;
    let new: Vec<NewLine> = parsed
        .lines
        .iter()
        .filter(|l| !existing.contains(&l.identity))
        .cloned()
        .collect();
    let previous = match parsed.opening {
        Some(o) => store.previous_closing(account.id, Some(o.date)).await?,
        None => None,
    };
    let continuity = match (parsed.opening, previous) {
        (Some(o), Some(p)) => Some(o.minor == p.minor),
        _ => None,
    };
    let mut report = ImportReport {
        dry_run,
        account_id: account.id,
        statement: None,
        format: format_word(parsed.format),
        sha256: parsed.sha256.clone(),
        currency: account.currency.clone(),
        lines: parsed.lines.len() as u64,
        new_lines: new.len() as u64,
        duplicates: (parsed.lines.len() - new.len()) as u64,
        first_date: parsed.lines.iter().map(|l| l.booking_date).min(),
        last_date: parsed.lines.iter().map(|l| l.booking_date).max(),
        opening: parsed.opening,
        closing: parsed.closing,
        previous_closing: previous,
        continuity,
        balances_add_up: parsed.balances_add_up,
    };
    if dry_run || new.is_empty() {
        if !dry_run {
            report.new_lines = 0;
        }
        return Ok(report);
    }
    let s = NewStatement {
        account_id: account.id,
        format: report.format.to_string(),
        sha256: parsed.sha256.clone(),
        statement_id: parsed.statement_id.clone(),
        start_date: parsed.start_date,
        end_date: parsed.end_date,
        opening: parsed.opening,
        closing: parsed.closing,
        line_count: report.lines as i64,
        duplicate_count: report.duplicates as i64,
        continuity: continuity != Some(false),
        imported_by: (actor.via != Via::Cli).then_some(actor.user_id),
    };
    let audit = AuditDraft::by(
        actor,
        super::STATEMENT,
        None,
        "import",
        json!({
            "account_id": account.id.0, "format": report.format, "sha256": report.sha256,
            "lines": report.lines, "new_lines": report.new_lines, "duplicates": report.duplicates,
            "continuity": continuity,
        }),
    );
    match store
        .insert_statement(actor.company_id, &s, &new, audit)
        .await?
    {
        Some((id, written)) => {
            report.statement = Some(id);
            report.duplicates += report.new_lines - written;
            report.new_lines = written;
        }
        None => {
            report.duplicates = report.lines;
            report.new_lines = 0;
        }
    }
    Ok(report)
}

// ---------------------------------------------------------------- saved CSV mappings

pub const MAPPING_NAME_MAX: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedMapping {
    pub id: MappingId,
    pub name: String,
    pub mapping: CsvMapping,
    pub created_at: Timestamp,
}

pub trait MappingStore: Send + Sync {
    fn list_mappings(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<SavedMapping>>> + Send;
    /// By exact name (any case).
    fn mapping_by_name(
        &self,
        company: CompanyId,
        name: &str,
    ) -> impl Future<Output = Result<Option<SavedMapping>>> + Send;
    /// A name taken is refused (`name`).
    fn insert_mapping(
        &self,
        company: CompanyId,
        name: &str,
        mapping: &CsvMapping,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<MappingId>> + Send;
    /// `NotFound` when the company has no such mapping.
    fn delete_mapping(
        &self,
        company: CompanyId,
        id: MappingId,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

pub async fn mappings<S: MappingStore>(store: &S, actor: &Actor) -> Result<Vec<SavedMapping>> {
    super::gate(actor, Action::Read)?;
    store.list_mappings(actor.company_id).await
}

/// The longest column name a mapping names.
pub const COLUMN_MAX: usize = 200;
/// The longest date format.
pub const DATE_FORMAT_MAX: usize = 50;
/// Columns a description may join.
pub const DESCRIPTION_COLUMNS_MAX: usize = 20;
/// Lines above the header a mapping may skip.
pub const SKIP_ROWS_MAX: usize = 100;

/// An optional column: one line (trimmed); empty is none.
fn column(v: &mut Validator, field: &str, c: Option<String>) -> Option<String> {
    let t = v.line(field, c.as_deref().unwrap_or(""), COLUMN_MAX, false);
    (!t.is_empty()).then_some(t)
}

/// Saves a CSV mapping under a name. Column names are single lines (trimmed); the date and
/// its format are required, and either an amount column or a debit or credit column.
pub async fn save_mapping<S: MappingStore>(
    store: &S,
    actor: &Actor,
    name: &str,
    mapping: CsvMapping,
) -> Result<SavedMapping> {
    super::gate(actor, Action::Create)?;
    let mut v = Validator::new();
    let name = v.line("name", name, MAPPING_NAME_MAX, true);
    let m = mapping;
    let mut description = Vec::new();
    if m.description.len() > DESCRIPTION_COLUMNS_MAX {
        v.push(
            "mapping.description",
            format!("at most {DESCRIPTION_COLUMNS_MAX} columns"),
        );
    }
    if m.skip_rows > SKIP_ROWS_MAX {
        v.push(
            "mapping.skip_rows",
            format!("at most {SKIP_ROWS_MAX} lines"),
        );
    }
    for (i, d) in m.description.iter().enumerate() {
        let t = v.line(&format!("mapping.description[{i}]"), d, COLUMN_MAX, false);
        if !t.is_empty() {
            description.push(t);
        }
    }
    let mapping = CsvMapping {
        date: v.line("mapping.date", &m.date, COLUMN_MAX, true),
        date_format: v.line("mapping.date_format", &m.date_format, DATE_FORMAT_MAX, true),
        amount: column(&mut v, "mapping.amount", m.amount),
        debit: column(&mut v, "mapping.debit", m.debit),
        credit: column(&mut v, "mapping.credit", m.credit),
        description,
        reference: column(&mut v, "mapping.reference", m.reference),
        counterparty_name: column(&mut v, "mapping.counterparty_name", m.counterparty_name),
        counterparty_iban: column(&mut v, "mapping.counterparty_iban", m.counterparty_iban),
        bank_ref: column(&mut v, "mapping.bank_ref", m.bank_ref),
        value_date: column(&mut v, "mapping.value_date", m.value_date),
        balance: column(&mut v, "mapping.balance", m.balance),
        decimal_comma: m.decimal_comma,
        delimiter: m.delimiter,
        skip_rows: m.skip_rows,
        currency: m
            .currency
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty()),
    };
    if mapping.amount.is_none() && mapping.debit.is_none() && mapping.credit.is_none() {
        v.push(
            "mapping.amount",
            "name an amount column, or a debit or credit column",
        );
    }
    if let Some(c) = &mapping.currency {
        if Currency::parse(c).is_err() {
            v.push("mapping.currency", "a currency code such as EUR");
        }
    }
    if !name.is_empty()
        && store
            .mapping_by_name(actor.company_id, &name)
            .await?
            .is_some()
    {
        v.push("name", "a mapping with this name exists");
    }
    v.finish()?;
    let audit = AuditDraft::by(
        actor,
        "bank.mapping",
        None,
        "create",
        json!({"name": name, "mapping": mapping}),
    );
    let id = store
        .insert_mapping(actor.company_id, &name, &mapping, audit)
        .await?;
    Ok(SavedMapping {
        id,
        name,
        mapping,
        created_at: Timestamp::now(),
    })
}

/// Deletes a saved mapping. A mapping is set-up, not a record of the books: whoever may
/// change the books (`accounting.update`) removes one, as they save one.
pub async fn delete_mapping<S: MappingStore>(
    store: &S,
    actor: &Actor,
    id: MappingId,
) -> Result<()> {
    super::gate(actor, Action::Update)?;
    let audit = AuditDraft::by(
        actor,
        "bank.mapping",
        Some(id.to_string()),
        "delete",
        json!({}),
    );
    store.delete_mapping(actor.company_id, id, audit).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(m: i128, s: u8) -> Decimal {
        Decimal::new(m, s).expect("decimal")
    }

    #[test]
    fn minor_units_are_exact() {
        assert_eq!(exact_minor(dec(1250, 2), 2), Ok(1250));
        assert_eq!(exact_minor(dec(125, 1), 2), Ok(1250));
        assert_eq!(exact_minor(dec(12500, 3), 2), Ok(1250));
        assert_eq!(exact_minor(dec(-7, 0), 0), Ok(-7));
        assert!(exact_minor(dec(12345, 3), 2)
            .expect_err("places")
            .contains("more than 2 decimal places"));
        assert!(exact_minor(dec(i128::from(i64::MAX), 0), 2).is_err());
    }

    #[test]
    fn formats_are_words() {
        for f in FORMATS {
            assert_eq!(format_word(parse_format(f).expect("format")), *f);
        }
        assert_eq!(parse_format("xls"), None);
    }
}
