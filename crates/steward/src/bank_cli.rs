//! `steward bank import`: a bank statement from the command line (then, with `--auto-match`,
//! its lines with one sure match reconciled), through the same service
//! (and the same authorization) as the pages and the API, acting as the CLI actor.
use anyhow::Context;
use std::process::ExitCode;
use steward_core::bank::{accounts, import, matching, Format};

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
            auto_match,
            company,
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let store = open_migrated(cfg).await?;
            let actor = cli_actor(&store, company).await?;
            let result = async {
                let acc = accounts::find(&store, &actor, &account).await?;
                let r = import::import_statement(
                    &store,
                    &actor,
                    acc.id,
                    bytes,
                    format.map(Format::from),
                    mapping.as_deref(),
                    dry_run,
                )
                .await?;
                let matched = match (auto_match, r.statement) {
                    (true, Some(id)) => Some(matching::auto_match(&store, &actor, id).await?),
                    _ => None,
                };
                Ok::<_, steward_core::Error>((acc, r, matched))
            }
            .await;
            store.close().await;
            match result {
                Ok((acc, r, matched)) => {
                    let verb = if r.dry_run { "dry run of" } else { "imported" };
                    println!("{verb} {} into {}", file.display(), acc.name);
                    for line in r.summary() {
                        println!("  {line}");
                    }
                    if let Some(id) = r.statement {
                        println!("  statement {id}");
                    }
                    println!("  sha256 {}", r.sha256);
                    if let Some(m) = matched {
                        println!(
                            "  auto-matched {} line(s); {} left to reconcile; {} could not be accepted",
                            m.matched, m.left, m.failed
                        );
                    }
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
