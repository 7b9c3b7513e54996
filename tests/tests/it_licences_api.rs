//! IT licences and consumables through the API and the pages, on both databases: the IT
//! lead adds a licence (bad input is 422 naming the field, nothing written), assigns its
//! seats (one too many is 422 on `seats`), a technician is refused; the employee sees only
//! the licence with their seat and never its key; another company's licence is 404;
//! offboarding lists the seat and unassigning it closes the item; the compliance view and
//! the list's filters and exports; consumables' stock (an issue beyond it is 422 on
//! `quantity`, nothing written), the below-minimum filter; the pages render and post.
use serde_json::{json, Value};
use steward_e2e::*;
use steward_store::hr::SeedEmployee;

const PASSWORD: &str = "a long enough test passphrase";

fn fields(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

async fn seed(app: &TestApp, number: &str, name: &str, user: Option<i64>) -> i64 {
    let mut s = SeedEmployee::new(
        number,
        name,
        chrono::NaiveDate::from_ymd_opt(2020, 1, 6).expect("date"),
    );
    s.user_id = user.map(steward_core::ids::UserId);
    app.store
        .seed_employee(app.company, &s)
        .await
        .expect("employee")
        .0
}

async fn get_json(c: &reqwest::Client, app: &TestApp, path: &str, status: u16) -> Value {
    body_with(c.get(app.url(path)).send().await.expect("get"), status).await
}

both_databases!(licences_seats_and_offboarding, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "ivy", PASSWORD, &["it_lead"]).await;
    add_user(&app.store, app.company, "tom", PASSWORD, &["it_technician"]).await;
    let ann = add_user(&app.store, app.company, "ann", PASSWORD, &["employee"]).await;
    let bob = add_user(&app.store, app.company, "bob", PASSWORD, &["employee"]).await;
    let ann_emp = seed(&app, "E-1", "Ann Example", Some(ann.0)).await;
    let bob_emp = seed(&app, "E-2", "Bob Example", Some(bob.0)).await;
    let cy_emp = seed(&app, "E-3", "Cy Example", None).await;
    let ivy = app.api(&app.token("ivy", PASSWORD, false).await);
    let tom = app.api(&app.token("tom", PASSWORD, false).await);
    let ann_api = app.api(&app.token("ann", PASSWORD, false).await);
    let bob_api = app.api(&app.token("bob", PASSWORD, false).await);
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);

    // Bad input names the fields; nothing is written.
    let bad = body_with(
        ivy.post(app.url("/api/v1/it/licences"))
            .json(&json!({"product": "Office", "seats": 2, "cost": "1.234",
                "purchase_date": "2026-05-01", "expires_on": "2026-04-01"}))
            .send()
            .await
            .expect("bad"),
        422,
    )
    .await;
    assert_eq!(fields(&bad), ["cost", "expires_on"], "{bad}");
    assert_eq!(
        get_json(&ivy, &app, "/api/v1/it/licences", 200).await["total"],
        0
    );
    // A technician may not add one.
    let r = tom
        .post(app.url("/api/v1/it/licences"))
        .json(&json!({"product": "Office", "seats": 2}))
        .send()
        .await
        .expect("tech");
    assert_eq!(r.status(), 403);
    let lic = body_with(
        ivy.post(app.url("/api/v1/it/licences"))
            .header("Idempotency-Key", "licence-1")
            .json(
                &json!({"product": "Office 365", "vendor": "Microsoft", "seats": 2,
                "cost": "1200.00", "purchase_date": "2026-01-01", "expires_on": "2999-12-31",
                "key": "ABCD-SECRET"}),
            )
            .send()
            .await
            .expect("licence"),
        201,
    )
    .await;
    let id = lic["id"].as_i64().expect("id");
    assert_eq!(lic["key"], "ABCD-SECRET");
    assert_eq!(lic["usage"], "under");
    let seat = |who: i64| {
        ivy.post(app.url(&format!("/api/v1/it/licences/{id}/seats")))
            .json(&json!({"employee_id": who}))
            .send()
    };
    let ann_seat = body_with(seat(ann_emp).await.expect("ann"), 201).await;
    body_with(seat(bob_emp).await.expect("bob"), 201).await;
    let full = body_with(seat(cy_emp).await.expect("cy"), 422).await;
    assert_eq!(fields(&full), ["seats"], "{full}");
    let r = tom
        .post(app.url(&format!("/api/v1/it/licences/{id}/seats")))
        .json(&json!({"employee_id": cy_emp}))
        .send()
        .await
        .expect("tech seat");
    assert_eq!(r.status(), 403);
    // Fewer seats than in use: 422 on `seats`.
    let fewer = body_with(
        ivy.put(app.url(&format!("/api/v1/it/licences/{id}")))
            .json(&json!({"product": "Office 365", "seats": 1}))
            .send()
            .await
            .expect("fewer"),
        422,
    )
    .await;
    assert_eq!(fields(&fewer), ["seats"]);
    // The technician sees the key; Ann sees the licence without it, only her seat.
    assert_eq!(
        get_json(&tom, &app, &format!("/api/v1/it/licences/{id}"), 200).await["key"],
        "ABCD-SECRET"
    );
    let hers = get_json(&ann_api, &app, &format!("/api/v1/it/licences/{id}"), 200).await;
    assert_eq!(hers["key"], Value::Null, "{hers}");
    let seats = get_json(
        &ann_api,
        &app,
        &format!("/api/v1/it/licences/{id}/seats"),
        200,
    )
    .await;
    assert_eq!(seats.as_array().map(Vec::len), Some(1), "{seats}");
    assert_eq!(seats[0]["employee_id"], ann_emp);
    assert_eq!(
        get_json(&ivy, &app, &format!("/api/v1/it/licences/{id}/seats"), 200)
            .await
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let r = ann_api
        .get(app.url("/api/v1/it/licences/compliance"))
        .send()
        .await
        .expect("compliance");
    assert_eq!(r.status(), 403);
    // Another licence: Ann does not see it.
    let other = body_with(
        ivy.post(app.url("/api/v1/it/licences"))
            .json(&json!({"product": "Figma", "seats": 1, "expires_on": "2999-01-01"}))
            .send()
            .await
            .expect("other"),
        201,
    )
    .await;
    let r = ann_api
        .get(app.url(&format!("/api/v1/it/licences/{}", other["id"])))
        .send()
        .await
        .expect("not hers");
    assert_eq!(r.status(), 404);
    let list = get_json(&ann_api, &app, "/api/v1/it/licences", 200).await;
    assert_eq!(list["total"], 1, "{list}");
    // Another company's licence is 404.
    let other_co = steward_core::company::create_company(&app.store, "test", "Other Ltd", "EUR")
        .await
        .expect("company");
    let other_admin = steward_core::auth::session::cli_actor(
        &app.store,
        add_user(&app.store, other_co, "other-admin", PASSWORD, &["admin"]).await,
        other_co,
    )
    .await
    .expect("actor");
    let foreign = steward_core::it::licences::create(
        &app.store,
        &other_admin,
        &steward_core::it::licences::LicenceInput {
            product: "Foreign".into(),
            seats: "1".into(),
            ..Default::default()
        },
    )
    .await
    .expect("foreign");
    let r = ivy
        .get(app.url(&format!("/api/v1/it/licences/{}", foreign.id.0)))
        .send()
        .await
        .expect("foreign");
    assert_eq!(r.status(), 404);
    let r = ivy
        .put(app.url(&format!("/api/v1/it/licences/{}", foreign.id.0)))
        .json(&json!({"product": "Mine now", "seats": 5}))
        .send()
        .await
        .expect("foreign put");
    assert_eq!(r.status(), 404);

    // Compliance: Office full, Figma idle.
    let rows = get_json(&tom, &app, "/api/v1/it/licences/compliance", 200).await;
    let usage: Vec<(&str, &str)> = rows
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| Some((r["product"].as_str()?, r["usage"].as_str()?)))
        .collect();
    assert_eq!(usage, [("Office 365", "full"), ("Figma", "under")]);
    let under = get_json(&ivy, &app, "/api/v1/it/licences?usage=under", 200).await;
    assert_eq!(under["total"], 1);
    let r = ivy
        .get(app.url("/api/v1/it/licences?usage=sideways"))
        .send()
        .await
        .expect("bad usage");
    assert_eq!(r.status(), 422);
    let r = ivy
        .get(app.url("/api/v1/it/licences?format=csv&sort=expires_on&dir=desc"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    let csv = r.text().await.expect("text");
    assert!(csv.starts_with("product,vendor,seats"), "{csv}");
    assert!(!csv.contains("ABCD-SECRET"), "the key is never exported");
    let r = ann_api
        .get(app.url("/api/v1/it/licences?format=xlsx"))
        .send()
        .await
        .expect("ann xlsx");
    assert_eq!(r.status(), 403);

    // Offboarding lists Ann's seat; unassigning it closes the item.
    body_with(
        admin
            .post(app.url(&format!("/api/v1/hr/employees/{ann_emp}/offboarding")))
            .json(&json!({"leaving_date": "2999-01-29", "reason": "resignation", "returns": []}))
            .send()
            .await
            .expect("offboarding"),
        201,
    )
    .await;
    let lifecycle = format!("/api/v1/hr/employees/{ann_emp}/lifecycle");
    let v = get_json(&admin, &app, &lifecycle, 200).await;
    let open = |v: &Value| {
        v["returns"]
            .as_array()
            .expect("returns")
            .iter()
            .filter(|r| r["returned"] == false)
            .filter_map(|r| r["item"].as_str().map(str::to_string))
            .collect::<Vec<_>>()
    };
    assert_eq!(open(&v), ["Licence seat — Office 365"], "{v}");
    let r = tom
        .post(app.url(&format!(
            "/api/v1/it/licences/seats/{}/unassign",
            ann_seat["id"]
        )))
        .send()
        .await
        .expect("tech unassign");
    assert_eq!(r.status(), 403);
    let after = body_with(
        ivy.post(app.url(&format!(
            "/api/v1/it/licences/seats/{}/unassign",
            ann_seat["id"]
        )))
        .send()
        .await
        .expect("unassign"),
        200,
    )
    .await;
    assert_eq!(after["seats_used"], 1);
    let v = get_json(&admin, &app, &lifecycle, 200).await;
    assert!(open(&v).is_empty(), "{v}");
    // Bob's seat is still his; Ann no longer sees the licence.
    let r = ann_api
        .get(app.url(&format!("/api/v1/it/licences/{id}")))
        .send()
        .await
        .expect("gone");
    assert_eq!(r.status(), 404);
    get_json(&bob_api, &app, &format!("/api/v1/it/licences/{id}"), 200).await;
});

both_databases!(consumables_stock_and_pages, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "tom", PASSWORD, &["it_technician"]).await;
    add_user(&app.store, app.company, "ann", PASSWORD, &["employee"]).await;
    let emp = seed(&app, "E-1", "Emma Stock", None).await;
    let tom = app.api(&app.token("tom", PASSWORD, false).await);
    let ann = app.api(&app.token("ann", PASSWORD, false).await);
    let bad = body_with(
        tom.post(app.url("/api/v1/it/consumables"))
            .json(&json!({"name": "Toner", "unit_cost": "1.234", "category_id": 999_999}))
            .send()
            .await
            .expect("bad"),
        422,
    )
    .await;
    assert_eq!(fields(&bad), ["category_id", "unit_cost"], "{bad}");
    let toner = body_with(
        tom.post(app.url("/api/v1/it/consumables"))
            .json(&json!({"name": "Toner", "quantity": 3, "min_quantity": 2,
                "location": "Storage", "unit_cost": "79.90"}))
            .send()
            .await
            .expect("toner"),
        201,
    )
    .await;
    let id = toner["id"].as_i64().expect("id");
    let issue = |n: u32| {
        tom.post(app.url(&format!("/api/v1/it/consumables/{id}/issue")))
            .json(&json!({"quantity": n, "employee_id": emp}))
            .send()
    };
    let p = body_with(issue(4).await.expect("too many"), 422).await;
    assert_eq!(fields(&p), ["quantity"], "{p}");
    let moves = format!("/api/v1/it/consumables/{id}/movements");
    assert_eq!(
        get_json(&tom, &app, &moves, 200)
            .await
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let after = body_with(issue(2).await.expect("issue"), 200).await;
    assert_eq!(after["quantity"], 1);
    assert_eq!(after["below_minimum"], true);
    let low = get_json(&tom, &app, "/api/v1/it/consumables?below_minimum=true", 200).await;
    assert_eq!(low["total"], 1);
    let back = body_with(
        tom.post(app.url(&format!("/api/v1/it/consumables/{id}/receive")))
            .json(&json!({"quantity": 10, "note": "delivery"}))
            .send()
            .await
            .expect("receive"),
        200,
    )
    .await;
    assert_eq!(back["quantity"], 11);
    let history = get_json(&tom, &app, &moves, 200).await;
    let kinds: Vec<&str> = history
        .as_array()
        .expect("moves")
        .iter()
        .filter_map(|m| m["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["received", "issued", "opening"]);
    assert_eq!(history[1]["employee_id"], emp);
    let r = ann
        .get(app.url("/api/v1/it/consumables"))
        .send()
        .await
        .expect("ann");
    assert_eq!(r.status(), 403);
    let r = tom
        .get(app.url("/api/v1/it/consumables?format=csv&sort=quantity"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("text").contains("Toner,,pcs,11,2,no"));

    // The pages render and their forms post.
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let page = |path: &str| {
        let r = admin.get(app.url(path)).send();
        async move {
            let r = r.await.expect("get");
            (r.status().as_u16(), r.text().await.expect("text"))
        }
    };
    let (s, html) = page("/it/consumables").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("id=\"consumables-table\""));
    let (s, html) = page(&format!("/it/consumables/{id}")).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("id=\"movements-table\""));
    let r = admin
        .post(app.url(&format!("/it/consumables/{id}/issue")))
        .form(&[("quantity", "99"), ("employee_id", &emp.to_string())])
        .send()
        .await
        .expect("page issue");
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("id=\"issue-quantity-err\""));
    let r = admin
        .post(app.url("/it/licences"))
        .form(&[("product", "Acrobat"), ("seats", "x")])
        .send()
        .await
        .expect("bad licence");
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("text").contains("id=\"seats-err\""));
    let r = admin
        .post(app.url("/it/licences"))
        .form(&[
            ("product", "Acrobat"),
            ("seats", "1"),
            ("expires_on", "2999-01-01"),
        ])
        .send()
        .await
        .expect("licence");
    assert_eq!(r.status(), 303);
    let to = r
        .headers()
        .get("location")
        .and_then(|h| h.to_str().ok())
        .expect("location")
        .to_string();
    let r = admin
        .post(app.url(&format!("{to}/seats")))
        .form(&[("employee_id", emp.to_string())])
        .send()
        .await
        .expect("seat");
    assert_eq!(r.status(), 303);
    let (s, html) = page(&to).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("Emma Stock"), "{html}");
    let r = admin
        .post(app.url(&format!("{to}/seats")))
        .form(&[("employee_id", emp.to_string())])
        .send()
        .await
        .expect("seat again");
    assert_eq!(r.status(), 422);
    let (s, html) = page("/it/licences/compliance").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("Fully used"), "{html}");
    let (s, html) = page("/it/licences?expiring=1").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("No licences"), "{html}");
});
