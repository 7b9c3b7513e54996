//! The employees API end to end on both databases, per role: the HR lead hires and sees
//! pay; an employee sees their own pay but not a colleague's; a manager sees their
//! report's job data but no personal data; what a caller may not see is absent (not
//! empty); another company's employee is 404; versions, as-of reads, custom fields,
//! self-service change requests and the import (dry run, errors by line and column).
use serde_json::{json, Value};
use steward_core::company::create_company;
use steward_e2e::*;
use steward_store::hr::SeedEmployee;

const PASSWORD: &str = "a long enough test passphrase";

async fn client(app: &TestApp, user: &str) -> reqwest::Client {
    let pw = if user == ADMIN {
        ADMIN_PASSWORD
    } else {
        PASSWORD
    };
    let t = app.token(user, pw, false).await;
    app.api(&t)
}

async fn hire(c: &reqwest::Client, app: &TestApp, b: Value) -> Value {
    let r = c
        .post(app.url("/api/v1/hr/employees"))
        .json(&b)
        .send()
        .await
        .expect("hire");
    assert_eq!(r.status(), 201, "hire {b}");
    body(r).await
}

both_databases!(each_role_sees_what_it_may, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "hr", PASSWORD, &["hr_lead"]).await;
    let boss_u = add_user(&app.store, app.company, "boss", PASSWORD, &["employee"]).await;
    let emp_u = add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
    let peer_u = add_user(&app.store, app.company, "peer", PASSWORD, &["employee"]).await;
    add_user(&app.store, app.company, "aud", PASSWORD, &["auditor"]).await;
    let hr = client(&app, "hr").await;
    let pay = json!({"effective_date": "2024-01-01", "contract_type": "permanent",
                     "pay": "60000.00", "currency": "EUR", "frequency": "year"});
    let boss = hire(
        &hr,
        &app,
        json!({"employee_number": "B1", "legal_name": "Bea Boss",
        "start_date": "2024-01-01", "user_id": boss_u.0, "position": "Head", "contract": pay}),
    )
    .await;
    let emp = hire(
        &hr,
        &app,
        json!({"employee_number": "E1", "legal_name": "Emma Employee",
        "start_date": "2024-01-01", "user_id": emp_u.0, "manager_id": boss["id"],
        "national_id": "NAT-1", "position": "Clerk", "contract": pay}),
    )
    .await;
    let peer = hire(
        &hr,
        &app,
        json!({"employee_number": "P1", "legal_name": "Pete Peer",
        "start_date": "2024-01-01", "user_id": peer_u.0, "national_id": "NAT-2", "contract": pay}),
    )
    .await;
    assert_eq!(emp["contract"]["pay"], "60000.00", "HR sees pay");
    assert_eq!(emp["national_id"], "NAT-1");
    assert_eq!(emp["manager"]["name"], "Bea Boss");

    // Errors name the field; unknown fields are refused.
    let r = hr
        .post(app.url("/api/v1/hr/employees"))
        .json(
            &json!({"employee_number": "", "legal_name": "X", "start_date": "2024-02-30",
                      "employment_type": "slave", "fte_milli": 0}),
        )
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let mut f = fields(&body(r).await);
    f.sort();
    assert_eq!(
        f,
        [
            "employee_number",
            "employment_type",
            "fte_milli",
            "start_date"
        ]
    );
    let r = hr
        .post(app.url("/api/v1/hr/employees"))
        .json(&json!({"legal_name": "X", "salary": 1}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);

    let url = |v: &Value| app.url(&format!("/api/v1/hr/employees/{}", v["id"]));
    // The employee sees their own pay and personal data, not a colleague's.
    let e = client(&app, "emp").await;
    let mine = body(e.get(url(&emp)).send().await.expect("get")).await;
    assert_eq!(mine["relation"], "myself");
    assert_eq!(mine["contract"]["pay"], "60000.00");
    assert_eq!(mine["national_id"], "NAT-1");
    let theirs = body(e.get(url(&peer)).send().await.expect("get")).await;
    assert_eq!(theirs["relation"], "colleague");
    assert_eq!(theirs["name"], "Pete Peer");
    for absent in [
        "contract",
        "contracts",
        "national_id",
        "legal_name",
        "employee_number",
        "start_date",
        "status",
        "custom",
        "version",
    ] {
        assert!(
            theirs.get(absent).is_none(),
            "{absent} is absent for a colleague: {theirs}"
        );
    }
    // The manager sees the report's job data, no personal data, no pay.
    let b = client(&app, "boss").await;
    let report = body(b.get(url(&emp)).send().await.expect("get")).await;
    assert_eq!(report["relation"], "manager");
    assert_eq!(report["employee_number"], "E1");
    assert_eq!(report["start_date"], "2024-01-01");
    for absent in [
        "contract",
        "contracts",
        "national_id",
        "birth_date",
        "personal_email",
        "emergency_contacts",
    ] {
        assert!(
            report.get(absent).is_none(),
            "{absent} is absent for a manager: {report}"
        );
    }
    // The auditor reads job data.
    let aud = client(&app, "aud").await;
    let seen = body(aud.get(url(&emp)).send().await.expect("get")).await;
    assert_eq!(seen["employee_number"], "E1");
    assert!(seen.get("contract").is_none());

    // Lists: directory for everyone (no job columns); filters by job fields for HR.
    let l = body(
        e.get(app.url("/api/v1/hr/employees?sort=name"))
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(l["total"], 3);
    assert!(l["items"][0].get("employee_number").is_none());
    let r = e
        .get(app.url("/api/v1/hr/employees?status=leaver"))
        .send()
        .await
        .expect("list");
    assert_eq!(r.status(), 422);
    let r = e
        .get(app.url("/api/v1/hr/employees?sort=salary"))
        .send()
        .await
        .expect("list");
    assert_eq!(r.status(), 422);
    let l = body(
        hr.get(app.url(&format!(
            "/api/v1/hr/employees?manager={}&sort=number&dir=desc",
            boss["id"]
        )))
        .send()
        .await
        .expect("list"),
    )
    .await;
    assert_eq!(l["total"], 1);
    assert_eq!(l["items"][0]["employee_number"], "E1");
    let csv = e
        .get(app.url("/api/v1/hr/employees?format=csv"))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(csv.starts_with("id,name,position"), "{csv}");
    assert!(!csv.contains("employee_number"));
    let csv = hr
        .get(app.url("/api/v1/hr/employees?format=csv"))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(csv.contains("employee_number"));

    // Updates: versions; a colleague may not change; job change effective on a date.
    let v = mine["version"].as_i64().expect("version");
    let r = b
        .patch(url(&emp))
        .json(&json!({"position": "X", "version": v}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 403);
    let r = hr
        .patch(url(&emp))
        .json(&json!({"position": "Senior clerk", "effective_date": "2025-01-01", "version": v}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    let r = hr
        .patch(url(&emp))
        .json(&json!({"position": "Y", "version": v}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 409);
    let old = body(
        hr.get(format!("{}?as_of=2024-06-01", url(&emp)))
            .send()
            .await
            .expect("get"),
    )
    .await;
    assert_eq!(old["position"], "Clerk");
    let now = body(hr.get(url(&emp)).send().await.expect("get")).await;
    assert_eq!(now["position"], "Senior clerk");
    // Cycle refused.
    let bv = body(hr.get(url(&boss)).send().await.expect("get")).await;
    let r = hr
        .patch(url(&boss))
        .json(&json!({"manager_id": emp["id"], "version": bv["version"]}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 422);
    assert_eq!(fields(&body(r).await), ["manager_id"]);

    // Self-service: contact data at once, the national id through HR's approval.
    let v = now["version"].as_i64().expect("version");
    let r = e
        .patch(url(&emp))
        .json(&json!({"personal_phone": "+41 1", "national_id": "NAT-9", "version": v}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    let out = body(r).await;
    assert_eq!(out["personal_phone"], "+41 1");
    assert_eq!(out["national_id"], "NAT-1", "waits for HR");
    let cr = out["change_request_id"].as_i64().expect("change request");
    let c = body(
        e.get(app.url(&format!("/api/v1/hr/changes/{cr}")))
            .send()
            .await
            .expect("get"),
    )
    .await;
    assert_eq!(c["status"], "pending");
    assert_eq!(c["changes"]["national_id"], "NAT-9");
    let r = b
        .get(app.url(&format!("/api/v1/hr/changes/{cr}")))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
    let r = e
        .patch(url(&emp))
        .json(&json!({"position": "Boss", "version": out["version"]}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 422);

    // Another company's employee is 404.
    let other = create_company(&app.store, "test", "Other Co", "EUR")
        .await
        .expect("company");
    let x = app
        .store
        .seed_employee(
            other,
            &SeedEmployee::new(
                "X1",
                "Xavier",
                chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("d"),
            ),
        )
        .await
        .expect("seed");
    let r = hr
        .get(app.url(&format!("/api/v1/hr/employees/{}", x.0)))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
    let r = hr
        .patch(app.url(&format!("/api/v1/hr/employees/{}", x.0)))
        .json(&json!({"position": "Y", "version": 1}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 404);
});

both_databases!(fields_contracts_and_import, |db| async move {
    let app = spawn_app(db).await;
    let admin = client(&app, ADMIN).await;
    add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
    let e = client(&app, "emp").await;
    let r = admin.post(app.url("/api/v1/hr/fields")).json(&json!({"key": "licence", "label": "Licence", "kind": "text", "required": true, "sensitive": true})).send().await.expect("field");
    assert_eq!(r.status(), 201);
    let r = e
        .post(app.url("/api/v1/hr/fields"))
        .json(&json!({"key": "x", "label": "X", "kind": "text"}))
        .send()
        .await
        .expect("field");
    assert_eq!(r.status(), 403);
    let list = body(
        e.get(app.url("/api/v1/hr/fields"))
            .send()
            .await
            .expect("fields"),
    )
    .await;
    assert_eq!(list[0]["key"], "licence");

    let r = admin
        .post(app.url("/api/v1/hr/employees"))
        .json(&json!({"employee_number": "A1", "legal_name": "Ann", "start_date": "2024-01-01"}))
        .send()
        .await
        .expect("hire");
    assert_eq!(r.status(), 422);
    assert_eq!(fields(&body(r).await), ["custom.licence"]);
    let ann = hire(&admin, &app, json!({"employee_number": "A1", "legal_name": "Ann", "start_date": "2024-01-01", "custom": {"licence": "L-1"}})).await;
    assert_eq!(ann["custom"]["licence"], "L-1");
    // A raise from a date; the contract in force depends on the day.
    let c = app.url(&format!("/api/v1/hr/employees/{}/contracts", ann["id"]));
    for (d, p) in [("2024-01-01", "3000.00"), ("2025-01-01", "3300.00")] {
        let r = admin.post(&c).json(&json!({"effective_date": d, "contract_type": "permanent", "pay": p, "currency": "EUR", "frequency": "month"})).send().await.expect("contract");
        assert_eq!(r.status(), 201);
    }
    let then = body(
        admin
            .get(app.url(&format!(
                "/api/v1/hr/employees/{}?as_of=2024-06-30",
                ann["id"]
            )))
            .send()
            .await
            .expect("get"),
    )
    .await;
    assert_eq!(then["contract"]["pay"], "3000.00");
    let r = e.post(&c).json(&json!({"effective_date": "2025-01-01", "contract_type": "permanent", "pay": "1", "currency": "EUR", "frequency": "month"})).send().await.expect("contract");
    assert_eq!(r.status(), 403);

    // The import has no custom columns: the field becomes optional.
    let fid = list[0]["id"].as_i64().expect("id");
    let r = admin
        .put(app.url(&format!("/api/v1/hr/fields/{fid}")))
        .json(&json!({"label": "Licence", "kind": "text", "sensitive": true}))
        .send()
        .await
        .expect("field");
    assert_eq!(r.status(), 200);
    // Import: a dry run names each bad row by line and column; nothing is written.
    let csv = "employee_number,legal_name,start_date,manager_number,fte\nI1,Ivy,2024-01-01,,1\nI2,,2024-13-01,I9,2\n";
    let r = admin
        .post(app.url("/api/v1/hr/employees/import?dry_run=true"))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 422);
    let rep = body(r).await;
    let probs: Vec<(i64, String)> = rep["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["line"].as_i64().expect("line"),
                p["column"].as_str().expect("col").to_string(),
            )
        })
        .collect();
    assert!(probs.contains(&(3, "legal_name".into())), "{probs:?}");
    assert!(probs.contains(&(3, "start_date".into())), "{probs:?}");
    assert!(probs.contains(&(3, "fte".into())), "{probs:?}");
    assert!(
        !probs.iter().any(|(l, _)| *l == 2),
        "line 2 is fine: {probs:?}"
    );
    let csv = "employee_number,legal_name,start_date,manager_number\nI1,Ivy,2024-01-01,\nI2,Ike,2024-02-01,I1\n";
    let r = admin
        .post(app.url("/api/v1/hr/employees/import?dry_run=true"))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 200);
    let l = body(
        admin
            .get(app.url("/api/v1/hr/employees?q=i"))
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(l["total"], 0, "a dry run writes nothing");
    let r = admin
        .post(app.url("/api/v1/hr/employees/import"))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["created"], 2);
    let l = body(
        admin
            .get(app.url("/api/v1/hr/employees?q=ike"))
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(l["items"][0]["manager"]["name"], "Ivy");
    let r = e
        .post(app.url("/api/v1/hr/employees/import"))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 403);
});
