//! Invoices and bills posted in batches through the API, on both databases: a batch with
//! one bad document is 422 naming the item and field, and writes nothing; a good batch is
//! numbered gap-free per series and posts each document's ledger entry with the same
//! figures as drafting and posting it one by one; the same batch again (the items' keys)
//! posts nothing; credits are refused in a batch; a bill above the approval threshold is
//! refused in one (it must wait for an approver); someone without payables may not post a
//! bill in one.
use serde_json::{json, Value};
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

fn doc(party: i64, po: &str) -> Value {
    json!({"party_id": party, "issue_date": "2026-03-10", "reference": po,
        "lines": [{"description": "Consulting", "quantity": "3", "unit_price": "33.33", "tax_code": "VAT19"},
                  {"description": "Travel", "unit_price": "50"}]})
}

async fn batch(app: &TestApp, c: &reqwest::Client, items: Value, status: u16) -> Value {
    body_with(
        c.post(app.url("/api/v1/billing/invoices/batch"))
            .json(&json!({ "items": items }))
            .send()
            .await
            .expect("batch"),
        status,
    )
    .await
}

async fn get(app: &TestApp, c: &reqwest::Client, path: &str) -> Value {
    body_with(c.get(app.url(path)).send().await.expect("get"), 200).await
}

/// An entry's lines as (account, amount), sorted.
fn lines(entry: &Value) -> Vec<(String, String)> {
    let mut l: Vec<(String, String)> = entry["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            (
                l["account"].as_str().unwrap_or_default().to_string(),
                l["amount"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    l.sort();
    l
}

both_databases!(invoices_post_in_batches, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "anna", PASSWORD, &["accountant"]).await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let anna = app.api(&app.token("anna", PASSWORD, false).await);
    billing_books(
        &app,
        &admin,
        &anna,
        json!({"receivable_account": "1200", "payable_account": "2000", "tax_rounding": "line"}),
    )
    .await;
    body_with(
        anna.post(app.url("/api/v1/billing/tax-codes"))
            .json(&json!({"code": "VAT19", "name": "VAT 19 %", "rate": "19", "collected_account": "2100", "paid_account": "2100"}))
            .send()
            .await
            .expect("tax"),
        201,
    )
    .await;
    let customer = body_with(
        anna.post(app.url("/api/v1/billing/parties"))
            .json(&json!({"name": "City Clinic", "is_customer": true, "income_account": "4000", "payment_terms_days": 14}))
            .send()
            .await
            .expect("party"),
        201,
    )
    .await["id"]
        .as_i64()
        .expect("id");
    let vendor = body_with(
        anna.post(app.url("/api/v1/billing/parties"))
            .json(&json!({"name": "Paper & Co", "is_vendor": true, "expense_account": "6300"}))
            .send()
            .await
            .expect("party"),
        201,
    )
    .await["id"]
        .as_i64()
        .expect("id");

    // One bad document: 422 naming it, nothing written.
    let mut bad = doc(customer, "PO 2");
    bad["lines"][0]["unit_price"] = json!("1.005");
    let r = batch(
        &app,
        &anna,
        json!([{"key": "b-1", "document": doc(customer, "PO 1")}, {"key": "b-2", "document": bad},
               {"key": "b-3", "document": {"party_id": vendor, "issue_date": "2026-03-10", "lines": [{"description": "x", "unit_price": "1"}]}}]),
        422,
    )
    .await;
    let fields: Vec<&str> = r["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"items[1].document.lines[0].unit_price"),
        "{r}"
    );
    assert!(fields.contains(&"items[2].document.party_id"), "{r}");
    assert_eq!(
        get(&app, &anna, "/api/v1/billing/invoices").await["total"],
        0
    );

    // Invoices and a bill: numbered per series, posted with their entries.
    let items = json!([
        {"key": "b-1", "document": doc(customer, "PO 1")},
        {"key": "b-2", "document": doc(customer, "PO 2")},
        {"key": "b-3", "document": {"kind": "bill", "party_id": vendor, "issue_date": "2026-03-11", "reference": "V-77",
            "lines": [{"description": "Paper", "unit_price": "80", "tax_code": "VAT19"}]}},
        {"document": doc(customer, "PO 3")},
    ]);
    let r = batch(&app, &anna, items.clone(), 201).await;
    assert_eq!(r["created"], 4, "{r}");
    let numbers: Vec<&str> = r["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|x| x["number"].as_str())
        .collect();
    assert_eq!(
        numbers,
        [
            "INV-2026-0001",
            "INV-2026-0002",
            "BILL-2026-0001",
            "INV-2026-0003"
        ]
    );
    let first = r["results"][0]["id"].as_i64().expect("id");
    let inv = get(&app, &anna, &format!("/api/v1/billing/invoices/{first}")).await;
    assert_eq!(inv["status"], "posted");
    assert_eq!(inv["total"], "168.99");
    assert_eq!(inv["due_date"], "2026-03-24");
    let batch_entry = get(
        &app,
        &anna,
        &format!("/api/v1/ledger/entries/{}", inv["entry_id"]),
    )
    .await;
    assert_eq!(batch_entry["reference"], "INV-2026-0001");

    // The same document drafted and posted one by one: the same figures and entry.
    let d = body_with(
        anna.post(app.url("/api/v1/billing/invoices"))
            .json(&doc(customer, "PO 1"))
            .send()
            .await
            .expect("draft"),
        201,
    )
    .await;
    let single = body_with(
        anna.post(app.url(&format!("/api/v1/billing/invoices/{}/post", d["id"])))
            .send()
            .await
            .expect("post"),
        200,
    )
    .await;
    assert_eq!(single["number"], "INV-2026-0004");
    for f in ["subtotal", "tax", "total", "due_date"] {
        assert_eq!(single[f], inv[f], "{f}");
    }
    let single_entry = get(
        &app,
        &anna,
        &format!("/api/v1/ledger/entries/{}", single["entry_id"]),
    )
    .await;
    assert_eq!(lines(&single_entry), lines(&batch_entry));
    // The batch writes its documents, lines and entries many to a statement: each document
    // has its own lines, reference and entry, as posting one by one gives them.
    let doc_lines = |d: &Value| -> Vec<(String, String, String, String)> {
        d["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .map(|l| {
                (
                    l["description"].as_str().unwrap_or_default().to_string(),
                    l["quantity"].to_string(),
                    l["net"].to_string(),
                    l["tax"].to_string(),
                )
            })
            .collect()
    };
    assert_eq!(doc_lines(&inv), doc_lines(&single), "{inv} {single}");
    for (i, (reference, descriptions)) in [
        ("PO 1", vec!["Consulting", "Travel"]),
        ("PO 2", vec!["Consulting", "Travel"]),
        ("V-77", vec!["Paper"]),
        ("PO 3", vec!["Consulting", "Travel"]),
    ]
    .into_iter()
    .enumerate()
    {
        let id = r["results"][i]["id"].as_i64().expect("id");
        let d = get(&app, &anna, &format!("/api/v1/billing/invoices/{id}")).await;
        assert_eq!(d["reference"], reference, "{d}");
        assert_eq!(d["number"], r["results"][i]["number"], "{d}");
        let got: Vec<String> = doc_lines(&d).into_iter().map(|l| l.0).collect();
        assert_eq!(got, descriptions, "{d}");
        let e = get(
            &app,
            &anna,
            &format!("/api/v1/ledger/entries/{}", d["entry_id"]),
        )
        .await;
        assert_eq!(e["reference"], d["number"], "{e}");
    }

    // The same batch again: the keyed items are not posted twice.
    let again = batch(&app, &anna, json!([items[0], items[1], items[2]]), 201).await;
    assert_eq!(again["created"], 0, "{again}");
    assert_eq!(again["results"][0]["id"], r["results"][0]["id"]);
    assert_eq!(again["results"][2]["number"], "BILL-2026-0001");
    assert_eq!(
        get(&app, &anna, "/api/v1/billing/invoices").await["total"],
        5
    );

    // Credits are not made in a batch.
    let r = batch(
        &app,
        &anna,
        json!([{"document": {"kind": "credit_note", "party_id": customer, "issue_date": "2026-03-10",
            "lines": [{"description": "x", "unit_price": "1"}]}}]),
        422,
    )
    .await;
    assert!(r.to_string().contains("items[0].document.kind"), "{r}");

    // Above the bill approval threshold a bill waits for an approver: not in a batch.
    body_with(
        anna.put(app.url("/api/v1/billing/settings"))
            .json(&json!({"receivable_account": "1200", "payable_account": "2000", "tax_rounding": "line",
                "bill_approval_threshold": "100.00"}))
            .send()
            .await
            .expect("settings"),
        200,
    )
    .await;
    let r = batch(
        &app,
        &anna,
        json!([{"document": doc(customer, "PO 8")},
               {"document": {"kind": "bill", "party_id": vendor, "issue_date": "2026-03-12",
                "lines": [{"description": "Desk", "unit_price": "200"}]}}]),
        422,
    )
    .await;
    assert!(r.to_string().contains("items[1].document"), "{r}");
    assert!(r.to_string().contains("approval threshold"), "{r}");
    assert_eq!(
        get(&app, &anna, "/api/v1/billing/invoices").await["total"],
        5
    );

    // A salesperson (receivables only) may not post a bill in a batch.
    body_with(
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
    add_user(&app.store, app.company, "sam", PASSWORD, &["sales"]).await;
    let sam = app.api(&app.token("sam", PASSWORD, false).await);
    batch(
        &app,
        &sam,
        json!([{"document": {"kind": "bill", "party_id": vendor, "issue_date": "2026-03-10",
            "lines": [{"description": "x", "unit_price": "1"}]}}]),
        403,
    )
    .await;
    let r = batch(
        &app,
        &sam,
        json!([{"document": doc(customer, "PO 9")}]),
        201,
    )
    .await;
    assert_eq!(r["results"][0]["number"], "INV-2026-0005");
    // Someone without either grant is refused before the body is read.
    let emp = app.api(&app.token(ADMIN, ADMIN_PASSWORD, true).await);
    batch(
        &app,
        &emp,
        json!([{"document": doc(customer, "PO 10")}]),
        403,
    )
    .await;
    // Every batch that was answered 201 was audited (the retry too), and the chain verifies.
    let events = get(&app, &admin, "/api/v1/audit?action=post_batch").await;
    assert_eq!(
        events["items"].as_array().map(Vec::len),
        Some(3),
        "{events}"
    );
    let v = get(&app, &admin, "/api/v1/audit/verify").await;
    assert_eq!(v["ok"], true, "{v}");
});
