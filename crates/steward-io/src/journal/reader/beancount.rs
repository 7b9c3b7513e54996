//! The Beancount syntax: directives, transactions, postings, amounts.
use super::*;

impl Reader<'_> {
    // ---------------------------------------------------------------- Beancount

    pub(super) fn beancount_amount(&mut self, s: &str, observe: bool) -> Res<(Amount, usize)> {
        let b = s.as_bytes();
        let mut i = 0;
        let mut negative = false;
        if let Some(c @ (b'-' | b'+')) = b.first() {
            negative = *c == b'-';
            i = 1;
        }
        let start = i;
        while b
            .get(i)
            .is_some_and(|c| c.is_ascii_digit() || *c == b'.' || *c == b',')
        {
            i += 1;
        }
        if i == start {
            return Err(format!("expected a number, found '{}'", excerpt(s)));
        }
        let number = &s[start..i];
        let quantity = parse_beancount_number(number, negative, b'.')?;
        let mut j = i;
        while b.get(j).is_some_and(|c| *c == b' ' || *c == b'\t') {
            j += 1;
        }
        if matches!(b.get(j), Some(b'+' | b'*' | b'/' | b'('))
            || (j == i && matches!(b.get(j), Some(b'-')))
        {
            return Err("arithmetic expressions in amounts are not supported".into());
        }
        let cur_len = currency_len(&s[j..]);
        if cur_len == 0 {
            return Err(format!("expected a currency after '{number}'"));
        }
        let commodity = self.names.intern_commodity(&s[j..j + cur_len]);
        if observe {
            self.names.observe(
                commodity,
                quantity.scale(),
                CommodityStyle {
                    prefix: false,
                    spaced: true,
                },
            );
        }
        Ok((
            Amount {
                commodity,
                quantity,
            },
            j + cur_len,
        ))
    }

    pub(super) fn beancount_line(
        &mut self,
        line: &str,
        loc: Location,
    ) -> Result<Option<Item>, Flow> {
        let Some(first) = line.chars().next() else {
            return Ok(None);
        };
        if is_blank(line) || matches!(first, ';' | '*' | '#') {
            return Ok(None);
        }
        if indented(line) {
            let t = line.trim_start();
            if t.starts_with(';') {
                return Ok(None);
            }
            return Err(Flow::at(
                loc,
                "unexpected indented line (a posting outside a transaction?)",
            ));
        }
        let (kw, rest) = word(line);
        let (rest_nc, _) = split_comment(rest);
        if !first.is_ascii_digit() {
            return match kw {
                "option" | "plugin" | "pushmeta" | "popmeta" => Ok(None),
                "include" => {
                    let (p, _) = beancount_string(rest_nc.trim()).map_err(|m| Flow::at(loc, m))?;
                    self.include(&p, loc)?;
                    Ok(None)
                }
                "pushtag" => {
                    let t = rest_nc
                        .trim()
                        .strip_prefix('#')
                        .ok_or_else(|| Flow::at(loc, "pushtag needs a #tag"))?;
                    self.pushed_tags.push(t.to_string());
                    Ok(None)
                }
                "poptag" => {
                    let t = rest_nc
                        .trim()
                        .strip_prefix('#')
                        .ok_or_else(|| Flow::at(loc, "poptag needs a #tag"))?;
                    match self.pushed_tags.iter().rposition(|x| x == t) {
                        Some(i) => {
                            self.pushed_tags.remove(i);
                            Ok(None)
                        }
                        None => Err(Flow::at(loc, format!("poptag #{t} without a pushtag"))),
                    }
                }
                _ => Err(Flow::at(
                    loc,
                    format!("unknown syntax: '{}'", excerpt(line)),
                )),
            };
        }
        let date = parse_date(kw, None).map_err(|m| Flow::at(loc, m))?;
        if !kw.contains('-') && !kw.contains('/') {
            return Err(Flow::at(loc, format!("invalid date '{kw}'")));
        }
        let (dir, args) = word(rest_nc);
        let item = match dir {
            "*" | "!" | "txn" => {
                return self
                    .beancount_transaction(date, dir, rest, loc)
                    .map(|t| Some(Item::Transaction(t)))
            }
            _ if dir.starts_with('"') || dir.starts_with('*') || dir.starts_with('!') => {
                return self
                    .beancount_transaction(date, dir, rest, loc)
                    .map(|t| Some(Item::Transaction(t)))
            }
            "open" => {
                let (acct, r) = word(args);
                let account = self.beancount_account(acct).map_err(|m| Flow::at(loc, m))?;
                let mut currencies = Vec::new();
                let (curs, _) = word(r);
                if !curs.starts_with('"') {
                    for c in curs.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                        if currency_len(c) != c.len() {
                            return Err(Flow::at(loc, format!("invalid currency '{c}'")));
                        }
                        currencies.push(self.names.intern_commodity(c));
                    }
                }
                let account_type = super::account_type_from_name(acct);
                Some(Item::Account(AccountDecl {
                    location: loc,
                    account,
                    account_type,
                    date: Some(date),
                    currencies,
                }))
            }
            "close" => {
                let account = self
                    .beancount_account(word(args).0)
                    .map_err(|m| Flow::at(loc, m))?;
                Some(Item::Close {
                    location: loc,
                    date,
                    account,
                })
            }
            "balance" => {
                let (acct, r) = word(args);
                let account = self.beancount_account(acct).map_err(|m| Flow::at(loc, m))?;
                let (amount, n) = self
                    .beancount_amount(r, false)
                    .map_err(|m| Flow::at(loc, m))?;
                let tail = r[n..].trim();
                if !tail.is_empty() && !tail.starts_with('~') {
                    return Err(Flow::at(
                        loc,
                        format!("unexpected text after balance amount: '{}'", excerpt(tail)),
                    ));
                }
                Some(Item::BalanceAssertion {
                    location: loc,
                    date,
                    account,
                    amount,
                })
            }
            "price" => {
                let (c, r) = word(args);
                if currency_len(c) != c.len() || c.is_empty() {
                    return Err(Flow::at(loc, format!("invalid currency '{c}'")));
                }
                let commodity = self.names.intern_commodity(c);
                let (price, n) = self
                    .beancount_amount(r, false)
                    .map_err(|m| Flow::at(loc, m))?;
                if !r[n..].trim().is_empty() {
                    return Err(Flow::at(loc, "unexpected text after price"));
                }
                Some(Item::Price(PriceDecl {
                    location: loc,
                    date,
                    commodity,
                    price,
                }))
            }
            "commodity" => {
                let c = word(args).0;
                if currency_len(c) != c.len() || c.is_empty() {
                    return Err(Flow::at(loc, format!("invalid currency '{c}'")));
                }
                let commodity = self.names.intern_commodity(c);
                Some(Item::Commodity(CommodityDecl {
                    location: loc,
                    commodity,
                    precision: None,
                }))
            }
            "pad" => return Err(Flow::at(loc, "pad is not supported")),
            "note" | "event" | "document" | "custom" | "query" => None,
            _ => {
                return Err(Flow::at(
                    loc,
                    format!("unknown syntax: '{}'", excerpt(line)),
                ))
            }
        };
        self.skip_sub_lines()?;
        Ok(item)
    }

    pub(super) fn beancount_account(&mut self, name: &str) -> Res<super::AccountId> {
        let ok = name.split(':').count() >= 1
            && name.split(':').all(|c| {
                c.chars()
                    .next()
                    .is_some_and(|f| f.is_uppercase() || f.is_ascii_digit())
                    && c.chars().all(|ch| ch.is_alphanumeric() || ch == '-')
            });
        if !ok {
            return Err(format!("invalid account name '{name}'"));
        }
        Ok(self.names.intern_account(name))
    }

    pub(super) fn beancount_transaction(
        &mut self,
        date: NaiveDate,
        flag: &str,
        rest: &str,
        loc: Location,
    ) -> Result<Transaction, Flow> {
        let status = match flag {
            "*" => Status::Cleared,
            "!" => Status::Pending,
            _ => Status::Unmarked,
        };
        let mut s = rest.trim_start();
        if matches!(flag, "*" | "!" | "txn") {
            s = s[flag.len()..].trim_start();
        }
        let mut strings = Vec::new();
        let mut tags = Vec::new();
        let mut comment = String::new();
        while !s.is_empty() {
            if s.starts_with('"') {
                let (t, n) = beancount_string(s).map_err(|m| Flow::at(loc, m))?;
                strings.push(t);
                s = s[n..].trim_start();
            } else if let Some(r) = s.strip_prefix('#') {
                let (t, r2) = word(r);
                tags.push((t.to_string(), String::new()));
                s = r2;
            } else if let Some(r) = s.strip_prefix('^') {
                let (t, r2) = word(r);
                tags.push(("link".to_string(), t.to_string()));
                s = r2;
            } else if let Some(c) = s.strip_prefix(';') {
                comment = c.trim().to_string();
                break;
            } else {
                return Err(Flow::at(
                    loc,
                    format!("unexpected text in transaction header: '{}'", excerpt(s)),
                ));
            }
        }
        let description = match strings.as_slice() {
            [] => String::new(),
            [n] => n.clone(),
            [p, n] if p.is_empty() => n.clone(),
            [p, n] if n.is_empty() => p.clone(),
            [p, n] => format!("{p} | {n}"),
            _ => return Err(Flow::at(loc, "too many strings in transaction header")),
        };
        for t in &self.pushed_tags {
            tags.push((t.clone(), String::new()));
        }
        let mut tx = Transaction {
            location: loc,
            date,
            status,
            code: String::new(),
            description,
            comment,
            tags,
            postings: Vec::with_capacity(4),
        };
        self.postings(&mut tx, Self::beancount_posting)?;
        Ok(tx)
    }

    pub(super) fn beancount_posting(
        &mut self,
        line: &str,
        loc: Location,
        tx: &mut Transaction,
    ) -> Res<()> {
        let (body, comment) = split_comment(line);
        let body = body.trim();
        if body.is_empty() {
            return Ok(());
        }
        if body.starts_with(['#', '^']) {
            for t in body.split_whitespace() {
                if let Some(t) = t.strip_prefix('#') {
                    tx.tags.push((t.to_string(), String::new()));
                } else if let Some(t) = t.strip_prefix('^') {
                    tx.tags.push(("link".into(), t.to_string()));
                }
            }
            return Ok(());
        }
        let (mut acct, mut rest) = word(body);
        if acct.len() == 1 && matches!(acct, "*" | "!") {
            (acct, rest) = word(rest);
        }
        if acct.starts_with(|c: char| c.is_ascii_lowercase()) && acct.ends_with(':') {
            return Ok(()); // metadata `key: value`
        }
        let account = self.beancount_account(acct)?;
        let mut p = Posting::new(account, None);
        p.line = loc.line;
        if let Some(c) = comment {
            p.comment = c.trim().to_string();
        }
        self.amount_clauses(rest.trim(), &mut p)?;
        tx.postings.push(p);
        Ok(())
    }
}
