//! `steward-bench hr-org`: the org chart and the record-health run at scale. Seeds 50,000
//! employees in 25 departments (one of 2,000 people who all report to its head, the others
//! in teams of about 50), then times, through the services, the org chart of the big
//! department and of its head (2,000 direct reports, a page of them with their counts)
//! over a few dozen runs (p50/p99; goal ≤ 100 ms), and the full record-health run (goal
//! ≤ 5 s). Uses a temporary SQLite database, or a fresh schema in the PostgreSQL of
//! --database-url.
use anyhow::anyhow;
use std::time::Instant;
use steward_core::auth::Actor;
use steward_core::company::create_company;
use steward_core::departments;
use steward_core::hr::health::HealthStore;
use steward_core::hr::org::{self, BulkEmployee};
use steward_core::ids::EmployeeId;
use steward_store::Store;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Employees in all.
    #[arg(long, default_value_t = 50_000)]
    pub employees: usize,
    /// People in the big department.
    #[arg(long, default_value_t = 2_000)]
    pub big: usize,
    /// Timed runs of each org chart view.
    #[arg(long, default_value_t = 40)]
    pub runs: usize,
}

pub async fn run(args: Args, database_url: Option<String>) -> anyhow::Result<()> {
    crate::common::scratch_store("hr-org", database_url, |store| async move {
        bench(&store, &args).await
    })
    .await
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn time_it<F, Fut>(runs: usize, mut f: F) -> anyhow::Result<(f64, f64)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = steward_core::Result<()>>,
{
    f().await.map_err(|e| anyhow!("{e}"))?; // warm up
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await.map_err(|e| anyhow!("{e}"))?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    Ok((percentile(&ms, 0.5), percentile(&ms, 0.99)))
}

async fn bench(store: &Store, args: &Args) -> anyhow::Result<()> {
    let e = |e: steward_core::Error| anyhow!("{e}");
    store.migrate().await.map_err(e)?;
    let company = create_company(store, "bench", "Bench Ltd", "EUR")
        .await
        .map_err(e)?;
    let admin = Actor::system(company, "Bench Ltd");
    let t = Instant::now();
    let mut depts = Vec::new();
    for i in 0..25 {
        depts.push(
            departments::create(store, &admin, &format!("Department {i:02}"))
                .await
                .map_err(e)?
                .id,
        );
    }
    let person = |n: usize, dept, mgr: Option<EmployeeId>, position: &str| BulkEmployee {
        number: format!("E{n:06}"),
        name: format!("Person {n:06}"),
        email: format!("p{n}@bench.example"),
        position: position.into(),
        department_id: Some(dept),
        manager_id: mgr,
    };
    // The top, then a head per department, then everyone else.
    let top = store
        .seed_employees_bulk(company, &[person(0, depts[0], None, "Chief executive")])
        .await
        .map_err(e)?[0];
    let heads_in: Vec<BulkEmployee> = depts
        .iter()
        .enumerate()
        .map(|(i, d)| person(1 + i, *d, Some(top), "Head of department"))
        .collect();
    let heads = store
        .seed_employees_bulk(company, &heads_in)
        .await
        .map_err(e)?;
    let mut n = 1 + heads.len();
    // The big department: everyone reports to its head.
    let big: Vec<BulkEmployee> = (0..args.big.saturating_sub(1))
        .map(|i| person(n + i, depts[0], Some(heads[0]), "Operator"))
        .collect();
    n += big.len();
    store.seed_employees_bulk(company, &big).await.map_err(e)?;
    // The rest: team leads under each head, about 50 people per lead.
    let rest = args.employees.saturating_sub(n);
    let per_dept = rest / (depts.len() - 1).max(1);
    for (i, d) in depts.iter().enumerate().skip(1) {
        let leads_n = (per_dept / 50).max(1);
        let leads_in: Vec<BulkEmployee> = (0..leads_n)
            .map(|j| person(n + j, *d, Some(heads[i]), "Team lead"))
            .collect();
        n += leads_in.len();
        let leads = store
            .seed_employees_bulk(company, &leads_in)
            .await
            .map_err(e)?;
        let staff: Vec<BulkEmployee> = (0..per_dept.saturating_sub(leads_n))
            .map(|j| person(n + j, *d, Some(leads[j % leads.len()]), "Staff"))
            .collect();
        n += staff.len();
        store
            .seed_employees_bulk(company, &staff)
            .await
            .map_err(e)?;
    }
    store.optimize().await.map_err(e)?;
    println!(
        "# steward-bench hr-org ({})\n\nSeeded {n} employees in {} departments ({} in the big one) in {:.1} s.\n",
        store.backend().name(),
        depts.len(),
        args.big,
        t.elapsed().as_secs_f64()
    );
    let big_dept = depts[0];
    let (p50, p99) = time_it(args.runs, || async {
        org::department(store, &admin, big_dept, 0)
            .await
            .map(|_| ())
    })
    .await?;
    println!("| org chart of the {}-person department (its top, sub-departments) | p50 {p50:.1} ms | p99 {p99:.1} ms |", args.big);
    let head = heads[0];
    let (p50, p99) = time_it(args.runs, || async {
        org::node(store, &admin, head, 0).await.map(|_| ())
    })
    .await?;
    println!("| its head: chain and the first page of {} direct reports with counts | p50 {p50:.1} ms | p99 {p99:.1} ms |", args.big - 1);
    let (p50, p99) = time_it(args.runs, || async {
        org::node(store, &admin, head, 1900).await.map(|_| ())
    })
    .await?;
    println!("| its head, the last page of reports | p50 {p50:.1} ms | p99 {p99:.1} ms |");
    let (p50, p99) = time_it(args.runs, || async {
        org::search(store, &admin, "person 0421").await.map(|_| ())
    })
    .await?;
    println!("| search by name | p50 {p50:.1} ms | p99 {p99:.1} ms |");
    let today = chrono::Utc::now().date_naive();
    let mut times = Vec::new();
    let mut issues = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let r = store.run_health(company, today, None).await.map_err(e)?;
        times.push(t.elapsed().as_secs_f64());
        issues = r.issues;
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "| full record-health run over {n} employees ({issues} problems) | best {:.2} s | worst {:.2} s |",
        times[0],
        times[times.len() - 1]
    );
    let t = Instant::now();
    steward_core::hr::health::check_employee(store, company, head)
        .await
        .map_err(e)?;
    println!(
        "| one employee re-checked (check_employee) | {:.0} ms | |",
        t.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}
