//! Documents and payments in a currency other than the books' (USD in EUR books), on both
//! databases: a document records the ledger's rate of its issue date and its book value,
//! its entry's lines carry their values in euro as costs; a payment at another rate posts
//! the realised exchange gain or loss to the exchange difference account (refused, naming
//! the setting, while it is unset), partial payments relieve the receivable of exactly its
//! book value, a write-off keeps working, a bill paid dearer is a loss, a credit note at
//! another rate realises the difference on what it credits, the aged report stays in
//! dollars, and the store refuses a payment worked out from what a document owed before.
use crate::common;

use std::collections::BTreeMap;
use steward_core::auth::Actor;
use steward_core::billing::aged::{self, Buckets, Side};
use steward_core::billing::invoices::{self, InvoiceInput, InvoiceKind, LineInput};
use steward_core::billing::parties::{self, PartyInput};
use steward_core::billing::payments::{
    self, AllocationInput, PaymentInput, PaymentKind, PaymentStore,
};
use steward_core::billing::{self, SettingsInput};
use steward_core::ids::{EntryId, InvoiceId, PartyId};
use steward_core::ledger::{self, AccountStore, BalanceQuery, ReportStore};
use steward_core::Error;
use steward_store::Store;

use common::world;

/// EUR books with a dollar, its rates (0.92 from March, 0.95 from April, 0.91 from May),
/// a customer and a vendor in dollars.
async fn setup(store: &Store, actor: &Actor) -> (PartyId, PartyId) {
    common::billing_books(store, actor, "").await;
    ledger::books::create_commodity(
        store,
        actor,
        &ledger::books::CommodityInput {
            symbol: "USD".into(),
            precision: 2,
            name: "US dollar".into(),
        },
    )
    .await
    .expect("USD");
    let rates: Vec<ledger::books::RateInput> = [
        ("2026-03-01", "0.92"),
        ("2026-04-01", "0.95"),
        ("2026-05-01", "0.91"),
    ]
    .iter()
    .map(|(d, r)| ledger::books::RateInput {
        date: (*d).into(),
        commodity: "USD".into(),
        quote: "EUR".into(),
        rate: (*r).into(),
    })
    .collect();
    ledger::books::set_rates(store, actor, &rates, "test")
        .await
        .expect("rates");
    let customer = parties::create(
        store,
        actor,
        &PartyInput {
            name: "Boston Clinic".into(),
            is_customer: true,
            currency: "USD".into(),
            income_account: "4000".into(),
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
            name: "Chicago Tools".into(),
            is_vendor: true,
            currency: "USD".into(),
            expense_account: "6300".into(),
            active: true,
            ..Default::default()
        },
    )
    .await
    .expect("vendor");
    (customer.id, vendor.id)
}

/// The exchange difference account: Income:Other (4900).
async fn set_fx_account(store: &Store, actor: &Actor) {
    let s = billing::settings(store, actor).await.expect("settings");
    billing::set_settings(
        store,
        actor,
        &SettingsInput {
            receivable_account: "1200".into(),
            payable_account: "2000".into(),
            tax_rounding: "line".into(),
            bill_approval_threshold: String::new(),
            fx_gain_loss_account: "4900".into(),
        },
        Some(s.version),
    )
    .await
    .expect("settings");
}

async fn posted(
    store: &Store,
    actor: &Actor,
    kind: InvoiceKind,
    party: PartyId,
    date: &str,
    price: &str,
) -> InvoiceId {
    let d = invoices::create_draft(
        store,
        actor,
        kind,
        &InvoiceInput {
            party_id: Some(party.0),
            issue_date: date.into(),
            lines: vec![LineInput {
                description: "Work".into(),
                quantity: "1".into(),
                unit_price: price.into(),
                ..Default::default()
            }],
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

fn pay(
    party: PartyId,
    date: &str,
    amount: &str,
    allocations: &[(InvoiceId, &str)],
) -> PaymentInput {
    PaymentInput {
        party_id: Some(party.0),
        date: date.into(),
        amount: amount.into(),
        account: "1000".into(),
        allocations: allocations
            .iter()
            .map(|(d, a)| AllocationInput {
                document_id: Some(d.0),
                amount: (*a).into(),
            })
            .collect(),
        ..Default::default()
    }
}

/// An entry's lines per account name: (amount, commodity, cost).
async fn lines_of(
    store: &Store,
    actor: &Actor,
    entry: Option<EntryId>,
) -> BTreeMap<String, (i64, String, Option<i64>)> {
    let e = ledger::entries::get_entry(store, actor, entry.expect("an entry"))
        .await
        .expect("entry");
    let mut out = BTreeMap::new();
    for l in e.lines {
        let before = out.insert(
            l.account.clone(),
            (l.amount, l.commodity.clone(), l.cost.map(|c| c.amount)),
        );
        assert!(before.is_none(), "one line per account: {}", l.account);
    }
    out
}

/// The stored ledger balance of an account in a commodity.
async fn balance(store: &Store, actor: &Actor, code: &str, symbol: &str) -> i64 {
    let accounts = store
        .all_accounts(actor.company_id)
        .await
        .expect("accounts");
    let account = accounts
        .iter()
        .find(|a| a.code.as_deref() == Some(code))
        .expect("account")
        .id;
    let commodity = ledger::books::commodities(store, actor)
        .await
        .expect("commodities")
        .into_iter()
        .find(|c| c.symbol == symbol)
        .expect("commodity")
        .id;
    store
        .balances(actor.company_id, &BalanceQuery::default())
        .await
        .expect("balances")
        .iter()
        .filter(|r| r.account_id == account && r.commodity_id == commodity)
        .map(|r| r.amount)
        .sum()
}

fn field_of(e: &Error) -> String {
    e.field_errors()
        .first()
        .map(|f| f.field.clone())
        .unwrap_or_else(|| format!("{e:?}"))
}

store_test!(
    a_foreign_invoice_paid_in_parts_realises_its_difference,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let actor = &w.actor_a;
        let (customer, _) = setup(store, actor).await;

        // Before any rate: the error names the issue date, nothing is posted.
        let d = invoices::create_draft(
            store,
            actor,
            InvoiceKind::Invoice,
            &InvoiceInput {
                party_id: Some(customer.0),
                issue_date: "2026-02-10".into(),
                lines: vec![LineInput {
                    description: "Work".into(),
                    quantity: "1".into(),
                    unit_price: "10".into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
            None,
        )
        .await
        .expect("draft");
        let e = invoices::post(store, actor, d.id, None)
            .await
            .expect_err("no rate");
        assert_eq!(field_of(&e), "issue_date");
        assert!(e.to_string().contains("no rate of USD in EUR"), "{e}");
        invoices::delete_draft(store, actor, d.id)
            .await
            .expect("discard");

        // 1,000.00 USD on 2026-03-10 at 0.92: 920.00 EUR.
        let inv = posted(
            store,
            actor,
            InvoiceKind::Invoice,
            customer,
            "2026-03-10",
            "1000",
        )
        .await;
        let i = invoices::get(store, actor, inv).await.expect("invoice");
        assert_eq!(i.fx_rate.as_deref(), Some("0.92"));
        assert_eq!(i.book_total, Some(92_000));
        let l = lines_of(store, actor, i.entry_id).await;
        assert_eq!(
            l["Assets:Receivables"],
            (100_000, "USD".to_string(), Some(92_000))
        );
        assert_eq!(
            l["Income:Sales"],
            (-100_000, "USD".to_string(), Some(-92_000))
        );

        // A payment at another rate needs the exchange difference account.
        let e = payments::record(
            store,
            actor,
            PaymentKind::Received,
            &pay(customer, "2026-04-05", "400", &[(inv, "400")]),
            None,
        )
        .await
        .expect_err("no account for the difference");
        assert_eq!(field_of(&e), "fx_gain_loss_account");
        assert!(e.to_string().contains("exchange gain of 12.00 EUR"), "{e}");
        // A payment dated before any rate names its date.
        let e = payments::record(
            store,
            actor,
            PaymentKind::Received,
            &pay(customer, "2026-02-20", "400", &[(inv, "400")]),
            None,
        )
        .await
        .expect_err("no rate");
        assert_eq!(field_of(&e), "date");
        let none = payments::list(store, actor, &Default::default())
            .await
            .expect("list");
        assert_eq!(none.total, 0, "nothing was written");
        set_fx_account(store, actor).await;

        // 400.00 USD on 2026-04-05 at 0.95: worth 380.00, settles 368.00 of the book
        // value: a gain of 12.00.
        let p1 = payments::record(
            store,
            actor,
            PaymentKind::Received,
            &pay(customer, "2026-04-05", "400", &[(inv, "400")]),
            None,
        )
        .await
        .expect("first payment");
        assert_eq!(p1.fx_rate.as_deref(), Some("0.95"));
        assert_eq!(p1.book_amount, Some(38_000));
        assert_eq!(p1.exchange_difference, 1_200);
        assert_eq!(p1.allocations[0].book_amount, Some(36_800));
        assert_eq!(p1.allocations[0].exchange_difference, 1_200);
        let l = lines_of(store, actor, p1.entry_id).await;
        assert_eq!(
            l["Assets:Bank:Checking"],
            (40_000, "USD".to_string(), Some(38_000))
        );
        assert_eq!(
            l["Assets:Receivables"],
            (-40_000, "USD".to_string(), Some(-36_800))
        );
        assert_eq!(l["Income:Other"], (-1_200, "EUR".to_string(), None));

        // The aged report and what the invoice owes stay in dollars.
        let buckets = Buckets::parse("buckets", "30,60,90").expect("buckets");
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day");
        let rows = aged::aged(store, actor, Side::Receivables, day("2026-04-06"), &buckets)
            .await
            .expect("aged");
        assert_eq!(rows[0].currency, "USD");
        assert_eq!(rows[0].total, 60_000);

        // The rest, 600.00 USD on 2026-05-02 at 0.91: worth 546.00, settles the 552.00
        // left of the book value: a loss of 6.00.
        let p2 = payments::record(
            store,
            actor,
            PaymentKind::Received,
            &pay(customer, "2026-05-02", "600", &[(inv, "600")]),
            None,
        )
        .await
        .expect("second payment");
        assert_eq!(p2.allocations[0].book_amount, Some(55_200));
        assert_eq!(p2.exchange_difference, -600);
        let l = lines_of(store, actor, p2.entry_id).await;
        assert_eq!(
            l["Assets:Receivables"],
            (-60_000, "USD".to_string(), Some(-55_200))
        );
        assert_eq!(l["Income:Other"], (600, "EUR".to_string(), None));
        let (allocs, open) = payments::settlement(store, actor, inv)
            .await
            .expect("settlement");
        assert_eq!(open.open(), 0);
        let settled: i64 = allocs.iter().filter_map(|a| a.book_amount).sum();
        assert_eq!(settled, 92_000, "the parts settle the whole book value");
        assert_eq!(allocs[0].rate.as_deref(), Some("0.95"));

        // The ledger in euro: the gain account holds the net gain of 6.00; the
        // receivable holds no dollars.
        assert_eq!(balance(store, actor, "4900", "EUR").await, -600);
        assert_eq!(balance(store, actor, "1200", "USD").await, 0);
        assert_eq!(balance(store, actor, "1000", "USD").await, 100_000);

        // A write-off keeps working: 99.00 paid and 1.00 written off on a 100.00 invoice,
        // both at 0.95 (94.05 and 0.95), settling 92.00: a gain of 3.00.
        let small = posted(
            store,
            actor,
            InvoiceKind::Invoice,
            customer,
            "2026-03-12",
            "100",
        )
        .await;
        let mut input = pay(customer, "2026-04-10", "99", &[(small, "100")]);
        input.writeoff = "1".into();
        input.writeoff_account = "6500".into();
        let p3 = payments::record(store, actor, PaymentKind::Received, &input, None)
            .await
            .expect("payment with a write-off");
        assert_eq!(p3.exchange_difference, 300);
        let l = lines_of(store, actor, p3.entry_id).await;
        assert_eq!(
            l["Assets:Bank:Checking"],
            (9_900, "USD".to_string(), Some(9_405))
        );
        assert_eq!(l["Expenses:Bank Fees"], (100, "USD".to_string(), Some(95)));
        assert_eq!(
            l["Assets:Receivables"],
            (-10_000, "USD".to_string(), Some(-9_200))
        );
        assert_eq!(l["Income:Other"], (-300, "EUR".to_string(), None));
        assert_eq!(balance(store, actor, "4900", "EUR").await, -900);
    }
);

store_test!(
    a_foreign_bill_paid_dearer_is_a_loss_and_credits_realise_theirs,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let actor = &w.actor_a;
        let (customer, vendor) = setup(store, actor).await;
        set_fx_account(store, actor).await;

        // 500.00 USD billed at 0.92 (460.00), paid at 0.95 (475.00): a loss of 15.00.
        let bill = posted(store, actor, InvoiceKind::Bill, vendor, "2026-03-10", "500").await;
        let l = lines_of(
            store,
            actor,
            invoices::get(store, actor, bill)
                .await
                .expect("bill")
                .entry_id,
        )
        .await;
        assert_eq!(
            l["Liabilities:Payables"],
            (-50_000, "USD".to_string(), Some(-46_000))
        );
        let p = payments::record(
            store,
            actor,
            PaymentKind::Made,
            &pay(vendor, "2026-04-05", "500", &[(bill, "500")]),
            None,
        )
        .await
        .expect("payment made");
        assert_eq!(p.exchange_difference, -1_500);
        let l = lines_of(store, actor, p.entry_id).await;
        assert_eq!(
            l["Liabilities:Payables"],
            (50_000, "USD".to_string(), Some(46_000))
        );
        assert_eq!(
            l["Assets:Bank:Checking"],
            (-50_000, "USD".to_string(), Some(-47_500))
        );
        assert_eq!(l["Income:Other"], (1_500, "EUR".to_string(), None));

        // An invoice at 0.92 credited in full on 2026-05-02 at 0.91: the credit reverses
        // 910.00 of income and relieves the receivable of its 920.00: a loss of 10.00.
        let inv = posted(
            store,
            actor,
            InvoiceKind::Invoice,
            customer,
            "2026-03-10",
            "1000",
        )
        .await;
        let credit = invoices::create_credit(store, actor, inv, None, None)
            .await
            .expect("credit draft");
        let mut input = InvoiceInput::of(&credit);
        input.issue_date = "2026-05-02".into();
        invoices::update_draft(store, actor, credit.id, &input, None)
            .await
            .expect("dated");
        let c = invoices::post(store, actor, credit.id, None)
            .await
            .expect("credit posted");
        assert_eq!(c.fx_rate.as_deref(), Some("0.91"));
        assert_eq!(c.book_total, Some(91_000));
        assert_eq!(c.exchange_difference, -1_000);
        let l = lines_of(store, actor, c.entry_id).await;
        assert_eq!(
            l["Income:Sales"],
            (100_000, "USD".to_string(), Some(91_000))
        );
        assert_eq!(
            l["Assets:Receivables"],
            (-100_000, "USD".to_string(), Some(-92_000))
        );
        assert_eq!(l["Income:Other"], (1_000, "EUR".to_string(), None));
        let (allocs, open) = payments::settlement(store, actor, inv)
            .await
            .expect("settlement");
        assert_eq!(open.open(), 0);
        assert_eq!(allocs[0].book_amount, Some(92_000));
        assert_eq!(allocs[0].exchange_difference, -1_000);
        assert_eq!(balance(store, actor, "4900", "EUR").await, 2_500);
    }
);

store_test!(
    the_store_refuses_a_payment_worked_out_on_what_was_owed_before,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let actor = &w.actor_a;
        let (customer, _) = setup(store, actor).await;
        set_fx_account(store, actor).await;
        let inv = posted(
            store,
            actor,
            InvoiceKind::Invoice,
            customer,
            "2026-03-10",
            "1000",
        )
        .await;
        // A payment checked and valued while nothing was settled yet: 333.33 settles
        // round(920.00 x 333.33 / 1000) = 306.66 of the book value...
        let (stale, entry) = payments::prepare(
            store,
            actor,
            PaymentKind::Received,
            &pay(customer, "2026-04-05", "333.33", &[(inv, "333.33")]),
        )
        .await
        .expect("prepared");
        assert_eq!(
            stale.fx.as_ref().map(|f| f.allocations[0].book),
            Some(30_666)
        );
        // ...then another payment of 33.33 lands first: after it, 333.33 settles 306.67...
        payments::record(
            store,
            actor,
            PaymentKind::Received,
            &pay(customer, "2026-04-05", "33.33", &[(inv, "33.33")]),
            None,
        )
        .await
        .expect("the other payment");
        // ...the stale one still fits what the invoice owes, but its book value would not
        // be the share the invoice has left: refused, nothing written.
        let audit = steward_core::audit::AuditDraft::by(
            actor,
            billing::PAYMENT,
            None,
            "post",
            serde_json::json!({}),
        );
        let e = store
            .insert_payment(actor.company_id, &stale, &entry, actor.author(), audit)
            .await
            .expect_err("stale");
        assert_eq!(field_of(&e), "allocations[0].amount");
        let all = payments::list(store, actor, &Default::default())
            .await
            .expect("list");
        assert_eq!(all.total, 1);
    }
);
