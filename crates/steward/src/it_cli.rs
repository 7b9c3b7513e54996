//! `steward it import-assets|export-assets|export-licences|depreciate`: IT assets from and to
//! CSV/XLSX, the licences to CSV/XLSX, and a depreciation run of the assets in the books, through the same services (and authorization) as
//! the pages and the API, acting as the company's admin.
use std::path::Path;
use std::process::ExitCode;
use steward_core::it::{asset_import, assets, licences};
use steward_core::list::Paging;

use crate::cli::{ItCommand, TableFileFormat};
use crate::commands::{cli_actor, open_migrated};
use crate::config::Loaded;
use crate::hr_cli::{read_table_file, write_table};
use crate::ledger_cli::explain;

pub async fn it(cfg: &Loaded, cmd: ItCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ItCommand::ImportAssets {
            file,
            dry_run,
            company,
        } => import(cfg, &file, dry_run, company).await,
        ItCommand::ExportAssets {
            format,
            output,
            company,
        } => export(cfg, format, output.as_deref(), company).await,
        ItCommand::ExportLicences {
            format,
            output,
            company,
        } => export_licences(cfg, format, output.as_deref(), company).await,
        ItCommand::Depreciate { through, company } => depreciate(cfg, through, company).await,
    }
}

async fn depreciate(
    cfg: &Loaded,
    through: Option<String>,
    company: Option<i64>,
) -> anyhow::Result<ExitCode> {
    use steward_core::it::books;
    let month = match through {
        Some(t) => books::parse_month("through", &t).map_err(explain)?,
        None => {
            let today = steward_core::time::today();
            chrono::Datelike::with_day(&today, 1)
                .and_then(|d| d.pred_opt())
                .unwrap_or(today)
        }
    };
    let store = open_migrated(cfg).await?;
    let actor = cli_actor(&store, company).await?;
    let started = std::time::Instant::now();
    let r = books::run(&store, &actor, month).await;
    store.close().await;
    match r.map_err(explain)? {
        Some(run) => println!(
            "posted depreciation through {}: {} assets, {} {} (entry #{}) in {:.2} s",
            run.through.format("%Y-%m"),
            run.assets,
            steward_core::money::format_in(run.amount, &run.currency),
            run.currency,
            run.entry_id,
            started.elapsed().as_secs_f64()
        ),
        None => println!(
            "nothing was due through {}: every asset's depreciation is posted",
            month.format("%Y-%m")
        ),
    }
    Ok(ExitCode::SUCCESS)
}

async fn export_licences(
    cfg: &Loaded,
    format: TableFileFormat,
    output: Option<&Path>,
    company: Option<i64>,
) -> anyhow::Result<ExitCode> {
    if format == TableFileFormat::Xlsx && output.is_none() {
        anyhow::bail!("--format xlsx needs --output FILE");
    }
    let store = open_migrated(cfg).await?;
    let actor = cli_actor(&store, company).await?;
    let today = licences::today();
    let q = licences::LicenceQuery {
        paging: Paging::export(),
        today: Some(today),
        ..Default::default()
    };
    let page = licences::list(&store, &actor, &q).await;
    store.close().await;
    let page = page.map_err(explain)?;
    let rows = page
        .items
        .iter()
        .map(|l| licences::export_row(l, today))
        .collect();
    write_table(format, output, "licences", licences::EXPORT_HEADERS, rows)?;
    eprintln!("exported {} licences", page.items.len());
    Ok(ExitCode::SUCCESS)
}

async fn import(
    cfg: &Loaded,
    file: &Path,
    dry_run: bool,
    company: Option<i64>,
) -> anyhow::Result<ExitCode> {
    let shown = file.display().to_string();
    let Some(table) = read_table_file(file)? else {
        return Ok(ExitCode::FAILURE);
    };
    let store = open_migrated(cfg).await?;
    let actor = cli_actor(&store, company).await?;
    let result = asset_import::import(&store, &actor, &table, &shown, &[], dry_run).await;
    store.close().await;
    let report = result.map_err(explain)?;
    if !report.problems.is_empty() {
        for p in &report.problems {
            eprintln!("{shown}:{}: {}: {}", p.line, p.column, p.message);
        }
        eprintln!(
            "{} problem{} in {shown} ({} rows): nothing was imported",
            report.problems.len(),
            if report.problems.len() == 1 { "" } else { "s" },
            report.rows
        );
        return Ok(ExitCode::FAILURE);
    }
    if report.dry_run {
        println!(
            "dry run: all {} rows of {shown} are valid; nothing was written",
            report.rows
        );
    } else {
        println!("imported {} assets from {shown}", report.created);
    }
    Ok(ExitCode::SUCCESS)
}

async fn export(
    cfg: &Loaded,
    format: TableFileFormat,
    output: Option<&Path>,
    company: Option<i64>,
) -> anyhow::Result<ExitCode> {
    if format == TableFileFormat::Xlsx && output.is_none() {
        anyhow::bail!("--format xlsx needs --output FILE");
    }
    let store = open_migrated(cfg).await?;
    let actor = cli_actor(&store, company).await?;
    let q = assets::AssetQuery {
        paging: Paging::export(),
        ..Default::default()
    };
    let page = assets::list(&store, &actor, &q).await;
    store.close().await;
    let page = page.map_err(explain)?;
    let rows = page.items.iter().map(assets::export_row).collect();
    write_table(format, output, "assets", assets::EXPORT_HEADERS, rows)?;
    eprintln!("exported {} assets", page.items.len());
    Ok(ExitCode::SUCCESS)
}
