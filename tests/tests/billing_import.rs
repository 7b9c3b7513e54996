//! Customers and vendors imported from a file through the API and the page, on both
//! databases: a file with bad rows is 422 naming each line and column and writes nothing; a
//! dry run writes nothing; the import writes every row; the same file again is refused by
//! name; the export's columns import again; a salesperson (receivables only) may import
//! customers but not a vendor row, and without an import grant is refused before the
//! file is read; without an export grant the lists read but do not download.
use serde_json::json;
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

const BAD: &str = "Name,Customer,Vendor,IBAN,Income account,Payment terms days\n\
City Clinic,yes,no,,Income:Services,14\n\
Paper Mill,no,yes,DE89 3704 0044 0532 0130 01,,30\n\
Harbor Labs,maybe,no,,9999,400\n\
city clinic,yes,,,,\n\
Nobody,no,no,,,\n";

const GOOD: &str =
    "name,customer,vendor,iban,bic,income_account,payment_terms_days,email,address\n\
City Clinic,yes,no,,,Income:Services,14,ap@clinic.example,\"Main Street 1\n10115 Berlin\"\n\
Paper Mill,no,yes,DE89 3704 0044 0532 0130 00,COBADEFFXXX,,30,,\n\
Harbor Labs,yes,yes,,,,,,\n";

async fn import(app: &TestApp, c: &reqwest::Client, csv: &str, query: &str) -> reqwest::Response {
    c.post(app.url(&format!("/api/v1/billing/parties/import?{query}")))
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .expect("import")
}

async fn total(app: &TestApp, c: &reqwest::Client) -> i64 {
    let list = body_with(
        c.get(app.url("/api/v1/billing/parties"))
            .send()
            .await
            .expect("list"),
        200,
    )
    .await;
    list["total"].as_i64().expect("total")
}

both_databases!(parties_import_all_or_nothing, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "anna", PASSWORD, &["accountant"]).await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let anna = app.api(&app.token("anna", PASSWORD, false).await);
    body_with(
        admin
            .post(app.url("/api/v1/ledger/setup"))
            .send()
            .await
            .expect("setup"),
        200,
    )
    .await;

    // Every problem, by line and column; nothing written.
    let r = body_with(import(&app, &anna, BAD, "dry_run=false").await, 422).await;
    let problems: Vec<(i64, String)> = r["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["line"].as_i64().expect("line"),
                p["column"].as_str().expect("column").to_string(),
            )
        })
        .collect();
    for want in [
        (3, "iban"),
        (4, "customer"),
        (4, "income_account"),
        (4, "payment_terms_days"),
        (5, "name"),
        (6, "customer"),
    ] {
        assert!(
            problems.contains(&(want.0, want.1.to_string())),
            "{want:?} missing in {r}"
        );
    }
    assert!(
        r.to_string()
            .contains("appears twice in the file (first on line 2)"),
        "{r}"
    );
    assert_eq!(r["created"], 0);
    assert_eq!(total(&app, &anna).await, 0);

    // A dry run of a good file writes nothing; the import writes all three.
    let r = body_with(import(&app, &anna, GOOD, "dry_run=true").await, 200).await;
    assert_eq!(r["dry_run"], true);
    assert_eq!(r["rows"], 3);
    assert_eq!(total(&app, &anna).await, 0);
    let r = body_with(import(&app, &anna, GOOD, "").await, 200).await;
    assert_eq!(r["created"], 3, "{r}");
    let list = body_with(
        anna.get(app.url("/api/v1/billing/parties?q=paper"))
            .send()
            .await
            .expect("list"),
        200,
    )
    .await;
    assert_eq!(list["items"][0]["iban"], "DE89370400440532013000");
    assert_eq!(list["items"][0]["is_vendor"], true);
    assert_eq!(list["items"][0]["is_customer"], false);

    // The same file again: every name is taken, nothing written.
    let r = body_with(import(&app, &anna, GOOD, "").await, 422).await;
    assert_eq!(r["problems"].as_array().map(Vec::len), Some(3), "{r}");
    assert!(r
        .to_string()
        .contains("another customer or vendor has this name"));
    assert_eq!(total(&app, &anna).await, 3);

    // A column mapped by hand.
    let r = body_with(
        import(
            &app,
            &anna,
            "Firma,customer\nNorth Works,yes\n",
            "dry_run=true&map.name=Firma",
        )
        .await,
        200,
    )
    .await;
    assert_eq!(r["rows"], 1);
    let r = body_with(
        import(&app, &anna, "Firma\nX\n", "map.name=Nope").await,
        422,
    )
    .await;
    assert!(r.to_string().contains("map.name"), "{r}");

    // The export's columns import again (into names not taken).
    let page = app.signed_in("anna", PASSWORD).await;
    let csv = page
        .get(app.url("/billing/parties?format=csv"))
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("text");
    let renamed = csv
        .replace("City Clinic", "City Clinic 2")
        .replace("Paper Mill", "Paper Mill 2")
        .replace("Harbor Labs", "Harbor Labs 2");
    let r = body_with(import(&app, &anna, &renamed, "").await, 200).await;
    assert_eq!(r["created"], 3, "{r}");
    let again = body_with(
        anna.get(app.url("/api/v1/billing/parties?q=clinic 2"))
            .send()
            .await
            .expect("list"),
        200,
    )
    .await;
    assert_eq!(again["items"][0]["payment_terms_days"], 14, "{again}");
    assert_eq!(again["items"][0]["address"], "Main Street 1\n10115 Berlin");

    // A salesperson with receivables (import included): customers yes, a vendor row no.
    body_with(
        admin
            .post(app.url("/api/v1/roles"))
            .json(&json!({"key": "sales", "name": "Sales", "grants": [
                {"domain": "receivables", "action": "read", "scope": "company"},
                {"domain": "receivables", "action": "create", "scope": "company"},
                {"domain": "receivables", "action": "import", "scope": "company"}]}))
            .send()
            .await
            .expect("role"),
        201,
    )
    .await;
    add_user(&app.store, app.company, "sam", PASSWORD, &["sales"]).await;
    let sam = app.api(&app.token("sam", PASSWORD, false).await);
    let r = body_with(
        import(
            &app,
            &sam,
            "name,customer,vendor\nSouth Works,yes,yes\n",
            "",
        )
        .await,
        422,
    )
    .await;
    assert_eq!(r["problems"][0]["column"], "vendor", "{r}");
    body_with(
        import(&app, &sam, "name,customer\nSouth Works,yes\n", "").await,
        200,
    )
    .await;
    // Without an import grant: 403 before the file is read.
    body_with(
        admin
            .post(app.url("/api/v1/roles"))
            .json(&json!({"key": "viewer", "name": "Viewer", "grants": [
                {"domain": "receivables", "action": "read", "scope": "company"},
                {"domain": "receivables", "action": "create", "scope": "company"}]}))
            .send()
            .await
            .expect("role"),
        201,
    )
    .await;
    add_user(&app.store, app.company, "vic", PASSWORD, &["viewer"]).await;
    let vic = app.api(&app.token("vic", PASSWORD, false).await);
    body_with(import(&app, &vic, GOOD, "").await, 403).await;
    // Nor may they download the lists they read: an export needs `export`.
    for path in [
        "/api/v1/billing/invoices?format=csv",
        "/api/v1/billing/payments?format=xlsx",
        "/api/v1/billing/aged?format=csv",
    ] {
        let r = vic.get(app.url(path)).send().await.expect("export");
        assert_eq!(r.status(), 403, "{path}");
    }
    body_with(
        vic.get(app.url("/api/v1/billing/invoices"))
            .send()
            .await
            .expect("list"),
        200,
    )
    .await;

    // The page: the form, a dry run through it, and the template.
    let html = page
        .get(app.url("/billing/parties/import"))
        .send()
        .await
        .expect("form");
    assert_eq!(html.status(), 200);
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(BAD.as_bytes().to_vec()).file_name("parties.csv"),
        )
        .text("mode", "commit");
    let r = page
        .post(app.url("/billing/parties/import"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("html");
    assert!(html.contains("nothing was written"), "{html}");
    assert!(html.contains("appears twice in the file"));
    let t = page
        .get(app.url("/billing/parties/import/template.csv"))
        .send()
        .await
        .expect("template")
        .text()
        .await
        .expect("text");
    assert!(t.starts_with("name,legal_name,customer,vendor"), "{t}");
});
