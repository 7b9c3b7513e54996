//! The JSON API's contract: problem+json errors naming the field, optimistic concurrency,
//! body limits, idempotent retries, lists (paging, sorting, search, exports), all-or-nothing
//! imports, the audit trail, security headers, and no database text in errors.
use serde_json::{json, Value};
use steward_e2e::*;

async fn admin_api(app: &TestApp) -> reqwest::Client {
    let t = app.token(ADMIN, ADMIN_PASSWORD, false).await;
    app.api(&t)
}

async fn user_count(app: &TestApp, c: &reqwest::Client) -> u64 {
    let v = body(
        c.get(app.url("/api/v1/users?limit=1"))
            .send()
            .await
            .expect("list"),
    )
    .await;
    v["total"].as_u64().expect("total")
}

fn content_type(r: &reqwest::Response) -> String {
    r.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Asserts a 422 problem+json and returns it.
async fn problem_422(r: reqwest::Response, what: &str) -> Value {
    assert_eq!(r.status(), 422, "{what}");
    assert_eq!(content_type(&r), "application/problem+json", "{what}");
    let p = body(r).await;
    assert_eq!(p["status"], 422, "{what}: {p}");
    assert!(
        p["request_id"].as_str().is_some_and(|s| !s.is_empty()),
        "{what}: {p}"
    );
    p
}

/// The fields a problem names.
async fn create_user(app: &TestApp, c: &reqwest::Client, name: &str) -> Value {
    let r = c
        .post(app.url("/api/v1/users"))
        .json(&json!({"username": name, "email": format!("{name}@acme.example"), "display_name": format!("{name} person"), "roles": ["employee"]}))
        .send()
        .await
        .expect("create");
    assert_eq!(r.status(), 201, "create {name}");
    body(r).await
}

both_databases!(
    bad_bodies_are_422_problems_naming_the_field,
    |db| async move {
        let app = spawn_app(db).await;
        let c = admin_api(&app).await;
        let before = user_count(&app, &c).await;
        let post = |b: Value| c.post(app.url("/api/v1/users")).json(&b).send();

        let p = problem_422(
        post(json!({"username": "ann", "email": "ann@acme.example", "display_name": "Ann", "is_admin": true}))
            .await
            .expect("post"),
        "unknown field",
    )
    .await;
        assert_eq!(fields(&p), vec!["is_admin"], "names the unknown field: {p}");

        let p = problem_422(
            post(json!({"username": 42, "email": "ann@acme.example", "display_name": "Ann"}))
                .await
                .expect("post"),
            "wrong type",
        )
        .await;
        assert_eq!(
            fields(&p),
            vec!["username"],
            "names the field of the wrong type: {p}"
        );

        let p = problem_422(
            post(json!({"email": "ann@acme.example", "display_name": "Ann"}))
                .await
                .expect("post"),
            "missing field",
        )
        .await;
        assert_eq!(fields(&p), vec!["username"], "names the missing field: {p}");

        let p = problem_422(
            post(json!({"username": "ann", "email": "not an address", "display_name": "Ann"}))
                .await
                .expect("post"),
            "invalid email",
        )
        .await;
        assert_eq!(fields(&p), vec!["email"], "{p}");

        let p = problem_422(
            post(json!({"username": "a", "email": "x", "display_name": ""}))
                .await
                .expect("post"),
            "several bad fields",
        )
        .await;
        let mut f = fields(&p);
        f.sort();
        assert_eq!(
            f,
            vec!["display_name", "email", "username"],
            "all at once: {p}"
        );

        let p = problem_422(
            c.post(app.url("/api/v1/users"))
                .header("content-type", "application/json")
                .body("{not json")
                .send()
                .await
                .expect("post"),
            "syntax error",
        )
        .await;
        assert!(!fields(&p).is_empty(), "{p}");

        let p = problem_422(
        post(json!({"username": "ann", "email": "ann@acme.example", "display_name": "Ann", "roles": ["overlord"]}))
            .await
            .expect("post"),
        "unknown role",
    )
    .await;
        assert_eq!(fields(&p), vec!["roles"], "{p}");
        assert!(p.to_string().contains("overlord"), "{p}");

        let p = problem_422(
        post(json!({"username": "ann", "email": "ann@acme.example", "display_name": "Ann", "password": "short"}))
            .await
            .expect("post"),
        "weak password",
    )
    .await;
        assert_eq!(fields(&p), vec!["password"], "{p}");
        assert!(
            !p.to_string().contains("\"short\""),
            "the password is not echoed: {p}"
        );

        assert_eq!(
            user_count(&app, &c).await,
            before,
            "no bad request created a user"
        );
    }
);

both_databases!(stale_version_is_409, |db| async move {
    let app = spawn_app(db).await;
    let c = admin_api(&app).await;
    let u = create_user(&app, &c, "vera").await;
    let url = app.url(&format!("/api/v1/users/{}", u["id"]));
    let v = u["version"].as_i64().expect("version");
    let r = c
        .patch(&url)
        .json(&json!({"display_name": "Vera One", "version": v}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    let after = body(r).await;
    assert_eq!(after["display_name"], "Vera One");
    assert!(
        after["version"].as_i64().expect("version") > v,
        "the version moves on"
    );

    let r = c
        .patch(&url)
        .json(&json!({"display_name": "Vera Two", "version": v}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 409, "a stale version is refused");
    assert_eq!(content_type(&r), "application/problem+json");
    let now = body(c.get(&url).send().await.expect("get")).await;
    assert_eq!(
        now["display_name"], "Vera One",
        "the stale write changed nothing"
    );
});

both_databases!(bodies_over_2_mib_are_413, |db| async move {
    let app = spawn_app(db).await;
    let c = admin_api(&app).await;
    let before = user_count(&app, &c).await;
    let big = "x".repeat(2 * 1024 * 1024 + 10);
    let r = c
        .post(app.url("/api/v1/users"))
        .json(&json!({"username": "big", "email": "big@acme.example", "display_name": big}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 413);
    assert_eq!(content_type(&r), "application/problem+json");
    assert_eq!(user_count(&app, &c).await, before);
    // Just under the limit is read (and then refused for its content, not its size).
    let fits = "x".repeat(1024 * 1024);
    let r = c
        .post(app.url("/api/v1/users"))
        .json(&json!({"username": "big", "email": "big@acme.example", "display_name": fits}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
});

both_databases!(idempotency_key_replays_the_first_answer, |db| async move {
    let app = spawn_app(db).await;
    let c = admin_api(&app).await;
    let before = user_count(&app, &c).await;
    let send = || {
        c.post(app.url("/api/v1/users"))
            .header("idempotency-key", "create-ida-1")
            .json(&json!({"username": "ida", "email": "ida@acme.example", "display_name": "Ida"}))
            .send()
    };
    let first = send().await.expect("first");
    assert_eq!(first.status(), 201);
    let first_body = first.text().await.expect("text");
    let second = send().await.expect("second");
    assert_eq!(second.status(), 201, "the replay has the first status");
    assert_eq!(
        second
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    assert_eq!(
        second.text().await.expect("text"),
        first_body,
        "and the first body"
    );
    assert_eq!(user_count(&app, &c).await, before + 1, "one user only");

    // The same key on another path is a client error, and does nothing.
    let r = c
        .post(app.url("/api/v1/roles"))
        .header("idempotency-key", "create-ida-1")
        .json(&json!({"key": "idem", "name": "Idem", "grants": [{"domain": "users", "action": "read", "scope": "company"}]}))
        .send()
        .await
        .expect("other path");
    let p = problem_422(r, "key reused on another path").await;
    assert_eq!(fields(&p), vec!["Idempotency-Key"], "{p}");
    let roles = body(c.get(app.url("/api/v1/roles")).send().await.expect("roles")).await;
    assert!(
        !roles.to_string().contains("\"idem\""),
        "the role was not created"
    );

    // Keys belong to their user: another user's same key is a fresh request.
    add_user(
        &app.store,
        app.company,
        "second_admin",
        ADMIN_PASSWORD,
        &["admin"],
    )
    .await;
    let t2 = app.token("second_admin", ADMIN_PASSWORD, false).await;
    let r = app
        .api(&t2)
        .post(app.url("/api/v1/users"))
        .header("idempotency-key", "create-ida-1")
        .json(&json!({"username": "ida2", "email": "ida2@acme.example", "display_name": "Ida 2"}))
        .send()
        .await
        .expect("other user");
    assert_eq!(r.status(), 201);
    assert!(r.headers().get("idempotent-replayed").is_none());
    assert_eq!(body(r).await["username"], "ida2");
    assert_eq!(
        user_count(&app, &c).await,
        before + 3,
        "ida, second_admin, ida2"
    );
});

/// Imports `n` users named `{prefix}00..` through the API.
async fn import(
    app: &TestApp,
    c: &reqwest::Client,
    csv: String,
    dry_run: bool,
) -> reqwest::Response {
    c.post(app.url(&format!("/api/v1/users/import?dry_run={dry_run}")))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("import")
}

fn people_csv(prefix: &str, n: usize) -> String {
    let mut s = String::from("username,email,display_name,roles\n");
    for i in 0..n {
        s.push_str(&format!(
            "{prefix}{i:02},{prefix}{i:02}@acme.example,{prefix} Person {i:02},employee\n"
        ));
    }
    s
}

both_databases!(lists_page_sort_search_and_export, |db| async move {
    let app = spawn_app(db).await;
    let c = admin_api(&app).await;
    let r = import(&app, &c, people_csv("zed", 7), false).await;
    assert_eq!(r.status(), 200);
    let total = user_count(&app, &c).await;
    assert_eq!(total, 8, "the admin and seven imported");

    // Paging: limit/offset/total, pages do not overlap and cover the list.
    let mut seen = Vec::new();
    for offset in [0, 3, 6] {
        let p = body(
            c.get(app.url(&format!("/api/v1/users?limit=3&offset={offset}")))
                .send()
                .await
                .expect("page"),
        )
        .await;
        assert_eq!(p["total"], 8);
        assert_eq!(p["limit"], 3);
        assert_eq!(p["offset"], offset);
        let names: Vec<String> = p["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|u| u["username"].as_str().expect("name").to_string())
            .collect();
        assert_eq!(names.len(), if offset == 6 { 2 } else { 3 });
        seen.extend(names);
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "default order is by user name");
    sorted.dedup();
    assert_eq!(sorted.len(), 8, "pages neither overlap nor skip");
    // The limit's range is in the OpenAPI document; beyond it is refused, naming it.
    let p = problem_422(
        c.get(app.url("/api/v1/users?limit=100000"))
            .send()
            .await
            .expect("big"),
        "limit over the range",
    )
    .await;
    assert_eq!(fields(&p), vec!["limit"], "{p}");
    let p = body(
        c.get(app.url("/api/v1/users?limit=500"))
            .send()
            .await
            .expect("most"),
    )
    .await;
    assert_eq!(p["limit"], 500, "the largest limit");

    // Sorting by an allowlisted column, both ways; anything else is refused.
    let p = body(
        c.get(app.url("/api/v1/users?sort=username&dir=desc"))
            .send()
            .await
            .expect("desc"),
    )
    .await;
    let names: Vec<&str> = p["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["username"].as_str().expect("name"))
        .collect();
    let mut want = names.clone();
    want.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, want);
    assert_eq!(names[0], "zed06");
    for (q, field) in [
        ("sort=password_hash", "sort"),
        ("sort=username;drop table users", "sort"),
        ("dir=sideways", "dir"),
        ("status=maybe", "status"),
        ("format=pdf", "format"),
    ] {
        let r = c
            .get(app.url(&format!("/api/v1/users?{q}")))
            .send()
            .await
            .expect("bad query");
        let p = problem_422(r, q).await;
        assert_eq!(fields(&p), vec![field], "{q}: {p}");
    }

    // Search: user name, e-mail, name; wildcards are literal.
    let p = body(
        c.get(app.url("/api/v1/users?q=ZED03"))
            .send()
            .await
            .expect("search"),
    )
    .await;
    assert_eq!(p["total"], 1, "{p}");
    assert_eq!(p["items"][0]["username"], "zed03");
    let p = body(
        c.get(app.url("/api/v1/users?q=Person%2005"))
            .send()
            .await
            .expect("search"),
    )
    .await;
    assert_eq!(p["total"], 1, "{p}");
    for wildcard in ["%25", "_", "zed_0"] {
        let p = body(
            c.get(app.url(&format!("/api/v1/users?q={wildcard}")))
                .send()
                .await
                .expect("search"),
        )
        .await;
        assert_eq!(p["total"], 0, "`{wildcard}` is not a wildcard: {p}");
    }
    let p = body(
        c.get(app.url("/api/v1/users?status=disabled"))
            .send()
            .await
            .expect("filter"),
    )
    .await;
    assert_eq!(p["total"], 0);
    let p = body(
        c.get(app.url("/api/v1/users?role=admin"))
            .send()
            .await
            .expect("filter"),
    )
    .await;
    assert_eq!(p["total"], 1);

    // CSV export: the filtered rows, all of them (no paging), exact header.
    let r = c
        .get(app.url("/api/v1/users?format=csv&q=zed&limit=2"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    assert!(
        content_type(&r).starts_with("text/csv"),
        "{}",
        content_type(&r)
    );
    assert!(r
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("attachment") && v.contains("users.csv")));
    let text = r.text().await.expect("text");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "username,email,display_name,roles,status,created_at"
    );
    assert_eq!(
        lines.len(),
        1 + 7,
        "header and the seven matching users: {text}"
    );
    assert!(lines[1].starts_with("zed00,zed00@acme.example,zed Person 00,employee,active,"));

    let r = c
        .get(app.url("/api/v1/users?format=xlsx"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(r.status(), 200);
    assert!(
        content_type(&r).contains("spreadsheetml"),
        "{}",
        content_type(&r)
    );
    let bytes = r.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"PK"), "an XLSX file is a zip archive");
    assert!(bytes.len() > 1000);

    // A read-only token may export; so may the auditor.
    let ro = app.token(ADMIN, ADMIN_PASSWORD, true).await;
    let r = app
        .api(&ro)
        .get(app.url("/api/v1/users?format=csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
});

both_databases!(csv_export_does_not_run_formulas, |db| async move {
    let app = spawn_app(db).await;
    let c = admin_api(&app).await;
    let r = c
        .post(app.url("/api/v1/users"))
        .json(&json!({"username": "formula", "email": "formula@acme.example", "display_name": "=HYPERLINK(\"http://evil.example\",\"x\")"}))
        .send()
        .await
        .expect("create");
    assert_eq!(r.status(), 201);
    let text = c
        .get(app.url("/api/v1/users?format=csv&q=formula"))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    let row = text.lines().nth(1).expect("a row");
    let cells: Vec<&str> = row.split(',').collect();
    let name = cells[2].trim_start_matches('"');
    assert!(
        !name.starts_with('=') && !name.starts_with('+') && !name.starts_with('@'),
        "a cell that a spreadsheet would run as a formula is neutralised: {row}"
    );
});

both_databases!(imports_are_all_or_nothing, |db| async move {
    let app = spawn_app(db).await;
    let c = admin_api(&app).await;
    let before = user_count(&app, &c).await;

    // Lines 3 and 5 are bad (the header is line 1).
    let bad = "username,email,display_name,roles\n\
               good1,good1@acme.example,Good One,employee\n\
               bad2,not-an-address,Bad Two,employee\n\
               good3,good3@acme.example,Good Three,accountant\n\
               bad4,bad4@acme.example,Bad Four,overlord\n";
    let r = import(&app, &c, bad.to_string(), false).await;
    assert_eq!(r.status(), 422);
    let rep = body(r).await;
    assert_eq!(rep["created"], 0, "{rep}");
    let problems: Vec<(u64, String)> = rep["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().expect("line"),
                p["column"].as_str().expect("column").to_string(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        vec![(3, "email".to_string()), (5, "roles".to_string())],
        "{rep}"
    );
    assert!(rep.to_string().contains("overlord"), "{rep}");
    assert_eq!(user_count(&app, &c).await, before, "nothing was written");

    // Duplicates within the file and against the database are problems too.
    let dup = "username,email,display_name,roles\n\
               dup,dup@acme.example,Dup,employee\n\
               dup,dup2@acme.example,Dup Again,employee\n\
               admin,someone@acme.example,Admin Again,employee\n";
    let rep = body(import(&app, &c, dup.to_string(), false).await).await;
    let lines: Vec<u64> = rep["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["line"].as_u64())
        .collect();
    assert_eq!(lines, vec![3, 4], "{rep}");
    assert_eq!(user_count(&app, &c).await, before);

    // A dry run of a good file checks every row and writes nothing.
    let good = people_csv("imp", 5);
    let r = import(&app, &c, good.clone(), true).await;
    assert_eq!(r.status(), 200);
    let rep = body(r).await;
    assert_eq!(rep["dry_run"], true);
    assert_eq!(rep["rows"], 5);
    assert_eq!(rep["created"], 0);
    assert_eq!(rep["problems"], json!([]));
    assert_eq!(
        user_count(&app, &c).await,
        before,
        "a dry run writes nothing"
    );

    // The real import writes them all, with one audit event.
    let r = import(&app, &c, good, false).await;
    assert_eq!(r.status(), 200);
    let rep = body(r).await;
    assert_eq!(rep["created"], 5, "{rep}");
    assert_eq!(user_count(&app, &c).await, before + 5);
    let ev = body(
        c.get(app.url("/api/v1/audit?entity=user&action=import"))
            .send()
            .await
            .expect("audit"),
    )
    .await;
    assert_eq!(ev["total"], 1, "{ev}");
    assert!(ev["items"][0]["changes"].to_string().contains("imp04"));

    // An XLSX export of the company imports back as "already taken" rows, not as a crash.
    let xlsx = c
        .get(app.url("/api/v1/users?format=xlsx&q=imp"))
        .send()
        .await
        .expect("xlsx")
        .bytes()
        .await
        .expect("bytes");
    let r = c
        .post(app.url("/api/v1/users/import?dry_run=true"))
        .header(
            "content-type",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .body(xlsx.to_vec())
        .send()
        .await
        .expect("import xlsx");
    assert_eq!(r.status(), 422);
    let rep = body(r).await;
    assert_eq!(rep["problems"].as_array().map(Vec::len), Some(5), "{rep}");
});

async fn events(app: &TestApp, c: &reqwest::Client, query: &str) -> Vec<Value> {
    let v = body(
        c.get(app.url(&format!("/api/v1/audit?{query}")))
            .send()
            .await
            .expect("audit"),
    )
    .await;
    v["items"].as_array().expect("items").clone()
}

both_databases!(changes_and_failed_sign_ins_are_audited, |db| async move {
    let app = spawn_app(db).await;
    let c = admin_api(&app).await;
    let u = create_user(&app, &c, "otto").await;
    let id = u["id"].as_i64().expect("id");
    let r = c
        .patch(app.url(&format!("/api/v1/users/{id}")))
        .json(&json!({"email": "otto.new@acme.example", "version": u["version"]}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    let r = c
        .post(app.url(&format!("/api/v1/users/{id}/disable")))
        .send()
        .await
        .expect("disable");
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["disabled"], true);

    let id_s = id.to_string();
    let of_otto = |evs: Vec<Value>| -> Vec<Value> {
        evs.into_iter()
            .filter(|e| e["entity_id"].as_str() == Some(id_s.as_str()))
            .collect()
    };
    let created = of_otto(events(&app, &c, "entity=user&action=create").await);
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["actor"], "admin");
    assert_eq!(created[0]["changes"]["username"], "otto");
    let updated = of_otto(events(&app, &c, "entity=user&action=update").await);
    assert_eq!(updated.len(), 1);
    assert_eq!(
        updated[0]["changes"]["email"],
        json!({"from": "otto@acme.example", "to": "otto.new@acme.example"})
    );
    let disabled = of_otto(events(&app, &c, "entity=user&action=disable").await);
    assert_eq!(disabled.len(), 1);

    // A failed sign-in is recorded, and no password is. The address is the peer's: a
    // forwarded-for header is not trusted unless configured.
    let browser = app.browser();
    let r = browser
        .post(app.url("/login"))
        .header("x-forwarded-for", "203.0.113.9")
        .form(&[
            ("login", "admin"),
            ("password", "not the password at all"),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 422);
    let failed = events(&app, &c, "action=sign_in_failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["actor"], "admin");
    assert_eq!(failed[0]["ip"], "127.0.0.1", "{}", failed[0]);
    assert!(
        !failed[0].to_string().contains("not the password"),
        "{}",
        failed[0]
    );

    // Filters narrow; the newest event comes first; the chain verifies.
    let all = events(&app, &c, "limit=500").await;
    let seqs: Vec<i64> = all.iter().filter_map(|e| e["seq"].as_i64()).collect();
    let mut desc = seqs.clone();
    desc.sort_by(|a, b| b.cmp(a));
    assert_eq!(seqs, desc, "newest first");
    let v = body(
        c.get(app.url("/api/v1/audit/verify"))
            .send()
            .await
            .expect("verify"),
    )
    .await;
    assert_eq!(v["ok"], true, "{v}");
    assert!(v["events"].as_u64().expect("events") >= all.len() as u64);
    let r = c
        .get(app.url("/api/v1/audit?from=yesterday"))
        .send()
        .await
        .expect("bad date");
    let p = problem_422(r, "bad date").await;
    assert_eq!(fields(&p), vec!["from"]);
});

fn csp_directive<'a>(csp: &'a str, name: &str) -> Option<&'a str> {
    csp.split(';')
        .map(str::trim)
        .find(|d| d.split_whitespace().next() == Some(name))
}

fn assert_security_headers(r: &reqwest::Response, what: &str) {
    let h = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what}: no {n} header"))
            .to_string()
    };
    let csp = h("content-security-policy");
    let script = csp_directive(&csp, "script-src")
        .or_else(|| csp_directive(&csp, "default-src"))
        .unwrap_or_else(|| panic!("{what}: no script-src: {csp}"));
    assert!(
        !script.contains("'unsafe-inline'") && !script.contains("'unsafe-eval'"),
        "{what}: {script}"
    );
    assert_eq!(
        csp_directive(&csp, "frame-ancestors"),
        Some("frame-ancestors 'none'"),
        "{what}: {csp}"
    );
    assert_eq!(h("x-content-type-options"), "nosniff", "{what}");
    let rp = h("referrer-policy");
    assert!(
        [
            "no-referrer",
            "same-origin",
            "strict-origin",
            "strict-origin-when-cross-origin"
        ]
        .contains(&rp.as_str()),
        "{what}: referrer-policy {rp}"
    );
}

both_databases!(security_headers_everywhere, |db| async move {
    let app = spawn_app(db).await;
    let anon = app.browser();
    let r = anon
        .get(app.url("/login"))
        .send()
        .await
        .expect("login page");
    assert_eq!(r.status(), 200);
    assert_security_headers(&r, "sign-in page");
    let c = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let r = c.get(app.url("/users")).send().await.expect("page");
    assert_eq!(r.status(), 200);
    assert_security_headers(&r, "users page");
    let html = r.text().await.expect("html");
    assert!(!html.contains("<script>"), "no inline script on a page");
    assert!(!html.contains(" style=\""), "no inline style on a page");
    let api = admin_api(&app).await;
    let r = api.get(app.url("/api/v1/me")).send().await.expect("api");
    assert_eq!(r.status(), 200);
    assert_security_headers(&r, "API answer");
    let r = api
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .expect("api 404");
    assert_eq!(r.status(), 404);
    assert_eq!(content_type(&r), "application/problem+json");
    assert_security_headers(&r, "API 404");
    let r = anon
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("api 401");
    assert_eq!(r.status(), 401);
    assert_security_headers(&r, "API 401");
    assert!(r.headers().get("x-request-id").is_some());
});

/// Runs SQL on the test database directly (to break it on purpose).
async fn raw_sql(app: &TestApp, sql: &str) {
    use sqlx::{Connection, Executor};
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(&app.guard.url)
        .await
        .expect("connect");
    if let Some(schema) = &app.guard.schema {
        c.execute(format!("SET search_path TO {schema}").as_str())
            .await
            .expect("search path");
    }
    c.execute(sql).await.expect("raw sql");
}

both_databases!(internal_errors_do_not_show_database_text, |db| async move {
    let app = spawn_app(db).await;
    let c = admin_api(&app).await;
    let page = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(
        c.get(app.url("/api/v1/audit"))
            .send()
            .await
            .expect("audit")
            .status(),
        200
    );
    raw_sql(&app, "ALTER TABLE audit_events RENAME TO audit_events_gone").await;

    let leaks = |text: &str| {
        let t = text.to_lowercase();
        [
            "audit_events",
            "no such table",
            "does not exist",
            "sqlite",
            "postgres",
            "sqlx",
            "select ",
        ]
        .into_iter()
        .find(|w| t.contains(w))
        .map(str::to_string)
    };
    let r = c.get(app.url("/api/v1/audit")).send().await.expect("audit");
    assert_eq!(r.status(), 500);
    assert_eq!(content_type(&r), "application/problem+json");
    let rid = r
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("request id")
        .to_string();
    let text = r.text().await.expect("text");
    assert_eq!(
        leaks(&text),
        None,
        "the API answer shows database text: {text}"
    );
    assert!(
        text.contains(&format!("internal error, ref {rid}")),
        "{text}"
    );

    let r = page.get(app.url("/audit")).send().await.expect("page");
    assert_eq!(r.status(), 500);
    let html = r.text().await.expect("html");
    assert_eq!(
        leaks(&html),
        None,
        "the error page shows database text: {html}"
    );

    // A write that fails half-way (its audit event cannot be written) leaves nothing behind.
    let r = c
        .post(app.url("/api/v1/users"))
        .json(&json!({"username": "ghost", "email": "ghost@acme.example", "display_name": "Ghost"}))
        .send()
        .await
        .expect("create");
    assert_eq!(r.status(), 500);
    let text = r.text().await.expect("text");
    assert_eq!(leaks(&text), None, "{text}");
    let p = body(
        c.get(app.url("/api/v1/users?q=ghost"))
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(
        p["total"], 0,
        "the user was rolled back with its audit event"
    );
});

both_databases!(get_never_changes_state, |db| async move {
    let app = spawn_app(db).await;
    let c = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let r = c.get(app.url("/logout")).send().await.expect("get logout");
    assert!(
        r.status() == 404 || r.status() == 405,
        "GET /logout is not a route: {}",
        r.status()
    );
    let r = c.get(app.url("/users")).send().await.expect("users");
    assert_eq!(r.status(), 200, "still signed in");
    let api = admin_api(&app).await;
    let u = create_user(&app, &api, "gina").await;
    let r = c
        .get(app.url(&format!("/users/{}/disable", u["id"])))
        .send()
        .await
        .expect("get disable");
    assert!(r.status() == 404 || r.status() == 405, "{}", r.status());
    let now = body(
        api.get(app.url(&format!("/api/v1/users/{}", u["id"])))
            .send()
            .await
            .expect("get"),
    )
    .await;
    assert_eq!(now["disabled"], false, "GET disabled nobody");
    assert_eq!(now["version"], u["version"]);
});

both_databases!(every_api_error_is_problem_json, |db| async move {
    let app = spawn_app(db).await;
    let c = admin_api(&app).await;
    // Ids and query values of the wrong type, and methods a route does not have, are answered
    // in the same format as every other API error.
    for (method, path, status, field) in [
        ("GET", "/api/v1/users/abc", 400, None),
        ("GET", "/api/v1/users/99999999999999999999", 400, None),
        ("DELETE", "/api/v1/roles/x1", 400, None),
        ("GET", "/api/v1/users?limit=abc", 400, Some("limit")),
        ("GET", "/api/v1/users?offset=-1", 422, Some("offset")),
        ("DELETE", "/api/v1/me", 405, None),
        ("PUT", "/api/v1/users", 405, None),
    ] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let r = c.request(m, app.url(path)).send().await.expect("request");
        let what = format!("{method} {path}");
        assert_eq!(r.status(), status, "{what}");
        assert_eq!(content_type(&r), "application/problem+json", "{what}");
        let p = body(r).await;
        assert_eq!(p["status"], status, "{what}: {p}");
        assert!(
            p["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{what}: {p}"
        );
        assert!(p["request_id"].as_str().is_some(), "{what}: {p}");
        if let Some(f) = field {
            assert_eq!(fields(&p), vec![f], "{what}: {p}");
        }
    }
    // Anonymous callers get problem+json too, before anything else is looked at.
    let r = reqwest::Client::new()
        .get(app.url("/api/v1/users/abc"))
        .send()
        .await
        .expect("anon");
    assert_eq!(r.status(), 401);
    assert_eq!(content_type(&r), "application/problem+json");
});

both_databases!(imports_follow_an_explicit_column_mapping, |db| async move {
    let app = spawn_app(db).await;
    let c = admin_api(&app).await;
    let before = user_count(&app, &c).await;
    // Headers that the automatic matching cannot place, and a decoy column named like a field.
    let csv = "Login;Mail;Full name;email\nmapped1;m1@acme.example;Mapped One;decoy\nmapped2;m2@acme.example;Mapped Two;decoy\n";
    let post = |query: &str| {
        c.post(app.url(&format!("/api/v1/users/import?{query}")))
            .header("content-type", "text/csv")
            .body(csv.to_string())
            .send()
    };
    // Without a mapping the file is refused whole: `username` has no column.
    let r = post("dry_run=false").await.expect("import");
    assert_eq!(r.status(), 422);
    assert!(body(r).await.to_string().contains("username"));
    assert_eq!(user_count(&app, &c).await, before);
    // A mapping to a column the file does not have names the mapping field.
    let r = post("dry_run=true&map.username=Nope&map.display_name=Full%20name")
        .await
        .expect("import");
    assert_eq!(r.status(), 422);
    let v = body(r).await;
    assert_eq!(v["errors"][0]["field"], "map.username", "{v}");
    // With the mapping, the explicit `Mail` column wins over the decoy `email` column.
    let q = "dry_run=false&map.username=Login&map.email=Mail&map.display_name=Full%20name";
    let r = post(q).await.expect("import");
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["created"], 2);
    assert_eq!(user_count(&app, &c).await, before + 2);
    let listed = body(
        c.get(app.url("/api/v1/users?q=mapped&sort=username"))
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(listed["items"][0]["email"], "m1@acme.example", "{listed}");
    assert_eq!(listed["items"][1]["display_name"], "Mapped Two", "{listed}");
});
