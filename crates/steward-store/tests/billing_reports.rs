//! Billing's reports on both databases: the tax report's numbers per code and its tie to the
//! ledger (and the difference a manual entry on the tax account makes), a customer's
//! statement (opening, running and closing balance equal to the aged total on the last
//! day), and the dashboard tiles' grouped reads (overdue receivables, bills due this week).
use crate::common;

use chrono::NaiveDate;
use steward_core::auth::Actor;
use steward_core::billing::aged::{self, Buckets, Side};
use steward_core::billing::invoices::{self, InvoiceInput, InvoiceKind, LineInput};
use steward_core::billing::parties::{self, PartyInput};
use steward_core::billing::payments::{self, AllocationInput, PaymentInput, PaymentKind};
use steward_core::billing::{reports, tax, tiles};
use steward_core::ids::{InvoiceId, PartyId};
use steward_core::ledger::{self, EntryInput, LineInput as EntryLine};
use steward_store::Store;

use common::world;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day")
}

/// Books with the starter chart, 19 % VAT on 2100, a customer (14 days) and a vendor (30).
async fn setup(store: &Store, actor: &Actor) -> (PartyId, PartyId) {
    common::billing_books(store, actor, "").await;
    tax::create(
        store,
        actor,
        &tax::TaxCodeInput {
            code: "vat19".into(),
            name: "VAT 19 %".into(),
            rate: "19".into(),
            inclusive: false,
            collected_account: "2100".into(),
            paid_account: "2100".into(),
            active: true,
        },
    )
    .await
    .expect("tax code");
    let customer = parties::create(
        store,
        actor,
        &PartyInput {
            name: "Acme Clinic".into(),
            is_customer: true,
            payment_terms_days: "14".into(),
            income_account: "4000".into(),
            address: "1 Main Street\nSpringfield".into(),
            active: true,
            ..Default::default()
        },
    )
    .await
    .expect("customer");
    let vendor = parties::create(
        store,
        actor,
        &PartyInput {
            name: "Paper Supplies".into(),
            is_vendor: true,
            expense_account: "6300".into(),
            active: true,
            ..Default::default()
        },
    )
    .await
    .expect("vendor");
    (customer.id, vendor.id)
}

fn line(desc: &str, qty: &str, price: &str, tax: &str) -> LineInput {
    LineInput {
        description: desc.into(),
        quantity: qty.into(),
        unit_price: price.into(),
        tax_code: tax.into(),
        ..Default::default()
    }
}

/// A posted document: 99.99 + 19.00 VAT + 50.00 untaxed (168.99) for an invoice; 100.00 +
/// 19.00 VAT (119.00) for a bill.
async fn posted(
    store: &Store,
    actor: &Actor,
    kind: InvoiceKind,
    party: PartyId,
    date: &str,
) -> InvoiceId {
    let lines = if kind == InvoiceKind::Invoice {
        vec![
            line("Consulting", "3", "33.33", "VAT19"),
            line("Travel", "1", "50", ""),
        ]
    } else {
        vec![line("Paper", "1", "100", "VAT19")]
    };
    let d = invoices::create_draft(
        store,
        actor,
        kind,
        &InvoiceInput {
            party_id: Some(party.0),
            issue_date: date.into(),
            lines,
            ..Default::default()
        },
        None,
    )
    .await
    .expect("draft");
    invoices::post(store, actor, d.id, None)
        .await
        .expect("post")
        .id
}

async fn receive(store: &Store, actor: &Actor, party: PartyId, date: &str, doc: InvoiceId) {
    payments::record(
        store,
        actor,
        PaymentKind::Received,
        &PaymentInput {
            party_id: Some(party.0),
            date: date.into(),
            amount: "100".into(),
            account: "1000".into(),
            allocations: vec![AllocationInput {
                document_id: Some(doc.0),
                amount: "100".into(),
            }],
            ..Default::default()
        },
        None,
    )
    .await
    .expect("payment");
}

store_test!(the_tax_report_ties_to_the_ledger, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let actor = &w.actor_a;
    let (customer, vendor) = setup(store, actor).await;
    posted(store, actor, InvoiceKind::Invoice, customer, "2026-01-05").await;
    posted(store, actor, InvoiceKind::Invoice, customer, "2026-03-10").await;
    posted(store, actor, InvoiceKind::Bill, vendor, "2026-03-12").await;

    let r = reports::tax_report(
        store,
        actor,
        Some(day("2026-03-01")),
        Some(day("2026-03-31")),
    )
    .await
    .expect("march");
    assert_eq!(r.rows.len(), 2, "{r:?}");
    let vat = &r.rows[0];
    assert_eq!(vat.code, "VAT19");
    assert_eq!((vat.sales_base, vat.sales_tax), (9999, 1900));
    assert_eq!((vat.purchases_base, vat.purchases_tax), (10000, 1900));
    let none = &r.rows[1];
    assert_eq!(none.code, "");
    assert_eq!((none.sales_base, none.sales_tax), (5000, 0));
    // 2100 takes both: -19.00 collected + 19.00 paid, and the ledger moved by as much.
    assert_eq!(r.ties.len(), 1);
    assert_eq!(r.ties[0].account, "Liabilities:Tax:VAT");
    assert_eq!((r.ties[0].documents, r.ties[0].ledger), (0, 0));
    assert!(r.ties_out());

    // From a month's first day to a day within it (the ledger's partial month).
    let part = reports::tax_report(
        store,
        actor,
        Some(day("2026-03-01")),
        Some(day("2026-03-11")),
    )
    .await
    .expect("month to date");
    assert_eq!(part.ties[0].documents, -1900);
    assert_eq!(part.ties[0].ledger, -1900, "the ledger's month to date");
    let q1 = reports::tax_report(
        store,
        actor,
        Some(day("2026-01-01")),
        Some(day("2026-03-31")),
    )
    .await
    .expect("q1");
    assert_eq!(q1.rows[0].sales_tax, 3800);
    assert_eq!(q1.ties[0].documents, -1900);
    assert_eq!(q1.ties[0].ledger, -1900);
    assert!(q1.ties_out());

    // A manual entry on the tax account is a difference the report shows.
    ledger::service::create_entry(
        store,
        actor,
        &EntryInput {
            date: "2026-03-20".into(),
            description: "VAT correction".into(),
            lines: vec![
                EntryLine {
                    account: "2100".into(),
                    amount: Some("10.00".into()),
                    ..Default::default()
                },
                EntryLine {
                    account: "1000".into(),
                    amount: Some("-10.00".into()),
                    ..Default::default()
                },
            ],
            ..Default::default()
        },
        None,
        ledger::service::Intent::Post,
    )
    .await
    .expect("entry");
    let q1 = reports::tax_report(
        store,
        actor,
        Some(day("2026-01-01")),
        Some(day("2026-03-31")),
    )
    .await
    .expect("q1 again");
    assert_eq!(q1.ties[0].ledger, -900);
    assert_eq!(q1.ties[0].difference, 1000);
    assert!(!q1.ties_out());

    // A period ending before it starts is refused by field; another company sees nothing.
    let e = reports::tax_report(
        store,
        actor,
        Some(day("2026-04-01")),
        Some(day("2026-03-01")),
    )
    .await
    .expect_err("backwards");
    assert_eq!(e.field_errors()[0].field, "from");
    let other = reports::tax_report(
        store,
        &w.actor_b,
        Some(day("2026-01-01")),
        Some(day("2026-03-31")),
    )
    .await
    .expect("other company");
    assert!(other.rows.is_empty());
});

store_test!(a_statement_runs_to_the_aged_balance, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let actor = &w.actor_a;
    let (customer, vendor) = setup(store, actor).await;
    let _b = posted(store, actor, InvoiceKind::Invoice, customer, "2026-01-05").await;
    let a = posted(store, actor, InvoiceKind::Invoice, customer, "2026-03-10").await;
    receive(store, actor, customer, "2026-04-01", a).await;

    let s = reports::statement(
        store,
        actor,
        customer,
        None,
        Some(day("2026-02-01")),
        Some(day("2026-04-30")),
    )
    .await
    .expect("statement");
    assert_eq!(s.side, Side::Receivables);
    assert_eq!(s.parts.len(), 1);
    let p = &s.parts[0];
    assert_eq!(p.opening, 16899, "January's invoice");
    let running: Vec<(String, i64, i64)> = p
        .lines
        .iter()
        .map(|l| (l.kind.clone(), l.amount, l.balance))
        .collect();
    assert_eq!(
        running,
        vec![
            ("invoice".to_string(), 16899, 33798),
            ("payment".to_string(), -10000, 23798),
        ]
    );
    assert_eq!(p.closing, 23798);
    let aged = aged::aged(
        store,
        actor,
        Side::Receivables,
        day("2026-04-30"),
        &Buckets::default(),
    )
    .await
    .expect("aged");
    assert_eq!(
        aged[0].total, p.closing,
        "the closing balance is the aged total"
    );
    assert_eq!(p.aging, aged[0].buckets);

    // Before the payment: both invoices whole.
    let s = reports::statement(
        store,
        actor,
        customer,
        None,
        Some(day("2026-01-01")),
        Some(day("2026-03-31")),
    )
    .await
    .expect("q1");
    assert_eq!((s.parts[0].opening, s.parts[0].closing), (0, 33798));

    // The vendor has no customer side; another company's party is not found.
    let e = reports::statement(store, actor, vendor, Some(Side::Receivables), None, None)
        .await
        .expect_err("not a customer");
    assert_eq!(e.field_errors()[0].field, "side");
    assert!(matches!(
        reports::statement(store, &w.actor_b, customer, None, None, None).await,
        Err(steward_core::Error::NotFound { .. })
    ));
});

store_test!(dashboard_tiles_count_what_is_open, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let actor = &w.actor_a;
    let (customer, vendor) = setup(store, actor).await;
    // Due 2026-01-19 and 2026-03-24; the bill (30 days) due 2026-04-11.
    let _b = posted(store, actor, InvoiceKind::Invoice, customer, "2026-01-05").await;
    let a = posted(store, actor, InvoiceKind::Invoice, customer, "2026-03-10").await;
    posted(store, actor, InvoiceKind::Bill, vendor, "2026-03-12").await;

    let t = tiles::overdue_tile(store, actor, day("2026-04-10"))
        .await
        .expect("overdue");
    assert_eq!(t[0].number, 2);
    let bars: Vec<i64> = t[0].bars.iter().map(|b| b.value).collect();
    assert_eq!(bars, vec![1, 0, 1, 0], "1-30, 31-60, 61-90, over 90");
    assert!(t[0].caption.contains("337.98"), "{}", t[0].caption);
    // Paid down, A still owes 68.99; fully paid ones drop out.
    receive(store, actor, customer, "2026-04-01", a).await;
    let t = tiles::overdue_tile(store, actor, day("2026-04-10"))
        .await
        .expect("overdue");
    assert_eq!(t[0].number, 2);
    assert!(t[0].caption.contains("237.98"), "{}", t[0].caption);

    // Friday 2026-04-10: the bill is due Saturday, this week.
    let t = tiles::bills_tile(store, actor, day("2026-04-10"))
        .await
        .expect("bills");
    assert_eq!(t[0].number, 1);
    let t = tiles::bills_tile(store, actor, day("2026-04-01"))
        .await
        .expect("bills");
    assert_eq!(t[0].number, 0, "not due this week yet");
    let t = tiles::bills_tile(store, actor, day("2026-04-13"))
        .await
        .expect("bills");
    assert_eq!(t[0].number, 0);
    assert_eq!(t[0].bars[1].value, 1, "overdue by then");
    // Another company's books show nothing open.
    let t = tiles::overdue_tile(store, &w.actor_b, day("2026-04-10"))
        .await
        .expect("other");
    assert_eq!(t[0].number, 0);
});

// The benchmarks' seed writes posted invoices and their payments straight into the tables:
// what the aged report then shows is what was seeded, and the series go on after it.
store_test!(seeded_invoices_age_as_seeded, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let actor = &w.actor_a;
    let (customer, _) = setup(store, actor).await;
    let seed =
        |seq: i64, issued: &str, total: i64, paid: i64| steward_store::billing::SeedInvoice {
            party: customer.0,
            issue_date: day(issued),
            due_date: day(issued) + chrono::Days::new(14),
            total,
            paid,
            seq,
        };
    store
        .seed_posted_invoices(
            actor.company_id,
            "EUR",
            &[
                seed(1, "2026-01-05", 10_000, 4_000),
                seed(2, "2026-03-01", 5_000, 5_000),
                seed(3, "2026-03-20", 2_500, 0),
            ],
        )
        .await
        .expect("seed");
    let rows = aged::aged(
        store,
        actor,
        Side::Receivables,
        day("2026-04-01"),
        &Buckets::default(),
    )
    .await
    .expect("aged");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].total, 6_000 + 2_500, "{rows:?}");
    let next = posted(store, actor, InvoiceKind::Invoice, customer, "2026-04-02").await;
    let inv = invoices::get(store, actor, next).await.expect("invoice");
    assert_eq!(inv.number.as_deref(), Some("INV-2026-0004"), "{inv:?}");
});
