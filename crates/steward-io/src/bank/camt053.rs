//! ISO 20022 CAMT.053 (bank-to-customer statement), versions `001.02` to `001.13`: the
//! elements read here have kept their names and places across those versions, apart from
//! the few handled below (`Sts` as text or `Sts/Cd`, parties as `Dbtr/Nm` or `Dbtr/Pty/Nm`,
//! the servicer's BIC as `BIC` or `BICFI`, a transaction's amount as `AmtDtls/TxAmt/Amt` or
//! `Amt`).
//!
//! Only booked entries (`Sts` `BOOK`) become lines; pending, information-only and future
//! entries (`PDNG`, `INFO`, `FUTR`) are skipped. An entry that is a batch (several
//! `TxDtls`) becomes one line per transaction when every transaction has its own amount and
//! those amounts add up to the entry's; otherwise it is one line, so the statement's sum is
//! the same either way.

use chrono::NaiveDate;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

use super::text::Lines;
use super::tree::{Element, MAX_DEPTH};
use super::{
    currency_code, normalize_iban, parse_amount, AccountId, Balance, Decimal, Format, Statement,
    StatementError, StatementLine,
};

const BOM: &[u8] = b"\xEF\xBB\xBF";
const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:";

pub(crate) fn read(bytes: &[u8]) -> Result<Vec<(usize, Statement)>, StatementError> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let src = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        StatementError::new(
            line,
            None,
            "the file is not UTF-8 text, as CAMT files must be",
        )
    })?;
    let root = parse(src)?;
    let doc = root.child("Document").ok_or_else(|| {
        StatementError::new(
            1,
            Some("Document"),
            "not a CAMT file: there is no <Document> element",
        )
    })?;
    let ns = doc
        .attrs
        .iter()
        .map(|(_, v)| v.as_str())
        .find(|v| v.starts_with(NAMESPACE));
    match ns {
        Some(ns) if ns[NAMESPACE.len()..].starts_with("camt.053.") => {}
        Some(ns) => {
            return Err(StatementError::new(
                doc.line,
                Some("Document"),
                format!("the namespace is {ns}: not a camt.053 statement"),
            ))
        }
        None => {
            return Err(StatementError::new(
                doc.line,
                Some("Document"),
                format!("the document has no ISO 20022 namespace ({NAMESPACE}camt.053...)"),
            ))
        }
    }
    let msg = doc.require(&["BkToCstmrStmt"])?;
    let stmts: Vec<&Element> = msg.children("Stmt").collect();
    if stmts.is_empty() {
        return Err(msg.missing(&["Stmt"]));
    }
    stmts
        .into_iter()
        .map(|st| Ok((st.line, statement(st)?)))
        .collect()
}

fn statement(st: &Element) -> Result<Statement, StatementError> {
    let acct = st.require(&["Acct"])?;
    let account = match acct.text_at(&["Id", "IBAN"]).and_then(normalize_iban) {
        Some(iban) => AccountId {
            number: iban,
            is_iban: true,
            bank_id: None,
        },
        None => AccountId {
            number: acct.require_text(&["Id", "Othr", "Id"])?.to_owned(),
            is_iban: false,
            bank_id: None,
        },
    };
    let account = AccountId {
        bank_id: acct
            .text_at(&["Svcr", "FinInstnId", "BICFI"])
            .or_else(|| acct.text_at(&["Svcr", "FinInstnId", "BIC"]))
            .map(str::to_owned),
        ..account
    };
    let currency = match acct.child("Ccy") {
        Some(c) => code(c.value().unwrap_or(""), c, "Acct/Ccy")?,
        None => {
            // Not required by the schema: the first balance's or entry's currency.
            let amt = st
                .children("Bal")
                .chain(st.children("Ntry"))
                .find_map(|e| e.child("Amt"))
                .ok_or_else(|| acct.missing(&["Ccy"]))?;
            code(amt.attr("Ccy").unwrap_or(""), amt, "Amt")?
        }
    };
    let period = st.child("FrToDt");
    let start_date = period
        .map(|p| opt_date_time(p, "FrDtTm"))
        .transpose()?
        .flatten();
    let end_date = period
        .map(|p| opt_date_time(p, "ToDtTm"))
        .transpose()?
        .flatten();

    let mut opening = None;
    let mut previous_closing = None;
    let mut closing = None;
    for bal in st.children("Bal") {
        let slot = match bal.text_at(&["Tp", "CdOrPrtry", "Cd"]) {
            Some("OPBD") => &mut opening,
            Some("PRCD") => &mut previous_closing,
            Some("CLBD") => &mut closing,
            _ => continue,
        };
        if slot.is_none() {
            let (amount, _) = signed_amount(bal, None)?;
            let date = opt_date_choice(bal, "Dt")?.ok_or_else(|| bal.missing(&["Dt"]))?;
            *slot = Some(Balance { date, amount });
        }
    }

    let mut lines = Vec::new();
    for ntry in st.children("Ntry") {
        entry(ntry, &mut lines)?;
    }
    Ok(Statement {
        format: Format::Camt053,
        account,
        currency,
        statement_id: st.text_at(&["Id"]).map(str::to_owned),
        start_date,
        end_date,
        opening: opening.or(previous_closing),
        closing,
        lines,
    })
}

/// The lines of one entry (none when it is not booked).
fn entry(n: &Element, out: &mut Vec<StatementLine>) -> Result<(), StatementError> {
    let sts = n.require(&["Sts"])?;
    let status = sts
        .text_at(&["Cd"])
        .or_else(|| sts.text_at(&["Prtry"]))
        .or_else(|| sts.value())
        .ok_or_else(|| sts.missing(&["Cd"]))?;
    match status {
        "BOOK" => {}
        "PDNG" | "INFO" | "FUTR" => return Ok(()),
        other => {
            return Err(StatementError::new(
                sts.line,
                Some("Sts"),
                format!("unknown entry status '{other}' (expected BOOK, PDNG, INFO or FUTR)"),
            ))
        }
    }
    let (amount, currency) = signed_amount(n, None)?;
    let booking_date = match opt_date_choice(n, "BookgDt")? {
        Some(d) => d,
        None => opt_date_choice(n, "ValDt")?.ok_or_else(|| n.missing(&["BookgDt"]))?,
    };
    let value_date = opt_date_choice(n, "ValDt")?;
    let entry = Entry {
        n,
        booking_date,
        value_date,
    };
    let txs: Vec<&Element> = n
        .children("NtryDtls")
        .flat_map(|d| d.children("TxDtls"))
        .collect();
    if txs.len() > 1 {
        let mut parts = Vec::with_capacity(txs.len());
        for tx in &txs {
            if tx_amount(tx).is_none() {
                parts.clear();
                break;
            }
            parts.push(signed_amount(tx, Some(n))?);
        }
        let sum = parts
            .iter()
            .try_fold(Decimal::ZERO, |s, (a, _)| s.checked_add(*a));
        if !parts.is_empty() && sum == Some(amount) {
            for (tx, (amount, currency)) in txs.iter().zip(parts) {
                out.push(entry.line(Some(tx), tx.line, amount, currency));
            }
            return Ok(());
        }
    }
    let tx = match txs.as_slice() {
        [one] => Some(*one),
        _ => None,
    };
    out.push(entry.line(tx, n.line, amount, currency));
    Ok(())
}

struct Entry<'a> {
    n: &'a Element,
    booking_date: NaiveDate,
    value_date: Option<NaiveDate>,
}

impl Entry<'_> {
    fn line(
        &self,
        tx: Option<&Element>,
        line: usize,
        amount: Decimal,
        currency: String,
    ) -> StatementLine {
        let n = self.n;
        let at = |path: &[&str]| tx.and_then(|t| t.text_at(path)).map(str::to_owned);
        let bank_ref = at(&["Refs", "AcctSvcrRef"])
            .or_else(|| n.text_at(&["AcctSvcrRef"]).map(str::to_owned))
            .or_else(|| n.text_at(&["NtryRef"]).map(str::to_owned))
            .or_else(|| at(&["Refs", "TxId"]));
        let end_to_end_id = at(&["Refs", "EndToEndId"]).filter(|r| {
            let r = r.to_ascii_uppercase();
            r != "NOTPROVIDED" && r != "NOT PROVIDED"
        });
        let rmt = tx.and_then(|t| t.child("RmtInf"));
        let structured = rmt.and_then(|r| {
            r.children("Strd")
                .find_map(|s| s.text_at(&["CdtrRefInf", "Ref"]))
                .map(str::to_owned)
        });
        let unstructured = rmt
            .map(|r| {
                r.children("Ustrd")
                    .filter_map(Element::value)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|s| !s.is_empty());
        // Money in: the debtor paid us; money out: we paid the creditor.
        let (party, party_acct) = if amount.is_negative() {
            ("Cdtr", "CdtrAcct")
        } else {
            ("Dbtr", "DbtrAcct")
        };
        let counterparty_name =
            at(&["RltdPties", party, "Nm"]).or_else(|| at(&["RltdPties", party, "Pty", "Nm"]));
        let counterparty_iban = tx
            .and_then(|t| t.text_at(&["RltdPties", party_acct, "Id", "IBAN"]))
            .and_then(normalize_iban);
        let description = unstructured
            .clone()
            .or_else(|| at(&["AddtlTxInf"]))
            .or_else(|| n.text_at(&["AddtlNtryInf"]).map(str::to_owned))
            .unwrap_or_default();
        StatementLine {
            format: Format::Camt053,
            line,
            occurrence: 0,
            booking_date: self.booking_date,
            value_date: self.value_date,
            amount,
            currency,
            bank_ref,
            end_to_end_id,
            reference: structured.or(unstructured),
            counterparty_name,
            counterparty_iban,
            description,
        }
    }
}

/// A transaction's own amount: `AmtDtls/TxAmt/Amt` or (from version 4) `Amt`.
fn tx_amount(tx: &Element) -> Option<&Element> {
    tx.get(&["AmtDtls", "TxAmt", "Amt"])
        .or_else(|| tx.child("Amt"))
}

/// `Amt` (with its `Ccy`) signed by `CdtDbtInd`, both of `e`; for a transaction, its own
/// amount and the indicator of `entry` when it has none.
fn signed_amount(
    e: &Element,
    entry: Option<&Element>,
) -> Result<(Decimal, String), StatementError> {
    let amt = match entry {
        Some(_) => tx_amount(e).ok_or_else(|| e.missing(&["Amt"]))?,
        None => e.require(&["Amt"])?,
    };
    let text = amt.value().unwrap_or("");
    let value = parse_amount(text, '.', false)
        .map_err(|m| StatementError::new(amt.line, Some("Amt"), m))?;
    if value.is_negative() {
        return Err(StatementError::new(
            amt.line,
            Some("Amt"),
            format!("'{text}' is negative; the sign belongs in CdtDbtInd"),
        ));
    }
    let currency = code(amt.attr("Ccy").unwrap_or(""), amt, "Amt")?;
    let ind = match (e.child("CdtDbtInd"), entry) {
        (Some(i), _) => i,
        (None, Some(n)) => n.require(&["CdtDbtInd"])?,
        (None, None) => e.require(&["CdtDbtInd"])?,
    };
    let value = match ind.value() {
        Some("CRDT") => value,
        Some("DBIT") => value.checked_neg().ok_or_else(|| {
            StatementError::new(amt.line, Some("Amt"), format!("'{text}' is too large"))
        })?,
        other => {
            return Err(StatementError::new(
                ind.line,
                Some("CdtDbtInd"),
                format!("'{}' is neither CRDT nor DBIT", other.unwrap_or("")),
            ))
        }
    };
    Ok((value, currency))
}

fn code(text: &str, e: &Element, column: &str) -> Result<String, StatementError> {
    currency_code(text).ok_or_else(|| {
        StatementError::new(
            e.line,
            Some(column),
            format!("'{text}' is not a currency code (three letters, e.g. EUR)"),
        )
    })
}

/// A `DateAndDateTimeChoice` (`<X><Dt>..</Dt></X>` or `<X><DtTm>..</DtTm></X>`) under
/// `parent`, `None` when `X` is absent.
fn opt_date_choice(parent: &Element, name: &str) -> Result<Option<NaiveDate>, StatementError> {
    let Some(e) = parent.child(name) else {
        return Ok(None);
    };
    let d = e
        .child("Dt")
        .or_else(|| e.child("DtTm"))
        .ok_or_else(|| e.missing(&["Dt"]))?;
    iso_date(d).map(Some)
}

fn opt_date_time(parent: &Element, name: &str) -> Result<Option<NaiveDate>, StatementError> {
    parent.child(name).map(iso_date).transpose()
}

/// `2024-01-31`, `2024-01-31+01:00` or `2024-01-31T23:59:59.000+01:00`: the date part as
/// written (the bank's day).
fn iso_date(e: &Element) -> Result<NaiveDate, StatementError> {
    let t = e.value().unwrap_or("");
    let rest_ok = t
        .get(10..)
        .is_some_and(|r| r.is_empty() || r.starts_with(['T', 'Z', '+', '-']));
    t.get(..10)
        .filter(|_| rest_ok)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| {
            StatementError::new(
                e.line,
                Some(&e.name),
                format!("'{t}' is not an ISO date (YYYY-MM-DD)"),
            )
        })
}

/// Builds the element tree from quick-xml's events: a nameless root whose children are the
/// top-level elements, names without their namespace prefix.
fn parse(src: &str) -> Result<Element, StatementError> {
    let lines = Lines::new(src);
    let offset = |p: u64| usize::try_from(p).unwrap_or(usize::MAX);
    let mut reader = Reader::from_str(src);
    reader.config_mut().expand_empty_elements = true;
    let mut stack = vec![Element::new(String::new(), 1)];
    let xml_error = |reader: &Reader<&[u8]>, e: &dyn std::fmt::Display| {
        StatementError::new(
            lines.line_of(offset(reader.error_position())),
            None,
            format!("not well-formed XML: {e}"),
        )
    };
    loop {
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => return Err(xml_error(&reader, &e)),
        };
        match event {
            Event::Start(e) => {
                let end = offset(reader.buffer_position()).min(src.len());
                let start = src.get(..end).and_then(|s| s.rfind('<')).unwrap_or(end);
                let line = lines.line_of(start);
                let name = String::from(e.local_name().as_ref());
                if stack.len() > MAX_DEPTH {
                    return Err(StatementError::new(
                        line,
                        Some(&name),
                        format!("elements are nested more than {MAX_DEPTH} deep"),
                    ));
                }
                let mut el = Element::new(name, line);
                for a in e.attributes() {
                    let a = a.map_err(|e| {
                        StatementError::new(line, Some(&el.name), format!("bad attribute: {e}"))
                    })?;
                    let value = a.normalized_value(XmlVersion::Implicit1_0).map_err(|e| {
                        StatementError::new(line, Some(&el.name), format!("bad attribute: {e}"))
                    })?;
                    el.attrs.push((
                        String::from(a.key.local_name().as_ref()),
                        value.into_owned(),
                    ));
                }
                stack.push(el);
            }
            Event::End(_) if stack.len() > 1 => {
                if let Some(e) = stack.pop() {
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(e);
                    }
                }
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content()),
            Event::CData(t) => push_text(&mut stack, &t.xml10_content()),
            Event::GeneralRef(r) => {
                let c = r.resolve_char_ref().map_err(|e| xml_error(&reader, &e))?;
                match (c, resolve_predefined_entity(&r)) {
                    (Some(c), _) => push_text(&mut stack, c.encode_utf8(&mut [0; 4])),
                    (None, Some(s)) => push_text(&mut stack, s),
                    (None, None) => {
                        let line = lines.line_of(offset(reader.buffer_position()));
                        return Err(StatementError::new(
                            line,
                            None,
                            format!("unknown entity '&{};'", &*r),
                        ));
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() > 1 {
        if let Some(e) = stack.last() {
            return Err(StatementError::new(
                e.line,
                Some(&e.name),
                format!("<{}> is not closed (is the file complete?)", e.name),
            ));
        }
    }
    Ok(stack.pop().unwrap_or_default())
}

fn push_text(stack: &mut [Element], t: &str) {
    if stack.len() > 1 {
        if let Some(top) = stack.last_mut() {
            // White space between children is no content: not kept.
            if top.children.is_empty() || !t.trim().is_empty() {
                top.text.push_str(t);
            }
        }
    }
}

#[cfg(test)]
mod tests;
