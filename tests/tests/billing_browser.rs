//! Billing as a person uses it, in headless Chromium: the accountant adds a customer through
//! the form (a wrong IBAN is marked beside the field and keeps what was typed), writes an
//! invoice with two lines (a bad price is marked on its line), posts it and sees its number
//! and total, downloads its PDF, records a payment from the invoice's page (too much is
//! marked on the line), sends it by e-mail (the mail arrives in the SMTP sink with the PDF
//! attached; the send is logged on the page), sees the invoice settled and gone from the aged receivables; the
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
    let (app, sink) = spawn_app_with_mail(Db::Sqlite).await;
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

    // Sent by e-mail from its page: the customer's address and the template are filled in;
    // the mail arrives with the PDF and the send is logged on the page.
    let to = b
        .property(&find(&b, "#send-to").await, "value")
        .await
        .expect("value");
    assert_eq!(to, json!("ap@clinic.example"));
    let subject = b
        .property(&find(&b, "#send-subject").await, "value")
        .await
        .expect("value");
    assert!(
        subject
            .as_str()
            .unwrap_or("")
            .contains(&format!("INV-{year}-0001")),
        "{subject}"
    );
    type_into(&b, "#send-to", "ap@clinic.example, nope").await;
    click(&b, "#send-btn").await;
    let problem = b.text_of("#problem", WAIT).await;
    assert!(problem.contains("to[1]"), "{problem}");
    type_into(&b, "#send-to", "ap@clinic.example, cfo@clinic.example").await;
    click(&b, "#send-btn").await;
    assert!(flash(&b, "ok").await.contains("cfo@clinic.example"));
    b.wait_for("#sends", WAIT).await.expect("the send log");
    let mails = sink.wait_for(1, WAIT).await;
    assert_eq!(mails.len(), 1, "the mail arrived");
    let files = mails[0].attachments();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].0, format!("INV-{year}-0001.pdf"));
    assert!(files[0].1.starts_with(b"%PDF"));

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

/// Recurring invoices and reminders as the accountant uses them: "Make recurring" from an
/// invoice, the template's page (make due invoices now, pause), the list; the reminders
/// page (switch reminders on, the preview, send now: the mail arrives) and a customer
/// excluded from reminders on their page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recurring_invoices_and_reminders_from_their_pages() {
    let Some(b) = browser_or_skip("recurring_invoices_and_reminders_from_their_pages").await else {
        return;
    };
    let (app, sink) = spawn_app_with_mail(Db::Sqlite).await;
    add_user(&app.store, app.company, "anna", PASSWORD, &["accountant"]).await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let day = |n: i64| (chrono::Utc::now().date_naive() - chrono::Duration::days(n)).to_string();
    let mut invoice = 0;
    for (method, path, body) in [
        ("POST", "/api/v1/ledger/setup".to_string(), json!(null)),
        (
            "PUT",
            "/api/v1/billing/settings".to_string(),
            json!({"receivable_account": "1200", "payable_account": "2000"}),
        ),
        (
            "POST",
            "/api/v1/billing/parties".to_string(),
            json!({"name": "Globex", "is_customer": true, "payment_terms_days": 14,
                "income_account": "4000", "email": "ap@globex.example"}),
        ),
    ] {
        let req = admin.request(method.parse().expect("method"), app.url(&path));
        let req = if body.is_null() { req } else { req.json(&body) };
        let r = req.send().await.expect("set up");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        if path.ends_with("parties") {
            let party = r.json::<serde_json::Value>().await.expect("json")["id"].clone();
            let r = admin
                .post(app.url("/api/v1/billing/invoices"))
                .json(&json!({"party_id": party, "issue_date": day(40),
                    "lines": [{"description": "Retainer", "unit_price": "900.00"}]}))
                .send()
                .await
                .expect("draft");
            invoice = r.json::<serde_json::Value>().await.expect("json")["id"]
                .as_i64()
                .expect("id");
            let r = admin
                .post(app.url(&format!("/api/v1/billing/invoices/{invoice}/post")))
                .send()
                .await
                .expect("post");
            assert_eq!(r.status(), 200);
        }
    }
    b.sign_in(&app.url("/login"), "anna", PASSWORD).await;

    // A recurring invoice from the invoice's page.
    b.goto(&app.url(&format!("/billing/invoices/{invoice}")))
        .await
        .expect("invoice");
    click(&b, "#recurring-link").await;
    b.wait_for("#recurring-form", WAIT).await.expect("the form");
    type_into(&b, "#name", "Globex retainer").await;
    type_into(&b, "#rrule", "FREQ=SOMETIMES").await;
    click(&b, "#save-recurring").await;
    let err = b.text_of("#rrule-err", WAIT).await;
    assert!(!err.is_empty());
    type_into(&b, "#rrule", "FREQ=MONTHLY").await;
    b.execute(
        "document.getElementById('start').value = arguments[0];",
        vec![json!(day(35))],
    )
    .await
    .expect("start");
    click(&b, "#save-recurring").await;
    assert!(flash(&b, "ok").await.contains("saved"));
    click(&b, "#run-btn").await;
    assert!(flash(&b, "ok").await.contains("invoice(s) made"));
    b.wait_for("#runs a[href^='/billing/invoices/']", WAIT)
        .await
        .expect("the invoices made");
    click(&b, "#pause-btn").await;
    assert!(flash(&b, "ok").await.contains("paused"));
    click(&b, ".subnav a[href='/billing/recurring']").await;
    let row = b.text_of("#recurring-table tbody tr", WAIT).await;
    assert!(
        row.contains("Globex retainer") && row.contains("paused"),
        "{row}"
    );

    // Reminders: switched on, the preview names the overdue invoice, "send now" mails it.
    click(&b, ".subnav a[href='/billing/dunning']").await;
    b.wait_for("#dunning-off", WAIT)
        .await
        .expect("off at first");
    click(&b, "#dunning_enabled").await;
    click(&b, "#save-mail-settings").await;
    assert!(flash(&b, "ok").await.contains("saved"));
    let preview = b.text_of("#preview", WAIT).await;
    assert!(preview.contains("Globex"), "{preview}");
    click(&b, "#send-now").await;
    assert!(flash(&b, "ok").await.contains("1 reminder(s) sent"));
    let mails = sink.wait_for(1, WAIT).await;
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].subject().contains("reminder"),
        "{}",
        mails[0].subject()
    );
    assert!(mails[0].attachments()[0].1.starts_with(b"%PDF"));
    b.wait_for("#sent tbody tr[id^='send-']", WAIT)
        .await
        .expect("the log");

    // A customer excluded from reminders on their page.
    click(&b, "#sent a[href^='/billing/parties/']").await;
    click(&b, "#dunning-toggle").await;
    assert!(flash(&b, "ok").await.contains("excluded"));
    assert!(b
        .text_of("#dunning-state", WAIT)
        .await
        .starts_with("Excluded"));
    b.quit().await.expect("quit");
}
