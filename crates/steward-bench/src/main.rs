//! `steward-bench`: Steward's speed measurements (docs/BENCHMARKS.md), a binary of its own so
//! that the shipped `steward` binary carries no HTTP client. Most benchmarks seed a fresh
//! database and serve it in-process; `http --demo` and `ledger` drive a `steward` binary
//! (the one next to this executable, or `--binary PATH`).
#![forbid(unsafe_code)]

mod billing;
mod common;
mod demo;
mod hr;
mod hr_org;
mod http;
mod it;
mod it_helpdesk;
mod ledger;
mod records;
mod records_search;
mod work_cases;
mod work_inbox;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "steward-bench",
    version,
    about = "Steward's benchmarks (see docs/BENCHMARKS.md)"
)]
struct Cli {
    /// postgres://USER@HOST/DB to benchmark on PostgreSQL (a fresh database is created and
    /// dropped); a temporary SQLite database when absent
    #[arg(long, global = true, env = "STEWARD_DATABASE_URL")]
    database_url: Option<String>,
    /// The `steward` binary that `http --demo` serves and `ledger` runs
    /// [default: the `steward` next to this executable]
    #[arg(long, global = true, env = "STEWARD_BIN")]
    binary: Option<PathBuf>,
    #[command(subcommand)]
    command: BenchCommand,
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// wrk against authenticated pages and API lists. Default: seeds --users users into a
    /// temporary SQLite database (or a fresh PostgreSQL database of --database-url), serves it
    /// in-process, and also times sign-ins. With --demo: serves the demo company with a
    /// `steward` binary (`serve --demo`, see --binary) in a fresh data folder and measures the
    /// six request-path targets of issue 13.
    Http {
        #[arg(long, default_value_t = 10_000)]
        users: usize,
        #[arg(long, default_value_t = 50)]
        connections: u32,
        /// Seconds per target [default: 30; 8 with --demo]
        #[arg(long)]
        seconds: Option<u32>,
        /// Sign-ins to time
        #[arg(long, default_value_t = 20)]
        signins: u32,
        /// The demo company served by `steward serve --demo` (the binary of --binary)
        #[arg(long)]
        demo: bool,
        /// Seconds of unmeasured load on each target before it is measured (0: none)
        #[arg(long, default_value_t = 2)]
        warmup: u32,
    },
    /// Import a generated hledger journal with Steward, hledger and ledger; time the
    /// trial balance, the balance sheet and an account's ledger; post entries through the API.
    /// Uses temporary SQLite databases, or fresh databases in the PostgreSQL of --database-url.
    Ledger(BenchLedgerArgs),
    /// Seed open front-office cases and time the SLA job's evaluation of all of them.
    /// Uses a temporary SQLite database, or a fresh schema in the PostgreSQL of --database-url.
    WorkCases(BenchWorkCasesArgs),
    /// Seed 100,000 open tasks and 20,000 open cases; wrk against "My work" and the
    /// approvals inbox (p99 goal 30 ms). Uses a temporary SQLite database, or a fresh schema
    /// in the PostgreSQL of --database-url.
    WorkInbox(BenchWorkInboxArgs),
    /// Seed 50,000 employees: time their CSV import and wrk a filtered, sorted employee
    /// list page (goals: import ≤ 10 s, list p99 ≤ 30 ms).
    Hr(crate::hr::Args),
    /// Seed 50,000 employees with a 2,000-person department: time its org chart and the
    /// full record-health run (goals: ≤ 100 ms, ≤ 5 s).
    HrOrg(crate::hr_org::Args),
    /// Seed 1,000 customers and 100,000 posted invoices (a third partly paid): time the aged
    /// receivables as of today (goal ≤ 200 ms).
    Billing(crate::billing::Args),
    /// Import 100,000 assets and run wrk against the filtered, sorted and searched asset
    /// list, page and API (goal p99 ≤ 30 ms at 20 connections).
    It(crate::it::Args),
    /// Import 100,000 assets, put them in the books and time the monthly depreciation run
    /// over all of them (goal ≤ 5 s).
    ItBooks(crate::it::BooksArgs),
    /// Load 200,000 helpdesk tickets (50,000 open): time the SLA job's first and steady
    /// runs (goal ≤ 2 s) and run wrk against a technician's queue (goal p99 ≤ 30 ms).
    ItHelpdesk(crate::it_helpdesk::Args),
    /// Load 1,000,000 records of 50,000 subjects and time the retention job's first and
    /// steady runs (goal ≤ 10 s).
    RecordsRetention(crate::records::Args),
    /// Load 1,000,000 notes and 100,000 documents' text of 50,000 subjects: time searches by
    /// a company-wide reader and a clinician of 500 files (goal p99 ≤ 50 ms), and opening a
    /// file of 500 records (goal p99 ≤ 30 ms).
    RecordsSearch(crate::records_search::Args),
}

#[derive(Args, Debug, Clone)]
pub struct BenchWorkInboxArgs {
    /// Open tasks to seed
    #[arg(long, default_value_t = 100_000)]
    pub tasks: usize,
    /// Open cases to seed
    #[arg(long, default_value_t = 20_000)]
    pub cases: usize,
    /// Approval requests waiting for the manager
    #[arg(long, default_value_t = 500)]
    pub approvals: usize,
    #[arg(long, default_value_t = 20)]
    pub connections: u32,
    /// Seconds per page
    #[arg(long, default_value_t = 10)]
    pub seconds: u32,
}

#[derive(Args, Debug, Clone)]
pub struct BenchWorkCasesArgs {
    /// Open cases to seed
    #[arg(long, default_value_t = 20_000)]
    pub cases: usize,
    /// Steady-state runs to time
    #[arg(long, default_value_t = 5)]
    pub iterations: usize,
}

#[derive(Args, Debug, Clone)]
pub struct BenchLedgerArgs {
    /// Transactions per generated journal, comma separated
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    pub sizes: Vec<usize>,
    /// Accounts in the generated journals
    #[arg(long, default_value_t = 60)]
    pub accounts: usize,
    /// Also run the many-accounts case: 1,500 accounts, 100,000 transactions
    #[arg(long)]
    pub many_accounts: bool,
    /// Do not run hledger and ledger (Steward only)
    #[arg(long)]
    pub skip_peers: bool,
    /// Seconds per API measurement (0: skip the API part)
    #[arg(long, default_value_t = 10)]
    pub api_seconds: u32,
    /// Concurrent clients posting single entries
    #[arg(long, default_value_t = 20)]
    pub clients: usize,
    /// Iterations of each in-process report timing
    #[arg(long, default_value_t = 30)]
    pub iterations: usize,
    /// Keep the generated journals and databases in this folder (default: a temporary one, removed)
    #[arg(long)]
    pub keep_in: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    common::set_binary(cli.binary);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let url = cli.database_url;
    let result = runtime.block_on(async move {
        match cli.command {
            BenchCommand::Http {
                users,
                connections,
                seconds,
                signins,
                demo,
                warmup,
            } => {
                http::http(http::BenchArgs {
                    users,
                    connections,
                    seconds,
                    signins,
                    database_url: url,
                    demo,
                    warmup,
                })
                .await
            }
            BenchCommand::Ledger(args) => ledger::run(args, url).await,
            BenchCommand::WorkCases(args) => work_cases::run(args, url).await,
            BenchCommand::WorkInbox(args) => work_inbox::run(args, url).await,
            BenchCommand::Hr(args) => hr::run(args, url).await,
            BenchCommand::HrOrg(args) => hr_org::run(args, url).await,
            BenchCommand::Billing(args) => billing::run(args, url).await,
            BenchCommand::It(args) => it::run(args, url).await,
            BenchCommand::ItBooks(args) => it::run_books(args, url).await,
            BenchCommand::ItHelpdesk(args) => it_helpdesk::run(args, url).await,
            BenchCommand::RecordsRetention(args) => records::run(args, url).await,
            BenchCommand::RecordsSearch(args) => records_search::run(args, url).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
