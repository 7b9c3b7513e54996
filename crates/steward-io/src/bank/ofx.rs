//! OFX: 1.x (SGML: `OFXHEADER:100` header lines, leaf elements usually left unclosed, as in
//! `<TRNAMT>-12.50`) and 2.x (XML with an `<?OFX ...?>` processing instruction), read by one
//! tolerant tokenizer.
//!
//! Aggregates (`<STMTTRN>`, `<BANKTRANLIST>`, ...) must be closed, in OFX 1 as in OFX 2; a
//! leaf ends at its end tag, or, unclosed, at the next tag. An unclosed aggregate (a file
//! cut short) is refused rather than read as far as it goes, so no transaction is silently
//! lost. Statements are `STMTRS` (bank) and `CCSTMTRS` (credit card) wherever they are;
//! `LEDGERBAL` is the closing balance (OFX has no opening balance).

use std::borrow::Cow;

use chrono::NaiveDate;

use super::text::{decode, Lines};
use super::tree::{Element, MAX_DEPTH};
use super::{
    currency_code, looks_like_iban, normalize_iban, parse_amount, AccountId, Balance, Decimal,
    Format, Statement, StatementError, StatementLine,
};

/// Elements that hold other elements. Never closed implicitly: a missing end tag is an error.
const AGGREGATES: &[&str] = &[
    "OFX",
    "SIGNONMSGSRSV1",
    "SONRS",
    "STATUS",
    "FI",
    "BANKMSGSRSV1",
    "STMTTRNRS",
    "STMTRS",
    "BANKACCTFROM",
    "BANKACCTTO",
    "CCACCTFROM",
    "CCACCTTO",
    "BANKTRANLIST",
    "STMTTRN",
    "PAYEE",
    "LEDGERBAL",
    "AVAILBAL",
    "CURRENCY",
    "ORIGCURRENCY",
    "CREDITCARDMSGSRSV1",
    "CCSTMTTRNRS",
    "CCSTMTRS",
    "BALLIST",
    "BAL",
];

/// Leaves that may be empty (`<MEMO>` followed by the next tag): they end at the next tag
/// even without text. Other unknown elements end there only when they have text.
const LEAVES: &[&str] = &[
    "TRNTYPE",
    "DTPOSTED",
    "DTUSER",
    "DTAVAIL",
    "TRNAMT",
    "FITID",
    "CORRECTFITID",
    "CORRECTACTION",
    "SRVRTID",
    "CHECKNUM",
    "REFNUM",
    "SIC",
    "PAYEEID",
    "NAME",
    "EXTDNAME",
    "MEMO",
    "CURDEF",
    "BANKID",
    "BRANCHID",
    "ACCTID",
    "ACCTTYPE",
    "ACCTKEY",
    "DTSTART",
    "DTEND",
    "BALAMT",
    "DTASOF",
    "CODE",
    "SEVERITY",
    "MESSAGE",
    "DTSERVER",
    "LANGUAGE",
    "ORG",
    "FID",
    "TRNUID",
    "CURRATE",
    "CURSYM",
    "MKTGINFO",
    "ADDR1",
    "ADDR2",
    "ADDR3",
    "CITY",
    "STATE",
    "POSTALCODE",
    "COUNTRY",
    "PHONE",
];

pub(crate) fn read(bytes: &[u8]) -> Result<Vec<(usize, Statement)>, StatementError> {
    let text = decode(bytes);
    let root = parse(&text)?;
    let ofx = root.child("OFX").ok_or_else(|| {
        StatementError::new(1, Some("OFX"), "not an OFX file: there is no <OFX> element")
    })?;
    let mut found = Vec::new();
    ofx.find_all(&["STMTRS", "CCSTMTRS"], &mut found);
    if found.is_empty() {
        // An error answer from the bank carries a STATUS instead of the statement.
        let mut statuses = Vec::new();
        ofx.find_all(&["STATUS"], &mut statuses);
        for st in statuses {
            if let Some(code) = st.text_at(&["CODE"]).filter(|c| *c != "0") {
                let msg = st.text_at(&["MESSAGE"]).unwrap_or("no message");
                return Err(StatementError::new(
                    st.line,
                    Some("STATUS"),
                    format!("the bank answered with error code {code}: {msg}"),
                ));
            }
        }
        return Err(StatementError::new(
            ofx.line,
            Some("STMTRS"),
            "the file holds no bank (STMTRS) or credit card (CCSTMTRS) statement",
        ));
    }
    found
        .into_iter()
        .map(|rs| Ok((rs.line, statement(rs)?)))
        .collect()
}

fn statement(rs: &Element) -> Result<Statement, StatementError> {
    let currency = currency(rs, "CURDEF")?;
    let from = if rs.name == "CCSTMTRS" {
        "CCACCTFROM"
    } else {
        "BANKACCTFROM"
    };
    let acct = rs.require(&[from])?;
    let number = acct.require_text(&["ACCTID"])?;
    let account = match normalize_iban(number).filter(|n| looks_like_iban(n)) {
        Some(iban) => AccountId {
            number: iban,
            is_iban: true,
            bank_id: acct.text_at(&["BANKID"]).map(str::to_owned),
        },
        None => AccountId {
            number: number.to_owned(),
            is_iban: false,
            bank_id: acct.text_at(&["BANKID"]).map(str::to_owned),
        },
    };
    let list = rs.child("BANKTRANLIST");
    let (start_date, end_date) = match list {
        Some(l) => (opt_date(l, "DTSTART")?, opt_date(l, "DTEND")?),
        None => (None, None),
    };
    let lines = list
        .into_iter()
        .flat_map(|l| l.children("STMTTRN"))
        .map(|t| line(t, &currency))
        .collect::<Result<Vec<_>, _>>()?;
    let closing = match rs.child("LEDGERBAL") {
        Some(b) => Some(Balance {
            amount: amount(b, "BALAMT")?,
            date: date(b, "DTASOF")?,
        }),
        None => None,
    };
    Ok(Statement {
        format: Format::Ofx,
        account,
        currency,
        statement_id: None,
        start_date,
        end_date,
        opening: None,
        closing,
        lines,
    })
}

fn line(t: &Element, statement_currency: &str) -> Result<StatementLine, StatementError> {
    let booking_date = date(t, "DTPOSTED")?;
    let value_date = match opt_date(t, "DTUSER")? {
        Some(d) => Some(d),
        None => opt_date(t, "DTAVAIL")?,
    };
    let amount = amount(t, "TRNAMT")?;
    let currency = match t.get(&["CURRENCY", "CURSYM"]) {
        Some(c) => code(c, "CURRENCY/CURSYM")?,
        None => statement_currency.to_owned(),
    };
    let name = t
        .text_at(&["NAME"])
        .or_else(|| t.text_at(&["PAYEE", "NAME"]))
        .map(str::to_owned);
    let memo = t.text_at(&["MEMO"]);
    let description = memo
        .or(name.as_deref())
        .or_else(|| t.text_at(&["TRNTYPE"]))
        .unwrap_or("")
        .to_owned();
    let counterparty_iban = ["BANKACCTTO", "CCACCTTO"]
        .iter()
        .filter_map(|to| t.text_at(&[to, "ACCTID"]))
        .filter_map(normalize_iban)
        .find(|n| looks_like_iban(n));
    Ok(StatementLine {
        format: Format::Ofx,
        line: t.line,
        occurrence: 0,
        booking_date,
        value_date,
        amount,
        currency,
        bank_ref: t.text_at(&["FITID"]).map(str::to_owned),
        end_to_end_id: None,
        reference: t
            .text_at(&["REFNUM"])
            .or_else(|| t.text_at(&["CHECKNUM"]))
            .map(str::to_owned),
        counterparty_name: name,
        counterparty_iban,
        description,
    })
}

fn currency(e: &Element, name: &str) -> Result<String, StatementError> {
    code(e.require(&[name])?, name)
}

fn code(e: &Element, column: &str) -> Result<String, StatementError> {
    let t = e.value().unwrap_or("");
    currency_code(t).ok_or_else(|| {
        StatementError::new(
            e.line,
            Some(column),
            format!("'{t}' is not a currency code (three letters, e.g. EUR)"),
        )
    })
}

/// An amount with `.` or `,` as the decimal mark and no digit grouping.
fn amount(parent: &Element, name: &str) -> Result<Decimal, StatementError> {
    let e = parent.require(&[name])?;
    let t = e.value().unwrap_or("");
    let mark = if t.contains(',') && !t.contains('.') {
        ','
    } else {
        '.'
    };
    parse_amount(t, mark, false).map_err(|m| StatementError::new(e.line, Some(name), m))
}

fn date(parent: &Element, name: &str) -> Result<NaiveDate, StatementError> {
    opt_date(parent, name)?.ok_or_else(|| parent.missing(&[name]))
}

/// `YYYYMMDD[HHMMSS[.XXX]][[+-]h[.mm][:TZ]]`: the date part, as written (the bank's day).
fn opt_date(parent: &Element, name: &str) -> Result<Option<NaiveDate>, StatementError> {
    let Some(e) = parent.child(name) else {
        return Ok(None);
    };
    let t = e.value().unwrap_or("");
    parse_date(t).map(Some).ok_or_else(|| {
        StatementError::new(
            e.line,
            Some(name),
            format!("'{t}' is not an OFX date (YYYYMMDD, optionally followed by the time)"),
        )
    })
}

fn parse_date(t: &str) -> Option<NaiveDate> {
    let b = t.as_bytes();
    if b.len() < 8 || !b[..8].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let rest = &b[8..];
    let time_ok = rest
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || b"+-.:[] ".contains(c));
    if !time_ok {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> { t.get(r)?.parse().ok() };
    let y = i32::try_from(num(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(y, num(4..6)?, num(6..8)?)
}

/// Builds the element tree: a nameless root whose children are the top-level elements.
fn parse(src: &str) -> Result<Element, StatementError> {
    let lines = Lines::new(src);
    let b = src.as_bytes();
    let mut tree = Builder {
        stack: vec![Element::new(String::new(), 1)],
    };
    // Before the first tag: the OFX 1 header (`OFXHEADER:100`, `CHARSET:1252`, ...).
    let Some(mut i) = memchr::memchr(b'<', b) else {
        return Err(StatementError::new(
            1,
            None,
            "not an OFX file: there are no tags",
        ));
    };
    while i < b.len() {
        let lt = memchr::memchr(b'<', &b[i..]).map_or(b.len(), |p| i + p);
        if lt > i {
            tree.text(&unescape(&src[i..lt]));
        }
        if lt >= b.len() {
            break;
        }
        let rest = &src[lt..];
        let line = lines.line_of(lt);
        if rest.starts_with("<!--") {
            i = skip_past(src, lt + 4, "-->");
            continue;
        }
        if let Some(cdata) = rest.strip_prefix("<![CDATA[") {
            let end = cdata.find("]]>").unwrap_or(cdata.len());
            tree.text(&cdata[..end]);
            i = skip_past(src, lt + 9, "]]>");
            continue;
        }
        if rest.starts_with("<?") {
            i = skip_past(src, lt + 2, "?>");
            continue;
        }
        if rest.starts_with("<!") {
            i = skip_past(src, lt + 2, ">");
            continue;
        }
        let is_end = b.get(lt + 1) == Some(&b'/');
        let name_start = lt + 1 + usize::from(is_end);
        if !b.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            // `a < b`: not a tag.
            tree.text("<");
            i = lt + 1;
            continue;
        }
        let gt = memchr::memchr2(b'>', b'<', &b[name_start..])
            .map(|p| name_start + p)
            .filter(|&p| b[p] == b'>')
            .ok_or_else(|| StatementError::new(line, None, "a tag is not closed with '>'"))?;
        let inner = &src[name_start..gt];
        let self_closing = !is_end && inner.ends_with('/');
        let inner = inner.trim_end_matches('/');
        let name_end = inner
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(inner.len());
        let name = inner[..name_end].to_ascii_uppercase();
        if !name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"._-:".contains(&c))
        {
            return Err(StatementError::new(
                line,
                None,
                format!("'<{}>' is not a valid tag", excerpt(inner)),
            ));
        }
        if is_end {
            tree.end(&name)?;
        } else {
            tree.start(name.clone(), line)?;
            if self_closing {
                tree.end(&name)?;
            }
        }
        i = gt + 1;
    }
    tree.finish()
}

struct Builder {
    stack: Vec<Element>,
}

impl Builder {
    fn top(&mut self) -> Option<&mut Element> {
        // The root (index 0) takes no text.
        if self.stack.len() > 1 {
            self.stack.last_mut()
        } else {
            None
        }
    }

    fn text(&mut self, t: &str) {
        if let Some(top) = self.top() {
            // White space between an aggregate's children is not kept: it is no content,
            // and keeping it would make `start`'s look at the text slow on a long list.
            if top.children.is_empty() || !t.trim().is_empty() {
                top.text.push_str(t);
            }
        }
    }

    fn start(&mut self, name: String, line: usize) -> Result<(), StatementError> {
        if let Some(top) = self.top() {
            let aggregate = AGGREGATES.contains(&top.name.as_str());
            if !aggregate && (top.value().is_some() || LEAVES.contains(&top.name.as_str())) {
                self.close_implicitly()?;
            }
        }
        if self.stack.len() > MAX_DEPTH {
            return Err(StatementError::new(
                line,
                Some(&name),
                format!("elements are nested more than {MAX_DEPTH} deep"),
            ));
        }
        self.stack.push(Element::new(name, line));
        Ok(())
    }

    /// An end tag closes its element and every leaf left open inside it. An end tag with
    /// nothing open to close is ignored (some banks close leaves they never opened).
    fn end(&mut self, name: &str) -> Result<(), StatementError> {
        let Some(p) = self
            .stack
            .iter()
            .rposition(|e| e.name == name)
            .filter(|&p| p > 0)
        else {
            return Ok(());
        };
        while self.stack.len() > p + 1 {
            self.close_implicitly()?;
        }
        if let Some(e) = self.stack.pop() {
            if let Some(parent) = self.stack.last_mut() {
                parent.children.push(e);
            }
        }
        Ok(())
    }

    /// Ends the innermost element without an end tag: it was a leaf, so whatever it seemed
    /// to contain belongs to its parent. An aggregate without an end tag is an error.
    fn close_implicitly(&mut self) -> Result<(), StatementError> {
        let Some(mut e) = self.stack.pop() else {
            return Ok(());
        };
        if AGGREGATES.contains(&e.name.as_str()) {
            return Err(StatementError::new(
                e.line,
                Some(&e.name),
                format!("<{}> is not closed (is the file complete?)", e.name),
            ));
        }
        let hoisted = std::mem::take(&mut e.children);
        if let Some(parent) = self.stack.last_mut() {
            parent.children.push(e);
            parent.children.extend(hoisted);
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Element, StatementError> {
        while self.stack.len() > 1 {
            self.close_implicitly()?;
        }
        Ok(self.stack.pop().unwrap_or_default())
    }
}

/// The index after the first `end` at or after `from` (or the end of the text).
fn skip_past(src: &str, from: usize, end: &str) -> usize {
    src.get(from..)
        .and_then(|s| s.find(end))
        .map_or(src.len(), |p| from + p + end.len())
}

/// Resolves `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&nbsp;` and `&#N;`/`&#xH;`; any
/// other `&` stays as it is (OFX 1 files often have a bare `AT&T`).
fn unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        let after = &rest[p + 1..];
        let entity = after
            .bytes()
            .take(12)
            .position(|c| c == b';')
            .and_then(|e| Some((entity(&after[..e])?, e)));
        match entity {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some('\u{a0}'),
        _ => {
            let n = name.strip_prefix('#')?;
            let code = match n.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => n.parse().ok()?,
            };
            char::from_u32(code).filter(|&c| c != '\0')
        }
    }
}

fn excerpt(s: &str) -> &str {
    let end = s.char_indices().nth(30).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

#[cfg(test)]
mod tests;
