//! Shared by the store's integration tests: one test body, run on both databases.
//!
//! `store_test!(name, |db| async move { ... })` makes a module `name` with two tests,
//! `name::sqlite` and `name::postgres`. Each gets a fresh, migrated database in `db`
//! (a [`TestDb`]): SQLite in a temporary directory, PostgreSQL in a new schema of the
//! database named by `STEWARD_TEST_PG`. Without that variable the PostgreSQL variant says
//! so on stderr and passes.
//!
//! `pg_test!` makes only the PostgreSQL variant (for what only PostgreSQL can do, such as
//! two server instances on one database); `store_test_unmigrated!` hands over a database
//! that was never migrated.
#![allow(dead_code)]

use serde_json::json;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor, Row};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use steward_core::audit::AuditDraft;
use steward_core::auth::session::cli_actor;
use steward_core::auth::{hash_password, Actor, Password};
use steward_core::company::create_company;
use steward_core::ids::{CompanyId, UserId};
use steward_core::users::{NewUserRecord, UserStore};
use steward_store::{Backend, ConnectOptions, Store};
use tempfile::TempDir;

/// The environment variable that names the PostgreSQL server to test against.
pub const PG_ENV: &str = "STEWARD_TEST_PG";
/// Test schemas are named `steward_t_<unix_secs>_<pid>_<counter>`.
const SCHEMA_PREFIX: &str = "steward_t_";
/// Test schemas older than this are dropped the first time a test process needs PostgreSQL.
const STALE_AFTER_SECS: u64 = 2 * 3600;

/// A fresh database for one test. Keeps the SQLite directory alive as long as it lives.
pub struct TestDb {
    /// "SQLite" or "PostgreSQL".
    pub name: &'static str,
    pub store: Store,
    url: String,
    schema: Option<String>,
    _dir: Option<TempDir>,
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The PostgreSQL URL to test against, if one is configured.
pub fn pg_url() -> Option<String> {
    std::env::var(PG_ENV).ok().filter(|u| !u.trim().is_empty())
}

/// Says, where a person running `cargo test` sees it (libtest captures `eprintln!` of
/// passing tests, so this writes to the process's stderr directly), that a PostgreSQL
/// variant did not run.
pub fn report_pg_skipped(test: &str) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED (PostgreSQL) {test}: set {PG_ENV}=postgres://USER@HOST:5432/DB to run"
    );
}

static SCHEMA_COUNTER: AtomicU64 = AtomicU64::new(0);
static CLEANUP: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// Drops test schemas left behind by earlier runs (older than two hours, so that a run
/// going on in another process keeps its own). Uses its own short-lived connection: each
/// test has its own runtime, and a pool must not outlive the runtime it was made in.
async fn drop_stale_schemas(url: &str) {
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("connect to STEWARD_TEST_PG for the clean-up of old test schemas");
    let rows = sqlx::query(
        "SELECT CAST(nspname AS TEXT) AS name FROM pg_namespace WHERE nspname LIKE 'steward\\_t\\_%'",
    )
    .fetch_all(&pool)
    .await
    .expect("list test schemas");
    let now = unix_secs();
    for r in rows {
        let name: String = r.try_get("name").expect("schema name");
        let secs = name
            .strip_prefix(SCHEMA_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|s| s.parse::<u64>().ok());
        let stale = secs.is_some_and(|s| now.saturating_sub(s) > STALE_AFTER_SECS);
        let safe = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if stale && safe {
            // Another process may be dropping it at the same time: not an error.
            if let Err(e) = sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                .execute(&pool)
                .await
            {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "note: could not drop old test schema {name}: {e}"
                );
            }
        }
    }
    pool.close().await;
}

/// A PostgreSQL test schema goes with its test when the test passed; when it failed it is
/// kept for inspection (and swept by a later run after two hours).
impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(schema) = self.schema.take() else {
            return;
        };
        if std::thread::panicking() {
            let _ = writeln!(
                std::io::stderr().lock(),
                "[PostgreSQL] kept schema {schema} of the failed test for inspection"
            );
            return;
        }
        let url = self.url.clone();
        // Drop cannot await, and the test's runtime may be shutting down: use a thread of
        // its own with a runtime of its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                sqlx::any::install_default_drivers();
                let dropped = match AnyPoolOptions::new().max_connections(1).connect(&url).await {
                    Ok(pool) => {
                        let r = sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                            .execute(&pool)
                            .await;
                        pool.close().await;
                        r.map(|_| ())
                    }
                    Err(e) => Err(e),
                };
                if let Err(e) = dropped {
                    let _ = writeln!(
                        std::io::stderr().lock(),
                        "note: could not drop test schema {schema}: {e}"
                    );
                }
            });
        })
        .join();
    }
}

impl TestDb {
    /// A fresh, migrated SQLite database.
    pub async fn sqlite() -> TestDb {
        let db = Self::sqlite_unmigrated().await;
        db.store.migrate().await.expect("migrate SQLite");
        db
    }

    /// A fresh SQLite database that was never migrated.
    pub async fn sqlite_unmigrated() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let store = Store::connect(&url, ConnectOptions::default())
            .await
            .expect("open SQLite store");
        TestDb {
            name: Backend::Sqlite.name(),
            store,
            url,
            schema: None,
            _dir: Some(dir),
        }
    }

    /// A fresh, migrated PostgreSQL schema, or `None` (after saying so) when
    /// `STEWARD_TEST_PG` is not set.
    pub async fn postgres(test: &str) -> Option<TestDb> {
        let db = Self::postgres_unmigrated(test).await?;
        db.store.migrate().await.expect("migrate PostgreSQL");
        Some(db)
    }

    /// A fresh PostgreSQL schema that was never migrated.
    pub async fn postgres_unmigrated(test: &str) -> Option<TestDb> {
        let Some(url) = pg_url() else {
            report_pg_skipped(test);
            return None;
        };
        CLEANUP.get_or_init(|| drop_stale_schemas(&url)).await;
        let schema = format!(
            "{SCHEMA_PREFIX}{}_{}_{}",
            unix_secs(),
            std::process::id(),
            SCHEMA_COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let store = Store::connect(
            &url,
            ConnectOptions {
                pg_schema: Some(schema.clone()),
                ..Default::default()
            },
        )
        .await
        .expect("open PostgreSQL store (is STEWARD_TEST_PG right?)");
        Some(TestDb {
            name: Backend::Postgres.name(),
            store,
            url,
            schema: Some(schema),
            _dir: None,
        })
    }

    /// Another `Store` on the same database (another server instance, on PostgreSQL).
    pub async fn another_store(&self) -> Store {
        Store::connect(
            &self.url,
            ConnectOptions {
                pg_schema: self.schema.clone(),
                ..Default::default()
            },
        )
        .await
        .expect("open a second store on the same database")
    }

    /// A plain sqlx pool on the same database (and schema), bypassing the Store: for
    /// inspecting tables and for tampering with them.
    pub async fn raw(&self) -> AnyPool {
        sqlx::any::install_default_drivers();
        let schema = self.schema.clone();
        AnyPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                let schema = schema.clone();
                Box::pin(async move {
                    match schema {
                        Some(s) => {
                            conn.execute(format!("SET search_path TO {s}").as_str())
                                .await?;
                        }
                        None => {
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(&self.url)
            .await
            .expect("open a raw pool on the test database")
    }

    /// Drops the triggers that keep audit rows from being updated or deleted: the first
    /// move of someone tampering with the trail through the database.
    pub async fn drop_audit_guards(&self) {
        let raw = self.raw().await;
        let sql = match self.store.backend() {
            Backend::Postgres => "DROP TRIGGER audit_events_no_update ON audit_events; DROP TRIGGER audit_events_no_delete ON audit_events",
            Backend::Sqlite => "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete",
        };
        sqlx::raw_sql(sql)
            .execute(&raw)
            .await
            .unwrap_or_else(|e| panic!("[{}] drop the audit triggers: {e}", self.name));
        raw.close().await;
    }

    /// `SELECT COUNT(*)` of a table, through a raw pool.
    pub async fn count(&self, table: &str) -> i64 {
        let raw = self.raw().await;
        let n = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
            .fetch_one(&raw)
            .await
            .unwrap_or_else(|e| panic!("[{}] count {table}: {e}", self.name))
            .try_get::<i64, _>("n")
            .expect("count is an integer");
        raw.close().await;
        n
    }

    /// Runs one statement through a raw pool and asserts that the database refuses it with
    /// a message containing `why` (a trigger guarding immutable rows).
    #[allow(dead_code)]
    pub async fn assert_refused(&self, sql: &str, why: &str) {
        let raw = self.raw().await;
        let r = sqlx::query(sql).execute(&raw).await;
        raw.close().await;
        match r {
            Ok(done) => panic!(
                "[{}] {sql} was allowed ({} rows)",
                self.name,
                done.rows_affected()
            ),
            Err(e) => assert!(e.to_string().contains(why), "[{}] {sql}: {e}", self.name),
        }
    }

    /// Runs one statement through a raw pool, returning the number of rows it touched.
    pub async fn exec(&self, sql: &str) -> u64 {
        let raw = self.raw().await;
        let r = sqlx::query(sql)
            .execute(&raw)
            .await
            .unwrap_or_else(|e| panic!("[{}] {sql}: {e}", self.name));
        raw.close().await;
        r.rows_affected()
    }
}

/// Makes `$name::sqlite` and `$name::postgres` from one body. The body is an
/// `async move` block that uses `$db: TestDb`.
#[macro_export]
macro_rules! store_test {
    ($name:ident, |$db:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let $db = $crate::common::TestDb::sqlite().await;
                $body.await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let Some($db) =
                    $crate::common::TestDb::postgres(concat!(module_path!(), "::postgres")).await
                else {
                    return;
                };
                $body.await;
            }
        }
    };
}

/// Like `store_test!`, with a database that was never migrated.
#[macro_export]
macro_rules! store_test_unmigrated {
    ($name:ident, |$db:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let $db = $crate::common::TestDb::sqlite_unmigrated().await;
                $body.await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let Some($db) = $crate::common::TestDb::postgres_unmigrated(concat!(
                    module_path!(),
                    "::postgres"
                ))
                .await
                else {
                    return;
                };
                $body.await;
            }
        }
    };
}

/// Only `$name::postgres`: for what needs a PostgreSQL server (several server instances).
#[macro_export]
macro_rules! pg_test {
    ($name:ident, |$db:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let Some($db) =
                    $crate::common::TestDb::postgres(concat!(module_path!(), "::postgres")).await
                else {
                    return;
                };
                $body.await;
            }
        }
    };
}

/// A password that passes the policy; every test user gets it unless a test says otherwise.
pub const PASSWORD: &str = "a long and unusual phrase";

/// Two companies, each with an admin created straight through the store (as `init` does),
/// and the admins' actors.
pub struct World {
    pub a: CompanyId,
    pub b: CompanyId,
    pub admin_a: UserId,
    pub admin_b: UserId,
    pub actor_a: Actor,
    pub actor_b: Actor,
}

/// Inserts a user with the given built-in or company role keys through the store, as the
/// CLI's first-admin path does.
pub async fn insert_user(
    store: &Store,
    company: CompanyId,
    username: &str,
    roles: &[&str],
    password: Option<&str>,
) -> UserId {
    let keys: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
    let found = store
        .role_ids(company, &keys)
        .await
        .expect("resolve role keys");
    assert_eq!(found.len(), keys.len(), "every role key {keys:?} resolves");
    let password_hash = password.map(|p| {
        hash_password(&Password::parse(p, &[]).expect("test password passes the policy"))
            .expect("hash password")
    });
    let rec = NewUserRecord {
        username: username.to_string(),
        email: format!("{username}@example.com"),
        display_name: format!("User {username}"),
        password_hash,
        role_ids: found.iter().map(|(_, id)| *id).collect(),
        role_keys: found.iter().map(|(k, _)| k.clone()).collect(),
    };
    let audit = AuditDraft::system(
        "test",
        None,
        "user",
        None,
        "create",
        json!({ "username": username }),
    )
    .in_company(company);
    let ids = store
        .insert_users(company, std::slice::from_ref(&rec), vec![audit])
        .await
        .expect("insert user");
    assert_eq!(ids.len(), 1);
    ids[0]
}

pub async fn world(store: &Store) -> World {
    let a = create_company(store, "test", "Alpha Ltd", "EUR")
        .await
        .expect("create company A");
    let b = create_company(store, "test", "Beta GmbH", "CHF")
        .await
        .expect("create company B");
    assert_ne!(a, b);
    let admin_a = insert_user(store, a, "admin-a", &["admin"], Some(PASSWORD)).await;
    let admin_b = insert_user(store, b, "admin-b", &["admin"], Some(PASSWORD)).await;
    let actor_a = cli_actor(store, admin_a, a)
        .await
        .expect("actor of admin A");
    let actor_b = cli_actor(store, admin_b, b)
        .await
        .expect("actor of admin B");
    World {
        a,
        b,
        admin_a,
        admin_b,
        actor_a,
        actor_b,
    }
}

/// Creates a user through the domain service as `actor`.
pub async fn create_user(
    store: &Store,
    actor: &Actor,
    username: &str,
    roles: &[&str],
    password: Option<&str>,
) -> UserId {
    steward_core::users::create_user(
        store,
        actor,
        steward_core::users::NewUser {
            username: username.to_string(),
            email: format!("{username}@example.com"),
            display_name: format!("User {username}"),
            password: password.map(str::to_string),
            roles: roles.iter().map(|r| r.to_string()).collect(),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("create user {username}: {e}"))
}

/// What the binary registers, over `store` (mail is not sent): the engines' tests decide
/// approvals and attach files through it.
#[allow(dead_code)]
pub fn registry(store: &Store) -> steward_core::registry::Registry {
    let mut r = steward_core::registry::Registry::new();
    steward_core::users::register(&mut r);
    steward_core::work::register(
        &mut r,
        store.clone(),
        std::sync::Arc::new(steward_core::work::mail::NotConfigured),
    );
    steward_core::ledger::register(&mut r, store.clone());
    steward_core::hr::register(&mut r, store.clone());
    r
}

/// The books with the starter chart and billing's settings (receivables 1200, payables
/// 2000, tax per line, bills above `threshold` approved; empty: none): what every billing
/// and bank test starts from.
pub async fn billing_books(store: &Store, actor: &Actor, threshold: &str) {
    steward_core::ledger::books::set_up_books(store, actor, true)
        .await
        .expect("books");
    steward_core::billing::set_settings(
        store,
        actor,
        &steward_core::billing::SettingsInput {
            receivable_account: "1200".into(),
            payable_account: "2000".into(),
            tax_rounding: "line".into(),
            bill_approval_threshold: threshold.into(),
            fx_gain_loss_account: String::new(),
        },
        None,
    )
    .await
    .expect("settings");
}

/// The fields an error names, in the order it names them.
pub fn fields(e: &steward_core::Error) -> Vec<String> {
    e.field_errors().into_iter().map(|f| f.field).collect()
}

/// The fields an error names, sorted (for errors that gather several).
pub fn sorted_fields(e: &steward_core::Error) -> Vec<String> {
    let mut f = fields(e);
    f.sort();
    f
}

/// A user's actor as a signed-in session's.
pub async fn session_actor(store: &Store, user: UserId, company: CompanyId) -> Actor {
    let mut a = cli_actor(store, user, company).await.expect("actor");
    a.via = steward_core::auth::Via::Session;
    a
}

/// Records: a subject of `kind` (the clinic template's patient: a date of birth) with this
/// reference, named "Patient <reference>".
pub async fn records_subject(
    store: &Store,
    a: &Actor,
    kind: steward_core::records::KindId,
    reference: &str,
) -> steward_core::records::SubjectId {
    let mut custom = serde_json::Map::new();
    custom.insert("date_of_birth".into(), "1970-02-03".into());
    steward_core::records::subjects::create(
        store,
        a,
        &steward_core::records::subjects::SubjectInput {
            kind_id: kind.0.to_string(),
            reference: reference.into(),
            name: format!("Patient {reference}"),
            owner_id: String::new(),
            custom: Some(custom),
            ended_on: None,
        },
    )
    .await
    .expect("subject")
    .id
}

/// Records: a note in a subject's file.
/// A text document `file` (name, bytes) of `s` in category `c`, added by `a`.
pub async fn records_document(
    store: &Store,
    fs: &steward_store::files::LocalFiles,
    a: &Actor,
    s: steward_core::records::SubjectId,
    c: steward_core::records::CategoryId,
    title: &str,
    file: (&str, &[u8]),
) -> steward_core::records::file::Item {
    steward_core::records::file::add_document(
        store,
        fs,
        a,
        s,
        &steward_core::records::file::ItemInput {
            category_id: c.0.to_string(),
            title: title.into(),
            body: String::new(),
        },
        file.0,
        file.1,
    )
    .await
    .expect("document")
}

pub async fn records_note(
    store: &Store,
    a: &Actor,
    s: steward_core::records::SubjectId,
    c: steward_core::records::CategoryId,
    title: &str,
    body: &str,
) -> steward_core::records::ItemId {
    steward_core::records::file::add_note(
        store,
        a,
        s,
        &steward_core::records::file::ItemInput {
            category_id: c.0.to_string(),
            title: title.into(),
            body: body.into(),
        },
    )
    .await
    .expect("note")
    .id
}
