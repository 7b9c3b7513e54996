//! `steward-bench work-inbox`: "My work" and the approvals inbox under load. Seeds a company
//! with 100,000 open tasks (spread over 50 people; the manager holds 2 % of them) and 20,000
//! open front-office cases (the SLA job evaluates them once, so they carry their real SLA
//! state), 500 approval requests waiting for the manager and a few hundred notifications,
//! serves the app in-process and runs `wrk` (20 connections) against `/work` and
//! `/approvals` signed in as the manager. Goal: p99 ≤ 30 ms. Uses a temporary SQLite
//! database, or a fresh schema in the PostgreSQL of --database-url.
use crate::common::{run_wrk, Rng};
use anyhow::anyhow;
use chrono::{Duration as Days, NaiveDate};
use serde_json::json;
use std::time::Instant;
use steward_core::audit::AuditDraft;
use steward_core::auth::session::{cli_actor, sign_in, SessionConfig, SignIn};
use steward_core::auth::{hash_password, Password};
use steward_core::company::create_company;
use steward_core::ids::{CompanyId, UserId};
use steward_core::time::Timestamp;
use steward_core::users::{NewUserRecord, UserStore};
use steward_core::work::approvals::{self, DirectRequest};
use steward_core::work::cases::{
    self, Case, CaseId, CaseStatus, Priority as CasePriority, SlaState,
};
use steward_core::work::notify::{self, NewNotification};
use steward_core::work::tasks::{NewTask, Priority, TaskStatus, TaskStore};
use steward_store::Store;

use crate::BenchWorkInboxArgs;

const PASSWORD: &str = "bench password 2026";
const PEOPLE: usize = 50;

pub async fn run(args: BenchWorkInboxArgs, database_url: Option<String>) -> anyhow::Result<()> {
    crate::common::scratch_store("inbox", database_url, |store| async move {
        bench(&store, &args).await
    })
    .await
}

struct People {
    company: CompanyId,
    manager: UserId,
    staff: Vec<UserId>,
    requester: UserId,
    front: UserId,
}

async fn seed_people(store: &Store) -> anyhow::Result<People> {
    let e = |e: steward_core::Error| anyhow!("{e}");
    let company = create_company(store, "bench", "Bench Ltd", "EUR")
        .await
        .map_err(e)?;
    let keys: Vec<String> = ["admin", "accountant", "employee", "front_office"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let roles = store.role_ids(company, &keys).await.map_err(e)?;
    let role = |k: &str| {
        roles
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, id)| *id)
            .collect::<Vec<_>>()
    };
    let hash = hash_password(&Password::unchecked(PASSWORD)).map_err(e)?;
    let mut recs = Vec::new();
    let mut add = |name: String, r: &str, password: bool| {
        recs.push(NewUserRecord {
            email: format!("{name}@bench.example"),
            display_name: format!("Person {name}"),
            username: name,
            password_hash: password.then(|| hash.clone()),
            role_ids: role(r),
            role_keys: vec![r.into()],
        });
    };
    add("manager".into(), "admin", true);
    add("requester".into(), "employee", false);
    add("front".into(), "front_office", false);
    for i in 0..PEOPLE {
        add(format!("staff{i:02}"), "accountant", false);
    }
    let audits = recs
        .iter()
        .map(|r| {
            AuditDraft::system(
                "bench",
                None,
                "user",
                None,
                "create",
                json!({"username": r.username}),
            )
            .in_company(company)
        })
        .collect();
    let ids = store
        .insert_users(company, &recs, audits)
        .await
        .map_err(e)?;
    Ok(People {
        company,
        manager: ids[0],
        requester: ids[1],
        front: ids[2],
        staff: ids[3..].to_vec(),
    })
}

async fn seed_tasks(store: &Store, p: &People, n: usize) -> anyhow::Result<()> {
    let e = |e: steward_core::Error| anyhow!("{e}");
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let today = chrono::Utc::now().date_naive();
    let mut batch = Vec::with_capacity(1000);
    let mut audits = Vec::with_capacity(1000);
    for i in 0..n {
        // 2 % for the manager, the rest over the staff.
        let assignee = if rng.below(100) < 2 {
            p.manager
        } else {
            p.staff[rng.below(p.staff.len() as u64) as usize]
        };
        let due: Option<NaiveDate> =
            (rng.below(10) > 0).then(|| today + Days::days(rng.below(120) as i64 - 30));
        batch.push(NewTask {
            title: format!("Bench task {i}"),
            description: String::new(),
            owner_id: p.manager,
            assignee_id: Some(assignee),
            watchers: Vec::new(),
            due,
            priority: [
                Priority::Low,
                Priority::Normal,
                Priority::High,
                Priority::Urgent,
            ][rng.below(4) as usize],
            status: if rng.below(3) == 0 {
                TaskStatus::InProgress
            } else {
                TaskStatus::Open
            },
            link: None,
            checklist: Vec::new(),
            template_id: None,
            rule_id: None,
            occurrence: None,
            created_by: Some(p.manager),
        });
        audits.push(
            AuditDraft::system("bench", None, "task", None, "create", json!({}))
                .in_company(p.company),
        );
        if batch.len() == 1000 || i + 1 == n {
            store
                .insert_tasks(p.company, &batch, std::mem::take(&mut audits))
                .await
                .map_err(e)?;
            batch.clear();
        }
    }
    Ok(())
}

async fn seed_cases(store: &Store, p: &People, n: usize) -> anyhow::Result<()> {
    let e = |e: steward_core::Error| anyhow!("{e}");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let now = Timestamp::now();
    let mut batch = Vec::with_capacity(n);
    for i in 0..n {
        let age = rng.below(14 * 86_400) as i64;
        let created = now.plus_secs(-age);
        let held = rng.below(2) == 0;
        // The manager holds 1 in 20 of those taken.
        let assignee = held.then(|| {
            if rng.below(20) == 0 {
                p.manager
            } else {
                p.staff[rng.below(p.staff.len() as u64) as usize]
            }
        });
        batch.push(Case {
            id: CaseId(0),
            company: p.company,
            customer_name: format!("Customer {i}"),
            customer_email: format!("c{i}@customer.example"),
            customer_phone: String::new(),
            customer_ref: format!("K-{i}"),
            subject: format!("Bench case {i}"),
            description: String::new(),
            category: cases::CATEGORIES[i % cases::CATEGORIES.len()].0.into(),
            priority: CasePriority::ALL[rng.below(4) as usize],
            status: if held {
                CaseStatus::InProgress
            } else {
                CaseStatus::New
            },
            opened_by: p.front,
            opened_by_name: String::new(),
            assignee,
            assignee_name: None,
            created_at: created,
            updated_at: created,
            first_response_at: held.then_some(created.plus_secs(600)),
            resolved_at: None,
            closed_at: None,
            paused_since: None,
            paused_micros: 0,
            first_response_due: None,
            resolution_due: None,
            sla_state: SlaState::OnTrack,
            response_warned_at: None,
            response_breached_at: None,
            resolution_warned_at: None,
            resolution_breached_at: None,
            first_response_micros: None,
            resolution_micros: None,
            resolution: String::new(),
            resolution_category: String::new(),
            version: 1,
        });
    }
    let audit = AuditDraft::system("bench", None, "case", None, "import", json!({"rows": n}))
        .in_company(p.company);
    store.insert_cases_bulk(&batch, audit).await.map_err(e)?;
    Ok(())
}

async fn bench(store: &Store, args: &BenchWorkInboxArgs) -> anyhow::Result<()> {
    let e = |e: steward_core::Error| anyhow!("{e}");
    store.migrate().await.map_err(e)?;
    let t = Instant::now();
    let p = seed_people(store).await?;
    seed_tasks(store, &p, args.tasks).await?;
    let tasks_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    seed_cases(store, &p, args.cases).await?;
    // Their SLA state as the job leaves it (warnings and breaches notify the manager).
    let sla = cases::evaluate_sla(store, Timestamp::now())
        .await
        .map_err(e)?;
    let cases_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let requester = cli_actor(store, p.requester, p.company).await.map_err(e)?;
    let reg = crate::common::registry(store);
    for i in 0..args.approvals {
        approvals::submit_direct(
            store,
            &reg,
            &requester,
            &DirectRequest {
                kind: "general".into(),
                title: format!("Bench request {i}"),
                amount: Some(format!("{}.00", 10 + i % 900)),
                ..Default::default()
            },
        )
        .await
        .map_err(e)?;
    }
    let notes: Vec<NewNotification> = (0..200)
        .map(|i| NewNotification {
            company: p.company,
            user: p.manager,
            kind: "system.bench".into(),
            title: format!("Bench notification {i}"),
            body: String::new(),
            link: Some("/work".into()),
        })
        .collect();
    notify::notify(store, notes).await.map_err(e)?;
    let rest_s = t.elapsed().as_secs_f64();
    store.optimize().await.map_err(e)?;
    println!(
        "# steward-bench work-inbox ({})\n\nSeeded {} open tasks in {tasks_s:.1} s; {} open cases in {cases_s:.1} s \
         (SLA evaluated: {} warnings, {} breaches); {} approvals and 200 notifications in {rest_s:.1} s.",
        store.backend().name(),
        args.tasks,
        args.cases,
        sla.warnings,
        sla.breaches,
        args.approvals
    );

    breakdown(store, &p).await?;

    let cfg = SessionConfig {
        free_failures_per_address: u32::MAX,
        ..SessionConfig::default()
    };
    let session = sign_in(
        store,
        &cfg,
        SignIn {
            login: "manager",
            password: PASSWORD,
            ip: Some("127.0.0.1".into()),
            user_agent: None,
        },
    )
    .await
    .map_err(e)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = steward::app::web_state(
        store.clone(),
        None,
        crate::common::registry(store),
        steward_web::WebConfig {
            session: cfg,
            ..Default::default()
        },
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(steward::app::serve(listener, state, async {
        let _ = rx.await;
    }));
    let cookie = format!("Cookie: steward_session={}", session.secret);
    // A first request of each, checked: a page that errs would measure the error page.
    for path in ["/work", "/approvals"] {
        let r = reqwest::Client::new()
            .get(format!("http://{addr}{path}"))
            .header("cookie", format!("steward_session={}", session.secret))
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "{path} answered {}", r.status());
    }
    let mut results = Vec::new();
    for path in ["/work", "/approvals"] {
        let w = run_wrk(
            &format!("http://{addr}{path}"),
            &cookie,
            args.connections,
            args.seconds,
        )
        .await?;
        results.push((path, w));
    }
    let _ = tx.send(());
    let _ = server.await;
    println!(
        "\n| page (manager, session) | requests/s | p50 ms | p99 ms | requests | errors | p99 ≤ 30 ms |"
    );
    println!("|---|---:|---:|---:|---:|---|---|");
    for (path, w) in &results {
        println!(
            "| `{path}` | {:.0} | {:.2} | {:.2} | {} | {} | {} |",
            w.rps,
            w.p50_ms,
            w.p99_ms,
            w.requests,
            if w.errors.is_empty() {
                "none"
            } else {
                &w.errors
            },
            if w.p99_ms <= 30.0 { "met" } else { "NOT met" }
        );
    }
    println!(
        "\nwrk -t2 -c{} -d{}s per page.",
        args.connections, args.seconds
    );
    Ok(())
}

/// What each section of "My work" costs on its own (median of 20), to see where time goes.
async fn breakdown(store: &Store, p: &People) -> anyhow::Result<()> {
    let reg = crate::common::registry(store);
    use steward_core::list::{Paging, SortDir};
    use steward_core::work::approvals::{ApprovalQuery, ApprovalSort, Mailbox};
    use steward_core::work::cases::{AssigneeFilter, CaseQuery};
    use steward_core::work::notify::NotificationQuery;
    use steward_core::work::tasks::{self, StatusFilter, TaskQuery, TaskSort};
    let e = |e: steward_core::Error| anyhow!("{e}");
    let actor = cli_actor(store, p.manager, p.company).await.map_err(e)?;
    let rows = Paging::new(Some(10), None);
    async fn median<F, Fut>(mut f: F) -> anyhow::Result<f64>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = steward_core::Result<()>>,
    {
        let mut v = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            f().await.map_err(|e| anyhow!("{e}"))?;
            v.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        v.sort_by(f64::total_cmp);
        Ok(v[v.len() / 2])
    }
    let tq = TaskQuery {
        status: StatusFilter::Active,
        assignee: Some(p.manager),
        today: Some(tasks::today()),
        sort: TaskSort::Due,
        paging: rows,
        ..Default::default()
    };
    let t_tasks =
        median(|| async { tasks::list_tasks(store, &actor, &tq).await.map(|_| ()) }).await?;
    let aq = ApprovalQuery {
        mailbox: Mailbox::Inbox,
        sort: ApprovalSort::Created,
        dir: SortDir::Asc,
        paging: rows,
        ..Default::default()
    };
    let t_appr =
        median(|| async { approvals::list(store, &reg, &actor, &aq).await.map(|_| ()) }).await?;
    let cq = CaseQuery {
        open_only: true,
        assignee: Some(AssigneeFilter::User(p.manager)),
        paging: rows,
        ..Default::default()
    };
    let t_cases =
        median(|| async { cases::list_cases(store, &actor, &cq).await.map(|_| ()) }).await?;
    let nq = NotificationQuery {
        unread_only: true,
        paging: rows,
        ..Default::default()
    };
    let t_notes = median(|| async { notify::list(store, &actor, &nq).await.map(|_| ()) }).await?;
    let t_count =
        median(|| async { notify::unread_count(store, &actor).await.map(|_| ()) }).await?;
    println!(
        "\nIn-process, one request at a time (median of 20): my tasks {t_tasks:.1} ms, my approvals {t_appr:.1} ms, \
         my escalations {t_cases:.1} ms, my notifications {t_notes:.1} ms, the header's unread count {t_count:.2} ms."
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::common::{parse_wrk, to_ms};

    #[test]
    fn reads_wrk_latencies() {
        let out = "  Latency Distribution\n     50%    1.20ms\n     99%   12.50ms\n  4000 requests in 10.00s, 1MB read\nRequests/sec:    400.00\n";
        let w = parse_wrk(out).expect("parsed");
        assert_eq!((w.p50_ms, w.p99_ms, w.requests), (1.2, 12.5, 4000));
        assert!((w.rps - 400.0).abs() < f64::EPSILON);
        assert_eq!(to_ms("1.5s"), Some(1500.0));
    }
}
