//! Billing by e-mail through the API, on both databases, with a real SMTP sink and the mail
//! worker: a posted invoice is sent (its PDF arrives attached, the send is logged with its
//! message id and status, a retried key sends once, bad addresses are 422 by position);
//! reminders are switched on, previewed, sent once per level (the customer's mail arrives
//! with the overdue invoice's PDF); a recurring invoice makes one invoice per occurrence,
//! pauses, stops for good; another company sees none of it.
use serde_json::{json, Value};
use std::time::Duration;
use steward_e2e::*;

async fn setup(app: &TestApp, api: &reqwest::Client) -> i64 {
    billing_books(
        app,
        api,
        api,
        json!({"receivable_account": "1200", "payable_account": "2000", "tax_rounding": "line"}),
    )
    .await;
    let c = body_with(
        api.post(app.url("/api/v1/billing/parties"))
            .json(
                &json!({"name": "Globex", "legal_name": "Globex Corporation", "is_customer": true,
                "payment_terms_days": 14, "income_account": "4000", "email": "ap@globex.example"}),
            )
            .send()
            .await
            .expect("party"),
        201,
    )
    .await;
    c["id"].as_i64().expect("id")
}

async fn posted_invoice(app: &TestApp, api: &reqwest::Client, party: i64, date: &str) -> Value {
    let inv = body_with(
        api.post(app.url("/api/v1/billing/invoices"))
            .json(&json!({"party_id": party, "issue_date": date,
                "lines": [{"description": "Support, monthly", "quantity": "1", "unit_price": "1200.00"}]}))
            .send()
            .await
            .expect("draft"),
        201,
    )
    .await;
    let id = inv["id"].as_i64().expect("id");
    body_with(
        api.post(app.url(&format!("/api/v1/billing/invoices/{id}/post")))
            .send()
            .await
            .expect("post"),
        200,
    )
    .await
}

fn days_ago(n: i64) -> String {
    (chrono::Utc::now().date_naive() - chrono::Duration::days(n)).to_string()
}

both_databases!(
    an_invoice_is_sent_with_its_pdf_and_logged,
    |db| async move {
        let (app, sink) = spawn_app_with_mail(db).await;
        let api = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
        let party = setup(&app, &api).await;
        let inv = posted_invoice(&app, &api, party, &days_ago(1)).await;
        let id = inv["id"].as_i64().expect("id");
        let number = inv["number"].as_str().expect("number").to_string();

        // Addresses are checked one by one; nothing is sent.
        let bad = body_with(
            api.post(app.url(&format!("/api/v1/billing/invoices/{id}/send")))
                .json(&json!({"to": ["ap@globex.example", "nobody"]}))
                .send()
                .await
                .expect("send"),
            422,
        )
        .await;
        assert_eq!(bad["errors"][0]["field"], "to[1]", "{bad}");

        let send = |key: &'static str| {
            api.post(app.url(&format!("/api/v1/billing/invoices/{id}/send")))
                .header("Idempotency-Key", key)
                .json(&json!({"to": ["ap@globex.example", "cfo@globex.example"]}))
                .send()
        };
        let first = body_with(send("send-one").await.expect("send"), 201).await;
        assert_eq!(first["kind"], "document");
        assert_eq!(first["documents"][0]["number"], number.as_str());
        let again = body_with(send("send-one").await.expect("send"), 201).await;
        assert_eq!(again["id"], first["id"], "a retried key sends once");

        let mails = sink.wait_for(1, Duration::from_secs(15)).await;
        assert_eq!(mails.len(), 1, "one mail");
        let m = &mails[0];
        let mut rcpt = m.rcpt_to.clone();
        rcpt.sort();
        assert_eq!(rcpt, vec!["ap@globex.example", "cfo@globex.example"]);
        assert!(m.subject().contains(&number), "{}", m.subject());
        assert!(m.text().contains("Globex Corporation"), "{}", m.text());
        let message_id = first["message_id"].as_str().expect("id");
        assert!(
            m.header("message-id")
                .unwrap_or_default()
                .contains(message_id),
            "{:?}",
            m.header("message-id")
        );
        let files = m.attachments();
        assert_eq!(files.len(), 1, "{}", m.data);
        assert_eq!(files[0].0, format!("{number}.pdf"));
        assert!(files[0].1.starts_with(b"%PDF"), "a PDF");

        // The log shows it sent (the worker finished the job).
        let mut status = String::new();
        for _ in 0..50 {
            let log = body_with(
                api.get(app.url(&format!("/api/v1/billing/invoices/{id}/sends")))
                    .send()
                    .await
                    .expect("log"),
                200,
            )
            .await;
            assert_eq!(log.as_array().map(Vec::len), Some(1), "{log}");
            status = log[0]["status"].as_str().unwrap_or("").to_string();
            if status == "sent" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(status, "sent");

        // Another company's admin does not find it.
        let other = steward_core::company::create_company(&app.store, "other", "Other", "EUR")
            .await
            .expect("company");
        add_user(
            &app.store,
            other,
            "otto",
            "a long enough test passphrase",
            &["admin"],
        )
        .await;
        let otto = app.api(
            &app.token("otto", "a long enough test passphrase", false)
                .await,
        );
        body_with(
            otto.post(app.url(&format!("/api/v1/billing/invoices/{id}/send")))
                .json(&json!({"to": ["x@y.example"]}))
                .send()
                .await
                .expect("send"),
            404,
        )
        .await;
    }
);

both_databases!(reminders_go_once_per_level_with_the_pdf, |db| async move {
    let (app, sink) = spawn_app_with_mail(db).await;
    let api = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let party = setup(&app, &api).await;
    // Due 16 days ago: level 1 (7 days) reached, level 2 (21) not yet.
    let inv = posted_invoice(&app, &api, party, &days_ago(30)).await;
    let number = inv["number"].as_str().expect("number").to_string();

    let settings = body_with(
        api.get(app.url("/api/v1/billing/mail-settings"))
            .send()
            .await
            .expect("get"),
        200,
    )
    .await;
    assert_eq!(settings["dunning_enabled"], false);
    let mut put = json!({
        "invoice_subject": settings["invoice_subject"], "invoice_body": settings["invoice_body"],
        "dunning_enabled": true, "levels": settings["levels"], "version": settings["version"],
    });
    put["levels"][1]["days"] = json!(5);
    let bad = body_with(
        api.put(app.url("/api/v1/billing/mail-settings"))
            .json(&put)
            .send()
            .await
            .expect("put"),
        422,
    )
    .await;
    assert_eq!(bad["errors"][0]["field"], "levels[1].days", "{bad}");
    put["levels"][1]["days"] = json!(21);
    body_with(
        api.put(app.url("/api/v1/billing/mail-settings"))
            .json(&put)
            .send()
            .await
            .expect("put"),
        200,
    )
    .await;

    let preview = body_with(
        api.get(app.url("/api/v1/billing/dunning/preview"))
            .send()
            .await
            .expect("preview"),
        200,
    )
    .await;
    assert_eq!(preview.as_array().map(Vec::len), Some(1), "{preview}");
    assert_eq!(preview[0]["level"], 1);
    assert_eq!(preview[0]["invoices"][0]["number"], number.as_str());
    assert_eq!(preview[0]["invoices"][0]["open"], "1200.00");

    let run = body_with(
        api.post(app.url("/api/v1/billing/dunning/run"))
            .send()
            .await
            .expect("run"),
        200,
    )
    .await;
    assert_eq!(run["sent"], 1, "{run}");
    let run = body_with(
        api.post(app.url("/api/v1/billing/dunning/run"))
            .send()
            .await
            .expect("run"),
        200,
    )
    .await;
    assert_eq!(run["sent"], 0, "a level goes once: {run}");
    let mails = sink.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].subject().starts_with("Reminder:"),
        "{}",
        mails[0].subject()
    );
    assert!(mails[0].text().contains(&number), "{}", mails[0].text());
    let files = mails[0].attachments();
    assert_eq!(files.len(), 1);
    assert!(files[0].1.starts_with(b"%PDF"));
    let sent = body_with(
        api.get(app.url("/api/v1/billing/dunning/sent?kind=reminder"))
            .send()
            .await
            .expect("sent"),
        200,
    )
    .await;
    assert_eq!(sent["total"], 1);
    assert_eq!(sent["items"][0]["documents"][0]["level"], 1);

    // Excluded: the preview says why and nothing goes.
    body_with(
        api.put(app.url(&format!("/api/v1/billing/parties/{party}/dunning")))
            .json(&json!({"excluded": true}))
            .send()
            .await
            .expect("exclude"),
        200,
    )
    .await;
    let flag = body_with(
        api.get(app.url(&format!("/api/v1/billing/parties/{party}/dunning")))
            .send()
            .await
            .expect("get"),
        200,
    )
    .await;
    assert_eq!(flag["excluded"], true);
});

both_databases!(
    a_recurring_invoice_makes_its_invoices_once,
    |db| async move {
        let app = spawn_app(db).await;
        let api = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
        let party = setup(&app, &api).await;
        let inv = posted_invoice(&app, &api, party, &days_ago(70)).await;
        let bad = body_with(
            api.post(app.url("/api/v1/billing/recurring"))
                .json(
                    &json!({"source_id": inv["id"], "name": "Retainer", "rrule": "FREQ=MONTHLY",
                "start": days_ago(65), "auto_send": true}),
                )
                .send()
                .await
                .expect("create"),
            422,
        )
        .await;
        assert_eq!(bad["errors"][0]["field"], "auto_send", "{bad}");
        let t = body_with(
            api.post(app.url("/api/v1/billing/recurring"))
                .json(
                    &json!({"source_id": inv["id"], "name": "Retainer", "rrule": "FREQ=MONTHLY",
                "start": days_ago(65), "auto_post": true}),
                )
                .send()
                .await
                .expect("create"),
            201,
        )
        .await;
        let id = t["id"].as_i64().expect("id");
        assert_eq!(t["status"], "active");
        let run = |path: &'static str| {
            api.post(app.url(&format!("/api/v1/billing/recurring/{id}/{path}")))
                .send()
        };
        let after = body_with(run("run").await.expect("run"), 200).await;
        let made = after["invoices"].as_array().map(Vec::len).unwrap_or(0);
        assert!((2..=3).contains(&made), "{after}");
        assert!(after["invoices"]
            .as_array()
            .expect("list")
            .iter()
            .all(|r| r["status"] == "posted" && r["total"] == "1200.00"));
        let again = body_with(run("run").await.expect("run"), 200).await;
        assert_eq!(
            again["invoices"].as_array().map(Vec::len),
            Some(made),
            "once per occurrence"
        );
        assert_eq!(again["made"], made as i64);
        let paused = body_with(run("pause").await.expect("pause"), 200).await;
        assert_eq!(paused["status"], "paused");
        body_with(run("resume").await.expect("resume"), 200).await;
        body_with(run("stop").await.expect("stop"), 200).await;
        body_with(run("resume").await.expect("resume"), 409).await;
        let list = body_with(
            api.get(app.url("/api/v1/billing/recurring"))
                .send()
                .await
                .expect("list"),
            200,
        )
        .await;
        assert_eq!(list[0]["status"], "stopped");
        body_with(
            api.get(app.url("/api/v1/billing/recurring/999999"))
                .send()
                .await
                .expect("get"),
            404,
        )
        .await;
    }
);
