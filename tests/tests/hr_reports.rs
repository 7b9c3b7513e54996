//! HR reports on fixed data: headcount by department and month (from the job history: a
//! transfer moves a person between departments from its date), joiners, leavers and
//! turnover, as CSV (snapshots) and as the HTML page with its SVG charts; HR staff and
//! auditors only. Time off taken and balances (JSON and CSV snapshots), with who sees
//! whose: HR the company, a manager their reporting line, others nothing.
use serde_json::json;
use steward_core::audit::AuditDraft;
use steward_core::auth::Actor;
use steward_core::company::create_company;
use steward_core::departments;
use steward_core::hr::timeoff::{self, NewLedgerRow, PolicyInput, TimeoffStore};
use steward_e2e::*;
use steward_store::hr::SeedEmployee;

const PASSWORD: &str = "a long enough test passphrase";

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

both_databases!(headcount_and_turnover_on_fixed_data, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "hilda", PASSWORD, &["hr_lead"]).await;
    add_user(&app.store, app.company, "emma", PASSWORD, &["employee"]).await;
    let sys = Actor::system(app.company, "Acme");
    let ops = departments::create(&app.store, &sys, "Operations")
        .await
        .expect("ops");
    let fin = departments::create(&app.store, &sys, "Finance")
        .await
        .expect("fin");
    let people = [
        ("1", "Ann", "2024-06-01", None, Some(ops.id)),
        ("2", "Ben", "2024-06-01", Some("2025-03-15"), Some(ops.id)),
        ("3", "Cat", "2025-02-10", None, Some(fin.id)),
        ("4", "Dan", "2025-04-01", None, Some(fin.id)),
        ("5", "Eve", "2025-01-20", Some("2025-05-31"), None),
        ("6", "Fay", "2025-07-01", None, Some(ops.id)),
    ];
    for (n, name, start, end, dept) in people {
        let mut e = SeedEmployee::new(n, name, day(start));
        e.end_date = end.map(day);
        e.department_id = dept;
        app.store
            .seed_employee(app.company, &e)
            .await
            .expect("seed");
    }
    let hilda = app.api(&app.token("hilda", PASSWORD, false).await);
    let csv = |path: &str| {
        let c = hilda.clone();
        let url = app.url(path);
        async move {
            let r = c.get(url).send().await.expect("get");
            assert_eq!(r.status(), 200);
            r.text().await.expect("csv")
        }
    };
    let headcount = csv("/api/v1/hr/reports/headcount?to=2025-06&months=6&format=csv").await;
    insta::assert_snapshot!("hr_headcount_2025h1", headcount);
    let moves = csv("/api/v1/hr/reports/movements?to=2025-06&months=6&format=csv").await;
    insta::assert_snapshot!("hr_movements_2025h1", moves);

    // Employees may not read reports; the page draws its charts.
    let emma = app.api(&app.token("emma", PASSWORD, false).await);
    let r = emma
        .get(app.url("/api/v1/hr/reports/headcount"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 403);
    let r = hilda
        .get(app.url("/api/v1/hr/reports/headcount?months=99"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 422);
    let page = app.signed_in("hilda", PASSWORD).await;
    let r = page
        .get(app.url("/hr/reports?to=2025-06&months=6"))
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    assert!(
        html.contains("<svg") && html.contains("Operations") && html.contains("headcount-table")
    );
    let r = page
        .get(app.url("/hr/reports?report=movements&format=xlsx&to=2025-06&months=6"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.expect("bytes").starts_with(b"PK"));
});

/// Strips ids (they differ between runs of a shared sequence) so the JSON snapshot holds
/// names and amounts only.
fn without_ids(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => m
            .into_iter()
            .filter(|(k, _)| !k.ends_with("_id"))
            .map(|(k, v)| (k, without_ids(v)))
            .collect(),
        serde_json::Value::Array(a) => a.into_iter().map(without_ids).collect(),
        other => other,
    }
}

fn ledger_row(
    employee: steward_core::ids::EmployeeId,
    policy: i64,
    date: &str,
    kind: &str,
    milli: i64,
    period: Option<&str>,
) -> NewLedgerRow {
    NewLedgerRow {
        employee_id: employee,
        policy_id: policy,
        day: day(date),
        kind: kind.into(),
        amount_milli: milli,
        request_id: None,
        period: period.map(str::to_string),
        note: String::new(),
        created_by: None,
    }
}

// Time off taken and balances on a fixed ledger (January to June 2025): half days kept
// exact, a cancellation giving days back in its own month, a leaver counted in what they
// took but not in the balances after they left, rows outside the months left out, another
// company's ledger never counted; HR sees the company, a manager only the people below
// them, an employee without reports 403.
both_databases!(timeoff_report_on_fixed_data, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "hilda", PASSWORD, &["hr_lead"]).await;
    let boss_u = add_user(&app.store, app.company, "boss", PASSWORD, &["employee"]).await;
    let emma_u = add_user(&app.store, app.company, "emma", PASSWORD, &["employee"]).await;
    let sys = Actor::system(app.company, "Acme");
    let ops = departments::create(&app.store, &sys, "Operations")
        .await
        .expect("ops");
    let fin = departments::create(&app.store, &sys, "Finance")
        .await
        .expect("fin");
    let policy = |name: &str, kind: &str| PolicyInput {
        name: name.into(),
        kind: kind.into(),
        accrual: "none".into(),
        active: true,
        ..PolicyInput::default()
    };
    let annual = timeoff::create_policy(&app.store, &sys, &policy("Annual leave", "annual"))
        .await
        .expect("annual")
        .id;
    let sick = timeoff::create_policy(&app.store, &sys, &policy("Sick leave", "sick"))
        .await
        .expect("sick")
        .id;
    let seed = |e: SeedEmployee| {
        let store = app.store.clone();
        let company = app.company;
        async move { store.seed_employee(company, &e).await.expect("seed") }
    };
    let start = day("2024-01-01");
    let boss = seed(SeedEmployee {
        user_id: Some(boss_u),
        department_id: Some(ops.id),
        ..SeedEmployee::new("1", "Bo Boss", start)
    })
    .await;
    let ann = seed(SeedEmployee {
        manager_id: Some(boss),
        department_id: Some(ops.id),
        ..SeedEmployee::new("2", "Ann", start)
    })
    .await;
    let ben = seed(SeedEmployee {
        manager_id: Some(ann),
        department_id: Some(fin.id),
        ..SeedEmployee::new("3", "Ben", start)
    })
    .await;
    let cat = seed(SeedEmployee {
        department_id: Some(fin.id),
        ..SeedEmployee::new("4", "Cat", start)
    })
    .await;
    let dan = seed(SeedEmployee {
        end_date: Some(day("2025-02-28")),
        ..SeedEmployee::new("5", "Dan", start)
    })
    .await;
    // Emma signs in and has a record, but nobody reports to her.
    seed(SeedEmployee {
        user_id: Some(emma_u),
        department_id: Some(ops.id),
        ..SeedEmployee::new("6", "Emma", start)
    })
    .await;
    let rows = vec![
        ledger_row(boss, annual, "2025-01-01", "accrual", 25_000, Some("2025")),
        ledger_row(boss, annual, "2025-03-10", "use", -2_000, None),
        ledger_row(ann, annual, "2025-01-01", "accrual", 25_000, Some("2025")),
        ledger_row(ann, annual, "2024-12-10", "use", -1_000, None),
        ledger_row(ann, annual, "2025-01-15", "use", -1_500, None),
        ledger_row(ann, annual, "2025-04-02", "use", -500, None),
        ledger_row(ann, sick, "2025-04-20", "use", -1_000, None),
        ledger_row(ben, annual, "2025-01-01", "accrual", 20_000, Some("2025")),
        ledger_row(ben, annual, "2025-05-05", "use", -3_000, None),
        // The cancellation of Ben's approved time off, written the day it was cancelled.
        ledger_row(ben, annual, "2025-06-01", "use", 3_000, None),
        ledger_row(ben, annual, "2025-06-10", "adjustment", -22_000, None),
        ledger_row(cat, annual, "2025-01-01", "accrual", 25_000, Some("2025")),
        ledger_row(cat, annual, "2025-02-03", "use", -5_000, None),
        ledger_row(cat, annual, "2025-07-07", "use", -2_000, None),
        ledger_row(cat, sick, "2025-06-15", "use", -500, None),
        ledger_row(dan, annual, "2025-01-01", "accrual", 25_000, Some("2025")),
        ledger_row(dan, annual, "2025-01-20", "use", -1_000, None),
    ];
    app.store
        .timeoff_post(
            app.company,
            &[(
                rows,
                AuditDraft::by(&sys, "hr_timeoff_ledger", None, "seed", json!({})),
            )],
        )
        .await
        .expect("ledger");
    // Another company's ledger, in the same months.
    let other = create_company(&app.store, "test", "Other Co", "EUR")
        .await
        .expect("company");
    let osys = Actor::system(other, "Other Co");
    let opol = timeoff::create_policy(&app.store, &osys, &policy("Annual leave", "annual"))
        .await
        .expect("other policy")
        .id;
    let oe = app
        .store
        .seed_employee(other, &SeedEmployee::new("X1", "Xavier", start))
        .await
        .expect("other employee");
    app.store
        .timeoff_post(
            other,
            &[(
                vec![
                    ledger_row(oe, opol, "2025-01-01", "accrual", 25_000, Some("2025")),
                    ledger_row(oe, opol, "2025-03-03", "use", -4_000, None),
                ],
                AuditDraft::by(&osys, "hr_timeoff_ledger", None, "seed", json!({})),
            )],
        )
        .await
        .expect("other ledger");
    let odept = departments::create(&app.store, &osys, "Elsewhere")
        .await
        .expect("other dept");

    let hilda = app.api(&app.token("hilda", PASSWORD, false).await);
    let get = |c: &reqwest::Client, path: &str| {
        let r = c.get(app.url(path)).send();
        async move { r.await.expect("get") }
    };
    let range = "to=2025-06&months=6";
    let r = get(&hilda, &format!("/api/v1/hr/reports/timeoff?{range}")).await;
    assert_eq!(r.status(), 200);
    let json: serde_json::Value = r.json().await.expect("json");
    assert_eq!(json["scope"], "company");
    assert_eq!(json["as_of"], "2025-06-30");
    insta::assert_json_snapshot!("hr_timeoff_2025h1", without_ids(json));
    let r = get(
        &hilda,
        &format!("/api/v1/hr/reports/timeoff?{range}&format=csv"),
    )
    .await;
    assert_eq!(r.status(), 200);
    insta::assert_snapshot!("hr_timeoff_taken_2025h1", r.text().await.expect("csv"));
    let r = get(
        &hilda,
        &format!("/api/v1/hr/reports/timeoff?{range}&format=csv&table=balances"),
    )
    .await;
    insta::assert_snapshot!("hr_timeoff_balances_2025h1", r.text().await.expect("csv"));
    let r = get(
        &hilda,
        &format!("/api/v1/hr/reports/timeoff?{range}&format=csv&table=employees"),
    )
    .await;
    insta::assert_snapshot!("hr_timeoff_people_2025h1", r.text().await.expect("csv"));

    // The department filter: Finance only.
    let r = get(
        &hilda,
        &format!("/api/v1/hr/reports/timeoff?{range}&department={}", fin.id.0),
    )
    .await;
    let json: serde_json::Value = r.json().await.expect("json");
    assert_eq!(json["taken_total"], "5.5", "Cat 5 + 0.5, Ben 3 - 3");
    assert!(json["balances"]
        .as_array()
        .expect("balances")
        .iter()
        .all(|b| b["department"] == "Finance"));
    // Another company's department, a bad one, too many months: 422 naming the parameter.
    for (q, field) in [
        (format!("{range}&department={}", odept.id.0), "department"),
        (format!("{range}&department=x"), "department"),
        ("to=2025-06&months=99".to_string(), "months"),
        (format!("{range}&format=csv&table=all"), "table"),
    ] {
        let r = get(&hilda, &format!("/api/v1/hr/reports/timeoff?{q}")).await;
        assert_eq!(r.status(), 422, "{q}");
        let p: serde_json::Value = r.json().await.expect("problem");
        assert!(p.to_string().contains(field), "{q}: {p}");
    }

    // The manager sees Ann and Ben (below him, two levels), not himself, Cat or Dan.
    let boss_c = app.api(&app.token("boss", PASSWORD, false).await);
    let r = get(&boss_c, &format!("/api/v1/hr/reports/timeoff?{range}")).await;
    assert_eq!(r.status(), 200);
    let json: serde_json::Value = r.json().await.expect("json");
    assert_eq!(json["scope"], "reporting_line");
    assert_eq!(
        json["taken_total"], "3",
        "Ann 1.5 + 0.5 + 1 sick, Ben 3 - 3"
    );
    let people = get(
        &boss_c,
        &format!("/api/v1/hr/reports/timeoff?{range}&format=csv&table=employees"),
    )
    .await
    .text()
    .await
    .expect("csv");
    assert!(people.contains("Ann") && people.contains("Ben"), "{people}");
    for hidden in ["Bo Boss", "Cat", "Dan", "Emma", "Xavier"] {
        assert!(!people.contains(hidden), "{hidden} in {people}");
    }
    // An employee without reports may not see it.
    let emma = app.api(&app.token("emma", PASSWORD, false).await);
    let r = get(&emma, "/api/v1/hr/reports/timeoff").await;
    assert_eq!(r.status(), 403);

    // The page: chart, tables, the per-person list with its export; the manager's page
    // holds only their reporting line.
    let page = app.signed_in("hilda", PASSWORD).await;
    let r = get(&page, &format!("/hr/reports/timeoff?{range}")).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    for want in [
        "<svg",
        "taken-table",
        "balances-table",
        "people-balances",
        "Cat",
        "0.5",
    ] {
        assert!(html.contains(want), "{want} on the page");
    }
    let r = get(&page, "/hr/reports").await;
    assert!(r
        .text()
        .await
        .expect("html")
        .contains("/hr/reports/timeoff"));
    let r = get(&page, &format!("/hr/reports/timeoff?{range}&format=xlsx")).await;
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.expect("bytes").starts_with(b"PK"));
    let r = get(
        &page,
        &format!("/hr/reports/timeoff?{range}&report=taken&format=csv"),
    )
    .await;
    assert!(r
        .text()
        .await
        .expect("csv")
        .starts_with("policy,department,2025-01"));
    let boss_page = app.signed_in("boss", PASSWORD).await;
    let r = get(
        &boss_page,
        &format!("/hr/reports/timeoff?{range}&sort=balance&dir=desc"),
    )
    .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains(">Ann<") && !html.contains(">Cat<") && !html.contains(">Dan<"));
    let emma_page = app.signed_in("emma", PASSWORD).await;
    let r = get(&emma_page, "/hr/reports/timeoff").await;
    assert_eq!(r.status(), 403);
});
