//! `steward-bench hr`: the employee import and the employee list under load. Seeds a company
//! with an admin (HR staff), 20 departments and one location; generates a CSV of
//! `--employees` people in the import's column format (a reporting tree of spans of 8,
//! managers listed before their reports, one department of 2,000 people), times its
//! import through the import service (the function `POST /api/v1/hr/employees/import`
//! calls; all rows or none, not a dry run), then serves the app in-process and runs `wrk`
//! against the filtered, sorted list page (session) and the JSON list (bearer token).
//! Goals: import ≤ 10 s, list p99 ≤ 30 ms. Uses a temporary SQLite database, or a fresh
//! schema in the PostgreSQL of --database-url.
use crate::common::{As, Rng};
use anyhow::anyhow;
use chrono::{Duration as Days, NaiveDate};
use std::fmt::Write as _;
use std::time::Instant;
use steward_core::departments;
use steward_core::hr::employees;
use steward_core::ids::DepartmentId;
use steward_store::Store;

const DEPARTMENTS: usize = 20;
/// People in the first department (the one the list is filtered by).
const BIG_DEPARTMENT: usize = 2_000;
const SPAN: usize = 8;
const LOCATION: &str = "Head office";

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Employees in the imported CSV
    #[arg(long, default_value_t = 50_000)]
    pub employees: usize,
    #[arg(long, default_value_t = 20)]
    pub connections: u32,
    /// Seconds per measured URL
    #[arg(long, default_value_t = 10)]
    pub seconds: u32,
}

pub async fn run(args: Args, database_url: Option<String>) -> anyhow::Result<()> {
    crate::common::scratch_store("hr", database_url, |store| async move {
        bench(&store, &args).await
    })
    .await
}

const FIRST: &[&str] = &[
    "Ada", "Ben", "Clara", "David", "Eva", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira",
    "Liam", "Mara", "Noah", "Olga", "Paul", "Quinn", "Rosa", "Sven", "Tara", "Ugo", "Vera", "Wim",
    "Xenia", "Yusuf", "Zoe",
];
const LAST: &[&str] = &[
    "Adler",
    "Becker",
    "Costa",
    "Dietrich",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ivanova",
    "Jensen",
    "Keller",
    "Lang",
    "Moreau",
    "Novak",
    "Okafor",
    "Peters",
    "Quist",
    "Richter",
    "Schmidt",
    "Tanaka",
    "Ulrich",
    "Vogel",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zimmermann",
];
const POSITIONS: &[&str] = &[
    "Analyst",
    "Engineer",
    "Senior engineer",
    "Accountant",
    "Clerk",
    "Technician",
    "Consultant",
    "Specialist",
    "Coordinator",
    "Assistant",
];

fn department_name(i: usize) -> String {
    format!("Department {:02}", i + 1)
}

/// The import file: header and rows, people numbered E000001.. in a tree where person `i`
/// (0-based) reports to person `(i - 1) / SPAN`, so every manager comes before their reports.
fn generate_csv(n: usize) -> String {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let today = chrono::Utc::now().date_naive();
    let epoch = NaiveDate::from_ymd_opt(2010, 1, 1).unwrap_or_default();
    let span_days = (today - epoch).num_days().max(1) as u64;
    let mut out = String::with_capacity(n * 160);
    out.push_str(
        "employee_number,legal_name,preferred_name,work_email,work_phone,position,department,\
         manager_number,location,employment_type,fte,start_date,probation_end,end_date,end_reason\n",
    );
    // The first BIG_DEPARTMENT people drawn into department 1, the rest spread over 2..20.
    let big_share = BIG_DEPARTMENT.min(n) as u64;
    let mut big_left = big_share;
    for i in 0..n {
        let number = format!("E{:06}", i + 1);
        let (first, last) = (
            FIRST[rng.below(FIRST.len() as u64) as usize],
            LAST[rng.below(LAST.len() as u64) as usize],
        );
        let left = (n - i) as u64;
        let dept = if big_left > 0 && rng.below(left) < big_left {
            big_left -= 1;
            0
        } else {
            1 + (i % (DEPARTMENTS - 1))
        };
        let manager = if i == 0 {
            String::new()
        } else {
            format!("E{:06}", (i - 1) / SPAN + 1)
        };
        let position = if i < n / SPAN {
            "Manager"
        } else {
            POSITIONS[rng.below(POSITIONS.len() as u64) as usize]
        };
        let roll = rng.below(100);
        let (etype, fte) = match roll {
            0..=79 => ("permanent", "1.0"),
            80..=89 => ("part_time", "0.6"),
            90..=94 => ("fixed_term", "1.0"),
            95..=97 => ("contractor", "0.8"),
            _ => ("intern", "1.0"),
        };
        let fate = rng.below(100);
        let (start, probation, end, reason) = if fate < 2 && i > 0 {
            // Starts next month.
            let s = today + Days::days(30 + rng.below(60) as i64);
            (s, Some(s + Days::days(180)), None, "")
        } else {
            let s = epoch + Days::days(rng.below(span_days - 1) as i64);
            if fate >= 96 && i >= n / SPAN {
                // Left already.
                let e = s + Days::days(rng.below((today - s).num_days().max(1) as u64) as i64);
                (s, None, Some(e), "resignation")
            } else {
                (s, None, None, "")
            }
        };
        let d = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let _ = writeln!(
            out,
            "{number},{first} {last},{first},{fl}.{ll}.{i}@bench.example,+49 30 {i:07},{position},{dept},\
             {manager},{LOCATION},{etype},{fte},{start},{probation},{end},{reason}",
            fl = first.to_lowercase(),
            ll = last.to_lowercase(),
            dept = department_name(dept),
            probation = d(probation),
            end = d(end),
        );
    }
    out
}

async fn bench(store: &Store, args: &Args) -> anyhow::Result<()> {
    let e = |e: steward_core::Error| anyhow!("{e}");
    store.migrate().await.map_err(e)?;
    let actor = crate::common::admin_company(store, "hr").await?;
    let mut big: Option<DepartmentId> = None;
    for i in 0..DEPARTMENTS {
        let d = departments::create(store, &actor, &department_name(i))
            .await
            .map_err(e)?;
        big.get_or_insert(d.id);
    }
    let big = big.ok_or_else(|| anyhow!("no department"))?;
    store
        .seed_location(actor.company_id, LOCATION)
        .await
        .map_err(e)?;

    let t = Instant::now();
    let csv = generate_csv(args.employees);
    let gen_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let table = steward_io::read_table(
        csv.as_bytes(),
        steward_io::TableFormat::Csv,
        &steward_io::ReadLimits::default(),
    )
    .map_err(|e| anyhow!("cannot read the generated CSV: {e}"))?;
    let rows: Vec<(usize, Vec<String>)> =
        table.rows.into_iter().map(|r| (r.line, r.cells)).collect();
    let parse_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let report = employees::import_employees(store, &actor, &table.headers, &rows, false)
        .await
        .map_err(e)?;
    let import_s = t.elapsed().as_secs_f64();
    if let Some(p) = report.errors.first() {
        anyhow::bail!(
            "the import refused the file ({} problems), first: line {} `{}`: {}",
            report.errors.len(),
            p.line,
            p.column,
            p.message
        );
    }
    let total_s = parse_s + import_s;
    println!(
        "# steward-bench hr ({})\n\nGenerated a CSV of {} employees ({:.1} MB) in {gen_s:.2} s.\n",
        store.backend().name(),
        args.employees,
        csv.len() as f64 / 1e6,
    );
    println!("| import step | seconds | rows/s | goal |");
    println!("|---|---:|---:|---|");
    println!(
        "| read the CSV (`steward_io::read_table`) | {parse_s:.2} | {:.0} | |",
        rows.len() as f64 / parse_s.max(1e-9)
    );
    println!(
        "| `hr::employees::import_employees` (check + write, {} created) | {import_s:.2} | {:.0} | |",
        report.created,
        rows.len() as f64 / import_s.max(1e-9)
    );
    println!(
        "| total | {total_s:.2} | {:.0} | ≤ 10 s: {} |",
        rows.len() as f64 / total_s.max(1e-9),
        if total_s <= 10.0 { "met" } else { "NOT met" }
    );

    let filter = format!("department={}&status=active&sort=name&dir=asc", big.0);
    let targets = [
        (
            format!("/hr/employees?{filter}"),
            As::Session,
            "page, session",
        ),
        (
            format!("/api/v1/hr/employees?{filter}"),
            As::Token,
            "API, bearer token",
        ),
    ];
    let results = crate::common::serve_and_measure(
        store,
        &actor,
        "hr",
        &targets,
        args.connections,
        args.seconds,
    )
    .await?;
    println!(
        "\nList filtered to the {BIG_DEPARTMENT}-person department, active, sorted by name (HR admin):\n"
    );
    crate::common::print_wrk_table(&results, 30.0);
    println!(
        "\nwrk -t2 -c{} -d{}s per URL.",
        args.connections, args.seconds
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::{parse_wrk, to_ms};

    #[test]
    fn reads_wrk_latencies() {
        let out = "  Latency Distribution\n     50%    1.20ms\n     99%   12.50ms\n  4000 requests in 10.00s, 1MB read\nRequests/sec:    400.00\n";
        let w = parse_wrk(out).expect("parsed");
        assert_eq!((w.p50_ms, w.p99_ms, w.requests), (1.2, 12.5, 4000));
        assert_eq!(to_ms("1.5s"), Some(1500.0));
    }

    #[test]
    fn the_file_lists_managers_first_and_fills_the_big_department() {
        let csv = generate_csv(3_000);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3_001);
        let big = lines
            .iter()
            .filter(|l| l.contains(&format!(",{},", department_name(0))))
            .count();
        assert_eq!(big, BIG_DEPARTMENT);
        for (i, l) in lines.iter().skip(1).enumerate() {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), 15, "{l}");
            if i > 0 {
                let m: usize = cells[7][1..].parse().expect("manager number");
                assert!(m <= i, "manager after report on line {i}");
            }
        }
    }
}
