//! Hiring as HR does it, in headless Chromium: the HR lead defines a custom field, hires an
//! employee through the form with the field filled, finds them in the people list and sees
//! the field on their page. Without chromium-driver the test says `SKIPPED (browser)` and
//! passes, unless `STEWARD_BROWSER_TESTS=1`.
use std::time::Duration;
use steward_e2e::webdriver::{browser_or_skip, Browser, Element};
use steward_e2e::*;

const WAIT: Duration = Duration::from_secs(15);
const PASSWORD: &str = "a long test password";

async fn find(b: &Browser, css: &str) -> Element {
    b.find(css).await.unwrap_or_else(|e| panic!("{css}: {e}"))
}

async fn click(b: &Browser, css: &str) {
    let el = find(b, css).await;
    b.click(&el)
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn type_into(b: &Browser, css: &str, text: &str) {
    let el = find(b, css).await;
    b.clear(&el).await.expect("clear");
    b.send_keys(&el, text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hr_hires_an_employee_with_a_custom_field() {
    let Some(b) = browser_or_skip("hr_hires_an_employee_with_a_custom_field").await else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    add_user(&app.store, app.company, "hrlead", PASSWORD, &["hr_lead"]).await;
    b.sign_in(&app.url("/login"), "hrlead", PASSWORD).await;

    b.goto(&app.url("/hr/fields")).await.expect("fields");
    b.wait_for("#field-form", WAIT)
        .await
        .expect("the field form");
    type_into(&b, "#f-key", "licence_number").await;
    type_into(&b, "#f-label", "Licence number").await;
    click(&b, "#field-form button[type=submit]").await;
    b.wait_for_text(".flash.ok", "Field added", WAIT).await;

    click(&b, "#nav a[href='/hr/employees']").await;
    b.wait_for("#employees-table", WAIT)
        .await
        .expect("the list");
    click(&b, "a.btn[href='/hr/employees/new']").await;
    b.wait_for("#legal_name", WAIT)
        .await
        .expect("the hire form");
    type_into(&b, "#employee_number", "N-100").await;
    type_into(&b, "#legal_name", "Nora Nurse").await;
    type_into(&b, "#position", "Nurse").await;
    type_into(&b, "[id='custom.licence_number']", "RN-4711").await;
    click(&b, "form.card button[type=submit]").await;
    b.wait_for_text(".flash.ok", "Employee hired", WAIT).await;
    assert_eq!(b.text_of("#employee-name", WAIT).await, "Nora Nurse");
    assert!(b.text_of("#custom", WAIT).await.contains("RN-4711"));

    b.goto(&app.url("/hr/employees?q=nora"))
        .await
        .expect("list");
    let list = b.text_of("#employees-table", WAIT).await;
    assert!(
        list.contains("Nora Nurse") && list.contains("N-100"),
        "{list}"
    );
    click(&b, "#employees-table a[href^='/hr/employees/']").await;
    b.wait_for_text("#job-position", "Nurse", WAIT).await;
    let _ = b.quit().await;
}
