//! Bulk import (all or nothing), export paging and the bulk import benchmark.
use super::*;

/// Hands out prepared batches, then optionally fails (like a balance assertion at the end).
struct Batches {
    batches: Vec<Vec<NewEntry>>,
    fail_at_end: bool,
}

impl EntrySource for Batches {
    async fn next_batch(&mut self) -> Result<Option<Vec<NewEntry>>> {
        if self.batches.is_empty() {
            if self.fail_at_end {
                return Err(Error::invalid("line 42", "balance assertion failed"));
            }
            return Ok(None);
        }
        Ok(Some(self.batches.remove(0)))
    }
}

fn import_setup() -> ImportSetup {
    ImportSetup {
        commodities: vec![("EUR".into(), 2), ("CHF".into(), 2)],
        accounts: vec![
            (
                AccountName::parse("Assets:Bank:Giro").expect("name"),
                AccountType::Asset,
            ),
            (
                AccountName::parse("Income:Fees").expect("name"),
                AccountType::Income,
            ),
        ],
        journal_id: None,
        file_name: "books.journal".into(),
        sha256: "00".repeat(32),
        format: "hledger".into(),
        rates: vec![(day("2026-01-01"), "CHF".into(), "EUR".into(), "1.05".into())],
    }
}

fn import_batches(ids: &ImportIds, n: usize) -> Vec<Vec<NewEntry>> {
    let giro = ids.accounts["Assets:Bank:Giro"];
    let fees = ids.accounts["Income:Fees"];
    let eur = ids.commodities["EUR"];
    let entries: Vec<NewEntry> = (0..n)
        .map(|i| {
            let date = NaiveDate::from_ymd_opt(2026, 1 + (i % 12) as u32, 1 + (i % 28) as u32)
                .expect("date");
            entry(
                ids.journal_id,
                &date.to_string(),
                &format!("fee {i} \"quoted\" \\ ünï"),
                vec![
                    line(giro, eur, i as i64 + 1),
                    line(fees, eur, -(i as i64 + 1)),
                ],
            )
        })
        .collect();
    entries.chunks(300).map(<[NewEntry]>::to_vec).collect()
}

store_test!(import_is_all_or_nothing, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let tables = [
        "ledger_commodities",
        "ledger_accounts",
        "ledger_journals",
        "ledger_entries",
        "ledger_postings",
        "ledger_balances",
        "ledger_imports",
        "ledger_rates",
        "ledger_sequences",
    ];
    let r = s
        .import_entries(
            w.a,
            import_setup(),
            Some(w.admin_a),
            |ids| Batches {
                batches: import_batches(&ids, 1000),
                fail_at_end: true,
            },
            audit(w.a, "import", "create"),
        )
        .await;
    assert!(matches!(r, Err(Error::Invalid { .. })), "{r:?}");
    for t in tables {
        assert_eq!(
            db.count(t).await,
            0,
            "[{}] {t} after a failed import",
            db.name
        );
    }

    let summary = s
        .import_entries(
            w.a,
            import_setup(),
            Some(w.admin_a),
            |ids| Batches {
                batches: import_batches(&ids, 1000),
                fail_at_end: false,
            },
            audit(w.a, "import", "create"),
        )
        .await
        .expect("import");
    assert_eq!(summary.entries, 1000);
    assert_eq!(summary.postings, 2000);
    assert_eq!(summary.commodities_created, 2);
    assert_eq!(
        summary.accounts_created, 5,
        "Assets, Assets:Bank, ..:Giro, Income, ..:Fees"
    );
    let accounts = s.all_accounts(w.a).await.expect("accounts");
    let bank = accounts
        .iter()
        .find(|a| a.name.as_str() == "Assets:Bank")
        .expect("parent");
    assert!(bank.has_children);
    let giro = accounts
        .iter()
        .find(|a| a.name.as_str() == "Assets:Bank:Giro")
        .expect("giro");
    assert!(!giro.has_children);
    assert_eq!(s.rates(w.a).await.expect("rates").len(), 1);
    // Numbers in order, balances equal the postings.
    let first = s
        .posted_entries_after(w.a, None, 1)
        .await
        .expect("first")
        .remove(0);
    assert_eq!(first.number.as_deref(), Some("GJ-2026-000001"));
    assert_eq!(first.description, "fee 0 \"quoted\" \\ ünï");
    let bal = by_key(
        &s.balances(w.a, &BalanceQuery::default())
            .await
            .expect("balances"),
    );
    assert_eq!(bal, sums_from_postings(&db, w.a, 0, 99_991_231).await);
    let total: i64 = (1..=1000).sum();
    assert_eq!(
        bal[&(
            giro.id.0,
            first.lines[0].commodity_id.0,
            None,
            String::new()
        )]
            .0,
        total
    );
    // The one audit event names the import.
    let events = s
        .list_events(
            w.a,
            &steward_core::audit::AuditQuery {
                entity: Some("import".into()),
                ..Default::default()
            },
        )
        .await
        .expect("events");
    assert_eq!(events.total, 1);
    assert!(events.items[0].entity_id.is_some());
    // New entries after an import get fresh ids and the next numbers.
    let after = post(
        s,
        w.a,
        &[entry(
            first.journal_id,
            "2026-12-31",
            "after",
            vec![
                line(giro.id, first.lines[0].commodity_id, 1),
                line(first.lines[1].account_id, first.lines[0].commodity_id, -1),
            ],
        )],
    )
    .await
    .expect("post after import");
    let e = s
        .get_entry(w.a, after[0].0)
        .await
        .expect("get")
        .expect("entry");
    assert_eq!(e.number.as_deref(), Some("GJ-2026-001001"));
    // A closed month refuses the whole import.
    s.set_period(
        w.a,
        202603,
        PeriodStatus::Closed,
        "admin",
        "",
        audit(w.a, "period", "close"),
    )
    .await
    .expect("close");
    let n = db.count("ledger_entries").await;
    let r = s
        .import_entries(
            w.a,
            import_setup(),
            None,
            |ids| Batches {
                batches: import_batches(&ids, 100),
                fail_at_end: false,
            },
            audit(w.a, "import", "create"),
        )
        .await;
    assert!(matches!(r, Err(Error::Invalid { .. })), "{r:?}");
    assert_eq!(db.count("ledger_entries").await, n);
    assert!(s.verify().await.expect("verify").is_ok());
});

store_test!(
    posted_entries_after_pages_through_everything,
    |db| async move {
        let s = &db.store;
        let w = world(s).await;
        let b = books(s, w.a).await;
        let entries: Vec<NewEntry> = (0..95)
            .map(|i| {
                sale(
                    &b,
                    &format!("2026-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
                    i + 1,
                )
            })
            .collect();
        post(s, w.a, &entries).await.expect("post");
        // A draft is not exported.
        s.insert_entries(
            w.a,
            &[sale(&b, "2026-01-01", 1)],
            EntryStatus::Draft,
            None,
            vec![],
        )
        .await
        .expect("draft");
        let mut after = None;
        let mut seen = Vec::new();
        loop {
            let page = s.posted_entries_after(w.a, after, 10).await.expect("page");
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= 10);
            after = page.last().map(|e| e.id);
            seen.extend(page);
        }
        assert_eq!(seen.len(), 95);
        assert!(seen.windows(2).all(|w| w[0].id < w[1].id));
        assert!(seen
            .iter()
            .all(|e| e.lines.len() == 2 && e.status == EntryStatus::Posted));
        let sum: i64 = seen.iter().map(|e| e.lines[0].amount).sum();
        assert_eq!(sum, (1..=95).sum::<i64>());
        assert!(s
            .posted_entries_after(w.b, None, 10)
            .await
            .expect("B")
            .is_empty());
        // Rates round trip too.
        s.upsert_rates(
            w.a,
            &[
                NewRate {
                    date: day("2026-01-01"),
                    commodity_id: b.usd,
                    quote_id: b.eur,
                    rate: "0.91".into(),
                    source: "ecb".into(),
                },
                NewRate {
                    date: day("2026-01-01"),
                    commodity_id: b.usd,
                    quote_id: b.eur,
                    rate: "0.92".into(),
                    source: "ecb".into(),
                },
            ],
            audit(w.a, "rate", "import"),
        )
        .await
        .expect("rates");
        let rates = s.rates(w.a).await.expect("rates");
        assert_eq!(rates.len(), 1);
        assert_eq!(rates[0].rate, "0.92");
        assert_eq!(rates[0].commodity, "USD");
    }
);

// ---------------------------------------------------------------------------------------
// The bulk import benchmark (run by hand, in release):
//   cargo test --release -p steward-store --test store -- --ignored --nocapture import_benchmark
// ---------------------------------------------------------------------------------------

/// 1M entries of 3 postings over 60 accounts and three years, made on a thread of their own
/// (as a parser would) and handed over through a channel of two batches.
struct Synthetic {
    rx: tokio::sync::mpsc::Receiver<Vec<NewEntry>>,
}

impl EntrySource for Synthetic {
    async fn next_batch(&mut self) -> Result<Option<Vec<NewEntry>>> {
        Ok(self.rx.recv().await)
    }
}

fn synthetic(ids: Vec<AccountId>, eur: CommodityId, journal: JournalId, total: usize) -> Synthetic {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    std::thread::spawn(move || {
        let start = day("2023-01-01");
        let mut made = 0;
        while made < total {
            let n = (total - made).min(10_000);
            let batch = (made..made + n)
                .map(|i| {
                    let date = start + chrono::Days::new((i * 1096 / total) as u64);
                    let a = ids[i % 60];
                    let b = ids[(i * 7 + 1) % 60];
                    let c = ids[(i * 13 + 2) % 60];
                    let x = (i % 10_000) as i64 + 1;
                    NewEntry {
                        journal_id: journal,
                        date,
                        reference: format!("R{i}"),
                        description: format!("Synthetic entry {i}"),
                        comment: String::new(),
                        lines: vec![line(a, eur, x * 2), line(b, eur, -x), line(c, eur, -x)],
                        client_key: None,
                        reverses: None,
                    }
                })
                .collect();
            made += n;
            if tx.blocking_send(batch).is_err() {
                return;
            }
        }
    });
    Synthetic { rx }
}

fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: ?")
        .split_whitespace()
        .skip(1)
        .collect::<Vec<_>>()
        .join(" ")
}

async fn import_benchmark(db: TestDb) {
    let total: usize = std::env::var("STEWARD_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let s = &db.store;
    let w = world(s).await;
    let setup = ImportSetup {
        commodities: vec![("EUR".into(), 2)],
        accounts: (0..60)
            .map(|i| {
                let name = format!(
                    "{}:A{i:02}",
                    ["Assets", "Liabilities", "Income", "Expenses"][i % 4]
                );
                let name = AccountName::parse(&name).expect("name");
                let kind = AccountType::from_name(name.as_str()).unwrap_or(AccountType::Asset);
                (name, kind)
            })
            .collect(),
        file_name: "bench.journal".into(),
        format: "hledger".into(),
        ..Default::default()
    };
    let names: Vec<String> = setup.accounts.iter().map(|(n, _)| n.to_string()).collect();
    let t = Instant::now();
    let summary = s
        .import_entries(
            w.a,
            setup,
            None,
            move |ids| {
                synthetic(
                    names.iter().map(|n| ids.accounts[n]).collect(),
                    ids.commodities["EUR"],
                    ids.journal_id,
                    total,
                )
            },
            audit(w.a, "import", "create"),
        )
        .await
        .expect("import");
    let took = t.elapsed();
    println!(
        "[{}] imported {} entries / {} postings in {:.2} s; VmHWM {}",
        db.name,
        summary.entries,
        summary.postings,
        took.as_secs_f64(),
        vm_hwm()
    );
    let t = Instant::now();
    let bal = s
        .balances(
            w.a,
            &BalanceQuery {
                from: Some(day("2024-01-15")),
                to: Some(day("2025-06-10")),
                ..Default::default()
            },
        )
        .await
        .expect("balances");
    println!(
        "[{}] a trial balance with partial months: {} rows in {:.3} s",
        db.name,
        bal.len(),
        t.elapsed().as_secs_f64()
    );
    assert_eq!(bal.iter().map(|r| r.amount).sum::<i64>(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run by hand in release"]
async fn import_benchmark_sqlite() {
    import_benchmark(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run by hand in release"]
async fn import_benchmark_postgres() {
    if let Some(db) = TestDb::postgres("import_benchmark_postgres").await {
        import_benchmark(db).await;
    }
}
