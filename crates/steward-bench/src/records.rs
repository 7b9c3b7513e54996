//! `steward-bench records-retention`: issue 19's retention goal. Loads `--subjects`
//! (50,000) subjects with `--per-subject` (20) notes each (1,000,000 records) spread over
//! three categories kept 24 months, one from the record's making, one from the subject's
//! last activity, one from the relationship's end (every fifth subject's ended in June
//! 2024), the notes over the last three years, 100 subjects under a legal hold; then times
//! the retention job's first run (every record whose period ran out listed as a disposal)
//! and the run after it (nothing new to list). Goal: ≤ 10 s over 1,000,000 records.
use anyhow::anyhow;
use std::time::Instant;
use steward_core::audit::AuditDraft;
use steward_core::records::retention::{self, HoldInput};
use steward_core::records::setup::{self, CategoryInput};
use steward_core::time::Timestamp;
use steward_store::{BulkFiles, Store};

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[arg(long, default_value_t = 50_000)]
    pub subjects: usize,
    #[arg(long, default_value_t = 20)]
    pub per_subject: usize,
    /// Subjects under a legal hold
    #[arg(long, default_value_t = 100)]
    pub holds: usize,
}

pub async fn run(args: Args, database_url: Option<String>) -> anyhow::Result<()> {
    crate::common::scratch_store("records-retention", database_url, |store| async move {
        bench(&store, &args).await
    })
    .await
}

async fn bench(store: &Store, args: &Args) -> anyhow::Result<()> {
    let e = |e: steward_core::Error| anyhow!("{e}");
    store.migrate().await.map_err(e)?;
    let actor = crate::common::admin_company(store, "records").await?;
    let kind = setup::apply_template(store, &actor, "clinic")
        .await
        .map_err(e)?;
    let mut categories = Vec::new();
    for (name, from) in [
        ("Letters", "record_created"),
        ("Visits", "last_activity"),
        ("Contracts", "relationship_end"),
    ] {
        let c = setup::create_category(
            store,
            &actor,
            &CategoryInput {
                name: name.into(),
                sensitive: false,
                retention_months: "24".into(),
                retention_from: from.into(),
                ..CategoryInput::default()
            },
        )
        .await
        .map_err(e)?;
        categories.push(c.id);
    }
    let t = Instant::now();
    let loaded = store
        .insert_records_bulk(
            actor.company_id,
            &BulkFiles {
                kind: kind.id,
                subjects: args.subjects,
                per_subject: args.per_subject,
                categories,
                newest: Timestamp::now(),
                bodies: Vec::new(),
                documents: 0,
                prefix: String::new(),
            },
            AuditDraft::system(
                "bench",
                None,
                "records.item",
                None,
                "bulk",
                serde_json::json!({}),
            )
            .in_company(actor.company_id),
        )
        .await
        .map_err(e)?;
    let load_s = t.elapsed().as_secs_f64();
    for i in 0..args.holds.min(args.subjects) {
        retention::place_hold(
            store,
            &actor,
            &HoldInput {
                subject_reference: format!("S-{}", i * 7 % args.subjects),
                reason: "bench".into(),
                ..HoldInput::default()
            },
        )
        .await
        .map_err(e)?;
    }
    let today = steward_core::time::today();
    let mut runs = Vec::new();
    for what in [
        "first run (every record past its period listed)",
        "the run after it (nothing new)",
    ] {
        let t = Instant::now();
        let n = retention::list_due(store, None, today, None)
            .await
            .map_err(e)?;
        runs.push(format!(
            "| {what} | {n} | {:.2} |",
            t.elapsed().as_secs_f64()
        ));
    }
    println!(
        "# steward-bench records-retention ({})\n\nLoaded {loaded} records of {} subjects in {load_s:.1} s.\n\n| retention job | records listed | seconds (goal ≤ 10 over 1,000,000) |\n|---|---:|---:|\n{}\n",
        store.backend().name(),
        args.subjects,
        runs.join("\n")
    );
    Ok(())
}
