//! A USD invoice in EUR books, paid at another rate, through the API on both databases:
//! the invoice takes the ledger's rate of its issue date and posts its lines in dollars
//! with their values in euro as costs; the payment at the rate of its date is refused
//! while the exchange difference account is unset (422 naming the setting), then posts
//! the bank at its value, the receivable at the book value it settles and the gain to
//! the account; the trial balance shows the gain in euro, the aged report stays in
//! dollars, and the invoice and payment pages show the rates and the difference.
use serde_json::{json, Value};
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

/// The line of `entry` on `account`.
fn line<'a>(entry: &'a Value, account: &str) -> &'a Value {
    entry["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["account"] == account)
        .unwrap_or_else(|| panic!("no line on {account}: {entry}"))
}

/// An account's balance in `commodity` (minor units, first column) in a trial balance.
fn balance(tb: &Value, account: &str, commodity: &str) -> i64 {
    tb["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s["rows"].as_array().expect("rows").iter())
        .filter(|r| r["account"] == account && r["commodity"] == commodity)
        .map(|r| r["amounts_minor"][0].as_i64().expect("amount"))
        .sum()
}

async fn entry(app: &TestApp, c: &reqwest::Client, id: &Value) -> Value {
    let id = id.as_i64().expect("entry id");
    body_with(
        c.get(app.url(&format!("/api/v1/ledger/entries/{id}")))
            .send()
            .await
            .expect("entry"),
        200,
    )
    .await
}

/// Dollars in the ledger at 0.92 EUR from March and 0.95 from April, and a customer who is
/// invoiced in dollars; its id.
async fn dollar_customer(app: &TestApp, admin: &reqwest::Client, anna: &reqwest::Client) -> i64 {
    // Dollars, at 0.92 from March and 0.95 from April.
    body_with(
        admin
            .post(app.url("/api/v1/ledger/commodities"))
            .json(&json!({"symbol": "USD", "precision": 2, "name": "US dollar"}))
            .send()
            .await
            .expect("commodity"),
        201,
    )
    .await;
    body_with(
        admin
            .post(app.url("/api/v1/ledger/rates"))
            .json(&json!({"rates": [
            {"date": "2026-03-01", "commodity": "USD", "quote": "EUR", "rate": "0.92"},
            {"date": "2026-04-01", "commodity": "USD", "quote": "EUR", "rate": "0.95"}]}))
            .send()
            .await
            .expect("rates"),
        200,
    )
    .await;
    let customer = body_with(
        anna.post(app.url("/api/v1/billing/parties"))
            .json(
                &json!({"name": "Boston Clinic", "is_customer": true, "currency": "USD",
            "income_account": "4000"}),
            )
            .send()
            .await
            .expect("party"),
        201,
    )
    .await;
    customer["id"].as_i64().expect("id")
}

both_databases!(
    a_usd_invoice_paid_at_another_rate_posts_the_exchange_gain,
    |db| async move {
        let app = spawn_app(db).await;
        add_user(&app.store, app.company, "anna", PASSWORD, &["accountant"]).await;
        let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
        let anna = app.api(&app.token("anna", PASSWORD, false).await);
        let settings = json!({"receivable_account": "1200", "payable_account": "2000", "tax_rounding": "line"});
        billing_books(&app, &admin, &anna, settings.clone()).await;
        let customer_id = dollar_customer(&app, &admin, &anna).await;

        // 1,000.00 USD on 2026-03-10: at 0.92, worth 920.00 EUR.
        let draft = body_with(
            anna.post(app.url("/api/v1/billing/invoices"))
                .json(
                    &json!({"kind": "invoice", "party_id": customer_id, "issue_date": "2026-03-10",
                    "lines": [{"description": "Consulting", "unit_price": "1000"}]}),
                )
                .send()
                .await
                .expect("invoice"),
            201,
        )
        .await;
        assert_eq!(draft["currency"], "USD");
        assert_eq!(draft["fx_rate"], Value::Null, "a draft has no rate yet");
        let id = draft["id"].as_i64().expect("id");
        let inv = body_with(
            anna.post(app.url(&format!("/api/v1/billing/invoices/{id}/post")))
                .send()
                .await
                .expect("post"),
            200,
        )
        .await;
        assert_eq!(inv["fx_rate"], "0.92", "{inv}");
        assert_eq!(inv["book_currency"], "EUR");
        assert_eq!(inv["book_total"], "920.00");
        let e = entry(&app, &anna, &inv["entry_id"]).await;
        let r = line(&e, "Assets:Receivables");
        assert_eq!(
            (&r["commodity"], &r["amount"]),
            (&json!("USD"), &json!("1000.00"))
        );
        assert_eq!(r["cost"]["commodity"], "EUR");
        assert_eq!(r["cost"]["amount"], "920.00");
        let s = line(&e, "Income:Sales");
        assert_eq!(s["amount"], "-1000.00");
        assert_eq!(s["cost"]["amount"], "-920.00");

        // The aged report stays in dollars.
        let aged = body_with(
            anna.get(app.url("/api/v1/billing/aged?as_of=2026-03-20"))
                .send()
                .await
                .expect("aged"),
            200,
        )
        .await;
        assert_eq!(aged["rows"][0]["currency"], "USD", "{aged}");
        assert_eq!(aged["rows"][0]["total"], "1000.00");

        // Paid in full on 2026-04-05 at 0.95: 950.00 EUR for a receivable of 920.00.
        let payment = json!({"kind": "received", "party_id": customer_id, "date": "2026-04-05",
            "amount": "1000", "account": "1000", "allocations": [{"document_id": id, "amount": "1000"}]});
        let refused = body_with(
            anna.post(app.url("/api/v1/billing/payments"))
                .json(&payment)
                .send()
                .await
                .expect("payment"),
            422,
        )
        .await;
        assert_eq!(fields(&refused), vec!["fx_gain_loss_account"], "{refused}");
        let mut with_account = settings.clone();
        with_account["fx_gain_loss_account"] = json!("Income:Other");
        let saved = body_with(
            anna.put(app.url("/api/v1/billing/settings"))
                .json(&with_account)
                .send()
                .await
                .expect("settings"),
            200,
        )
        .await;
        assert!(saved["fx_gain_loss_account_id"].is_i64(), "{saved}");
        let p = body_with(
            anna.post(app.url("/api/v1/billing/payments"))
                .json(&payment)
                .send()
                .await
                .expect("payment"),
            201,
        )
        .await;
        assert_eq!(p["currency"], "USD");
        assert_eq!(p["fx_rate"], "0.95", "{p}");
        assert_eq!(p["book_currency"], "EUR");
        assert_eq!(p["book_amount"], "950.00");
        assert_eq!(p["exchange_difference"], "30.00");
        assert_eq!(p["allocations"][0]["book_amount"], "920.00");
        assert_eq!(p["allocations"][0]["exchange_difference"], "30.00");

        let e = entry(&app, &anna, &p["entry_id"]).await;
        let lines = e["lines"].as_array().expect("lines");
        assert_eq!(lines.len(), 3, "{e}");
        let bank = line(&e, "Assets:Bank:Checking");
        assert_eq!(
            (&bank["commodity"], &bank["amount"]),
            (&json!("USD"), &json!("1000.00"))
        );
        assert_eq!(bank["cost"]["amount"], "950.00");
        let r = line(&e, "Assets:Receivables");
        assert_eq!(r["amount"], "-1000.00");
        assert_eq!(r["cost"]["amount"], "-920.00");
        let gain = line(&e, "Income:Other");
        assert_eq!(
            (&gain["commodity"], &gain["amount"]),
            (&json!("EUR"), &json!("-30.00"))
        );
        assert_eq!(gain["cost"], Value::Null);

        // The ledger: the gain in euro, nothing left on the receivable, the bank in dollars.
        let tb = body_with(
            anna.get(app.url("/api/v1/ledger/reports/trial-balance"))
                .send()
                .await
                .expect("trial balance"),
            200,
        )
        .await;
        assert_eq!(balance(&tb, "Income:Other", "EUR"), -3000, "{tb}");
        assert_eq!(balance(&tb, "Assets:Receivables", "USD"), 0);
        assert_eq!(balance(&tb, "Assets:Bank:Checking", "USD"), 100_000);
        let inv = body_with(
            anna.get(app.url(&format!("/api/v1/billing/invoices/{id}")))
                .send()
                .await
                .expect("invoice"),
            200,
        )
        .await;
        assert_eq!(inv["open"], "0.00");

        // The pages show the rates and the difference.
        let web = app.signed_in("anna", PASSWORD).await;
        let page = web
            .get(app.url(&format!("/billing/payments/{}", p["id"])))
            .send()
            .await
            .expect("payment page")
            .text()
            .await
            .expect("html");
        assert!(page.contains("1 USD = 0.95 EUR"), "{page}");
        assert!(page.contains("gain 30.00"), "{page}");
        let page = web
            .get(app.url(&format!("/billing/invoices/{id}")))
            .send()
            .await
            .expect("invoice page")
            .text()
            .await
            .expect("html");
        assert!(page.contains("1 USD = 0.92 EUR"), "{page}");
        assert!(page.contains("920.00 EUR"), "{page}");
    }
);

// Auto-match on a dollar bank account settles a dollar invoice at its book value, as a
// match by hand would: the payment at the rate of the line's day, the exchange gain posted.
both_databases!(
    auto_match_settles_a_usd_invoice_with_its_exchange_difference,
    |db| async move {
        let app = spawn_app(db).await;
        add_user(&app.store, app.company, "anna", PASSWORD, &["accountant"]).await;
        let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
        let anna = app.api(&app.token("anna", PASSWORD, false).await);
        billing_books(
            &app,
            &admin,
            &anna,
            json!({"receivable_account": "1200", "payable_account": "2000",
                "tax_rounding": "line", "fx_gain_loss_account": "Income:Other"}),
        )
        .await;
        let customer_id = dollar_customer(&app, &admin, &anna).await;
        let draft = body_with(
            anna.post(app.url("/api/v1/billing/invoices"))
                .json(
                    &json!({"kind": "invoice", "party_id": customer_id, "issue_date": "2026-03-10",
                    "lines": [{"description": "Consulting", "unit_price": "1000"}]}),
                )
                .send()
                .await
                .expect("invoice"),
            201,
        )
        .await;
        let id = draft["id"].as_i64().expect("id");
        let inv = body_with(
            anna.post(app.url(&format!("/api/v1/billing/invoices/{id}/post")))
                .send()
                .await
                .expect("post"),
            200,
        )
        .await;
        let number = inv["number"].as_str().expect("number");
        let acc = body_with(
            anna.post(app.url("/api/v1/bank/accounts"))
                .json(
                    &json!({"name": "Dollar account", "ledger_account": "1000", "currency": "USD"}),
                )
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
             <BkToCstmrStmt><Stmt><Id>USD-1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>USD</Ccy></Acct>\n\
             <Ntry><Amt Ccy=\"USD\">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>\
             <BookgDt><Dt>2026-04-05</Dt></BookgDt><AcctSvcrRef>USD-1-0</AcctSvcrRef>\
             <AddtlNtryInf>Payment {number}</AddtlNtryInf></Ntry>\n\
             </Stmt></BkToCstmrStmt></Document>\n"
        );
        let st = upload_statement(&app, &anna, acc, "april.xml", camt).await;
        let auto = body_with(
            anna.post(app.url(&format!("/api/v1/bank/statements/{st}/auto-match")))
                .send()
                .await
                .expect("auto"),
            200,
        )
        .await;
        assert_eq!(
            (&auto["matched"], &auto["failed"]),
            (&json!(1), &json!(0)),
            "{auto}"
        );
        let paid = body_with(
            anna.get(app.url("/api/v1/billing/payments"))
                .send()
                .await
                .expect("payments"),
            200,
        )
        .await;
        let p = &paid["items"][0];
        assert_eq!(p["currency"], "USD", "{paid}");
        let p = body_with(
            anna.get(app.url(&format!("/api/v1/billing/payments/{}", p["id"])))
                .send()
                .await
                .expect("payment"),
            200,
        )
        .await;
        assert_eq!(p["fx_rate"], "0.95", "{p}");
        assert_eq!(p["book_amount"], "950.00");
        assert_eq!(p["exchange_difference"], "30.00");
        let e = entry(&app, &anna, &p["entry_id"]).await;
        assert_eq!(line(&e, "Income:Other")["amount"], "-30.00", "{e}");
        assert_eq!(line(&e, "Assets:Receivables")["cost"]["amount"], "-920.00");
    }
);
