//! Plain-text journals through Steward's books, on both databases: for every corpus journal
//! the trial balance Steward reports equals `hledger balance --flat` on the same file to
//! the cent; the journal Steward exports is accepted by hledger with the same balances and
//! re-imports to the same trial balance; a bad file is refused whole with `FILE:LINE` and
//! writes nothing.
#![allow(clippy::unwrap_used)]

#[path = "../../crates/steward-io/tests/journal_support.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use steward_core::auth::Actor;
use steward_core::company::create_company;
use steward_core::ledger::import::{export_journal, import_journal, DiskSource, ImportRequest};
use steward_core::ledger::reports::{report, ReportKind, ReportOptions};
use steward_core::ledger::service;
use steward_e2e::{add_user, both_databases, fresh_store, Db};
use steward_io::journal::{Decimal, Format};
use steward_store::Store;

async fn books(store: &Store, name: &str) -> Actor {
    let company = create_company(store, "test", name, "USD").await.unwrap();
    let admin = add_user(
        store,
        company,
        &format!("admin-{}", name.to_lowercase()),
        "correct horse battery",
        &["admin"],
    )
    .await;
    let actor = steward_core::auth::session::cli_actor(store, admin, company)
        .await
        .unwrap();
    service::set_up_books(store, &actor, false).await.unwrap();
    actor
}

/// Steward's trial balance over everything, as (account, commodity) -> amount.
async fn trial(store: &Store, actor: &Actor) -> BTreeMap<(String, String), Decimal> {
    let r = report(
        store,
        actor,
        ReportKind::TrialBalance,
        &ReportOptions::default(),
    )
    .await
    .unwrap();
    let mut t = BTreeMap::new();
    for s in &r.sections {
        for row in &s.rows {
            let a = row.amounts[0];
            if a != 0 {
                t.insert(
                    (row.account.clone(), row.commodity.clone()),
                    Decimal::new(i128::from(a), row.precision).unwrap(),
                );
            }
        }
    }
    t
}

fn same(
    ours: &BTreeMap<(String, String), Decimal>,
    theirs: &BTreeMap<(String, String), Decimal>,
    what: &str,
) {
    let mut diffs = Vec::new();
    let mut keys: Vec<&(String, String)> = ours.keys().chain(theirs.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let o = ours.get(k).copied().unwrap_or(Decimal::ZERO);
        let t = theirs.get(k).copied().unwrap_or(Decimal::ZERO);
        let scale = t.scale().min(o.scale());
        if o.round_to(scale) != t.round_to(scale) {
            diffs.push(format!("{k:?}: steward {o}, other {t}"));
        }
    }
    assert!(
        diffs.is_empty(),
        "{what}: trial balances differ:\n{}",
        diffs.join("\n")
    );
}

async fn import(
    store: &Store,
    actor: &Actor,
    path: &Path,
    format: Format,
    dry_run: bool,
) -> steward_core::Result<steward_core::ledger::import::ImportOutcome> {
    let req = ImportRequest {
        format,
        file_name: path.display().to_string(),
        dry_run,
        journal: None,
    };
    import_journal(store, actor, &req, Arc::new(DiskSource::new(path)), None).await
}

fn corpus() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/steward-io/tests/corpus"),
    )
    .unwrap()
    .map(|e| e.unwrap().path())
    .filter(|p| p.is_file())
    .filter(|p| p.file_name().is_some_and(|n| n != "included.journal"))
    .collect();
    v.sort();
    v
}

/// (entries, accounts) of the actor's company.
async fn counts(store: &Store, actor: &Actor) -> (u64, usize) {
    let entries = service::list_entries(store, actor, &Default::default())
        .await
        .unwrap()
        .total;
    let accounts = service::chart(store, actor).await.unwrap().len();
    (entries, accounts)
}

both_databases!(
    corpus_matches_hledger_and_round_trips,
    |db: Db| async move {
        let (store, _guard) = fresh_store(db).await;
        let hledger = support::have_tool("hledger");
        let dir = tempfile::tempdir().unwrap();
        let many = dir.path().join("many-accounts.journal");
        std::fs::write(&many, support::many_accounts_journal(3000)).unwrap();
        let mut files = corpus();
        files.push(many);
        for (i, path) in files.iter().enumerate() {
            let format = support::format_of(path);
            let actor = books(&store, &format!("Co{i}")).await;
            let outcome = import(&store, &actor, path, format, false)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(outcome.transactions > 0, "{}", path.display());
            let ours = trial(&store, &actor).await;
            // The reader's own sums, and hledger's where hledger reads the file.
            let (items, names) = support::read_file(path).unwrap();
            same(
                &ours,
                &support::trial(&items, &names),
                &format!("{} vs reader", path.display()),
            );
            if hledger && format == Format::Hledger {
                same(
                    &ours,
                    &support::hledger_trial(path),
                    &format!("{} vs hledger", path.display()),
                );
            }
            // Export, check hledger accepts it with the same balances, re-import elsewhere.
            let exported = dir.path().join(format!("export-{i}.journal"));
            let mut out = std::fs::File::create(&exported).unwrap();
            let n = export_journal(&store, &actor, Format::Hledger, &mut out)
                .await
                .unwrap();
            assert_eq!(n, outcome.transactions, "{}", path.display());
            drop(out);
            if hledger {
                same(
                    &ours,
                    &support::hledger_trial(&exported),
                    &format!("{} exported, read by hledger", path.display()),
                );
            }
            let again = books(&store, &format!("Again{i}")).await;
            import(&store, &again, &exported, Format::Hledger, false)
                .await
                .unwrap_or_else(|e| panic!("re-import of {}: {e}", path.display()));
            same(
                &ours,
                &trial(&store, &again).await,
                &format!("{} export -> import", path.display()),
            );
            // And Beancount: exported, read back by the reader (bean-check is not packaged).
            let bean = dir.path().join(format!("export-{i}.beancount"));
            let mut out = std::fs::File::create(&bean).unwrap();
            export_journal(&store, &actor, Format::Beancount, &mut out)
                .await
                .unwrap();
            drop(out);
            assert!(
                support::read_file(&bean).is_ok(),
                "{} as Beancount reads back",
                path.display()
            );
        }
    }
);

async fn refused(store: &Store, actor: &Actor, text: &str, expect: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.journal");
    std::fs::write(&path, text).unwrap();
    let before = counts(store, actor).await;
    for dry_run in [true, false] {
        let err = import(store, actor, &path, Format::Hledger, dry_run)
            .await
            .expect_err(expect)
            .to_string();
        assert!(err.contains("bad.journal:"), "names the file: {err}");
        assert!(err.contains(expect), "expected `{expect}` in: {err}");
    }
    let after = counts(store, actor).await;
    assert_eq!(before, after, "a refused import writes nothing ({expect})");
}

both_databases!(bad_journals_are_refused_whole, |db: Db| async move {
    let (store, _guard) = fresh_store(db).await;
    let actor = books(&store, "Bad").await;
    let good = "2024-01-01 ok\n    assets:bank  $10.00\n    equity:open\n\n";
    refused(
        &store,
        &actor,
        &format!("{good}2024-01-02 unbalanced\n    assets:bank  $10.00\n    expenses:x  $-9.99\n"),
        "bad.journal:5",
    )
    .await;
    refused(
        &store,
        &actor,
        &format!("{good}2024-02-30 no such day\n    assets:bank  $1\n    equity:open\n"),
        "bad.journal:5",
    )
    .await;
    refused(
        &store,
        &actor,
        &format!("{good}2024-01-03 x\n    assets:bank  $1 = $99\n    equity:open\n"),
        "bad.journal:6",
    )
    .await;
    refused(
        &store,
        &actor,
        &format!("{good}~ monthly\n    assets:bank  $1\n    equity:open\n"),
        "bad.journal:5",
    )
    .await;
    refused(
        &store,
        &actor,
        &format!("{good}2024-01-03 x\n    assets:bank  $1 $2\n    equity:open\n"),
        "bad.journal:6",
    )
    .await;
    // A posting to an account that has sub-accounts.
    refused(
        &store,
        &actor,
        &format!("{good}2024-01-03 x\n    assets  $1\n    equity:open\n"),
        "sub-account",
    )
    .await;
    // An account whose kind cannot be told.
    refused(
        &store,
        &actor,
        "2024-01-01 x\n    misc:thing  $1\n    equity:open\n",
        "what kind of account",
    )
    .await;
    // Not a text file.
    refused(
        &store,
        &actor,
        "2024-01-01 x\n\0\0\0binary",
        "bad.journal:2",
    )
    .await;
    // Nothing was left behind by the refusals, and a dry run of a good file writes nothing.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("good.journal");
    std::fs::write(&path, good).unwrap();
    let before = counts(&store, &actor).await.0;
    let o = import(&store, &actor, &path, Format::Hledger, true)
        .await
        .unwrap();
    assert!(o.dry_run);
    assert_eq!(o.transactions, 1);
    assert_eq!(counts(&store, &actor).await.0, before);
    import(&store, &actor, &path, Format::Hledger, false)
        .await
        .unwrap();
    assert_eq!(counts(&store, &actor).await.0, before + 1);
    // The import is one audit event naming the file and its checksum.
    let q = steward_core::audit::AuditQuery {
        entity: Some("ledger_import".into()),
        ..Default::default()
    };
    let events = steward_core::audit::list_events(&store, &actor, &q)
        .await
        .unwrap();
    let changes = events
        .items
        .first()
        .map(|e| e.changes.to_string())
        .unwrap_or_default();
    assert!(
        changes.contains("good.journal") && changes.contains("sha256"),
        "{changes}"
    );
    // A closed period refuses an import into it, naming the line.
    service::close_period(&store, &actor, 202402).await.unwrap();
    refused(
        &store,
        &actor,
        "2024-02-10 late\n    assets:bank  $1.00\n    equity:open\n",
        "bad.journal:1",
    )
    .await;
});
