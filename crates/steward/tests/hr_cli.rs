//! `steward hr import|export` end to end through the binary, on SQLite and (when
//! STEWARD_TEST_PG is set) on a fresh PostgreSQL database: a file with bad rows exits
//! non-zero naming `FILE:LINE: column`, and writes nothing; a dry run writes nothing; a good
//! file is imported; the export (CSV and XLSX) holds the people. Each test works in its own
//! temporary folder.
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const ADMIN_PW: &str = "the first admin passphrase";

const BAD: &str = "employee_number,legal_name,start_date\n\
C1,Cleo Carter,2024-01-01\n\
C2,,2024-01-01\n\
C3,Cy Carter,2024-13-01\n";

const GOOD: &str = "employee_number,legal_name,start_date,manager_number,position\n\
C1,Cleo Carter,2024-01-01,,Head of things\n\
C2,Cal Carter,2024-02-01,C1,Clerk\n";

struct Env {
    dir: tempfile::TempDir,
    /// `--database-url URL` for PostgreSQL; SQLite in the data folder when empty.
    db: Vec<String>,
}

impl Env {
    fn new(db: Vec<String>) -> Env {
        let env = Env {
            dir: tempfile::tempdir().expect("temp dir"),
            db,
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
        std::fs::write(&p, text).expect("write the file");
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
            .args(&self.db)
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
    fn export(&self) -> String {
        stdout(&self.ok(&["hr", "export"]))
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

fn story(env: &Env) {
    // Bad rows: every problem as FILE:LINE: column: message, non-zero, nothing written.
    let bad = env.write("bad.csv", BAD);
    let o = env.run(&["hr", "import", &bad]);
    assert!(!o.status.success(), "{}", show(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{bad}:3: legal_name: ")),
        "{}",
        show(&o)
    );
    assert!(
        err.contains(&format!("{bad}:4: start_date: ")),
        "{}",
        show(&o)
    );
    assert!(!err.contains(&format!("{bad}:2:")), "line 2 is fine: {err}");
    assert!(err.contains("nothing was imported"), "{err}");
    let csv = env.export();
    assert!(!csv.contains("Cleo"), "nothing was written: {csv}");
    assert!(csv.starts_with("id,name,"), "{csv}");
    assert!(csv.contains("employee_number"), "the full columns: {csv}");

    // A file that does not parse names its line too.
    let ragged = env.write("ragged.csv", "employee_number,legal_name\nC9\n");
    let o = env.run(&["hr", "import", &ragged]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(&format!("{ragged}:2: ")),
        "{}",
        show(&o)
    );

    // A dry run of a good file writes nothing.
    let good = env.write("good.csv", GOOD);
    let o = env.ok(&["hr", "import", &good, "--dry-run"]);
    assert!(stdout(&o).contains("all 2 rows"), "{}", show(&o));
    assert!(!env.export().contains("Cleo"), "a dry run writes nothing");

    // The import, then the export holds the people.
    let o = env.ok(&["hr", "import", &good]);
    assert!(stdout(&o).contains("imported 2 employees"), "{}", show(&o));
    let csv = env.export();
    for want in ["Cleo Carter", "Cal Carter", "C1", "C2", "Clerk"] {
        assert!(csv.contains(want), "{want} in {csv}");
    }
    assert_eq!(csv.lines().count(), 3, "header and two people: {csv}");
    // Once more: the numbers exist.
    let o = env.run(&["hr", "import", &good]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(&format!("{good}:2: employee_number: ")),
        "{}",
        show(&o)
    );

    // XLSX to a file (not to a terminal), and back in through the import's reader.
    let o = env.run(&["hr", "export", "--format", "xlsx"]);
    assert!(!o.status.success(), "xlsx needs --output");
    let out = env.path("people.xlsx");
    env.ok(&[
        "hr",
        "export",
        "--format",
        "xlsx",
        "--output",
        out.to_str().expect("path"),
    ]);
    let bytes = std::fs::read(&out).expect("xlsx written");
    assert!(bytes.starts_with(b"PK\x03\x04"), "a workbook");
}

#[test]
fn import_and_export_on_sqlite() {
    story(&Env::new(Vec::new()));
}

#[test]
fn import_and_export_on_postgres() {
    let Some(base) = std::env::var("STEWARD_TEST_PG")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("SKIPPED (PostgreSQL) import_and_export_on_postgres: set STEWARD_TEST_PG=postgres://postgres@127.0.0.1:5432/postgres to run it");
        return;
    };
    let name = format!(
        "steward_hr_cli_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
    );
    let psql = |sql: &str| {
        Command::new("psql")
            .arg(&base)
            .arg("-v")
            .arg("ON_ERROR_STOP=1")
            .arg("-c")
            .arg(sql)
            .output()
            .expect("psql")
    };
    let o = psql(&format!("CREATE DATABASE {name}"));
    assert!(o.status.success(), "create database: {}", show(&o));
    struct Cleanup(Box<dyn Fn()>);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            (self.0)();
        }
    }
    let (b2, n2) = (base.clone(), name.clone());
    let _cleanup = Cleanup(Box::new(move || {
        let _ = Command::new("psql")
            .arg(&b2)
            .arg("-c")
            .arg(format!("DROP DATABASE IF EXISTS {n2} WITH (FORCE)"))
            .output();
    }));
    let url = match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("STEWARD_TEST_PG is a URL with a database"),
    };
    story(&Env::new(vec!["--database-url".into(), url]));
}
