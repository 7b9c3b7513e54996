//! IT assets' custom fields per category and check-out to a location or another asset,
//! through the API and the pages, on both databases. The IT lead defines fields on a
//! category (an employee reads them, may not define them); an asset's values are checked
//! against its category (422 on `custom.<key>`), kept by an update that sends none, shown
//! in the export and read by the import (a bad value named by line and column, the dry run
//! writes nothing). A check-out names exactly one of an employee, a location or an asset
//! (422 naming the field otherwise); a cycle is refused; the parent lists what goes with
//! it; check-in clears every kind; the pages offer the fields and the choice of target.
use serde_json::{json, Value};
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

fn fields(p: &Value) -> Vec<String> {
    let mut f: Vec<String> = p["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    f.sort();
    f
}

/// A category and a model of it, as `client`: their ids.
async fn catalog(app: &TestApp, client: &reqwest::Client, name: &str) -> (i64, i64) {
    let cat = body_with(
        client
            .post(app.url("/api/v1/it/categories"))
            .json(&json!({ "name": name }))
            .send()
            .await
            .expect("category"),
        201,
    )
    .await;
    let model = body_with(
        client
            .post(app.url("/api/v1/it/models"))
            .json(
                &json!({"name": format!("{name} model"), "category_id": cat["id"],
                "depreciation": "none"}),
            )
            .send()
            .await
            .expect("model"),
        201,
    )
    .await;
    (
        cat["id"].as_i64().expect("id"),
        model["id"].as_i64().expect("id"),
    )
}

async fn post(c: &reqwest::Client, app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    c.post(app.url(path))
        .json(&body)
        .send()
        .await
        .expect("post")
}

both_databases!(custom_fields_through_the_api, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "ivy", PASSWORD, &["it_lead"]).await;
    add_user(&app.store, app.company, "ann", PASSWORD, &["employee"]).await;
    let ivy = app.api(&app.token("ivy", PASSWORD, false).await);
    let ann = app.api(&app.token("ann", PASSWORD, false).await);
    let (cat, model) = catalog(&app, &ivy, "Laptops").await;
    let fields_url = format!("/api/v1/it/categories/{cat}/fields");

    let ram = body_with(
        post(
            &ivy,
            &app,
            &fields_url,
            json!({"key": "ram_gb", "label": "RAM (GB)", "kind": "number", "required": true,
                "position": 1}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(ram["key"], "ram_gb");
    assert_eq!(ram["required"], true);
    body_with(
        post(
            &ivy,
            &app,
            &fields_url,
            json!({"key": "os", "label": "OS", "kind": "choice",
                "choices": ["Windows 11", "Ubuntu 24.04"], "position": 2}),
        )
        .await,
        201,
    )
    .await;
    // A taken key, an asset column's name, a choice without choices: 422 by field.
    for (body, field) in [
        (
            json!({"key": "ram_gb", "label": "X", "kind": "text"}),
            "key",
        ),
        (
            json!({"key": "location", "label": "X", "kind": "text"}),
            "key",
        ),
        (
            json!({"key": "colour", "label": "X", "kind": "choice"}),
            "choices",
        ),
    ] {
        let p = body_with(post(&ivy, &app, &fields_url, body).await, 422).await;
        assert_eq!(fields(&p), [field], "{p}");
    }
    // An employee reads the definitions but may not make one.
    let list = body_with(
        ann.get(app.url(&fields_url)).send().await.expect("list"),
        200,
    )
    .await;
    let keys: Vec<&str> = list
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["key"].as_str())
        .collect();
    assert_eq!(keys, ["ram_gb", "os"]);
    let r = post(
        &ann,
        &app,
        &fields_url,
        json!({"key": "colour", "label": "Colour", "kind": "text"}),
    )
    .await;
    assert_eq!(r.status(), 403);
    // The kind stays; the label changes.
    let ram_url = format!("{fields_url}/{}", ram["id"]);
    let p = body_with(
        ivy.put(app.url(&ram_url))
            .json(&json!({"label": "RAM", "kind": "text", "required": true}))
            .send()
            .await
            .expect("put"),
        422,
    )
    .await;
    assert_eq!(fields(&p), ["kind"]);
    let changed = body_with(
        ivy.put(app.url(&ram_url))
            .json(
                &json!({"label": "Memory (GB)", "required": true, "position": 1,
                "version": ram["version"]}),
            )
            .send()
            .await
            .expect("put"),
        200,
    )
    .await;
    assert_eq!(changed["label"], "Memory (GB)");
    assert_eq!(changed["kind"], "number");

    // Values on assets: required and checked by kind, named `custom.<key>`.
    let p = body_with(
        post(&ivy, &app, "/api/v1/it/assets", json!({"model_id": model})).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["custom.ram_gb"], "{p}");
    let p = body_with(
        post(
            &ivy,
            &app,
            "/api/v1/it/assets",
            json!({"model_id": model, "custom": {"ram_gb": "lots", "os": "BeOS", "x": "1"}}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        fields(&p),
        ["custom.os", "custom.ram_gb", "custom.x"],
        "{p}"
    );
    let laptop = body_with(
        post(
            &ivy,
            &app,
            "/api/v1/it/assets",
            json!({"model_id": model, "tag": "LT-1",
                "custom": {"ram_gb": 16, "os": "Ubuntu 24.04"}}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        laptop["custom"],
        json!({"ram_gb": "16", "os": "Ubuntu 24.04"})
    );
    let id = laptop["id"].as_i64().expect("id");
    // An update without `custom` keeps the values.
    let kept = body_with(
        ivy.put(app.url(&format!("/api/v1/it/assets/{id}")))
            .json(&json!({"model_id": model, "name": "Lab laptop"}))
            .send()
            .await
            .expect("put"),
        200,
    )
    .await;
    assert_eq!(kept["custom"]["ram_gb"], "16");
    assert_eq!(kept["name"], "Lab laptop");

    // The export has a column per key.
    let r = ivy
        .get(app.url("/api/v1/it/assets?format=csv"))
        .send()
        .await
        .expect("export");
    assert_eq!(r.status(), 200);
    let csv = r.text().await.expect("csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let row: Vec<&str> = lines.next().expect("a row").split(',').collect();
    let ram_col = header.iter().position(|h| *h == "ram_gb").expect("ram_gb");
    let os_col = header.iter().position(|h| *h == "os").expect("os");
    assert!(header.contains(&"checked_out_to"), "{csv}");
    assert_eq!(row[ram_col], "16", "{csv}");
    assert_eq!(row[os_col], "Ubuntu 24.04", "{csv}");

    // The import reads the columns by key: a bad value by line and column, nothing written.
    let import = |csv: &'static str, query: &'static str| {
        ivy.post(app.url(&format!("/api/v1/it/assets/import?{query}")))
            .header("content-type", "text/csv")
            .body(csv)
            .send()
    };
    const BAD: &str = "model,tag,ram_gb,os\n\
Laptops model,LT-2,8,Windows 11\n\
Laptops model,LT-3,eight,Windows 11\n\
Laptops model,LT-4,,Ubuntu 24.04\n";
    let r = body_with(import(BAD, "dry_run=true").await.expect("dry"), 422).await;
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
        [(3, "ram_gb".to_string()), (4, "ram_gb".to_string())],
        "{r}"
    );
    const GOOD: &str = "model,tag,ram_gb,os\n\
Laptops model,LT-2,8,Windows 11\n";
    let r = body_with(import(GOOD, "dry_run=true").await.expect("dry"), 200).await;
    assert_eq!(r["created"], 0);
    let r = body_with(import(GOOD, "").await.expect("import"), 200).await;
    assert_eq!(r["created"], 1, "{r}");
    let page = body_with(
        ivy.get(app.url("/api/v1/it/assets?q=LT-2"))
            .send()
            .await
            .expect("list"),
        200,
    )
    .await;
    assert_eq!(
        page["items"][0]["custom"],
        json!({"ram_gb": "8", "os": "Windows 11"}),
        "{page}"
    );
});

both_databases!(
    check_out_to_a_location_or_an_asset_through_the_api,
    |db| async move {
        let app = spawn_app(db).await;
        add_user(&app.store, app.company, "ivy", PASSWORD, &["it_lead"]).await;
        add_user(&app.store, app.company, "ann", PASSWORD, &["employee"]).await;
        let ivy = app.api(&app.token("ivy", PASSWORD, false).await);
        let ann = app.api(&app.token("ann", PASSWORD, false).await);
        let (_, model) = catalog(&app, &ivy, "Desk kit").await;
        let mut ids = Vec::new();
        for tag in ["DOCK-1", "MON-1", "MON-2"] {
            let a = body_with(
                post(
                    &ivy,
                    &app,
                    "/api/v1/it/assets",
                    json!({"model_id": model, "tag": tag}),
                )
                .await,
                201,
            )
            .await;
            ids.push(a["id"].as_i64().expect("id"));
        }
        let (dock, mon, mon2) = (ids[0], ids[1], ids[2]);
        let out = |id: i64, body: Value| {
            ivy.post(app.url(&format!("/api/v1/it/assets/{id}/check-out")))
                .json(&body)
                .send()
        };
        // None, several, itself: 422 naming the field.
        for (body, field) in [
            (json!({"note": "nothing"}), "employee_id"),
            (json!({"employee_id": 1, "location": "Room 4"}), "location"),
            (json!({"location": "Room 4", "asset_id": dock}), "asset_id"),
            (json!({"asset_id": mon}), "asset_id"),
            (json!({"location": "   "}), "employee_id"),
        ] {
            let p = body_with(out(mon, body.clone()).await.expect("out"), 422).await;
            assert_eq!(fields(&p), [field], "{body}: {p}");
        }
        let lent = body_with(
            out(mon, json!({"asset_id": dock, "note": "with its cable"}))
                .await
                .expect("out"),
            200,
        )
        .await;
        assert_eq!(lent["status"], "deployed");
        assert_eq!(lent["parent_id"], dock);
        assert_eq!(lent["parent_tag"], "DOCK-1");
        assert_eq!(lent["holder_id"], Value::Null);
        // The dock may not go with its own monitor.
        let p = body_with(
            out(dock, json!({"asset_id": mon})).await.expect("cycle"),
            422,
        )
        .await;
        assert_eq!(fields(&p), ["asset_id"]);
        // The dock lists what goes with it; an employee does not see the dock.
        let url = format!("/api/v1/it/assets/{dock}/checked-out");
        let kids = body_with(ivy.get(app.url(&url)).send().await.expect("kids"), 200).await;
        let tags: Vec<&str> = kids
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|a| a["tag"].as_str())
            .collect();
        assert_eq!(tags, ["MON-1"]);
        let r = ann.get(app.url(&url)).send().await.expect("ann");
        assert_eq!(r.status(), 404);
        // A location.
        let placed = body_with(
            out(mon2, json!({"location": "Meeting room 4"}))
                .await
                .expect("out"),
            200,
        )
        .await;
        assert_eq!(placed["checkout_location"], "Meeting room 4");
        // The list shows both; check-in clears either and the history names the target.
        for id in [mon, mon2] {
            let back = body_with(
                ivy.post(app.url(&format!("/api/v1/it/assets/{id}/check-in")))
                    .json(&json!({"note": "back"}))
                    .send()
                    .await
                    .expect("in"),
                200,
            )
            .await;
            assert_eq!(back["status"], "deployable");
            assert_eq!(back["parent_id"], Value::Null);
            assert_eq!(back["checkout_location"], Value::Null);
        }
        let h = body_with(
            ivy.get(app.url(&format!("/api/v1/it/assets/{mon}/history")))
                .send()
                .await
                .expect("history"),
            200,
        )
        .await;
        let outs: Vec<(String, Value)> = h
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["kind"] == "checked_out" || e["kind"] == "checked_in")
            .map(|e| {
                (
                    e["kind"].as_str().unwrap_or_default().to_string(),
                    e["target_asset_tag"].clone(),
                )
            })
            .collect();
        assert_eq!(
            outs,
            [
                ("checked_out".to_string(), json!("DOCK-1")),
                ("checked_in".to_string(), json!("DOCK-1"))
            ]
        );
        let h = body_with(
            ivy.get(app.url(&format!("/api/v1/it/assets/{mon2}/history")))
                .send()
                .await
                .expect("history"),
            200,
        )
        .await;
        assert!(h
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["kind"] == "checked_in" && e["location"] == "Meeting room 4"));
    }
);

both_databases!(custom_fields_and_targets_on_the_pages, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
    let api = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let (cat, model) = catalog(&app, &api, "Laptops").await;
    let dock = body_with(
        post(
            &api,
            &app,
            "/api/v1/it/assets",
            json!({"model_id": model, "tag": "DOCK-9"}),
        )
        .await,
        201,
    )
    .await["id"]
        .as_i64()
        .expect("id");
    let r = post(
        &api,
        &app,
        "/api/v1/hr/locations",
        json!({"name": "Harbour office", "address": "2 Quay"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let get = |c: &reqwest::Client, path: String| {
        let r = c.get(app.url(&path)).send();
        async move {
            let r = r.await.expect("get");
            let s = r.status().as_u16();
            (s, r.text().await.expect("text"))
        }
    };
    let (s, html) = get(&admin, format!("/it/categories/{cat}")).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("No custom fields yet."));
    let (_, html) = get(&admin, "/it/models".to_string()).await;
    assert!(html.contains(&format!("href=\"/it/categories/{cat}\"")));
    // A bad key is marked; then the field is added.
    let r = admin
        .post(app.url(&format!("/it/categories/{cat}/fields")))
        .form(&[("label", "RAM"), ("key", "RAM GB"), ("kind", "number")])
        .send()
        .await
        .expect("bad field");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(html.contains("id=\"field-key-err\""), "{html}");
    assert!(html.contains("value=\"RAM GB\""));
    let r = admin
        .post(app.url(&format!("/it/categories/{cat}/fields")))
        .form(&[
            ("label", "RAM (GB)"),
            ("key", "ram_gb"),
            ("kind", "number"),
            ("required", "1"),
            ("active", "1"),
        ])
        .send()
        .await
        .expect("field");
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, format!("/it/categories/{cat}")).await;
    assert!(html.contains("<code>ram_gb</code>"), "{html}");
    let field_id = html
        .split("<tr id=\"field-")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the field's row")
        .to_string();
    // Its form: a bad position is marked in that form; then the label changes.
    let field_url = format!("/it/categories/{cat}/fields/{field_id}");
    let r = admin
        .post(app.url(&field_url))
        .form(&[
            ("label", "RAM"),
            ("position", "-3"),
            ("required", "1"),
            ("active", "1"),
        ])
        .send()
        .await
        .expect("bad position");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(
        html.contains(&format!("id=\"position-{field_id}-err\"")),
        "{html}"
    );
    let r = admin
        .post(app.url(&field_url))
        .form(&[
            ("label", "RAM (GB)"),
            ("position", "1"),
            ("required", "1"),
            ("active", "1"),
        ])
        .send()
        .await
        .expect("field changed");
    assert_eq!(r.status(), 303);
    // The employee may not add one.
    let emma = app.signed_in("emp", PASSWORD).await;
    let r = emma
        .post(app.url(&format!("/it/categories/{cat}/fields")))
        .form(&[("label", "Colour"), ("key", "colour"), ("kind", "text")])
        .send()
        .await
        .expect("employee");
    assert_eq!(r.status(), 403);

    // The new asset's form asks for it; a missing value is marked beside it.
    let (_, html) = get(&admin, "/it/assets".to_string()).await;
    assert!(html.contains("<legend>Laptops details</legend>"), "{html}");
    assert!(html.contains("name=\"custom.ram_gb\""));
    let model_s = model.to_string();
    let r = admin
        .post(app.url("/it/assets"))
        .form(&[("model_id", model_s.as_str()), ("tag", "LT-9")])
        .send()
        .await
        .expect("no ram");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(html.contains("-err\">is required</p>"), "{html}");
    let r = admin
        .post(app.url("/it/assets"))
        .form(&[
            ("model_id", model_s.as_str()),
            ("tag", "LT-9"),
            ("custom.ram_gb", "32"),
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
    let (s, html) = get(&admin, to.clone()).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("<dt>RAM (GB)</dt><dd class=\"custom-value\">32</dd>"),
        "{html}"
    );
    assert!(
        html.contains("name=\"custom.ram_gb\" type=\"text\" inputmode=\"decimal\" value=\"32\"")
    );
    assert!(html.contains("id=\"target-location\""));
    // HR's sites are offered as places.
    assert!(
        html.contains("<option value=\"Harbour office\">"),
        "the check-out form offers HR's locations"
    );

    // Check-out with a tag no asset has: marked; then with the dock: the dock lists it.
    let r = admin
        .post(app.url(&format!("{to}/check-out")))
        .form(&[("target", "asset"), ("asset_tag", "NOPE-1")])
        .send()
        .await
        .expect("bad tag");
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("id=\"checkout-asset-err\""));
    let r = admin
        .post(app.url(&format!("{to}/check-out")))
        .form(&[
            ("target", "asset"),
            ("asset_tag", "dock-9"),
            ("employee_id", ""),
            ("location", "ignored: another target is chosen"),
        ])
        .send()
        .await
        .expect("out");
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, to.clone()).await;
    assert!(
        html.contains(&format!(
            "id=\"asset-target\"><a href=\"/it/assets/{dock}\">DOCK-9</a>"
        )),
        "{html}"
    );
    let (_, html) = get(&admin, format!("/it/assets/{dock}")).await;
    assert!(html.contains("id=\"asset-children\""), "{html}");
    assert!(html.contains("LT-9"));
    let (_, html) = get(&admin, "/it/assets".to_string()).await;
    assert!(html.contains(&format!("with <a href=\"/it/assets/{dock}\">DOCK-9</a>")));
    // Check-in, then to a room.
    let r = admin
        .post(app.url(&format!("{to}/check-in")))
        .form(&[("note", "")])
        .send()
        .await
        .expect("in");
    assert_eq!(r.status(), 303);
    let r = admin
        .post(app.url(&format!("{to}/check-out")))
        .form(&[("target", "location"), ("location", "Server room")])
        .send()
        .await
        .expect("room");
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, to.clone()).await;
    assert!(html.contains("id=\"asset-target\">Server room"), "{html}");
});
