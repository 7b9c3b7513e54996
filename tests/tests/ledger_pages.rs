//! The general ledger's pages over HTTP, as a browser uses them: set up the books, create
//! an account, post entries through the form (and see a bad line named), approve, read the
//! trial balance and its exports, reverse, close a month and fail to post into it; and who
//! may not see them at all.
use steward_core::company::create_company;
use steward_e2e::*;

const PASSWORD: &str = "a long test password";

/// The value of `<input ... name="NAME" value="...">` in a page.
fn input_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    rest.split('"').next().map(str::to_string)
}

/// The path a 303 points to.
fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// The id at the end of `/ledger/entries/42`.
fn id_of(path: &str) -> i64 {
    path.rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id in {path:?}"))
}

async fn get(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.expect("get");
    let status = r.status().as_u16();
    (status, r.text().await.expect("text"))
}

async fn post(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    c.post(app.url(path)).form(form).send().await.expect("post")
}

/// An entry through the form: two lines (debit, credit), posted.
async fn post_entry(
    c: &reqwest::Client,
    app: &TestApp,
    date: &str,
    debit_account: &str,
    credit_account: &str,
    amount: &str,
) -> reqwest::Response {
    post(
        c,
        app,
        "/ledger/entries",
        &[
            ("date", date),
            ("journal", "GJ"),
            ("reference", "INV-1"),
            ("description", "Software licence"),
            ("lines[0].account", debit_account),
            ("lines[0].debit", amount),
            ("lines[1].account", credit_account),
            ("lines[1].credit", amount),
            ("lines[2].account", ""),
            ("lines[3].account", ""),
            ("intent", "post"),
        ],
    )
    .await
}

both_databases!(books_through_the_pages, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "acct", PASSWORD, &["accountant"]).await;
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;

    // The nav shows the books; the overview offers to set them up.
    let (s, html) = get(&admin, &app, "/ledger").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("href=\"/ledger\""), "nav link to the books");
    assert!(html.contains("Set up the books"), "{html}");
    let r = post(&admin, &app, "/ledger/setup", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/ledger");
    let (_, html) = get(&admin, &app, "/ledger").await;
    assert!(html.contains("The books are set up"), "flash after set-up");
    assert!(
        !html.contains("action=\"/ledger/setup\""),
        "set-up is offered once"
    );

    // The chart, its export, a new account.
    let (s, html) = get(&admin, &app, "/ledger/accounts").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Checking") && html.contains("depth-2"),
        "tree view"
    );
    let r = admin
        .get(app.url("/ledger/accounts?format=csv&kind=asset"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    let csv = r.text().await.expect("csv");
    assert!(
        csv.starts_with("name,code,kind,commodity,description,active"),
        "{csv}"
    );
    assert!(csv.contains("Assets:Bank:Checking,1000,asset"), "{csv}");
    assert!(!csv.contains("Expenses:"), "filtered export: {csv}");
    let r = post(
        &admin,
        &app,
        "/ledger/accounts",
        &[
            ("name", "Expenses:Software"),
            ("code", "6350"),
            ("kind", ""),
            ("commodity", ""),
            ("description", "Licences"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let software = location(&r);
    assert!(software.starts_with("/ledger/accounts/"), "{software}");
    let (s, html) = get(&admin, &app, &software).await;
    assert_eq!(s, 200);
    assert!(html.contains("Expenses:Software") && html.contains("6350"));
    let r = post(
        &admin,
        &app,
        "/ledger/accounts",
        &[("name", "Expenses:Software")],
    )
    .await;
    assert_eq!(r.status(), 422, "a taken name");
    let html = r.text().await.expect("text");
    assert!(
        html.contains("id=\"name-err\""),
        "the error beside the name: {html}"
    );

    // The form: four rows, one more with and without JavaScript.
    let (s, html) = get(&admin, &app, "/ledger/entries/new").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("name=\"lines[3].account\"") && !html.contains("name=\"lines[4].account\"")
    );
    assert!(
        html.contains("<datalist id=\"leaf-accounts\">")
            && html.contains("value=\"Expenses:Software\"")
    );
    let (s, row) = get(&admin, &app, "/ledger/entries/line?i=4").await;
    assert_eq!(s, 200);
    assert!(
        row.trim_start().starts_with("<tr>") && row.contains("name=\"lines[4].debit\""),
        "{row}"
    );
    let r = post(
        &admin,
        &app,
        "/ledger/entries",
        &[
            ("date", "2026-03-10"),
            ("description", "x"),
            ("lines[0].account", "6350"),
            ("lines[3].memo", ""),
            ("action", "add_line"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("text");
    assert!(html.contains("name=\"lines[4].account\""), "one more row");
    assert!(html.contains("value=\"6350\""), "typed values kept");

    // A good entry posts; the page shows its number and lines.
    let r = post_entry(
        &admin,
        &app,
        "2026-03-10",
        "Expenses:Software",
        "1000",
        "120.00",
    )
    .await;
    assert_eq!(r.status(), 303);
    let entry = location(&r);
    let entry_id = id_of(&entry);
    let (s, html) = get(&admin, &app, &entry).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Entry GJ-2026-000001") && html.contains("posted"),
        "{html}"
    );
    assert!(html.contains("120.00") && html.contains("Reverse this entry"));

    // A bad line is named where it was typed (row 2; row 1 was left empty).
    let r = post(
        &admin,
        &app,
        "/ledger/entries",
        &[
            ("date", "2026-03-12"),
            ("journal", "GJ"),
            ("description", "Bad"),
            ("lines[0].account", "6350"),
            ("lines[0].debit", "10"),
            ("lines[1].account", ""),
            ("lines[2].account", "Nowhere:Account"),
            ("lines[2].credit", "10"),
            ("intent", "post"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(
        html.contains("id=\"l2-account-err\""),
        "error beside line 3's account: {html}"
    );
    assert!(html.contains("unknown account `Nowhere:Account`"));
    assert!(
        html.contains("value=\"Nowhere:Account\""),
        "typed values kept"
    );
    let r = post_entry(&admin, &app, "2026-03-12", "6350", "1000", "10").await;
    assert_eq!(r.status(), 303);
    let r = post(
        &admin,
        &app,
        "/ledger/entries",
        &[
            ("date", "2026-03-12"),
            ("description", "Unbalanced"),
            ("lines[0].account", "6350"),
            ("lines[0].debit", "10"),
            ("lines[1].account", "1000"),
            ("lines[1].credit", "9.99"),
            ("intent", "post"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("debits exceed credits by 0.01 EUR"));

    // The list, its filters and export.
    let (s, html) = get(&admin, &app, "/ledger/entries?status=posted&q=licence").await;
    assert_eq!(s, 200);
    assert!(html.contains("GJ-2026-000001"));
    let (s, html) = get(&admin, &app, "/ledger/entries?from=2026-13-01").await;
    assert_eq!(s, 422);
    assert!(html.contains("id=\"from-err\""));
    let r = admin
        .get(app.url("/ledger/entries?format=csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    let csv = r.text().await.expect("text");
    assert!(
        csv.contains("GJ-2026-000002") && csv.contains("posted"),
        "{csv}"
    );

    // The trial balance, with drill-down links, and its exports.
    let (s, html) = get(&admin, &app, "/ledger/reports/trial-balance").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Expenses:Software") && html.contains("130.00"),
        "{html}"
    );
    assert!(
        html.contains(&format!("href=\"{software}")),
        "drill-down to the account"
    );
    let r = admin
        .get(app.url("/ledger/reports/trial-balance?format=csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("text/csv"));
    let csv = r.text().await.expect("text");
    assert!(csv.starts_with("account,commodity,amount\r\n"), "{csv}");
    assert!(csv.contains("Expenses:Software,EUR,130.00\r\n"), "{csv}");
    assert!(
        csv.contains("Assets:Bank:Checking,EUR,-130.00\r\n"),
        "{csv}"
    );
    let r = admin
        .get(app.url("/ledger/reports/trial-balance?format=xlsx"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.expect("bytes").starts_with(b"PK"));
    let json: serde_json::Value = admin
        .get(app.url("/ledger/reports/balance-sheet?format=json&tree=1"))
        .send()
        .await
        .expect("json")
        .json()
        .await
        .expect("json body");
    assert_eq!(json["kind"], "balance_sheet");
    let (s, html) = get(
        &admin,
        &app,
        "/ledger/reports/income-statement?from=2026-01-01&to=2026-12-31&compare=quarters",
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        html.contains("2026 Q1") && html.contains("Total expenses"),
        "{html}"
    );
    let (s, html) = get(
        &admin,
        &app,
        "/ledger/reports/income-statement?compare=weekly",
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("id=\"compare-err\""));
    let (s, _) = get(&admin, &app, "/ledger/reports/cash-burn").await;
    assert_eq!(s, 404);

    // Drill-down: the account's ledger with running balances links to the entry.
    let (s, html) = get(
        &admin,
        &app,
        &format!("{software}?from=2026-01-01&to=2026-12-31"),
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        html.contains(&format!("href=\"/ledger/entries/{entry_id}\"")),
        "{html}"
    );
    assert!(html.contains("130.00"), "running balance");

    // Reverse the first entry: the original links to its reversal, which cannot repeat.
    let r = post(
        &admin,
        &app,
        &format!("{entry}/reverse"),
        &[("reverse_date", "2026-03-20"), ("reason", "wrong account")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let reversal = location(&r);
    assert_ne!(reversal, entry);
    let (_, html) = get(&admin, &app, &reversal).await;
    assert!(
        html.contains("Reverses") && html.contains(&format!("href=\"{entry}\"")),
        "{html}"
    );
    let (_, html) = get(&admin, &app, &entry).await;
    assert!(html.contains("Reversed by") && !html.contains("Reverse this entry"));
    let r = post(
        &admin,
        &app,
        &format!("{entry}/reverse"),
        &[("reason", "again")],
    )
    .await;
    assert_eq!(r.status(), 409);
    let csv = admin
        .get(app.url("/ledger/reports/trial-balance?format=csv"))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(
        csv.contains("Expenses:Software,EUR,10.00\r\n"),
        "reversed out: {csv}"
    );

    // Reverse with a corrected copy: the form comes prefilled, posting does both.
    let r = post_entry(&admin, &app, "2026-03-21", "6350", "1000", "50").await;
    let second = location(&r);
    let r = post(
        &admin,
        &app,
        &format!("{second}/reverse"),
        &[
            ("reverse_date", "2026-03-22"),
            ("reason", "amount"),
            ("correct", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let correct = location(&r);
    assert!(
        correct.starts_with(&format!("{second}/correct?")),
        "{correct}"
    );
    let (s, html) = get(&admin, &app, &correct).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("value=\"Expenses:Software\"") && html.contains("value=\"50.00\""),
        "prefilled"
    );
    let r = post(
        &admin,
        &app,
        &format!("{second}/reverse"),
        &[
            ("with_correction", "1"),
            ("reverse_date", "2026-03-22"),
            ("reason", "amount"),
            ("date", "2026-03-21"),
            ("journal", "GJ"),
            ("description", "Software licence"),
            ("lines[0].account", "Expenses:Software"),
            ("lines[0].debit", "55.00"),
            ("lines[1].account", "Assets:Bank:Checking"),
            ("lines[1].credit", "55.00"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, &location(&r)).await;
    assert!(
        html.contains("55.00") && html.contains("Reversed by") && html.contains("corrected by"),
        "{html}"
    );

    // Approval: above the threshold an accountant's entry waits for another user.
    let (_, html) = get(&admin, &app, "/ledger/settings").await;
    let version = input_value(&html, "version").expect("version");
    let r = post(
        &admin,
        &app,
        "/ledger/settings",
        &[
            ("fiscal_year_start_month", "1"),
            ("approval_threshold", "1000.00"),
            ("version", &version),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let acct = app.signed_in("acct", PASSWORD).await;
    let r = post_entry(&acct, &app, "2026-04-01", "6350", "1000", "5000").await;
    assert_eq!(r.status(), 303);
    let pending = location(&r);
    let (_, html) = get(&acct, &app, &pending).await;
    assert!(
        html.contains("waiting for approval") && !html.contains("Approve and post"),
        "accountants do not approve"
    );
    let (_, html) = get(&admin, &app, "/ledger").await;
    assert!(html.contains("<span class=\"tile-value\">1</span><span class=\"tile-label\">entries waiting for approval"), "{html}");
    let r = post(
        &admin,
        &app,
        &format!("{pending}/reject"),
        &[("comment", "")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("text").contains("id=\"comment-err\""));
    let r = post(
        &admin,
        &app,
        &format!("{pending}/approve"),
        &[("comment", "ok")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, &pending).await;
    assert!(html.contains("approved by"), "{html}");

    // Close February; posting into it fails beside the date; March stays open.
    let (s, html) = get(&admin, &app, "/ledger/periods?year=2026").await;
    assert_eq!(s, 200);
    assert!(html.contains("February 2026") && html.contains("Close the year 2026"));
    let r = post(
        &admin,
        &app,
        "/ledger/periods/close",
        &[("month", "2026-02"), ("year", "2026")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, "/ledger/periods?year=2026").await;
    assert!(
        html.contains("Reason to reopen February 2026"),
        "admins may reopen"
    );
    let r = post_entry(&admin, &app, "2026-02-15", "6350", "1000", "1").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(
        html.contains("id=\"date-err\""),
        "the error beside the date: {html}"
    );
    let r = post(
        &acct,
        &app,
        "/ledger/periods/close",
        &[("month", "2026-03"), ("year", "2026")],
    )
    .await;
    assert_eq!(r.status(), 403, "accountants do not close periods");
    let r = post(
        &admin,
        &app,
        "/ledger/periods/reopen",
        &[("month", "2026-02"), ("year", "2026"), ("reason", "")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("id=\"reason-2026-02-err\""));

    // The year-end close asks first.
    let (s, html) = get(&admin, &app, "/ledger/periods/close-year?year=2025").await;
    assert_eq!(s, 200);
    assert!(html.contains("Close the fiscal year 2025?"));
    let r = post(
        &admin,
        &app,
        "/ledger/periods/close-year",
        &[("year", "2025"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, "/ledger/periods?year=2025").await;
    assert!(
        !html.contains("action=\"/ledger/periods/close\""),
        "every month closed"
    );

    // Journals, commodities, rates.
    let r = post(
        &admin,
        &app,
        "/ledger/journals",
        &[("code", "EXP"), ("name", "Expenses"), ("kind", "custom")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = post(
        &admin,
        &app,
        "/ledger/journals",
        &[("code", "not a code"), ("name", "x"), ("kind", "custom")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post(
        &admin,
        &app,
        "/ledger/commodities",
        &[("symbol", "USD"), ("precision", "2"), ("name", "US dollar")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = post(
        &admin,
        &app,
        "/ledger/rates",
        &[
            ("date", "2026-01-01"),
            ("commodity", "USD"),
            ("quote", "EUR"),
            ("rate", "0.92"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, "/ledger/rates").await;
    assert!(html.contains("0.92"));
});

both_databases!(who_may_not_see_the_books, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(post(&admin, &app, "/ledger/setup", &[]).await.status(), 303);
    let r = post_entry(&admin, &app, "2026-03-10", "6100", "1000", "100").await;
    assert_eq!(r.status(), 303);
    let entry = location(&r);

    // Another company's books: its entry and account are not found here.
    let other = create_company(&app.store, "test", "Other Ltd", "USD")
        .await
        .expect("company");
    add_user(&app.store, other, "olga", PASSWORD, &["admin"]).await;
    let olga = app.signed_in("olga", PASSWORD).await;
    assert_eq!(post(&olga, &app, "/ledger/setup", &[]).await.status(), 303);
    let r = post_entry(&olga, &app, "2026-03-10", "6100", "1000", "7").await;
    assert_eq!(r.status(), 303);
    let theirs = location(&r);
    assert_ne!(theirs, entry);
    let (s, _) = get(&admin, &app, &theirs).await;
    assert_eq!(s, 404, "another company's entry");
    assert_eq!(
        post(
            &admin,
            &app,
            &format!("{theirs}/reverse"),
            &[("reason", "x")]
        )
        .await
        .status(),
        404
    );
    let (s, _) = get(&olga, &app, &entry).await;
    assert_eq!(s, 404);

    // An employee sees no books at all, and no link to them.
    let emp = app.signed_in("emp", PASSWORD).await;
    let (s, html) = get(&emp, &app, "/").await;
    assert_eq!(s, 200);
    assert!(
        !html.contains("href=\"/ledger\""),
        "no nav link for employees"
    );
    for path in [
        "/ledger",
        "/ledger/accounts",
        "/ledger/accounts?format=csv",
        "/ledger/accounts/new",
        "/ledger/entries",
        "/ledger/entries/new",
        entry.as_str(),
        "/ledger/reports/trial-balance",
        "/ledger/reports/trial-balance?format=csv",
        "/ledger/periods",
        "/ledger/journals",
        "/ledger/settings",
        "/ledger/import",
    ] {
        let (s, _) = get(&emp, &app, path).await;
        assert_eq!(s, 403, "GET {path} as an employee");
    }
    let r = post_entry(&emp, &app, "2026-03-10", "6100", "1000", "1").await;
    assert_eq!(r.status(), 403);
    assert_eq!(post(&emp, &app, "/ledger/setup", &[]).await.status(), 403);
    assert_eq!(
        post(&emp, &app, &format!("{entry}/reverse"), &[("reason", "x")])
            .await
            .status(),
        403
    );

    // Anonymous callers are sent to sign in.
    let r = app
        .browser()
        .get(app.url("/ledger/entries"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"));
});

/// A multipart upload as the import forms send it.
async fn upload(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    file_name: &str,
    bytes: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes.as_bytes().to_vec()).file_name(file_name.to_string()),
    );
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    c.post(app.url(path))
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

both_databases!(imports_through_the_pages, |db| async move {
    let app = spawn_app(db).await;
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(post(&admin, &app, "/ledger/setup", &[]).await.status(), 303);

    // Accounts: a dry run writes nothing, a bad row is named by its line, then the import.
    let csv = "name,code,kind,description\nExpenses:Travel:Trains,6410,,Rail\n\nIncome:Consulting,4200,income,\n";
    let r = upload(
        &admin,
        &app,
        "/ledger/accounts/import",
        "chart.csv",
        csv,
        &[("mode", "dry_run")],
    )
    .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("text");
    assert!(
        html.contains("Dry run: all 2 rows are valid") && html.contains("Expenses:Travel:Trains"),
        "{html}"
    );
    let (_, list) = get(&admin, &app, "/ledger/accounts?q=Trains").await;
    assert!(!list.contains("Trains</a>"), "a dry run writes nothing");
    let bad = "name,code,kind\nExpenses:Ok,6411,\n\nMisc:Thing,6412,\n";
    let r = upload(
        &admin,
        &app,
        "/ledger/accounts/import",
        "bad.csv",
        bad,
        &[("mode", "commit")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(
        html.contains("<td class=\"num\">4</td><td>kind</td>"),
        "line 4 (after a blank line), column kind: {html}"
    );
    let r = upload(
        &admin,
        &app,
        "/ledger/accounts/import",
        "chart.csv",
        csv,
        &[("mode", "commit")],
    )
    .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("text");
    assert!(
        html.contains("Imported: 2 account(s) created"),
        "Expenses:Travel exists already: {html}"
    );

    // Rates from a CSV.
    assert_eq!(
        post(
            &admin,
            &app,
            "/ledger/commodities",
            &[("symbol", "USD"), ("precision", "2")]
        )
        .await
        .status(),
        303
    );
    let rates = "date,commodity,quote,rate\n2026-01-01,USD,EUR,0.91\n2026-02-01,USD,EUR,0.93\n";
    let r = upload(
        &admin,
        &app,
        "/ledger/rates/import",
        "rates.csv",
        rates,
        &[],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, "/ledger/rates").await;
    assert!(html.contains("0.91") && html.contains("0.93"));
    let r = upload(
        &admin,
        &app,
        "/ledger/rates/import",
        "rates.csv",
        "date,commodity,quote,rate\n2026-01-01,XXX,EUR,1\n2026-01-02,USD,EUR,abc\n",
        &[],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(
        html.contains("unknown commodity `XXX`")
            && html.contains("<td class=\"num\">3</td><td>rate</td>"),
        "{html}"
    );

    // A plain-text journal: a dry run, a broken file, then the import.
    let journal = "2026-01-05 Opening balance\n    Assets:Bank:Checking   1000.00 EUR\n    Equity:Capital\n\n2026-01-09 Train to Bern\n    Expenses:Travel:Trains   42.50 EUR\n    Assets:Bank:Checking\n";
    let (s, html) = get(&admin, &app, "/ledger/import").await;
    assert_eq!(s, 200);
    assert!(html.contains("name=\"dry_run\""));
    let r = upload(
        &admin,
        &app,
        "/ledger/import",
        "books.journal",
        journal,
        &[("format", "hledger"), ("journal", ""), ("dry_run", "1")],
    )
    .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("text");
    assert!(
        html.contains("Dry run of books.journal")
            && html.contains("<dt>Transactions</dt><dd>2</dd>"),
        "{html}"
    );
    let broken = "2026-01-05 Unbalanced\n    Assets:Bank:Checking   10.00 EUR\n    Equity:Capital   -9.00 EUR\n";
    let r = upload(
        &admin,
        &app,
        "/ledger/import",
        "broken.journal",
        broken,
        &[("format", "hledger"), ("dry_run", "1")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(
        html.contains("broken.journal:1"),
        "FILE:LINE of the problem: {html}"
    );
    let r = upload(
        &admin,
        &app,
        "/ledger/import",
        "books.journal",
        journal,
        &[("format", "hledger")],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("Imported books.journal"));
    let csv = admin
        .get(app.url("/ledger/reports/trial-balance?format=csv"))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(csv.contains("Assets:Bank:Checking,EUR,957.50\r\n"), "{csv}");
    assert!(
        csv.contains("Expenses:Travel:Trains,EUR,42.50\r\n"),
        "{csv}"
    );
});

/// In a real browser: "Add line" through htmx (under the CSP), the new row takes the focus,
/// and the ledger pages fit a 360 px phone (wide tables scroll inside their box).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_in_a_browser() {
    use std::time::Duration;
    use steward_e2e::webdriver::{browser_or_skip, screenshot_dir};
    const WAIT: Duration = Duration::from_secs(15);
    let Some(b) = browser_or_skip("ledger_in_a_browser").await else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(post(&admin, &app, "/ledger/setup", &[]).await.status(), 303);
    let r = post_entry(&admin, &app, "2026-03-10", "6100", "1000", "1200").await;
    let entry = location(&r);

    b.goto(&app.url("/login")).await.expect("open /login");
    let login = b.wait_for("#login", WAIT).await.expect("login field");
    b.send_keys(&login, ADMIN).await.expect("type");
    let pw = b.find("#password").await.expect("password field");
    b.send_keys(&pw, ADMIN_PASSWORD).await.expect("type");
    let submit = b
        .find("form[action='/login'] button[type=submit]")
        .await
        .expect("sign-in button");
    b.click(&submit).await.expect("sign in");
    b.wait_for("#nav", WAIT).await.expect("signed in");

    b.goto(&app.url("/ledger/entries/new"))
        .await
        .expect("open form");
    b.wait_for("#entry-lines", WAIT).await.expect("the lines");
    let add = b.find("button[data-entry-lines]").await.expect("add line");
    b.click(&add).await.expect("click add line");
    b.wait_until(
        "return document.querySelectorAll('#entry-lines tr').length === 5",
        WAIT,
    )
    .await
    .expect("a fifth row arrives through htmx");
    assert!(
        b.current_url()
            .await
            .expect("url")
            .ends_with("/ledger/entries/new"),
        "no round trip: htmx fetched the row"
    );
    let focused = b
        .execute(
            "return document.activeElement && document.activeElement.id",
            vec![],
        )
        .await
        .expect("active element");
    assert_eq!(focused, "l4-account", "the new row's account has the focus");
    b.click(&add).await.expect("click again");
    b.wait_until("return document.querySelector('#l5-debit') !== null", WAIT)
        .await
        .expect("row 6 is numbered 5");

    let shots = screenshot_dir();
    b.set_window_size(360, 780).await.expect("resize");
    for (path, shot) in [
        ("/ledger", "ledger-overview-360.png"),
        ("/ledger/accounts", "ledger-accounts-360.png"),
        ("/ledger/entries/new", "ledger-entry-form-360.png"),
        (entry.as_str(), "ledger-entry-360.png"),
        (
            "/ledger/reports/trial-balance",
            "ledger-trial-balance-360.png",
        ),
        (
            "/ledger/reports/balance-sheet?tree=1",
            "ledger-balance-sheet-360.png",
        ),
        ("/ledger/periods", "ledger-periods-360.png"),
        ("/ledger/rates", "ledger-rates-360.png"),
    ] {
        b.goto(&app.url(path)).await.expect("open page");
        b.wait_for("#main h1", WAIT).await.expect("the page");
        let w = b
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth]",
                vec![],
            )
            .await
            .expect("widths");
        let (scroll, inner) = (w[0].as_i64().unwrap_or(0), w[1].as_i64().unwrap_or(0));
        assert!(
            scroll <= inner,
            "{path} scrolls sideways at {inner} px: scrollWidth {scroll}"
        );
        b.screenshot(&shots.join(shot)).await.expect("screenshot");
    }
    b.quit().await.expect("quit");
}
