//! The approvals pages, on both databases: departments set up through their page, a
//! request asked through the form (a bad amount named beside its field), the manager's
//! inbox with a checkbox for small amounts, the decision form (a rejection needs a reason),
//! bulk approval, the requester's view of where it stands, policies and out-of-office
//! forms, exports, and another company's request as 404.
use steward_e2e::*;

const PASSWORD: &str = "a long test password";

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

async fn get(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.expect("get");
    let status = r.status().as_u16();
    (status, r.text().await.expect("text"))
}

async fn post(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    c.post(app.url(path)).form(form).send().await.expect("post")
}

both_databases!(approvals_through_the_pages, |db| async move {
    let app = spawn_app(db).await;
    let boss_id = add_user(&app.store, app.company, "boss", PASSWORD, &["employee"]).await;
    let emp_id = add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
    add_user(&app.store, app.company, "deputy", PASSWORD, &["employee"]).await;
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let boss = app.signed_in("boss", PASSWORD).await;
    let emp = app.signed_in("emp", PASSWORD).await;

    // Departments: created, a head set, people moved in.
    let r = post(&admin, &app, "/departments", &[("name", "")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("text").contains("id=\"name-err\""));
    let r = post(&admin, &app, "/departments", &[("name", "Front desk")]).await;
    assert_eq!(r.status(), 303);
    let depts = steward_core::departments::DepartmentStore::departments(&app.store, app.company)
        .await
        .expect("departments");
    let desk = depts[0].id.0;
    let r = post(
        &admin,
        &app,
        &format!("/departments/{desk}"),
        &[
            ("name", "Front desk"),
            ("head_user_id", &boss_id.0.to_string()),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    for u in [boss_id, emp_id] {
        let r = post(
            &admin,
            &app,
            "/departments/members",
            &[
                ("user_id", &u.0.to_string()),
                ("department_id", &desk.to_string()),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);
    }
    let (s, html) = get(&admin, &app, "/departments").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Front desk") && html.contains("<td class=\"num\">2</td>"),
        "{html}"
    );
    let (s, html) = get(&emp, &app, "/departments").await;
    assert_eq!(s, 200);
    assert!(
        !html.contains("New department"),
        "only the admin changes departments"
    );

    // A request through the form; a bad amount is named beside its field.
    let (s, html) = get(&emp, &app, "/approvals/new").await;
    assert_eq!(s, 200);
    assert!(html.contains("<label for=\"amount\">"));
    let r = post(
        &emp,
        &app,
        "/approvals",
        &[
            ("kind", "purchase"),
            ("title", "Headset"),
            ("amount", "12,5"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(
        html.contains("id=\"amount-err\"") && html.contains("value=\"Headset\""),
        "{html}"
    );
    let r = post(
        &emp,
        &app,
        "/approvals",
        &[
            ("kind", "purchase"),
            ("title", "Headset"),
            ("amount", "45.00"),
            ("description", "mine broke"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let headset = location(&r);
    assert!(headset.starts_with("/approvals/"), "{headset}");
    let r = post(
        &emp,
        &app,
        "/approvals",
        &[
            ("kind", "purchase"),
            ("title", "Chair"),
            ("amount", "60.00"),
        ],
    )
    .await;
    let chair = location(&r);
    let r = post(
        &emp,
        &app,
        "/approvals",
        &[
            ("kind", "general"),
            ("title", "Team lunch"),
            ("amount", "90.00"),
        ],
    )
    .await;
    let lunch = location(&r);

    // The requester sees where it stands, without a decision form.
    let (s, html) = get(&emp, &app, &headset).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("boss (test) (manager)") && html.contains("This is your request"),
        "{html}"
    );
    assert!(!html.contains("id=\"decide-form\""));
    let (s, html) = get(&emp, &app, "/approvals/mine").await;
    assert_eq!(s, 200);
    assert!(html.contains("Headset") && html.contains("Team lunch"));

    // The manager's inbox: all three, with checkboxes (small amounts).
    let (s, html) = get(&boss, &app, "/approvals?sort=amount&dir=desc").await;
    assert_eq!(s, 200);
    let lunch_at = html.find("Team lunch").expect("lunch listed");
    let headset_at = html.find("Headset").expect("headset listed");
    assert!(lunch_at < headset_at, "sorted by amount, descending");
    assert_eq!(html.matches("name=\"ids\"").count(), 3, "{html}");
    let (_, html) = get(&boss, &app, "/approvals?kind=general").await;
    assert!(html.contains("Team lunch") && !html.contains("Headset"));
    let (_, html) = get(&boss, &app, "/approvals?q=chair").await;
    assert!(html.contains("Chair") && !html.contains("Headset"));

    // The decision form: a rejection needs a reason.
    let (s, html) = get(&boss, &app, &headset).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"decide-form\""));
    let r = post(
        &boss,
        &app,
        &format!("{headset}/reject"),
        &[("comment", "")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("text").contains("id=\"comment-err\""));
    let r = post(
        &boss,
        &app,
        &format!("{headset}/reject"),
        &[("comment", "use the spare one")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = get(&emp, &app, &headset).await;
    assert!(
        html.contains("rejected") && html.contains("use the spare one"),
        "{html}"
    );

    // Bulk: the chair and the lunch in one go.
    let chair_id = chair.rsplit('/').next().expect("id");
    let lunch_id = lunch.rsplit('/').next().expect("id");
    let r = post(
        &boss,
        &app,
        "/approvals/bulk-approve",
        &[("ids", chair_id), ("ids", lunch_id), ("comment", "fine")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = get(&boss, &app, "/approvals").await;
    assert!(html.contains("Nothing is waiting for you"), "{html}");
    let (_, html) = get(&emp, &app, &chair).await;
    assert!(html.contains("id=\"request-status\">approved<"), "{html}");

    // Exports.
    let r = emp
        .get(app.url("/approvals/mine?format=csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    assert!(r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .starts_with("text/csv"));
    let csv = r.text().await.expect("csv");
    assert_eq!(csv.lines().count(), 4, "{csv}");
    let r = boss
        .get(app.url("/approvals?format=xlsx"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.expect("bytes").starts_with(b"PK"));

    // Policies: a bad rule is named; a good one is saved (the admin only).
    let r = post(
        &admin,
        &app,
        "/approvals/policies",
        &[
            ("kind", "purchase"),
            ("rule0", "the boss"),
            ("deadline_hours", "24"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("is not an approver rule"));
    let r = post(
        &admin,
        &app,
        "/approvals/policies",
        &[
            ("kind", "purchase"),
            ("rule0", "manager"),
            ("above1", "500"),
            ("rule1", "admin"),
            ("deadline_hours", "24"),
            ("bulk_limit", "50"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = get(&admin, &app, "/approvals/policies").await;
    assert!(
        html.contains("value=\"500.00\"") && html.contains("value=\"50.00\""),
        "{html}"
    );
    let r = post(
        &emp,
        &app,
        "/approvals/policies",
        &[("kind", "purchase"), ("rule0", "admin")],
    )
    .await;
    assert_eq!(r.status(), 403);

    // Out of office.
    let deputy_id = steward_core::users::UserStore::find_user(&app.store, app.company, "deputy")
        .await
        .expect("find")
        .expect("deputy")
        .id;
    let r = post(
        &boss,
        &app,
        "/approvals/delegations",
        &[
            ("delegate_id", &deputy_id.0.to_string()),
            ("from", "2030-01-10"),
            ("until", "2030-01-01"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("text").contains("id=\"until-err\""));
    let r = post(
        &boss,
        &app,
        "/approvals/delegations",
        &[
            ("delegate_id", &deputy_id.0.to_string()),
            ("from", "2030-01-01"),
            ("until", "2030-01-10"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = get(&boss, &app, "/approvals/delegations").await;
    assert!(html.contains("deputy (test)") && html.contains("2030-01-10"));

    // Another company's request is 404, and so is a colleague's who is not an approver.
    let other = steward_core::company::create_company(&app.store, "test", "Other", "EUR")
        .await
        .expect("company");
    add_user(&app.store, other, "stranger", PASSWORD, &["admin"]).await;
    let stranger = app.signed_in("stranger", PASSWORD).await;
    let (s, _) = get(&stranger, &app, &headset).await;
    assert_eq!(s, 404);
    let deputy = app.signed_in("deputy", PASSWORD).await;
    let (s, _) = get(&deputy, &app, &headset).await;
    assert_eq!(s, 404);
});
