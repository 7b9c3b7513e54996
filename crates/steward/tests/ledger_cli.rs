//! The ledger from the command line, end to end through the binary: import a small hledger
//! journal, the trial balance as CSV (exactly), a dry run and bad files that write nothing,
//! export, and agreement with hledger itself on the same files. Each test works in its own
//! temporary data folder.
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const ADMIN_PW: &str = "the first admin passphrase";

const JOURNAL: &str = "\
; a small company's first quarter
2024-01-01 Opening balance
    Assets:Bank:Checking          5000.00 EUR
    Equity:Capital

2024-01-15 Office chairs
    Expenses:Office                420.50 EUR
    Assets:Bank:Checking

2024-02-01 Invoice 1001
    Assets:Receivables            1200.00 EUR
    Income:Sales                 -1000.00 EUR
    Liabilities:Tax:VAT           -200.00 EUR

2024-02-20 Customer pays invoice 1001
    Assets:Bank:Checking          1200.00 EUR
    Assets:Receivables

2024-03-05 Buy dollars
    Assets:Bank:USD                100.00 USD @ 0.92 EUR
    Assets:Bank:Checking
";

const TRIAL_BALANCE: &str = "\
account,commodity,amount
Assets:Bank:Checking,EUR,5687.50
Assets:Bank:USD,USD,100.00
Equity:Capital,EUR,-5000.00
Expenses:Office,EUR,420.50
Income:Sales,EUR,-1000.00
Liabilities:Tax:VAT,EUR,-200.00
";

const EMPTY_TRIAL_BALANCE: &str = "account,commodity,amount\n";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let env = Env {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        env.ok(&[
            "init",
            "--company",
            "Acme",
            "--currency",
            "EUR",
            "--admin-email",
            "admin@acme.example",
        ]);
        env
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn write(&self, name: &str, text: &str) -> String {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write the journal");
        p.display().to_string()
    }
    fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_steward"));
        for (k, _) in std::env::vars() {
            if k.starts_with("STEWARD_") {
                c.env_remove(k);
            }
        }
        c.current_dir(self.dir.path())
            .env("STEWARD_ADMIN_PASSWORD", ADMIN_PW)
            .env("STEWARD_LOG", "warn")
            .arg("--data")
            .arg(self.path("data"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run steward")
    }
    fn ok(&self, args: &[&str]) -> Output {
        let o = self.run(args);
        assert!(o.status.success(), "steward {args:?} failed:\n{}", show(&o));
        o
    }
    /// The trial balance CSV (RFC 4180: every line ends in CRLF), with LF line ends.
    fn trial_balance(&self) -> String {
        let text = stdout(&self.ok(&["report", "trial-balance", "--format", "csv"]));
        assert!(
            text.split_inclusive('\n').all(|l| l.ends_with("\r\n")),
            "{text:?}"
        );
        text.replace("\r\n", "\n")
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn show(o: &Output) -> String {
    format!(
        "status: {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

/// hledger, when installed. Missing: the test says so and is skipped, except in CI, where
/// `.ci/run` installs it and a missing hledger is a failure.
fn hledger(test: &str) -> Option<&'static str> {
    let found = Command::new("hledger")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if found {
        return Some("hledger");
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: hledger is not installed (CI installs it in .ci/run)"
    );
    eprintln!("SKIPPED: hledger not installed ({test})");
    None
}

/// `(account, commodity) -> amount in hundredths`, zeros left out.
type Balances = BTreeMap<(String, String), i64>;

fn cents(s: &str) -> Option<i64> {
    let s = s.trim().replace(',', "");
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d.to_string()),
        None => (false, s.clone()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((&digits, ""));
    if frac.len() > 2 || int.is_empty() {
        return None;
    }
    let v = int.parse::<i64>().ok()? * 100 + format!("{frac:0<2}").parse::<i64>().ok()?;
    Some(if neg { -v } else { v })
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('"').to_string()
}

fn steward_balances(csv: &str) -> Balances {
    let mut out = Balances::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 3, "{line}");
        let v = cents(f[2]).unwrap_or_else(|| panic!("amount in {line}"));
        if v != 0 {
            out.insert((f[0].to_string(), f[1].to_string()), v);
        }
    }
    out
}

/// `hledger balance --flat --no-total -O csv`: `"account","balance"`, amounts like
/// `-1234.50 EUR`, several joined by `, `.
fn hledger_balances(csv: &str) -> Balances {
    let mut out = Balances::new();
    for line in csv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let (account, balance) = line.split_once("\",\"").expect("two fields");
        let account = unquote(account);
        for part in unquote(balance).split(", ") {
            let (num, sym) = part
                .trim()
                .split_once(' ')
                .unwrap_or_else(|| panic!("amount `{part}` in {line}"));
            let v = cents(num).unwrap_or_else(|| panic!("amount `{part}` in {line}"));
            if v != 0 {
                *out.entry((account.clone(), unquote(sym))).or_default() += v;
            }
        }
    }
    out.retain(|_, v| *v != 0);
    out
}

fn hledger_csv(bin: &str, file: &str) -> Balances {
    let o = Command::new(bin)
        .args(["-f", file, "balance", "--flat", "--no-total", "-O", "csv"])
        .output()
        .expect("run hledger");
    assert!(o.status.success(), "hledger -f {file}: {}", show(&o));
    hledger_balances(&stdout(&o))
}

#[test]
fn import_then_trial_balance_csv() {
    let env = Env::new();
    let file = env.write("books.journal", JOURNAL);
    let o = env.ok(&["ledger", "import", "--format", "hledger", &file]);
    let out = stdout(&o);
    assert!(
        out.contains("imported 5 transactions (11 postings)"),
        "{}",
        show(&o)
    );
    assert!(out.contains("Assets:Bank:USD"), "created accounts: {out}");
    assert!(
        out.contains("1 commodity (USD)"),
        "created commodities: {out}"
    );
    assert_eq!(env.trial_balance(), TRIAL_BALANCE);

    // The same, as a table and as JSON.
    let table = stdout(&env.ok(&["report", "trial-balance"]));
    assert!(table.contains("Assets:Bank:Checking"), "{table}");
    assert!(table.contains("5687.50"), "{table}");
    let json = stdout(&env.ok(&["report", "trial-balance", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(v["kind"], "trial_balance");

    // An account's ledger, every row, with running balances.
    let gl = stdout(&env.ok(&[
        "report",
        "general-ledger",
        "--account",
        "Assets:Bank:Checking",
        "--format",
        "csv",
    ]));
    let lines: Vec<&str> = gl.lines().collect();
    assert_eq!(lines.len(), 5, "{gl}");
    assert!(lines[4].ends_with(",EUR,-92.00,5687.50"), "{gl}");
    let o = env.run(&["report", "general-ledger", "--account", "Assets:Nope"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no account `Assets:Nope`"),
        "{}",
        show(&o)
    );

    // Statements.
    let bs = stdout(&env.ok(&["report", "balance-sheet", "--as-of", "2024-12-31"]));
    assert!(bs.contains("Balance sheet"), "{bs}");
    let is = stdout(&env.ok(&[
        "report",
        "income-statement",
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "--format",
        "csv",
    ]));
    assert!(is.contains("Income:Sales"), "{is}");
    let cf = stdout(&env.ok(&[
        "report",
        "cash-flow",
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
    ]));
    assert!(
        cf.contains("Cash-flow statement") && cf.contains("Net change in cash"),
        "{cf}"
    );
    let o = env.run(&["report", "trial-balance", "--format", "xlsx"]);
    assert!(!o.status.success(), "xlsx needs -o");
    let xlsx = env.path("tb.xlsx");
    env.ok(&[
        "report",
        "trial-balance",
        "--format",
        "xlsx",
        "-o",
        xlsx.to_str().expect("path"),
    ]);
    assert!(std::fs::read(&xlsx).expect("xlsx").starts_with(b"PK"));

    // Steward agrees with hledger on the same file.
    if let Some(bin) = hledger("import_then_trial_balance_csv") {
        assert_eq!(
            steward_balances(TRIAL_BALANCE),
            hledger_csv(bin, &file),
            "Steward's trial balance and hledger's balance differ"
        );
    }
}

#[test]
fn dry_run_writes_nothing() {
    let env = Env::new();
    let file = env.write("books.journal", JOURNAL);
    let o = env.ok(&[
        "ledger",
        "import",
        "--dry-run",
        "--format",
        "hledger",
        &file,
    ]);
    assert!(stdout(&o).contains("dry run"), "{}", show(&o));
    assert!(stdout(&o).contains("5 transactions"), "{}", show(&o));
    assert_eq!(env.trial_balance(), EMPTY_TRIAL_BALANCE);
    // The format comes from the extension when not given.
    env.ok(&["ledger", "import", &file]);
    assert_eq!(env.trial_balance(), TRIAL_BALANCE);
}

/// `FILE:LINE` for a line in `lines`, anywhere in `text`.
fn names_a_line(text: &str, file: &str, lines: std::ops::RangeInclusive<u32>) -> bool {
    lines
        .into_iter()
        .any(|l| text.contains(&format!("{file}:{l}")))
}

#[test]
fn bad_files_fail_with_file_and_line_and_write_nothing() {
    let env = Env::new();
    // A good transaction first: all or nothing.
    let unbalanced = env.write(
        "unbalanced.journal",
        "2024-01-01 Fine\n    Assets:Cash  10.00 EUR\n    Equity:Capital\n\n2024-01-02 Off by ten\n    Assets:Bank:Checking   100.00 EUR\n    Income:Sales           -90.00 EUR\n",
    );
    let o = env.run(&["ledger", "import", "--format", "hledger", &unbalanced]);
    assert!(!o.status.success(), "{}", show(&o));
    assert!(
        names_a_line(&stderr(&o), &unbalanced, 5..=7),
        "FILE:LINE of the unbalanced transaction:\n{}",
        show(&o)
    );
    assert_eq!(env.trial_balance(), EMPTY_TRIAL_BALANCE);

    let bad_date = env.write(
        "bad-date.journal",
        "2024-01-01 Fine\n    Assets:Cash  10.00 EUR\n    Equity:Capital\n\n2024-02-30 No such day\n    Assets:Cash  1.00 EUR\n    Equity:Capital\n",
    );
    let o = env.run(&["ledger", "import", "--format", "hledger", &bad_date]);
    assert!(!o.status.success(), "{}", show(&o));
    assert!(
        stderr(&o).contains(&format!("{bad_date}:5")),
        "FILE:LINE of the impossible date:\n{}",
        show(&o)
    );
    assert_eq!(env.trial_balance(), EMPTY_TRIAL_BALANCE);

    let o = env.run(&[
        "ledger",
        "import",
        "--format",
        "hledger",
        env.path("missing.journal").to_str().expect("path"),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("missing.journal"), "{}", show(&o));
}

#[test]
fn export_reads_back_in_hledger() {
    let env = Env::new();
    let file = env.write("books.journal", JOURNAL);
    env.ok(&["ledger", "import", "--format", "hledger", &file]);
    let exported = env.path("exported.journal");
    let exported_s = exported.to_str().expect("path").to_string();
    let o = env.ok(&["ledger", "export", "--format", "hledger", "-o", &exported_s]);
    assert!(stderr(&o).contains("exported 5 entries"), "{}", show(&o));
    // The same to standard output.
    let o = env.ok(&["ledger", "export", "--format", "hledger"]);
    assert_eq!(
        stdout(&o),
        std::fs::read_to_string(&exported).expect("exported")
    );
    env.ok(&["ledger", "export", "--format", "beancount"]);

    // Importing the export elsewhere gives the same trial balance.
    let other = Env::new();
    other.ok(&["ledger", "import", "--format", "hledger", &exported_s]);
    assert_eq!(other.trial_balance(), TRIAL_BALANCE);

    let Some(bin) = hledger("export_reads_back_in_hledger") else {
        return;
    };
    let o = Command::new(bin)
        .args(["-f", &exported_s, "balance", "--flat"])
        .output()
        .expect("hledger");
    assert!(o.status.success(), "hledger reads the export: {}", show(&o));
    assert_eq!(
        hledger_csv(bin, &exported_s),
        steward_balances(TRIAL_BALANCE),
        "hledger's balance of the export"
    );
    assert_eq!(hledger_csv(bin, &exported_s), hledger_csv(bin, &file));
}
