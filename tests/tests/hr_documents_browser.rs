//! HR uploads a document for an employee in headless Chromium: the file goes through a real
//! `<input type=file>` (WebDriver sends the path), the document appears with its expiry
//! badge, its page opens (and the view is audited), and an executable renamed `.pdf` is
//! refused beside the file field. Without chromium-driver the test says
//! `SKIPPED (browser)` and passes, unless `STEWARD_BROWSER_TESTS=1`.
use std::time::Duration;
use steward_e2e::webdriver::{browser_or_skip, Browser, Element};
use steward_e2e::*;
use steward_store::hr::SeedEmployee;

const WAIT: Duration = Duration::from_secs(15);
const PASSWORD: &str = "a long test password";

async fn find(b: &Browser, css: &str) -> Element {
    b.find(css).await.unwrap_or_else(|e| panic!("{css}: {e}"))
}

async fn type_into(b: &Browser, css: &str, text: &str) {
    let el = find(b, css).await;
    b.send_keys(&el, text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

async fn click(b: &Browser, css: &str) {
    let el = find(b, css).await;
    b.click(&el)
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hr_uploads_a_document_for_an_employee() {
    let Some(b) = browser_or_skip("hr_uploads_a_document_for_an_employee").await else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    add_user(&app.store, app.company, "hana", PASSWORD, &["hr_lead"]).await;
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    let emp = app
        .store
        .seed_employee(
            app.company,
            &SeedEmployee::new("E7", "Olga Operator", start),
        )
        .await
        .expect("employee");
    let dir = tempfile::tempdir().expect("dir");
    let pdf = dir.path().join("forklift.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n").expect("pdf");
    let exe = dir.path().join("totally-a.pdf");
    std::fs::write(&exe, b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff").expect("exe");
    let soon = (chrono::Utc::now().date_naive() + chrono::Duration::days(10))
        .format("%m%d%Y")
        .to_string();

    b.sign_in(&app.url("/login"), "hana", PASSWORD).await;
    b.goto(&app.url(&format!("/hr/employees/{}/documents", emp.0)))
        .await
        .expect("page");
    b.wait_for("#document-form", WAIT)
        .await
        .expect("upload form");

    // An executable renamed .pdf: refused beside the file field.
    type_into(&b, "#title", "Not a licence").await;
    type_into(&b, "#file", &exe.display().to_string()).await;
    click(&b, "#document-form button[type=submit]").await;
    let err = b.text_of("#file-err", WAIT).await;
    assert!(err.contains("not accepted"), "{err}");

    // The real one, with an expiry date ten days ahead.
    let title = find(&b, "#title").await;
    b.clear(&title).await.expect("clear");
    type_into(&b, "#title", "Forklift licence").await;
    let cat = find(&b, "#category").await;
    b.send_keys(&cat, "Licence").await.expect("category");
    type_into(&b, "#expires", &soon).await;
    type_into(&b, "#file", &pdf.display().to_string()).await;
    click(&b, "#document-form button[type=submit]").await;
    let row = b
        .wait_for_text("#documents-table", "Forklift licence", WAIT)
        .await;
    assert!(row.contains("expires soon"), "{row}");

    // Its page: the view is recorded.
    click(&b, "#documents-table a").await;
    let props = b.text_of("#document-props", WAIT).await;
    assert!(
        props.contains("forklift.pdf") && props.contains("Licence"),
        "{props}"
    );
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let audit: serde_json::Value = admin
        .get(app.url("/api/v1/audit?entity=hr_document"))
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    let views = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == "view" && e["actor"] == "hana")
        .count();
    assert_eq!(views, 1);
    b.quit().await.expect("quit");
}
