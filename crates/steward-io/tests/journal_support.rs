//! Helpers shared by the journal tests (included with `#[path]`; compiled alone it has
//! no tests).
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use steward_io::journal::{Decimal, Format, IncludeResolver, Item, JournalError, Names, Reader};

/// (account, commodity) -> sum, non-zero only.
pub type Trial = BTreeMap<(String, String), Decimal>;

/// Opens includes relative to the including file, on the real file system.
pub struct FsResolver;

impl IncludeResolver for FsResolver {
    fn open(
        &mut self,
        including: &str,
        path: &str,
    ) -> Result<(String, Box<dyn BufRead + Send>), String> {
        let base = Path::new(including).parent().unwrap_or(Path::new("."));
        let full = base.join(path);
        let name = full.canonicalize().map_err(|e| e.to_string())?;
        let f = std::fs::File::open(&name).map_err(|e| e.to_string())?;
        Ok((
            name.display().to_string(),
            Box::new(std::io::BufReader::new(f)),
        ))
    }
}

/// In-memory files for include tests.
pub struct MapResolver(pub BTreeMap<String, String>);

impl IncludeResolver for MapResolver {
    fn open(&mut self, _: &str, path: &str) -> Result<(String, Box<dyn BufRead + Send>), String> {
        let text = self
            .0
            .get(path)
            .ok_or_else(|| format!("no such file {path}"))?
            .clone();
        Ok((
            path.to_string(),
            Box::new(std::io::Cursor::new(text.into_bytes())),
        ))
    }
}

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

pub fn format_of(path: &Path) -> Format {
    match path.extension().and_then(|e| e.to_str()) {
        Some("beancount") => Format::Beancount,
        Some("ledger") => Format::Ledger,
        _ => Format::Hledger,
    }
}

/// Reads all items of `text` (no includes).
pub fn read_str(text: &str, format: Format) -> Result<(Vec<Item>, Names), JournalError> {
    let mut res = MapResolver(BTreeMap::new());
    read_with(text, format, &mut res)
}

pub fn read_with(
    text: &str,
    format: Format,
    res: &mut dyn IncludeResolver,
) -> Result<(Vec<Item>, Names), JournalError> {
    let mut r = Reader::new(
        "test",
        Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
        format,
        res,
    );
    let mut items = Vec::new();
    while let Some(i) = r.next_item()? {
        items.push(i);
    }
    let names = r.finish()?;
    Ok((items, names))
}

pub fn read_file(path: &Path) -> Result<(Vec<Item>, Names), JournalError> {
    let f = std::fs::File::open(path).unwrap();
    let mut res = FsResolver;
    let name = path.canonicalize().unwrap().display().to_string();
    let mut r = Reader::new(
        &name,
        Box::new(std::io::BufReader::new(f)),
        format_of(path),
        &mut res,
    );
    let mut items = Vec::new();
    while let Some(i) = r.next_item()? {
        items.push(i);
    }
    let names = r.finish()?;
    Ok((items, names))
}

/// Flat trial balance: sums per full account name and commodity, non-zero only.
pub fn trial(items: &[Item], names: &Names) -> Trial {
    let mut t = Trial::new();
    for i in items {
        if let Item::Transaction(tx) = i {
            for p in &tx.postings {
                let a = p.amount.unwrap();
                let k = (
                    names.account(p.account).to_string(),
                    names.commodity(a.commodity).to_string(),
                );
                let e = t.entry(k).or_insert(Decimal::ZERO);
                *e = e.checked_add(a.quantity).unwrap();
            }
        }
    }
    t.retain(|_, v| !v.is_zero());
    t
}

/// Parses a number as hledger or ledger print it (`-1,234.50`, `1.234,50`, `$-3`).
pub fn parse_printed(s: &str) -> Decimal {
    let s = s.trim();
    let neg = s.starts_with('-');
    let digits: String = s
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .collect();
    let mark = match (digits.rfind('.'), digits.rfind(',')) {
        (Some(a), Some(b)) => {
            if a > b {
                '.'
            } else {
                ','
            }
        }
        (Some(_), None) => '.',
        (None, Some(_)) => ',',
        (None, None) => '.',
    };
    let (int, frac) = match digits.rfind(mark) {
        Some(p) => (&digits[..p], &digits[p + 1..]),
        None => (digits.as_str(), ""),
    };
    let int: String = int.chars().filter(char::is_ascii_digit).collect();
    let m: i128 = format!("{int}{frac}").parse().unwrap_or(0);
    Decimal::new(if neg { -m } else { m }, u8::try_from(frac.len()).unwrap()).unwrap()
}

/// True when `tool` runs; otherwise prints SKIPPED (or panics when `CI` is set).
pub fn have_tool(tool: &str) -> bool {
    let ok = std::process::Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is required in CI but not installed"
        );
        println!("SKIPPED: {tool} not installed");
    }
    ok
}

/// `hledger -f FILE balance --flat --no-total -O json` as a map. JSON carries the exact
/// quantity (mantissa and places), where the CSV shows it in the commodity's display style,
/// which can be ambiguous itself (`1.000` with `.` as a digit group mark).
pub fn hledger_trial(path: &Path) -> BTreeMap<(String, String), Decimal> {
    let out = std::process::Command::new("hledger")
        .args(["-f"])
        .arg(path)
        .args(["balance", "--flat", "--no-total", "-O", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "hledger failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut t = BTreeMap::new();
    // [[[full name, display name, indent, [amount...]]...], total]
    for row in json[0].as_array().unwrap() {
        let account = row[0].as_str().unwrap().to_string();
        for a in row[3].as_array().unwrap() {
            let q = &a["aquantity"];
            let m = q["decimalMantissa"]
                .as_i64()
                .unwrap_or_else(|| panic!("mantissa out of range: {q}"));
            let places = u8::try_from(q["decimalPlaces"].as_u64().unwrap()).unwrap();
            let v = Decimal::new(i128::from(m), places).unwrap();
            // Amounts with different costs are listed apart.
            let c = a["acommodity"].as_str().unwrap().to_string();
            let e = t.entry((account.clone(), c)).or_insert(Decimal::ZERO);
            *e = e.checked_add(v).unwrap();
        }
    }
    t.retain(|_, v: &mut Decimal| !v.is_zero());
    t
}

/// Sums `ledger reg` postings per account and commodity.
pub fn ledger_trial(path: &Path) -> BTreeMap<(String, String), Decimal> {
    let out = std::process::Command::new("ledger")
        .args(["-f"])
        .arg(path)
        .args([
            "reg",
            "--format",
            "%(account)\t%(commodity(amount))\t%(quantity(amount))\n",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ledger failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut t: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let e = t
            .entry((f[0].to_string(), f[1].trim_matches('"').to_string()))
            .or_insert(Decimal::ZERO);
        *e = e.checked_add(parse_printed(f[2])).unwrap();
    }
    t.retain(|_, v| !v.is_zero());
    t
}

/// Compares our trial balance with a tool's, rounding ours to the decimals it printed.
pub fn assert_same(ours: &Trial, theirs: &BTreeMap<(String, String), Decimal>, what: &str) {
    let mut keys: Vec<&(String, String)> = ours.keys().chain(theirs.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut diffs = Vec::new();
    for k in keys {
        let o = ours.get(k).copied().unwrap_or(Decimal::ZERO);
        let t = theirs.get(k).copied().unwrap_or(Decimal::ZERO);
        if o.round_to(t.scale()) != t {
            diffs.push(format!("{k:?}: ours {o}, theirs {t}"));
        }
    }
    assert!(
        diffs.is_empty(),
        "{what}: trial balances differ:\n{}",
        diffs.join("\n")
    );
}

/// A deterministic journal with `n` accounts (thousands-of-accounts case).
pub fn many_accounts_journal(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let top = ["assets", "liabilities", "expenses", "income", "equity"][i % 5];
        s.push_str(&format!("account {top}:dept{:02}:acct{i:05}\n", i % 37));
    }
    for i in 0..n {
        let top = ["assets", "liabilities", "expenses", "income", "equity"][i % 5];
        let other = ["assets", "liabilities", "expenses", "income", "equity"][(i + 2) % 5];
        let day = 1 + (i * 7919) % 28;
        let month = 1 + (i * 31) % 12;
        let cents = (i * 104_729) % 100_000;
        s.push_str(&format!(
            "2024-{month:02}-{day:02} * entry {i}\n    {top}:dept{:02}:acct{i:05}  {}.{:02} USD\n    {other}:dept{:02}:acct{:05}\n\n",
            i % 37,
            cents / 100,
            cents % 100,
            (i + 2) % 37,
            (i * 13 + 5) % n,
        ));
    }
    s
}
