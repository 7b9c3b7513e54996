//! Payables on both databases, through core's services: a bill above the approval
//! threshold waits (and nobody approves their own), approval posts it, refusal returns it
//! to draft; a payment run proposes what is due (leaving out vendors without IBAN or not
//! in euro), is approved, and marking it sent records one payment per vendor once.
use crate::common;

use steward_core::auth::session::cli_actor;
use steward_core::auth::Actor;
use steward_core::bank::accounts::{self as bank_accounts, BankAccountInput};
use steward_core::billing;
use steward_core::billing::invoices::{self, InvoiceInput, InvoiceKind, InvoiceStatus, LineInput};
use steward_core::billing::parties::{self, PartyInput};
use steward_core::billing::runs::{self, RunInput, RunLineInput, RunStatus};
use steward_core::ids::{CompanyId, InvoiceId, PartyId, UserId};
use steward_core::ledger;
use steward_core::Error;
use steward_store::Store;

use common::{insert_user, world};

async fn actor(store: &Store, user: UserId, company: CompanyId) -> Actor {
    cli_actor(store, user, company)
        .await
        .expect("actor")
        .with_currency("EUR")
}

async fn setup(store: &Store, actor: &Actor, threshold: &str) -> i64 {
    common::billing_books(store, actor, threshold).await;
    bank_accounts::create(
        store,
        actor,
        &BankAccountInput {
            name: "Main account".into(),
            ledger_account: "1000".into(),
            currency: "EUR".into(),
            iban: "DE89 3704 0044 0532 0130 00".into(),
            bic: "COBADEFFXXX".into(),
            active: true,
        },
    )
    .await
    .expect("bank account")
    .id
    .0
}

async fn vendor(store: &Store, actor: &Actor, name: &str, iban: &str, currency: &str) -> PartyId {
    parties::create(
        store,
        actor,
        &PartyInput {
            name: name.into(),
            is_vendor: true,
            expense_account: "6300".into(),
            iban: iban.into(),
            currency: currency.into(),
            active: true,
            ..Default::default()
        },
    )
    .await
    .expect("vendor")
    .id
}

async fn bill(store: &Store, actor: &Actor, party: PartyId, date: &str, price: &str) -> InvoiceId {
    invoices::create_draft(
        store,
        actor,
        InvoiceKind::Bill,
        &InvoiceInput {
            party_id: Some(party.0),
            issue_date: date.into(),
            due_date: date.into(),
            lines: vec![LineInput {
                description: "Supplies".into(),
                quantity: "1".into(),
                unit_price: price.into(),
                ..Default::default()
            }],
            ..Default::default()
        },
        None,
    )
    .await
    .expect("bill")
    .id
}

async fn posted(
    store: &Store,
    actor: &Actor,
    party: PartyId,
    date: &str,
    price: &str,
) -> InvoiceId {
    let id = bill(store, actor, party, date, price).await;
    let b = invoices::post(store, actor, id, None).await.expect("post");
    assert_eq!(b.status, InvoiceStatus::Posted);
    id
}

store_test!(
    a_bill_above_the_threshold_waits_for_another_users_approval,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let clerk = &w.actor_a;
        setup(store, clerk, "1000").await;
        let lead_id = insert_user(store, w.a, "lead", &["accounting_lead"], None).await;
        let lead = actor(store, lead_id, w.a).await;
        let v = vendor(
            store,
            clerk,
            "Big Supplier",
            "NL91 ABNA 0417 1643 00",
            "EUR",
        )
        .await;

        // At the threshold it posts; above it, it waits.
        let small = bill(store, clerk, v, "2026-03-02", "1000").await;
        let small = invoices::post(store, clerk, small, None)
            .await
            .expect("post");
        assert_eq!(small.status, InvoiceStatus::Posted);
        let big = bill(store, clerk, v, "2026-03-02", "1000.01").await;
        let waiting = invoices::post(store, clerk, big, None)
            .await
            .expect("submit");
        assert_eq!(waiting.status, InvoiceStatus::Pending);
        assert!(waiting.number.is_none() && waiting.entry_id.is_none());
        // It does not change, nor post again, while it waits.
        assert!(matches!(
            invoices::post(store, clerk, big, None).await,
            Err(Error::Conflict { .. })
        ));
        assert!(matches!(
            invoices::delete_draft(store, clerk, big).await,
            Err(Error::Conflict { .. })
        ));
        // Nobody approves their own.
        let own = invoices::settle_pending(store, clerk, big, true, "").await;
        assert!(matches!(own, Err(Error::Invalid { ref field, .. }) if field == "approver"));
        // A refusal returns it to draft with the reason.
        invoices::settle_pending(store, &lead, big, false, "wrong amount")
            .await
            .expect("refuse");
        let back = invoices::get(store, clerk, big).await.expect("get");
        assert_eq!(back.status, InvoiceStatus::Draft);
        assert_eq!(back.approval_note, "wrong amount");
        // Sent again and approved, it posts with its number and entry.
        invoices::post(store, clerk, big, None)
            .await
            .expect("submit again");
        invoices::settle_pending(store, &lead, big, true, "ok")
            .await
            .expect("approve");
        let done = invoices::get(store, clerk, big).await.expect("get");
        assert_eq!(done.status, InvoiceStatus::Posted);
        assert_eq!(done.number.as_deref(), Some("BILL-2026-0002"));
        assert!(done.entry_id.is_some());
        // Deciding it again is a conflict.
        assert!(matches!(
            invoices::settle_pending(store, &lead, big, true, "").await,
            Err(Error::Conflict { .. })
        ));
    }
);

store_test!(a_payment_run_pays_what_is_due_once, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let clerk = &w.actor_a;
    let account = setup(store, clerk, "").await;
    let lead_id = insert_user(store, w.a, "lead", &["accounting_lead"], None).await;
    let lead = actor(store, lead_id, w.a).await;
    let alpha = vendor(store, clerk, "Alpha Paper", "NL91 ABNA 0417 1643 00", "EUR").await;
    let beta = vendor(store, clerk, "Beta Tools", "", "EUR").await;
    let gamma = vendor(
        store,
        clerk,
        "Gamma Inc",
        "DE89 3704 0044 0532 0130 00",
        "USD",
    )
    .await;
    let a1 = posted(store, clerk, alpha, "2026-03-01", "100").await;
    let a2 = posted(store, clerk, alpha, "2026-03-05", "50.50").await;
    let _late = posted(store, clerk, alpha, "2026-04-30", "70").await;
    posted(store, clerk, beta, "2026-03-01", "20").await;
    ledger::books::create_commodity(
        store,
        clerk,
        &ledger::books::CommodityInput {
            symbol: "USD".into(),
            name: "US dollar".into(),
            precision: 2,
        },
    )
    .await
    .ok();
    // A bill in dollars posts at the ledger's rate of its issue date.
    ledger::books::set_rates(
        store,
        clerk,
        &[ledger::books::RateInput {
            date: "2026-02-27".into(),
            commodity: "USD".into(),
            quote: "EUR".into(),
            rate: "0.92".into(),
        }],
        "test",
    )
    .await
    .expect("rate");
    posted(store, clerk, gamma, "2026-03-01", "30").await;

    let p = runs::proposal(store, clerk, Some(account), "2026-03-31")
        .await
        .expect("proposal");
    let ids: Vec<InvoiceId> = p.lines.iter().map(|l| l.document_id).collect();
    assert_eq!(ids, vec![a1, a2]);
    let excluded: Vec<&str> = p.excluded.iter().map(|e| e.party_name.as_str()).collect();
    assert_eq!(excluded, vec!["Beta Tools", "Gamma Inc"]);

    // The user lowers one amount.
    let run = runs::create(
        store,
        clerk,
        &RunInput {
            bank_account_id: Some(account),
            due_by: "2026-03-31".into(),
            execution_date: "2026-04-01".into(),
            note: String::new(),
            lines: Some(vec![
                RunLineInput {
                    document_id: Some(a1.0),
                    amount: "100".into(),
                },
                RunLineInput {
                    document_id: Some(a2.0),
                    amount: "40".into(),
                },
            ]),
        },
        None,
    )
    .await
    .expect("run");
    assert_eq!(run.total, 14_000);
    // More than a bill owes is refused by line.
    let too_much = runs::update(
        store,
        clerk,
        run.id,
        &RunInput {
            lines: Some(vec![RunLineInput {
                document_id: Some(a1.0),
                amount: "100.01".into(),
            }]),
            ..runs::input_of(&run)
        },
        None,
    )
    .await;
    assert!(
        matches!(too_much, Err(Error::Invalid { ref field, .. }) if field == "lines[0].amount")
    );
    // What a run holds is not proposed again.
    let again = runs::proposal(store, clerk, Some(account), "2026-03-31")
        .await
        .expect("proposal");
    assert_eq!(again.lines.len(), 1);
    assert_eq!(again.lines[0].open, 1_050);

    // Not sent before approval; file only once approved.
    assert!(matches!(
        runs::send(store, clerk, run.id).await,
        Err(Error::Conflict { .. })
    ));
    let run = runs::submit(store, clerk, run.id, None)
        .await
        .expect("submit");
    assert_eq!(run.status, RunStatus::Pending);
    assert!(runs::pain_001(store, clerk, run.id).await.is_err());
    let own = runs::settle_pending(store, clerk, run.id, true, "").await;
    assert!(matches!(own, Err(Error::Invalid { .. })));
    runs::settle_pending(store, &lead, run.id, true, "")
        .await
        .expect("approve");
    let xml = runs::pain_001(store, clerk, run.id).await.expect("file");
    assert!(xml.contains("<InstdAmt Ccy=\"EUR\">140.00</InstdAmt>"));
    assert!(xml.contains("DE89370400440532013000"));
    assert!(xml.contains("NL91ABNA0417164300"));

    // Sent twice: paid once.
    let sent = runs::send(store, clerk, run.id).await.expect("send");
    assert_eq!(sent.status, RunStatus::Sent);
    let again = runs::send(store, clerk, run.id).await.expect("send again");
    assert_eq!(again.status, RunStatus::Sent);
    let pays = billing::payments::list(store, clerk, &billing::payments::PaymentQuery::default())
        .await
        .expect("payments");
    assert_eq!(pays.total, 1);
    assert_eq!(pays.items[0].amount, 14_000);
    assert_eq!(pays.items[0].date.to_string(), "2026-04-01");
    assert!(sent.lines.iter().all(|l| l.payment_id.is_some()));
    let (_, open1) = billing::payments::settlement(store, clerk, a1)
        .await
        .expect("a1");
    assert_eq!(open1.open(), 0);
    let (_, open2) = billing::payments::settlement(store, clerk, a2)
        .await
        .expect("a2");
    assert_eq!(open2.open(), 1_050);
    // The same file after sending.
    let xml2 = runs::pain_001(store, clerk, run.id).await.expect("file");
    assert!(xml2.contains("<MsgId>STEWARD-RUN-"));

    // Another company does not see it.
    assert!(matches!(
        runs::get(store, &w.actor_b, run.id).await,
        Err(Error::NotFound { .. })
    ));
});
