//! IT assets through the API and the pages, on both databases: the IT lead adds a
//! category, a model and assets (a numbered tag; a retry with the same key makes one; a
//! taken tag or serial is 422 on its field, nothing written), checks one out to an
//! employee (again with a retried key: one event) and refuses a second check-out on
//! `status`; the employee sees only what they hold; offboarding lists the asset; check-in
//! makes it deployable again; the list filters, sorts and exports; the pages render and
//! their forms post.
use chrono::{Days, Utc};
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

/// A category and a model, as `client`; the model's id.
async fn catalog(app: &TestApp, client: &reqwest::Client) -> i64 {
    let cat = body_with(
        client
            .post(app.url("/api/v1/it/categories"))
            .json(&json!({"name": "Laptops"}))
            .send()
            .await
            .expect("category"),
        201,
    )
    .await;
    let bad = body_with(
        client
            .post(app.url("/api/v1/it/models"))
            .json(&json!({"name": "ThinkPad T14", "category_id": 999_999, "depreciation": "straight_line"}))
            .send()
            .await
            .expect("model"),
        422,
    )
    .await;
    assert_eq!(fields(&bad), ["category_id", "life_months"], "{bad}");
    let model = body_with(
        client
            .post(app.url("/api/v1/it/models"))
            .json(
                &json!({"name": "ThinkPad T14", "maker": "Lenovo", "model_number": "20W0",
                "category_id": cat["id"], "depreciation": "straight_line", "life_months": 36}),
            )
            .send()
            .await
            .expect("model"),
        201,
    )
    .await;
    assert_eq!(model["category"], "Laptops");
    model["id"].as_i64().expect("id")
}

async fn total(app: &TestApp, client: &reqwest::Client) -> i64 {
    body_with(
        client
            .get(app.url("/api/v1/it/assets"))
            .send()
            .await
            .expect("list"),
        200,
    )
    .await["total"]
        .as_i64()
        .expect("total")
}

both_databases!(assets_are_lent_and_taken_back, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "ivy", PASSWORD, &["it_lead"]).await;
    let ann = add_user(&app.store, app.company, "ann", PASSWORD, &["employee"]).await;
    add_user(&app.store, app.company, "bob", PASSWORD, &["employee"]).await;
    let start = Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(400))
        .expect("date");
    let mut seed = SeedEmployee::new("E-1", "Ann Example", start);
    seed.user_id = Some(ann);
    let ann_emp = app
        .store
        .seed_employee(app.company, &seed)
        .await
        .expect("employee")
        .0;
    let ivy = app.api(&app.token("ivy", PASSWORD, false).await);
    let ann_api = app.api(&app.token("ann", PASSWORD, false).await);
    let bob_api = app.api(&app.token("bob", PASSWORD, false).await);
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let model = catalog(&app, &ivy).await;

    // A numbered tag; a retry with the same key answers the first one.
    let send = || {
        ivy.post(app.url("/api/v1/it/assets"))
            .header("Idempotency-Key", "asset-1")
            .json(
                &json!({"model_id": model, "serial": "PF-1", "name": "Ann's laptop",
                "purchase_date": "2026-01-15", "purchase_cost": "1299.00",
                "warranty_end": "2029-01-15", "location": "Berlin"}),
            )
            .send()
    };
    let laptop = body_with(send().await.expect("create"), 201).await;
    assert_eq!(laptop["tag"], "A-000001");
    assert_eq!(laptop["status"], "deployable");
    assert_eq!(laptop["purchase_cost"], "1299.00");
    let again = send().await.expect("retry");
    assert_eq!(again.status(), 201);
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(body(again).await["id"], laptop["id"]);
    let id = laptop["id"].as_i64().expect("id");
    let spare = body_with(
        ivy.post(app.url("/api/v1/it/assets"))
            .json(&json!({"model_id": model, "tag": "spare-1", "status": "in_repair"}))
            .send()
            .await
            .expect("spare"),
        201,
    )
    .await;
    assert_eq!(spare["tag"], "SPARE-1");
    let spare_id = spare["id"].as_i64().expect("id");
    assert_eq!(total(&app, &ivy).await, 2);

    // The manager's dashboard: the assets by status, one out for repair.
    let tiles = body_with(
        admin
            .get(app.url("/api/v1/dashboard"))
            .send()
            .await
            .expect("dashboard"),
        200,
    )
    .await;
    let tile = tiles
        .as_array()
        .and_then(|t| t.iter().find(|t| t["key"] == "it.assets"))
        .cloned()
        .unwrap_or_else(|| panic!("an IT tile: {tiles}"));
    assert_eq!(tile["number"], 1, "{tile}");

    // Bad input: each field named, nothing written.
    for (body, field) in [
        (json!({"model_id": model, "tag": "A-000001"}), "tag"),
        (json!({"model_id": model, "serial": "PF-1"}), "serial"),
        (json!({"model_id": model, "status": "deployed"}), "status"),
        (json!({"model_id": 999_999}), "model_id"),
    ] {
        let p = body_with(
            ivy.post(app.url("/api/v1/it/assets"))
                .json(&body)
                .send()
                .await
                .expect("bad"),
            422,
        )
        .await;
        assert_eq!(fields(&p), [field], "{p}");
    }
    assert_eq!(total(&app, &ivy).await, 2);

    // Check-out to Ann (retried with its key: one event), then again: 422 on status.
    let out = || {
        ivy.post(app.url(&format!("/api/v1/it/assets/{id}/check-out")))
            .header("Idempotency-Key", "out-1")
            .json(
                &json!({"employee_id": ann_emp, "expected_return": "2999-06-30",
                "note": "scratch on the lid"}),
            )
            .send()
    };
    let lent = body_with(out().await.expect("out"), 200).await;
    assert_eq!(lent["status"], "deployed");
    assert_eq!(lent["holder"], "Ann Example");
    assert_eq!(lent["expected_return"], "2999-06-30");
    let replay = out().await.expect("retry");
    assert_eq!(replay.status(), 200);
    let p = body_with(
        ivy.post(app.url(&format!("/api/v1/it/assets/{id}/check-out")))
            .json(&json!({"employee_id": ann_emp}))
            .send()
            .await
            .expect("again"),
        422,
    )
    .await;
    assert_eq!(fields(&p), ["status"], "{p}");
    let p = body_with(
        ivy.post(app.url(&format!("/api/v1/it/assets/{spare_id}/check-out")))
            .json(&json!({"employee_id": ann_emp}))
            .send()
            .await
            .expect("in repair"),
        422,
    )
    .await;
    assert_eq!(fields(&p), ["status"], "{p}");
    let history = body_with(
        ivy.get(app.url(&format!("/api/v1/it/assets/{id}/history")))
            .send()
            .await
            .expect("history"),
        200,
    )
    .await;
    let kinds: Vec<&str> = history
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["created", "checked_out"]);
    assert_eq!(history[1]["note"], "scratch on the lid");
    // Its value: 1,299.00 straight over the model's 36 months from January 2026, each month
    // 36.08 or 36.09, ending at nothing; the holder may see it, another employee may not.
    let value = body_with(
        ivy.get(app.url(&format!("/api/v1/it/assets/{id}/depreciation")))
            .send()
            .await
            .expect("depreciation"),
        200,
    )
    .await;
    assert_eq!(value["method"], "straight_line");
    assert_eq!(value["cost"], "1299.00");
    let periods = value["periods"].as_array().expect("periods");
    assert_eq!(periods.len(), 36);
    assert_eq!(periods[0]["month"], "2026-01-01");
    assert!(periods
        .iter()
        .all(|p| p["amount"] == "36.08" || p["amount"] == "36.09"));
    assert_eq!(periods[35]["book_value"], "0.00");
    let no_cost = body_with(
        ivy.get(app.url(&format!("/api/v1/it/assets/{spare_id}/depreciation")))
            .send()
            .await
            .expect("depreciation"),
        200,
    )
    .await;
    assert!(
        no_cost["cost"].is_null() && no_cost["periods"] == json!([]),
        "{no_cost}"
    );

    // Ann sees what she holds, nothing else; Bob nothing; neither writes.
    assert_eq!(total(&app, &ann_api).await, 1);
    assert_eq!(total(&app, &bob_api).await, 0);
    let r = ann_api
        .get(app.url(&format!("/api/v1/it/assets/{spare_id}")))
        .send()
        .await
        .expect("spare");
    assert_eq!(r.status(), 404);
    for (who, status) in [(&ann_api, 200), (&bob_api, 404)] {
        let r = who
            .get(app.url(&format!("/api/v1/it/assets/{id}/depreciation")))
            .send()
            .await
            .expect("value");
        assert_eq!(r.status(), status);
    }
    // Ann confirms she received the laptop; IT cannot confirm for her, nor can she twice.
    let ack = |c: &reqwest::Client| {
        c.post(app.url(&format!("/api/v1/it/assets/{id}/acknowledge")))
            .send()
    };
    assert_eq!(ack(&ivy).await.expect("ack").status(), 403);
    assert_eq!(ack(&bob_api).await.expect("ack").status(), 404);
    let got = body_with(ack(&ann_api).await.expect("ack"), 200).await;
    assert!(got["acknowledged_at"].is_string(), "{got}");
    let twice = body_with(ack(&ann_api).await.expect("ack"), 422).await;
    assert_eq!(fields(&twice), ["acknowledged_at"], "{twice}");
    let mine = body_with(
        ann_api
            .get(app.url(&format!("/api/v1/it/employees/{ann_emp}/assets")))
            .send()
            .await
            .expect("mine"),
        200,
    )
    .await;
    assert_eq!(mine[0]["tag"], "A-000001");
    let r = bob_api
        .get(app.url(&format!("/api/v1/it/employees/{ann_emp}/assets")))
        .send()
        .await
        .expect("not bob's");
    assert_eq!(r.status(), 403);
    let r = ann_api
        .post(app.url("/api/v1/it/assets"))
        .json(&json!({"model_id": model}))
        .send()
        .await
        .expect("create");
    assert_eq!(r.status(), 403);
    let r = ann_api
        .get(app.url("/api/v1/it/assets?format=csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 403);

    // The list: filters, search, sort, export.
    let page = body_with(
        ivy.get(app.url("/api/v1/it/assets?status=deployed&q=pf-"))
            .send()
            .await
            .expect("filter"),
        200,
    )
    .await;
    assert_eq!(page["total"], 1);
    let page = body_with(
        ivy.get(app.url("/api/v1/it/assets?sort=tag&dir=desc"))
            .send()
            .await
            .expect("sort"),
        200,
    )
    .await;
    assert_eq!(page["items"][0]["tag"], "SPARE-1");
    for (q, field) in [
        ("sort=holder", "sort"),
        ("status=broken", "status"),
        ("model_id=x", "model_id"),
    ] {
        let p = body_with(
            ivy.get(app.url(&format!("/api/v1/it/assets?{q}")))
                .send()
                .await
                .expect("bad filter"),
            422,
        )
        .await;
        assert_eq!(fields(&p), [field], "{q}: {p}");
    }
    let r = ivy
        .get(app.url("/api/v1/it/assets?format=csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    let csv = r.text().await.expect("text");
    assert!(csv.starts_with("tag,serial,name,model"), "{csv}");
    assert!(csv.contains("A-000001,PF-1"), "{csv}");
    let r = ivy
        .get(app.url("/api/v1/it/assets?format=xlsx&status=deployed"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(r.status(), 200);
    let xlsx = r.bytes().await.expect("bytes");
    assert!(xlsx.starts_with(b"PK"), "an XLSX file is a zip");

    // Offboarding lists the laptop as IT's.
    body_with(
        admin
            .post(app.url(&format!("/api/v1/hr/employees/{ann_emp}/offboarding")))
            .json(&json!({"leaving_date": "2999-01-29", "reason": "resignation", "returns": ["Badge"]}))
            .send()
            .await
            .expect("offboarding"),
        201,
    )
    .await;
    let v = body_with(
        admin
            .get(app.url(&format!("/api/v1/hr/employees/{ann_emp}/lifecycle")))
            .send()
            .await
            .expect("lifecycle"),
        200,
    )
    .await;
    let returns = v["returns"].as_array().expect("returns");
    assert!(
        returns.iter().any(|r| r["source"] == "it"
            && r["item"]
                .as_str()
                .is_some_and(|i| i.starts_with("A-000001"))),
        "{v}"
    );

    // A photo of the laptop: IT adds it, Ann (who holds it) sees it.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec())
            .file_name("receipt.pdf")
            .mime_str("application/pdf")
            .expect("mime"),
    );
    body_with(
        ivy.post(app.url(&format!("/api/v1/it/assets/{id}/attachments")))
            .multipart(form)
            .send()
            .await
            .expect("attach"),
        201,
    )
    .await;
    let files = body_with(
        ann_api
            .get(app.url(&format!("/api/v1/it/assets/{id}/attachments")))
            .send()
            .await
            .expect("files"),
        200,
    )
    .await;
    assert!(files.to_string().contains("receipt.pdf"), "{files}");

    // Check-in; a stale version is 409.
    let r = ivy
        .post(app.url(&format!("/api/v1/it/assets/{id}/check-in")))
        .json(&json!({"note": "fine", "version": 1}))
        .send()
        .await
        .expect("stale");
    assert_eq!(r.status(), 409);
    let back = body_with(
        ivy.post(app.url(&format!("/api/v1/it/assets/{id}/check-in")))
            .json(&json!({"note": "fine", "version": lent["version"]}))
            .send()
            .await
            .expect("in"),
        200,
    )
    .await;
    assert_eq!(back["status"], "deployable");
    // The check-in closed the offboarding's item; the badge is still out.
    let v = body_with(
        admin
            .get(app.url(&format!("/api/v1/hr/employees/{ann_emp}/lifecycle")))
            .send()
            .await
            .expect("lifecycle"),
        200,
    )
    .await;
    let open: Vec<&str> = v["returns"]
        .as_array()
        .expect("returns")
        .iter()
        .filter(|r| r["returned"] == false)
        .filter_map(|r| r["source"].as_str())
        .collect();
    assert_eq!(open, ["hr"], "{v}");
    assert_eq!(back["holder_id"], Value::Null);
    assert_eq!(back["acknowledged_at"], Value::Null);
    assert_eq!(total(&app, &ann_api).await, 0);
    // Ann's history: what she was lent and gave back (hers to read, not Bob's).
    let hers = body_with(
        ann_api
            .get(app.url(&format!("/api/v1/it/employees/{ann_emp}/history")))
            .send()
            .await
            .expect("history"),
        200,
    )
    .await;
    let kinds: Vec<(&str, &str)> = hers
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| Some((e["asset_tag"].as_str()?, e["kind"].as_str()?)))
        .collect();
    assert_eq!(
        kinds,
        [
            ("A-000001", "checked_out"),
            ("A-000001", "acknowledged"),
            ("A-000001", "checked_in")
        ]
    );
    let r = bob_api
        .get(app.url(&format!("/api/v1/it/employees/{ann_emp}/history")))
        .send()
        .await
        .expect("not bob's");
    assert_eq!(r.status(), 403);
    let changed = body_with(
        ivy.put(app.url(&format!("/api/v1/it/assets/{id}")))
            .json(
                &json!({"model_id": model, "serial": "PF-1", "status": "retired",
                "version": back["version"]}),
            )
            .send()
            .await
            .expect("put"),
        200,
    )
    .await;
    assert_eq!(changed["tag"], "A-000001");
    assert_eq!(changed["status"], "retired");
});

both_databases!(asset_pages_render_and_post, |db| async move {
    let app = spawn_app(db).await;
    let emp_user = add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
    let mut seed = SeedEmployee::new(
        "E-9",
        "Emma Page",
        chrono::NaiveDate::from_ymd_opt(2020, 1, 6).expect("date"),
    );
    seed.user_id = Some(emp_user);
    let emp = app
        .store
        .seed_employee(app.company, &seed)
        .await
        .expect("employee")
        .0;
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let get = |c: &reqwest::Client, path: &str| {
        let r = c.get(app.url(path)).send();
        async move {
            let r = r.await.expect("get");
            let s = r.status().as_u16();
            (s, r.text().await.expect("text"))
        }
    };
    let (s, html) = get(&admin, "/it/models").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("No models yet."));
    let r = admin
        .post(app.url("/it/categories"))
        .form(&[("name", "Phones")])
        .send()
        .await
        .expect("category");
    assert_eq!(r.status(), 303);
    let r = admin
        .post(app.url("/it/categories"))
        .form(&[("name", "phones ")])
        .send()
        .await
        .expect("again");
    // Names are unique in any case: marked beside the field.
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("id=\"category-name-err\""));
    let (_, html) = get(&admin, "/it/models").await;
    let cat = html
        .split("category_id=")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a category link")
        .to_string();
    let r = admin
        .post(app.url("/it/models"))
        .form(&[
            ("name", ""),
            ("category_id", cat.as_str()),
            ("depreciation", "none"),
        ])
        .send()
        .await
        .expect("bad model");
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("id=\"model-name-err\""));
    let r = admin
        .post(app.url("/it/models"))
        .form(&[
            ("name", "Pixel 8"),
            ("category_id", cat.as_str()),
            ("depreciation", "declining_balance"),
            ("life_months", "24"),
        ])
        .send()
        .await
        .expect("model");
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, "/it/assets").await;
    assert!(html.contains("id=\"assets-table\""));
    let model = html
        .split("<option value=\"")
        .filter_map(|s| s.split('"').next())
        .filter(|v| v.parse::<i64>().is_ok())
        .last()
        .expect("a model option")
        .to_string();
    // A bad cost is marked beside its field, what was typed kept.
    let r = admin
        .post(app.url("/it/assets"))
        .form(&[
            ("model_id", model.as_str()),
            ("serial", "PX-77"),
            ("purchase_cost", "12.345"),
            ("status", "deployable"),
        ])
        .send()
        .await
        .expect("bad asset");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(html.contains("id=\"purchase_cost-err\""), "{html}");
    assert!(html.contains("value=\"PX-77\""));
    let r = admin
        .post(app.url("/it/assets"))
        .form(&[
            ("model_id", model.as_str()),
            ("serial", "PX-77"),
            ("purchase_cost", "699"),
            ("purchase_date", "2026-01-10"),
            ("status", "deployable"),
        ])
        .send()
        .await
        .expect("asset");
    assert_eq!(r.status(), 303);
    let to = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(to.starts_with("/it/assets/"), "{to}");
    let (s, html) = get(&admin, &to).await;
    assert_eq!(s, 200);
    assert!(html.contains("A-000001"));
    assert!(html.contains("id=\"check-out\""));
    // Its value by the model's declining balance over 24 months, month by month.
    assert!(html.contains("Declining balance over 24 months"), "{html}");
    assert!(html.contains("id=\"book-value\""));
    assert_eq!(html.matches("<td class=\"num\">").count(), 48);
    assert!(
        html.contains(&format!("<option value=\"{emp}\">Emma Page")),
        "the check-out form offers the directory"
    );
    // Check-out: an unknown employee is marked; then Emma takes it.
    let r = admin
        .post(app.url(&format!("{to}/check-out")))
        .form(&[("employee_id", "999999")])
        .send()
        .await
        .expect("bad out");
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("id=\"employee_id-err\""));
    let emp_s = emp.to_string();
    let r = admin
        .post(app.url(&format!("{to}/check-out")))
        .form(&[("employee_id", emp_s.as_str()), ("note", "new")])
        .send()
        .await
        .expect("out");
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &to).await;
    assert!(html.contains("id=\"asset-holder\">Emma Page"), "{html}");
    // A second check-out (a stale form) is refused on its status, shown on the page.
    let r = admin
        .post(app.url(&format!("{to}/check-out")))
        .form(&[("employee_id", emp_s.as_str())])
        .send()
        .await
        .expect("again");
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("id=\"checkout-status-err\""));
    assert!(html.contains("id=\"check-in\""));
    // Emma sees her phone, read-only.
    let emma = app.signed_in("emp", PASSWORD).await;
    let (s, html) = get(&emma, "/it/assets").await;
    assert_eq!(s, 200);
    assert!(html.contains("A-000001"));
    assert!(!html.contains("id=\"add-asset\""));
    let (s, html) = get(&emma, &to).await;
    assert_eq!(s, 200);
    assert!(!html.contains("id=\"check-in\""));
    // Labels: one asset's, and a sheet of the list's page as filtered; each QR code holds
    // the asset's address (here the request's host; the configured public URL when set).
    let (s, html) = get(&admin, &format!("{to}/label")).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("class=\"label-tag\">A-000001<"), "{html}");
    assert!(html.contains("<svg ") && html.contains("aria-label=\"QR code of A-000001\""));
    let (s, html) = get(&admin, "/it/assets/labels?status=deployed").await;
    assert_eq!(s, 200);
    assert_eq!(html.matches("class=\"label\"").count(), 1, "{html}");
    let (_, html) = get(&admin, "/it/assets/labels?status=retired").await;
    assert_eq!(html.matches("class=\"label\"").count(), 0);
    let (_, html) = get(&admin, "/it/assets?status=deployed").await;
    assert!(
        html.contains("href=\"/it/assets/labels?status=deployed\""),
        "{html}"
    );
    // The holder may print their own asset's label.
    let (s, _) = get(&emma, &format!("{to}/label")).await;
    assert_eq!(s, 200);
    let r = admin
        .post(app.url(&format!("{to}/check-in")))
        .form(&[("note", "fine")])
        .send()
        .await
        .expect("in");
    assert_eq!(r.status(), 303);
    let (s, _) = get(&emma, &to).await;
    assert_eq!(s, 404);
    let (s, _) = get(&emma, &format!("{to}/label")).await;
    assert_eq!(s, 404, "nor a label of another's asset");
});

both_databases!(assets_import_all_or_nothing, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "ivy", PASSWORD, &["it_lead"]).await;
    add_user(&app.store, app.company, "ann", PASSWORD, &["employee"]).await;
    let ivy = app.api(&app.token("ivy", PASSWORD, false).await);
    let ann = app.api(&app.token("ann", PASSWORD, false).await);
    let model = catalog(&app, &ivy).await;
    body_with(
        ivy.post(app.url("/api/v1/it/assets"))
            .json(&json!({"model_id": model, "tag": "KEPT-1", "serial": "SN-KEPT"}))
            .send()
            .await
            .expect("kept"),
        201,
    )
    .await;
    let import = |c: &reqwest::Client, csv: &str, query: &str| {
        c.post(app.url(&format!("/api/v1/it/assets/import?{query}")))
            .header("content-type", "text/csv")
            .body(csv.to_string())
            .send()
    };
    const BAD: &str = "model,tag,serial,status,purchase_cost\n\
ThinkPad T14,,SN-1,deployable,1299.00\n\
Nokia 3310,,SN-2,,\n\
thinkpad t14,kept-1,SN-KEPT,deployed,-5\n\
ThinkPad T14,,SN-1,,\n";
    let r = body_with(import(&ivy, BAD, "").await.expect("bad"), 422).await;
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
    assert_eq!(
        problems,
        [
            (3, "model".to_string()),
            (4, "purchase_cost".to_string()),
            (4, "status".to_string()),
            (5, "serial".to_string()),
        ],
        "{r}"
    );
    assert_eq!(total(&app, &ivy).await, 1, "nothing written");
    // The tag and serial on record, found in one read.
    let r = body_with(
        import(&ivy, "model,tag,serial\nThinkPad T14,KEPT-1,SN-KEPT\n", "")
            .await
            .expect("taken"),
        422,
    )
    .await;
    let cols: Vec<&str> = r["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["column"].as_str())
        .collect();
    assert_eq!(cols, ["serial", "tag"], "{r}");
    const GOOD: &str = "model,tag,serial,name,purchase_date,purchase_cost,warranty_end\n\
ThinkPad T14,,SN-1,Desk 1,2026-01-15,1299.00,2029-01-15\n\
thinkpad t14,LAB-7,,Lab laptop,,,\n";
    let r = body_with(import(&ivy, GOOD, "dry_run=true").await.expect("dry"), 200).await;
    assert_eq!(r["dry_run"], true);
    assert_eq!(r["rows"], 2);
    assert_eq!(total(&app, &ivy).await, 1);
    let r = body_with(import(&ivy, GOOD, "").await.expect("import"), 200).await;
    assert_eq!(r["created"], 2, "{r}");
    let page = body_with(
        ivy.get(app.url("/api/v1/it/assets?sort=tag"))
            .send()
            .await
            .expect("list"),
        200,
    )
    .await;
    let tags: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["tag"].as_str())
        .collect();
    assert_eq!(tags, ["A-000001", "KEPT-1", "LAB-7"]);
    // Numbered tags skip a number the same file gives by hand (A-000002) as well as those
    // on record.
    let r = body_with(
        import(
            &ivy,
            "model,tag\nThinkPad T14,\nThinkPad T14,A-000002\nThinkPad T14,\n",
            "",
        )
        .await
        .expect("numbered"),
        200,
    )
    .await;
    assert_eq!(r["created"], 3, "{r}");
    let page = body_with(
        ivy.get(app.url("/api/v1/it/assets?sort=tag"))
            .send()
            .await
            .expect("list"),
        200,
    )
    .await;
    let tags: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["tag"].as_str())
        .collect();
    assert_eq!(
        tags,
        ["A-000001", "A-000002", "A-000003", "A-000004", "KEPT-1", "LAB-7"]
    );
    let r = import(&ann, GOOD, "").await.expect("employee");
    assert_eq!(r.status(), 403);
});
