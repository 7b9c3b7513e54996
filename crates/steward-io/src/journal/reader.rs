//! The streaming journal reader. See the module documentation of [`super`].

use std::io::BufRead;

use chrono::{Datelike, NaiveDate};

use super::balance::{balance, Imbalance};
use super::names::{AccountType, CommodityStyle};
use super::number::{self, NumberStyle, RawNumber};
use super::{
    AccountDecl, Amount, Assertion, CommodityDecl, CommodityId, Decimal, Format, Item,
    JournalError, Location, Names, Posting, Price, PriceDecl, Status, Transaction,
};

/// The longest line accepted, in bytes.
pub const MAX_LINE: usize = 64 * 1024;
const MAX_INCLUDE_DEPTH: usize = 32;
const MAX_DIGITS: usize = 30;
/// A transaction is held in memory whole, so its length is bounded.
pub const MAX_TRANSACTION_LINES: usize = 100_000;

/// Opens included files for the reader, which does no I/O of its own.
pub trait IncludeResolver {
    /// Opens `path` as written in an `include` directive of `including_file` (a display
    /// name given earlier). Returns the included file's display name, which must be the
    /// same for the same file however it is reached (it is used to detect cycles), and its
    /// contents. The error text becomes the reader's message.
    fn open(
        &mut self,
        including_file: &str,
        path: &str,
    ) -> Result<(String, Box<dyn BufRead + Send>), String>;
}

/// A resolver that refuses every include.
pub struct NoIncludes;

impl IncludeResolver for NoIncludes {
    fn open(&mut self, _: &str, _: &str) -> Result<(String, Box<dyn BufRead + Send>), String> {
        Err("include is not available here".into())
    }
}

struct Source {
    file: u32,
    input: Box<dyn BufRead + Send>,
    line: u32,
}

/// Reads a journal one [`Item`] at a time. See the [module documentation](super).
pub struct Reader<'r> {
    format: Format,
    resolver: &'r mut dyn IncludeResolver,
    stack: Vec<Source>,
    files: Vec<String>,
    names: Names,
    raw: Vec<u8>,
    line: String,
    spare: String,
    pending: bool,
    loc: Location,
    bytes_read: u64,
    default_year: Option<i32>,
    default_commodity: Option<CommodityId>,
    decimal_mark: Option<u8>,
    /// Number styles declared so far by `commodity` directives, by commodity id (kept here,
    /// not in `names`, so the second pass sees only the directives above each amount).
    number_styles: Vec<Option<NumberStyle>>,
    /// The number style of the last `D` directive.
    default_style: Option<NumberStyle>,
    pushed_tags: Vec<String>,
    deferred: Vec<(Location, Vec<Imbalance>)>,
    done: bool,
}

type Res<T> = Result<T, String>;

/// What a `commodity`/`D`/`format` sample declares: the commodity, its precision and the
/// number style it shows.
type Sample = (CommodityId, Option<u8>, Option<NumberStyle>);

fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| b == b' ' || b == b'\t')
}

fn indented(s: &str) -> bool {
    s.starts_with([' ', '\t'])
}

/// Splits `s` at the first `;` into (before, comment-after).
fn split_comment(s: &str) -> (&str, Option<&str>) {
    match memchr::memchr(b';', s.as_bytes()) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

/// End of an hledger account name: two spaces or a tab.
fn account_end(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\t' || (b[i] == b' ' && b.get(i + 1) == Some(&b' ')) {
            return i;
        }
        i += 1;
    }
    b.len()
}

/// First whitespace-separated word and the rest (trimmed at the start).
fn word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find([' ', '\t']) {
        Some(i) => (&s[..i], s[i..].trim_start()),
        None => (s, ""),
    }
}

/// Parses `name:value` tags out of comment text.
pub(crate) fn parse_tags(comment: &str, out: &mut Vec<(String, String)>) {
    let b = comment.as_bytes();
    let mut i = 0;
    while let Some(off) = memchr::memchr(b':', &b[i..]) {
        let colon = i + off;
        let mut start = colon;
        while start > 0 && !matches!(b[start - 1], b' ' | b'\t' | b',' | b':') {
            start -= 1;
        }
        let next = if start == colon || (start > 0 && b[start - 1] == b':') {
            colon + 1
        } else {
            let end = memchr::memchr(b',', &b[colon + 1..]).map_or(b.len(), |e| colon + 1 + e);
            let name = &comment[start..colon];
            let value = comment[colon + 1..end].trim();
            out.push((name.to_string(), value.to_string()));
            end
        };
        i = next;
        if i >= b.len() {
            break;
        }
    }
}

fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses a date token (`2024-01-05`, `2024/1/5`, `2024.01.05`, or `01/05` with a
/// default year).
pub(crate) fn parse_date(tok: &str, default_year: Option<i32>) -> Res<NaiveDate> {
    let sep = tok.bytes().find(|b| !b.is_ascii_digit());
    let parts: Vec<&str> = match sep {
        Some(c @ (b'-' | b'/' | b'.')) => tok.split(char::from(c)).collect(),
        _ => return Err(format!("invalid date '{tok}'")),
    };
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] if y.len() == 4 => (parse_u32(y), parse_u32(m), parse_u32(d)),
        [m, d] => match default_year {
            Some(y) => (u32::try_from(y).ok(), parse_u32(m), parse_u32(d)),
            None => {
                return Err(format!(
                    "date '{tok}' has no year and no `Y` directive set one"
                ))
            }
        },
        _ => return Err(format!("invalid date '{tok}'")),
    };
    match (y, m, d) {
        (Some(y), Some(m), Some(d)) if m <= 12 && d <= 31 => {
            NaiveDate::from_ymd_opt(i32::try_from(y).unwrap_or(0), m, d)
                .ok_or_else(|| format!("invalid date '{tok}': no such day"))
        }
        _ => Err(format!("invalid date '{tok}'")),
    }
}

fn is_symbol_char(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_ascii_digit()
        || matches!(
            c,
            '-' | '+'
                | '.'
                | ','
                | '@'
                | '*'
                | ';'
                | '='
                | '{'
                | '}'
                | '('
                | ')'
                | '['
                | ']'
                | '"'
                | '/'
                | '#'
                | '^'
                | '~'
        ))
}

/// A parsed amount before the commodity is interned.
struct RawAmount<'a> {
    negative: bool,
    number: RawNumber<'a>,
    symbol: &'a str,
    style: CommodityStyle,
    /// Bytes consumed.
    len: usize,
}

/// Reads a quoted symbol starting at `s[0] == '"'`; returns (symbol, bytes consumed).
fn quoted(s: &str) -> Res<(&str, usize)> {
    match s[1..].find('"') {
        Some(end) if end > 0 => Ok((&s[1..1 + end], end + 2)),
        _ => Err("unterminated or empty quoted commodity symbol".into()),
    }
}

/// Scans one hledger/ledger amount at the start of `s`.
fn scan_amount(s: &str) -> Res<RawAmount<'_>> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut negative = false;
    let sign = |i: &mut usize, negative: &mut bool| {
        if let Some(c @ (b'-' | b'+')) = b.get(*i) {
            *negative ^= *c == b'-';
            *i += 1;
        }
    };
    sign(&mut i, &mut negative);
    let mut symbol = "";
    let mut style = CommodityStyle::default();
    let starts_number = |i: usize| {
        b.get(i)
            .is_some_and(|c| c.is_ascii_digit() || *c == b'.' || *c == b',')
    };
    if !starts_number(i) {
        // Prefix symbol.
        let rest = &s[i..];
        if rest.starts_with('"') {
            let (sym, n) = quoted(rest)?;
            symbol = sym;
            i += n;
        } else {
            let n: usize = rest
                .chars()
                .take_while(|c| is_symbol_char(*c))
                .map(char::len_utf8)
                .sum();
            if n == 0 {
                return Err(format!("expected an amount, found '{}'", excerpt(rest)));
            }
            symbol = &rest[..n];
            i += n;
        }
        style.prefix = true;
        while b.get(i).is_some_and(|c| *c == b' ' || *c == b'\t') {
            style.spaced = true;
            i += 1;
        }
        sign(&mut i, &mut negative);
        if !starts_number(i) {
            return Err(format!("expected a number after '{symbol}'"));
        }
    }
    let (number, n) = number::scan(&s[i..])?;
    i += n;
    if !style.prefix {
        let mut j = i;
        while b.get(j).is_some_and(|c| *c == b' ' || *c == b'\t') {
            j += 1;
        }
        let rest = &s[j..];
        if rest.starts_with('"') {
            let (sym, n) = quoted(rest)?;
            symbol = sym;
            style.spaced = j > i;
            i = j + n;
        } else {
            let n: usize = rest
                .chars()
                .take_while(|c| is_symbol_char(*c))
                .map(char::len_utf8)
                .sum();
            if n > 0 {
                symbol = &rest[..n];
                style.spaced = j > i;
                i = j + n;
            }
        }
    }
    Ok(RawAmount {
        negative,
        number,
        symbol,
        style,
        len: i,
    })
}

fn excerpt(s: &str) -> &str {
    let end = s.char_indices().nth(30).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// Beancount's numbers: `.` is the decimal mark and `,` groups digits in threes.
fn parse_beancount_number(raw: &str, negative: bool, mark: u8) -> Res<Decimal> {
    let group = if mark == b'.' { b',' } else { b'.' };
    let b = raw.as_bytes();
    if !b.iter().any(u8::is_ascii_digit) {
        return Err(format!("invalid number '{raw}'"));
    }
    let mark_pos = b.iter().position(|c| *c == mark);
    if let Some(p) = mark_pos {
        if b[p + 1..].iter().any(|c| !c.is_ascii_digit()) {
            return Err(format!("invalid number '{raw}'"));
        }
    }
    let int_end = mark_pos.unwrap_or(b.len());
    // Digit groups: the first 1-3 digits, then exactly three after each separator.
    let mut groups = b[..int_end].split(|c| *c == group);
    let first = groups.next().unwrap_or_default();
    let mut grouped = false;
    for g in groups {
        grouped = true;
        if g.len() != 3 {
            return Err(format!("invalid digit grouping in '{raw}'"));
        }
    }
    if grouped && (first.is_empty() || first.len() > 3) {
        return Err(format!("invalid digit grouping in '{raw}'"));
    }
    let scale = mark_pos.map_or(0, |p| b.len() - p - 1);
    if scale > usize::from(super::decimal::MAX_SCALE) {
        return Err(format!("too many decimals in '{raw}'"));
    }
    let mut m: i128 = 0;
    let mut digits = 0;
    for c in b.iter().filter(|c| c.is_ascii_digit()) {
        digits += 1;
        if digits > MAX_DIGITS {
            return Err(format!("number '{raw}' is too large"));
        }
        m = m * 10 + i128::from(c - b'0');
    }
    if negative {
        m = -m;
    }
    Decimal::new(m, u8::try_from(scale).unwrap_or(0))
        .ok_or_else(|| format!("invalid number '{raw}'"))
}

impl<'r> Reader<'r> {
    /// A reader of `input` (whose display name is `name`) in `format`.
    pub fn new(
        name: &str,
        input: Box<dyn BufRead + Send>,
        format: Format,
        resolver: &'r mut dyn IncludeResolver,
    ) -> Reader<'r> {
        Reader::with_names(name, input, format, resolver, Names::new())
    }

    /// A reader that starts from the name tables of an earlier pass (same ids, final
    /// precisions): see the module documentation.
    pub fn with_names(
        name: &str,
        input: Box<dyn BufRead + Send>,
        format: Format,
        resolver: &'r mut dyn IncludeResolver,
        names: Names,
    ) -> Reader<'r> {
        let mut names = names;
        names.freeze_precisions();
        Reader {
            format,
            resolver,
            stack: vec![Source {
                file: 0,
                input,
                line: 0,
            }],
            files: vec![name.to_string()],
            names,
            raw: Vec::with_capacity(256),
            line: String::with_capacity(256),
            spare: String::with_capacity(256),
            pending: false,
            loc: Location::default(),
            bytes_read: 0,
            default_year: None,
            default_commodity: None,
            decimal_mark: None,
            number_styles: Vec::new(),
            default_style: None,
            pushed_tags: Vec::new(),
            deferred: Vec::new(),
            done: false,
        }
    }

    /// Bytes consumed so far, over all files (for a progress bar).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The name tables (accounts, commodities, precisions) as far as read.
    pub fn names(&self) -> &Names {
        &self.names
    }

    /// Display name of file `index` (see [`Location::file`]).
    pub fn file_name(&self, index: u32) -> &str {
        self.files.get(index as usize).map_or("", |s| s)
    }

    /// After the last item: rechecks transactions whose residual was tolerated only by
    /// rounding against the final precisions, and returns the name tables.
    pub fn finish(self) -> Result<Names, JournalError> {
        for (loc, residuals) in &self.deferred {
            let off: Vec<Imbalance> = residuals
                .iter()
                .copied()
                .filter(|i| {
                    !i.amount
                        .round_to(self.names.precision(i.commodity))
                        .is_zero()
                })
                .collect();
            if !off.is_empty() {
                let msg = super::balance::BalanceError::Unbalanced(off).message(&self.names);
                return Err(self.error_at(*loc, msg));
            }
        }
        Ok(self.names)
    }

    fn error_at(&self, loc: Location, message: String) -> JournalError {
        JournalError {
            file: self.file_name(loc.file).to_string(),
            line: loc.line,
            message,
        }
    }

    /// The next item, or `None` at the end. After an error, every call returns `None`.
    pub fn next_item(&mut self) -> Result<Option<Item>, JournalError> {
        if self.done {
            return Ok(None);
        }
        let r = self.next_inner();
        if !matches!(r, Ok(Some(_))) {
            self.done = true;
        }
        r
    }

    /// Reads the next line into `self.line`; false at the end of the last file.
    fn read_line(&mut self) -> Result<bool, JournalError> {
        loop {
            let Some(src) = self.stack.last_mut() else {
                return Ok(false);
            };
            self.raw.clear();
            let mut got_any = false;
            loop {
                let avail = match src.input.fill_buf() {
                    Ok(a) => a,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        let file = src.file;
                        let line = src.line + 1;
                        return Err(
                            self.error_at(Location { file, line }, format!("cannot read: {e}"))
                        );
                    }
                };
                if avail.is_empty() {
                    break;
                }
                got_any = true;
                let (take, done) = match memchr::memchr(b'\n', avail) {
                    Some(i) => (i + 1, true),
                    None => (avail.len(), false),
                };
                if self.raw.len() + take > MAX_LINE + 2 {
                    let (file, line) = (src.file, src.line + 1);
                    return Err(self.error_at(
                        Location { file, line },
                        format!("line longer than {MAX_LINE} bytes"),
                    ));
                }
                self.raw.extend_from_slice(&avail[..take]);
                src.input.consume(take);
                if done {
                    break;
                }
            }
            if !got_any {
                self.stack.pop();
                continue;
            }
            src.line = src.line.saturating_add(1);
            self.loc = Location {
                file: src.file,
                line: src.line,
            };
            self.bytes_read += self.raw.len() as u64;
            if self.raw.last() == Some(&b'\n') {
                self.raw.pop();
            }
            if self.raw.last() == Some(&b'\r') {
                self.raw.pop();
            }
            if self.raw.len() > MAX_LINE {
                return Err(self.error_at(self.loc, format!("line longer than {MAX_LINE} bytes")));
            }
            if memchr::memchr(0, &self.raw).is_some() {
                return Err(self.error_at(self.loc, "NUL byte: not a text file".into()));
            }
            match std::str::from_utf8(&self.raw) {
                Ok(s) => {
                    self.line.clear();
                    // A byte-order mark at the start of a file is not content.
                    let s = if self.loc.line == 1 {
                        s.strip_prefix('\u{feff}').unwrap_or(s)
                    } else {
                        s
                    };
                    self.line.push_str(s);
                }
                Err(e) => {
                    return Err(self.error_at(
                        self.loc,
                        format!(
                            "not valid UTF-8 (at byte {} of the line)",
                            e.valid_up_to() + 1
                        ),
                    ))
                }
            }
            return Ok(true);
        }
    }

    /// Takes the current line out (so `self` can be borrowed while parsing it).
    fn take_line(&mut self) -> String {
        let spare = std::mem::take(&mut self.spare);
        std::mem::replace(&mut self.line, spare)
    }

    fn give_back(&mut self, mut s: String) {
        s.clear();
        self.spare = s;
    }

    /// Reads lines while they are indented (sub-lines of a directive), calling `f` on each.
    fn sub_lines(
        &mut self,
        mut f: impl FnMut(&mut Self, &str, Location) -> Res<()>,
    ) -> Result<(), JournalError> {
        loop {
            if !self.read_line()? {
                return Ok(());
            }
            if !indented(&self.line) || is_blank(&self.line) {
                self.pending = !is_blank(&self.line);
                return Ok(());
            }
            let line = self.take_line();
            let loc = self.loc;
            let r = f(self, line.trim(), loc);
            self.give_back(line);
            r.map_err(|m| self.error_at(loc, m))?;
        }
    }

    fn next_inner(&mut self) -> Result<Option<Item>, JournalError> {
        loop {
            if !self.pending && !self.read_line()? {
                return Ok(None);
            }
            self.pending = false;
            let line = self.take_line();
            let loc = self.loc;
            let r = match self.format {
                Format::Beancount => self.beancount_line(&line, loc),
                _ => self.hledger_line(&line, loc),
            };
            self.give_back(line);
            match r {
                Ok(Some(item)) => return Ok(Some(item)),
                Ok(None) => continue,
                Err(Flow::Error(loc, m)) => return Err(self.error_at(loc, m)),
                Err(Flow::Journal(e)) => return Err(e),
            }
        }
    }

    // ---------------------------------------------------------------- hledger / ledger

    fn hledger_line(&mut self, line: &str, loc: Location) -> Result<Option<Item>, Flow> {
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

    fn skip_sub_lines(&mut self) -> Result<(), Flow> {
        self.sub_lines(|_, _, _| Ok(())).map_err(Flow::Journal)
    }

    fn set_year(&mut self, y: &str, loc: Location) -> Result<(), Flow> {
        match parse_u32(y) {
            Some(v) if (1..=9999).contains(&v) => {
                self.default_year = i32::try_from(v).ok();
                Ok(())
            }
            _ => Err(Flow::at(loc, format!("invalid year '{y}'"))),
        }
    }

    fn include(&mut self, path: &str, loc: Location) -> Result<(), Flow> {
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
    fn commodity_sample(&mut self, spec: &str) -> Res<Sample> {
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
    fn number_style(&self, commodity: Option<CommodityId>) -> Option<NumberStyle> {
        self.decimal_mark
            .map(|m| NumberStyle::decimal_mark(char::from(m)))
            .or_else(|| {
                commodity.and_then(|c| self.number_styles.get(c as usize).copied().flatten())
            })
            .or(self.default_style)
    }

    /// Parses one amount at the start of `s`; returns it and the bytes consumed.
    fn hledger_amount(&mut self, s: &str, observe: bool) -> Res<(Amount, usize)> {
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

    fn hledger_transaction(&mut self, header: &str, loc: Location) -> Result<Transaction, Flow> {
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
    fn postings(
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

    fn hledger_posting(&mut self, line: &str, loc: Location, tx: &mut Transaction) -> Res<()> {
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
    fn amount_clauses(&mut self, rest: &str, p: &mut Posting) -> Res<()> {
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

    fn cost_amount(&mut self, inner: &str) -> Res<Amount> {
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

    // ---------------------------------------------------------------- Beancount

    fn beancount_amount(&mut self, s: &str, observe: bool) -> Res<(Amount, usize)> {
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

    fn beancount_line(&mut self, line: &str, loc: Location) -> Result<Option<Item>, Flow> {
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

    fn beancount_account(&mut self, name: &str) -> Res<super::AccountId> {
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

    fn beancount_transaction(
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

    fn beancount_posting(&mut self, line: &str, loc: Location, tx: &mut Transaction) -> Res<()> {
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

fn abs_amount(a: Amount) -> Res<Amount> {
    Ok(Amount {
        commodity: a.commodity,
        quantity: a.quantity.checked_abs().ok_or("number too large")?,
    })
}

/// Beancount currency: `[A-Z][A-Z0-9'._-]*[A-Z0-9]` (or one capital).
fn currency_len(s: &str) -> usize {
    let b = s.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_uppercase) {
        return 0;
    }
    let mut n = b
        .iter()
        .take_while(|c| {
            c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, b'\'' | b'.' | b'_' | b'-')
        })
        .count();
    while n > 1 && !(b[n - 1].is_ascii_uppercase() || b[n - 1].is_ascii_digit()) {
        n -= 1;
    }
    n
}

/// A Beancount string at the start of `s` (with `\"` and `\\` escapes); (text, bytes).
fn beancount_string(s: &str) -> Res<(String, usize)> {
    // Fast path: no escapes before the closing quote.
    if let Some(rest) = s.strip_prefix('"') {
        if let Some(end) = memchr::memchr2(b'"', b'\\', rest.as_bytes()) {
            if rest.as_bytes()[end] == b'"' {
                return Ok((rest[..end].to_string(), end + 2));
            }
        }
    }
    let mut out = String::new();
    let mut chars = s.char_indices();
    if chars.next().map(|c| c.1) != Some('"') {
        return Err("expected a quoted string".into());
    }
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, i + 1)),
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, e)) => out.push(e),
                None => break,
            },
            c => out.push(c),
        }
    }
    Err("unterminated string".into())
}

fn check_account_name(name: &str) -> Res<()> {
    if name.is_empty() {
        return Err("posting without an account name".into());
    }
    if name.starts_with(':') || name.ends_with(':') || name.contains("::") {
        return Err(format!("invalid account name '{name}' (empty component)"));
    }
    Ok(())
}

/// Control flow out of a line handler: an error at a location, or one already located.
enum Flow {
    Error(Location, String),
    Journal(JournalError),
}

impl Flow {
    fn at(loc: Location, m: impl Into<String>) -> Flow {
        Flow::Error(loc, m.into())
    }
}
