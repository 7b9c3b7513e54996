//! Employees on both databases: hire with a contract, effective-dated job changes read as
//! of any day (a future change becomes current on its date), optimistic versions,
//! reporting-line cycles refused, custom fields checked, field-level access, and company
//! isolation.
use crate::common;

use chrono::{Duration, NaiveDate};
use serde_json::json;
use steward_core::auth::session::cli_actor;
use steward_core::hr::employees::{
    self, ContractInput, EmployeeInput, EmployeeQuery, EmployeeStore,
};
use steward_core::hr::fields::{self, FieldInput};
use steward_core::ids::EmployeeId;
use steward_core::Error;

use common::{insert_user, world};

fn hire(number: &str, name: &str, start: &str) -> EmployeeInput {
    EmployeeInput {
        employee_number: Some(number.into()),
        legal_name: Some(name.into()),
        start_date: Some(start.into()),
        position: Some("Clerk".into()),
        national_id: Some("AB123".into()),
        ..Default::default()
    }
}

fn today() -> NaiveDate {
    employees::today()
}

store_test!(history_as_of_versions_and_cycles, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let a = &w.actor_a;
    let contract = ContractInput {
        effective_date: "2020-01-01".into(),
        contract_type: "permanent".into(),
        pay: "50000.00".into(),
        currency: "EUR".into(),
        frequency: "year".into(),
        ..Default::default()
    };
    let boss =
        employees::create_employee(s, a, &hire("E1", "Bea Boss", "2020-01-01"), Some(&contract))
            .await
            .expect("hire boss");
    assert_eq!(boss.employee.status, "active");
    assert_eq!(boss.contracts.len(), 1);
    let mut input = hire("E2", "Carl Clerk", "2020-01-01");
    input.manager_id = Some(Some(boss.employee.id.0));
    let carl = employees::create_employee(s, a, &input, None)
        .await
        .expect("hire");
    let id = carl.employee.id;

    // A duplicate number is a conflict.
    let dup = employees::create_employee(s, a, &hire("E2", "Other", "2020-01-01"), None).await;
    assert!(matches!(dup, Err(Error::Conflict { .. })), "{dup:?}");

    // A past-dated promotion and a future-dated one.
    let change = |pos: &str, date: NaiveDate| EmployeeInput {
        position: Some(pos.into()),
        effective_date: Some(date.to_string()),
        ..Default::default()
    };
    let past = today() - Duration::days(30);
    let out = employees::update_employee(
        s,
        a,
        id,
        &change("Senior clerk", past),
        carl.employee.version,
    )
    .await
    .expect("promote");
    assert_eq!(out.view.employee.position, "Senior clerk");
    let v2 = out.view.employee.version;
    // A stale version is refused.
    let stale =
        employees::update_employee(s, a, id, &change("X", past), carl.employee.version).await;
    assert!(matches!(stale, Err(Error::Conflict { .. })), "{stale:?}");
    let future = today() + Duration::days(10);
    let out = employees::update_employee(s, a, id, &change("Head clerk", future), v2)
        .await
        .expect("future change");
    assert_eq!(
        out.view.employee.position, "Senior clerk",
        "not yet in force"
    );
    assert_eq!(out.view.job_history.len(), 3);
    let then = employees::get_employee(
        s,
        a,
        id,
        Some(NaiveDate::from_ymd_opt(2021, 1, 1).expect("d")),
    )
    .await
    .expect("as of");
    assert_eq!(then.employee.position, "Clerk");
    let later = employees::get_employee(s, a, id, Some(future))
        .await
        .expect("as of");
    assert_eq!(later.employee.position, "Head clerk");
    // The list shows today's job.
    let page = employees::list_employees(
        s,
        a,
        &EmployeeQuery {
            search: Some("carl".into()),
            ..Default::default()
        },
    )
    .await
    .expect("list");
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].position, "Senior clerk");
    // When the day comes (the stored copy is brought up to date on read).
    let due = s.apply_due_changes(w.a, future).await.expect("apply");
    assert_eq!(due, 1);

    // No self-management, no cycles.
    let v = employees::get_employee(s, a, boss.employee.id, None)
        .await
        .expect("boss");
    let own = EmployeeInput {
        manager_id: Some(Some(boss.employee.id.0)),
        ..Default::default()
    };
    let e = employees::update_employee(s, a, boss.employee.id, &own, v.employee.version)
        .await
        .expect_err("self");
    assert_eq!(e.field_errors()[0].field, "manager_id");
    let cycle = EmployeeInput {
        manager_id: Some(Some(id.0)),
        ..Default::default()
    };
    let e = employees::update_employee(s, a, boss.employee.id, &cycle, v.employee.version)
        .await
        .expect_err("cycle");
    assert_eq!(e.field_errors()[0].field, "manager_id");

    // End before start is refused, naming the field.
    let bad = EmployeeInput {
        end_date: Some("2019-12-31".into()),
        ..Default::default()
    };
    let e = employees::update_employee(s, a, boss.employee.id, &bad, v.employee.version)
        .await
        .expect_err("end");
    assert_eq!(e.field_errors()[0].field, "end_date");
});

store_test!(custom_fields_access_and_isolation, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let a = &w.actor_a;
    fields::create_field(
        s,
        a,
        &FieldInput {
            key: "licence".into(),
            label: "Licence".into(),
            kind: "text".into(),
            required: true,
            sensitive: true,
            active: true,
            ..Default::default()
        },
    )
    .await
    .expect("field");
    fields::create_field(
        s,
        a,
        &FieldInput {
            key: "shift".into(),
            label: "Shift".into(),
            kind: "choice".into(),
            choices: vec!["early".into(), "late".into()],
            active: true,
            ..Default::default()
        },
    )
    .await
    .expect("field");
    // Required and checked values, named custom.<key>.
    let mut input = hire("E1", "Dora", "2021-03-01");
    input.custom = Some(serde_json::from_value(json!({"shift": "night"})).expect("map"));
    let e = employees::create_employee(s, a, &input, None)
        .await
        .expect_err("invalid");
    let mut f: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
    f.sort();
    assert_eq!(f, ["custom.licence", "custom.shift"]);
    input.custom =
        Some(serde_json::from_value(json!({"shift": "late", "licence": "L-9"})).expect("map"));
    let dora = employees::create_employee(s, a, &input, None)
        .await
        .expect("hire");
    assert_eq!(dora.employee.custom["licence"], json!("L-9"));

    // A colleague (employee role, no record of their own) sees the directory only.
    let u = insert_user(s, w.a, "colleague", &["employee"], None).await;
    let colleague = cli_actor(s, u, w.a).await.expect("actor");
    let seen = employees::get_employee(s, &colleague, dora.employee.id, None)
        .await
        .expect("read");
    assert!(!seen.visibility.personal && !seen.visibility.job);
    assert_eq!(seen.employee.national_id, "");
    assert!(seen.employee.custom.is_empty());
    assert_eq!(seen.employee.employee_number, "");
    // Colleagues may not filter by job fields.
    let q = EmployeeQuery {
        status: Some("leaver".into()),
        ..Default::default()
    };
    assert!(employees::list_employees(s, &colleague, &q).await.is_err());
    // Nor change the record.
    let r = employees::update_employee(
        s,
        &colleague,
        dora.employee.id,
        &EmployeeInput::default(),
        1,
    )
    .await;
    assert!(matches!(r, Err(Error::Forbidden)), "{r:?}");

    // Another company's employee is not found, and not listed.
    let other = employees::get_employee(s, &w.actor_b, dora.employee.id, None).await;
    assert!(matches!(other, Err(Error::NotFound { .. })), "{other:?}");
    let list = employees::list_employees(s, &w.actor_b, &EmployeeQuery::default())
        .await
        .expect("list");
    assert_eq!(list.total, 0);
    let missing = employees::get_employee(s, a, EmployeeId(999_999), None).await;
    assert!(matches!(missing, Err(Error::NotFound { .. })));
});

// A colleague searches and sorts the directory by what the directory shows: the shown
// name, work e-mail and position. Searching for a legal name or an employee number, which
// `mask` hides from them, finds nobody; HR staff still find both.
store_test!(
    directory_search_and_sort_only_on_what_is_shown,
    |db| async move {
        let s = &db.store;
        let w = world(s).await;
        let hr = w.actor_a.clone();
        let mut zed = hire("EMP-777", "Zelda Quartermain", "2021-01-04");
        zed.preferred_name = Some("Adam".into());
        employees::create_employee(s, &hr, &zed, None)
            .await
            .expect("hire zed");
        let mut bo = hire("EMP-778", "Aaron Bo", "2021-01-04");
        bo.preferred_name = Some("Zach".into());
        employees::create_employee(s, &hr, &bo, None)
            .await
            .expect("hire bo");
        let colleague = insert_user(s, w.a, "colleague", &["employee"], None).await;
        let colleague = cli_actor(s, colleague, w.a).await.expect("actor");
        let find = |actor: &steward_core::auth::Actor, text: &str| {
            let actor = actor.clone();
            let text = text.to_string();
            async move {
                employees::list_employees(
                    s,
                    &actor,
                    &EmployeeQuery {
                        search: Some(text),
                        ..Default::default()
                    },
                )
                .await
                .expect("list")
                .items
                .into_iter()
                .map(|r| r.name)
                .collect::<Vec<_>>()
            }
        };
        assert!(
            find(&colleague, "quartermain").await.is_empty(),
            "[{}] legal name",
            db.name
        );
        assert!(
            find(&colleague, "EMP-77").await.is_empty(),
            "[{}] number",
            db.name
        );
        assert_eq!(find(&colleague, "adam").await, vec!["Adam"]);
        assert_eq!(find(&colleague, "clerk").await.len(), 2, "position");
        assert_eq!(
            find(&hr, "quartermain").await,
            vec!["Adam"],
            "HR finds legal names"
        );
        assert_eq!(find(&hr, "EMP-778").await, vec!["Zach"], "and numbers");
        // The colleague's name order is the shown names' (Adam before Zach), not the hidden
        // legal names' (Aaron before Zelda).
        let all = employees::list_employees(s, &colleague, &EmployeeQuery::default())
            .await
            .expect("list");
        let names: Vec<String> = all.items.into_iter().map(|r| r.name).collect();
        assert_eq!(names, vec!["Adam", "Zach"], "[{}]", db.name);
    }
);
