//! The CLI tests (the real `steward` binary) as one test binary. Each module is one file
//! beside this one.
mod bank_cli;
mod cli;
mod crash_retry;
mod hr_cli;
mod ledger_cli;
