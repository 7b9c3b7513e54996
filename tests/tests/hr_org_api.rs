//! The org chart and department tree through the API, per role: everyone sees the chart
//! with directory fields only, HR staff shape the tree (a move under its own descendant is
//! 422 on `parent_id`), and another company's people are 404.
use serde_json::{json, Value};
use steward_core::auth::Actor;
use steward_core::company::create_company;
use steward_core::departments;
use steward_e2e::*;
use steward_store::hr::SeedEmployee;

const PASSWORD: &str = "a long enough test passphrase";

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

async fn get(c: &reqwest::Client, url: &str) -> (u16, Value) {
    let r = c.get(url).send().await.expect("get");
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

both_databases!(
    everyone_sees_the_chart_with_directory_fields_only,
    |db| async move {
        let app = spawn_app(db).await;
        add_user(&app.store, app.company, "emma", PASSWORD, &["employee"]).await;
        add_user(&app.store, app.company, "hilda", PASSWORD, &["hr_lead"]).await;
        let sys = Actor::system(app.company, "Acme");
        let ops = departments::create(&app.store, &sys, "Operations")
            .await
            .expect("ops");
        let wh = departments::create(&app.store, &sys, "Warehouse")
            .await
            .expect("wh");
        let mut boss = SeedEmployee::new("1", "Olga Boss", day("2020-01-01"));
        boss.department_id = Some(ops.id);
        boss.position = "Head of operations".into();
        let boss = app
            .store
            .seed_employee(app.company, &boss)
            .await
            .expect("boss");
        let mut pia = SeedEmployee::new("2", "Pia Picker", day("2021-03-01"));
        pia.department_id = Some(wh.id);
        pia.manager_id = Some(boss);
        pia.position = "Picker".into();
        let pia = app
            .store
            .seed_employee(app.company, &pia)
            .await
            .expect("pia");
        let other = create_company(&app.store, "test", "Other Ltd", "EUR")
            .await
            .expect("other");
        let stranger = app
            .store
            .seed_employee(
                other,
                &SeedEmployee::new("1", "Stranger", day("2020-01-01")),
            )
            .await
            .expect("stranger");

        let emma = app.api(&app.token("emma", PASSWORD, false).await);
        let (s, v) = get(
            &emma,
            &app.url(&format!("/api/v1/hr/org?employee={}", pia.0)),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["person"]["name"], "Pia Picker");
        assert_eq!(v["person"]["department"], "Warehouse");
        assert_eq!(v["chain"][0]["name"], "Olga Boss");
        let allowed = [
            "id",
            "name",
            "position",
            "department_id",
            "department",
            "manager_id",
            "reports",
        ];
        for k in v["person"].as_object().expect("person").keys() {
            assert!(allowed.contains(&k.as_str()), "{k} is not directory data");
        }
        let (s, v) = get(&emma, &app.url("/api/v1/hr/org")).await;
        assert_eq!(s, 200);
        assert_eq!(v["reports"]["total"], 1);
        assert_eq!(v["reports"]["people"][0]["reports"], 1);
        let (_, v) = get(&emma, &app.url("/api/v1/hr/org?q=pick")).await;
        assert_eq!(v["matches"][0]["name"], "Pia Picker");
        let (s, _) = get(
            &emma,
            &app.url(&format!("/api/v1/hr/org?employee={}", stranger.0)),
        )
        .await;
        assert_eq!(s, 404, "another company's employee");

        // The tree: an employee may not shape it; HR may, but not into a cycle.
        let url = app.url(&format!("/api/v1/hr/departments/{}", wh.id));
        let r = emma
            .put(&url)
            .json(&json!({"parent_id": ops.id.0}))
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), 403);
        let hilda = app.api(&app.token("hilda", PASSWORD, false).await);
        let r = hilda
            .put(&url)
            .json(&json!({"parent_id": ops.id.0, "code": "WH"}))
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["parent_id"], ops.id.0);
        assert_eq!(v["depth"], 1);
        let r = hilda
            .put(app.url(&format!("/api/v1/hr/departments/{}", ops.id)))
            .json(&json!({"parent_id": wh.id.0}))
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), 422);
        let v: Value = r.json().await.expect("json");
        assert!(v.to_string().contains("parent_id"), "{v}");
        let r = hilda
            .put(&url)
            .json(&json!({"colour": "red"}))
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), 422);
        let (_, v) = get(&emma, &app.url("/api/v1/hr/departments")).await;
        assert_eq!(v[1]["name"], "Warehouse");
        assert_eq!(v[1]["code"], "WH");

        // Positions.
        let r = hilda
            .post(app.url("/api/v1/hr/positions"))
            .json(&json!({"title": "Picker", "department_id": wh.id.0}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 201);
        let r = emma
            .post(app.url("/api/v1/hr/positions"))
            .json(&json!({"title": "Boss"}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 403);
        let (_, v) = get(&emma, &app.url("/api/v1/hr/positions")).await;
        assert_eq!(v[0]["title"], "Picker");
    }
);
