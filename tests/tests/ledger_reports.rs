//! Report snapshots (insta) on a fixed set of books, the same on both databases, and a
//! property test: any sequence of valid entries and reversals keeps the trial balance at
//! zero in every commodity, and the stored monthly balances agree with the postings.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use std::fmt::Write as _;

use steward_core::auth::Actor;
use steward_core::company::create_company;
use steward_core::ledger::reports::{
    report, trial_balance_csv, Compare, Dimension, Report, ReportKind, ReportOptions, DIFFERENCE,
};
use steward_core::ledger::service::{self, CommodityInput, Intent, ReverseInput};
use steward_core::ledger::{EntryInput, LineInput};
use steward_e2e::{add_user, both_databases, fresh_store, Db};
use steward_store::Store;

async fn books(store: &Store) -> Actor {
    let company = create_company(store, "test", "Snapshot GmbH", "EUR")
        .await
        .unwrap();
    let admin = add_user(
        store,
        company,
        "admin-snap",
        "correct horse battery",
        &["admin"],
    )
    .await;
    let actor = steward_core::auth::session::cli_actor(store, admin, company)
        .await
        .unwrap();
    service::set_up_books(store, &actor, true).await.unwrap();
    service::create_commodity(
        store,
        &actor,
        &CommodityInput {
            symbol: "USD".into(),
            precision: 2,
            name: String::new(),
        },
    )
    .await
    .unwrap();
    actor
}

fn line(account: &str, amount: &str) -> LineInput {
    LineInput {
        account: account.into(),
        amount: Some(amount.into()),
        ..Default::default()
    }
}

fn entry(date: &str, description: &str, lines: Vec<LineInput>) -> EntryInput {
    EntryInput {
        date: date.into(),
        description: description.into(),
        lines,
        ..Default::default()
    }
}

/// A plain-text rendering of a report: what a reader of the snapshot checks.
fn render(r: &Report) -> String {
    let mut out = format!(
        "{} | {}\n",
        r.title,
        r.columns
            .iter()
            .map(|c| c.label.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    for s in &r.sections {
        let _ = writeln!(out, "== {}", s.title);
        for row in s.rows.iter().chain(s.totals.iter()) {
            let amounts: Vec<String> = (0..row.amounts.len()).map(|i| row.formatted(i)).collect();
            let name = if row.account.is_empty() {
                row.label.clone()
            } else {
                row.account.clone()
            };
            let _ = writeln!(
                out,
                "{}{name} [{}] {}",
                "  ".repeat(row.depth),
                row.commodity,
                amounts.join(" | ")
            );
        }
    }
    for t in &r.totals {
        let amounts: Vec<String> = (0..t.amounts.len()).map(|i| t.formatted(i)).collect();
        let _ = writeln!(
            out,
            "** {} [{}] {}",
            t.label,
            t.commodity,
            amounts.join(" | ")
        );
    }
    for w in &r.warnings {
        let _ = writeln!(out, "!! {w}");
    }
    out
}

fn d(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

both_databases!(report_snapshots, |db: Db| async move {
    let (store, _guard) = fresh_store(db).await;
    let a = books(&store).await;
    let mut sale = line("Income:Sales", "-1200.00");
    sale.project = Some("alpha".into());
    let mut svc = line("Income:Services", "-300.00");
    svc.project = Some("beta".into());
    for e in [
        entry(
            "2025-12-01",
            "Capital",
            vec![line("1000", "10000.00"), line("3000", "-10000.00")],
        ),
        entry(
            "2026-01-15",
            "Invoice 1",
            vec![line("1200", "1500.00"), sale, svc],
        ),
        entry(
            "2026-02-03",
            "Rent",
            vec![line("6100", "800.00"), line("1000", "-800.00")],
        ),
        entry(
            "2026-02-20",
            "Payment invoice 1",
            vec![line("1000", "1500.00"), line("1200", "-1500.00")],
        ),
        entry(
            "2026-03-31",
            "Split",
            vec![
                line("6300", "33.33"),
                line("6300", "33.33"),
                line("6300", "33.34"),
                line("1000", "-100.00"),
            ],
        ),
    ] {
        service::create_entry(&store, &a, &e, None, Intent::Post)
            .await
            .unwrap();
    }
    let mut usd = line("Assets:Bank:Savings", "250.00");
    usd.commodity = Some("USD".into());
    let mut usd2 = line("Income:Other", "-250.00");
    usd2.commodity = Some("USD".into());
    service::create_entry(
        &store,
        &a,
        &entry("2026-03-10", "USD fee income", vec![usd, usd2]),
        None,
        Intent::Post,
    )
    .await
    .unwrap();
    service::set_rates(
        &store,
        &a,
        &[service::RateInput {
            date: "2026-03-01".into(),
            commodity: "USD".into(),
            quote: "EUR".into(),
            rate: "0.92".into(),
        }],
        "test",
    )
    .await
    .unwrap();

    let tb = report(
        &store,
        &a,
        ReportKind::TrialBalance,
        &ReportOptions::default(),
    )
    .await
    .unwrap();
    insta::assert_snapshot!("trial_balance_csv", trial_balance_csv(&tb));
    let as_of = ReportOptions {
        as_of: Some(d("2026-02-28")),
        ..Default::default()
    };
    insta::assert_snapshot!(
        "trial_balance_feb",
        render(
            &report(&store, &a, ReportKind::TrialBalance, &as_of)
                .await
                .unwrap()
        )
    );
    let bs = ReportOptions {
        as_of: Some(d("2026-03-31")),
        compare: Compare::Months,
        tree: true,
        ..Default::default()
    };
    insta::assert_snapshot!(
        "balance_sheet_months",
        render(
            &report(&store, &a, ReportKind::BalanceSheet, &bs)
                .await
                .unwrap()
        )
    );
    let is = ReportOptions {
        from: Some(d("2026-01-01")),
        to: Some(d("2026-03-31")),
        compare: Compare::Quarters,
        ..Default::default()
    };
    insta::assert_snapshot!(
        "income_statement_q1",
        render(
            &report(&store, &a, ReportKind::IncomeStatement, &is)
                .await
                .unwrap()
        )
    );
    let by_project = ReportOptions {
        from: Some(d("2026-01-01")),
        to: Some(d("2026-03-31")),
        by: Dimension::Project,
        ..Default::default()
    };
    insta::assert_snapshot!(
        "income_statement_by_project",
        render(
            &report(&store, &a, ReportKind::IncomeStatement, &by_project)
                .await
                .unwrap()
        )
    );
    let converted = ReportOptions {
        as_of: Some(d("2026-03-31")),
        convert_to: Some("EUR".into()),
        ..Default::default()
    };
    insta::assert_snapshot!(
        "balance_sheet_in_eur",
        render(
            &report(&store, &a, ReportKind::BalanceSheet, &converted)
                .await
                .unwrap()
        )
    );
    // The cash-flow statement by month: net income, working capital (receivables), the
    // cash accounts' change, and a difference of zero in each commodity.
    let cf = ReportOptions {
        from: Some(d("2026-01-01")),
        to: Some(d("2026-03-31")),
        compare: Compare::Months,
        ..Default::default()
    };
    let r = report(&store, &a, ReportKind::CashFlow, &cf).await.unwrap();
    for t in r.totals.iter().filter(|t| t.label == DIFFERENCE) {
        assert!(t.amounts.iter().all(|v| *v == 0), "{}", render(&r));
    }
    insta::assert_snapshot!("cash_flow_months", render(&r));
});

// Investing and financing: equipment bought with a loan's money, depreciation added back.
both_databases!(cash_flow_sections, |db: Db| async move {
    let (store, _guard) = fresh_store(db).await;
    let a = books(&store).await;
    service::create_account(
        &store,
        &a,
        &service::AccountInput {
            name: "Assets:Fixed:Accumulated Depreciation".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    service::create_account(
        &store,
        &a,
        &service::AccountInput {
            name: "Expenses:Depreciation".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for e in [
        entry(
            "2026-01-02",
            "Loan",
            vec![line("1000", "5000.00"), line("2500", "-5000.00")],
        ),
        entry(
            "2026-01-10",
            "Equipment",
            vec![line("1500", "3000.00"), line("1000", "-3000.00")],
        ),
        entry(
            "2026-01-20",
            "Sale on credit",
            vec![line("1200", "800.00"), line("4000", "-800.00")],
        ),
        entry(
            "2026-01-31",
            "Depreciation",
            vec![
                line("Expenses:Depreciation", "50.00"),
                line("Assets:Fixed:Accumulated Depreciation", "-50.00"),
            ],
        ),
        entry(
            "2026-01-31",
            "Owner's capital",
            vec![line("1000", "1000.00"), line("3000", "-1000.00")],
        ),
    ] {
        service::create_entry(&store, &a, &e, None, Intent::Post)
            .await
            .unwrap();
    }
    let r = report(
        &store,
        &a,
        ReportKind::CashFlow,
        &ReportOptions {
            from: Some(d("2026-01-01")),
            to: Some(d("2026-01-31")),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let total = |section: usize| r.sections[section].totals[0].amounts[0];
    // Net income 750 + depreciation 50; receivables grew 800; equipment 3000 bought;
    // loan 5000 and capital 1000 in. Cash: +5000 - 3000 + 1000 = 3000.
    assert_eq!(total(0), 80000, "{}", render(&r));
    assert_eq!(total(1), -80000);
    assert_eq!(total(2), -300000);
    assert_eq!(total(3), 600000);
    assert_eq!(total(4), 300000, "the cash accounts' change");
    let net = r
        .totals
        .iter()
        .find(|t| t.label == "Net change in cash")
        .unwrap();
    assert_eq!(net.amounts[0], 300000);
    let diff = r.totals.iter().find(|t| t.label == DIFFERENCE).unwrap();
    assert_eq!(diff.amounts[0], 0);
    assert!(r.warnings.is_empty());
    insta::assert_snapshot!("cash_flow_sections", render(&r));
});

/// One generated entry: amounts in cents over a few accounts, two commodities.
#[derive(Debug, Clone)]
struct Gen {
    day: u32,
    lines: Vec<(usize, i64)>,
    usd: bool,
    reverse: bool,
}

const ACCOUNTS: &[&str] = &[
    "1000",
    "1200",
    "2000",
    "4000",
    "6100",
    "6300",
    "Assets:Bank:Savings",
];

fn gen_entry() -> impl Strategy<Value = Gen> {
    (
        1u32..28,
        proptest::collection::vec((0..ACCOUNTS.len(), -500_000i64..500_000), 1..5),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(day, lines, usd, reverse)| Gen {
            day,
            lines,
            usd,
            reverse,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn entries_and_reversals_keep_every_commodity_at_zero(entries in proptest::collection::vec(gen_entry(), 1..25)) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let (store, _guard) = fresh_store(Db::Sqlite).await;
            let a = books(&store).await;
            let mut expected: std::collections::BTreeMap<(String, String), i64> = Default::default();
            for g in &entries {
                let commodity = if g.usd { "USD" } else { "EUR" };
                let mut lines: Vec<LineInput> = g.lines.iter().map(|(acc, amt)| {
                    let mut l = line(ACCOUNTS[*acc], &steward_core::money::format_minor(*amt, 2));
                    l.commodity = Some(commodity.into());
                    l
                }).collect();
                let total: i64 = g.lines.iter().map(|(_, a)| a).sum();
                let mut last = line("3000", &steward_core::money::format_minor(-total, 2));
                last.commodity = Some(commodity.into());
                lines.push(last);
                let e = service::create_entry(&store, &a, &entry(&format!("2026-02-{:02}", g.day), "generated", lines), None, Intent::Post).await.unwrap();
                if g.reverse {
                    service::reverse_entry(&store, &a, e.id, &ReverseInput { date: None, reason: "test".into(), corrected: None }).await.unwrap();
                } else {
                    for l in &e.lines {
                        *expected.entry((l.account.clone(), l.commodity.clone())).or_default() += l.amount;
                    }
                }
            }
            // Whole ledger, and a range that splits February (postings + stored months).
            for opts in [ReportOptions::default(), ReportOptions { as_of: Some(d("2026-02-14")), ..Default::default() }] {
                let r = report(&store, &a, ReportKind::TrialBalance, &opts).await.unwrap();
                for t in &r.totals {
                    prop_assert_eq!(t.amounts[0], 0, "{} does not balance", t.commodity);
                }
            }
            let r = report(&store, &a, ReportKind::TrialBalance, &ReportOptions::default()).await.unwrap();
            let mut got: std::collections::BTreeMap<(String, String), i64> = Default::default();
            for row in &r.sections[0].rows {
                got.insert((row.account.clone(), row.commodity.clone()), row.amounts[0]);
            }
            expected.retain(|_, v| *v != 0);
            prop_assert_eq!(got, expected);
            Ok(())
        })?;
    }
}

/// Accounts of every cash-flow class: cash (1000, Savings), working capital (1200, 2000),
/// investing (1500), financing (2500, 3000), net income (4000, 6100).
const CF_ACCOUNTS: &[&str] = &[
    "1000",
    "Assets:Bank:Savings",
    "1200",
    "2000",
    "1500",
    "2500",
    "4000",
    "6100",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]
    /// When every account is classified, the sections add up to the change in the cash
    /// accounts, in every column and commodity.
    #[test]
    fn cash_flow_sections_sum_to_the_change_in_cash(entries in proptest::collection::vec(gen_entry(), 1..20)) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let (store, _guard) = fresh_store(Db::Sqlite).await;
            let a = books(&store).await;
            let mut cash: std::collections::BTreeMap<String, i64> = Default::default();
            for g in &entries {
                let commodity = if g.usd { "USD" } else { "EUR" };
                let mut lines: Vec<LineInput> = g.lines.iter().map(|(acc, amt)| {
                    let mut l = line(CF_ACCOUNTS[*acc % CF_ACCOUNTS.len()], &steward_core::money::format_minor(*amt, 2));
                    l.commodity = Some(commodity.into());
                    l
                }).collect();
                let total: i64 = g.lines.iter().map(|(_, a)| a).sum();
                let mut last = line("3000", &steward_core::money::format_minor(-total, 2));
                last.commodity = Some(commodity.into());
                lines.push(last);
                let e = service::create_entry(&store, &a, &entry(&format!("2026-02-{:02}", g.day), "generated", lines), None, Intent::Post).await.unwrap();
                for l in &e.lines {
                    if l.account == "Assets:Bank:Checking" || l.account == "Assets:Bank:Savings" {
                        *cash.entry(l.commodity.clone()).or_default() += l.amount;
                    }
                }
            }
            let opts = ReportOptions { from: Some(d("2026-02-01")), to: Some(d("2026-02-28")), compare: Compare::Months, ..Default::default() };
            let r = report(&store, &a, ReportKind::CashFlow, &opts).await.unwrap();
            for t in &r.totals {
                if t.label == DIFFERENCE {
                    prop_assert!(t.amounts.iter().all(|v| *v == 0), "{} differs", t.commodity);
                }
                if t.label == "Net change in cash" {
                    prop_assert_eq!(t.amounts[0], cash.get(&t.commodity).copied().unwrap_or(0));
                }
            }
            prop_assert!(r.warnings.is_empty(), "{:?}", r.warnings);
            Ok(())
        })?;
    }
}
