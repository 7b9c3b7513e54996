//! IT networks and upgrades through the API and the pages, on both databases: a site and
//! its networks (bad input names the field and writes nothing: host bits, overlap,
//! gateway outside, VLAN), a technician gives addresses (the next free one, one typed,
//! a taken one refused), an asset shows its addresses, a planned change submitted by a
//! technician waits in the approvals inbox and the IT lead's approval there moves it,
//! a maintenance log moves the next due date, another company's network is 404, the lists
//! export, and the pages render.
use serde_json::{json, Value};
use steward_core::company::create_company;
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

async fn networks_total(app: &TestApp, client: &reqwest::Client) -> i64 {
    body_with(
        client
            .get(app.url("/api/v1/it/networks"))
            .send()
            .await
            .expect("list"),
        200,
    )
    .await["total"]
        .as_i64()
        .expect("total")
}

both_databases!(networks_addresses_and_changes, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "ivy", PASSWORD, &["it_lead"]).await;
    add_user(&app.store, app.company, "tom", PASSWORD, &["it_technician"]).await;
    add_user(&app.store, app.company, "ann", PASSWORD, &["employee"]).await;
    let ivy = app.api(&app.token("ivy", PASSWORD, false).await);
    let tom = app.api(&app.token("tom", PASSWORD, false).await);
    let ann = app.api(&app.token("ann", PASSWORD, false).await);

    // A site and its office LAN.
    let site = body_with(
        ivy.post(app.url("/api/v1/it/sites"))
            .json(&json!({"name": "Head office", "address": "1 Main Street"}))
            .send()
            .await
            .expect("site"),
        201,
    )
    .await;
    let site_id = site["id"].as_i64().expect("id");
    let lan = body_with(
        ivy.post(app.url("/api/v1/it/networks"))
            .json(
                &json!({"site_id": site_id, "name": "Office LAN", "cidr": "192.168.1.0/24",
                "vlan": 10, "gateway": "192.168.1.1", "dns": "192.168.1.2"}),
            )
            .send()
            .await
            .expect("lan"),
        201,
    )
    .await;
    let lan_id = lan["id"].as_i64().expect("id");
    assert_eq!(lan["free"], "253");

    // Bad input: the field named, nothing written.
    for (body, field, hint) in [
        (
            json!({"site_id": site_id, "name": "X", "cidr": "10.0.0.5/24"}),
            "cidr",
            "10.0.0.0/24",
        ),
        (
            json!({"site_id": site_id, "name": "X", "cidr": "192.168.1.128/25"}),
            "cidr",
            "overlaps",
        ),
        (
            json!({"site_id": site_id, "name": "X", "cidr": "10.2.0.0/24", "gateway": "10.3.0.1"}),
            "gateway",
            "outside",
        ),
        (
            json!({"site_id": 999_999, "name": "X", "cidr": "10.4.0.0/24"}),
            "site_id",
            "",
        ),
    ] {
        let p = body_with(
            ivy.post(app.url("/api/v1/it/networks"))
                .json(&body)
                .send()
                .await
                .expect("bad"),
            422,
        )
        .await;
        assert_eq!(fields(&p), [field], "{p}");
        assert!(p.to_string().contains(hint), "{p}");
    }
    assert_eq!(networks_total(&app, &ivy).await, 1);

    // A technician gives addresses; an employee may not even look.
    let first = body_with(
        tom.post(app.url(&format!("/api/v1/it/networks/{lan_id}/addresses")))
            .json(&json!({"hostname": "printer-1", "device": "Printer"}))
            .send()
            .await
            .expect("allocate"),
        201,
    )
    .await;
    assert_eq!(first["address"], "192.168.1.2");
    for (address, why) in [
        ("192.168.1.2", "already"),
        ("10.9.9.9", "outside"),
        ("192.168.1.255", "broadcast"),
        ("192.168.1.1", "gateway"),
    ] {
        let p = body_with(
            tom.post(app.url(&format!("/api/v1/it/networks/{lan_id}/addresses")))
                .json(&json!({"hostname": "dup", "address": address}))
                .send()
                .await
                .expect("bad address"),
            422,
        )
        .await;
        assert_eq!(fields(&p), ["address"], "{p}");
        assert!(p.to_string().contains(why), "{p}");
    }
    let r = ann
        .get(app.url(&format!("/api/v1/it/networks/{lan_id}")))
        .send()
        .await
        .expect("employee");
    assert_eq!(r.status(), 403);

    // An asset's addresses.
    let cat = body_with(
        ivy.post(app.url("/api/v1/it/categories"))
            .json(&json!({"name": "Servers"}))
            .send()
            .await
            .expect("category"),
        201,
    )
    .await;
    let model = body_with(
        ivy.post(app.url("/api/v1/it/models"))
            .json(&json!({"name": "R650", "category_id": cat["id"], "depreciation": "none"}))
            .send()
            .await
            .expect("model"),
        201,
    )
    .await;
    let server = body_with(
        ivy.post(app.url("/api/v1/it/assets"))
            .json(&json!({"model_id": model["id"], "name": "File server"}))
            .send()
            .await
            .expect("asset"),
        201,
    )
    .await;
    let server_id = server["id"].as_i64().expect("id");
    body_with(
        tom.post(app.url(&format!("/api/v1/it/networks/{lan_id}/addresses")))
            .json(&json!({"hostname": "files", "address": "192.168.1.10", "asset_id": server_id}))
            .send()
            .await
            .expect("asset address"),
        201,
    )
    .await;
    let of = body_with(
        ivy.get(app.url(&format!("/api/v1/it/assets/{server_id}/addresses")))
            .send()
            .await
            .expect("asset addresses"),
        200,
    )
    .await;
    assert_eq!(of[0]["address"], "192.168.1.10", "{of}");
    assert_eq!(of[0]["network"], "Office LAN");
    let detail = body_with(
        ivy.get(app.url(&format!("/api/v1/it/networks/{lan_id}")))
            .send()
            .await
            .expect("detail"),
        200,
    )
    .await;
    assert_eq!(detail["used"], 2);
    assert_eq!(detail["addresses"].as_array().map(Vec::len), Some(2));

    // Another company's network is 404.
    let other = create_company(&app.store, "test", "Other", "EUR")
        .await
        .expect("company B");
    add_user(&app.store, other, "olga", PASSWORD, &["it_lead"]).await;
    let olga = app.api(&app.token("olga", PASSWORD, false).await);
    for path in [
        format!("/api/v1/it/networks/{lan_id}"),
        format!("/api/v1/it/networks/{lan_id}/addresses"),
        format!("/api/v1/it/sites/{site_id}"),
    ] {
        let r = olga.get(app.url(&path)).send().await.expect("other");
        assert_eq!(r.status(), 404, "{path}");
    }
    let r = olga
        .post(app.url(&format!("/api/v1/it/networks/{lan_id}/addresses")))
        .json(&json!({"hostname": "intruder"}))
        .send()
        .await
        .expect("other allocate");
    assert_eq!(r.status(), 404);

    // A planned change: bad window refused, a draft, submitted by the technician.
    let bad = body_with(
        tom.post(app.url("/api/v1/it/changes"))
            .json(
                &json!({"title": "Swap switch", "window_start": "2030-01-10T22:00",
                "window_end": "2030-01-10T20:00", "risk": "high"}),
            )
            .send()
            .await
            .expect("bad change"),
        422,
    )
    .await;
    assert_eq!(fields(&bad), ["window_end"], "{bad}");
    let change = body_with(
        tom.post(app.url("/api/v1/it/changes"))
            .json(
                &json!({"title": "Swap switch", "window_start": "2030-01-10T22:00",
                "window_end": "2030-01-11T02:00", "risk": "high",
                "checklist": ["Back up the config", "Swap"], "asset_ids": [server_id]}),
            )
            .send()
            .await
            .expect("change"),
        201,
    )
    .await;
    let change_id = change["id"].as_i64().expect("id");
    assert_eq!(change["status"], "draft");
    let submitted = body_with(
        tom.post(app.url(&format!("/api/v1/it/changes/{change_id}/submit")))
            .send()
            .await
            .expect("submit"),
        200,
    )
    .await;
    assert_eq!(submitted["status"], "submitted");
    let approval = submitted["approval_id"].as_i64().expect("approval");
    // The IT lead's inbox has it; the technician may not decide it.
    let inbox = body_with(
        ivy.get(app.url("/api/v1/approvals?kind=it.change"))
            .send()
            .await
            .expect("inbox"),
        200,
    )
    .await;
    assert!(
        inbox["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|r| r["id"] == approval)),
        "{inbox}"
    );
    let r = tom
        .post(app.url(&format!("/api/v1/approvals/{approval}/approve")))
        .json(&json!({"comment": "self"}))
        .send()
        .await
        .expect("self approve");
    assert!(r.status().is_client_error(), "{}", r.status());
    body_with(
        ivy.post(app.url(&format!("/api/v1/approvals/{approval}/approve")))
            .json(&json!({"comment": "Go ahead"}))
            .send()
            .await
            .expect("approve"),
        200,
    )
    .await;
    let approved = body_with(
        tom.get(app.url(&format!("/api/v1/it/changes/{change_id}")))
            .send()
            .await
            .expect("change"),
        200,
    )
    .await;
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["decision_comment"], "Go ahead");

    // Maintenance: a log moves the next due date.
    let schedule = body_with(
        ivy.post(app.url("/api/v1/it/maintenance"))
            .json(
                &json!({"title": "UPS self test", "rule": "FREQ=MONTHLY;BYMONTHDAY=1",
                "starts_on": "2026-01-01", "asset_ids": [server_id]}),
            )
            .send()
            .await
            .expect("schedule"),
        201,
    )
    .await;
    let sid = schedule["id"].as_i64().expect("id");
    let bad = body_with(
        ivy.post(app.url("/api/v1/it/maintenance"))
            .json(&json!({"title": "X", "rule": "FREQ=SOMETIMES", "starts_on": "2026-01-01"}))
            .send()
            .await
            .expect("bad schedule"),
        422,
    )
    .await;
    assert_eq!(fields(&bad), ["rule"], "{bad}");
    let logged = body_with(
        tom.post(app.url(&format!("/api/v1/it/maintenance/{sid}/log")))
            .json(&json!({"done_on": "2026-02-03", "notes": "All green"}))
            .send()
            .await
            .expect("log"),
        201,
    )
    .await;
    assert_eq!(logged["next_due"], "2026-03-01");

    // Exports.
    for path in [
        "/api/v1/it/networks?format=csv",
        "/api/v1/it/changes?format=csv",
        "/api/v1/it/maintenance?format=xlsx",
    ] {
        let r = ivy.get(app.url(path)).send().await.expect("export");
        assert_eq!(r.status(), 200, "{path}");
    }
    let csv = ivy
        .get(app.url("/api/v1/it/networks?format=csv&sort=used&dir=desc"))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(csv.contains("192.168.1.0/24"), "{csv}");
    let p = body_with(
        ivy.get(app.url("/api/v1/it/networks?sort=password"))
            .send()
            .await
            .expect("sort"),
        422,
    )
    .await;
    assert_eq!(fields(&p), ["sort"]);

    // The pages render.
    let web = app.signed_in("ivy", PASSWORD).await;
    for path in [
        "/it/networks".to_string(),
        format!("/it/networks/{lan_id}"),
        "/it/changes".to_string(),
        format!("/it/changes/{change_id}"),
        "/it/maintenance".to_string(),
        format!("/it/maintenance/{sid}"),
    ] {
        let r = web.get(app.url(&path)).send().await.expect("page");
        assert_eq!(r.status(), 200, "{path}");
        let html = r.text().await.expect("html");
        assert!(html.contains("Networks"), "{path}: the IT subnav");
    }
    let asset_page = web
        .get(app.url(&format!("/it/assets/{server_id}")))
        .send()
        .await
        .expect("asset page")
        .text()
        .await
        .expect("html");
    assert!(
        asset_page.contains("192.168.1.10"),
        "the asset lists its address"
    );
    // A form with bad input answers 422 naming the field, nothing given.
    let r = web
        .post(app.url(&format!("/it/networks/{lan_id}/addresses")))
        .form(&[("hostname", "pc"), ("address", "10.9.9.9")])
        .send()
        .await
        .expect("form");
    assert_eq!(r.status(), 422);
    let v: Value = body(
        ivy.get(app.url("/api/v1/it/changes?status=approved"))
            .send()
            .await
            .expect("filter"),
    )
    .await;
    assert_eq!(v["total"], 1);
});
