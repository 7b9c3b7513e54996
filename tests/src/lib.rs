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

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// The PostgreSQL URL for tests, or `None` (and a visible note) when not configured.
pub fn pg_url() -> Option<String> {
    std::env::var("STEWARD_TEST_PG").ok().filter(|u| !u.is_empty())
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
            let store = Store::connect(&url, ConnectOptions::default()).await.expect("open sqlite");
            store.migrate().await.expect("migrate");
            (store, DbGuard { _dir: Some(dir), url, schema: None })
        }
        Db::Postgres => {
            let url = pg_url().expect("STEWARD_TEST_PG is set");
            let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            let schema = format!("steward_e2e_{secs}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
            let store = Store::connect(&url, ConnectOptions { pg_schema: Some(schema.clone()), max_connections: 8 }).await.expect("open postgres");
            store.migrate().await.expect("migrate");
            (store, DbGuard { _dir: None, url, schema: Some(schema) })
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
        Store::connect(&self.url, ConnectOptions { pg_schema: self.schema.clone(), max_connections: 8 }).await.expect("open again")
    }
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        if let Some(schema) = self.schema.take() {
            let url = self.url.clone();
            // A runtime of its own: Drop may run outside or at the end of the test's runtime.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    rt.block_on(async {
                        use sqlx::Executor;
                        sqlx::any::install_default_drivers();
                        if let Ok(mut c) = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await {
                            let _ = c.execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str()).await;
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
    let company = create_company(&store, "test", "Acme", "EUR").await.expect("company");
    let admin = add_user(&store, company, ADMIN, ADMIN_PASSWORD, &["admin"]).await;
    serve(store, guard, company, admin).await
}

/// Starts a server on an existing database (e.g. a second instance).
pub async fn serve(store: Store, guard: DbGuard, company: CompanyId, admin: UserId) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let state = steward_web::AppState::new(store.clone(), steward_web::WebConfig::default());
    tokio::spawn(async move {
        let _ = steward_web::serve(listener, state, async {
            let _ = rx.await;
        })
        .await;
    });
    TestApp { addr, store, company, admin, guard, shutdown: Some(tx) }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Adds a user with a password and roles straight through the store.
pub async fn add_user(store: &Store, company: CompanyId, username: &str, password: &str, roles: &[&str]) -> UserId {
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
    let audit = AuditDraft::system("test", None, "user", None, "create", serde_json::json!({"username": username})).in_company(company);
    store.insert_users(company, &[rec], vec![audit]).await.expect("insert user")[0]
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.addr)
    }

    /// A client that keeps cookies and sends the same-origin header a browser sends.
    pub fn browser(&self) -> reqwest::Client {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("origin", reqwest::header::HeaderValue::from_str(&self.addr).expect("origin"));
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).default_headers(h).build().expect("client")
    }

    /// A signed-in browser-like client.
    pub async fn signed_in(&self, username: &str, password: &str) -> reqwest::Client {
        let c = self.browser();
        let r = c.post(self.url("/login")).form(&[("login", username), ("password", password), ("next", "/")]).send().await.expect("login");
        assert_eq!(r.status(), 303, "sign-in of {username} failed");
        c
    }

    /// An API token for a user (via the API, as that user).
    pub async fn token(&self, username: &str, password: &str, read_only: bool) -> String {
        let c = self.signed_in(username, password).await;
        let r = c.post(self.url("/api/v1/tokens")).json(&serde_json::json!({"name": "test", "read_only": read_only})).send().await.expect("token");
        assert_eq!(r.status(), 201);
        let v: serde_json::Value = r.json().await.expect("json");
        v["token"].as_str().expect("token").to_string()
    }

    /// A plain API client with a bearer token.
    pub fn api(&self, token: &str) -> reqwest::Client {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("authorization", reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).expect("header"));
        reqwest::Client::builder().default_headers(h).redirect(reqwest::redirect::Policy::none()).build().expect("client")
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
