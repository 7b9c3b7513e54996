//! Reconciliation through the API, on both databases: an accountant posts an invoice,
//! imports a statement whose line pays it and a bank fee, sees the invoice proposed first
//! (sure), matches it with an Idempotency-Key (a retry answers the same, a second match is
//! 409), the invoice shows paid and the aged report no longer lists it; the fee is posted
//! as an entry; the balance check agrees; undo and auto-match; an employee is refused (another
//! company's line: the store test).
use serde_json::{json, Value};
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

fn camt(lines: &[(&str, &str, &str)]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n\
         <BkToCstmrStmt><Stmt><Id>REC-1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n\
         <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-05-01</Dt></Dt></Bal>\n\
         <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">97.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-05-28</Dt></Dt></Bal>\n",
    );
    for (i, (text, amt, ind)) in lines.iter().enumerate() {
        s.push_str(&format!(
            "<Ntry><Amt Ccy=\"EUR\">{amt}</Amt><CdtDbtInd>{ind}</CdtDbtInd><Sts>BOOK</Sts>\
             <BookgDt><Dt>2026-05-1{i}</Dt></BookgDt><AcctSvcrRef>REC-{i}</AcctSvcrRef><AddtlNtryInf>{text}</AddtlNtryInf></Ntry>\n"
        ));
    }
    s.push_str("</Stmt></BkToCstmrStmt></Document>\n");
    s
}

both_databases!(a_statement_line_pays_an_invoice, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "anna", PASSWORD, &["accountant"]).await;
    add_user(&app.store, app.company, "emil", PASSWORD, &["employee"]).await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let anna = app.api(&app.token("anna", PASSWORD, false).await);
    let emil = app.api(&app.token("emil", PASSWORD, false).await);
    let post =
        |c: &reqwest::Client, path: &str, body: Value| c.post(app.url(path)).json(&body).send();
    billing_books(
        &app,
        &admin,
        &anna,
        json!({"receivable_account": "1200", "payable_account": "2000", "tax_rounding": "line"}),
    )
    .await;
    let clinic = body_with(
        post(
            &anna,
            "/api/v1/billing/parties",
            json!({"name": "City Clinic", "is_customer": true,
            "income_account": "4000", "iban": "DE44 5001 0517 5407 3249 31"}),
        )
        .await
        .expect("party"),
        201,
    )
    .await["id"]
        .as_i64()
        .expect("id");
    let inv = body_with(
        post(
            &anna,
            "/api/v1/billing/invoices",
            json!({"party_id": clinic, "issue_date": "2026-05-02",
            "lines": [{"description": "Check-up", "unit_price": "100.00"}]}),
        )
        .await
        .expect("invoice"),
        201,
    )
    .await["id"]
        .as_i64()
        .expect("id");
    let posted = body_with(
        anna.post(app.url(&format!("/api/v1/billing/invoices/{inv}/post")))
            .send()
            .await
            .expect("post"),
        200,
    )
    .await;
    let number = posted["number"].as_str().expect("number").to_string();
    let acc = body_with(
        post(
            &anna,
            "/api/v1/bank/accounts",
            json!({"name": "Main account", "ledger_account": "1000",
            "iban": "DE89 3704 0044 0532 0130 00"}),
        )
        .await
        .expect("account"),
        201,
    )
    .await["id"]
        .as_i64()
        .expect("id");
    let file = camt(&[
        (&format!("City Clinic {number}"), "100.00", "CRDT"),
        ("Account fee", "2.50", "DBIT"),
    ]);
    let st = upload_statement(&app, &anna, acc, "may.xml", file).await;

    // The view: two lines to match, the invoice proposed first and sure.
    let view = body_with(
        anna.get(app.url(&format!("/api/v1/bank/statements/{st}/reconcile")))
            .send()
            .await
            .expect("view"),
        200,
    )
    .await;
    assert_eq!(view["balance"]["unmatched"], 2, "{view}");
    let paying = &view["unmatched"][0];
    let line = paying["line"]["id"].as_i64().expect("line");
    let fee = view["unmatched"][1]["line"]["id"]
        .as_i64()
        .expect("fee line");
    assert_eq!(paying["proposals"][0]["candidate"]["id"], inv, "{view}");
    assert_eq!(paying["proposals"][0]["sure"], true, "{view}");

    // The employee may not read or match.
    body_with(
        emil.get(app.url(&format!("/api/v1/bank/lines/{line}/proposals")))
            .send()
            .await
            .expect("get"),
        403,
    )
    .await;
    body_with(
        post(
            &emil,
            &format!("/api/v1/bank/lines/{line}/match"),
            json!({"documents": [{"document_id": inv}]}),
        )
        .await
        .expect("match"),
        403,
    )
    .await;
    // Naming nothing, or two things, is 422.
    body_with(
        post(
            &anna,
            &format!("/api/v1/bank/lines/{line}/match"),
            json!({}),
        )
        .await
        .expect("match"),
        422,
    )
    .await;
    // A document that is not there is named, not a party the caller never had to give
    // (the party is the documents').
    let missing = body_with(
        post(
            &anna,
            &format!("/api/v1/bank/lines/{line}/match"),
            json!({"documents": [{"document_id": inv + 1000}]}),
        )
        .await
        .expect("match"),
        422,
    )
    .await;
    assert_eq!(fields(&missing), ["documents[0].document_id"], "{missing}");

    // Match with a key; the retry answers the same; a second match is 409.
    let m = |key: Option<&str>| {
        let mut r = anna
            .post(app.url(&format!("/api/v1/bank/lines/{line}/match")))
            .json(&json!({"documents": [{"document_id": inv}]}));
        if let Some(k) = key {
            r = r.header("Idempotency-Key", k);
        }
        r.send()
    };
    let first = body_with(m(Some("match-1")).await.expect("match"), 201).await;
    assert_eq!(first["kind"], "new_payment", "{first}");
    assert_eq!(first["documents"][0]["number"], number.as_str());
    let again = body_with(m(Some("match-1")).await.expect("retry"), 201).await;
    assert_eq!(again["payment_id"], first["payment_id"]);
    body_with(m(None).await.expect("twice"), 409).await;

    // The invoice is paid; the aged report no longer lists it.
    let doc = body_with(
        anna.get(app.url(&format!("/api/v1/billing/invoices/{inv}")))
            .send()
            .await
            .expect("get"),
        200,
    )
    .await;
    assert_eq!(doc["open"], "0.00", "{doc}");
    let aged = body_with(
        anna.get(app.url("/api/v1/billing/aged?side=receivables&as_of=2026-06-30"))
            .send()
            .await
            .expect("aged"),
        200,
    )
    .await;
    assert!(
        aged["rows"].as_array().is_none_or(|r| r.is_empty()),
        "{aged}"
    );

    // The fee: an entry against an expense account; the balances agree.
    let bad = body_with(
        post(
            &anna,
            &format!("/api/v1/bank/lines/{fee}/entry"),
            json!({"account": "9999"}),
        )
        .await
        .expect("entry"),
        422,
    )
    .await;
    assert_eq!(fields(&bad), ["account"], "{bad}");
    body_with(
        post(
            &anna,
            &format!("/api/v1/bank/lines/{fee}/entry"),
            json!({"account": "6300"}),
        )
        .await
        .expect("entry"),
        201,
    )
    .await;
    let view = body_with(
        anna.get(app.url(&format!("/api/v1/bank/statements/{st}/reconcile")))
            .send()
            .await
            .expect("view"),
        200,
    )
    .await;
    assert_eq!(view["balance"]["statement"], "97.50", "{view}");
    assert_eq!(view["balance"]["ledger"], "97.50", "{view}");
    assert_eq!(view["balance"]["difference"], "0.00", "{view}");
    assert_eq!(view["reconciled"].as_array().map(Vec::len), Some(2));

    // Undo the fee: unmatched again (reason required); auto-match leaves it (no candidate).
    body_with(
        post(
            &anna,
            &format!("/api/v1/bank/lines/{fee}/undo"),
            json!({"reason": ""}),
        )
        .await
        .expect("undo"),
        422,
    )
    .await;
    let r = post(
        &anna,
        &format!("/api/v1/bank/lines/{fee}/undo"),
        json!({"reason": "wrong account"}),
    )
    .await
    .expect("undo");
    assert_eq!(r.status(), 204);
    body_with(
        post(
            &anna,
            &format!("/api/v1/bank/lines/{fee}/undo"),
            json!({"reason": "again"}),
        )
        .await
        .expect("undo"),
        409,
    )
    .await;
    let auto = body_with(
        anna.post(app.url(&format!("/api/v1/bank/statements/{st}/auto-match")))
            .send()
            .await
            .expect("auto"),
        200,
    )
    .await;
    assert_eq!(auto["matched"], 0, "{auto}");
    assert_eq!(auto["left"], 1, "{auto}");
});

/// A CAMT.053 statement of `(text, amount, YYYY-MM-DD)` credits, without balances.
fn camt_on(id: &str, lines: &[(&str, &str, &str)]) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n\
         <BkToCstmrStmt><Stmt><Id>{id}</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n"
    );
    for (i, (text, amt, day)) in lines.iter().enumerate() {
        s.push_str(&format!(
            "<Ntry><Amt Ccy=\"EUR\">{amt}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>\
             <BookgDt><Dt>{day}</Dt></BookgDt><AcctSvcrRef>{id}-{i}</AcctSvcrRef><AddtlNtryInf>{text}</AddtlNtryInf></Ntry>\n"
        ));
    }
    s.push_str("</Stmt></BkToCstmrStmt></Document>\n");
    s
}

// Auto-match writes its sure matches together: a line whose payment would fall in a closed
// month is counted as failed and the others are reconciled all the same; a retry with the
// same Idempotency-Key answers the same and writes nothing; every payment is audited and the
// audit chain verifies.
both_databases!(
    auto_match_counts_a_failed_line_and_writes_the_rest,
    |db| async move {
        let app = spawn_app(db).await;
        add_user(&app.store, app.company, "anna", PASSWORD, &["accountant"]).await;
        let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
        let anna = app.api(&app.token("anna", PASSWORD, false).await);
        let post =
            |c: &reqwest::Client, path: &str, body: Value| c.post(app.url(path)).json(&body).send();
        billing_books(
        &app,
        &admin,
        &anna,
        json!({"receivable_account": "1200", "payable_account": "2000", "tax_rounding": "line"}),
    )
    .await;
        let clinic = body_with(
            post(
                &anna,
                "/api/v1/billing/parties",
                json!({"name": "City Clinic", "is_customer": true, "income_account": "4000"}),
            )
            .await
            .expect("party"),
            201,
        )
        .await["id"]
            .as_i64()
            .expect("id");
        let mut invoices = Vec::new();
        for amount in ["100.00", "55.50", "70.00"] {
            let id = body_with(
                post(
                    &anna,
                    "/api/v1/billing/invoices",
                    json!({"party_id": clinic, "issue_date": "2026-04-02",
                "lines": [{"description": "Check-up", "unit_price": amount}]}),
                )
                .await
                .expect("invoice"),
                201,
            )
            .await["id"]
                .as_i64()
                .expect("id");
            let posted = body_with(
                anna.post(app.url(&format!("/api/v1/billing/invoices/{id}/post")))
                    .send()
                    .await
                    .expect("post"),
                200,
            )
            .await;
            invoices.push((id, posted["number"].as_str().expect("number").to_string()));
        }
        // April closes: a payment dated in it cannot post.
        body_with(
            admin
                .post(app.url("/api/v1/ledger/periods/2026-04/close"))
                .send()
                .await
                .expect("close"),
            200,
        )
        .await;
        let acc = body_with(
            post(
                &anna,
                "/api/v1/bank/accounts",
                json!({"name": "Main account", "ledger_account": "1000"}),
            )
            .await
            .expect("account"),
            201,
        )
        .await["id"]
            .as_i64()
            .expect("id");
        let file = camt_on(
            "AUTO-1",
            &[
                (
                    &format!("Payment {}", invoices[0].1),
                    "100.00",
                    "2026-05-04",
                ),
                (&format!("{} thanks", invoices[1].1), "55.50", "2026-05-05"),
                (&invoices[2].1, "70.00", "2026-04-30"),
                ("no reference", "12.00", "2026-05-06"),
            ],
        );
        let st = upload_statement(&app, &anna, acc, "may.xml", file).await;
        let auto = |key: &'static str| {
            anna.post(app.url(&format!("/api/v1/bank/statements/{st}/auto-match")))
                .header("Idempotency-Key", key)
                .send()
        };
        let first = body_with(auto("auto-1").await.expect("auto"), 200).await;
        assert_eq!(first["matched"], 2, "{first}");
        assert_eq!(first["failed"], 1, "{first}");
        assert_eq!(first["left"], 2, "{first}");
        let again = body_with(auto("auto-1").await.expect("retry"), 200).await;
        assert_eq!(again, first, "the retry answers the same");

        let open = |id: i64| {
            let anna = &anna;
            let app = &app;
            async move {
                body_with(
                    anna.get(app.url(&format!("/api/v1/billing/invoices/{id}")))
                        .send()
                        .await
                        .expect("get"),
                    200,
                )
                .await["open"]
                    .clone()
            }
        };
        assert_eq!(open(invoices[0].0).await, "0.00");
        assert_eq!(open(invoices[1].0).await, "0.00");
        assert_eq!(open(invoices[2].0).await, "70.00", "April is closed");
        let paid = body_with(
            anna.get(app.url("/api/v1/billing/payments"))
                .send()
                .await
                .expect("payments"),
            200,
        )
        .await;
        assert_eq!(paid["total"], 2, "one payment per matched line: {paid}");
        let view = body_with(
            anna.get(app.url(&format!("/api/v1/bank/statements/{st}/reconcile")))
                .send()
                .await
                .expect("view"),
            200,
        )
        .await;
        assert_eq!(
            view["reconciled"].as_array().map(Vec::len),
            Some(2),
            "{view}"
        );
        assert_eq!(view["balance"]["unmatched"], 2, "{view}");
        assert_eq!(view["balance"]["ledger"], "155.50", "{view}");

        // Each payment is audited with the line it reconciles, and the chain verifies.
        let events = body_with(
            admin
                .get(app.url("/api/v1/audit?entity=billing.payment&action=post"))
                .send()
                .await
                .expect("audit"),
            200,
        )
        .await;
        let events = events["items"].as_array().expect("items").clone();
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(
            events.iter().all(|e| e["changes"]["bank_line"].is_i64()),
            "{events:?}"
        );
        let v = body_with(
            admin
                .get(app.url("/api/v1/audit/verify"))
                .send()
                .await
                .expect("verify"),
            200,
        )
        .await;
        assert_eq!(v["ok"], true, "{v}");
    }
);
