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
/// A small W3C WebDriver client over `reqwest`, driving headless Chromium through
/// `/usr/bin/chromedriver`. No WebDriver crate: the handful of endpoints the browser tests
/// need, JSON in and out.
///
/// [`webdriver::browser_or_skip`] starts a browser, or — when chromium-driver is not
/// installed and `STEWARD_BROWSER_TESTS` is not `1`, or when it is `0` — prints
/// `SKIPPED (browser): …` and returns `None`. With `STEWARD_BROWSER_TESTS=1` (CI) a missing
/// browser fails the test.
pub mod webdriver {
    use base64::Engine as _;
    use serde_json::{json, Value};
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    mod axe;
    pub use axe::{describe as describe_axe_violations, AXE_EXTRA_RULES, AXE_SOURCE, AXE_TAGS};

    pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
    pub const CHROMIUM: &str = "/usr/bin/chromium";
    /// The W3C key under which an element reference travels.
    const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
    /// The Enter key, for `send_keys` and `press_keys`.
    pub const ENTER: &str = "\u{E007}";
    /// The Tab key, for `press_keys`.
    pub const TAB: &str = "\u{E004}";
    /// Shift, for `press_keys` (held down until the end of the keys it is in).
    pub const SHIFT: &str = "\u{E008}";
    /// Space, for `press_keys` (ticks a checkbox, presses a button).
    pub const SPACE: &str = "\u{E00D}";
    /// Escape, for `press_keys`.
    pub const ESCAPE: &str = "\u{E00C}";
    /// The down arrow, for `press_keys`.
    pub const ARROW_DOWN: &str = "\u{E015}";

    /// An error answered by the driver (`error` is the W3C code, e.g. `no such element`)
    /// or met on the way to it (`error` is `transport`).
    #[derive(Debug, Clone)]
    pub struct WebDriverError {
        pub error: String,
        pub message: String,
    }

    impl std::fmt::Display for WebDriverError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let first = self.message.lines().next().unwrap_or("");
            write!(f, "webdriver: {}: {first}", self.error)
        }
    }

    impl std::error::Error for WebDriverError {}

    pub type Result<T> = std::result::Result<T, WebDriverError>;

    fn transport(e: impl std::fmt::Display) -> WebDriverError {
        WebDriverError {
            error: "transport".into(),
            message: e.to_string(),
        }
    }

    /// A reference to an element of the current page.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Element(pub String);

    impl Element {
        /// The element as an argument for [`Browser::execute`].
        pub fn to_json(&self) -> Value {
            json!({ ELEMENT_KEY: self.0 })
        }
    }

    /// `STEWARD_BROWSER_TESTS=1`: the browser must be there.
    pub fn required() -> bool {
        std::env::var("STEWARD_BROWSER_TESTS").is_ok_and(|v| v == "1")
    }

    /// `STEWARD_BROWSER_TESTS=0`: skip the browser tests even where a browser is installed
    /// (CI's workspace step; its browser step runs them with `STEWARD_BROWSER_TESTS=1`).
    pub fn skipped_on_purpose() -> bool {
        std::env::var("STEWARD_BROWSER_TESTS").is_ok_and(|v| v == "0")
    }

    /// Where tests save screenshots: `$STEWARD_SCREENSHOT_DIR`, else `target/browser-screenshots`
    /// at the workspace root. Created if missing.
    pub fn screenshot_dir() -> PathBuf {
        let dir = match std::env::var("STEWARD_SCREENSHOT_DIR") {
            Ok(d) if !d.is_empty() => PathBuf::from(d),
            _ => Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .unwrap_or(Path::new("."))
                .join("target")
                .join("browser-screenshots"),
        };
        std::fs::create_dir_all(&dir).expect("create the screenshot directory");
        dir
    }

    /// A started browser, or `None` (having said so) when chromium-driver is not installed
    /// and the browser tests are not required.
    pub async fn browser_or_skip(test: &str) -> Option<Browser> {
        if skipped_on_purpose() {
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED (browser): STEWARD_BROWSER_TESTS=0, they run in their own step ({test})"
            );
            return None;
        }
        let missing: Vec<&str> = [CHROMEDRIVER, CHROMIUM]
            .into_iter()
            .filter(|p| !Path::new(p).exists())
            .collect();
        if !missing.is_empty() {
            assert!(
                !required(),
                "STEWARD_BROWSER_TESTS=1 but {missing:?} is missing: apt-get install chromium chromium-driver"
            );
            // Straight to stderr, past the test harness's capture: visible in CI logs.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED (browser): chromium-driver not installed ({test})"
            );
            return None;
        }
        match Browser::start().await {
            Ok(b) => {
                b.axe_for_test(test);
                Some(b)
            }
            Err(e) => panic!("could not start headless Chromium through {CHROMEDRIVER}: {e}"),
        }
    }

    fn free_port() -> Result<u16> {
        let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(transport)?;
        Ok(l.local_addr().map_err(transport)?.port())
    }

    /// Waits until chromedriver answers `/status` with `ready: true`.
    async fn wait_ready(
        http: &reqwest::Client,
        base: &str,
        child: &mut Child,
        timeout: Duration,
    ) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(transport(format!("chromedriver exited: {status}")));
            }
            if let Ok(r) = http.get(format!("{base}/status")).send().await {
                if let Ok(v) = r.json::<Value>().await {
                    if v["value"]["ready"].as_bool() == Some(true) {
                        return Ok(());
                    }
                }
            }
            if Instant::now() > deadline {
                return Err(transport("chromedriver did not answer /status in time"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// One chromedriver process with one session; both end on `quit()` or on drop.
    pub struct Browser {
        http: reqwest::Client,
        base: String,
        session: Option<String>,
        driver: Option<Child>,
        _profile: tempfile::TempDir,
        /// The pages axe has checked (see `axe.rs`).
        axe: std::sync::Mutex<axe::AxeState>,
    }

    impl Browser {
        /// Starts chromedriver on a free port and opens a headless Chromium session with a
        /// fresh profile.
        pub async fn start() -> Result<Browser> {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()
                .map_err(transport)?;
            let mut last = transport("chromedriver did not start");
            // A port picked this way can be taken in between; try a few.
            for _ in 0..3 {
                let port = free_port()?;
                let mut child = Command::new(CHROMEDRIVER)
                    .arg(format!("--port={port}"))
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .map_err(transport)?;
                let base = format!("http://127.0.0.1:{port}");
                match wait_ready(&http, &base, &mut child, Duration::from_secs(20)).await {
                    Ok(()) => {
                        let profile = tempfile::Builder::new()
                            .prefix("steward-chromium-")
                            .tempdir()
                            .map_err(transport)?;
                        let mut b = Browser {
                            http,
                            base,
                            session: None,
                            driver: Some(child),
                            _profile: profile,
                            axe: Default::default(),
                        };
                        b.new_session().await?;
                        return Ok(b);
                    }
                    Err(e) => {
                        let _ = child.kill();
                        let _ = child.wait();
                        last = e;
                    }
                }
            }
            Err(last)
        }

        async fn new_session(&mut self) -> Result<()> {
            let args = [
                "--headless=new".to_string(),
                "--no-sandbox".into(),
                "--disable-gpu".into(),
                "--disable-dev-shm-usage".into(),
                "--disable-background-networking".into(),
                "--disable-component-update".into(),
                "--disable-sync".into(),
                "--no-first-run".into(),
                "--window-size=1280,900".into(),
                format!("--user-data-dir={}", self._profile.path().display()),
            ];
            let caps = json!({
                "capabilities": {
                    "alwaysMatch": {
                        "browserName": "chrome",
                        "pageLoadStrategy": "normal",
                        "goog:chromeOptions": { "binary": CHROMIUM, "args": args }
                    }
                }
            });
            let v = self
                .request(
                    reqwest::Method::POST,
                    format!("{}/session", self.base),
                    Some(caps),
                )
                .await?;
            let id = v["sessionId"]
                .as_str()
                .ok_or_else(|| transport(format!("no sessionId in {v}")))?;
            self.session = Some(id.to_string());
            Ok(())
        }

        async fn request(
            &self,
            method: reqwest::Method,
            url: String,
            body: Option<Value>,
        ) -> Result<Value> {
            let mut rq = self.http.request(method, &url);
            if let Some(b) = body {
                rq = rq.json(&b);
            }
            let r = rq.send().await.map_err(transport)?;
            let ok = r.status().is_success();
            let v: Value = r.json().await.map_err(transport)?;
            let value = v.get("value").cloned().unwrap_or(Value::Null);
            if ok {
                Ok(value)
            } else {
                Err(WebDriverError {
                    error: value["error"]
                        .as_str()
                        .unwrap_or("unknown error")
                        .to_string(),
                    message: value["message"].as_str().unwrap_or("").to_string(),
                })
            }
        }

        async fn cmd(
            &self,
            method: reqwest::Method,
            path: &str,
            body: Option<Value>,
        ) -> Result<Value> {
            let session = self
                .session
                .as_deref()
                .ok_or_else(|| transport("no session"))?;
            self.request(
                method,
                format!("{}/session/{session}{path}", self.base),
                body,
            )
            .await
        }

        async fn post(&self, path: &str, body: Value) -> Result<Value> {
            self.cmd(reqwest::Method::POST, path, Some(body)).await
        }

        async fn get(&self, path: &str) -> Result<Value> {
            self.cmd(reqwest::Method::GET, path, None).await
        }

        /// Navigates and waits for the page to load; axe checks the page (see `axe.rs`).
        pub async fn goto(&self, url: &str) -> Result<()> {
            self.post("/url", json!({ "url": url })).await?;
            self.axe_check_new_page().await;
            Ok(())
        }

        pub async fn current_url(&self) -> Result<String> {
            Ok(self
                .get("/url")
                .await?
                .as_str()
                .unwrap_or_default()
                .to_string())
        }

        pub async fn title(&self) -> Result<String> {
            Ok(self
                .get("/title")
                .await?
                .as_str()
                .unwrap_or_default()
                .to_string())
        }

        fn element_of(v: &Value) -> Result<Element> {
            v[ELEMENT_KEY]
                .as_str()
                .map(|s| Element(s.to_string()))
                .ok_or_else(|| transport(format!("not an element: {v}")))
        }

        /// The first element matching a CSS selector (error `no such element` if none).
        pub async fn find(&self, css: &str) -> Result<Element> {
            let v = self
                .post("/element", json!({ "using": "css selector", "value": css }))
                .await?;
            Self::element_of(&v)
        }

        /// Every element matching a CSS selector, in document order.
        pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
            let v = self
                .post(
                    "/elements",
                    json!({ "using": "css selector", "value": css }),
                )
                .await?;
            v.as_array()
                .map(|a| a.iter().map(Self::element_of).collect())
                .unwrap_or_else(|| Ok(vec![]))
        }

        /// The first element matching a CSS selector inside `parent`.
        pub async fn find_in(&self, parent: &Element, css: &str) -> Result<Element> {
            let v = self
                .post(
                    &format!("/element/{}/element", parent.0),
                    json!({ "using": "css selector", "value": css }),
                )
                .await?;
            Self::element_of(&v)
        }

        /// Clicks an element; a page it leads to is checked by axe.
        pub async fn click(&self, el: &Element) -> Result<()> {
            self.post(&format!("/element/{}/click", el.0), json!({}))
                .await?;
            self.axe_check_new_page().await;
            Ok(())
        }

        /// Types text into an element (`ENTER` presses Enter; a page that leads to is
        /// checked by axe).
        pub async fn send_keys(&self, el: &Element, text: &str) -> Result<()> {
            self.post(&format!("/element/{}/value", el.0), json!({ "text": text }))
                .await?;
            if text.contains(ENTER) {
                self.axe_check_new_page().await;
            }
            Ok(())
        }

        /// Presses keys on the keyboard as a person would, wherever the focus is (the W3C
        /// actions API, no element targeted): `TAB`, `ENTER`, `SPACE`, `ESCAPE` or text;
        /// `SHIFT` stays down until the end of this call. A page Enter or Space leads to
        /// is checked by axe.
        pub async fn press_keys(&self, keys: &str) -> Result<()> {
            let mut actions = Vec::new();
            let mut held = Vec::new();
            for c in keys.chars() {
                let k = c.to_string();
                actions.push(json!({ "type": "keyDown", "value": k }));
                if k == SHIFT {
                    held.push(k);
                } else {
                    actions.push(json!({ "type": "keyUp", "value": k }));
                }
            }
            for k in held {
                actions.push(json!({ "type": "keyUp", "value": k }));
            }
            self.post(
                "/actions",
                json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }),
            )
            .await?;
            self.cmd(reqwest::Method::DELETE, "/actions", None).await?;
            if keys.contains(ENTER) || keys.contains(SPACE) {
                self.axe_check_new_page().await;
            }
            Ok(())
        }

        /// What has the keyboard focus: `tag#id.class "text"` (for assertions and messages).
        pub async fn focused(&self) -> Result<String> {
            let v = self
                .execute(
                    "var e = document.activeElement; if (!e) return ''; \
                     return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + \
                     (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '') + \
                     ' ' + JSON.stringify((e.getAttribute('aria-label') || e.textContent || e.value || '').trim().replace(/\\s+/g, ' ').slice(0, 60));",
                    vec![],
                )
                .await?;
            Ok(v.as_str().unwrap_or_default().to_string())
        }

        pub async fn clear(&self, el: &Element) -> Result<()> {
            self.post(&format!("/element/{}/clear", el.0), json!({}))
                .await
                .map(drop)
        }

        /// The rendered (visible) text of an element.
        pub async fn text(&self, el: &Element) -> Result<String> {
            Ok(self
                .get(&format!("/element/{}/text", el.0))
                .await?
                .as_str()
                .unwrap_or_default()
                .to_string())
        }

        /// An attribute, or `None` when the element does not have it.
        pub async fn attribute(&self, el: &Element, name: &str) -> Result<Option<String>> {
            Ok(self
                .get(&format!("/element/{}/attribute/{name}", el.0))
                .await?
                .as_str()
                .map(str::to_string))
        }

        /// The accessible name the browser computes for an element (what a screen reader
        /// announces), with runs of white space made one space.
        pub async fn accessible_name(&self, el: &Element) -> Result<String> {
            let v = self
                .get(&format!("/element/{}/computedlabel", el.0))
                .await?;
            Ok(v.as_str()
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "))
        }

        /// A DOM property (e.g. `checked`, `value`).
        pub async fn property(&self, el: &Element, name: &str) -> Result<Value> {
            self.get(&format!("/element/{}/property/{name}", el.0))
                .await
        }

        pub async fn displayed(&self, el: &Element) -> Result<bool> {
            Ok(self
                .get(&format!("/element/{}/displayed", el.0))
                .await?
                .as_bool()
                .unwrap_or(false))
        }

        /// Runs a script (a function body; `arguments[i]` are the args) and returns its value.
        pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
            self.post("/execute/sync", json!({ "script": script, "args": args }))
                .await
        }

        /// Polls until an element matching `css` exists, or fails after `timeout`.
        /// Signs in through the real form at `login_url` and waits for the layout (`#nav`).
        /// Panics with a clear message: this is for tests.
        pub async fn sign_in(&self, login_url: &str, login: &str, password: &str) {
            const WAIT: Duration = Duration::from_secs(15);
            self.goto(login_url).await.expect("open /login");
            let field = self
                .wait_for("#login", WAIT)
                .await
                .expect("the login field");
            self.clear(&field).await.expect("clear login");
            self.send_keys(&field, login).await.expect("type login");
            let pw = self.find("#password").await.expect("the password field");
            self.send_keys(&pw, password).await.expect("type password");
            let submit = self
                .find("form[action='/login'] button[type=submit]")
                .await
                .expect("the sign-in button");
            self.click(&submit).await.expect("click sign in");
            self.wait_for("#nav", WAIT)
                .await
                .unwrap_or_else(|e| panic!("{login} is signed in and sees the layout: {e}"));
        }

        /// Waits until the first element matching `css` holds `needle` (a page that is still
        /// being replaced shows the old one's message first) and returns its text; panics
        /// with the last text seen after `timeout`.
        pub async fn wait_for_text(&self, css: &str, needle: &str, timeout: Duration) -> String {
            let deadline = Instant::now() + timeout;
            loop {
                let text = match self.find(css).await {
                    Ok(el) => self.text(&el).await.unwrap_or_default(),
                    Err(_) => String::new(),
                };
                if text.contains(needle) {
                    self.axe_check_new_page().await;
                    return text;
                }
                if Instant::now() > deadline {
                    panic!("`{css}` says {text:?}, not {needle:?}, after {timeout:?}");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }

        /// The text of the first element matching `css`, waiting for it; found again when a
        /// navigation replaced it between the look-up and the read (a stale element).
        pub async fn text_of(&self, css: &str, timeout: Duration) -> String {
            let deadline = Instant::now() + timeout;
            loop {
                let el = self
                    .wait_for(css, timeout)
                    .await
                    .unwrap_or_else(|e| panic!("{css}: {e}"));
                match self.text(&el).await {
                    Ok(t) => return t,
                    Err(e) if e.error == "stale element reference" && Instant::now() < deadline => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => panic!("text of {css}: {e}"),
                }
            }
        }

        pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element> {
            let deadline = Instant::now() + timeout;
            loop {
                match self.find(css).await {
                    Ok(el) => {
                        self.axe_check_new_page().await;
                        return Ok(el);
                    }
                    Err(e)
                        if e.error == "no such element" || e.error == "stale element reference" =>
                    {
                        if Instant::now() > deadline {
                            return Err(WebDriverError {
                                error: "timeout".into(),
                                message: format!(
                                    "no `{css}` after {timeout:?} on {}",
                                    self.current_url().await.unwrap_or_default()
                                ),
                            });
                        }
                    }
                    Err(e) => return Err(e),
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }

        /// Polls until a script returns a truthy value (and returns it), or fails after `timeout`.
        pub async fn wait_until(&self, script: &str, timeout: Duration) -> Result<Value> {
            let deadline = Instant::now() + timeout;
            loop {
                let v = self.execute(script, vec![]).await?;
                let truthy = match &v {
                    Value::Null => false,
                    Value::Bool(b) => *b,
                    Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
                    Value::String(s) => !s.is_empty(),
                    _ => true,
                };
                if truthy {
                    self.axe_check_new_page().await;
                    return Ok(v);
                }
                if Instant::now() > deadline {
                    return Err(WebDriverError {
                        error: "timeout".into(),
                        message: format!(
                            "`{script}` still false after {timeout:?} on {}",
                            self.current_url().await.unwrap_or_default()
                        ),
                    });
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }

        /// Saves a PNG of the viewport.
        pub async fn screenshot(&self, path: &Path) -> Result<()> {
            let v = self.get("/screenshot").await?;
            let png = base64::engine::general_purpose::STANDARD
                .decode(v.as_str().unwrap_or_default())
                .map_err(transport)?;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(transport)?;
            }
            std::fs::write(path, png).map_err(transport)
        }

        /// Makes pages see `prefers-color-scheme: dark` (or light again), through
        /// chromedriver's DevTools passthrough. axe then checks the dark palette; a page is
        /// checked once per scheme.
        pub async fn prefer_dark(&self, dark: bool) -> Result<()> {
            let value = if dark { "dark" } else { "light" };
            self.post(
                "/goog/cdp/execute",
                json!({
                    "cmd": "Emulation.setEmulatedMedia",
                    "params": { "features": [{ "name": "prefers-color-scheme", "value": value }] }
                }),
            )
            .await
            .map(drop)
        }

        /// Sets the window's outer size (in headless Chromium the viewport is the same).
        pub async fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
            self.post("/window/rect", json!({ "width": width, "height": height }))
                .await
                .map(drop)
        }

        /// Ends the session and the driver (axe checks the last page first, if new).
        pub async fn quit(mut self) -> Result<()> {
            self.axe_check_new_page().await;
            let r = match self.session.take() {
                Some(id) => self
                    .request(
                        reqwest::Method::DELETE,
                        format!("{}/session/{id}", self.base),
                        None,
                    )
                    .await
                    .map(drop),
                None => Ok(()),
            };
            self.kill_driver();
            r
        }

        fn kill_driver(&mut self) {
            if let Some(mut child) = self.driver.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    impl Drop for Browser {
        fn drop(&mut self) {
            if let Some(id) = self.session.take() {
                // Close Chromium properly even when a test failed half-way; a runtime of its
                // own, as Drop may run inside or after the test's runtime.
                let url = format!("{}/session/{id}", self.base);
                let _ = std::thread::spawn(move || {
                    if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        rt.block_on(async {
                            if let Ok(c) = reqwest::Client::builder()
                                .timeout(Duration::from_secs(10))
                                .build()
                            {
                                let _ = c.delete(url).send().await;
                            }
                        });
                    }
                })
                .join();
            }
            self.kill_driver();
        }
    }
}
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
