//! `spawn_app()`: the real Steward server on a random port with a fresh database — SQLite
//! by default, PostgreSQL (a fresh schema) when `STEWARD_TEST_PG` holds a URL — and helpers
//! to sign in and call it. Used by the HTTP, CLI and browser tests.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use steward_core::audit::AuditDraft;
use steward_core::auth::{hash_password, Password};
use steward_core::company::create_company;
use steward_core::ids::{CompanyId, UserId};
use steward_core::users::{NewUserRecord, UserStore};
use steward_store::{ConnectOptions, Store};

/// A response's JSON body (panics, failing the test, when it is not JSON).
pub async fn body(r: reqwest::Response) -> serde_json::Value {
    r.json().await.expect("json body")
}

/// A response's JSON body, asserting its status first (the body is in the message).
pub async fn body_with(r: reqwest::Response, status: u16) -> serde_json::Value {
    let s = r.status().as_u16();
    let v = body(r).await;
    assert_eq!(s, status, "{v}");
    v
}

/// POSTs `body` as JSON to `path` as `c`, asserts the answer's status and returns its body.
pub async fn post_json(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    body: serde_json::Value,
    status: u16,
) -> serde_json::Value {
    body_with(
        c.post(app.url(path))
            .json(&body)
            .send()
            .await
            .expect("post"),
        status,
    )
    .await
}

/// The books set up by `admin` (`POST /api/v1/ledger/setup`, the standard chart) and
/// billing's settings written by `c` (`settings`: the body, e.g. the receivables and
/// payables accounts): what every billing and bank test starts from.
pub async fn billing_books(
    app: &TestApp,
    admin: &reqwest::Client,
    c: &reqwest::Client,
    settings: serde_json::Value,
) {
    body_with(
        admin
            .post(app.url("/api/v1/ledger/setup"))
            .send()
            .await
            .expect("setup"),
        200,
    )
    .await;
    body_with(
        c.put(app.url("/api/v1/billing/settings"))
            .json(&settings)
            .send()
            .await
            .expect("settings"),
        200,
    )
    .await;
}

/// Uploads a statement file to bank account `account` as `c` (`POST
/// /api/v1/bank/accounts/{account}/statements`, 200); the statement's id.
pub async fn upload_statement(
    app: &TestApp,
    c: &reqwest::Client,
    account: i64,
    name: &str,
    file: String,
) -> i64 {
    body_with(
        c.post(app.url(&format!("/api/v1/bank/accounts/{account}/statements")))
            .multipart(reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(file.into_bytes()).file_name(name.to_string()),
            ))
            .send()
            .await
            .expect("upload"),
        200,
    )
    .await["statement_id"]
        .as_i64()
        .expect("statement")
}

/// The fields a problem+json answer names in its `errors`.
pub fn fields(p: &serde_json::Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A Monday at least two weeks ahead: a full working week for time-off requests.
pub fn monday_ahead() -> chrono::NaiveDate {
    use chrono::Datelike;
    let mut d = steward_core::hr::timeoff::today() + chrono::Duration::days(14);
    while d.weekday() != chrono::Weekday::Mon {
        d += chrono::Duration::days(1);
    }
    d
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// The PostgreSQL URL for tests, or `None` (and a visible note) when not configured.
pub fn pg_url() -> Option<String> {
    std::env::var("STEWARD_TEST_PG")
        .ok()
        .filter(|u| !u.is_empty())
}

pub fn skip_pg(test: &str) {
    eprintln!("SKIPPED (PostgreSQL) {test}: set STEWARD_TEST_PG=postgres://postgres@127.0.0.1:5432/postgres to run it");
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh, migrated database. Keep the returned guard alive as long as the store.
pub async fn fresh_store(db: Db) -> (Store, DbGuard) {
    match db {
        Db::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/steward.db", dir.path().display());
            let store = Store::connect(&url, ConnectOptions::default())
                .await
                .expect("open sqlite");
            store.migrate().await.expect("migrate");
            (
                store,
                DbGuard {
                    _dir: Some(dir),
                    url,
                    schema: None,
                },
            )
        }
        Db::Postgres => {
            let url = pg_url().expect("STEWARD_TEST_PG is set");
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let schema = format!(
                "steward_e2e_{secs}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst)
            );
            let store = Store::connect(
                &url,
                ConnectOptions {
                    pg_schema: Some(schema.clone()),
                    max_connections: 8,
                },
            )
            .await
            .expect("open postgres");
            store.migrate().await.expect("migrate");
            (
                store,
                DbGuard {
                    _dir: None,
                    url,
                    schema: Some(schema),
                },
            )
        }
    }
}

/// Keeps a test database alive; a PostgreSQL schema is dropped when it goes.
pub struct DbGuard {
    _dir: Option<tempfile::TempDir>,
    pub url: String,
    pub schema: Option<String>,
}

impl DbGuard {
    /// Another store on the same database (a second server instance).
    pub async fn open_again(&self) -> Store {
        Store::connect(
            &self.url,
            ConnectOptions {
                pg_schema: self.schema.clone(),
                max_connections: 8,
            },
        )
        .await
        .expect("open again")
    }
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        if let Some(schema) = self.schema.take() {
            let url = self.url.clone();
            // A runtime of its own: Drop may run outside or at the end of the test's runtime.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(async {
                        use sqlx::Executor;
                        sqlx::any::install_default_drivers();
                        if let Ok(mut c) =
                            <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await
                        {
                            let _ = c
                                .execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
                                .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// A running server.
pub struct TestApp {
    pub addr: String,
    pub store: Store,
    /// The domains' registrations the server runs with.
    pub registry: std::sync::Arc<steward_core::registry::Registry>,
    pub company: CompanyId,
    pub admin: UserId,
    pub guard: DbGuard,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

/// The admin every test app starts with.
pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "correct horse battery";

/// Starts the real server on 127.0.0.1:0 with a fresh database holding one company
/// ("Acme", EUR) and its admin.
pub async fn spawn_app(db: Db) -> TestApp {
    let (store, guard) = fresh_store(db).await;
    let company = create_company(&store, "test", "Acme", "EUR")
        .await
        .expect("company");
    let admin = add_user(&store, company, ADMIN, ADMIN_PASSWORD, &["admin"]).await;
    serve(store, guard, company, admin).await
}

/// Like [`spawn_app`], with a web configuration of the test's own (e.g. `demo: true`,
/// which shows the demo banner on every page).
pub async fn spawn_app_with(db: Db, config: steward_web::WebConfig) -> TestApp {
    let (store, guard) = fresh_store(db).await;
    let company = create_company(&store, "test", "Acme", "EUR")
        .await
        .expect("company");
    let admin = add_user(&store, company, ADMIN, ADMIN_PASSWORD, &["admin"]).await;
    serve_with(store, guard, company, admin, config).await
}

/// Starts a server on an existing database (e.g. a second instance).
pub async fn serve(store: Store, guard: DbGuard, company: CompanyId, admin: UserId) -> TestApp {
    serve_with(
        store,
        guard,
        company,
        admin,
        steward_web::WebConfig::default(),
    )
    .await
}

async fn serve_with(
    store: Store,
    guard: DbGuard,
    company: CompanyId,
    admin: UserId,
    config: steward_web::WebConfig,
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let registry = std::sync::Arc::new(steward::app::registry(
        &store,
        std::sync::Arc::new(steward_core::work::mail::NotConfigured),
    ));
    let state = steward::app::web_state(store.clone(), None, registry.clone(), config);
    tokio::spawn(async move {
        let _ = steward::app::serve(listener, state, async {
            let _ = rx.await;
        })
        .await;
    });
    TestApp {
        addr,
        registry,
        store,
        company,
        admin,
        guard,
        shutdown: Some(tx),
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Adds a user with a password and roles straight through the store.
pub async fn add_user(
    store: &Store,
    company: CompanyId,
    username: &str,
    password: &str,
    roles: &[&str],
) -> UserId {
    let keys: Vec<String> = roles.iter().map(|r| (*r).to_string()).collect();
    let ids = store.role_ids(company, &keys).await.expect("roles");
    assert_eq!(ids.len(), keys.len(), "unknown role in {keys:?}");
    let rec = NewUserRecord {
        username: username.into(),
        email: format!("{username}@acme.example"),
        display_name: format!("{username} (test)"),
        password_hash: Some(hash_password(&Password::unchecked(password)).expect("hash")),
        role_ids: ids.iter().map(|(_, id)| *id).collect(),
        role_keys: keys,
    };
    let audit = AuditDraft::system(
        "test",
        None,
        "user",
        None,
        "create",
        serde_json::json!({"username": username}),
    )
    .in_company(company);
    store
        .insert_users(company, &[rec], vec![audit])
        .await
        .expect("insert user")[0]
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.addr)
    }

    /// A client that keeps cookies and sends the same-origin header a browser sends.
    pub fn browser(&self) -> reqwest::Client {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            "origin",
            reqwest::header::HeaderValue::from_str(&self.addr).expect("origin"),
        );
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(h)
            .build()
            .expect("client")
    }

    /// A signed-in browser-like client.
    pub async fn signed_in(&self, username: &str, password: &str) -> reqwest::Client {
        let c = self.browser();
        let r = c
            .post(self.url("/login"))
            .form(&[("login", username), ("password", password), ("next", "/")])
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), 303, "sign-in of {username} failed");
        c
    }

    /// An API token for a user (via the API, as that user).
    pub async fn token(&self, username: &str, password: &str, read_only: bool) -> String {
        let c = self.signed_in(username, password).await;
        let r = c
            .post(self.url("/api/v1/tokens"))
            .json(&serde_json::json!({"name": "test", "read_only": read_only}))
            .send()
            .await
            .expect("token");
        assert_eq!(r.status(), 201);
        let v: serde_json::Value = r.json().await.expect("json");
        v["token"].as_str().expect("token").to_string()
    }

    /// A plain API client with a bearer token.
    pub fn api(&self, token: &str) -> reqwest::Client {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            "authorization",
            reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
        );
        reqwest::Client::builder()
            .default_headers(h)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }
}

/// Runs a test body on SQLite, and on PostgreSQL when configured (else says it skipped).
#[macro_export]
macro_rules! both_databases {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::Db::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::pg_url().is_none() {
                    $crate::skip_pg(stringify!($name));
                    return;
                }
                ($body)($crate::Db::Postgres).await;
            }
        }
    };
}

// ===================== BEGIN browser helpers (WebDriver client) =====================
pub mod webdriver;
// ====================== END browser helpers (WebDriver client) ======================

// ===================== BEGIN second-instance helper (auth tests) =====================

/// A second server on the same database as `app`, as another instance behind a load
/// balancer would be. It does not own the database: its guard drops nothing, so the schema
/// (or SQLite folder) lives as long as `app`. Keep `app` alive while this one runs.
pub async fn serve_again(app: &TestApp) -> TestApp {
    let store = app.guard.open_again().await;
    let guard = DbGuard {
        _dir: None,
        url: app.guard.url.clone(),
        schema: None,
    };
    serve(store, guard, app.company, app.admin).await
}
// ====================== END second-instance helper (auth tests) ======================

// ===================== BEGIN SMTP sink and in-process worker (work: notifications) =====================
/// A small SMTP server on 127.0.0.1 for tests: it accepts EHLO/HELO, MAIL FROM, RCPT TO,
/// DATA, RSET, NOOP and QUIT, and records every message for the test to read. No TLS, no
/// authentication: Steward's mailer talks to it with `smtp_tls = none`.
pub mod smtp_sink {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    /// One delivered message.
    #[derive(Debug, Clone, Default)]
    pub struct SmtpMessage {
        pub mail_from: String,
        pub rcpt_to: Vec<String>,
        /// The message as sent (headers, blank line, body), dot-unstuffed, CRLF line ends.
        pub data: String,
    }

    impl SmtpMessage {
        /// A header's value (unfolded), by name, case-insensitive.
        pub fn header(&self, name: &str) -> Option<String> {
            let head = self.data.split("\r\n\r\n").next().unwrap_or("");
            let mut out: Option<String> = None;
            let mut current = false;
            for line in head.split("\r\n") {
                if line.starts_with(' ') || line.starts_with('\t') {
                    if current {
                        if let Some(v) = out.as_mut() {
                            v.push(' ');
                            v.push_str(line.trim());
                        }
                    }
                    continue;
                }
                current = false;
                if let Some((k, v)) = line.split_once(':') {
                    if k.trim().eq_ignore_ascii_case(name) && out.is_none() {
                        out = Some(v.trim().to_string());
                        current = true;
                    }
                }
            }
            out
        }
        pub fn subject(&self) -> String {
            self.header("subject").unwrap_or_default()
        }
        /// The body, decoded from quoted-printable or base64 when the message says so.
        pub fn body(&self) -> String {
            let raw = self
                .data
                .split_once("\r\n\r\n")
                .map(|(_, b)| b)
                .unwrap_or("");
            let enc = self
                .header("content-transfer-encoding")
                .unwrap_or_default()
                .to_ascii_lowercase();
            match enc.as_str() {
                "quoted-printable" => decode_qp(raw),
                "base64" => {
                    use base64::Engine as _;
                    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
                    base64::engine::general_purpose::STANDARD
                        .decode(compact)
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default()
                }
                _ => raw.to_string(),
            }
            .replace("\r\n", "\n")
        }
    }

    impl SmtpMessage {
        /// The files of a `multipart/mixed` message: each part with a `filename`, its body
        /// decoded from base64 (or taken as it is).
        pub fn attachments(&self) -> Vec<(String, Vec<u8>)> {
            let ct = self.header("content-type").unwrap_or_default();
            let Some(boundary) = ct.split(';').find_map(|p| {
                p.trim()
                    .strip_prefix("boundary=")
                    .map(|b| b.trim_matches('"').to_string())
            }) else {
                return Vec::new();
            };
            let body = self
                .data
                .split_once("\r\n\r\n")
                .map(|(_, b)| b)
                .unwrap_or("");
            let mut out = Vec::new();
            for part in body.split(&format!("--{boundary}")) {
                let Some((head, content)) = part.split_once("\r\n\r\n") else {
                    continue;
                };
                let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
                let Some(name) = unfolded.split(';').find_map(|p| {
                    p.trim().strip_prefix("filename=").map(|n| {
                        n.split("\r\n")
                            .next()
                            .unwrap_or("")
                            .trim_matches('"')
                            .to_string()
                    })
                }) else {
                    continue;
                };
                let base64 = unfolded
                    .to_ascii_lowercase()
                    .contains("content-transfer-encoding: base64");
                let bytes = if base64 {
                    use base64::Engine as _;
                    let compact: String = content.chars().filter(|c| !c.is_whitespace()).collect();
                    base64::engine::general_purpose::STANDARD
                        .decode(compact)
                        .unwrap_or_default()
                } else {
                    content.trim_end().as_bytes().to_vec()
                };
                out.push((name, bytes));
            }
            out
        }

        /// The first text part of a multipart message (the whole body otherwise), decoded.
        pub fn text(&self) -> String {
            if self.attachments().is_empty() {
                return self.body();
            }
            let ct = self.header("content-type").unwrap_or_default();
            let boundary = ct
                .split(';')
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("boundary=")
                        .map(|b| b.trim_matches('"').to_string())
                })
                .unwrap_or_default();
            let body = self
                .data
                .split_once("\r\n\r\n")
                .map(|(_, b)| b)
                .unwrap_or("");
            for part in body.split(&format!("--{boundary}")) {
                if let Some((head, content)) = part.split_once("\r\n\r\n") {
                    let h = head.to_ascii_lowercase();
                    if h.contains("text/plain") && !h.contains("filename=") {
                        let inner = SmtpMessage {
                            data: format!("{head}\r\n\r\n{content}"),
                            ..SmtpMessage::default()
                        };
                        return inner.body();
                    }
                }
            }
            String::new()
        }
    }

    fn decode_qp(s: &str) -> String {
        let mut out = Vec::with_capacity(s.len());
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'=' {
                if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') {
                    i += 3;
                    continue;
                }
                if let (Some(h), Some(l)) = (b.get(i + 1), b.get(i + 2)) {
                    if let Ok(v) = u8::from_str_radix(&format!("{}{}", *h as char, *l as char), 16)
                    {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                }
            }
            out.push(b[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// The running sink; stops when dropped (with the worker started beside it, if any).
    pub struct SmtpSink {
        pub port: u16,
        messages: Arc<Mutex<Vec<SmtpMessage>>>,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        pub(crate) worker_stop: Option<tokio::sync::oneshot::Sender<()>>,
    }

    impl Drop for SmtpSink {
        fn drop(&mut self) {
            if let Some(s) = self.worker_stop.take() {
                let _ = s.send(());
            }
            if let Some(s) = self.stop.take() {
                let _ = s.send(());
            }
        }
    }

    impl SmtpSink {
        pub async fn start() -> SmtpSink {
            let listener = TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind SMTP sink");
            let port = listener.local_addr().expect("sink addr").port();
            let messages = Arc::new(Mutex::new(Vec::new()));
            let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
            let store = messages.clone();
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = &mut rx => break,
                        accepted = listener.accept() => {
                            let Ok((sock, _)) = accepted else { continue };
                            let store = store.clone();
                            tokio::spawn(async move {
                                let _ = session(sock, store).await;
                            });
                        }
                    }
                }
            });
            SmtpSink {
                port,
                messages,
                stop: Some(tx),
                worker_stop: None,
            }
        }

        /// Every message received so far.
        pub fn messages(&self) -> Vec<SmtpMessage> {
            self.messages.lock().map(|m| m.clone()).unwrap_or_default()
        }

        /// Waits up to `timeout` for at least `n` messages; returns what arrived.
        pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<SmtpMessage> {
            let end = tokio::time::Instant::now() + timeout;
            loop {
                let m = self.messages();
                if m.len() >= n || tokio::time::Instant::now() >= end {
                    return m;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    async fn session(
        sock: tokio::net::TcpStream,
        store: Arc<Mutex<Vec<SmtpMessage>>>,
    ) -> std::io::Result<()> {
        let (r, mut w) = sock.into_split();
        let mut r = BufReader::new(r);
        w.write_all(b"220 sink.test ESMTP test sink\r\n").await?;
        let mut current = SmtpMessage::default();
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_string();
            let upper = cmd.to_ascii_uppercase();
            if upper.starts_with("EHLO") {
                w.write_all(b"250-sink.test\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")
                    .await?;
            } else if upper.starts_with("HELO") {
                w.write_all(b"250 sink.test\r\n").await?;
            } else if upper.starts_with("MAIL FROM:") {
                current = SmtpMessage {
                    mail_from: addr(&cmd[10..]),
                    ..Default::default()
                };
                w.write_all(b"250 OK\r\n").await?;
            } else if upper.starts_with("RCPT TO:") {
                current.rcpt_to.push(addr(&cmd[8..]));
                w.write_all(b"250 OK\r\n").await?;
            } else if upper == "DATA" {
                w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    let l = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(l.trim_end_matches(['\r', '\n']));
                    data.push_str("\r\n");
                }
                current.data = data;
                if let Ok(mut m) = store.lock() {
                    m.push(std::mem::take(&mut current));
                }
                w.write_all(b"250 OK queued\r\n").await?;
            } else if upper == "RSET" {
                current = SmtpMessage::default();
                w.write_all(b"250 OK\r\n").await?;
            } else if upper == "NOOP" {
                w.write_all(b"250 OK\r\n").await?;
            } else if upper == "QUIT" {
                w.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            } else {
                w.write_all(b"502 Command not implemented\r\n").await?;
            }
        }
    }

    /// `<a@b>` (with any parameters after it) -> `a@b`.
    fn addr(s: &str) -> String {
        let s = s.trim();
        match (s.find('<'), s.find('>')) {
            (Some(a), Some(b)) if b > a => s[a + 1..b].to_string(),
            _ => s.split_whitespace().next().unwrap_or("").to_string(),
        }
    }
}

pub use smtp_sink::{SmtpMessage, SmtpSink};

/// The sender Steward's test mailer uses.
pub const MAIL_FROM: &str = "Steward <steward@acme.example>";

/// Like [`spawn_app`], plus an SMTP sink and a job worker running in this process with
/// every Work job and a mailer pointed at the sink (plain SMTP on localhost). The worker
/// polls every 100 ms; it stops when the sink is dropped.
pub async fn spawn_app_with_mail(db: Db) -> (TestApp, SmtpSink) {
    let app = spawn_app(db).await;
    let sink = start_worker_with_mail(&app).await;
    (app, sink)
}

/// Starts an SMTP sink and an in-process worker whose mail goes to it, for a running app.
pub async fn start_worker_with_mail(app: &TestApp) -> SmtpSink {
    use steward_web::mail::{SmtpConfig, SmtpMailer, TlsMode};
    let mut sink = SmtpSink::start().await;
    let mailer = SmtpMailer::new(&SmtpConfig {
        host: "127.0.0.1".into(),
        port: sink.port,
        tls: TlsMode::None,
        username: None,
        password: None,
        from: MAIL_FROM.into(),
        base_url: app.addr.clone(),
        timeout: std::time::Duration::from_secs(10),
    })
    .expect("test mailer");
    // Work's jobs (mail, notifications, escalations), as the binary registers them.
    let mut registry = steward_core::registry::Registry::new();
    steward_core::work::register(
        &mut registry,
        app.store.clone(),
        std::sync::Arc::new(mailer),
    );
    let worker = steward_core::jobs::Worker::new(
        app.store.clone(),
        registry.jobs().clone(),
        steward_core::jobs::WorkerConfig {
            poll_interval: std::time::Duration::from_millis(100),
            shutdown_grace: std::time::Duration::from_secs(2),
            ..steward_core::jobs::WorkerConfig::default()
        },
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(worker.run(async move {
        let _ = rx.await;
    }));
    sink.worker_stop = Some(tx);
    sink
}
// ====================== END SMTP sink and in-process worker (work: notifications) ======================
