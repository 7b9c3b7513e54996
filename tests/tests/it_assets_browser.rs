//! An asset's life as IT and HR live it, in headless Chromium: the IT lead checks a laptop
//! out to an employee on the asset's page and prints its label; HR starts the employee's
//! offboarding, whose list of what must come back names the laptop by itself; the IT lead
//! checks it in, and the offboarding shows it handed back. Without chromium-driver the test
//! says `SKIPPED (browser)` and passes, unless `STEWARD_BROWSER_TESTS=1`.
use chrono::{Days, Utc};
use serde_json::json;
use std::time::Duration;
use steward_e2e::webdriver::{browser_or_skip, Browser};
use steward_e2e::*;
use steward_store::hr::SeedEmployee;

const WAIT: Duration = Duration::from_secs(15);
const PW: &str = "a long test password";

async fn click(b: &Browser, css: &str) {
    let el = b.find(css).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    b.click(&el)
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn type_into(b: &Browser, css: &str, text: &str) {
    let el = b.find(css).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    b.clear(&el).await.expect("clear");
    b.send_keys(&el, text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lent_laptop_comes_back_through_offboarding() {
    let Some(b) = browser_or_skip("a_lent_laptop_comes_back_through_offboarding").await else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    // The IT lead is also HR here (one person runs the back office of a small company).
    add_user(&app.store, app.company, "lead", PW, &["it_lead", "hr_lead"]).await;
    let start = Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(300))
        .expect("date");
    let emp = app
        .store
        .seed_employee(app.company, &SeedEmployee::new("E-7", "Lena Leaver", start))
        .await
        .expect("employee")
        .0;
    // The catalogue and the laptop through the API (the pages are tested elsewhere).
    let api = app.api(&app.token("lead", PW, false).await);
    let post = |path: &str, body: serde_json::Value| {
        let r = api.post(app.url(path)).json(&body).send();
        async move { body_with(r.await.expect("post"), 201).await }
    };
    let cat = post("/api/v1/it/categories", json!({"name": "Laptops"})).await;
    let model = post(
        "/api/v1/it/models",
        json!({"name": "ThinkPad T14", "category_id": cat["id"], "depreciation": "none"}),
    )
    .await;
    let laptop = post(
        "/api/v1/it/assets",
        json!({"model_id": model["id"], "serial": "PF-9", "name": "Lena's laptop"}),
    )
    .await;
    let id = laptop["id"].as_i64().expect("id");

    b.sign_in(&app.url("/login"), "lead", PW).await;
    b.goto(&app.url(&format!("/it/assets/{id}")))
        .await
        .expect("asset");
    b.wait_for("#check-out", WAIT)
        .await
        .expect("the check-out form");
    click(&b, &format!("#employee_id option[value='{emp}']")).await;
    type_into(&b, "#checkout-note", "scratch on the lid").await;
    click(&b, "#check-out").await;
    b.wait_for_text("#asset-holder", "Lena Leaver", WAIT).await;

    // Its label: the QR code and the tag, ready to print.
    click(&b, "#label-link").await;
    b.wait_for_text(".label-tag", "A-000001", WAIT).await;
    b.wait_for(".label-qr svg", WAIT)
        .await
        .expect("the QR code");

    // HR starts Lena's offboarding; the laptop is on the list by itself.
    b.goto(&app.url(&format!("/hr/employees/{emp}/lifecycle")))
        .await
        .expect("lifecycle");
    b.wait_for("#offboarding-form", WAIT)
        .await
        .expect("the offboarding form");
    let leaving = Utc::now()
        .date_naive()
        .checked_add_days(Days::new(14))
        .expect("date");
    b.execute(
        "document.getElementById('leaving_date').value = arguments[0]; return true;",
        vec![json!(leaving.to_string())],
    )
    .await
    .expect("leaving date");
    click(&b, "#reason option[value='resignation']").await;
    type_into(&b, "#returns", "Badge").await;
    click(&b, "#start-offboarding").await;
    let list = b.wait_for_text("#returns", "A-000001", WAIT).await;
    assert!(list.contains("Badge"), "{list}");
    let laptop_item = b
        .execute(
            "const li = [...document.querySelectorAll('#returns li')].find(l => l.textContent.includes('A-000001')); return li ? li.textContent : '';",
            vec![],
        )
        .await
        .expect("the laptop's item");
    assert!(
        laptop_item.as_str().unwrap_or("").contains("outstanding"),
        "{laptop_item}"
    );

    // IT checks the laptop in; the offboarding shows it handed back, the badge still out.
    b.goto(&app.url(&format!("/it/assets/{id}")))
        .await
        .expect("asset");
    b.wait_for("#check-in", WAIT)
        .await
        .expect("the check-in form");
    click(&b, "#check-in").await;
    b.wait_for_text("#asset-status", "Deployable", WAIT).await;
    b.goto(&app.url(&format!("/hr/employees/{emp}/lifecycle")))
        .await
        .expect("lifecycle");
    b.wait_for("#returns", WAIT).await.expect("the list");
    let states = b
        .execute(
            "return [...document.querySelectorAll('#returns li')].map(l => l.textContent.replace(/\\s+/g, ' ').trim());",
            vec![],
        )
        .await
        .expect("the items");
    let states: Vec<String> = states
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        states
            .iter()
            .any(|s| s.contains("A-000001") && s.contains("handed back")),
        "{states:?}"
    );
    assert!(
        states
            .iter()
            .any(|s| s.contains("Badge") && s.contains("outstanding")),
        "{states:?}"
    );
    b.quit().await.expect("quit");
}
