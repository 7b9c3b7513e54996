//! `steward-bench it-helpdesk`: issue 16's helpdesk goals. Seeds a company whose admin is
//! an IT technician, bulk-loads `--tickets` (200,000) tickets of which a quarter are open
//! (50,000: new or in progress; the rest resolved or closed), one in fifty assigned to the
//! admin, then times the SLA job's first run over the open ones (every due time to write,
//! their breaches to record once) and the run after it (nothing to change: the once-a-minute
//! steady state), and runs `wrk` against the admin's queue (page and API). Goals: the SLA
//! job ≤ 2 s over 50,000 open tickets; the queue p99 ≤ 30 ms at 20 connections.
use crate::common::As;
use anyhow::anyhow;
use std::time::Instant;
use steward_core::audit::AuditDraft;
use steward_core::it::helpdesk::{TicketId, TicketStatus};
use steward_core::it::{helpdesk_sla, helpdesk_tickets};
use steward_core::time::Timestamp;
use steward_store::Store;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Tickets in the company
    #[arg(long, default_value_t = 200_000)]
    pub tickets: usize,
    #[arg(long, default_value_t = 20)]
    pub connections: u32,
    /// Seconds per measured URL
    #[arg(long, default_value_t = 10)]
    pub seconds: u32,
}

pub async fn run(args: Args, database_url: Option<String>) -> anyhow::Result<()> {
    crate::common::scratch_store("it-helpdesk", database_url, |store| async move {
        bench(&store, &args).await
    })
    .await
}

/// New, in progress, then six resolved or closed: a quarter open.
const STATUSES: [TicketStatus; 8] = [
    TicketStatus::New,
    TicketStatus::InProgress,
    TicketStatus::Resolved,
    TicketStatus::Closed,
    TicketStatus::Closed,
    TicketStatus::Closed,
    TicketStatus::Closed,
    TicketStatus::Closed,
];

async fn bench(store: &Store, args: &Args) -> anyhow::Result<()> {
    let e = |e: steward_core::Error| anyhow!("{e}");
    store.migrate().await.map_err(e)?;
    let actor = crate::common::admin_company(store, "it").await?;
    let first = helpdesk_tickets::create(
        store,
        &actor,
        &helpdesk_tickets::TicketInput {
            subject: "The printer is jammed".into(),
            description: "Again.".into(),
            ..Default::default()
        },
    )
    .await
    .map_err(e)?;
    let t = Instant::now();
    let mut from = 0;
    while from < args.tickets {
        let to = (from + 5_000).min(args.tickets);
        let rows: Vec<_> = (from..to)
            .map(|i| {
                let mut x = first.clone();
                x.id = TicketId(0);
                x.status = STATUSES[i % STATUSES.len()];
                x.assignee = (i % 50 == 0).then_some(actor.user_id);
                x.created_at = Timestamp(first.created_at.0 - i as i64 * 60_000_000);
                x.first_response_due = Some(Timestamp(x.created_at.0 + 3_600_000_000));
                x.resolution_due = Some(Timestamp(x.created_at.0 + 36_000_000_000));
                x
            })
            .collect();
        store
            .insert_tickets_bulk(
                &rows,
                AuditDraft::system(
                    "bench",
                    None,
                    "it.ticket",
                    None,
                    "bulk",
                    serde_json::json!({}),
                )
                .in_company(actor.company_id),
            )
            .await
            .map_err(e)?;
        from = to;
    }
    let load_s = t.elapsed().as_secs_f64();
    let mut runs = Vec::new();
    for what in [
        "first run (every due time, every breach)",
        "the run after it (nothing to change)",
    ] {
        let t = Instant::now();
        let r = helpdesk_sla::run(store, Timestamp::now())
            .await
            .map_err(e)?;
        runs.push(format!(
            "| {what} | {} | {} | {} | {:.2} |",
            r.evaluated,
            r.updated,
            r.breaches + r.warnings,
            t.elapsed().as_secs_f64()
        ));
    }
    println!(
        "# steward-bench it-helpdesk ({})\n\nLoaded {} tickets in {load_s:.1} s.\n\n| SLA job | open tickets | updated | warnings and breaches | seconds (goal ≤ 2 over 50,000) |\n|---|---:|---:|---:|---:|\n{}\n",
        store.backend().name(),
        args.tickets + 1,
        runs.join("\n")
    );
    let targets = [
        (
            "/it/tickets?view=queue".to_string(),
            As::Session,
            "queue page, session",
        ),
        (
            "/api/v1/it/tickets?view=queue".to_string(),
            As::Token,
            "queue API, bearer token",
        ),
    ];
    let results = crate::common::serve_and_measure(
        store,
        &actor,
        "it",
        &targets,
        args.connections,
        args.seconds,
    )
    .await?;
    println!(
        "A technician's queue (the admin's open tickets, by SLA due) among {} tickets:\n",
        args.tickets + 1
    );
    crate::common::print_wrk_table(&results, 30.0);
    println!(
        "\nwrk -t2 -c{} -d{}s per URL.",
        args.connections, args.seconds
    );
    Ok(())
}
