//! The time-off API end to end on both databases, per role: HR creates policies and runs
//! accruals; the employee sees their own balance, not a colleague's; the manager sees their
//! reports' time off; another company's request is 404; the manager's approval through
//! `/api/v1/approvals/{id}/approve` marks the request approved and writes the ledger row;
//! the iCalendar feed holds the approved time off as RFC 5545 text.
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::json;
use steward_core::hr::timeoff;
use steward_e2e::*;
use steward_store::hr::SeedEmployee;

const PASSWORD: &str = "a long enough test passphrase";

both_databases!(timeoff_requests_balances_and_approval, |db| async move {
    let app = spawn_app(db).await;
    let boss_u = add_user(&app.store, app.company, "boss", PASSWORD, &["employee"]).await;
    let emma_u = add_user(&app.store, app.company, "emma", PASSWORD, &["employee"]).await;
    let carl_u = add_user(&app.store, app.company, "carl", PASSWORD, &["employee"]).await;
    let start = NaiveDate::from_ymd_opt(timeoff::today().year() - 1, 1, 1).expect("d");
    let boss = app
        .store
        .seed_employee(
            app.company,
            &SeedEmployee {
                user_id: Some(boss_u),
                ..SeedEmployee::new("B1", "Boris Boss", start)
            },
        )
        .await
        .expect("boss");
    let emma = app
        .store
        .seed_employee(
            app.company,
            &SeedEmployee {
                user_id: Some(emma_u),
                manager_id: Some(boss),
                ..SeedEmployee::new("E1", "Emma Employee", start)
            },
        )
        .await
        .expect("emma");
    let carl = app
        .store
        .seed_employee(
            app.company,
            &SeedEmployee {
                user_id: Some(carl_u),
                ..SeedEmployee::new("C1", "Carl Colleague", start)
            },
        )
        .await
        .expect("carl");
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let emma_c = app.api(&app.token("emma", PASSWORD, false).await);
    let boss_c = app.api(&app.token("boss", PASSWORD, false).await);
    let carl_c = app.api(&app.token("carl", PASSWORD, false).await);

    // Policies: HR (the admin) creates; an employee may not; errors name the field.
    let policies = app.url("/api/v1/hr/timeoff/policies");
    let r = emma_c
        .post(&policies)
        .json(&json!({"name": "Mine"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let r = admin
        .post(&policies)
        .json(&json!({"name": "Annual", "entitlement_days": "lots"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    assert_eq!(fields(&body(r).await), ["entitlement_days"]);
    let r = admin
        .post(&policies)
        .json(
            &json!({"name": "Annual leave", "kind": "annual", "accrual": "yearly",
                      "entitlement_days": "25", "carry_cap_days": "5"}),
        )
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201);
    let policy = body(r).await["id"].as_i64().expect("id");

    // Accruals on demand: HR only, idempotent.
    let accrue = app.url("/api/v1/hr/timeoff/accrue");
    assert_eq!(
        emma_c.post(&accrue).send().await.expect("post").status(),
        403
    );
    let first = body(admin.post(&accrue).send().await.expect("post")).await;
    assert!(first["written"].as_i64().expect("n") > 0);
    let again = body(admin.post(&accrue).send().await.expect("post")).await;
    assert_eq!(again["written"], 0);

    // Balances: my own; not a colleague's; the manager sees the report's.
    let bal = body(
        emma_c
            .get(app.url("/api/v1/hr/timeoff/balances"))
            .send()
            .await
            .expect("get"),
    )
    .await;
    assert_eq!(bal["employee_id"], emma.0);
    assert_eq!(bal["balances"][0]["balance"], "30");
    let r = emma_c
        .get(app.url(&format!("/api/v1/hr/timeoff/balances?employee={}", carl.0)))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 403);
    let r = boss_c
        .get(app.url(&format!("/api/v1/hr/timeoff/balances?employee={}", emma.0)))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    let ledger = body(
        emma_c
            .get(app.url(&format!("/api/v1/hr/timeoff/ledger?policy={policy}")))
            .send()
            .await
            .expect("ledger"),
    )
    .await;
    let sum: i64 = ledger
        .as_array()
        .expect("rows")
        .iter()
        .map(|l| l["amount_milli"].as_i64().expect("amount"))
        .sum();
    assert_eq!(sum, 30_000, "the balance is the sum of the ledger");

    // Emma asks; too much is refused naming the field.
    let requests = app.url("/api/v1/hr/timeoff/requests");
    let mon = monday_ahead();
    let r = emma_c
        .post(&requests)
        .json(&json!({"policy_id": policy, "start": mon.to_string(),
                      "end": (mon + Duration::days(90)).to_string()}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    assert_eq!(fields(&body(r).await), ["policy_id"]);
    let r = emma_c
        .post(&requests)
        .json(
            &json!({"policy_id": policy, "start": mon.to_string(), "start_half": "pm",
                      "end": (mon + Duration::days(2)).to_string(), "note": "Trip"}),
        )
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201);
    let req = body(r).await;
    assert_eq!(req["status"], "pending");
    assert_eq!(req["days"], "2.5");
    let id = req["id"].as_i64().expect("id");
    let approval = req["approval_id"].as_i64().expect("approval");

    // Who sees it: Emma, her boss, HR; not Carl; not another company.
    let one = app.url(&format!("/api/v1/hr/timeoff/requests/{id}"));
    assert_eq!(carl_c.get(&one).send().await.expect("get").status(), 404);
    assert_eq!(boss_c.get(&one).send().await.expect("get").status(), 200);
    let listed = body(carl_c.get(&requests).send().await.expect("list")).await;
    assert_eq!(listed["total"], 0);
    let listed = body(boss_c.get(&requests).send().await.expect("list")).await;
    assert_eq!(listed["total"], 1);
    let other = steward_core::company::create_company(&app.store, "test", "Other", "EUR")
        .await
        .expect("company");
    add_user(&app.store, other, "otto", PASSWORD, &["admin"]).await;
    let otto = app.api(&app.token("otto", PASSWORD, false).await);
    assert_eq!(otto.get(&one).send().await.expect("get").status(), 404);
    let csv = admin
        .get(app.url("/api/v1/hr/timeoff/requests?format=csv&sort=employee"))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(csv.contains("Emma Employee"));

    // The boss approves through the approvals API: approved, ledger row written.
    let r = boss_c
        .post(app.url(&format!("/api/v1/approvals/{approval}/approve")))
        .json(&json!({"comment": "ok"}))
        .send()
        .await
        .expect("approve");
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let after = body(emma_c.get(&one).send().await.expect("get")).await;
    assert_eq!(after["status"], "approved");
    let bal = body(
        emma_c
            .get(app.url("/api/v1/hr/timeoff/balances"))
            .send()
            .await
            .expect("get"),
    )
    .await;
    assert_eq!(bal["balances"][0]["balance"], "27.5");

    // The feed: no sign-in, RFC 5545, names and dates only.
    let (_, token) = timeoff::create_feed(
        &app.store,
        &steward_core::auth::session::cli_actor(&app.store, boss_u, app.company)
            .await
            .expect("actor"),
        "team",
        None,
    )
    .await
    .expect("feed");
    let r = reqwest::get(app.url(&format!("/hr/timeoff/ical/{token}.ics")))
        .await
        .expect("ics");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("text/calendar"));
    let ics = r.text().await.expect("text");
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(ics.contains(&format!("DTSTART;VALUE=DATE:{}\r\n", mon.format("%Y%m%d"))));
    assert!(ics.contains(&format!(
        "DTEND;VALUE=DATE:{}\r\n",
        (mon + Duration::days(3)).format("%Y%m%d")
    )));
    assert!(ics.contains("Emma Employee"));
    assert!(!ics.contains("Trip"));
    let r = reqwest::get(app.url(&format!("/hr/timeoff/ical/{}.ics", "0".repeat(64))))
        .await
        .expect("ics");
    assert_eq!(r.status(), 404);

    // Emma cancels the future approved request: the ledger is reversed.
    let r = emma_c
        .post(app.url(&format!("/api/v1/hr/timeoff/requests/{id}/cancel")))
        .send()
        .await
        .expect("cancel");
    assert_eq!(r.status(), 200);
    let bal = body(
        emma_c
            .get(app.url("/api/v1/hr/timeoff/balances"))
            .send()
            .await
            .expect("get"),
    )
    .await;
    assert_eq!(bal["balances"][0]["balance"], "30");
});

// The time-off section's navigation comes from the HR domain's registration: each page
// marks itself as the current one.
both_databases!(
    timeoff_pages_mark_their_place_in_the_section,
    |db| async move {
        let app = spawn_app(db).await;
        let web = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
        for (path, label) in [
            ("/hr/timeoff/requests", "Requests"),
            ("/hr/timeoff/calendar", "Team calendar"),
            ("/hr/timeoff/policies", "Policies and calendars"),
        ] {
            let html = web
                .get(app.url(path))
                .send()
                .await
                .expect("page")
                .text()
                .await
                .expect("html");
            let nav = html
                .split(r#"aria-label="Time off">"#)
                .nth(1)
                .and_then(|rest| rest.split("</nav>").next())
                .unwrap_or_else(|| panic!("no time-off navigation on {path}: {html}"));
            assert!(
                nav.contains(&format!(
                    r#"<a href="{path}" aria-current="page">{label}</a>"#
                )),
                "{path}: {nav}"
            );
            assert_eq!(nav.matches("aria-current").count(), 1, "{path}: {nav}");
            assert!(nav.contains(r#"href="/hr/timeoff""#), "{nav}");
        }
    }
);
