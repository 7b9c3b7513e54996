//! `steward billing import-parties|export-parties`: customers and vendors from and to
//! CSV/XLSX through the same services (and authorization) as the pages and the API, acting
//! as the company's admin.
use std::path::Path;
use std::process::ExitCode;
use steward_core::billing::parties::{self, PartyQuery};
use steward_core::billing::party_import;
use steward_core::list::Paging;

use anyhow::Context;

use crate::cli::{BillingCommand, PaymentRunCommand, TableFileFormat};
use crate::commands::{cli_actor, open_migrated};
use crate::config::Loaded;
use crate::hr_cli::{read_table_file, write_table};
use crate::ledger_cli::explain;

pub async fn billing(cfg: &Loaded, cmd: BillingCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BillingCommand::ImportParties {
            file,
            dry_run,
            company,
        } => import(cfg, &file, dry_run, company).await,
        BillingCommand::ExportParties {
            format,
            output,
            company,
        } => export(cfg, format, output.as_deref(), company).await,
        BillingCommand::PaymentRun(PaymentRunCommand::Export { id, file, company }) => {
            payment_run_export(cfg, id, &file, company).await
        }
    }
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
    let result = party_import::import(&store, &actor, &table, &shown, &[], dry_run).await;
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
        println!(
            "imported {} customers and vendors from {shown}",
            report.created
        );
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
    let q = PartyQuery {
        paging: Paging::export(),
        ..Default::default()
    };
    let page = parties::list(&store, &actor, &q).await;
    store.close().await;
    let page = page.map_err(explain)?;
    let rows = page.items.iter().map(parties::export_row).collect();
    write_table(format, output, "parties", parties::EXPORT_HEADERS, rows)?;
    eprintln!("exported {} customers and vendors", page.items.len());
    Ok(ExitCode::SUCCESS)
}

/// `steward billing payment-run export ID FILE`: marks an approved run sent (its payments
/// are recorded once) and writes its SEPA credit transfer file, through the same services
/// as the pages and the API, acting as the CLI actor.
async fn payment_run_export(
    cfg: &Loaded,
    id: i64,
    file: &Path,
    company: Option<i64>,
) -> anyhow::Result<ExitCode> {
    use steward_core::billing::runs;
    let store = open_migrated(cfg).await?;
    let actor = cli_actor(&store, company).await?;
    let result = async {
        let run = runs::send(&store, &actor, id).await?;
        let xml = runs::pain_001(&store, &actor, id).await?;
        Ok::<_, steward_core::Error>((run, xml))
    }
    .await;
    store.close().await;
    match result {
        Ok((run, xml)) => {
            std::fs::write(file, xml).with_context(|| format!("writing {}", file.display()))?;
            println!(
                "payment run {} ({} to {} vendors) written to {}; the run is {}",
                run.id,
                steward_core::money::format_in(run.total, &run.currency),
                run.by_vendor().len(),
                file.display(),
                run.status.label()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {}", explain(e));
            Ok(ExitCode::FAILURE)
        }
    }
}
