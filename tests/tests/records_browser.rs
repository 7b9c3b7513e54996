//! Records in headless Chromium: a clinician opens a patient they are not assigned to by
//! breaking the glass with a reason, the privacy officer sees the opening in the review
//! queue and the patient's access report lists it; the privacy officer then places a legal
//! hold on the patient on the retention page. The admin finds a note by a word's start on
//! the search page, records a consent on the patient's consents page and anonymizes
//! another patient from the plan's page. axe checks each page as it opens. Without
//! chromium-driver the test says `SKIPPED (browser)` and passes, unless
//! `STEWARD_BROWSER_TESTS=1`.
use serde_json::json;
use std::time::Duration;
use steward_e2e::webdriver::{browser_or_skip, Browser};
use steward_e2e::*;

const WAIT: Duration = Duration::from_secs(15);
const PW: &str = "a long test password";

async fn sign_in(b: &Browser, app: &TestApp, login: &str) {
    let signed_out = b
        .execute(
            "const f = document.querySelector(\"form[action='/logout']\"); if (f) { f.submit(); return true; } return false;",
            vec![],
        )
        .await
        .expect("sign out");
    if signed_out == json!(true) {
        b.wait_for("#login", WAIT).await.expect("signed out");
    }
    b.sign_in(&app.url("/login"), login, PW).await;
}

async fn type_into(b: &Browser, css: &str, text: &str) {
    let field = b.wait_for(css, WAIT).await.expect("field");
    b.click(&field).await.expect("click");
    b.send_keys(&field, text).await.expect("type");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn break_glass_is_reviewed_and_reported_then_the_file_is_held() {
    let Some(b) = browser_or_skip("records_browser").await else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    add_user(&app.store, app.company, "nina", PW, &["employee"]).await;
    add_user(&app.store, app.company, "petra", PW, &["privacy_officer"]).await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let kind: serde_json::Value = admin
        .post(app.url("/api/v1/records/templates"))
        .json(&json!({"template": "clinic"}))
        .send()
        .await
        .expect("template")
        .json()
        .await
        .expect("kind");
    let patient: serde_json::Value = admin
        .post(app.url("/api/v1/records/subjects"))
        .json(
            &json!({"kind_id": kind["id"], "reference": "P-77", "name": "Grace Hopper",
               "custom": {"date_of_birth": "1906-12-09"}}),
        )
        .send()
        .await
        .expect("subject")
        .json()
        .await
        .expect("patient");
    let id = patient["id"].as_i64().expect("id");

    // The clinician is not assigned: the page offers the glass; a reason opens the file.
    sign_in(&b, &app, "nina").await;
    b.goto(&app.url(&format!("/records/subjects/{id}")))
        .await
        .expect("subject");
    type_into(&b, "#g-reason", "Collapsed in the waiting room").await;
    let open = b.find("#break-glass").await.expect("button");
    b.click(&open).await.expect("break the glass");
    let file = b.text_of("#file", WAIT).await;
    assert!(file.contains("File"), "{file}");

    // The privacy officer finds it in the review queue and in the patient's access report.
    sign_in(&b, &app, "petra").await;
    b.goto(&app.url("/records/break-glass"))
        .await
        .expect("queue");
    let queue = b.text_of("#break-glass-queue", WAIT).await;
    assert!(
        queue.contains("Collapsed in the waiting room") && queue.contains("P-77"),
        "{queue}"
    );
    b.goto(&app.url(&format!("/records/subjects/{id}/access-log")))
        .await
        .expect("access log");
    let log = b.text_of("#access-log", WAIT).await;
    assert!(
        log.contains("Collapsed in the waiting room") && log.contains("nina"),
        "{log}"
    );

    // A claim arrives: the privacy officer holds the patient's file.
    b.goto(&app.url("/records/retention"))
        .await
        .expect("retention");
    type_into(&b, "#h-subject", "P-77").await;
    type_into(&b, "#h-reason", "Claim 2027/3").await;
    let place = b.find("#place-hold").await.expect("button");
    b.click(&place).await.expect("place the hold");
    let holds = b.text_of("#holds-table", WAIT).await;
    assert!(
        holds.contains("Claim 2027/3") && holds.contains("P-77"),
        "{holds}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_is_found_a_consent_recorded_and_a_patient_anonymized() {
    let Some(b) = browser_or_skip("records_browser").await else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let post = |path: &str, body: serde_json::Value| {
        let req = admin.post(app.url(path)).json(&body);
        async move {
            let r = req.send().await.expect("post");
            let ok = r.status().is_success();
            let v = r.json::<serde_json::Value>().await.expect("json");
            assert!(ok, "{v}");
            v
        }
    };
    let kind = post("/api/v1/records/templates", json!({"template": "clinic"})).await;
    let cards = post("/api/v1/records/categories", json!({"name": "Cards"})).await;
    let mut ids = Vec::new();
    for (r, name) in [("P-88", "Ada Lovelace"), ("P-89", "Charles Babbage")] {
        let s = post(
            "/api/v1/records/subjects",
            json!({"kind_id": kind["id"], "reference": r, "name": name,
               "custom": {"date_of_birth": "1980-12-10"}}),
        )
        .await;
        ids.push(s["id"].as_i64().expect("id"));
    }
    post(
        &format!("/api/v1/records/subjects/{}/notes", ids[0]),
        json!({"category_id": cards["id"], "title": "Thanks card",
           "body": "Thanks for the tachycardia check"}),
    )
    .await;

    b.sign_in(&app.url("/login"), ADMIN, ADMIN_PASSWORD).await;
    b.goto(&app.url("/records/search")).await.expect("search");
    type_into(&b, "#q", "tachy").await;
    b.execute(
        "document.querySelector('form[role=search]').submit(); return true;",
        vec![],
    )
    .await
    .expect("search");
    let results = b.wait_for_text("#results", "Thanks card", WAIT).await;
    assert!(results.contains("P-88"), "{results}");

    b.goto(&app.url(&format!("/records/subjects/{}/consents", ids[0])))
        .await
        .expect("consents");
    type_into(&b, "#k-purpose", "Research").await;
    let give = b.find("#give-consent").await.expect("button");
    b.click(&give).await.expect("record the consent");
    let consents = b.wait_for_text("#consents-table", "Research", WAIT).await;
    assert!(consents.contains("Research"), "{consents}");

    let p89 = ids[1];
    b.goto(&app.url(&format!("/records/subjects/{p89}/anonymize")))
        .await
        .expect("plan");
    let plan = b.text_of("main", WAIT).await;
    assert!(plan.contains(&format!("ANON-{p89}")), "{plan}");
    type_into(&b, "#a-reason", "Erasure request 2027/1").await;
    let go = b.find("#anonymize").await.expect("button");
    b.click(&go).await.expect("anonymize");
    let page = b.wait_for_text("main", &format!("ANON-{p89}"), WAIT).await;
    assert!(page.contains("Anonymized"), "{page}");
    assert!(!page.contains("Charles Babbage"), "{page}");
}
