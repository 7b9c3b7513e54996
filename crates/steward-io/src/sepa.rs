//! SEPA credit transfer files: the ISO 20022 `pain.001.001.03` message a company uploads
//! to its bank to pay a batch of invoices or salaries, written as the EPC's SEPA Credit
//! Transfer implementation guidelines ask (service level SEPA, charges SLEV, EUR only).
//!
//! Pure, like the rest of this crate: the caller hands in already validated IBANs and BICs
//! (the domain's `Iban` and `Bic` types) as strings, and gets the document back as a
//! string. What the writer decides itself is the text: names and remittance lines are
//! brought to the SEPA Latin character set ([`to_sepa_latin`]), names longer than 70
//! characters are cut (banks do the same), while identifiers and references that are too
//! long or hold other characters are refused, since a cut reference would no longer
//! match the invoice it pays.
//!
//! ```
//! use chrono::NaiveDate;
//! use steward_io::sepa::{write_pain_001_001_03, CreditTransfer, DebtorAccount, Payment, Remittance};
//!
//! let day = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
//! let ct = CreditTransfer {
//!     message_id: "PAY-2026-03-02-1".into(),
//!     created_at: day.and_hms_opt(9, 30, 0).expect("time"),
//!     initiator_name: "Acme GmbH".into(),
//!     debtor: DebtorAccount {
//!         name: "Acme GmbH".into(),
//!         iban: "DE89370400440532013000".into(),
//!         bic: Some("COBADEFFXXX".into()),
//!     },
//!     requested_execution_date: day,
//!     batch_booking: true,
//!     payments: vec![Payment {
//!         end_to_end_id: "INV-1001".into(),
//!         amount_minor: 12_345,
//!         creditor_name: "Müller & Söhne".into(),
//!         creditor_iban: "NL91ABNA0417164300".into(),
//!         creditor_bic: None,
//!         remittance: Remittance::Unstructured("Invoice 1001".into()),
//!     }],
//! };
//! let xml = write_pain_001_001_03(&ct)?;
//! assert!(xml.contains("<InstdAmt Ccy=\"EUR\">123.45</InstdAmt>"));
//! assert!(xml.contains("<Nm>Muller + Sohne</Nm>"));
//! # Ok::<(), steward_io::sepa::SepaError>(())
//! ```
use std::fmt::Write as _;

use chrono::{NaiveDate, NaiveDateTime};

/// The namespace of the document, and the message it is.
pub const PAIN_001_001_03_NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03";

/// Longest name (`Nm`) the EPC guidelines allow; longer names are cut to it.
pub const MAX_NAME: usize = 70;
/// Longest unstructured remittance line (`Ustrd`); longer is refused.
pub const MAX_UNSTRUCTURED: usize = 140;
/// Longest identifier (`MsgId`, `PmtInfId`, `EndToEndId`); longer is refused.
pub const MAX_ID: usize = 35;
/// Smallest and largest amount of one SEPA credit transfer, in cents (0.01 to
/// 999,999,999.99 EUR, the EPC guidelines' limits).
pub const AMOUNT_CENTS: std::ops::RangeInclusive<i64> = 1..=99_999_999_999;

/// One batch of credit transfers from one account, executed on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditTransfer {
    /// Unique per file sent to the bank (the bank refuses a second file with the same
    /// id); at most 35 characters of the SEPA set. Also used as the batch's `PmtInfId`.
    pub message_id: String,
    /// When the file was made, written without a time zone (local time, as banks expect).
    pub created_at: NaiveDateTime,
    /// Who made the file (usually the company itself).
    pub initiator_name: String,
    pub debtor: DebtorAccount,
    pub requested_execution_date: NaiveDate,
    /// At least one.
    pub payments: Vec<Payment>,
    /// Whether the bank books the batch as one debit (`true`) or one debit per payment.
    pub batch_booking: bool,
}

/// The account the money leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebtorAccount {
    pub name: String,
    /// Validated by the caller, in the electronic form (no spaces).
    pub iban: String,
    /// Validated by the caller; `None` writes `NOTPROVIDED`, as the EPC allows (IBAN-only).
    pub bic: Option<String>,
}

/// One credit transfer to one creditor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The payer's reference that travels with the money to the payee, at most 35
    /// characters of the SEPA set; empty writes `NOTPROVIDED`, as the EPC asks.
    pub end_to_end_id: String,
    /// Cents of EUR (SEPA credit transfers are in euro only), 1 to 99,999,999,999.
    pub amount_minor: i64,
    pub creditor_name: String,
    /// Validated by the caller, in the electronic form (no spaces).
    pub creditor_iban: String,
    /// Validated by the caller; optional within SEPA.
    pub creditor_bic: Option<String>,
    pub remittance: Remittance,
}

/// What the payment is for, as the payee will see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remittance {
    /// Free text, at most 140 characters after [`to_sepa_latin`].
    Unstructured(String),
    /// An ISO 11649 creditor reference (`RF18 5390 0754 7034`), printed or electronic
    /// form; written without spaces, in upper case, as a structured `SCOR` reference.
    CreditorReference(String),
}

/// Why a transfer could not be written: the field at fault (`payments[3].creditor_name`,
/// `debtor.iban`, `message_id`) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SepaError {
    pub field: String,
    pub message: String,
}

impl SepaError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        SepaError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Whether `c` is in the SEPA Latin character set that every bank must accept:
/// `a-z A-Z 0-9 / - ? : ( ) . , ' +` and space.
pub fn is_sepa_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '/' | '-' | '?' | ':' | '(' | ')' | '.' | ',' | '\'' | '+' | ' '
        )
}

/// Latin letters U+00C0 to U+017F (Latin-1 Supplement and Latin Extended-A), in order:
/// each without its diacritics (`é` -> `e`, `ä` -> `a`, `ø` -> `o`, `ł` -> `l`), and the
/// letters that have no base letter spelt out (`ß` -> `ss`, `æ` -> `ae`, `œ` -> `oe`,
/// `þ` -> `th`). `×` and `÷` are not letters and become `.`.
const LATIN_FROM_C0: [&str; 192] = [
    "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I", // U+00C0
    "D", "N", "O", "O", "O", "O", "O", ".", "O", "U", "U", "U", "U", "Y", "TH",
    "ss", // U+00D0
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", // U+00E0
    "d", "n", "o", "o", "o", "o", "o", ".", "o", "u", "u", "u", "u", "y", "th", "y", // U+00F0
    "A", "a", "A", "a", "A", "a", "C", "c", "C", "c", "C", "c", "C", "c", "D", "d", // U+0100
    "D", "d", "E", "e", "E", "e", "E", "e", "E", "e", "E", "e", "G", "g", "G", "g", // U+0110
    "G", "g", "G", "g", "H", "h", "H", "h", "I", "i", "I", "i", "I", "i", "I", "i", // U+0120
    "I", "i", "IJ", "ij", "J", "j", "K", "k", "q", "L", "l", "L", "l", "L", "l",
    "L", // U+0130
    "l", "L", "l", "N", "n", "N", "n", "N", "n", "'n", "N", "n", "O", "o", "O", "o", // U+0140
    "O", "o", "OE", "oe", "R", "r", "R", "r", "R", "r", "S", "s", "S", "s", "S",
    "s", // U+0150
    "S", "s", "T", "t", "T", "t", "T", "t", "U", "u", "U", "u", "U", "u", "U", "u", // U+0160
    "U", "u", "U", "u", "W", "w", "Y", "y", "Y", "Z", "z", "Z", "z", "Z", "z", "s", // U+0170
];

/// Text brought to the SEPA Latin character set, by one documented rule:
/// - the allowed characters stay as they are;
/// - Latin letters with diacritics lose them (`é` -> `e`, `ä` -> `a`, `ñ` -> `n`; the
///   umlauts too, as in Finnish and Swedish names, not the German `ae` spelling), letters
///   without a base letter are spelt out (`ß` -> `ss`, `æ` -> `ae`, `œ` -> `oe`,
///   `þ` -> `th`), Romanian `ș ț` become `s t`, and combining accents are dropped;
/// - `&` becomes `+`, `_` becomes `-`, typographic quotes become `'`, dashes `-`, and any
///   white space (tabs, line breaks) a space;
/// - anything else (other scripts, symbols, `"`, `<`, `@`, `€`) becomes `.`.
///
/// The result has as many characters as the input or more (`ß`), never fewer, except for
/// dropped combining accents.
pub fn to_sepa_latin(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            c if is_sepa_char(c) => out.push(c),
            '\u{C0}'..='\u{17F}' => out.push_str(LATIN_FROM_C0[c as usize - 0xC0]),
            '\u{218}' => out.push('S'),
            '\u{219}' => out.push('s'),
            '\u{21A}' => out.push('T'),
            '\u{21B}' => out.push('t'),
            '\u{1E9E}' => out.push_str("SS"),
            '\u{300}'..='\u{36F}' => {}
            '&' => out.push('+'),
            '_' => out.push('-'),
            '\u{2018}'..='\u{201F}' | '\u{2032}' | '`' | '\u{B4}' | '\u{AB}' | '\u{BB}' => {
                out.push('\'')
            }
            '\u{2010}'..='\u{2015}' | '\u{2212}' => out.push('-'),
            c if c.is_whitespace() => out.push(' '),
            _ => out.push('.'),
        }
    }
    out
}

/// Whether `s` is an ISO 11649 creditor reference: `RF`, two check digits, 1 to 21
/// letters or digits, MOD 97-10 of the whole equal to 1. Spaces (the printed form, in
/// groups of four) and lower case are accepted.
pub fn is_valid_creditor_reference(s: &str) -> bool {
    let r = electronic(s);
    let b = r.as_bytes();
    (5..=25).contains(&b.len())
        && b.starts_with(b"RF")
        && b[2..4].iter().all(u8::is_ascii_digit)
        && b.iter().all(u8::is_ascii_alphanumeric)
        && mod97(&r) == Some(1)
}

/// Spaces removed, upper case.
fn electronic(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// ISO 7064 MOD 97-10 with the first four characters moved to the end, letters as
/// 10..35, computed digit by digit (no big numbers). `None` for any other character.
fn mod97(s: &str) -> Option<u32> {
    let (head, tail) = s.split_at(s.len().min(4));
    tail.bytes().chain(head.bytes()).try_fold(0u32, |r, b| {
        Some(match b {
            b'0'..=b'9' => (r * 10 + u32::from(b - b'0')) % 97,
            b'A'..=b'Z' => (r * 100 + u32::from(b - b'A') + 10) % 97,
            _ => return None,
        })
    })
}

/// Cents as a decimal amount with exactly two decimals (`12345` -> `123.45`).
fn amount(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// A name: SEPA text, required, cut to [`MAX_NAME`] characters.
fn name(field: &str, s: &str) -> Result<String, SepaError> {
    let t = to_sepa_latin(s);
    let t = t.trim();
    if t.is_empty() {
        return Err(SepaError::new(field, "is required"));
    }
    // ASCII from here on, so bytes are characters.
    Ok(t[..t.len().min(MAX_NAME)].trim_end().to_string())
}

/// An identifier: required, at most 35 characters of the SEPA set, neither starting nor
/// ending with `/` nor holding `//` (the EPC's rule for references). Never changed: a
/// reference must come back from the bank as it was sent.
fn identifier(field: &str, s: &str) -> Result<String, SepaError> {
    if s.is_empty() {
        return Err(SepaError::new(field, "is required"));
    }
    if let Some(c) = s.chars().find(|c| !is_sepa_char(*c)) {
        return Err(SepaError::new(
            field,
            format!("{c:?} is not allowed (only a-z A-Z 0-9 / - ? : ( ) . , ' + and space)"),
        ));
    }
    if s.len() > MAX_ID {
        return Err(SepaError::new(
            field,
            format!("longer than {MAX_ID} characters"),
        ));
    }
    if s.starts_with('/') || s.ends_with('/') || s.contains("//") {
        return Err(SepaError::new(
            field,
            "must not start or end with / nor contain //",
        ));
    }
    if s.starts_with(' ') || s.ends_with(' ') {
        return Err(SepaError::new(field, "must not start or end with a space"));
    }
    Ok(s.to_string())
}

/// An IBAN as the schema's pattern has it (`[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}`): the caller
/// checked the check digits, this only keeps a wrong value from making a broken file.
fn iban(field: &str, s: &str) -> Result<String, SepaError> {
    let b = s.as_bytes();
    if s.is_empty() {
        return Err(SepaError::new(field, "is required"));
    }
    let shaped = (5..=34).contains(&b.len())
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..4].iter().all(u8::is_ascii_digit)
        && b[4..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if !shaped {
        return Err(SepaError::new(
            field,
            "is not an IBAN in electronic form (no spaces, upper case)",
        ));
    }
    Ok(s.to_string())
}

/// A BIC as the schema's pattern has it
/// (`[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?`).
fn bic(field: &str, s: &str) -> Result<String, SepaError> {
    let b = s.as_bytes();
    if s.is_empty() {
        return Err(SepaError::new(field, "is required (or none at all)"));
    }
    let upper_or_digit = |c: &u8| c.is_ascii_uppercase() || c.is_ascii_digit();
    let shaped = (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && (b[6].is_ascii_uppercase() || (b'2'..=b'9').contains(&b[6]))
        && upper_or_digit(&b[7])
        && b[7] != b'O'
        && b[8..].iter().all(upper_or_digit);
    if !shaped {
        return Err(SepaError::new(
            field,
            "is not a BIC (8 or 11 letters and digits, upper case)",
        ));
    }
    Ok(s.to_string())
}

/// A payment checked and brought to the text the file holds.
struct Checked {
    end_to_end_id: String,
    amount_minor: i64,
    creditor_name: String,
    creditor_iban: String,
    creditor_bic: Option<String>,
    remittance: Remittance,
}

fn check_payment(i: usize, p: &Payment) -> Result<Checked, SepaError> {
    let field = |name: &str| format!("payments[{i}].{name}");
    let end_to_end_id = if p.end_to_end_id.is_empty() {
        "NOTPROVIDED".to_string()
    } else {
        identifier(&field("end_to_end_id"), &p.end_to_end_id)?
    };
    if !AMOUNT_CENTS.contains(&p.amount_minor) {
        return Err(SepaError::new(
            field("amount_minor"),
            format!(
                "must be from 1 to {} cents (0.01 to {} EUR)",
                AMOUNT_CENTS.end(),
                amount(i128::from(*AMOUNT_CENTS.end()))
            ),
        ));
    }
    let remittance = match &p.remittance {
        Remittance::Unstructured(text) => {
            let t = to_sepa_latin(text);
            let t = t.trim();
            if t.is_empty() {
                return Err(SepaError::new(field("remittance"), "is required"));
            }
            if t.len() > MAX_UNSTRUCTURED {
                return Err(SepaError::new(
                    field("remittance"),
                    format!("longer than {MAX_UNSTRUCTURED} characters"),
                ));
            }
            Remittance::Unstructured(t.to_string())
        }
        Remittance::CreditorReference(r) => {
            if !is_valid_creditor_reference(r) {
                return Err(SepaError::new(
                    field("remittance"),
                    "is not an ISO 11649 creditor reference (RF, two check digits, up to 21 letters or digits)",
                ));
            }
            Remittance::CreditorReference(electronic(r))
        }
    };
    Ok(Checked {
        end_to_end_id,
        amount_minor: p.amount_minor,
        creditor_name: name(&field("creditor_name"), &p.creditor_name)?,
        creditor_iban: iban(&field("creditor_iban"), &p.creditor_iban)?,
        creditor_bic: p
            .creditor_bic
            .as_deref()
            .map(|b| bic(&field("creditor_bic"), b))
            .transpose()?,
        remittance,
    })
}

/// Writes the indented XML: every element on its own line, text escaped.
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }
    fn open(&mut self, tag: &str) {
        self.indent();
        let _ = writeln!(self.out, "<{tag}>");
        self.depth += 1;
    }
    fn close(&mut self, tag: &str) {
        self.depth -= 1;
        self.indent();
        let _ = writeln!(self.out, "</{tag}>");
    }
    fn leaf(&mut self, tag: &str, text: &str) {
        self.leaf_with(tag, "", text);
    }
    /// `attrs` is written as given: only constant attributes pass through here.
    fn leaf_with(&mut self, tag: &str, attrs: &str, text: &str) {
        self.indent();
        let _ = write!(self.out, "<{tag}{attrs}>");
        escape_into(&mut self.out, text);
        let _ = writeln!(self.out, "</{tag}>");
    }
}

/// XML-escapes text content. After [`to_sepa_latin`] nothing needs it, but IBANs, BICs
/// and identifiers are checked, not rewritten, so the writer does not rely on that.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// The credit transfer as a `pain.001.001.03` document (UTF-8, indented, one payment
/// information block), or the first field that keeps it from being one.
pub fn write_pain_001_001_03(ct: &CreditTransfer) -> Result<String, SepaError> {
    let message_id = identifier("message_id", &ct.message_id)?;
    let initiator = name("initiator_name", &ct.initiator_name)?;
    let debtor_name = name("debtor.name", &ct.debtor.name)?;
    let debtor_iban = iban("debtor.iban", &ct.debtor.iban)?;
    let debtor_bic = ct
        .debtor
        .bic
        .as_deref()
        .map(|b| bic("debtor.bic", b))
        .transpose()?;
    if ct.payments.is_empty() {
        return Err(SepaError::new("payments", "at least one payment is needed"));
    }
    let payments = ct
        .payments
        .iter()
        .enumerate()
        .map(|(i, p)| check_payment(i, p))
        .collect::<Result<Vec<_>, _>>()?;
    // i128: no number of payments of at most 10^11 cents each can overflow it.
    let total: i128 = payments.iter().map(|p| i128::from(p.amount_minor)).sum();
    let count = payments.len().to_string();
    let ctrl_sum = amount(total);
    // The schema's DecimalNumber has at most 18 digits.
    if ctrl_sum.len() - 1 > 18 {
        return Err(SepaError::new(
            "payments",
            "the total has more than 18 digits",
        ));
    }

    let mut x = Xml {
        out: String::with_capacity(1024 + 768 * payments.len()),
        depth: 0,
    };
    x.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(x.out, "<Document xmlns=\"{PAIN_001_001_03_NAMESPACE}\">");
    x.depth = 1;
    x.open("CstmrCdtTrfInitn");

    x.open("GrpHdr");
    x.leaf("MsgId", &message_id);
    x.leaf(
        "CreDtTm",
        &ct.created_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
    );
    x.leaf("NbOfTxs", &count);
    x.leaf("CtrlSum", &ctrl_sum);
    x.open("InitgPty");
    x.leaf("Nm", &initiator);
    x.close("InitgPty");
    x.close("GrpHdr");

    x.open("PmtInf");
    x.leaf("PmtInfId", &message_id);
    x.leaf("PmtMtd", "TRF");
    x.leaf("BtchBookg", if ct.batch_booking { "true" } else { "false" });
    x.leaf("NbOfTxs", &count);
    x.leaf("CtrlSum", &ctrl_sum);
    x.open("PmtTpInf");
    x.open("SvcLvl");
    x.leaf("Cd", "SEPA");
    x.close("SvcLvl");
    x.close("PmtTpInf");
    x.leaf(
        "ReqdExctnDt",
        &ct.requested_execution_date.format("%Y-%m-%d").to_string(),
    );
    x.open("Dbtr");
    x.leaf("Nm", &debtor_name);
    x.close("Dbtr");
    account(&mut x, "DbtrAcct", &debtor_iban);
    x.open("DbtrAgt");
    x.open("FinInstnId");
    match &debtor_bic {
        Some(b) => x.leaf("BIC", b),
        None => {
            x.open("Othr");
            x.leaf("Id", "NOTPROVIDED");
            x.close("Othr");
        }
    }
    x.close("FinInstnId");
    x.close("DbtrAgt");
    x.leaf("ChrgBr", "SLEV");

    for p in &payments {
        x.open("CdtTrfTxInf");
        x.open("PmtId");
        x.leaf("EndToEndId", &p.end_to_end_id);
        x.close("PmtId");
        x.open("Amt");
        x.leaf_with(
            "InstdAmt",
            " Ccy=\"EUR\"",
            &amount(i128::from(p.amount_minor)),
        );
        x.close("Amt");
        if let Some(b) = &p.creditor_bic {
            x.open("CdtrAgt");
            x.open("FinInstnId");
            x.leaf("BIC", b);
            x.close("FinInstnId");
            x.close("CdtrAgt");
        }
        x.open("Cdtr");
        x.leaf("Nm", &p.creditor_name);
        x.close("Cdtr");
        account(&mut x, "CdtrAcct", &p.creditor_iban);
        x.open("RmtInf");
        match &p.remittance {
            Remittance::Unstructured(t) => x.leaf("Ustrd", t),
            Remittance::CreditorReference(r) => {
                x.open("Strd");
                x.open("CdtrRefInf");
                x.open("Tp");
                x.open("CdOrPrtry");
                x.leaf("Cd", "SCOR");
                x.close("CdOrPrtry");
                x.leaf("Issr", "ISO");
                x.close("Tp");
                x.leaf("Ref", r);
                x.close("CdtrRefInf");
                x.close("Strd");
            }
        }
        x.close("RmtInf");
        x.close("CdtTrfTxInf");
    }

    x.close("PmtInf");
    x.close("CstmrCdtTrfInitn");
    x.out.push_str("</Document>\n");
    Ok(x.out)
}

/// `<tag><Id><IBAN>..</IBAN></Id></tag>`.
fn account(x: &mut Xml, tag: &str, iban: &str) {
    x.open(tag);
    x.open("Id");
    x.leaf("IBAN", iban);
    x.close("Id");
    x.close(tag);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).expect("date")
    }

    fn payment(amount_minor: i64) -> Payment {
        Payment {
            end_to_end_id: "E2E-1".into(),
            amount_minor,
            creditor_name: "Jane Doe".into(),
            creditor_iban: "NL91ABNA0417164300".into(),
            creditor_bic: None,
            remittance: Remittance::Unstructured("Invoice 1".into()),
        }
    }

    fn transfer(payments: Vec<Payment>) -> CreditTransfer {
        CreditTransfer {
            message_id: "MSG-1".into(),
            created_at: day().and_hms_opt(8, 0, 0).expect("time"),
            initiator_name: "Acme".into(),
            debtor: DebtorAccount {
                name: "Acme".into(),
                iban: "DE89370400440532013000".into(),
                bic: None,
            },
            requested_execution_date: day(),
            payments,
            batch_booking: false,
        }
    }

    fn error(ct: &CreditTransfer) -> String {
        write_pain_001_001_03(ct).expect_err("refused").to_string()
    }

    #[test]
    fn text_is_brought_to_the_sepa_latin_set() {
        assert_eq!(to_sepa_latin("Müller & Söhne"), "Muller + Sohne");
        assert_eq!(to_sepa_latin("Straße"), "Strasse");
        assert_eq!(to_sepa_latin("Ærø Œuvre"), "AEro OEuvre");
        assert_eq!(to_sepa_latin("Łódź, Ștefan Țepeș"), "Lodz, Stefan Tepes");
        assert_eq!(to_sepa_latin("Crème brûlée"), "Creme brulee");
        assert_eq!(to_sepa_latin("e\u{301}te\u{301}"), "ete");
        assert_eq!(to_sepa_latin("a_b\t“c”–d"), "a-b 'c'-d");
        assert_eq!(to_sepa_latin("山田 <x@y> 5 €"), ".. .x.y. 5 .");
        assert_eq!(
            to_sepa_latin("a/b-c?d:(e).f,g'h+i 0"),
            "a/b-c?d:(e).f,g'h+i 0"
        );
        for c in '\u{C0}'..='\u{17F}' {
            assert!(
                to_sepa_latin(&c.to_string()).chars().all(is_sepa_char),
                "{c}"
            );
        }
    }

    #[test]
    fn creditor_references_follow_iso_11649() {
        for ok in [
            "RF18539007547034",
            "RF18 5390 0754 7034",
            "rf18539007547034",
            "RF712348231",
            "RF18000000000539007547034",
            "RF98INV2026000123",
        ] {
            assert!(is_valid_creditor_reference(ok), "{ok}");
        }
        for bad in [
            "",
            "RF",
            "RF18",
            "RF19539007547034",
            "RF18539007547043",
            "XX18539007547034",
            "RF1853900754703",
            "RF18-5390-0754-7034",
            "RF180000000005390075470340",
            "RFAB539007547034",
        ] {
            assert!(!is_valid_creditor_reference(bad), "{bad}");
        }
    }

    #[test]
    fn amounts_have_two_decimals_from_cents() {
        assert_eq!(amount(1), "0.01");
        assert_eq!(amount(10), "0.10");
        assert_eq!(amount(100), "1.00");
        assert_eq!(amount(123_456), "1234.56");
        assert_eq!(amount(99_999_999_999), "999999999.99");
        let xml = write_pain_001_001_03(&transfer(vec![payment(1), payment(99_999_999_999)]))
            .expect("written");
        assert!(xml.contains("<CtrlSum>1000000000.00</CtrlSum>"), "{xml}");
        assert!(xml.contains("<NbOfTxs>2</NbOfTxs>"), "{xml}");
        assert!(
            xml.contains("<InstdAmt Ccy=\"EUR\">0.01</InstdAmt>"),
            "{xml}"
        );
    }

    #[test]
    fn bad_transfers_name_the_field() {
        assert_eq!(
            error(&transfer(vec![])),
            "payments: at least one payment is needed"
        );
        let mut p = payment(0);
        assert!(error(&transfer(vec![payment(5), p.clone()]))
            .starts_with("payments[1].amount_minor: must be from 1"));
        p.amount_minor = 100_000_000_000;
        assert!(error(&transfer(vec![p])).starts_with("payments[0].amount_minor:"));

        let mut ps = vec![payment(1); 4];
        ps[3].end_to_end_id = "X".repeat(36);
        assert_eq!(
            error(&transfer(ps.clone())),
            "payments[3].end_to_end_id: longer than 35 characters"
        );
        ps[3].end_to_end_id = "INV/2026".into();
        ps[2].remittance = Remittance::Unstructured("ä".repeat(141));
        assert_eq!(
            error(&transfer(ps.clone())),
            "payments[2].remittance: longer than 140 characters"
        );
        ps[2].remittance = Remittance::Unstructured("ß".repeat(71));
        assert_eq!(
            error(&transfer(ps.clone())),
            "payments[2].remittance: longer than 140 characters"
        );
        ps[2].remittance = Remittance::CreditorReference("RF19539007547034".into());
        assert!(
            error(&transfer(ps.clone())).starts_with("payments[2].remittance: is not an ISO 11649")
        );
        ps[2].remittance = Remittance::Unstructured("   ".into());
        assert_eq!(
            error(&transfer(ps.clone())),
            "payments[2].remittance: is required"
        );
        ps[2].remittance = Remittance::Unstructured("ok".into());
        ps[1].creditor_name = " \t ".into();
        assert_eq!(
            error(&transfer(ps.clone())),
            "payments[1].creditor_name: is required"
        );
        ps[1].creditor_name = "Ann".into();
        ps[0].creditor_iban = String::new();
        assert_eq!(
            error(&transfer(ps.clone())),
            "payments[0].creditor_iban: is required"
        );
        ps[0].creditor_iban = "NL91 ABNA 0417 1643 00".into();
        assert!(
            error(&transfer(ps.clone())).starts_with("payments[0].creditor_iban: is not an IBAN")
        );
        ps[0].creditor_iban = "NL91ABNA0417164300".into();
        ps[0].creditor_bic = Some("deutdeff".into());
        assert!(error(&transfer(ps.clone())).starts_with("payments[0].creditor_bic: is not a BIC"));
        ps[0].creditor_bic = Some("DEUTDEFF".into());
        assert!(write_pain_001_001_03(&transfer(ps.clone())).is_ok());

        for (id, message) in [
            ("", "is required"),
            ("/MSG", "must not start or end with / nor contain //"),
            ("MSG/", "must not start or end with / nor contain //"),
            ("M//SG", "must not start or end with / nor contain //"),
            (" MSG", "must not start or end with a space"),
            (
                "MSG_1",
                "'_' is not allowed (only a-z A-Z 0-9 / - ? : ( ) . , ' + and space)",
            ),
            (
                "Ü",
                "'Ü' is not allowed (only a-z A-Z 0-9 / - ? : ( ) . , ' + and space)",
            ),
        ] {
            let mut ct = transfer(vec![payment(1)]);
            ct.message_id = id.into();
            assert_eq!(error(&ct), format!("message_id: {message}"), "{id:?}");
        }
        let mut ct = transfer(vec![payment(1)]);
        ct.debtor.bic = Some(String::new());
        assert_eq!(error(&ct), "debtor.bic: is required (or none at all)");
        ct.debtor.bic = None;
        ct.debtor.name = "???".into();
        assert!(write_pain_001_001_03(&ct).is_ok());
        ct.debtor.name = String::new();
        assert_eq!(error(&ct), "debtor.name: is required");
    }

    #[test]
    fn long_names_are_cut_and_empty_end_to_end_ids_not_provided() {
        let mut p = payment(1);
        p.creditor_name = format!("{} Ltd", "Ö".repeat(80));
        p.end_to_end_id = String::new();
        let mut ct = transfer(vec![p]);
        ct.initiator_name = "I".repeat(71);
        let xml = write_pain_001_001_03(&ct).expect("written");
        assert!(
            xml.contains(&format!("<Nm>{}</Nm>", "O".repeat(70))),
            "{xml}"
        );
        assert!(
            xml.contains(&format!("<Nm>{}</Nm>", "I".repeat(70))),
            "{xml}"
        );
        assert!(
            xml.contains("<EndToEndId>NOTPROVIDED</EndToEndId>"),
            "{xml}"
        );
        assert!(xml.contains("<Id>NOTPROVIDED</Id>"), "{xml}");
        assert!(!xml.contains("<CdtrAgt>"), "{xml}");
        // A cut that ends on a space leaves none behind.
        assert_eq!(
            name("n", &format!("{} b", "a".repeat(69))).ok(),
            Some("a".repeat(69))
        );
    }

    #[test]
    fn the_escaper_covers_what_the_checks_let_through() {
        let mut s = String::new();
        escape_into(&mut s, "a&b<c>d\"e'f");
        assert_eq!(s, "a&amp;b&lt;c&gt;d&quot;e'f");
    }
}
