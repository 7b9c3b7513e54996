//! Departments and the approval engine on both databases: heads and members, policies,
//! a two-level chain decided step by step, inbox filters and isolation between companies,
//! a second decision of one step refused, delegates, escalation and the audit trail.
use crate::common;

use steward_core::auth::session::cli_actor;
use steward_core::auth::Actor;
use steward_core::departments::{self, DepartmentStore};
use steward_core::ids::{CompanyId, UserId};
use steward_core::list::{Paging, SortDir};
use steward_core::money::{Currency, Money};
use steward_core::time::Timestamp;
use steward_core::work::approvals::{
    self, ApprovalQuery, ApprovalSort, ApprovalStore, DelegationInput, LevelInput, Mailbox,
    NewApprovalRequest, PolicyInput, RequestStatus, StepStatus, Verdict,
};
use steward_core::work::RecordRef;
use steward_core::Error;
use steward_store::Store;

use common::{insert_user, world, TestDb};

async fn actor(store: &Store, user: UserId, company: CompanyId) -> Actor {
    cli_actor(store, user, company)
        .await
        .expect("actor")
        .with_currency("EUR")
}

fn eur(minor: i64) -> Option<Money> {
    Some(Money::new(minor, Currency::parse("EUR").expect("eur")))
}

fn inbox() -> ApprovalQuery {
    ApprovalQuery {
        mailbox: Mailbox::Inbox,
        paging: Paging::default(),
        ..ApprovalQuery::default()
    }
}

async fn audits(db: &TestDb, action: &str) -> i64 {
    let pool = db.raw().await;
    let n: i64 = sqlx::Row::get(
        &sqlx::query(
            "SELECT COUNT(*) AS n FROM audit_events WHERE entity = 'approval' AND action = $1",
        )
        .bind(action)
        .fetch_one(&pool)
        .await
        .expect("count"),
        "n",
    );
    n
}

store_test!(departments_heads_and_members, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let admin = w.actor_a.clone().with_currency("EUR");
    let ann = insert_user(s, w.a, "ann", &["employee"], None).await;
    let fin = departments::create(s, &admin, "Finance")
        .await
        .expect("create");
    assert_eq!(fin.members, 0);
    let dup = departments::create(s, &admin, " finance ").await;
    assert!(
        matches!(dup, Err(Error::Invalid { ref field, .. }) if field == "name"),
        "{dup:?}"
    );
    departments::set_member(s, &admin, ann, Some(fin.id))
        .await
        .expect("member");
    let fin = departments::update(s, &admin, fin.id, "Finance & Control", Some(w.admin_a))
        .await
        .expect("update");
    assert_eq!(fin.name, "Finance & Control");
    assert_eq!(fin.head, Some(w.admin_a));
    assert_eq!(fin.members, 1);
    assert_eq!(
        departments::manager_of(s, w.a, Some(ann), Some(fin.id))
            .await
            .expect("m"),
        Some(w.admin_a)
    );
    assert_eq!(
        departments::manager_of(s, w.a, Some(w.admin_a), Some(fin.id))
            .await
            .expect("m"),
        None,
        "the head has no manager in their own department"
    );
    // Another company sees none of it and cannot name its people.
    let other = w.actor_b.clone().with_currency("CHF");
    assert!(departments::list(s, &other).await.expect("list").is_empty());
    let r = departments::update(s, &other, fin.id, "Mine", None).await;
    assert!(matches!(r, Err(Error::NotFound { .. })), "{r:?}");
    let r = departments::update(s, &admin, fin.id, "Finance", Some(w.admin_b)).await;
    assert!(
        matches!(r, Err(Error::Invalid { ref field, .. }) if field == "head"),
        "{r:?}"
    );
    assert_eq!(s.members(w.b).await.expect("members").len(), 1);
});

store_test!(two_levels_decided_step_by_step, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let admin = actor(s, w.admin_a, w.a).await;
    let boss = insert_user(s, w.a, "boss", &["employee"], None).await;
    let lead = insert_user(s, w.a, "lead", &["accounting_lead"], None).await;
    let emp = insert_user(s, w.a, "emp", &["employee"], None).await;
    let ops = departments::create(s, &admin, "Operations")
        .await
        .expect("dept");
    departments::update(s, &admin, ops.id, "Operations", Some(boss))
        .await
        .expect("head");
    for u in [boss, emp] {
        departments::set_member(s, &admin, u, Some(ops.id))
            .await
            .expect("member");
    }
    let p = approvals::save_policy(
        s,
        &common::registry(s),
        &admin,
        &PolicyInput {
            kind: "expense".into(),
            deadline_hours: Some(24),
            bulk_limit: Some("100.00".into()),
            levels: vec![
                LevelInput {
                    above: None,
                    rule: "manager".into(),
                },
                LevelInput {
                    above: Some("500.00".into()),
                    rule: "role:accounting_lead".into(),
                },
            ],
            ..PolicyInput::default()
        },
    )
    .await
    .expect("policy");
    assert_eq!(p.levels.len(), 2);
    assert_eq!(p.levels[1].above, 50_000);

    let emp_a = actor(s, emp, w.a).await;
    let small = approvals::submit(
        s,
        &emp_a,
        NewApprovalRequest {
            kind: approvals::EXPENSE,
            subject: RecordRef::new("user", emp.0),
            title: "Taxi".into(),
            amount: eur(4_000),
            department: None,
        },
    )
    .await
    .expect("small");
    let big = approvals::submit(
        s,
        &emp_a,
        NewApprovalRequest {
            kind: approvals::EXPENSE,
            subject: RecordRef::new("task", 9),
            title: "Conference trip".into(),
            amount: eur(120_000),
            department: None,
        },
    )
    .await
    .expect("big");
    let r = s.get_request(w.a, big).await.expect("get").expect("some");
    assert_eq!(r.department, Some(ops.id), "the requester's department");
    assert_eq!(r.steps.len(), 2);
    assert_eq!(r.steps[0].approver_user, Some(boss));
    assert_eq!(r.steps[0].status, StepStatus::Pending);
    assert!(r.steps[0].due_at.is_some());
    assert_eq!(r.steps[1].approver_role.as_deref(), Some("accounting_lead"));
    assert_eq!(r.steps[1].status, StepStatus::Waiting);
    assert_eq!(
        s.get_request(w.a, small)
            .await
            .expect("g")
            .expect("s")
            .steps
            .len(),
        1
    );
    // The same subject cannot wait twice.
    let again = approvals::submit(
        s,
        &emp_a,
        NewApprovalRequest {
            kind: approvals::EXPENSE,
            subject: RecordRef::new("task", 9),
            title: "Again".into(),
            amount: eur(1),
            department: None,
        },
    )
    .await;
    assert!(matches!(again, Err(Error::Conflict { .. })), "{again:?}");

    // The boss's inbox has both; the lead's none yet; the requester's none.
    let boss_a = actor(s, boss, w.a).await;
    let lead_a = actor(s, lead, w.a).await;
    assert_eq!(
        approvals::list(s, &common::registry(s), &boss_a, &inbox())
            .await
            .expect("l")
            .total,
        2
    );
    assert_eq!(
        approvals::list(s, &common::registry(s), &lead_a, &inbox())
            .await
            .expect("l")
            .total,
        0
    );
    assert_eq!(
        approvals::list(s, &common::registry(s), &emp_a, &inbox())
            .await
            .expect("l")
            .total,
        0
    );
    let mine = ApprovalQuery {
        mailbox: Mailbox::Mine,
        sort: ApprovalSort::Amount,
        dir: SortDir::Desc,
        ..inbox()
    };
    let page = approvals::list(s, &common::registry(s), &emp_a, &mine)
        .await
        .expect("mine");
    assert_eq!(
        page.items
            .iter()
            .map(|i| i.title.as_str())
            .collect::<Vec<_>>(),
        vec!["Conference trip", "Taxi"]
    );
    let q = ApprovalQuery {
        search: Some("TAXI".into()),
        ..inbox()
    };
    assert_eq!(
        approvals::list(s, &common::registry(s), &boss_a, &q)
            .await
            .expect("q")
            .total,
        1
    );
    let q = ApprovalQuery {
        max_amount: Some(10_000),
        ..inbox()
    };
    assert_eq!(
        approvals::list(s, &common::registry(s), &boss_a, &q)
            .await
            .expect("q")
            .total,
        1
    );
    let q = ApprovalQuery {
        kind: Some("timeoff".into()),
        ..inbox()
    };
    assert_eq!(
        approvals::list(s, &common::registry(s), &boss_a, &q)
            .await
            .expect("q")
            .total,
        0
    );

    // Nobody decides their own; a lead cannot take the manager's step.
    let own = approvals::decide(s, &common::registry(s), &emp_a, big, Verdict::Approve, "").await;
    assert!(
        matches!(own, Err(Error::Invalid { ref field, .. }) if field == "approver"),
        "{own:?}"
    );
    let early =
        approvals::decide(s, &common::registry(s), &lead_a, big, Verdict::Approve, "").await;
    assert!(
        matches!(early, Err(Error::Forbidden | Error::NotFound { .. })),
        "{early:?}"
    );

    let r = approvals::decide(
        s,
        &common::registry(s),
        &boss_a,
        big,
        Verdict::Approve,
        "ok from me",
    )
    .await
    .expect("level 1");
    assert_eq!(r.status, RequestStatus::Pending);
    assert_eq!(r.steps[0].status, StepStatus::Approved);
    assert_eq!(r.steps[0].decided_by, Some(boss));
    assert_eq!(r.steps[0].comment, "ok from me");
    assert_eq!(r.steps[1].status, StepStatus::Pending);
    let twice =
        approvals::decide(s, &common::registry(s), &boss_a, big, Verdict::Approve, "").await;
    assert!(twice.is_err(), "the boss's step is done");
    assert_eq!(
        approvals::list(s, &common::registry(s), &lead_a, &inbox())
            .await
            .expect("l")
            .total,
        1
    );
    let r = approvals::decide(s, &common::registry(s), &lead_a, big, Verdict::Approve, "")
        .await
        .expect("level 2");
    assert_eq!(r.status, RequestStatus::Approved);
    assert!(r.decided_at.is_some());
    let late = approvals::decide(s, &common::registry(s), &lead_a, big, Verdict::Approve, "").await;
    assert!(matches!(late, Err(Error::Conflict { .. })), "{late:?}");

    // A rejection needs a reason and ends the request.
    let r = approvals::decide(
        s,
        &common::registry(s),
        &boss_a,
        small,
        Verdict::Reject,
        " ",
    )
    .await;
    assert!(
        matches!(r, Err(Error::Invalid { ref field, .. }) if field == "comment"),
        "{r:?}"
    );
    let r = approvals::decide(
        s,
        &common::registry(s),
        &boss_a,
        small,
        Verdict::Reject,
        "no receipt",
    )
    .await
    .expect("reject");
    assert_eq!(r.status, RequestStatus::Rejected);
    assert_eq!(audits(&db, "submit").await, 2);
    assert_eq!(audits(&db, "approve").await, 2);
    assert_eq!(audits(&db, "reject").await, 1);

    // Company B sees nothing of company A's requests.
    let b = actor(s, w.admin_b, w.b).await.with_currency("CHF");
    let r = approvals::get(s, &b, big).await;
    assert!(matches!(r, Err(Error::NotFound { .. })), "{r:?}");
    assert!(s.get_request(w.b, big).await.expect("get").is_none());
    assert_eq!(
        approvals::list(s, &common::registry(s), &b, &inbox())
            .await
            .expect("l")
            .total,
        0
    );
});

store_test!(delegates_and_escalation, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let admin = actor(s, w.admin_a, w.a).await;
    let boss = insert_user(s, w.a, "boss", &["employee"], None).await;
    let deputy = insert_user(s, w.a, "deputy", &["employee"], None).await;
    let emp = insert_user(s, w.a, "emp", &["employee"], None).await;
    let ops = departments::create(s, &admin, "Operations")
        .await
        .expect("dept");
    departments::update(s, &admin, ops.id, "Operations", Some(boss))
        .await
        .expect("head");
    departments::set_member(s, &admin, emp, Some(ops.id))
        .await
        .expect("member");
    let emp_a = actor(s, emp, w.a).await;
    let id = approvals::submit(
        s,
        &emp_a,
        NewApprovalRequest {
            kind: approvals::GENERAL,
            subject: RecordRef::new("user", emp.0),
            title: "New chair".into(),
            amount: eur(20_000),
            department: None,
        },
    )
    .await
    .expect("submit");
    let deputy_a = actor(s, deputy, w.a).await;
    assert_eq!(
        approvals::list(s, &common::registry(s), &deputy_a, &inbox())
            .await
            .expect("l")
            .total,
        0
    );
    let r = approvals::decide(s, &common::registry(s), &deputy_a, id, Verdict::Approve, "").await;
    assert!(r.is_err(), "not a delegate yet");

    // The boss is away; the deputy decides for them, recorded as such.
    let boss_a = actor(s, boss, w.a).await;
    let today = chrono::Utc::now().date_naive();
    let d = approvals::add_delegation(
        s,
        &boss_a,
        &DelegationInput {
            user_id: None,
            delegate_id: deputy.0,
            from: (today - chrono::Days::new(1)).to_string(),
            until: (today + chrono::Days::new(3)).to_string(),
            note: "holiday".into(),
        },
    )
    .await
    .expect("delegate");
    assert_eq!(d.user, boss);
    let bad = approvals::add_delegation(
        s,
        &boss_a,
        &DelegationInput {
            user_id: None,
            delegate_id: deputy.0,
            from: "2026-05-02".into(),
            until: "2026-05-01".into(),
            note: String::new(),
        },
    )
    .await;
    assert!(
        matches!(bad, Err(Error::Invalid { ref field, .. }) if field == "until"),
        "{bad:?}"
    );
    let emp_for_other = approvals::add_delegation(
        s,
        &emp_a,
        &DelegationInput {
            user_id: Some(boss.0),
            delegate_id: emp.0,
            from: today.to_string(),
            until: today.to_string(),
            note: String::new(),
        },
    )
    .await;
    assert!(
        emp_for_other.is_err(),
        "only an admin names someone else's delegate"
    );
    assert_eq!(
        approvals::list(s, &common::registry(s), &deputy_a, &inbox())
            .await
            .expect("l")
            .total,
        1
    );

    // Escalation: nothing is overdue now; a day later the step goes to the admin.
    assert_eq!(
        approvals::escalate_overdue(s, Timestamp::now())
            .await
            .expect("esc"),
        0
    );
    let later = Timestamp::now().plus_secs(3 * 86_400);
    assert_eq!(approvals::escalate_overdue(s, later).await.expect("esc"), 1);
    assert_eq!(
        approvals::escalate_overdue(s, later).await.expect("esc"),
        0,
        "idempotent"
    );
    let r = s.get_request(w.a, id).await.expect("g").expect("s");
    assert_eq!(r.steps[0].status, StepStatus::Escalated);
    assert_eq!(r.steps[1].approver_role.as_deref(), Some("admin"));
    assert_eq!(r.steps[1].status, StepStatus::Pending);
    assert_eq!(audits(&db, "escalate").await, 1);
    let r = approvals::decide(s, &common::registry(s), &deputy_a, id, Verdict::Approve, "").await;
    assert!(
        r.is_err(),
        "the deputy stood in for the manager's step only"
    );
    let r = approvals::decide(
        s,
        &common::registry(s),
        &admin,
        id,
        Verdict::Approve,
        "fine",
    )
    .await
    .expect("admin");
    assert_eq!(r.status, RequestStatus::Approved);

    // A fresh one: the deputy decides "for" the boss.
    let id2 = approvals::submit(
        s,
        &emp_a,
        NewApprovalRequest {
            kind: approvals::GENERAL,
            subject: RecordRef::new("user", emp.0),
            title: "Desk lamp".into(),
            amount: eur(3_000),
            department: None,
        },
    )
    .await
    .expect("submit");
    let r = approvals::decide(
        s,
        &common::registry(s),
        &deputy_a,
        id2,
        Verdict::Approve,
        "for the boss",
    )
    .await
    .expect("deputy");
    assert_eq!(r.status, RequestStatus::Approved);
    assert_eq!(r.steps[0].decided_by, Some(deputy));
    assert_eq!(r.steps[0].on_behalf_of, Some(boss));
    assert!(r.steps[0].decided_label().contains(" for "));
    approvals::remove_delegation(s, &boss_a, d.id)
        .await
        .expect("remove");
    assert!(approvals::delegations(s, &boss_a)
        .await
        .expect("d")
        .is_empty());
});
