//! Employee documents and certifications through the API on both databases: HR uploads
//! (content checked, the field named), the employee lists and downloads their own (bytes
//! equal), a colleague and another company do not see them, every view and download is in
//! the audit trail, certifications per employee and the company list (with CSV export).
use chrono::{Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use steward_e2e::*;
use steward_store::hr::SeedEmployee;

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

fn form(
    name: &str,
    bytes: &[u8],
    category: &str,
    title: &str,
    expires: &str,
) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("category", category.to_string())
        .text("title", title.to_string())
        .text("expires", expires.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        )
}

both_databases!(
    documents_are_personal_and_every_read_is_logged,
    |db| async move {
        let app = spawn_app(db).await;
        let tom_u = add_user(&app.store, app.company, "tom", PW, &["employee"]).await;
        let eve_u = add_user(&app.store, app.company, "eve", PW, &["employee"]).await;
        add_user(&app.store, app.company, "clerk", PW, &["hr_lead"]).await;
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
        let tom = app
            .store
            .seed_employee(
                app.company,
                &SeedEmployee {
                    user_id: Some(tom_u),
                    ..SeedEmployee::new("E1", "Tom Tiller", start)
                },
            )
            .await
            .expect("tom");
        app.store
            .seed_employee(
                app.company,
                &SeedEmployee {
                    user_id: Some(eve_u),
                    ..SeedEmployee::new("E2", "Eve Else", start)
                },
            )
            .await
            .expect("eve");
        let hr = app.api(&app.token("clerk", PW, false).await);
        let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
        let tom_c = app.api(&app.token("tom", PW, false).await);
        let eve_c = app.api(&app.token("eve", PW, false).await);
        let docs = app.url(&format!("/api/v1/hr/employees/{}/documents", tom.0));
        let soon = (Utc::now().date_naive() + Duration::days(12)).to_string();

        // Wrong content: 422 naming the field; bad fields named too.
        let (st, p) = send(hr.post(&docs).multipart(form(
            "contract.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00",
            "contract",
            "Contract",
            "",
        )))
        .await;
        assert_eq!(st, 422, "{p}");
        assert!(
            p["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .any(|e| e["field"] == "file"),
            "{p}"
        );
        let (st, p) = send(
            hr.post(&docs)
                .multipart(form("c.pdf", PDF, "passport", "", "")),
        )
        .await;
        assert_eq!(st, 422, "{p}");
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(fields, ["category", "title"], "{p}");
        // An unknown form field is refused.
        let (st, p) = send(
            hr.post(&docs)
                .multipart(form("c.pdf", PDF, "contract", "Contract", "").text("salary", "1")),
        )
        .await;
        assert_eq!(st, 422, "{p}");
        assert_eq!(p["errors"][0]["field"], "salary");

        let (st, d) = send(hr.post(&docs).multipart(form(
            "licence.pdf",
            PDF,
            "licence",
            "Forklift licence",
            &soon,
        )))
        .await;
        assert_eq!(st, 201, "{d}");
        assert_eq!(d["content_type"], "application/pdf");
        assert_eq!(d["state"], "soon");
        let did = d["id"].as_i64().expect("id");
        // The employee may not upload.
        assert_eq!(
            send(
                tom_c
                    .post(&docs)
                    .multipart(form("a.pdf", PDF, "other", "Mine", ""))
            )
            .await
            .0,
            403
        );

        // Tom lists, reads and downloads his own.
        let (st, list) = send(tom_c.get(&docs)).await;
        assert_eq!(st, 200, "{list}");
        assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
        let (st, one) = send(tom_c.get(app.url(&format!("/api/v1/hr/documents/{did}")))).await;
        assert_eq!(st, 200);
        assert_eq!(one["title"], "Forklift licence");
        let r = tom_c
            .get(app.url(&format!("/api/v1/hr/documents/{did}/download")))
            .send()
            .await
            .expect("download");
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert!(r.headers()["content-disposition"]
            .to_str()
            .expect("cd")
            .starts_with("attachment"));
        assert_eq!(r.bytes().await.expect("bytes").as_ref(), PDF);

        // A colleague: the list is forbidden, the document not there.
        assert_eq!(send(eve_c.get(&docs)).await.0, 403);
        assert_eq!(
            send(eve_c.get(app.url(&format!("/api/v1/hr/documents/{did}"))))
                .await
                .0,
            404
        );
        assert_eq!(
            send(eve_c.get(app.url(&format!("/api/v1/hr/documents/{did}/download"))))
                .await
                .0,
            404
        );
        // Another company: 404 everywhere.
        let other = steward_core::company::create_company(&app.store, "test", "Other", "EUR")
            .await
            .expect("company");
        add_user(&app.store, other, "admin-o", PW, &["admin"]).await;
        let admin_o = app.api(&app.token("admin-o", PW, false).await);
        assert_eq!(send(admin_o.get(&docs)).await.0, 404);
        assert_eq!(
            send(admin_o.get(app.url(&format!("/api/v1/hr/documents/{did}"))))
                .await
                .0,
            404
        );
        assert_eq!(
            send(admin_o.get(app.url(&format!("/api/v1/hr/documents/{did}/download"))))
                .await
                .0,
            404
        );

        // The view and the download are in the audit trail, with who did them.
        let (_, audit) =
            send(admin.get(app.url("/api/v1/audit?entity=hr_document&limit=100"))).await;
        let items = audit["items"].as_array().expect("audit");
        let by = |action: &str| {
            items
                .iter()
                .filter(|e| e["action"] == action)
                .map(|e| e["actor"].as_str().unwrap_or("").to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(by("view"), ["tom"], "{audit}");
        assert_eq!(by("download"), ["tom"], "{audit}");
        assert_eq!(by("create"), ["clerk"], "{audit}");

        // Certifications: HR adds (errors name the field); Tom sees his; the company list.
        let certs = app.url(&format!("/api/v1/hr/employees/{}/certifications", tom.0));
        let (st, p) = send(
            hr.post(&certs)
                .json(&json!({"name": "", "expires": "soon"})),
        )
        .await;
        assert_eq!(st, 422, "{p}");
        let (st, p) = send(hr.post(&certs).json(&json!({"name": "x", "colour": "red"}))).await;
        assert_eq!(st, 422, "{p}");
        assert_eq!(p["errors"][0]["field"], "colour");
        let (st, c) = send(
            hr.post(&certs)
                .json(&json!({"name": "First aid", "issuer": "Red Cross",
        "issued": "2024-05-01", "expires": soon, "document_id": did})),
        )
        .await;
        assert_eq!(st, 201, "{c}");
        assert_eq!(c["state"], "soon");
        let (st, mine) = send(tom_c.get(&certs)).await;
        assert_eq!(st, 200);
        assert_eq!(mine["items"][0]["name"], "First aid");
        assert_eq!(send(eve_c.get(&certs)).await.0, 403);
        let (st, all) = send(hr.get(app.url("/api/v1/hr/certifications"))).await;
        assert_eq!(st, 200, "{all}");
        assert_eq!(all["total"], 1);
        assert_eq!(
            send(tom_c.get(app.url("/api/v1/hr/certifications")))
                .await
                .0,
            403
        );
        assert_eq!(
            send(hr.get(app.url("/api/v1/hr/certifications?window=someday")))
                .await
                .0,
            422
        );
        let r = hr
            .get(app.url("/api/v1/hr/certifications?format=csv"))
            .send()
            .await
            .expect("csv");
        assert_eq!(r.status(), 200);
        let csv = r.text().await.expect("csv text");
        assert!(csv.starts_with("id,employee_id,employee,name"), "{csv}");
        assert!(csv.contains("First aid"), "{csv}");

        // Removal by HR only.
        assert_eq!(
            send(tom_c.delete(app.url(&format!("/api/v1/hr/documents/{did}"))))
                .await
                .0,
            403
        );
        assert_eq!(
            send(hr.delete(app.url(&format!("/api/v1/hr/documents/{did}"))))
                .await
                .0,
            200
        );
        assert_eq!(
            send(tom_c.get(app.url(&format!("/api/v1/hr/documents/{did}"))))
                .await
                .0,
            404
        );
    }
);
