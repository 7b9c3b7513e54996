//! The general ledger's JSON API, end to end on both databases: the chart of accounts,
//! entries and their validation (each problem naming its field), idempotent and concurrent
//! posting, batches, drafts, approval, reversals, periods and the year-end close, reports
//! in JSON/CSV/XLSX, journals, commodities, rates, imports, and company isolation.
use serde_json::{json, Value};
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

fn content_type(r: &reqwest::Response) -> String {
    r.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Asserts a 422 problem+json and returns it.
async fn problem_422(r: reqwest::Response, what: &str) -> Value {
    let status = r.status();
    let ct = content_type(&r);
    let p = body(r).await;
    assert_eq!(status, 422, "{what}: {p}");
    assert_eq!(ct, "application/problem+json", "{what}");
    p
}

/// The fields a problem names.
/// An API client for `user` (the admin when `user` is `ADMIN`).
async fn client(app: &TestApp, user: &str) -> reqwest::Client {
    let pw = if user == ADMIN {
        ADMIN_PASSWORD
    } else {
        PASSWORD
    };
    let t = app.token(user, pw, false).await;
    app.api(&t)
}

/// The admin's client, with the books set up (starter chart in EUR).
async fn books(app: &TestApp) -> reqwest::Client {
    let c = client(app, ADMIN).await;
    let r = c
        .post(app.url("/api/v1/ledger/setup"))
        .send()
        .await
        .expect("setup");
    assert_eq!(r.status(), 200, "setup");
    let v = body(r).await;
    assert!(
        v["journals"]
            .as_array()
            .expect("journals")
            .iter()
            .any(|j| j["code"] == "GJ"),
        "{v}"
    );
    assert!(v["accounts"].as_u64().expect("accounts") > 20, "{v}");
    c
}

fn entry(date: &str, description: &str, lines: &[(&str, &str)]) -> Value {
    json!({
        "date": date,
        "description": description,
        "lines": lines.iter().map(|(a, amt)| if amt.is_empty() {
            json!({"account": a})
        } else {
            json!({"account": a, "amount": amt})
        }).collect::<Vec<_>>(),
    })
}

async fn post_entry(app: &TestApp, c: &reqwest::Client, e: &Value) -> reqwest::Response {
    c.post(app.url("/api/v1/ledger/entries"))
        .json(e)
        .send()
        .await
        .expect("post entry")
}

async fn posted(app: &TestApp, c: &reqwest::Client, e: &Value) -> Value {
    let r = post_entry(app, c, e).await;
    let status = r.status();
    let v = body(r).await;
    assert_eq!(status, 201, "{v}");
    v
}

/// The trial balance (all dates) as JSON.
async fn trial_balance(app: &TestApp, c: &reqwest::Client, query: &str) -> Value {
    let r = c
        .get(app.url(&format!("/api/v1/ledger/reports/trial-balance{query}")))
        .send()
        .await
        .expect("trial balance");
    assert_eq!(r.status(), 200);
    body(r).await
}

/// An account's balance (minor units, first column) in a trial balance; 0 when absent.
fn balance(tb: &Value, account: &str) -> i64 {
    tb["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s["rows"].as_array().expect("rows").iter())
        .filter(|r| r["account"] == account)
        .map(|r| r["amounts_minor"][0].as_i64().expect("amount"))
        .sum()
}

/// The trial balance's grand totals are zero: the books balance.
fn assert_balanced(tb: &Value) {
    for t in tb["totals"].as_array().expect("totals") {
        assert_eq!(t["amounts_minor"][0], 0, "the books balance: {tb}");
    }
}

async fn entry_count(app: &TestApp, c: &reqwest::Client) -> u64 {
    let v = body(
        c.get(app.url("/api/v1/ledger/entries?limit=1"))
            .send()
            .await
            .expect("list"),
    )
    .await;
    v["total"].as_u64().expect("total")
}

both_databases!(accounts_are_created_listed_and_changed, |db| async move {
    let app = spawn_app(db).await;
    let c = books(&app).await;
    let accounts = app.url("/api/v1/ledger/accounts");

    let r = c
        .post(&accounts)
        .json(&json!({"name": "Assets:Petty:Drawer", "code": "1150", "description": "Front desk"}))
        .send()
        .await
        .expect("create");
    assert_eq!(r.status(), 201);
    let drawer = body(r).await;
    assert_eq!(drawer["kind"], "asset", "{drawer}");
    assert_eq!(drawer["code"], "1150");
    assert!(
        drawer["parent_id"].as_i64().is_some(),
        "the parent was made: {drawer}"
    );

    // Each problem names its field.
    for (b, field) in [
        (json!({"name": "Assets::Broken"}), "name"),
        (json!({"name": "Misc:Thing"}), "kind"),
        (json!({"name": "Assets:Other", "code": "1150"}), "code"),
        (
            json!({"name": "Assets:Other", "commodity": "XYZ"}),
            "commodity",
        ),
        (json!({"name": "Assets:Petty:Drawer"}), "name"),
        (json!({"name": "Assets:Other", "colour": "red"}), "colour"),
        (json!({"code": "9"}), "name"),
    ] {
        let p = problem_422(
            c.post(&accounts).json(&b).send().await.expect("post"),
            &b.to_string(),
        )
        .await;
        assert_eq!(fields(&p), vec![field], "{b} -> {p}");
    }

    // Lists: search, filters, sort allowlist, exports.
    let v = body(
        c.get(format!("{accounts}?q=petty&sort=name&dir=desc"))
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(v["total"], 2, "Assets:Petty and its drawer: {v}");
    assert_eq!(v["items"][0]["name"], "Assets:Petty:Drawer", "{v}");
    let v = body(
        c.get(format!("{accounts}?kind=income&limit=500"))
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert!(
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|a| a["kind"] == "income"),
        "{v}"
    );
    for (q, field) in [
        ("sort=secret_column", "sort"),
        ("dir=up", "dir"),
        ("kind=fish", "kind"),
        ("format=pdf", "format"),
        ("active=maybe", "active"),
    ] {
        let p = problem_422(
            c.get(format!("{accounts}?{q}")).send().await.expect("list"),
            q,
        )
        .await;
        assert_eq!(fields(&p), vec![field], "{q}: {p}");
    }
    let r = c
        .get(format!("{accounts}?format=csv&q=petty"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    assert!(content_type(&r).starts_with("text/csv"));
    let csv = r.text().await.expect("text");
    assert!(
        csv.starts_with("name,code,kind,commodity,active,description"),
        "{csv}"
    );
    assert!(csv.contains("Assets:Petty:Drawer,1150,asset"), "{csv}");
    let r = c
        .get(format!("{accounts}?format=xlsx"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.expect("bytes").starts_with(b"PK"));

    // Read, update with the version, 409 on a stale one.
    let url = format!("{accounts}/{}", drawer["id"]);
    let got = body(c.get(&url).send().await.expect("get")).await;
    assert_eq!(got["name"], "Assets:Petty:Drawer");
    let v0 = got["version"].as_i64().expect("version");
    let r = c
        .patch(&url)
        .json(&json!({"description": "Back office", "version": v0}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    let after = body(r).await;
    assert_eq!(after["description"], "Back office");
    assert!(after["version"].as_i64().expect("version") > v0);
    let r = c
        .patch(&url)
        .json(&json!({"description": "Stale", "version": v0}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 409, "a stale version is refused");
    let p = problem_422(
        c.patch(&url)
            .json(&json!({"description": "x", "version": v0, "name": "Renamed"}))
            .send()
            .await
            .expect("patch"),
        "unknown patch field",
    )
    .await;
    assert_eq!(fields(&p), vec!["name"], "{p}");
    let r = c
        .get(format!("{accounts}/999999"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
    let r = c
        .get(format!("{accounts}/not-a-number"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 400);
    assert_eq!(content_type(&r), "application/problem+json");
});

both_databases!(entries_are_validated_field_by_field, |db| async move {
    let app = spawn_app(db).await;
    let c = books(&app).await;

    // A good entry posts and reads back.
    let e = posted(
        &app,
        &c,
        &entry(
            "2026-03-01",
            "March rent",
            &[("Expenses:Rent", "1200.00"), ("Assets:Bank:Checking", "")],
        ),
    )
    .await;
    assert_eq!(e["status"], "posted", "{e}");
    assert!(
        e["number"]
            .as_str()
            .is_some_and(|n| n.starts_with("GJ-2026-")),
        "{e}"
    );
    assert_eq!(e["lines"][0]["amount"], "1200.00");
    assert_eq!(
        e["lines"][1]["amount"], "-1200.00",
        "the open line balances"
    );
    assert_eq!(e["lines"][1]["amount_minor"], -120000);
    let got = body(
        c.get(app.url(&format!("/api/v1/ledger/entries/{}", e["id"])))
            .send()
            .await
            .expect("get"),
    )
    .await;
    assert_eq!(got["description"], "March rent");
    assert_eq!(got["lines"], e["lines"]);
    let tb = trial_balance(&app, &c, "").await;
    assert_eq!(balance(&tb, "Expenses:Rent"), 120000);
    assert_eq!(balance(&tb, "Assets:Bank:Checking"), -120000);
    assert_balanced(&tb);

    // A parent account and an inactive account take no postings.
    let r = c
        .post(app.url("/api/v1/ledger/accounts"))
        .json(&json!({"name": "Expenses:Travel:Trains"}))
        .send()
        .await
        .expect("child");
    assert_eq!(r.status(), 201, "Expenses:Travel becomes a parent");
    let old = body(
        c.post(app.url("/api/v1/ledger/accounts"))
            .json(&json!({"name": "Expenses:Old Stuff"}))
            .send()
            .await
            .expect("old"),
    )
    .await;
    let r = c
        .patch(app.url(&format!("/api/v1/ledger/accounts/{}", old["id"])))
        .json(&json!({"active": false, "version": old["version"]}))
        .send()
        .await
        .expect("deactivate");
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["active"], false);

    let before = entry_count(&app, &c).await;
    let cases: Vec<(Value, &str)> = vec![
        (
            entry(
                "2026-03-02",
                "Unbalanced",
                &[
                    ("Expenses:Rent", "10.00"),
                    ("Assets:Bank:Checking", "-9.99"),
                ],
            ),
            "lines",
        ),
        (
            entry(
                "2026-03-02",
                "To a parent",
                &[("Assets:Cash", "5.00"), ("Expenses:Travel", "-5.00")],
            ),
            "lines[1].account",
        ),
        (
            entry(
                "2026-03-02",
                "To an inactive account",
                &[("Expenses:Old Stuff", "5.00"), ("Assets:Cash", "")],
            ),
            "lines[0].account",
        ),
        (
            entry(
                "2026-03-02",
                "Unknown account",
                &[("Expenses:Nowhere", "5.00"), ("Assets:Cash", "")],
            ),
            "lines[0].account",
        ),
        (
            json!({"date": "2026-03-02", "description": "Both sides",
                   "lines": [{"account": "Expenses:Rent", "debit": "5.00", "credit": "5.00"},
                             {"account": "Assets:Cash"}]}),
            "lines[0].amount",
        ),
        (
            json!({"date": "2026-03-02", "description": "Unknown commodity",
                   "lines": [{"account": "Expenses:Rent", "amount": "5.00", "commodity": "ZZZ"},
                             {"account": "Assets:Cash", "amount": "-5.00", "commodity": "ZZZ"}]}),
            "lines[0].commodity",
        ),
        (
            entry(
                "2026-03-02",
                "Malformed amount",
                &[("Expenses:Rent", "12.3.4"), ("Assets:Cash", "")],
            ),
            "lines[0].amount",
        ),
        (
            entry(
                "2026-03-02",
                "Too many places",
                &[("Expenses:Rent", "1.001"), ("Assets:Cash", "")],
            ),
            "lines[0].amount",
        ),
        (
            entry(
                "1850-01-01",
                "Date out of range",
                &[("Expenses:Rent", "1.00"), ("Assets:Cash", "")],
            ),
            "date",
        ),
        (
            entry(
                "2026-02-30",
                "No such day",
                &[("Expenses:Rent", "1.00"), ("Assets:Cash", "")],
            ),
            "date",
        ),
        (
            entry("2026-03-02", "One line", &[("Expenses:Rent", "1.00")]),
            "lines",
        ),
        (
            entry(
                "2026-03-02",
                "",
                &[("Expenses:Rent", "1.00"), ("Assets:Cash", "")],
            ),
            "description",
        ),
        (
            json!({"date": "2026-03-02", "description": "Unknown field", "approved": true,
                   "lines": [{"account": "Expenses:Rent", "amount": "1.00"}, {"account": "Assets:Cash"}]}),
            "approved",
        ),
        (
            json!({"date": "2026-03-02", "description": "Unknown line field",
                   "lines": [{"account": "Expenses:Rent", "amount": "1.00", "tax": "0.19"}, {"account": "Assets:Cash"}]}),
            "tax",
        ),
        (
            json!({"date": "2026-03-02", "description": "A number, not a string",
                   "lines": [{"account": "Expenses:Rent", "amount": 1.5}, {"account": "Assets:Cash"}]}),
            "lines[0].amount",
        ),
        (
            json!({"date": "2026-03-02", "description": "Unknown journal", "journal": "NOPE",
                   "lines": [{"account": "Expenses:Rent", "amount": "1.00"}, {"account": "Assets:Cash"}]}),
            "journal",
        ),
    ];
    for (b, field) in cases {
        let p = problem_422(post_entry(&app, &c, &b).await, &b.to_string()).await;
        assert!(
            fields(&p).iter().any(|f| f == field),
            "{} should name {field}: {p}",
            b["description"]
        );
        assert!(
            !p.to_string().to_lowercase().contains("sql"),
            "no database text: {p}"
        );
    }
    assert_eq!(
        entry_count(&app, &c).await,
        before,
        "no refused entry was written"
    );
    let tb = trial_balance(&app, &c, "").await;
    assert_eq!(balance(&tb, "Expenses:Rent"), 120000, "unchanged");

    // Entries list: filters, sort allowlist, exports.
    let v = body(
        c.get(app.url("/api/v1/ledger/entries?q=march&status=posted&sort=date&dir=desc"))
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["items"][0]["description"], "March rent");
    for (q, field) in [
        ("sort=amount_secret", "sort"),
        ("status=lost", "status"),
        ("from=yesterday", "from"),
        ("account=abc", "account"),
    ] {
        let p = problem_422(
            c.get(app.url(&format!("/api/v1/ledger/entries?{q}")))
                .send()
                .await
                .expect("list"),
            q,
        )
        .await;
        assert_eq!(fields(&p), vec![field], "{q}: {p}");
    }
    let csv = c
        .get(app.url("/api/v1/ledger/entries?format=csv"))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(csv.starts_with("id,number,date,journal,status"), "{csv}");
    assert!(csv.contains("March rent"), "{csv}");
});

both_databases!(
    idempotent_retries_and_concurrent_posts_lose_nothing,
    |db| async move {
        let app = spawn_app(db).await;
        let c = books(&app).await;
        let e = entry(
            "2026-04-01",
            "Insurance",
            &[
                ("Expenses:Insurance", "250.00"),
                ("Assets:Bank:Checking", ""),
            ],
        );
        let send = || {
            c.post(app.url("/api/v1/ledger/entries"))
                .header("Idempotency-Key", "insurance-2026-04")
                .json(&e)
                .send()
        };
        let first = send().await.expect("first");
        assert_eq!(first.status(), 201);
        let first = body(first).await;
        let again = send().await.expect("retry");
        assert_eq!(again.status(), 201, "the retry gets the first answer");
        let again = body(again).await;
        assert_eq!(again["id"], first["id"], "the same entry");
        assert_eq!(first["client_key"], "insurance-2026-04");
        let p = problem_422(
            c.post(app.url("/api/v1/ledger/entries"))
                .header("Idempotency-Key", "not printable ascii é")
                .json(&e)
                .send()
                .await
                .expect("bad key"),
            "a key the ledger cannot keep",
        )
        .await;
        assert_eq!(fields(&p), vec!["Idempotency-Key"], "{p}");
        // The key also guards the ledger itself: a batch item with it posts nothing new.
        let r = c
            .post(app.url("/api/v1/ledger/entries/batch"))
            .json(&json!({"entries": [{"key": "insurance-2026-04", "entry": e}]}))
            .send()
            .await
            .expect("batch");
        assert_eq!(r.status(), 201);
        let b = body(r).await;
        assert_eq!(b["results"][0]["id"], first["id"], "{b}");
        assert_eq!(b["results"][0]["created"], false, "{b}");
        assert_eq!(b["created"], 0);
        let tb = trial_balance(&app, &c, "").await;
        assert_eq!(
            balance(&tb, "Expenses:Insurance"),
            25000,
            "the trial balance counts it once"
        );
        assert_eq!(entry_count(&app, &c).await, 1);

        // 20 clients post 10 entries each at once: every balance update lands.
        let mut tasks = Vec::new();
        for t in 0..20 {
            let c = c.clone();
            let url = app.url("/api/v1/ledger/entries");
            tasks.push(tokio::spawn(async move {
                for i in 0..10 {
                    let cents = 100 + t * 10 + i;
                    let amount = format!("{}.{:02}", cents / 100, cents % 100);
                    let r = c
                        .post(&url)
                        .json(
                            &json!({"date": "2026-04-15", "description": format!("Paper {t}/{i}"),
                            "lines": [{"account": "Expenses:Office", "amount": amount},
                                      {"account": "Assets:Cash"}]}),
                        )
                        .send()
                        .await
                        .expect("post");
                    assert_eq!(r.status(), 201, "task {t} entry {i}");
                }
                (0..10).map(|i| 100 + t * 10 + i).sum::<i64>()
            }));
        }
        let mut expected = 0;
        for t in tasks {
            expected += t.await.expect("task");
        }
        let tb = trial_balance(&app, &c, "").await;
        assert_eq!(balance(&tb, "Expenses:Office"), expected);
        assert_eq!(balance(&tb, "Assets:Cash"), -expected);
        assert_balanced(&tb);
        assert_eq!(entry_count(&app, &c).await, 201);
        // Gap-free numbers: 201 distinct.
        let v = body(
            c.get(app.url("/api/v1/ledger/entries?limit=500"))
                .send()
                .await
                .expect("list"),
        )
        .await;
        let mut numbers: Vec<String> = v["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|e| e["number"].as_str().map(str::to_string))
            .collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), 201, "every entry has its own number");
    }
);

both_databases!(batches_are_all_or_nothing, |db| async move {
    let app = spawn_app(db).await;
    let c = books(&app).await;
    let item = |n: usize, amount: &str| {
        json!({"key": format!("b-{n}"), "entry": {"date": "2026-05-02", "description": format!("Sale {n}"),
            "lines": [{"account": "Assets:Receivables", "amount": amount},
                      {"account": "Income:Sales"}]}})
    };
    let items: Vec<Value> = (0..1000).map(|n| item(n, "10.00")).collect();
    let r = c
        .post(app.url("/api/v1/ledger/entries/batch"))
        .json(&json!({ "entries": items }))
        .send()
        .await
        .expect("batch");
    let status = r.status();
    let b = body(r).await;
    assert_eq!(status, 201, "{b}");
    assert_eq!(b["created"], 1000);
    assert_eq!(b["results"].as_array().map(Vec::len), Some(1000));
    let tb = trial_balance(&app, &c, "").await;
    assert_eq!(balance(&tb, "Assets:Receivables"), 1_000_000);
    assert_eq!(balance(&tb, "Income:Sales"), -1_000_000);

    // One bad item: nothing is written, and the problem names the item and field.
    let mut items: Vec<Value> = (1000..1100).map(|n| item(n, "10.00")).collect();
    items[37] = item(1037, "ten");
    let r = c
        .post(app.url("/api/v1/ledger/entries/batch"))
        .json(&json!({ "entries": items }))
        .send()
        .await
        .expect("batch");
    let p = problem_422(r, "bad item").await;
    assert_eq!(fields(&p), vec!["entries[37].lines[0].amount"], "{p}");
    items[37] = json!({"key": "x", "entry": {"date": "2026-05-02", "description": "Unbalanced",
        "lines": [{"account": "Assets:Receivables", "amount": "1.00"}, {"account": "Income:Sales", "amount": "-2.00"}]}});
    items[80] = json!({"entry": {"date": "2026-05-02", "description": "Nowhere",
        "lines": [{"account": "Assets:Nowhere", "amount": "1.00"}, {"account": "Income:Sales"}]}});
    let p = problem_422(
        c.post(app.url("/api/v1/ledger/entries/batch"))
            .json(&json!({ "entries": items }))
            .send()
            .await
            .expect("batch"),
        "two bad items",
    )
    .await;
    assert_eq!(
        fields(&p),
        vec!["entries[37].lines", "entries[80].lines[0].account"],
        "{p}"
    );
    let p = problem_422(
        c.post(app.url("/api/v1/ledger/entries/batch"))
            .json(&json!({"entries": [{"key": "k", "entry": {"date": "2026-05-02", "description": "x", "lines": []}, "priority": 1}]}))
            .send()
            .await
            .expect("batch"),
        "unknown field in an item",
    )
    .await;
    assert_eq!(fields(&p), vec!["priority"], "{p}");
    let p = problem_422(
        c.post(app.url("/api/v1/ledger/entries/batch"))
            .json(&json!({"entries": []}))
            .send()
            .await
            .expect("batch"),
        "empty batch",
    )
    .await;
    assert_eq!(fields(&p), vec!["entries"], "{p}");

    assert_eq!(
        entry_count(&app, &c).await,
        1000,
        "nothing of the bad batches"
    );
    let tb = trial_balance(&app, &c, "").await;
    assert_eq!(balance(&tb, "Assets:Receivables"), 1_000_000);
});

both_databases!(drafts_approval_and_reversal, |db| async move {
    let app = spawn_app(db).await;
    let c = books(&app).await;
    for (user, role) in [
        ("lead1", "accounting_lead"),
        ("lead2", "accounting_lead"),
        ("acct", "accountant"),
        ("emp", "employee"),
        ("aud", "auditor"),
    ] {
        add_user(&app.store, app.company, user, PASSWORD, &[role]).await;
    }
    let lead1 = client(&app, "lead1").await;
    let lead2 = client(&app, "lead2").await;
    let acct = client(&app, "acct").await;
    let emp = client(&app, "emp").await;
    let aud = client(&app, "aud").await;
    let entries = app.url("/api/v1/ledger/entries");
    let rent = |amount: &str| {
        entry(
            "2026-06-01",
            "Rent",
            &[("Expenses:Rent", amount), ("Assets:Bank:Checking", "")],
        )
    };

    // Drafts: kept out of the books, changed with their version, posted or deleted.
    let r = acct
        .post(format!("{entries}?draft=true"))
        .json(&rent("100.00"))
        .send()
        .await
        .expect("draft");
    assert_eq!(r.status(), 201);
    let d = body(r).await;
    assert_eq!(d["status"], "draft");
    assert!(d["number"].is_null(), "{d}");
    assert_eq!(
        balance(&trial_balance(&app, &c, "").await, "Expenses:Rent"),
        0
    );
    let url = format!("{entries}/{}", d["id"]);
    let mut change = rent("150.00");
    change["version"] = d["version"].clone();
    let r = acct.put(&url).json(&change).send().await.expect("put");
    assert_eq!(r.status(), 200);
    let d2 = body(r).await;
    assert_eq!(d2["lines"][0]["amount"], "150.00");
    let r = acct
        .put(&url)
        .json(&change)
        .send()
        .await
        .expect("stale put");
    assert_eq!(r.status(), 409, "a stale version");
    let r = acct
        .post(format!("{url}/post"))
        .send()
        .await
        .expect("post draft");
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["status"], "posted");
    assert_eq!(
        balance(&trial_balance(&app, &c, "").await, "Expenses:Rent"),
        15000
    );
    let r = acct
        .put(&url)
        .json(&change)
        .send()
        .await
        .expect("put posted");
    assert_eq!(r.status(), 409, "a posted entry is never changed");
    let r = c.delete(&url).send().await.expect("delete posted");
    assert_eq!(r.status(), 409, "nor deleted");
    let d = body(
        acct.post(format!("{entries}?draft=true"))
            .json(&rent("1.00"))
            .send()
            .await
            .expect("draft"),
    )
    .await;
    let url = format!("{entries}/{}", d["id"]);
    let r = acct.delete(&url).send().await.expect("delete");
    assert_eq!(r.status(), 403, "an accountant does not delete");
    let r = lead1.delete(&url).send().await.expect("delete");
    assert_eq!(r.status(), 204);
    assert_eq!(lead1.get(&url).send().await.expect("get").status(), 404);

    // Approval above a threshold.
    let s = body(
        c.get(app.url("/api/v1/ledger/settings"))
            .send()
            .await
            .expect("settings"),
    )
    .await;
    let r = acct
        .put(app.url("/api/v1/ledger/settings"))
        .json(&json!({"fiscal_year_start_month": 1, "approval_threshold": "1000.00", "version": s["version"]}))
        .send()
        .await
        .expect("settings");
    assert_eq!(r.status(), 403, "an accountant does not set the threshold");
    let r = c
        .put(app.url("/api/v1/ledger/settings"))
        .json(&json!({"fiscal_year_start_month": 1, "approval_threshold": "1000.00", "version": s["version"]}))
        .send()
        .await
        .expect("settings");
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["approval_threshold"], "1000.00");

    let small = posted(&app, &lead1, &rent("999.99")).await;
    assert_eq!(
        small["status"], "posted",
        "at or below the threshold it posts"
    );
    let big = posted(&app, &lead1, &rent("5000.00")).await;
    assert_eq!(big["status"], "pending", "{big}");
    assert!(big["number"].is_null());
    let before = balance(&trial_balance(&app, &c, "").await, "Expenses:Rent");
    assert_eq!(before, 15000 + 99999, "pending is not in the books");
    let url = format!("{entries}/{}", big["id"]);
    let r = lead1
        .post(format!("{url}/approve"))
        .send()
        .await
        .expect("self approve");
    let p = problem_422(r, "the author approves").await;
    assert_eq!(fields(&p), vec!["approver"], "{p}");
    let r = acct
        .post(format!("{url}/approve"))
        .send()
        .await
        .expect("accountant approves");
    assert_eq!(r.status(), 403);
    let r = lead2
        .post(format!("{url}/approve"))
        .json(&json!({"comment": "checked the lease"}))
        .send()
        .await
        .expect("approve");
    assert_eq!(r.status(), 200);
    let approved = body(r).await;
    assert_eq!(approved["status"], "posted");
    assert!(approved["number"].as_str().is_some());
    assert!(approved["approved_by"].as_i64().is_some());
    assert_eq!(
        balance(&trial_balance(&app, &c, "").await, "Expenses:Rent"),
        before + 500000
    );
    let r = lead2
        .post(format!("{url}/approve"))
        .send()
        .await
        .expect("again");
    assert_eq!(r.status(), 409, "it is posted already");

    // Rejected: back to a draft.
    let big2 = posted(&app, &acct, &rent("2000.00")).await;
    assert_eq!(big2["status"], "pending");
    let url2 = format!("{entries}/{}", big2["id"]);
    let p = problem_422(
        lead1
            .post(format!("{url2}/reject"))
            .json(&json!({"comment": " "}))
            .send()
            .await
            .expect("reject"),
        "a reason is needed",
    )
    .await;
    assert_eq!(fields(&p), vec!["comment"]);
    let r = lead1
        .post(format!("{url2}/reject"))
        .json(&json!({"comment": "wrong month"}))
        .send()
        .await
        .expect("reject");
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["status"], "draft");

    // Reversal nets the books back, once.
    let tb_before = trial_balance(&app, &c, "").await;
    let r = acct
        .post(format!("{url}/reverse"))
        .json(&json!({"reason": "double booked", "date": "2026-06-30"}))
        .send()
        .await
        .expect("reverse");
    assert_eq!(r.status(), 201);
    let rev = body(r).await;
    assert_eq!(rev["reversal"]["reverses"], big["id"]);
    assert_eq!(rev["reversal"]["status"], "posted");
    assert_eq!(rev["reversal"]["lines"][0]["amount"], "-5000.00");
    let tb = trial_balance(&app, &c, "").await;
    assert_eq!(
        balance(&tb, "Expenses:Rent"),
        balance(&tb_before, "Expenses:Rent") - 500000
    );
    assert_eq!(
        balance(&tb, "Assets:Bank:Checking"),
        balance(&tb_before, "Assets:Bank:Checking") + 500000
    );
    assert_balanced(&tb);
    let got = body(lead1.get(&url).send().await.expect("get")).await;
    assert_eq!(got["reversed_by"], rev["reversal"]["id"]);
    let r = acct
        .post(format!("{url}/reverse"))
        .json(&json!({"reason": "again"}))
        .send()
        .await
        .expect("reverse again");
    assert_eq!(r.status(), 409, "reversed once only");
    let p = problem_422(
        acct.post(format!("{entries}/{}/reverse", small["id"]))
            .json(&json!({"reason": ""}))
            .send()
            .await
            .expect("reverse"),
        "a reason is needed",
    )
    .await;
    assert_eq!(fields(&p), vec!["reason"]);
    // With a corrected entry, its problems are named `corrected.…`.
    let p = problem_422(
        acct.post(format!("{entries}/{}/reverse", small["id"]))
            .json(&json!({"reason": "wrong amount", "corrected": entry("2026-06-01", "Rent", &[("Expenses:Rent", "9.999"), ("Assets:Bank:Checking", "")])}))
            .send()
            .await
            .expect("reverse"),
        "a bad correction",
    )
    .await;
    assert_eq!(fields(&p), vec!["corrected.lines[0].amount"], "{p}");
    let r = acct
        .post(format!("{entries}/{}/reverse", small["id"]))
        .json(&json!({"reason": "wrong amount", "corrected": entry("2026-06-01", "Rent", &[("Expenses:Rent", "899.99"), ("Assets:Bank:Checking", "")])}))
        .send()
        .await
        .expect("reverse with correction");
    assert_eq!(r.status(), 201);
    let rc = body(r).await;
    assert_eq!(rc["corrected"]["lines"][0]["amount"], "899.99", "{rc}");

    // An employee has no business here; an auditor reads only.
    for r in [
        emp.get(app.url("/api/v1/ledger/accounts")).send().await,
        emp.get(&entries).send().await,
        emp.post(&entries).json(&rent("1.00")).send().await,
        emp.get(app.url("/api/v1/ledger/reports/trial-balance"))
            .send()
            .await,
        aud.post(&entries).json(&rent("1.00")).send().await,
    ] {
        assert_eq!(r.expect("request").status(), 403);
    }
    assert_eq!(
        aud.get(&url).send().await.expect("auditor reads").status(),
        200
    );
});

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
        .get(format!("{reports}/cash-flow"))
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
