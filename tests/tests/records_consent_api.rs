//! Records' consent through the API and the pages, on both databases: a category names the
//! purpose its records need consent for; a subject's record in it is flagged in the file
//! (`consent_missing`) until a consent is recorded, and again once it is withdrawn; a bad
//! consent is 422 naming the field and writes nothing; an employee without access to the
//! subject is 404 before the body is read, the office's lists are 403 to them; the office
//! lists consents by state and the records without consent, exports CSV; the subject's
//! consents page names a bad field; the dashboard counts the consents expiring.
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

fn day(days: i64) -> String {
    (steward_core::time::today() + chrono::Duration::days(days)).to_string()
}

both_databases!(consents_through_the_api_and_pages, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "nurse", PASSWORD, &["employee"]).await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let nurse = app.api(&app.token("nurse", PASSWORD, false).await);
    let kind = post_json(
        &app,
        &admin,
        "/api/v1/records/templates",
        json!({"template": "finance"}),
        201,
    )
    .await;
    // A category serving a purpose: a purpose longer than 100 characters is refused.
    let e = post_json(
        &app,
        &admin,
        "/api/v1/records/categories",
        json!({"name": "Newsletters", "purpose": "x".repeat(101)}),
        422,
    )
    .await;
    assert_eq!(fields(&e), ["purpose"]);
    let cat = post_json(
        &app,
        &admin,
        "/api/v1/records/categories",
        json!({"name": "Newsletters", "purpose": "  Direct   marketing "}),
        201,
    )
    .await;
    assert_eq!(cat["purpose"], "Direct marketing");
    let s = post_json(
        &app,
        &admin,
        "/api/v1/records/subjects",
        json!({"kind_id": kind["id"], "reference": "C-1", "name": "Client One",
                "custom": {"client_type": "individual"}}),
        201,
    )
    .await;
    let c1 = s["id"].as_i64().expect("id");
    post_json(
        &app,
        &admin,
        &format!("/api/v1/records/subjects/{c1}/notes"),
        json!({"category_id": cat["id"], "title": "Spring offer", "body": "Sent the offer"}),
        201,
    )
    .await;
    let flag = |file: &Value| file["items"][0]["consent_missing"].clone();
    let file = body_with(
        get(&admin, &app, &format!("/api/v1/records/subjects/{c1}/file")).await,
        200,
    )
    .await;
    assert_eq!(flag(&file), "Direct marketing");

    // A bad consent: named, nothing written; an employee without access: 404 first.
    let e = post_json(
        &app,
        &admin,
        &format!("/api/v1/records/subjects/{c1}/consents"),
        json!({"purpose": "direct marketing", "given_on": day(1)}),
        422,
    )
    .await;
    assert_eq!(fields(&e), ["given_on"]);
    let e = post_json(
        &app,
        &admin,
        &format!("/api/v1/records/subjects/{c1}/consents"),
        json!({"purpose": "", "expires_on": day(-5)}),
        422,
    )
    .await;
    assert_eq!(fields(&e), ["purpose", "expires_on"]);
    let r = nurse
        .post(app.url(&format!("/api/v1/records/subjects/{c1}/consents")))
        .header("content-type", "application/json")
        .body("not even json")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 404, "refused before the body is read");
    let none = body_with(
        get(
            &admin,
            &app,
            &format!("/api/v1/records/subjects/{c1}/consents"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(none, json!([]), "nothing written");
    assert_eq!(
        get(&nurse, &app, "/api/v1/records/consents").await.status(),
        403
    );
    assert_eq!(
        get(&nurse, &app, "/api/v1/records/unconsented")
            .await
            .status(),
        403
    );
    let missing = body_with(get(&admin, &app, "/api/v1/records/unconsented").await, 200).await;
    assert_eq!(
        (
            missing["total"].as_i64(),
            missing["items"][0]["records"].as_i64()
        ),
        (Some(1), Some(1))
    );

    // Consent given (ending in ten days): the flag goes; the dashboard counts it expiring.
    let given = post_json(
        &app,
        &admin,
        &format!("/api/v1/records/subjects/{c1}/consents"),
        json!({"purpose": "DIRECT MARKETING", "given_on": day(-3), "expires_on": day(10),
                "note": "Ticked the box on the form"}),
        201,
    )
    .await;
    assert_eq!(given["state"], "expiring");
    let id = given["id"].as_i64().expect("id");
    let file = body_with(
        get(&admin, &app, &format!("/api/v1/records/subjects/{c1}/file")).await,
        200,
    )
    .await;
    assert_eq!(flag(&file), Value::Null);
    assert_eq!(file["consents"][0]["id"].as_i64(), Some(id));
    let list = body_with(
        get(&admin, &app, "/api/v1/records/consents?state=expiring").await,
        200,
    )
    .await;
    assert_eq!(list["total"], 1);
    let e = body_with(
        get(&admin, &app, "/api/v1/records/consents?state=later").await,
        422,
    )
    .await;
    assert_eq!(fields(&e), ["state"]);
    let tiles = body_with(get(&admin, &app, "/api/v1/dashboard").await, 200).await;
    let tile = tiles
        .as_array()
        .expect("tiles")
        .iter()
        .find(|t| t["key"] == "records.consents")
        .cloned()
        .expect("the consents tile");
    assert_eq!(tile["number"].as_i64(), Some(1));

    // Withdrawn: the flag is back; withdrawn twice is 409; the nurse is 404.
    assert_eq!(
        post(
            &nurse,
            &app,
            &format!("/api/v1/records/consents/{id}/withdraw"),
            json!({})
        )
        .await
        .status(),
        404
    );
    let w = post_json(
        &app,
        &admin,
        &format!("/api/v1/records/consents/{id}/withdraw"),
        json!({"reason": "Unsubscribed"}),
        200,
    )
    .await;
    assert_eq!(
        (w["state"].as_str(), w["withdrawn_on"].as_str()),
        (Some("withdrawn"), Some(day(0).as_str()))
    );
    assert_eq!(
        post(
            &admin,
            &app,
            &format!("/api/v1/records/consents/{id}/withdraw"),
            json!({})
        )
        .await
        .status(),
        409
    );
    let file = body_with(
        get(&admin, &app, &format!("/api/v1/records/subjects/{c1}/file")).await,
        200,
    )
    .await;
    assert_eq!(flag(&file), "Direct marketing");

    // The pages: the subject's consents with a bad field named, the office's list, CSV.
    let browser = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let html = get(&browser, &app, &format!("/records/subjects/{c1}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("no consent for Direct marketing") && html.contains("id=\"consents-link\""),
        "{html}"
    );
    let r = browser
        .post(app.url(&format!("/records/subjects/{c1}/consents")))
        .form(&[
            ("purpose", "Direct marketing"),
            ("expires_on", "tomorrowish"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("html");
    assert!(
        html.contains("id=\"k-expires-err\"") && html.contains("value=\"Direct marketing\""),
        "{html}"
    );
    let r = browser
        .post(app.url(&format!("/records/subjects/{c1}/consents")))
        .form(&[("purpose", "Direct marketing"), ("note", "Signed again")])
        .send()
        .await
        .expect("post");
    assert!(r.status().is_redirection() || r.status().is_success());
    let html = get(&browser, &app, &format!("/records/subjects/{c1}/consents"))
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("Signed again") && html.contains("Unsubscribed"),
        "{html}"
    );
    let html = get(&browser, &app, "/records/consents?state=withdrawn")
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("C-1 Client One")
            && html.contains("Every record that needs a consent has one"),
        "{html}"
    );
    let csv = get(&browser, &app, "/records/consents?format=csv")
        .await
        .text()
        .await
        .expect("csv");
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(
        csv.contains("Withdrawn") && csv.contains("In force"),
        "{csv}"
    );
});
