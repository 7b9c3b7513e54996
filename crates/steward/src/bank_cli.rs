//! `steward bank import`: a bank statement from the command line, through the same service
//! (and the same authorization) as the pages and the API, acting as the CLI actor.
use anyhow::Context;
use std::process::ExitCode;
use steward_core::bank::{accounts, import, Format};

use crate::cli::{BankCommand, StatementFormat};
use crate::commands::{cli_actor, open_migrated};
use crate::config::Loaded;
use crate::ledger_cli::explain;

impl From<StatementFormat> for Format {
    fn from(f: StatementFormat) -> Format {
        match f {
            StatementFormat::Csv => Format::Csv,
            StatementFormat::Ofx => Format::Ofx,
            StatementFormat::Camt053 => Format::Camt053,
        }
    }
}

pub async fn bank(cfg: &Loaded, cmd: BankCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BankCommand::AddAccount {
            name,
            ledger_account,
            currency,
            iban,
            bic,
            company,
        } => {
            let store = open_migrated(cfg).await?;
            let actor = cli_actor(&store, company).await?;
            let input = accounts::BankAccountInput {
                name,
                ledger_account,
                currency: currency.unwrap_or_default(),
                iban: iban.unwrap_or_default(),
                bic: bic.unwrap_or_default(),
                active: true,
            };
            let result = accounts::create(&store, &actor, &input).await;
            store.close().await;
            match result {
                Ok(a) => {
                    println!("bank account {} ({}) on {}", a.id, a.name, a.ledger_account);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {}", explain(e));
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        BankCommand::Import {
            account,
            file,
            format,
            mapping,
            dry_run,
            company,
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let store = open_migrated(cfg).await?;
            let actor = cli_actor(&store, company).await?;
            let result = async {
                let acc = accounts::find(&store, &actor, &account).await?;
                import::import_statement(
                    &store,
                    &actor,
                    acc.id,
                    bytes,
                    format.map(Format::from),
                    mapping.as_deref(),
                    dry_run,
                )
                .await
                .map(|r| (acc, r))
            }
            .await;
            store.close().await;
            match result {
                Ok((acc, r)) => {
                    let verb = if r.dry_run { "dry run of" } else { "imported" };
                    println!("{verb} {} into {}", file.display(), acc.name);
                    for line in r.summary() {
                        println!("  {line}");
                    }
                    if let Some(id) = r.statement {
                        println!("  statement {id}");
                    }
                    println!("  sha256 {}", r.sha256);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {}: {}", file.display(), explain(e));
                    if !dry_run {
                        eprintln!("nothing was imported");
                    }
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

/// `steward billing payment-run export ID FILE`: marks an approved run sent (its payments
/// are recorded once) and writes its SEPA credit transfer file, through the same services
/// as the pages and the API, acting as the CLI actor.
pub async fn billing(cfg: &Loaded, cmd: crate::cli::BillingCommand) -> anyhow::Result<ExitCode> {
    use steward_core::billing::runs;
    let crate::cli::BillingCommand::PaymentRun(crate::cli::PaymentRunCommand::Export {
        id,
        file,
        company,
    }) = cmd;
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
            std::fs::write(&file, xml).with_context(|| format!("writing {}", file.display()))?;
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
