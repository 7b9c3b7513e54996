//! The tasks API end to end on both databases: create (errors name the field), read,
//! update with versions (409 when stale), reassign with history, comments, checklist,
//! list filters and export, workload, templates, recurring rules, idempotent POSTs, and
//! scope (an employee sees only their own; another company's task is 404).
use serde_json::json;
use steward_e2e::*;

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

both_databases!(tasks_are_created_changed_and_handed_over, |db| async move {
    let app = spawn_app(db).await;
    let alice = add_user(&app.store, app.company, "alice", PASSWORD, &["employee"]).await;
    let bob = add_user(&app.store, app.company, "bob", PASSWORD, &["employee"]).await;
    let admin = client(&app, ADMIN).await;
    let tasks = app.url("/api/v1/tasks");

    // Errors name the field.
    let r = admin
        .post(&tasks)
        .json(&json!({"title": "", "due": "tomorrow", "priority": "asap"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let mut f = fields(&body(r).await);
    f.sort();
    assert_eq!(f, ["due", "priority", "title"]);
    let r = admin
        .post(&tasks)
        .json(&json!({"title": "x", "colour": "red"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    assert_eq!(fields(&body(r).await), ["colour"]);

    // Create, idempotently.
    let new = json!({"title": "Reconcile the bank", "description": "Use **statement** 11", "assignee_id": alice.0,
                     "due": "2026-12-10", "priority": "high", "checklist": ["download", "match"], "link": "ledger.entry:3"});
    let r = admin
        .post(&tasks)
        .header("Idempotency-Key", "task-1")
        .json(&new)
        .send()
        .await
        .expect("create");
    assert_eq!(r.status(), 201);
    let t = body(r).await;
    let again = body(
        admin
            .post(&tasks)
            .header("Idempotency-Key", "task-1")
            .json(&new)
            .send()
            .await
            .expect("retry"),
    )
    .await;
    assert_eq!(again["id"], t["id"], "a retry returns the first task");
    let list = body(admin.get(&tasks).send().await.expect("list")).await;
    assert_eq!(list["total"], 1, "and creates no second one");
    assert_eq!(t["assignee"]["id"], alice.0);
    assert_eq!(t["priority"], "high");
    assert_eq!(t["checklist"].as_array().map(Vec::len), Some(2));
    let id = t["id"].as_i64().expect("id");
    let one = app.url(&format!("/api/v1/tasks/{id}"));

    // Update with the version; a stale version is 409.
    let r = admin
        .patch(&one)
        .json(&json!({"status": "in_progress", "version": 1}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["status"], "in_progress");
    let r = admin
        .patch(&one)
        .json(&json!({"status": "done", "version": 1}))
        .send()
        .await
        .expect("stale");
    assert_eq!(r.status(), 409);
    let r = admin
        .patch(&one)
        .json(&json!({"status": "finished", "version": 2}))
        .send()
        .await
        .expect("bad");
    assert_eq!(fields(&body(r).await), ["status"]);

    // Hand it over; the history says who held it when; bob is notified.
    let r = admin
        .post(app.url(&format!("/api/v1/tasks/{id}/reassign")))
        .json(&json!({"assignee_id": bob.0, "note": "Alice is on leave", "version": 2}))
        .send()
        .await
        .expect("reassign");
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["assignee"]["id"], bob.0);
    let h = body(
        admin
            .get(app.url(&format!("/api/v1/tasks/{id}/history")))
            .send()
            .await
            .expect("history"),
    )
    .await;
    assert_eq!(h.as_array().map(Vec::len), Some(2));
    assert_eq!(h[0]["assignee"]["id"], alice.0);
    assert!(h[0]["until"].is_string());
    assert_eq!(h[1]["note"], "Alice is on leave");
    let bob_c = client(&app, "bob").await;
    let mine = body(
        bob_c
            .get(app.url("/api/v1/tasks?assignee=me"))
            .send()
            .await
            .expect("mine"),
    )
    .await;
    assert_eq!(mine["total"], 1);
    let alice_c = client(&app, "alice").await;
    let r = alice_c.get(&one).send().await.expect("alice reads");
    assert_eq!(
        r.status(),
        404,
        "alice no longer holds it and does not watch it"
    );

    // Comments and checklist (bob holds it now).
    let r = bob_c
        .post(app.url(&format!("/api/v1/tasks/{id}/comments")))
        .json(&json!({"body": "On it <script>x</script>"}))
        .send()
        .await
        .expect("comment");
    assert_eq!(r.status(), 201);
    let r = bob_c
        .post(app.url(&format!("/api/v1/tasks/{id}/comments")))
        .json(&json!({"body": "  "}))
        .send()
        .await
        .expect("empty");
    assert_eq!(fields(&body(r).await), ["body"]);
    let t = body(bob_c.get(&one).send().await.expect("get")).await;
    let item = t["checklist"][0]["id"].as_i64().expect("item");
    let r = bob_c
        .put(app.url(&format!("/api/v1/tasks/{id}/checklist/{item}")))
        .json(&json!({"done": true}))
        .send()
        .await
        .expect("tick");
    assert_eq!(body(r).await["checklist"][0]["done"], true);
    let r = bob_c
        .post(app.url(&format!("/api/v1/tasks/{id}/checklist")))
        .json(&json!({"text": "file it"}))
        .send()
        .await
        .expect("add");
    assert_eq!(body(r).await["checklist"].as_array().map(Vec::len), Some(3));

    // Filters, export, workload.
    admin
        .post(&tasks)
        .json(&json!({"title": "Late one", "due": "2020-01-01", "assignee_id": alice.0}))
        .send()
        .await
        .expect("late");
    let over = body(
        admin
            .get(app.url("/api/v1/tasks?overdue=yes"))
            .send()
            .await
            .expect("overdue"),
    )
    .await;
    assert_eq!(over["total"], 1);
    assert_eq!(over["items"][0]["overdue"], true);
    let r = admin
        .get(app.url("/api/v1/tasks?priority=soon"))
        .send()
        .await
        .expect("bad filter");
    assert_eq!(fields(&body(r).await), ["priority"]);
    let r = admin
        .get(app.url("/api/v1/tasks?sort=colour"))
        .send()
        .await
        .expect("bad sort");
    assert_eq!(fields(&body(r).await), ["sort"]);
    let r = admin
        .get(app.url("/api/v1/tasks?format=csv&sort=title"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    let csv = r.text().await.expect("csv text");
    assert!(
        csv.starts_with("id,title,owner,assignee,due,priority,status,overdue"),
        "{csv}"
    );
    assert!(csv.contains("Late one") && csv.contains("Reconcile the bank"));
    let r = admin
        .get(app.url("/api/v1/tasks?format=xlsx"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.expect("bytes").starts_with(b"PK"));
    let wl = body(
        admin
            .get(app.url("/api/v1/tasks/workload"))
            .send()
            .await
            .expect("workload"),
    )
    .await;
    let alice_row = wl
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["person"]["id"] == alice.0)
        .expect("alice row")
        .clone();
    assert_eq!(alice_row["overdue"], 1);

    // Employees see only their own; another company's task is 404.
    let list = body(alice_c.get(&tasks).send().await.expect("alice list")).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["title"], "Late one");
    let other = steward_core::company::create_company(&app.store, "test", "Other", "EUR")
        .await
        .expect("company");
    add_user(&app.store, other, "olga", PASSWORD, &["admin"]).await;
    let olga = client(&app, "olga").await;
    let r = olga.get(&one).send().await.expect("other company");
    assert_eq!(r.status(), 404);
    let r = olga
        .patch(&one)
        .json(&json!({"title": "mine now", "version": 4}))
        .send()
        .await
        .expect("other patch");
    assert_eq!(r.status(), 404);
});

both_databases!(templates_and_recurring_rules, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "acct", PASSWORD, &["accountant"]).await;
    add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
    let admin = client(&app, ADMIN).await;
    let t = body(
        admin
            .get(app.url("/api/v1/tasks/templates"))
            .send()
            .await
            .expect("templates"),
    )
    .await;
    let keys: Vec<&str> = t
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|t| t["key"].as_str())
        .collect();
    for k in [
        "month_end_close",
        "onboarding",
        "offboarding",
        "audit_preparation",
    ] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    let close = t
        .as_array()
        .expect("list")
        .iter()
        .find(|t| t["key"] == "month_end_close")
        .expect("close")
        .clone();
    let n = close["items"].as_array().map(Vec::len).unwrap_or(0);
    let run = app.url(&format!(
        "/api/v1/tasks/templates/{}/instantiate",
        close["id"]
    ));
    let r = admin
        .post(&run)
        .json(&json!({"start": "30/11/2026"}))
        .send()
        .await
        .expect("bad start");
    assert_eq!(fields(&body(r).await), ["start"]);
    let r = admin
        .post(&run)
        .header("Idempotency-Key", "close-nov")
        .json(&json!({"start": "2026-11-30"}))
        .send()
        .await
        .expect("run");
    assert_eq!(r.status(), 201);
    let ids = body(r).await["ids"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(ids, n);
    admin
        .post(&run)
        .header("Idempotency-Key", "close-nov")
        .json(&json!({"start": "2026-11-30"}))
        .send()
        .await
        .expect("retry");
    let all = body(
        admin
            .get(app.url("/api/v1/tasks?limit=500"))
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(all["total"], n as u64, "the retry created nothing");

    let r = admin
        .post(app.url("/api/v1/tasks/templates"))
        .json(&json!({"name": "Cash count", "items": [{"title": "Count", "role": "accountant", "offset_days": 1, "priority": "now"}]}))
        .send()
        .await
        .expect("bad template");
    assert_eq!(fields(&body(r).await), ["items[0].priority"]);
    let r = admin
        .post(app.url("/api/v1/tasks/templates"))
        .json(&json!({"name": "Cash count", "items": [{"title": "Count", "role": "accountant", "offset_days": 1}]}))
        .send()
        .await
        .expect("template");
    assert_eq!(r.status(), 201);
    let emp = client(&app, "emp").await;
    let r = emp
        .post(&run)
        .json(&json!({"start": "2026-11-30"}))
        .send()
        .await
        .expect("employee runs");
    assert_eq!(r.status(), 403);

    let r = admin
        .post(app.url("/api/v1/tasks/recurring"))
        .json(&json!({"title": "Payroll check", "rrule": "FREQ=MONTHLY;BYDAY=XX"}))
        .send()
        .await
        .expect("bad rule");
    assert_eq!(fields(&body(r).await), ["rrule"]);
    let r = admin
        .post(app.url("/api/v1/tasks/recurring"))
        .json(&json!({"title": "Monday review", "rrule": "freq=weekly;byday=mo"}))
        .send()
        .await
        .expect("rule");
    assert_eq!(r.status(), 201);
    let rule = body(r).await;
    assert_eq!(rule["rrule"], "FREQ=WEEKLY;BYDAY=MO");
    assert!(rule["next"].is_string());
    let made = body(
        admin
            .get(app.url("/api/v1/tasks?q=Monday%20review"))
            .send()
            .await
            .expect("made"),
    )
    .await;
    assert!(
        made["total"].as_u64().unwrap_or(0) >= 2,
        "two Mondays in the next 14 days: {made}"
    );
    let r = admin
        .post(app.url(&format!("/api/v1/tasks/recurring/{}/pause", rule["id"])))
        .send()
        .await
        .expect("pause");
    assert_eq!(body(r).await["active"], false);
    let r = emp
        .post(app.url(&format!("/api/v1/tasks/recurring/{}/resume", rule["id"])))
        .send()
        .await
        .expect("emp resume");
    assert_eq!(r.status(), 404, "an employee does not see the admin's rule");
    let rules = body(
        admin
            .get(app.url("/api/v1/tasks/recurring"))
            .send()
            .await
            .expect("rules"),
    )
    .await;
    assert_eq!(rules.as_array().map(Vec::len), Some(1));
});
