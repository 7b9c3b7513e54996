//! The bank and billing from the command line, end to end through the binary: a bank
//! account on the checking account, a CAMT.053 statement imported (a dry run first, then
//! again: nothing added), and a bad file that exits non-zero naming its line and writes
//! nothing; customers and vendors imported from a file (bad rows named `FILE:LINE:
//! column`, nothing written; a dry run; the import) and exported again.
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const ADMIN_PW: &str = "the first admin passphrase";
const CAMT: &str = include_str!("../src/demo_bank/statement.xml");
const JOURNAL: &str = "\
2024-01-01 Opening balance
    Assets:Bank:Checking          5000.00 EUR
    Equity:Capital
";

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
        std::fs::write(&p, text).expect("write");
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
    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(o.status.success(), "steward {args:?} failed:\n{}", show(&o));
        String::from_utf8_lossy(&o.stdout).to_string()
    }
}

fn show(o: &Output) -> String {
    format!(
        "status: {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn statement() -> String {
    let mut text = CAMT.to_string();
    for (i, day) in ["2026-05-04", "2026-05-06", "2026-05-08", "2026-05-10"]
        .iter()
        .enumerate()
    {
        text = text.replace(&format!("{{D{}}}", i + 1), day);
    }
    text
}

#[test]
fn a_statement_is_imported_once_and_a_bad_one_names_its_line() {
    let env = Env::new();
    let journal = env.write("opening.journal", JOURNAL);
    env.ok(&["ledger", "import", &journal]);
    let out = env.ok(&[
        "bank",
        "add-account",
        "--name",
        "Main account",
        "--ledger-account",
        "Assets:Bank:Checking",
        "--iban",
        "DE89 3704 0044 0532 0130 00",
    ]);
    assert!(out.contains("Main account"), "{out}");
    let file = env.write("may.xml", &statement());

    let out = env.ok(&[
        "bank",
        "import",
        "--account",
        "Main account",
        &file,
        "--dry-run",
    ]);
    assert!(out.contains("would add 3"), "{out}");
    let out = env.ok(&["bank", "import", "--account", "Main account", &file]);
    assert!(out.contains("added 3"), "{out}");
    assert!(out.contains("closing balance 5398.70 EUR"), "{out}");
    let out = env.ok(&[
        "bank",
        "import",
        "--account",
        "1",
        &file,
        "--format",
        "camt053",
    ]);
    assert!(out.contains("added 0, 3 already imported"), "{out}");

    let bad = statement().replace("CAMT-DEMO-", "CAMT-OTHER-").replacen(
        "<Amt Ccy=\"EUR\">415.00</Amt>",
        "<Amt Ccy=\"EUR\">415.005</Amt>",
        1,
    );
    let bad = env.write("bad.xml", &bad);
    let o = env.run(&["bank", "import", "--account", "Main account", &bad]);
    assert!(!o.status.success(), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("line 10, column amount: `-415.005` has more than 2 decimal places for EUR"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    let o = env.run(&["bank", "import", "--account", "No such account", &file]);
    assert!(!o.status.success(), "{}", show(&o));
}

#[test]
fn auto_match_reconciles_the_lines_with_one_sure_match() {
    let env = Env::new();
    // The cash withdrawal was booked before, with the bank's reference as its code.
    let journal = format!(
        "{JOURNAL}\n2026-05-10 (CASH-77) Cash withdrawal\n    Assets:Cash    200.00 EUR\n    Assets:Bank:Checking\n"
    );
    env.ok(&["ledger", "import", &env.write("opening.journal", &journal)]);
    env.ok(&[
        "bank",
        "add-account",
        "--name",
        "Main account",
        "--ledger-account",
        "Assets:Bank:Checking",
    ]);
    let file = env.write(
        "may.xml",
        &statement().replace("Cash withdrawal", "Cash withdrawal CASH-77"),
    );
    let o = env.run(&[
        "bank",
        "import",
        "--account",
        "Main account",
        &file,
        "--dry-run",
        "--auto-match",
    ]);
    assert!(
        !o.status.success(),
        "a dry run matches nothing: {}",
        show(&o)
    );
    let out = env.ok(&[
        "bank",
        "import",
        "--account",
        "Main account",
        &file,
        "--auto-match",
    ]);
    assert!(out.contains("added 3"), "{out}");
    assert!(
        out.contains("auto-matched 1 line(s); 2 left to reconcile; 0 could not be accepted"),
        "{out}"
    );
}

#[test]
fn customers_and_vendors_import_from_a_file_and_export() {
    let env = Env::new();
    env.ok(&["ledger", "import", &env.write("opening.journal", JOURNAL)]);
    let bad = env.write(
        "bad.csv",
        "name,customer,vendor,iban\nCity Clinic,yes,no,\nPaper Mill,no,yes,DE00 0000\n",
    );
    let o = env.run(&["billing", "import-parties", &bad]);
    assert!(!o.status.success(), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.csv:3: iban:"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    let good = env.write(
        "good.csv",
        "name,customer,vendor,iban\nCity Clinic,yes,no,\nPaper Mill,no,yes,DE89 3704 0044 0532 0130 00\n",
    );
    let out = env.ok(&["billing", "import-parties", &good, "--dry-run"]);
    assert!(out.contains("dry run: all 2 rows"), "{out}");
    let out = env.ok(&["billing", "import-parties", &good]);
    assert!(out.contains("imported 2 customers and vendors"), "{out}");
    let csv = env.ok(&["billing", "export-parties"]);
    assert!(csv.starts_with("name,legal_name,customer,vendor"), "{csv}");
    assert!(csv.contains("Paper Mill,,no,yes"), "{csv}");
    assert!(csv.contains("DE89370400440532013000"), "{csv}");
    // Again: the names are taken.
    let o = env.run(&["billing", "import-parties", &good]);
    assert!(!o.status.success(), "{}", show(&o));
}
