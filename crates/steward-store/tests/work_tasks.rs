//! Tasks on both databases: create and update (with versions), reassignment history,
//! scope filtering in the query (own, department, company, another company), checklist and
//! comments, templates with owners by role, and recurrence that is idempotent however often
//! the job runs.
use crate::common;

use chrono::{Datelike, Duration, NaiveDate};
use steward_core::auth::session::cli_actor;
use steward_core::auth::Actor;
use steward_core::ids::UserId;
use steward_core::list::Paging;
use steward_core::work::tasks::{
    self, Priority, RuleInput, StatusFilter, TaskChanges, TaskInput, TaskQuery, TaskStatus,
    TaskStore,
};
use steward_core::work::RecordRef;
use steward_core::Error;
use steward_store::Store;

use common::{insert_user, world, TestDb};

async fn actor(s: &Store, u: UserId, c: steward_core::ids::CompanyId) -> Actor {
    cli_actor(s, u, c).await.expect("actor")
}

fn input(title: &str, assignee: Option<UserId>) -> TaskInput {
    TaskInput {
        title: title.into(),
        assignee_id: assignee,
        ..Default::default()
    }
}

async fn titles(s: &Store, a: &Actor, q: &TaskQuery) -> Vec<String> {
    let mut t: Vec<String> = tasks::list_tasks(s, a, q)
        .await
        .expect("list")
        .items
        .into_iter()
        .map(|t| t.title)
        .collect();
    t.sort();
    t
}

async fn audit_count(db: &TestDb, action: &str) -> i64 {
    let raw = db.raw().await;
    let n: i64 = sqlx::Row::try_get(
        &sqlx::query(
            "SELECT COUNT(*) AS n FROM audit_events WHERE entity = 'work_task' AND action = $1",
        )
        .bind(action)
        .fetch_one(&raw)
        .await
        .expect("count audit"),
        "n",
    )
    .expect("n");
    raw.close().await;
    n
}

store_test!(create_update_and_reassign_keep_history, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let alice = insert_user(s, w.a, "alice", &["employee"], None).await;
    let bob = insert_user(s, w.a, "bob", &["employee"], None).await;
    let admin = &w.actor_a;

    let t = tasks::create_task(
        s,
        &common::registry(s),
        admin,
        &TaskInput {
            title: "  Pay the rent ".into(),
            description: "**soon**".into(),
            assignee_id: Some(alice),
            watchers: vec![bob, bob],
            due: Some("2026-12-31".into()),
            priority: Some("high".into()),
            link: Some("ledger.entry:7".into()),
            checklist: vec!["find invoice".into(), " ".into(), "pay".into()],
            ..Default::default()
        },
    )
    .await
    .expect("create");
    assert_eq!(t.title, "Pay the rent");
    assert_eq!(t.owner_id, w.admin_a);
    assert_eq!(t.assignee_id, Some(alice));
    assert_eq!(t.watchers.len(), 1, "watchers are deduplicated");
    assert_eq!(t.checklist.len(), 2, "blank items are dropped");
    assert_eq!(t.priority, Priority::High);
    assert_eq!(t.link, Some(RecordRef::new("ledger.entry", 7)));
    assert_eq!(t.version, 1);

    // Errors name the field.
    for (bad, field) in [
        (
            TaskInput {
                title: " ".into(),
                ..Default::default()
            },
            "title",
        ),
        (
            TaskInput {
                title: "x".into(),
                due: Some("31/12/2026".into()),
                ..Default::default()
            },
            "due",
        ),
        (
            TaskInput {
                title: "x".into(),
                priority: Some("asap".into()),
                ..Default::default()
            },
            "priority",
        ),
        (
            TaskInput {
                title: "x".into(),
                assignee_id: Some(w.admin_b),
                ..Default::default()
            },
            "assignee_id",
        ),
        (
            TaskInput {
                title: "x".into(),
                link: Some("silo:1".into()),
                ..Default::default()
            },
            "link",
        ),
    ] {
        match tasks::create_task(s, &common::registry(s), admin, &bad).await {
            Err(Error::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }

    let changes = TaskChanges {
        status: Some("in_progress".into()),
        due: Some(String::new()),
        ..Default::default()
    };
    let t2 = tasks::update_task(s, &common::registry(s), admin, t.id, &changes, t.version)
        .await
        .expect("update");
    assert_eq!(t2.status, TaskStatus::InProgress);
    assert_eq!(t2.due, None);
    assert_eq!(t2.version, 2);
    assert!(matches!(
        tasks::update_task(s, &common::registry(s), admin, t.id, &changes, t.version).await,
        Err(Error::Conflict { .. })
    ));
    let done = tasks::set_status(s, admin, t.id, "done", t2.version)
        .await
        .expect("done");
    assert!(done.completed_at.is_some());

    let after = tasks::reassign(s, admin, t.id, Some(bob), "Alice is away", done.version)
        .await
        .expect("reassign");
    assert_eq!(after.assignee_id, Some(bob));
    assert!(matches!(
        tasks::reassign(s, admin, t.id, Some(bob), "again", after.version).await,
        Err(Error::Invalid { field, .. }) if field == "assignee_id"
    ));
    let h = tasks::history(s, admin, t.id).await.expect("history");
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].assignee_id, Some(alice));
    assert!(h[0].until.is_some(), "the first stretch ended");
    assert_eq!(h[1].assignee_id, Some(bob));
    assert_eq!(h[1].note, "Alice is away");
    assert!(h[1].until.is_none());
    assert_eq!(db.count("work_task_assignments").await, 2);

    // Checklist and comments.
    let item = after.checklist[0].id;
    let t3 = tasks::toggle_checklist_item(s, admin, t.id, item, true)
        .await
        .expect("toggle");
    assert!(t3.checklist[0].done && !t3.checklist[1].done);
    let t4 = tasks::add_checklist_item(s, admin, t.id, "file receipt")
        .await
        .expect("add item");
    assert_eq!(t4.checklist.len(), 3);
    assert!(matches!(
        tasks::toggle_checklist_item(
            s,
            admin,
            t.id,
            steward_core::work::tasks::ChecklistItemId(999_999),
            true
        )
        .await,
        Err(Error::NotFound { .. })
    ));
    let c = tasks::add_comment(s, admin, t.id, "Paid by transfer")
        .await
        .expect("comment");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].body, "Paid by transfer");

    // Every change is audited.
    assert_eq!(audit_count(&db, "create").await, 1);
    assert_eq!(audit_count(&db, "update").await, 2);
    assert_eq!(audit_count(&db, "reassign").await, 1);
    assert_eq!(audit_count(&db, "comment").await, 1);
    assert_eq!(audit_count(&db, "checklist_done").await, 1);
    assert_eq!(audit_count(&db, "checklist_add").await, 1);

    // The new assignee was notified.
    assert!(db.count("notifications").await >= 1);
});

store_test!(lists_are_narrowed_by_scope, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let alice = insert_user(s, w.a, "alice", &["employee"], None).await;
    let bob = insert_user(s, w.a, "bob", &["employee"], None).await;
    let carol = insert_user(s, w.a, "carol", &["employee"], None).await;
    let manager = insert_user(s, w.a, "manager", &["accountant"], None).await;
    db.exec(&format!(
        "INSERT INTO departments (company_id, name) VALUES ({}, 'Finance')",
        w.a.0
    ))
    .await;
    db.exec(&format!(
        "UPDATE memberships SET department_id = (SELECT id FROM departments WHERE name = 'Finance') \
         WHERE company_id = {} AND user_id IN ({}, {})",
        w.a.0, alice.0, manager.0
    ))
    .await;
    let admin = &w.actor_a;
    let t1 = tasks::create_task(
        s,
        &common::registry(s),
        admin,
        &input("alice's", Some(alice)),
    )
    .await
    .expect("t1");
    tasks::create_task(
        s,
        &common::registry(s),
        admin,
        &TaskInput {
            title: "bob's, watched by alice".into(),
            assignee_id: Some(bob),
            watchers: vec![alice],
            ..Default::default()
        },
    )
    .await
    .expect("t2");
    let t3 = tasks::create_task(
        s,
        &common::registry(s),
        admin,
        &input("carol's", Some(carol)),
    )
    .await
    .expect("t3");
    tasks::create_task(s, &common::registry(s), &w.actor_b, &input("beta's", None))
        .await
        .expect("t4");

    let q = TaskQuery::default();
    let alice_a = actor(s, alice, w.a).await;
    let bob_a = actor(s, bob, w.a).await;
    let mgr_a = actor(s, manager, w.a).await;
    assert_eq!(
        titles(s, &alice_a, &q).await,
        ["alice's", "bob's, watched by alice"]
    );
    assert_eq!(titles(s, &bob_a, &q).await, ["bob's, watched by alice"]);
    assert_eq!(
        titles(s, &mgr_a, &q).await,
        ["alice's"],
        "the manager sees the team's"
    );
    assert_eq!(titles(s, admin, &q).await.len(), 3);
    assert_eq!(titles(s, &w.actor_b, &q).await, ["beta's"]);

    // Single reads follow the same rule: out of reach is not found, another company too.
    assert!(tasks::get_task(s, &alice_a, t1.id).await.is_ok());
    assert!(matches!(
        tasks::get_task(s, &bob_a, t1.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        tasks::get_task(s, &mgr_a, t3.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        tasks::get_task(s, &w.actor_b, t1.id).await,
        Err(Error::NotFound { .. })
    ));
    // A watcher reads but does not change.
    let t2 = tasks::list_tasks(
        s,
        &alice_a,
        &TaskQuery {
            assignee: Some(bob),
            ..Default::default()
        },
    )
    .await
    .expect("list")
    .items[0]
        .clone();
    assert!(matches!(
        tasks::set_status(s, &alice_a, t2.id, "done", t2.version).await,
        Err(Error::Forbidden)
    ));
    assert!(tasks::add_comment(s, &alice_a, t2.id, "I can help")
        .await
        .is_ok());
    // The assignee changes their task and delegates it; the new holder then sees it.
    let t1 = tasks::set_status(s, &alice_a, t1.id, "in_progress", t1.version)
        .await
        .expect("status");
    let handed = tasks::reassign(s, &alice_a, t1.id, Some(bob), "over to you", t1.version)
        .await
        .expect("delegate");
    assert_eq!(
        handed.assignee_id,
        Some(bob),
        "the answer is the task as it now stands"
    );
    assert!(
        matches!(
            tasks::get_task(s, &alice_a, t1.id).await,
            Err(Error::NotFound { .. })
        ),
        "out of alice's reach now"
    );
    assert!(titles(s, &bob_a, &q).await.contains(&"alice's".to_string()));

    // Filters and paging.
    let active = TaskQuery {
        status: StatusFilter::Active,
        ..Default::default()
    };
    assert_eq!(
        tasks::list_tasks(s, admin, &active)
            .await
            .expect("active")
            .total,
        3
    );
    let searched = TaskQuery {
        search: Some("CAROL".into()),
        ..Default::default()
    };
    assert_eq!(titles(s, admin, &searched).await, ["carol's"]);
    let paged = TaskQuery {
        paging: Paging::new(Some(2), Some(2)),
        ..Default::default()
    };
    let p = tasks::list_tasks(s, admin, &paged).await.expect("page");
    assert_eq!((p.total, p.items.len()), (3, 1));
    let rows = tasks::workload(s, admin, 5).await.expect("workload");
    assert_eq!(rows.iter().map(|r| r.person.open).sum::<i64>(), 3);
    let mgr_rows = tasks::workload(s, &mgr_a, 5).await.expect("workload");
    assert!(mgr_rows.iter().all(|r| r.person.user_id != carol));
});

store_test!(overdue_first_and_links, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let admin = &w.actor_a;
    let today = tasks::today();
    let mk = |title: &str, due: NaiveDate, p: &str| TaskInput {
        title: title.into(),
        assignee_id: Some(w.admin_a),
        due: Some(due.to_string()),
        priority: Some(p.into()),
        link: Some("ledger.entry:5".into()),
        ..Default::default()
    };
    tasks::create_task(
        s,
        &common::registry(s),
        admin,
        &mk("later", today + Duration::days(3), "urgent"),
    )
    .await
    .expect("a");
    tasks::create_task(
        s,
        &common::registry(s),
        admin,
        &mk("late", today - Duration::days(2), "low"),
    )
    .await
    .expect("b");
    tasks::create_task(
        s,
        &common::registry(s),
        admin,
        &mk("late and urgent", today - Duration::days(2), "urgent"),
    )
    .await
    .expect("c");
    let overdue = TaskQuery {
        overdue: true,
        ..Default::default()
    };
    assert_eq!(
        titles(s, admin, &overdue).await,
        ["late", "late and urgent"]
    );
    let wl = tasks::workload(s, admin, 10).await.expect("workload");
    assert_eq!(wl.len(), 1);
    assert_eq!(wl[0].person.overdue, 2);
    assert_eq!(wl[0].person.urgent, 2);
    let order: Vec<&str> = wl[0].tasks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(order, ["late and urgent", "late", "later"]);
    let linked = tasks::linked_to(s, admin, &RecordRef::new("ledger.entry", 5))
        .await
        .expect("linked");
    assert_eq!(linked.len(), 3);
    assert!(
        tasks::linked_to(s, admin, &RecordRef::new("ledger.entry", 6))
            .await
            .expect("none")
            .is_empty()
    );
});

store_test!(templates_assign_by_role, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let acct = insert_user(s, w.a, "acct", &["accountant"], None).await;
    let admin = &w.actor_a;
    let list = tasks::templates(s, admin).await.expect("templates");
    assert_eq!(list.len(), 4, "the built-ins are there");
    assert_eq!(
        tasks::templates(s, admin).await.expect("again").len(),
        4,
        "seeded once"
    );
    let close = tasks::template_by_key(s, admin, "month_end_close")
        .await
        .expect("close");
    let start = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
    let ids =
        tasks::instantiate_template(s, admin, close.id, start, Some(RecordRef::new("user", 1)))
            .await
            .expect("instantiate");
    assert_eq!(ids.len(), close.items.len());
    let first = tasks::get_task(s, admin, ids[0]).await.expect("first");
    assert_eq!(
        first.owner_id, acct,
        "the accountant owns the accountant's items"
    );
    assert_eq!(first.due, Some(start + Duration::days(1)));
    assert_eq!(first.template_id, Some(close.id));
    let last = tasks::get_task(s, admin, ids[ids.len() - 1])
        .await
        .expect("last");
    assert_eq!(last.owner_id, w.admin_a, "no accounting lead: the starter");
    // A company template, validated.
    assert!(matches!(
        tasks::create_template(s, admin, "Empty", "", &[]).await,
        Err(Error::Invalid { field, .. }) if field == "items"
    ));
    let items = vec![steward_core::work::tasks::TemplateItem {
        title: "Count the cash".into(),
        description: String::new(),
        role: "accountant".into(),
        offset_days: 0,
        priority: Priority::Normal,
    }];
    let t = tasks::create_template(s, admin, "Cash count", "", &items)
        .await
        .expect("create template");
    assert!(matches!(
        tasks::create_template(s, admin, "Cash count", "", &items).await,
        Err(Error::Invalid { field, .. }) if field == "name"
    ));
    // Another company cannot run it.
    assert!(matches!(
        tasks::instantiate_template(s, &w.actor_b, t.id, start, None).await,
        Err(Error::NotFound { .. })
    ));
    let employee = insert_user(s, w.a, "emp", &["employee"], None).await;
    let emp = actor(s, employee, w.a).await;
    assert!(matches!(
        tasks::instantiate_template(s, &emp, t.id, start, None).await,
        Err(Error::Forbidden)
    ));
});

store_test!(recurrence_is_idempotent, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let admin = &w.actor_a;
    let today = tasks::today();
    let rule = tasks::create_rule(
        s,
        admin,
        &RuleInput {
            title: "Weekly check".into(),
            rrule: "FREQ=DAILY".into(),
            start: Some(today.to_string()),
            checklist: vec!["look".into()],
            ..Default::default()
        },
    )
    .await
    .expect("rule");
    assert_eq!(rule.rrule, "FREQ=DAILY");
    let expected = (tasks::RECURRENCE_AHEAD_DAYS + 1) as usize;
    let q = TaskQuery {
        paging: Paging::new(Some(500), None),
        ..Default::default()
    };
    assert_eq!(
        tasks::list_tasks(s, admin, &q).await.expect("list").total as usize,
        expected
    );
    // The job runs again (twice, even at once): nothing new.
    let (a, b) = tokio::join!(
        tasks::run_recurrence(s, today),
        tasks::run_recurrence(s, today)
    );
    assert_eq!(a.expect("run a") + b.expect("run b"), 0);
    assert_eq!(db.count("work_tasks").await as usize, expected);
    // A day later, one more.
    assert_eq!(
        tasks::run_recurrence(s, today + Duration::days(1))
            .await
            .expect("next day"),
        1
    );
    let one = tasks::list_tasks(s, admin, &q).await.expect("list").items[0].clone();
    let full = tasks::get_task(s, admin, one.id).await.expect("task");
    assert_eq!(full.rule_id, Some(rule.id));
    assert_eq!(full.checklist.len(), 1);
    // Scheduling is deduplicated per day.
    tasks::schedule_recurrence(s, today)
        .await
        .expect("schedule");
    tasks::schedule_recurrence(s, today)
        .await
        .expect("schedule again");
    let raw = db.raw().await;
    let n: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'work.recurrence'")
            .fetch_one(&raw)
            .await
            .expect("jobs"),
        "n",
    )
    .expect("n");
    raw.close().await;
    assert_eq!(n, 1);
    // Paused rules create nothing; bad rules are refused naming the field.
    let paused = tasks::set_rule_active(s, admin, rule.id, false)
        .await
        .expect("pause");
    assert!(!paused.active);
    assert_eq!(
        tasks::run_recurrence(s, today + Duration::days(2))
            .await
            .expect("paused"),
        0
    );
    let bad = RuleInput {
        title: "x".into(),
        rrule: "FREQ=HOURLY".into(),
        ..Default::default()
    };
    assert!(matches!(
        tasks::create_rule(s, admin, &bad).await,
        Err(Error::Invalid { field, .. }) if field == "rrule"
    ));
    // Last working day: at most one in the window, on a weekday.
    let lwd = tasks::create_rule(
        s,
        admin,
        &RuleInput {
            title: "Close".into(),
            rrule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1".into(),
            ..Default::default()
        },
    )
    .await
    .expect("lwd");
    let made = TaskQuery {
        search: Some("Close".into()),
        ..Default::default()
    };
    let got = tasks::list_tasks(s, admin, &made)
        .await
        .expect("list")
        .items;
    assert!(got.len() <= 1, "{got:?}");
    for t in got {
        assert!(t
            .due
            .is_some_and(|d| d.weekday().num_days_from_monday() < 5));
    }
    assert!(s
        .active_task_rules()
        .await
        .expect("rules")
        .iter()
        .any(|r| r.id == lwd.id));
});
