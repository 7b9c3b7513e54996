//! The general ledger's JSON API, end to end on both databases: the chart of accounts,
//! entries and their validation (each problem naming its field), idempotent and concurrent
//! posting, batches, drafts, approval, reversals, periods and the year-end close, reports
//! in JSON/CSV/XLSX, journals, commodities, rates, imports, and company isolation.
use serde_json::{json, Value};
use steward_e2e::*;

// Periods and the year-end close, reports, isolation, journal import.
#[path = "ledger_api/books.rs"]
mod books;

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
