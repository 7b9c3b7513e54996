//! Records' retention and legal hold through the API and the pages, on both databases: a
//! subject's relationship end is set, shown and cleared; a hold without a reason is 422
//! naming `reason` and writes nothing, an employee may not place one (403); what the job
//! lists is disposed of (its versions' downloads are then 404, the file shows the
//! tombstone) or kept; a held record is 409 until the hold is released; the retention
//! page shows the holds and the disposals, names a bad hold's field and exports CSV; the
//! dashboard counts the records due.
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

both_databases!(
    holds_and_disposals_through_the_api_and_pages,
    |db| async move {
        let app = spawn_app(db).await;
        add_user(&app.store, app.company, "nurse", PASSWORD, &["employee"]).await;
        let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
        let nurse = app.api(&app.token("nurse", PASSWORD, false).await);
        let kind = post_json(
            &app,
            &admin,
            "/api/v1/records/templates",
            json!({"template": "clinic"}),
            201,
        )
        .await;
        let cat = post_json(
            &app,
            &admin,
            "/api/v1/records/categories",
            json!({"name": "Letters", "retention_months": 12}),
            201,
        )
        .await;
        let cat = cat["id"].as_i64().expect("category");
        let mut subjects = Vec::new();
        for r in ["P-1", "P-2"] {
            let s = post_json(
                &app,
                &admin,
                "/api/v1/records/subjects",
                json!({"kind_id": kind["id"], "reference": r, "name": format!("Patient {r}"),
                       "custom": {"date_of_birth": "1980-01-01"}, "ended_on": "2026-01-31"}),
                201,
            )
            .await;
            assert_eq!(s["ended_on"], "2026-01-31");
            subjects.push(s["id"].as_i64().expect("id"));
        }
        let (p1, p2) = (subjects[0], subjects[1]);
        // The end is cleared with an empty value; absent leaves it.
        let s = body_with(
            admin
                .put(app.url(&format!("/api/v1/records/subjects/{p2}")))
                .json(&json!({"reference": "P-2", "name": "Patient P-2", "ended_on": ""}))
                .send()
                .await
                .expect("put"),
            200,
        )
        .await;
        assert_eq!(s["ended_on"], Value::Null);
        let e = body_with(
            admin
                .put(app.url(&format!("/api/v1/records/subjects/{p2}")))
                .json(&json!({"reference": "P-2", "name": "Patient P-2", "ended_on": "31/01/2026"}))
                .send()
                .await
                .expect("put"),
            422,
        )
        .await;
        assert_eq!(fields(&e), ["ended_on"]);
        let upload = reqwest::multipart::Form::new()
            .text("category_id", cat.to_string())
            .text("title", "Referral")
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"a referral letter".to_vec()).file_name("r.txt"),
            );
        let doc = body_with(
            admin
                .post(app.url(&format!("/api/v1/records/subjects/{p1}/documents")))
                .multipart(upload)
                .send()
                .await
                .expect("document"),
            201,
        )
        .await;
        let version = doc["versions"][0]["id"].as_i64().expect("version");
        post_json(
            &app,
            &admin,
            &format!("/api/v1/records/subjects/{p2}/notes"),
            json!({"category_id": cat, "title": "Letter", "body": "Dear colleague"}),
            201,
        )
        .await;

        // Holds: a reason is required (nothing written), the privacy office's alone.
        let e = post_json(
            &app,
            &admin,
            "/api/v1/records/holds",
            json!({"subject_id": p2, "reason": ""}),
            422,
        )
        .await;
        assert_eq!(fields(&e), ["reason"]);
        let holds = body_with(get(&admin, &app, "/api/v1/records/holds").await, 200).await;
        assert_eq!(holds.as_array().map(Vec::len), Some(0), "nothing written");
        assert_eq!(
            post(
                &nurse,
                &app,
                "/api/v1/records/holds",
                json!({"subject_id": p2, "reason": "x"})
            )
            .await
            .status(),
            403
        );
        assert_eq!(
            get(&nurse, &app, "/api/v1/records/disposals")
                .await
                .status(),
            403
        );

        // Nothing is due today; the job's run a year and a month on lists both records.
        let run = post_json(
            &app,
            &admin,
            "/api/v1/records/disposals/run",
            json!({}),
            200,
        )
        .await;
        assert_eq!(run["listed"], 0);
        let later = steward_core::time::today() + chrono::Months::new(13);
        let n =
            steward_core::records::retention::list_due(&app.store, Some(app.company), later, None)
                .await
                .expect("the job");
        assert_eq!(n, 2);
        let due = body_with(
            get(&admin, &app, "/api/v1/records/disposals?status=due").await,
            200,
        )
        .await;
        assert_eq!(due["total"], 2);
        // The admin's dashboard counts them, linked to the retention page.
        let tiles = body_with(get(&admin, &app, "/api/v1/dashboard").await, 200).await;
        let tile = tiles
            .as_array()
            .expect("tiles")
            .iter()
            .find(|t| t["key"] == "records.disposals")
            .cloned()
            .expect("the disposals tile");
        assert_eq!(
            (tile["number"].as_i64(), tile["link"].as_str()),
            (Some(2), Some("/records/retention"))
        );
        let id_of = |title: &str| {
            due["items"]
                .as_array()
                .expect("items")
                .iter()
                .find(|d| d["title"] == title)
                .and_then(|d| d["id"].as_i64())
                .expect("listed")
        };
        let (referral, letter) = (id_of("Referral"), id_of("Letter"));

        // A hold placed after the listing: 409 until released.
        let hold = post_json(
            &app,
            &admin,
            "/api/v1/records/holds",
            json!({"subject_id": p2, "reason": "Complaint 17"}),
            201,
        )
        .await;
        assert_eq!(
            post(
                &admin,
                &app,
                &format!("/api/v1/records/disposals/{letter}/dispose"),
                json!({})
            )
            .await
            .status(),
            409
        );
        post_json(
            &app,
            &admin,
            &format!("/api/v1/records/holds/{}/release", hold["id"]),
            json!({"reason": "Complaint settled"}),
            200,
        )
        .await;
        let kept = post_json(
            &app,
            &admin,
            &format!("/api/v1/records/disposals/{letter}/keep"),
            json!({"note": "Still treated"}),
            200,
        )
        .await;
        assert_eq!(kept["status"], "kept");

        // The referral is disposed of: its download is gone, the file shows the tombstone.
        let gone = post_json(
            &app,
            &admin,
            &format!("/api/v1/records/disposals/{referral}/dispose"),
            json!({}),
            200,
        )
        .await;
        assert_eq!(
            (gone["status"].as_str(), gone["versions"].as_i64()),
            (Some("disposed"), Some(1))
        );
        assert_eq!(
            get(
                &admin,
                &app,
                &format!("/api/v1/records/versions/{version}/download")
            )
            .await
            .status(),
            404
        );
        let file = body_with(
            get(&admin, &app, &format!("/api/v1/records/subjects/{p1}/file")).await,
            200,
        )
        .await;
        let item = file["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["title"] == "Referral")
            .cloned()
            .expect("tombstone");
        assert!(
            item["disposed_at"].is_string() && item["versions"] == json!([]),
            "{item}"
        );

        // The page: holds, disposals, a bad hold named, the export.
        let browser = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
        let html = get(&browser, &app, "/records/retention?status=all")
            .await
            .text()
            .await
            .expect("html");
        assert!(
            html.contains("Referral") && html.contains("Still treated"),
            "{html}"
        );
        let r = browser
            .post(app.url("/records/holds"))
            .form(&[("subject_reference", "P-404"), ("reason", "")])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 422);
        let html = r.text().await.expect("html");
        assert!(
            html.contains("id=\"h-reason-err\"") && html.contains("no subject has the reference"),
            "{html}"
        );
        let r = browser
            .post(app.url("/records/holds"))
            .form(&[("subject_reference", "p-1"), ("reason", "Audit 2027")])
            .send()
            .await
            .expect("post");
        assert!(r.status().is_redirection() || r.status().is_success());
        let html = get(&browser, &app, "/records/retention")
            .await
            .text()
            .await
            .expect("html");
        assert!(
            html.contains("Audit 2027") && html.contains("Subject P-1"),
            "{html}"
        );
        let csv = get(&browser, &app, "/records/retention?status=all&format=csv")
            .await
            .text()
            .await
            .expect("csv");
        assert!(
            csv.starts_with("due_on,subject,title") && csv.contains("Referral"),
            "{csv}"
        );
    }
);

// Anonymizing a subject through the API and the pages: the plan names what is erased and
// what is kept (a category with a running retention period); no reason is 422 naming
// `reason` and changes nothing; an employee may not (403); done, the subject reads
// `ANON-<id>` and `Anonymized`, the erased note is a tombstone, the kept one keeps its
// text, and a second time is 409; the page shows the plan and refuses a held subject.
both_databases!(anonymize_through_the_api_and_pages, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "nurse", PASSWORD, &["employee"]).await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let nurse = app.api(&app.token("nurse", PASSWORD, false).await);
    let kind = post_json(
        &app,
        &admin,
        "/api/v1/records/templates",
        json!({"template": "clinic"}),
        201,
    )
    .await;
    let mut cats = Vec::new();
    for (name, months) in [("Cards", Value::Null), ("Letters", json!(120))] {
        let c = post_json(
            &app,
            &admin,
            "/api/v1/records/categories",
            json!({"name": name, "retention_months": months}),
            201,
        )
        .await;
        cats.push(c["id"].as_i64().expect("category"));
    }
    let mut ids = Vec::new();
    for r in ["P-1", "P-2"] {
        let s = post_json(
            &app,
            &admin,
            "/api/v1/records/subjects",
            json!({"kind_id": kind["id"], "reference": r, "name": format!("Patient {r}"),
                       "custom": {"date_of_birth": "1980-01-01"}}),
            201,
        )
        .await;
        ids.push(s["id"].as_i64().expect("id"));
    }
    let (p1, p2) = (ids[0], ids[1]);
    for (cat, title) in [(cats[0], "Thank-you card"), (cats[1], "Referral")] {
        post_json(
            &app,
            &admin,
            &format!("/api/v1/records/subjects/{p1}/notes"),
            json!({"category_id": cat, "title": title, "body": format!("The text of {title}")}),
            201,
        )
        .await;
    }
    let path = format!("/api/v1/records/subjects/{p1}/anonymize");
    let plan = body_with(get(&admin, &app, &path).await, 200).await;
    assert_eq!(plan["dispose"][0]["title"], "Thank-you card", "{plan}");
    assert_eq!(plan["keep"][0]["title"], "Referral", "{plan}");
    assert!(
        plan["keep"][0]["kept_because"]
            .as_str()
            .is_some_and(|w| w.contains("runs until")),
        "{plan}"
    );
    assert_eq!(plan["reference"], format!("ANON-{p1}"));
    assert_eq!(plan["done"], false);

    let r = post(&admin, &app, &path, json!({"reason": ""})).await;
    assert_eq!(r.status(), 422);
    let problem: Value = r.json().await.expect("problem");
    assert_eq!(problem["errors"][0]["field"], "reason", "{problem}");
    assert_eq!(
        post(&nurse, &app, &path, json!({"reason": "mine"}))
            .await
            .status(),
        403
    );
    let s = body_with(
        get(&admin, &app, &format!("/api/v1/records/subjects/{p1}")).await,
        200,
    )
    .await;
    assert_eq!(s["reference"], "P-1", "unchanged: {s}");

    let done = post_json(
        &app,
        &admin,
        &path,
        json!({"reason": "Erasure request 2026/9"}),
        200,
    )
    .await;
    assert_eq!(done["done"], true);
    let s = body_with(
        get(&admin, &app, &format!("/api/v1/records/subjects/{p1}")).await,
        200,
    )
    .await;
    assert_eq!(s["reference"], format!("ANON-{p1}"));
    assert_eq!(s["name"], "Anonymized");
    assert_eq!(s["custom"], json!({}));
    assert!(s["anonymized_at"].is_string(), "{s}");
    let file = body_with(
        get(&admin, &app, &format!("/api/v1/records/subjects/{p1}/file")).await,
        200,
    )
    .await;
    let items = file["items"].as_array().cloned().unwrap_or_default();
    let card = items
        .iter()
        .find(|i| i["title"] == "Thank-you card")
        .expect("card");
    assert!(
        card["disposed_at"].is_string() && card["body"] == "",
        "{card}"
    );
    let referral = items
        .iter()
        .find(|i| i["title"] == "Referral")
        .expect("referral");
    assert_eq!(referral["body"], "The text of Referral");
    assert_eq!(
        post(&admin, &app, &path, json!({"reason": "again"}))
            .await
            .status(),
        409
    );

    // The page: the plan, a held subject refused with the hold named.
    post_json(
        &app,
        &admin,
        "/api/v1/records/holds",
        json!({"subject_id": p2, "reason": "Litigation 2026/4"}),
        201,
    )
    .await;
    let browser = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let page = format!("/records/subjects/{p2}/anonymize");
    let html = get(&browser, &app, &page).await.text().await.expect("html");
    assert!(
        html.contains(&format!("ANON-{p2}")) && html.contains("id=\"anonymize-form\""),
        "{html}"
    );
    let r = browser
        .post(app.url(&page))
        .form(&[("reason", "Erasure request")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("html");
    assert!(
        html.contains("id=\"anonymize-refused\"") && html.contains("Litigation 2026/4"),
        "{html}"
    );
    let html = get(&browser, &app, &format!("/records/subjects/{p1}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("id=\"anonymize-link\"") && html.contains(&format!("ANON-{p1}")),
        "{html}"
    );
});
