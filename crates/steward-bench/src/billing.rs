//! `steward-bench billing`: the aged receivables over many open invoices. Seeds 1,000
//! customers and 100,000 posted invoices over the last two years (a third partly paid),
//! then times the aged report as of today through the service, over a few dozen runs
//! (p50/p99; goal ≤ 200 ms). Uses a temporary SQLite database, or a fresh schema in the
//! PostgreSQL of --database-url.
use anyhow::anyhow;
use chrono::Days;
use std::time::Instant;
use steward_core::billing::aged::{self, Buckets, Side};
use steward_core::billing::parties::{self, PartyInput};
use steward_core::billing::{self, SettingsInput};
use steward_core::company::create_company;
use steward_store::billing::SeedInvoice;
use steward_store::Store;

use crate::common::Rng;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Open invoices to seed.
    #[arg(long, default_value_t = 100_000)]
    pub invoices: usize,
    /// Customers they are spread over.
    #[arg(long, default_value_t = 1_000)]
    pub customers: usize,
    /// Timed runs of the report.
    #[arg(long, default_value_t = 30)]
    pub runs: usize,
}

pub async fn run(args: Args, database_url: Option<String>) -> anyhow::Result<()> {
    crate::common::scratch_store("billing", database_url, |store| async move {
        bench(&store, &args).await
    })
    .await
}

async fn bench(store: &Store, args: &Args) -> anyhow::Result<()> {
    let e = |e: steward_core::Error| anyhow!("{e}");
    store.migrate().await.map_err(e)?;
    let company = create_company(store, "bench", "Bench Ltd", "EUR")
        .await
        .map_err(e)?;
    let actor = steward_core::auth::Actor::system(company, "Bench Ltd");
    steward_core::ledger::service::set_up_books(store, &actor, true)
        .await
        .map_err(e)?;
    billing::set_settings(
        store,
        &actor,
        &SettingsInput {
            receivable_account: "1200".into(),
            payable_account: "2000".into(),
            tax_rounding: "line".into(),
            bill_approval_threshold: String::new(),
        },
        None,
    )
    .await
    .map_err(e)?;
    let t = Instant::now();
    let mut party_ids = Vec::with_capacity(args.customers);
    for i in 0..args.customers {
        let p = parties::create(
            store,
            &actor,
            &PartyInput {
                name: format!("Customer {i:05}"),
                is_customer: true,
                income_account: "4000".into(),
                active: true,
                ..Default::default()
            },
        )
        .await
        .map_err(e)?;
        party_ids.push(p.id.0);
    }
    let today = steward_core::ledger::service::today();
    let mut rng = Rng(42);
    let mut seq_by_year = std::collections::HashMap::new();
    let mut docs: Vec<SeedInvoice> = (0..args.invoices)
        .map(|i| {
            let issue = today - Days::new(rng.below(730));
            let due = issue + Days::new([14, 30, 60][i % 3]);
            let total = 1_000 + i64::try_from(rng.below(500_000)).unwrap_or(0);
            let paid = if i % 3 == 0 { total / 2 } else { 0 };
            SeedInvoice {
                party: party_ids[i % party_ids.len()],
                issue_date: issue,
                due_date: due,
                total,
                paid,
                seq: 0,
            }
        })
        .collect();
    for d in &mut docs {
        let year = chrono::Datelike::year(&d.issue_date);
        let n = seq_by_year.entry(year).or_insert(0i64);
        *n += 1;
        d.seq = *n;
    }
    store
        .seed_posted_invoices(company, "EUR", &docs)
        .await
        .map_err(e)?;
    store.optimize().await.map_err(e)?;
    println!(
        "seeded {} customers and {} posted invoices in {:.1} s",
        args.customers,
        args.invoices,
        t.elapsed().as_secs_f64()
    );
    let buckets = Buckets::default();
    let mut rows = 0;
    let mut ms = Vec::with_capacity(args.runs);
    for run in 0..=args.runs {
        let t = Instant::now();
        let r = aged::aged(store, &actor, Side::Receivables, today, &buckets)
            .await
            .map_err(e)?;
        if run > 0 {
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        rows = r.len();
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "aged receivables over {} invoices ({} customers with something open): p50 {:.1} ms, p99 {:.1} ms (goal ≤ 200 ms)",
        args.invoices,
        rows,
        pct(0.5),
        pct(0.99)
    );
    Ok(())
}
