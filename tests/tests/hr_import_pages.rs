//! The employee import page through HTTP on both databases: the form and its template, a
//! CSV dry run that writes nothing, a file with bad rows (every problem by line and column,
//! nothing written), the real import, an XLSX upload, a file over the size limit, and
//! people who may not import (403, and no link to the page).
use reqwest::multipart::{Form, Part};
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

const GOOD: &str = "employee_number,legal_name,start_date,manager_number,fte\n\
K1,Kim Keller,2024-01-01,,1\n\
K2,Kai Keller,2024-02-01,K1,0.5\n";

/// Line 3: no legal name and a bad FTE; line 4: a bad date; line 2 is fine.
const BAD: &str = "employee_number,legal_name,start_date,fte\n\
B1,Bea Bauer,2024-01-01,1\n\
B2,,2024-01-01,2\n\
B3,Bo Bauer,not-a-date,0.5\n";

fn upload(name: &str, bytes: Vec<u8>, mode: &str) -> Form {
    Form::new()
        .part("file", Part::bytes(bytes).file_name(name.to_string()))
        .text("mode", mode.to_string())
}

async fn post(c: &reqwest::Client, app: &TestApp, form: Form) -> (u16, String) {
    let r = c
        .post(app.url("/hr/employees/import"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = r.status().as_u16();
    (status, r.text().await.expect("text"))
}

async fn get(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.expect("get");
    let status = r.status().as_u16();
    (status, r.text().await.expect("text"))
}

/// How many employees the API lists for a search.
async fn total(api: &reqwest::Client, app: &TestApp, q: &str) -> i64 {
    let r = api
        .get(app.url(&format!("/api/v1/hr/employees?q={q}")))
        .send()
        .await
        .expect("list");
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.expect("json");
    v["total"].as_i64().expect("total")
}

/// A problem row of the answer's table.
fn problem(line: usize, column: &str) -> String {
    format!("<td class=\"num\">{line}</td><td><code>{column}</code></td>")
}

both_databases!(import_page_checks_then_imports, |db| async move {
    let app = spawn_app(db).await;
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let api = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);

    // The link beside "Hire", the form with its columns, the template.
    let (s, html) = get(&admin, &app, "/hr/employees").await;
    assert_eq!(s, 200);
    assert!(html.contains("href=\"/hr/employees/import\""), "{html}");
    let (s, html) = get(&admin, &app, "/hr/employees/import").await;
    assert_eq!(s, 200);
    for want in [
        "Check only (dry run)",
        ">Import</button>",
        "<label for=\"file\">",
        "<code>manager_number</code>",
        "/hr/employees/import/template.csv",
    ] {
        assert!(html.contains(want), "{want} on the form");
    }
    let r = admin
        .get(app.url("/hr/employees/import/template.csv"))
        .send()
        .await
        .expect("template");
    assert_eq!(r.status(), 200);
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(ct.starts_with("text/csv"), "{ct}");
    let template = r.bytes().await.expect("bytes").to_vec();
    let text = String::from_utf8_lossy(&template).to_string();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.starts_with("employee_number,legal_name,")),
        "{text}"
    );
    assert!(
        lines.next().is_some_and(|r| r.starts_with("E0001,")),
        "{text}"
    );
    assert_eq!(lines.next(), None, "a header and one example row: {text}");
    // The template as it is passes a dry run.
    let (s, html) = post(&admin, &app, upload("template.csv", template, "dry_run")).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("all 1 row is valid"), "{html}");
    assert_eq!(total(&api, &app, "E0001").await, 0);

    // A dry run: every row valid, nothing written, the import offered.
    let (s, html) = post(&admin, &app, upload("people.csv", GOOD.into(), "dry_run")).await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("Dry run of people.csv: all 2 rows are valid"),
        "{html}"
    );
    assert!(html.contains("<dt>Rows read</dt><dd>2</dd>"), "{html}");
    assert!(html.contains("Import now"), "{html}");
    assert!(html.contains("name=\"mode\" value=\"import\""), "{html}");
    assert_eq!(
        total(&api, &app, "keller").await,
        0,
        "a dry run writes nothing"
    );

    // Bad rows, even asked to import: every problem by line and column, nothing written.
    let (s, html) = post(&admin, &app, upload("bad.csv", BAD.into(), "import")).await;
    assert_eq!(s, 422, "{html}");
    assert!(
        html.contains("3 problems in bad.csv: nothing was written"),
        "{html}"
    );
    for (line, column) in [(3, "legal_name"), (3, "fte"), (4, "start_date")] {
        assert!(
            html.contains(&problem(line, column)),
            "line {line} column {column}: {html}"
        );
    }
    assert!(
        !html.contains("<td class=\"num\">2</td>"),
        "line 2 is fine: {html}"
    );
    assert!(!html.contains("Import now"));
    assert_eq!(total(&api, &app, "bauer").await, 0, "nothing was written");

    // The real import.
    let (s, html) = post(&admin, &app, upload("people.csv", GOOD.into(), "import")).await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("Imported 2 employees from people.csv"),
        "{html}"
    );
    assert_eq!(total(&api, &app, "keller").await, 2);
    let r = api
        .get(app.url("/api/v1/hr/employees?q=kai"))
        .send()
        .await
        .expect("list");
    let v: serde_json::Value = r.json().await.expect("json");
    assert_eq!(v["items"][0]["manager"]["name"], "Kim Keller");
    // Again: the numbers exist now.
    let (s, html) = post(&admin, &app, upload("people.csv", GOOD.into(), "import")).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("an employee with this number exists"),
        "{html}"
    );
    assert_eq!(total(&api, &app, "keller").await, 2);

    // An XLSX file, written by the same writer as the exports.
    let xlsx = steward_io::write_xlsx(
        "people",
        &["employee_number", "legal_name", "start_date", "position"],
        vec![
            vec![
                "X1".to_string(),
                "Xena Xu".to_string(),
                "2024-03-01".to_string(),
                "Analyst".to_string(),
            ],
            vec![
                "X2".to_string(),
                "Xavier Xu".to_string(),
                "2024-03-02".to_string(),
                "Analyst".to_string(),
            ],
        ],
    )
    .expect("xlsx");
    let (s, html) = post(&admin, &app, upload("people.xlsx", xlsx.clone(), "dry_run")).await;
    assert_eq!(s, 200, "{html}");
    assert_eq!(total(&api, &app, "xu").await, 0);
    let (s, html) = post(&admin, &app, upload("people.xlsx", xlsx, "import")).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("Imported 2 employees"), "{html}");
    assert_eq!(total(&api, &app, "xu").await, 2);

    // No file, and a file that is not what it says.
    let (s, html) = post(&admin, &app, Form::new().text("mode", "import")).await;
    assert_eq!(s, 422);
    assert!(html.contains("role=\"alert\""), "{html}");
    let (s, html) = post(
        &admin,
        &app,
        upload("people.xlsx", b"not,a,workbook\n".to_vec(), "import"),
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("is not a valid XLSX file"), "{html}");

    // Over the size limit: a page that says so, nothing written.
    let big = vec![b'x'; steward_web::IMPORT_BODY_LIMIT + 1];
    let (s, html) = post(&admin, &app, upload("huge.csv", big, "import")).await;
    assert_eq!(s, 413);
    assert!(html.contains("too large"), "{html}");
    assert!(html.contains("50 MB"), "{html}");
    assert_eq!(total(&api, &app, "").await, 4);
});

both_databases!(only_hr_may_import, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
    add_user(&app.store, app.company, "aud", PASSWORD, &["auditor"]).await;
    add_user(&app.store, app.company, "hr", PASSWORD, &["hr_lead"]).await;
    for user in ["emp", "aud"] {
        let c = app.signed_in(user, PASSWORD).await;
        let (s, html) = get(&c, &app, "/hr/employees").await;
        assert_eq!(s, 200, "{user}");
        assert!(
            !html.contains("href=\"/hr/employees/import\""),
            "{user} is not offered the import"
        );
        let (s, _) = get(&c, &app, "/hr/employees/import").await;
        assert_eq!(s, 403, "{user}");
        let (s, _) = get(&c, &app, "/hr/employees/import/template.csv").await;
        assert_eq!(s, 403, "{user}");
        let (s, html) = post(&c, &app, upload("people.csv", GOOD.into(), "import")).await;
        assert_eq!(s, 403, "{user}");
        assert!(html.contains("not allowed"), "{html}");
    }
    let api = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    assert_eq!(total(&api, &app, "keller").await, 0);
    // The HR lead may.
    let hr = app.signed_in("hr", PASSWORD).await;
    let (_, html) = get(&hr, &app, "/hr/employees").await;
    assert!(html.contains("href=\"/hr/employees/import\""));
    let (s, html) = post(&hr, &app, upload("people.csv", GOOD.into(), "import")).await;
    assert_eq!(s, 200, "{html}");
    assert_eq!(total(&api, &app, "keller").await, 2);
});
