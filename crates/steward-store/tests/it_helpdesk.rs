//! The IT helpdesk on both databases, through core's services: an employee raises tickets
//! and sees only their own and never an internal note, links only assets checked out to
//! them; priority from urgency x impact; technicians' queue and the unassigned queue
//! sorted by SLA due; timers paused while waiting on the requester; the SLA job marks a
//! breach once; rating and reopening; the knowledge base; the report; companies apart.
use crate::common;

use steward_core::auth::session::cli_actor;
use steward_core::auth::Actor;
use steward_core::it::helpdesk::{
    self, Level, MessageKind, Priority, TicketQuery, TicketStatus, View,
};
use steward_core::it::helpdesk_kb::{self as kb, ArticleInput};
use steward_core::it::helpdesk_report::{self as report, Period};
use steward_core::it::helpdesk_sla;
use steward_core::it::helpdesk_tickets::{self as tickets, TicketAction, TicketInput};
use steward_core::time::Timestamp;
use steward_core::work::sla::SlaState;
use steward_core::Error;
use steward_store::Store;

use common::world;

use common::fields;

async fn person(store: &Store, admin: &Actor, name: &str, role: &str) -> Actor {
    let user = common::insert_user(store, admin.company_id, name, &[role], None).await;
    cli_actor(store, user, admin.company_id)
        .await
        .expect("actor")
}

fn input(subject: &str, urgency: &str, impact: &str) -> TicketInput {
    TicketInput {
        subject: subject.into(),
        description: "It does not work.".into(),
        urgency: urgency.into(),
        impact: impact.into(),
        ..Default::default()
    }
}

store_test!(employees_raise_and_see_only_their_own, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let ann = person(store, &w.actor_a, "ann", "employee").await;
    let bob = person(store, &w.actor_a, "bob", "employee").await;
    let tech = person(store, &w.actor_a, "tess", "it_technician").await;
    let cat = helpdesk::create_category(store, &w.actor_a, "Hardware")
        .await
        .expect("category");
    let mut i = input("Laptop will not boot", "high", "high");
    i.category_id = cat.id.0.to_string();
    let t = tickets::create(store, &ann, &i).await.expect("raise");
    assert_eq!(t.priority, Priority::P1);
    assert_eq!(t.status, TicketStatus::New);
    assert!(t.first_response_due.is_some() && t.resolution_due.is_some());
    tickets::create(store, &bob, &input("Printer", "", ""))
        .await
        .expect("bob's");
    // Bad input names the field; nothing is written.
    let before = db.count("it_tickets").await;
    let e = tickets::create(
        store,
        &ann,
        &TicketInput {
            subject: " ".into(),
            urgency: "urgent".into(),
            category_id: "99999".into(),
            ..Default::default()
        },
    )
    .await
    .expect_err("bad");
    assert_eq!(fields(&e), ["subject", "urgency", "category_id"], "{e:?}");
    assert_eq!(db.count("it_tickets").await, before);
    // Ann sees hers only, whatever view she asks for; Bob's is not found.
    let q = TicketQuery {
        view: View::All,
        ..Default::default()
    };
    let mine = tickets::list(store, &ann, &q).await.expect("list");
    assert_eq!(mine.total, 1);
    assert_eq!(mine.items[0].id, t.id);
    let bobs = tickets::list(store, &bob, &q).await.expect("bob").items[0].id;
    assert!(matches!(
        tickets::get(store, &ann, bobs).await,
        Err(Error::NotFound { .. })
    ));
    // The technician answers in public and notes internally; Ann never sees the note.
    tickets::act(
        store,
        &tech,
        t.id,
        &TicketAction::Note {
            body: "Probably the SSD.".into(),
        },
        None,
    )
    .await
    .expect("note");
    let t2 = tickets::act(
        store,
        &tech,
        t.id,
        &TicketAction::Reply {
            body: "On my way.".into(),
        },
        None,
    )
    .await
    .expect("reply");
    assert!(
        t2.first_response_at.is_some(),
        "first public reply by staff"
    );
    assert_eq!(t2.status, TicketStatus::InProgress);
    assert!(t2.first_response_due.is_none());
    let seen = tickets::messages(store, &ann, t.id)
        .await
        .expect("messages");
    assert!(seen
        .iter()
        .all(|m| !m.internal && m.kind != MessageKind::Note));
    assert!(seen.iter().any(|m| m.body == "On my way."));
    let all = tickets::messages(store, &tech, t.id).await.expect("all");
    assert!(all.iter().any(|m| m.body == "Probably the SSD."));
    // Ann cannot write notes or move the ticket.
    assert!(matches!(
        tickets::act(
            store,
            &ann,
            t.id,
            &TicketAction::Note { body: "x".into() },
            None
        )
        .await,
        Err(Error::Forbidden)
    ));
    // Another company's admin does not find it.
    assert!(matches!(
        tickets::get(store, &w.actor_b, t.id).await,
        Err(Error::NotFound { .. })
    ));
});

store_test!(queues_sort_by_due_and_priority, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let ann = person(store, &w.actor_a, "ann", "employee").await;
    let tech = person(store, &w.actor_a, "tess", "it_technician").await;
    let low = tickets::create(store, &ann, &input("Low", "low", "low"))
        .await
        .expect("low");
    let crit = tickets::create(store, &ann, &input("Critical", "high", "high"))
        .await
        .expect("crit");
    let mid = tickets::create(store, &ann, &input("Mid", "medium", "medium"))
        .await
        .expect("mid");
    let unassigned = tickets::list(
        store,
        &tech,
        &TicketQuery {
            view: View::Unassigned,
            ..Default::default()
        },
    )
    .await
    .expect("unassigned");
    let ids: Vec<_> = unassigned.items.iter().map(|t| t.id).collect();
    assert_eq!(ids, [crit.id, mid.id, low.id], "most urgent due first");
    for t in [&low, &crit] {
        tickets::act(
            store,
            &tech,
            t.id,
            &TicketAction::Assign {
                assignee: Some(tech.user_id),
                group: None,
            },
            None,
        )
        .await
        .expect("assign");
    }
    let queue = tickets::list(
        store,
        &tech,
        &TicketQuery {
            view: View::Queue,
            ..Default::default()
        },
    )
    .await
    .expect("queue");
    let ids: Vec<_> = queue.items.iter().map(|t| t.id).collect();
    assert_eq!(ids, [crit.id, low.id]);
    // An employee cannot be assigned; the field is named.
    let e = tickets::act(
        store,
        &tech,
        mid.id,
        &TicketAction::Assign {
            assignee: Some(ann.user_id),
            group: None,
        },
        None,
    )
    .await
    .expect_err("not a technician");
    assert_eq!(fields(&e), ["assignee_id"]);
    // Groups hold technicians only.
    let e = helpdesk::create_group(store, &w.actor_a, "Field", &[ann.user_id])
        .await
        .expect_err("employee");
    assert_eq!(fields(&e), ["members"]);
    let g = helpdesk::create_group(store, &w.actor_a, "Field", &[tech.user_id])
        .await
        .expect("group");
    assert_eq!(g.members.len(), 1);
    // Reprioritizing follows the matrix.
    let t = tickets::act(
        store,
        &tech,
        mid.id,
        &TicketAction::Reprioritize {
            urgency: Level::High,
            impact: Level::Medium,
        },
        None,
    )
    .await
    .expect("priority");
    assert_eq!(t.priority, Priority::P2);
});

store_test!(
    many_breaches_in_one_run_are_one_summary_a_person,
    |db| async move {
        use steward_core::work::notify::NotifyStore;
        let store = &db.store;
        let w = world(store).await;
        let ann = person(store, &w.actor_a, "ann", "employee").await;
        let tech = person(store, &w.actor_a, "tess", "it_technician").await;
        let n = helpdesk_sla::DIGEST_AFTER + 2;
        let mut ids = Vec::new();
        for i in 0..n {
            let t = tickets::create(store, &ann, &input(&format!("Printer {i}"), "high", "high"))
                .await
                .expect("ticket");
            tickets::act(
                store,
                &w.actor_a,
                t.id,
                &TicketAction::Assign {
                    assignee: Some(tech.user_id),
                    group: None,
                },
                None,
            )
            .await
            .expect("assign");
            ids.push(t.id);
        }
        // One more, nobody's: its breaches reach the leads on their own.
        let lone = tickets::create(store, &ann, &input("Lone", "high", "high"))
            .await
            .expect("lone");
        let before_tech = store.unread_count(w.a, tech.user_id).await.expect("unread");
        let before_lead = store
            .unread_count(w.a, w.actor_a.user_id)
            .await
            .expect("unread");
        let later = Timestamp(Timestamp::now().0 + 90 * 24 * 3600 * 1_000_000);
        let r = helpdesk_sla::run(store, later).await.expect("run");
        assert_eq!(r.breaches, 2 * (n as u64 + 1), "two timers a ticket");
        let after_tech = store.unread_count(w.a, tech.user_id).await.expect("unread");
        let after_lead = store
            .unread_count(w.a, w.actor_a.user_id)
            .await
            .expect("unread");
        assert_eq!(
            after_tech - before_tech,
            1,
            "the technician's {} breaches are one summary",
            2 * n
        );
        assert_eq!(
            after_lead - before_lead,
            1,
            "a lead's {} breaches are one summary",
            2 * (n + 1)
        );
        let mine = steward_core::work::notify::list(
            store,
            &tech,
            &steward_core::work::notify::NotificationQuery::default(),
        )
        .await
        .expect("list");
        let digest = mine
            .items
            .iter()
            .find(|x| x.kind == "it.ticket_sla_breach")
            .expect("the summary");
        assert_eq!(
            digest.title,
            format!("{} IT tickets breached their service level", 2 * n)
        );
        assert_eq!(
            digest.link.as_deref(),
            Some("/it/tickets?view=queue&sla=breached")
        );
        assert!(
            digest.body.contains(&format!("#{}", ids[0])),
            "{}",
            digest.body
        );
        assert!(
            !digest.body.contains(&format!("#{}", lone.id)),
            "{}",
            digest.body
        );
    }
);

store_test!(waiting_pauses_and_breach_is_marked_once, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let ann = person(store, &w.actor_a, "ann", "employee").await;
    let tech = person(store, &w.actor_a, "tess", "it_technician").await;
    let waiting = tickets::create(store, &ann, &input("Waiting", "high", "high"))
        .await
        .expect("waiting");
    let open = tickets::create(store, &ann, &input("Open", "high", "high"))
        .await
        .expect("open");
    for t in [&waiting, &open] {
        tickets::act(
            store,
            &tech,
            t.id,
            &TicketAction::Assign {
                assignee: Some(tech.user_id),
                group: None,
            },
            None,
        )
        .await
        .expect("assign");
    }
    let w1 = tickets::act(
        store,
        &tech,
        waiting.id,
        &TicketAction::SetStatus {
            status: TicketStatus::WaitingOnRequester,
        },
        None,
    )
    .await
    .expect("wait");
    assert!(w1.paused_since.is_some());
    assert_eq!(w1.sla_state, SlaState::Paused);
    // Months later: the open one breached (once), the waiting one did not.
    let later = Timestamp(Timestamp::now().0 + 90 * 24 * 3600 * 1_000_000);
    let r = helpdesk_sla::run(store, later).await.expect("run");
    assert_eq!(r.evaluated, 2);
    assert_eq!(r.breaches, 2, "first response and resolution of one ticket");
    let again = helpdesk_sla::run(store, later).await.expect("again");
    assert_eq!(again.breaches, 0, "a breach is marked once");
    let o = tickets::get(store, &tech, open.id).await.expect("open");
    assert_eq!(o.sla_state, SlaState::Breached);
    assert!(o.resolution_breached_at.is_some() && o.response_breached_at.is_some());
    let p = tickets::get(store, &tech, waiting.id)
        .await
        .expect("paused");
    assert_eq!(p.sla_state, SlaState::Paused);
    assert!(p.resolution_breached_at.is_none());
    // The assignee was told.
    assert!(db.count("notifications").await >= 1);
    // The requester's answer resumes the timers, keeping the time paused.
    let resumed = tickets::act(
        store,
        &ann,
        waiting.id,
        &TicketAction::Reply {
            body: "Here is the screenshot.".into(),
        },
        None,
    )
    .await
    .expect("answer");
    assert_eq!(resumed.status, TicketStatus::InProgress);
    assert!(resumed.paused_since.is_none());
    assert!(resumed.paused_micros >= 0);
});

store_test!(resolve_rate_reopen_and_report, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let ann = person(store, &w.actor_a, "ann", "employee").await;
    let tech = person(store, &w.actor_a, "tess", "it_technician").await;
    let t = tickets::create(store, &ann, &input("VPN", "medium", "low"))
        .await
        .expect("raise");
    assert_eq!(t.priority, Priority::P4);
    let e = tickets::act(
        store,
        &ann,
        t.id,
        &TicketAction::Rate {
            rating: 5,
            comment: String::new(),
        },
        None,
    )
    .await
    .expect_err("open");
    assert!(matches!(e, Error::Conflict { .. }), "{e:?}");
    let close = TicketAction::SetStatus {
        status: TicketStatus::Closed,
    };
    assert!(tickets::act(store, &tech, t.id, &close, None)
        .await
        .is_err());
    tickets::act(
        store,
        &tech,
        t.id,
        &TicketAction::SetStatus {
            status: TicketStatus::Resolved,
        },
        None,
    )
    .await
    .expect("resolve");
    let e = tickets::act(
        store,
        &ann,
        t.id,
        &TicketAction::Rate {
            rating: 7,
            comment: String::new(),
        },
        None,
    )
    .await
    .expect_err("7");
    assert_eq!(fields(&e), ["rating"]);
    let rated = tickets::act(
        store,
        &ann,
        t.id,
        &TicketAction::Rate {
            rating: 4,
            comment: "Quick".into(),
        },
        None,
    )
    .await
    .expect("rate");
    assert_eq!(rated.rating, Some(4));
    assert_eq!(rated.sla_state, SlaState::Met);
    let reopened = tickets::act(
        store,
        &ann,
        t.id,
        &TicketAction::Reopen {
            reason: "Again".into(),
        },
        None,
    )
    .await
    .expect("reopen");
    assert_eq!(reopened.status, TicketStatus::InProgress);
    // The report counts it; an employee may not read the report.
    let today = chrono::Utc::now().date_naive();
    let r = report::report(store, &tech, today, today, Period::Day)
        .await
        .expect("report");
    assert_eq!(r.total.tickets, 1);
    assert_eq!(r.by_period.len(), 1);
    assert!(report::report(store, &ann, today, today, Period::Day)
        .await
        .is_err());
    // Stale versions are refused.
    let stale = tickets::act(
        store,
        &tech,
        t.id,
        &TicketAction::Note { body: "x".into() },
        Some(1),
    )
    .await
    .expect_err("stale");
    assert!(matches!(stale, Error::Conflict { .. }));
});

store_test!(knowledge_base_published_to_everyone, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let ann = person(store, &w.actor_a, "ann", "employee").await;
    let tech = person(store, &w.actor_a, "tess", "it_technician").await;
    let draft = kb::create(
        store,
        &tech,
        &ArticleInput {
            title: "Reset your VPN".into(),
            body: "1. Open the app".into(),
            published: false,
        },
    )
    .await
    .expect("draft");
    let public = kb::create(
        store,
        &tech,
        &ArticleInput {
            title: "Printer setup".into(),
            body: "Use **Add printer**.".into(),
            published: true,
        },
    )
    .await
    .expect("public");
    let e = kb::create(store, &ann, &ArticleInput::default())
        .await
        .expect_err("employee");
    assert!(matches!(e, Error::Forbidden));
    let seen = kb::list(store, &ann, None).await.expect("list");
    assert_eq!(seen.len(), 1);
    assert!(matches!(
        kb::get(store, &ann, draft.id).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        kb::list(store, &tech, Some("vpn"))
            .await
            .expect("search")
            .len(),
        1
    );
    let t = tickets::create(store, &ann, &input("Printer", "", ""))
        .await
        .expect("raise");
    tickets::act(
        store,
        &tech,
        t.id,
        &TicketAction::LinkArticle { article: public.id },
        None,
    )
    .await
    .expect("link");
    tickets::act(
        store,
        &tech,
        t.id,
        &TicketAction::LinkArticle { article: draft.id },
        None,
    )
    .await
    .expect("link draft");
    let linked = tickets::linked_articles(store, &ann, t.id)
        .await
        .expect("linked");
    assert_eq!(
        linked.len(),
        1,
        "the requester sees published articles only"
    );
    assert!(kb::list(store, &w.actor_b, None)
        .await
        .expect("b")
        .is_empty());
});

/// Not a benchmark (tests never time things): loads 200,000 tickets and prints how long a
/// technician's queue and the unassigned queue take, with the query plan's index. Run with
/// `cargo test -p steward-store --test store it_helpdesk::queue_at_scale -- --ignored --nocapture`.
mod queue_at_scale {
    use super::*;
    use steward_core::audit::AuditDraft;
    use steward_core::it::helpdesk::{Ticket, TicketId};
    use steward_core::list::Paging;

    async fn run(db: common::TestDb) {
        let store = &db.store;
        let w = world(store).await;
        let ann = person(store, &w.actor_a, "ann", "employee").await;
        let mut techs = Vec::new();
        for i in 0..50 {
            techs.push(person(store, &w.actor_a, &format!("tech{i}"), "it_technician").await);
        }
        let t0 = tickets::create(store, &ann, &input("Seed", "", ""))
            .await
            .expect("seed");
        let statuses = [
            TicketStatus::New,
            TicketStatus::InProgress,
            TicketStatus::Resolved,
            TicketStatus::Closed,
            TicketStatus::Closed,
        ];
        let start = std::time::Instant::now();
        for chunk in 0..40 {
            let rows: Vec<Ticket> = (0..5000)
                .map(|k| {
                    let i = chunk * 5000 + k;
                    let mut t = t0.clone();
                    t.id = TicketId(0);
                    t.status = statuses[i % statuses.len()];
                    t.assignee = (i % 7 != 0).then(|| techs[(i / 5) % techs.len()].user_id);
                    t.created_at = Timestamp(t0.created_at.0 - i as i64 * 60_000_000);
                    t.first_response_due = Some(Timestamp(t.created_at.0 + 3_600_000_000));
                    t.resolution_due = Some(Timestamp(t.created_at.0 + 36_000_000_000));
                    t
                })
                .collect();
            store
                .insert_tickets_bulk(
                    &rows,
                    AuditDraft::system(
                        "test",
                        None,
                        "it.ticket",
                        None,
                        "bulk",
                        serde_json::json!({}),
                    )
                    .in_company(w.a),
                )
                .await
                .expect("bulk");
        }
        println!("loaded 200,000 tickets in {:?}", start.elapsed());
        for (name, actor, view) in [
            ("queue", &techs[3], View::Queue),
            ("unassigned", &techs[3], View::Unassigned),
        ] {
            let q = TicketQuery {
                view,
                paging: Paging::new(Some(50), None),
                ..Default::default()
            };
            tickets::list(store, actor, &q).await.expect("warm");
            let n = 20;
            let s = std::time::Instant::now();
            let mut total = 0;
            for _ in 0..n {
                total = tickets::list(store, actor, &q).await.expect("list").total;
            }
            println!(
                "{name}: {total} open, first page of 50 in {:?} (mean of {n})",
                s.elapsed() / n
            );
        }
        let s = std::time::Instant::now();
        let r = helpdesk_sla::run(store, Timestamp::now())
            .await
            .expect("sla");
        println!(
            "SLA job over {} open tickets: {:?} ({} updated, {} warnings, {} breaches)",
            r.evaluated,
            s.elapsed(),
            r.updated,
            r.warnings,
            r.breaches
        );
        let s = std::time::Instant::now();
        let again = helpdesk_sla::run(store, Timestamp::now())
            .await
            .expect("sla");
        println!(
            "SLA job again (steady state): {:?} ({} updated)",
            s.elapsed(),
            again.updated
        );
        assert_eq!(again.breaches, 0, "each breach is recorded once");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    #[ignore]
    async fn sqlite() {
        run(common::TestDb::sqlite().await).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    #[ignore]
    async fn postgres() {
        if let Some(db) = common::TestDb::postgres("it_helpdesk::queue_at_scale::postgres").await {
            run(db).await;
        }
    }
}
