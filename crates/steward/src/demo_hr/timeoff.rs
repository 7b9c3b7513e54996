//! The demo's time off: a head-office calendar with this year's public holidays (Berlin's),
//! the Potsdam clinic's own calendar (Brandenburg keeps Reformation Day too), three
//! policies (annual leave 25 days a year, sick leave, unpaid leave), accruals for every demo
//! employee, some approved time off recorded by HR and one request waiting for the demo
//! employee's manager.
use chrono::{Datelike, Duration, NaiveDate};
use steward_core::hr::locations::{self, LocationInput};
use steward_core::hr::timeoff::{self, PolicyInput, RequestInput, TimeoffStore};
use steward_core::ids::EmployeeId;
use steward_store::Store;

use crate::demo_work::DemoUsers;

/// Easter Sunday (anonymous Gregorian algorithm).
fn easter(y: i32) -> Option<NaiveDate> {
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(y, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

fn holidays(y: i32) -> Vec<(NaiveDate, &'static str, bool)> {
    let d = |m, day| NaiveDate::from_ymd_opt(y, m, day);
    let mut v: Vec<(Option<NaiveDate>, &'static str, bool)> = vec![
        (d(1, 1), "New Year's Day", false),
        (d(5, 1), "Labour Day", false),
        (d(12, 24), "Christmas Eve", true),
        (d(12, 25), "Christmas Day", false),
        (d(12, 26), "Boxing Day", false),
        (d(12, 31), "New Year's Eve", true),
    ];
    if let Some(e) = easter(y) {
        v.push((Some(e - Duration::days(2)), "Good Friday", false));
        v.push((Some(e + Duration::days(1)), "Easter Monday", false));
        v.push((Some(e + Duration::days(50)), "Whit Monday", false));
    }
    v.into_iter()
        .filter_map(|(d, n, h)| d.map(|d| (d, n, h)))
        .collect()
}

/// The first working day on or after `d` that is a Monday.
fn monday_on_or_after(mut d: NaiveDate) -> NaiveDate {
    while d.weekday() != chrono::Weekday::Mon {
        d += Duration::days(1);
    }
    d
}

pub async fn seed(store: &Store, users: &DemoUsers) -> steward_core::Result<()> {
    let Some(hr) = users.actor("hr").or_else(|| users.actor("admin")) else {
        return Ok(());
    };
    let company = users.company;
    let today = timeoff::today();
    let year = today.year();

    let cal = timeoff::create_calendar(store, &hr, "Head office", "12345", true).await?;
    let clinic = timeoff::create_calendar(store, &hr, "Potsdam clinic", "12345", false).await?;
    for (day, name, half) in holidays(year).into_iter().chain(holidays(year + 1)) {
        timeoff::add_holiday(store, &hr, cal, &day.to_string(), name, half).await?;
        timeoff::add_holiday(store, &hr, clinic, &day.to_string(), name, half).await?;
    }
    for y in [year, year + 1] {
        if let Some(d) = NaiveDate::from_ymd_opt(y, 10, 31) {
            timeoff::add_holiday(store, &hr, clinic, &d.to_string(), "Reformation Day", false)
                .await?;
        }
    }
    // Each demo location works on its own calendar.
    for l in locations::all(store, &hr).await? {
        let calendar_id = if l.name.contains("Potsdam") {
            clinic
        } else {
            cal
        };
        let input = LocationInput {
            name: l.name,
            address: l.address,
            calendar_id: Some(calendar_id),
        };
        locations::update(store, &hr, l.id, input).await?;
    }
    let annual = timeoff::create_policy(
        store,
        &hr,
        &PolicyInput {
            name: "Annual leave".into(),
            kind: "annual".into(),
            accrual: "monthly".into(),
            entitlement_days: "25".into(),
            waiting_days: "0".into(),
            carry_cap_days: "5".into(),
            carry_expiry_months: "3".into(),
            allow_negative: false,
            needs_approval: true,
            active: true,
        },
    )
    .await?;
    let sick = timeoff::create_policy(
        store,
        &hr,
        &PolicyInput {
            name: "Sick leave".into(),
            kind: "sick".into(),
            accrual: "yearly".into(),
            entitlement_days: "10".into(),
            allow_negative: true,
            needs_approval: false,
            active: true,
            ..Default::default()
        },
    )
    .await?;
    timeoff::create_policy(
        store,
        &hr,
        &PolicyInput {
            name: "Unpaid leave".into(),
            kind: "unpaid".into(),
            accrual: "none".into(),
            allow_negative: true,
            needs_approval: true,
            active: true,
            ..Default::default()
        },
    )
    .await?;
    timeoff::accrue(store, &hr, today).await?;

    let employees = store.timeoff_employees(company).await?;
    if employees.is_empty() {
        return Ok(());
    }
    // Approved time off recorded by HR: a past week of annual leave and a sick day for
    // every fifth employee (skipping anyone not employed then).
    let month_start = today.with_day(1).unwrap_or(today);
    let past = monday_on_or_after(month_start - Duration::days(45));
    for (i, e) in employees.iter().enumerate().filter(|(i, _)| i % 5 == 0) {
        let shift = Duration::days(7 * (i as i64 % 4));
        let start = past + shift;
        if e.start_date > start || e.end_date.is_some_and(|x| x < start + Duration::days(5)) {
            continue;
        }
        let _ = timeoff::request(
            store,
            &hr,
            &RequestInput {
                employee_id: Some(e.id),
                policy_id: Some(annual.id),
                start: start.to_string(),
                end: (start + Duration::days(2)).to_string(),
                note: "Recorded by HR".into(),
                ..Default::default()
            },
        )
        .await;
        let _ = timeoff::request(
            store,
            &hr,
            &RequestInput {
                employee_id: Some(e.id),
                policy_id: Some(sick.id),
                start: (start + Duration::days(3)).to_string(),
                end: (start + Duration::days(3)).to_string(),
                ..Default::default()
            },
        )
        .await;
    }
    // Requests by demo users who sign in, waiting for their managers: the demo employee's
    // first (so it waits for the demo manager), then up to three more.
    let ahead = monday_on_or_after(today + Duration::days(21));
    let mut askers: Vec<(String, EmployeeId)> = Vec::new();
    for (name, uid, _) in users.all() {
        if let Some(e) = employees.iter().find(|e| e.user_id == Some(uid)) {
            if e.manager_id.is_some() {
                askers.push((name, e.id));
            }
        }
    }
    askers.sort_by_key(|(n, _)| n != "employee");
    for (i, (name, _)) in askers.iter().take(4).enumerate() {
        let Some(actor) = users.actor(name) else {
            continue;
        };
        let start = ahead + Duration::days(7 * i as i64);
        let _ = timeoff::request(
            store,
            &actor,
            &RequestInput {
                policy_id: Some(annual.id),
                start: start.to_string(),
                end: (start + Duration::days(1)).to_string(),
                note: "Family visit".into(),
                ..Default::default()
            },
        )
        .await;
    }
    Ok(())
}
