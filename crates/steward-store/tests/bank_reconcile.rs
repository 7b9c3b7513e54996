//! Bank reconciliation on both databases, through core's services: a line's proposals
//! (reference and amount first), accepting one records a payment that settles the invoice,
//! a reconciled line cannot be reconciled again (and of two racing requests one wins), an
//! entry posted for a bank fee, undo (the entry reversed; the payment stays and is
//! proposed again, then linked without posting twice), auto-match, the balance check, and
//! another company's line is not found.
use crate::common;

use steward_core::auth::Actor;
use steward_core::bank::accounts::{self, BankAccountInput};
use steward_core::bank::import::import_statement;
use steward_core::bank::matching::{self, AcceptInput, EntryFromLine, Share};
use steward_core::bank::reconcile::{CandidateKind, MatchKind, MatchWrite, ReconcileStore};
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

/// A CAMT.053 statement without balances: `(text, amount, CRDT|DBIT, YYYY-MM-DD)` entries.
fn camt_on(id: &str, entries: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let mut s = format!(
        "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n\
         <BkToCstmrStmt><Stmt><Id>{id}</Id>\n\
         <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n"
    );
    for (i, (text, amt, ind, day)) in entries.iter().enumerate() {
        s.push_str(&format!(
            "<Ntry><Amt Ccy=\"EUR\">{amt}</Amt><CdtDbtInd>{ind}</CdtDbtInd><Sts>BOOK</Sts>\
             <BookgDt><Dt>{day}</Dt></BookgDt><AcctSvcrRef>{id}-{i}</AcctSvcrRef><AddtlNtryInf>{text}</AddtlNtryInf></Ntry>\n"
        ));
    }
    s.push_str("</Stmt></BkToCstmrStmt></Document>\n");
    s.into_bytes()
}

/// A payment received on account (no documents) through the bank's ledger account.
async fn on_account(
    store: &Store,
    actor: &Actor,
    party: PartyId,
    amount: &str,
) -> payments::Payment {
    payments::record(
        store,
        actor,
        payments::PaymentKind::Received,
        &payments::PaymentInput {
            party_id: Some(party.0),
            date: "2026-05-03".into(),
            amount: amount.into(),
            account: "1000".into(),
            ..Default::default()
        },
        None,
    )
    .await
    .expect("payment on account")
}

/// How many audit events of `entity` and `action` the company has.
async fn events(store: &Store, actor: &Actor, entity: &str, action: &str) -> u64 {
    use steward_core::audit::{AuditQuery, AuditStore};
    store
        .list_events(
            actor.company_id,
            &AuditQuery {
                entity: Some(entity.into()),
                action: Some(action.into()),
                ..Default::default()
            },
        )
        .await
        .expect("events")
        .total
}

store_test!(
    auto_match_writes_every_sure_match_in_one_go,
    |db| async move {
        use steward_core::audit::AuditStore;
        use steward_core::ledger::{EntryInput, LineInput as EntryLine};
        let store = &db.store;
        let w = world(store).await;
        let actor = &w.actor_a;
        let (acc, customer) = setup(store, actor).await;
        let (a, na) = invoice(store, actor, customer, "100").await;
        let (b, nb) = invoice(store, actor, customer, "55.50").await;
        let (c, nc) = invoice(store, actor, customer, "70").await;
        let before = on_account(store, actor, customer, "20").await;
        assert_eq!(before.number, "RCV-2026-0001");
        let interest = steward_core::ledger::service::create_entry(
            store,
            actor,
            &EntryInput {
                date: "2026-05-04".into(),
                reference: "INT-2026-05".into(),
                description: "Interest".into(),
                lines: vec![
                    EntryLine {
                        account: "1000".into(),
                        amount: Some("3.20".into()),
                        ..Default::default()
                    },
                    EntryLine {
                        account: "4000".into(),
                        amount: Some("-3.20".into()),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            },
            None,
            steward_core::ledger::service::Intent::Post,
        )
        .await
        .expect("interest entry");
        // April is closed: a payment dated in it cannot post.
        steward_core::ledger::service::close_period(store, actor, 202604)
            .await
            .expect("close April");
        let (st, lines) = import(
            store,
            actor,
            acc,
            camt_on(
                "S4",
                &[
                    (&format!("Payment {na}"), "100.00", "CRDT", "2026-05-05"),
                    (&format!("{nb} thank you"), "55.50", "CRDT", "2026-05-06"),
                    (&nc, "70.00", "CRDT", "2026-04-30"),
                    ("RCV-2026-0001", "20.00", "CRDT", "2026-05-07"),
                    ("Interest INT-2026-05", "3.20", "CRDT", "2026-05-08"),
                    ("no reference", "12.00", "CRDT", "2026-05-09"),
                ],
            ),
        )
        .await;
        assert_eq!(lines.len(), 6);
        // The lines in the file's order (they are listed by booking day).
        let listed = store
            .unmatched_lines(actor.company_id, st)
            .await
            .expect("lines");
        let by_amount = |minor: i64| {
            listed
                .iter()
                .find(|l| l.amount_minor == minor)
                .expect("line")
                .id
        };
        let lines = [10_000, 5_550, 7_000, 2_000, 320, 1_200].map(by_amount);
        let r = matching::auto_match(store, actor, st).await.expect("auto");
        assert_eq!(
            (r.matched, r.failed, r.left),
            (4, 1, 2),
            "the closed month's line fails, the unsure one is left: {r:?}"
        );
        assert_eq!(open_of(store, actor, a).await, 0);
        assert_eq!(open_of(store, actor, b).await, 0);
        assert_eq!(
            open_of(store, actor, c).await,
            7_000,
            "not paid: April is closed"
        );

        // Two new payments, numbered on from the one before, without a gap.
        let list = payments::list(store, actor, &Default::default())
            .await
            .expect("payments");
        let mut numbers: Vec<String> = list.items.iter().map(|p| p.number.clone()).collect();
        numbers.sort();
        assert_eq!(numbers, ["RCV-2026-0001", "RCV-2026-0002", "RCV-2026-0003"]);

        let v = matching::statement_view(store, actor, st)
            .await
            .expect("view");
        assert_eq!(v.reconciled.len(), 4);
        let of = |i: usize| v.reconciled.get(&lines[i]).expect("reconciled");
        assert_eq!(of(0).kind, MatchKind::NewPayment);
        assert_eq!(of(0).documents, vec![(a, na.clone())]);
        let paid = payments::get(store, actor, of(0).payment_id.expect("payment"))
            .await
            .expect("payment");
        assert_eq!(paid.amount, 10_000);
        assert_eq!(paid.date.to_string(), "2026-05-05");
        assert_eq!(paid.entry_id, of(0).entry_id, "the payment's entry");
        assert_eq!(of(1).kind, MatchKind::NewPayment);
        assert_eq!(of(1).documents, vec![(b, nb.clone())]);
        assert_eq!(of(3).kind, MatchKind::Payment);
        assert_eq!(of(3).payment_id, Some(before.id));
        assert_eq!(of(3).entry_id, before.entry_id, "linked with its entry");
        assert_eq!(of(4).kind, MatchKind::LedgerLine);
        assert_eq!(of(4).entry_id, Some(interest.id));
        assert!(!v.reconciled.contains_key(&lines[2]));
        assert_eq!(
            v.balance.ledger,
            2_000 + 320 + 10_000 + 5_550,
            "the bank's account holds the new payments"
        );

        // Every write audited, one event per payment and per link, and the chain holds.
        assert_eq!(events(store, actor, "billing.payment", "post").await, 3);
        assert_eq!(
            events(store, actor, "bank.reconciliation", "match").await,
            2
        );
        assert!(store.verify().await.expect("verify").is_ok());

        // Again: nothing more; the closed month's line fails again.
        let r = matching::auto_match(store, actor, st).await.expect("auto");
        assert_eq!((r.matched, r.failed, r.left), (0, 1, 2), "{r:?}");
        let list = payments::list(store, actor, &Default::default())
            .await
            .expect("payments");
        assert_eq!(list.total, 3);
    }
);

/// A payment of `amount` for `line` allocated whole to `doc`, as auto-match hands it to
/// the store (the entry: the bank's account against the receivables).
async fn payment_write(
    store: &Store,
    actor: &Actor,
    acc: BankAccountId,
    party: PartyId,
    line: BankLineId,
    doc: InvoiceId,
    amount: i64,
) -> MatchWrite {
    use steward_core::billing::SettingsStore;
    use steward_core::ledger::{BookStore, JournalKind, Line, NewEntry};
    let bank = accounts::get(store, actor, acc).await.expect("bank");
    let control = store
        .billing_settings(actor.company_id)
        .await
        .expect("settings")
        .receivable_account_id
        .expect("receivables");
    let eur = store
        .commodities(actor.company_id)
        .await
        .expect("commodities")
        .into_iter()
        .find(|c| c.symbol == "EUR")
        .expect("EUR");
    let journal = store
        .journals(actor.company_id)
        .await
        .expect("journals")
        .into_iter()
        .find(|j| j.kind == JournalKind::Bank)
        .expect("bank journal");
    let date = chrono::NaiveDate::from_ymd_opt(2026, 5, 20).expect("date");
    let line_of = |account_id, amount| Line {
        account_id,
        account: String::new(),
        commodity_id: eur.id,
        commodity: "EUR".into(),
        amount,
        cost: None,
        department_id: None,
        project: String::new(),
        memo: String::new(),
    };
    let payment = payments::NewPayment {
        kind: payments::PaymentKind::Received,
        party_id: party,
        date,
        currency: "EUR".into(),
        amount,
        account_id: bank.ledger_account_id,
        reference: String::new(),
        writeoff_account_id: None,
        writeoff: 0,
        allocations: vec![(doc, amount)],
        client_key: None,
        bank_line: Some(line),
        fx: None,
    };
    let entry = NewEntry {
        journal_id: journal.id,
        date,
        reference: String::new(),
        description: "Payment received Acme Clinic".into(),
        comment: String::new(),
        lines: vec![
            line_of(bank.ledger_account_id, amount),
            line_of(control, -amount),
        ],
        client_key: None,
        reverses: None,
    };
    MatchWrite::Payment {
        payment: Box::new(payment),
        entry,
        audit: steward_core::audit::AuditDraft::by(
            actor,
            "billing.payment",
            None,
            "post",
            serde_json::json!({"bank_line": line}),
        ),
    }
}

fn link_write(
    actor: &Actor,
    account: steward_core::ids::AccountId,
    line: BankLineId,
    payment: Option<i64>,
    entry: Option<steward_core::ids::EntryId>,
    amount: i64,
) -> MatchWrite {
    MatchWrite::Link {
        reconciliation: steward_core::bank::reconcile::NewReconciliation {
            line_id: line,
            kind: if payment.is_some() {
                MatchKind::Payment
            } else {
                MatchKind::LedgerLine
            },
            payment_id: payment,
            entry_id: entry,
            client_key: None,
            created_by: actor.author(),
        },
        account,
        amount,
        currency: "EUR".into(),
        audit: steward_core::audit::AuditDraft::by(
            actor,
            "bank.reconciliation",
            Some(line.0.to_string()),
            "match",
            serde_json::json!({"payment_id": payment, "entry_id": entry}),
        ),
    }
}

store_test!(
    write_matches_checks_each_and_writes_the_rest,
    |db| async move {
        use steward_core::audit::AuditStore;
        let store = &db.store;
        let w = world(store).await;
        let actor = &w.actor_a;
        let (acc, customer) = setup(store, actor).await;
        let bank = accounts::get(store, actor, acc).await.expect("bank");
        let (a, na) = invoice(store, actor, customer, "100").await;
        let (b, _) = invoice(store, actor, customer, "55.50").await;
        let (d, nd) = invoice(store, actor, customer, "10").await;
        let earlier = on_account(store, actor, customer, "20").await;
        let (_, lines) = import(
            store,
            actor,
            acc,
            camt_on(
                "S5",
                &[
                    ("line 0", "100.00", "CRDT", "2026-05-20"),
                    ("line 1", "60.00", "CRDT", "2026-05-20"),
                    ("line 2", "20.00", "CRDT", "2026-05-20"),
                    ("line 3", "20.00", "CRDT", "2026-05-20"),
                    ("line 4", "9.99", "CRDT", "2026-05-20"),
                    ("line 5", "55.50", "CRDT", "2026-05-20"),
                    (&nd, "10.00", "CRDT", "2026-05-20"),
                ],
            ),
        )
        .await;
        // Line 6 is matched before, one at a time.
        matching::accept(store, actor, lines[6], &doc(d), None)
            .await
            .expect("accept");
        let pay = |line: usize, doc: InvoiceId, amount: i64| {
            payment_write(store, actor, acc, customer, lines[line], doc, amount)
        };
        let items = vec![
            pay(0, a, 10_000).await, // written
            pay(1, b, 6_000).await,  // B owes 55.50 only
            pay(0, a, 10_000).await, // line 0 is taken by the first
            link_write(
                actor,
                bank.ledger_account_id,
                lines[2],
                Some(earlier.id),
                None,
                2_000,
            ), // written
            link_write(
                actor,
                bank.ledger_account_id,
                lines[3],
                Some(earlier.id),
                None,
                2_000,
            ), // the payment is taken
            link_write(
                actor,
                bank.ledger_account_id,
                lines[4],
                Some(earlier.id),
                None,
                999,
            ), // another amount
            pay(6, d, 1_000).await,  // the line was matched before
            pay(5, b, 5_550).await,  // written: B's share was not taken
        ];
        let r = store
            .write_matches(actor.company_id, items, actor.author())
            .await
            .expect("write");
        let kinds: Vec<&str> = r
            .iter()
            .map(|x| match x {
                Ok(()) => "ok",
                Err(Error::Conflict { .. }) => "conflict",
                Err(Error::Invalid { .. }) => "invalid",
                Err(_) => "other",
            })
            .collect();
        assert_eq!(
            kinds,
            ["ok", "invalid", "conflict", "ok", "conflict", "invalid", "conflict", "ok"],
            "{r:?}"
        );
        assert_eq!(
            r[1].as_ref().expect_err("B").field_errors()[0].field,
            "allocations[0].amount"
        );
        assert_eq!(open_of(store, actor, a).await, 0);
        assert_eq!(open_of(store, actor, b).await, 0);
        // Numbers: the earlier payment, line 6's, then the two written here, in their order.
        let list = payments::list(store, actor, &Default::default())
            .await
            .expect("payments");
        assert_eq!(list.total, 4);
        let r0 = store
            .reconciliation_of(actor.company_id, lines[0])
            .await
            .expect("read")
            .expect("line 0");
        assert_eq!(r0.kind, MatchKind::NewPayment);
        assert_eq!(r0.payment_number.as_deref(), Some("RCV-2026-0003"));
        assert_eq!(r0.documents, vec![(a, na)]);
        let p0 = payments::get(store, actor, r0.payment_id.expect("id"))
            .await
            .expect("payment");
        assert_eq!(p0.entry_id, r0.entry_id);
        assert_eq!(p0.allocations.len(), 1);
        let r5 = store
            .reconciliation_of(actor.company_id, lines[5])
            .await
            .expect("read")
            .expect("line 5");
        assert_eq!(r5.payment_number.as_deref(), Some("RCV-2026-0004"));
        let r2 = store
            .reconciliation_of(actor.company_id, lines[2])
            .await
            .expect("read")
            .expect("line 2");
        assert_eq!(
            (r2.kind, r2.payment_id),
            (MatchKind::Payment, Some(earlier.id))
        );
        assert_eq!(r2.entry_id, earlier.entry_id);
        for i in [1, 3, 4] {
            assert!(
                store
                    .reconciliation_of(actor.company_id, lines[i])
                    .await
                    .expect("read")
                    .is_none(),
                "line {i} stays unmatched"
            );
        }
        for (i, status) in [
            (0, LineStatus::Matched),
            (1, LineStatus::Unmatched),
            (2, LineStatus::Matched),
            (3, LineStatus::Unmatched),
            (4, LineStatus::Unmatched),
            (5, LineStatus::Matched),
        ] {
            let l = store
                .line(actor.company_id, lines[i])
                .await
                .expect("read")
                .expect("line");
            assert_eq!(l.status, status, "line {i}");
        }
        // The payments' events name them with their numbers; the chain holds.
        assert_eq!(events(store, actor, "billing.payment", "post").await, 4);
        assert_eq!(
            events(store, actor, "bank.reconciliation", "match").await,
            1
        );
        assert!(store.verify().await.expect("verify").is_ok());

        // Nothing to write is nothing written.
        assert!(store
            .write_matches(actor.company_id, Vec::new(), actor.author())
            .await
            .expect("empty")
            .is_empty());
    }
);

// A statement longer than one statement's worth of rows: 1,200 invoices posted in two
// batches (documents and lines in multi-row INSERTs), a statement paying each, and
// auto-match writing 1,200 payments in one transaction (entries, payments, allocations,
// reconciliations and audit events each in more than one multi-row INSERT).
store_test!(auto_match_of_a_long_statement, |db| async move {
    use steward_core::audit::AuditStore;
    use steward_core::billing::invoice_batch::{post_batch, BatchItem};
    const N: usize = 1_200;
    let store = &db.store;
    let w = world(store).await;
    let actor = &w.actor_a;
    let (acc, customer) = setup(store, actor).await;
    let items: Vec<BatchItem> = (0..N)
        .map(|i| BatchItem {
            key: Some(format!("long-{i}")),
            kind: InvoiceKind::Invoice,
            input: InvoiceInput {
                party_id: Some(customer.0),
                issue_date: "2026-05-02".into(),
                lines: vec![
                    LineInput {
                        description: format!("Visit {i}"),
                        quantity: "1".into(),
                        unit_price: format!("{}.{:02}", 10 + i, i % 100),
                        ..Default::default()
                    },
                    LineInput {
                        description: "Travel".into(),
                        quantity: "1".into(),
                        unit_price: "1.50".into(),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            },
        })
        .collect();
    let mut posted = Vec::new();
    for chunk in items.chunks(1_000) {
        posted.extend(post_batch(store, actor, chunk).await.expect("batch"));
    }
    assert_eq!(posted.len(), N);
    let numbers: Vec<String> = posted.iter().map(|r| r.number.clone()).collect();
    let expected: Vec<String> = (1..=N).map(|i| format!("INV-2026-{i:04}")).collect();
    assert_eq!(numbers, expected, "gap-free, in the items' order");
    // Each document got its own two lines and its own entry.
    for k in [0, 999, 1_000, N - 1] {
        let inv = invoices::get(store, actor, posted[k].id)
            .await
            .expect("get");
        assert_eq!(inv.number.as_deref(), Some(numbers[k].as_str()));
        let lines: Vec<&str> = inv.lines.iter().map(|l| l.description.as_str()).collect();
        assert_eq!(lines, [format!("Visit {k}").as_str(), "Travel"]);
        assert_eq!(inv.total, (10 + k as i64) * 100 + (k as i64 % 100) + 150);
        let entry =
            steward_core::ledger::entries::get_entry(store, actor, inv.entry_id.expect("entry"))
                .await
                .expect("entry");
        assert_eq!(entry.reference, numbers[k]);
    }

    let mut xml = String::from(
        "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n\
         <BkToCstmrStmt><Stmt><Id>LONG</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n",
    );
    for (k, number) in numbers.iter().enumerate() {
        let minor = (10 + k as i64) * 100 + (k as i64 % 100) + 150;
        xml.push_str(&format!(
            "<Ntry><Amt Ccy=\"EUR\">{}.{:02}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>\
             <BookgDt><Dt>2026-05-20</Dt></BookgDt><AcctSvcrRef>L-{k}</AcctSvcrRef><AddtlNtryInf>Paid {number}</AddtlNtryInf></Ntry>\n",
            minor / 100,
            minor % 100
        ));
    }
    xml.push_str("</Stmt></BkToCstmrStmt></Document>\n");
    let (st, lines) = import(store, actor, acc, xml.into_bytes()).await;
    assert_eq!(lines.len(), N);
    let r = matching::auto_match(store, actor, st).await.expect("auto");
    assert_eq!((r.matched, r.failed, r.left), (N as u64, 0, 0), "{r:?}");
    for k in [0, 999, 1_000, N - 1] {
        assert_eq!(open_of(store, actor, posted[k].id).await, 0, "invoice {k}");
    }
    let v = matching::statement_view(store, actor, st)
        .await
        .expect("view");
    assert!(v.unmatched.is_empty());
    assert_eq!(v.reconciled.len(), N);
    let mut paid: Vec<String> = v
        .reconciled
        .values()
        .map(|r| r.payment_number.clone().expect("payment"))
        .collect();
    paid.sort();
    let expected: Vec<String> = (1..=N).map(|i| format!("RCV-2026-{i:04}")).collect();
    assert_eq!(paid, expected, "payments numbered gap-free");
    let total: i64 = (0..N as i64)
        .map(|k| (10 + k) * 100 + (k % 100) + 150)
        .sum();
    assert_eq!(
        v.balance.ledger, total,
        "the bank's account holds every payment"
    );
    // Each reconciliation settled its own line's invoice.
    let line_of: std::collections::HashMap<BankLineId, usize> =
        lines.iter().enumerate().map(|(k, l)| (*l, k)).collect();
    for (line, rec) in &v.reconciled {
        let k = line_of[line];
        assert_eq!(rec.documents, vec![(posted[k].id, numbers[k].clone())]);
    }
    assert_eq!(
        events(store, actor, "billing.payment", "post").await,
        N as u64
    );
    assert!(store.verify().await.expect("verify").is_ok());
});
