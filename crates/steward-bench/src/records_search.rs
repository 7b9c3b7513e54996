//! `steward-bench records-search`: issue 19's search and file-opening goals. Loads
//! `--subjects` (50,000) subjects with `--per-subject` (22) records each: 20 notes and 2
//! documents whose text is indexed (1,000,000 notes, 100,000 documents), their texts drawn
//! from a vocabulary of 5,000 words with a Zipf-like spread (a few words in most records,
//! most words in few); a clinician is assigned to `--assigned` (500) subjects; one more
//! subject has a file of 500 records. Then times, through the services (access narrowed in
//! the query, the subjects shown logged):
//! - `--queries` (300) searches by the admin (reads every file) and by the clinician, of one
//!   or two words drawn as people type them (rarer words more often than the commonest),
//!   the last word sometimes cut to a prefix: p50/p95/p99 (goal p99 ≤ 50 ms);
//! - opening the 500-record file (the view logged) 200 times: p50/p99 (goal p99 ≤ 30 ms).
use anyhow::anyhow;
use std::time::Instant;
use steward_core::audit::AuditDraft;
use steward_core::auth::Actor;
use steward_core::records::retention::RetentionStore;
use steward_core::records::subjects::{self, AssignmentInput};
use steward_core::records::{file, search, setup};
use steward_core::time::Timestamp;
use steward_store::{BulkFiles, Store};

use crate::common::Rng;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[arg(long, default_value_t = 50_000)]
    pub subjects: usize,
    /// Records per subject (the last 2 are documents)
    #[arg(long, default_value_t = 22)]
    pub per_subject: usize,
    /// Subjects the clinician is assigned to
    #[arg(long, default_value_t = 500)]
    pub assigned: usize,
    #[arg(long, default_value_t = 300)]
    pub queries: usize,
}

pub async fn run(args: Args, database_url: Option<String>) -> anyhow::Result<()> {
    crate::common::scratch_store("records-search", database_url, |store| async move {
        bench(&store, &args).await
    })
    .await
}

const VOCABULARY: usize = 5_000;
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "pri", "dal", "mor", "ten", "gal", "zor",
    "bel", "cu", "fa", "hy", "tro", "xi",
];

/// The `n`th word of the vocabulary (distinct for every `n` below `VOCABULARY`).
fn word(n: usize) -> String {
    let mut s = String::new();
    let mut x = n + SYLLABLES.len();
    while x > 0 {
        s.push_str(SYLLABLES[x % SYLLABLES.len()]);
        x /= SYLLABLES.len();
    }
    s
}

/// A vocabulary rank with a Zipf-like spread: rank r about as often as 1/r.
fn rank(rng: &mut Rng) -> usize {
    let u = (rng.below(1_000_000) as f64) / 1_000_000.0;
    ((VOCABULARY as f64).powf(u) as usize).saturating_sub(1)
}

fn bodies(rng: &mut Rng, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let len = 20 + rng.below(21) as usize;
            (0..len)
                .map(|_| word(rank(rng)))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn pct(ms: &mut [f64], p: f64) -> f64 {
    ms.sort_by(|a, b| a.total_cmp(b));
    ms[((ms.len() as f64 - 1.0) * p).round() as usize]
}

async fn clinician(store: &Store, company: steward_core::ids::CompanyId) -> anyhow::Result<Actor> {
    use steward_core::users::UserStore;
    let e = |e: steward_core::Error| anyhow!("{e}");
    let roles = store
        .role_ids(company, &["employee".to_string()])
        .await
        .map_err(e)?;
    let rec = steward_core::users::NewUserRecord {
        email: "clinician@bench.example".into(),
        display_name: "Clinician".into(),
        username: "clinician".into(),
        password_hash: None,
        role_ids: roles.iter().map(|(_, id)| *id).collect(),
        role_keys: vec!["employee".into()],
    };
    let audit = AuditDraft::system("bench", None, "user", None, "create", serde_json::json!({}))
        .in_company(company);
    let ids = store
        .insert_users(company, &[rec], vec![audit])
        .await
        .map_err(e)?;
    let id = *ids.first().ok_or_else(|| anyhow!("no clinician"))?;
    steward_core::auth::session::cli_actor(store, id, company)
        .await
        .map_err(e)
}

async fn bench(store: &Store, args: &Args) -> anyhow::Result<()> {
    let e = |e: steward_core::Error| anyhow!("{e}");
    store.migrate().await.map_err(e)?;
    let admin = crate::common::admin_company(store, "records").await?;
    let company = admin.company_id;
    let kind = setup::apply_template(store, &admin, "clinic")
        .await
        .map_err(e)?;
    let cats = setup::categories(store, &admin).await.map_err(e)?;
    let categories: Vec<_> = cats.iter().filter(|c| !c.sensitive).map(|c| c.id).collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let texts = bodies(&mut rng, 20_000);
    let load = |subjects: usize, per_subject: usize, documents: usize, prefix: &str| BulkFiles {
        kind: kind.id,
        subjects,
        per_subject,
        categories: categories.clone(),
        newest: Timestamp::now(),
        bodies: texts.clone(),
        documents,
        prefix: prefix.into(),
    };
    let audit = || {
        AuditDraft::system(
            "bench",
            None,
            "records.item",
            None,
            "bulk",
            serde_json::json!({}),
        )
        .in_company(company)
    };
    let t = Instant::now();
    let loaded = store
        .insert_records_bulk(
            company,
            &load(
                args.subjects,
                args.per_subject,
                2.min(args.per_subject),
                "S-",
            ),
            audit(),
        )
        .await
        .map_err(e)?;
    store
        .insert_records_bulk(company, &load(1, 500, 50, "BIG-"), audit())
        .await
        .map_err(e)?;
    let load_s = t.elapsed().as_secs_f64();
    let doctor = clinician(store, company).await?;
    for i in 0..args.assigned.min(args.subjects) {
        let r = format!("S-{}", i * 97 % args.subjects);
        let s = store
            .subject_by_reference(company, &r)
            .await
            .map_err(e)?
            .ok_or_else(|| anyhow!("no subject {r}"))?;
        subjects::assign(
            store,
            &admin,
            s,
            &AssignmentInput {
                user_id: doctor.user_id.0.to_string(),
                ..AssignmentInput::default()
            },
        )
        .await
        .map_err(e)?;
    }
    let big = store
        .subject_by_reference(company, "BIG-0")
        .await
        .map_err(e)?
        .ok_or_else(|| anyhow!("no big file"))?;

    // Queries as people type them: one or two words, rarer ones more often than the
    // commonest (a word in most records is not what one searches for), the last word
    // sometimes a prefix.
    let queries: Vec<String> = (0..args.queries)
        .map(|_| {
            let pick = |rng: &mut Rng| word(20 + rank(rng) % (VOCABULARY - 20));
            let mut q = pick(&mut rng);
            if rng.below(3) == 0 {
                q = format!("{} {}", pick(&mut rng), q);
            }
            if rng.below(4) == 0 {
                let cut = q.len().saturating_sub(2).max(3);
                q.truncate(cut);
            }
            q
        })
        .collect();
    let mut rows = Vec::new();
    for (who, actor) in [
        ("admin (every file)", &admin),
        ("clinician (500 files)", &doctor),
    ] {
        let mut ms = Vec::with_capacity(queries.len());
        let mut found = 0usize;
        for q in &queries {
            let t = Instant::now();
            let hits = search::search(store, actor, q, None).await.map_err(e)?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            found += hits.len();
        }
        rows.push(format!(
            "| search, {who} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            queries.len(),
            found as f64 / queries.len() as f64,
            pct(&mut ms, 0.5),
            pct(&mut ms, 0.95),
            pct(&mut ms, 0.99)
        ));
    }
    let mut ms = Vec::with_capacity(200);
    let mut shown = 0;
    for _ in 0..200 {
        let t = Instant::now();
        let f = file::open_file(store, &admin, big).await.map_err(e)?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        shown = f.items.len();
    }
    rows.push(format!(
        "| open a file of {shown} records (view logged) | 200 | {shown} | {:.1} | {:.1} | {:.1} |",
        pct(&mut ms, 0.5),
        pct(&mut ms, 0.95),
        pct(&mut ms, 0.99)
    ));
    println!(
        "# steward-bench records-search ({})\n\nLoaded {loaded} records of {} subjects (+1 of 500) in {load_s:.1} s.\n\n| what | runs | results per run | p50 ms | p95 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|\n{}\n\nGoals: search p99 ≤ 50 ms; opening the file p99 ≤ 30 ms.\n",
        store.backend().name(),
        args.subjects,
        rows.join("\n")
    );
    Ok(())
}
