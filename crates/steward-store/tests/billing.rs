//! Billing on both databases, through core's services: parties and tax codes, drafts,
//! posting (gap-free numbers per series and year, the ledger entry in the same
//! transaction, nothing written into a closed period), credit notes that credit at most
//! what is left, idempotent drafts, the immutability triggers, and companies kept apart.
use crate::common;

use std::collections::BTreeSet;
use steward_core::auth::Actor;
use steward_core::billing::invoices::{self, InvoiceInput, InvoiceKind, InvoiceStatus, LineInput};
use steward_core::billing::parties::{self, PartyInput};
use steward_core::billing::tax;
use steward_core::ids::{InvoiceId, PartyId};
use steward_core::ledger::{self, EntryStatus};
use steward_core::Error;
use steward_store::Store;

use common::world;

/// Books with the starter chart, 19 % VAT, a customer and a vendor.
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
            email: "billing@acme.example".into(),
            payment_terms_days: "14".into(),
            income_account: "4000".into(),
            iban: "DE89 3704 0044 0532 0130 00".into(),
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

fn input(party: PartyId, date: &str, lines: Vec<LineInput>) -> InvoiceInput {
    InvoiceInput {
        party_id: Some(party.0),
        issue_date: date.into(),
        lines,
        ..Default::default()
    }
}

async fn draft(store: &Store, actor: &Actor, party: PartyId, date: &str) -> InvoiceId {
    invoices::create_draft(
        store,
        actor,
        InvoiceKind::Invoice,
        &input(
            party,
            date,
            vec![
                line("Consulting", "3", "33.33", "VAT19"),
                line("Travel", "1", "50", ""),
            ],
        ),
        None,
    )
    .await
    .expect("draft")
    .id
}

store_test!(
    an_invoice_posts_its_entry_with_its_number,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let actor = &w.actor_a;
        let (customer, vendor) = setup(store, actor).await;

        let id = draft(store, actor, customer, "2026-03-10").await;
        let d = invoices::get(store, actor, id).await.expect("ok");
        assert_eq!(d.status, InvoiceStatus::Draft);
        assert_eq!(d.number, None);
        // 3 x 33.33 = 99.99 + 19 % (19.00) and 50.00 without tax.
        assert_eq!((d.subtotal, d.tax, d.total), (14999, 1900, 16899));
        // The customer's terms: 14 days.
        assert_eq!(d.due_date.to_string(), "2026-03-24");

        let p = invoices::post(store, actor, id, None).await.expect("ok");
        assert_eq!(p.status, InvoiceStatus::Posted);
        assert_eq!(p.number.as_deref(), Some("INV-2026-0001"));
        let entry = ledger::entries::get_entry(store, actor, p.entry_id.expect("entry"))
            .await
            .expect("ok");
        assert_eq!(entry.status, EntryStatus::Posted);
        assert_eq!(entry.reference, "INV-2026-0001");
        let by_account = |name: &str| -> i64 {
            entry
                .lines
                .iter()
                .filter(|l| l.account == name)
                .map(|l| l.amount)
                .sum()
        };
        assert_eq!(by_account("Assets:Receivables"), 16899);
        assert_eq!(by_account("Income:Sales"), -14999);
        assert_eq!(by_account("Liabilities:Tax:VAT"), -1900);
        assert_eq!(entry.lines.iter().map(|l| l.amount).sum::<i64>(), 0);

        // A second invoice the next number; a bill its own series.
        let id2 = draft(store, actor, customer, "2026-04-01").await;
        let p2 = invoices::post(store, actor, id2, None).await.expect("ok");
        assert_eq!(p2.number.as_deref(), Some("INV-2026-0002"));
        let bill = invoices::create_draft(
            store,
            actor,
            InvoiceKind::Bill,
            &input(
                vendor,
                "2026-04-02",
                vec![line("Paper", "10", "4.5", "VAT19")],
            ),
            None,
        )
        .await
        .expect("ok");
        let bill = invoices::post(store, actor, bill.id, None)
            .await
            .expect("ok");
        assert_eq!(bill.number.as_deref(), Some("BILL-2026-0001"));
        let be = ledger::entries::get_entry(store, actor, bill.entry_id.expect("ok"))
            .await
            .expect("ok");
        let payable: i64 = be
            .lines
            .iter()
            .filter(|l| l.account == "Liabilities:Payables")
            .map(|l| l.amount)
            .sum();
        assert_eq!(payable, -(4500 + 855));

        // Posted documents do not change, through the service or behind its back.
        let again = invoices::post(store, actor, id, None).await;
        assert!(matches!(again, Err(Error::Conflict { .. })), "{again:?}");
        let change = invoices::update_draft(
            store,
            actor,
            id,
            &input(customer, "2026-03-10", vec![line("x", "1", "1", "")]),
            None,
        )
        .await;
        assert!(matches!(change, Err(Error::Conflict { .. })), "{change:?}");
        assert!(matches!(
            invoices::delete_draft(store, actor, id).await,
            Err(Error::Conflict { .. })
        ));
        db.assert_refused(
            "UPDATE billing_documents SET total = 1 WHERE status = 'posted'",
            "posted documents are immutable",
        )
        .await;
        db.assert_refused(
        "DELETE FROM billing_lines WHERE document_id IN (SELECT id FROM billing_documents WHERE status = 'posted')",
        "posted documents are immutable",
    )
    .await;

        // Another company sees none of it.
        assert!(matches!(
            invoices::get(store, &w.actor_b, id).await,
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            parties::get(store, &w.actor_b, customer).await,
            Err(Error::NotFound { .. })
        ));
    }
);

store_test!(
    bad_input_names_the_line_and_writes_nothing,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let actor = &w.actor_a;
        let (customer, vendor) = setup(store, actor).await;
        let bad = input(
            customer,
            "2026-13-01",
            vec![
                line("ok", "1", "10", "VAT19"),
                line("", "x", "1.234", "NOPE"),
            ],
        );
        let e = invoices::create_draft(store, actor, InvoiceKind::Invoice, &bad, None)
            .await
            .expect_err("refused");
        let fields: BTreeSet<String> = e.field_errors().into_iter().map(|f| f.field).collect();
        for f in [
            "issue_date",
            "lines[1].description",
            "lines[1].quantity",
            "lines[1].unit_price",
            "lines[1].tax_code",
        ] {
            assert!(fields.contains(f), "{f} in {fields:?}");
        }
        // A vendor is not invoiced; a customer does not send bills.
        let e = invoices::create_draft(
            store,
            actor,
            InvoiceKind::Invoice,
            &input(vendor, "2026-03-01", vec![line("a", "1", "1", "")]),
            None,
        )
        .await
        .expect_err("refused");
        assert_eq!(e.field_errors()[0].field, "party_id");
        let page = invoices::list(store, actor, &Default::default())
            .await
            .expect("ok");
        assert_eq!(page.total, 0, "nothing was written");

        // A bad IBAN is refused by field.
        let e = parties::create(
            store,
            actor,
            &PartyInput {
                name: "Bad Bank".into(),
                is_vendor: true,
                iban: "DE89 3704 0044 0532 0130 01".into(),
                active: true,
                ..Default::default()
            },
        )
        .await
        .expect_err("refused");
        assert_eq!(e.field_errors()[0].field, "iban");
    }
);

store_test!(
    numbers_stay_gap_free_when_posting_fails_or_races,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let actor = &w.actor_a;
        let (customer, _) = setup(store, actor).await;

        // January closed: posting into it is refused on the issue date and takes no number.
        let jan = draft(store, actor, customer, "2026-01-15").await;
        ledger::periods::close_period(store, actor, 202601)
            .await
            .expect("close January");
        let e = invoices::post(store, actor, jan, None)
            .await
            .expect_err("refused");
        assert!(
            matches!(&e, Error::Invalid { field, .. } if field == "issue_date"),
            "{e:?}"
        );
        let d = invoices::get(store, actor, jan).await.expect("ok");
        assert_eq!(d.status, InvoiceStatus::Draft);

        // Twelve drafts posted at once take 1..=12, each once.
        let mut ids = Vec::new();
        for _ in 0..12 {
            ids.push(draft(store, actor, customer, "2026-02-10").await);
        }
        let mut tasks = Vec::new();
        for id in ids {
            let store = store.clone();
            let actor = actor.clone();
            tasks.push(tokio::spawn(async move {
                invoices::post(&store, &actor, id, None).await
            }));
        }
        let mut numbers = BTreeSet::new();
        for t in tasks {
            let inv = t.await.expect("join").expect("post");
            numbers.insert(inv.number.expect("number"));
        }
        let expected: BTreeSet<String> = (1..=12).map(|n| format!("INV-2026-{n:04}")).collect();
        assert_eq!(numbers, expected);
    }
);

store_test!(credit_notes_credit_at_most_what_is_left, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let actor = &w.actor_a;
    let (customer, _) = setup(store, actor).await;
    let id = draft(store, actor, customer, "2026-05-05").await;
    let inv = invoices::post(store, actor, id, None).await.expect("ok");
    let consulting = inv.lines[0].id;

    // A draft cannot be credited.
    let d = draft(store, actor, customer, "2026-05-06").await;
    assert!(invoices::create_credit(store, actor, d, None, None)
        .await
        .is_err());

    // One of the three hours.
    let part = invoices::create_credit(
        store,
        actor,
        id,
        Some(vec![LineInput {
            credited_line_id: Some(consulting),
            ..line("Consulting", "1", "33.33", "VAT19")
        }]),
        None,
    )
    .await
    .expect("ok");
    assert_eq!(part.kind, InvoiceKind::CreditNote);
    let part = invoices::post(store, actor, part.id, None)
        .await
        .expect("ok");
    assert_eq!(part.number.as_deref().map(|n| &n[..3]), Some("CN-"));
    assert_eq!(part.credited_number.as_deref(), Some("INV-2026-0001"));
    assert_eq!(part.total, 3333 + 633);
    let e = ledger::entries::get_entry(store, actor, part.entry_id.expect("ok"))
        .await
        .expect("ok");
    let receivable: i64 = e
        .lines
        .iter()
        .filter(|l| l.account == "Assets:Receivables")
        .map(|l| l.amount)
        .sum();
    assert_eq!(
        receivable,
        -(3333 + 633),
        "a credit note credits the receivable"
    );

    // Three more hours is more than is left.
    let over = invoices::create_credit(
        store,
        actor,
        id,
        Some(vec![LineInput {
            credited_line_id: Some(consulting),
            ..line("Consulting", "3", "33.33", "VAT19")
        }]),
        None,
    )
    .await
    .expect_err("refused");
    assert_eq!(over.field_errors()[0].field, "lines[0].quantity");

    // The rest: two hours and the travel.
    let rest = invoices::create_credit(store, actor, id, None, None)
        .await
        .expect("ok");
    assert_eq!(rest.lines.len(), 2);
    assert_eq!(rest.lines[0].quantity, 20_000);
    invoices::post(store, actor, rest.id, None)
        .await
        .expect("ok");
    let none_left = invoices::create_credit(store, actor, id, None, None).await;
    assert!(none_left.is_err());
});

store_test!(a_draft_with_a_key_is_made_once, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let actor = &w.actor_a;
    let (customer, _) = setup(store, actor).await;
    let i = input(customer, "2026-06-01", vec![line("a", "1", "1", "")]);
    let a = invoices::create_draft(store, actor, InvoiceKind::Invoice, &i, Some("k-1"))
        .await
        .expect("ok");
    let b = invoices::create_draft(store, actor, InvoiceKind::Invoice, &i, Some("k-1"))
        .await
        .expect("ok");
    assert_eq!(a.id, b.id);
    let page = invoices::list(store, actor, &Default::default())
        .await
        .expect("ok");
    assert_eq!(page.total, 1);
});

mod payments_and_aging {
    use super::*;
    use steward_core::billing::aged::{self, Buckets, Side};
    use steward_core::billing::payments::{self, AllocationInput, PaymentInput, PaymentKind};

    fn pay(party: PartyId, date: &str, amount: &str, allocs: &[(InvoiceId, &str)]) -> PaymentInput {
        PaymentInput {
            party_id: Some(party.0),
            date: date.into(),
            amount: amount.into(),
            account: "1000".into(),
            allocations: allocs
                .iter()
                .map(|(d, a)| AllocationInput {
                    document_id: Some(d.0),
                    amount: (*a).into(),
                })
                .collect(),
            ..Default::default()
        }
    }

    async fn open_of(store: &Store, actor: &Actor, id: InvoiceId) -> i64 {
        payments::settlement(store, actor, id)
            .await
            .expect("settlement")
            .1
            .open()
    }

    store_test!(payments_settle_documents_and_age_them, |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let actor = &w.actor_a;
        let (customer, _) = setup(store, actor).await;
        // A: 168.99 due 2026-03-24; B: 168.99 due 2026-01-19.
        let a = draft(store, actor, customer, "2026-03-10").await;
        let a = invoices::post(store, actor, a, None)
            .await
            .expect("post a")
            .id;
        let b = draft(store, actor, customer, "2026-01-05").await;
        let b = invoices::post(store, actor, b, None)
            .await
            .expect("post b")
            .id;

        // More than A owes, and more than the payment holds: refused by field, nothing written.
        let e = payments::record(
            store,
            actor,
            PaymentKind::Received,
            &pay(customer, "2026-04-01", "500", &[(a, "169.00")]),
            None,
        )
        .await
        .expect_err("too much");
        assert_eq!(e.field_errors()[0].field, "allocations[0].amount", "{e:?}");
        let e = payments::record(
            store,
            actor,
            PaymentKind::Received,
            &pay(customer, "2026-04-01", "100", &[(a, "100"), (b, "50")]),
            None,
        )
        .await
        .expect_err("more than it holds");
        assert!(
            e.field_errors().iter().any(|f| f.field == "allocations"),
            "{e:?}"
        );
        let none = payments::list(store, actor, &Default::default())
            .await
            .expect("list");
        assert_eq!(none.total, 0);

        // 100.00 on A, posted with its entry.
        let p = payments::record(
            store,
            actor,
            PaymentKind::Received,
            &pay(customer, "2026-04-01", "100", &[(a, "100")]),
            Some("pay-1"),
        )
        .await
        .expect("payment");
        assert_eq!(p.number, "RCV-2026-0001");
        assert_eq!(p.unallocated, 0);
        let again = payments::record(
            store,
            actor,
            PaymentKind::Received,
            &pay(customer, "2026-04-01", "100", &[(a, "100")]),
            Some("pay-1"),
        )
        .await
        .expect("retry");
        assert_eq!(again.id, p.id, "a retry posts nothing new");
        let entry = ledger::entries::get_entry(store, actor, p.entry_id.expect("entry"))
            .await
            .expect("entry");
        let of = |name: &str| -> i64 {
            entry
                .lines
                .iter()
                .filter(|l| l.account == name)
                .map(|l| l.amount)
                .sum()
        };
        assert_eq!(of("Assets:Bank:Checking"), 10000);
        assert_eq!(of("Assets:Receivables"), -10000);
        assert_eq!(open_of(store, actor, a).await, 6899);

        // Aged as of 2026-04-10: A is 17 days overdue (68.99), B 81 days (168.99); as of
        // 2026-03-31 the payment has not happened yet: A counts whole, not yet overdue.
        let buckets = Buckets::parse("buckets", "30,60,90").expect("buckets");
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day");
        let rows = aged::aged(store, actor, Side::Receivables, day("2026-04-10"), &buckets)
            .await
            .expect("aged");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].buckets, vec![0, 6899, 0, 16899, 0]);
        assert_eq!(rows[0].total, 6899 + 16899);
        let rows = aged::aged(store, actor, Side::Receivables, day("2026-03-20"), &buckets)
            .await
            .expect("aged");
        assert_eq!(rows[0].buckets, vec![16899, 0, 16899, 0, 0]);

        // A credit of one hour on B is applied to it when posted.
        let lines = invoices::get(store, actor, b).await.expect("b").lines;
        let credit = invoices::create_credit(
            store,
            actor,
            b,
            Some(vec![LineInput {
                credited_line_id: Some(lines[0].id),
                ..line("Consulting", "1", "33.33", "VAT19")
            }]),
            None,
        )
        .await
        .expect("credit");
        invoices::post(store, actor, credit.id, None)
            .await
            .expect("post credit");
        assert_eq!(open_of(store, actor, b).await, 16899 - 3966);

        // 68.00 settles A with 0.99 written off; 200.00 on B leaves 70.67 as credit.
        let mut settle = pay(customer, "2026-04-12", "68.00", &[(a, "68.99")]);
        settle.writeoff = "0.99".into();
        settle.writeoff_account = "6500".into();
        payments::record(store, actor, PaymentKind::Received, &settle, None)
            .await
            .expect("settle a");
        assert_eq!(open_of(store, actor, a).await, 0);
        let over = payments::record(
            store,
            actor,
            PaymentKind::Received,
            &pay(customer, "2026-04-13", "200", &[(b, "129.33")]),
            None,
        )
        .await
        .expect("overpay b");
        assert_eq!(over.unallocated, 7067);
        assert_eq!(open_of(store, actor, b).await, 0);
        // The party now has credit: -70.67 in the not-due column (as of today: the credit
        // note is dated the day it was made).
        let today = ledger::service::today();
        let rows = aged::aged(store, actor, Side::Receivables, today, &buckets)
            .await
            .expect("aged");
        assert_eq!(rows[0].total, -7067);

        // The party's position both ways: billed less paid equals open less unallocated.
        let billed = 16899 + 16899 - 3966;
        let paid = 10000 + 6800 + 99 + 20000;
        assert_eq!(billed - paid, rows[0].total);

        // Two payments racing for what A' owes: one wins, the other is refused on its
        // allocation; nothing is allocated twice.
        let c = draft(store, actor, customer, "2026-04-20").await;
        let c = invoices::post(store, actor, c, None)
            .await
            .expect("post c")
            .id;
        let mut tasks = Vec::new();
        for n in 0..2 {
            let store = store.clone();
            let actor = actor.clone();
            tasks.push(tokio::spawn(async move {
                payments::record(
                    &store,
                    &actor,
                    PaymentKind::Received,
                    &pay(customer, "2026-04-21", "168.99", &[(c, "168.99")]),
                    Some(&format!("race-{n}")),
                )
                .await
            }));
        }
        let mut won = 0;
        for t in tasks {
            match t.await.expect("join") {
                Ok(_) => won += 1,
                Err(e) => assert!(
                    e.field_errors()
                        .iter()
                        .any(|f| f.field == "allocations[0].amount"),
                    "{e:?}"
                ),
            }
        }
        assert_eq!(won, 1);
        assert_eq!(open_of(store, actor, c).await, 0);
        db.assert_refused("UPDATE billing_allocations SET amount = 1", "immutable")
            .await;
        db.assert_refused("DELETE FROM billing_payments", "immutable")
            .await;
    });
}
