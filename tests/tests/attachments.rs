//! Attachments on tasks and cases through the API and the pages, on both databases:
//! upload (multipart), list, download (bytes equal, stored type, `attachment`, `nosniff`),
//! a wrong content type refused naming the field, someone who does not see the record and
//! another company get 404, the front office attaches to its own case, removal is soft
//! and audited.
use serde_json::{json, Value};
use steward_e2e::*;

const PW: &str = "a long enough test passphrase";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn upload(name: &str, bytes: &[u8]) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
    )
}

both_databases!(task_attachments_round_trip, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "alice", PW, &["employee"]).await;
    add_user(&app.store, app.company, "bob", PW, &["employee"]).await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let alice = app.api(&app.token("alice", PW, false).await);
    let bob = app.api(&app.token("bob", PW, false).await);
    let (_, me) = send(alice.get(app.url("/api/v1/me"))).await;
    let alice_id = me["id"]
        .as_i64()
        .or(me["user"]["id"].as_i64())
        .expect("alice id");

    let (st, task) = send(admin.post(app.url("/api/v1/tasks")).json(&json!({
        "title": "Sign the lease", "assignee_id": alice_id})))
    .await;
    assert_eq!(st, 201, "{task}");
    let id = task["id"].as_i64().expect("id");
    let url = app.url(&format!("/api/v1/tasks/{id}/attachments"));

    // Upload by the assignee.
    let (st, a) = send(alice.post(&url).multipart(upload("lease.pdf", PDF))).await;
    assert_eq!(st, 201, "{a}");
    assert_eq!(a["content_type"], "application/pdf");
    assert_eq!(a["name"], "lease.pdf");
    assert_eq!(a["record"], format!("task:{id}"));
    let aid = a["id"].as_i64().expect("attachment id");

    // An executable renamed .pdf is refused, naming the field.
    let (st, p) = send(
        alice
            .post(&url)
            .multipart(upload("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00")),
    )
    .await;
    assert_eq!(st, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "file", "{p}");
    // No file at all.
    let (st, p) = send(
        alice
            .post(&url)
            .multipart(reqwest::multipart::Form::new().text("x", "y")),
    )
    .await;
    assert_eq!(st, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "file", "{p}");

    // Listed and downloaded by the owner: the same bytes, as an attachment.
    let (st, list) = send(admin.get(&url)).await;
    assert_eq!(st, 200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let r = admin
        .get(app.url(&format!("/api/v1/attachments/{aid}/download")))
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["content-disposition"]
        .to_str()
        .expect("cd")
        .starts_with("attachment; filename=\"lease.pdf\""));
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), PDF);

    // Bob does not see the task, so neither its attachments.
    assert_eq!(send(bob.get(&url)).await.0, 404);
    assert_eq!(
        send(bob.get(app.url(&format!("/api/v1/attachments/{aid}/download"))))
            .await
            .0,
        404
    );
    assert_eq!(
        send(bob.post(&url).multipart(upload("a.txt", b"hi")))
            .await
            .0,
        404
    );

    // Another company: 404.
    let other = steward_core::company::create_company(&app.store, "test", "Other", "EUR")
        .await
        .expect("company");
    add_user(&app.store, other, "admin-o", PW, &["admin"]).await;
    let admin_o = app.api(&app.token("admin-o", PW, false).await);
    assert_eq!(
        send(admin_o.get(app.url(&format!("/api/v1/attachments/{aid}"))))
            .await
            .0,
        404
    );
    assert_eq!(
        send(admin_o.get(app.url(&format!("/api/v1/attachments/{aid}/download"))))
            .await
            .0,
        404
    );
    assert_eq!(send(admin_o.get(&url)).await.0, 404);

    // The page shows it, with a download link; the page upload works too.
    let page = app.signed_in("alice", PW).await;
    let html = page
        .get(app.url(&format!("/tasks/{id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("lease.pdf") && html.contains(&format!("/attachments/{aid}/download")),
        "{html}"
    );
    let r = page
        .post(app.url(&format!("/tasks/{id}/attachments")))
        .multipart(upload("notes.txt", b"Keys are with the porter.\n"))
        .send()
        .await
        .expect("page upload");
    assert_eq!(r.status(), 303);
    let r = page
        .get(app.url(&format!("/attachments/{aid}/download")))
        .send()
        .await
        .expect("page download");
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), PDF);
    let (_, list) = send(admin.get(&url)).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(list["items"][1]["content_type"], "text/plain");

    // Removal: soft, audited; then gone from the list.
    let (st, _) = send(alice.delete(app.url(&format!("/api/v1/attachments/{aid}")))).await;
    assert_eq!(st, 200);
    assert_eq!(
        send(alice.delete(app.url(&format!("/api/v1/attachments/{aid}"))))
            .await
            .0,
        404
    );
    let (_, list) = send(admin.get(&url)).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let (_, audit) = send(admin.get(app.url("/api/v1/audit?entity=attachment"))).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .expect("audit items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "create").count(),
        2,
        "{audit}"
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "delete").count(),
        1,
        "{audit}"
    );
});

both_databases!(case_attachments_for_the_front_office, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "fo", PW, &["front_office"]).await;
    add_user(&app.store, app.company, "fo2", PW, &["front_office"]).await;
    add_user(&app.store, app.company, "lead", PW, &["it_lead"]).await;
    let fo = app.api(&app.token("fo", PW, false).await);
    let fo2 = app.api(&app.token("fo2", PW, false).await);
    let lead = app.api(&app.token("lead", PW, false).await);
    let (st, c) = send(fo.post(app.url("/api/v1/cases")).json(&json!({
        "customer_name": "Dana Customer", "customer_email": "dana@customer.example",
        "subject": "Broken delivery", "description": "See the photo.",
        "category": "billing", "priority": "high"})))
    .await;
    assert_eq!(st, 201, "{c}");
    let id = c["id"].as_i64().expect("id");
    let url = app.url(&format!("/api/v1/cases/{id}/attachments"));
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
    let (st, a) = send(fo.post(&url).multipart(upload("photo.png", png))).await;
    assert_eq!(st, 201, "{a}");
    assert_eq!(a["content_type"], "image/png");
    // The back office sees and adds; another front-office user does not see the case.
    let (st, list) = send(lead.get(&url)).await;
    assert_eq!(st, 200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let (st, _) = send(
        lead.post(&url)
            .multipart(upload("reply.csv", b"item,qty\nvase,1\n")),
    )
    .await;
    assert_eq!(st, 201);
    let (_, list) = send(fo.get(&url)).await;
    assert_eq!(
        list["items"].as_array().map(Vec::len),
        Some(2),
        "the front office sees all attachments of its case"
    );
    assert_eq!(list["items"][1]["content_type"], "text/csv");
    assert_eq!(send(fo2.get(&url)).await.0, 404);
    // The front office may not remove the back office's file.
    let other = list["items"][1]["id"].as_i64().expect("id");
    assert_eq!(
        send(fo.delete(app.url(&format!("/api/v1/attachments/{other}"))))
            .await
            .0,
        403
    );
});
