//! `steward billing import-parties|export-parties`: customers and vendors from and to
//! CSV/XLSX; `payment-run export`; `send`, `reminders` and `recurring`: what the invoice
//! page's "Send" and the daily jobs do, now. Through the same services (and authorization)
//! as the pages and the API, acting as the company's admin.
use std::path::Path;
use std::process::ExitCode;
use steward_core::billing::parties::{self, PartyQuery};
use steward_core::billing::{dunning, mail, party_import, recurring};
use steward_core::ids::InvoiceId;
use steward_core::list::Paging;

use anyhow::Context;
use chrono::NaiveDate;

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
        BillingCommand::Send {
            id,
            to,
            subject,
            message,
            company,
        } => send(cfg, id, to, subject, message, company).await,
        BillingCommand::Reminders {
            dry_run,
            date,
            company,
        } => reminders(cfg, dry_run, date, company).await,
        BillingCommand::Recurring { date, company } => recurring_run(cfg, date, company).await,
    }
}

use steward_core::time::today;

async fn send(
    cfg: &Loaded,
    id: i64,
    to: Vec<String>,
    subject: Option<String>,
    message: Option<String>,
    company: Option<i64>,
) -> anyhow::Result<ExitCode> {
    let store = open_migrated(cfg).await?;
    let actor = cli_actor(&store, company).await?;
    let result = async {
        let d = mail::draft(&store, &actor, InvoiceId(id)).await?;
        let input = mail::SendInput {
            to: if to.is_empty() { d.to } else { to },
            subject: subject.unwrap_or(d.subject),
            message: message.unwrap_or(d.message),
        };
        mail::send_document(&store, &actor, InvoiceId(id), &input, None).await
    }
    .await;
    store.close().await;
    match result {
        Ok(r) => {
            let numbers: Vec<&str> = r
                .documents
                .iter()
                .filter_map(|d| d.number.as_deref())
                .collect();
            println!(
                "{} to {} ({}): {} (send {})",
                numbers.join(", "),
                r.party_name,
                r.recipients.join(", "),
                r.status,
                r.id
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {}", explain(e));
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn reminders(
    cfg: &Loaded,
    dry_run: bool,
    date: Option<NaiveDate>,
    company: Option<i64>,
) -> anyhow::Result<ExitCode> {
    let day = date.unwrap_or_else(today);
    let store = open_migrated(cfg).await?;
    let actor = cli_actor(&store, company).await?;
    let result = async {
        let enabled = mail::settings(&store, &actor).await?.dunning_enabled;
        if dry_run {
            let list = dunning::preview(&store, &actor, day).await?;
            Ok::<_, steward_core::Error>((enabled, Some(list), None))
        } else {
            let report = dunning::run(&store, &actor, day).await?;
            Ok((enabled, None, Some(report)))
        }
    }
    .await;
    store.close().await;
    let (enabled, list, report) = match result {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {}", explain(e));
            return Ok(ExitCode::FAILURE);
        }
    };
    if !enabled {
        println!("reminders are switched off (billing mail settings): nothing is sent");
    }
    if let Some(list) = list {
        if list.is_empty() {
            println!("no reminder is due on {day}");
        }
        for r in list {
            let docs: Vec<&str> = r.lines.iter().map(|l| l.number.as_str()).collect();
            match r.skipped {
                Some(why) => println!(
                    "{}: level {} for {}: not sent ({why})",
                    r.party_name,
                    r.level,
                    docs.join(", ")
                ),
                None => println!(
                    "{}: level {} for {} to {}",
                    r.party_name,
                    r.level,
                    docs.join(", "),
                    r.to.join(", ")
                ),
            }
        }
    }
    if let Some(r) = report {
        println!(
            "reminders on {day}: {} sent, {} skipped, {} sent by another run first",
            r.sent, r.skipped, r.already
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn recurring_run(
    cfg: &Loaded,
    date: Option<NaiveDate>,
    company: Option<i64>,
) -> anyhow::Result<ExitCode> {
    let day = date.unwrap_or_else(today);
    let store = open_migrated(cfg).await?;
    let actor = cli_actor(&store, company).await?;
    let templates = match recurring::list(&store, &actor).await {
        Ok(t) => t,
        Err(e) => {
            store.close().await;
            eprintln!("error: {}", explain(e));
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut failed = false;
    for t in templates
        .iter()
        .filter(|t| t.status == recurring::RecurringStatus::Active)
    {
        match recurring::make_due(&store, &actor, t.id, day).await {
            Ok(n) => println!("{} ({}): {n} invoice(s) made", t.name, t.party_name),
            Err(e) => {
                failed = true;
                eprintln!("{} ({}): {}", t.name, t.party_name, explain(e));
            }
        }
    }
    store.close().await;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
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
