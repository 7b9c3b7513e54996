//! `steward-bench work-cases`: how long the SLA job (`work.sla`) takes to evaluate every
//! open case. Seeds N open cases (default 20,000) opened over the last two weeks, in a mix
//! of priorities, with their SLA state as the job would leave it; then times
//! `evaluate_sla` in the steady state (the job runs every minute and finds little new) and
//! once an hour of business time later (it catches up an hour's warnings and breaches,
//! with their log entries, audit events and notifications). Uses a
//! temporary SQLite database, or a fresh schema in the PostgreSQL of --database-url.
use anyhow::anyhow;
use serde_json::json;
use std::time::{Duration, Instant};
use steward_core::audit::AuditDraft;
use steward_core::company::create_company;
use steward_core::ids::UserId;
use steward_core::time::Timestamp;
use steward_core::users::{NewUserRecord, UserStore};
use steward_core::work::cases::{
    self, evaluate_case, Case, CaseId, CaseStatus, CaseStore, Priority, SlaCase, SlaEvent, SlaState,
};
use steward_store::Store;

use crate::BenchWorkCasesArgs;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub async fn run(args: BenchWorkCasesArgs, database_url: Option<String>) -> anyhow::Result<()> {
    crate::common::scratch_store("cases", database_url, |store| async move {
        bench(&store, &args).await
    })
    .await
}

async fn bench(store: &Store, args: &BenchWorkCasesArgs) -> anyhow::Result<()> {
    let e = |e: steward_core::Error| anyhow!("{e}");
    store.migrate().await.map_err(e)?;
    let company = create_company(store, "bench", "Bench Ltd", "EUR")
        .await
        .map_err(e)?;
    let roles = store
        .role_ids(company, &["front_office".into(), "admin".into()])
        .await
        .map_err(e)?;
    let role = |k: &str| {
        roles
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, id)| *id)
            .collect::<Vec<_>>()
    };
    let user = |name: &str, r: &str| NewUserRecord {
        username: name.into(),
        email: format!("{name}@bench.example"),
        display_name: name.into(),
        password_hash: None,
        role_ids: role(r),
        role_keys: vec![r.into()],
    };
    let audit = |what: &str| {
        AuditDraft::system("bench", None, what, None, "create", json!({})).in_company(company)
    };
    let ids = store
        .insert_users(
            company,
            &[user("front", "front_office"), user("boss", "admin")],
            vec![audit("user"), audit("user")],
        )
        .await
        .map_err(e)?;
    let (front, boss): (UserId, UserId) = (ids[0], ids[1]);
    let settings = store.sla_settings(company).await.map_err(e)?;

    // Opened over the last two weeks, more of them recently; a fifth waiting on the customer.
    let now = Timestamp::now();
    let t = Instant::now();
    let n = args.cases;
    let mut batch = Vec::with_capacity(n);
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..n {
        let r = next();
        let age_secs = ((r % 1000) * (r % 1000) * 14 * 86_400 / 1_000_000) as i64;
        let created = now.plus_secs(-age_secs);
        let priority = Priority::ALL[(r >> 20) as usize % 4];
        let waiting = (r >> 24) % 5 == 0;
        let responded = (r >> 28) % 3 == 0;
        let mut c = Case {
            id: CaseId(0),
            company,
            customer_name: format!("Customer {i}"),
            customer_email: format!("c{i}@customer.example"),
            customer_phone: String::new(),
            customer_ref: format!("K-{i}"),
            subject: format!("Bench case {i}"),
            description: String::new(),
            category: cases::CATEGORIES[i % cases::CATEGORIES.len()].0.into(),
            priority,
            status: if waiting {
                CaseStatus::WaitingOnCustomer
            } else if responded {
                CaseStatus::InProgress
            } else {
                CaseStatus::New
            },
            opened_by: front,
            opened_by_name: String::new(),
            assignee: (responded || waiting).then_some(boss),
            assignee_name: None,
            created_at: created,
            updated_at: created,
            first_response_at: responded.then_some(created.plus_secs(600)),
            resolved_at: None,
            closed_at: None,
            paused_since: waiting.then_some(created.plus_secs(age_secs / 2)),
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
        };
        // Stored as the job would have left it.
        let view = SlaCase {
            id: c.id,
            company,
            subject: c.subject.clone(),
            priority,
            status: c.status,
            assignee: c.assignee,
            created_at: c.created_at,
            first_response_at: c.first_response_at,
            paused_since: c.paused_since,
            paused_micros: 0,
            first_response_due: None,
            resolution_due: None,
            sla_state: SlaState::OnTrack,
            response_warned: false,
            response_breached: false,
            resolution_warned: false,
            resolution_breached: false,
        };
        if let Some(u) = evaluate_case(&view, &settings, now) {
            c.sla_state = u.sla_state;
            c.first_response_due = u.first_response_due;
            c.resolution_due = u.resolution_due;
            for ev in u.events {
                match ev {
                    SlaEvent::ResponseWarning => c.response_warned_at = Some(now),
                    SlaEvent::ResponseBreach => {
                        c.response_warned_at = Some(now);
                        c.response_breached_at = Some(now);
                    }
                    SlaEvent::ResolutionWarning => c.resolution_warned_at = Some(now),
                    SlaEvent::ResolutionBreach => {
                        c.resolution_warned_at = Some(now);
                        c.resolution_breached_at = Some(now);
                    }
                }
            }
        }
        batch.push(c);
    }
    let seeded = store
        .insert_cases_bulk(&batch, audit("case"))
        .await
        .map_err(e)?;
    store.optimize().await.map_err(e)?;
    let mut states = std::collections::BTreeMap::new();
    for c in &batch {
        *states.entry(c.sla_state.as_str()).or_insert(0u64) += 1;
    }
    println!(
        "# steward-bench work-cases ({})\n\nSeeded {seeded} open cases in {:.1} s: {}",
        store.backend().name(),
        t.elapsed().as_secs_f64(),
        states
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );

    println!("\n| run | cases evaluated | changed | warnings | breaches | time |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut times = Vec::new();
    for i in 0..args.iterations.max(1) {
        let t = Instant::now();
        let r = cases::evaluate_sla(store, Timestamp::now())
            .await
            .map_err(e)?;
        let d = t.elapsed();
        times.push(d);
        println!(
            "| steady state #{} | {} | {} | {} | {} | {:.0} ms |",
            i + 1,
            r.evaluated,
            r.updated,
            r.warnings,
            r.breaches,
            ms(d)
        );
    }
    let later = steward_core::work::sla::add_business_time(
        Timestamp::now(),
        steward_core::work::sla::minutes(60),
        &settings.calendar,
    );
    let t = Instant::now();
    let r = cases::evaluate_sla(store, later).await.map_err(e)?;
    let catch_up = t.elapsed();
    println!(
        "| an hour of business time later (catch-up) | {} | {} | {} | {} | {:.0} ms |",
        r.evaluated,
        r.updated,
        r.warnings,
        r.breaches,
        ms(catch_up)
    );
    times.sort();
    let median = times[times.len() / 2];
    let worst = times.last().copied().unwrap_or_default();
    println!(
        "\nSteady state: median {:.0} ms, worst {:.0} ms (goal ≤ 2,000 ms for all open cases): {}",
        ms(median),
        ms(worst),
        if worst <= Duration::from_secs(2) {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(())
}
