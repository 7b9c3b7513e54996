//! Issue 14, item 13: retries after a crash. The real `steward serve` on a fresh SQLite data
//! folder; several clients post ledger entries, each with its own `Idempotency-Key`; the
//! server is killed with SIGKILL in the middle, restarted, and every request that got no
//! answer is retried with the same key. Every key must complete (never 409 for ever), no
//! entry may be written twice, every acknowledged entry must be there, the books must
//! balance and the audit chain must verify.
//!
//! (A test of the binary: it lives beside the other CLI tests, where Cargo builds the binary
//! and names it in `CARGO_BIN_EXE_steward`.)
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ADMIN_PW: &str = "the first admin passphrase";
const CLIENTS: usize = 8;
const ROUNDS: usize = 8;

struct Env {
    dir: tempfile::TempDir,
    /// A PostgreSQL database instead of the data folder's SQLite file.
    database_url: Option<String>,
}

impl Env {
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_steward"));
        for (k, _) in std::env::vars() {
            if k.starts_with("STEWARD_") {
                c.env_remove(k);
            }
        }
        if let Some(url) = &self.database_url {
            c.env("STEWARD_DATABASE_URL", url);
        }
        c.env("STEWARD_ADMIN_PASSWORD", ADMIN_PW)
            .env("STEWARD_LOG", "warn")
            .current_dir(self.dir.path())
            .args(args)
            .arg("--data")
            .arg(self.data())
            .stdin(Stdio::null());
        c
    }
    fn ok(&self, args: &[&str]) -> String {
        let o = self.cmd(args).output().expect("run steward");
        assert!(
            o.status.success(),
            "steward {args:?}: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).to_string()
    }
}

/// What the server said on its standard error about crashed claims.
#[derive(Default)]
struct Log {
    taken_over: AtomicUsize,
    rebuilt: AtomicUsize,
}

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One value (or rows joined by `|`) from the test's database.
fn query(env: &Env, sql: &str) -> String {
    let o = match &env.database_url {
        None => Command::new("sqlite3")
            .arg(env.data().join("steward.db"))
            .arg(sql)
            .output()
            .expect("the sqlite3 command line tool"),
        Some(url) => Command::new("psql")
            .arg(url)
            .args(["-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .expect("psql"),
    };
    assert!(
        o.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn serve(env: &Env, log: &Arc<Log>) -> Server {
    let mut c = env.cmd(&["serve", "--addr", "127.0.0.1:0"]);
    c.stderr(Stdio::piped()).stdout(Stdio::null());
    let mut child = c.spawn().expect("serve");
    let err = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    let log = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if let Some(rest) = line.split_once("running at http://").map(|(_, r)| r) {
                let _ = tx.send(rest.split('/').next().unwrap_or("").to_string());
            }
            if line.contains("took over an Idempotency-Key") {
                log.taken_over.fetch_add(1, Ordering::Relaxed);
            }
            if line.contains("answer was lost; rebuilding it") {
                log.rebuilt.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server says where it listens");
    Server { child, addr }
}

/// One HTTP/1.1 request; `None` when no full answer came (the server died, or was not up).
fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    key: Option<&str>,
    body: &str,
) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    let key = key
        .map(|k| format!("Idempotency-Key: {k}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n{key}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut resp = String::new();
    s.read_to_string(&mut resp).ok()?;
    let (head, body) = resp.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

fn entry_body(description: &str) -> String {
    serde_json::json!({
        "date": "2026-06-15",
        "description": description,
        "lines": [
            {"account": "1100", "debit": "1.25"},
            {"account": "4000", "credit": "1.25"},
        ],
    })
    .to_string()
}

fn id_of(body: &str) -> Option<i64> {
    serde_json::from_str::<serde_json::Value>(body).ok()?["id"].as_i64()
}

/// Posts an entry with `key` until it gets an answer that is not "still running"; returns
/// the entry's id and how many attempts it took. Panics if the key never completes.
fn complete(addr: &str, token: &str, key: &str, description: &str) -> (i64, usize) {
    let start = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        match http(
            addr,
            "POST",
            "/api/v1/ledger/entries",
            token,
            Some(key),
            &entry_body(description),
        ) {
            Some((201, body)) => {
                let id = id_of(&body).unwrap_or_else(|| panic!("{key}: no id in {body}"));
                return (id, attempts);
            }
            Some((409, _)) | None => {}
            Some((status, body)) => panic!("{key}: {status} {body}"),
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{key} is still refused after {attempts} retries: a permanent 409"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// A small random number without a generator crate: the clock's nanoseconds.
fn jitter(max: u64) -> u64 {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or(0);
    n % max
}

#[test]
fn retries_after_a_crash_complete_every_key_exactly_once() {
    let env = Env {
        dir: tempfile::tempdir().expect("temp dir"),
        database_url: None,
    };
    crash_and_retry(&env, ROUNDS);
}

/// The same on PostgreSQL (when `STEWARD_TEST_PG` is set). There `serve` cannot know that
/// the claims it finds running were the killed process's (other instances may hold them),
/// so retries wait for the leases to run out (10 s) and take them over: fewer rounds.
#[test]
fn retries_after_a_crash_complete_every_key_exactly_once_on_postgres() {
    let Some(base) = std::env::var("STEWARD_TEST_PG")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("SKIPPED (PostgreSQL) retries_after_a_crash_complete_every_key_exactly_once_on_postgres: set STEWARD_TEST_PG=postgres://postgres@127.0.0.1:5432/postgres to run it");
        return;
    };
    let name = format!("steward_crash_{}", std::process::id());
    let psql = |sql: &str| {
        Command::new("psql")
            .arg(&base)
            .args(["-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .expect("psql")
    };
    let _ = psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    assert!(psql(&format!("CREATE DATABASE {name}")).status.success());
    struct Drop1<F: Fn()>(F);
    impl<F: Fn()> Drop for Drop1<F> {
        fn drop(&mut self) {
            (self.0)();
        }
    }
    let _cleanup = Drop1(|| {
        let _ = psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    });
    let url = match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("STEWARD_TEST_PG is a URL with a database"),
    };
    let env = Env {
        dir: tempfile::tempdir().expect("temp dir"),
        database_url: Some(url),
    };
    crash_and_retry(&env, 2);
}

fn crash_and_retry(env: &Env, rounds: usize) {
    let started = Instant::now();
    env.ok(&[
        "init",
        "--company",
        "Acme",
        "--currency",
        "EUR",
        "--admin-email",
        "admin@acme.example",
    ]);
    let token = env
        .ok(&["token", "create", "admin", "--name", "crash"])
        .trim()
        .to_string();
    let log = Arc::new(Log::default());
    // key -> description, for requests that got no answer yet.
    let pending: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    // key -> entry id, for every answered request.
    let acked: Arc<Mutex<HashMap<String, i64>>> = Arc::default();
    let mut retries = 0usize;
    let mut keys = 0usize;
    let mut killed_with_requests_in_flight = 0usize;
    for round in 0..=rounds {
        let server = serve(env, &log);
        // Every request that got no answer is retried with its key until it completes.
        let again: Vec<(String, String)> = std::mem::take(&mut *pending.lock().expect("lock"));
        for (key, description) in &again {
            let (id, attempts) = complete(&server.addr, &token, key, description);
            retries += attempts;
            let mut acked = acked.lock().expect("lock");
            if let Some(first) = acked.insert(key.clone(), id) {
                assert_eq!(first, id, "{key} answered with two entries");
            }
        }
        if round == rounds {
            break;
        }
        // Clients post until the server dies under them.
        let stop = Arc::new(AtomicBool::new(false));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (addr, token) = (server.addr.clone(), token.clone());
                let (pending, acked, stop, in_flight) = (
                    pending.clone(),
                    acked.clone(),
                    stop.clone(),
                    in_flight.clone(),
                );
                std::thread::spawn(move || {
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        n += 1;
                        let key = format!("r{round}-c{c}-n{n}");
                        let description = format!("crash {key}");
                        in_flight.fetch_add(1, Ordering::Relaxed);
                        let answer = http(
                            &addr,
                            "POST",
                            "/api/v1/ledger/entries",
                            &token,
                            Some(&key),
                            &entry_body(&description),
                        );
                        in_flight.fetch_sub(1, Ordering::Relaxed);
                        match answer {
                            Some((201, body)) => {
                                let id = id_of(&body).expect("id");
                                acked.lock().expect("lock").insert(key, id);
                            }
                            Some((status, body)) => panic!("{key}: {status} {body}"),
                            None => {
                                // No answer: the server died. Retry after the restart.
                                pending.lock().expect("lock").push((key, description));
                                break;
                            }
                        }
                    }
                    n
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(300 + jitter(600)));
        killed_with_requests_in_flight += in_flight.load(Ordering::Relaxed);
        let mut server = server;
        server.child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
        let _ = server.child.wait();
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            keys += t.join().expect("client");
        }
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(pending.lock().expect("lock").is_empty());
    assert_eq!(acked.len(), keys, "every key completed");

    // Every acknowledged entry is there, once, under its key's description.
    let rows = query(
        env,
        "SELECT id, description FROM ledger_entries WHERE description LIKE 'crash %'",
    );
    let stored: HashMap<String, i64> = rows
        .lines()
        .filter_map(|l| l.split_once('|'))
        .map(|(id, d)| (d.to_string(), id.parse().expect("id")))
        .collect();
    assert_eq!(
        rows.lines().count(),
        stored.len(),
        "an entry was written twice"
    );
    assert_eq!(stored.len(), keys, "one entry per key");
    for (key, id) in &acked {
        assert_eq!(
            stored.get(&format!("crash {key}")),
            Some(id),
            "{key}: the acknowledged entry is there"
        );
    }
    let postings: i64 = query(env, "SELECT COUNT(*) FROM ledger_postings")
        .parse()
        .expect("count");
    assert_eq!(postings, 2 * keys as i64);
    assert_eq!(
        query(env, "SELECT COALESCE(SUM(amount), 0) FROM ledger_postings"),
        "0",
        "the books balance"
    );
    assert_eq!(
        query(
            env,
            "SELECT COUNT(*) FROM idempotency_keys WHERE status = 0"
        ),
        "0",
        "no key is left running"
    );
    let verified = env.ok(&["audit", "verify"]);
    let taken_over = log.taken_over.load(Ordering::Relaxed);
    let rebuilt = log.rebuilt.load(Ordering::Relaxed);
    eprintln!(
        "crash test ({}): {rounds} rounds, {CLIENTS} clients, {keys} keys, {postings} postings, \
         {killed_with_requests_in_flight} requests in flight at the kills, {retries} retries, \
         {taken_over} keys taken over, {rebuilt} answers rebuilt, {:.1} s; {}",
        if env.database_url.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        started.elapsed().as_secs_f64(),
        verified.trim()
    );
    assert!(keys > 0 && killed_with_requests_in_flight > 0);
}
