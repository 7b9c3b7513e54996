//! Cases: the front office opens, the back office works them, the SLA job warns and breaches
//! once; on both databases.
use crate::common;

use steward_core::auth::session::cli_actor;
use steward_core::auth::Actor;
use steward_core::ids::CompanyId;
use steward_core::list::Paging;
use steward_core::time::Timestamp;
use steward_core::work::cases::{
    self, AssigneeFilter, CaseAction, CaseInput, CaseQuery, CaseSort, CaseStatus, CaseStore,
    Holiday, LogKind, Priority, SlaEvent, SlaState,
};
use steward_core::work::sla::{Hours, Zone};
use steward_core::Error;
use steward_store::Store;

use common::{insert_user, world, PASSWORD};

async fn actor(store: &Store, company: CompanyId, name: &str, role: &str) -> Actor {
    let id = insert_user(store, company, name, &[role], Some(PASSWORD)).await;
    cli_actor(store, id, company).await.expect("actor")
}

fn input(subject: &str, priority: &str) -> CaseInput {
    CaseInput {
        customer_name: "Dana Customer".into(),
        customer_email: "Dana@Example.org".into(),
        customer_phone: String::new(),
        customer_ref: "C-1001".into(),
        subject: subject.into(),
        description: "The **invoice** is wrong. <script>x</script>".into(),
        category: "billing".into(),
        priority: priority.into(),
    }
}

/// Every day a working day around the clock, so tests do not depend on the hour they run.
async fn always_open(store: &Store, admin: &Actor) {
    let (mut s, _) = cases::sla_settings(store, admin).await.expect("settings");
    s.calendar.week = [Some(Hours::new(0, 1440).expect("hours")); 7];
    cases::save_sla_settings(store, admin, s, Vec::new())
        .await
        .expect("save settings");
}

/// Moves a case's start back in time (what a case opened that long ago looks like).
async fn age(db: &common::TestDb, id: i64, minutes: i64) {
    let micros = minutes * 60_000_000;
    db.exec(&format!(
        "UPDATE cases SET created_at = created_at - {micros} WHERE id = {id}"
    ))
    .await;
}

store_test!(
    front_office_opens_and_follows_its_own_cases,
    |db| async move {
        let s = &db.store;
        let w = world(s).await;
        let fo = actor(s, w.a, "fo", "front_office").await;
        let fo2 = actor(s, w.a, "fo2", "front_office").await;
        let admin = &w.actor_a;

        // Validation names the fields.
        let bad = cases::create_case(
            s,
            &fo,
            &CaseInput {
                customer_name: " ".into(),
                customer_email: "not-an-address".into(),
                subject: String::new(),
                category: "weather".into(),
                priority: "asap".into(),
                ..Default::default()
            },
        )
        .await
        .expect_err("invalid");
        let fields: Vec<String> = bad.field_errors().into_iter().map(|e| e.field).collect();
        for f in [
            "customer_name",
            "customer_email",
            "subject",
            "category",
            "priority",
        ] {
            assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
        }

        let c = cases::create_case(s, &fo, &input("Wrong invoice", "high"))
            .await
            .expect("create");
        assert_eq!(c.status, CaseStatus::New);
        assert_eq!(c.customer_email, "dana@example.org");
        assert!(c.resolution_due.is_some() && c.first_response_due.is_some());
        let other = cases::create_case(s, &fo2, &input("Late parcel", "low"))
            .await
            .expect("create");

        // The front office sees its own cases only; another's is not found.
        let mine = cases::list_cases(s, &fo, &CaseQuery::default())
            .await
            .expect("list");
        assert_eq!(mine.total, 1);
        assert_eq!(mine.items[0].id, c.id);
        assert!(matches!(
            cases::get_case(s, &fo, other.id).await,
            Err(Error::NotFound { .. })
        ));
        // The back office sees both; another company sees none.
        let all = cases::list_cases(s, admin, &CaseQuery::default())
            .await
            .expect("list");
        assert_eq!(all.total, 2);
        assert_eq!(all.items[0].id, c.id, "high before low in the queue");
        assert!(matches!(
            cases::get_case(s, &w.actor_b, c.id).await,
            Err(Error::NotFound { .. })
        ));
        assert_eq!(
            cases::list_cases(s, &w.actor_b, &CaseQuery::default())
                .await
                .expect("list")
                .total,
            0
        );

        // The front office cannot work a case.
        assert!(matches!(
            cases::act(s, &fo, c.id, None, CaseAction::Take).await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            cases::act(s, &fo, c.id, None, CaseAction::Note { body: "x".into() }).await,
            Err(Error::Forbidden)
        ));
        // It may comment on its own case.
        cases::act(
            s,
            &fo,
            c.id,
            None,
            CaseAction::Comment {
                body: "Customer called again.".into(),
            },
        )
        .await
        .expect("comment");

        // Internal notes never reach the front office.
        let c2 = cases::act(s, admin, c.id, None, CaseAction::Take)
            .await
            .expect("take");
        assert_eq!(c2.assignee, Some(w.admin_a));
        assert_eq!(c2.status, CaseStatus::InProgress);
        cases::act(
            s,
            admin,
            c.id,
            Some(c2.version),
            CaseAction::Note {
                body: "Secret: refund approved".into(),
            },
        )
        .await
        .expect("note");
        // A stale version is a conflict.
        assert!(matches!(
            cases::act(
                s,
                admin,
                c.id,
                Some(c2.version),
                CaseAction::Note {
                    body: "again".into()
                }
            )
            .await,
            Err(Error::Conflict { .. })
        ));
        let back = cases::case_log(s, admin, c.id).await.expect("log");
        assert!(back
            .iter()
            .any(|e| e.kind == LogKind::Note && e.body.contains("Secret")));
        let front = cases::case_log(s, &fo, c.id).await.expect("log");
        assert!(front.iter().all(|e| !e.internal && e.kind != LogKind::Note));
        assert!(front.iter().any(|e| e.kind == LogKind::Comment));
        assert!(front.iter().any(|e| e.kind == LogKind::Assign));

        // Filters and search.
        let q = CaseQuery {
            assignee: Some(AssigneeFilter::Nobody),
            ..Default::default()
        };
        assert_eq!(
            cases::list_cases(s, admin, &q).await.expect("list").items[0].id,
            other.id
        );
        let q = CaseQuery {
            search: Some("C-1001".into()),
            sort: CaseSort::Created,
            paging: Paging::default(),
            ..Default::default()
        };
        assert_eq!(
            cases::list_cases(s, admin, &q).await.expect("list").total,
            2
        );
        let q = CaseQuery {
            search: Some("parcel".into()),
            ..Default::default()
        };
        assert_eq!(
            cases::list_cases(s, admin, &q).await.expect("list").items[0].id,
            other.id
        );
        let q = CaseQuery {
            priority: Some(Priority::High),
            ..Default::default()
        };
        assert_eq!(
            cases::list_cases(s, admin, &q).await.expect("list").total,
            1
        );
        for sort in [
            CaseSort::Due,
            CaseSort::Customer,
            CaseSort::Subject,
            CaseSort::Status,
            CaseSort::Updated,
            CaseSort::Priority,
        ] {
            let q = CaseQuery {
                sort,
                ..Default::default()
            };
            assert_eq!(
                cases::list_cases(s, admin, &q).await.expect("sorted").total,
                2
            );
        }
    }
);

store_test!(resolve_close_reopen_and_message, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let fo = actor(s, w.a, "fo", "front_office").await;
    let lead = actor(s, w.a, "lead", "hr_lead").await;
    let admin = &w.actor_a;
    let c = cases::create_case(s, &fo, &input("Broken login", "normal"))
        .await
        .expect("create");

    // A lead works cases; an employee cannot see them.
    let staff = cases::staff(s, admin).await.expect("staff");
    assert!(staff.iter().any(|(u, _)| *u == lead.user_id));
    assert!(!staff.iter().any(|(u, _)| *u == fo.user_id));
    let emp = actor(s, w.a, "emp", "employee").await;
    assert!(matches!(
        cases::get_case(s, &emp, c.id).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        cases::act(
            s,
            admin,
            c.id,
            None,
            CaseAction::Assign {
                to: Some(fo.user_id),
                note: String::new()
            }
        )
        .await,
        Err(Error::Invalid { .. })
    ));
    let c = cases::act(
        s,
        admin,
        c.id,
        None,
        CaseAction::Assign {
            to: Some(lead.user_id),
            note: "yours".into(),
        },
    )
    .await
    .expect("assign");
    assert_eq!(c.assignee, Some(lead.user_id));

    // A message to the customer is the first response and enqueues its mail.
    let before = db.count("jobs").await;
    let c = cases::act(
        s,
        &lead,
        c.id,
        None,
        CaseAction::Message {
            subject: String::new(),
            body: "We are on it.".into(),
        },
    )
    .await
    .expect("message");
    assert!(c.first_response_at.is_some());
    assert!(c.first_response_due.is_none());
    assert_eq!(db.count("jobs").await, before + 1);
    let log = cases::case_log(s, &fo, c.id).await.expect("log");
    let msg = log
        .iter()
        .find(|e| e.kind == LogKind::Message)
        .expect("message logged");
    assert_eq!(msg.mail_to.as_deref(), Some("dana@example.org"));

    // Closing needs a resolution; resolving needs text and a category.
    assert!(matches!(
        cases::act(s, &lead, c.id, None, CaseAction::Close).await,
        Err(Error::Conflict { .. })
    ));
    let e = cases::act(
        s,
        &lead,
        c.id,
        None,
        CaseAction::Resolve {
            resolution: String::new(),
            category: "nope".into(),
        },
    )
    .await
    .expect_err("invalid");
    assert_eq!(e.field_errors().len(), 2);
    let c = cases::act(
        s,
        &lead,
        c.id,
        None,
        CaseAction::Resolve {
            resolution: "Password reset.".into(),
            category: "fixed".into(),
        },
    )
    .await
    .expect("resolve");
    assert_eq!(c.status, CaseStatus::Resolved);
    assert_eq!(c.sla_state, SlaState::Met);
    assert!(c.resolution_micros.is_some());
    let seen = cases::get_case(s, &fo, c.id)
        .await
        .expect("front office sees it");
    assert_eq!(seen.status, CaseStatus::Resolved);
    assert_eq!(seen.resolution, "Password reset.");
    let c = cases::act(s, &lead, c.id, None, CaseAction::Close)
        .await
        .expect("close");
    assert_eq!(c.status, CaseStatus::Closed);
    assert!(
        cases::act(s, &lead, c.id, None, CaseAction::Note { body: "x".into() })
            .await
            .is_ok()
    );
    assert!(matches!(
        cases::act(s, &lead, c.id, None, CaseAction::Take).await,
        Err(Error::Conflict { .. })
    ));
    let c = cases::act(
        s,
        &lead,
        c.id,
        None,
        CaseAction::Reopen {
            reason: "Customer says no.".into(),
        },
    )
    .await
    .expect("reopen");
    assert_eq!(c.status, CaseStatus::InProgress);
    assert!(c.resolution_due.is_some());

    // The report counts it.
    let r = cases::compliance_report(s, admin, None, None)
        .await
        .expect("report");
    assert_eq!(r.total.cases, 1);
    assert_eq!(r.total.response_met, 1);
    assert_eq!(r.by_category[0].key, "billing");
    assert!(r.total.median_response.is_some());
    assert!(matches!(
        cases::compliance_report(s, &fo, None, None).await,
        Err(Error::Forbidden)
    ));
    // Every change is audited.
    let pool = db.raw().await;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE entity = 'case'")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert!(n >= 7, "{n} case audit events");
});

store_test!(sla_pauses_warns_and_breaches_once, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let fo = actor(s, w.a, "fo", "front_office").await;
    let admin = &w.actor_a;
    always_open(s, admin).await;

    // Urgent: 60 min first response, 8 h resolution, warning at 80 %.
    let c = cases::create_case(s, &fo, &input("Outage", "urgent"))
        .await
        .expect("create");
    let fresh = cases::create_case(s, &fo, &input("Fresh", "low"))
        .await
        .expect("create");
    let now = Timestamp::now();
    let r = cases::evaluate_sla(s, now).await.expect("evaluate");
    assert_eq!(r.evaluated, 2);
    assert_eq!((r.warnings, r.breaches), (0, 0));

    age(&db, c.id.0, 50).await;
    let r = cases::evaluate_sla(s, now).await.expect("evaluate");
    assert_eq!((r.warnings, r.breaches), (1, 0));
    let got = cases::get_case(s, admin, c.id).await.expect("get");
    assert_eq!(got.sla_state, SlaState::Warning);
    assert!(got.response_warned_at.is_some());
    // Once only.
    let r = cases::evaluate_sla(s, now).await.expect("evaluate");
    assert_eq!((r.warnings, r.breaches), (0, 0));

    age(&db, c.id.0, 15).await;
    let r = cases::evaluate_sla(s, now).await.expect("evaluate");
    assert_eq!((r.warnings, r.breaches), (0, 1));
    let r = cases::evaluate_sla(s, now).await.expect("evaluate");
    assert_eq!((r.warnings, r.breaches), (0, 0));
    let got = cases::get_case(s, admin, c.id).await.expect("get");
    assert_eq!(got.sla_state, SlaState::Breached);
    // Breaches are logged internally, never shown to the front office.
    let log = cases::case_log(s, admin, c.id).await.expect("log");
    assert_eq!(log.iter().filter(|e| e.kind == LogKind::Sla).count(), 2);
    let front = cases::case_log(s, &fo, c.id).await.expect("log");
    assert!(front.iter().all(|e| e.kind != LogKind::Sla));
    // The stored events are the job's record.
    let applied = s
        .apply_sla(
            &[steward_core::work::cases::SlaUpdate {
                id: c.id,
                company: w.a,
                sla_state: SlaState::Breached,
                first_response_due: got.first_response_due,
                resolution_due: got.resolution_due,
                events: vec![SlaEvent::ResponseBreach],
            }],
            now,
        )
        .await
        .expect("apply");
    assert_eq!(applied, vec![Vec::<SlaEvent>::new()]);

    // Waiting on the customer pauses the timers: the due time moves by the pause.
    let c = cases::act(s, admin, fresh.id, None, CaseAction::Take)
        .await
        .expect("take");
    let due_before = c.resolution_due.expect("due");
    let c = cases::act(
        s,
        admin,
        c.id,
        None,
        CaseAction::SetStatus {
            status: CaseStatus::WaitingOnCustomer,
            note: String::new(),
        },
    )
    .await
    .expect("wait");
    assert_eq!(c.sla_state, SlaState::Paused);
    assert!(c.paused_since.is_some());
    let r = cases::evaluate_sla(s, Timestamp::now().plus_secs(100 * 3600))
        .await
        .expect("evaluate");
    assert_eq!(
        r.breaches, 1,
        "only the first response of the urgent case can still breach"
    );
    let paused = cases::get_case(s, admin, c.id).await.expect("get");
    assert_eq!(paused.sla_state, SlaState::Paused);
    assert!(paused.resolution_breached_at.is_none());
    // Ten minutes of waiting.
    db.exec(&format!(
        "UPDATE cases SET paused_since = paused_since - 600000000 WHERE id = {}",
        c.id.0
    ))
    .await;
    let c = cases::act(
        s,
        admin,
        c.id,
        None,
        CaseAction::SetStatus {
            status: CaseStatus::InProgress,
            note: "Customer answered".into(),
        },
    )
    .await
    .expect("resume");
    assert!(c.paused_since.is_none());
    assert!(c.paused_micros >= 600_000_000, "{}", c.paused_micros);
    assert!(c.resolution_due.expect("due").0 >= due_before.0 + 600_000_000);
    assert_eq!(c.sla_state, SlaState::OnTrack);

    // The dashboard's grouped count agrees with the list filtered by each state, for the
    // back office (every case) and the front office (only the cases it opened).
    let fo2 = actor(s, w.a, "fo2", "front_office").await;
    for (who, expect_any) in [(admin, true), (&fo, true), (&fo2, false)] {
        let counts = cases::open_by_sla(s, who).await.expect("counts");
        assert_eq!(!counts.is_empty(), expect_any, "{counts:?}");
        for state in SlaState::ALL {
            let q = CaseQuery {
                open_only: true,
                sla: Some(*state),
                ..Default::default()
            };
            let listed = cases::list_cases(s, who, &q).await.expect("list").total;
            let counted = counts
                .iter()
                .find(|(st, _)| st == state)
                .map_or(0, |(_, n)| *n);
            assert_eq!(counted, listed, "{state:?}");
        }
    }
    let admin_counts = cases::open_by_sla(s, admin).await.expect("counts");
    assert!(
        admin_counts.contains(&(SlaState::Breached, 1)),
        "{admin_counts:?}"
    );
    assert!(
        admin_counts.contains(&(SlaState::OnTrack, 1)),
        "{admin_counts:?}"
    );
});

store_test!(sla_settings_and_holidays_round_trip, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let admin = &w.actor_a;
    let lead = actor(s, w.a, "lead", "it_lead").await;
    let (mut st, hol) = cases::sla_settings(s, admin).await.expect("defaults");
    assert!(hol.is_empty());
    assert_eq!(st.version, 0);
    st.targets[0].first_response_minutes = 30;
    st.calendar.time_zone = Zone::parse("Europe/Berlin").expect("zone");
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 25).expect("day");
    // Only the manager changes service levels.
    assert!(cases::save_sla_settings(s, &lead, st.clone(), Vec::new())
        .await
        .is_err());
    let saved = cases::save_sla_settings(
        s,
        admin,
        st.clone(),
        vec![Holiday {
            day,
            name: "Christmas".into(),
        }],
    )
    .await
    .expect("save");
    assert_eq!(saved.version, 1);
    assert_eq!(saved.targets[0].first_response_minutes, 30);
    assert_eq!(saved.calendar.time_zone.name(), "Europe/Berlin");
    assert!(saved.calendar.holidays.contains(&day));
    // A stale version conflicts.
    assert!(matches!(
        cases::save_sla_settings(s, admin, st.clone(), Vec::new()).await,
        Err(Error::Conflict { .. })
    ));
    let mut bad = saved.clone();
    bad.targets[1].resolution_minutes = 0;
    bad.warn_percent = 100;
    let e = cases::save_sla_settings(s, admin, bad, Vec::new())
        .await
        .expect_err("invalid");
    assert_eq!(e.field_errors().len(), 2, "{e:?}");
    // Company B keeps its defaults.
    let (b, _) = cases::sla_settings(s, &w.actor_b).await.expect("b");
    assert_eq!(b.version, 0);
});
