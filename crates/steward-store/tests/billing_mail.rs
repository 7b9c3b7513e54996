//! Billing by e-mail on both databases, through core's services: a sent document is logged
//! with its mail job (the PDF attached) in one transaction and a retried key sends once;
//! reminder levels go once per invoice ever, one reminder per customer, excluded customers
//! skipped; a recurring invoice makes one invoice per occurrence, ever.
use crate::common;

use chrono::NaiveDate;
use steward_core::auth::Actor;
use steward_core::billing::dunning;
use steward_core::billing::invoices::{self, InvoiceInput, InvoiceKind, InvoiceStatus, LineInput};
use steward_core::billing::mail::{self, MailStore, NewSend, SendInput, SendKind};
use steward_core::billing::parties::{self, PartyInput};
use steward_core::billing::recurring::{self, RecurringInput, RecurringStatus};
use steward_core::ids::{InvoiceId, PartyId};
use steward_core::jobs::JobStore;
use steward_core::work::mail::Mail;
use steward_core::Error;
use steward_store::Store;

use common::world;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Books, receivables at 1200, two customers (one without an address).
async fn setup(store: &Store, actor: &Actor) -> (PartyId, PartyId) {
    common::billing_books(store, actor, "").await;
    let customer = |name: &str, email: &str| PartyInput {
        name: name.into(),
        is_customer: true,
        email: email.into(),
        payment_terms_days: "14".into(),
        income_account: "4000".into(),
        active: true,
        ..Default::default()
    };
    let a = parties::create(store, actor, &customer("Globex", "ap@globex.example"))
        .await
        .expect("customer");
    let b = parties::create(store, actor, &customer("Initech", ""))
        .await
        .expect("customer");
    (a.id, b.id)
}

async fn posted(
    store: &Store,
    actor: &Actor,
    party: PartyId,
    date: &str,
    price: &str,
) -> InvoiceId {
    let i = invoices::create_draft(
        store,
        actor,
        InvoiceKind::Invoice,
        &InvoiceInput {
            party_id: Some(party.0),
            issue_date: date.into(),
            lines: vec![LineInput {
                description: "Support".into(),
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
    invoices::post(store, actor, i.id, None)
        .await
        .expect("post")
        .id
}

async fn mail_of_job(store: &Store, id: steward_core::jobs::JobId) -> Mail {
    let job = store.get_job(id).await.expect("read").expect("job");
    serde_json::from_value(job.payload).expect("a mail")
}

store_test!(
    a_sent_document_is_logged_with_its_pdf_once_per_key,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let actor = &w.actor_a;
        let (globex, _) = setup(store, actor).await;
        let inv = posted(store, actor, globex, "2026-03-01", "500").await;
        let draft = mail::draft(store, actor, inv).await.expect("draft");
        assert_eq!(draft.to, vec!["ap@globex.example".to_string()]);
        assert!(draft.subject.contains("INV-2026-0001"), "{}", draft.subject);
        assert!(draft.message.contains("500.00 EUR"), "{}", draft.message);
        let input = SendInput {
            to: vec!["ap@globex.example".into(), "ceo@globex.example".into()],
            ..SendInput::default()
        };
        let s = mail::send_document(store, actor, inv, &input, Some("send-1"))
            .await
            .expect("sent");
        assert_eq!(s.kind, SendKind::Document);
        assert_eq!(s.recipients.len(), 2);
        assert_eq!(s.status, "queued");
        let again = mail::send_document(store, actor, inv, &input, Some("send-1"))
            .await
            .expect("again");
        assert_eq!(again.id, s.id, "a retried key answers with the first send");
        let log = mail::sends_of_document(store, actor, inv)
            .await
            .expect("log");
        assert_eq!(log.len(), 1);
        let m = mail_of_job(store, s.job_id.expect("job")).await;
        assert_eq!(m.to, "ap@globex.example");
        assert_eq!(m.also_to, vec!["ceo@globex.example".to_string()]);
        assert_eq!(m.message_id.as_deref(), Some(s.message_id.as_str()));
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(m.attachments[0].filename, "INV-2026-0001.pdf");
        assert!(m.attachments[0].bytes.starts_with(b"%PDF"));
        // A bad address is refused by position and nothing is written.
        let bad = mail::send_document(
            store,
            actor,
            inv,
            &SendInput {
                to: vec!["ok@x.example".into(), "not an address".into()],
                ..SendInput::default()
            },
            None,
        )
        .await;
        assert!(
            matches!(&bad, Err(e) if e.field_errors().iter().any(|f| f.field == "to[1]")),
            "{bad:?}"
        );
        assert_eq!(
            mail::sends_of_document(store, actor, inv)
                .await
                .expect("log")
                .len(),
            1
        );
        // A draft is not sent; another company's document is not found.
        let draft = invoices::create_draft(
            store,
            actor,
            InvoiceKind::Invoice,
            &InvoiceInput {
                party_id: Some(globex.0),
                issue_date: "2026-03-02".into(),
                lines: vec![LineInput {
                    description: "x".into(),
                    quantity: "1".into(),
                    unit_price: "1".into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
            None,
        )
        .await
        .expect("draft");
        assert!(matches!(
            mail::send_document(store, actor, draft.id, &input, None).await,
            Err(Error::Invalid { .. })
        ));
        assert!(matches!(
            mail::send_document(store, &w.actor_b, inv, &input, None).await,
            Err(Error::NotFound { .. })
        ));
    }
);

store_test!(reminder_levels_go_once_per_invoice, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let actor = &w.actor_a;
    let (globex, initech) = setup(store, actor).await;
    // Due 2026-01-15 and 2026-01-20 (14 days' terms).
    let a = posted(store, actor, globex, "2026-01-01", "100").await;
    let b = posted(store, actor, globex, "2026-01-06", "50").await;
    let c = posted(store, actor, initech, "2026-01-01", "70").await;
    // Switched off: nothing goes, though the preview shows what would.
    let r = dunning::run(store, actor, d("2026-02-01"))
        .await
        .expect("run");
    assert_eq!(r, dunning::RunReport::default());
    let mut s = mail::settings(store, actor).await.expect("settings");
    let input = mail::MailSettingsInput {
        invoice_subject: s.invoice_subject.clone(),
        invoice_body: s.invoice_body.clone(),
        dunning_enabled: true,
        levels: s
            .levels
            .drain(..)
            .map(|l| mail::LevelInput {
                enabled: l.enabled,
                days: l.days.to_string(),
                subject: l.subject,
                body: l.body,
            })
            .collect(),
    };
    mail::set_settings(store, actor, &input, None)
        .await
        .expect("switched on");
    assert!(dunning::preview(store, actor, d("2026-01-20"))
        .await
        .expect("preview")
        .is_empty());
    let p = dunning::preview(store, actor, d("2026-01-28"))
        .await
        .expect("preview");
    assert_eq!(p.len(), 2, "{p:?}");
    let g = p.iter().find(|r| r.party_id == globex).expect("globex");
    assert_eq!(g.level, 1);
    assert_eq!(g.lines.len(), 2, "one reminder lists both invoices");
    let i = p.iter().find(|r| r.party_id == initech).expect("initech");
    assert!(i.skipped.is_some(), "no address: skipped");
    let r = dunning::run(store, actor, d("2026-01-28"))
        .await
        .expect("run");
    assert_eq!((r.sent, r.skipped), (1, 1));
    // The same day again, or the next: level 1 does not go twice.
    for day in ["2026-01-28", "2026-01-29"] {
        let r = dunning::run(store, actor, d(day)).await.expect("run");
        assert_eq!(r.sent, 0, "{day}");
    }
    // The store itself refuses a level sent before (a racing run).
    let job = Mail {
        to: "ap@globex.example".into(),
        subject: "x".into(),
        ..Mail::default()
    }
    .job()
    .expect("job");
    let dup = store
        .insert_send(
            w.a,
            &NewSend {
                kind: SendKind::Reminder,
                party_id: globex,
                documents: vec![(a, 1)],
                recipients: vec!["ap@globex.example".into()],
                subject: "x".into(),
                message_id: "dup".into(),
                level: 1,
                sent_by: None,
                sent_by_name: "test".into(),
                client_key: None,
            },
            &job,
            steward_core::audit::AuditDraft::by(
                actor,
                "billing.invoice",
                None,
                "remind",
                serde_json::json!({}),
            ),
        )
        .await
        .expect("insert");
    assert_eq!(dup, None);
    // Level 2 at 21 days for a (due 01-15) only; level 3 at 45.
    let p = dunning::preview(store, actor, d("2026-02-06"))
        .await
        .expect("preview");
    let g = p.iter().find(|r| r.party_id == globex).expect("globex");
    assert_eq!((g.level, g.lines.len(), g.lines[0].id), (2, 1, a));
    assert_eq!(
        dunning::run(store, actor, d("2026-02-06"))
            .await
            .expect("run")
            .sent,
        1
    );
    // By 03-10 both are past 45 days: one reminder at level 3 (b skips level 2).
    assert_eq!(
        dunning::run(store, actor, d("2026-03-10"))
            .await
            .expect("run")
            .sent,
        1
    );
    assert_eq!(
        dunning::run(store, actor, d("2026-03-11"))
            .await
            .expect("run")
            .sent,
        0
    );
    let sent = mail::list(
        store,
        actor,
        &mail::SendQuery {
            kind: Some(SendKind::Reminder),
            ..Default::default()
        },
    )
    .await
    .expect("sent");
    assert_eq!(sent.total, 3);
    let mut levels: Vec<(InvoiceId, i64)> = sent
        .items
        .iter()
        .flat_map(|s| s.documents.iter().map(|x| (x.id, x.level)))
        .collect();
    levels.sort();
    assert_eq!(levels, vec![(a, 1), (a, 2), (a, 3), (b, 1), (b, 3)]);
    // An excluded customer is skipped, as is one without an address.
    mail::set_excluded(store, actor, initech, true)
        .await
        .expect("excluded");
    let p = dunning::preview(store, actor, d("2026-03-12"))
        .await
        .expect("preview");
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].lines[0].id, c);
    assert_eq!(p[0].skipped.as_deref(), Some("excluded from reminders"));
    assert_eq!(
        dunning::run(store, actor, d("2026-03-12"))
            .await
            .expect("run")
            .sent,
        0
    );
});

store_test!(
    a_recurring_invoice_makes_one_invoice_per_occurrence,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let actor = &w.actor_a;
        let (globex, _) = setup(store, actor).await;
        let src = posted(store, actor, globex, "2026-01-01", "1000").await;
        let input = RecurringInput {
            source_id: Some(src.0),
            name: "Retainer".into(),
            rrule: "FREQ=MONTHLY;BYMONTHDAY=1".into(),
            start: "2026-02-01".into(),
            ..Default::default()
        };
        let bad = recurring::create(
            store,
            actor,
            &RecurringInput {
                rrule: "FREQ=SOMETIMES".into(),
                auto_send: true,
                ..input.clone()
            },
        )
        .await;
        let fields: Vec<String> = bad
            .expect_err("bad")
            .field_errors()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, vec!["rrule".to_string(), "auto_send".to_string()]);
        let t = recurring::create(store, actor, &input)
            .await
            .expect("template");
        assert_eq!(
            recurring::make_due(store, actor, t.id, d("2026-01-31"))
                .await
                .expect("run"),
            0
        );
        assert_eq!(
            recurring::make_due(store, actor, t.id, d("2026-04-15"))
                .await
                .expect("run"),
            3
        );
        assert_eq!(
            recurring::make_due(store, actor, t.id, d("2026-04-15"))
                .await
                .expect("run"),
            0
        );
        let runs = recurring::runs(store, actor, t.id).await.expect("runs");
        assert_eq!(runs.len(), 3);
        assert!(runs
            .iter()
            .all(|r| r.status == Some(InvoiceStatus::Draft) && r.total == 100_000));
        // A discarded draft is not made again: its occurrence is recorded.
        invoices::delete_draft(store, actor, runs[0].document_id.expect("made"))
            .await
            .expect("discard");
        assert_eq!(
            recurring::make_due(store, actor, t.id, d("2026-04-15"))
                .await
                .expect("run"),
            0
        );
        // Paused: nothing; stopped: for good.
        recurring::set_status(store, actor, t.id, RecurringStatus::Paused)
            .await
            .expect("pause");
        assert_eq!(
            recurring::make_due(store, actor, t.id, d("2026-06-15"))
                .await
                .expect("run"),
            0
        );
        recurring::set_status(store, actor, t.id, RecurringStatus::Stopped)
            .await
            .expect("stop");
        assert!(matches!(
            recurring::set_status(store, actor, t.id, RecurringStatus::Active).await,
            Err(Error::Conflict { .. })
        ));
        // Posted and e-mailed automatically, at most twice; the job's run covers every company.
        let auto = recurring::create(
            store,
            actor,
            &RecurringInput {
                name: "Hosting".into(),
                count: "2".into(),
                auto_post: true,
                auto_send: true,
                ..input.clone()
            },
        )
        .await
        .expect("template");
        let made = recurring::run_all(store, d("2026-05-20"))
            .await
            .expect("run all");
        assert_eq!(made, 2);
        let runs = recurring::runs(store, actor, auto.id).await.expect("runs");
        assert_eq!(runs.len(), 2);
        for r in &runs {
            assert_eq!(r.status, Some(InvoiceStatus::Posted));
            let doc = r.document_id.expect("made");
            let log = mail::sends_of_document(store, actor, doc)
                .await
                .expect("log");
            assert_eq!(log.len(), 1, "sent once");
        }
        assert_eq!(
            recurring::run_all(store, d("2026-05-21"))
                .await
                .expect("again"),
            0
        );
        // Another company sees none of it.
        assert!(matches!(
            recurring::get(store, &w.actor_b, auto.id).await,
            Err(Error::NotFound { .. })
        ));
    }
);
