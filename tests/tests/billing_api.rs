//! Billing through the API, on both databases: an accountant sets up tax codes and the
//! settings, adds a customer and a vendor, writes an invoice (bad lines are 422 naming
//! each one, nothing written), posts it (number, ledger entry), downloads its PDF, credits
//! part of it; a retry with the same key makes one draft; a salesperson (a custom role with
//! receivables only) sees invoices and customers but neither bills nor vendors; another
//! company's documents are 404.
use serde_json::json;
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

both_databases!(
    an_invoice_goes_from_draft_to_ledger_to_pdf,
    |db| async move {
        let app = spawn_app(db).await;
        add_user(&app.store, app.company, "anna", PASSWORD, &["accountant"]).await;
        let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
        let anna = app.api(&app.token("anna", PASSWORD, false).await);
        // Settings and a tax code.
        billing_books(&app, &admin, &anna, json!({"receivable_account": "1200", "payable_account": "Liabilities:Payables", "tax_rounding": "line"})).await;
        let bad = body_with(
        anna.post(app.url("/api/v1/billing/tax-codes"))
            .json(&json!({"code": "VAT19", "name": "VAT 19 %", "rate": "19", "collected_account": "9999"}))
            .send()
            .await
            .expect("tax"),
        422,
    )
    .await;
        assert!(bad.to_string().contains("collected_account"), "{bad}");
        body_with(
        anna.post(app.url("/api/v1/billing/tax-codes"))
            .json(&json!({"code": "vat19", "name": "VAT 19 %", "rate": "19", "collected_account": "2100", "paid_account": "2100"}))
            .send()
            .await
            .expect("tax"),
        201,
    )
    .await;

        // A customer (a bad IBAN first) and a vendor.
        let bad = body_with(
        anna.post(app.url("/api/v1/billing/parties"))
            .json(&json!({"name": "City Clinic", "is_customer": true, "iban": "DE89 3704 0044 0532 0130 01"}))
            .send()
            .await
            .expect("party"),
        422,
    )
    .await;
        assert_eq!(bad["errors"][0]["field"], "iban", "{bad}");
        let clinic = body_with(
        anna.post(app.url("/api/v1/billing/parties"))
            .json(&json!({"name": "City Clinic", "is_customer": true, "payment_terms_days": 14,
                "income_account": "Income:Services", "iban": "de89 3704 0044 0532 0130 00", "email": "ap@clinic.example"}))
            .send()
            .await
            .expect("party"),
        201,
    )
    .await;
        assert_eq!(clinic["iban"], "DE89370400440532013000");
        let clinic_id = clinic["id"].as_i64().expect("id");
        let vendor = body_with(
            anna.post(app.url("/api/v1/billing/parties"))
                .json(&json!({"name": "Paper & Co", "is_vendor": true, "expense_account": "6300"}))
                .send()
                .await
                .expect("party"),
            201,
        )
        .await;
        let vendor_id = vendor["id"].as_i64().expect("id");

        // Bad lines: every error named, nothing written.
        let bad = body_with(
        anna.post(app.url("/api/v1/billing/invoices"))
            .json(&json!({"kind": "invoice", "party_id": clinic_id, "issue_date": "2026-03-10",
                "lines": [{"description": "ok", "unit_price": "10"},
                          {"description": "x", "quantity": "2", "unit_price": "1.005", "tax_code": "NOPE"}]}))
            .send()
            .await
            .expect("invoice"),
        422,
    )
    .await;
        let fields: Vec<&str> = bad["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert!(fields.contains(&"lines[1].unit_price"), "{bad}");
        assert!(fields.contains(&"lines[1].tax_code"), "{bad}");
        let none = body_with(
            anna.get(app.url("/api/v1/billing/invoices"))
                .send()
                .await
                .expect("list"),
            200,
        )
        .await;
        assert_eq!(none["total"], 0);

        // A draft, made once however often it is sent with the same key.
        let draft_body = json!({"kind": "invoice", "party_id": clinic_id, "issue_date": "2026-03-10",
        "reference": "PO 7781",
        "lines": [{"description": "Consulting", "quantity": "3", "unit_price": "33.33", "tax_code": "VAT19"},
                  {"description": "Travel", "unit_price": "50"}]});
        let mut ids = Vec::new();
        for _ in 0..2 {
            let d = body_with(
                anna.post(app.url("/api/v1/billing/invoices"))
                    .header("Idempotency-Key", "inv-7781")
                    .json(&draft_body)
                    .send()
                    .await
                    .expect("invoice"),
                201,
            )
            .await;
            ids.push(d["id"].as_i64().expect("id"));
            assert_eq!(d["status"], "draft");
            assert_eq!(d["total"], "168.99");
            assert_eq!(d["due_date"], "2026-03-24");
        }
        assert_eq!(ids[0], ids[1]);
        let id = ids[0];

        // A currency that is no code is named once, not again as every line's price.
        let bad = body_with(
            anna.post(app.url("/api/v1/billing/invoices"))
                .json(
                    &json!({"kind": "invoice", "party_id": clinic_id, "issue_date": "2026-03-10",
                    "currency": "1EU", "lines": [{"description": "Consulting", "unit_price": "10"},
                    {"description": "Travel", "unit_price": ""}]}),
                )
                .send()
                .await
                .expect("invoice"),
            422,
        )
        .await;
        assert_eq!(
            steward_e2e::fields(&bad),
            ["currency", "lines[1].unit_price"],
            "{bad}"
        );

        // Posted: numbered, with its entry.
        let posted = body_with(
            anna.post(app.url(&format!("/api/v1/billing/invoices/{id}/post")))
                .send()
                .await
                .expect("post"),
            200,
        )
        .await;
        assert_eq!(posted["number"], "INV-2026-0001");
        let entry_id = posted["entry_id"].as_i64().expect("entry");
        let entry = body_with(
            anna.get(app.url(&format!("/api/v1/ledger/entries/{entry_id}")))
                .send()
                .await
                .expect("entry"),
            200,
        )
        .await;
        assert_eq!(entry["reference"], "INV-2026-0001", "{entry}");
        // Posted documents do not change.
        body_with(
            anna.put(app.url(&format!("/api/v1/billing/invoices/{id}")))
                .json(&draft_body)
                .send()
                .await
                .expect("put"),
            409,
        )
        .await;
        body_with(
            anna.post(app.url(&format!("/api/v1/billing/invoices/{id}/post")))
                .send()
                .await
                .expect("post"),
            409,
        )
        .await;

        // The PDF.
        let r = anna
            .get(app.url(&format!("/api/v1/billing/invoices/{id}/pdf")))
            .send()
            .await
            .expect("pdf");
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["content-type"].to_str().expect("type"),
            "application/pdf"
        );
        let bytes = r.bytes().await.expect("bytes");
        assert!(bytes.starts_with(b"%PDF-"));

        // A credit note for one hour.
        let consulting = posted["lines"][0]["id"].as_i64().expect("line");
        let credit = body_with(
        anna.post(app.url(&format!("/api/v1/billing/invoices/{id}/credit")))
            .json(&json!({"lines": [{"description": "Consulting not done", "quantity": "1", "unit_price": "33.33",
                "tax_code": "VAT19", "credited_line_id": consulting}]}))
            .send()
            .await
            .expect("credit"),
        201,
    )
    .await;
        assert_eq!(credit["kind"], "credit_note");
        assert_eq!(credit["credited_number"], "INV-2026-0001");
        let cid = credit["id"].as_i64().expect("id");
        let credit = body_with(
            anna.post(app.url(&format!("/api/v1/billing/invoices/{cid}/post")))
                .send()
                .await
                .expect("post"),
            200,
        )
        .await;
        // A credit note is dated the day it is made.
        let year = steward_core::ledger::service::today()
            .format("%Y")
            .to_string();
        assert_eq!(credit["number"], format!("CN-{year}-0001"));
        assert_eq!(credit["total"], "39.66");

        // A bill, and the CSV export of the sales.
        let bill = body_with(
        anna.post(app.url("/api/v1/billing/invoices"))
            .json(&json!({"kind": "bill", "party_id": vendor_id, "issue_date": "2026-03-11", "reference": "P-1",
                "lines": [{"description": "Paper", "quantity": "10", "unit_price": "4.50", "tax_code": "VAT19"}]}))
            .send()
            .await
            .expect("bill"),
        201,
    )
    .await;
        let bill_id = bill["id"].as_i64().expect("id");
        let r = anna
            .get(app.url("/api/v1/billing/invoices?kind=sales&format=csv"))
            .send()
            .await
            .expect("csv");
        assert_eq!(r.status(), 200);
        let csv = r.text().await.expect("text");
        assert!(
            csv.contains("INV-2026-0001") && csv.contains("CN-2026-0001"),
            "{csv}"
        );
        assert!(!csv.contains("P-1"), "{csv}");

        // A payment of 100.00 on the invoice (the credit note settled 39.66 of it already),
        // then the aged receivables as of the invoice's due date and after.
        let too_much = body_with(
        anna.post(app.url("/api/v1/billing/payments"))
            .json(&json!({"party_id": clinic_id, "date": "2026-04-01", "amount": "500", "account": "1000",
                "allocations": [{"document_id": id, "amount": "200"}]}))
            .send()
            .await
            .expect("payment"),
        422,
    )
    .await;
        assert_eq!(
            too_much["errors"][0]["field"], "allocations[0].amount",
            "{too_much}"
        );
        let payment = body_with(
        anna.post(app.url("/api/v1/billing/payments"))
            .header("Idempotency-Key", "pay-1")
            .json(&json!({"party_id": clinic_id, "date": "2026-04-01", "amount": "100", "account": "1000",
                "allocations": [{"document_id": id, "amount": "100"}]}))
            .send()
            .await
            .expect("payment"),
        201,
    )
    .await;
        assert_eq!(payment["number"], "RCV-2026-0001");
        assert_eq!(payment["unallocated"], "0.00");
        let doc = body_with(
            anna.get(app.url(&format!("/api/v1/billing/invoices/{id}")))
                .send()
                .await
                .expect("get"),
            200,
        )
        .await;
        assert_eq!(doc["open"], "29.33", "168.99 - 39.66 - 100.00: {doc}");
        let aged = body_with(
            anna.get(
                app.url("/api/v1/billing/aged?side=receivables&as_of=2026-04-10&buckets=15,30"),
            )
            .send()
            .await
            .expect("aged"),
            200,
        )
        .await;
        assert_eq!(
            aged["columns"],
            json!(["Not due", "1-15", "16-30", "Over 30"])
        );
        assert_eq!(aged["rows"][0]["party_name"], "City Clinic");
        // Due 2026-03-24, 17 days overdue on 2026-04-10 (the credit note is dated today, so
        // as of 2026-04-10 it has not happened: 168.99 - 100.00 owed).
        assert_eq!(
            aged["rows"][0]["buckets"],
            json!(["0.00", "0.00", "68.99", "0.00"]),
            "{aged}"
        );
        let r = anna
            .get(app.url("/api/v1/billing/aged?buckets=30,20"))
            .send()
            .await
            .expect("aged");
        assert_eq!(r.status(), 422);

        // A salesperson: receivables only.
        let role = body_with(
            admin
                .post(app.url("/api/v1/roles"))
                .json(&json!({"key": "sales", "name": "Sales", "grants": [
                {"domain": "receivables", "action": "read", "scope": "company"},
                {"domain": "receivables", "action": "create", "scope": "company"}]}))
                .send()
                .await
                .expect("role"),
            201,
        )
        .await;
        assert_eq!(role["key"], "sales");
        add_user(&app.store, app.company, "sam", PASSWORD, &["sales"]).await;
        let sam = app.api(&app.token("sam", PASSWORD, false).await);
        let list = body_with(
            sam.get(app.url("/api/v1/billing/invoices"))
                .send()
                .await
                .expect("list"),
            200,
        )
        .await;
        assert_eq!(
            list["total"], 2,
            "invoice and credit note, not the bill: {list}"
        );
        body_with(
            sam.get(app.url(&format!("/api/v1/billing/invoices/{bill_id}")))
                .send()
                .await
                .expect("bill"),
            404,
        )
        .await;
        let parties = body_with(
            sam.get(app.url("/api/v1/billing/parties"))
                .send()
                .await
                .expect("parties"),
            200,
        )
        .await;
        assert_eq!(parties["total"], 1, "{parties}");
        body_with(
            sam.get(app.url(&format!("/api/v1/billing/parties/{vendor_id}")))
                .send()
                .await
                .expect("vendor"),
            404,
        )
        .await;
        body_with(
            sam.post(app.url("/api/v1/billing/invoices"))
                .json(
                    &json!({"kind": "bill", "party_id": vendor_id, "issue_date": "2026-03-11",
                "lines": [{"description": "x", "unit_price": "1"}]}),
                )
                .send()
                .await
                .expect("bill"),
            403,
        )
        .await;
        body_with(
            sam.post(app.url("/api/v1/billing/parties"))
                .json(&json!({"name": "Sneaky Vendor", "is_vendor": true}))
                .send()
                .await
                .expect("vendor"),
            403,
        )
        .await;
        // Changing the customer's bank details is the payables side's.
        body_with(
        sam.put(app.url(&format!("/api/v1/billing/parties/{clinic_id}")))
            .json(&json!({"name": "City Clinic", "is_customer": true, "iban": "GB82 WEST 1234 5698 7654 32"}))
            .send()
            .await
            .expect("put"),
        403,
    )
    .await;

        // The billing pages link only what the reader may open: the salesperson's section
        // has reminders but no payment runs (payables) and no tax report (accounting); the
        // page they are on is marked.
        let pages = app.signed_in("sam", PASSWORD).await;
        let html = pages
            .get(app.url("/billing/dunning"))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        let nav = html
            .split(r#"<nav class="subnav" aria-label="Billing">"#)
            .nth(1)
            .and_then(|rest| rest.split("</nav>").next())
            .expect("the billing section's navigation");
        assert!(nav.contains(r#"href="/billing/invoices""#), "{nav}");
        assert!(
            nav.contains(r#"<a href="/billing/dunning" aria-current="page">Reminders</a>"#),
            "{nav}"
        );
        assert!(!nav.contains("/billing/payment-runs"), "{nav}");
        assert!(!nav.contains("/billing/reports/tax"), "{nav}");
        let html = pages
            .get(app.url("/billing/payment-runs"))
            .send()
            .await
            .expect("page");
        assert_eq!(html.status(), 403, "the link hidden is the page refused");
        // The admin sees every link.
        let html = app
            .signed_in(ADMIN, ADMIN_PASSWORD)
            .await
            .get(app.url("/billing/invoices"))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        assert!(html.contains(r#"href="/billing/payment-runs""#));
        assert!(html.contains(r#"<a href="/billing/invoices" aria-current="page">"#));
    }
);
