//! Time off on both databases: policies and calendars, idempotent accruals whose balance is
//! the sum of the ledger, requests approved by the manager through Work's approvals (the
//! `use` row), overlap and balance checks with field errors, cancellation reversing the
//! ledger, another company's request 404, and the iCalendar feed.
use crate::common;

use chrono::{Datelike, NaiveDate};
use steward_core::auth::session::cli_actor;
use steward_core::auth::Actor;
use steward_core::hr::timeoff::{self, PolicyInput, RequestInput, TimeoffStore};
use steward_core::ids::{CompanyId, UserId};
use steward_core::time::Timestamp;
use steward_core::work::approvals::{self, ApprovalId, Verdict};
use steward_core::Error;
use steward_store::hr::SeedEmployee;
use steward_store::Store;

use common::{insert_user, world};

async fn actor(s: &Store, u: UserId, c: CompanyId) -> Actor {
    cli_actor(s, u, c).await.expect("actor")
}

fn annual() -> PolicyInput {
    PolicyInput {
        name: "Annual leave".into(),
        kind: "annual".into(),
        accrual: "yearly".into(),
        entitlement_days: "25".into(),
        carry_cap_days: "5".into(),
        needs_approval: true,
        active: true,
        ..Default::default()
    }
}

/// The next Monday at least two weeks ahead (so the request is in the future).
fn monday_ahead() -> NaiveDate {
    let mut d = timeoff::today() + chrono::Duration::days(14);
    while d.weekday() != chrono::Weekday::Mon {
        d = d.succ_opt().expect("day");
    }
    d
}

fn field_of(e: &Error) -> Vec<String> {
    e.field_errors().into_iter().map(|f| f.field).collect()
}

store_test!(accrue_request_approve_cancel, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let hr = &w.actor_a;
    let boss_u = insert_user(s, w.a, "boss", &["employee"], None).await;
    let emma_u = insert_user(s, w.a, "emma", &["employee"], None).await;
    let year_ago = NaiveDate::from_ymd_opt(timeoff::today().year() - 1, 1, 1).expect("d");
    let boss = s
        .seed_employee(
            w.a,
            &SeedEmployee {
                user_id: Some(boss_u),
                ..SeedEmployee::new("E1", "Boris Boss", year_ago)
            },
        )
        .await
        .expect("boss");
    let emma = s
        .seed_employee(
            w.a,
            &SeedEmployee {
                user_id: Some(emma_u),
                manager_id: Some(boss),
                fte_milli: 800,
                ..SeedEmployee::new("E2", "Emma Employee", year_ago)
            },
        )
        .await
        .expect("emma");

    let p = timeoff::create_policy(s, hr, &annual())
        .await
        .expect("policy");
    assert_eq!(p.entitlement_milli, 25_000);
    let dup = timeoff::create_policy(s, hr, &annual())
        .await
        .expect_err("refused");
    assert_eq!(field_of(&dup), vec!["name"]);
    let bad = timeoff::create_policy(
        s,
        hr,
        &PolicyInput {
            entitlement_days: "x".into(),
            ..annual()
        },
    )
    .await
    .expect_err("refused");
    assert_eq!(field_of(&bad), vec!["entitlement_days"]);

    // Employees may not manage policies.
    let emma_a = actor(s, emma_u, w.a).await;
    assert!(matches!(
        timeoff::create_policy(s, &emma_a, &annual()).await,
        Err(Error::Forbidden)
    ));

    // Accruals: last year and this year (with the carry-over), idempotent.
    let today = timeoff::today();
    let n = timeoff::accrue(s, hr, today).await.expect("accrue");
    assert!(n >= 4, "{n} rows");
    assert_eq!(timeoff::accrue(s, hr, today).await.expect("again"), 0);
    let (_, _, lines) = timeoff::ledger(s, hr, emma, p.id).await.expect("ledger");
    let sum: i64 = lines.iter().map(|l| l.row.amount_milli).sum();
    let (_, balances) = timeoff::balances(s, hr, emma).await.expect("balances");
    assert_eq!(balances[0].balance_milli, sum);
    assert_eq!(lines.last().map(|l| l.running_milli), Some(sum));
    // 25 × 0.8 = 20 a year; 20 last year, 15 lapse at the cap of 5, 20 this year.
    assert_eq!(sum, 25_000);
    assert!(lines
        .iter()
        .any(|l| l.row.kind == "carry_over" && l.row.amount_milli == -15_000));

    // A request goes to the manager.
    let mon = monday_ahead();
    let fri = mon + chrono::Duration::days(4);
    let req = timeoff::request(
        s,
        &emma_a,
        &RequestInput {
            policy_id: Some(p.id),
            start: mon.to_string(),
            end: fri.to_string(),
            end_half: "am".into(),
            note: "Holiday".into(),
            ..Default::default()
        },
    )
    .await
    .expect("request");
    assert_eq!(req.status, "pending");
    assert_eq!(req.amount_milli, 4_500);
    let aid = ApprovalId(req.approval_id.expect("approval"));

    // Overlap and balance are refused with field errors.
    let overlap = timeoff::request(
        s,
        &emma_a,
        &RequestInput {
            policy_id: Some(p.id),
            start: fri.to_string(),
            end: fri.to_string(),
            ..Default::default()
        },
    )
    .await
    .expect_err("refused");
    assert_eq!(field_of(&overlap), vec!["start"]);
    let later = mon + chrono::Duration::days(28);
    let too_much = timeoff::request(
        s,
        &emma_a,
        &RequestInput {
            policy_id: Some(p.id),
            start: later.to_string(),
            end: (later + chrono::Duration::days(60)).to_string(),
            ..Default::default()
        },
    )
    .await
    .expect_err("refused");
    assert_eq!(field_of(&too_much), vec!["policy_id"]);

    // Another company does not see it; a colleague does not either.
    assert!(matches!(
        timeoff::get_request(s, &w.actor_b, req.id).await,
        Err(Error::NotFound { .. })
    ));

    // The manager approves in the approvals inbox: the use row is written.
    let boss_a = actor(s, boss_u, w.a).await;
    assert!(timeoff::get_request(s, &boss_a, req.id).await.is_ok());
    approvals::decide(
        s,
        &common::registry(s),
        &boss_a,
        aid,
        Verdict::Approve,
        "enjoy",
    )
    .await
    .expect("approve");
    let after = timeoff::get_request(s, &emma_a, req.id).await.expect("get");
    assert_eq!(after.status, "approved");
    let (_, balances) = timeoff::balances(s, &emma_a, emma).await.expect("balances");
    assert_eq!(balances[0].balance_milli, 25_000 - 4_500);
    let (_, _, lines) = timeoff::ledger(s, &emma_a, emma, p.id)
        .await
        .expect("ledger");
    assert!(lines
        .iter()
        .any(|l| l.row.kind == "use" && l.row.request_id == Some(req.id)));

    // The employee does not see the boss's balance; the boss sees Emma's.
    assert!(matches!(
        timeoff::balances(s, &emma_a, boss).await,
        Err(Error::Forbidden)
    ));
    assert!(timeoff::balances(s, &boss_a, emma).await.is_ok());

    // The feed holds the approved time off.
    let (_, token) = timeoff::create_feed(s, &emma_a, "person", None)
        .await
        .expect("feed");
    let ics = timeoff::feed_ics(s, &token, Timestamp::now())
        .await
        .expect("ics")
        .expect("live feed");
    assert!(ics.contains(&format!("DTSTART;VALUE=DATE:{}", mon.format("%Y%m%d"))));
    assert!(ics.contains("Emma Employee"));
    assert!(!ics.contains("Holiday"), "the note stays out of the feed");
    let feed_id = timeoff::feeds(s, &emma_a).await.expect("feeds")[0].id;
    timeoff::revoke_feed(s, &emma_a, feed_id)
        .await
        .expect("revoke");
    assert!(timeoff::feed_ics(s, &token, Timestamp::now())
        .await
        .expect("ics")
        .is_none());

    // A feed stops when its owner's access to the company ends, and speaks again if it is
    // given back.
    let (_, token) = timeoff::create_feed(s, &emma_a, "person", None)
        .await
        .expect("feed");
    let audit = || {
        steward_core::audit::AuditDraft::system(
            "test",
            None,
            "membership",
            None,
            "update",
            serde_json::json!({}),
        )
        .in_company(w.a)
    };
    s.set_membership_until(emma_u, w.a, Some(Timestamp::from_secs(1)), audit())
        .await
        .expect("end access");
    assert!(timeoff::feed_ics(s, &token, Timestamp::now())
        .await
        .expect("ics")
        .is_none());
    s.set_membership_until(emma_u, w.a, None, audit())
        .await
        .expect("give access back");
    assert!(timeoff::feed_ics(s, &token, Timestamp::now())
        .await
        .expect("ics")
        .is_some());

    // Cancelling the future approved request reverses the ledger.
    let c = timeoff::cancel(s, &emma_a, req.id).await.expect("cancel");
    assert_eq!(c.status, "cancelled");
    let (_, balances) = timeoff::balances(s, &emma_a, emma).await.expect("balances");
    assert_eq!(balances[0].balance_milli, 25_000);

    // A rejected request writes nothing.
    let r2 = timeoff::request(
        s,
        &emma_a,
        &RequestInput {
            policy_id: Some(p.id),
            start: mon.to_string(),
            end: mon.to_string(),
            ..Default::default()
        },
    )
    .await
    .expect("request 2");
    approvals::decide(
        s,
        &common::registry(s),
        &boss_a,
        ApprovalId(r2.approval_id.expect("aid")),
        Verdict::Reject,
        "busy week",
    )
    .await
    .expect("reject");
    assert_eq!(
        timeoff::get_request(s, &emma_a, r2.id)
            .await
            .expect("r2")
            .status,
        "rejected"
    );
    let total: i64 = s
        .timeoff_balances(w.a, emma, None)
        .await
        .expect("sum")
        .iter()
        .map(|(_, b)| b)
        .sum();
    assert_eq!(total, 25_000);
});

store_test!(
    calendars_count_holidays_and_hr_records_directly,
    |db| async move {
        let s = &db.store;
        let w = world(s).await;
        let hr = &w.actor_a;
        let start = NaiveDate::from_ymd_opt(2020, 1, 1).expect("d");
        let e = s
            .seed_employee(w.a, &SeedEmployee::new("E9", "Sam Sick", start))
            .await
            .expect("emp");
        let cal = timeoff::create_calendar(s, hr, "Head office", "12345", true)
            .await
            .expect("calendar");
        let mon = monday_ahead();
        timeoff::add_holiday(s, hr, cal, &mon.to_string(), "Bank holiday", false)
            .await
            .expect("holiday");
        let again = timeoff::add_holiday(s, hr, cal, &mon.to_string(), "Twice", false)
            .await
            .expect_err("refused");
        assert_eq!(field_of(&again), vec!["day"]);
        let sick = timeoff::create_policy(
            s,
            hr,
            &PolicyInput {
                name: "Sick leave".into(),
                kind: "sick".into(),
                accrual: "none".into(),
                allow_negative: true,
                needs_approval: false,
                active: true,
                ..Default::default()
            },
        )
        .await
        .expect("sick");
        // HR records two sick days over the holiday: one working day counts.
        let r = timeoff::request(
            s,
            hr,
            &RequestInput {
                employee_id: Some(e),
                policy_id: Some(sick.id),
                start: mon.to_string(),
                end: (mon + chrono::Duration::days(1)).to_string(),
                ..Default::default()
            },
        )
        .await
        .expect("record");
        assert_eq!(r.status, "approved");
        assert_eq!(r.amount_milli, 1_000);
        let (_, b) = timeoff::balances(s, hr, e).await.expect("balances");
        assert_eq!(
            b[0].balance_milli, -1_000,
            "negative allowed for sick leave"
        );
        // The other company sees neither the employee nor the calendar.
        assert!(matches!(
            timeoff::balances(s, &w.actor_b, e).await,
            Err(Error::NotFound { .. })
        ));
        assert!(timeoff::calendars(s, &w.actor_b)
            .await
            .expect("b")
            .is_empty());
    }
);
