//! Plain-text journal import (hledger, ledger, Beancount) and export (hledger, Beancount).
//!
//! An import reads the file twice and holds neither the file nor its transactions:
//! 1. **Check** (a blocking thread): parse everything, balance every transaction, learn
//!    commodity precisions, account types and assertion targets, and compare with the
//!    company's books (inactive or parent accounts, closed periods, precisions). Any
//!    problem is `FILE:LINE: what is wrong` and nothing is written.
//! 2. **Write**: parse again on a blocking thread that sends batches of entries through a
//!    bounded channel to the store's single import transaction, checking balance
//!    assertions on the way; a failed assertion at the end rolls everything back.
//!
//! A dry run does both passes without the store transaction.
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, Read};
use std::sync::Arc;

use steward_io::journal::{
    self as jr, AssertionChecker, Format, IncludeResolver, Item, Names, Reader,
};

use super::store::*;
use super::types::*;
use crate::audit::AuditDraft;
use crate::auth::{authorize, Action, Actor, Domain, Permission, Target};
use crate::ids::{AccountId, CommodityId};
use crate::money::round_div;
use crate::{Error, Result};

/// The largest journal accepted: beyond this, split the file.
pub const MAX_JOURNAL_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// Entries per batch sent to the store.
const BATCH: usize = 5_000;

pub struct ImportRequest {
    pub format: Format,
    /// Shown in errors (`FILE:LINE`) and recorded with the import.
    pub file_name: String,
    pub dry_run: bool,
    /// Journal code for the entries; the general journal when absent.
    pub journal: Option<String>,
}

/// Where the journal comes from. It is opened twice.
pub trait JournalSource: Send + Sync + 'static {
    /// The main file, from its start.
    fn open(&self) -> std::io::Result<Box<dyn BufRead + Send>>;
    /// A file named by `include` in `including`.
    fn include(
        &self,
        including: &str,
        path: &str,
    ) -> std::result::Result<(String, Box<dyn BufRead + Send>), String>;
    /// Its size, for progress.
    fn size(&self) -> Option<u64>;
}

/// An uploaded file: includes are refused (there is nothing to include from).
pub struct BytesSource(pub Arc<Vec<u8>>);

impl JournalSource for BytesSource {
    fn open(&self) -> std::io::Result<Box<dyn BufRead + Send>> {
        Ok(Box::new(std::io::Cursor::new(ArcBytes(self.0.clone()))))
    }
    fn include(
        &self,
        _including: &str,
        path: &str,
    ) -> std::result::Result<(String, Box<dyn BufRead + Send>), String> {
        Err(format!(
            "cannot include `{path}` from an uploaded file: import it with `steward ledger import`, or upload one file"
        ))
    }
    fn size(&self) -> Option<u64> {
        Some(self.0.len() as u64)
    }
}

struct ArcBytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Files on disk; includes are relative to the including file.
pub struct DiskSource {
    path: std::path::PathBuf,
}

impl DiskSource {
    pub fn new(path: impl Into<std::path::PathBuf>) -> Self {
        DiskSource { path: path.into() }
    }
}

impl JournalSource for DiskSource {
    fn open(&self) -> std::io::Result<Box<dyn BufRead + Send>> {
        let f = std::fs::File::open(&self.path)?;
        Ok(Box::new(std::io::BufReader::with_capacity(256 * 1024, f)))
    }
    fn include(
        &self,
        including: &str,
        path: &str,
    ) -> std::result::Result<(String, Box<dyn BufRead + Send>), String> {
        let base = std::path::Path::new(including)
            .parent()
            .map(|p| p.to_path_buf())
            .unwrap_or_default();
        let p = base.join(path);
        let f =
            std::fs::File::open(&p).map_err(|e| format!("cannot open `{}`: {e}", p.display()))?;
        Ok((
            p.display().to_string(),
            Box::new(std::io::BufReader::with_capacity(256 * 1024, f)),
        ))
    }
    fn size(&self) -> Option<u64> {
        std::fs::metadata(&self.path).ok().map(|m| m.len())
    }
}

struct Resolver(Arc<dyn JournalSource>);

impl IncludeResolver for Resolver {
    fn open(
        &mut self,
        including_file: &str,
        path: &str,
    ) -> std::result::Result<(String, Box<dyn BufRead + Send>), String> {
        self.0.include(including_file, path)
    }
}

/// Hashes what the reader consumes: the checksum recorded with the import.
struct Hashing<R> {
    inner: R,
    hash: Arc<std::sync::Mutex<Sha256>>,
}

impl<R: BufRead> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut h) = self.hash.lock() {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Hashing<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let n = amt.min(buf.len());
            if let Ok(mut h) = self.hash.lock() {
                h.update(&buf[..n]);
            }
        }
        self.inner.consume(amt);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Checking,
    Writing,
}

pub type Progress = Arc<dyn Fn(Phase, u64, u64) + Send + Sync>;

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportOutcome {
    pub dry_run: bool,
    pub transactions: u64,
    pub postings: u64,
    pub accounts_created: Vec<String>,
    pub commodities_created: Vec<String>,
    pub rates: u64,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
    pub sha256: String,
}

fn file_error(e: impl std::fmt::Display) -> Error {
    Error::invalid("file", e.to_string())
}

/// What pass 1 learns.
struct Survey {
    names: Names,
    checker: AssertionChecker,
    transactions: u64,
    postings: u64,
    first_date: Option<NaiveDate>,
    last_date: Option<NaiveDate>,
    /// The first place each account takes a posting.
    first_use: HashMap<jr::AccountId, (String, u32)>,
    /// The first transaction in each month (`yyyymm`).
    months: BTreeMap<i64, (String, u32)>,
    types: HashMap<jr::AccountId, jr::AccountType>,
    prices: Vec<(NaiveDate, jr::CommodityId, jr::Amount)>,
    sha256: String,
}

fn location_of(reader: &Reader<'_>, loc: jr::Location) -> (String, u32) {
    (reader.file_name(loc.file).to_string(), loc.line)
}

fn survey(
    source: Arc<dyn JournalSource>,
    req_name: String,
    format: Format,
    progress: Option<Progress>,
) -> Result<Survey> {
    let hash = Arc::new(std::sync::Mutex::new(Sha256::new()));
    let main = source.open().map_err(file_error)?;
    let total = source.size().unwrap_or(0);
    if total > MAX_JOURNAL_BYTES {
        return Err(Error::invalid(
            "file",
            format!("{req_name}: the file is larger than 4 GiB"),
        ));
    }
    let reader_in: Box<dyn BufRead + Send> = Box::new(Hashing {
        inner: main,
        hash: hash.clone(),
    });
    let mut resolver = Resolver(source.clone());
    let mut reader = Reader::new(&req_name, reader_in, format, &mut resolver);
    let mut checker = AssertionChecker::new();
    let mut s = Survey {
        names: Names::new(),
        checker: AssertionChecker::new(),
        transactions: 0,
        postings: 0,
        first_date: None,
        last_date: None,
        first_use: HashMap::new(),
        months: BTreeMap::new(),
        types: HashMap::new(),
        prices: Vec::new(),
        sha256: String::new(),
    };
    let mut seen_accounts: HashSet<jr::AccountId> = HashSet::new();
    let mut tick = 0u32;
    while let Some(item) = reader.next_item().map_err(file_error)? {
        match item {
            Item::Transaction(t) => {
                s.transactions += 1;
                s.postings += t.postings.len() as u64;
                s.first_date = Some(s.first_date.map_or(t.date, |d| d.min(t.date)));
                s.last_date = Some(s.last_date.map_or(t.date, |d| d.max(t.date)));
                let m = month_key(t.date);
                s.months
                    .entry(m)
                    .or_insert_with(|| location_of(&reader, t.location));
                for p in &t.postings {
                    if seen_accounts.insert(p.account) {
                        let (f, _) = location_of(&reader, t.location);
                        s.first_use.insert(p.account, (f, p.line));
                    }
                }
                let file = reader.file_name(t.location.file).to_string();
                checker.learn_transaction(&t, s.transactions, &file);
            }
            Item::Account(a) => {
                if let Some(ty) = a.account_type {
                    s.types.insert(a.account, ty);
                }
            }
            Item::BalanceAssertion {
                location,
                date,
                account,
                amount,
            } => {
                let file = reader.file_name(location.file).to_string();
                checker.learn_balance(
                    date,
                    account,
                    amount.commodity,
                    amount.quantity,
                    &file,
                    location.line,
                );
            }
            Item::Price(p) => s.prices.push((p.date, p.commodity, p.price)),
            Item::Commodity(_) | Item::Close { .. } => {}
        }
        tick = tick.wrapping_add(1);
        if tick.is_multiple_of(4096) {
            if let Some(pr) = &progress {
                pr(Phase::Checking, reader.bytes_read(), total);
            }
        }
    }
    s.names = reader.finish().map_err(file_error)?;
    s.checker = checker;
    s.sha256 = hash
        .lock()
        .map(|h| hex::encode(h.clone().finalize()))
        .unwrap_or_default();
    if let Some(pr) = &progress {
        pr(Phase::Checking, total, total);
    }
    Ok(s)
}

/// Converts a parsed amount to minor units at `precision` (exact: precision is at least
/// the amount's own number of decimals, or the amount is rounded by the one rule).
fn to_minor(q: jr::Decimal, precision: u8) -> Option<i64> {
    let scale = q.scale();
    let m = q.mantissa();
    let v = if scale <= precision {
        m.checked_mul(10i128.checked_pow(u32::from(precision - scale))?)?
    } else {
        round_div(m, 10i128.checked_pow(u32::from(scale - precision))?)
    };
    i64::try_from(v).ok()
}

/// Maps the journal's names to the company's, and checks them against its books.
struct Plan {
    setup: ImportSetup,
    /// Precision used for each journal commodity (the company's when it exists).
    precision: HashMap<jr::CommodityId, u8>,
    accounts_created: Vec<String>,
    commodities_created: Vec<String>,
}

async fn plan(
    store: &impl LedgerStore,
    actor: &Actor,
    req: &ImportRequest,
    s: &Survey,
) -> Result<Plan> {
    let existing_commodities = store.commodities(actor.company_id).await?;
    let existing_accounts = store.all_accounts(actor.company_id).await?;
    let by_name: HashMap<&str, &Account> = existing_accounts
        .iter()
        .map(|a| (a.name.as_str(), a))
        .collect();
    let at = |id: jr::AccountId| {
        s.first_use
            .get(&id)
            .map(|(f, l)| format!("{f}:{l}"))
            .unwrap_or_else(|| req.file_name.clone())
    };
    let mut precision = HashMap::new();
    let mut commodities = Vec::new();
    let mut commodities_created = Vec::new();
    for i in 0..s.names.commodity_count() {
        let id = i as jr::CommodityId;
        let sym = s.names.commodity(id).to_string();
        let p = s.names.precision(id).min(12);
        match existing_commodities.iter().find(|c| c.symbol == sym) {
            Some(c) if c.precision < p => {
                return Err(Error::invalid(
                    "file",
                    format!(
                        "{}: {sym} has {} decimal places in these books but the journal uses {p}",
                        req.file_name, c.precision
                    ),
                ))
            }
            Some(c) => {
                precision.insert(id, c.precision);
            }
            None => {
                parse_commodity_symbol(&sym).map_err(|_| {
                    Error::invalid(
                        "file",
                        format!("{}: `{sym}` cannot be a commodity symbol", req.file_name),
                    )
                })?;
                precision.insert(id, p);
                commodities.push((sym.clone(), p));
                commodities_created.push(sym);
            }
        }
    }
    // Every account the journal names, with the parents it implies.
    let mut names_in_file: Vec<(AccountName, jr::AccountId)> = Vec::new();
    for i in 0..s.names.account_count() {
        let id = i as jr::AccountId;
        let raw = s.names.account(id);
        let name = AccountName::parse(raw).map_err(|e| {
            let msg = match e {
                Error::Invalid { message, .. } => message,
                other => other.to_string(),
            };
            Error::invalid("file", format!("{}: account `{raw}` {msg}", at(id)))
        })?;
        names_in_file.push((name, id));
    }
    let posted: HashSet<&str> = names_in_file
        .iter()
        .filter(|(_, id)| s.first_use.contains_key(id))
        .map(|(n, _)| n.as_str())
        .collect();
    let mut all_names: BTreeMap<String, ()> = BTreeMap::new();
    for (n, _) in &names_in_file {
        for a in n.ancestors_and_self() {
            all_names.insert(a.to_string(), ());
        }
    }
    for a in &existing_accounts {
        all_names.insert(a.name.to_string(), ());
    }
    // A posting to an account that has sub-accounts (in the books or the file).
    for (n, id) in &names_in_file {
        if !s.first_use.contains_key(id) {
            continue;
        }
        let prefix = format!("{}:", n.as_str());
        if let Some((child, _)) = all_names
            .range(prefix.clone()..)
            .next()
            .filter(|(k, _)| k.starts_with(&prefix))
        {
            return Err(Error::invalid(
                "file",
                format!("{}: {n} has a sub-account ({child}): only accounts without sub-accounts take postings", at(*id)),
            ));
        }
        if let Some(a) = by_name.get(n.as_str()) {
            if !a.active {
                return Err(Error::invalid(
                    "file",
                    format!("{}: {n} is inactive in these books", at(*id)),
                ));
            }
        }
    }
    let _ = posted;
    let declared_kinds: HashMap<&str, AccountType> = names_in_file
        .iter()
        .filter_map(|(n, id)| s.types.get(id).map(|t| (n.as_str(), map_type(*t))))
        .collect();
    let mut accounts: Vec<(AccountName, AccountType)> = Vec::new();
    let mut created: HashSet<String> = HashSet::new();
    for (n, id) in &names_in_file {
        for anc in n.ancestors_and_self() {
            if by_name.contains_key(anc.as_str()) || created.contains(anc.as_str()) {
                continue;
            }
            let kind = declared_kinds
                .get(anc.as_str())
                .copied()
                // The nearest declared ancestor (types are inherited, as in hledger).
                .or_else(|| {
                    anc.ancestors_and_self()
                        .iter()
                        .rev()
                        .find_map(|a| declared_kinds.get(a.as_str()).copied())
                })
                .or_else(|| AccountType::from_name(anc.as_str()))
                .or_else(|| {
                    let top = anc.ancestors_and_self().into_iter().next()?;
                    by_name.get(top.as_str()).map(|a| a.kind)
                })
                // A parent nobody declared: the one kind its declared descendants share.
                .or_else(|| {
                    let prefix = format!("{}:", anc.as_str());
                    let mut kinds = declared_kinds
                        .iter()
                        .filter(|(k, _)| k.starts_with(&prefix))
                        .map(|(_, v)| *v);
                    let first = kinds.next()?;
                    kinds.all(|k| k == first).then_some(first)
                })
                .or_else(|| {
                    let top = anc.ancestors_and_self().into_iter().next()?;
                    let prefix = format!("{}:", top.as_str());
                    let mut kinds = declared_kinds
                        .iter()
                        .filter(|(k, _)| k.starts_with(&prefix))
                        .map(|(_, v)| *v);
                    let first = kinds.next()?;
                    kinds.all(|k| k == first).then_some(first)
                })
                .ok_or_else(|| {
                    Error::invalid(
                        "file",
                        format!(
                            "{}: cannot tell what kind of account {anc} is: start its name with Assets, Liabilities, Equity, Income (or Revenue) or Expenses, or declare it (`account {anc}  ; type: A`)",
                            at(*id)
                        ),
                    )
                })?;
            created.insert(anc.to_string());
            accounts.push((anc, kind));
        }
    }
    // Closed periods.
    if let (Some((first, _)), Some((last, _))) =
        (s.months.first_key_value(), s.months.last_key_value())
    {
        let periods = store.periods(actor.company_id, *first, *last).await?;
        if let Some(p) = periods
            .iter()
            .find(|p| p.status == PeriodStatus::Closed && s.months.contains_key(&p.month))
        {
            let (f, l) = &s.months[&p.month];
            return Err(Error::invalid(
                "file",
                format!(
                    "{f}:{l}: the period {}-{:02} is closed in these books",
                    p.month / 100,
                    p.month % 100
                ),
            ));
        }
    }
    let journals = store.journals(actor.company_id).await?;
    let code = req
        .journal
        .as_deref()
        .map(|c| c.trim().to_ascii_uppercase());
    let journal = match &code {
        Some(c) => journals.iter().find(|j| &j.code == c),
        None => journals.iter().find(|j| j.kind == JournalKind::General),
    }
    .ok_or_else(|| {
        Error::invalid(
            "journal",
            match &code {
                Some(c) => format!("unknown journal `{c}`"),
                None => "the company's books are not set up (no general journal)".into(),
            },
        )
    })?;
    let rates = s
        .prices
        .iter()
        .map(|(d, c, a)| {
            (
                *d,
                s.names.commodity(*c).to_string(),
                s.names.commodity(a.commodity).to_string(),
                a.quantity.to_string(),
            )
        })
        .collect();
    let accounts_created = accounts.iter().map(|(n, _)| n.to_string()).collect();
    Ok(Plan {
        setup: ImportSetup {
            commodities,
            accounts,
            journal_id: Some(journal.id),
            file_name: req.file_name.clone(),
            sha256: s.sha256.clone(),
            format: req.format.name().to_string(),
            rates,
        },
        precision,
        accounts_created,
        commodities_created,
    })
}

fn map_type(t: jr::AccountType) -> AccountType {
    match t {
        jr::AccountType::Asset => AccountType::Asset,
        jr::AccountType::Liability => AccountType::Liability,
        jr::AccountType::Equity => AccountType::Equity,
        jr::AccountType::Revenue => AccountType::Income,
        jr::AccountType::Expense => AccountType::Expense,
    }
}

/// Turns pass-2 transactions into entries; account and commodity ids by journal id.
struct Mapper {
    accounts: Vec<AccountId>,
    commodities: Vec<CommodityId>,
    precision: Vec<u8>,
    journal: crate::ids::JournalId,
}

impl Mapper {
    fn new(
        names: &Names,
        ids: &ImportIds,
        precision: &HashMap<jr::CommodityId, u8>,
    ) -> Result<Self> {
        let mut accounts = Vec::with_capacity(names.account_count());
        for i in 0..names.account_count() {
            let n = names.account(i as jr::AccountId);
            accounts.push(
                *ids.accounts
                    .get(n)
                    .ok_or_else(|| Error::internal(format!("account {n} missing")))?,
            );
        }
        let mut commodities = Vec::new();
        let mut precisions = Vec::new();
        for i in 0..names.commodity_count() {
            let id = i as jr::CommodityId;
            let n = names.commodity(id);
            commodities.push(
                *ids.commodities
                    .get(n)
                    .ok_or_else(|| Error::internal(format!("commodity {n} missing")))?,
            );
            precisions.push(precision.get(&id).copied().unwrap_or(2));
        }
        Ok(Mapper {
            accounts,
            commodities,
            precision: precisions,
            journal: ids.journal_id,
        })
    }

    fn entry(&self, t: &jr::Transaction, file: &str) -> Result<NewEntry> {
        let too_big = || {
            Error::invalid(
                "file",
                format!("{file}:{}: an amount is too large", t.location.line),
            )
        };
        let mut lines = Vec::with_capacity(t.postings.len());
        for p in &t.postings {
            let Some(a) = p.amount else { continue };
            let ci = a.commodity as usize;
            let precision = self.precision.get(ci).copied().unwrap_or(2);
            let amount = to_minor(a.quantity, precision).ok_or_else(too_big)?;
            let cost = match p.price {
                None => None,
                Some(jr::Price::Unit(u)) => {
                    let pp = self
                        .precision
                        .get(u.commodity as usize)
                        .copied()
                        .unwrap_or(2);
                    let q = a.quantity.checked_mul(u.quantity).ok_or_else(too_big)?;
                    Some(Cost {
                        commodity_id: self.commodities[u.commodity as usize],
                        commodity: String::new(),
                        amount: to_minor(q, pp).ok_or_else(too_big)?,
                    })
                }
                Some(jr::Price::Total(tp)) => {
                    let pp = self
                        .precision
                        .get(tp.commodity as usize)
                        .copied()
                        .unwrap_or(2);
                    let v = to_minor(tp.quantity, pp).ok_or_else(too_big)?.abs();
                    Some(Cost {
                        commodity_id: self.commodities[tp.commodity as usize],
                        commodity: String::new(),
                        amount: if amount < 0 { -v } else { v },
                    })
                }
            };
            lines.push(Line {
                account_id: self.accounts[p.account as usize],
                account: String::new(),
                commodity_id: self.commodities[ci],
                commodity: String::new(),
                amount,
                cost,
                department_id: None,
                project: String::new(),
                memo: p.comment.trim().to_string(),
            });
        }
        Ok(NewEntry {
            journal_id: self.journal,
            date: t.date,
            reference: t.code.clone(),
            description: t.description.clone(),
            comment: t.comment.trim().to_string(),
            lines,
            client_key: None,
            reverses: None,
        })
    }
}

/// Pass 2 on a blocking thread: entries in batches into `tx`, then the assertion check.
struct Pass2 {
    source: Arc<dyn JournalSource>,
    name: String,
    format: Format,
    names: Names,
    checker: AssertionChecker,
    /// `None` for a dry run: only the assertions are checked.
    mapper: Option<Mapper>,
    tx: tokio::sync::mpsc::Sender<Result<Vec<NewEntry>>>,
    progress: Option<Progress>,
}

fn write_pass(p: Pass2) {
    let Pass2 {
        source,
        name,
        format,
        names,
        mut checker,
        mapper,
        tx,
        progress,
    } = p;
    let run = || -> Result<()> {
        let total = source.size().unwrap_or(0);
        let main = source.open().map_err(file_error)?;
        let mut resolver = Resolver(source.clone());
        let mut reader = Reader::with_names(&name, main, format, &mut resolver, names);
        let mut batch = Vec::with_capacity(BATCH);
        let mut tick = 0u32;
        let mut seq = 0u64;
        while let Some(item) = reader.next_item().map_err(file_error)? {
            match item {
                Item::Transaction(t) => {
                    seq += 1;
                    checker.feed_transaction(&t, seq);
                    if let Some(m) = &mapper {
                        let file = reader.file_name(t.location.file).to_string();
                        batch.push(m.entry(&t, &file)?);
                        if batch.len() >= BATCH {
                            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                            if tx.blocking_send(Ok(full)).is_err() {
                                return Ok(()); // the store gave up; it reports why
                            }
                        }
                    }
                }
                Item::BalanceAssertion { .. }
                | Item::Account(_)
                | Item::Commodity(_)
                | Item::Price(_)
                | Item::Close { .. } => {}
            }
            tick = tick.wrapping_add(1);
            if tick.is_multiple_of(4096) {
                if let Some(pr) = &progress {
                    pr(Phase::Writing, reader.bytes_read(), total);
                }
            }
        }
        checker
            .finish(reader.names())
            .map_err(|e| Error::invalid("file", e.to_string()))?;
        if !batch.is_empty() {
            let _ = tx.blocking_send(Ok(batch));
        }
        if let Some(pr) = &progress {
            pr(Phase::Writing, total, total);
        }
        Ok(())
    };
    if let Err(e) = run() {
        let _ = tx.blocking_send(Err(e));
    }
}

struct ChannelSource(tokio::sync::mpsc::Receiver<Result<Vec<NewEntry>>>);

impl EntrySource for ChannelSource {
    async fn next_batch(&mut self) -> Result<Option<Vec<NewEntry>>> {
        match self.0.recv().await {
            None => Ok(None),
            Some(Ok(b)) => Ok(Some(b)),
            Some(Err(e)) => Err(e),
        }
    }
}

/// Imports a plain-text journal: all of it or nothing. See the module header.
pub async fn import_journal(
    store: &impl LedgerStore,
    actor: &Actor,
    req: &ImportRequest,
    source: Arc<dyn JournalSource>,
    progress: Option<Progress>,
) -> Result<ImportOutcome> {
    authorize(
        actor,
        Permission::new(Domain::Accounting, Action::Import),
        &Target::company(actor.company_id),
    )?;
    let s = {
        let (src, name, fmt, pr) = (
            source.clone(),
            req.file_name.clone(),
            req.format,
            progress.clone(),
        );
        crate::blocking::run(move || survey(src, name, fmt, pr)).await??
    };
    let plan = plan(store, actor, req, &s).await?;
    let mut outcome = ImportOutcome {
        dry_run: req.dry_run,
        transactions: s.transactions,
        postings: s.postings,
        accounts_created: plan.accounts_created.clone(),
        commodities_created: plan.commodities_created.clone(),
        rates: plan.setup.rates.len() as u64,
        first_date: s.first_date,
        last_date: s.last_date,
        sha256: s.sha256.clone(),
    };
    let Survey { names, checker, .. } = s;
    if req.dry_run {
        // Pass 2 without a store: the balance assertions.
        let (tx, mut rx) = tokio::sync::mpsc::channel(2);
        let (src, name, fmt, pr) = (
            source.clone(),
            req.file_name.clone(),
            req.format,
            progress.clone(),
        );
        let handle = crate::blocking::run(move || {
            write_pass(Pass2 {
                source: src,
                name,
                format: fmt,
                names,
                checker,
                mapper: None,
                tx,
                progress: pr,
            })
        });
        let drain = async {
            while let Some(r) = rx.recv().await {
                r?;
            }
            Ok::<(), Error>(())
        };
        let (h, d) = tokio::join!(handle, drain);
        h?;
        d?;
        return Ok(outcome);
    }
    let audit = AuditDraft::by(
        actor,
        "ledger_import",
        None,
        "import",
        json!({"file": req.file_name, "sha256": outcome.sha256, "format": req.format.name(),
               "transactions": outcome.transactions, "postings": outcome.postings,
               "accounts_created": plan.accounts_created.len(), "commodities_created": plan.commodities_created.len()}),
    );
    let precision = plan.precision.clone();
    let (src, name, fmt, pr) = (
        source.clone(),
        req.file_name.clone(),
        req.format,
        progress.clone(),
    );
    let make_source = |ids: ImportIds| {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        match Mapper::new(&names, &ids, &precision) {
            Ok(m) => {
                // Not awaited: it feeds the channel the store reads from.
                drop(crate::blocking::spawn(move || {
                    write_pass(Pass2 {
                        source: src,
                        name,
                        format: fmt,
                        names,
                        checker,
                        mapper: Some(m),
                        tx,
                        progress: pr,
                    })
                }));
            }
            Err(e) => {
                let _ = tx.try_send(Err(e));
            }
        }
        ChannelSource(rx)
    };
    let summary = store
        .import_entries(
            actor.company_id,
            plan.setup,
            actor.author(),
            make_source,
            audit,
        )
        .await?;
    outcome.transactions = summary.entries;
    outcome.postings = summary.postings;
    Ok(outcome)
}

/// Writes every posted entry (and the rates) as a journal hledger or Beancount reads, with
/// balances equal to Steward's. Streams the ledger in pages. Returns the entries written.
pub async fn export_journal(
    store: &impl LedgerStore,
    actor: &Actor,
    format: Format,
    out: &mut (dyn std::io::Write + Send),
) -> Result<u64> {
    authorize(
        actor,
        Permission::new(Domain::Accounting, Action::Export),
        &Target::company(actor.company_id),
    )?;
    let io_err =
        |e: std::io::Error| Error::invalid("file", format!("cannot write the journal: {e}"));
    let commodities = store.commodities(actor.company_id).await?;
    let accounts = store.all_accounts(actor.company_id).await?;
    let mut names = Names::new();
    let mut cids: HashMap<CommodityId, (jr::CommodityId, u8)> = HashMap::new();
    for c in &commodities {
        let id = names.intern_commodity(&c.symbol);
        let symbolic =
            c.symbol.chars().count() == 1 && !c.symbol.chars().all(char::is_alphanumeric);
        names.declare_commodity(
            id,
            Some(c.precision),
            Some(jr::CommodityStyle {
                prefix: symbolic,
                spaced: !symbolic,
            }),
            None,
        );
        cids.insert(c.id, (id, c.precision));
    }
    let mut aids: HashMap<AccountId, jr::AccountId> = HashMap::new();
    for a in &accounts {
        aids.insert(a.id, names.intern_account(a.name.as_str()));
    }
    let mut w = jr::Writer::new(format, out);
    for c in &commodities {
        if let Some((id, _)) = cids.get(&c.id) {
            w.write_commodity(&names, *id).map_err(io_err)?;
        }
    }
    for a in accounts.iter().filter(|a| !a.has_children) {
        let ty = match a.kind {
            AccountType::Asset => jr::AccountType::Asset,
            AccountType::Liability => jr::AccountType::Liability,
            AccountType::Equity => jr::AccountType::Equity,
            AccountType::Income => jr::AccountType::Revenue,
            AccountType::Expense => jr::AccountType::Expense,
        };
        if let Some(id) = aids.get(&a.id) {
            w.write_account(&names, *id, Some(ty)).map_err(io_err)?;
        }
    }
    for r in store.rates(actor.company_id).await? {
        let (Some(c), Some(q)) = (
            names.find_commodity(&r.commodity),
            names.find_commodity(&r.quote),
        ) else {
            continue;
        };
        let Some((m, scale)) = super::entry::parse_rate(&r.rate) else {
            continue;
        };
        let Some(quantity) = jr::Decimal::new(m, scale as u8) else {
            continue;
        };
        let p = jr::PriceDecl {
            location: jr::Location::default(),
            date: r.date,
            commodity: c,
            price: jr::Amount {
                commodity: q,
                quantity,
            },
        };
        w.write_price(&names, &p).map_err(io_err)?;
    }
    let mut after = None;
    let mut count = 0u64;
    loop {
        let page = store
            .posted_entries_after(actor.company_id, after, 2_000)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for e in &page {
            let mut postings = Vec::with_capacity(e.lines.len());
            for l in &e.lines {
                let (Some(acc), Some((cid, prec))) =
                    (aids.get(&l.account_id), cids.get(&l.commodity_id))
                else {
                    return Err(Error::internal(
                        "entry line names an unknown account or commodity",
                    ));
                };
                let amount = jr::Amount {
                    commodity: *cid,
                    quantity: jr::Decimal::new(i128::from(l.amount), *prec)
                        .ok_or_else(|| Error::internal("amount"))?,
                };
                let mut p = jr::Posting::new(*acc, Some(amount));
                if let Some(cost) = &l.cost {
                    if let Some((ccid, cprec)) = cids.get(&cost.commodity_id) {
                        let q = jr::Decimal::new(i128::from(cost.amount.abs()), *cprec)
                            .ok_or_else(|| Error::internal("amount"))?;
                        p.price = Some(jr::Price::Total(jr::Amount {
                            commodity: *ccid,
                            quantity: q,
                        }));
                    }
                }
                p.comment = l.memo.clone();
                postings.push(p);
            }
            let t = jr::Transaction {
                location: jr::Location::default(),
                date: e.date,
                status: jr::Status::Cleared,
                code: e.reference.clone(),
                description: e.description.clone(),
                comment: e.comment.clone(),
                tags: Vec::new(),
                postings,
            };
            w.write_transaction(&names, &t).map_err(io_err)?;
            count += 1;
        }
    }
    Ok(count)
}
