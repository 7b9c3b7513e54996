//! The locations pages through HTTP on both databases: the list and its create form, an
//! error beside its field with the typed text kept, the edit form with the calendar
//! select, the people count linked to the filtered employee list, the calendars page
//! naming the locations that use each calendar, removal refused while someone works there,
//! and read-only pages for an employee.
use steward_core::auth::Actor;
use steward_core::hr::timeoff;
use steward_e2e::*;
use steward_store::hr::SeedEmployee;

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

both_databases!(location_pages_work_end_to_end, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let sys = Actor::system(app.company, "Acme");
    let cal = timeoff::create_calendar(&app.store, &sys, "Clinic days", "12345", false)
        .await
        .expect("calendar");
    timeoff::add_holiday(
        &app.store,
        &sys,
        cal,
        "2030-05-08",
        "Clinic festival",
        false,
    )
    .await
    .expect("holiday");

    // The list with its create form; the org sub-nav links it.
    let (s, html) = get(&admin, &app, "/hr/locations").await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"locations-table\""));
    assert!(html.contains("No locations yet."));
    assert!(html.contains("method=\"post\" action=\"/hr/locations\""));
    assert!(
        html.contains("Clinic days"),
        "the calendar select offers it"
    );
    let (_, html) = get(&admin, &app, "/hr/positions").await;
    assert!(html.contains("href=\"/hr/locations\""));

    // A POST creates one and leads to its page.
    let cal_s = cal.to_string();
    let r = admin
        .post(app.url("/hr/locations"))
        .form(&[
            ("name", "North clinic"),
            ("address", "1 High Street"),
            ("calendar_id", cal_s.as_str()),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let to = location(&r);
    assert!(to.starts_with("/hr/locations/"), "{to}");
    let id: i64 = to.trim_start_matches("/hr/locations/").parse().expect("id");

    // A duplicate: 422, the error beside the name, the typed address kept.
    let r = admin
        .post(app.url("/hr/locations"))
        .form(&[("name", "north clinic"), ("address", "kept address")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(html.contains("id=\"name-err\""), "{html}");
    assert!(html.contains("kept address"));
    let r = admin
        .post(app.url("/hr/locations"))
        .form(&[("name", "South"), ("calendar_id", "abc")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("id=\"calendar_id-err\""));

    // The edit form: the calendar selected, its holiday shown, the people linked.
    let nina = SeedEmployee {
        location_id: Some(steward_core::ids::LocationId(id)),
        ..SeedEmployee::new(
            "N1",
            "Nina North",
            chrono::NaiveDate::from_ymd_opt(2020, 1, 6).expect("d"),
        )
    };
    app.store
        .seed_employee(app.company, &nina)
        .await
        .expect("nina");
    let (s, html) = get(&admin, &app, &to).await;
    assert_eq!(s, 200);
    assert!(
        html.contains(&format!("<option value=\"{cal}\" selected>")),
        "{html}"
    );
    assert!(html.contains("Clinic festival"));
    assert!(html.contains(&format!("href=\"/hr/employees?location={id}\"")));
    assert!(html.contains("1 person works here"));
    let (s, html) = get(&admin, &app, &format!("/hr/employees?location={id}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Nina North"));

    // Saving: the default calendar chosen, a new address; an error keeps the page.
    let r = admin
        .post(app.url(&to))
        .form(&[
            ("name", "North clinic"),
            ("address", "2 High Street"),
            ("calendar_id", ""),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, &to).await;
    assert!(html.contains("2 High Street"));
    assert!(html.contains("The company&#x27;s default") || html.contains("The company's default"));
    let r = admin
        .post(app.url(&to))
        .form(&[("name", ""), ("address", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);

    // The calendars page names the locations of each calendar.
    let r = admin
        .post(app.url(&to))
        .form(&[("name", "North clinic"), ("calendar_id", cal_s.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, "/hr/timeoff/policies").await;
    assert!(
        html.contains(&format!("<a href=\"/hr/locations/{id}\">North clinic</a>")),
        "{html}"
    );

    // The list: sorted, searched, exported.
    let (_, html) = get(
        &admin,
        &app,
        "/hr/locations?sort=employees&dir=desc&q=north",
    )
    .await;
    assert!(html.contains("North clinic"));
    let r = admin
        .get(app.url("/hr/locations?format=csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("text").contains("North clinic"));

    // Removal is refused while Nina works there, with the reason on the page.
    let r = admin
        .post(app.url(&format!("{to}/delete")))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 409);
    assert!(r.text().await.expect("text").contains("id=\"delete-err\""));

    // An employee sees the pages without the forms, and cannot post.
    let emp = app.signed_in("emp", PASSWORD).await;
    let (s, html) = get(&emp, &app, "/hr/locations").await;
    assert_eq!(s, 200);
    assert!(html.contains("North clinic"));
    assert!(!html.contains("method=\"post\" action=\"/hr/locations\""));
    let (s, html) = get(&emp, &app, &to).await;
    assert_eq!(s, 200);
    assert!(!html.contains("Remove location"));
    let r = emp
        .post(app.url("/hr/locations"))
        .form(&[("name", "Mine")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let (s, _) = get(&emp, &app, "/hr/locations/999999").await;
    assert_eq!(s, 404);
});
