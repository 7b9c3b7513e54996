//! Cases through the API: the front office never sees internal notes, another company's
//! case is 404, waiting on the customer pauses the SLA, the SLA job warns and breaches
//! once, and a message to the customer enqueues its mail.
use serde_json::{json, Value};
use steward_core::jobs::{JobQuery, JobStore};
use steward_core::time::Timestamp;
use steward_core::work::cases;
use steward_e2e::*;

const PW: &str = "a long enough test passphrase";

struct Setup {
    app: TestApp,
    admin: reqwest::Client,
    fo: reqwest::Client,
    lead: reqwest::Client,
}

async fn setup(db: Db) -> Setup {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "fo", PW, &["front_office"]).await;
    add_user(&app.store, app.company, "lead", PW, &["it_lead"]).await;
    let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
    let fo = app.api(&app.token("fo", PW, false).await);
    let lead = app.api(&app.token("lead", PW, false).await);
    Setup {
        app,
        admin,
        fo,
        lead,
    }
}

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn open_case(s: &Setup, priority: &str) -> Value {
    let (st, c) = send(s.fo.post(s.app.url("/api/v1/cases")).json(&json!({
        "customer_name": "Dana Customer", "customer_email": "dana@customer.example",
        "customer_ref": "K-77", "subject": "Invoice twice", "description": "Charged **twice**.",
        "category": "billing", "priority": priority})))
    .await;
    assert_eq!(st, 201, "{c}");
    c
}

async fn action(client: &reqwest::Client, app: &TestApp, id: i64, body: Value) -> (u16, Value) {
    send(
        client
            .post(app.url(&format!("/api/v1/cases/{id}/actions")))
            .json(&body),
    )
    .await
}

/// Every day a working day around the clock, urgent first response in 1 minute.
/// The e-mails queued for sending in the test company.
async fn mail_jobs(s: &Setup) -> steward_core::list::Page<steward_core::jobs::Job> {
    let q = JobQuery {
        kind: Some("mail.send".into()),
        ..Default::default()
    };
    s.app
        .store
        .list_jobs(Some(s.app.company), &q)
        .await
        .expect("jobs")
}

async fn fast_sla(s: &Setup) {
    let (_, cur) = send(s.admin.get(s.app.url("/api/v1/cases/sla"))).await;
    let all_day = "00:00-24:00";
    let (st, body) = send(s.admin.put(s.app.url("/api/v1/cases/sla")).json(&json!({
        "targets": [
            {"priority": "low", "first_response_minutes": 960, "resolution_minutes": 4800},
            {"priority": "normal", "first_response_minutes": 480, "resolution_minutes": 2400},
            {"priority": "high", "first_response_minutes": 240, "resolution_minutes": 960},
            {"priority": "urgent", "first_response_minutes": 1, "resolution_minutes": 10}],
        "time_zone": "UTC",
        "hours": {"mon": all_day, "tue": all_day, "wed": all_day, "thu": all_day, "fri": all_day, "sat": all_day, "sun": all_day},
        "holidays": [],
        "warn_percent": 80, "version": cur["version"]})))
    .await;
    assert_eq!(st, 200, "{body}");
}

both_databases!(front_office_never_sees_internal_notes, |db| async move {
    let s = setup(db).await;
    let c = open_case(&s, "high").await;
    let id = c["id"].as_i64().expect("id");
    assert_eq!(c["status"], "new");
    assert_eq!(c["sla_state"], "on_track");

    let (st, _) = action(&s.lead, &s.app, id, json!({"action": "take"})).await;
    assert_eq!(st, 200);
    for (kind, text) in [
        ("note", "Secret refund approved"),
        ("call", "Secret phone call"),
    ] {
        let (st, b) = action(&s.lead, &s.app, id, json!({"action": kind, "body": text})).await;
        assert_eq!(st, 200, "{b}");
    }
    // The front office may not write notes.
    let (st, _) = action(&s.fo, &s.app, id, json!({"action": "note", "body": "x"})).await;
    assert_eq!(st, 403);
    let (st, _) = action(
        &s.fo,
        &s.app,
        id,
        json!({"action": "comment", "body": "Customer rang again"}),
    )
    .await;
    assert_eq!(st, 200);

    for path in [
        format!("/api/v1/cases/{id}"),
        format!("/api/v1/cases/{id}/log"),
    ] {
        let r = s.fo.get(s.app.url(&path)).send().await.expect("get");
        assert_eq!(r.status().as_u16(), 200);
        let text = r.text().await.expect("text");
        assert!(
            !text.contains("Secret"),
            "{path} leaks an internal entry: {text}"
        );
        assert!(
            !text.contains("\"note\"") && !text.contains("\"call\""),
            "{text}"
        );
        assert!(text.contains("Customer rang again"));
    }
    let (_, full) = send(s.admin.get(s.app.url(&format!("/api/v1/cases/{id}")))).await;
    let kinds: Vec<&str> = full["log"]
        .as_array()
        .expect("log")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"note") && kinds.contains(&"call") && kinds.contains(&"comment"),
        "{kinds:?}"
    );

    // The front office lists its own cases only.
    add_user(&s.app.store, s.app.company, "fo2", PW, &["front_office"]).await;
    let fo2 = s.app.api(&s.app.token("fo2", PW, false).await);
    let (_, l) = send(fo2.get(s.app.url("/api/v1/cases"))).await;
    assert_eq!(l["total"], 0);
    let (st, _) = send(fo2.get(s.app.url(&format!("/api/v1/cases/{id}")))).await;
    assert_eq!(st, 404);
    let (_, l) = send(s.fo.get(s.app.url("/api/v1/cases?status=open&q=K-77"))).await;
    assert_eq!(l["total"], 1);

    // Bad filters and bodies name their field.
    let (st, b) = send(s.admin.get(s.app.url("/api/v1/cases?sla=late"))).await;
    assert_eq!(st, 422);
    assert_eq!(b["errors"][0]["field"], "sla");
    let (st, b) = send(s.fo.post(s.app.url("/api/v1/cases")).json(&json!({
        "customer_name": "X", "subject": "Y", "category": "billing"})))
    .await;
    assert_eq!(st, 422);
    assert_eq!(b["errors"][0]["field"], "customer_email");

    // Export.
    let r = s
        .admin
        .get(s.app.url("/api/v1/cases?format=csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status().as_u16(), 200);
    let csv = r.text().await.expect("csv");
    assert!(csv.starts_with("id,subject,customer"), "{csv}");
    assert!(csv.contains("Invoice twice"));
});

both_databases!(another_companys_case_is_not_found, |db| async move {
    let s = setup(db).await;
    let id = open_case(&s, "normal").await["id"].as_i64().expect("id");
    let other = steward_core::company::create_company(&s.app.store, "test", "Other", "EUR")
        .await
        .expect("company");
    add_user(&s.app.store, other, "bob", PW, &["admin"]).await;
    let bob = s.app.api(&s.app.token("bob", PW, false).await);
    for path in [
        format!("/api/v1/cases/{id}"),
        format!("/api/v1/cases/{id}/log"),
    ] {
        let (st, _) = send(bob.get(s.app.url(&path))).await;
        assert_eq!(st, 404, "{path}");
    }
    let (st, _) = action(&bob, &s.app, id, json!({"action": "take"})).await;
    assert_eq!(st, 404);
    let (_, l) = send(bob.get(s.app.url("/api/v1/cases"))).await;
    assert_eq!(l["total"], 0);
    let (_, c) = send(s.admin.get(s.app.url(&format!("/api/v1/cases/{id}")))).await;
    assert!(c["case"]["assignee"].is_null(), "untouched");
});

both_databases!(waiting_on_the_customer_pauses_the_sla, |db| async move {
    let s = setup(db).await;
    fast_sla(&s).await;
    let c = open_case(&s, "urgent").await;
    let id = c["id"].as_i64().expect("id");
    let due = |c: &Value| -> i64 {
        chrono::DateTime::parse_from_rfc3339(c["resolution_due"].as_str().expect("due"))
            .expect("rfc3339")
            .timestamp_micros()
    };
    let before = due(&c);
    let (st, w) = action(
        &s.lead,
        &s.app,
        id,
        json!({"action": "status", "status": "waiting_on_customer"}),
    )
    .await;
    assert_eq!(st, 200, "{w}");
    assert_eq!(w["sla_state"], "paused");
    assert!(w["paused_since"].is_string());
    // While paused, the job records nothing, however late it is.
    let r = cases::evaluate_sla(&s.app.store, Timestamp::now().plus_secs(3600))
        .await
        .expect("evaluate");
    assert_eq!((r.warnings, r.breaches), (0, 0));
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (st, r) = action(
        &s.lead,
        &s.app,
        id,
        json!({"action": "status", "status": "in_progress", "version": w["version"]}),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    assert!(r["paused_since"].is_null());
    assert!(r["paused_seconds"].as_i64().expect("paused") >= 2, "{r}");
    assert!(
        due(&r) >= before + 2_000_000,
        "the due time moved by the pause"
    );
    assert_ne!(r["sla_state"], "paused");
    // A stale version is refused.
    let (st, _) = action(
        &s.lead,
        &s.app,
        id,
        json!({"action": "note", "body": "x", "version": w["version"]}),
    )
    .await;
    assert_eq!(st, 409);
});

both_databases!(the_sla_job_warns_and_breaches_once, |db| async move {
    let s = setup(db).await;
    fast_sla(&s).await;
    let id = open_case(&s, "urgent").await["id"].as_i64().expect("id");
    let lead_id = {
        let (_, me) = send(s.lead.get(s.app.url("/api/v1/me"))).await;
        me["id"].as_i64().expect("me")
    };
    let (st, _) = action(
        &s.admin,
        &s.app,
        id,
        json!({"action": "assign", "assignee": lead_id}),
    )
    .await;
    assert_eq!(st, 200);
    let now = Timestamp::now();
    // 50 s of a 60 s target: a warning, to the assignee.
    let r = cases::evaluate_sla(&s.app.store, now.plus_secs(50))
        .await
        .expect("run");
    assert_eq!((r.warnings, r.breaches), (1, 0));
    let r = cases::evaluate_sla(&s.app.store, now.plus_secs(55))
        .await
        .expect("run");
    assert_eq!((r.warnings, r.breaches), (0, 0), "warned once");
    let (_, c) = send(s.admin.get(s.app.url(&format!("/api/v1/cases/{id}")))).await;
    assert_eq!(c["case"]["sla_state"], "warning");
    // Past the target: a breach, escalated to the manager (the admin).
    let r = cases::evaluate_sla(&s.app.store, now.plus_secs(70))
        .await
        .expect("run");
    assert_eq!((r.warnings, r.breaches), (0, 1));
    let r = cases::evaluate_sla(&s.app.store, now.plus_secs(80))
        .await
        .expect("run");
    assert_eq!((r.warnings, r.breaches), (0, 0), "breached once");
    let (_, c) = send(s.admin.get(s.app.url(&format!("/api/v1/cases/{id}")))).await;
    assert_eq!(c["case"]["sla_state"], "breached");
    assert_eq!(c["case"]["response_breached"], true);
    let sla_entries = c["log"]
        .as_array()
        .expect("log")
        .iter()
        .filter(|e| e["kind"] == "sla")
        .count();
    assert_eq!(sla_entries, 2);
    let (_, n) = send(s.admin.get(s.app.url("/api/v1/notifications"))).await;
    assert!(
        n.to_string().contains("breached"),
        "the manager is told: {n}"
    );
    let (_, n) = send(s.lead.get(s.app.url("/api/v1/notifications"))).await;
    assert!(
        n.to_string().contains("due soon"),
        "the assignee is warned: {n}"
    );
    // The filter finds it.
    let (_, l) = send(s.admin.get(s.app.url("/api/v1/cases?sla=breached"))).await;
    assert_eq!(l["total"], 1);
    // The job chain is scheduled for the next minute, once.
    cases::ensure_sla_scheduled(&s.app.store)
        .await
        .expect("schedule");
    cases::ensure_sla_scheduled(&s.app.store)
        .await
        .expect("schedule");
    let q = JobQuery {
        kind: Some(cases::SLA_JOB.into()),
        ..Default::default()
    };
    let jobs = s.app.store.list_jobs(None, &q).await.expect("jobs");
    assert!(jobs.total >= 1 && jobs.total <= 2, "{}", jobs.total);
});

both_databases!(
    a_message_to_the_customer_enqueues_its_mail,
    |db| async move {
        let s = setup(db).await;
        let id = open_case(&s, "normal").await["id"].as_i64().expect("id");
        let (st, c) = action(
            &s.lead,
            &s.app,
            id,
            json!({"action": "message", "body": "We refund the second charge."}),
        )
        .await;
        assert_eq!(st, 200, "{c}");
        assert!(c["first_response_at"].is_string());
        let jobs = mail_jobs(&s).await;
        assert_eq!(jobs.total, 1);
        let payload = jobs.items[0].payload.to_string();
        assert!(payload.contains("dana@customer.example"), "{payload}");
        assert!(
            payload.contains("We refund the second charge."),
            "{payload}"
        );
        assert!(payload.contains(&format!("[Case #{id}]")), "{payload}");
        let (_, full) = send(s.fo.get(s.app.url(&format!("/api/v1/cases/{id}")))).await;
        let msg = full["log"]
            .as_array()
            .expect("log")
            .iter()
            .find(|e| e["kind"] == "message")
            .expect("the front office sees the message")
            .clone();
        assert_eq!(msg["mail_to"], "dana@customer.example");

        // Resolve, close, reopen; the report counts it.
        let (st, b) = action(&s.lead, &s.app, id, json!({"action": "resolve", "resolution": "Refunded.", "resolution_category": "refund"})).await;
        assert_eq!(st, 200, "{b}");
        assert_eq!(b["status"], "resolved");
        let (_, fo_view) = send(s.fo.get(s.app.url(&format!("/api/v1/cases/{id}")))).await;
        assert_eq!(fo_view["case"]["status"], "resolved");
        let (st, _) = action(&s.lead, &s.app, id, json!({"action": "close"})).await;
        assert_eq!(st, 200);
        let (st, b) = action(
            &s.lead,
            &s.app,
            id,
            json!({"action": "reopen", "reason": ""}),
        )
        .await;
        assert_eq!(st, 422);
        assert_eq!(b["errors"][0]["field"], "reason");
        let (st, r) = send(s.admin.get(s.app.url("/api/v1/cases/report"))).await;
        assert_eq!(st, 200);
        assert_eq!(r[0]["group"], "total");
        assert_eq!(r[0]["cases"], 1);
        assert_eq!(r[0]["resolution_met"], 1);
        let r = s
            .admin
            .get(s.app.url("/api/v1/cases/report?format=xlsx"))
            .send()
            .await
            .expect("xlsx");
        assert_eq!(r.status().as_u16(), 200);
        assert!(r.bytes().await.expect("bytes").starts_with(b"PK"));
        let (st, _) = send(s.fo.get(s.app.url("/api/v1/cases/report"))).await;
        assert_eq!(st, 403);
    }
);

both_databases!(the_calendar_takes_an_iana_time_zone, |db| async move {
    let s = setup(db).await;
    let (_, cur) = send(s.admin.get(s.app.url("/api/v1/cases/sla"))).await;
    assert_eq!(cur["time_zone"], "UTC", "{cur}");
    assert!(cur.get("utc_offset_minutes").is_none(), "{cur}");
    let mut body = cur.clone();
    body["time_zone"] = json!("Europe/Atlantis");
    let (st, p) = send(s.admin.put(s.app.url("/api/v1/cases/sla")).json(&body)).await;
    assert_eq!(st, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "time_zone", "{p}");
    body["time_zone"] = json!("america/new_york");
    let (st, saved) = send(s.admin.put(s.app.url("/api/v1/cases/sla")).json(&body)).await;
    assert_eq!(st, 200, "{saved}");
    assert_eq!(saved["time_zone"], "America/New_York");
    // The older fixed offset is still read, as the zone it means.
    let mut legacy = saved.clone();
    legacy.as_object_mut().expect("object").remove("time_zone");
    legacy["utc_offset_minutes"] = json!(330);
    let (st, saved) = send(s.admin.put(s.app.url("/api/v1/cases/sla")).json(&legacy)).await;
    assert_eq!(st, 200, "{saved}");
    assert_eq!(saved["time_zone"], "+05:30");
});

both_databases!(
    a_message_without_a_subject_takes_the_cases_as_one_line,
    |db| async move {
        let s = setup(db).await;
        let open = |subject: String| {
            s.fo.post(s.app.url("/api/v1/cases")).json(&json!({
                "customer_name": "Dana Customer", "customer_email": "dana@customer.example",
                "subject": subject, "category": "billing"}))
        };
        // A subject is one line (it heads the customer's e-mails).
        let (st, p) = send(open("Invoice\ntwice".into())).await;
        assert_eq!(st, 422, "{p}");
        assert_eq!(p["errors"][0]["field"], "subject", "{p}");
        // The longest subject a case takes still makes a message's default subject (cut to
        // the 200 characters a mail takes), not an error on a field nobody sent.
        let (st, c) = send(open("x".repeat(200))).await;
        assert_eq!(st, 201, "{c}");
        let id = c["id"].as_i64().expect("id");
        let (st, c) = action(
            &s.lead,
            &s.app,
            id,
            json!({"action": "message", "body": "We are on it."}),
        )
        .await;
        assert_eq!(st, 200, "{c}");
        let jobs = mail_jobs(&s).await;
        let payload = &jobs.items[0].payload;
        let subject = payload["subject"].as_str().unwrap_or_default();
        assert!(
            subject.starts_with(&format!("[Case #{id}] xxx")),
            "{payload}"
        );
        assert_eq!(subject.chars().count(), 200, "{subject}");
    }
);
