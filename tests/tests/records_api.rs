//! Records through the API and the pages, on both databases. Access by need: a subject
//! is 404 to a user who is neither its owner nor assigned (as another company's is), a
//! sensitive category needs `records_sensitive`, a category that does not exist is 422 on
//! `category_id`, an upload that is not what it claims is 422 on `file`; documents keep
//! every version. Break-glass without a reason is 422 naming `reason` and writes nothing;
//! with one it opens the file, is logged, tells the owner and the privacy officer, and
//! waits in the review queue. Exports are logged. The pages show the file, the
//! break-glass form and the queue.
use serde_json::{json, Value};
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

async fn post(c: &reqwest::Client, app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    c.post(app.url(path))
        .json(&body)
        .send()
        .await
        .expect("post")
}

async fn get(c: &reqwest::Client, app: &TestApp, path: &str) -> reqwest::Response {
    c.get(app.url(path)).send().await.expect("get")
}

async fn count(app: &TestApp, c: &reqwest::Client, path: &str) -> i64 {
    body_with(get(c, app, path).await, 200).await["total"]
        .as_i64()
        .expect("total")
}

fn category(cats: &Value, name: &str) -> i64 {
    cats.as_array()
        .expect("categories")
        .iter()
        .find(|c| c["name"] == name)
        .and_then(|c| c["id"].as_i64())
        .expect("category")
}

both_databases!(access_by_need_and_break_glass, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "doc", PASSWORD, &["employee"]).await;
    let nurse_id = add_user(&app.store, app.company, "nurse", PASSWORD, &["employee"]).await;
    add_user(
        &app.store,
        app.company,
        "po",
        PASSWORD,
        &["privacy_officer"],
    )
    .await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let doc = app.api(&app.token("doc", PASSWORD, false).await);
    let nurse = app.api(&app.token("nurse", PASSWORD, false).await);
    let po = app.api(&app.token("po", PASSWORD, false).await);

    // The privacy officer sets up a clinic in one call; an employee may not.
    assert_eq!(
        post(
            &doc,
            &app,
            "/api/v1/records/templates",
            json!({"template": "clinic"})
        )
        .await
        .status(),
        403
    );
    let kind = post_json(
        &app,
        &po,
        "/api/v1/records/templates",
        json!({"template": "clinic"}),
        201,
    )
    .await;
    let again = post_json(
        &app,
        &po,
        "/api/v1/records/templates",
        json!({"template": "clinic"}),
        422,
    )
    .await;
    assert_eq!(fields(&again), ["template"]);
    let cats = body_with(get(&doc, &app, "/api/v1/records/categories").await, 200).await;
    let (enc, mental) = (
        category(&cats, "Encounters"),
        category(&cats, "Mental health"),
    );

    // The doctor makes a patient: checked against the kind's fields.
    let bad = post_json(
        &app,
        &doc,
        "/api/v1/records/subjects",
        json!({"kind_id": kind["id"], "reference": "P-1", "name": "Ada"}),
        422,
    )
    .await;
    assert_eq!(fields(&bad), ["custom.date_of_birth"]);
    let p = post_json(
        &app,
        &doc,
        "/api/v1/records/subjects",
        json!({"kind_id": kind["id"], "reference": "P-1", "name": "Ada",
                   "custom": {"date_of_birth": "1970-02-03"}}),
        201,
    )
    .await;
    let pid = p["id"].as_i64().expect("id");
    let note = format!("/api/v1/records/subjects/{pid}/notes");
    post_json(
        &app,
        &doc,
        &note,
        json!({"category_id": enc, "body": "Cough."}),
        201,
    )
    .await;
    let e = post_json(
        &app,
        &doc,
        &note,
        json!({"category_id": 999_999, "body": "x"}),
        422,
    )
    .await;
    assert_eq!(fields(&e), ["category_id"]);
    let e = post_json(
        &app,
        &doc,
        &note,
        json!({"category_id": mental, "body": "x"}),
        422,
    )
    .await;
    assert_eq!(
        fields(&e),
        ["category_id"],
        "a sensitive category needs its grant"
    );
    post_json(
        &app,
        &admin,
        &note,
        json!({"category_id": mental, "body": "Confidential."}),
        201,
    )
    .await;
    let file = body_with(
        get(&doc, &app, &format!("/api/v1/records/subjects/{pid}/file")).await,
        200,
    )
    .await;
    assert_eq!(file["items"].as_array().expect("items").len(), 1);
    assert_eq!(file["hidden"], 1);
    assert_eq!(file["access"], "owner");

    // A document: content-checked, versioned.
    let upload = |name: &'static str, bytes: &'static [u8]| {
        reqwest::multipart::Form::new()
            .text("category_id", enc.to_string())
            .text("title", "Referral")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            )
    };
    let r = doc
        .post(app.url(&format!("/api/v1/records/subjects/{pid}/documents")))
        .multipart(upload("x.pdf", b"\x00\x01 no pdf"))
        .send()
        .await
        .expect("upload");
    assert_eq!(fields(&body_with(r, 422).await), ["file"]);
    let r = doc
        .post(app.url(&format!("/api/v1/records/subjects/{pid}/documents")))
        .multipart(upload("referral.txt", b"first"))
        .send()
        .await
        .expect("upload");
    let d = body_with(r, 201).await;
    let r = doc
        .post(app.url(&format!("/api/v1/records/items/{}/versions", d["id"])))
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(&b"second"[..]).file_name("referral.txt"),
        ))
        .send()
        .await
        .expect("version");
    let d = body_with(r, 201).await;
    let versions = d["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 2);
    let old = versions[1]["download"]
        .as_str()
        .expect("download")
        .to_string();
    let r = get(&doc, &app, &old).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), b"first");

    // Unassigned: 404 everywhere (the subject, its file, a download).
    for path in [
        format!("/api/v1/records/subjects/{pid}"),
        format!("/api/v1/records/subjects/{pid}/file"),
        old.clone(),
    ] {
        assert_eq!(get(&nurse, &app, &path).await.status(), 404, "{path}");
    }
    assert_eq!(count(&app, &nurse, "/api/v1/records/subjects").await, 0);

    // Break-glass without a reason: 422 on `reason`, nothing written.
    let log_before = count(
        &app,
        &po,
        &format!("/api/v1/records/subjects/{pid}/access-log"),
    )
    .await;
    let glass = format!("/api/v1/records/subjects/{pid}/break-glass");
    for reason in ["", "  "] {
        let e = post_json(&app, &nurse, &glass, json!({"reason": reason}), 422).await;
        assert_eq!(fields(&e), ["reason"]);
    }
    assert_eq!(
        count(
            &app,
            &po,
            &format!("/api/v1/records/subjects/{pid}/access-log")
        )
        .await,
        log_before
    );
    assert_eq!(count(&app, &po, "/api/v1/records/break-glass").await, 0);
    assert_eq!(
        get(
            &nurse,
            &app,
            &format!("/api/v1/records/subjects/{pid}/file")
        )
        .await
        .status(),
        404
    );
    // With a reason: open, logged, told, queued.
    let b = post_json(
        &app,
        &nurse,
        &glass,
        json!({"reason": "Unconscious in the ER"}),
        201,
    )
    .await;
    let file = body_with(
        get(
            &nurse,
            &app,
            &format!("/api/v1/records/subjects/{pid}/file"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(file["access"], "break_glass");
    assert!(file["break_glass_until"].is_string());
    assert_eq!(
        post(&nurse, &app, &glass, json!({"reason": "again"}))
            .await
            .status(),
        409
    );
    let log = body_with(
        get(
            &po,
            &app,
            &format!("/api/v1/records/subjects/{pid}/access-log"),
        )
        .await,
        200,
    )
    .await;
    let items = log["items"].as_array().expect("items");
    assert!(items
        .iter()
        .any(|e| e["action"] == "break_glass" && e["reason"] == "Unconscious in the ER"));
    assert!(items
        .iter()
        .any(|e| e["action"] == "view" && e["actor"] == "nurse"));
    assert!(items
        .iter()
        .any(|e| e["action"] == "download" && e["actor"] == "doc"));
    let by_user = body_with(
        get(
            &po,
            &app,
            &format!("/api/v1/records/users/{}/access-log", nurse_id.0),
        )
        .await,
        200,
    )
    .await;
    assert!(by_user["total"].as_i64().expect("total") >= 2);
    for c in [&doc, &po] {
        let n = body_with(get(c, &app, "/api/v1/notifications").await, 200).await;
        assert!(
            n["items"]
                .as_array()
                .expect("items")
                .iter()
                .any(|n| n["kind"] == "records.break_glass"),
            "{n}"
        );
    }
    // The audit trail has the break-glass and the views.
    let audit = body_with(
        get(&admin, &app, "/api/v1/audit?entity=records.break_glass").await,
        200,
    )
    .await;
    assert!(
        audit.to_string().contains("Unconscious in the ER"),
        "{audit}"
    );
    // The queue and the review.
    let q = body_with(get(&po, &app, "/api/v1/records/break-glass").await, 200).await;
    assert_eq!(q["total"], 1);
    assert_eq!(
        get(&nurse, &app, "/api/v1/records/break-glass")
            .await
            .status(),
        403
    );
    let review = format!("/api/v1/records/break-glass/{}/review", b["id"]);
    let e = post_json(&app, &po, &review, json!({"note": ""}), 422).await;
    assert_eq!(fields(&e), ["note"]);
    post_json(&app, &po, &review, json!({"note": "Justified."}), 200).await;
    assert_eq!(
        post(&po, &app, &review, json!({"note": "again"}))
            .await
            .status(),
        409
    );
    assert_eq!(count(&app, &po, "/api/v1/records/break-glass").await, 0);

    // Assignment by role opens the file to every holder; the export is logged.
    post_json(
        &app,
        &po,
        &format!("/api/v1/records/subjects/{pid}/assignments"),
        json!({"role_key": "employee"}),
        201,
    )
    .await;
    let r = get(&admin, &app, "/api/v1/records/subjects?format=csv").await;
    assert_eq!(r.status(), 200);
    let csv = r.text().await.expect("csv");
    assert!(csv.contains("P-1"), "{csv}");
    let mine = body_with(
        get(
            &admin,
            &app,
            &format!("/api/v1/records/users/{}/access-log", app.admin.0),
        )
        .await,
        200,
    )
    .await;
    assert!(mine["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|e| e["action"] == "export"));
});

both_databases!(the_pages_show_files_and_break_glass, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "nurse", PASSWORD, &["employee"]).await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let kind = post_json(
        &app,
        &admin,
        "/api/v1/records/templates",
        json!({"template": "clinic"}),
        201,
    )
    .await;
    let p = post_json(
        &app,
        &admin,
        "/api/v1/records/subjects",
        json!({"kind_id": kind["id"], "reference": "P-9", "name": "Grace",
                   "custom": {"date_of_birth": "1980-01-01"}}),
        201,
    )
    .await;
    let pid = p["id"].as_i64().expect("id");
    let browser = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    for path in [
        "/records",
        "/records/setup",
        "/records/break-glass",
        &format!("/records/subjects/new?kind_id={}", kind["id"]),
    ] {
        let r = get(&browser, &app, path).await;
        assert_eq!(r.status(), 200, "{path}");
    }
    let html = get(&browser, &app, &format!("/records/subjects/{pid}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("Add a note") && html.contains("Grace"),
        "{html}"
    );
    let nurse = app.signed_in("nurse", PASSWORD).await;
    let r = get(&nurse, &app, &format!("/records/subjects/{pid}")).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.expect("html").contains("Break the glass"));
    let r = nurse
        .post(app.url(&format!("/records/subjects/{pid}/break-glass")))
        .form(&[("reason", "")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let r = nurse
        .post(app.url(&format!("/records/subjects/{pid}/break-glass")))
        .form(&[("reason", "Patient collapsed")])
        .send()
        .await
        .expect("post");
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let html = get(&nurse, &app, &format!("/records/subjects/{pid}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(html.contains("by break-glass"), "{html}");
    let html = get(&browser, &app, "/records/break-glass")
        .await
        .text()
        .await
        .expect("html");
    assert!(html.contains("Patient collapsed"));
    let html = get(
        &browser,
        &app,
        &format!("/records/subjects/{pid}/access-log"),
    )
    .await
    .text()
    .await
    .expect("html");
    assert!(html.contains("Patient collapsed") && html.contains("nurse"));
    // Another user's file: 404 on the API, as another company's.
    let other = app.api(&app.token("nurse", PASSWORD, false).await);
    assert_eq!(
        get(&other, &app, "/api/v1/records/subjects/999999")
            .await
            .status(),
        404
    );
});
