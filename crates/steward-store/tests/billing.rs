//! Billing on both databases, through core's services: parties and tax codes, drafts,
//! posting (gap-free numbers per series and year, the ledger entry in the same
//! transaction, nothing written into a closed period), credit notes that credit at most
//! what is left, idempotent drafts, the immutability triggers, and companies kept apart.
#[macro_use]
mod common;

use std::collections::BTreeSet;
use steward_core::auth::Actor;
use steward_core::billing::invoices::{self, InvoiceInput, InvoiceKind, InvoiceStatus, LineInput};
use steward_core::billing::parties::{self, PartyInput};
use steward_core::billing::{self, tax, SettingsInput};
use steward_core::ids::{InvoiceId, PartyId};
use steward_core::ledger::{self, EntryStatus};
use steward_core::Error;
use steward_store::Store;

use common::world;

/// Books with the starter chart, 19 % VAT, a customer and a vendor.
async fn setup(store: &Store, actor: &Actor) -> (PartyId, PartyId) {
    ledger::books::set_up_books(store, actor, true)
        .await
        .expect("books");
    billing::set_settings(
        store,
        actor,
        &SettingsInput {
            receivable_account: "1200".into(),
            payable_account: "2000".into(),
            tax_rounding: "line".into(),
        },
        None,
    )
    .await
    .expect("settings");
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
