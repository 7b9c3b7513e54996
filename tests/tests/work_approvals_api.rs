//! The approvals API end to end, on both databases: departments with heads, a two-level
//! chain approved step by step, a rejection (with its required reason), self-approval
//! refused, an out-of-office delegate deciding "for" the manager, the escalation job,
//! bulk approval of small amounts (and a big one left alone), another company's request
//! is 404, policies, exports, and a ledger entry above the threshold that waits in the
//! inbox and posts when approved there.
use serde_json::{json, Value};
use steward_core::jobs::Handlers;
use steward_core::time::Timestamp;
use steward_core::work::approvals;
use steward_e2e::*;

const PASSWORD: &str = "a long enough test passphrase";

async fn client(app: &TestApp, user: &str) -> reqwest::Client {
    let pw = if user == ADMIN {
        ADMIN_PASSWORD
    } else {
        PASSWORD
    };
    let t = app.token(user, pw, false).await;
    app.api(&t)
}

async fn send(r: reqwest::RequestBuilder) -> (u16, Value) {
    let r = r.send().await.expect("request");
    let s = r.status().as_u16();
    let v = r.json().await.unwrap_or(Value::Null);
    (s, v)
}

/// The people: a manager heading Operations with two members, an accounting lead, an
/// admin; returns their ids by name.
struct People {
    boss: i64,
    emp: i64,
    deputy: i64,
    ops: i64,
}

async fn people(app: &TestApp, admin: &reqwest::Client) -> People {
    let mut ids = std::collections::HashMap::new();
    for (u, role) in [
        ("boss", "employee"),
        ("emp", "employee"),
        ("deputy", "employee"),
        ("lead", "accounting_lead"),
        ("acct", "accountant"),
    ] {
        ids.insert(
            u,
            add_user(&app.store, app.company, u, PASSWORD, &[role])
                .await
                .0,
        );
    }
    let (s, d) = send(
        admin
            .post(app.url("/api/v1/departments"))
            .json(&json!({"name": "Operations"})),
    )
    .await;
    assert_eq!(s, 201, "{d}");
    let ops = d["id"].as_i64().expect("id");
    let (s, d) = send(
        admin
            .put(app.url(&format!("/api/v1/departments/{ops}")))
            .json(&json!({"name": "Operations", "head_user_id": ids["boss"]})),
    )
    .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["head"], "boss (test)");
    for u in ["boss", "emp", "deputy", "acct"] {
        let (s, m) = send(
            admin
                .put(app.url(&format!("/api/v1/departments/members/{}", ids[u])))
                .json(&json!({"department_id": ops})),
        )
        .await;
        assert_eq!(s, 200, "{m}");
        assert_eq!(m["department_id"], ops);
    }
    People {
        boss: ids["boss"],
        emp: ids["emp"],
        deputy: ids["deputy"],
        ops,
    }
}

async fn ask(app: &TestApp, c: &reqwest::Client, kind: &str, title: &str, amount: &str) -> Value {
    let (s, v) = send(c.post(app.url("/api/v1/approvals")).json(&json!({
        "kind": kind, "title": title, "amount": amount, "description": "please"
    })))
    .await;
    assert_eq!(s, 201, "{v}");
    v
}

both_databases!(two_levels_rejection_and_rules, |db| async move {
    let app = spawn_app(db).await;
    let admin = client(&app, ADMIN).await;
    let p = people(&app, &admin).await;
    let emp = client(&app, "emp").await;
    let boss = client(&app, "boss").await;
    let lead = client(&app, "lead").await;

    // The default expense chain: the manager; above 1,000 also the accounting lead.
    let big = ask(&app, &emp, "expense", "Laptop", "1500.00").await;
    assert_eq!(big["status"], "pending");
    assert_eq!(big["amount"], "1500.00");
    assert_eq!(big["department_id"], p.ops);
    let steps = big["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 2, "{big}");
    assert_eq!(steps[0]["rule"], "manager");
    assert_eq!(steps[0]["approver_user_id"], p.boss);
    assert_eq!(steps[0]["status"], "pending");
    assert_eq!(steps[1]["rule"], "role:accounting_lead");
    assert_eq!(steps[1]["status"], "waiting");
    assert_eq!(big["can_decide"], false, "the requester does not decide");
    let id = big["id"].as_i64().expect("id");
    let url = app.url(&format!("/api/v1/approvals/{id}"));

    // Self-approval is refused, naming the approver.
    let (s, e) = send(emp.post(format!("{url}/approve"))).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(fields(&e), vec!["approver"]);
    // The lead cannot take the manager's step.
    let (s, _) = send(lead.post(format!("{url}/approve"))).await;
    assert!(s == 403 || s == 404, "{s}");

    // The manager's inbox shows it; approving moves it to the lead.
    let (s, inbox) = send(boss.get(app.url("/api/v1/approvals"))).await;
    assert_eq!(s, 200);
    assert_eq!(inbox["total"], 1, "{inbox}");
    assert_eq!(inbox["items"][0]["step_approver"], "boss (test) (manager)");
    let (s, v) = send(boss.get(&url)).await;
    assert_eq!(s, 200);
    assert_eq!(v["can_decide"], true);
    let (s, v) = send(
        boss.post(format!("{url}/approve"))
            .json(&json!({"comment": "needed for the new hire"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "pending");
    assert_eq!(v["steps"][0]["status"], "approved");
    assert_eq!(v["steps"][0]["decided_by_name"], "boss (test)");
    assert_eq!(v["steps"][0]["comment"], "needed for the new hire");
    assert_eq!(v["steps"][1]["status"], "pending");
    let (_, inbox) = send(boss.get(app.url("/api/v1/approvals"))).await;
    assert_eq!(inbox["total"], 0);
    let (_, inbox) = send(lead.get(app.url("/api/v1/approvals"))).await;
    assert_eq!(inbox["total"], 1);
    let (s, v) = send(lead.post(format!("{url}/approve"))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "approved");
    assert!(v["decided_at"].is_string());
    let (s, _) = send(lead.post(format!("{url}/approve"))).await;
    assert_eq!(s, 409, "decided already");

    // The requester sees where it stands.
    let (s, mine) = send(emp.get(app.url("/api/v1/approvals/mine"))).await;
    assert_eq!(s, 200);
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["status"], "approved");

    // Rejected: a reason is required.
    let small = ask(&app, &emp, "purchase", "Stapler", "12.50").await;
    let surl = app.url(&format!("/api/v1/approvals/{}", small["id"]));
    assert_eq!(small["steps"].as_array().map(Vec::len), Some(1));
    let (s, e) = send(
        boss.post(format!("{surl}/reject"))
            .json(&json!({"comment": "  "})),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(fields(&e), vec!["comment"]);
    let (s, v) = send(
        boss.post(format!("{surl}/reject"))
            .json(&json!({"comment": "we have plenty"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "rejected");
    assert_eq!(v["steps"][0]["comment"], "we have plenty");

    // Bad input names the field.
    let (s, e) = send(emp.post(app.url("/api/v1/approvals")).json(&json!({
        "kind": "ledger.entry", "title": "x"
    })))
    .await;
    assert_eq!(s, 422);
    assert_eq!(fields(&e), vec!["kind"]);
    let (s, e) = send(emp.post(app.url("/api/v1/approvals")).json(&json!({
        "kind": "expense", "title": "x", "amount": "1.234"
    })))
    .await;
    assert_eq!(s, 422);
    assert_eq!(fields(&e), vec!["amount"]);
    let (s, e) = send(emp.post(app.url("/api/v1/approvals")).json(&json!({
        "kind": "expense", "title": "", "amount": "1"
    })))
    .await;
    assert_eq!(s, 422);
    assert_eq!(fields(&e), vec!["title"]);
    let (s, e) = send(emp.get(app.url("/api/v1/approvals?sort=password"))).await;
    assert_eq!(s, 422);
    assert_eq!(fields(&e), vec!["sort"]);

    // Every decision is in the audit trail.
    let (s, audit) = send(admin.get(app.url("/api/v1/audit?entity=approval&limit=50"))).await;
    assert_eq!(s, 200);
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "approve").count(),
        2,
        "{actions:?}"
    );
    assert_eq!(actions.iter().filter(|a| **a == "reject").count(), 1);
    assert_eq!(actions.iter().filter(|a| **a == "submit").count(), 2);

    // Export of my requests.
    let r = emp
        .get(app.url("/api/v1/approvals/mine?format=csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    let text = r.text().await.expect("text");
    assert!(text.starts_with("id,kind,title,amount"), "{text}");
    assert!(text.contains("Laptop") && text.contains("Stapler"));
    let _ = p.emp;
});

both_databases!(delegates_escalation_bulk_and_isolation, |db| async move {
    let app = spawn_app(db).await;
    let admin = client(&app, ADMIN).await;
    let p = people(&app, &admin).await;
    let emp = client(&app, "emp").await;
    let boss = client(&app, "boss").await;
    let deputy = client(&app, "deputy").await;

    // A policy with a short deadline and a bulk limit of 100.
    let (s, pol) = send(
        admin
            .put(app.url("/api/v1/approvals/policies"))
            .json(&json!({
                "kind": "purchase", "deadline_hours": 1, "bulk_limit": "100.00",
                "levels": [{"rule": "manager"}, {"above": "5000", "rule": "admin"}]
            })),
    )
    .await;
    assert_eq!(s, 200, "{pol}");
    assert_eq!(pol["bulk_limit"], "100.00");
    let (s, e) = send(admin.put(app.url("/api/v1/approvals/policies")).json(&json!({
        "kind": "purchase", "levels": [{"above": "10", "rule": "manager"}, {"above": "5", "rule": "boss"}]
    })))
    .await;
    assert_eq!(s, 422);
    let mut f = fields(&e);
    f.sort();
    assert_eq!(f, vec!["levels[1].above", "levels[1].rule"]);
    let (s, _) = send(emp.put(app.url("/api/v1/approvals/policies")).json(&json!({
        "kind": "purchase", "levels": [{"rule": "admin"}]
    })))
    .await;
    assert_eq!(s, 403, "only an admin sets policies");

    let a = ask(&app, &emp, "purchase", "Pens", "20.00").await;
    let b = ask(&app, &emp, "purchase", "Paper", "80.00").await;
    let c = ask(&app, &emp, "purchase", "Printer", "400.00").await;

    // The boss goes on holiday: the deputy decides for them.
    let today = chrono::Utc::now().date_naive();
    let (s, d) = send(
        boss.post(app.url("/api/v1/approvals/delegations"))
            .json(&json!({
                "delegate_id": p.deputy, "from": today.to_string(),
                "until": (today + chrono::Days::new(7)).to_string(), "note": "holiday"
            })),
    )
    .await;
    assert_eq!(s, 201, "{d}");
    let (_, inbox) = send(deputy.get(app.url("/api/v1/approvals?sort=amount&dir=asc"))).await;
    assert_eq!(inbox["total"], 3, "{inbox}");
    assert_eq!(inbox["items"][0]["title"], "Pens");

    // Bulk: the two small ones go through, the printer is above the limit.
    let (s, r) = send(
        deputy
            .post(app.url("/api/v1/approvals/bulk-approve"))
            .json(&json!({
                "ids": [a["id"], b["id"], c["id"]], "comment": "ok"
            })),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["approved"], 2, "{r}");
    assert_eq!(r["failed"], 1);
    assert!(r["results"][2]["error"]
        .as_str()
        .expect("why")
        .contains("bulk limit"));
    let (_, v) = send(emp.get(app.url(&format!("/api/v1/approvals/{}", a["id"])))).await;
    assert_eq!(v["status"], "approved");
    assert_eq!(v["steps"][0]["decided_by"], p.deputy);
    assert_eq!(v["steps"][0]["on_behalf_of"], p.boss);
    assert_eq!(
        v["steps"][0]["decided_by_name"],
        "deputy (test) for boss (test)"
    );

    // Nobody approves their own request, also not as a delegate: the emp is the boss's
    // delegate now too, but the printer is the emp's own.
    let (s, _) = send(
        boss.post(app.url("/api/v1/approvals/delegations"))
            .json(&json!({
                "delegate_id": p.emp, "from": today.to_string(), "until": today.to_string()
            })),
    )
    .await;
    assert_eq!(s, 201);
    let (_, inbox) = send(emp.get(app.url("/api/v1/approvals"))).await;
    assert_eq!(inbox["total"], 0, "own requests never show in one's inbox");
    let (s, e) = send(emp.post(app.url(&format!("/api/v1/approvals/{}/approve", c["id"])))).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(fields(&e), vec!["approver"]);

    // Escalation: the job kind is registered; past the deadline the step goes to the admin.
    let mut reg = Handlers::new();
    approvals::register_jobs(&mut reg, app.store.clone());
    assert!(reg.kinds().contains(&approvals::ESCALATE_JOB.to_string()));
    let later = Timestamp::now().plus_secs(2 * 3600);
    assert_eq!(
        approvals::escalate_overdue(&app.store, later)
            .await
            .expect("escalate"),
        1
    );
    assert_eq!(
        approvals::escalate_overdue(&app.store, later)
            .await
            .expect("again"),
        0
    );
    let (_, v) = send(emp.get(app.url(&format!("/api/v1/approvals/{}", c["id"])))).await;
    assert_eq!(v["steps"][0]["status"], "escalated", "{v}");
    assert_eq!(v["steps"][1]["rule"], "admin");
    assert_eq!(v["steps"][1]["status"], "pending");
    let (_, inbox) = send(admin.get(app.url("/api/v1/approvals"))).await;
    assert_eq!(inbox["total"], 1);
    let (s, v) = send(admin.post(app.url(&format!("/api/v1/approvals/{}/approve", c["id"])))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "approved");

    // Another company's request is 404, and its inbox is empty.
    let other = steward_core::company::create_company(&app.store, "test", "Other", "EUR")
        .await
        .expect("company");
    add_user(&app.store, other, "stranger", PASSWORD, &["admin"]).await;
    let stranger = client(&app, "stranger").await;
    let (s, _) = send(stranger.get(app.url(&format!("/api/v1/approvals/{}", a["id"])))).await;
    assert_eq!(s, 404);
    let (s, _) =
        send(stranger.post(app.url(&format!("/api/v1/approvals/{}/approve", c["id"])))).await;
    assert_eq!(s, 404);
    let (_, inbox) = send(stranger.get(app.url("/api/v1/approvals"))).await;
    assert_eq!(inbox["total"], 0);
    let (s, _) = send(
        stranger
            .put(app.url(&format!("/api/v1/departments/{}", p.ops)))
            .json(&json!({"name": "Mine"})),
    )
    .await;
    assert_eq!(s, 404);
    // A colleague who is neither requester nor approver does not see it either.
    let (s, _) = send(deputy.get(app.url(&format!("/api/v1/approvals/{}", c["id"])))).await;
    assert_eq!(s, 404);
});

both_databases!(ledger_entry_waits_in_the_inbox, |db| async move {
    let app = spawn_app(db).await;
    let admin = client(&app, ADMIN).await;
    add_user(
        &app.store,
        app.company,
        "lead",
        PASSWORD,
        &["accounting_lead"],
    )
    .await;
    add_user(&app.store, app.company, "acct", PASSWORD, &["accountant"]).await;
    let lead = client(&app, "lead").await;
    let acct = client(&app, "acct").await;
    let (s, _) = send(admin.post(app.url("/api/v1/ledger/setup"))).await;
    assert_eq!(s, 200);
    let (_, st) = send(admin.get(app.url("/api/v1/ledger/settings"))).await;
    let (s, _) = send(admin.put(app.url("/api/v1/ledger/settings")).json(&json!({
        "fiscal_year_start_month": 1, "approval_threshold": "1000.00", "version": st["version"]
    })))
    .await;
    assert_eq!(s, 200);
    let entry = |amount: &str, what: &str| {
        json!({"date": "2026-06-01", "description": what,
               "lines": [{"account": "Expenses:Rent", "amount": amount}, {"account": "Assets:Bank:Checking"}]})
    };
    let (s, e) = send(
        acct.post(app.url("/api/v1/ledger/entries"))
            .json(&entry("5000.00", "Rent June")),
    )
    .await;
    assert_eq!(s, 201, "{e}");
    assert_eq!(e["status"], "pending");
    let entry_id = e["id"].as_i64().expect("id");

    // The accountant sees their request; the lead has it in the inbox, amount included.
    let (_, mine) = send(acct.get(app.url("/api/v1/approvals/mine"))).await;
    assert_eq!(mine["total"], 1, "{mine}");
    assert_eq!(mine["items"][0]["kind"], "ledger.entry");
    assert_eq!(
        mine["items"][0]["subject"],
        format!("ledger.entry:{entry_id}")
    );
    let (_, inbox) = send(lead.get(app.url("/api/v1/approvals?kind=ledger.entry"))).await;
    assert_eq!(inbox["total"], 1, "{inbox}");
    assert_eq!(inbox["items"][0]["amount"], "5000.00");
    let rid = inbox["items"][0]["id"].as_i64().expect("id");
    let (_, req) = send(lead.get(app.url(&format!("/api/v1/approvals/{rid}")))).await;
    assert_eq!(req["subject_href"], format!("/ledger/entries/{entry_id}"));
    // No department, no manager: the lead, then (above 10,000 only) the admin.
    assert_eq!(req["steps"].as_array().map(Vec::len), Some(1), "{req}");

    // Approved in the inbox: the entry posts.
    let (s, v) = send(lead.post(app.url(&format!("/api/v1/approvals/{rid}/approve")))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "approved");
    let (_, e) = send(lead.get(app.url(&format!("/api/v1/ledger/entries/{entry_id}")))).await;
    assert_eq!(e["status"], "posted", "{e}");
    assert!(e["number"].is_string());

    // Rejected in the inbox: back to a draft.
    let (_, e2) = send(
        acct.post(app.url("/api/v1/ledger/entries"))
            .json(&entry("2000.00", "Deposit")),
    )
    .await;
    assert_eq!(e2["status"], "pending");
    let (_, inbox) = send(lead.get(app.url("/api/v1/approvals"))).await;
    let rid2 = inbox["items"][0]["id"].as_i64().expect("id");
    let (s, v) = send(
        lead.post(app.url(&format!("/api/v1/approvals/{rid2}/reject")))
            .json(&json!({"comment": "wrong account"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, e) = send(lead.get(app.url(&format!("/api/v1/ledger/entries/{}", e2["id"])))).await;
    assert_eq!(e["status"], "draft");

    // Decided on the ledger's own page: the request is closed too. A big one needs the
    // lead and then the admin.
    let (_, e3) = send(
        acct.post(app.url("/api/v1/ledger/entries"))
            .json(&entry("20000.00", "Server room")),
    )
    .await;
    assert_eq!(e3["status"], "pending");
    let (_, inbox) = send(admin.get(app.url("/api/v1/approvals"))).await;
    assert_eq!(inbox["total"], 0, "the admin's step is not yet due");
    let (_, inbox) = send(lead.get(app.url("/api/v1/approvals"))).await;
    let rid3 = inbox["items"][0]["id"].as_i64().expect("id");
    let (_, req) = send(lead.get(app.url(&format!("/api/v1/approvals/{rid3}")))).await;
    assert_eq!(req["steps"].as_array().map(Vec::len), Some(2), "{req}");
    let (s, _) =
        send(admin.post(app.url(&format!("/api/v1/ledger/entries/{}/approve", e3["id"])))).await;
    assert_eq!(s, 200);
    let (_, req) = send(lead.get(app.url(&format!("/api/v1/approvals/{rid3}")))).await;
    assert_eq!(req["status"], "approved", "{req}");
    assert_eq!(req["steps"][1]["status"], "skipped");
    let (_, inbox) = send(lead.get(app.url("/api/v1/approvals"))).await;
    assert_eq!(inbox["total"], 0);
});
