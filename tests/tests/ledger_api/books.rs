//! Periods and the year-end close, reports, company isolation and journal import.
use super::*;

both_databases!(periods_close_and_the_year_ends, |db| async move {
    let app = spawn_app(db).await;
    let c = books(&app).await;
    add_user(&app.store, app.company, "acct", PASSWORD, &["accountant"]).await;
    add_user(
        &app.store,
        app.company,
        "lead",
        PASSWORD,
        &["accounting_lead"],
    )
    .await;
    let acct = client(&app, "acct").await;
    let lead = client(&app, "lead").await;
    posted(
        &app,
        &c,
        &entry(
            "2025-03-15",
            "Sales",
            &[("Assets:Bank:Checking", "1000.00"), ("Income:Sales", "")],
        ),
    )
    .await;
    posted(
        &app,
        &c,
        &entry(
            "2025-03-16",
            "Rent",
            &[("Expenses:Rent", "300.00"), ("Assets:Bank:Checking", "")],
        ),
    )
    .await;

    let periods = app.url("/api/v1/ledger/periods");
    let r = acct
        .post(format!("{periods}/2025-03/close"))
        .send()
        .await
        .expect("close");
    assert_eq!(r.status(), 403, "an accountant does not close periods");
    let r = lead
        .post(format!("{periods}/2025-03/close"))
        .send()
        .await
        .expect("close");
    assert_eq!(r.status(), 200);
    let p = body(r).await;
    assert_eq!(p["month"], "2025-03");
    assert_eq!(p["status"], "closed");
    let late = entry(
        "2025-03-20",
        "Late invoice",
        &[("Expenses:Office", "50.00"), ("Assets:Bank:Checking", "")],
    );
    let p = problem_422(post_entry(&app, &c, &late).await, "into a closed month").await;
    assert_eq!(fields(&p), vec!["date"], "{p}");
    let p = problem_422(
        c.post(format!("{periods}/2025-13/close"))
            .send()
            .await
            .expect("close"),
        "no such month",
    )
    .await;
    assert_eq!(fields(&p), vec!["month"], "{p}");

    for (who, status) in [(&acct, 403), (&lead, 403)] {
        let r = who
            .post(format!("{periods}/2025-03/reopen"))
            .json(&json!({"reason": "late invoice"}))
            .send()
            .await
            .expect("reopen");
        assert_eq!(r.status(), status, "only an admin reopens");
    }
    let p = problem_422(
        c.post(format!("{periods}/2025-03/reopen"))
            .json(&json!({"reason": ""}))
            .send()
            .await
            .expect("reopen"),
        "a reason is needed",
    )
    .await;
    assert_eq!(fields(&p), vec!["reason"]);
    let r = c
        .post(format!("{periods}/2025-03/reopen"))
        .json(&json!({"reason": "late invoice"}))
        .send()
        .await
        .expect("reopen");
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["status"], "open");
    posted(&app, &c, &late).await;
    let list = body(
        c.get(format!("{periods}?year=2025"))
            .send()
            .await
            .expect("periods"),
    )
    .await;
    let months = list["periods"].as_array().expect("periods");
    assert_eq!(months.len(), 12);
    assert_eq!(months[2]["month"], "2025-03");
    assert_eq!(months[2]["status"], "open");
    assert_eq!(months[2]["reason"], "late invoice");

    // Year end: income and expenses to zero, the net into retained earnings.
    let r = acct
        .post(app.url("/api/v1/ledger/years/2025/close"))
        .send()
        .await
        .expect("close year");
    assert_eq!(r.status(), 403);
    let r = c
        .post(app.url("/api/v1/ledger/years/2025/close"))
        .send()
        .await
        .expect("close year");
    assert_eq!(r.status(), 200);
    let y = body(r).await;
    assert_eq!(y["entry"]["date"], "2025-12-31", "{y}");
    assert_eq!(y["closed"].as_array().map(Vec::len), Some(12), "{y}");
    let tb = trial_balance(&app, &c, "?as_of=2025-12-31").await;
    assert_eq!(balance(&tb, "Income:Sales"), 0, "{tb}");
    assert_eq!(balance(&tb, "Expenses:Rent"), 0);
    assert_eq!(balance(&tb, "Expenses:Office"), 0);
    assert_eq!(
        balance(&tb, "Equity:Retained Earnings"),
        -(100000 - 30000 - 5000),
        "the net income, as a credit"
    );
    assert_eq!(balance(&tb, "Assets:Bank:Checking"), 100000 - 30000 - 5000);
    assert_balanced(&tb);
    let p = problem_422(
        post_entry(
            &app,
            &c,
            &entry(
                "2025-07-01",
                "After the close",
                &[("Expenses:Rent", "1.00"), ("Assets:Cash", "")],
            ),
        )
        .await,
        "into a closed year",
    )
    .await;
    assert_eq!(fields(&p), vec!["date"], "{p}");
    let bs = body(
        c.get(app.url("/api/v1/ledger/reports/balance-sheet?as_of=2025-12-31"))
            .send()
            .await
            .expect("balance sheet"),
    )
    .await;
    for t in bs["totals"].as_array().expect("totals") {
        assert_eq!(
            t["amounts_minor"][0], 0,
            "assets = liabilities + equity: {bs}"
        );
    }
});

both_databases!(reports_come_as_json_csv_and_xlsx, |db| async move {
    let app = spawn_app(db).await;
    let c = books(&app).await;
    posted(
        &app,
        &c,
        &entry(
            "2026-01-10",
            "Capital",
            &[("Assets:Bank:Checking", "10000.00"), ("Equity:Capital", "")],
        ),
    )
    .await;
    posted(
        &app,
        &c,
        &entry(
            "2026-02-10",
            "Consulting, invoiced",
            &[("Assets:Receivables", "2500.00"), ("Income:Services", "")],
        ),
    )
    .await;
    posted(
        &app,
        &c,
        &entry(
            "2026-02-20",
            "Laptop",
            &[("Expenses:Office", "1299.50"), ("Assets:Bank:Checking", "")],
        ),
    )
    .await;
    let reports = app.url("/api/v1/ledger/reports");

    let tb = trial_balance(&app, &c, "").await;
    assert_eq!(tb["kind"], "trial_balance");
    assert_balanced(&tb);
    assert_eq!(balance(&tb, "Assets:Bank:Checking"), 1_000_000 - 129_950);

    let r = c
        .get(format!("{reports}/trial-balance?format=csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    assert!(
        content_type(&r).starts_with("text/csv"),
        "{}",
        content_type(&r)
    );
    let csv = r.text().await.expect("text");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("account,commodity,amount"), "{csv}");
    assert!(csv.contains("Assets:Bank:Checking,EUR,8700.50"), "{csv}");
    assert!(csv.contains("Income:Services,EUR,-2500.00"), "{csv}");
    let r = c
        .get(format!("{reports}/trial-balance?format=xlsx"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(r.status(), 200);
    assert!(content_type(&r).contains("spreadsheetml"));
    assert!(r.bytes().await.expect("bytes").starts_with(b"PK"));

    let is = body(
        c.get(format!(
            "{reports}/income-statement?from=2026-01-01&to=2026-12-31"
        ))
        .send()
        .await
        .expect("income statement"),
    )
    .await;
    assert_eq!(is["kind"], "income_statement");
    assert_eq!(is["totals"][0]["label"], "Net income");
    assert_eq!(is["totals"][0]["amounts"][0], "1200.50", "{is}");
    let bs = body(
        c.get(format!(
            "{reports}/balance-sheet?as_of=2026-12-31&tree=true"
        ))
        .send()
        .await
        .expect("balance sheet"),
    )
    .await;
    let titles: Vec<&str> = bs["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .filter_map(|s| s["title"].as_str())
        .collect();
    assert_eq!(titles, vec!["Assets", "Liabilities", "Equity"]);
    let r = c
        .get(format!(
            "{reports}/income-statement?format=csv&from=2026-01-01&to=2026-12-31&compare=months"
        ))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    let csv = r.text().await.expect("text");
    assert!(
        csv.starts_with("section,account,label,commodity,2026-01,2026-02"),
        "{csv}"
    );
    let r = c
        .get(format!("{reports}/balance-sheet?format=xlsx"))
        .send()
        .await
        .expect("xlsx");
    assert!(r.bytes().await.expect("bytes").starts_with(b"PK"));

    for (q, field) in [
        ("trial-balance?format=pdf", "format"),
        ("trial-balance?as_of=31.12.2026", "as_of"),
        ("income-statement?compare=weekly", "compare"),
        ("trial-balance?convert=XYZ", "convert"),
    ] {
        let p = problem_422(
            c.get(format!("{reports}/{q}"))
                .send()
                .await
                .expect("report"),
            q,
        )
        .await;
        assert_eq!(fields(&p), vec![field], "{q}: {p}");
    }
    let r = c
        .get(format!("{reports}/cash-burn"))
        .send()
        .await
        .expect("unknown");
    assert_eq!(r.status(), 404);

    // An account's ledger with running balances.
    let accts = body(
        c.get(app.url("/api/v1/ledger/accounts?q=Checking"))
            .send()
            .await
            .expect("accounts"),
    )
    .await;
    let id = &accts["items"][0]["id"];
    let l = body(
        c.get(app.url(&format!("/api/v1/ledger/accounts/{id}/ledger")))
            .send()
            .await
            .expect("ledger"),
    )
    .await;
    assert_eq!(l["total"], 2, "{l}");
    assert_eq!(l["rows"][0]["running"], "10000.00");
    assert_eq!(l["rows"][1]["running"], "8700.50");
    let l = body(
        c.get(app.url(&format!(
            "/api/v1/ledger/accounts/{id}/ledger?from=2026-02-01"
        )))
        .send()
        .await
        .expect("ledger"),
    )
    .await;
    assert_eq!(l["total"], 1, "{l}");
    assert_eq!(l["opening"][0]["amount"], "10000.00", "{l}");
    let p = problem_422(
        c.get(app.url(&format!(
            "/api/v1/ledger/accounts/{id}/ledger?from=2026-03-01&to=2026-02-01"
        )))
        .send()
        .await
        .expect("ledger"),
        "from after to",
    )
    .await;
    assert_eq!(fields(&p), vec!["from"]);
});

both_databases!(
    journals_commodities_rates_and_account_import,
    |db| async move {
        let app = spawn_app(db).await;
        let c = books(&app).await;
        let l = app.url("/api/v1/ledger");

        let r = c
            .post(format!("{l}/commodities"))
            .json(&json!({"symbol": "USD", "precision": 2, "name": "US dollar"}))
            .send()
            .await
            .expect("commodity");
        assert_eq!(r.status(), 201);
        let p = problem_422(
            c.post(format!("{l}/commodities"))
                .json(&json!({"symbol": "1-2", "precision": 2}))
                .send()
                .await
                .expect("commodity"),
            "bad symbol",
        )
        .await;
        assert_eq!(fields(&p), vec!["symbol"], "{p}");
        let list = body(
            c.get(format!("{l}/commodities"))
                .send()
                .await
                .expect("list"),
        )
        .await;
        let symbols: Vec<&str> = list
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|c| c["symbol"].as_str())
            .collect();
        assert!(
            symbols.contains(&"EUR") && symbols.contains(&"USD"),
            "{list}"
        );

        let r = c
            .post(format!("{l}/journals"))
            .json(&json!({"code": "inv", "name": "Invoices", "kind": "sales"}))
            .send()
            .await
            .expect("journal");
        assert_eq!(r.status(), 201);
        assert_eq!(body(r).await["code"], "INV");
        let p = problem_422(
            c.post(format!("{l}/journals"))
                .json(&json!({"code": "INV2", "name": "X", "kind": "weekly"}))
                .send()
                .await
                .expect("journal"),
            "bad kind",
        )
        .await;
        assert_eq!(fields(&p), vec!["kind"]);
        let mut e = entry(
            "2026-07-01",
            "Invoice 1",
            &[("Assets:Receivables", "100.00"), ("Income:Sales", "")],
        );
        e["journal"] = json!("INV");
        let e = posted(&app, &c, &e).await;
        assert!(
            e["number"].as_str().is_some_and(|n| n.starts_with("INV-")),
            "{e}"
        );

        // Rates: all or none, problems named by row.
        let r = c
            .post(format!("{l}/rates"))
            .json(&json!({"rates": [{"date": "2026-01-01", "commodity": "USD", "quote": "EUR", "rate": "0.92"}]}))
            .send()
            .await
            .expect("rates");
        assert_eq!(r.status(), 200);
        assert_eq!(body(r).await["saved"], 1);
        let p = problem_422(
            c.post(format!("{l}/rates"))
                .json(&json!({"rates": [
                    {"date": "2026-02-01", "commodity": "USD", "quote": "EUR", "rate": "0.93"},
                    {"date": "2026-02-01", "commodity": "GBP", "quote": "EUR", "rate": "-1"}]}))
                .send()
                .await
                .expect("rates"),
            "bad rates",
        )
        .await;
        let mut f = fields(&p);
        f.sort();
        assert_eq!(f, vec!["rates[1].commodity", "rates[1].rate"], "{p}");
        let rates = body(c.get(format!("{l}/rates")).send().await.expect("rates")).await;
        assert_eq!(rates.as_array().map(Vec::len), Some(1), "{rates}");
        assert_eq!(rates[0]["rate"], "0.92");

        // A foreign-currency line converted in a report.
        posted(
            &app,
            &c,
            &json!({"date": "2026-07-02", "description": "US client",
                "lines": [{"account": "Assets:Receivables", "amount": "100.00", "commodity": "USD"},
                          {"account": "Income:Sales", "amount": "-100.00", "commodity": "USD"}]}),
        )
        .await;
        let tb = trial_balance(&app, &c, "?convert=EUR&as_of=2026-12-31").await;
        assert_balanced(&tb);
        assert_eq!(balance(&tb, "Assets:Receivables"), 10000 + 9200, "{tb}");

        // Settings: a stale version is 409, a bad month names the field.
        let s = body(
            c.get(format!("{l}/settings"))
                .send()
                .await
                .expect("settings"),
        )
        .await;
        assert_eq!(s["fiscal_year_start_month"], 1);
        assert!(s["approval_threshold"].is_null());
        let p = problem_422(
            c.put(format!("{l}/settings"))
                .json(&json!({"fiscal_year_start_month": 13, "version": s["version"]}))
                .send()
                .await
                .expect("settings"),
            "bad month",
        )
        .await;
        assert_eq!(fields(&p), vec!["fiscal_year_start_month"]);
        let r = c
            .put(format!("{l}/settings"))
            .json(&json!({"fiscal_year_start_month": 1, "version": s["version"].as_i64().unwrap_or(0) + 7}))
            .send()
            .await
            .expect("settings");
        assert_eq!(r.status(), 409);

        // Account import: JSON rows (dry run, then for real), CSV, multipart.
        let rows = json!({"rows": [
            {"name": "Assets:Deposits:Landlord", "code": "1600"},
            {"name": "Liabilities:Credit Card", "code": "2300"}]});
        let r = c
            .post(format!("{l}/accounts/import?dry_run=true"))
            .json(&rows)
            .send()
            .await
            .expect("dry run");
        assert_eq!(r.status(), 200);
        let d = body(r).await;
        assert_eq!(d["dry_run"], true);
        assert_eq!(d["created"], 3, "a parent comes with it: {d}");
        let q = format!("{l}/accounts?q=Landlord");
        assert_eq!(
            body(c.get(&q).send().await.expect("list")).await["total"],
            0
        );
        let r = c
            .post(format!("{l}/accounts/import"))
            .json(&rows)
            .send()
            .await
            .expect("import");
        assert_eq!(r.status(), 200);
        assert_eq!(
            body(c.get(&q).send().await.expect("list")).await["total"],
            1
        );
        let p = problem_422(
            c.post(format!("{l}/accounts/import"))
                .json(&json!({"rows": [{"name": "Assets:Fine"}, {"name": "Stuff:Unknown"}]}))
                .send()
                .await
                .expect("import"),
            "bad JSON row",
        )
        .await;
        assert_eq!(fields(&p), vec!["rows[1].kind"], "{p}");
        let p = problem_422(
            c.post(format!("{l}/accounts/import"))
                .json(&json!({"rows": [{"name": "Assets:Fine", "owner": "me"}]}))
                .send()
                .await
                .expect("import"),
            "unknown field in a row",
        )
        .await;
        assert_eq!(fields(&p), vec!["owner"], "{p}");
        let r = c
            .post(format!("{l}/accounts/import"))
            .header("content-type", "text/csv")
            .body("Name,Code,Type\nExpenses:Software,6700,expense\nIncome:Interest,4950,\n")
            .send()
            .await
            .expect("csv import");
        let status = r.status();
        let v = body(r).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["created"], 2, "{v}");
        let p = problem_422(
            c.post(format!("{l}/accounts/import"))
                .header("content-type", "text/csv")
                .body("name,kind\nAssets:Ok,asset\nWhatever:Thing,\n")
                .send()
                .await
                .expect("csv import"),
            "bad CSV row",
        )
        .await;
        assert!(
            fields(&p).iter().any(|f| f.contains("row 3")),
            "names the line: {p}"
        );
        let form = reqwest::multipart::Form::new()
            .text("dry_run", "true")
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"name\nAssets:Uploaded\n".to_vec())
                    .file_name("accounts.csv"),
            );
        let r = c
            .post(format!("{l}/accounts/import"))
            .multipart(form)
            .send()
            .await
            .expect("multipart");
        assert_eq!(r.status(), 200);
        let v = body(r).await;
        assert_eq!(v["dry_run"], true, "{v}");
        assert_eq!(v["created"], 1, "{v}");
    }
);

both_databases!(other_companies_are_not_found, |db| async move {
    let app = spawn_app(db).await;
    let c = books(&app).await;
    let mine = posted(
        &app,
        &c,
        &entry(
            "2026-03-01",
            "Mine",
            &[("Expenses:Rent", "1.00"), ("Assets:Cash", "")],
        ),
    )
    .await;

    // Company B with books and an entry of its own.
    let b = steward_core::company::create_company(&app.store, "test", "Other", "EUR")
        .await
        .expect("company B");
    add_user(&app.store, b, "bob", PASSWORD, &["admin"]).await;
    let bob = client(&app, "bob").await;
    let r = bob
        .post(app.url("/api/v1/ledger/setup"))
        .send()
        .await
        .expect("setup B");
    assert_eq!(r.status(), 200);
    let theirs = posted(
        &app,
        &bob,
        &entry(
            "2026-03-01",
            "Theirs",
            &[("Expenses:Rent", "777.00"), ("Assets:Cash", "")],
        ),
    )
    .await;
    let their_draft = body(
        bob.post(app.url("/api/v1/ledger/entries?draft=true"))
            .json(&entry(
                "2026-03-01",
                "Their draft",
                &[("Expenses:Rent", "7.00"), ("Assets:Cash", "")],
            ))
            .send()
            .await
            .expect("draft B"),
    )
    .await;
    let their_accounts = body(
        bob.get(app.url("/api/v1/ledger/accounts?q=Rent"))
            .send()
            .await
            .expect("accounts B"),
    )
    .await;
    let their_account = their_accounts["items"][0]["id"].clone();
    assert!(their_account.as_i64().is_some());

    let e = |p: &str| app.url(&format!("/api/v1/ledger/entries/{}{p}", theirs["id"]));
    let d = |p: &str| app.url(&format!("/api/v1/ledger/entries/{}{p}", their_draft["id"]));
    let a = |p: &str| app.url(&format!("/api/v1/ledger/accounts/{their_account}{p}"));
    let checks = vec![
        ("GET entry", c.get(e("")).send().await),
        (
            "reverse",
            c.post(e("/reverse"))
                .json(&json!({"reason": "mine now"}))
                .send()
                .await,
        ),
        ("approve", c.post(e("/approve")).send().await),
        (
            "reject",
            c.post(e("/reject"))
                .json(&json!({"comment": "no"}))
                .send()
                .await,
        ),
        ("post draft", c.post(d("/post")).send().await),
        ("delete draft", c.delete(d("")).send().await),
        (
            "put draft",
            c.put(d(""))
                .json(&json!({"date": "2026-03-01", "description": "Hijack", "version": 1,
                    "lines": [{"account": "Expenses:Rent", "amount": "1.00"}, {"account": "Assets:Cash"}]}))
                .send()
                .await,
        ),
        ("GET account", c.get(a("")).send().await),
        (
            "PATCH account",
            c.patch(a(""))
                .json(&json!({"active": false, "version": 1}))
                .send()
                .await,
        ),
        ("account ledger", c.get(a("/ledger")).send().await),
    ];
    for (what, r) in checks {
        let r = r.expect(what);
        assert_eq!(r.status(), 404, "{what} of another company");
    }
    // Nothing of B shows in A, and B's books are untouched.
    let list = body(
        c.get(app.url("/api/v1/ledger/entries?limit=500"))
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["id"], mine["id"]);
    let tb = trial_balance(&app, &c, "").await;
    assert_eq!(balance(&tb, "Expenses:Rent"), 100);
    let tb_b = trial_balance(&app, &bob, "").await;
    assert_eq!(balance(&tb_b, "Expenses:Rent"), 77700);
    let still = body(bob.get(d("")).send().await.expect("B's draft")).await;
    assert_eq!(still["status"], "draft");
    // An account of B is not postable from A by name either: A has its own chart.
    let ours = posted(
        &app,
        &c,
        &entry(
            "2026-03-02",
            "Ours again",
            &[("Expenses:Rent", "2.00"), ("Assets:Cash", "")],
        ),
    )
    .await;
    assert_ne!(ours["lines"][0]["account_id"], their_account);
});

fn journal_form(text: &str, name: &str, fields: &[(&str, &str)]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form.part(
        "file",
        reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name(name.to_string()),
    )
}

both_databases!(plain_text_journals_import_all_or_nothing, |db| async move {
    let app = spawn_app(db).await;
    let c = books(&app).await;
    let url = app.url("/api/v1/ledger/import");
    let journal = "\
2026-01-05 Opening
    Assets:Bank:Checking    5000.00 EUR
    Equity:Capital

2026-01-20 Hosting
    Expenses:Software:Hosting    49.90 EUR
    Assets:Bank:Checking
";

    // A dry run checks and writes nothing.
    let r = c
        .post(&url)
        .multipart(journal_form(
            journal,
            "books.journal",
            &[("dry_run", "true")],
        ))
        .send()
        .await
        .expect("dry run");
    let status = r.status();
    let v = body(r).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["transactions"], 2, "{v}");
    assert!(
        v["accounts_created"]
            .as_array()
            .expect("accounts")
            .iter()
            .any(|a| a == "Expenses:Software:Hosting"),
        "{v}"
    );
    assert_eq!(entry_count(&app, &c).await, 0, "a dry run writes nothing");

    let r = c
        .post(&url)
        .multipart(journal_form(journal, "books.journal", &[]))
        .send()
        .await
        .expect("import");
    let status = r.status();
    let v = body(r).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["dry_run"], false);
    assert_eq!(entry_count(&app, &c).await, 2);
    let tb = trial_balance(&app, &c, "").await;
    assert_eq!(balance(&tb, "Assets:Bank:Checking"), 500000 - 4990);
    assert_eq!(balance(&tb, "Expenses:Software:Hosting"), 4990);
    assert_balanced(&tb);

    // An unbalanced transaction: 422 naming the file and line, nothing written.
    let bad = "\
2026-02-01 Fine
    Expenses:Office    10.00 EUR
    Assets:Cash

2026-02-02 Broken
    Expenses:Office    10.00 EUR
    Assets:Cash       -9.00 EUR
";
    let p = problem_422(
        c.post(&url)
            .multipart(journal_form(bad, "bad.journal", &[("format", "hledger")]))
            .send()
            .await
            .expect("bad import"),
        "unbalanced journal",
    )
    .await;
    assert!(fields(&p).iter().any(|f| f == "file"), "{p}");
    assert!(
        p.to_string().contains("bad.journal:"),
        "names the line: {p}"
    );
    assert_eq!(entry_count(&app, &c).await, 2, "all or nothing");

    let p = problem_422(
        c.post(&url)
            .multipart(journal_form(journal, "books.txt", &[]))
            .send()
            .await
            .expect("no format"),
        "format unknown",
    )
    .await;
    assert_eq!(fields(&p), vec!["format"], "{p}");
    let p = problem_422(
        c.post(&url)
            .multipart(journal_form(journal, "books.txt", &[("format", "gnucash")]))
            .send()
            .await
            .expect("bad format"),
        "format unknown",
    )
    .await;
    assert_eq!(fields(&p), vec!["format"], "{p}");
    let p = problem_422(
        c.post(&url)
            .json(&json!({"file": journal}))
            .send()
            .await
            .expect("json"),
        "not multipart",
    )
    .await;
    assert_eq!(fields(&p), vec!["file"], "{p}");

    add_user(&app.store, app.company, "aud", PASSWORD, &["auditor"]).await;
    let aud = client(&app, "aud").await;
    let r = aud
        .post(&url)
        .multipart(journal_form(journal, "books.journal", &[]))
        .send()
        .await
        .expect("auditor");
    assert_eq!(r.status(), 403);
});
