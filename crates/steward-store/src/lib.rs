//! The Store: every read and write of Steward's data, for SQLite and PostgreSQL through one
//! code path (sqlx's `Any` driver; static SQL uses `$n` placeholders, which both accept;
//! dynamic SQL is built by sea-query for the right dialect). The Store holds no rules: it
//! implements the store traits of `steward-core` and writes each change with its audit
//! event in one transaction.
#![forbid(unsafe_code)]

mod audit;
mod auth;
pub mod backup;
mod bank;
pub mod billing;
mod company;
mod departments;
pub mod files;
pub mod hr;
pub mod idempotency;
mod it;
mod jobs;
mod ledger;
mod migrate;
mod owned_fields;
mod records;
mod roles;
mod sla;
mod sql;
mod tokens;
mod users;
mod work;

pub use migrate::{MigrateReport, LATEST_VERSION};
pub use records::retention::BulkFiles;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Row, Transaction};
use std::time::Duration;
use steward_core::audit::{AuditDraft, AuditEvent};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// PostgreSQL only: run inside this schema (created if missing). Used by tests to get a
    /// fresh schema each; also lets an operator share one database between applications.
    pub pg_schema: Option<String>,
    pub max_connections: u32,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            pg_schema: None,
            max_connections: 16,
        }
    }
}

/// A handle to the database. Cheap to clone. On SQLite, writes go through a pool of one
/// connection (SQLite has one writer anyway; this avoids lock upgrade failures), reads
/// through the other pool.
#[derive(Clone, Debug)]
pub struct Store {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
    /// Role id -> (role version, grants). Reads check the version in the database, so a
    /// change made by any instance is seen at once.
    grant_cache: GrantCache,
}

type GrantCache = std::sync::Arc<
    std::sync::RwLock<
        std::collections::HashMap<i64, (i64, std::sync::Arc<Vec<steward_core::auth::Grant>>)>,
    >,
>;

/// Maps a database error to the domain's error: unique violations are conflicts the user can
/// fix; anything else is internal (logged by the web layer, never shown).
pub(crate) fn db(e: sqlx::Error) -> Error {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            return Error::conflict("a record with the same unique value already exists");
        }
        if d.is_foreign_key_violation() {
            return Error::conflict(
                "the record is referenced elsewhere or refers to a missing record",
            );
        }
    }
    Error::Internal(format!("database: {e}"))
}

/// A unique violation as the error of the field the user typed; anything else as [`db`].
pub(crate) fn taken(field: &'static str, message: &'static str) -> impl Fn(sqlx::Error) -> Error {
    move |e| match db(e) {
        Error::Conflict { .. } => Error::invalid(field, message),
        e => e,
    }
}

/// A write at a version someone else changed meanwhile.
pub(crate) fn stale(what: &str) -> Error {
    Error::conflict(format!(
        "the {what} was changed by someone else since you read it; reload and try again"
    ))
}

impl Store {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str, opts: ConnectOptions) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(Error::invalid(
                "database_url",
                "must start with sqlite: or postgres:",
            ));
        };
        match backend {
            Backend::Sqlite => {
                let url = if url.contains('?') {
                    url.to_string()
                } else {
                    format!("{url}?mode=rwc")
                };
                let pool = |n: u32| {
                    AnyPoolOptions::new()
                        .max_connections(n)
                        .min_connections(1)
                        // A file on this machine: a connection cannot drop, so no ping (a
                        // round trip to the connection's thread) before every statement.
                        .test_before_acquire(false)
                        .acquire_timeout(Duration::from_secs(30))
                        .after_connect(|conn, _| {
                            Box::pin(async move {
                                // WAL: readers never block the writer. synchronous=FULL: a
                                // committed transaction survives power loss (see OPERATIONS.md).
                                conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA mmap_size = 268435456;")
                                    .await?;
                                Ok(())
                            })
                        })
                };
                let write = pool(1).connect(&url).await.map_err(db)?;
                let read = pool(opts.max_connections.clamp(2, 8))
                    .connect(&url)
                    .await
                    .map_err(db)?;
                Ok(Store {
                    read,
                    write,
                    backend,
                    grant_cache: GrantCache::default(),
                })
            }
            Backend::Postgres => {
                if let Some(schema) = &opts.pg_schema {
                    if !schema
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        return Err(Error::invalid("pg_schema", "letters, digits and '_' only"));
                    }
                    let setup = AnyPoolOptions::new()
                        .max_connections(1)
                        .connect(url)
                        .await
                        .map_err(db)?;
                    sqlx::raw_sql(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                        .execute(&setup)
                        .await
                        .map_err(db)?;
                    setup.close().await;
                }
                let schema = opts.pg_schema.clone();
                let pool = AnyPoolOptions::new()
                    .max_connections(opts.max_connections)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(move |conn, _| {
                        let schema = schema.clone();
                        Box::pin(async move {
                            if let Some(s) = schema {
                                conn.execute(format!("SET search_path TO {s}").as_str())
                                    .await?;
                            }
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await
                    .map_err(db)?;
                Ok(Store {
                    read: pool.clone(),
                    write: pool,
                    backend,
                    grant_cache: GrantCache::default(),
                })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }

    pub(crate) async fn begin(&self) -> Result<Transaction<'static, Any>> {
        self.write.begin().await.map_err(db)
    }

    /// Reads a setting.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        row.map(|r| r.try_get::<String, _>(0))
            .transpose()
            .map_err(db)
    }

    /// Writes a setting, audited.
    pub async fn set_setting(&self, key: &str, value: &str, audit: AuditDraft) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}

/// The key this process seals and verifies the audit chain with. One process serves one
/// database, so the key is the process's: set once by the binary at start (from the key
/// file), before anything is written. Without one (tests, tools) events are sealed with the
/// legacy plain SHA-256. A process-wide setting rather than a field of [`Store`] because
/// events are appended by `append_audit` inside ninety-odd store transactions that know
/// only their transaction.
static AUDIT_KEY: std::sync::RwLock<Option<steward_core::audit::AuditKey>> =
    std::sync::RwLock::new(None);

/// Sets (or with `None`, clears) the audit chain's key for this process.
pub fn set_audit_key(key: Option<steward_core::audit::AuditKey>) {
    match AUDIT_KEY.write() {
        Ok(mut k) => *k = key,
        Err(poisoned) => *poisoned.into_inner() = key,
    }
}

/// The audit chain's key for this process, if set.
pub fn audit_key() -> Option<steward_core::audit::AuditKey> {
    match AUDIT_KEY.read() {
        Ok(k) => k.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

/// Appends an event to the hash chain inside the caller's transaction. The head row is
/// updated first: on PostgreSQL that row lock serializes concurrent writers (any number of
/// instances) into one chain; on SQLite the single writer does.
pub(crate) async fn append_audit(
    tx: &mut Transaction<'static, Any>,
    draft: AuditDraft,
) -> Result<AuditEvent> {
    let row = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
    let seq: i64 = row.try_get(0).map_err(db)?;
    let prev: String = row.try_get(1).map_err(db)?;
    let key = audit_key();
    let event = AuditEvent::seal_with(draft, seq, Timestamp::now(), &prev, key.as_ref());
    sqlx::query(
        "INSERT INTO audit_events (seq, at, company_id, actor_id, actor, ip, entity, entity_id, action, changes, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(event.seq)
    .bind(event.at.0)
    .bind(event.company_id.map(|c| c.0))
    .bind(event.actor_id.map(|u| u.0))
    .bind(&event.actor)
    .bind(&event.ip)
    .bind(&event.entity)
    .bind(&event.entity_id)
    .bind(&event.action)
    .bind(event.changes.to_string())
    .bind(&event.prev_hash)
    .bind(&event.hash)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&event.hash)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    // Every change is audited, so this is where a request running under an
    // `Idempotency-Key` marks its claim committed, in the write's own transaction.
    if let Some(holder) = steward_core::idempotency::current() {
        idempotency::mark_committed(tx, &holder, &event.entity, event.entity_id.as_deref()).await?;
    }
    Ok(event)
}

/// Appends events to the hash chain inside the caller's transaction, as [`append_audit`]
/// would one after another, in a few statements: the head moves by their number at once
/// (the same row lock), each event is sealed on the one before it, the rows go in
/// multi-row INSERTs, and the head takes the last hash. A request under an
/// `Idempotency-Key` is marked committed once, naming the first event's entity.
pub(crate) async fn append_audits(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    drafts: Vec<AuditDraft>,
) -> Result<()> {
    if drafts.len() <= 1 {
        for d in drafts {
            append_audit(tx, d).await?;
        }
        return Ok(());
    }
    let n = i64::try_from(drafts.len()).map_err(Error::internal)?;
    let row = sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(n)
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
    let last: i64 = row.try_get(0).map_err(db)?;
    let mut prev: String = row.try_get(1).map_err(db)?;
    let key = audit_key();
    let mut events = Vec::with_capacity(drafts.len());
    for (seq, draft) in (last - n + 1..).zip(drafts) {
        let event = AuditEvent::seal_with(draft, seq, Timestamp::now(), &prev, key.as_ref());
        prev.clone_from(&event.hash);
        events.push(event);
    }
    const INTO: &str = "audit_events (seq, at, company_id, actor_id, actor, ip, entity, entity_id, action, changes, prev_hash, hash)";
    const ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    for chunk in events.chunks(sql::rows_per_statement(12)) {
        let text = sql::insert_values(backend, INTO, ROW, chunk.len());
        let mut q = sqlx::query(&text);
        for e in chunk {
            q = q
                .bind(e.seq)
                .bind(e.at.0)
                .bind(e.company_id.map(|c| c.0))
                .bind(e.actor_id.map(|u| u.0))
                .bind(e.actor.as_str())
                .bind(e.ip.as_deref())
                .bind(e.entity.as_str())
                .bind(e.entity_id.as_deref())
                .bind(e.action.as_str())
                .bind(e.changes.to_string())
                .bind(e.prev_hash.as_str())
                .bind(e.hash.as_str());
        }
        q.execute(&mut **tx).await.map_err(db)?;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    if let (Some(holder), Some(first)) = (steward_core::idempotency::current(), events.first()) {
        idempotency::mark_committed(tx, &holder, &first.entity, first.entity_id.as_deref()).await?;
    }
    Ok(())
}

impl Store {
    /// Starts keying the audit chain: a new key for the events after the current head, set
    /// for this process, handed to `keep` (which writes the key file) before the first keyed
    /// event, `audit.key_created`, is committed. The head's row lock keeps other writers out
    /// meanwhile, so the key's first event is exactly the one written here.
    pub async fn begin_keyed_chain(
        &self,
        keep: impl FnOnce(&steward_core::audit::AuditKey) -> Result<()>,
    ) -> Result<steward_core::audit::AuditKey> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let head: i64 = row.try_get(0).map_err(db)?;
        let key = steward_core::audit::AuditKey::generate(head + 1);
        keep(&key)?;
        set_audit_key(Some(key.clone()));
        append_audit(
            &mut tx,
            AuditDraft::system(
                "cli",
                None,
                "audit",
                None,
                "key_created",
                serde_json::json!({"key": key.id(), "from": key.from_seq, "unkeyed_events": head}),
            ),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(key)
    }

    /// Whether the trail holds keyed events (then a missing key file is an error, not a
    /// reason to start a new key).
    pub async fn has_keyed_events(&self) -> Result<bool> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n FROM audit_events WHERE entity = 'audit' AND action = 'key_created'",
        )
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        Ok(get_i64(&r, "n")? > 0)
    }
}

/// A boxed future that may be sent between threads.
pub(crate) type BoxFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Something a domain lends to employees and wants back when they leave: the items it has
/// lent one person, each with its source (`it`) and record (`it.asset:12`; the domain
/// closes the item when that comes back). HR's offboarding asks every one
/// (`LifecycleStore::assigned_items`) without naming the domains.
pub(crate) type Lender =
    for<'a> fn(
        &'a Store,
        steward_core::ids::CompanyId,
        steward_core::ids::EmployeeId,
    ) -> BoxFuture<'a, Result<Vec<steward_core::hr::lifecycle::LentItem>>>;

/// The lenders: a domain that lends adds its one function here.
pub(crate) const LENDERS: &[Lender] = &[it::assets::lent_to, it::licences::lent_to];

/// Reads an optional i64 column.
pub(crate) fn opt_i64(row: &AnyRow, col: &str) -> Result<Option<i64>> {
    row.try_get::<Option<i64>, _>(col).map_err(db)
}
pub(crate) fn get_i64(row: &AnyRow, col: &str) -> Result<i64> {
    row.try_get::<i64, _>(col).map_err(db)
}
pub(crate) fn get_str(row: &AnyRow, col: &str) -> Result<String> {
    row.try_get::<String, _>(col).map_err(db)
}
pub(crate) fn opt_str(row: &AnyRow, col: &str) -> Result<Option<String>> {
    row.try_get::<Option<String>, _>(col).map_err(db)
}

impl Store {
    /// Drops a PostgreSQL schema and everything in it (benchmarks and tests clean up with it).
    pub async fn drop_schema(&self, schema: &str) -> Result<()> {
        if self.backend != Backend::Postgres
            || !schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(Error::invalid(
                "schema",
                "only a PostgreSQL schema name of letters, digits and '_'",
            ));
        }
        sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(())
    }
}

impl Store {
    /// Refreshes the planner's statistics, so that lists walk their sort index instead of
    /// sorting every row. Cheap (SQLite samples at most 1,000 rows per index). Run after
    /// migrations, after bulk imports, and periodically by the server (autovacuum does the
    /// same on PostgreSQL, later).
    pub async fn optimize(&self) -> Result<()> {
        let sql = match self.backend {
            Backend::Sqlite => "PRAGMA analysis_limit = 1000; ANALYZE;",
            // VACUUM also sets the visibility map, without which PostgreSQL's index-only
            // scans (the counts of lists) still read every row from the heap.
            Backend::Postgres => "VACUUM (ANALYZE)",
        };
        sqlx::raw_sql(sql).execute(&self.write).await.map_err(db)?;
        Ok(())
    }
}

impl Store {
    /// Refreshes the planner's statistics of `tables` after a bulk write (committed; callers
    /// treat it as best effort). Without them PostgreSQL plans a table it last saw empty as
    /// if it still were, and may walk any index on `company_id` and filter every row (an
    /// asset import's tag check took seconds a query so). SQLite reads for it without
    /// memory-mapping the file: mapped, the sampled pages of a fresh multi-million-row import
    /// counted some 250 MB towards the process's resident memory (measured).
    pub(crate) async fn analyze(&self, tables: &[&str]) -> Result<()> {
        let sql = match self.backend {
            Backend::Sqlite => format!(
                "PRAGMA mmap_size = 0; PRAGMA analysis_limit = 1000; {} PRAGMA mmap_size = 268435456;",
                tables
                    .iter()
                    .map(|t| format!("ANALYZE {t};"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Backend::Postgres => format!("ANALYZE {}", tables.join(", ")),
        };
        sqlx::raw_sql(&sql).execute(&self.write).await.map_err(db)?;
        Ok(())
    }
}

impl steward_core::system::SystemStore for Store {
    fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    async fn schema_version(&self) -> Result<i64> {
        // A read only (the home page asks on every view): the server migrated at start, so
        // the table exists; it is not the writer's business.
        self.applied_version().await
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.read)
            .await
            .map_err(db)?;
        Ok(())
    }
}
