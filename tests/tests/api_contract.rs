//! The OpenAPI document says what the server does (see steward-web's `api::contract`):
//! every operation documents its errors as problem+json, paging bounds are declared and
//! enforced in one place, `Idempotency-Key` is declared on every POST and checked only after
//! authentication.
use serde_json::Value;
use steward_e2e::*;

const ERRORS: [&str; 8] = ["400", "401", "403", "404", "409", "413", "422", "429"];

async fn document(app: &TestApp) -> Value {
    body(
        reqwest::get(app.url("/api/openapi.json"))
            .await
            .expect("openapi"),
    )
    .await
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                out.push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    out
}

both_databases!(
    every_operation_documents_its_errors_as_problems,
    |db| async move {
        let app = spawn_app(db).await;
        let doc = document(&app).await;
        let ops = operations(&doc);
        assert!(ops.len() > 100, "the whole API: {}", ops.len());
        for (method, path, op) in &ops {
            for code in ERRORS {
                let r = &op["responses"][code];
                assert!(
                    r["content"]["application/problem+json"]["schema"]["$ref"]
                        == "#/components/schemas/Problem",
                    "{method} {path} documents {code} as problem+json: {r}"
                );
            }
            for (code, r) in op["responses"].as_object().expect("responses") {
                if code.starts_with('4') {
                    assert!(
                        r["content"]
                            .get("application/json")
                            .is_none_or(|c| !c.to_string().contains("/Problem\"")),
                        "{method} {path} {code}: a problem is never plain JSON: {r}"
                    );
                }
            }
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for p in &params {
                let (name, schema) = (p["name"].as_str().unwrap_or(""), &p["schema"]);
                if p["in"] == "query" && (name == "limit" || name == "offset") {
                    assert!(
                        schema["minimum"].is_u64() && schema["maximum"].is_u64(),
                        "{method} {path} bounds `{name}`: {schema}"
                    );
                }
            }
            if method == "post" {
                let key = params
                    .iter()
                    .find(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
                    .unwrap_or_else(|| panic!("{method} {path} declares Idempotency-Key"));
                assert_eq!(key["schema"]["maxLength"], 200, "{method} {path}");
                assert_eq!(key["schema"]["minLength"], 1, "{method} {path}");
            }
        }
        // Each documented type has one name: the org chart's departments carry `depth`.
        let dept = &doc["components"]["schemas"]["OrgDepartmentOut"];
        assert!(
            dept["required"]
                .as_array()
                .is_some_and(|r| r.iter().any(|f| f == "depth")),
            "{dept}"
        );
    }
);

both_databases!(
    paging_outside_its_range_is_a_422_naming_it,
    |db| async move {
        let app = spawn_app(db).await;
        let t = app.token(ADMIN, ADMIN_PASSWORD, false).await;
        let c = app.api(&t);
        for (url, field) in [
            ("/api/v1/hr/org?offset=9223372036854775808", "offset"),
            ("/api/v1/hr/org?offset=1000000001", "offset"),
            ("/api/v1/users?limit=0", "limit"),
            ("/api/v1/users?limit=501", "limit"),
            ("/api/v1/users?offset=-1", "offset"),
            // The sort direction: lists that used to fall back to their default refuse it.
            ("/api/v1/audit?dir=sideways", "dir"),
            ("/api/v1/hr/health/issues?dir=up", "dir"),
        ] {
            let r = c.get(app.url(url)).send().await.expect("get");
            assert_eq!(r.status(), 422, "{url}");
            assert_eq!(
                r.headers()["content-type"],
                "application/problem+json",
                "{url}"
            );
            let p = body(r).await;
            assert_eq!(fields(&p), vec![field], "{url}: {p}");
        }
        // Not a number at all: 400, like any query value of the wrong type, naming it.
        for (url, field) in [
            ("/api/v1/ledger/entries?limit=ten", "limit"),
            ("/api/v1/audit?offset=1.5", "offset"),
        ] {
            let r = c.get(app.url(url)).send().await.expect("get");
            assert_eq!(r.status(), 400, "{url}");
            let p = body(r).await;
            assert_eq!(fields(&p), vec![field], "{url}: {p}");
        }
        for url in [
            "/api/v1/hr/org?offset=1000000000",
            "/api/v1/users?limit=500&offset=0",
            "/api/v1/users?limit=1",
            "/api/v1/audit?dir=asc",
            "/api/v1/audit?dir=",
        ] {
            let r = c.get(app.url(url)).send().await.expect("get");
            assert_eq!(r.status(), 200, "{url}");
        }
        // No credentials: 401 before the paging check.
        let r = reqwest::get(app.url("/api/v1/users?limit=0"))
            .await
            .expect("get");
        assert_eq!(r.status(), 401);
    }
);

both_databases!(
    an_unreadable_idempotency_key_is_checked_after_sign_in,
    |db| async move {
        let app = spawn_app(db).await;
        let anon = reqwest::Client::new();
        let r = anon
            .post(app.url("/api/v1/users"))
            .header("Idempotency-Key", "")
            .json(&serde_json::json!({"username": "x"}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 401, "anonymous: 401 first");
        let t = app.token(ADMIN, ADMIN_PASSWORD, false).await;
        let r = app
            .api(&t)
            .post(app.url("/api/v1/users"))
            .header("Idempotency-Key", "")
            .json(&serde_json::json!({"username": "x"}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 422);
        assert_eq!(fields(&body(r).await), vec!["Idempotency-Key"]);
    }
);

/// A multipart form with these text parts and, when given, a file part `file`.
fn upload(parts: &[(&str, &str)], file: Option<(&str, &[u8])>) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in parts {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((name, bytes)) = file {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        );
    }
    form
}

both_databases!(
    every_upload_takes_its_declared_parts_once_and_no_null,
    |db| async move {
        let app = spawn_app(db).await;
        let doc = document(&app).await;
        // Every multipart operation names a form schema (no bare string a client cannot
        // build), closed, whose parts admit no null: a part is text, absent for none.
        let mut forms = 0;
        for (method, path, op) in operations(&doc) {
            let Some(schema) = op["requestBody"]["content"].get("multipart/form-data") else {
                continue;
            };
            let name = schema["schema"]["$ref"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: a form schema, not {schema}"))
                .trim_start_matches("#/components/schemas/");
            let form = &doc["components"]["schemas"][name];
            assert_eq!(form["additionalProperties"], false, "{path}: {form}");
            let text = form["properties"].to_string();
            assert!(
                !text.contains("\"null\""),
                "{path}: {name} admits null: {text}"
            );
            forms += 1;
        }
        assert!(forms >= 4, "the uploads: {forms}");

        let t = app.token(ADMIN, ADMIN_PASSWORD, false).await;
        let c = app.api(&t);
        let csv: &[u8] = b"name\nAssets:Uploaded\n";
        let accounts = app.url("/api/v1/ledger/accounts/import");
        let journal = app.url("/api/v1/ledger/import");
        for (url, parts, file, field) in [
            // The accounts import reads its upload as every other API upload does.
            (
                &accounts,
                vec![("owner", "me")],
                Some(("a.csv", csv)),
                "owner",
            ),
            (&accounts, vec![("dry_run", "true")], None, "file"),
            (
                &accounts,
                vec![("dry_run", "true"), ("dry_run", "false")],
                Some(("a.csv", csv)),
                "dry_run",
            ),
            // A yes-or-no part is `true` or `false`: a misspelt dry run never writes.
            (
                &accounts,
                vec![("dry_run", "ture")],
                Some(("a.csv", csv)),
                "dry_run",
            ),
            (
                &journal,
                vec![("format", "hledger"), ("dry_run", "yes")],
                Some(("b.journal", csv)),
                "dry_run",
            ),
            (
                &journal,
                vec![("format", "hledger"), ("format", "ledger")],
                Some(("b.journal", csv)),
                "format",
            ),
        ] {
            let r = c
                .post(url.as_str())
                .multipart(upload(&parts, file))
                .send()
                .await
                .expect("upload");
            let status = r.status();
            let p = body(r).await;
            assert_eq!(status, 422, "{url} {parts:?}: {p}");
            assert_eq!(fields(&p), vec![field], "{url} {parts:?}: {p}");
        }
        // A text part is UTF-8 as sent: other bytes are refused, not replaced.
        let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
        let tom = app
            .store
            .seed_employee(
                app.company,
                &steward_store::hr::SeedEmployee::new("E1", "Tom Tiller", start),
            )
            .await
            .expect("employee");
        let docs = app.url(&format!("/api/v1/hr/employees/{}/documents", tom.0));
        let pdf: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";
        let with_title = |title: Vec<u8>| {
            upload(&[("category", "other")], Some(("a.pdf", pdf)))
                .part("title", reqwest::multipart::Part::bytes(title))
        };
        let r = c
            .post(&docs)
            .multipart(with_title(b"0*\xff".to_vec()))
            .send()
            .await
            .expect("upload");
        let status = r.status();
        let p = body(r).await;
        assert_eq!(status, 422, "{p}");
        assert_eq!(fields(&p), vec!["title"], "{p}");
        let r = c
            .post(&docs)
            .multipart(with_title("0*".into()))
            .send()
            .await
            .expect("upload");
        assert_eq!(r.status(), 201);
        // The journal import's format is read as the document declares it: any case,
        // white space around it trimmed.
        let doc_format = &doc["components"]["schemas"]["JournalImportForm"]["properties"]["format"];
        assert!(
            doc_format["pattern"]
                .as_str()
                .is_some_and(|p| p.contains("\\u3000]*(hledger|")),
            "{doc_format}"
        );
    }
);

both_databases!(an_export_format_is_exactly_csv_or_xlsx, |db| async move {
    let app = spawn_app(db).await;
    let t = app.token(ADMIN, ADMIN_PASSWORD, false).await;
    let c = app.api(&t);
    // The document declares csv, xlsx or empty: a format it does not list is refused,
    // not read as "no download" or as a file name.
    for url in [
        "/api/v1/audit?format=+",
        "/api/v1/audit?format=CSV",
        "/api/v1/users?format=list.csv",
        "/api/v1/users?format=%20xlsx",
    ] {
        let r = c.get(app.url(url)).send().await.expect("get");
        assert_eq!(r.status(), 422, "{url}");
        assert_eq!(fields(&body(r).await), vec!["format"], "{url}");
    }
    for (url, kind) in [
        ("/api/v1/audit?format=", "application/json"),
        ("/api/v1/users?format=csv", "text/csv"),
    ] {
        let r = c.get(app.url(url)).send().await.expect("get");
        assert_eq!(r.status(), 200, "{url}");
        let ct = r.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .to_string();
        assert!(ct.starts_with(kind), "{url}: {ct}");
    }
});

both_databases!(
    an_org_chart_edit_keeps_or_renames_but_never_clears_a_name,
    |db| async move {
        let app = spawn_app(db).await;
        let doc = document(&app).await;
        let schemas = &doc["components"]["schemas"];
        // Absent or null keeps the name; a given name is a required line, as on create.
        let edit = &schemas["OrgDepartmentIn"]["properties"]["name"];
        let create = &schemas["ApprovalDepartmentIn"]["properties"]["name"];
        assert_eq!(edit["pattern"], create["pattern"], "{edit} {create}");
        assert_eq!(
            edit["type"],
            serde_json::json!(["string", "null"]),
            "{edit}"
        );
        let code = &schemas["OrgDepartmentIn"]["properties"]["code"];
        assert!(
            code["pattern"]
                .as_str()
                .is_some_and(|p| p.contains("{1,20}")),
            "{code}"
        );

        let t = app.token(ADMIN, ADMIN_PASSWORD, false).await;
        let c = app.api(&t);
        let r = c
            .post(app.url("/api/v1/departments"))
            .json(&serde_json::json!({"name": "Sales"}))
            .send()
            .await
            .expect("create");
        assert_eq!(r.status(), 201);
        let id = body(r).await["id"].as_i64().expect("id");
        let url = app.url(&format!("/api/v1/hr/departments/{id}"));
        let r = c
            .put(&url)
            .json(&serde_json::json!({"name": " "}))
            .send()
            .await
            .expect("blank");
        assert_eq!(r.status(), 422);
        assert_eq!(fields(&body(r).await), vec!["name"]);
        let r = c
            .put(&url)
            .json(&serde_json::json!({"name": null, "code": " S-1 "}))
            .send()
            .await
            .expect("keep");
        assert_eq!(r.status(), 200);
        let d = body(r).await;
        assert_eq!(
            (d["name"].as_str(), d["code"].as_str()),
            (Some("Sales"), Some("S-1")),
            "{d}"
        );
    }
);

/// The query parameter `name` of `GET path` in the document.
fn param<'a>(doc: &'a Value, path: &str, name: &str) -> &'a Value {
    doc["paths"][path]["get"]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("GET {path} declares `{name}`"))
}

both_databases!(each_domain_adds_its_part_of_the_document, |db| async move {
    // The generic API module names no domain: each domain's `WebDomain::document` adds
    // what only it knows. Each part is here, so a domain that stops adding it is caught.
    let app = spawn_app(db).await;
    let doc = document(&app).await;
    let s = &doc["components"]["schemas"];
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    // Work's approvals: the registered kinds, direct ones for a request, all for a policy
    // and the lists' filters (empty for all).
    let direct = strings(&s["ApprovalIn"]["properties"]["kind"]["enum"]);
    let all = strings(&s["ApprovalPolicyIn"]["properties"]["kind"]["enum"]);
    assert!(
        !direct.is_empty() && direct.len() < all.len(),
        "{direct:?} {all:?}"
    );
    assert!(direct.iter().all(|k| all.contains(k)), "{direct:?} {all:?}");
    for kind in ["ledger.entry", "hr.change"] {
        assert!(all.iter().any(|k| k == kind), "{kind} in {all:?}");
    }
    let mut filter = all.clone();
    filter.push(String::new());
    for path in ["/api/v1/approvals", "/api/v1/approvals/mine"] {
        assert_eq!(
            strings(&param(&doc, path, "kind")["schema"]["enum"]),
            filter,
            "{path}"
        );
    }
    // A link to a registered record, the same pattern wherever one is taken.
    let record = param(&doc, "/api/v1/tasks", "link")["schema"]["pattern"].clone();
    for kind in ["task", "ledger\\.entry", "hr\\.employee", "user"] {
        assert!(
            record.as_str().is_some_and(|p| p.contains(kind)),
            "{kind} in {record}"
        );
    }
    for (schema, prop) in [
        ("TaskIn", "link"),
        ("TaskPatchIn", "link"),
        ("ApprovalIn", "subject"),
    ] {
        assert_eq!(
            s[schema]["properties"][prop]["pattern"], record,
            "{schema}.{prop}"
        );
    }
    // Work's cases: a target per priority, weekday hours, closed actions, a way to reach
    // the customer.
    let priorities: Vec<&str> = steward_core::work::cases::Priority::ALL
        .iter()
        .map(|p| p.as_str())
        .collect();
    assert_eq!(
        strings(&s["TargetIO"]["properties"]["priority"]["enum"]),
        priorities
    );
    assert_eq!(
        s["SlaIO"]["properties"]["targets"]["allOf"]
            .as_array()
            .map(Vec::len),
        Some(priorities.len())
    );
    assert!(s["SlaIO"]["properties"]["hours"]["propertyNames"]["enum"].is_array());
    assert!(s["HolidayIO"]["properties"]["name"]["pattern"].is_string());
    assert_eq!(s["ActionIn"]["discriminator"]["propertyName"], "action");
    let actions = s["ActionIn"]["oneOf"].as_array().expect("actions");
    assert!(
        actions.iter().all(|v| v["additionalProperties"] == false),
        "{actions:?}"
    );
    assert_eq!(s["CaseIn"]["anyOf"].as_array().map(Vec::len), Some(2));
    // The platform's roles: a grant per domain, with that domain's actions.
    assert_eq!(
        s["GrantIo"]["oneOf"].as_array().map(Vec::len),
        Some(steward_core::auth::Domain::ALL.len()),
        "{}",
        s["GrantIo"]
    );
});

both_databases!(list_parameters_are_read_as_declared, |db| async move {
    let app = spawn_app(db).await;
    let t = app.token(ADMIN, ADMIN_PASSWORD, false).await;
    let c = app.api(&t);
    // A sort is exactly one of the list's keys or empty (one reader, `contract::
    // parse_sort`): white space around a key, or only white space, is no key.
    for url in [
        "/api/v1/approvals/mine?sort=%0D",
        "/api/v1/tasks?sort=%20",
        "/api/v1/cases?sort=%09",
        "/api/v1/users?sort=%20username",
        "/api/v1/hr/employees?sort=%0A",
        "/api/v1/ledger/accounts?sort=%20",
        "/api/v1/hr/health/issues?sort=%20",
        "/api/v1/notifications?sort=%20",
    ] {
        let r = c.get(app.url(url)).send().await.expect("get");
        let status = r.status();
        let p = body(r).await;
        assert_eq!(status, 422, "{url}: {p}");
        assert_eq!(fields(&p), vec!["sort"], "{url}: {p}");
    }
    // Lists read through the shared list parameters take values as sent too (a page
    // trims what a person typed); only the search text is trimmed.
    for (url, field) in [
        ("/api/v1/audit?from=%202026-01-01", "from"),
        ("/api/v1/audit?to=2026-1-5", "to"),
        ("/api/v1/notifications?group=task%20", "group"),
    ] {
        let r = c.get(app.url(url)).send().await.expect("get");
        let status = r.status();
        let p = body(r).await;
        assert_eq!(status, 422, "{url}: {p}");
        assert_eq!(fields(&p), vec![field], "{url}: {p}");
    }
    // Every query value the document lists the choices of is one of them exactly
    // (`contract::check_choices`), however leniently a handler reads it.
    for (url, field) in [
        ("/api/v1/cases?status=open%20", "status"),
        ("/api/v1/cases?priority=HIGH", "priority"),
        ("/api/v1/tasks?overdue=%20yes", "overdue"),
        ("/api/v1/tasks?status=open&status=sideways", "status"),
    ] {
        let r = c.get(app.url(url)).send().await.expect("get");
        let status = r.status();
        let p = body(r).await;
        assert_eq!(status, 422, "{url}: {p}");
        assert_eq!(fields(&p), vec![field], "{url}: {p}");
    }
    for url in [
        "/api/v1/cases?status=open&priority=high",
        "/api/v1/tasks?overdue=yes&status=",
        "/api/v1/audit?q=%20admin%20&from=2026-01-01",
        "/api/v1/users?sort=username",
        "/api/v1/approvals/mine?sort=",
    ] {
        let r = c.get(app.url(url)).send().await.expect("get");
        assert_eq!(r.status(), 200, "{url}");
    }
});
