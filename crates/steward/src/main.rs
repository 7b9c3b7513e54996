//! The `steward` binary: parses the command line and configuration, then hands over to
//! the command. Everything else lives in the library crates.
#![forbid(unsafe_code)]

mod audit_cli;
mod bank_cli;
mod billing_cli;
mod cli;
mod commands;
mod config;
mod demo;
mod demo_bank;
mod demo_billing;
mod demo_books;
mod demo_hr;
mod demo_it;
mod demo_it_books;
mod demo_it_helpdesk;
mod demo_it_licences;
mod demo_it_networks;
mod demo_records;
mod demo_work;
mod hr_cli;
mod it_cli;
mod ledger_cli;
mod worker;

use clap::Parser;

/// mimalloc instead of the system allocator: per-thread heaps, no arena lock per
/// allocation (docs/BENCHMARKS.md, "The request path").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
