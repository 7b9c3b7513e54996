//! HR reports on fixed data: headcount by department and month (from the job history: a
//! transfer moves a person between departments from its date), joiners, leavers and
//! turnover, as CSV (snapshots) and as the HTML page with its SVG charts; HR staff and
//! auditors only.
use steward_core::auth::Actor;
use steward_core::departments;
use steward_e2e::*;
use steward_store::hr::SeedEmployee;

const PASSWORD: &str = "a long enough test passphrase";

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

both_databases!(headcount_and_turnover_on_fixed_data, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "hilda", PASSWORD, &["hr_lead"]).await;
    add_user(&app.store, app.company, "emma", PASSWORD, &["employee"]).await;
    let sys = Actor::system(app.company, "Acme");
    let ops = departments::create(&app.store, &sys, "Operations")
        .await
        .expect("ops");
    let fin = departments::create(&app.store, &sys, "Finance")
        .await
        .expect("fin");
    let people = [
        ("1", "Ann", "2024-06-01", None, Some(ops.id)),
        ("2", "Ben", "2024-06-01", Some("2025-03-15"), Some(ops.id)),
        ("3", "Cat", "2025-02-10", None, Some(fin.id)),
        ("4", "Dan", "2025-04-01", None, Some(fin.id)),
        ("5", "Eve", "2025-01-20", Some("2025-05-31"), None),
        ("6", "Fay", "2025-07-01", None, Some(ops.id)),
    ];
    for (n, name, start, end, dept) in people {
        let mut e = SeedEmployee::new(n, name, day(start));
        e.end_date = end.map(day);
        e.department_id = dept;
        app.store
            .seed_employee(app.company, &e)
            .await
            .expect("seed");
    }
    let hilda = app.api(&app.token("hilda", PASSWORD, false).await);
    let csv = |path: &str| {
        let c = hilda.clone();
        let url = app.url(path);
        async move {
            let r = c.get(url).send().await.expect("get");
            assert_eq!(r.status(), 200);
            r.text().await.expect("csv")
        }
    };
    let headcount = csv("/api/v1/hr/reports/headcount?to=2025-06&months=6&format=csv").await;
    insta::assert_snapshot!("hr_headcount_2025h1", headcount);
    let moves = csv("/api/v1/hr/reports/movements?to=2025-06&months=6&format=csv").await;
    insta::assert_snapshot!("hr_movements_2025h1", moves);

    // Employees may not read reports; the page draws its charts.
    let emma = app.api(&app.token("emma", PASSWORD, false).await);
    let r = emma
        .get(app.url("/api/v1/hr/reports/headcount"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 403);
    let r = hilda
        .get(app.url("/api/v1/hr/reports/headcount?months=99"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 422);
    let page = app.signed_in("hilda", PASSWORD).await;
    let r = page
        .get(app.url("/hr/reports?to=2025-06&months=6"))
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    assert!(
        html.contains("<svg") && html.contains("Operations") && html.contains("headcount-table")
    );
    let r = page
        .get(app.url("/hr/reports?report=movements&format=xlsx&to=2025-06&months=6"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.expect("bytes").starts_with(b"PK"));
});
