//! The departments page, on both databases: one page (`/departments`) for what used to be
//! Work's members page and HR's tree. It shows the tree with codes, heads, HR's headcount
//! and the members; HR staff and admins shape the tree there, only admins create
//! departments and move people; the old HR addresses answer 308 to it (an old form's post
//! lands on the same handler); a form without code and parent (the old members page's)
//! keeps them.
use steward_core::departments::DepartmentStore;
use steward_e2e::*;
use steward_store::hr::SeedEmployee;

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

/// The department's row of the page (from its `<tr id="dept-…">` to the row's end).
fn row(html: &str, id: i64) -> String {
    let start = html
        .find(&format!("<tr id=\"dept-{id}\">"))
        .unwrap_or_else(|| panic!("a row for department {id} in {html}"));
    let rest = &html[start..];
    rest[..rest.find("</tr>").unwrap_or(rest.len())].to_string()
}

async fn id_of(app: &TestApp, name: &str) -> i64 {
    app.store
        .departments(app.company)
        .await
        .expect("departments")
        .into_iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("department {name}"))
        .id
        .0
}

both_databases!(one_page_for_the_tree_heads_and_members, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "hilda", PASSWORD, &["hr_lead"]).await;
    let emma_id = add_user(&app.store, app.company, "emma", PASSWORD, &["employee"]).await;
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let hilda = app.signed_in("hilda", PASSWORD).await;
    let emma = app.signed_in("emma", PASSWORD).await;

    // HR's old addresses lead to the one page, signed in or not, keeping the method.
    for c in [&app.browser(), &emma] {
        let r = c.get(app.url("/hr/departments")).send().await.expect("get");
        assert_eq!(r.status(), 308);
        assert_eq!(location(&r), "/departments");
        let r = c
            .get(app.url("/hr/departments/5"))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 308);
        assert_eq!(location(&r), "/departments#dept-5");
    }
    let r = post(&emma, &app, "/hr/departments", &[("name", "X")]).await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (308, "/departments".into())
    );
    let r = post(&emma, &app, "/hr/departments/5", &[("name", "X")]).await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (308, "/departments/5".into())
    );

    // The admin creates departments, with a code and a parent in the same form.
    let r = post(&admin, &app, "/departments", &[("name", "Operations")]).await;
    assert_eq!(r.status(), 303);
    let ops = id_of(&app, "Operations").await;
    assert_eq!(location(&r), format!("/departments#dept-{ops}"));
    let ops_s = ops.to_string();
    let r = post(
        &admin,
        &app,
        "/departments",
        &[("name", "Warehouse"), ("code", "WH"), ("parent_id", &ops_s)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let wh = id_of(&app, "Warehouse").await;
    let wh_s = wh.to_string();

    // HR staff shape the tree (a head, a new code) but neither create departments nor
    // move people; a move under its own sub-department is named beside its field.
    let r = post(&hilda, &app, "/departments", &[("name", "Loading")]).await;
    assert_eq!(r.status(), 403);
    let emma_s = emma_id.0.to_string();
    let r = post(
        &hilda,
        &app,
        "/departments/members",
        &[("user_id", &emma_s), ("department_id", &wh_s)],
    )
    .await;
    assert_eq!(r.status(), 403);
    let r = post(
        &hilda,
        &app,
        &format!("/departments/{wh}"),
        &[
            ("name", "Warehouse"),
            ("code", "WH-1"),
            ("parent_id", &ops_s),
            ("head_user_id", &emma_s),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/departments#dept-{wh}"));
    let r = post(
        &hilda,
        &app,
        &format!("/departments/{ops}"),
        &[
            ("name", "Operations"),
            ("code", ""),
            ("parent_id", &wh_s),
            ("head_user_id", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(
        row(&html, ops).contains(&format!("id=\"parent_id-err-{ops}\"")),
        "{html}"
    );
    // An employee changes nothing.
    let r = post(&emma, &app, &format!("/departments/{wh}"), &[("name", "W")]).await;
    assert_eq!(r.status(), 403);

    // The members page's form (name and head only) keeps the code and the parent.
    let r = post(
        &admin,
        &app,
        &format!("/departments/{wh}"),
        &[("name", "Warehouse"), ("head_user_id", &emma_s)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let d = app
        .store
        .departments(app.company)
        .await
        .expect("departments")
        .into_iter()
        .find(|d| d.id.0 == wh)
        .expect("warehouse");
    assert_eq!(
        (d.code.as_deref(), d.parent_id.map(|p| p.0), d.head),
        (Some("WH-1"), Some(ops), Some(emma_id))
    );

    // People: emma placed in the warehouse (a member), two employees on HR's records.
    let r = post(
        &admin,
        &app,
        "/departments/members",
        &[("user_id", &emma_s), ("department_id", &wh_s)],
    )
    .await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/departments".into())
    );
    for (n, name) in [("1", "Pia Picker"), ("2", "Paul Packer")] {
        let mut e = SeedEmployee::new(
            n,
            name,
            chrono::NaiveDate::from_ymd_opt(2021, 3, 1).expect("day"),
        );
        e.department_id = Some(steward_core::ids::DepartmentId(wh));
        app.store
            .seed_employee(app.company, &e)
            .await
            .expect("employee");
    }

    // One page: the tree (the warehouse under operations), code, head, HR's headcount and
    // the members; the admin's forms to change, create and move.
    let (s, html) = get(&admin, &app, "/departments").await;
    assert_eq!(s, 200);
    assert!(
        html.find(&format!("id=\"dept-{ops}\"")) < html.find(&format!("id=\"dept-{wh}\"")),
        "parents first: {html}"
    );
    let w = row(&html, wh);
    assert!(w.contains("padding-left: 16px"), "{w}");
    assert!(w.contains("<td>WH-1</td><td>emma (test)</td>"), "{w}");
    assert!(
        w.contains("<td class=\"num\">2</td><td class=\"num\">1</td>"),
        "people 2, members 1: {w}"
    );
    assert!(w.contains(&format!("action=\"/departments/{wh}\"")), "{w}");
    assert!(
        w.contains(&format!("href=\"/hr/org?department={wh}\"")),
        "{w}"
    );
    assert!(html.contains("New department") && html.contains("id=\"members-table\""));
    // HR staff: the tree's forms, not the admin's.
    let (s, html) = get(&hilda, &app, "/departments").await;
    assert_eq!(s, 200);
    assert!(row(&html, wh).contains(&format!("action=\"/departments/{wh}\"")));
    assert!(!html.contains("New department") && !html.contains("id=\"members-table\""));
    // Everyone else reads it.
    let (s, html) = get(&emma, &app, "/departments").await;
    assert_eq!(s, 200);
    assert!(row(&html, wh).contains("<td>WH-1</td>"));
    assert!(
        !html.contains("<form method=\"post\" action=\"/departments"),
        "{html}"
    );

    // The org chart's edit link and HR's sub-navigation point at the page.
    let (_, html) = get(&hilda, &app, &format!("/hr/org?department={wh}")).await;
    assert!(
        html.contains(&format!("href=\"/departments#dept-{wh}\"")),
        "{html}"
    );
    assert!(!html.contains("/hr/departments"), "{html}");
});
