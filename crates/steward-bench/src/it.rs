//! `steward-bench it`: the asset list of issue 16 under load. Seeds a company with an admin
//! (IT staff), 4 categories and 20 models, imports `--assets` assets through the import
//! service (the function `POST /api/v1/it/assets/import` calls, in files of 10,000 rows, all
//! or nothing each), then serves the app in-process and runs `wrk` against the list page
//! (session) and the JSON list (bearer token), filtered by status and category and sorted
//! by purchase date, and against a search. Goal: p99 ≤ 30 ms at 20 connections. Uses a
//! temporary SQLite database, or a fresh schema in the PostgreSQL of --database-url.
use crate::common::{As, Rng};
use anyhow::anyhow;
use std::fmt::Write as _;
use std::time::Instant;
use steward_core::it::{asset_import, assets};
use steward_store::Store;

const CATEGORIES: &[&str] = &["Laptops", "Monitors", "Phones", "Network"];
const MODELS_PER_CATEGORY: usize = 5;
const FILE_ROWS: usize = 10_000;
const STATUSES: &[&str] = &["deployable", "deployable", "in_repair", "retired", "lost"];
const LOCATIONS: &[&str] = &["Berlin office", "Hamburg plant", "Munich clinic", "Remote"];

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Assets to import
    #[arg(long, default_value_t = 100_000)]
    pub assets: usize,
    #[arg(long, default_value_t = 20)]
    pub connections: u32,
    /// Seconds per measured URL
    #[arg(long, default_value_t = 10)]
    pub seconds: u32,
}

pub async fn run(args: Args, database_url: Option<String>) -> anyhow::Result<()> {
    crate::common::scratch_store("it", database_url, |store| async move {
        bench(&store, &args).await
    })
    .await
}

fn model_name(category: usize, i: usize) -> String {
    format!("{} model {}", CATEGORIES[category], i + 1)
}

/// A number below `n`.
fn below(rng: &mut Rng, n: usize) -> usize {
    usize::try_from(rng.below(n as u64)).unwrap_or(0)
}

/// Rows `from..to` of the import file (the import's columns; tags and serials unique); with `books` (today), every asset deployable and bought in the 30 months
/// before it, so each one still depreciates (36-month lives).
fn generate(from: usize, to: usize, rng: &mut Rng, books: Option<chrono::NaiveDate>) -> String {
    let mut out = String::with_capacity((to - from) * 120 + 200);
    out.push_str(&asset_import::IMPORT_COLUMNS.join(","));
    out.push('\n');
    for n in from..to {
        let category = n % CATEGORIES.len();
        let model = model_name(category, below(rng, MODELS_PER_CATEGORY));
        let mut status = STATUSES[below(rng, STATUSES.len())];
        let location = LOCATIONS[below(rng, LOCATIONS.len())];
        let (mut year, mut month, mut day) =
            (2019 + below(rng, 8), 1 + below(rng, 12), 1 + below(rng, 28));
        if let Some(today) = books {
            use chrono::Datelike;
            status = "deployable";
            let bought = today - chrono::Days::new(62 + rng.below(850));
            (year, month, day) = (
                usize::try_from(bought.year()).unwrap_or(2024),
                bought.month() as usize,
                bought.day().min(28) as usize,
            );
        }
        let cost = 100 + below(rng, 3_000);
        let _ = writeln!(
            out,
            "B-{n:07},SN{n:09},Asset {n},{model},{status},{location},Harbor IT,\
             {year}-{month:02}-{day:02},{cost}.00,EUR,{}-{month:02}-{day:02},",
            year + 3
        );
    }
    out
}

/// A company with IT's catalog and `n` imported assets: its admin, the first category and
/// the seconds the import took.
async fn seed(
    store: &Store,
    n: usize,
    books: Option<chrono::NaiveDate>,
) -> anyhow::Result<(
    steward_core::auth::Actor,
    steward_core::ids::AssetCategoryId,
    f64,
)> {
    let e = |e: steward_core::Error| anyhow!("{e}");
    store.migrate().await.map_err(e)?;
    let actor = crate::common::admin_company(store, "it").await?;
    let mut first_category = None;
    for (c, name) in CATEGORIES.iter().enumerate() {
        let cat = assets::create_category(
            store,
            &actor,
            &assets::CategoryInput {
                name: (*name).to_string(),
            },
        )
        .await
        .map_err(e)?;
        first_category.get_or_insert(cat.id);
        for i in 0..MODELS_PER_CATEGORY {
            assets::create_model(
                store,
                &actor,
                &assets::ModelInput {
                    name: model_name(c, i),
                    maker: "Bench Inc".into(),
                    model_number: format!("BX-{c}{i}"),
                    category_id: cat.id.0.to_string(),
                    depreciation: "straight_line".into(),
                    life_months: "36".into(),
                },
            )
            .await
            .map_err(e)?;
        }
    }
    let category = first_category.ok_or_else(|| anyhow!("no category"))?;

    let mut rng = Rng(16);
    let t = Instant::now();
    let mut from = 0;
    while from < n {
        let to = (from + FILE_ROWS).min(n);
        let csv = generate(from, to, &mut rng, books);
        let table = steward_io::read_table(
            csv.as_bytes(),
            steward_io::TableFormat::Csv,
            &steward_io::ReadLimits::default(),
        )
        .map_err(|e| anyhow!("cannot read the generated CSV: {e}"))?;
        let report = asset_import::import(store, &actor, &table, "bench.csv", &[], false)
            .await
            .map_err(e)?;
        if let Some(p) = report.problems.first() {
            anyhow::bail!(
                "the import refused the file ({} problems), first: line {} `{}`: {}",
                report.problems.len(),
                p.line,
                p.column,
                p.message
            );
        }
        from = to;
    }
    Ok((actor, category, t.elapsed().as_secs_f64()))
}

async fn bench(store: &Store, args: &Args) -> anyhow::Result<()> {
    let (actor, category, import_s) = seed(store, args.assets, None).await?;
    println!(
        "# steward-bench it ({})\n\nImported {} assets in files of {FILE_ROWS} rows in {import_s:.2} s ({:.0} rows/s).\n",
        store.backend().name(),
        args.assets,
        args.assets as f64 / import_s.max(1e-9)
    );

    let filter = format!(
        "status=deployable&category_id={}&sort=purchase_date&dir=desc",
        category.0
    );
    let targets = [
        (format!("/it/assets?{filter}"), As::Session, "page, session"),
        (
            format!("/api/v1/it/assets?{filter}"),
            As::Token,
            "API, bearer token",
        ),
        (
            "/it/assets?q=SN0004&sort=tag".to_string(),
            As::Session,
            "page, search",
        ),
        (
            "/api/v1/it/assets?q=SN0004&sort=tag".to_string(),
            As::Token,
            "API, search",
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
        "\nAsset list of {} assets (IT admin), filtered by status and category and sorted by purchase date, and searched:\n",
        args.assets
    );
    crate::common::print_wrk_table(&results, 30.0);
    println!(
        "\nwrk -t2 -c{} -d{}s per URL.",
        args.connections, args.seconds
    );
    Ok(())
}

#[derive(clap::Args, Debug, Clone)]
pub struct BooksArgs {
    /// Assets to import and put in the books
    #[arg(long, default_value_t = 100_000)]
    pub assets: usize,
}

pub async fn run_books(args: BooksArgs, database_url: Option<String>) -> anyhow::Result<()> {
    crate::common::scratch_store("it-books", database_url, |store| async move {
        books_bench(&store, &args).await
    })
    .await
}

/// Issue 16's depreciation goal: a monthly run over 100,000 assets in the books in ≤ 5 s.
/// Imports the assets (each still depreciating), books them all at the start of last month
/// in one entry (their earlier months into accumulated depreciation), then times the run
/// through last month (one month of every asset), the same run again (nothing due: the
/// repeat a retried job makes) and the run through this month.
async fn books_bench(store: &Store, args: &BooksArgs) -> anyhow::Result<()> {
    use chrono::Datelike;
    use steward_core::it::books;
    let e = |e: steward_core::Error| anyhow!("{e}");
    let today = steward_core::time::today();
    let (actor, _, import_s) = seed(store, args.assets, Some(today)).await?;
    steward_core::ledger::service::set_up_books(store, &actor, true)
        .await
        .map_err(e)?;
    for (code, name) in [
        ("1510", "Assets:Fixed:Accumulated Depreciation"),
        ("6700", "Expenses:Depreciation"),
    ] {
        steward_core::ledger::service::create_account(
            store,
            &actor,
            &steward_core::ledger::service::AccountInput {
                name: name.into(),
                code: Some(code.into()),
                ..Default::default()
            },
        )
        .await
        .map_err(e)?;
    }
    for c in books::category_accounts(store, &actor).await.map_err(e)? {
        books::set_category_accounts(
            store,
            &actor,
            c.category_id,
            &books::CategoryAccountsInput {
                asset_account: "1500".into(),
                accumulated_account: "1510".into(),
                expense_account: "6700".into(),
                disposal_account: "4900".into(),
            },
        )
        .await
        .map_err(e)?;
    }
    let this_month = today.with_day(1).unwrap_or(today);
    let last_month = this_month
        .checked_sub_months(chrono::Months::new(1))
        .unwrap_or(this_month);
    let t = Instant::now();
    let (_, booked) = books::book_all(
        store,
        &actor,
        &books::BookInput {
            credit_account: "3000".into(),
            date: last_month.to_string(),
            ..Default::default()
        },
    )
    .await
    .map_err(e)?;
    let book_s = t.elapsed().as_secs_f64();
    let mut rows = Vec::new();
    for (what, month) in [
        ("run through last month", last_month),
        ("the same run again (nothing due)", last_month),
        ("run through this month", this_month),
    ] {
        let t = Instant::now();
        let run = books::run(store, &actor, month).await.map_err(e)?;
        let s = t.elapsed().as_secs_f64();
        let (n, amount) = run
            .map(|r| {
                (
                    r.assets,
                    steward_core::money::format_in(r.amount, &r.currency),
                )
            })
            .unwrap_or((0, "0.00".into()));
        rows.push(format!("| {what} | {n} | {amount} EUR | {s:.2} |"));
    }
    println!(
        "# steward-bench it-books ({})\n\nImported {} assets in {import_s:.1} s; booked {booked} in one entry in {book_s:.2} s.\n\n| depreciation | assets posted | amount | seconds (goal ≤ 5) |\n|---|---:|---:|---:|\n{}",
        store.backend().name(),
        args.assets,
        rows.join("\n")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_has_the_import_columns_and_unique_tags() {
        let mut rng = Rng(1);
        let csv = generate(5, 105, &mut rng, None);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 101);
        assert_eq!(lines[0], asset_import::IMPORT_COLUMNS.join(","));
        let tags: std::collections::HashSet<&str> = lines[1..]
            .iter()
            .map(|l| l.split(',').next().unwrap_or_default())
            .collect();
        assert_eq!(tags.len(), 100);
        for l in &lines[1..] {
            assert_eq!(
                l.split(',').count(),
                asset_import::IMPORT_COLUMNS.len(),
                "{l}"
            );
        }
    }
}
