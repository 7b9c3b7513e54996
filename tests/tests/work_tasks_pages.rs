//! The task pages through HTTP on both databases: create with errors beside their fields,
//! the list's filters, sort and export, a task's page (Markdown without raw HTML, status,
//! checklist with and without htmx, comments, reassign with a note and the history), the
//! workload, templates and recurring rules, the tasks box on a ledger entry's page, and
//! another company's task as 404.
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

async fn get(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.expect("get");
    let status = r.status().as_u16();
    (status, r.text().await.expect("text"))
}

async fn post(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    c.post(app.url(path)).form(form).send().await.expect("post")
}

/// The task's version as the page's forms carry it.
fn version_in(html: &str) -> String {
    let marker = "name=\"version\" value=\"";
    html.split_once(marker)
        .and_then(|(_, rest)| rest.split('"').next())
        .unwrap_or("0")
        .to_string()
}

both_databases!(task_pages_work_end_to_end, |db| async move {
    let app = spawn_app(db).await;
    let alice = add_user(&app.store, app.company, "alice", PASSWORD, &["employee"]).await;
    let bob = add_user(&app.store, app.company, "bob", PASSWORD, &["employee"]).await;
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;

    // The form reports errors beside their fields and keeps what was typed.
    let (s, html) = get(&admin, &app, "/tasks/new?link=ledger.entry:4").await;
    assert_eq!(s, 200);
    assert!(html.contains("value=\"ledger.entry:4\""));
    let r = post(
        &admin,
        &app,
        "/tasks",
        &[("title", ""), ("due", "soon"), ("description", "kept text")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(html.contains("id=\"title-err\""), "{html}");
    assert!(html.contains("id=\"due-err\""));
    assert!(html.contains("kept text"));

    // Create; Markdown is rendered without raw HTML.
    let alice_s = alice.0.to_string();
    let bob_s = bob.0.to_string();
    let r = post(
        &admin,
        &app,
        "/tasks",
        &[
            ("title", "Chase the supplier"),
            (
                "description",
                "**Call** them <script>alert(1)</script> [x](javascript:alert(1))",
            ),
            ("assignee_id", &alice_s),
            ("watchers", &bob_s),
            ("due", "2020-01-15"),
            ("priority", "urgent"),
            ("checklist", "find the invoice\ncall"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let task_path = location(&r);
    assert!(task_path.starts_with("/tasks/"), "{task_path}");
    let (s, html) = get(&admin, &app, &task_path).await;
    assert_eq!(s, 200);
    let rendered = html
        .split("class=\"card markdown\"")
        .nth(1)
        .and_then(|r| r.split("</section>").next())
        .expect("the rendered description");
    assert!(rendered.contains("<strong>Call</strong>"), "{rendered}");
    assert!(
        !rendered.contains("<script"),
        "raw HTML is escaped: {rendered}"
    );
    assert!(rendered.contains("&lt;script&gt;"));
    assert!(!rendered.contains("javascript:"), "{rendered}");
    assert!(!html.contains("<script>alert"), "nowhere on the page");
    assert!(html.contains("overdue"));
    assert!(html.contains("find the invoice"));

    // The list: filters, sort, search, export.
    post(
        &admin,
        &app,
        "/tasks",
        &[("title", "File the minutes"), ("priority", "low")],
    )
    .await;
    let (_, html) = get(&admin, &app, "/tasks?overdue=yes").await;
    assert!(html.contains("Chase the supplier") && !html.contains("File the minutes"));
    let (_, html) = get(&admin, &app, &format!("/tasks?assignee={}", alice.0)).await;
    assert!(html.contains("Chase the supplier") && !html.contains("File the minutes"));
    let (_, html) = get(&admin, &app, "/tasks?q=minutes&sort=priority&dir=desc").await;
    assert!(html.contains("File the minutes") && !html.contains("Chase the supplier"));
    assert!(html.contains("aria-sort=\"descending\""));
    let (s, html) = get(&admin, &app, "/tasks?priority=asap").await;
    assert_eq!(s, 422);
    assert!(html.contains("id=\"priority-err\""));
    let r = admin
        .get(app.url("/tasks?format=csv&sort=title"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    let csv = r.text().await.expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[1].contains("Chase the supplier") && lines[1].contains("yes"));
    let r = admin
        .get(app.url("/tasks?format=xlsx"))
        .send()
        .await
        .expect("xlsx");
    assert!(r.bytes().await.expect("bytes").starts_with(b"PK"));

    // Checklist: htmx swaps the checklist; without htmx the page reloads.
    let (_, html) = get(&admin, &app, &task_path).await;
    let item_action = html
        .split("action=\"")
        .filter_map(|s| s.split('"').next())
        .find(|a| a.contains("/checklist/"))
        .expect("a checklist item form")
        .to_string();
    let r = admin
        .post(app.url(&item_action))
        .header("HX-Request", "true")
        .form(&[("done", "1")])
        .send()
        .await
        .expect("toggle");
    assert_eq!(r.status(), 200);
    let part = r.text().await.expect("part");
    assert!(
        part.starts_with("<section") && part.contains("(1/2)"),
        "{part}"
    );
    let r = post(&admin, &app, &item_action, &[("done", "0")]).await;
    assert_eq!(r.status(), 303);
    let r = post(
        &admin,
        &app,
        &format!("{task_path}/checklist"),
        &[("text", "")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("text").contains("id=\"text-err\""));

    // Status, comment, reassign with a note; the history shows both holders.
    let (_, html) = get(&admin, &app, &task_path).await;
    let v = version_in(&html);
    let r = post(
        &admin,
        &app,
        &format!("{task_path}/status"),
        &[("status", "waiting"), ("version", &v)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = post(
        &admin,
        &app,
        &format!("{task_path}/status"),
        &[("status", "done"), ("version", &v)],
    )
    .await;
    assert_eq!(r.status(), 422, "a stale version is refused on the page");
    let r = post(
        &admin,
        &app,
        &format!("{task_path}/comments"),
        &[("body", "")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post(
        &admin,
        &app,
        &format!("{task_path}/comments"),
        &[("body", "Called, waiting for the _credit note_")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, &task_path).await;
    assert!(html.contains("<em>credit note</em>"));
    let v = version_in(&html);
    let r = post(
        &admin,
        &app,
        &format!("{task_path}/reassign"),
        &[
            ("assignee_id", &bob_s),
            ("note", "Bob knows them"),
            ("version", &v),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, &task_path).await;
    let history = html
        .split("id=\"task-history\"")
        .nth(1)
        .expect("history table");
    assert!(
        history.contains("alice (test)")
            && history.contains("bob (test)")
            && history.contains("Bob knows them")
    );
    let r = post(
        &admin,
        &app,
        &format!("{task_path}/reassign"),
        &[("assignee_id", &bob_s), ("version", &version_in(&html))],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("id=\"assignee_id-err\""));

    // Edit with the version; errors name the field.
    let (_, html) = get(&admin, &app, &task_path).await;
    let v = version_in(&html);
    let r = post(
        &admin,
        &app,
        &format!("{task_path}/update"),
        &[("title", " "), ("version", &v)],
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post(
        &admin,
        &app,
        &format!("{task_path}/update"),
        &[
            ("title", "Chase the supplier again"),
            ("priority", "high"),
            ("due", "2020-01-15"),
            ("version", &v),
            ("link", "ledger.entry:9"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);

    // Bob (now holding it) sees it in his list; alice no longer does.
    let bob_c = app.signed_in("bob", PASSWORD).await;
    let (_, html) = get(&bob_c, &app, "/tasks").await;
    assert!(html.contains("Chase the supplier again"));
    let alice_c = app.signed_in("alice", PASSWORD).await;
    let (_, html) = get(&alice_c, &app, "/tasks").await;
    assert!(!html.contains("Chase the supplier again"));
    let (s, _) = get(&alice_c, &app, &task_path).await;
    assert_eq!(s, 404);

    // Workload.
    let (s, html) = get(&admin, &app, "/tasks/workload").await;
    assert_eq!(s, 200);
    assert!(html.contains("bob (test)") && html.contains("1 overdue"));

    // Another company's admin gets 404 for the page and its forms.
    let other = steward_core::company::create_company(&app.store, "test", "Other", "EUR")
        .await
        .expect("company");
    add_user(&app.store, other, "olga", PASSWORD, &["admin"]).await;
    let olga = app.signed_in("olga", PASSWORD).await;
    let (s, _) = get(&olga, &app, &task_path).await;
    assert_eq!(s, 404);
    let r = post(
        &olga,
        &app,
        &format!("{task_path}/comments"),
        &[("body", "hi")],
    )
    .await;
    assert_eq!(r.status(), 404);
});

both_databases!(templates_recurring_and_linked_records, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "acct", PASSWORD, &["accountant"]).await;
    add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;

    let (s, html) = get(&admin, &app, "/tasks/templates").await;
    assert_eq!(s, 200);
    for name in [
        "Month-end close",
        "Onboarding",
        "Offboarding",
        "Audit preparation",
    ] {
        assert!(html.contains(name), "{name}");
    }
    let r = post(
        &admin,
        &app,
        "/tasks/templates",
        &[
            ("name", "Cash count"),
            ("items", "Count | accountant | soon"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(html.contains("items[0].offset_days") && html.contains("Count | accountant | soon"));
    let r = post(
        &admin,
        &app,
        "/tasks/templates",
        &[
            ("name", "Cash count"),
            ("items", "Count the cash | accountant | 1 | high\nSign off"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, "/tasks/templates").await;
    let run = html
        .split("action=\"")
        .filter_map(|s| s.split('"').next())
        .filter(|a| a.ends_with("/run"))
        // The newest template (Cash count) has the highest id.
        .max_by_key(|a| {
            a.trim_start_matches("/tasks/templates/")
                .trim_end_matches("/run")
                .parse::<i64>()
                .unwrap_or(0)
        })
        .expect("a run form")
        .to_string();
    let r = post(&admin, &app, &run, &[("start", "bad")]).await;
    assert_eq!(r.status(), 422);
    let r = post(&admin, &app, &run, &[("start", "2026-12-01")]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, "/tasks").await;
    assert!(
        html.contains("Count the cash") && html.contains("Sign off"),
        "{html}"
    );
    let emp = app.signed_in("emp", PASSWORD).await;
    let r = post(&emp, &app, &run, &[("start", "2026-12-01")]).await;
    assert_eq!(r.status(), 403);

    // Recurring rules.
    let r = post(
        &admin,
        &app,
        "/tasks/recurring",
        &[
            ("title", "Monday review"),
            ("rrule", "FREQ=WEEKLY;BYDAY=XX"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(html.contains("id=\"rrule-err\"") && html.contains("Monday review"));
    let r = post(
        &admin,
        &app,
        "/tasks/recurring",
        &[
            ("title", "Monday review"),
            ("rrule", "FREQ=WEEKLY;BYDAY=MO"),
            ("priority", "normal"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, "/tasks/recurring").await;
    assert!(html.contains("FREQ=WEEKLY;BYDAY=MO") && html.contains("active"));
    let pause = html
        .split("action=\"")
        .filter_map(|s| s.split('"').next())
        .find(|a| a.ends_with("/pause"))
        .expect("a pause form")
        .to_string();
    let r = post(&emp, &app, &pause, &[]).await;
    assert_eq!(r.status(), 404);
    let r = post(&admin, &app, &pause, &[]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, "/tasks/recurring").await;
    assert!(html.contains("paused"));
    let (_, html) = get(&admin, &app, "/tasks?q=Monday+review").await;
    assert!(html.contains("Monday review"), "created ahead at once");

    // A ledger entry's page shows its tasks.
    let token = app.token(ADMIN, ADMIN_PASSWORD, false).await;
    let api = app.api(&token);
    let r = api
        .post(app.url("/api/v1/ledger/setup"))
        .send()
        .await
        .expect("setup");
    assert!(r.status().is_success());
    let e: serde_json::Value = api
        .post(app.url("/api/v1/ledger/entries"))
        .json(&serde_json::json!({"date": "2026-11-02", "description": "Office chairs",
            "lines": [{"account": "Expenses:Office", "amount": "120.00"}, {"account": "Assets:Bank:Checking"}]}))
        .send()
        .await
        .expect("entry")
        .json()
        .await
        .expect("json");
    let entry = e["id"].as_i64().expect("entry id");
    let (_, html) = get(&admin, &app, &format!("/ledger/entries/{entry}")).await;
    assert!(html.contains("No tasks are linked"), "{html}");
    let link = format!("ledger.entry:{entry}");
    post(
        &admin,
        &app,
        "/tasks",
        &[("title", "Get the chair receipts"), ("link", &link)],
    )
    .await;
    let (_, html) = get(&admin, &app, &format!("/ledger/entries/{entry}")).await;
    let box_html = html
        .split("id=\"task-links-h\"")
        .nth(1)
        .expect("the tasks box");
    assert!(box_html.contains("Get the chair receipts"));
    assert!(box_html.contains(&format!("/tasks/new?link=ledger.entry%3A{entry}")));
});
