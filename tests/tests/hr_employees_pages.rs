//! The people pages through HTTP on both databases: HR hires through the form (errors
//! beside their fields, a custom field), the list (directory for everyone, job columns and
//! export for HR), an employee's page as of a day, the groups of fields each viewer gets,
//! custom fields, and another company's employee as 404.
use steward_core::company::create_company;
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

async fn get(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.expect("get");
    let status = r.status().as_u16();
    (status, r.text().await.expect("text"))
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

both_databases!(people_pages_work_end_to_end, |db| async move {
    let app = spawn_app(db).await;
    let emp_u = add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;

    // A custom field.
    let r = admin
        .post(app.url("/hr/fields"))
        .form(&[
            ("key", "shift"),
            ("label", "Shift pattern"),
            ("kind", "choice"),
            ("choices", "early, late"),
        ])
        .send()
        .await
        .expect("field");
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let (s, html) = get(&admin, &app, "/hr/fields").await;
    assert_eq!(s, 200);
    assert!(html.contains("Shift pattern"));

    // The hire form: errors beside their fields, the typed text kept.
    let (s, html) = get(&admin, &app, "/hr/employees/new").await;
    assert_eq!(s, 200);
    assert!(html.contains("name=\"custom.shift\""));
    let r = admin
        .post(app.url("/hr/employees"))
        .form(&[
            ("employee_number", "E1"),
            ("legal_name", ""),
            ("start_date", "2024-01-01"),
            ("end_date", "2023-01-01"),
            ("custom.shift", "night"),
            ("position", "kept position"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(html.contains("id=\"legal_name-err\""), "{html}");
    assert!(html.contains("id=\"end_date-err\""));
    assert!(html.contains("id=\"shift-err\""));
    assert!(html.contains("kept position"));
    let emp_s = emp_u.0.to_string();
    let r = admin
        .post(app.url("/hr/employees"))
        .form(&[
            ("employee_number", "E1"),
            ("legal_name", "Emma Example"),
            ("start_date", "2024-01-01"),
            ("custom.shift", "late"),
            ("position", "Clerk"),
            ("national_id", "NAT-77"),
            ("pay", "3000.00"),
            ("currency", "EUR"),
            ("frequency", "month"),
            ("fte", "0.8"),
            ("employment_type", "part_time"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let page = location(&r);
    assert!(page.starts_with("/hr/employees/"), "{page}");
    let (s, html) = get(&admin, &app, &page).await;
    assert_eq!(s, 200);
    for want in [
        "Emma Example",
        "NAT-77",
        "3000.00 EUR per month",
        "late",
        "0.8",
        "part_time",
    ] {
        assert!(html.contains(want), "{want} on the page");
    }
    // Link the user, then change the job from a later date.
    let version = html
        .split_once("name=\"version\" value=\"")
        .and_then(|(_, r)| r.split('"').next())
        .unwrap_or("0")
        .to_string();
    let id = page.rsplit('/').next().unwrap_or("0").to_string();
    let mut api = app
        .api(&app.token(ADMIN, ADMIN_PASSWORD, false).await)
        .patch(app.url(&format!("/api/v1/hr/employees/{id}")));
    api = api.json(
        &serde_json::json!({"user_id": emp_u.0, "version": version.parse::<i64>().unwrap_or(0)}),
    );
    assert_eq!(api.send().await.expect("patch").status(), 200);
    let _ = emp_s;
    let (_, html) = get(&admin, &app, &page).await;
    let version = html
        .split_once("name=\"version\" value=\"")
        .and_then(|(_, r)| r.split('"').next())
        .unwrap_or("0")
        .to_string();
    let r = admin
        .post(app.url(&format!("{page}/update")))
        .form(&[
            ("version", version.as_str()),
            ("position", "Senior clerk"),
            ("effective_date", "2025-01-01"),
        ])
        .send()
        .await
        .expect("update");
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, &format!("{page}?as_of=2024-06-01")).await;
    assert!(
        html.contains("id=\"job-position\">Clerk<"),
        "as of a day before the change"
    );
    let (_, html) = get(&admin, &app, &page).await;
    assert!(html.contains("id=\"job-position\">Senior clerk<"));

    // The list: job columns and filters for HR; the directory for the employee.
    let (s, html) = get(&admin, &app, "/hr/employees?status=active&sort=number").await;
    assert_eq!(s, 200);
    assert!(html.contains("Emma Example") && html.contains("E1"));
    let r = admin
        .get(app.url("/hr/employees?format=csv"))
        .send()
        .await
        .expect("csv");
    assert!(r.text().await.expect("text").contains("employee_number"));
    let emp = app.signed_in("emp", PASSWORD).await;
    let (s, html) = get(&emp, &app, "/hr/employees").await;
    assert_eq!(s, 200);
    assert!(html.contains("Emma Example"));
    assert!(
        !html.contains("id=\"status\""),
        "no job filters for the directory"
    );
    // Their own page shows their pay and the self-service form; /hr/me leads there.
    let r = emp.get(app.url("/hr/me")).send().await.expect("me");
    assert_eq!(location(&r), page);
    let (_, html) = get(&emp, &app, &page).await;
    assert!(html.contains("3000.00 EUR") && html.contains("Change my details"));
    let version = html
        .split_once("name=\"version\" value=\"")
        .and_then(|(_, r)| r.split('"').next())
        .unwrap_or("0")
        .to_string();
    let r = emp
        .post(app.url(&format!("{page}/update")))
        .form(&[
            ("version", version.as_str()),
            ("personal_phone", "+1 555"),
            ("tax_id", "TAX-1"),
        ])
        .send()
        .await
        .expect("self");
    assert_eq!(r.status(), 303);
    let change = location(&r);
    assert!(change.starts_with("/hr/changes/"), "{change}");
    let (s, html) = get(&emp, &app, &change).await;
    assert_eq!(s, 200);
    assert!(html.contains("TAX-1") && html.contains("pending"));

    // A colleague gets the directory only.
    add_user(&app.store, app.company, "peer", PASSWORD, &["employee"]).await;
    let peer = app.signed_in("peer", PASSWORD).await;
    let (s, html) = get(&peer, &app, &page).await;
    assert_eq!(s, 200);
    assert!(html.contains("Emma Example"));
    assert!(!html.contains("NAT-77") && !html.contains("3000.00") && !html.contains("id=\"job\""));
    let (s, _) = get(&peer, &app, "/hr/employees/new").await;
    assert_eq!(s, 403);

    // Another company's employee is 404.
    let other = create_company(&app.store, "test", "Other Co", "EUR")
        .await
        .expect("company");
    let x = app
        .store
        .seed_employee(
            other,
            &steward_store::hr::SeedEmployee::new(
                "X1",
                "Xavier",
                chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("d"),
            ),
        )
        .await
        .expect("seed");
    let (s, _) = get(&admin, &app, &format!("/hr/employees/{}", x.0)).await;
    assert_eq!(s, 404);
});

// Editing a custom field on its page: the key and kind shown as fixed, the change saved
// through the same core update as the API (and seen in the list), errors beside the field
// they name, HR staff only, another id 404.
both_databases!(custom_fields_are_edited_on_their_page, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let r = admin
        .post(app.url("/hr/fields"))
        .form(&[
            ("key", "shift"),
            ("label", "Shift pattern"),
            ("kind", "choice"),
            ("choices", "early, late"),
        ])
        .send()
        .await
        .expect("create");
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, "/hr/fields").await;
    let edit = html
        .split_once("href=\"/hr/fields/")
        .and_then(|(_, r)| r.split('"').next())
        .map(|id| format!("/hr/fields/{id}"))
        .expect("an edit link");
    let (s, html) = get(&admin, &app, &edit).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"field-key\">shift<") && html.contains("id=\"fixed-note\""));
    assert!(html.contains("value=\"early, late\"") && html.contains("value=\"Shift pattern\""));

    // Bad input: each error beside its field, the typed text kept.
    let r = admin
        .post(app.url(&edit))
        .form(&[("label", ""), ("choices", ""), ("help", "kept help")])
        .send()
        .await
        .expect("bad");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("html");
    assert!(html.contains("id=\"f-label-err\""), "{html}");
    assert!(html.contains("id=\"f-choices-err\""));
    assert!(html.contains("kept help"));

    // A good change is saved and listed; unticked `active` archives the field.
    let r = admin
        .post(app.url(&edit))
        .form(&[
            ("label", "Shift"),
            ("choices", "early, late, night"),
            ("sensitive", "1"),
            ("required", "1"),
        ])
        .send()
        .await
        .expect("save");
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/hr/fields");
    let (_, html) = get(&admin, &app, "/hr/fields").await;
    assert!(html.contains("<td>Shift</td>") && html.contains("early, late, night"));
    let (_, html) = get(&admin, &app, &edit).await;
    assert!(html.contains("id=\"f-sensitive\" name=\"sensitive\" value=\"1\" checked"));
    assert!(!html.contains("id=\"f-active\" name=\"active\" value=\"1\" checked"));
    let api = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let list: serde_json::Value = api
        .get(app.url("/api/v1/hr/fields"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let f = &list.as_array().expect("fields")[0];
    assert_eq!(f["label"], "Shift");
    assert_eq!(f["required"], true);
    assert_eq!(f["active"], false);
    assert_eq!(f["kind"], "choice");

    // The kind is fixed in the API too, and the error names it.
    let r = api
        .put(app.url(&format!("/api/v1/hr/fields/{}", f["id"])))
        .json(&serde_json::json!({"label": "Shift", "kind": "text"}))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("problem").contains("\"kind\""));

    // Only HR staff edit; an unknown field is 404.
    let emp = app.signed_in("emp", PASSWORD).await;
    let (s, _) = get(&emp, &app, &edit).await;
    assert_eq!(s, 403);
    let r = emp
        .post(app.url(&edit))
        .form(&[("label", "Mine")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let (s, _) = get(&admin, &app, "/hr/fields/999999").await;
    assert_eq!(s, 404);
});
