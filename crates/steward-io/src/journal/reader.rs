//! The streaming journal reader. See the module documentation of [`super`]. The line
//! syntaxes live in reader/hledger.rs (hledger and ledger) and reader/beancount.rs.
mod beancount;
mod hledger;

use std::io::BufRead;

use chrono::{Datelike, NaiveDate};

use super::balance::{balance, Imbalance};
use super::names::{AccountType, CommodityStyle};
use super::number::{self, NumberStyle, RawNumber};
use super::{
    AccountDecl, Amount, Assertion, CommodityDecl, CommodityId, Decimal, Format, Item,
    JournalError, Location, Names, Posting, Price, PriceDecl, Status, Transaction,
};
// Named as `super::...` by the syntax modules (reader/hledger.rs, reader/beancount.rs).
use super::{account_type_from_name, AccountId};

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
