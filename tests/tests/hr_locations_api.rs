//! Work locations and their working calendars through the API, on both databases: HR
//! creates calendars, holidays and locations; a duplicate name and another company's
//! calendar are 422 naming the field; the point of it all: a holiday on the location's
//! calendar is not a working day in the time off of the people there, while the default
//! calendar still counts it for everyone else; another company's location is 404; an
//! employee may read but not write; a location someone works at cannot be removed.
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{json, Value};
use steward_core::auth::Actor;
use steward_core::company::create_company;
use steward_core::hr::timeoff;
use steward_e2e::*;
use steward_store::hr::SeedEmployee;

const PASSWORD: &str = "a long enough test passphrase";

both_databases!(
    locations_give_their_people_their_calendar,
    |db| async move {
        let app = spawn_app(db).await;
        add_user(&app.store, app.company, "hilda", PASSWORD, &["hr_lead"]).await;
        add_user(&app.store, app.company, "emma", PASSWORD, &["employee"]).await;
        let hr = app.api(&app.token("hilda", PASSWORD, false).await);
        let emma = app.api(&app.token("emma", PASSWORD, false).await);
        let mon = monday_ahead();
        let wed = mon + Duration::days(2);

        // Calendars through the API: the default one without holidays, the clinic's with one.
        let calendars = app.url("/api/v1/hr/timeoff/calendars");
        let r = hr
            .post(&calendars)
            .json(&json!({"name": "Head office", "is_default": true}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 201);
        let head = body(r).await;
        assert_eq!(head["weekdays"], "12345");
        let r = hr
            .post(&calendars)
            .json(&json!({"name": "North clinic", "weekdays": "12345"}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 201);
        let clinic_cal = body(r).await["id"].as_i64().expect("id");
        let r = hr
            .post(app.url(&format!(
                "/api/v1/hr/timeoff/calendars/{clinic_cal}/holidays"
            )))
            .json(&json!({"day": wed.to_string(), "name": "Town festival"}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 201);
        let cal = body(r).await;
        assert_eq!(cal["holidays"][0]["day"], wed.to_string());
        let r = emma
            .post(&calendars)
            .json(&json!({"name": "Mine"}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 403, "only HR creates calendars");
        let listed = body(emma.get(&calendars).send().await.expect("get")).await;
        assert_eq!(listed.as_array().map(Vec::len), Some(2));

        // Locations: created, a duplicate name and a foreign calendar named as fields.
        let locations = app.url("/api/v1/hr/locations");
        let r = hr
        .post(&locations)
        .json(&json!({"name": "North clinic", "address": "1 High Street", "calendar_id": clinic_cal}))
        .send()
        .await
        .expect("post");
        assert_eq!(r.status(), 201);
        let north = body(r).await;
        assert_eq!(north["calendar_name"], "North clinic");
        assert_eq!(north["employees"], 0);
        let north_id = north["id"].as_i64().expect("id");
        let r = hr
            .post(&locations)
            .json(&json!({"name": " north CLINIC "}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 422);
        assert_eq!(fields(&body(r).await), ["name"]);
        let other = create_company(&app.store, "test", "Other Ltd", "EUR")
            .await
            .expect("other");
        let foreign_cal = timeoff::create_calendar(
            &app.store,
            &Actor::system(other, "Other Ltd"),
            "Theirs",
            "12345",
            false,
        )
        .await
        .expect("foreign calendar");
        let r = hr
            .post(&locations)
            .json(&json!({"name": "South clinic", "calendar_id": foreign_cal}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 422);
        assert_eq!(fields(&body(r).await), ["calendar_id"]);
        let r = hr
            .post(&locations)
            .json(&json!({"name": "", "calendar_id": 999_999}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 422);
        assert_eq!(
            fields(&body(r).await),
            ["name", "calendar_id"],
            "all at once"
        );
        let r = hr
            .post(&locations)
            .json(&json!({"name": "South clinic", "colour": "red"}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 422, "unknown fields are refused");
        let r = hr
            .post(&locations)
            .json(&json!({"name": "South clinic"}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 201);
        let south_id = body(r).await["id"].as_i64().expect("id");
        assert!(south_id != north_id);

        // The effect: Nina at the clinic does not spend a day on the festival; Hugo at the
        // head office (default calendar) does.
        let start = NaiveDate::from_ymd_opt(timeoff::today().year() - 1, 1, 1).expect("d");
        let nina = app
            .store
            .seed_employee(
                app.company,
                &SeedEmployee {
                    location_id: Some(steward_core::ids::LocationId(north_id)),
                    ..SeedEmployee::new("N1", "Nina North", start)
                },
            )
            .await
            .expect("nina");
        let hugo = app
            .store
            .seed_employee(app.company, &SeedEmployee::new("H1", "Hugo Head", start))
            .await
            .expect("hugo");
        let r = hr
            .post(app.url("/api/v1/hr/timeoff/policies"))
            .json(&json!({"name": "Unpaid leave", "kind": "unpaid", "allow_negative": true}))
            .send()
            .await
            .expect("policy");
        assert_eq!(r.status(), 201);
        let policy = body(r).await["id"].as_i64().expect("id");
        let week = |who: i64| {
            json!({"policy_id": policy, "employee_id": who, "start": mon.to_string(),
               "end": (mon + Duration::days(4)).to_string()})
        };
        let requests = app.url("/api/v1/hr/timeoff/requests");
        let r = hr
            .post(&requests)
            .json(&week(nina.0))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 201);
        assert_eq!(
            body(r).await["days"],
            "4",
            "the clinic's holiday is no working day"
        );
        let r = hr
            .post(&requests)
            .json(&week(hugo.0))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 201);
        assert_eq!(
            body(r).await["days"],
            "5",
            "the default calendar has no festival"
        );

        // The list counts Nina, sorts and exports; a search narrows it.
        let v = body(
            emma.get(format!("{locations}?sort=employees&dir=desc"))
                .send()
                .await
                .expect("get"),
        )
        .await;
        assert_eq!(v["total"], 2);
        assert_eq!(v["items"][0]["name"], "North clinic");
        assert_eq!(v["items"][0]["employees"], 1);
        let v = body(
            emma.get(format!("{locations}?q=high"))
                .send()
                .await
                .expect("get"),
        )
        .await;
        assert_eq!(v["total"], 1);
        let r = emma
            .get(format!("{locations}?sort=address"))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 422);
        assert_eq!(fields(&body(r).await), ["sort"]);
        let csv = hr
            .get(format!("{locations}?format=csv"))
            .send()
            .await
            .expect("csv")
            .text()
            .await
            .expect("text");
        assert!(csv.contains("North clinic"), "{csv}");

        // An employee reads but does not write.
        let one = |id: i64| app.url(&format!("/api/v1/hr/locations/{id}"));
        let r = emma.get(one(north_id)).send().await.expect("get");
        assert_eq!(r.status(), 200);
        let r = emma
            .put(one(north_id))
            .json(&json!({"name": "Mine now"}))
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), 403);
        assert_eq!(
            emma.delete(one(south_id))
                .send()
                .await
                .expect("delete")
                .status(),
            403
        );
        let r = emma
            .post(&locations)
            .json(&json!({"name": "Emma's place"}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 403);

        // HR changes the clinic back to the default calendar: a rename that keeps its own
        // name case-insensitively is fine, a rename onto another location's name is not.
        let r = hr
            .put(one(north_id))
            .json(&json!({"name": "North Clinic", "address": "2 High Street"}))
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), 200);
        let v = body(r).await;
        assert_eq!(v["calendar_id"], Value::Null);
        assert_eq!(v["address"], "2 High Street");
        let r = hr
            .put(one(north_id))
            .json(&json!({"name": "south clinic"}))
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), 422);
        assert_eq!(fields(&body(r).await), ["name"]);

        // Another company's location is 404 for every verb.
        let theirs = app
            .store
            .seed_location(other, "Their site")
            .await
            .expect("their location");
        assert_eq!(
            hr.get(one(theirs.0)).send().await.expect("get").status(),
            404
        );
        let r = hr
            .put(one(theirs.0))
            .json(&json!({"name": "Taken over"}))
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), 404);
        assert_eq!(
            hr.delete(one(theirs.0))
                .send()
                .await
                .expect("delete")
                .status(),
            404
        );

        // Removing: not while Nina works there (409 saying how many), yes when nobody does.
        let r = hr.delete(one(north_id)).send().await.expect("delete");
        assert_eq!(r.status(), 409);
        let problem = body(r).await.to_string();
        assert!(problem.contains("1 employee"), "{problem}");
        let r = hr.delete(one(south_id)).send().await.expect("delete");
        assert_eq!(r.status(), 204);
        assert_eq!(
            hr.get(one(south_id)).send().await.expect("get").status(),
            404
        );

        // Every change is in the audit trail.
        let audit = body(
            app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await)
                .get(app.url("/api/v1/audit?entity=hr.location"))
                .send()
                .await
                .expect("audit"),
        )
        .await
        .to_string();
        for action in ["create", "update", "delete"] {
            assert!(audit.contains(action), "{action} in {audit}");
        }
    }
);
