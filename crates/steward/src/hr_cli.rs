//! `steward hr import|export`: employees from and to CSV/XLSX from the command line,
//! through the same services (and the same authorization) as the pages and the API. The
//! command line acts as the company's admin ([`cli_actor`]), so the export has every column
//! the list shows anyone.
use anyhow::{anyhow, bail, Context};
use std::path::Path;
use std::process::ExitCode;
use steward_core::hr::employees::{self, EmployeeQuery};
use steward_core::hr::health::{self, HealthStore};
use steward_io::{ReadLimits, TableFormat};

use crate::cli::{HrCommand, TableFileFormat};
use crate::commands::{cli_actor, open_migrated};
use crate::config::Loaded;
use crate::ledger_cli::{explain, write_output};

pub async fn hr(cfg: &Loaded, cmd: HrCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        HrCommand::Import {
            file,
            dry_run,
            company,
        } => import(cfg, &file, dry_run, company).await,
        HrCommand::Export {
            format,
            output,
            company,
        } => export(cfg, format, output.as_deref(), company).await,
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
    let rows: Vec<(usize, Vec<String>)> =
        table.rows.into_iter().map(|r| (r.line, r.cells)).collect();
    let result = employees::import_employees(&store, &actor, &table.headers, &rows, dry_run).await;
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            store.close().await;
            return Err(explain(e));
        }
    };
    if !report.dry_run && report.errors.is_empty() {
        // The server re-checks record health after an import in the background; here there
        // is no background, and the nightly run may be a day away.
        if let Err(e) = store
            .run_health(actor.company_id, health::today(), None)
            .await
        {
            eprintln!("warning: the record-health check after the import failed: {e}");
        }
    }
    store.close().await;
    if !report.errors.is_empty() {
        for p in &report.errors {
            eprintln!("{shown}:{}: {}: {}", p.line, p.column, p.message);
        }
        eprintln!(
            "{} problem{} in {shown} ({} rows): nothing was imported",
            report.errors.len(),
            if report.errors.len() == 1 { "" } else { "s" },
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
            "imported {} employees from {shown} ({} rows)",
            report.created, report.rows
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The table in `file` (CSV, or XLSX by its content); a file that does not read is
/// reported as `FILE:LINE: message` and `None` comes back.
pub(crate) fn read_table_file(file: &Path) -> anyhow::Result<Option<steward_io::Table>> {
    let shown = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {shown}"))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let table = TableFormat::detect(&name, &bytes)
        .and_then(|f| steward_io::read_table(&bytes, f, &ReadLimits::default()));
    match table {
        Ok(t) => Ok(Some(t)),
        Err(e) => {
            match e.line() {
                Some(line) => eprintln!("{shown}:{line}: {}", e.message()),
                None => eprintln!("{shown}: {}", e.message()),
            }
            eprintln!("nothing was imported");
            Ok(None)
        }
    }
}

/// Writes a table as CSV or XLSX to `output` (standard output when none; XLSX needs one).
pub(crate) fn write_table(
    format: TableFileFormat,
    output: Option<&Path>,
    sheet: &str,
    headers: &[&str],
    rows: Vec<Vec<String>>,
) -> anyhow::Result<()> {
    let bytes = match format {
        TableFileFormat::Csv => steward_io::write_csv(headers, rows),
        TableFileFormat::Xlsx => steward_io::write_xlsx(sheet, headers, rows)
            .map_err(|e| anyhow!("cannot write XLSX: {e}"))?,
    };
    write_output(output, &bytes)
}

async fn export(
    cfg: &Loaded,
    format: TableFileFormat,
    output: Option<&Path>,
    company: Option<i64>,
) -> anyhow::Result<ExitCode> {
    if format == TableFileFormat::Xlsx && output.is_none() {
        bail!("--format xlsx needs --output FILE");
    }
    let store = open_migrated(cfg).await?;
    let actor = cli_actor(&store, company).await?;
    let items = employees::export_employees(&store, &actor, &EmployeeQuery::default()).await;
    store.close().await;
    let items = items.map_err(explain)?;
    let headers = employees::export_headers(&actor);
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|r| employees::export_row(&actor, r))
        .collect();
    write_table(format, output, "employees", &headers, rows)?;
    eprintln!("exported {} employees", items.len());
    Ok(ExitCode::SUCCESS)
}
