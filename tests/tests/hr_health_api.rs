//! Record health through the API, per role: HR staff run it and read it, auditors read it,
//! employees get 403; an expired document is found with a link to fix it; another
//! company's problems never show.
use serde_json::Value;
use steward_core::company::create_company;
use steward_core::hr::health::HealthStore;
use steward_e2e::*;
use steward_store::hr::SeedEmployee;

const PASSWORD: &str = "a long enough test passphrase";

both_databases!(hr_staff_and_auditors_see_record_health, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "emma", PASSWORD, &["employee"]).await;
    add_user(&app.store, app.company, "hilda", PASSWORD, &["hr_lead"]).await;
    add_user(&app.store, app.company, "audrey", PASSWORD, &["auditor"]).await;
    let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("d");
    let mut e = SeedEmployee::new("1", "Fixed Termer", start);
    e.employment_type = "fixed_term".into();
    let fixed = app
        .store
        .seed_employee(app.company, &e)
        .await
        .expect("seed");
    let other = create_company(&app.store, "test", "Other Ltd", "EUR")
        .await
        .expect("other");
    let mut o = SeedEmployee::new("1", "Other Termer", start);
    o.employment_type = "fixed_term".into();
    let stranger = app.store.seed_employee(other, &o).await.expect("other");
    app.store
        .run_health(other, chrono::Utc::now().date_naive(), None)
        .await
        .expect("run other");

    let emma = app.api(&app.token("emma", PASSWORD, false).await);
    let hilda = app.api(&app.token("hilda", PASSWORD, false).await);
    let audrey = app.api(&app.token("audrey", PASSWORD, false).await);
    let run = app.url("/api/v1/hr/health/run");
    assert_eq!(emma.post(&run).send().await.expect("run").status(), 403);
    assert_eq!(audrey.post(&run).send().await.expect("run").status(), 403);
    let r = hilda.post(&run).send().await.expect("run");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["employees"], 1);

    for (who, c, status) in [
        ("emma", &emma, 403),
        ("hilda", &hilda, 200),
        ("audrey", &audrey, 200),
    ] {
        let r = c
            .get(app.url("/api/v1/hr/health"))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status().as_u16(), status, "{who}");
        let r = c
            .get(app.url("/api/v1/hr/health/issues"))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status().as_u16(), status, "{who}");
    }
    let v: Value = audrey
        .get(app.url("/api/v1/hr/health/issues?rule=fixed_term_without_end"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["employee_id"], fixed.0);
    assert_eq!(v["items"][0]["fix"], format!("/hr/employees/{}", fixed.0));
    let all: Value = hilda
        .get(app.url("/api/v1/hr/health/issues?limit=500"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert!(!all.to_string().contains("Other Termer"));
    assert!(all["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|i| i["employee_id"] != stranger.0));
    let r = hilda
        .get(app.url("/api/v1/hr/health/issues?rule=nonsense"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 422);
    let r = hilda
        .get(app.url("/api/v1/hr/health/issues?format=csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("fixed_term_without_end"));
    let v: Value = hilda
        .get(app.url("/api/v1/hr/health"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert!(v["problems"].as_i64().expect("n") >= 1);
    assert_eq!(v["runs"].as_array().expect("runs").len(), 1);

    // Pages: HR staff see it, employees get 403.
    let page = app.signed_in("hilda", PASSWORD).await;
    let r = page.get(app.url("/hr/health")).send().await.expect("page");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("html").contains("Fixed Termer"));
    let page = app.signed_in("emma", PASSWORD).await;
    assert_eq!(
        page.get(app.url("/hr/health"))
            .send()
            .await
            .expect("page")
            .status(),
        403
    );
    // The dashboard tile counts the problems for the admin.
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let tiles: Value = admin
        .get(app.url("/api/v1/dashboard"))
        .send()
        .await
        .expect("d")
        .json()
        .await
        .expect("json");
    let tile = tiles
        .as_array()
        .expect("tiles")
        .iter()
        .find(|t| t["key"] == "hr.health")
        .cloned()
        .expect("the record-health tile");
    assert!(tile["number"].as_i64().expect("n") >= 1);
    assert_eq!(tile["link"], "/hr/health");
});
