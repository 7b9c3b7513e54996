//! Streaming writers for hledger (also read by ledger) and Beancount journals.

use std::io::{self, Write};

use chrono::NaiveDate;

use super::balance::format_amount;
use super::names::{
    beancount_account, beancount_account_unique, beancount_commodity, beancount_commodity_unique,
    FnvMap,
};
use super::{
    account_type_from_name, AccountId, AccountType, Amount, CommodityId, Format, Names, Price,
    PriceDecl, Status, Transaction,
};

/// Writes journal items one at a time to `out`.
///
/// hledger output is read by hledger and ledger alike. Beancount output uses
/// [`beancount_account`] / [`beancount_commodity`] names (the second of two accounts
/// that would meet gets [`beancount_account_unique`], the second of two commodities
/// get [`beancount_commodity_unique`]; a remaining clash is an error), opens every account on first use at 1900-01-01 (Beancount sorts by
/// date, so that is valid anywhere in the file), and leaves out per-posting balance
/// assertions, which Beancount cannot express.
pub struct Writer<W: Write> {
    format: Format,
    out: W,
    accounts: FnvMap<AccountId, String>,
    account_names: FnvMap<String, AccountId>,
    types: FnvMap<AccountId, AccountType>,
    commodities: FnvMap<CommodityId, String>,
    commodity_names: FnvMap<String, CommodityId>,
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

fn bean_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn bean_tag(s: &str) -> Option<&str> {
    (!s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.')))
    .then_some(s)
}

impl<W: Write> Writer<W> {
    /// A writer of `format` (`Ledger` writes the hledger syntax, which ledger reads).
    pub fn new(format: Format, out: W) -> Writer<W> {
        Writer {
            format,
            out,
            accounts: FnvMap::default(),
            account_names: FnvMap::default(),
            types: FnvMap::default(),
            commodities: FnvMap::default(),
            commodity_names: FnvMap::default(),
        }
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn beancount(&self) -> bool {
        self.format == Format::Beancount
    }

    /// The name account `id` has in the output, opening it (Beancount) on first use.
    pub fn account_name(&mut self, names: &Names, id: AccountId) -> io::Result<String> {
        if !self.beancount() {
            return Ok(names.account(id).to_string());
        }
        if let Some(n) = self.accounts.get(&id) {
            return Ok(n.clone());
        }
        let orig = names.account(id);
        let ty = self
            .types
            .get(&id)
            .copied()
            .or_else(|| account_type_from_name(orig));
        let mut name = beancount_account(orig, ty);
        if name.split(':').count() < 2 || self.account_names.contains_key(&name) {
            name = beancount_account_unique(orig, ty);
        }
        if let Some(other) = self.account_names.get(&name) {
            return Err(invalid(format!(
                "accounts '{orig}' and '{}' both map to '{name}'",
                names.account(*other)
            )));
        }
        self.accounts.insert(id, name.clone());
        self.account_names.insert(name.clone(), id);
        writeln!(self.out, "1900-01-01 open {name}")?;
        Ok(name)
    }

    /// The symbol commodity `id` has in the output.
    pub fn commodity_name(&mut self, names: &Names, id: CommodityId) -> io::Result<String> {
        if !self.beancount() {
            return Ok(names.commodity(id).to_string());
        }
        if let Some(n) = self.commodities.get(&id) {
            return Ok(n.clone());
        }
        let mut name = beancount_commodity(names.commodity(id));
        if self.commodity_names.contains_key(&name) {
            name = beancount_commodity_unique(names.commodity(id));
        }
        if let Some(other) = self.commodity_names.get(&name) {
            return Err(invalid(format!(
                "commodities '{}' and '{}' both map to '{name}'",
                names.commodity(id),
                names.commodity(*other)
            )));
        }
        self.commodities.insert(id, name.clone());
        self.commodity_names.insert(name.clone(), id);
        Ok(name)
    }

    fn amount(&mut self, names: &Names, a: Amount) -> io::Result<String> {
        if self.beancount() {
            let c = self.commodity_name(names, a.commodity)?;
            Ok(format!("{} {c}", a.quantity))
        } else {
            Ok(format_amount(names, a.commodity, a.quantity))
        }
    }

    /// Declares a commodity with its display precision (hledger `commodity 1000.00 USD`).
    pub fn write_commodity(&mut self, names: &Names, id: CommodityId) -> io::Result<()> {
        if self.beancount() {
            let c = self.commodity_name(names, id)?;
            return writeln!(self.out, "1900-01-01 commodity {c}");
        }
        let p = names.precision(id);
        let sample = super::Decimal::new(0, p).unwrap_or_default();
        let mut a = format_amount(names, id, sample).replacen('0', "1000", 1);
        if p == 0 {
            // hledger needs a decimal mark in a commodity directive.
            a = a.replacen("1000", "1000.", 1);
        }
        writeln!(self.out, "commodity {a}")
    }

    /// Declares an account and its type (Beancount: opens it).
    pub fn write_account(
        &mut self,
        names: &Names,
        id: AccountId,
        ty: Option<AccountType>,
    ) -> io::Result<()> {
        if let Some(t) = ty {
            self.types.insert(id, t);
        }
        if self.beancount() {
            self.account_name(names, id)?;
            return Ok(());
        }
        match ty {
            Some(t) => writeln!(
                self.out,
                "account {}  ; type: {}",
                names.account(id),
                t.letter()
            ),
            None => writeln!(self.out, "account {}", names.account(id)),
        }
    }

    /// A market price.
    pub fn write_price(&mut self, names: &Names, p: &PriceDecl) -> io::Result<()> {
        let price = self.amount(names, p.price)?;
        let c = self.commodity_name(names, p.commodity)?;
        if self.beancount() {
            writeln!(self.out, "{} price {c} {price}", p.date)
        } else {
            let c = if c
                .chars()
                .all(|ch| ch.is_alphabetic() || "$€£¥".contains(ch))
                && !c.is_empty()
            {
                c
            } else {
                format!("\"{c}\"")
            };
            writeln!(self.out, "P {} {c} {price}", p.date)
        }
    }

    /// A transaction. Postings whose amount was inferred are written without it.
    pub fn write_transaction(&mut self, names: &Names, tx: &Transaction) -> io::Result<()> {
        let mut lines = Vec::with_capacity(tx.postings.len());
        let mut wrote_inferred = false;
        for p in &tx.postings {
            if p.inferred && wrote_inferred {
                continue;
            }
            let acct = self.account_name(names, p.account)?;
            let mut line = format!("    {acct}");
            if let Some(a) = p.amount.filter(|_| !p.inferred) {
                line.push_str("  ");
                line.push_str(&self.amount(names, a)?);
                match p.price {
                    Some(Price::Unit(u)) => {
                        line.push_str(&format!(" @ {}", self.amount(names, u)?))
                    }
                    Some(Price::Total(t)) => {
                        line.push_str(&format!(" @@ {}", self.amount(names, t)?))
                    }
                    None => {}
                }
            }
            wrote_inferred |= p.inferred;
            if let (Some(asr), false) = (p.assertion, self.beancount()) {
                if p.amount.is_some() && !p.inferred {
                    let op = if asr.total { "==" } else { "=" };
                    line.push_str(&format!(" {op} {}", self.amount(names, asr.amount)?));
                }
            }
            let mut comment = p.comment.lines();
            if let Some(c) = comment.next() {
                line.push_str("  ; ");
                line.push_str(c);
            }
            for c in comment {
                line.push_str("\n    ; ");
                line.push_str(c);
            }
            lines.push(line);
        }
        if self.beancount() {
            let flag = match tx.status {
                Status::Cleared => "*",
                Status::Pending => "!",
                Status::Unmarked => "txn",
            };
            let (payee, narration) = match tx.description.split_once(" | ") {
                Some((p, n)) => (Some(p), n),
                None => (None, tx.description.as_str()),
            };
            write!(self.out, "{} {flag}", tx.date)?;
            if let Some(p) = payee {
                write!(self.out, " {}", bean_string(p))?;
            }
            write!(self.out, " {}", bean_string(narration))?;
            for (k, v) in &tx.tags {
                if k == "link" {
                    if let Some(l) = bean_tag(v) {
                        write!(self.out, " ^{l}")?;
                    }
                } else if let (Some(t), true) = (bean_tag(k), v.is_empty()) {
                    write!(self.out, " #{t}")?;
                }
            }
            writeln!(self.out)?;
            for c in tx.comment.lines() {
                writeln!(self.out, "  ; {c}")?;
            }
        } else {
            let st = match tx.status {
                Status::Cleared => " *",
                Status::Pending => " !",
                Status::Unmarked => "",
            };
            write!(self.out, "{}{st}", tx.date)?;
            if !tx.code.is_empty() {
                write!(self.out, " ({})", tx.code.replace([')', '\n'], ""))?;
            }
            let desc = tx.description.replace([';', '\n'], " ");
            if !desc.is_empty() {
                write!(self.out, " {desc}")?;
            }
            let mut comment = tx.comment.lines();
            if let Some(c) = comment.next() {
                write!(self.out, "  ; {c}")?;
            }
            writeln!(self.out)?;
            for c in comment {
                writeln!(self.out, "    ; {c}")?;
            }
        }
        for l in lines {
            writeln!(self.out, "{l}")?;
        }
        writeln!(self.out)
    }

    /// Beancount `balance` (start of `date`); hledger has no such directive, so there it
    /// is written as a comment.
    pub fn write_balance(
        &mut self,
        names: &Names,
        date: NaiveDate,
        account: AccountId,
        amount: Amount,
    ) -> io::Result<()> {
        let a = self.amount(names, amount)?;
        let acct = self.account_name(names, account)?;
        if self.beancount() {
            writeln!(self.out, "{date} balance {acct} {a}")
        } else {
            writeln!(self.out, "; balance at the start of {date}: {acct} {a}")
        }
    }
}
