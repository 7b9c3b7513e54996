//! Personal data and pay are their own grants (`hr_personal`, `hr_pay`), end to end on both
//! databases: the HR clerk keeps records and sees personal data but no pay (page, API,
//! export), the HR lead sees both, a custom role with `hr.update` alone sees neither and
//! cannot overwrite what it was never shown, pay never enters an import or the audit trail,
//! and the roles page and API offer the new grants (read and update only).
use serde_json::{json, Value};
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";
const PAY: &str = "61234.00";

async fn api(app: &TestApp, user: &str) -> reqwest::Client {
    let pw = if user == ADMIN {
        ADMIN_PASSWORD
    } else {
        PASSWORD
    };
    app.api(&app.token(user, pw, false).await)
}

async fn page(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.expect("get");
    let status = r.status().as_u16();
    (status, r.text().await.expect("text"))
}

async fn employee(c: &reqwest::Client, app: &TestApp, id: i64) -> Value {
    let r = c
        .get(app.url(&format!("/api/v1/hr/employees/{id}")))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    body(r).await
}

/// A custom role: HR read and update at company scope, nothing of the new grants (what
/// "HR staff" meant before personal data and pay had grants of their own).
async fn hr_assistant_role(admin: &reqwest::Client, app: &TestApp) {
    let g = |d: &str, a: &str| json!({"domain": d, "action": a, "scope": "company"});
    let r = admin
        .post(app.url("/api/v1/roles"))
        .json(&json!({"key": "hr_assistant", "name": "HR assistant",
            "grants": [g("hr", "read"), g("hr", "update"), g("hr", "create"), g("hr", "import")]}))
        .send()
        .await
        .expect("role");
    assert_eq!(r.status(), 201);
}

both_databases!(pay_and_personal_data_follow_their_grants, |db| async move {
    let app = spawn_app(db).await;
    let admin = api(&app, ADMIN).await;
    hr_assistant_role(&admin, &app).await;
    add_user(&app.store, app.company, "lead", PASSWORD, &["hr_lead"]).await;
    add_user(&app.store, app.company, "clerk", PASSWORD, &["hr_clerk"]).await;
    add_user(
        &app.store,
        app.company,
        "assistant",
        PASSWORD,
        &["hr_assistant"],
    )
    .await;
    add_user(&app.store, app.company, "aud", PASSWORD, &["auditor"]).await;
    let lead = api(&app, "lead").await;
    let clerk = api(&app, "clerk").await;
    let assistant = api(&app, "assistant").await;
    let aud = api(&app, "aud").await;

    // The lead hires with a contract.
    let r = lead
        .post(app.url("/api/v1/hr/employees"))
        .json(
            &json!({"employee_number": "E1", "legal_name": "Emma Example",
            "preferred_name": "Em", "start_date": "2024-01-01", "national_id": "NAT-77", "home_address": "1 Home Road",
            "contract": {"effective_date": "2024-01-01", "contract_type": "permanent",
                         "pay": PAY, "currency": "EUR", "frequency": "year"}}),
        )
        .send()
        .await
        .expect("hire");
    assert_eq!(r.status(), 201);
    let id = body(r).await["id"].as_i64().expect("id");

    // API: who gets which keys.
    let e = employee(&lead, &app, id).await;
    assert_eq!(e["contract"]["pay"], PAY, "the lead sees pay");
    assert_eq!(e["national_id"], "NAT-77");
    let e = employee(&clerk, &app, id).await;
    assert_eq!(e["relation"], "hr");
    assert_eq!(e["national_id"], "NAT-77", "the clerk sees personal data");
    assert_eq!(e["legal_name"], "Emma Example");
    for absent in ["contract", "contracts"] {
        assert!(e.get(absent).is_none(), "clerk: {absent} absent: {e}");
    }
    for (who, c) in [("assistant", &assistant), ("auditor", &aud)] {
        let e = employee(c, &app, id).await;
        assert_eq!(e["employee_number"], "E1", "{who} sees job data");
        for absent in [
            "contract",
            "contracts",
            "national_id",
            "legal_name",
            "home_address",
            "birth_date",
            "emergency_contacts",
        ] {
            assert!(e.get(absent).is_none(), "{who}: {absent} absent: {e}");
        }
    }
    assert!(!serde_json::to_string(&employee(&clerk, &app, id).await)
        .unwrap_or_default()
        .contains(PAY));

    // Pages: the lead's shows the pay, the clerk's neither the pay nor the form to add it.
    let lead_s = app.signed_in("lead", PASSWORD).await;
    let clerk_s = app.signed_in("clerk", PASSWORD).await;
    let assistant_s = app.signed_in("assistant", PASSWORD).await;
    let path = format!("/hr/employees/{id}");
    let (s, html) = page(&lead_s, &app, &path).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("61,234.00") || html.contains(PAY),
        "lead: pay shown"
    );
    assert!(html.contains("id=\"contracts\""));
    let (s, html) = page(&clerk_s, &app, &path).await;
    assert_eq!(s, 200);
    assert!(
        !html.contains("61,234") && !html.contains("61234"),
        "clerk: no pay"
    );
    assert!(
        !html.contains("id=\"contracts\"")
            && !html.contains("action=\"/hr/employees/{id}/contracts\"")
    );
    assert!(html.contains("NAT-77"), "clerk: personal data shown");
    assert!(
        html.contains("name=\"national_id\""),
        "clerk edits personal data"
    );
    let (s, html) = page(&assistant_s, &app, &path).await;
    assert_eq!(s, 200);
    assert!(!html.contains("NAT-77") && !html.contains("61,234") && !html.contains("61234"));
    assert!(
        html.contains("id=\"employee-edit\""),
        "the assistant edits the job part"
    );
    assert!(
        !html.contains("name=\"national_id\"") && !html.contains("name=\"legal_name\""),
        "no personal fields in the assistant's form"
    );
    // The hire form: the clerk gets no contract fields; the assistant no form at all.
    let (s, html) = page(&clerk_s, &app, "/hr/employees/new").await;
    assert_eq!(s, 200);
    assert!(html.contains("name=\"legal_name\"") && !html.contains("name=\"pay\""));
    let (s, _) = page(&assistant_s, &app, "/hr/employees/new").await;
    assert_eq!(s, 403);

    // Export: no pay column for anyone; personal data neither.
    for (who, c) in [("lead", &lead), ("clerk", &clerk), ("auditor", &aud)] {
        let csv = c
            .get(app.url("/api/v1/hr/employees?format=csv"))
            .send()
            .await
            .expect("csv")
            .text()
            .await
            .expect("text");
        assert!(csv.contains("E1"), "{who}: {csv}");
        assert!(
            !csv.contains("6123") && !csv.contains("NAT-77"),
            "{who}: {csv}"
        );
    }
    // Search by a legal name only for those who see it (the directory shows "Em").
    let found = |c: reqwest::Client| {
        let app = &app;
        async move {
            body(
                c.get(app.url("/api/v1/hr/employees?q=emma"))
                    .send()
                    .await
                    .expect("list"),
            )
            .await["total"]
                .as_i64()
                .unwrap_or(-1)
        }
    };
    assert_eq!(found(clerk.clone()).await, 1);
    assert_eq!(found(assistant.clone()).await, 0);

    // Writing pay: only the lead.
    let contract = json!({"effective_date": "2025-01-01", "contract_type": "permanent",
        "pay": "70000.00", "currency": "EUR", "frequency": "year"});
    let url = app.url(&format!("/api/v1/hr/employees/{id}/contracts"));
    for (who, c, want) in [
        ("clerk", &clerk, 403),
        ("assistant", &assistant, 403),
        ("lead", &lead, 201),
    ] {
        let r = c.post(&url).json(&contract).send().await.expect("contract");
        assert_eq!(r.status(), want, "{who} adds a contract");
    }
    let r = clerk_s
        .post(app.url(&format!("/hr/employees/{id}/contracts")))
        .form(&[
            ("contract_effective_date", "2026-01-01"),
            ("contract_type", "permanent"),
            ("pay", "99999.00"),
            ("currency", "EUR"),
            ("frequency", "year"),
        ])
        .send()
        .await
        .expect("page contract");
    assert_eq!(r.status(), 403, "the clerk's page post is refused too");
    let pays: Vec<String> = employee(&lead, &app, id).await["contracts"]
        .as_array()
        .expect("contracts")
        .iter()
        .map(|c| c["pay"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(pays.len(), 2, "{pays:?}");
    assert!(!pays.contains(&"99999.00".to_string()));
    // Hiring with a contract takes hr_pay.update: refused naming the field.
    let r = clerk
        .post(app.url("/api/v1/hr/employees"))
        .json(
            &json!({"employee_number": "E2", "legal_name": "Carl Clerked",
            "start_date": "2024-01-01", "contract": contract}),
        )
        .send()
        .await
        .expect("hire");
    assert_eq!(r.status(), 422);
    assert_eq!(fields(&body(r).await), ["contract"]);
    let r = clerk
        .post(app.url("/api/v1/hr/employees"))
        .json(
            &json!({"employee_number": "E2", "legal_name": "Carl Clerked",
            "start_date": "2024-01-01"}),
        )
        .send()
        .await
        .expect("hire");
    assert_eq!(r.status(), 201, "the clerk hires without pay");
    // The assistant may not hire (a hire writes the legal name) nor import.
    let r = assistant
        .post(app.url("/api/v1/hr/employees"))
        .json(&json!({"employee_number": "E3", "legal_name": "Ann", "start_date": "2024-01-01"}))
        .send()
        .await
        .expect("hire");
    assert_eq!(r.status(), 403);
    let csv = "employee_number,legal_name,start_date\nI1,Ivy,2024-01-01\n";
    let r = assistant
        .post(app.url("/api/v1/hr/employees/import?dry_run=true"))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 403);
    // An import has no pay columns: a clerk's file with one is refused by its column.
    let csv = "employee_number,legal_name,start_date,pay\nI1,Ivy,2024-01-01,50000\n";
    let r = clerk
        .post(app.url("/api/v1/hr/employees/import?dry_run=true"))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 422);
    let rep = body(r).await;
    assert!(
        rep["problems"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["column"] == "pay")),
        "{rep}"
    );

    // Personal data: the assistant changes the job part, not personal fields.
    let version = employee(&lead, &app, id).await["version"]
        .as_i64()
        .expect("version");
    let r = assistant
        .patch(app.url(&format!("/api/v1/hr/employees/{id}")))
        .json(&json!({"national_id": "", "home_address": "elsewhere", "version": version}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 422);
    let mut f = fields(&body(r).await);
    f.sort();
    assert_eq!(f, ["home_address", "national_id"]);
    // Its page form (which leaves personal fields out) saves the job part and keeps them.
    let (_, html) = page(&assistant_s, &app, &path).await;
    let version = html
        .split_once("name=\"version\" value=\"")
        .and_then(|(_, r)| r.split('"').next())
        .unwrap_or("0")
        .to_string();
    let r = assistant_s
        .post(app.url(&format!("{path}/update")))
        .form(&[("version", version.as_str()), ("position", "Analyst")])
        .send()
        .await
        .expect("update");
    assert_eq!(r.status(), 303);
    let e = employee(&lead, &app, id).await;
    assert_eq!(e["position"], "Analyst");
    assert_eq!(e["national_id"], "NAT-77");
    assert_eq!(e["legal_name"], "Emma Example");
    assert_eq!(e["home_address"], "1 Home Road");
    // The clerk corrects personal data directly.
    let r = clerk
        .patch(app.url(&format!("/api/v1/hr/employees/{id}")))
        .json(&json!({"national_id": "NAT-78", "version": e["version"]}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    assert_eq!(employee(&lead, &app, id).await["national_id"], "NAT-78");
    // Documents are personal data: the assistant may not upload one.
    let form = reqwest::multipart::Form::new()
        .text("category", "contract")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec()).file_name("a.pdf"),
        );
    let r = assistant
        .post(app.url(&format!("/api/v1/hr/employees/{id}/documents")))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status(), 403);

    // The audit trail holds no pay and no personal values, whoever reads it.
    let audit = admin
        .get(app.url("/api/v1/audit?limit=200"))
        .send()
        .await
        .expect("audit")
        .text()
        .await
        .expect("text");
    assert!(audit.contains("hr_contract"), "contracts are audited");
    for secret in ["61234", "70000", "NAT-77", "NAT-78", "1 Home Road"] {
        assert!(!audit.contains(secret), "{secret} in the audit trail");
    }
});

both_databases!(the_roles_ui_and_api_offer_the_new_grants, |db| async move {
    let app = spawn_app(db).await;
    let admin = api(&app, ADMIN).await;
    let admin_s = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let (s, html) = page(&admin_s, &app, "/roles/new").await;
    assert_eq!(s, 200);
    for name in [
        "g.hr_personal.read",
        "g.hr_personal.update",
        "g.hr_pay.read",
        "g.hr_pay.update",
    ] {
        assert!(html.contains(&format!("name=\"{name}\"")), "{name} offered");
    }
    for name in ["g.hr_pay.delete", "g.hr_pay.export", "g.hr_personal.import"] {
        assert!(
            !html.contains(&format!("name=\"{name}\"")),
            "{name} not offered"
        );
    }
    // The built-in roles say what they hold.
    let roles = body(
        admin
            .get(app.url("/api/v1/roles"))
            .send()
            .await
            .expect("roles"),
    )
    .await;
    let role = |k: &str| {
        roles
            .as_array()
            .and_then(|a| a.iter().find(|r| r["key"] == k))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let holds = |r: &Value, d: &str, a: &str| {
        r["grants"]
            .as_array()
            .is_some_and(|g| g.iter().any(|g| g["domain"] == d && g["action"] == a))
    };
    let clerk = role("hr_clerk");
    assert!(holds(&clerk, "hr_personal", "read") && holds(&clerk, "hr_personal", "update"));
    assert!(!holds(&clerk, "hr_pay", "read"));
    assert!(clerk["description"]
        .as_str()
        .unwrap_or("")
        .contains("no pay"));
    let lead = role("hr_lead");
    assert!(holds(&lead, "hr_pay", "read") && holds(&lead, "hr_pay", "update"));
    let auditor = role("auditor");
    assert!(!holds(&auditor, "hr_pay", "read") && !holds(&auditor, "hr_personal", "read"));

    // The API takes the new grants, with read and update only.
    let r = admin
        .post(app.url("/api/v1/roles"))
        .json(&json!({"key": "payroll_bad", "name": "Payroll",
            "grants": [{"domain": "hr_pay", "action": "delete", "scope": "company"}]}))
        .send()
        .await
        .expect("role");
    assert_eq!(r.status(), 422);
    assert_eq!(fields(&body(r).await), ["grants[0]"]);
    let r = admin
        .post(app.url("/api/v1/roles"))
        .json(&json!({"key": "payroll", "name": "Payroll viewer",
            "grants": [{"domain": "hr", "action": "read", "scope": "company"},
                       {"domain": "hr_pay", "action": "read", "scope": "company"}]}))
        .send()
        .await
        .expect("role");
    assert_eq!(r.status(), 201);
    // A holder of hr_pay.read alone sees pay, not personal data, and cannot add pay.
    add_user(&app.store, app.company, "payroll", PASSWORD, &["payroll"]).await;
    let r = admin
        .post(app.url("/api/v1/hr/employees"))
        .json(&json!({"employee_number": "P1", "legal_name": "Paula Paid",
            "start_date": "2024-01-01", "national_id": "NAT-9",
            "contract": {"effective_date": "2024-01-01", "contract_type": "permanent",
                         "pay": PAY, "currency": "EUR", "frequency": "year"}}))
        .send()
        .await
        .expect("hire");
    assert_eq!(r.status(), 201);
    let id = body(r).await["id"].as_i64().expect("id");
    let payroll = api(&app, "payroll").await;
    let e = employee(&payroll, &app, id).await;
    assert_eq!(e["contract"]["pay"], PAY);
    assert!(e.get("national_id").is_none(), "{e}");
    let r = payroll
        .post(app.url(&format!("/api/v1/hr/employees/{id}/contracts")))
        .json(
            &json!({"effective_date": "2025-01-01", "contract_type": "permanent",
            "pay": "1.00", "currency": "EUR", "frequency": "year"}),
        )
        .send()
        .await
        .expect("contract");
    assert_eq!(r.status(), 403);
});

both_databases!(
    approving_a_personal_data_change_takes_the_personal_grant,
    |db| async move {
        let app = spawn_app(db).await;
        let admin = api(&app, ADMIN).await;
        // An approver role that may decide (Work update) and is HR staff, without hr_personal.
        let g = |d: &str, a: &str, s: &str| json!({"domain": d, "action": a, "scope": s});
        let r = admin
            .post(app.url("/api/v1/roles"))
            .json(&json!({"key": "hr_approver", "name": "HR approver",
            "grants": [g("hr", "read", "company"), g("hr", "update", "company"),
                       g("work", "read", "own"), g("work", "update", "own")]}))
            .send()
            .await
            .expect("role");
        assert_eq!(r.status(), 201);
        let r = admin
            .put(app.url("/api/v1/approvals/policies"))
            .json(&json!({"kind": "hr.change", "levels": [{"rule": "role:hr_approver"}]}))
            .send()
            .await
            .expect("policy");
        assert!(r.status().is_success(), "{}", r.status());
        add_user(
            &app.store,
            app.company,
            "approver",
            PASSWORD,
            &["hr_approver"],
        )
        .await;
        let me = add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
        let r = admin
            .post(app.url("/api/v1/hr/employees"))
            .json(
                &json!({"employee_number": "C1", "legal_name": "Chris Change",
            "start_date": "2024-01-01", "user_id": me.0, "national_id": "NAT-1"}),
            )
            .send()
            .await
            .expect("hire");
        assert_eq!(r.status(), 201);
        let rec = body(r).await;
        let id = rec["id"].as_i64().expect("id");
        let emp = api(&app, "emp").await;
        let mine = employee(&emp, &app, id).await;
        let r = emp
            .patch(app.url(&format!("/api/v1/hr/employees/{id}")))
            .json(&json!({"national_id": "NAT-2", "version": mine["version"]}))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 200);
        let cr = body(r).await["change_request_id"]
            .as_i64()
            .expect("change request");
        let c = body(
            emp.get(app.url(&format!("/api/v1/hr/changes/{cr}")))
                .send()
                .await
                .expect("change"),
        )
        .await;
        let approval = c["approval_id"].as_i64().expect("approval");
        // The approver may not see the values, so may not apply them.
        let approver = api(&app, "approver").await;
        let r = approver
            .get(app.url(&format!("/api/v1/hr/changes/{cr}")))
            .send()
            .await
            .expect("change");
        assert_eq!(r.status(), 404);
        let r = approver
            .post(app.url(&format!("/api/v1/approvals/{approval}/approve")))
            .send()
            .await
            .expect("approve");
        assert_eq!(r.status(), 403);
        assert_eq!(employee(&admin, &app, id).await["national_id"], "NAT-1");
        let a = body(
            admin
                .get(app.url(&format!("/api/v1/approvals/{approval}")))
                .send()
                .await
                .expect("approval"),
        )
        .await;
        assert_eq!(a["status"], "pending", "nothing was decided: {a}");
    }
);
