//! Billing as a person uses it, in headless Chromium: the accountant adds a customer through
//! the form (a wrong IBAN is marked beside the field and keeps what was typed), writes an
//! invoice with two lines (a bad price is marked on its line), posts it and sees its number
//! and total, downloads its PDF, records a payment from the invoice's page (too much is
//! marked on the line), sees the invoice settled and gone from the aged receivables; the
//! settings page adds a tax code. The document page fits a 360 px screen. Without
//! chromium-driver the test says `SKIPPED (browser)` and passes, unless
//! `STEWARD_BROWSER_TESTS=1`.
use serde_json::json;
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
    b.click(&el)
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
    b.clear(&el).await.expect("clear");
    b.send_keys(&el, text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

async fn flash(b: &Browser, kind: &str) -> String {
    b.text_of(&format!(".flash.{kind}"), WAIT).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invoice_from_the_form_to_paid_and_gone_from_the_aged_report() {
    let Some(b) =
        browser_or_skip("an_invoice_from_the_form_to_paid_and_gone_from_the_aged_report").await
    else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    add_user(&app.store, app.company, "anna", PASSWORD, &["accountant"]).await;
    // The books, the settings and a tax code through the API: the pages under test come after.
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    for (method, path, body) in [
        ("POST", "/api/v1/ledger/setup", json!(null)),
        (
            "PUT",
            "/api/v1/billing/settings",
            json!({"receivable_account": "1200", "payable_account": "2000"}),
        ),
    ] {
        let req = admin.request(method.parse().expect("method"), app.url(path));
        let req = if body.is_null() { req } else { req.json(&body) };
        let r = req.send().await.expect("set up");
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }

    b.sign_in(&app.url("/login"), "anna", PASSWORD).await;

    // A tax code from the settings page.
    b.goto(&app.url("/billing/settings"))
        .await
        .expect("settings");
    b.wait_for("#tax-codes", WAIT).await.expect("the tax codes");
    type_into(&b, "#code", "VAT19").await;
    type_into(&b, "#name", "VAT 19 %").await;
    type_into(&b, "#rate", "19").await;
    type_into(&b, "#collected_account", "Liabilities:Tax:VAT").await;
    click(
        &b,
        "form[action='/billing/settings/tax-codes'] button[type=submit]",
    )
    .await;
    assert!(flash(&b, "ok").await.contains("VAT19"));
    b.wait_for("#tax-VAT19", WAIT)
        .await
        .expect("the new code's row");

    // A customer through the navigation and the form; a wrong IBAN first.
    b.goto(&app.url("/")).await.expect("home");
    click(&b, "nav a[href='/billing']").await;
    b.wait_for("#invoices-table", WAIT).await.expect("the list");
    click(&b, ".subnav a[href='/billing/parties']").await;
    b.wait_for("#parties-table", WAIT).await.expect("parties");
    type_into(&b, "#name", "City Clinic").await;
    type_into(&b, "#email", "ap@clinic.example").await;
    type_into(&b, "#income_account", "4100").await;
    type_into(&b, "#iban", "DE89 3704 0044 0532 0130 01").await;
    click(&b, "#add-party").await;
    let err = b.text_of("#iban-err", WAIT).await;
    assert!(err.contains("check digits"), "{err}");
    let typed = b
        .property(&find(&b, "#name").await, "value")
        .await
        .expect("value");
    assert_eq!(typed, json!("City Clinic"), "what was typed stays");
    type_into(&b, "#iban", "DE89 3704 0044 0532 0130 00").await;
    click(&b, "#add-party").await;
    assert!(flash(&b, "ok").await.contains("City Clinic"));
    assert_eq!(
        b.text_of("#iban-text", WAIT).await,
        "DE89 3704 0044 0532 0130 00"
    );

    // An invoice from the customer's page; a bad price is marked on its line.
    click(&b, "a[href^='/billing/invoices/new?kind=invoice']").await;
    b.wait_for("#l0-description", WAIT).await.expect("the form");
    type_into(&b, "#l0-description", "Consulting").await;
    type_into(&b, "#l0-quantity", "3").await;
    type_into(&b, "#l0-unit_price", "33.33").await;
    click(&b, "#l0-tax_code option[value='VAT19']").await;
    type_into(&b, "#l1-description", "Travel").await;
    type_into(&b, "#l1-unit_price", "50.001").await;
    click(&b, "button.primary[type=submit]").await;
    let err = b.text_of("#l1-unit_price-err", WAIT).await;
    assert!(err.contains("decimals"), "{err}");
    type_into(&b, "#l1-unit_price", "50").await;
    click(&b, "button.primary[type=submit]").await;
    assert!(flash(&b, "ok").await.contains("draft"));
    assert_eq!(b.text_of("#total", WAIT).await, "168.99");

    // Posted: the number, and a link to its entry.
    click(&b, "#post-btn").await;
    let msg = flash(&b, "ok").await;
    let year = steward_core::ledger::service::today()
        .format("%Y")
        .to_string();
    assert!(msg.contains(&format!("INV-{year}-0001")), "{msg}");
    b.wait_for("a[href^='/ledger/entries/']", WAIT)
        .await
        .expect("the ledger entry's link");
    let url = b.current_url().await.expect("url");
    // The PDF downloads (fetched from the page, with the page's session).
    let head = b
        .execute(
            "return fetch(arguments[0]).then(r => r.arrayBuffer().then(a => [r.status, r.headers.get('content-type'), String.fromCharCode(...new Uint8Array(a.slice(0, 5)))]));",
            vec![json!(format!("{url}/pdf"))],
        )
        .await
        .expect("fetch the PDF");
    assert_eq!(head, json!([200, "application/pdf", "%PDF-"]));

    // Fits a phone.
    b.set_window_size(360, 800).await.expect("resize");
    b.wait_until("return window.innerWidth === 360;", WAIT)
        .await
        .expect("narrow");
    let widths = b
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("widths");
    assert!(
        widths[0].as_u64() <= widths[1].as_u64(),
        "the document page scrolls sideways at 360 px: {widths}"
    );
    b.set_window_size(1280, 900).await.expect("resize back");

    // Paid in full from the invoice's page: the form lists it with what it owes.
    click(&b, "#pay-link").await;
    b.wait_for("#open-docs", WAIT)
        .await
        .expect("the open documents");
    let alloc = b
        .property(&find(&b, "#alloc-0").await, "value")
        .await
        .expect("value");
    assert_eq!(alloc, json!("168.99"), "what the invoice owes is filled in");
    assert_eq!(
        b.property(&find(&b, "#amount").await, "value")
            .await
            .expect("value"),
        json!("168.99")
    );
    // More than it owes is refused beside the line.
    type_into(&b, "#alloc-0", "170").await;
    click(&b, "#record-btn").await;
    let err = b.text_of("#alloc-0-err", WAIT).await;
    assert!(err.contains("owes 168.99"), "{err}");
    type_into(&b, "#alloc-0", "168.99").await;
    click(&b, "#record-btn").await;
    let msg = flash(&b, "ok").await;
    assert!(msg.contains(&format!("RCV-{year}-0001")), "{msg}");
    click(&b, "#allocations a").await;
    let open = b.text_of("#open-amount", WAIT).await;
    assert!(open.contains("Nothing is left to pay"), "{open}");

    // Gone from the aged receivables.
    b.goto(&app.url("/billing/aged")).await.expect("aged");
    let aged = b.text_of("#aged-table tbody", WAIT).await;
    assert!(aged.contains("Nothing open"), "{aged}");

    // In the list.
    b.goto(&app.url("/billing/invoices?kind=sales"))
        .await
        .expect("list");
    let rows = b.text_of("#invoices-table tbody", WAIT).await;
    assert!(rows.contains(&format!("INV-{year}-0001")), "{rows}");
    b.quit().await.expect("quit");
}
