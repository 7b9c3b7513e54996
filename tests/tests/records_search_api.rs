//! Records' full-text search through the API and the page, on both databases: the admin
//! finds a note by a word of its text (accents and case aside), a text document by its
//! content; a nurse with no access to the subject finds nothing, and once assigned finds it;
//! no words is 422 naming `q` (the page shows the error beside the field); the page lists
//! the results linked to their place in the file.
use serde_json::{json, Value};
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

async fn get(c: &reqwest::Client, app: &TestApp, path: &str) -> reqwest::Response {
    c.get(app.url(path)).send().await.expect("get")
}

async fn created(r: reqwest::Response) -> Value {
    body_with(r, 201).await
}

fn ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|h| h["item_id"].as_i64())
        .collect()
}

both_databases!(search_through_the_api_and_the_page, |db| async move {
    let app = spawn_app(db).await;
    let nurse_id = add_user(&app.store, app.company, "nurse", PASSWORD, &["employee"]).await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let nurse = app.api(&app.token("nurse", PASSWORD, false).await);
    let kind = created(
        admin
            .post(app.url("/api/v1/records/templates"))
            .json(&json!({"template": "clinic"}))
            .send()
            .await
            .expect("template"),
    )
    .await;
    let cats = body_with(get(&admin, &app, "/api/v1/records/categories").await, 200).await;
    let visits = cats
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["name"] == "Encounters")
        .and_then(|c| c["id"].as_i64())
        .expect("encounters");
    let s = created(
        admin
            .post(app.url("/api/v1/records/subjects"))
            .json(
                &json!({"kind_id": kind["id"], "reference": "P-1", "name": "Patient One",
                "custom": {"date_of_birth": "1980-01-01"}}),
            )
            .send()
            .await
            .expect("subject"),
    )
    .await;
    let sid = s["id"].as_i64().expect("id");
    let n = created(
        admin
            .post(app.url(&format!("/api/v1/records/subjects/{sid}/notes")))
            .json(&json!({"category_id": visits, "title": "Visit",
                "body": "Prescribed Amoxicillin for the Pneumonie."}))
            .send()
            .await
            .expect("note"),
    )
    .await;
    let upload = reqwest::multipart::Form::new()
        .text("category_id", visits.to_string())
        .text("title", "Discharge letter")
        .part(
            "file",
            reqwest::multipart::Part::bytes(
                b"Discharged home; review of the x-ray in 2 weeks".to_vec(),
            )
            .file_name("letter.txt"),
        );
    let d = created(
        admin
            .post(app.url(&format!("/api/v1/records/subjects/{sid}/documents")))
            .multipart(upload)
            .send()
            .await
            .expect("document"),
    )
    .await;

    let r = body_with(
        get(&admin, &app, "/api/v1/records/search?q=amoxi").await,
        200,
    )
    .await;
    assert_eq!(ids(&r), [n["id"].as_i64().expect("note")]);
    assert_eq!(
        r["items"][0]["snippet"],
        "Prescribed Amoxicillin for the Pneumonie."
    );
    let r = body_with(
        get(&admin, &app, "/api/v1/records/search?q=PNEUMONIE").await,
        200,
    )
    .await;
    assert_eq!(ids(&r).len(), 1);
    let r = body_with(
        get(&admin, &app, "/api/v1/records/search?q=x-ray%20review").await,
        200,
    )
    .await;
    assert_eq!(ids(&r), [d["id"].as_i64().expect("document")]);
    let e = body_with(get(&admin, &app, "/api/v1/records/search?q=%20").await, 422).await;
    assert_eq!(fields(&e), ["q"]);

    // The nurse finds nothing of a file she may not open; assigned, she finds it.
    let r = body_with(
        get(&nurse, &app, "/api/v1/records/search?q=amoxicillin").await,
        200,
    )
    .await;
    assert_eq!(r["items"], json!([]));
    created(
        admin
            .post(app.url(&format!("/api/v1/records/subjects/{sid}/assignments")))
            .json(&json!({"user_id": nurse_id.0}))
            .send()
            .await
            .expect("assign"),
    )
    .await;
    let r = body_with(
        get(
            &nurse,
            &app,
            "/api/v1/records/search?q=amoxicillin&limit=500",
        )
        .await,
        200,
    )
    .await;
    assert_eq!(ids(&r).len(), 1);

    // The page: results linked into the file, an empty query named beside the field.
    let browser = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let html = get(&browser, &app, "/records/search?q=discharge")
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains(&format!("/records/subjects/{sid}#item-{}", d["id"]))
            && html.contains("1 records found"),
        "{html}"
    );
    let r = get(&browser, &app, "/records/search?q=%3B%3B").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("html");
    assert!(
        html.contains("id=\"q-err\"") && html.contains("type a word to look for"),
        "{html}"
    );
});

both_databases!(
    a_subjects_data_exported_for_a_right_of_access_request,
    |db| async move {
        use std::io::Read;
        let app = spawn_app(db).await;
        add_user(&app.store, app.company, "nurse", PASSWORD, &["employee"]).await;
        add_user(
            &app.store,
            app.company,
            "po",
            PASSWORD,
            &["privacy_officer"],
        )
        .await;
        let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
        let nurse = app.api(&app.token("nurse", PASSWORD, false).await);
        let po = app.api(&app.token("po", PASSWORD, false).await);
        let kind = created(
            admin
                .post(app.url("/api/v1/records/templates"))
                .json(&json!({"template": "clinic"}))
                .send()
                .await
                .expect("template"),
        )
        .await;
        let cats = body_with(get(&admin, &app, "/api/v1/records/categories").await, 200).await;
        let secret = cats
            .as_array()
            .expect("categories")
            .iter()
            .find(|c| c["sensitive"] == true)
            .and_then(|c| c["id"].as_i64())
            .expect("a sensitive category");
        let s = created(
            admin
                .post(app.url("/api/v1/records/subjects"))
                .json(
                    &json!({"kind_id": kind["id"], "reference": "P-7", "name": "Patient Seven",
                "custom": {"date_of_birth": "1980-01-01"}}),
                )
                .send()
                .await
                .expect("subject"),
        )
        .await;
        let sid = s["id"].as_i64().expect("id");
        created(
        admin
            .post(app.url(&format!("/api/v1/records/subjects/{sid}/notes")))
            .json(&json!({"category_id": secret, "title": "Session", "body": "Talked about sleep."}))
            .send()
            .await
            .expect("note"),
    )
    .await;
        let upload = reqwest::multipart::Form::new()
            .text("category_id", secret.to_string())
            .text("title", "Scan")
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"scanned letter".to_vec()).file_name("scan.txt"),
            );
        created(
            admin
                .post(app.url(&format!("/api/v1/records/subjects/{sid}/documents")))
                .multipart(upload)
                .send()
                .await
                .expect("document"),
        )
        .await;
        created(
            admin
                .post(app.url(&format!("/api/v1/records/subjects/{sid}/consents")))
                .json(&json!({"purpose": "Research"}))
                .send()
                .await
                .expect("consent"),
        )
        .await;
        assert_eq!(
            get(
                &nurse,
                &app,
                &format!("/api/v1/records/subjects/{sid}/export")
            )
            .await
            .status(),
            403
        );
        // The built-in privacy officer answers such requests (not assigned to the file).
        assert_eq!(
            get(&po, &app, &format!("/api/v1/records/subjects/{sid}/export"))
                .await
                .status(),
            200
        );
        let r = get(
            &admin,
            &app,
            &format!("/api/v1/records/subjects/{sid}/export"),
        )
        .await;
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/gzip")
        );
        let bytes = r.bytes().await.expect("archive");
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
        let mut files = std::collections::BTreeMap::new();
        for e in tar.entries().expect("entries") {
            let mut e = e.expect("entry");
            let path = e.path().expect("path").to_string_lossy().into_owned();
            let mut body = Vec::new();
            e.read_to_end(&mut body).expect("read");
            files.insert(path, body);
        }
        let doc: Value = serde_json::from_slice(&files["P-7_export/subject.json"]).expect("json");
        assert_eq!(doc["subject"]["reference"], "P-7");
        let bodies: Vec<&str> = doc["records"]
            .as_array()
            .expect("records")
            .iter()
            .filter_map(|r| r["body"].as_str())
            .collect();
        assert!(
            bodies.contains(&"Talked about sleep."),
            "sensitive records included: {doc}"
        );
        assert_eq!(doc["consents"][0]["purpose"], "Research");
        let scan = files
            .iter()
            .find(|(p, _)| p.starts_with("P-7_export/files/") && p.ends_with("/scan.txt"))
            .map(|(_, b)| b.clone())
            .expect("the scan's bytes");
        assert_eq!(scan, b"scanned letter");
        // The export is in the file's access log.
        let log = body_with(
            get(
                &admin,
                &app,
                &format!("/api/v1/records/subjects/{sid}/access-log"),
            )
            .await,
            200,
        )
        .await;
        assert!(
            log["items"]
                .as_array()
                .expect("log")
                .iter()
                .any(|e| e["action"] == "export"),
            "{log}"
        );
    }
);
