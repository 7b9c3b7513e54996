//! An accountant adds a bank account and imports a CAMT.053 statement through the pages in
//! headless Chromium: the file goes through a real `<input type=file>`, a dry run reports
//! what would be added and writes nothing, the import shows its report, the statement's
//! lines are listed, and the bank page shows the closing balance. axe checks every page.
//! Without chromium-driver the test says `SKIPPED (browser)` and passes, unless
//! `STEWARD_BROWSER_TESTS=1`.
use std::time::Duration;
use steward_e2e::webdriver::{browser_or_skip, Browser, Element};
use steward_e2e::*;

const WAIT: Duration = Duration::from_secs(15);
const PASSWORD: &str = "a long test password";
const CAMT: &str = include_str!("../../crates/steward/src/demo_bank/statement.xml");

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
async fn an_accountant_imports_a_statement_through_the_page() {
    let Some(b) = browser_or_skip("an_accountant_imports_a_statement_through_the_page").await
    else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    add_user(&app.store, app.company, "anna", PASSWORD, &["accountant"]).await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let r = admin
        .post(app.url("/api/v1/ledger/setup"))
        .send()
        .await
        .expect("setup");
    assert_eq!(r.status(), 200);
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("may.xml");
    let mut text = CAMT.to_string();
    for (i, day) in ["2026-05-04", "2026-05-06", "2026-05-08", "2026-05-10"]
        .iter()
        .enumerate()
    {
        text = text.replace(&format!("{{D{}}}", i + 1), day);
    }
    std::fs::write(&file, text).expect("statement");

    b.sign_in(&app.url("/login"), "anna", PASSWORD).await;
    b.goto(&app.url("/bank")).await.expect("bank");
    b.wait_for("#bank-accounts-table", WAIT)
        .await
        .expect("accounts table");
    type_into(&b, "#name", "Main account").await;
    type_into(&b, "#ledger_account", "1000").await;
    type_into(&b, "#iban", "DE89 3704 0044 0532 0130 00").await;
    click(&b, "#new-bank-account button[type=submit]").await;
    b.wait_for("#statement-upload", WAIT)
        .await
        .expect("the account's page");

    // A dry run (the default): a report, nothing written.
    type_into(&b, "#file", &file.display().to_string()).await;
    click(&b, "#statement-upload button[type=submit]").await;
    let report = b.wait_for_text("#import-report", "would add 3", WAIT).await;
    assert!(report.contains("Dry run"), "{report}");
    let table = b.text_of("#bank-statements-table", WAIT).await;
    assert!(table.contains("No statements imported yet"), "{table}");

    // The import.
    type_into(&b, "#file", &file.display().to_string()).await;
    click(&b, "input[name=dry_run]").await;
    click(&b, "#statement-upload button[type=submit]").await;
    let report = b.wait_for_text("#import-report", "added 3", WAIT).await;
    assert!(report.contains("closing balance 5398.70 EUR"), "{report}");
    click(&b, "#import-report a").await;
    let lines = b
        .wait_for_text("#bank-lines-table", "City Clinic GmbH", WAIT)
        .await;
    assert!(lines.contains("Cash withdrawal"), "{lines}");
    // EUR is grouped with a (no-break) space.
    let plain = |s: &str| s.replace(|c: char| c.is_whitespace(), "");
    assert!(plain(&lines).contains("1666.00"), "{lines}");

    // The bank page: the closing balance and its day.
    b.goto(&app.url("/bank")).await.expect("bank");
    let row = b
        .wait_for_text("#bank-accounts-table", "Main account", WAIT)
        .await;
    assert!(plain(&row).contains("5398.70EUR"), "{row}");
    assert!(row.contains("2026-05-10"), "{row}");
    b.quit().await.expect("quit");
}
