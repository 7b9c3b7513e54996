//! Billing's reports in headless Chromium (axe checks each page): the tax report with its
//! tie to the ledger, a customer's statement from the customer's page, the cash-flow
//! statement from the ledger's navigation, and the dashboard's billing and bank tiles.
//! Without chromium-driver the test says `SKIPPED (browser)` and passes, unless
//! `STEWARD_BROWSER_TESTS=1`.
use serde_json::{json, Value};
use std::time::Duration;
use steward_e2e::webdriver::browser_or_skip;
use steward_e2e::*;

const WAIT: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tax_report_statement_cash_flow_and_tiles() {
    let Some(b) = browser_or_skip("tax_report_statement_cash_flow_and_tiles").await else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let today = steward_core::ledger::service::today().to_string();
    let mut ids: Vec<i64> = Vec::new();
    for (method, path, body) in [
        ("POST", "/api/v1/ledger/setup", json!(null)),
        (
            "PUT",
            "/api/v1/billing/settings",
            json!({"receivable_account": "1200", "payable_account": "2000"}),
        ),
        (
            "POST",
            "/api/v1/billing/tax-codes",
            json!({"code": "vat19", "name": "VAT 19 %", "rate": "19", "collected_account": "2100", "paid_account": "2100"}),
        ),
        (
            "POST",
            "/api/v1/billing/parties",
            json!({"name": "Acme Clinic", "is_customer": true, "income_account": "4000", "payment_terms_days": 0}),
        ),
    ] {
        let req = admin.request(method.parse().expect("method"), app.url(path));
        let req = if body.is_null() { req } else { req.json(&body) };
        let r = req.send().await.expect("set up");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        if let Ok(v) = r.json::<Value>().await {
            if let Some(id) = v["id"].as_i64() {
                ids.push(id);
            }
        }
    }
    let clinic = *ids.last().expect("the customer");
    let d = admin
        .post(app.url("/api/v1/billing/invoices"))
        .json(&json!({"kind": "invoice", "party_id": clinic, "issue_date": today,
            "lines": [{"description": "Consulting", "quantity": "3", "unit_price": "33.33", "tax_code": "VAT19"}]}))
        .send()
        .await
        .expect("invoice")
        .json::<Value>()
        .await
        .expect("json")["id"]
        .as_i64()
        .expect("id");
    let r = admin
        .post(app.url(&format!("/api/v1/billing/invoices/{d}/post")))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200);

    b.sign_in(&app.url("/login"), ADMIN, ADMIN_PASSWORD).await;

    // The tax report: this month's invoice, and the VAT account ties.
    b.goto(&app.url("/billing/reports/tax")).await.expect("tax");
    b.wait_for("#tax-table", WAIT).await.expect("the table");
    let table = b.text_of("#tax-table", WAIT).await;
    assert!(
        table.contains("VAT19") && table.contains("19.00"),
        "{table}"
    );
    let status = b.text_of("#tie-status", WAIT).await;
    let ties = b.text_of("#tie-table", WAIT).await;
    assert!(
        status.contains("Every tax account ties"),
        "{status} {ties} {table}"
    );

    // The statement from the customer's page.
    b.goto(&app.url(&format!("/billing/parties/{clinic}")))
        .await
        .expect("party");
    let link = b
        .find("a[href$='/statement?side=receivables']")
        .await
        .expect("the statement link");
    b.click(&link).await.expect("click");
    b.wait_for("table[id^='statement-']", WAIT)
        .await
        .expect("the statement");
    let closing = b.text_of("strong[id^='closing-']", WAIT).await;
    assert!(closing.contains("118.99"), "{closing}");

    // The cash-flow statement from the ledger's navigation.
    b.goto(&app.url("/ledger")).await.expect("ledger");
    let link = b
        .find(".ledger-subnav a[href='/ledger/reports/cash-flow']")
        .await
        .expect("the cash-flow link");
    b.click(&link).await.expect("click");
    let h1 = b.text_of("h1", WAIT).await;
    assert_eq!(h1, "Cash-flow statement");

    // The dashboard: overdue receivables (due today: none yet), cash and bills tiles.
    b.goto(&app.url("/dashboard")).await.expect("dashboard");
    let page = b.text_of("main", WAIT).await;
    for title in [
        "Overdue receivables",
        "Bills due this week",
        "Cash by bank account",
    ] {
        assert!(page.contains(title), "{title} in {page}");
    }
    b.quit().await.expect("quit");
}
