//! The `steward` binary end to end: help, init, users, tokens, the audit chain, migrations
//! from the future, the demo guard, backup and restore, and configuration warnings. Each test
//! works in its own temporary data folder.
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const ADMIN_PW: &str = "the first admin passphrase";
const USER_PW: &str = "a user passphrase that is long";

/// A temporary working folder with a data folder inside; the binary runs from it so that no
/// `steward.toml` of the developer's is picked up.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    fn db(&self) -> PathBuf {
        self.data().join("steward.db")
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    /// `steward --data <data> ARGS`.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = bare(args);
        c.current_dir(self.dir.path())
            .arg("--data")
            .arg(self.data());
        c
    }
    fn run(&self, args: &[&str]) -> Output {
        run(self.cmd(args))
    }
    fn ok(&self, args: &[&str]) -> Output {
        let o = self.run(args);
        assert!(o.status.success(), "steward {args:?} failed:\n{}", show(&o));
        o
    }
    fn init(&self) {
        let o = self.ok(&[
            "init",
            "--company",
            "Acme",
            "--currency",
            "EUR",
            "--admin-email",
            "admin@acme.example",
        ]);
        assert!(
            stdout(&o).contains("Created company `Acme`"),
            "{}",
            show(&o)
        );
    }
}

/// The binary with a clean environment: no STEWARD_* settings from outside, passwords for
/// the commands that ask.
fn bare(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_steward"));
    for (k, _) in std::env::vars() {
        if k.starts_with("STEWARD_") {
            c.env_remove(k);
        }
    }
    c.env("STEWARD_ADMIN_PASSWORD", ADMIN_PW)
        .env("STEWARD_USER_PASSWORD", USER_PW)
        .env("STEWARD_LOG", "warn")
        .args(args)
        .stdin(Stdio::null());
    c
}

fn run(mut c: Command) -> Output {
    c.output().expect("run steward")
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

fn sqlite(db: &Path, sql: &str) -> String {
    let o = Command::new("sqlite3")
        .arg(db)
        .arg(sql)
        .output()
        .expect("the sqlite3 command line tool");
    assert!(o.status.success(), "sqlite3 {sql}: {}", show(&o));
    stdout(&o)
}

/// The database's content: schema and rows, without SQLite's planner statistics (which
/// opening the database may refresh).
fn content(db: &Path) -> String {
    sqlite(db, ".dump")
        .lines()
        .filter(|l| !l.contains("sqlite_stat1") && !l.starts_with("ANALYZE "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The user rows of `user list` (without the header).
fn user_rows(o: &Output) -> Vec<String> {
    stdout(o)
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// Subcommand names listed under "Commands:" in a help text (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_command_has_help() {
    let o = run(bare(&["--help"]));
    assert!(o.status.success(), "{}", show(&o));
    let top = subcommands(&stdout(&o));
    for expected in [
        "init", "serve", "migrate", "user", "token", "audit", "backup", "restore",
    ] {
        assert!(top.iter().any(|c| c == expected), "`{expected}` in {top:?}");
    }
    // Walk the whole tree, so that a new command is checked without touching this test.
    let mut todo: Vec<Vec<String>> = top.into_iter().map(|c| vec![c]).collect();
    let mut checked = 0;
    while let Some(path) = todo.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let o = run(bare(&args));
        assert!(o.status.success(), "steward {args:?}: {}", show(&o));
        let text = stdout(&o);
        assert!(text.contains("Usage: steward"), "{args:?}: {text}");
        assert!(text.contains("--help"), "{args:?}");
        for sub in subcommands(&text) {
            let mut p = path.clone();
            p.push(sub);
            todo.push(p);
        }
        checked += 1;
    }
    assert!(
        checked >= 13,
        "init, serve, migrate, user (4), token (1), audit (1), backup, restore: {checked}"
    );
    let o = run(bare(&["--version"]));
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("steward "));
    let o = run(bare(&["no-such-command"]));
    assert!(!o.status.success(), "an unknown command fails");
}

#[test]
fn init_once_then_refuse() {
    let env = Env::new();
    env.init();
    let before = content(&env.db());
    let o = env.run(&[
        "init",
        "--company",
        "Second",
        "--currency",
        "USD",
        "--admin-email",
        "other@acme.example",
    ]);
    assert!(!o.status.success(), "a second init fails: {}", show(&o));
    assert!(stderr(&o).contains("already initialised"), "{}", show(&o));
    assert_eq!(content(&env.db()), before, "and changes nothing");

    // A weak first password is refused before anything is created.
    let weak = Env::new();
    let mut c = weak.cmd(&[
        "init",
        "--company",
        "Acme",
        "--currency",
        "EUR",
        "--admin-email",
        "admin@acme.example",
    ]);
    c.env("STEWARD_ADMIN_PASSWORD", "short");
    let o = run(c);
    assert!(!o.status.success(), "{}", show(&o));
    assert!(stderr(&o).contains("password"), "{}", show(&o));
    weak.init();
}

#[test]
fn users_from_the_command_line() {
    let env = Env::new();
    env.init();
    let o = env.ok(&[
        "user",
        "add",
        "carla",
        "--email",
        "carla@acme.example",
        "--name",
        "Carla Jones",
        "--role",
        "accountant",
    ]);
    assert!(stdout(&o).contains("added carla"), "{}", show(&o));
    let rows = user_rows(&env.ok(&["user", "list"]));
    assert_eq!(rows.len(), 2, "{rows:?}");
    let carla = rows
        .iter()
        .find(|r| r.contains(" carla "))
        .expect("carla is listed");
    assert!(
        carla.ends_with("carla@acme.example active accountant"),
        "{carla}"
    );
    let found = user_rows(&env.ok(&["user", "list", "--search", "CARLA"]));
    assert_eq!(found.len(), 1, "{found:?}");

    // Refusals: a taken name, an unknown role, a weak password.
    let o = env.run(&[
        "user",
        "add",
        "carla",
        "--email",
        "c2@acme.example",
        "--name",
        "C",
        "--role",
        "employee",
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("username"),
        "{}",
        show(&o)
    );
    let o = env.run(&[
        "user",
        "add",
        "dan",
        "--email",
        "dan@acme.example",
        "--name",
        "Dan",
        "--role",
        "overlord",
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("overlord"),
        "{}",
        show(&o)
    );
    let mut c = env.cmd(&[
        "user",
        "add",
        "eve",
        "--email",
        "eve@acme.example",
        "--name",
        "Eve",
    ]);
    c.env("STEWARD_USER_PASSWORD", "password1234");
    let o = run(c);
    assert!(
        !o.status.success() && stderr(&o).contains("password"),
        "{}",
        show(&o)
    );
    assert_eq!(
        user_rows(&env.ok(&["user", "list"])).len(),
        2,
        "nothing was added"
    );

    let o = env.ok(&["user", "set-role", "carla", "accountant", "hr_clerk"]);
    assert!(stdout(&o).contains("accountant, hr_clerk"), "{}", show(&o));
    let o = env.ok(&["user", "disable", "carla"]);
    assert!(stdout(&o).contains("disabled carla"), "{}", show(&o));
    let rows = user_rows(&env.ok(&["user", "list"]));
    let carla = rows.iter().find(|r| r.contains(" carla ")).expect("carla");
    assert!(carla.ends_with("disabled accountant,hr_clerk"), "{carla}");
    let o = env.run(&["user", "disable", "nobody"]);
    assert!(
        !o.status.success() && stderr(&o).contains("nobody"),
        "{}",
        show(&o)
    );

    // Every change is in the audit trail, which still verifies.
    let actions = sqlite(
        &env.db(),
        "SELECT actor || ' ' || action FROM audit_events ORDER BY seq",
    );
    for want in ["cli create", "cli set_roles", "cli disable"] {
        assert!(actions.lines().any(|l| l == want), "`{want}` in\n{actions}");
    }
    env.ok(&["audit", "verify"]);
}

/// A raw HTTP/1.1 GET with a bearer token; returns the status line and the body.
fn http_get(addr: &str, path: &str, token: &str) -> (String, String) {
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read");
    let status = resp.lines().next().unwrap_or("").to_string();
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("")
        .to_string();
    (status, body)
}

/// Kills the child when dropped (a failing test leaves no server behind).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `steward serve` on a free port and returns it with its address.
fn serve(env: &Env) -> (Running, String) {
    let mut c = env.cmd(&["serve", "--addr", "127.0.0.1:0"]);
    c.stderr(Stdio::piped()).stdout(Stdio::null());
    let mut child = Running(c.spawn().expect("serve"));
    let err = child.0.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if let Some(rest) = line.split_once("running at http://").map(|(_, r)| r) {
                let _ = tx.send(rest.split('/').next().unwrap_or("").to_string());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server says where it listens");
    (child, addr)
}

#[test]
fn token_create_prints_a_working_token() {
    let env = Env::new();
    env.init();
    let o = env.ok(&["token", "create", "admin", "--name", "x"]);
    let token = stdout(&o).trim().to_string();
    assert!(token.starts_with("stw_"), "{token}");
    assert_eq!(token.len(), 4 + 64, "{token}");
    assert!(token[4..].chars().all(|c| c.is_ascii_hexdigit()), "{token}");
    assert!(stderr(&o).contains("shown once"), "{}", show(&o));
    let ro = stdout(&env.ok(&["token", "create", "admin", "--name", "ro", "--read-only"]))
        .trim()
        .to_string();
    assert_ne!(ro, token);
    let o = env.run(&["token", "create", "nobody", "--name", "x"]);
    assert!(
        !o.status.success() && stderr(&o).contains("nobody"),
        "{}",
        show(&o)
    );
    let stored = sqlite(&env.db(), "SELECT COUNT(*) FROM api_tokens");
    assert_eq!(stored.trim(), "2");
    let all = content(&env.db());
    assert!(
        !all.contains(&token[4..]),
        "only a hash of the token is stored"
    );

    let (_server, addr) = serve(&env);
    let (status, body) = http_get(&addr, "/api/v1/me", &token);
    assert!(status.contains(" 200 "), "{status}\n{body}");
    assert!(body.contains("\"username\":\"admin\""), "{body}");
    let (status, body) = http_get(&addr, "/api/v1/me", &ro);
    assert!(status.contains(" 200 "), "{status}");
    assert!(body.contains("\"read_only\":true"), "{body}");
    let (status, _) = http_get(&addr, "/api/v1/me", "stw_0000");
    assert!(status.contains(" 401 "), "{status}");
}

#[test]
fn audit_verify_catches_a_changed_row() {
    let env = Env::new();
    env.init();
    env.ok(&[
        "user",
        "add",
        "carla",
        "--email",
        "carla@acme.example",
        "--name",
        "Carla",
        "--role",
        "accountant",
    ]);
    let o = env.ok(&["audit", "verify"]);
    assert!(stdout(&o).contains("intact"), "{}", show(&o));
    // The database refuses to change an audit row; someone with write access drops the
    // guard first.
    let refused = Command::new("sqlite3")
        .arg(env.db())
        .arg("UPDATE audit_events SET actor='mallory' WHERE seq=2")
        .output()
        .expect("sqlite3");
    assert!(!refused.status.success(), "the trigger refuses the update");
    sqlite(
        &env.db(),
        "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete; UPDATE audit_events SET actor='mallory' WHERE seq=2",
    );
    let o = env.run(&["audit", "verify"]);
    assert!(!o.status.success(), "a changed row is caught: {}", show(&o));
    let err = stderr(&o);
    assert!(err.contains("event 2"), "names the event: {}", show(&o));

    // A removed newest row is caught too (the head remembers the end of the chain).
    let env = Env::new();
    env.init();
    env.ok(&["audit", "verify"]);
    sqlite(
        &env.db(),
        "DROP TRIGGER audit_events_no_delete; DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)",
    );
    let o = env.run(&["audit", "verify"]);
    assert!(
        !o.status.success(),
        "a removed tail is caught: {}",
        show(&o)
    );
}

#[test]
fn audit_checkpoint_catches_a_trail_cut_back_with_its_head() {
    let env = Env::new();
    env.init();
    let key = env.data().join("audit.key");
    assert!(key.exists(), "init made the key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).expect("key").permissions().mode();
        assert_eq!(mode & 0o077, 0, "only the owner reads the key: {mode:o}");
    }
    let cp = env.path("checkpoint.txt");
    let o = env.ok(&["audit", "checkpoint", "-o", cp.to_str().expect("path")]);
    let text = std::fs::read_to_string(&cp).expect("checkpoint");
    assert!(
        text.starts_with("steward audit checkpoint v1"),
        "{text}\n{}",
        show(&o)
    );
    env.ok(&[
        "user",
        "add",
        "dora",
        "--email",
        "dora@acme.example",
        "--name",
        "Dora",
    ]);
    let o = env.ok(&[
        "audit",
        "verify",
        "--checkpoint",
        cp.to_str().expect("path"),
    ]);
    assert!(stdout(&o).contains("intact"), "{}", show(&o));
    // The newest events removed and the head moved back to match: only the checkpoint
    // knows.
    sqlite(
        &env.db(),
        "DROP TRIGGER audit_events_no_delete; \
         DELETE FROM audit_events WHERE seq >= (SELECT MAX(seq) - 2 FROM audit_events); \
         UPDATE audit_head SET seq = (SELECT MAX(seq) FROM audit_events), hash = (SELECT hash FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events));",
    );
    env.ok(&["audit", "verify"]);
    let o = env.run(&[
        "audit",
        "verify",
        "--checkpoint",
        cp.to_str().expect("path"),
    ]);
    assert!(!o.status.success(), "{}", show(&o));
    assert!(stderr(&o).contains("missing"), "{}", show(&o));
    // Without the key file, nothing starts (the trail is keyed) and it says why.
    std::fs::remove_file(&key).expect("remove key");
    let o = env.run(&["audit", "verify"]);
    assert!(
        !o.status.success() && stderr(&o).contains("audit key"),
        "{}",
        show(&o)
    );
}

/// Seeds the demo into `env`'s data folder (on loopback), then stops the server.
fn seed_demo(env: &Env) {
    let mut c = env.cmd(&["serve", "--demo", "--addr", "127.0.0.1:0"]);
    c.stderr(Stdio::piped()).stdout(Stdio::null());
    let mut child = Running(c.spawn().expect("serve --demo"));
    let err = child.0.stderr.take().expect("stderr");
    let mut lines = BufReader::new(err).lines();
    let start = Instant::now();
    loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("running at") => break,
            Some(_) => {}
            None => panic!("serve --demo stopped"),
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "the demo starts"
        );
    }
}

#[test]
fn invoices_reminders_and_recurring_invoices_from_the_command_line() {
    let env = Env::new();
    seed_demo(&env);
    // City Clinic's invoice (the demo's first document) by e-mail: queued for the worker,
    // to the customer's address.
    let out = String::from_utf8_lossy(&env.ok(&["billing", "send", "1"]).stdout).to_string();
    assert!(
        out.contains("to City Clinic (accounts@cityclinic.example): queued"),
        "{out}"
    );
    let out = String::from_utf8_lossy(
        &env.ok(&["billing", "send", "1", "--to", "ap@cityclinic.example"])
            .stdout,
    )
    .to_string();
    assert!(out.contains("(ap@cityclinic.example)"), "{out}");
    // A bad address is named; nothing is sent.
    let o = env.run(&["billing", "send", "1", "--to", "not an address"]);
    assert!(!o.status.success(), "{}", show(&o));
    assert!(stderr(&o).contains("to[0]"), "{}", show(&o));
    // Reminders: the demo's run sent City Clinic's already; in 60 days its invoice reaches
    // the next level.
    let later = (chrono::Utc::now().date_naive() + chrono::Days::new(60)).to_string();
    let out = String::from_utf8_lossy(
        &env.ok(&["billing", "reminders", "--dry-run", "--date", &later])
            .stdout,
    )
    .to_string();
    assert!(out.contains("City Clinic: level"), "{out}");
    let due = out
        .lines()
        .filter(|l| l.contains(": level") && !l.contains("not sent"))
        .count();
    let sent = String::from_utf8_lossy(&env.ok(&["billing", "reminders", "--date", &later]).stdout)
        .to_string();
    assert!(
        sent.contains(&format!(": {due} sent, ")),
        "what the dry run listed is sent: {out} / {sent}"
    );
    let out = String::from_utf8_lossy(&env.ok(&["billing", "reminders", "--date", &later]).stdout)
        .to_string();
    assert!(out.contains("0 sent"), "once: {out}");
    // Recurring: Harbor's retainer made its first draft when seeded; nothing more is due.
    let out = String::from_utf8_lossy(&env.ok(&["billing", "recurring"]).stdout).to_string();
    assert!(
        out.contains("(Harbor Logistics): 0 invoice(s) made"),
        "{out}"
    );
    // IT's assets in the books: the demo posted depreciation through last month, so a run
    // now posts nothing; a run through this month posts, once; a bad month, or one ahead,
    // is named.
    let out = String::from_utf8_lossy(&env.ok(&["it", "depreciate"]).stdout).to_string();
    assert!(out.contains("nothing was due through"), "{out}");
    let later = chrono::Utc::now().date_naive().format("%Y-%m").to_string();
    let out = String::from_utf8_lossy(&env.ok(&["it", "depreciate", "--through", &later]).stdout)
        .to_string();
    assert!(
        out.contains(&format!("posted depreciation through {later}: ")),
        "{out}"
    );
    let out = String::from_utf8_lossy(&env.ok(&["it", "depreciate", "--through", &later]).stdout)
        .to_string();
    assert!(out.contains("nothing was due"), "{out}");
    let ahead = (chrono::Utc::now().date_naive() + chrono::Days::new(40))
        .format("%Y-%m")
        .to_string();
    for bad in ["soon", ahead.as_str()] {
        let o = env.run(&["it", "depreciate", "--through", bad]);
        assert!(
            !o.status.success() && stderr(&o).contains("through"),
            "{}",
            show(&o)
        );
    }
}

#[test]
fn serve_refuses_other_machines_while_demo_passwords_remain() {
    let env = Env::new();
    seed_demo(&env);
    // Served again without --demo on every interface: refused, saying why.
    let o = env.run(&["serve", "--addr", "0.0.0.0:0"]);
    assert!(!o.status.success(), "{}", show(&o));
    let err = stderr(&o);
    assert!(
        err.contains("refusing to listen") && err.contains("`demo`") && err.contains("admin"),
        "{}",
        show(&o)
    );
}

#[test]
fn migrate_refuses_a_newer_schema_untouched() {
    let env = Env::new();
    env.init();
    let o = env.ok(&["migrate"]);
    assert!(stderr(&o).contains("up to date"), "{}", show(&o));
    sqlite(
        &env.db(),
        "INSERT INTO steward_schema (version, name, applied_at) VALUES (999, 'from the future', 0)",
    );
    let before = content(&env.db());
    let o = env.run(&["migrate"]);
    assert!(!o.status.success(), "{}", show(&o));
    assert!(stderr(&o).contains("newer"), "{}", show(&o));
    assert_eq!(content(&env.db()), before, "the database was not changed");
    // Every other command that opens the database refuses too.
    let o = env.run(&["user", "list"]);
    assert!(
        !o.status.success() && stderr(&o).contains("newer"),
        "{}",
        show(&o)
    );
    assert_eq!(content(&env.db()), before);
}

#[test]
fn serve_demo_refuses_real_data() {
    let env = Env::new();
    env.init();
    let before = sqlite(&env.db(), "SELECT username FROM users ORDER BY id");
    let mut c = env.cmd(&["serve", "--demo", "--addr", "127.0.0.1:0"]);
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = Running(c.spawn().expect("serve --demo"));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.0.try_wait().expect("wait") {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "serve --demo on real data must stop, not serve"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    if let Some(mut e) = child.0.stderr.take() {
        e.read_to_string(&mut err).expect("stderr");
    }
    assert!(!status.success(), "{err}");
    let lower = err.to_lowercase();
    assert!(
        lower.contains("refusing to seed demo data") && lower.contains("already holds"),
        "says why: {err}"
    );
    assert!(!lower.contains("running at"), "{err}");
    assert_eq!(
        sqlite(&env.db(), "SELECT username FROM users ORDER BY id"),
        before,
        "no demo user was added"
    );
}

#[test]
fn backup_then_restore_elsewhere() {
    let env = Env::new();
    env.init();
    for (u, role) in [("carla", "accountant"), ("hank", "hr_lead")] {
        env.ok(&[
            "user",
            "add",
            u,
            "--email",
            &format!("{u}@acme.example"),
            "--name",
            u,
            "--role",
            role,
        ]);
    }
    env.ok(&["user", "disable", "hank"]);
    let users = user_rows(&env.ok(&["user", "list"]));
    assert_eq!(users.len(), 3);
    let archive = env.path("backup.tar.gz");
    let o = env.ok(&["backup", archive.to_str().expect("path")]);
    assert!(stdout(&o).contains("backup written"), "{}", show(&o));
    assert!(std::fs::metadata(&archive).expect("archive").len() > 0);

    let other = Env::new();
    let o = other.ok(&["restore", archive.to_str().expect("path")]);
    assert!(stdout(&o).contains("restored"), "{}", show(&o));
    assert_eq!(
        user_rows(&other.ok(&["user", "list"])),
        users,
        "the same users"
    );
    other.ok(&["audit", "verify"]);
    // The restored admin can still use their password: a token works against a server.
    let token = stdout(&other.ok(&["token", "create", "admin", "--name", "after restore"]))
        .trim()
        .to_string();
    let (_server, addr) = serve(&other);
    let (status, body) = http_get(&addr, "/api/v1/users?q=hank", &token);
    assert!(status.contains(" 200 "), "{status}");
    assert!(body.contains("\"disabled\":true"), "{body}");

    // Restoring over real data is refused and changes nothing.
    let before = content(&env.db());
    let o = env.run(&["restore", archive.to_str().expect("path")]);
    assert!(!o.status.success(), "{}", show(&o));
    assert_eq!(content(&env.db()), before);
    // A damaged archive is refused and leaves an empty database empty.
    let bad = env.path("bad.tar.gz");
    let mut bytes = std::fs::read(&archive).expect("read");
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&bad, bytes).expect("write");
    let empty = Env::new();
    let o = empty.run(&["restore", bad.to_str().expect("path")]);
    assert!(!o.status.success(), "{}", show(&o));
    let o = empty.run(&["user", "list"]);
    assert!(
        !o.status.success() && stderr(&o).contains("init"),
        "{}",
        show(&o)
    );
}

/// Backup from SQLite, restore into a fresh PostgreSQL database (when one is configured).
#[test]
fn restore_into_postgres() {
    let Some(base) = std::env::var("STEWARD_TEST_PG")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("SKIPPED (PostgreSQL) restore_into_postgres: set STEWARD_TEST_PG=postgres://postgres@127.0.0.1:5432/postgres to run it");
        return;
    };
    let env = Env::new();
    env.init();
    env.ok(&[
        "user",
        "add",
        "carla",
        "--email",
        "carla@acme.example",
        "--name",
        "Carla",
        "--role",
        "accountant",
    ]);
    let users = user_rows(&env.ok(&["user", "list"]));
    let archive = env.path("backup.tar.gz");
    env.ok(&["backup", archive.to_str().expect("path")]);

    let name = format!(
        "steward_cli_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
    );
    let psql = |sql: &str| {
        let o = Command::new("psql")
            .arg(&base)
            .arg("-v")
            .arg("ON_ERROR_STOP=1")
            .arg("-c")
            .arg(sql)
            .output()
            .expect("psql");
        assert!(o.status.success(), "psql {sql}: {}", show(&o));
    };
    psql(&format!("CREATE DATABASE {name}"));
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
    let pg = Env::new();
    pg.ok(&[
        "--database-url",
        &url,
        "restore",
        archive.to_str().expect("path"),
    ]);
    assert_eq!(
        user_rows(&pg.ok(&["--database-url", &url, "user", "list"])),
        users
    );
    pg.ok(&["--database-url", &url, "audit", "verify"]);
}

#[test]
fn unknown_config_keys_are_warned_about() {
    let env = Env::new();
    env.init();
    let cfg = env.path("steward.toml");
    let mut f = std::fs::File::create(&cfg).expect("config");
    writeln!(
        f,
        "data = {:?}\nsession_idle_minutes = 20\ncolour = \"blue\"\nsesion_absolute_hours = 4",
        env.data().display().to_string()
    )
    .expect("write");
    drop(f);
    let mut c = bare(&["--config", cfg.to_str().expect("path"), "user", "list"]);
    c.current_dir(env.dir.path());
    let o = run(c);
    assert!(o.status.success(), "{}", show(&o));
    let err = stderr(&o);
    assert!(err.contains("unknown key `colour`"), "{err}");
    assert!(
        err.contains("unknown key `sesion_absolute_hours`"),
        "a typo is named: {err}"
    );
    assert!(!err.contains("unknown key `session_idle_minutes`"), "{err}");
    assert!(!err.contains("unknown key `data`"), "{err}");
    assert_eq!(user_rows(&o).len(), 1, "the data folder came from the file");

    // A STEWARD_ variable nobody reads is named too; a missing config file is an error.
    let mut c = env.cmd(&["user", "list"]);
    c.env("STEWARD_SESION_IDLE_MINUTES", "5");
    let o = run(c);
    assert!(o.status.success(), "{}", show(&o));
    assert!(
        stderr(&o).contains("STEWARD_SESION_IDLE_MINUTES"),
        "{}",
        show(&o)
    );
    let o = env.run(&["--config", "/nonexistent/steward.toml", "user", "list"]);
    assert!(!o.status.success(), "{}", show(&o));
    assert!(stderr(&o).contains("does not exist"), "{}", show(&o));
}

#[test]
fn an_auditor_can_be_time_boxed() {
    let env = Env::new();
    env.init();
    let o = env.ok(&[
        "user",
        "add",
        "ext.auditor",
        "--email",
        "audit@firm.example",
        "--name",
        "External Auditor",
        "--role",
        "auditor",
        "--no-password",
        "--until",
        "2031-03-31",
    ]);
    assert!(
        stdout(&o).contains("access ends 2031-03-31 00:00:00 UTC"),
        "{}",
        show(&o)
    );
    let until = sqlite(&env.db(), "SELECT m.valid_until FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.username = 'ext.auditor'");
    assert_eq!(
        until.trim(),
        "1932681600000000",
        "midnight UTC of 2031-03-31 in µs"
    );
    let audit = sqlite(
        &env.db(),
        "SELECT action FROM audit_events WHERE action = 'set_access_until'",
    );
    assert_eq!(
        audit.trim(),
        "set_access_until",
        "the time box is in the audit trail"
    );
    let bad = env.run(&[
        "user",
        "add",
        "x.y",
        "--email",
        "x@y.example",
        "--name",
        "X",
        "--no-password",
        "--until",
        "31/03/2031",
    ]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("--until must be a date"),
        "{}",
        show(&bad)
    );
}

#[test]
fn assets_from_and_to_the_command_line() {
    let env = Env::new();
    seed_demo(&env);
    // The demo's estate, as the list exports it.
    let o = env.ok(&["it", "export-assets"]);
    let csv = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(csv.starts_with("tag,serial,name,model"), "{csv}");
    assert_eq!(csv.lines().count(), 241, "a header and 240 assets");
    // An import: a bad row is named by line and column, nothing written; then it goes in.
    let file = env.dir.path().join("assets.csv");
    std::fs::write(
        &file,
        "model,serial,status\nPixel 8,CLI-1,\nNo such phone,CLI-2,\nPixel 8,CLI-3,deployed\n",
    )
    .expect("write");
    let o = env.run(&["it", "import-assets", file.to_str().expect("path")]);
    assert!(!o.status.success(), "{}", show(&o));
    let err = stderr(&o);
    assert!(err.contains("assets.csv:3: model:"), "{err}");
    assert!(err.contains("assets.csv:4: status:"), "{err}");
    std::fs::write(&file, "model,serial\nPixel 8,CLI-1\nPixel 8,CLI-2\n").expect("write");
    let path = file.to_str().expect("path");
    let out = String::from_utf8_lossy(&env.ok(&["it", "import-assets", "--dry-run", path]).stdout)
        .to_string();
    assert!(out.contains("dry run: all 2 rows"), "{out}");
    let out = String::from_utf8_lossy(&env.ok(&["it", "import-assets", path]).stdout).to_string();
    assert!(out.contains("imported 2 assets"), "{out}");
    let o = env.ok(&["it", "export-assets"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 243);
}

#[test]
fn licences_to_the_command_line() {
    let env = Env::new();
    seed_demo(&env);
    let o = env.ok(&["it", "export-licences"]);
    let csv = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        csv.starts_with("product,vendor,seats,seats_used,usage"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 16, "a header and 15 licences");
    assert!(
        csv.lines()
            .any(|l| l.starts_with("JetBrains All Products Pack,JetBrains,3,2,over,")),
        "the expired licence still in use is over-used: {csv}"
    );
    assert!(!csv.contains("-DEMO"), "keys are never exported");
    let bad = env.run(&["it", "export-licences", "--format", "xlsx"]);
    assert!(!bad.status.success());
}
