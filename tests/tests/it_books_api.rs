//! IT assets in the books through the API, on both databases: an accountant names a
//! category's accounts (an unknown one is 422 on its field); an asset is booked at its
//! purchase date (twice is 409); a depreciation run posts what is due and, repeated, posts
//! nothing; booking the rest at a later date puts their earlier months straight into
//! accumulated depreciation; the next run catches both up; a disposal catches up the month,
//! clears the cost and the accumulated depreciation and posts the gain; a disposal dated
//! before the months already posted is 422 on `date`; the daily job posts through last
//! month once. Whoever does not post to the books gets 403.
use serde_json::{json, Value};
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

async fn post(c: &reqwest::Client, app: &TestApp, path: &str, body: Value, status: u16) -> Value {
    body_with(
        c.post(app.url(path)).json(&body).send().await.expect(path),
        status,
    )
    .await
}

async fn get(c: &reqwest::Client, app: &TestApp, path: &str) -> Value {
    body_with(c.get(app.url(path)).send().await.expect(path), 200).await
}

/// The entry's lines as (account, minor amount).
async fn lines(c: &reqwest::Client, app: &TestApp, entry: &Value) -> Vec<(String, i64)> {
    let e = get(c, app, &format!("/api/v1/ledger/entries/{entry}")).await;
    let mut out: Vec<(String, i64)> = e["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            (
                l["account"].as_str().unwrap_or_default().to_string(),
                l["amount_minor"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pairs(v: &[(&str, i64)]) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = v.iter().map(|(a, n)| (a.to_string(), *n)).collect();
    out.sort();
    out
}

both_databases!(
    assets_go_to_the_books_depreciate_and_leave,
    |db| async move {
        let app = spawn_app(db).await;
        add_user(&app.store, app.company, "acc", PASSWORD, &["accountant"]).await;
        add_user(&app.store, app.company, "ivy", PASSWORD, &["it_lead"]).await;
        let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
        let acc = app.api(&app.token("acc", PASSWORD, false).await);
        let ivy = app.api(&app.token("ivy", PASSWORD, false).await);
        post(&admin, &app, "/api/v1/ledger/setup", json!({}), 200).await;
        for (code, name) in [
            ("1510", "Assets:Fixed:Accumulated Depreciation"),
            ("6700", "Expenses:Depreciation"),
        ] {
            post(
                &admin,
                &app,
                "/api/v1/ledger/accounts",
                json!({"name": name, "code": code}),
                201,
            )
            .await;
        }
        // IT's catalog: a 12-month straight-line laptop, two of them bought in 2025.
        let cat = post(
            &ivy,
            &app,
            "/api/v1/it/categories",
            json!({"name": "Laptops"}),
            201,
        )
        .await;
        let model = post(
        &ivy,
        &app,
        "/api/v1/it/models",
        json!({"name": "T14", "category_id": cat["id"], "depreciation": "straight_line", "life_months": 12}),
        201,
    )
    .await;
        let a = post(
        &ivy,
        &app,
        "/api/v1/it/assets",
        json!({"name": "Laptop A", "model_id": model["id"], "purchase_date": "2025-01-15", "purchase_cost": "1200.00"}),
        201,
    )
    .await;
        let b = post(
        &ivy,
        &app,
        "/api/v1/it/assets",
        json!({"name": "Laptop B", "model_id": model["id"], "purchase_date": "2025-03-10", "purchase_cost": "600.00"}),
        201,
    )
    .await;
        let (a_id, b_id) = (a["id"].as_i64().expect("id"), b["id"].as_i64().expect("id"));

        // Nobody outside the books books; without the category's accounts nothing can be.
        post(
            &ivy,
            &app,
            &format!("/api/v1/it/assets/{a_id}/book"),
            json!({"credit_account": "2000"}),
            403,
        )
        .await;
        let p = post(
            &acc,
            &app,
            &format!("/api/v1/it/assets/{a_id}/book"),
            json!({"credit_account": "2000"}),
            422,
        )
        .await;
        assert_eq!(fields(&p), ["category"], "{p}");
        let accounts = format!("/api/v1/it/books/categories/{}", cat["id"]);
        let p = body_with(
        acc.put(app.url(&accounts))
            .json(&json!({"asset_account": "1500", "accumulated_account": "No such", "expense_account": "6700", "disposal_account": "4900"}))
            .send()
            .await
            .expect("accounts"),
        422,
    )
    .await;
        assert_eq!(fields(&p), ["accumulated_account"], "{p}");
        let set = body_with(
        acc.put(app.url(&accounts))
            .json(&json!({"asset_account": "1500", "accumulated_account": "1510", "expense_account": "6700", "disposal_account": "4900"}))
            .send()
            .await
            .expect("accounts"),
        200,
    )
    .await;
        assert!(set["asset_account_id"].as_i64().is_some(), "{set}");
        let listed = get(&acc, &app, "/api/v1/it/books/categories").await;
        assert_eq!(
            listed[0]["accumulated_account_id"],
            set["accumulated_account_id"]
        );

        // A is booked on its purchase date, once.
        let booked = post(
            &acc,
            &app,
            &format!("/api/v1/it/assets/{a_id}/book"),
            json!({"credit_account": "2000"}),
            201,
        )
        .await;
        assert_eq!(
            lines(&acc, &app, &booked["entry_id"]).await,
            pairs(&[
                ("Assets:Fixed:Equipment", 120_000),
                ("Liabilities:Payables", -120_000)
            ])
        );
        post(
            &acc,
            &app,
            &format!("/api/v1/it/assets/{a_id}/book"),
            json!({"credit_account": "2000"}),
            409,
        )
        .await;
        let books = get(&acc, &app, &format!("/api/v1/it/assets/{a_id}/books")).await;
        assert_eq!(books["booked"], true);
        assert_eq!(books["booked_on"], "2025-01-15");
        assert_eq!(books["book_value"], "1200.00");
        let not_yet = get(&acc, &app, &format!("/api/v1/it/assets/{b_id}/books")).await;
        assert_eq!(not_yet["booked"], false);

        // A run through March posts A's three months; again, nothing.
        let run = post(
            &acc,
            &app,
            "/api/v1/it/depreciation-runs",
            json!({"through": "2025-03"}),
            201,
        )
        .await;
        assert_eq!(run["posted"], true);
        assert_eq!(run["run"]["assets"], 1);
        assert_eq!(run["run"]["amount"], "300.00");
        assert_eq!(
            lines(&acc, &app, &run["run"]["entry_id"]).await,
            pairs(&[
                ("Expenses:Depreciation", 30_000),
                ("Assets:Fixed:Accumulated Depreciation", -30_000)
            ])
        );
        let again = post(
            &acc,
            &app,
            "/api/v1/it/depreciation-runs",
            json!({"through": "2025-03"}),
            200,
        )
        .await;
        assert_eq!(again["posted"], false);
        let p = post(
            &acc,
            &app,
            "/api/v1/it/depreciation-runs",
            json!({"through": "March"}),
            422,
        )
        .await;
        assert_eq!(fields(&p), ["through"], "{p}");

        // The rest (B) booked on 1 June: March to May go to accumulated depreciation at once.
        let all = post(
            &acc,
            &app,
            "/api/v1/it/books/book-all",
            json!({"credit_account": "3000", "date": "2025-06-01"}),
            201,
        )
        .await;
        assert_eq!(all["assets"], 1);
        assert_eq!(
            lines(&acc, &app, &all["entry_id"]).await,
            pairs(&[
                ("Assets:Fixed:Equipment", 60_000),
                ("Assets:Fixed:Accumulated Depreciation", -15_000),
                ("Equity:Capital", -45_000),
            ])
        );
        let p = post(
            &acc,
            &app,
            "/api/v1/it/books/book-all",
            json!({"credit_account": "3000", "date": "2025-06-01"}),
            422,
        )
        .await;
        assert_eq!(fields(&p), ["category_id"], "{p}");

        // Through June: A's April to June and B's June.
        let run = post(
            &acc,
            &app,
            "/api/v1/it/depreciation-runs",
            json!({"through": "2025-06"}),
            201,
        )
        .await;
        assert_eq!(run["run"]["assets"], 2);
        assert_eq!(run["run"]["amount"], "350.00");
        let b_books = get(&acc, &app, &format!("/api/v1/it/assets/{b_id}/books")).await;
        assert_eq!(b_books["depreciated"], "200.00");
        assert_eq!(b_books["depreciated_through"], "2025-06-01");

        // Disposals: before the months posted is refused; A sold in August for 500.00 catches up
        // July and August (200.00), leaving 400.00 of book value: a gain of 100.00.
        post(
            &ivy,
            &app,
            &format!("/api/v1/it/assets/{b_id}/dispose"),
            json!({"date": "2025-07-01"}),
            403,
        )
        .await;
        let p = post(
            &admin,
            &app,
            &format!("/api/v1/it/assets/{b_id}/dispose"),
            json!({"date": "2025-05-20"}),
            422,
        )
        .await;
        assert_eq!(fields(&p), ["date"], "{p}");
        let p = post(
            &admin,
            &app,
            &format!("/api/v1/it/assets/{a_id}/dispose"),
            json!({"date": "2025-08-20", "proceeds": "500.00"}),
            422,
        )
        .await;
        assert_eq!(fields(&p), ["proceeds_account"], "{p}");
        let gone = post(
            &admin,
            &app,
            &format!("/api/v1/it/assets/{a_id}/dispose"),
            json!({"date": "2025-08-20", "proceeds": "500.00", "proceeds_account": "1000"}),
            200,
        )
        .await;
        assert_eq!(
            lines(&acc, &app, &gone["entry_id"]).await,
            pairs(&[
                ("Expenses:Depreciation", 20_000),
                ("Assets:Fixed:Accumulated Depreciation", 60_000),
                ("Assets:Bank:Checking", 50_000),
                ("Assets:Fixed:Equipment", -120_000),
                ("Income:Other", -10_000),
            ])
        );
        let a_after = get(&admin, &app, &format!("/api/v1/it/assets/{a_id}")).await;
        assert_eq!(a_after["status"], "retired");
        let a_books = get(&acc, &app, &format!("/api/v1/it/assets/{a_id}/books")).await;
        assert_eq!(a_books["disposed_on"], "2025-08-20");
        assert_eq!(a_books["book_value"], "400.00");
        assert_eq!(
            a_books["posted"].as_array().map(Vec::len),
            Some(3),
            "{a_books}"
        );
        post(
            &admin,
            &app,
            &format!("/api/v1/it/assets/{a_id}/dispose"),
            json!({"date": "2025-09-01"}),
            409,
        )
        .await;

        // The runs, newest first; the daily job posts B's rest through last month, once.
        let runs = get(&acc, &app, "/api/v1/it/depreciation-runs").await;
        assert_eq!(runs["total"], 2);
        assert_eq!(runs["items"][0]["through"], "2025-06");
        let today = steward_core::time::today();
        assert_eq!(
            steward_core::it::depreciation_job::run_all(&app.store, today)
                .await
                .expect("job"),
            1
        );
        assert_eq!(
            steward_core::it::depreciation_job::run_all(&app.store, today)
                .await
                .expect("job"),
            0
        );
        let b_books = get(&acc, &app, &format!("/api/v1/it/assets/{b_id}/books")).await;
        assert_eq!(b_books["depreciated"], "600.00");
        assert_eq!(b_books["book_value"], "0.00");
    }
);

// The pages: the accountant names a category's accounts, books an asset from its books
// page (a bad account is marked beside its field, 422), runs depreciation and sees the
// run; the admin disposes of it; the IT lead does not see the books page.
both_databases!(the_books_pages_work, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "acc", PASSWORD, &["accountant"]).await;
    add_user(&app.store, app.company, "ivy", PASSWORD, &["it_lead"]).await;
    let admin_api = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    post(&admin_api, &app, "/api/v1/ledger/setup", json!({}), 200).await;
    post(
        &admin_api,
        &app,
        "/api/v1/ledger/accounts",
        json!({"name": "Assets:Fixed:Accumulated Depreciation", "code": "1510"}),
        201,
    )
    .await;
    let cat = post(
        &admin_api,
        &app,
        "/api/v1/it/categories",
        json!({"name": "Phones"}),
        201,
    )
    .await;
    let model = post(
        &admin_api,
        &app,
        "/api/v1/it/models",
        json!({"name": "Pixel", "category_id": cat["id"], "depreciation": "straight_line", "life_months": 24}),
        201,
    )
    .await;
    let asset = post(
        &admin_api,
        &app,
        "/api/v1/it/assets",
        json!({"name": "Phone", "model_id": model["id"], "purchase_date": "2025-02-03", "purchase_cost": "480.00"}),
        201,
    )
    .await;
    let id = asset["id"].as_i64().expect("id");
    let acc = app.signed_in("acc", PASSWORD).await;
    let ivy = app.signed_in("ivy", PASSWORD).await;
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let page = |c: &reqwest::Client, path: &str| {
        let r = c.get(app.url(path)).send();
        async move {
            let r = r.await.expect("get");
            (r.status().as_u16(), r.text().await.expect("text"))
        }
    };
    let (s, html) = page(&acc, "/it/books").await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("No run yet.") && html.contains("Phones"),
        "{html}"
    );
    let (s, _) = page(&ivy, "/it/books").await;
    assert_eq!(s, 403);
    let form = |c: &reqwest::Client, path: &str, fields: &[(&str, &str)]| {
        let r = c.post(app.url(path)).form(fields).send();
        async move {
            let r = r.await.expect("post");
            (r.status().as_u16(), r.text().await.expect("text"))
        }
    };
    let accounts = format!("/it/books/categories/{}", cat["id"]);
    let (s, html) = form(
        &acc,
        &accounts,
        &[
            ("asset_account", "1500"),
            ("accumulated_account", "9999"),
            ("expense_account", "6900"),
            ("disposal_account", "4900"),
        ],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("no account `9999`"), "{html}");
    let (s, _) = form(
        &acc,
        &accounts,
        &[
            ("asset_account", "1500"),
            ("accumulated_account", "1510"),
            ("expense_account", "6900"),
            ("disposal_account", "4900"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let (s, html) = page(&acc, &format!("/it/assets/{id}/books")).await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("Not in the books") && html.contains("2025-02-03"),
        "{html}"
    );
    let (s, html) = form(
        &acc,
        &format!("/it/assets/{id}/book"),
        &[("credit_account", "Nope"), ("date", "2025-02-03")],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("book-credit-err"), "{html}");
    let (s, _) = form(
        &acc,
        &format!("/it/assets/{id}/book"),
        &[
            ("credit_account", "2000"),
            ("date", "2025-02-03"),
            ("residual", "48.00"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let (s, html) = form(&acc, "/it/books/runs", &[("through", "2025-13")]).await;
    assert_eq!(s, 422, "{html}");
    let (s, _) = form(&acc, "/it/books/runs", &[("through", "2025-04")]).await;
    assert_eq!(s, 303);
    let (_, html) = page(&acc, "/it/books").await;
    // (480.00 - 48.00) / 24 = 18.00 a month, February to April.
    assert!(html.contains("2025-04") && html.contains("54.00"), "{html}");
    let (_, html) = page(&acc, &format!("/it/assets/{id}/books")).await;
    assert!(
        html.contains("Residual value") && html.contains("48.00") && html.contains("426.00"),
        "{html}"
    );
    // Only who also changes IT's assets disposes: the form is the admin's.
    assert!(!html.contains("Dispose of it"), "{html}");
    let (_, html) = page(&admin, &format!("/it/assets/{id}/books")).await;
    assert!(html.contains("Dispose of it"), "{html}");
    let (s, _) = form(
        &admin,
        &format!("/it/assets/{id}/dispose"),
        &[("date", "2025-05-15"), ("status", "lost")],
    )
    .await;
    assert_eq!(s, 303);
    let (_, html) = page(&admin, &format!("/it/assets/{id}/books")).await;
    assert!(html.contains("books-disposed"), "{html}");
    let a = get(&admin_api, &app, &format!("/api/v1/it/assets/{id}")).await;
    assert_eq!(a["status"], "lost");
    // The asset's own page links to its books for the accountant's readers.
    let (_, html) = page(&admin, &format!("/it/assets/{id}")).await;
    assert!(html.contains("asset-books-link"), "{html}");
});
