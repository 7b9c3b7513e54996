//! `steward-bench ledger`: the ledger's speed against hledger and ledger on the same file.
//!
//! For each size a deterministic hledger journal is generated (seeded, so every run and
//! every machine sees the same file). On it, in one run: `ledger -f FILE bal`,
//! `hledger -f FILE bal`, and Steward as a user meets it: `steward ledger import` and
//! `steward report trial-balance|balance-sheet` as child processes (the `steward` binary next to this one)
//! against a fresh database, each timed with its peak RSS. Report latencies (trial balance,
//! balance sheet, the first page of an account's ledger) are then measured in-process over
//! several iterations. Last, entries are posted through the JSON API (batches of 1,000, and
//! single entries from concurrent clients) to a server started in-process.
use anyhow::{anyhow, bail, Context};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use steward_core::auth::Actor;
use steward_core::company::create_company;
use steward_core::ledger::reports::{self as report, ReportKind, ReportOptions};
use steward_core::ledger::service;
use steward_core::list::Paging;
use steward_core::users::{self, NewUser};
use steward_store::{ConnectOptions, Store};

use crate::common::{pg_admin, with_database};
use crate::BenchLedgerArgs;

// ---------------------------------------------------------------- the generator

/// SplitMix64: small, fast, and the same sequence everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }
    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The shape of a generated journal.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub transactions: usize,
    pub accounts: usize,
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone)]
pub struct Generated {
    pub bytes: u64,
    pub postings: u64,
    pub accounts: Vec<String>,
    /// The account with the most postings: the one whose ledger is timed.
    pub busiest: String,
}

const TOPS: [(&str, &[&str], u64); 5] = [
    // (top level, groups, share of the accounts in percent)
    ("Assets", &["Bank", "Cash", "Receivables", "Inventory"], 25),
    ("Liabilities", &["Payables", "Cards", "Tax", "Loans"], 12),
    ("Equity", &["Capital", "Reserves"], 5),
    ("Income", &["Sales", "Services", "Interest", "Other"], 18),
    (
        "Expenses",
        &["Office", "Travel", "Rent", "Salaries", "Fees"],
        40,
    ),
];

const WORDS_A: &[&str] = &[
    "Invoice",
    "Payment",
    "Refund",
    "Transfer",
    "Purchase",
    "Fee",
    "Salary",
    "Deposit",
    "Rent",
    "Order",
    "Subscription",
    "Repair",
];
const WORDS_B: &[&str] = &[
    "Acme Supplies",
    "Northwind Ltd",
    "Globex Corp",
    "Initech GmbH",
    "Umbrella Sarl",
    "Stark Partners",
    "Wayne Holdings",
    "Hooli Services",
    "Vandelay Import",
    "Tyrell Systems",
];

/// Leaf account names: every one under a group under a top level, so no posting ever
/// goes to an account that has sub-accounts.
pub fn account_names(n: usize) -> Vec<String> {
    let n = n.max(5);
    let mut out = Vec::with_capacity(n);
    let mut left = n;
    for (i, (top, groups, share)) in TOPS.iter().enumerate() {
        let count = if i + 1 == TOPS.len() {
            left
        } else {
            ((n as u64 * share / 100) as usize)
                .max(1)
                .min(left - (TOPS.len() - 1 - i))
        };
        left -= count;
        for k in 0..count {
            let g = groups[k % groups.len()];
            out.push(format!("{top}:{g}:{g} {:04}", k / groups.len() + 1));
        }
    }
    out
}

fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let a = minor.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Writes the journal: `N` transactions of 2-4 postings in date order over three years,
/// amounts with two decimals, the last amount left out in about a third of them, and
/// about 5% in USD with an `@` price in EUR (whole dollars at a two-decimal price, so the
/// cost is exact in cents and every tool agrees on it).
pub fn generate(path: &Path, spec: Spec) -> std::io::Result<Generated> {
    let accounts = account_names(spec.accounts);
    let n_acc = accounts.len() as u64;
    let file = std::fs::File::create(path)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut rng = Rng::new(spec.seed);
    let start = chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap_or_default();
    let days = 3 * 365;
    let mut uses = vec![0u64; accounts.len()];
    let mut postings = 0u64;
    writeln!(
        w,
        "; generated by `steward-bench ledger`: {} transactions, {} accounts, seed {}\n",
        spec.transactions,
        accounts.len(),
        spec.seed
    )?;
    // A skewed choice: low account numbers are used more, as real books are.
    let pick = |rng: &mut Rng| -> usize {
        let a = rng.below(n_acc);
        let b = rng.below(n_acc);
        a.min(b) as usize
    };
    for i in 0..spec.transactions {
        let day = (i as u64 * days) / (spec.transactions.max(1) as u64);
        let date = start + chrono::Duration::days(day as i64);
        let desc = format!(
            "{} {} {:05}",
            WORDS_A[rng.below(WORDS_A.len() as u64) as usize],
            WORDS_B[rng.below(WORDS_B.len() as u64) as usize],
            rng.below(100_000)
        );
        writeln!(w, "{date} {desc}")?;
        let n_post = 2 + rng.below(3) as usize;
        let mut chosen: Vec<usize> = Vec::with_capacity(n_post);
        while chosen.len() < n_post {
            let a = pick(&mut rng);
            if !chosen.contains(&a) {
                chosen.push(a);
            }
        }
        let elide = rng.chance(33);
        if rng.chance(5) {
            // 1-3 USD postings priced in EUR, balanced by one EUR posting.
            let mut eur_total: i64 = 0;
            for &a in &chosen[..n_post - 1] {
                let dollars = 1 + rng.below(2_000) as i64;
                let dollars = if rng.chance(30) { -dollars } else { dollars };
                let price_cents = 80 + rng.below(30) as i64; // 0.80 .. 1.09 EUR
                eur_total += dollars * price_cents;
                writeln!(
                    w,
                    "    {}  {}.00 USD @ {} EUR",
                    accounts[a],
                    dollars,
                    money(price_cents)
                )?;
                uses[a] += 1;
            }
            let last = chosen[n_post - 1];
            if elide {
                writeln!(w, "    {}", accounts[last])?;
            } else {
                writeln!(w, "    {}  {} EUR", accounts[last], money(-eur_total))?;
            }
            uses[last] += 1;
        } else {
            let mut sum: i64 = 0;
            for &a in &chosen[..n_post - 1] {
                let v = 1 + rng.below(500_000) as i64;
                let v = if rng.chance(45) { -v } else { v };
                sum += v;
                writeln!(w, "    {}  {} EUR", accounts[a], money(v))?;
                uses[a] += 1;
            }
            let last = chosen[n_post - 1];
            if elide {
                writeln!(w, "    {}", accounts[last])?;
            } else {
                writeln!(w, "    {}  {} EUR", accounts[last], money(-sum))?;
            }
            uses[last] += 1;
        }
        postings += n_post as u64;
        writeln!(w)?;
    }
    w.flush()?;
    drop(w);
    let bytes = std::fs::metadata(path)?.len();
    let busiest = uses
        .iter()
        .enumerate()
        .max_by_key(|(_, u)| **u)
        .map(|(i, _)| accounts[i].clone())
        .unwrap_or_default();
    Ok(Generated {
        bytes,
        postings,
        accounts,
        busiest,
    })
}

// ---------------------------------------------------------------- timing children

#[derive(Debug, Clone, Copy)]
struct Timed {
    wall_s: f64,
    rss_mb: f64,
}

/// Runs a command to the end, measuring wall time and peak RSS: through `/usr/bin/time`
/// when it is installed (exact, from the kernel's rusage), else by polling the child's
/// `VmHWM` in /proc. Standard output goes to `stdout` (or nowhere); a failure is an error
/// carrying the child's standard error.
fn timed(
    program: &str,
    args: &[&str],
    stdout: Option<&Path>,
    env: &[(&str, &str)],
) -> anyhow::Result<Timed> {
    let time_bin = Path::new("/usr/bin/time");
    let time_file = std::env::temp_dir().join(format!(
        "steward-bench-time-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let mut cmd = if time_bin.exists() {
        let mut c = Command::new(time_bin);
        c.arg("-f")
            .arg("%e %M")
            .arg("-o")
            .arg(&time_file)
            .arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args).stdin(Stdio::null()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    match stdout {
        Some(p) => {
            let f = std::fs::File::create(p)
                .with_context(|| format!("cannot create {}", p.display()))?;
            cmd.stdout(f);
        }
        None => {
            cmd.stdout(Stdio::null());
        }
    }
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run {program}"))?;
    let mut stderr = child.stderr.take();
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = stderr.as_mut() {
            let _ = std::io::Read::read_to_string(e, &mut s);
        }
        s
    });
    let mut hwm_kb = 0u64;
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if !time_bin.exists() {
            hwm_kb = hwm_kb.max(vm_hwm_kb(child.id()).unwrap_or(0));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let wall = started.elapsed().as_secs_f64();
    let err = err_reader.join().unwrap_or_default();
    if !status.success() {
        let _ = std::fs::remove_file(&time_file);
        bail!("{program} {} failed ({status}):\n{err}", args.join(" "));
    }
    let mut t = Timed {
        wall_s: wall,
        rss_mb: hwm_kb as f64 / 1024.0,
    };
    if time_bin.exists() {
        let text = std::fs::read_to_string(&time_file).unwrap_or_default();
        let _ = std::fs::remove_file(&time_file);
        // The last line: `%e %M` (earlier lines may be "Command exited with ...").
        if let Some(line) = text.lines().rev().find(|l| !l.trim().is_empty()) {
            let mut parts = line.split_whitespace();
            if let (Some(e), Some(m)) = (parts.next(), parts.next()) {
                if let (Ok(e), Ok(m)) = (e.parse::<f64>(), m.parse::<f64>()) {
                    t = Timed {
                        wall_s: e.max(0.0),
                        rss_mb: m / 1024.0,
                    };
                }
            }
        }
    }
    Ok(t)
}

static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

// ---------------------------------------------------------------- parity

/// `(account, commodity) -> amount in 10^-8 units`, without zeros.
pub type Balances = BTreeMap<(String, String), i128>;

/// A plain decimal (`-1234.50`, `1,234.50`) in 10^-8 units.
pub fn decimal_e8(s: &str) -> Option<i128> {
    let s = s.trim().replace(',', "");
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s.as_str())),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if (int.is_empty() && frac.is_empty()) || frac.len() > 8 {
        return None;
    }
    if !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let int: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac_v: i128 = if frac.is_empty() {
        0
    } else {
        frac.parse::<i128>().ok()? * 10i128.pow(8 - frac.len() as u32)
    };
    let v = int.checked_mul(100_000_000)?.checked_add(frac_v)?;
    Some(if neg { -v } else { v })
}

/// Splits a CSV line on commas outside quotes.
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Steward's `report trial-balance --format csv`.
pub fn parse_steward_csv(text: &str) -> anyhow::Result<Balances> {
    let mut out = Balances::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f = csv_fields(line);
        let [account, commodity, amount] = f.as_slice() else {
            bail!("line {}: expected account,commodity,amount: {line}", i + 1);
        };
        let v = decimal_e8(amount).ok_or_else(|| anyhow!("line {}: bad amount {amount}", i + 1))?;
        if v != 0 {
            *out.entry((account.clone(), commodity.clone())).or_default() += v;
        }
    }
    Ok(out)
}

/// `hledger balance --flat --no-total -O csv`: `"account","balance"` with amounts like
/// `-1234.50 EUR`, `$10.00` or `10.00 EUR, 5 USD`.
pub fn parse_hledger_csv(text: &str) -> anyhow::Result<Balances> {
    let mut out = Balances::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f = csv_fields(line);
        let [account, balance] = f.as_slice() else {
            bail!("hledger line {}: expected account,balance: {line}", i + 1);
        };
        for part in balance.split(", ").map(str::trim).filter(|p| !p.is_empty()) {
            let (commodity, v) = hledger_amount(part).ok_or_else(|| {
                anyhow!("hledger line {}: cannot read the amount `{part}`", i + 1)
            })?;
            if v != 0 {
                *out.entry((account.clone(), commodity)).or_default() += v;
            }
        }
    }
    out.retain(|_, v| *v != 0);
    Ok(out)
}

/// `-1234.50 EUR`, `EUR -1234.50`, `$-10.00`, `-$10.00`, `"ACME 1" 5`, `0`.
fn hledger_amount(s: &str) -> Option<(String, i128)> {
    let s = s.trim();
    if let Some(v) = decimal_e8(s) {
        return Some((String::new(), v));
    }
    let is_num = |c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | ',');
    let unsigned = s.trim_start_matches(['-', '+']);
    if unsigned.starts_with(|c: char| c.is_ascii_digit()) {
        // Number first: `-1234.50 EUR`.
        let end = s.find(|c: char| !is_num(c)).unwrap_or(s.len());
        let v = decimal_e8(&s[..end])?;
        let sym = s[end..].trim().trim_matches('"').to_string();
        return Some((sym, v));
    }
    // Symbol first, maybe after a sign: `EUR -1234.50`, `$-10.00`, `-$10.00`.
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let start = rest.find(|c: char| c.is_ascii_digit() || c == '-' || c == '+')?;
    let sym = rest[..start].trim().trim_matches('"').to_string();
    let v = decimal_e8(rest[start..].trim())?;
    Some((sym, if neg { -v } else { v }))
}

/// The first difference, or None when the two agree to the unit.
pub fn first_difference(steward: &Balances, hledger: &Balances) -> Option<String> {
    let keys: std::collections::BTreeSet<&(String, String)> =
        steward.keys().chain(hledger.keys()).collect();
    for k in keys {
        let (a, b) = (steward.get(k), hledger.get(k));
        if a != b {
            let show = |v: Option<&i128>| match v {
                Some(v) => format!("{}", *v as f64 / 1e8),
                None => "nothing".into(),
            };
            return Some(format!(
                "{} {}: Steward {}, hledger {}",
                k.0,
                k.1,
                show(a),
                show(b)
            ));
        }
    }
    None
}

// ---------------------------------------------------------------- the run

struct Row {
    tool: String,
    size: String,
    timed: Option<Timed>,
    /// Steward's import of the same size, for the ratio.
    base: Option<f64>,
    note: String,
}

struct Latency {
    what: String,
    p50_ms: f64,
    p99_ms: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A database for one Steward run: a folder for SQLite, or a fresh PostgreSQL database.
struct Db {
    data: PathBuf,
    url: String,
    pg: Option<(String, String)>,
}

impl Db {
    async fn new(dir: &Path, name: &str, database_url: Option<&str>) -> anyhow::Result<Db> {
        let data = dir.join(name);
        std::fs::create_dir_all(&data)?;
        match database_url {
            Some(u) if u.starts_with("postgres") => {
                let db = format!("steward_bench_{}_{name}", std::process::id()).replace('-', "_");
                pg_admin(u, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await?;
                pg_admin(u, &format!("CREATE DATABASE {db}"))
                    .await
                    .context("cannot create the benchmark database")?;
                Ok(Db {
                    data,
                    url: with_database(u, &db),
                    pg: Some((u.to_string(), db)),
                })
            }
            Some(_) => {
                bail!("bench takes a postgres:// URL, or none for temporary SQLite databases")
            }
            None => Ok(Db {
                url: crate::common::sqlite_url(&data),
                data,
                pg: None,
            }),
        }
    }
    /// Arguments that point a child `steward` at this database.
    fn args(&self) -> Vec<String> {
        let mut a = vec!["--data".to_string(), self.data.display().to_string()];
        if self.pg.is_some() {
            a.push("--database-url".into());
            a.push(self.url.clone());
        }
        a
    }
    async fn drop_db(self) {
        if let Some((admin, db)) = self.pg {
            if std::env::var_os("STEWARD_BENCH_KEEP").is_none() {
                let _ = pg_admin(
                    &admin,
                    &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
                )
                .await;
            }
        }
    }
}

/// Runs `steward ARGS` (the `steward` binary next to this one, or `--binary`) against `db`, timed.
fn steward(db: &Db, args: &[&str], stdout: Option<&Path>) -> anyhow::Result<Timed> {
    let exe = crate::common::steward_binary()?;
    let exe = exe.display().to_string();
    let mut all: Vec<String> = db.args();
    all.extend(args.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    timed(
        &exe,
        &refs,
        stdout,
        &[
            ("STEWARD_LOG", "warn"),
            ("STEWARD_ADMIN_PASSWORD", "bench admin passphrase 2026"),
        ],
    )
}

async fn open_store(url: &str) -> anyhow::Result<Store> {
    Store::connect(
        url,
        ConnectOptions {
            pg_schema: None,
            max_connections: 16,
        },
    )
    .await
    .map_err(|e| anyhow!("{e}"))
}

async fn system_actor(store: &Store) -> anyhow::Result<Actor> {
    let c = store
        .companies_of_all()
        .await
        .map_err(|e| anyhow!("{e}"))?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("no company"))?;
    Ok(Actor::system(c.id, &c.name).with_currency(&c.currency))
}

async fn time_n<F, Fut>(n: usize, mut f: F) -> anyhow::Result<(f64, f64)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut ms = Vec::with_capacity(n);
    f().await?; // warm-up
    for _ in 0..n.max(1) {
        let t = Instant::now();
        f().await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    Ok((percentile(&ms, 0.5), percentile(&ms, 0.99)))
}

fn human(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

pub async fn run(args: BenchLedgerArgs, database_url: Option<String>) -> anyhow::Result<()> {
    let (dir, temporary) = match &args.keep_in {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("steward-bench-ledger-{}", std::process::id())),
            true,
        ),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = run_in(&args, database_url.as_deref(), &dir).await;
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

async fn run_in(
    args: &BenchLedgerArgs,
    database_url: Option<&str>,
    dir: &Path,
) -> anyhow::Result<()> {
    let backend = if database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let peers = !args.skip_peers;
    let has_hledger = peers && installed("hledger");
    let has_ledger = peers && installed("ledger");
    if peers && !has_hledger {
        eprintln!("hledger is not installed: its rows are skipped");
    }
    if peers && !has_ledger {
        eprintln!("ledger is not installed: its rows are skipped");
    }
    let mut cases: Vec<(usize, usize, String)> = args
        .sizes
        .iter()
        .map(|&n| (n, args.accounts, human(n)))
        .collect();
    if args.many_accounts {
        cases.push((100_000, 1_500, "100k × 1,500 accounts".into()));
    }
    let smallest = cases.iter().map(|c| c.0).min().unwrap_or(0);
    let mut rows: Vec<Row> = Vec::new();
    let mut latencies: Vec<(String, Vec<Latency>)> = Vec::new();
    let mut parity: Vec<String> = Vec::new();
    let mut info: Vec<String> = Vec::new();
    for (case, (n, accounts, label)) in cases.iter().enumerate() {
        let file = dir.join(format!("bench-{case}-{n}.journal"));
        let t = Instant::now();
        let g = generate(
            &file,
            Spec {
                transactions: *n,
                accounts: *accounts,
                seed: 0x5EED_0000 + *n as u64 + *accounts as u64,
            },
        )
        .with_context(|| format!("cannot write {}", file.display()))?;
        info.push(format!(
            "{label}: {} transactions, {} postings, {} accounts, {:.1} MB ({:.1} s to generate)",
            n,
            g.postings,
            g.accounts.len(),
            g.bytes as f64 / 1e6,
            t.elapsed().as_secs_f64()
        ));
        eprintln!("{}", info.last().map(String::as_str).unwrap_or(""));
        let f = file.display().to_string();

        // Steward first: its import is the base of the ratios.
        let db = Db::new(dir, &format!("db-{case}"), database_url).await?;
        let outcome = steward_case(args, &db, &f, &g, label, dir, case).await;
        let (import, tb, bs, lat, tb_csv) = match outcome {
            Ok(v) => v,
            Err(e) => {
                db.drop_db().await;
                return Err(e);
            }
        };
        db.drop_db().await;
        let base = Some(import.wall_s);
        let mut push = |tool: &str, timed: Option<Timed>, note: String| {
            rows.push(Row {
                tool: tool.to_string(),
                size: label.clone(),
                timed,
                base,
                note,
            })
        };
        if has_ledger {
            match timed("ledger", &["-f", &f, "bal"], None, &[]) {
                Ok(t) => push("`ledger -f FILE bal`", Some(t), String::new()),
                Err(e) => push("`ledger -f FILE bal`", None, first_line(&e)),
            }
        }
        if has_hledger {
            match timed("hledger", &["-f", &f, "bal"], None, &[]) {
                Ok(t) => push("`hledger -f FILE bal`", Some(t), String::new()),
                Err(e) => push("`hledger -f FILE bal`", None, first_line(&e)),
            }
        }
        push(
            &format!("`steward ledger import` ({backend})"),
            Some(import),
            format!("{:.0} transactions/s", *n as f64 / import.wall_s.max(1e-9)),
        );
        push(
            "`steward report trial-balance --format csv`",
            Some(tb),
            String::new(),
        );
        push("`steward report balance-sheet`", Some(bs), String::new());
        latencies.push((label.clone(), lat));

        if has_hledger && *n == smallest && *accounts == args.accounts {
            let out = dir.join(format!("hledger-{case}.csv"));
            let verdict = match timed(
                "hledger",
                &["-f", &f, "balance", "--flat", "--no-total", "-O", "csv"],
                Some(&out),
                &[],
            ) {
                Ok(_) => {
                    let h = parse_hledger_csv(&std::fs::read_to_string(&out)?)?;
                    let s = parse_steward_csv(&tb_csv)?;
                    match first_difference(&s, &h) {
                        None => format!(
                            "parity: ok ({label}: {} balances agree with hledger to the cent)",
                            s.len()
                        ),
                        Some(d) => format!("parity: DIFFERENT ({label}): first difference {d}"),
                    }
                }
                Err(e) => format!("parity: not checked ({})", first_line(&e)),
            };
            eprintln!("{verdict}");
            parity.push(verdict);
        }
    }

    let api = if args.api_seconds > 0 {
        match api_bench(args, database_url, dir).await {
            Ok(v) => Some(v),
            Err(e) => {
                eprintln!("API part failed: {e:#}");
                Some(vec![format!("API part failed: {}", first_line(&e))])
            }
        }
    } else {
        None
    };

    println!(
        "\n### Ledger, {backend}, {} cores\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    for l in &info {
        println!("- {l}");
    }
    println!("\n| tool | size | wall s | peak RSS MB | ratio to Steward | note |");
    println!("|---|---|---:|---:|---:|---|");
    for r in &rows {
        match r.timed {
            Some(t) => println!(
                "| {} | {} | {:.2} | {:.0} | {} | {} |",
                r.tool,
                r.size,
                t.wall_s,
                t.rss_mb,
                r.base
                    .filter(|b| *b > 0.0)
                    .map(|b| format!("{:.2}", t.wall_s / b))
                    .unwrap_or_default(),
                r.note
            ),
            None => println!("| {} | {} | – | – | – | {} |", r.tool, r.size, r.note),
        }
    }
    println!("\nRatio: wall time over Steward's import of the same file (below 1: faster than Steward's import).");
    println!("\n| in-process (after the import) | size | p50 ms | p99 ms |");
    println!("|---|---|---:|---:|");
    for (size, ls) in &latencies {
        for l in ls {
            println!(
                "| {} | {size} | {:.2} | {:.2} |",
                l.what, l.p50_ms, l.p99_ms
            );
        }
    }
    println!();
    for p in &parity {
        println!("{p}");
    }
    if let Some(lines) = api {
        println!();
        for l in lines {
            println!("{l}");
        }
    }
    Ok(())
}

fn first_line(e: &anyhow::Error) -> String {
    e.to_string().lines().next().unwrap_or("").replace('|', "/")
}

type CaseResult = (Timed, Timed, Timed, Vec<Latency>, String);

async fn steward_case(
    args: &BenchLedgerArgs,
    db: &Db,
    file: &str,
    g: &Generated,
    label: &str,
    dir: &Path,
    case: usize,
) -> anyhow::Result<CaseResult> {
    steward(
        db,
        &[
            "init",
            "--company",
            "Bench Ltd",
            "--currency",
            "EUR",
            "--admin-email",
            "admin@bench.example",
        ],
        None,
    )?;
    eprintln!("{label}: steward ledger import …");
    let import = steward(db, &["ledger", "import", "--format", "hledger", file], None)?;
    eprintln!(
        "{label}: imported in {:.2} s, peak {:.0} MB",
        import.wall_s, import.rss_mb
    );
    let tb_path = dir.join(format!("steward-tb-{case}.csv"));
    let tb = steward(
        db,
        &["report", "trial-balance", "--format", "csv"],
        Some(&tb_path),
    )?;
    let bs = steward(db, &["report", "balance-sheet"], None)?;
    let tb_csv = std::fs::read_to_string(&tb_path)?;

    let store = open_store(&db.url).await?;
    let actor = system_actor(&store).await?;
    let account = service::chart(&store, &actor)
        .await
        .map_err(crate::common::explain)?
        .into_iter()
        .find(|a| a.name.as_str() == g.busiest)
        .ok_or_else(|| anyhow!("the account {} was not imported", g.busiest))?;
    let n = args.iterations;
    let opts = ReportOptions::default();
    let mut out = Vec::new();
    let (s, a, o) = (&store, &actor, &opts);
    for (what, kind) in [
        ("trial balance (report::report)", ReportKind::TrialBalance),
        ("balance sheet (report::report)", ReportKind::BalanceSheet),
    ] {
        let (p50, p99) = time_n(n, move || async move {
            report::report(s, a, kind, o)
                .await
                .map(|_| ())
                .map_err(|e| anyhow!("{e}"))
        })
        .await?;
        out.push(Latency {
            what: what.into(),
            p50_ms: p50,
            p99_ms: p99,
        });
    }
    let total = std::sync::atomic::AtomicU64::new(0);
    let (t, id) = (&total, account.id);
    let (p50, p99) = time_n(n, move || async move {
        let l = report::account_ledger(s, a, id, None, None, Paging::new(Some(50), Some(0)))
            .await
            .map_err(|e| anyhow!("{e}"))?;
        t.store(l.page.total, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    })
    .await?;
    out.push(Latency {
        what: format!(
            "first page (50 rows) of the ledger of {} ({} postings)",
            g.busiest,
            total.load(std::sync::atomic::Ordering::Relaxed)
        ),
        p50_ms: p50,
        p99_ms: p99,
    });
    store.close().await;
    Ok((import, tb, bs, out, tb_csv))
}

// ---------------------------------------------------------------- the API part

fn entry_json(i: u64, rng: &mut Rng) -> serde_json::Value {
    const PAIRS: [(&str, &str); 4] = [
        ("Assets:Bank:Checking", "Income:Sales"),
        ("Expenses:Office", "Assets:Bank:Checking"),
        ("Expenses:Travel", "Liabilities:Payables"),
        ("Assets:Receivables", "Income:Services"),
    ];
    let (debit, credit) = PAIRS[rng.below(PAIRS.len() as u64) as usize];
    let v = money(1 + rng.below(100_000) as i64);
    let day = 1 + (i % 28);
    serde_json::json!({
        "date": format!("2026-03-{day:02}"),
        "description": format!("API bench entry {i:08}"),
        "lines": [
            {"account": debit, "amount": v},
            {"account": credit, "amount": format!("-{v}")},
        ]
    })
}

async fn api_bench(
    args: &BenchLedgerArgs,
    database_url: Option<&str>,
    dir: &Path,
) -> anyhow::Result<Vec<String>> {
    let db = Db::new(dir, "db-api", database_url).await?;
    let result = api_bench_in(args, &db).await;
    db.drop_db().await;
    result
}

async fn api_bench_in(args: &BenchLedgerArgs, db: &Db) -> anyhow::Result<Vec<String>> {
    let store = open_store(&db.url).await?;
    store.migrate().await.map_err(|e| anyhow!("{e}"))?;
    let company = create_company(&store, "bench", "Bench Ltd", "EUR")
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let sys = Actor::system(company, "Bench Ltd").with_currency("EUR");
    service::set_up_books(&store, &sys, true)
        .await
        .map_err(crate::common::explain)?;
    let user = users::create_user(
        &store,
        &sys,
        NewUser {
            username: "bench".into(),
            email: "bench@bench.example".into(),
            display_name: "Bench".into(),
            password: None,
            roles: vec!["admin".into()],
        },
    )
    .await
    .map_err(|e| anyhow!("{e}"))?;
    let actor = steward_core::auth::session::cli_actor(&store, user, company)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let (_, token) = steward_core::tokens::create_token(&store, &actor, "bench", false)
        .await
        .map_err(|e| anyhow!("{e}"))?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = steward::app::web_state(
        store.clone(),
        None,
        crate::common::registry(&store),
        steward_web::WebConfig::default(),
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(steward::app::serve(listener, state, async {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let auth = format!("Bearer {token}");
    let secs = Duration::from_secs(u64::from(args.api_seconds));
    let mut lines = vec![format!(
        "### Ledger API, {}, {} s per measurement\n",
        if db.pg.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        args.api_seconds
    )];

    // (a) Batches of 1,000 entries, one after the other.
    let mut rng = Rng::new(42);
    let mut posted = 0u64;
    let mut batches = 0u64;
    let mut batch_ms: Vec<f64> = Vec::new();
    let mut failure: Option<String> = None;
    let started = Instant::now();
    while started.elapsed() < secs {
        let entries: Vec<serde_json::Value> = (0..1000)
            .map(|k| {
                let i = batches * 1000 + k;
                serde_json::json!({"key": format!("bench-batch-{i}"), "entry": entry_json(i, &mut rng)})
            })
            .collect();
        let t = Instant::now();
        let resp = client
            .post(format!("http://{addr}/api/v1/ledger/entries/batch"))
            .header("Authorization", &auth)
            .json(&serde_json::json!({ "entries": entries }))
            .send()
            .await?;
        let status = resp.status();
        if !status.is_success() {
            let body = resp.text().await.unwrap_or_default();
            failure = Some(format!(
                "POST /api/v1/ledger/entries/batch: {status}: {}",
                body.chars().take(300).collect::<String>()
            ));
            break;
        }
        let _ = resp.bytes().await?;
        batch_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        posted += 1000;
        batches += 1;
    }
    let batch_secs = started.elapsed().as_secs_f64();
    batch_ms.sort_by(f64::total_cmp);

    // (b) Single entries from concurrent clients, each with its own Idempotency-Key.
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let deadline = Instant::now() + secs;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..args.clients.max(1) {
        let client = client.clone();
        let auth = auth.clone();
        let counter = counter.clone();
        let url = format!("http://{addr}/api/v1/ledger/entries");
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng::new(1000 + c as u64);
            let mut ms: Vec<f64> = Vec::new();
            let mut errors: Vec<String> = Vec::new();
            while Instant::now() < deadline {
                let i = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let body = entry_json(i, &mut rng);
                let t = Instant::now();
                let r = client
                    .post(&url)
                    .header("Authorization", &auth)
                    .header("Idempotency-Key", format!("bench-single-{i}"))
                    .json(&body)
                    .send()
                    .await;
                match r {
                    Ok(resp) if resp.status().is_success() => {
                        let _ = resp.bytes().await;
                        ms.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    Ok(resp) => {
                        let s = resp.status();
                        let b = resp.text().await.unwrap_or_default();
                        errors.push(format!("{s}: {}", b.chars().take(200).collect::<String>()));
                        if errors.len() > 3 {
                            break;
                        }
                    }
                    Err(e) => {
                        errors.push(e.to_string());
                        if errors.len() > 3 {
                            break;
                        }
                    }
                }
            }
            (ms, errors)
        }));
    }
    let mut ms_all: Vec<f64> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    for t in tasks {
        let (ms, e) = t.await?;
        ms_all.extend(ms);
        errors.extend(e);
    }
    let single_secs = started.elapsed().as_secs_f64();
    ms_all.sort_by(f64::total_cmp);
    let _ = tx.send(());
    let _ = server.await;
    store.close().await;

    lines.push("| target | throughput | p50 ms | p99 ms | requests | errors |".into());
    lines.push("|---|---:|---:|---:|---:|---|".into());
    lines.push(format!(
        "| POST /api/v1/ledger/entries/batch (1,000 entries each, sequential) | {:.0} entries/s | {:.1} | {:.1} | {} | {} |",
        posted as f64 / batch_secs.max(1e-9),
        percentile(&batch_ms, 0.5),
        percentile(&batch_ms, 0.99),
        batches,
        failure.unwrap_or_else(|| "none".into()).replace('|', "/")
    ));
    lines.push(format!(
        "| POST /api/v1/ledger/entries ({} clients) | {:.0} req/s | {:.2} | {:.2} | {} | {} |",
        args.clients.max(1),
        ms_all.len() as f64 / single_secs.max(1e-9),
        percentile(&ms_all, 0.5),
        percentile(&ms_all, 0.99),
        ms_all.len(),
        if errors.is_empty() {
            "none".to_string()
        } else {
            format!("{} (first: {})", errors.len(), errors[0].replace('|', "/"))
        }
    ));
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic_and_leaf_only() {
        let dir = std::env::temp_dir().join(format!("steward-gen-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let spec = Spec {
            transactions: 500,
            accounts: 60,
            seed: 7,
        };
        let a = generate(&dir.join("a.journal"), spec).expect("a");
        let b = generate(&dir.join("b.journal"), spec).expect("b");
        let ta = std::fs::read_to_string(dir.join("a.journal")).expect("read");
        let tb = std::fs::read_to_string(dir.join("b.journal")).expect("read");
        assert_eq!(ta, tb);
        assert_eq!(a.bytes, b.bytes);
        assert_eq!(a.accounts.len(), 60);
        // No account is the parent of another.
        for x in &a.accounts {
            assert!(!a.accounts.iter().any(|y| y.starts_with(&format!("{x}:"))));
        }
        assert_eq!(ta.matches("\n\n").count(), 501);
        assert!(ta.contains(" USD @ "));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn account_names_cover_every_kind() {
        for n in [5, 60, 1500] {
            let names = account_names(n);
            assert_eq!(names.len(), n);
            for top in ["Assets", "Liabilities", "Equity", "Income", "Expenses"] {
                assert!(names.iter().any(|x| x.starts_with(top)), "{n} {top}");
            }
            let mut d = names.clone();
            d.sort();
            d.dedup();
            assert_eq!(d.len(), n);
        }
    }

    #[test]
    fn reads_hledger_amounts() {
        let csv = "\"account\",\"balance\"\n\"Assets:Bank\",\"1142.50 EUR, 10.00 USD\"\n\"Equity:Capital\",\"-1,243.50 EUR\"\n\"Assets:Cash\",\"$-5.00\"\n\"X\",\"-$5\"\n";
        let b = parse_hledger_csv(csv).expect("parsed");
        assert_eq!(
            b.get(&("Assets:Bank".into(), "EUR".into())),
            Some(&114_250_000_000)
        );
        assert_eq!(
            b.get(&("Assets:Bank".into(), "USD".into())),
            Some(&1_000_000_000)
        );
        assert_eq!(
            b.get(&("Equity:Capital".into(), "EUR".into())),
            Some(&-124_350_000_000)
        );
        assert_eq!(
            b.get(&("Assets:Cash".into(), "$".into())),
            Some(&-500_000_000)
        );
        assert_eq!(b.get(&("X".into(), "$".into())), Some(&-500_000_000));
        let s = parse_steward_csv(
            "account,commodity,amount\nAssets:Bank,EUR,1142.50\nAssets:Bank,USD,10.00\nEquity:Capital,EUR,-1243.50\nAssets:Cash,$,-5.00\nX,$,-5\n",
        )
        .expect("parsed");
        assert_eq!(first_difference(&s, &b), None);
        let mut s2 = s.clone();
        s2.insert(("Y".into(), "EUR".into()), 1);
        assert!(first_difference(&s2, &b).is_some_and(|d| d.starts_with("Y EUR")));
    }

    #[test]
    fn percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 51.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
