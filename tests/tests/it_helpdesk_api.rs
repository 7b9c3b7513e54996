//! The IT helpdesk through the API and the pages, on both databases: an employee raises a
//! ticket (bad input is 422 naming the field, nothing written), sees only their own tickets
//! and never an internal note (API and page); another company's ticket is 404; the
//! technician's queue; waiting on the requester pauses the SLA; the SLA job marks a breach
//! once; rating, the knowledge base, the report (JSON and CSV) and the pages render.
use serde_json::{json, Value};
use steward_core::it::helpdesk_sla;
use steward_core::time::Timestamp;
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

async fn post(c: &reqwest::Client, url: String, body: Value, status: u16) -> Value {
    body_with(c.post(url).json(&body).send().await.expect("post"), status).await
}

async fn get(c: &reqwest::Client, url: String, status: u16) -> Value {
    body_with(c.get(url).send().await.expect("get"), status).await
}

both_databases!(employees_see_own_tickets_never_notes, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "ivy", PASSWORD, &["it_lead"]).await;
    add_user(
        &app.store,
        app.company,
        "tess",
        PASSWORD,
        &["it_technician"],
    )
    .await;
    add_user(&app.store, app.company, "ann", PASSWORD, &["employee"]).await;
    add_user(&app.store, app.company, "bob", PASSWORD, &["employee"]).await;
    let ivy = app.api(&app.token("ivy", PASSWORD, false).await);
    let tess = app.api(&app.token("tess", PASSWORD, false).await);
    let ann = app.api(&app.token("ann", PASSWORD, false).await);
    let bob = app.api(&app.token("bob", PASSWORD, false).await);

    let cat = post(
        &ivy,
        app.url("/api/v1/it/ticket-categories"),
        json!({"name": "Hardware"}),
        201,
    )
    .await;
    // Employees read categories but do not make them.
    post(
        &ann,
        app.url("/api/v1/it/ticket-categories"),
        json!({"name": "X"}),
        403,
    )
    .await;
    let cats = get(&ann, app.url("/api/v1/it/ticket-categories"), 200).await;
    assert_eq!(cats.as_array().map(Vec::len), Some(1));

    // Bad input names the field; nothing is written.
    let bad = post(
        &ann,
        app.url("/api/v1/it/tickets"),
        json!({"subject": "Screen", "urgency": "urgent", "category_id": 999_999}),
        422,
    )
    .await;
    assert_eq!(fields(&bad), ["urgency", "category_id"], "{bad}");
    let none = get(&ann, app.url("/api/v1/it/tickets"), 200).await;
    assert_eq!(none["total"], 0);

    let t = post(
        &ann,
        app.url("/api/v1/it/tickets"),
        json!({"subject": "Screen flickers", "description": "Since Monday.", "category_id": cat["id"],
               "urgency": "high", "impact": "medium"}),
        201,
    )
    .await;
    assert_eq!(t["priority"], "p2");
    assert_eq!(t["status"], "new");
    assert_eq!(t["sla_state"], "on_track");
    let id = t["id"].as_i64().expect("id");
    post(
        &bob,
        app.url("/api/v1/it/tickets"),
        json!({"subject": "Bob's mouse"}),
        201,
    )
    .await;

    // Ann sees only hers, even asking for all; Bob's ticket is 404 to her.
    let mine = get(&ann, app.url("/api/v1/it/tickets?view=all"), 200).await;
    assert_eq!(mine["total"], 1);
    let bobs = get(&bob, app.url("/api/v1/it/tickets"), 200).await["items"][0]["id"]
        .as_i64()
        .expect("bob");
    get(&ann, app.url(&format!("/api/v1/it/tickets/{bobs}")), 404).await;

    // The technician notes internally and replies in public.
    post(
        &tess,
        app.url(&format!("/api/v1/it/tickets/{id}/notes")),
        json!({"body": "SECRET-NOTE: cable is probably loose"}),
        200,
    )
    .await;
    post(
        &ann,
        app.url(&format!("/api/v1/it/tickets/{id}/notes")),
        json!({"body": "x"}),
        403,
    )
    .await;
    let replied = post(
        &tess,
        app.url(&format!("/api/v1/it/tickets/{id}/replies")),
        json!({"body": "Can you send a photo?"}),
        200,
    )
    .await;
    assert!(replied["first_response_at"].is_string());
    let empty = post(
        &tess,
        app.url(&format!("/api/v1/it/tickets/{id}/replies")),
        json!({"body": "  "}),
        422,
    )
    .await;
    assert_eq!(fields(&empty), ["body"]);
    let seen = get(
        &ann,
        app.url(&format!("/api/v1/it/tickets/{id}/messages")),
        200,
    )
    .await;
    let text = seen.to_string();
    assert!(text.contains("Can you send a photo?"));
    assert!(!text.contains("SECRET-NOTE"), "{text}");
    let all = get(
        &tess,
        app.url(&format!("/api/v1/it/tickets/{id}/messages")),
        200,
    )
    .await;
    assert!(all.to_string().contains("SECRET-NOTE"));
    // Nor on the page.
    let page = app.signed_in("ann", PASSWORD).await;
    let html = page
        .get(app.url(&format!("/it/tickets/{id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("Can you send a photo?"));
    assert!(!html.contains("SECRET-NOTE"));
    let staff_page = app.signed_in("tess", PASSWORD).await;
    let html = staff_page
        .get(app.url(&format!("/it/tickets/{id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("SECRET-NOTE"));

    // Another company's admin gets 404.
    let other = steward_core::company::create_company(&app.store, "test", "Other", "EUR")
        .await
        .expect("company");
    add_user(&app.store, other, "admin-o", PASSWORD, &["admin"]).await;
    let admin_o = app.api(&app.token("admin-o", PASSWORD, false).await);
    get(&admin_o, app.url(&format!("/api/v1/it/tickets/{id}")), 404).await;
    post(
        &admin_o,
        app.url(&format!("/api/v1/it/tickets/{id}/replies")),
        json!({"body": "hi"}),
        404,
    )
    .await;

    // Waiting on the requester pauses the SLA; her answer resumes it.
    let waiting = post(
        &tess,
        app.url(&format!("/api/v1/it/tickets/{id}/status")),
        json!({"status": "waiting_on_requester"}),
        200,
    )
    .await;
    assert_eq!(waiting["sla_state"], "paused");
    let bad_status = post(
        &tess,
        app.url(&format!("/api/v1/it/tickets/{id}/status")),
        json!({"status": "done"}),
        422,
    )
    .await;
    assert_eq!(fields(&bad_status), ["status"]);
    let later = Timestamp(Timestamp::now().0 + 60 * 24 * 3600 * 1_000_000);
    let r = helpdesk_sla::run(&app.store, later).await.expect("run");
    let paused = get(&tess, app.url(&format!("/api/v1/it/tickets/{id}")), 200).await;
    assert_eq!(paused["sla_state"], "paused");
    assert_eq!(paused["resolution_breached"], false);
    let again = helpdesk_sla::run(&app.store, later).await.expect("again");
    assert_eq!(again.breaches, 0, "breach marked once per ticket");
    let resumed = post(
        &ann,
        app.url(&format!("/api/v1/it/tickets/{id}/replies")),
        json!({"body": "Photo attached."}),
        200,
    )
    .await;
    assert_eq!(resumed["status"], "in_progress");

    // Bob's ticket (never answered) breached in that run: marked once.
    assert!(r.breaches >= 2, "{r:?}");
    let b = get(&tess, app.url(&format!("/api/v1/it/tickets/{bobs}")), 200).await;
    assert_eq!(b["sla_state"], "breached");
    assert_eq!(b["response_breached"], true);
    let breached = get(&tess, app.url("/api/v1/it/tickets?sla=breached"), 200).await;
    assert_eq!(breached["total"], 1);

    // Queue: assign Bob's to Tess; it is in her queue, not unassigned.
    post(
        &tess,
        app.url(&format!("/api/v1/it/tickets/{bobs}/assign")),
        json!({"assignee_id": null}),
        200,
    )
    .await;
    let techs = get(&tess, app.url("/api/v1/it/technicians"), 200).await;
    let tess_id = techs
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|x| x["name"].as_str().is_some_and(|n| n.contains("tess")))
        })
        .map(|x| x["id"].clone())
        .expect("tess listed");
    post(
        &tess,
        app.url(&format!("/api/v1/it/tickets/{bobs}/assign")),
        json!({"assignee_id": tess_id}),
        200,
    )
    .await;
    let queue = get(&tess, app.url("/api/v1/it/tickets?view=queue"), 200).await;
    assert_eq!(queue["total"], 1);
    let unassigned = get(&tess, app.url("/api/v1/it/tickets?view=unassigned"), 200).await;
    assert_eq!(unassigned["total"], 1);
    get(&tess, app.url("/api/v1/it/tickets?view=elsewhere"), 422).await;

    // Resolve, rate, and the report.
    post(
        &tess,
        app.url(&format!("/api/v1/it/tickets/{id}/status")),
        json!({"status": "resolved"}),
        200,
    )
    .await;
    let bad_rate = post(
        &ann,
        app.url(&format!("/api/v1/it/tickets/{id}/rating")),
        json!({"rating": 9}),
        422,
    )
    .await;
    assert_eq!(fields(&bad_rate), ["rating"]);
    let rated = post(
        &ann,
        app.url(&format!("/api/v1/it/tickets/{id}/rating")),
        json!({"rating": 5, "comment": "Thanks"}),
        200,
    )
    .await;
    assert_eq!(rated["rating"], 5);
    let report = get(
        &tess,
        app.url("/api/v1/it/helpdesk/report?period=month"),
        200,
    )
    .await;
    assert_eq!(report["total"]["tickets"], 2);
    get(&ann, app.url("/api/v1/it/helpdesk/report"), 403).await;
    let csv = tess
        .get(app.url("/api/v1/it/helpdesk/report?format=csv"))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(csv.starts_with("section,label,tickets"), "{csv}");

    // The knowledge base: staff write, employees read published articles.
    let k = post(
        &tess,
        app.url("/api/v1/it/kb"),
        json!({"title": "Monitor cables", "body": "Check **both** ends.", "published": true}),
        201,
    )
    .await;
    post(
        &ann,
        app.url("/api/v1/it/kb"),
        json!({"title": "x", "body": "y"}),
        403,
    )
    .await;
    let found = get(&ann, app.url("/api/v1/it/kb?q=cables"), 200).await;
    assert_eq!(found.as_array().map(Vec::len), Some(1));
    post(
        &tess,
        app.url(&format!("/api/v1/it/tickets/{id}/articles")),
        json!({"article_id": k["id"]}),
        200,
    )
    .await;
    let links = get(
        &ann,
        app.url(&format!("/api/v1/it/tickets/{id}/links")),
        200,
    )
    .await;
    assert_eq!(links["articles"][0]["title"], "Monitor cables");

    // The pages render.
    for path in [
        "/it/tickets",
        "/it/tickets?view=queue",
        "/it/kb",
        &format!("/it/kb/{}", k["id"]),
        "/it/helpdesk/report",
    ] {
        let r = staff_page.get(app.url(path)).send().await.expect("page");
        assert_eq!(r.status(), 200, "{path}");
    }
    let r = page.get(app.url("/it/tickets")).send().await.expect("page");
    assert_eq!(r.status(), 200);
    // The page form raises a ticket; a missing subject is shown beside its field.
    let r = page
        .post(app.url("/it/tickets"))
        .form(&[("subject", ""), ("urgency", "low"), ("impact", "low")])
        .send()
        .await
        .expect("form");
    assert_eq!(r.status(), 422);
    let r = page
        .post(app.url("/it/tickets"))
        .form(&[
            ("subject", "Keyboard"),
            ("urgency", "low"),
            ("impact", "low"),
        ])
        .send()
        .await
        .expect("form");
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
});

both_databases!(employees_link_only_their_assets, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "ivy", PASSWORD, &["it_lead"]).await;
    add_user(&app.store, app.company, "ann", PASSWORD, &["employee"]).await;
    let ivy = app.api(&app.token("ivy", PASSWORD, false).await);
    let ann = app.api(&app.token("ann", PASSWORD, false).await);
    let cat = post(
        &ivy,
        app.url("/api/v1/it/categories"),
        json!({"name": "Laptops"}),
        201,
    )
    .await;
    let model = post(
        &ivy,
        app.url("/api/v1/it/models"),
        json!({"name": "T14", "category_id": cat["id"], "depreciation": "none"}),
        201,
    )
    .await;
    let asset = post(
        &ivy,
        app.url("/api/v1/it/assets"),
        json!({"model_id": model["id"]}),
        201,
    )
    .await;
    let bad = post(
        &ann,
        app.url("/api/v1/it/tickets"),
        json!({"subject": "Broken", "asset_ids": [asset["id"]]}),
        422,
    )
    .await;
    assert_eq!(fields(&bad), ["assets"], "{bad}");
    // IT's staff may link any of the company's assets.
    let t = post(
        &ivy,
        app.url("/api/v1/it/tickets"),
        json!({"subject": "Broken", "asset_ids": [asset["id"]]}),
        201,
    )
    .await;
    let links = get(
        &ivy,
        app.url(&format!("/api/v1/it/tickets/{}/links", t["id"])),
        200,
    )
    .await;
    assert_eq!(links["assets"][0]["id"], asset["id"]);
});

both_databases!(leads_keep_the_settings_on_their_page, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "ivy", PASSWORD, &["it_lead"]).await;
    let tess_id = add_user(
        &app.store,
        app.company,
        "tess",
        PASSWORD,
        &["it_technician"],
    )
    .await
    .0
    .to_string();
    add_user(&app.store, app.company, "ann", PASSWORD, &["employee"]).await;
    let ivy_api = app.api(&app.token("ivy", PASSWORD, false).await);
    let ivy = app.signed_in("ivy", PASSWORD).await;
    let tess = app.signed_in("tess", PASSWORD).await;
    let ann = app.signed_in("ann", PASSWORD).await;
    let page = |c: &reqwest::Client, path: &str| {
        let r = c.get(app.url(path)).send();
        async move {
            let r = r.await.expect("get");
            (r.status().as_u16(), r.text().await.expect("text"))
        }
    };
    let form = |c: &reqwest::Client, path: &str, fields: Vec<(String, String)>| {
        let r = c.post(app.url(path)).form(&fields).send();
        async move {
            let r = r.await.expect("post");
            (r.status().as_u16(), r.text().await.expect("text"))
        }
    };
    let owned = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    const SETTINGS: &str = "/it/helpdesk/settings";
    let (s, html) = page(&ivy, SETTINGS).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("id=\"sla-form\"") && html.contains("id=\"add-group\""));
    // A technician reads them without the forms; an employee does not see them.
    let (s, html) = page(&tess, SETTINGS).await;
    assert_eq!(s, 200);
    assert!(!html.contains("id=\"sla-form\"") && !html.contains("id=\"add-category\""));
    assert_eq!(page(&ann, SETTINGS).await.0, 403);
    let (s, _) = form(
        &tess,
        "/it/helpdesk/settings/categories",
        owned(&[("name", "X")]),
    )
    .await;
    assert_eq!(s, 403);

    // Service levels: each bad field is named beside itself, nothing saved.
    let before = get(&ivy_api, app.url("/api/v1/it/helpdesk/sla"), 200).await;
    let mut sla: Vec<(String, String)> = Vec::new();
    for (p, fr, res) in [
        ("p1", "15", "120"),
        ("p2", "60", "30"),
        ("p3", "x", "960"),
        ("p4", "480", "2400"),
    ] {
        sla.push((format!("{p}.first_response"), fr.into()));
        sla.push((format!("{p}.resolution"), res.into()));
    }
    sla.push(("warn_percent".into(), "80".into()));
    let (s, html) = form(&ivy, "/it/helpdesk/settings/sla", sla.clone()).await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("id=\"p3-fr-err\""), "{html}");
    assert!(html.contains("value=\"x\""), "what was typed is shown back");
    sla[4].1 = "45".into();
    let (s, html) = form(&ivy, "/it/helpdesk/settings/sla", sla.clone()).await;
    assert_eq!(s, 422, "{html}");
    assert!(
        html.contains("id=\"p2-res-err\"")
            && html.contains("must not be shorter than the first response"),
        "{html}"
    );
    assert_eq!(
        get(&ivy_api, app.url("/api/v1/it/helpdesk/sla"), 200).await,
        before,
        "nothing saved"
    );
    sla[3].1 = "240".into();
    let (s, html) = form(&ivy, "/it/helpdesk/settings/sla", sla).await;
    assert_eq!(s, 303, "{html}");
    let after = get(&ivy_api, app.url("/api/v1/it/helpdesk/sla"), 200).await;
    assert_eq!(after["warn_percent"], 80, "{after}");
    let p1 = after["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|t| t["priority"] == "p1")
        .cloned()
        .expect("p1");
    assert_eq!(p1["first_response_minutes"], 15, "{after}");
    assert_eq!(p1["resolution_minutes"], 120, "{after}");

    // A category: a blank name is named; then added and renamed.
    let (s, html) = form(
        &ivy,
        "/it/helpdesk/settings/categories",
        owned(&[("name", " ")]),
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("id=\"category-name-err\""), "{html}");
    let (s, _) = form(
        &ivy,
        "/it/helpdesk/settings/categories",
        owned(&[("name", "Printers")]),
    )
    .await;
    assert_eq!(s, 303);
    let cats = get(&ivy_api, app.url("/api/v1/it/ticket-categories"), 200).await;
    let id = cats[0]["id"].clone();
    let (s, _) = form(
        &ivy,
        &format!("/it/helpdesk/settings/categories/{id}"),
        owned(&[("name", "Printers and scanners"), ("version", "1")]),
    )
    .await;
    assert_eq!(s, 303);
    let cats = get(&ivy_api, app.url("/api/v1/it/ticket-categories"), 200).await;
    assert_eq!(cats[0]["name"], "Printers and scanners");

    // A group of technicians; someone who is not one is refused by name.
    let (s, html) = form(
        &ivy,
        "/it/helpdesk/settings/groups",
        owned(&[("name", "Field"), ("member_id", "999999")]),
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("is not an IT technician"), "{html}");
    let (s, _) = form(
        &ivy,
        "/it/helpdesk/settings/groups",
        owned(&[("name", "Field"), ("member_id", &tess_id)]),
    )
    .await;
    assert_eq!(s, 303);
    let groups = get(&ivy_api, app.url("/api/v1/it/ticket-groups"), 200).await;
    assert_eq!(groups[0]["name"], "Field", "{groups}");
    assert_eq!(
        groups[0]["members"].as_array().map(Vec::len),
        Some(1),
        "{groups}"
    );
    let (_, html) = page(&ivy, SETTINGS).await;
    assert!(html.contains("Printers and scanners") && html.contains("<strong>Field</strong>"));
});
