//! A laptop's life in the books, in headless Chromium: the back office manager names the
//! laptops' accounts on IT's books page, puts a laptop in the books from its page, posts a
//! depreciation run through March and sees it listed, then sells the laptop and sees the
//! disposal. Without chromium-driver the test says `SKIPPED (browser)` and passes, unless
//! `STEWARD_BROWSER_TESTS=1`.
use serde_json::json;
use std::time::Duration;
use steward_e2e::webdriver::{browser_or_skip, Browser};
use steward_e2e::*;

const WAIT: Duration = Duration::from_secs(15);

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

/// Sets a date or month input by script (their typing is the browser's locale's).
async fn set_value(b: &Browser, id: &str, value: &str) {
    b.execute(
        "document.getElementById(arguments[0]).value = arguments[1]; return true;",
        vec![json!(id), json!(value)],
    )
    .await
    .unwrap_or_else(|e| panic!("set {id}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_laptop_goes_to_the_books_depreciates_and_is_sold() {
    let Some(b) = browser_or_skip("a_laptop_goes_to_the_books_depreciates_and_is_sold").await
    else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    // The books and the laptop through the API (the API is tested elsewhere).
    let api = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let post = |path: &str, body: serde_json::Value, status: u16| {
        let r = api.post(app.url(path)).json(&body).send();
        async move { body_with(r.await.expect("post"), status).await }
    };
    post("/api/v1/ledger/setup", json!({}), 200).await;
    post(
        "/api/v1/ledger/accounts",
        json!({"name": "Assets:Fixed:Accumulated Depreciation", "code": "1510"}),
        201,
    )
    .await;
    let cat = post("/api/v1/it/categories", json!({"name": "Laptops"}), 201).await;
    let model = post(
        "/api/v1/it/models",
        json!({"name": "T14", "category_id": cat["id"], "depreciation": "straight_line", "life_months": 12}),
        201,
    )
    .await;
    let laptop = post(
        "/api/v1/it/assets",
        json!({"model_id": model["id"], "name": "Laptop", "purchase_date": "2025-01-15", "purchase_cost": "1200.00"}),
        201,
    )
    .await;
    let id = laptop["id"].as_i64().expect("id");
    let category = cat["id"].as_i64().expect("id");

    b.sign_in(&app.url("/login"), ADMIN, ADMIN_PASSWORD).await;
    b.goto(&app.url("/it/books")).await.expect("books");
    b.wait_for("#runs-table", WAIT).await.expect("the runs");
    click(&b, &format!("#category-{category} summary")).await;
    for (field, account) in [
        ("asset_account", "1500"),
        ("accumulated_account", "1510"),
        ("expense_account", "6900"),
        ("disposal_account", "4900"),
    ] {
        type_into(&b, &format!("#{field}-{category}"), account).await;
    }
    click(&b, &format!("#category-{category} button[type=submit]")).await;
    b.wait_for_text(".flash", "accounts of Laptops were saved", WAIT)
        .await;

    // From the laptop's page to its books; booked at its purchase date.
    b.goto(&app.url(&format!("/it/assets/{id}")))
        .await
        .expect("asset");
    click(&b, "#asset-books-link").await;
    b.wait_for("#book", WAIT).await.expect("the booking form");
    type_into(&b, "#book-credit", "2000").await;
    click(&b, "#book").await;
    // (Thousands are grouped as the reader's number style says: match the rest.)
    b.wait_for_text("#books-value", "200.00 EUR", WAIT).await;

    // Depreciation through March 2025: three months of 100.00.
    b.goto(&app.url("/it/books")).await.expect("books");
    b.wait_for("#run-depreciation", WAIT)
        .await
        .expect("the run form");
    set_value(&b, "run-through", "2025-03").await;
    click(&b, "#run-depreciation").await;
    let runs = b.wait_for_text("#runs-table", "2025-03", WAIT).await;
    assert!(runs.contains("300.00"), "{runs}");

    // Sold in April for 1,000.00 into the bank: it leaves the books.
    b.goto(&app.url(&format!("/it/assets/{id}/books")))
        .await
        .expect("asset books");
    b.wait_for("#dispose", WAIT)
        .await
        .expect("the disposal form");
    set_value(&b, "dispose-date", "2025-04-10").await;
    type_into(&b, "#dispose-proceeds", "1000.00").await;
    type_into(&b, "#dispose-account", "1000").await;
    click(&b, "#dispose").await;
    let disposed = b.wait_for_text("#books-disposed", "2025-04-10", WAIT).await;
    assert!(disposed.contains("000.00 EUR"), "{disposed}");
    let value = b.wait_for_text("#books-depreciated", "400.00", WAIT).await;
    assert!(value.contains("2025-04"), "{value}");
    b.quit().await.expect("quit");
}
