//! `steward-bench billing`: the aged receivables over many open invoices. Seeds 1,000
//! customers and 100,000 posted invoices over the last two years (a third partly paid),
//! then times the aged report as of today through the service, over a few dozen runs
//! (p50/p99; goal ≤ 200 ms). Then posts invoices through the JSON API in batches
//! (`POST /api/v1/billing/invoices/batch`, 1,000 invoices of two lines with tax each, one
//! batch after another, for `--batch-seconds`; goal ≥ 5,000 invoices/s on SQLite). Uses a
//! temporary SQLite database, or a fresh schema in the PostgreSQL of --database-url.
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
    /// Seconds of batch posting through the API (0: none).
    #[arg(long, default_value_t = 10)]
    pub batch_seconds: u64,
    /// Invoices per batch.
    #[arg(long, default_value_t = 1_000)]
    pub batch_size: usize,
    /// Lines of the CAMT.053 statement imported and auto-matched against as many open
    /// invoices of another company (0: skip).
    #[arg(long, default_value_t = 10_000)]
    pub reconcile_lines: usize,
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
    let actor = steward_core::auth::Actor::system(company, "Bench Ltd").with_currency("EUR");
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
            fx_gain_loss_account: String::new(),
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
    if args.batch_seconds > 0 {
        batch_bench(store, company, &party_ids, args).await?;
    }
    if args.reconcile_lines > 0 {
        reconcile(store, args.reconcile_lines).await?;
    }
    Ok(())
}

/// Posts batches of invoices through the API, one after another.
async fn batch_bench(
    store: &Store,
    company: steward_core::ids::CompanyId,
    party_ids: &[i64],
    args: &Args,
) -> anyhow::Result<()> {
    let e = |e: steward_core::Error| anyhow!("{e}");
    let sys = steward_core::auth::Actor::system(company, "Bench Ltd").with_currency("EUR");
    steward_core::billing::tax::create(
        store,
        &sys,
        &steward_core::billing::tax::TaxCodeInput {
            code: "VAT19".into(),
            name: "VAT 19 %".into(),
            rate: "19".into(),
            collected_account: "2100".into(),
            paid_account: "2100".into(),
            active: true,
            ..Default::default()
        },
    )
    .await
    .map_err(e)?;
    let user = steward_core::users::create_user(
        store,
        &sys,
        steward_core::users::NewUser {
            username: "bench".into(),
            email: "bench@bench.example".into(),
            display_name: "Bench".into(),
            password: None,
            roles: vec!["accountant".into()],
        },
    )
    .await
    .map_err(e)?;
    let actor = steward_core::auth::session::cli_actor(store, user, company)
        .await
        .map_err(e)?;
    let (_, token) = steward_core::tokens::create_token(store, &actor, "bench", false)
        .await
        .map_err(e)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = steward::app::web_state(
        store.clone(),
        None,
        crate::common::registry(store),
        steward_web::WebConfig::default(),
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(steward::app::serve(listener, state, async {
        let _ = rx.await;
    }));
    let client = reqwest::Client::new();
    let auth = format!("Bearer {token}");
    let today = steward_core::ledger::service::today();
    let mut rng = Rng(7);
    let mut posted = 0usize;
    let mut ms: Vec<f64> = Vec::new();
    let mut failure = None;
    let started = Instant::now();
    while started.elapsed().as_secs() < args.batch_seconds {
        let items: Vec<serde_json::Value> = (0..args.batch_size)
            .map(|k| {
                let i = posted + k;
                let day = today - Days::new(rng.below(60));
                serde_json::json!({"key": format!("bench-invoice-{i}"), "document": {
                    "party_id": party_ids[i % party_ids.len()],
                    "issue_date": day.to_string(),
                    "currency": "EUR",
                    "reference": format!("PO-{i}"),
                    "lines": [
                        {"description": "Consulting", "quantity": "3", "unit_price": format!("{}.00", 50 + rng.below(100)), "tax_code": "VAT19"},
                        {"description": "Travel", "unit_price": format!("{}.50", 5 + rng.below(50)), "tax_code": "VAT19", "account": "4000"},
                    ]}})
            })
            .collect();
        let body = serde_json::json!({"items": items}).to_string();
        let t = Instant::now();
        let r = client
            .post(format!("http://{addr}/api/v1/billing/invoices/batch"))
            .header("authorization", &auth)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        let status = r.status();
        if status != reqwest::StatusCode::CREATED {
            failure = Some(format!(
                "POST /api/v1/billing/invoices/batch: {status}: {}",
                r.text().await.unwrap_or_default()
            ));
            break;
        }
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        posted += args.batch_size;
    }
    let secs = started.elapsed().as_secs_f64();
    let _ = tx.send(());
    let _ = server.await;
    if let Some(f) = failure {
        return Err(anyhow!(f));
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "POST /api/v1/billing/invoices/batch ({} invoices of 2 lines each, one batch after another): {:.0} invoices/s over {} batches; per batch p50 {:.0} ms, p99 {:.0} ms (goal ≥ 5,000 invoices/s on SQLite)",
        args.batch_size,
        posted as f64 / secs.max(1e-9),
        ms.len(),
        pct(0.5),
        pct(0.99)
    );
    Ok(())
}

/// Import and auto-match: `n` open invoices of 100 customers, a CAMT.053 statement of `n`
/// lines each paying one of them (its number in the text, its amount), timed as the import,
/// the matching of every line (the reconcile view), and auto-match (a payment per line, all
/// written in one transaction).
async fn reconcile(store: &Store, n: usize) -> anyhow::Result<()> {
    use steward_core::bank::reconcile::ReconcileStore;
    use steward_core::bank::{accounts, import, matching};
    let e = |e: steward_core::Error| anyhow!("{e}");
    let company = create_company(store, "bench", "Bench Bank Ltd", "EUR")
        .await
        .map_err(e)?;
    let actor = steward_core::auth::Actor::system(company, "Bench Bank Ltd").with_currency("EUR");
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
            fx_gain_loss_account: String::new(),
        },
        None,
    )
    .await
    .map_err(e)?;
    let mut party_ids = Vec::new();
    for i in 0..100 {
        let p = parties::create(
            store,
            &actor,
            &PartyInput {
                name: format!("Customer {i:03}"),
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
    let mut rng = Rng(7);
    let issue = today - Days::new(30);
    let docs: Vec<SeedInvoice> = (0..n)
        .map(|i| SeedInvoice {
            party: party_ids[i % party_ids.len()],
            issue_date: issue,
            due_date: issue + Days::new(30),
            total: 1_000 + i64::try_from(rng.below(500_000)).unwrap_or(0),
            paid: 0,
            seq: i64::try_from(i).unwrap_or(0) + 1,
        })
        .collect();
    store
        .seed_posted_invoices(company, "EUR", &docs)
        .await
        .map_err(e)?;
    let acc = accounts::create(
        store,
        &actor,
        &accounts::BankAccountInput {
            name: "Bench bank".into(),
            ledger_account: "1000".into(),
            currency: "EUR".into(),
            iban: String::new(),
            bic: String::new(),
            active: true,
        },
    )
    .await
    .map_err(e)?;
    let open = store.candidates(company, &acc).await.map_err(e)?;
    let day = today.format("%Y-%m-%d");
    let mut xml = String::from(
        "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n<BkToCstmrStmt><Stmt><Id>BENCH</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n",
    );
    for (i, c) in open.iter().take(n).enumerate() {
        xml.push_str(&format!(
            "<Ntry><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>{day}</Dt></BookgDt>\
             <AcctSvcrRef>B{i}</AcctSvcrRef><AddtlNtryInf>Payment {} thank you</AddtlNtryInf></Ntry>\n",
            steward_core::money::format_minor(c.amount, 2),
            c.number
        ));
    }
    xml.push_str("</Stmt></BkToCstmrStmt></Document>\n");
    let t = Instant::now();
    let r = import::import_statement(store, &actor, acc.id, xml.into_bytes(), None, None, false)
        .await
        .map_err(e)?;
    let imported = t.elapsed().as_secs_f64();
    let st = r.statement.ok_or_else(|| anyhow!("nothing imported"))?;
    let t = Instant::now();
    let v = matching::statement_view(store, &actor, st)
        .await
        .map_err(e)?;
    let proposed = t.elapsed().as_secs_f64();
    let sure = v
        .unmatched
        .iter()
        .filter(|(_, p)| steward_core::bank::reconcile::unambiguous(p).is_some())
        .count();
    let t = Instant::now();
    let m = matching::auto_match(store, &actor, st).await.map_err(e)?;
    let matched = t.elapsed().as_secs_f64();
    println!(
        "reconcile {n} lines against {} open invoices: import {imported:.2} s, proposals for every line {proposed:.2} s ({sure} sure), \
         auto-match {matched:.2} s ({} matched, {} left, {} failed); import + auto-match {:.2} s (goal ≤ 2 s)",
        open.len(),
        m.matched,
        m.left,
        m.failed,
        imported + matched
    );
    Ok(())
}
