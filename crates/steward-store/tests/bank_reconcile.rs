//! Bank reconciliation on both databases, through core's services: a line's proposals
//! (reference and amount first), accepting one records a payment that settles the invoice,
//! a reconciled line cannot be reconciled again (and of two racing requests one wins), an
//! entry posted for a bank fee, undo (the entry reversed; the payment stays and is
//! proposed again, then linked without posting twice), auto-match, the balance check, and
//! another company's line is not found.
#[macro_use]
mod common;

use steward_core::auth::Actor;
use steward_core::bank::accounts::{self, BankAccountInput};
use steward_core::bank::import::import_statement;
use steward_core::bank::matching::{self, AcceptInput, EntryFromLine, Share};
use steward_core::bank::reconcile::{CandidateKind, MatchKind, ReconcileStore};
use steward_core::bank::statements::LineStatus;
use steward_core::billing::invoices::{self, InvoiceInput, InvoiceKind, LineInput};
use steward_core::billing::parties::{self, PartyInput};
use steward_core::billing::payments;
use steward_core::ids::{BankAccountId, BankLineId, InvoiceId, PartyId, StatementId};
use steward_core::Error;
use steward_store::Store;

use common::world;

async fn setup(store: &Store, actor: &Actor) -> (BankAccountId, PartyId) {
    common::billing_books(store, actor, "").await;
    let customer = parties::create(
        store,
        actor,
        &PartyInput {
            name: "Acme Clinic".into(),
            is_customer: true,
            payment_terms_days: "14".into(),
            income_account: "4000".into(),
            iban: "DE44 5001 0517 5407 3249 31".into(),
            active: true,
            ..Default::default()
        },
    )
    .await
    .expect("customer");
    let acc = accounts::create(
        store,
        actor,
        &BankAccountInput {
            name: "Main account".into(),
            ledger_account: "1000".into(),
            currency: "EUR".into(),
            iban: "DE89 3704 0044 0532 0130 00".into(),
            bic: String::new(),
            active: true,
        },
    )
    .await
    .expect("bank account");
    (acc.id, customer.id)
}

/// A posted invoice of `amount` (no tax) dated in May 2026: its id and number.
async fn invoice(
    store: &Store,
    actor: &Actor,
    party: PartyId,
    amount: &str,
) -> (InvoiceId, String) {
    let d = invoices::create_draft(
        store,
        actor,
        InvoiceKind::Invoice,
        &InvoiceInput {
            party_id: Some(party.0),
            issue_date: "2026-05-02".into(),
            lines: vec![LineInput {
                description: "Consulting".into(),
                quantity: "1".into(),
                unit_price: amount.into(),
                ..Default::default()
            }],
            ..Default::default()
        },
        None,
    )
    .await
    .expect("draft");
    let p = invoices::post(store, actor, d.id, None)
        .await
        .expect("post");
    (p.id, p.number.unwrap_or_default())
}

/// A CAMT.053 statement of May 2026: `(text, amount, CRDT|DBIT, day)` entries.
fn camt(id: &str, opening: &str, closing: &str, entries: &[(&str, &str, &str, u32)]) -> Vec<u8> {
    let mut s = format!(
        "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n\
         <BkToCstmrStmt><Stmt><Id>{id}</Id>\n\
         <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n\
         <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{opening}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-05-01</Dt></Dt></Bal>\n\
         <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{closing}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-05-28</Dt></Dt></Bal>\n"
    );
    for (i, (text, amt, ind, day)) in entries.iter().enumerate() {
        s.push_str(&format!(
            "<Ntry><NtryRef>{id}-{i}</NtryRef><Amt Ccy=\"EUR\">{amt}</Amt><CdtDbtInd>{ind}</CdtDbtInd><Sts>BOOK</Sts>\
             <BookgDt><Dt>2026-05-{day:02}</Dt></BookgDt><AcctSvcrRef>{id}-{i}</AcctSvcrRef><AddtlNtryInf>{text}</AddtlNtryInf></Ntry>\n"
        ));
    }
    s.push_str("</Stmt></BkToCstmrStmt></Document>\n");
    s.into_bytes()
}

async fn import(
    store: &Store,
    actor: &Actor,
    acc: BankAccountId,
    file: Vec<u8>,
) -> (StatementId, Vec<BankLineId>) {
    let r = import_statement(store, actor, acc, file, None, None, false)
        .await
        .expect("import");
    let st = r.statement.expect("statement");
    let lines = store
        .unmatched_lines(actor.company_id, st)
        .await
        .expect("lines");
    (st, lines.iter().map(|l| l.id).collect())
}

fn doc(id: InvoiceId) -> AcceptInput {
    AcceptInput {
        documents: vec![Share {
            document_id: Some(id.0),
            amount: String::new(),
        }],
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

store_test!(
    a_reconciled_line_cannot_be_reconciled_twice,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let actor = &w.actor_a;
        let (acc, customer) = setup(store, actor).await;
        let (inv, number) = invoice(store, actor, customer, "250").await;
        let (_, other) = invoice(store, actor, customer, "90").await;
        let (st, lines) = import(
            store,
            actor,
            acc,
            camt(
                "S1",
                "0.00",
                "247.50",
                &[
                    (&format!("Payment {number} thanks"), "250.00", "CRDT", 5),
                    ("Bank fee May", "2.50", "DBIT", 28),
                ],
            ),
        )
        .await;
        assert_eq!(lines.len(), 2);

        // Proposals: the invoice by reference and amount first; the other invoice (another
        // amount and reference, no IBAN or name on the line) is not proposed.
        let (_, p, _) = matching::proposals(store, actor, lines[0])
            .await
            .expect("proposals");
        assert_eq!(p[0].candidate.kind, CandidateKind::Document);
        assert_eq!(p[0].candidate.id, inv.0);
        assert!(p[0].reasons.reference && p[0].reasons.amount, "{p:?}");
        assert!(p.iter().all(|x| x.candidate.number != other));

        // Accepting records a payment dated the booking day through the bank's account.
        let r = matching::accept(store, actor, lines[0], &doc(inv), Some("rec-1"))
            .await
            .expect("accept");
        assert_eq!(r.kind, MatchKind::NewPayment);
        assert_eq!(r.documents, vec![(inv, number.clone())]);
        assert_eq!(open_of(store, actor, inv).await, 0, "the invoice is paid");
        let pay = payments::get(store, actor, r.payment_id.expect("payment"))
            .await
            .expect("payment");
        assert_eq!(pay.amount, 25_000);
        assert_eq!(pay.date.to_string(), "2026-05-05");
        let bank = accounts::get(store, actor, acc)
            .await
            .expect("bank account");
        assert_eq!(
            pay.account_id, bank.ledger_account_id,
            "the bank's ledger account is the cash side"
        );
        // A retry with the key answers with the first reconciliation, posting nothing.
        let again = matching::accept(store, actor, lines[0], &doc(inv), Some("rec-1"))
            .await
            .expect("retry");
        assert_eq!(again.id, r.id);
        // Without the key: refused, and nothing more is recorded.
        let e = matching::accept(store, actor, lines[0], &doc(inv), None)
            .await
            .expect_err("twice");
        assert!(matches!(e, Error::Conflict { .. }), "{e:?}");
        let e = matching::post_entry(
            store,
            actor,
            lines[0],
            &EntryFromLine {
                account: "6300".into(),
                description: String::new(),
            },
            None,
        )
        .await
        .expect_err("twice");
        assert!(matches!(e, Error::Conflict { .. }), "{e:?}");
        let list = payments::list(store, actor, &Default::default())
            .await
            .expect("payments");
        assert_eq!(list.total, 1, "one payment");

        // The database holds the rule too: a second open reconciliation of the line.
        let e = store
            .link(
                actor.company_id,
                &steward_core::bank::reconcile::NewReconciliation {
                    line_id: lines[0],
                    kind: MatchKind::Payment,
                    payment_id: None,
                    entry_id: None,
                    client_key: None,
                    created_by: None,
                },
                steward_core::audit::AuditDraft::by(
                    actor,
                    "bank.reconciliation",
                    None,
                    "match",
                    serde_json::json!({}),
                ),
            )
            .await
            .expect_err("the store refuses");
        assert!(matches!(e, Error::Conflict { .. }), "{e:?}");

        // The fee: an entry against 6300.
        let r2 = matching::post_entry(
            store,
            actor,
            lines[1],
            &EntryFromLine {
                account: "6300".into(),
                description: String::new(),
            },
            Some("fee-1"),
        )
        .await
        .expect("entry");
        assert_eq!(r2.kind, MatchKind::NewEntry);
        let v = matching::statement_view(store, actor, st)
            .await
            .expect("view");
        assert!(v.unmatched.is_empty());
        assert_eq!(v.reconciled.len(), 2);
        assert_eq!(v.balance.statement, Some(24_750));
        assert_eq!(v.balance.ledger, 24_750);
        assert_eq!(v.balance.difference, Some(0));

        // Undo the fee: its entry is reversed, the line is unmatched again.
        let e = matching::undo(store, actor, lines[1], " ")
            .await
            .expect_err("reason");
        assert_eq!(e.field_errors()[0].field, "reason");
        matching::undo(store, actor, lines[1], "wrong account")
            .await
            .expect("undo");
        let v = matching::statement_view(store, actor, st)
            .await
            .expect("view");
        assert_eq!(v.unmatched.len(), 1);
        assert_eq!(v.balance.ledger, 25_000, "the fee's entry is reversed");
        let e = matching::undo(store, actor, lines[1], "again")
            .await
            .expect_err("not matched");
        assert!(matches!(e, Error::Conflict { .. }), "{e:?}");

        // Undo the payment: the payment stays, is proposed again, and is linked.
        matching::undo(store, actor, lines[0], "matched too early")
            .await
            .expect("undo");
        assert_eq!(open_of(store, actor, inv).await, 0, "the payment stays");
        let (l, p, _) = matching::proposals(store, actor, lines[0])
            .await
            .expect("proposals");
        assert_eq!(l.status, LineStatus::Unmatched);
        assert_eq!(p[0].candidate.kind, CandidateKind::Payment, "{p:?}");
        let r3 = matching::accept(
            store,
            actor,
            lines[0],
            &AcceptInput {
                payment_id: Some(p[0].candidate.id),
                ..Default::default()
            },
            None,
        )
        .await
        .expect("link");
        assert_eq!(r3.kind, MatchKind::Payment);
        let list = payments::list(store, actor, &Default::default())
            .await
            .expect("payments");
        assert_eq!(list.total, 1, "linked, not paid twice");

        // Another company's line is not found.
        let e = matching::proposals(store, &w.actor_b, lines[0])
            .await
            .expect_err("other company");
        assert!(
            matches!(e, Error::NotFound { .. } | Error::Forbidden),
            "{e:?}"
        );
    }
);

store_test!(two_racing_requests_one_wins, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let actor = &w.actor_a;
    let (acc, customer) = setup(store, actor).await;
    let (inv, number) = invoice(store, actor, customer, "100").await;
    let (_, lines) = import(
        store,
        actor,
        acc,
        camt("S2", "0.00", "100.00", &[(&number, "100.00", "CRDT", 6)]),
    )
    .await;
    let line = lines[0];
    let on_account = AcceptInput {
        party_id: Some(customer.0),
        ..Default::default()
    };
    let to_invoice = doc(inv);
    let (a, b) = tokio::join!(
        matching::accept(store, actor, line, &to_invoice, Some("race-a")),
        matching::accept(store, actor, line, &on_account, Some("race-b")),
    );
    let wins = [a.is_ok(), b.is_ok()].iter().filter(|x| **x).count();
    assert_eq!(wins, 1, "one wins: {a:?} {b:?}");
    for r in [&a, &b] {
        if let Err(e) = r {
            assert!(matches!(e, Error::Conflict { .. }), "{e:?}");
        }
    }
    let list = payments::list(store, actor, &Default::default())
        .await
        .expect("payments");
    assert_eq!(list.total, 1, "the loser's payment was rolled back");
});

store_test!(auto_match_takes_the_sure_lines_only, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let actor = &w.actor_a;
    let (acc, customer) = setup(store, actor).await;
    let (a, na) = invoice(store, actor, customer, "100").await;
    let (b, _) = invoice(store, actor, customer, "100").await;
    let (c, nc) = invoice(store, actor, customer, "40").await;
    let (st, _) = import(
        store,
        actor,
        acc,
        camt(
            "S3",
            "0.00",
            "230.00",
            &[
                (&na, "100.00", "CRDT", 7),            // sure: A
                ("no reference", "100.00", "CRDT", 8), // A or B: left
                (&nc, "30.00", "CRDT", 9),             // C's reference, another amount: left
            ],
        ),
    )
    .await;
    let r = matching::auto_match(store, actor, st).await.expect("auto");
    assert_eq!((r.matched, r.left, r.failed), (1, 2, 0));
    assert_eq!(open_of(store, actor, a).await, 0);
    assert_eq!(open_of(store, actor, b).await, 10_000);
    assert_eq!(open_of(store, actor, c).await, 4_000);
    // Again: nothing more.
    let r = matching::auto_match(store, actor, st).await.expect("auto");
    assert_eq!((r.matched, r.left), (0, 2));

    // The short payment of C, split with a write-off of the rest.
    let v = matching::statement_view(store, actor, st)
        .await
        .expect("view");
    let short = v
        .unmatched
        .iter()
        .find(|(l, _)| l.amount_minor == 3_000)
        .expect("line")
        .0
        .id;
    let r = matching::accept(
        store,
        actor,
        short,
        &AcceptInput {
            documents: vec![Share {
                document_id: Some(c.0),
                amount: String::new(),
            }],
            writeoff: "10".into(),
            writeoff_account: "6300".into(),
            ..Default::default()
        },
        None,
    )
    .await
    .expect("write-off");
    assert_eq!(r.kind, MatchKind::NewPayment);
    assert_eq!(open_of(store, actor, c).await, 0);
});
