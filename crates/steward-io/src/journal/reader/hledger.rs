//! The hledger / ledger syntax: directives, transactions, postings, amounts and costs.
use super::*;

impl Reader<'_> {
    // ---------------------------------------------------------------- hledger / ledger

    pub(super) fn hledger_line(&mut self, line: &str, loc: Location) -> Result<Option<Item>, Flow> {
        let Some(first) = line.chars().next() else {
            return Ok(None);
        };
        if is_blank(line)
            || matches!(first, ';' | '#' | '*')
            || (self.format == Format::Ledger && matches!(first, '%' | '|'))
        {
            return Ok(None);
        }
        if indented(line) {
            let t = line.trim_start();
            if t.starts_with(';') || t.starts_with('#') {
                return Ok(None);
            }
            return Err(Flow::at(
                loc,
                "unexpected indented line (a posting outside a transaction?)",
            ));
        }
        if first.is_ascii_digit() {
            return self
                .hledger_transaction(line, loc)
                .map(|t| Some(Item::Transaction(t)));
        }
        let (kw, rest) = word(line);
        let (rest_nc, comment) = split_comment(rest);
        match kw {
            "account" => {
                let (name_part, _) = split_comment(rest);
                let end = account_end(name_part);
                let name = name_part[..end].trim();
                if name.is_empty() {
                    return Err(Flow::at(loc, "account directive without an account name"));
                }
                check_account_name(name).map_err(|m| Flow::at(loc, m))?;
                let mut ty = None;
                let after = name_part[end..].trim();
                if !after.is_empty() {
                    ty =
                        Some(AccountType::from_tag(after).ok_or_else(|| {
                            Flow::at(loc, format!("unknown account type '{after}'"))
                        })?);
                }
                let mut tags = Vec::new();
                if let Some(c) = comment {
                    parse_tags(c, &mut tags);
                }
                let account = self.names.intern_account(name);
                let mut sub_tags = Vec::new();
                self.sub_lines(|_, l, _| {
                    if let Some(c) = l.strip_prefix(';') {
                        parse_tags(c, &mut sub_tags);
                        Ok(())
                    } else if l.starts_with("alias") {
                        Err("account alias is not supported".into())
                    } else {
                        Ok(()) // ledger's note/payee/check/assert/default sub-directives
                    }
                })
                .map_err(Flow::Journal)?;
                tags.extend(sub_tags);
                for (k, v) in &tags {
                    if k.eq_ignore_ascii_case("type") {
                        ty =
                            Some(AccountType::from_tag(v).ok_or_else(|| {
                                Flow::at(loc, format!("unknown account type '{v}'"))
                            })?);
                    }
                }
                let account_type = ty.or_else(|| super::account_type_from_name(name));
                Ok(Some(Item::Account(AccountDecl {
                    location: loc,
                    account,
                    account_type,
                    date: None,
                    currencies: Vec::new(),
                })))
            }
            "commodity" | "D" => {
                let spec = rest_nc.trim();
                if spec.is_empty() {
                    return Err(Flow::at(loc, format!("{kw} directive without a commodity")));
                }
                let mut decl = self.commodity_sample(spec).map_err(|m| Flow::at(loc, m))?;
                let mut sub: Option<Res<Sample>> = None;
                self.sub_lines(|this, l, _| {
                    let (w, r) = word(l);
                    if w == "format" {
                        sub = Some(this.commodity_sample(split_comment(r).0.trim()));
                    }
                    Ok(())
                })
                .map_err(Flow::Journal)?;
                if let Some(s) = sub {
                    let (c, p, st) = s.map_err(|m| Flow::at(loc, m))?;
                    decl = (c, p.or(decl.1), st.or(decl.2));
                }
                if kw == "D" {
                    self.default_commodity = Some(decl.0);
                    if decl.2.is_some() {
                        self.default_style = decl.2;
                    }
                } else if let Some(style) = decl.2 {
                    let i = decl.0 as usize;
                    if self.number_styles.len() <= i {
                        self.number_styles.resize(i + 1, None);
                    }
                    self.number_styles[i] = Some(style);
                }
                Ok(Some(Item::Commodity(CommodityDecl {
                    location: loc,
                    commodity: decl.0,
                    precision: decl.1,
                })))
            }
            "P" => {
                let (d, r) = word(rest_nc);
                let date = parse_date(d, self.default_year).map_err(|m| Flow::at(loc, m))?;
                let (mut c, mut r) = word(r);
                if c.contains(':') && c.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
                    (c, r) = word(r); // a time of day
                }
                let sym = if c.starts_with('"') {
                    let full = &rest_nc[rest_nc.find(c).unwrap_or(0)..];
                    let (s, n) = quoted(full).map_err(|m| Flow::at(loc, m))?;
                    r = full[n..].trim_start();
                    s
                } else {
                    c
                };
                if sym.is_empty() {
                    return Err(Flow::at(loc, "P directive without a commodity"));
                }
                let commodity = self.names.intern_commodity(sym);
                let (price, n) = self
                    .hledger_amount(r.trim(), false)
                    .map_err(|m| Flow::at(loc, m))?;
                if !r.trim()[n..].trim().is_empty() {
                    return Err(Flow::at(
                        loc,
                        format!(
                            "unexpected text after price: '{}'",
                            excerpt(r.trim()[n..].trim())
                        ),
                    ));
                }
                self.skip_sub_lines()?;
                Ok(Some(Item::Price(PriceDecl {
                    location: loc,
                    date,
                    commodity,
                    price,
                })))
            }
            "include" | "!include" => {
                let path = rest_nc.trim();
                if path.is_empty() {
                    return Err(Flow::at(loc, "include without a file name"));
                }
                self.include(path, loc)?;
                Ok(None)
            }
            "Y" | "year" | "apply" if kw != "apply" || rest_nc.trim_start().starts_with("year") => {
                let y = if kw == "apply" {
                    word(rest_nc).1
                } else {
                    rest_nc
                };
                self.set_year(y.trim(), loc)?;
                Ok(None)
            }
            _ if kw.starts_with('Y')
                && kw.len() == 5
                && kw[1..].bytes().all(|b| b.is_ascii_digit()) =>
            {
                self.set_year(&kw[1..], loc)?;
                Ok(None)
            }
            "decimal-mark" => {
                match rest_nc.trim() {
                    "." => self.decimal_mark = Some(b'.'),
                    "," => self.decimal_mark = Some(b','),
                    other => {
                        return Err(Flow::at(
                            loc,
                            format!("decimal-mark must be . or , (not '{other}')"),
                        ))
                    }
                }
                Ok(None)
            }
            "payee"
            | "tag"
            | "N"
            | "C"
            | "I"
            | "O"
            | "i"
            | "o"
            | "h"
            | "b"
            | "commodity-conversion" => {
                if matches!(kw, "C" | "I" | "O" | "i" | "o" | "h" | "b") {
                    return Err(Flow::at(loc, format!("unsupported directive '{kw}'")));
                }
                self.skip_sub_lines()?;
                Ok(None)
            }
            "comment" | "test" => {
                let end = if kw == "comment" {
                    "end comment"
                } else {
                    "end test"
                };
                loop {
                    if !self.read_line().map_err(Flow::Journal)? {
                        return Ok(None);
                    }
                    if self.line.trim_end() == end {
                        return Ok(None);
                    }
                }
            }
            "alias" => Err(Flow::at(loc, "account aliases are not supported")),
            "apply" | "end" | "bucket" | "A" | "define" | "assert" | "check" | "expr" | "value"
            | "python" | "eval" => Err(Flow::at(loc, format!("unsupported directive '{kw}'"))),
            _ if first == '=' => Err(Flow::at(
                loc,
                "automated transactions (=) are not supported",
            )),
            _ if first == '~' => Err(Flow::at(loc, "periodic transactions (~) are not supported")),
            _ => Err(Flow::at(
                loc,
                format!("unknown syntax: '{}'", excerpt(line)),
            )),
        }
    }

    pub(super) fn skip_sub_lines(&mut self) -> Result<(), Flow> {
        self.sub_lines(|_, _, _| Ok(())).map_err(Flow::Journal)
    }

    pub(super) fn set_year(&mut self, y: &str, loc: Location) -> Result<(), Flow> {
        match parse_u32(y) {
            Some(v) if (1..=9999).contains(&v) => {
                self.default_year = i32::try_from(v).ok();
                Ok(())
            }
            _ => Err(Flow::at(loc, format!("invalid year '{y}'"))),
        }
    }

    pub(super) fn include(&mut self, path: &str, loc: Location) -> Result<(), Flow> {
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            return Err(Flow::at(loc, "includes nested too deeply"));
        }
        let including = self.file_name(loc.file).to_string();
        let (name, input) = self
            .resolver
            .open(&including, path)
            .map_err(|m| Flow::at(loc, format!("cannot include '{path}': {m}")))?;
        let on_stack: Vec<&str> = self.stack.iter().map(|s| self.file_name(s.file)).collect();
        if on_stack.contains(&name.as_str()) {
            return Err(Flow::at(
                loc,
                format!("include cycle: {} -> {name}", on_stack.join(" -> ")),
            ));
        }
        let file = u32::try_from(self.files.len()).unwrap_or(u32::MAX);
        self.files.push(name);
        self.stack.push(Source {
            file,
            input,
            line: 0,
        });
        Ok(())
    }

    /// Parses a `commodity`/`D`/`format` argument: a symbol alone, or a sample amount, read
    /// like any amount (a lone `1,000` is decided by the styles declared before it, else it
    /// shows a decimal mark, as in hledger). Returns the commodity, its precision and the
    /// number style the sample shows.
    pub(super) fn commodity_sample(&mut self, spec: &str) -> Res<Sample> {
        if !spec.bytes().any(|b| b.is_ascii_digit())
            || (spec.starts_with('"') && spec.ends_with('"') && spec.len() > 1)
        {
            let sym = if spec.starts_with('"') {
                quoted(spec)?.0
            } else {
                spec
            };
            if sym.contains(char::is_whitespace) && !spec.starts_with('"') {
                return Err(format!("invalid commodity '{spec}'"));
            }
            let id = self.names.intern_commodity(sym);
            return Ok((id, None, None));
        }
        let raw = scan_amount(spec)?;
        if !spec[raw.len..].trim().is_empty() {
            return Err(format!(
                "unexpected text in commodity format: '{}'",
                excerpt(&spec[raw.len..])
            ));
        }
        let id = self.names.intern_commodity(raw.symbol);
        let number = raw.number.resolve(self.number_style(Some(id)), false)?;
        let scale = number.value.scale();
        let declared_mark = match number.style.decimal {
            Some(c) => u8::try_from(c).ok(),
            None => self.decimal_mark,
        };
        self.names
            .declare_commodity(id, Some(scale), Some(raw.style), declared_mark);
        Ok((id, Some(scale), Some(number.style)))
    }

    /// hledger's hint for reading an ambiguous number (`1,000`) of `commodity`: the
    /// `decimal-mark` directive, else the commodity's `commodity` directive, else the `D`
    /// directive, each as far as read.
    pub(super) fn number_style(&self, commodity: Option<CommodityId>) -> Option<NumberStyle> {
        self.decimal_mark
            .map(|m| NumberStyle::decimal_mark(char::from(m)))
            .or_else(|| {
                commodity.and_then(|c| self.number_styles.get(c as usize).copied().flatten())
            })
            .or(self.default_style)
    }

    /// Parses one amount at the start of `s`; returns it and the bytes consumed.
    pub(super) fn hledger_amount(&mut self, s: &str, observe: bool) -> Res<(Amount, usize)> {
        let raw = scan_amount(s)?;
        let (commodity, style) = if raw.symbol.is_empty() {
            // hledger reads a bare number by the style of the no-symbol commodity.
            let style = self.number_style(self.names.find_commodity(""));
            match self.default_commodity {
                Some(c) => (c, style),
                None => (self.names.intern_commodity(""), style),
            }
        } else {
            let c = self.names.intern_commodity(raw.symbol);
            (c, self.number_style(Some(c)))
        };
        if self.format == Format::Ledger
            && style.is_none()
            && raw.number.ambiguous_mark() == Some(',')
        {
            // ledger takes a lone comma for a digit group mark, hledger for a decimal mark.
            return Err(format!(
                "ambiguous number '{}': declare `decimal-mark` or a `commodity` format",
                raw.number.text()
            ));
        }
        let quantity = raw.number.resolve(style, raw.negative)?.value;
        if observe {
            self.names.observe(commodity, quantity.scale(), raw.style);
        }
        Ok((
            Amount {
                commodity,
                quantity,
            },
            raw.len,
        ))
    }

    pub(super) fn hledger_transaction(
        &mut self,
        header: &str,
        loc: Location,
    ) -> Result<Transaction, Flow> {
        let (head, comment) = split_comment(header);
        let date_end = head.find([' ', '\t']).unwrap_or(head.len());
        let date_tok = &head[..date_end];
        let primary = date_tok.split('=').next().unwrap_or("");
        let date = parse_date(primary, self.default_year).map_err(|m| Flow::at(loc, m))?;
        if let Some(second) = date_tok.split('=').nth(1) {
            let year = Some(date.year());
            parse_date(second, year).map_err(|m| Flow::at(loc, format!("secondary date: {m}")))?;
        }
        let mut rest = head[date_end..].trim_start();
        let mut status = Status::Unmarked;
        if let Some(r) = rest.strip_prefix('*') {
            status = Status::Cleared;
            rest = r.trim_start();
        } else if let Some(r) = rest.strip_prefix('!') {
            status = Status::Pending;
            rest = r.trim_start();
        }
        let mut code = String::new();
        if rest.starts_with('(') {
            if let Some(end) = rest.find(')') {
                code = rest[1..end].to_string();
                rest = rest[end + 1..].trim_start();
            }
        }
        let mut tx = Transaction {
            location: loc,
            date,
            status,
            code,
            description: rest.trim_end().to_string(),
            comment: String::new(),
            tags: Vec::new(),
            postings: Vec::with_capacity(4),
        };
        if let Some(c) = comment {
            tx.comment.push_str(c.trim());
            parse_tags(c, &mut tx.tags);
        }
        self.postings(&mut tx, Self::hledger_posting)?;
        Ok(tx)
    }

    /// Reads posting and comment lines of a transaction, then balances it.
    pub(super) fn postings(
        &mut self,
        tx: &mut Transaction,
        posting: fn(&mut Self, &str, Location, &mut Transaction) -> Res<()>,
    ) -> Result<(), Flow> {
        let mut lines = 0usize;
        loop {
            if !self.read_line().map_err(Flow::Journal)? {
                break;
            }
            lines += 1;
            if lines > MAX_TRANSACTION_LINES {
                return Err(Flow::at(
                    tx.location,
                    format!("transaction longer than {MAX_TRANSACTION_LINES} lines"),
                ));
            }
            if is_blank(&self.line) {
                break;
            }
            if !indented(&self.line) {
                self.pending = true;
                break;
            }
            let line = self.take_line();
            let loc = self.loc;
            let r = posting(self, line.trim(), loc, tx);
            self.give_back(line);
            r.map_err(|m| Flow::at(loc, m))?;
        }
        if tx.postings.is_empty() {
            return Err(Flow::at(tx.location, "transaction has no postings"));
        }
        let names = &self.names;
        let conversion = self.format != Format::Beancount;
        match balance(&mut tx.postings, &|c| names.precision(c), conversion) {
            Ok(tolerated) => {
                if !tolerated.is_empty() {
                    self.deferred.push((tx.location, tolerated));
                }
                Ok(())
            }
            Err(e) => Err(Flow::at(tx.location, e.message(&self.names))),
        }
    }

    pub(super) fn hledger_posting(
        &mut self,
        line: &str,
        loc: Location,
        tx: &mut Transaction,
    ) -> Res<()> {
        let (body, comment) = split_comment(line);
        if body.trim().is_empty() {
            if let Some(c) = comment {
                let target = match tx.postings.last_mut() {
                    Some(p) => &mut p.comment,
                    None => &mut tx.comment,
                };
                if !target.is_empty() {
                    target.push('\n');
                }
                target.push_str(c.trim());
                parse_tags(c, &mut tx.tags);
            }
            return Ok(());
        }
        let mut body = body;
        if let Some(r) = body.strip_prefix(['*', '!']) {
            if r.starts_with([' ', '\t']) {
                body = r.trim_start();
            }
        }
        let end = account_end(body);
        let name = body[..end].trim_end();
        if name.starts_with('(') || name.starts_with('[') {
            return Err(format!("virtual posting '{name}' is not supported"));
        }
        check_account_name(name)?;
        let account = self.names.intern_account(name);
        let mut p = Posting::new(account, None);
        p.line = loc.line;
        if let Some(c) = comment {
            p.comment = c.trim().to_string();
            parse_tags(c, &mut tx.tags);
        }
        let rest = body[end..].trim();
        self.amount_clauses(rest, &mut p)?;
        tx.postings.push(p);
        Ok(())
    }

    /// `AMOUNT [{COST}|{{COST}}] [@ PRICE|@@ PRICE] [= BAL|== BAL]` after an account.
    pub(super) fn amount_clauses(&mut self, rest: &str, p: &mut Posting) -> Res<()> {
        let mut s = rest;
        let beancount = self.format == Format::Beancount;
        if !s.is_empty() && !s.starts_with(['=', '@', '{']) {
            if s.starts_with('(') {
                return Err("amount expressions are not supported".into());
            }
            let (a, n) = if beancount {
                self.beancount_amount(s, true)?
            } else {
                self.hledger_amount(s, true)?
            };
            p.amount = Some(a);
            s = s[n..].trim_start();
        }
        let mut cost: Option<Price> = None;
        let mut price: Option<Price> = None;
        while !s.is_empty() {
            if let Some(r) = s.strip_prefix("{{") {
                let end = r.find("}}").ok_or("unterminated {{cost}}")?;
                cost = Some(Price::Total(self.cost_amount(&r[..end])?));
                s = r[end + 2..].trim_start();
            } else if let Some(r) = s.strip_prefix('{') {
                let end = r.find('}').ok_or("unterminated {cost}")?;
                let inner = r[..end].trim();
                let inner = inner.strip_prefix('=').unwrap_or(inner); // ledger fixated price
                cost = Some(Price::Unit(self.cost_amount(inner)?));
                s = r[end + 1..].trim_start();
            } else if !beancount && s.starts_with('[') && cost.is_some() {
                let end = s.find(']').ok_or("unterminated [lot date]")?;
                s = s[end + 1..].trim_start();
            } else if !beancount && s.starts_with('(') && cost.is_some() {
                let end = s.find(')').ok_or("unterminated (lot note)")?;
                s = s[end + 1..].trim_start();
            } else if let Some(r) = s.strip_prefix('@') {
                let (total, r) = match r.strip_prefix('@') {
                    Some(r) => (true, r),
                    None => (false, r),
                };
                let r = r.trim_start();
                if r.starts_with('(') {
                    return Err("price expressions are not supported".into());
                }
                let (a, n) = if beancount {
                    self.beancount_amount(r, false)?
                } else {
                    self.hledger_amount(r, false)?
                };
                let a = Amount {
                    commodity: a.commodity,
                    quantity: a.quantity,
                };
                price = Some(if total {
                    Price::Total(abs_amount(a)?)
                } else {
                    Price::Unit(a)
                });
                s = r[n..].trim_start();
            } else if !beancount && s.starts_with('=') {
                let (total, r) = match s.strip_prefix("==") {
                    Some(r) => (true, r),
                    None => (false, &s[1..]),
                };
                if r.starts_with('*') {
                    return Err(
                        "subaccount-inclusive balance assertions (=*, ==*) are not supported"
                            .into(),
                    );
                }
                let r = r.trim_start();
                if p.amount.is_none() {
                    return Err(
                        "balance assignments (a posting with = but no amount) are not supported"
                            .into(),
                    );
                }
                let (a, n) = self.hledger_amount(r, false)?;
                p.assertion = Some(Assertion { amount: a, total });
                s = r[n..].trim_start();
            } else {
                return Err(format!("unexpected text in posting: '{}'", excerpt(s)));
            }
        }
        if p.amount.is_none() && (cost.is_some() || price.is_some()) {
            return Err("a price or cost needs an amount".into());
        }
        // Beancount balances by cost; ledger by the lot cost when a price is also given
        // (and ignores a lone lot annotation); hledger ignores lot annotations entirely.
        p.price = match self.format {
            Format::Beancount => cost.or(price),
            Format::Ledger if price.is_some() => cost.or(price),
            _ => price,
        };
        Ok(())
    }

    pub(super) fn cost_amount(&mut self, inner: &str) -> Res<Amount> {
        let first = inner.split(',').next().unwrap_or("").trim();
        let first = if self.format == Format::Beancount {
            first
        } else {
            inner.trim()
        };
        if first.is_empty() {
            return Err("an empty cost {} is not supported (lot matching needs inventory)".into());
        }
        if first.contains('#') {
            return Err("compound costs {per # total} are not supported".into());
        }
        let (a, n) = if self.format == Format::Beancount {
            self.beancount_amount(first, false)?
        } else {
            self.hledger_amount(first, false)?
        };
        if !first[n..].trim().is_empty() {
            return Err(format!(
                "unexpected text in cost: '{}'",
                excerpt(&first[n..])
            ));
        }
        abs_amount(a)
    }
}
