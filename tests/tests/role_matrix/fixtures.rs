//! Records the matrix's rows act on, made fresh per call (notifications, jobs, cases,
//! approvals, policies, delegations, departments, tasks, HR locations, calendars, employees,
//! items to return).
use super::*;

// work: notifications
/// A notification for the user behind `client` (made through the service, as any part of
/// Steward would), returning its id.
pub(super) async fn own_notification(app: &TestApp, client: &reqwest::Client) -> i64 {
    use steward_core::work::notify::{NewNotification, NotificationQuery, NotifyStore};
    let me: Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    let user = steward_core::ids::UserId(me["id"].as_i64().expect("my id"));
    let title = format!("Matrix {}", unique());
    steward_core::work::notify::notify(
        &app.store,
        vec![NewNotification {
            company: app.company,
            user,
            kind: "system.matrix".into(),
            title: title.clone(),
            body: String::new(),
            link: None,
        }],
    )
    .await
    .expect("notify");
    let q = NotificationQuery {
        search: Some(title),
        ..Default::default()
    };
    app.store
        .list_notifications(app.company, user, &q)
        .await
        .expect("list")
        .items[0]
        .id
        .0
}

/// A job of the company that failed for good.
pub(super) async fn dead_job(app: &TestApp) -> i64 {
    use steward_core::jobs::{JobKind, JobStore, NewJob, WorkerId};
    let kind = format!("matrix.dead{}", unique());
    let id = app
        .store
        .enqueue(&[
            NewJob::new(JobKind::new(&kind).expect("kind"), json!({})).for_company(app.company)
        ])
        .await
        .expect("enqueue")[0]
        .expect("id");
    let w = WorkerId::new("matrix").expect("worker");
    let now = steward_core::time::Timestamp::now();
    let claimed = app
        .store
        .claim(&w, now, now.plus_secs(60), 1, &[kind])
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert!(app
        .store
        .fail(id, &w, "failed for the matrix", None)
        .await
        .expect("fail"));
    id.0
}

// work: cases
/// A case opened by the front-office user (through the service), returning its id.
pub(super) async fn front_office_case(app: &TestApp) -> i64 {
    use steward_core::users::UserStore as _;
    let n = unique();
    let user = app
        .store
        .find_user(app.company, "front_office")
        .await
        .expect("look up")
        .expect("the front_office user")
        .id;
    let actor = steward_core::auth::session::cli_actor(&app.store, user, app.company)
        .await
        .expect("actor");
    let input = steward_core::work::cases::CaseInput {
        customer_name: format!("Customer {n}"),
        customer_email: format!("c{n}@customer.example"),
        subject: format!("Matrix case {n}"),
        category: "billing".into(),
        ..Default::default()
    };
    steward_core::work::cases::create_case(&app.store, &actor, &input)
        .await
        .expect("case")
        .id
        .0
}

pub(super) async fn case_sla_version(admin: &reqwest::Client, app: &TestApp) -> i64 {
    let v: Value = admin
        .get(app.url("/api/v1/cases/sla"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    v["version"].as_i64().expect("version")
}

// work: approvals
/// A small request of the employee user (through the service); with no department and
/// no manager it waits for any admin. Returns its id.
pub(super) async fn employee_approval(app: &TestApp) -> i64 {
    use steward_core::users::UserStore as _;
    let user = app
        .store
        .find_user(app.company, "employee")
        .await
        .expect("look up")
        .expect("the employee user")
        .id;
    let actor = steward_core::auth::session::cli_actor(&app.store, user, app.company)
        .await
        .expect("actor")
        .with_currency("EUR");
    let input = steward_core::work::approvals::DirectRequest {
        kind: "general".into(),
        title: format!("Matrix request {}", unique()),
        amount: Some("5.00".into()),
        ..Default::default()
    };
    steward_core::work::approvals::submit_direct(&app.store, &app.registry, &actor, &input)
        .await
        .expect("request")
        .0
}

pub(super) fn system_actor(app: &TestApp) -> steward_core::auth::Actor {
    steward_core::auth::Actor::system(app.company, "Acme").with_currency("EUR")
}

/// A policy for purchases (replacing the last one), returning its id.
pub(super) async fn fresh_policy(app: &TestApp) -> i64 {
    use steward_core::work::approvals::{save_policy, LevelInput, PolicyInput};
    let input = PolicyInput {
        kind: "purchase".into(),
        levels: vec![LevelInput {
            above: None,
            rule: "admin".into(),
        }],
        ..Default::default()
    };
    let actor = system_actor(app);
    // A stale version after a delete is not an issue: the policy is created afresh.
    save_policy(&app.store, &app.registry, &actor, &input)
        .await
        .expect("policy")
        .id
        .expect("id")
}

/// The admin's delegation to the target user, returning its id.
pub(super) async fn admin_delegation(app: &TestApp, target: i64) -> i64 {
    use steward_core::work::approvals::{add_delegation, DelegationInput};
    let input = DelegationInput {
        user_id: Some(app.admin.0),
        delegate_id: target,
        from: "2031-01-01".into(),
        until: "2031-01-02".into(),
        note: String::new(),
    };
    add_delegation(&app.store, &system_actor(app), &input)
        .await
        .expect("delegation")
        .id
}

pub(super) async fn fresh_department(app: &TestApp) -> i64 {
    steward_core::departments::create(
        &app.store,
        &system_actor(app),
        &format!("Matrix department {}", unique()),
    )
    .await
    .expect("department")
    .id
    .0
}

// work: tasks
/// A task the admin owns and holds, with one checklist item, returning its id.
pub(super) async fn fresh_task(app: &TestApp, admin: &reqwest::Client) -> i64 {
    let n = unique();
    let v: Value = admin
        .post(app.url("/api/v1/tasks"))
        .json(&json!({"title": format!("Matrix fixture {n}"), "assignee_id": app.admin.0, "checklist": ["one"]}))
        .send()
        .await
        .expect("task")
        .json()
        .await
        .expect("json");
    v["id"].as_i64().expect("task id")
}

/// The first checklist item of a task.
pub(super) async fn task_item(app: &TestApp, admin: &reqwest::Client, task: i64) -> i64 {
    let v: Value = admin
        .get(app.url(&format!("/api/v1/tasks/{task}")))
        .send()
        .await
        .expect("task")
        .json()
        .await
        .expect("json");
    v["checklist"][0]["id"].as_i64().expect("item id")
}

pub(super) async fn task_template(app: &TestApp, admin: &reqwest::Client) -> i64 {
    let v: Value = admin
        .post(app.url("/api/v1/tasks/templates"))
        .json(&json_body(Body::NewTaskTemplate, 0))
        .send()
        .await
        .expect("template")
        .json()
        .await
        .expect("json");
    v["id"].as_i64().expect("template id")
}

pub(super) async fn fresh_task_rule(app: &TestApp, admin: &reqwest::Client) -> i64 {
    let v: Value = admin
        .post(app.url("/api/v1/tasks/recurring"))
        .json(&json_body(Body::NewTaskRule, 0))
        .send()
        .await
        .expect("rule")
        .json()
        .await
        .expect("json");
    v["id"].as_i64().expect("rule id")
}
// hr: lifecycle
// hr: locations
pub(super) async fn fresh_location(app: &TestApp) -> i64 {
    app.store
        .seed_location(app.company, &format!("Matrix location {}", unique()))
        .await
        .expect("location")
        .0
}

pub(super) async fn fresh_calendar(app: &TestApp) -> i64 {
    steward_core::hr::timeoff::create_calendar(
        &app.store,
        &system_actor(app),
        &format!("Matrix calendar {}", unique()),
        "12345",
        false,
    )
    .await
    .expect("calendar")
}

pub(super) async fn fresh_employee(app: &TestApp) -> i64 {
    let n = unique();
    let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 6).expect("date");
    app.store
        .seed_employee(
            app.company,
            &steward_store::hr::SeedEmployee::new(&format!("M-{n}"), &format!("Matrix {n}"), start),
        )
        .await
        .expect("employee")
        .0
}

pub(super) async fn fresh_return_item(app: &TestApp, admin: &reqwest::Client) -> i64 {
    let emp = fresh_employee(app).await;
    let r = admin
        .post(app.url(&format!("/api/v1/hr/employees/{emp}/offboarding")))
        .json(&json!({"leaving_date": "2999-01-29", "reason": "resignation", "returns": ["Badge"]}))
        .send()
        .await
        .expect("offboarding");
    assert_eq!(r.status(), 201);
    let v: Value = admin
        .get(app.url(&format!("/api/v1/hr/employees/{emp}/lifecycle")))
        .send()
        .await
        .expect("lifecycle")
        .json()
        .await
        .expect("json");
    v["returns"][0]["id"].as_i64().expect("a return item")
}
