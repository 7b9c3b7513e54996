//! Notifications end to end on both databases: the unread count in every page's header,
//! the notification centre (list, filter, export, mark read, mark all read, open), the API
//! (another user's notification is 404), preferences, the jobs page, "My work", the
//! dashboard, and e-mail delivered over real SMTP to a sink on localhost.
use serde_json::{json, Value};
use std::time::Duration;
use steward_core::company::create_company;
use steward_core::ids::{CompanyId, UserId};
use steward_core::work::notify::{self, NewNotification};
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

fn note(company: CompanyId, user: UserId, kind: &str, title: &str) -> NewNotification {
    NewNotification {
        company,
        user,
        kind: kind.into(),
        title: title.into(),
        body: format!("Details of {title}."),
        link: Some("/work".into()),
    }
}

async fn json_of(r: reqwest::Response) -> Value {
    r.json().await.expect("json")
}

both_databases!(email_preference_delivers_over_smtp, |db| async move {
    let (app, sink) = spawn_app_with_mail(db).await;
    let ann = add_user(&app.store, app.company, "ann", PASSWORD, &["employee"]).await;
    let token = app.token("ann", PASSWORD, false).await;
    let api = app.api(&token);
    let r = api
        .put(app.url("/api/v1/notifications/preferences"))
        .json(&json!([{"group": "task", "delivery": "email"}]))
        .send()
        .await
        .expect("prefs");
    assert_eq!(r.status(), 200);
    let prefs = json_of(r).await;
    assert!(prefs
        .as_array()
        .expect("array")
        .iter()
        .any(|p| p["group"] == "task" && p["delivery"] == "email"));
    notify::notify(
        &app.store,
        vec![
            note(
                app.company,
                ann,
                "task.assigned",
                "Reconcile the bank account",
            ),
            // In-app only: no mail.
            note(app.company, ann, "approval.waiting", "Approve entry 12"),
        ],
    )
    .await
    .expect("notify");
    let got = sink.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(got.len(), 1, "one mail delivered");
    let m = &got[0];
    assert_eq!(m.rcpt_to, vec!["ann@acme.example".to_string()]);
    assert_eq!(m.mail_from, "steward@acme.example");
    assert_eq!(m.subject(), "[Steward] Reconcile the bank account");
    let body = m.body();
    assert!(body.contains("Hello ann (test),"), "{body}");
    assert!(
        body.contains("Details of Reconcile the bank account."),
        "{body}"
    );
    assert!(body.contains(&format!("{}/work", app.addr)), "{body}");
    assert!(body.contains("/notifications/preferences"), "{body}");
    // Nothing else arrives (the approval was in-app only).
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), 1);
    // Both are in the app.
    let r = api
        .get(app.url("/api/v1/notifications/unread-count"))
        .send()
        .await
        .expect("count");
    assert_eq!(json_of(r).await["unread"], 2);
    // The job that sent it is done, visible to the admin.
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let jobs = json_of(
        admin
            .get(app.url("/api/v1/jobs?kind=work.notify.mail"))
            .send()
            .await
            .expect("jobs"),
    )
    .await;
    assert_eq!(jobs["total"], 1);
    assert_eq!(jobs["items"][0]["status"], "done");
});

both_databases!(mail_without_smtp_is_shown_as_failed, |db| async move {
    // No worker with a mailer here: run one with no SMTP configured.
    let app = spawn_app(db).await;
    let id = steward_core::work::mail::send_mail(
        &app.store,
        steward_core::work::mail::Mail {
            company: Some(app.company),
            to: "someone@example.com".into(),
            subject: "Hello".into(),
            body: "Text".into(),
            reply_to: None,
            ..Default::default()
        },
    )
    .await
    .expect("enqueue");
    let mut registry = steward_core::registry::Registry::new();
    steward_core::work::register(
        &mut registry,
        app.store.clone(),
        std::sync::Arc::new(steward_core::work::mail::NotConfigured),
    );
    let worker = steward_core::jobs::Worker::new(
        app.store.clone(),
        registry.jobs().clone(),
        steward_core::jobs::WorkerConfig {
            poll_interval: Duration::from_millis(50),
            ..Default::default()
        },
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let h = tokio::spawn(worker.run(async move {
        let _ = rx.await;
    }));
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let mut html = String::new();
    for _ in 0..100 {
        html = admin
            .get(app.url("/jobs?status=dead"))
            .send()
            .await
            .expect("jobs page")
            .text()
            .await
            .expect("html");
        if html.contains(&format!("id=\"job-{id}\"")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = tx.send(());
    let _ = h.await;
    assert!(html.contains(&format!("id=\"job-{id}\"")), "{html}");
    assert!(html.contains("no SMTP server is configured"), "{html}");
    // Retry puts it back in the queue (and it is audited).
    let r = admin
        .post(app.url(&format!("/jobs/{id}/retry")))
        .send()
        .await
        .expect("retry");
    assert_eq!(r.status(), 303);
    let job = steward_core::jobs::JobStore::get_job(&app.store, id)
        .await
        .expect("get")
        .expect("job");
    assert_eq!(job.status, steward_core::jobs::JobStatus::Queued);
    // Retrying a job that is not dead: 404.
    let r = admin
        .post(app.url(&format!("/jobs/{id}/retry")))
        .send()
        .await
        .expect("retry again");
    assert_eq!(r.status(), 404);
});

both_databases!(notification_centre_pages_and_api, |db| async move {
    let app = spawn_app(db).await;
    let ann = add_user(&app.store, app.company, "ann", PASSWORD, &["employee"]).await;
    let bob = add_user(&app.store, app.company, "bob", PASSWORD, &["employee"]).await;
    notify::notify(
        &app.store,
        vec![
            note(app.company, ann, "task.assigned", "Task one"),
            note(app.company, ann, "case.breached", "Case <b>two</b>"),
            note(app.company, ann, "approval.waiting", "Approval three"),
            note(app.company, bob, "task.assigned", "Bob's task"),
        ],
    )
    .await
    .expect("notify");
    let web = app.signed_in("ann", PASSWORD).await;

    // The header shows the unread count on every page.
    for path in ["/", "/profile", "/notifications", "/work"] {
        let html = web
            .get(app.url(path))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        assert!(
            html.contains(
                "<span class=\"notif-count\">3</span><span class=\"sr-only\"> unread</span>"
            ),
            "{path}: {html}"
        );
    }
    let html = web
        .get(app.url("/notifications"))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("html");
    assert!(html.contains("Task one"));
    assert!(html.contains("Case &#60;b&#62;two") || html.contains("Case &lt;b&gt;two"));
    assert!(!html.contains("<b>two</b>"), "escaped");
    assert!(!html.contains("Bob&#x27;s task") && !html.contains("Bob's task"));
    // Filter, search.
    let html = web
        .get(app.url("/notifications?group=case"))
        .send()
        .await
        .expect("filter")
        .text()
        .await
        .expect("html");
    assert!(html.contains("two") && !html.contains("Task one"));
    let r = web
        .get(app.url("/notifications?group=weather"))
        .send()
        .await
        .expect("bad filter");
    assert_eq!(r.status(), 422);
    // Export.
    let r = web
        .get(app.url("/notifications?format=csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    let csv = r.text().await.expect("csv text");
    assert!(csv.starts_with("id,kind,title"), "{csv}");
    assert_eq!(csv.lines().count(), 4, "{csv}");
    let r = web
        .get(app.url("/notifications?format=xlsx"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.expect("bytes").starts_with(b"PK"));

    // The API: mine only; Bob's is 404 to Ann.
    let api = app.api(&app.token("ann", PASSWORD, false).await);
    let list = json_of(
        api.get(app.url("/api/v1/notifications"))
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(list["total"], 3);
    assert_eq!(list["items"][0]["title"], "Approval three", "newest first");
    assert_eq!(list["items"][0]["group"], "approval");
    let first_id = list["items"][2]["id"].as_i64().expect("id");
    let bobs = steward_core::work::notify::NotifyStore::list_notifications(
        &app.store,
        app.company,
        bob,
        &Default::default(),
    )
    .await
    .expect("bob's")
    .items[0]
        .id
        .0;
    for (method, path) in [
        ("GET", format!("/api/v1/notifications/{bobs}")),
        ("POST", format!("/api/v1/notifications/{bobs}/read")),
    ] {
        let r = api
            .request(method.parse().expect("method"), app.url(&path))
            .send()
            .await
            .expect("bob's");
        assert_eq!(r.status(), 404, "{method} {path}");
    }
    let r = web
        .post(app.url(&format!("/notifications/{bobs}/open")))
        .send()
        .await
        .expect("open bob's");
    assert_eq!(r.status(), 404);

    // Mark one read through the API.
    let r = api
        .post(app.url(&format!("/api/v1/notifications/{first_id}/read")))
        .send()
        .await
        .expect("read");
    assert_eq!(r.status(), 200);
    assert_eq!(json_of(r).await["read"], true);
    let unread = json_of(
        api.get(app.url("/api/v1/notifications?unread=true"))
            .send()
            .await
            .expect("unread"),
    )
    .await;
    assert_eq!(unread["total"], 2);
    // Opening one from the page marks it read and goes to its link.
    let second = unread["items"][0]["id"].as_i64().expect("id");
    let r = web
        .post(app.url(&format!("/notifications/{second}/open")))
        .send()
        .await
        .expect("open");
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/work")
    );
    // Mark all read from the page.
    let r = web
        .post(app.url("/notifications/read-all"))
        .send()
        .await
        .expect("read all");
    assert_eq!(r.status(), 303);
    let count = json_of(
        api.get(app.url("/api/v1/notifications/unread-count"))
            .send()
            .await
            .expect("count"),
    )
    .await;
    assert_eq!(count["unread"], 0);
    let html = web
        .get(app.url("/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("<span class=\"sr-only\">(none unread)</span>")
            && !html.contains("notif-count")
    );
    // Bob's is still unread.
    let bob_api = app.api(&app.token("bob", PASSWORD, false).await);
    let count = json_of(
        bob_api
            .get(app.url("/api/v1/notifications/unread-count"))
            .send()
            .await
            .expect("count"),
    )
    .await;
    assert_eq!(count["unread"], 1);

    // A read-only token cannot mark.
    let ro = app.api(&app.token("bob", PASSWORD, true).await);
    let r = ro
        .post(app.url("/api/v1/notifications/read-all"))
        .send()
        .await
        .expect("ro");
    assert_eq!(r.status(), 403);

    // Preferences: page and API, validated.
    let r = web
        .post(app.url("/notifications/preferences"))
        .form(&[("delivery_case", "digest"), ("delivery_task", "off")])
        .send()
        .await
        .expect("save prefs");
    assert_eq!(r.status(), 303);
    let html = web
        .get(app.url("/notifications/preferences"))
        .send()
        .await
        .expect("prefs page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("id=\"delivery_case_digest\" checked"),
        "{html}"
    );
    assert!(html.contains("id=\"delivery_task_off\" checked"), "{html}");
    let r = web
        .post(app.url("/notifications/preferences"))
        .form(&[("delivery_case", "pigeon")])
        .send()
        .await
        .expect("bad prefs");
    assert_eq!(r.status(), 422);
    let r = api
        .put(app.url("/api/v1/notifications/preferences"))
        .json(&json!([{"group": "weather", "delivery": "email"}]))
        .send()
        .await
        .expect("bad group");
    assert_eq!(r.status(), 422);
    let p = json_of(r).await;
    assert!(p.to_string().contains("group"), "{p}");
    // Off: a task notification is not stored at all.
    notify::notify(
        &app.store,
        vec![note(app.company, ann, "task.assigned", "Dropped")],
    )
    .await
    .expect("notify");
    let count = json_of(
        api.get(app.url("/api/v1/notifications/unread-count"))
            .send()
            .await
            .expect("count"),
    )
    .await;
    assert_eq!(count["unread"], 0);
});

both_databases!(other_company_and_dashboard, |db| async move {
    let app = spawn_app(db).await;
    let other = create_company(&app.store, "test", "Other Ltd", "EUR")
        .await
        .expect("company");
    let zed = add_user(&app.store, other, "zed", PASSWORD, &["admin"]).await;
    notify::notify(&app.store, vec![note(other, zed, "task.assigned", "Zed's")])
        .await
        .expect("notify");
    let zeds = steward_core::work::notify::NotifyStore::list_notifications(
        &app.store,
        other,
        zed,
        &Default::default(),
    )
    .await
    .expect("list")
    .items[0]
        .id
        .0;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let r = admin
        .get(app.url(&format!("/api/v1/notifications/{zeds}")))
        .send()
        .await
        .expect("other company's");
    assert_eq!(r.status(), 404);

    // The dashboard: tiles with links; the admin sees the audit and jobs tiles.
    let web = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let html = web
        .get(app.url("/dashboard"))
        .send()
        .await
        .expect("dashboard")
        .text()
        .await
        .expect("html");
    assert!(html.contains("id=\"tile-audit-recent\""), "{html}");
    assert!(html.contains("id=\"tile-notifications-unread\""));
    assert!(html.contains("<svg class=\"chart\""), "a server-side chart");
    for tile in [
        "tile-tasks-open",
        "tile-tasks-overdue",
        "tile-approvals-waiting",
        "tile-cases-sla",
        "tile-jobs-dead",
    ] {
        assert!(html.contains(&format!("id=\"{tile}\"")), "{tile}");
    }
    // Every tile links to the list behind it.
    assert!(html.contains("href=\"/tasks?overdue=yes\""));
    assert!(html.contains("href=\"/cases?status=open\""));
    let tiles = json_of(
        admin
            .get(app.url("/api/v1/dashboard"))
            .send()
            .await
            .expect("api"),
    )
    .await;
    let audit = tiles
        .as_array()
        .expect("tiles")
        .iter()
        .find(|t| t["key"] == "audit.recent")
        .cloned()
        .expect("audit tile");
    assert!(audit["number"].as_i64().expect("number") >= 1);
    assert!(audit["link"].as_str().expect("link").starts_with("/audit"));
    // An employee has no dashboard and no jobs page.
    add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
    let emp = app.signed_in("emp", PASSWORD).await;
    for path in ["/dashboard", "/jobs"] {
        let r = emp.get(app.url(path)).send().await.expect("page");
        assert_eq!(r.status(), 403, "{path}");
    }
    let emp_api = app.api(&app.token("emp", PASSWORD, false).await);
    for path in ["/api/v1/dashboard", "/api/v1/jobs", "/api/v1/jobs/stats"] {
        let r = emp_api.get(app.url(path)).send().await.expect("api");
        assert_eq!(r.status(), 403, "{path}");
    }
    // My work shows my unread notifications.
    let me =
        steward_core::work::notify::NotifyStore::recipients(&app.store, app.company, &[app.admin])
            .await
            .expect("me");
    assert_eq!(me.len(), 1);
    notify::notify(
        &app.store,
        vec![note(
            app.company,
            app.admin,
            "system.hello",
            "Welcome aboard",
        )],
    )
    .await
    .expect("notify");
    let html = web
        .get(app.url("/work"))
        .send()
        .await
        .expect("my work")
        .text()
        .await
        .expect("html");
    assert!(html.contains("id=\"my-notifications\""));
    assert!(html.contains("Welcome aboard"));
    for section in ["my-tasks", "my-approvals", "my-escalations"] {
        assert!(html.contains(&format!("id=\"{section}\"")), "{section}");
    }
    // An employee has tasks and approvals, but no escalations.
    let html = emp
        .get(app.url("/work"))
        .send()
        .await
        .expect("my work")
        .text()
        .await
        .expect("html");
    assert!(html.contains("id=\"my-tasks\"") && html.contains("id=\"my-notifications\""));
    assert!(!html.contains("id=\"my-escalations\""));
});
