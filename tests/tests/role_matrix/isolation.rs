//! Another company's records read as not found, on every route that takes an id.
use super::*;

both_databases!(other_companys_records_are_not_found, |db| async move {
    let app = spawn_app(db).await;
    let token = app.token(ADMIN, ADMIN_PASSWORD, false).await;
    let admin = app.api(&token);
    let mine = add_user(&app.store, app.company, "mine", PASSWORD, &["employee"]).await;

    // Company B, its user and its custom role.
    let b = create_company(&app.store, "test", "Other", "EUR")
        .await
        .expect("company B");
    let bob = add_user(&app.store, b, "bob", PASSWORD, &["employee"]).await;
    let b_role = create_role(
        &app.store,
        &Actor::system(b, "Other"),
        NewRole {
            key: "b_only".into(),
            name: "B only".into(),
            description: String::new(),
            grants: vec![Grant {
                domain: Domain::Users,
                action: Action::Read,
                scope: Scope::Company,
            }],
        },
    )
    .await
    .expect("role in B");
    let bob_before = app
        .store
        .get_user(b, bob)
        .await
        .expect("read")
        .expect("bob");

    let u = |p: &str| app.url(&format!("/api/v1/users/{}{p}", bob.0));
    let expect_404 = |what: &str, r: reqwest::Response| {
        assert_eq!(
            r.status(),
            404,
            "{what}: another company's record is not found"
        );
    };
    expect_404("GET user", admin.get(u("")).send().await.expect("get"));
    expect_404(
        "PATCH user",
        admin
            .patch(u(""))
            .json(&json!({"display_name": "Hijacked", "version": bob_before.version}))
            .send()
            .await
            .expect("patch"),
    );
    expect_404(
        "disable",
        admin.post(u("/disable")).send().await.expect("disable"),
    );
    expect_404(
        "enable",
        admin.post(u("/enable")).send().await.expect("enable"),
    );
    expect_404(
        "PUT roles",
        admin
            .put(u("/roles"))
            .json(&json!({"roles": ["admin"]}))
            .send()
            .await
            .expect("roles"),
    );
    expect_404(
        "set password",
        admin
            .post(u("/password"))
            .json(&json!({"password": "taken over by company A"}))
            .send()
            .await
            .expect("password"),
    );
    let bob_after = app
        .store
        .get_user(b, bob)
        .await
        .expect("read")
        .expect("bob");
    assert_eq!(bob_after, bob_before, "nothing about B's user changed");

    // Company A's list does not show B's user, by search or in full.
    let list: Value = admin
        .get(app.url("/api/v1/users?q=bob"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(list["total"], 0, "{list}");
    let list: Value = admin
        .get(app.url("/api/v1/users?limit=500"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let ids: Vec<i64> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["id"].as_i64())
        .collect();
    assert!(ids.contains(&mine.0) && !ids.contains(&bob.0), "{ids:?}");
    let csv = admin
        .get(app.url("/api/v1/users?format=csv"))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(
        !csv.contains("bob"),
        "the export holds only company A: {csv}"
    );

    // B's custom role: not found, not listed, not assignable in A.
    let r = |p: &str| app.url(&format!("/api/v1/roles/{}{p}", b_role.0));
    expect_404("GET role", admin.get(r("")).send().await.expect("get"));
    expect_404(
        "PUT role",
        admin
            .put(r(""))
            .json(&json!({"name": "Hijacked", "grants": [{"domain": "users", "action": "update", "scope": "company"}]}))
            .send()
            .await
            .expect("put"),
    );
    expect_404(
        "DELETE role",
        admin.delete(r("")).send().await.expect("delete"),
    );
    let roles: Value = admin
        .get(app.url("/api/v1/roles"))
        .send()
        .await
        .expect("roles")
        .json()
        .await
        .expect("json");
    assert!(
        !roles
            .as_array()
            .expect("array")
            .iter()
            .any(|r| r["key"] == "b_only" || r["id"] == b_role.0),
        "A's role list does not show B's role"
    );
    let assign = admin
        .put(app.url(&format!("/api/v1/users/{}/roles", mine.0)))
        .json(&json!({"roles": ["b_only"]}))
        .send()
        .await
        .expect("assign");
    assert_eq!(assign.status(), 422, "B's role key is unknown in A");
    let still: Vec<RoleId> = app
        .store
        .role_ids(b, &["b_only".to_string()])
        .await
        .expect("role ids")
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(still, vec![b_role], "B's role still exists");

    // A's admin cannot revoke a token of someone else either.
    let other = app.token("mine", PASSWORD, false).await;
    let other_id = app
        .api(&other)
        .get(app.url("/api/v1/tokens"))
        .send()
        .await
        .expect("tokens")
        .json::<Value>()
        .await
        .expect("json")[0]["id"]
        .as_i64()
        .expect("id");
    let rv = admin
        .delete(app.url(&format!("/api/v1/tokens/{other_id}")))
        .send()
        .await
        .expect("revoke");
    assert_eq!(rv.status(), 404, "another user's token is not found");
    let me = app
        .api(&other)
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 200, "the token still works");

    // A's admin cannot switch their session into B.
    let page = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let r = page
        .post(app.url("/company"))
        .form(&[("company", b.0.to_string())])
        .send()
        .await
        .expect("switch");
    assert_eq!(
        r.status(),
        404,
        "a company one is not a member of is not found"
    );
    let me: Value = page
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    assert_eq!(me["company_id"], app.company.0, "still in company A");
    let companies: Value = page
        .get(app.url("/api/v1/companies"))
        .send()
        .await
        .expect("companies")
        .json()
        .await
        .expect("json");
    assert_eq!(companies.as_array().map(Vec::len), Some(1), "{companies}");

    // A's audit trail shows nothing of B.
    let audit: Value = admin
        .get(app.url("/api/v1/audit?limit=500"))
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    for e in audit["items"].as_array().expect("items") {
        let text = e.to_string();
        assert!(
            !text.contains("bob") && !text.contains("b_only") && !text.contains("Other"),
            "A's audit trail shows an event of B: {text}"
        );
    }
});
