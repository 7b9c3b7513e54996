//! On- and offboarding end to end on both databases: onboarding creates the checklist's
//! tasks linked to the employee; offboarding records the leaving date and reason, ends the
//! person's access when the date is over, creates its tasks and lists what must come back;
//! errors name the field; only HR staff start them; another company's employee is 404.
use chrono::{Days, Utc};
use serde_json::{json, Value};
use steward_core::company::create_company;
use steward_e2e::*;
use steward_store::hr::SeedEmployee;

const PASSWORD: &str = "a long enough test passphrase";

fn fields(p: &Value) -> Vec<String> {
    let mut f: Vec<String> = p["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    f.sort();
    f
}

both_databases!(
    onboarding_and_offboarding_run_their_checklists,
    |db| async move {
        let app = spawn_app(db).await;
        let ann = add_user(&app.store, app.company, "ann", PASSWORD, &["employee"]).await;
        add_user(&app.store, app.company, "hanna", PASSWORD, &["hr_lead"]).await;
        let today = Utc::now().date_naive();
        let start = today.checked_sub_days(Days::new(400)).expect("date");
        let mut seed = SeedEmployee::new("E-1", "Ann Example", start);
        seed.user_id = Some(ann);
        let emp = app
            .store
            .seed_employee(app.company, &seed)
            .await
            .expect("employee");
        let hr = app.api(&app.token("hanna", PASSWORD, false).await);
        let ann_api = app.api(&app.token("ann", PASSWORD, false).await);
        let base = app.url(&format!("/api/v1/hr/employees/{emp}"));

        // The employee reads their own, but may not start either.
        let r = ann_api
            .post(format!("{base}/onboarding"))
            .json(&json!({}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 403);
        let r = ann_api
            .get(format!("{base}/lifecycle"))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200);

        // Onboarding: the template's tasks, linked to the employee.
        let r = hr
            .post(format!("{base}/onboarding"))
            .json(&json!({"note": "welcome"}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 201);
        let on = body(r).await;
        assert_eq!(on["kind"], "onboarding");
        assert_eq!(on["start_date"], start.to_string());
        let tasks = on["tasks"].as_array().expect("tasks").clone();
        assert!(tasks.len() >= 5, "{on}");
        let t = body(
            hr.get(app.url(&format!("/api/v1/tasks/{}", tasks[0])))
                .send()
                .await
                .expect("task"),
        )
        .await;
        assert_eq!(t["link"], format!("hr.employee:{emp}"), "{t}");
        // Once only.
        let r = hr
            .post(format!("{base}/onboarding"))
            .json(&json!({}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 409);

        // Offboarding: every bad field named at once, nothing written.
        let r = hr
        .post(format!("{base}/offboarding"))
        .json(&json!({"leaving_date": "1999-13-01", "reason": "bored", "returns": ["ok", "x".repeat(300)]}))
        .send()
        .await
        .expect("post");
        assert_eq!(r.status(), 422);
        assert_eq!(
            fields(&body(r).await),
            ["leaving_date", "reason", "returns[1]"]
        );
        let r = hr
        .post(format!("{base}/offboarding"))
        .json(&json!({"leaving_date": start.checked_sub_days(Days::new(1)).expect("d").to_string(), "reason": "resignation"}))
        .send()
        .await
        .expect("post");
        assert_eq!(r.status(), 422);
        assert_eq!(fields(&body(r).await), ["leaving_date"]);
        let v = body(
            hr.get(format!("{base}/lifecycle"))
                .send()
                .await
                .expect("get"),
        )
        .await;
        assert_eq!(v["lifecycles"].as_array().map(Vec::len), Some(1));
        assert_eq!(v["end_date"], Value::Null);

        // The employee still signs in before the leaving date is over.
        let yesterday = today.checked_sub_days(Days::new(1)).expect("date");
        let r = hr
        .post(format!("{base}/offboarding"))
        .json(&json!({"leaving_date": yesterday.to_string(), "reason": "resignation", "returns": ["Laptop", "Badge", "badge"]}))
        .send()
        .await
        .expect("post");
        assert_eq!(r.status(), 201);
        let off = body(r).await;
        assert_eq!(off["reason"], "resignation");
        assert!(!off["tasks"].as_array().expect("tasks").is_empty());
        let v = body(
            hr.get(format!("{base}/lifecycle"))
                .send()
                .await
                .expect("get"),
        )
        .await;
        assert_eq!(v["end_date"], yesterday.to_string());
        assert_eq!(v["status"], "leaver");
        let items: Vec<&str> = v["returns"]
            .as_array()
            .expect("returns")
            .iter()
            .filter_map(|r| r["item"].as_str())
            .collect();
        assert_eq!(items, ["Laptop", "Badge"]);

        // Access ended with the leaving date: the token no longer works, sign-in fails.
        let r = ann_api.get(app.url("/api/v1/me")).send().await.expect("me");
        assert_eq!(r.status(), 401);
        let c = app.browser();
        let r = c
            .post(app.url("/login"))
            .form(&[("login", "ann"), ("password", PASSWORD), ("next", "/")])
            .send()
            .await
            .expect("login");
        assert_ne!(r.status(), 303, "a leaver cannot sign in");

        // Handing back.
        let laptop = v["returns"][0]["id"].as_i64().expect("id");
        let r = hr
            .post(app.url(&format!("/api/v1/hr/returns/{laptop}")))
            .json(&json!({"returned": true}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 200);
        assert_eq!(body(r).await["returned"], true);

        // Another company's HR sees nothing of it.
        let other = create_company(&app.store, "test", "Other", "EUR")
            .await
            .expect("company");
        add_user(&app.store, other, "olga", PASSWORD, &["hr_lead"]).await;
        let olga = app.api(&app.token("olga", PASSWORD, false).await);
        for (m, url) in [
            ("GET", format!("{base}/lifecycle")),
            ("POST", format!("{base}/onboarding")),
            ("POST", app.url(&format!("/api/v1/hr/returns/{laptop}"))),
        ] {
            let req = if m == "GET" {
                olga.get(&url)
            } else if url.contains("returns") {
                olga.post(&url).json(&json!({"returned": false}))
            } else {
                olga.post(&url).json(&json!({}))
            };
            let r = req.send().await.expect("call");
            assert_eq!(r.status(), 404, "{m} {url}");
        }
    }
);

both_databases!(the_lifecycle_page_starts_offboarding, |db| async move {
    let app = spawn_app(db).await;
    let start = Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(30))
        .expect("date");
    let emp = app
        .store
        .seed_employee(app.company, &SeedEmployee::new("E-2", "Bo Page", start))
        .await
        .expect("employee");
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let page = app.url(&format!("/hr/employees/{emp}/lifecycle"));
    let html = admin
        .get(&page)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(
        html.contains("Start onboarding") && html.contains("Start offboarding"),
        "{html}"
    );
    let r = admin
        .post(app.url(&format!("/hr/employees/{emp}/offboarding")))
        .form(&[("leaving_date", ""), ("reason", ""), ("returns", "Badge")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(
        html.contains("leaving_date-err") && html.contains("reason-err"),
        "{html}"
    );
    let leaving = Utc::now()
        .date_naive()
        .checked_add_days(Days::new(14))
        .expect("d");
    let r = admin
        .post(app.url(&format!("/hr/employees/{emp}/offboarding")))
        .form(&[
            ("leaving_date", leaving.to_string().as_str()),
            ("reason", "end_of_contract"),
            ("returns", "Badge\nPhone"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let html = admin
        .get(&page)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(
        html.contains("End of contract") && html.contains("Phone"),
        "{html}"
    );
    assert!(!html.contains("Start offboarding"), "once only");
});
