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
