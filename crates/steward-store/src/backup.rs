//! `steward backup` / `steward restore`: one portable archive that moves a Steward database
//! between SQLite and PostgreSQL (all columns are integers or text, so values map 1:1).
//!
//! The archive is a gzip'd tar holding
//! - `tables/<name>.jsonl`: one JSON array per row, in primary-key order, columns in the
//!   order the manifest lists them (integers as numbers, text as strings, NULL as null);
//! - `files/<relative path>`: every regular file under the files directory;
//! - `manifest.json` (last, because it carries the checksums of everything before it):
//!   format, schema version, origin, and per table / file its size and SHA-256.
//!
//! A backup reads every table in one consistent snapshot. A restore only goes into an empty
//! database, verifies the whole archive before it writes anything, and writes every row in
//! one transaction.
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use crate::{db, get_i64, get_str, Backend, Store, LATEST_VERSION};

/// The `format` of the manifest.
pub const FORMAT: &str = "steward-backup";
/// The version of the archive layout (not of the database schema).
pub const FORMAT_VERSION: i64 = 1;

/// Rows per multi-row INSERT.
const BATCH_ROWS: usize = 500;
/// Bind parameters per statement: under SQLite's 32766 and PostgreSQL's 65535.
const MAX_BINDS: usize = 30_000;
/// Rows per SELECT page while dumping.
const PAGE_ROWS: i64 = 5_000;
/// The manifest is small; anything bigger is not ours.
const MAX_MANIFEST_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: i64,
    /// The Steward schema version of the database the backup was made from.
    pub schema_version: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// `sqlite` or `postgresql`.
    pub backend: String,
    pub tables: Vec<TableManifest>,
    pub files: Vec<FileManifest>,
    /// The audit chain's key file (its text), when the backed-up process had one: the
    /// trail cannot be verified without it, so it travels with the data it seals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableManifest {
    pub name: String,
    pub rows: u64,
    pub columns: Vec<String>,
    /// SHA-256 (hex) of `tables/<name>.jsonl`.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileManifest {
    /// Relative to the files directory, `/`-separated.
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRows {
    pub name: String,
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub schema_version: i64,
    pub backend: Backend,
    pub created_at: String,
    pub tables: Vec<TableRows>,
    pub files: u64,
    pub file_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreSummary {
    pub schema_version: i64,
    /// The backend the backup was made from (`sqlite` or `postgresql`).
    pub source_backend: String,
    /// When the backup was made.
    pub created_at: String,
    pub tables: Vec<TableRows>,
    pub files: u64,
    pub file_bytes: u64,
    /// The archive's audit key (now this process's key too), for the caller to write to
    /// the key file; `None` for an archive made without one.
    pub audit_key: Option<steward_core::audit::AuditKey>,
}

fn backend_key(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgresql",
    }
}

// ---------------------------------------------------------------------------------------
// Backup
// ---------------------------------------------------------------------------------------

/// Writes a backup of the whole database (and of `files_dir`, when given and present) to
/// `out`. Refuses a database whose schema is not at [`LATEST_VERSION`] or that has a table
/// this version does not know how to back up.
pub async fn backup(
    store: &Store,
    files_dir: Option<&Path>,
    out: &mut impl Write,
) -> Result<BackupSummary> {
    let backend = store.backend();
    let schema_version = store.schema_version().await?;
    if schema_version != LATEST_VERSION {
        return Err(Error::conflict(if schema_version < LATEST_VERSION {
            format!(
                "the database schema is at version {schema_version}, this Steward is at \
                 {LATEST_VERSION}: run `steward migrate` first, then back up"
            )
        } else {
            format!(
                "the database schema is at version {schema_version}, newer than this Steward \
                 ({LATEST_VERSION}): back up with the newer Steward"
            )
        }));
    }
    let created = Timestamp::now();
    let spool = Spool::new(None, "backup")?;

    // 1. Every table, from one snapshot, into spool files (a tar entry needs its size first).
    let mut tx = store.read.begin().await.map_err(db)?;
    if backend == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    // Every table the schema has, parents before children: a new domain's tables are in
    // the backup without being listed anywhere.
    let order = table_order(&mut tx, backend).await?;
    let mut tables = Vec::with_capacity(order.len());
    for name in order.iter().map(String::as_str) {
        let cols = table_columns(&mut tx, backend, name).await?;
        let path = spool.path().join(format!("{name}.jsonl"));
        let file = File::create(&path).map_err(|e| io_err("creating a spool file", e))?;
        let mut w = HashWriter::new(BufWriter::new(file));
        let rows = dump_table(&mut tx, backend, name, &cols, &mut w).await?;
        let (sha256, _, inner) = w.finish();
        inner
            .into_inner()
            .map_err(|e| io_err("writing a spool file", e.into_error()))?;
        tables.push((
            TableManifest {
                name: name.to_string(),
                rows,
                columns: cols.into_iter().map(|c| c.name).collect(),
                sha256,
            },
            path,
        ));
    }
    tx.rollback().await.map_err(db)?;

    // 2. The archive.
    let mtime = u64::try_from(created.0 / 1_000_000).unwrap_or(0);
    let mut tar = tar::Builder::new(GzEncoder::new(out, Compression::default()));
    for (t, path) in &tables {
        let f = File::open(path).map_err(|e| io_err("reading a spool file", e))?;
        let len = f
            .metadata()
            .map_err(|e| io_err("reading a spool file", e))?
            .len();
        append(&mut tar, &format!("tables/{}.jsonl", t.name), len, mtime, f)?;
    }
    let mut files = Vec::new();
    if let Some(dir) = files_dir.filter(|d| d.is_dir()) {
        for (rel, abs) in list_files(dir)? {
            let f = File::open(&abs).map_err(|e| io_err(&format!("reading {rel}"), e))?;
            let meta = f
                .metadata()
                .map_err(|e| io_err(&format!("reading {rel}"), e))?;
            let fmtime = meta
                .modified()
                .ok()
                .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(mtime, |d| d.as_secs());
            let mut r = HashReader::new(ExactReader {
                inner: f,
                left: meta.len(),
            });
            append(
                &mut tar,
                &format!("files/{rel}"),
                meta.len(),
                fmtime,
                &mut r,
            )?;
            let (sha256, size) = r.finish();
            files.push(FileManifest {
                path: rel,
                size,
                sha256,
            });
        }
    }
    let manifest = Manifest {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        schema_version,
        created_at: created.rfc3339(),
        backend: backend_key(backend).to_string(),
        tables: tables.into_iter().map(|(t, _)| t).collect(),
        files,
        audit_key: crate::audit_key().map(|k| k.to_file()),
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(Error::internal)?;
    append(
        &mut tar,
        "manifest.json",
        json.len() as u64,
        mtime,
        json.as_slice(),
    )?;
    let gz = tar
        .into_inner()
        .map_err(|e| io_err("writing the archive", e))?;
    let out = gz.finish().map_err(|e| io_err("writing the archive", e))?;
    out.flush().map_err(|e| io_err("writing the archive", e))?;

    Ok(BackupSummary {
        schema_version,
        backend,
        created_at: manifest.created_at,
        tables: manifest
            .tables
            .iter()
            .map(|t| TableRows {
                name: t.name.clone(),
                rows: t.rows,
            })
            .collect(),
        files: manifest.files.len() as u64,
        file_bytes: manifest.files.iter().map(|f| f.size).sum(),
    })
}

/// Every table of the database, in an order where the tables a row refers to (by foreign
/// key) come before it: the order a backup writes them and a restore inserts them (and
/// deletes them in reverse). Read from the schema itself, so a new migration's tables need
/// no list; a reference of a table to itself (deferred) does not count, and tables caught in
/// a cycle of references (none today) come in name order.
pub async fn table_order(conn: &mut AnyConnection, backend: Backend) -> Result<Vec<String>> {
    let tables = db_tables(conn, backend).await?;
    let sql = match backend {
        Backend::Sqlite => "SELECT \"table\" AS parent FROM pragma_foreign_key_list($1)",
        Backend::Postgres => {
            "SELECT DISTINCT p.relname::text AS parent FROM pg_constraint k \
             JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE k.contype = 'f' AND n.nspname = current_schema() AND c.relname = $1"
        }
    };
    let mut parents: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        std::collections::BTreeMap::new();
    for t in &tables {
        let rows = sqlx::query(sql)
            .bind(t)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        let mut ps = std::collections::BTreeSet::new();
        for r in &rows {
            let p = get_str(r, "parent")?;
            if &p != t && tables.contains(&p) {
                ps.insert(p);
            }
        }
        parents.insert(t.clone(), ps);
    }
    Ok(parents_first(parents))
}

/// [`table_order`] of the store's database.
pub async fn tables_of(store: &Store) -> Result<Vec<String>> {
    let mut conn = store.read.acquire().await.map_err(db)?;
    table_order(&mut conn, store.backend()).await
}

/// Kahn's algorithm, taking the smallest name that is ready each time (a stable order).
fn parents_first(
    mut parents: std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) -> Vec<String> {
    let mut out = Vec::with_capacity(parents.len());
    while !parents.is_empty() {
        let ready = parents
            .iter()
            .find(|(_, ps)| ps.is_empty())
            .map(|(t, _)| t.clone())
            // A cycle: take the first in name order and go on.
            .or_else(|| parents.keys().next().cloned());
        let Some(t) = ready else { break };
        parents.remove(&t);
        for ps in parents.values_mut() {
            ps.remove(&t);
        }
        out.push(t);
    }
    out
}

fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    size: u64,
    mtime: u64,
    data: impl Read,
) -> Result<()> {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(mtime);
    tar.append_data(&mut h, path, data)
        .map_err(|e| io_err(&format!("writing {path} to the archive"), e))
}

/// Regular files under `dir`, recursively, sorted, with `/`-separated relative paths.
/// Symbolic links are not followed.
fn list_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .map_err(|e| io_err(&format!("listing {}", dir.display()), e))?
            .collect::<io::Result<_>>()
            .map_err(|e| io_err(&format!("listing {}", dir.display()), e))?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name();
            let name = name.to_str().ok_or_else(|| {
                Error::Internal(format!(
                    "backup: a file name in {} is not UTF-8: {:?}",
                    dir.display(),
                    e.file_name()
                ))
            })?;
            let rel = if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}/{name}")
            };
            let ty = e
                .file_type()
                .map_err(|err| io_err(&format!("reading {rel}"), err))?;
            if ty.is_dir() {
                walk(&e.path(), &rel, out)?;
            } else if ty.is_file() {
                out.push((rel, e.path()));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    Ok(out)
}

async fn dump_table(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    cols: &[Column],
    out: &mut impl Write,
) -> Result<u64> {
    let mut order: Vec<&Column> = cols.iter().filter(|c| c.pk > 0).collect();
    order.sort_by_key(|c| c.pk);
    if order.is_empty() {
        order = cols.iter().collect();
    }
    let order = order
        .iter()
        .map(|c| match (backend, c.kind) {
            // Byte order, as SQLite's BINARY collation: the same order on both databases.
            (Backend::Postgres, Kind::Text) => format!("{} COLLATE \"C\"", quote(&c.name)),
            _ => quote(&c.name),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let list = cols
        .iter()
        .map(|c| quote(&c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {list} FROM {} ORDER BY {order} LIMIT $1 OFFSET $2",
        quote(table)
    );
    let mut rows_out = 0u64;
    let mut offset = 0i64;
    let mut line = Vec::new();
    loop {
        let rows = sqlx::query(&sql)
            .bind(PAGE_ROWS)
            .bind(offset)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        for r in &rows {
            let values = cols
                .iter()
                .enumerate()
                .map(|(i, c)| cell(r, i, table, &c.name))
                .collect::<Result<Vec<_>>>()?;
            line.clear();
            serde_json::to_writer(&mut line, &values).map_err(Error::internal)?;
            line.push(b'\n');
            out.write_all(&line)
                .map_err(|e| io_err("writing a spool file", e))?;
            rows_out += 1;
        }
        if (rows.len() as i64) < PAGE_ROWS {
            return Ok(rows_out);
        }
        offset += PAGE_ROWS;
    }
}

fn cell(row: &AnyRow, i: usize, table: &str, col: &str) -> Result<Value> {
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return Ok(v.map_or(Value::Null, Value::from));
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return Ok(v.map_or(Value::Null, Value::String));
    }
    Err(Error::Internal(format!(
        "backup: table {table}, column {col}: a value that is neither an integer nor text"
    )))
}

// ---------------------------------------------------------------------------------------
// Restore
// ---------------------------------------------------------------------------------------

/// Restores a backup into an empty database (a freshly migrated one counts as empty: its
/// built-in roles, audit head and schema rows are replaced by the archive's) and its files
/// into `files_dir`. The whole archive is read and verified before anything is written; the
/// rows are then written in one transaction.
///
/// Errors: `Invalid` (field `archive`) for a damaged or foreign archive, or one from another
/// schema version; `Conflict` when the database already holds data; `Internal` for I/O.
pub async fn restore(
    store: &Store,
    files_dir: Option<&Path>,
    input: impl Read,
) -> Result<RestoreSummary> {
    let backend = store.backend();
    let version = store.schema_version().await?;
    if version > LATEST_VERSION {
        return Err(Error::conflict(format!(
            "the database schema is at version {version}, newer than this Steward \
             ({LATEST_VERSION}); nothing was restored"
        )));
    }
    if version > 0 {
        let mut conn = store.read.acquire().await.map_err(db)?;
        ensure_empty(&mut conn).await?;
    }

    // 1. Read and verify everything, writing only to a private staging directory.
    let staging = Spool::new(files_dir, "restore")?;
    let archive = unpack(input, staging.path())?;
    let manifest = &archive.manifest;
    if !manifest.files.is_empty() && files_dir.is_none() {
        return Err(Error::invalid(
            "files_dir",
            format!(
                "the archive holds {} file(s); give the files directory to restore them into",
                manifest.files.len()
            ),
        ));
    }

    let audit_key = manifest
        .audit_key
        .as_deref()
        .map(steward_core::audit::AuditKey::parse)
        .transpose()
        .map_err(|m| Error::invalid("archive", format!("its audit key: {m}")))?;

    // 2. The database, in one transaction.
    if version < LATEST_VERSION {
        store.migrate().await?;
    }
    let mut tx = store.begin().await?;
    if backend == Backend::Postgres {
        sqlx::query("LOCK TABLE companies, users IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    ensure_empty(&mut tx).await?;
    let order = table_order(&mut tx, backend).await?;
    if let Some(t) = manifest.tables.iter().find(|t| !order.contains(&t.name)) {
        return Err(Error::invalid(
            "archive",
            format!("it holds table {} this database does not have", t.name),
        ));
    }
    let mut plan = Vec::with_capacity(order.len());
    for name in order.iter().map(String::as_str) {
        let t = manifest
            .tables
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| {
                Error::invalid(
                    "archive",
                    format!("it does not hold table {name}, which this database has"),
                )
            })?;
        let target = table_columns(&mut tx, backend, name).await?;
        let mut want: Vec<&str> = target.iter().map(|c| c.name.as_str()).collect();
        let mut have: Vec<&str> = t.columns.iter().map(String::as_str).collect();
        want.sort_unstable();
        have.sort_unstable();
        if want != have {
            return Err(Error::invalid(
                "archive",
                format!(
                    "table {name}: its columns {:?} do not match the database's {:?}",
                    t.columns,
                    target.iter().map(|c| &c.name).collect::<Vec<_>>()
                ),
            ));
        }
        let kinds = t
            .columns
            .iter()
            .map(|c| {
                target
                    .iter()
                    .find(|x| &x.name == c)
                    .map(|x| x.kind)
                    .unwrap_or(Kind::Text)
            })
            .collect::<Vec<_>>();
        plan.push((t, kinds));
    }
    // The audit trail refuses DELETE (a freshly migrated database has an event or two):
    // lifted for this transaction only, and put back before it commits.
    audit_guards(&mut tx, backend, false).await?;
    for name in order.iter().rev() {
        sqlx::query(&format!("DELETE FROM {}", quote(name)))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    if backend == Backend::Sqlite {
        // AUTOINCREMENT counters start again from the restored rows.
        let has = sqlx::query(
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if get_i64(&has, "n")? > 0 {
            sqlx::query("DELETE FROM sqlite_sequence")
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
    }
    for (t, kinds) in &plan {
        let path = archive.tables_dir.join(format!("{}.jsonl", t.name));
        insert_rows(&mut tx, t, kinds, &path).await?;
    }
    if backend == Backend::Postgres {
        for (t, _) in &plan {
            if !t.columns.iter().any(|c| c == "id") {
                continue;
            }
            let row = sqlx::query("SELECT pg_get_serial_sequence($1, 'id') AS s")
                .bind(&t.name)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
            if row.try_get::<Option<String>, _>("s").map_err(db)?.is_some() {
                let q = quote(&t.name);
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {q}"
                ))
                .bind(&t.name)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
        }
    }
    audit_guards(&mut tx, backend, true).await?;
    tx.commit().await.map_err(db)?;

    // 3. The files.
    let mut file_bytes = 0;
    if let Some(dir) = files_dir {
        fs::create_dir_all(dir).map_err(|e| io_err(&format!("creating {}", dir.display()), e))?;
        for f in &manifest.files {
            let from = archive.files_dir.join(&f.path);
            let to = dir.join(&f.path);
            move_file(&from, &to).map_err(|e| {
                io_err(
                    &format!(
                        "restoring file {} (the database is restored; copy the archive's files/ by hand)",
                        f.path
                    ),
                    e,
                )
            })?;
            file_bytes += f.size;
        }
    }

    if let Some(k) = &audit_key {
        crate::set_audit_key(Some(k.clone()));
    }
    Ok(RestoreSummary {
        audit_key,
        schema_version: manifest.schema_version,
        source_backend: manifest.backend.clone(),
        created_at: manifest.created_at.clone(),
        tables: manifest
            .tables
            .iter()
            .map(|t| TableRows {
                name: t.name.clone(),
                rows: t.rows,
            })
            .collect(),
        files: manifest.files.len() as u64,
        file_bytes,
    })
}

/// Lifts (`on == false`) or restores the triggers that keep audit events from being updated
/// or deleted (migration 14), inside the caller's transaction.
async fn audit_guards(conn: &mut AnyConnection, backend: Backend, on: bool) -> Result<()> {
    let sql = match (backend, on) {
        (Backend::Postgres, false) => {
            "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_delete".to_string()
        }
        (Backend::Postgres, true) => {
            "ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_delete".to_string()
        }
        (Backend::Sqlite, false) => "DROP TRIGGER IF EXISTS audit_events_no_delete".to_string(),
        (Backend::Sqlite, true) => {
            "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events \
             BEGIN SELECT RAISE(ABORT, 'audit events are immutable'); END"
                .to_string()
        }
    };
    sqlx::raw_sql(&sql).execute(conn).await.map_err(db)?;
    Ok(())
}

async fn ensure_empty(conn: &mut AnyConnection) -> Result<()> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM companies) AS companies, (SELECT COUNT(*) FROM users) AS users",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    let (c, u) = (get_i64(&row, "companies")?, get_i64(&row, "users")?);
    if c > 0 || u > 0 {
        return Err(Error::conflict(format!(
            "the database is not empty ({c} companies, {u} users): restore only into a new, \
             empty database; nothing was restored"
        )));
    }
    Ok(())
}

async fn insert_rows(
    conn: &mut AnyConnection,
    t: &TableManifest,
    kinds: &[Kind],
    path: &Path,
) -> Result<()> {
    let per = (MAX_BINDS / t.columns.len().max(1)).clamp(1, BATCH_ROWS);
    let reader = BufReader::new(File::open(path).map_err(|e| io_err("reading staging", e))?);
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(per);
    let mut full_sql = None;
    for line in reader.lines() {
        let line = line.map_err(|e| io_err("reading staging", e))?;
        let row: Vec<Value> = serde_json::from_str(&line)
            .map_err(|e| Error::invalid("archive", format!("table {}: a bad row: {e}", t.name)))?;
        batch.push(row);
        if batch.len() == per {
            let sql = full_sql.get_or_insert_with(|| insert_sql(t, per));
            flush(conn, t, kinds, sql, &mut batch).await?;
        }
    }
    if !batch.is_empty() {
        let sql = insert_sql(t, batch.len());
        flush(conn, t, kinds, &sql, &mut batch).await?;
    }
    Ok(())
}

fn insert_sql(t: &TableManifest, rows: usize) -> String {
    let n = t.columns.len();
    let cols = t
        .columns
        .iter()
        .map(|c| quote(c))
        .collect::<Vec<_>>()
        .join(", ");
    let values = (0..rows)
        .map(|r| {
            let ps = (1..=n)
                .map(|c| format!("${}", r * n + c))
                .collect::<Vec<_>>()
                .join(", ");
            format!("({ps})")
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!("INSERT INTO {} ({cols}) VALUES {values}", quote(&t.name))
}

async fn flush(
    conn: &mut AnyConnection,
    t: &TableManifest,
    kinds: &[Kind],
    sql: &str,
    batch: &mut Vec<Vec<Value>>,
) -> Result<()> {
    let mut q = sqlx::query(sql);
    for row in batch.drain(..) {
        for ((v, kind), col) in row.into_iter().zip(kinds).zip(&t.columns) {
            q = match (kind, v) {
                (Kind::Int, Value::Null) => q.bind(None::<i64>),
                (Kind::Int, Value::Number(n)) if n.as_i64().is_some() => q.bind(n.as_i64()),
                (Kind::Text, Value::Null) => q.bind(None::<String>),
                (Kind::Text, Value::String(s)) => q.bind(Some(s)),
                (kind, v) => {
                    return Err(Error::invalid(
                        "archive",
                        format!(
                            "table {}, column {col}: {v} is not {}",
                            t.name,
                            match kind {
                                Kind::Int => "an integer",
                                Kind::Text => "text",
                            }
                        ),
                    ))
                }
            };
        }
    }
    q.execute(&mut *conn).await.map_err(|e| match db(e) {
        Error::Conflict { message } => Error::conflict(format!(
            "restore: table {}: {message}; nothing was restored",
            t.name
        )),
        Error::Internal(m) => Error::Internal(format!("restore: table {}: {m}", t.name)),
        other => other,
    })?;
    Ok(())
}

fn move_file(from: &Path, to: &Path) -> io::Result<()> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    if fs::rename(from, to).is_err() {
        fs::copy(from, to)?;
        let _ = fs::remove_file(from);
    }
    Ok(())
}

/// An archive read into staging and verified.
#[derive(Debug)]
struct Unpacked {
    manifest: Manifest,
    tables_dir: PathBuf,
    files_dir: PathBuf,
}

/// A name a table of ours could have (lowercase words and underscores); the restore then
/// checks the archive holds exactly the database's tables.
fn is_table_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn bad(message: impl Into<String>) -> Error {
    Error::invalid("archive", message)
}

/// Reads the whole archive into `staging`, then checks it: manifest, versions, that every
/// table and file is there exactly once with its checksum, and that every row is well formed.
fn unpack(input: impl Read, staging: &Path) -> Result<Unpacked> {
    let unreadable = |e: io::Error| bad(format!("is not a readable Steward backup: {e}"));
    let tables_dir = staging.join("tables");
    let files_dir = staging.join("files");
    fs::create_dir_all(&tables_dir).map_err(|e| io_err("creating staging", e))?;
    fs::create_dir_all(&files_dir).map_err(|e| io_err("creating staging", e))?;

    let mut ar = tar::Archive::new(GzDecoder::new(input));
    let mut manifest_text: Option<Vec<u8>> = None;
    // name -> (sha256, size)
    let mut tables: BTreeMap<String, (String, u64)> = BTreeMap::new();
    let mut files: BTreeMap<String, (String, u64)> = BTreeMap::new();
    for entry in ar.entries().map_err(unreadable)? {
        let mut entry = entry.map_err(unreadable)?;
        let raw = entry.path().map_err(unreadable)?;
        let path = raw
            .to_str()
            .ok_or_else(|| bad(format!("has an entry whose name is not UTF-8: {raw:?}")))?
            .to_string();
        let path = path.strip_prefix("./").unwrap_or(&path).to_string();
        let ty = entry.header().entry_type();
        if ty.is_dir() {
            continue;
        }
        if !ty.is_file() {
            return Err(bad(format!("entry {path} is not a regular file")));
        }
        if path == "manifest.json" {
            if manifest_text.is_some() {
                return Err(bad("has two manifest.json"));
            }
            let mut buf = Vec::new();
            (&mut entry)
                .take(MAX_MANIFEST_BYTES + 1)
                .read_to_end(&mut buf)
                .map_err(unreadable)?;
            if buf.len() as u64 > MAX_MANIFEST_BYTES {
                return Err(bad("manifest.json is too large"));
            }
            manifest_text = Some(buf);
        } else if let Some(rest) = path.strip_prefix("tables/") {
            let name = rest
                .strip_suffix(".jsonl")
                .filter(|n| is_table_name(n))
                .ok_or_else(|| bad(format!("holds data of an unknown table: {path}")))?;
            if tables.contains_key(name) {
                return Err(bad(format!("holds {path} twice")));
            }
            let got = stage(&mut entry, &tables_dir.join(format!("{name}.jsonl")))?;
            tables.insert(name.to_string(), got);
        } else if let Some(rel) = path.strip_prefix("files/") {
            check_rel(rel).map_err(|m| bad(format!("entry {path}: {m}")))?;
            if files.contains_key(rel) {
                return Err(bad(format!("holds {path} twice")));
            }
            let got = stage(&mut entry, &files_dir.join(rel))?;
            files.insert(rel.to_string(), got);
        } else {
            return Err(bad(format!("has an unexpected entry {path}")));
        }
    }

    // Read to the end, so that gzip checks its CRC of the whole stream (manifest included).
    io::copy(&mut ar.into_inner(), &mut io::sink()).map_err(unreadable)?;

    // The manifest.
    let text = manifest_text
        .ok_or_else(|| bad("has no manifest.json (is this a Steward backup? was it cut short?)"))?;
    let v: Value = serde_json::from_slice(&text)
        .map_err(|e| bad(format!("manifest.json is not valid JSON: {e}")))?;
    if v.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(bad(format!(
            "is not a Steward backup (manifest format is not \"{FORMAT}\")"
        )));
    }
    let fv = v.get("format_version").and_then(Value::as_i64);
    if fv != Some(FORMAT_VERSION) {
        return Err(bad(format!(
            "is in backup format version {}, this Steward reads version {FORMAT_VERSION}",
            fv.map_or_else(|| "?".to_string(), |x| x.to_string())
        )));
    }
    let manifest: Manifest =
        serde_json::from_value(v).map_err(|e| bad(format!("manifest.json is malformed: {e}")))?;
    if manifest.schema_version != LATEST_VERSION {
        return Err(bad(format!(
            "was made from a database at schema version {}, but this Steward's schema is \
             version {LATEST_VERSION}: restore it with the Steward version that made it \
             (and upgrade that one), or make a new backup; nothing was restored",
            manifest.schema_version
        )));
    }

    // Tables: exactly ours, each once, each with matching data.
    let mut seen = HashSet::new();
    for t in &manifest.tables {
        if !is_table_name(&t.name) {
            return Err(bad(format!("manifest lists an unknown table {}", t.name)));
        }
        if !seen.insert(t.name.as_str()) {
            return Err(bad(format!("manifest lists table {} twice", t.name)));
        }
        let mut cols = HashSet::new();
        if t.columns.is_empty() || !t.columns.iter().all(|c| cols.insert(c.as_str())) {
            return Err(bad(format!(
                "manifest: table {} has an empty or repeated column list",
                t.name
            )));
        }
        let (sha, _) = tables.get(&t.name).ok_or_else(|| {
            bad(format!(
                "table {}: its data (tables/{}.jsonl) is missing",
                t.name, t.name
            ))
        })?;
        if !sha.eq_ignore_ascii_case(&t.sha256) {
            return Err(bad(format!(
                "table {}: checksum mismatch, the archive is damaged; nothing was restored",
                t.name
            )));
        }
    }
    if let Some(extra) = tables.keys().find(|n| !seen.contains(n.as_str())) {
        return Err(bad(format!(
            "holds data of table {extra} the manifest does not list"
        )));
    }
    for t in &manifest.tables {
        check_rows(&tables_dir.join(format!("{}.jsonl", t.name)), t)?;
    }

    // Files: each listed once, present, of the right size and checksum; nothing unlisted.
    let mut seen = HashSet::new();
    for f in &manifest.files {
        check_rel(&f.path).map_err(|m| bad(format!("manifest: file {}: {m}", f.path)))?;
        if !seen.insert(f.path.as_str()) {
            return Err(bad(format!("manifest lists file {} twice", f.path)));
        }
        let (sha, size) = files
            .get(&f.path)
            .ok_or_else(|| bad(format!("file {} is missing", f.path)))?;
        if *size != f.size || !sha.eq_ignore_ascii_case(&f.sha256) {
            return Err(bad(format!(
                "file {}: checksum mismatch, the archive is damaged; nothing was restored",
                f.path
            )));
        }
    }
    if let Some(extra) = files.keys().find(|p| !seen.contains(p.as_str())) {
        return Err(bad(format!(
            "holds file {extra} the manifest does not list"
        )));
    }
    Ok(Unpacked {
        manifest,
        tables_dir,
        files_dir,
    })
}

/// Every line a JSON array of the table's width holding integers, strings and nulls; as many
/// lines as the manifest says.
fn check_rows(path: &Path, t: &TableManifest) -> Result<()> {
    let reader = BufReader::new(File::open(path).map_err(|e| io_err("reading staging", e))?);
    let mut n = 0u64;
    for line in reader.lines() {
        let line = line.map_err(|e| io_err("reading staging", e))?;
        n += 1;
        let at = || format!("table {}, row {n}", t.name);
        let row: Vec<Value> = serde_json::from_str(&line)
            .map_err(|e| bad(format!("{}: not a JSON array: {e}", at())))?;
        if row.len() != t.columns.len() {
            return Err(bad(format!(
                "{}: {} values for {} columns",
                at(),
                row.len(),
                t.columns.len()
            )));
        }
        if let Some(v) = row.iter().find(|v| {
            !matches!(v, Value::Null | Value::String(_))
                && !matches!(v, Value::Number(x) if x.as_i64().is_some())
        }) {
            return Err(bad(format!(
                "{}: {v} is neither an integer, text nor null",
                at()
            )));
        }
    }
    if n != t.rows {
        return Err(bad(format!(
            "table {}: {n} rows, the manifest says {}",
            t.name, t.rows
        )));
    }
    Ok(())
}

/// A relative path made only of plain names: no `..`, no root, no empty parts.
fn check_rel(rel: &str) -> std::result::Result<(), &'static str> {
    if rel.is_empty() || rel.contains('\\') || rel.contains('\0') {
        return Err("is not a plain relative path");
    }
    let p = Path::new(rel);
    if rel
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
        || !p.components().all(|c| matches!(c, Component::Normal(_)))
    {
        return Err("is not a plain relative path");
    }
    Ok(())
}

/// Copies an entry to `dest`, returning its SHA-256 and size.
fn stage(entry: &mut impl Read, dest: &Path) -> Result<(String, u64)> {
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent).map_err(|e| io_err("creating staging", e))?;
    }
    let mut out = BufWriter::new(File::create(dest).map_err(|e| io_err("writing staging", e))?);
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match entry.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(bad(format!("is not a readable Steward backup: {e}"))),
        };
        hasher.update(&buf[..n]);
        size += n as u64;
        out.write_all(&buf[..n])
            .map_err(|e| io_err("writing staging", e))?;
    }
    out.flush().map_err(|e| io_err("writing staging", e))?;
    Ok((hex::encode(hasher.finalize()), size))
}

// ---------------------------------------------------------------------------------------
// Schema discovery (from the database itself)
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Text,
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: Kind,
    /// Position in the primary key, from 1; 0 when not part of it.
    pk: i64,
}

async fn db_tables(conn: &mut AnyConnection, backend: Backend) -> Result<Vec<String>> {
    let sql = match backend {
        Backend::Sqlite => {
            // A virtual table (Records' FTS5 index) and its shadow tables are derived:
            // rebuilt by their triggers as the rows they index are restored.
            "SELECT name FROM sqlite_master m WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' \
             AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table' \
               AND v.sql LIKE 'CREATE VIRTUAL TABLE%' AND m.name LIKE v.name || '\\_%' ESCAPE '\\') \
             ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        }
    };
    sqlx::query(sql)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(|r| get_str(r, "name"))
        .collect()
}

/// A table's stored columns; PostgreSQL's generated ones (Records' search vector) are derived
/// from the others, so a backup neither holds nor restores them.
async fn table_columns(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
) -> Result<Vec<Column>> {
    let sql = match backend {
        Backend::Sqlite => "SELECT name, type AS decl, pk FROM pragma_table_info($1) ORDER BY cid",
        Backend::Postgres => {
            "SELECT c.column_name::text AS name, c.data_type::text AS decl, \
               COALESCE((SELECT k.ordinal_position::bigint \
                 FROM information_schema.table_constraints t \
                 JOIN information_schema.key_column_usage k \
                   ON k.constraint_schema = t.constraint_schema \
                  AND k.constraint_name = t.constraint_name \
                  AND k.table_name = t.table_name \
                WHERE t.table_schema = c.table_schema AND t.table_name = c.table_name \
                  AND t.constraint_type = 'PRIMARY KEY' AND k.column_name = c.column_name), 0) AS pk \
             FROM information_schema.columns c \
             WHERE c.table_schema = current_schema() AND c.table_name = $1 \
               AND c.is_generated = 'NEVER' \
             ORDER BY c.ordinal_position"
        }
    };
    let rows = sqlx::query(sql)
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    rows.iter()
        .map(|r| {
            let decl = get_str(r, "decl")?;
            Ok(Column {
                name: get_str(r, "name")?,
                kind: if decl.to_ascii_uppercase().contains("INT") {
                    Kind::Int
                } else {
                    Kind::Text
                },
                pk: get_i64(r, "pk")?,
            })
        })
        .collect()
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn io_err(what: &str, e: io::Error) -> Error {
    Error::Internal(format!("{what}: {e}"))
}

// ---------------------------------------------------------------------------------------
// Small I/O helpers
// ---------------------------------------------------------------------------------------

/// A private directory, removed with everything in it when dropped.
struct Spool {
    dir: PathBuf,
}

impl Spool {
    /// Next to `near` (so that files can later be moved into it by renaming), else in the
    /// system's temporary directory.
    fn new(near: Option<&Path>, purpose: &str) -> Result<Spool> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            ".steward-{purpose}-{}-{}-{}",
            std::process::id(),
            Timestamp::now().0,
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let near = near
            .and_then(Path::parent)
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .filter(|p| p.is_dir());
        if let Some(base) = near {
            let dir = base.join(&name);
            if fs::create_dir(&dir).is_ok() {
                return Ok(Spool { dir });
            }
        }
        let dir = std::env::temp_dir().join(&name);
        fs::create_dir(&dir).map_err(|e| io_err(&format!("creating {}", dir.display()), e))?;
        Ok(Spool { dir })
    }

    fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Hashes what passes through it.
struct HashWriter<W> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> HashWriter<W> {
    fn new(inner: W) -> Self {
        HashWriter {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }
    fn finish(self) -> (String, u64, W) {
        (hex::encode(self.hasher.finalize()), self.size, self.inner)
    }
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

struct HashReader<R> {
    inner: R,
    hasher: Sha256,
    size: u64,
}

impl<R: Read> HashReader<R> {
    fn new(inner: R) -> Self {
        HashReader {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }
    fn finish(self) -> (String, u64) {
        (hex::encode(self.hasher.finalize()), self.size)
    }
}

impl<R: Read> Read for HashReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

/// Yields exactly `left` bytes, or fails: a file that shrinks while it is being archived
/// must not leave a tar entry shorter than its header says.
struct ExactReader<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for ExactReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file shrank while it was being backed up",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_come_first_and_cycles_do_not_stop_the_order() {
        let g = |edges: &[(&str, &[&str])]| {
            edges
                .iter()
                .map(|(t, ps)| {
                    (
                        t.to_string(),
                        ps.iter()
                            .map(|p| p.to_string())
                            .collect::<std::collections::BTreeSet<_>>(),
                    )
                })
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        assert_eq!(
            parents_first(g(&[("b", &["c"]), ("a", &["b"]), ("c", &[]), ("d", &[])])),
            vec!["c", "b", "a", "d"]
        );
        // x and y refer to each other: both still come, after what they need.
        assert_eq!(
            parents_first(g(&[("x", &["y", "z"]), ("y", &["x"]), ("z", &[])])),
            vec!["z", "x", "y"]
        );
    }
}
