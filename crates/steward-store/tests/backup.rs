//! `steward backup` / `steward restore` at the store level: round trips SQLite ⇄ SQLite,
//! SQLite ⇄ PostgreSQL (when `STEWARD_TEST_PG` names a server), refusals, damaged archives
//! and files.
use chrono::NaiveDate;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use steward_core::audit::{AuditDraft, AuditStore};
use steward_core::auth::session::{cli_actor, sign_in, SessionConfig, SignIn};
use steward_core::company::create_company;
use steward_core::ids::{AccountId, CommodityId, CompanyId, JournalId, UserId};
use steward_core::ledger::{
    AccountName, AccountStore, AccountType, BalanceQuery, BookStore, EntrySource, EntryStatus,
    EntryStore, ImportSetup, ImportStore, JournalKind, LedgerSettings, Line, NewAccount, NewEntry,
    NewRate, PeriodStatus, PeriodStore, ReportStore,
};
use steward_core::users::{create_user, NewUser, NewUserRecord, UserStore};
use steward_core::Error;
use steward_store::backup::{self, Manifest};
use steward_store::idempotency::StoredResponse;
use steward_store::{ConnectOptions, Store, LATEST_VERSION};
use tempfile::TempDir;

const PG_ENV: &str = "STEWARD_TEST_PG";

// ---------------------------------------------------------------------------------------
// Set-up
// ---------------------------------------------------------------------------------------

/// A fresh database; drops its PostgreSQL schema when it goes away (even when a test fails).
struct Db {
    store: Store,
    _dir: Option<TempDir>,
    pg: Option<(String, String)>,
}

impl Drop for Db {
    fn drop(&mut self) {
        let Some((url, schema)) = self.pg.take() else {
            return;
        };
        // Its own thread and runtime: Drop cannot await, and the test's runtime may be gone.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                sqlx::any::install_default_drivers();
                if let Ok(pool) = sqlx::AnyPool::connect(&url).await {
                    let _ = sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        .execute(&pool)
                        .await;
                    pool.close().await;
                }
            });
        })
        .join();
    }
}

async fn sqlite_unmigrated() -> Db {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("steward.db").display());
    let store = Store::connect(&url, ConnectOptions::default())
        .await
        .expect("connect SQLite");
    Db {
        store,
        _dir: Some(dir),
        pg: None,
    }
}

async fn sqlite() -> Db {
    let db = sqlite_unmigrated().await;
    db.store.migrate().await.expect("migrate SQLite");
    db
}

fn pg_url() -> Option<String> {
    std::env::var(PG_ENV).ok().filter(|u| !u.trim().is_empty())
}

fn skipped(test: &str) {
    // Straight to the process's stderr: libtest swallows eprintln! of passing tests.
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED (PostgreSQL) backup::{test}: set {PG_ENV} to run (e.g. postgres://postgres@127.0.0.1:5432/postgres)"
    );
}

async fn postgres(url: &str) -> Db {
    static N: AtomicU64 = AtomicU64::new(0);
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let schema = format!(
        "steward_bk_{secs}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let store = Store::connect(
        url,
        ConnectOptions {
            pg_schema: Some(schema.clone()),
            max_connections: 4,
        },
    )
    .await
    .expect("connect PostgreSQL");
    let db = Db {
        store,
        _dir: None,
        pg: Some((url.to_string(), schema)),
    };
    db.store.migrate().await.expect("migrate PostgreSQL");
    db
}

/// Puts something in every kind of table: two companies, users with and without password,
/// a session, a failed sign-in, an API token, settings with awkward text, an idempotency key
/// and enough audit events and settings to need several INSERT batches.
async fn seed(store: &Store, many: usize) -> (CompanyId, UserId) {
    let company = create_company(store, "cli", "Acme", "EUR")
        .await
        .expect("company");
    create_company(store, "cli", "Beta «Ltd» 'quoted' \"too\"", "GBP")
        .await
        .expect("second company");
    let roles = store
        .role_ids(company, &["admin".into()])
        .await
        .expect("role ids");
    let ids = store
        .insert_users(
            company,
            &[NewUserRecord {
                username: "admin".into(),
                email: "admin@example.com".into(),
                display_name: "Ädmin Ünïcødé 🚀".into(),
                password_hash: None,
                role_ids: roles.iter().map(|r| r.1).collect(),
                role_keys: roles.iter().map(|r| r.0.clone()).collect(),
            }],
            vec![AuditDraft::system(
                "cli",
                None,
                "user",
                None,
                "create",
                json!({"username": "admin"}),
            )],
        )
        .await
        .expect("insert admin");
    let admin = ids[0];
    let actor = cli_actor(store, admin, company).await.expect("actor");
    create_user(
        store,
        &actor,
        NewUser {
            username: "bob".into(),
            email: "bob@example.com".into(),
            display_name: "Bob\nNew-line\ttab \\ backslash".into(),
            password: Some("correct horse battery staple".into()),
            roles: vec!["auditor".into()],
        },
    )
    .await
    .expect("create bob");
    let cfg = SessionConfig::default();
    let bad = sign_in(
        store,
        &cfg,
        SignIn {
            login: "bob",
            password: "wrong password",
            ip: Some("192.0.2.1".into()),
            user_agent: None,
        },
    )
    .await;
    assert!(bad.is_err());
    sign_in(
        store,
        &cfg,
        SignIn {
            login: "bob",
            password: "correct horse battery staple",
            ip: Some("192.0.2.1".into()),
            user_agent: Some("test/1.0".into()),
        },
    )
    .await
    .expect("sign in");
    steward_core::tokens::create_token(store, &actor, "ci token", true)
        .await
        .expect("token");
    store
        .remember_response(
            admin,
            "key-1",
            &StoredResponse {
                method: "POST".into(),
                path: "/api/v1/users".into(),
                status: 201,
                body: "{\"id\": 2}".into(),
            },
        )
        .await
        .expect("idempotency");
    for i in 0..many {
        store
            .set_setting(
                &format!("k{i:05}"),
                &format!("välue {i} — \"quoted\" 'single' ∑"),
                AuditDraft::system("cli", None, "setting", None, "set", json!({"i": i})),
            )
            .await
            .expect("setting");
    }
    seed_ledger(store, company, admin).await;
    (company, admin)
}

fn ledger_line(account: AccountId, commodity: CommodityId, amount: i64) -> Line {
    Line {
        account_id: account,
        account: String::new(),
        commodity_id: commodity,
        commodity: String::new(),
        amount,
        cost: None,
        department_id: None,
        project: String::new(),
        memo: String::new(),
    }
}

fn ledger_entry(journal: JournalId, date: &str, lines: Vec<Line>) -> NewEntry {
    NewEntry {
        journal_id: journal,
        date: NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date"),
        reference: "INV «1»".into(),
        description: "Büro 'Material' \"x\"".into(),
        comment: "line\nbreak".into(),
        lines,
        client_key: None,
        reverses: None,
    }
}

/// Ledger rows in every ledger table: settings, commodities, accounts (with parents),
/// journals and their sequences, posted entries with postings and balances, a draft, a
/// reversal, an import, a closed period and a rate.
async fn seed_ledger(store: &Store, company: CompanyId, admin: UserId) {
    let ev = |what: &str| {
        AuditDraft::system("cli", None, what, None, "create", json!({})).in_company(company)
    };
    store
        .save_ledger_settings(
            company,
            &LedgerSettings {
                fiscal_year_start_month: 4,
                approval_threshold: Some(1_000_000),
                version: 0,
            },
            ev("ledger_settings"),
        )
        .await
        .expect("ledger settings");
    let eur = store
        .insert_commodity(company, "EUR", 2, "Euro", ev("commodity"))
        .await
        .expect("EUR");
    let usd = store
        .insert_commodity(company, "USD", 2, "Dollar", ev("commodity"))
        .await
        .expect("USD");
    let gj = store
        .insert_journal(
            company,
            "GJ",
            "General",
            JournalKind::General,
            ev("journal"),
        )
        .await
        .expect("journal");
    let account = |name: &str, code: Option<&str>| NewAccount {
        name: AccountName::parse(name).expect("name"),
        code: code.map(str::to_string),
        kind: AccountType::from_name(name).unwrap_or(AccountType::Asset),
        commodity_id: None,
        description: "ümlaut".into(),
    };
    let ids = store
        .insert_accounts(
            company,
            &[
                account("Assets", None),
                account("Assets:Bank", Some("1200")),
                account("Income", None),
                account("Income:Sales", Some("4000")),
            ],
            vec![ev("account")],
        )
        .await
        .expect("accounts");
    let (bank, sales) = (ids[1], ids[3]);
    let posted = store
        .insert_entries(
            company,
            &[
                ledger_entry(
                    gj,
                    "2026-01-15",
                    vec![
                        ledger_line(bank, eur, 12_345),
                        ledger_line(sales, eur, -12_345),
                    ],
                ),
                ledger_entry(
                    gj,
                    "2026-05-02",
                    vec![ledger_line(bank, usd, 500), ledger_line(sales, usd, -500)],
                ),
            ],
            EntryStatus::Posted,
            Some(admin),
            vec![ev("entry")],
        )
        .await
        .expect("posted entries");
    let mut reversal = ledger_entry(
        gj,
        "2026-01-20",
        vec![
            ledger_line(bank, eur, -12_345),
            ledger_line(sales, eur, 12_345),
        ],
    );
    reversal.reverses = Some(posted[0].0);
    reversal.client_key = Some("rev-1".into());
    store
        .insert_entries(
            company,
            &[reversal],
            EntryStatus::Posted,
            Some(admin),
            vec![ev("entry")],
        )
        .await
        .expect("reversal");
    store
        .insert_entries(
            company,
            &[ledger_entry(
                gj,
                "2026-06-01",
                vec![ledger_line(bank, eur, 1), ledger_line(sales, eur, -1)],
            )],
            EntryStatus::Draft,
            Some(admin),
            vec![ev("entry")],
        )
        .await
        .expect("draft");
    store
        .import_entries(
            company,
            ImportSetup {
                commodities: vec![("CHF".into(), 2)],
                accounts: vec![(
                    AccountName::parse("Assets:Cash").expect("name"),
                    AccountType::Asset,
                )],
                journal_id: Some(gj),
                file_name: "old books.journal".into(),
                sha256: "ab".repeat(32),
                format: "hledger".into(),
                rates: vec![],
            },
            Some(admin),
            move |ids| {
                ImportOnce(Some(vec![ledger_entry(
                    ids.journal_id,
                    "2025-02-03",
                    vec![
                        ledger_line(ids.accounts["Assets:Cash"], ids.commodities["CHF"], 700),
                        ledger_line(ids.accounts["Income:Sales"], ids.commodities["CHF"], -700),
                    ],
                )]))
            },
            ev("import"),
        )
        .await
        .expect("import");
    store
        .set_period(
            company,
            202502,
            PeriodStatus::Closed,
            "admin",
            "year end",
            ev("period"),
        )
        .await
        .expect("period");
    store
        .upsert_rates(
            company,
            &[NewRate {
                date: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
                commodity_id: usd,
                quote_id: eur,
                rate: "0.9231".into(),
                source: "ecb".into(),
            }],
            ev("rate"),
        )
        .await
        .expect("rates");
}

/// One batch, then the end.
struct ImportOnce(Option<Vec<NewEntry>>);

impl EntrySource for ImportOnce {
    async fn next_batch(&mut self) -> steward_core::Result<Option<Vec<NewEntry>>> {
        Ok(self.0.take())
    }
}

// ---------------------------------------------------------------------------------------
// Archives
// ---------------------------------------------------------------------------------------

async fn backup_of(store: &Store, files: Option<&Path>) -> Vec<u8> {
    let mut out = Vec::new();
    backup::backup(store, files, &mut out)
        .await
        .expect("backup");
    out
}

/// The archive's manifest and entries.
fn open(archive: &[u8]) -> (Manifest, BTreeMap<String, Vec<u8>>) {
    let mut ar = tar::Archive::new(GzDecoder::new(archive));
    let mut entries = BTreeMap::new();
    for e in ar.entries().expect("entries") {
        let mut e = e.expect("entry");
        let path = e.path().expect("path").to_string_lossy().into_owned();
        let mut data = Vec::new();
        e.read_to_end(&mut data).expect("read entry");
        entries.insert(path, data);
    }
    let manifest = serde_json::from_slice(&entries["manifest.json"]).expect("manifest");
    (manifest, entries)
}

fn build(entries: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let mut tar = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for (path, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        if path.contains("..") {
            // The tar crate refuses to write such a name; a hostile archive would have it.
            let name = &mut h.as_old_mut().name;
            name[..path.len()].copy_from_slice(path.as_bytes());
            h.set_cksum();
            tar.append(&h, data.as_slice()).expect("append");
        } else {
            tar.append_data(&mut h, path, data.as_slice())
                .expect("append");
        }
    }
    tar.into_inner().expect("tar").finish().expect("gzip")
}

/// Every table of two archives equal: same columns, row count, checksum and rows.
fn assert_same_tables(a: &[u8], b: &[u8], what: &str) {
    let (ma, ea) = open(a);
    let (mb, eb) = open(b);
    assert_eq!(ma.schema_version, mb.schema_version);
    let names = |m: &Manifest| m.tables.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&ma), names(&mb), "{what}: tables");
    for (ta, tb) in ma.tables.iter().zip(&mb.tables) {
        let key = format!("tables/{}.jsonl", ta.name);
        let (da, db) = (
            String::from_utf8_lossy(&ea[&key]),
            String::from_utf8_lossy(&eb[&key]),
        );
        for (i, (la, lb)) in da.lines().zip(db.lines()).enumerate() {
            assert_eq!(la, lb, "{what}: table {}, row {}", ta.name, i + 1);
        }
        assert_eq!(ta, tb, "{what}: table {}", ta.name);
    }
}

fn rows(m: &Manifest, table: &str) -> u64 {
    m.tables
        .iter()
        .find(|t| t.name == table)
        .map(|t| t.rows)
        .expect("table in manifest")
}

/// After a restore: the chain verifies, and new rows get fresh ids (sequences were reset).
async fn check_usable(store: &Store, source: &Manifest) {
    let verified = store.verify().await.expect("verify");
    assert!(verified.is_ok(), "audit chain after restore: {verified:?}");
    let before = rows(source, "companies") as i64;
    let id = create_company(store, "cli", "After restore", "USD")
        .await
        .expect("a new company after restore");
    assert_eq!(
        id.0,
        before + 1,
        "the next company id follows the restored ones"
    );
    let roles = store
        .role_ids(id, &["admin".into()])
        .await
        .expect("role ids");
    store
        .insert_users(
            id,
            &[NewUserRecord {
                username: "after".into(),
                email: "after@example.com".into(),
                display_name: "After".into(),
                password_hash: None,
                role_ids: roles.iter().map(|r| r.1).collect(),
                role_keys: roles.iter().map(|r| r.0.clone()).collect(),
            }],
            vec![],
        )
        .await
        .expect("a new user after restore");
    // The ledger goes on where it stopped: fresh ids, the next number, balances added to.
    let company = CompanyId(1);
    let accounts = store.all_accounts(company).await.expect("accounts");
    let find = |n: &str| {
        accounts
            .iter()
            .find(|a| a.name.as_str() == n)
            .map(|a| a.id)
            .expect("account")
    };
    let eur = store
        .commodities(company)
        .await
        .expect("commodities")
        .into_iter()
        .find(|c| c.symbol == "EUR")
        .expect("EUR");
    let gj = store.journals(company).await.expect("journals")[0].id;
    let entries_before = rows(source, "ledger_entries") as i64;
    let ids = store
        .insert_entries(
            company,
            &[ledger_entry(
                gj,
                "2026-02-01",
                vec![
                    ledger_line(find("Assets:Bank"), eur.id, 5),
                    ledger_line(find("Income:Sales"), eur.id, -5),
                ],
            )],
            EntryStatus::Posted,
            None,
            vec![],
        )
        .await
        .expect("a new entry after restore");
    assert_eq!(
        ids[0].0 .0,
        entries_before + 1,
        "the next entry id follows the restored ones"
    );
    let e = store
        .get_entry(company, ids[0].0)
        .await
        .expect("get")
        .expect("entry");
    // FY starts in April: Jan-Feb 2026 is FY 2026, which had two entries.
    assert_eq!(e.number.as_deref(), Some("GJ-2026-000003"));
    let bal = store
        .balances(company, &BalanceQuery::default())
        .await
        .expect("balances");
    let bank = bal
        .iter()
        .find(|r| r.account_id == find("Assets:Bank") && r.commodity_id == eur.id)
        .expect("bank");
    assert_eq!(bank.amount, 5);
    let verified = store.verify().await.expect("verify");
    assert!(
        verified.is_ok(),
        "audit chain after new writes: {verified:?}"
    );
}

/// Backs up `from`, restores into `to` and checks both hold the same data.
async fn round_trip(from: &Store, to: &Store, what: &str) {
    let archive = backup_of(from, None).await;
    let summary = backup::restore(to, None, archive.as_slice())
        .await
        .expect("restore");
    let (manifest, _) = open(&archive);
    let tables = backup::tables_of(from).await.expect("tables");
    assert_eq!(
        manifest
            .tables
            .iter()
            .map(|t| t.name.clone())
            .collect::<Vec<_>>(),
        tables,
        "{what}: every table, parents first"
    );
    assert_eq!(summary.schema_version, LATEST_VERSION);
    assert_eq!(summary.tables.len(), tables.len());
    assert_eq!(summary.files, 0);
    for t in &summary.tables {
        assert_eq!(
            t.rows,
            rows(&manifest, &t.name),
            "{what}: summary of {}",
            t.name
        );
    }
    let again = backup_of(to, None).await;
    assert_same_tables(&archive, &again, what);
    check_usable(to, &manifest).await;
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn every_table_is_backed_up() {
    let db = sqlite().await;
    // The order comes from the schema's foreign keys: parents first, on both databases
    // alike (their migrations are kept in lockstep).
    let order = backup::tables_of(&db.store).await.expect("tables");
    let at = |t: &str| {
        order
            .iter()
            .position(|x| x == t)
            .unwrap_or_else(|| panic!("{t} is not backed up: {order:?}"))
    };
    for (parent, child) in [
        ("companies", "memberships"),
        ("users", "memberships"),
        ("roles", "role_grants"),
        ("ledger_entries", "ledger_postings"),
        ("ledger_accounts", "ledger_postings"),
        ("work_tasks", "work_task_comments"),
        ("approval_requests", "approval_steps"),
        ("hr_employees", "hr_job_history"),
        ("files", "attachments"),
    ] {
        assert!(at(parent) < at(child), "{parent} before {child}: {order:?}");
    }
    let mut unique = order.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), order.len(), "each table once");
    assert!(order.iter().any(|t| t == "steward_schema"));
    if let Some(url) = pg_url() {
        let pg = postgres(&url).await;
        assert_eq!(
            backup::tables_of(&pg.store).await.expect("tables"),
            order,
            "PostgreSQL's order is SQLite's"
        );
    }
    // And a backup holds every one of them.
    let archive = backup_of(&db.store, None).await;
    let (m, entries) = open(&archive);
    assert_eq!(m.format, backup::FORMAT);
    assert_eq!(m.format_version, backup::FORMAT_VERSION);
    assert_eq!(m.backend, "sqlite");
    for t in &order {
        assert!(entries.contains_key(&format!("tables/{t}.jsonl")), "{t}");
    }
}

#[tokio::test]
async fn sqlite_to_sqlite() {
    let src = sqlite().await;
    seed(&src.store, 1_100).await;
    let dst = sqlite().await;
    round_trip(&src.store, &dst.store, "SQLite → SQLite").await;
    // Into a database that was never migrated, too.
    let fresh = sqlite_unmigrated().await;
    round_trip(&src.store, &fresh.store, "SQLite → unmigrated SQLite").await;
}

#[tokio::test]
async fn sqlite_to_postgres_and_back() {
    let Some(url) = pg_url() else {
        skipped("sqlite_to_postgres_and_back");
        return;
    };
    let src = sqlite().await;
    seed(&src.store, 1_100).await;
    let pg = postgres(&url).await;
    round_trip(&src.store, &pg.store, "SQLite → PostgreSQL").await;

    // PostgreSQL as the source: its own data, into SQLite.
    let pg_src = postgres(&url).await;
    seed(&pg_src.store, 600).await;
    let back = sqlite().await;
    round_trip(&pg_src.store, &back.store, "PostgreSQL → SQLite").await;
    let (m, _) = open(&backup_of(&pg_src.store, None).await);
    assert_eq!(m.backend, "postgresql");

    // And PostgreSQL → PostgreSQL.
    let pg2 = postgres(&url).await;
    round_trip(&pg_src.store, &pg2.store, "PostgreSQL → PostgreSQL").await;
}

async fn refuses_non_empty(target: &Store) {
    let src = sqlite().await;
    seed(&src.store, 3).await;
    let archive = backup_of(&src.store, None).await;
    create_company(target, "cli", "Already here", "EUR")
        .await
        .expect("company");
    let before = backup_of(target, None).await;
    let err = backup::restore(target, None, archive.as_slice())
        .await
        .expect_err("restore into a non-empty database");
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    assert!(err.to_string().contains("not empty"), "{err}");
    assert_same_tables(&before, &backup_of(target, None).await, "unchanged");
}

#[tokio::test]
async fn refuses_a_non_empty_database() {
    let db = sqlite().await;
    refuses_non_empty(&db.store).await;
    match pg_url() {
        Some(url) => refuses_non_empty(&postgres(&url).await.store).await,
        None => skipped("refuses_a_non_empty_database"),
    }
}

/// A restore that must fail and leave the (fresh) target exactly as it was.
async fn refused(target: &Store, archive: &[u8], needle: &str) {
    let before = backup_of(target, None).await;
    let err = backup::restore(target, None, archive)
        .await
        .expect_err("a bad archive is refused");
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    assert!(
        err.to_string().contains(needle),
        "error should mention {needle:?}: {err}"
    );
    assert_same_tables(&before, &backup_of(target, None).await, "unchanged");
}

#[tokio::test]
async fn refuses_a_damaged_or_foreign_archive() {
    let src = sqlite().await;
    seed(&src.store, 3).await;
    let archive = backup_of(&src.store, None).await;
    let (_, entries) = open(&archive);
    let target = sqlite().await;
    let t = &target.store;

    // A flipped byte inside a table's data.
    let mut bad = entries.clone();
    let users = bad.get_mut("tables/users.jsonl").expect("users");
    let at = users.iter().position(|b| *b == b'a').expect("an a");
    users[at] = b'b';
    refused(t, &build(&bad), "users").await;
    refused(t, &build(&bad), "checksum").await;

    // A flipped byte in the compressed stream, and a cut-off archive.
    let mut flipped = archive.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x55;
    let before = backup_of(t, None).await;
    assert!(backup::restore(t, None, flipped.as_slice()).await.is_err());
    assert!(backup::restore(t, None, &archive[..archive.len() / 2])
        .await
        .is_err());
    assert!(backup::restore(t, None, &b"not an archive"[..])
        .await
        .is_err());
    assert_same_tables(&before, &backup_of(t, None).await, "unchanged");

    // A missing table, an unknown entry, a file the manifest does not list.
    let mut missing = entries.clone();
    missing.remove("tables/roles.jsonl");
    refused(t, &build(&missing), "roles").await;
    let mut extra = entries.clone();
    extra.insert("tables/evil.jsonl".into(), b"[1]\n".to_vec());
    refused(t, &build(&extra), "evil").await;
    let mut sneaky = entries.clone();
    sneaky.insert("files/../../etc/passwd".into(), b"x".to_vec());
    refused(t, &build(&sneaky), "passwd").await;

    // Another schema version, another format.
    let manifest: serde_json::Value =
        serde_json::from_slice(&entries["manifest.json"]).expect("manifest");
    let mut newer = manifest.clone();
    newer["schema_version"] = json!(LATEST_VERSION + 1);
    let mut e = entries.clone();
    e.insert("manifest.json".into(), newer.to_string().into_bytes());
    refused(t, &build(&e), "schema version").await;
    let mut foreign = manifest.clone();
    foreign["format"] = json!("something-else");
    e.insert("manifest.json".into(), foreign.to_string().into_bytes());
    refused(t, &build(&e), "not a Steward backup").await;

    // A row count or shape that does not match, with a consistent checksum.
    let mut short = entries.clone();
    let mut m2 = manifest.clone();
    let data = b"[1]\n".to_vec();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&data))
    };
    for t in m2["tables"].as_array_mut().expect("tables") {
        if t["name"] == "settings" {
            t["sha256"] = json!(sha);
        }
    }
    short.insert("tables/settings.jsonl".into(), data);
    short.insert("manifest.json".into(), m2.to_string().into_bytes());
    refused(t, &build(&short), "settings").await;

    // After all that, the good archive still restores.
    backup::restore(t, None, archive.as_slice())
        .await
        .expect("restore");
}

#[tokio::test]
async fn files_round_trip() {
    let src = sqlite().await;
    seed(&src.store, 3).await;
    let files = tempfile::tempdir().expect("tempdir");
    let root = files.path().join("files");
    std::fs::create_dir_all(root.join("attachments/2026/01")).expect("dirs");
    std::fs::write(root.join("readme.txt"), "hello").expect("write");
    std::fs::write(root.join("empty"), b"").expect("write");
    let binary: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(root.join("attachments/2026/01/scan.pdf"), &binary).expect("write");
    std::fs::write(root.join("attachments/naïve name.txt"), "ü").expect("write");

    let archive = backup_of(&src.store, Some(&root)).await;
    let (m, _) = open(&archive);
    let paths: Vec<&str> = m.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "attachments/2026/01/scan.pdf",
            "attachments/naïve name.txt",
            "empty",
            "readme.txt"
        ]
    );

    // Without a files directory, a restore of an archive with files is refused untouched.
    let target = sqlite_unmigrated().await;
    let err = backup::restore(&target.store, None, archive.as_slice())
        .await
        .expect_err("files need a directory");
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    assert_eq!(target.store.schema_version().await.expect("version"), 0);

    // A damaged file is refused, and nothing is written.
    let out = tempfile::tempdir().expect("tempdir");
    let dest = out.path().join("restored");
    let (_, entries) = open(&archive);
    let mut bad = entries.clone();
    bad.get_mut("files/readme.txt").expect("readme")[0] = b'j';
    let err = backup::restore(&target.store, Some(&dest), build(&bad).as_slice())
        .await
        .expect_err("damaged file");
    assert!(err.to_string().contains("readme.txt"), "{err}");
    assert!(!dest.exists());
    assert_eq!(
        std::fs::read_dir(out.path()).expect("list").count(),
        0,
        "no staging left behind"
    );

    let summary = backup::restore(&target.store, Some(&dest), archive.as_slice())
        .await
        .expect("restore");
    assert_eq!(summary.files, 4);
    assert_eq!(summary.file_bytes, 200_000 + 5 + 2);
    assert_eq!(
        std::fs::read(dest.join("attachments/2026/01/scan.pdf")).expect("read"),
        binary
    );
    assert_eq!(
        std::fs::read_to_string(dest.join("readme.txt")).expect("read"),
        "hello"
    );
    assert_eq!(
        std::fs::read_to_string(dest.join("attachments/naïve name.txt")).expect("read"),
        "ü"
    );
    assert_eq!(std::fs::read(dest.join("empty")).expect("read").len(), 0);
    assert_eq!(
        std::fs::read_dir(out.path()).expect("list").count(),
        1,
        "only the files directory, no staging left behind"
    );
    // The database came along too, and a backup of the restored side is the same.
    let again = backup_of(&target.store, Some(&dest)).await;
    assert_same_tables(&archive, &again, "with files");
    assert_eq!(open(&again).0.files, m.files);
}
