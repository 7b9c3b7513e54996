//! Billing's reports through the API, on both databases: the tax report (JSON, its tie to
//! the ledger, CSV), a customer's statement (JSON and PDF), the cash-flow statement in the
//! ledger's reports (JSON and XLSX), and the dashboard's billing and bank tiles. A
//! salesperson (receivables only) gets the statement but not the tax report.
use serde_json::{json, Value};
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

async fn ok(r: reqwest::Response) -> Value {
    body_with(r, 200).await
}

/// The tax report's numbers as a reader checks them (no ids).
fn render_tax(t: &Value) -> String {
    let mut out = format!("Tax {} – {}\n", t["from"], t["to"]);
    for r in t["rows"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "{} {} rate {} [{}] sales {} / {} purchases {} / {}\n",
            r["code"],
            r["name"],
            r["rate"],
            r["currency"],
            r["sales_base"],
            r["sales_tax"],
            r["purchases_base"],
            r["purchases_tax"]
        ));
    }
    for x in t["ties"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "tie {} [{}] documents {} ledger {} difference {}\n",
            x["account"], x["currency"], x["documents"], x["ledger"], x["difference"]
        ));
    }
    out.push_str(&format!("ties out: {}\n", t["ties_out"]));
    out
}

/// A statement's numbers (no ids).
fn render_statement(s: &Value) -> String {
    let mut out = format!(
        "{} {} {} – {}\n",
        s["party_name"], s["side"], s["from"], s["to"]
    );
    for p in s["parts"].as_array().into_iter().flatten() {
        out.push_str(&format!("[{}] opening {}\n", p["currency"], p["opening"]));
        for l in p["lines"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "{} {} due {} amount {} balance {}\n",
                l["date"], l["kind"], l["due_date"], l["amount"], l["balance"]
            ));
        }
        out.push_str(&format!("closing {} aging {}\n", p["closing"], p["aging"]));
    }
    out
}

both_databases!(reports_tie_out_through_the_api, |db| async move {
    let app = spawn_app(db).await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    billing_books(
        &app,
        &admin,
        &admin,
        json!({"receivable_account": "1200", "payable_account": "2000", "tax_rounding": "line"}),
    )
    .await;
    body_with(
        admin
            .post(app.url("/api/v1/billing/tax-codes"))
            .json(&json!({"code": "vat19", "name": "VAT 19 %", "rate": "19", "collected_account": "2100", "paid_account": "2100"}))
            .send()
            .await
            .expect("tax"),
        201,
    )
    .await;
    let clinic = body_with(
        admin
            .post(app.url("/api/v1/billing/parties"))
            .json(&json!({"name": "Acme Clinic", "is_customer": true, "income_account": "4000", "payment_terms_days": 14}))
            .send()
            .await
            .expect("customer"),
        201,
    )
    .await["id"]
        .as_i64()
        .expect("id");
    let d = body_with(
        admin
            .post(app.url("/api/v1/billing/invoices"))
            .json(&json!({"kind": "invoice", "party_id": clinic, "issue_date": "2026-03-10",
                "lines": [{"description": "Consulting", "quantity": "3", "unit_price": "33.33", "tax_code": "VAT19"},
                          {"description": "Travel", "unit_price": "50"}]}))
            .send()
            .await
            .expect("invoice"),
        201,
    )
    .await["id"]
        .as_i64()
        .expect("id");
    ok(admin
        .post(app.url(&format!("/api/v1/billing/invoices/{d}/post")))
        .send()
        .await
        .expect("post"))
    .await;
    body_with(
        admin
            .post(app.url("/api/v1/billing/payments"))
            .json(&json!({"kind": "received", "party_id": clinic, "date": "2026-03-20", "amount": "100", "account": "1000",
                "allocations": [{"document_id": d, "amount": "100"}]}))
            .send()
            .await
            .expect("payment"),
        201,
    )
    .await;

    // The tax report: 99.99 taxed at 19 %, 50.00 without a code, tied to the ledger.
    let t = ok(admin
        .get(app.url("/api/v1/billing/reports/tax?from=2026-03-01&to=2026-03-31"))
        .send()
        .await
        .expect("tax"))
    .await;
    assert_eq!(t["rows"][0]["code"], "VAT19", "{t}");
    assert_eq!(t["rows"][0]["sales_base"], "99.99");
    assert_eq!(t["rows"][0]["sales_tax"], "19.00");
    assert_eq!(t["rows"][1]["sales_base"], "50.00");
    assert_eq!(t["ties"][0]["documents"], "-19.00");
    assert_eq!(t["ties"][0]["ledger"], "-19.00");
    assert_eq!(t["ties_out"], true);
    insta::assert_snapshot!("tax_report_march", render_tax(&t));
    let csv = admin
        .get(app.url("/api/v1/billing/reports/tax?from=2026-03-01&to=2026-03-31&format=csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.expect("text");
    assert!(text.starts_with("section,code_or_account"), "{text}");
    assert!(text.contains("ledger tie,Liabilities:Tax:VAT"), "{text}");
    body_with(
        admin
            .get(app.url("/api/v1/billing/reports/tax?from=2026-04-01&to=2026-03-01"))
            .send()
            .await
            .expect("backwards"),
        422,
    )
    .await;

    // The statement: 168.99 invoiced, 100.00 paid, 68.99 left.
    let s = ok(admin
        .get(app.url(&format!(
            "/api/v1/billing/parties/{clinic}/statement?from=2026-03-01&to=2026-03-31"
        )))
        .send()
        .await
        .expect("statement"))
    .await;
    assert_eq!(s["side"], "receivables");
    assert_eq!(s["parts"][0]["opening"], "0.00", "{s}");
    assert_eq!(s["parts"][0]["lines"][0]["balance"], "168.99");
    assert_eq!(s["parts"][0]["lines"][1]["balance"], "68.99");
    assert_eq!(s["parts"][0]["closing"], "68.99");
    insta::assert_snapshot!("statement_march", render_statement(&s));
    let pdf = admin
        .get(app.url(&format!(
            "/api/v1/billing/parties/{clinic}/statement/pdf?from=2026-03-01&to=2026-03-31"
        )))
        .send()
        .await
        .expect("pdf");
    assert_eq!(pdf.status(), 200);
    assert_eq!(
        pdf.headers()["content-type"].to_str().expect("type"),
        "application/pdf"
    );
    assert!(pdf.bytes().await.expect("bytes").starts_with(b"%PDF"));
    body_with(
        admin
            .get(app.url(&format!(
                "/api/v1/billing/parties/{clinic}/statement?side=payables"
            )))
            .send()
            .await
            .expect("not a vendor"),
        422,
    )
    .await;
    body_with(
        admin
            .get(app.url("/api/v1/billing/parties/999999/statement"))
            .send()
            .await
            .expect("missing"),
        404,
    )
    .await;

    // The cash-flow statement: March's 100.00 received is the cash accounts' change, and
    // the sections add up to it.
    let cf = ok(admin
        .get(app.url("/api/v1/ledger/reports/cash-flow?from=2026-03-01&to=2026-03-31"))
        .send()
        .await
        .expect("cash flow"))
    .await;
    assert_eq!(cf["kind"], "cash_flow");
    let totals = cf["totals"].as_array().expect("totals");
    let of = |label: &str| {
        totals
            .iter()
            .find(|t| t["label"] == label)
            .map(|t| t["amounts"][0].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(of("Net change in cash"), "100.00", "{cf}");
    assert_eq!(of("Difference (cash accounts − sections)"), "0.00");
    let x = admin
        .get(app.url("/api/v1/ledger/reports/cash-flow?from=2026-01-01&to=2026-03-31&compare=months&format=xlsx"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(x.status(), 200);

    // A salesperson: receivables only. The statement yes, the tax report no.
    let role = body_with(
        admin
            .post(app.url("/api/v1/roles"))
            .json(&json!({"key": "sales", "name": "Sales", "grants": [
                {"domain": "receivables", "action": "read", "scope": "company"}]}))
            .send()
            .await
            .expect("role"),
        201,
    )
    .await;
    assert!(role["id"].is_i64(), "{role}");
    add_user(&app.store, app.company, "sam", PASSWORD, &["sales"]).await;
    let sam = app.api(&app.token("sam", PASSWORD, false).await);
    ok(sam
        .get(app.url(&format!("/api/v1/billing/parties/{clinic}/statement")))
        .send()
        .await
        .expect("statement"))
    .await;
    body_with(
        sam.get(app.url("/api/v1/billing/reports/tax"))
            .send()
            .await
            .expect("tax"),
        403,
    )
    .await;
});
