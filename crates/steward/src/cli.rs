//! The command line (clap). Every command has `--help`.
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "steward",
    version,
    about = "Steward: the self-hosted back office",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone, Default)]
pub struct Global {
    /// Folder for the SQLite database and files [env: STEWARD_DATA] [default: ./steward-data]
    #[arg(long, global = true)]
    pub data: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST/DB [env: STEWARD_DATABASE_URL] [default: SQLite in the data folder]
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// A configuration file [default: ./steward.toml if it exists]
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Log format: text or json [env: STEWARD_LOG_FORMAT]
    #[arg(long, global = true)]
    pub log_format: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create and migrate the database, the company and its first admin (once).
    Init(InitArgs),
    /// Run the web server (pages, API, background work).
    Serve(ServeArgs),
    /// Run background jobs (reminders, recurrence, SLA timers, e-mail) without serving pages.
    Worker(WorkerArgs),
    /// Bring the database schema up to date.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write every table and file into one portable archive.
    Backup {
        /// The archive to write (e.g. steward-2026-11-23.tar.gz)
        file: PathBuf,
    },
    /// Load an archive into an empty database (SQLite or PostgreSQL).
    Restore {
        /// The archive written by `steward backup`
        file: PathBuf,
    },
    /// The general ledger: import and export plain-text journals.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Accounting reports: trial balance, balance sheet, income statement, an account's ledger.
    Report(ReportArgs),
    /// HR: import employees from CSV/XLSX, export the employee list.
    #[command(subcommand)]
    Hr(HrCommand),
    /// Bank: import bank statements (OFX, CAMT.053, CSV with a saved mapping).
    #[command(subcommand)]
    Bank(BankCommand),
    /// Billing: customers and vendors from and to CSV/XLSX; payment runs (the SEPA file);
    /// sending invoices, reminders and recurring invoices now.
    #[command(subcommand)]
    Billing(BillingCommand),
    /// IT: assets from and to CSV/XLSX.
    #[command(subcommand)]
    It(ItCommand),
}

#[derive(Subcommand, Debug)]
pub enum ItCommand {
    /// Import assets from a CSV or XLSX file (all rows or none; the columns are those of the
    /// export, the model by name). Problems read `FILE:LINE: column: message`; any problem
    /// exits non-zero.
    ImportAssets {
        /// The CSV or XLSX file (XLSX is recognised by its content)
        file: PathBuf,
        /// Check every row, write nothing
        #[arg(long)]
        dry_run: bool,
        /// Company id [default: the first]
        #[arg(long)]
        company: Option<i64>,
    },
    /// Write every asset as CSV or XLSX (the list's export).
    ExportAssets {
        #[arg(long, value_enum, default_value = "csv")]
        format: TableFileFormat,
        /// The file to write [default: standard output]
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Company id [default: the first]
        #[arg(long)]
        company: Option<i64>,
    },
    /// Post the depreciation of every asset in the books through a month (what each asset's
    /// schedule accumulated less what was posted: a run repeated posts nothing).
    Depreciate {
        /// The last month to post, YYYY-MM [default: last month]
        #[arg(long)]
        through: Option<String>,
        /// Company id [default: the first]
        #[arg(long)]
        company: Option<i64>,
    },
    /// Write every licence as CSV or XLSX (the list's export: seats owned and in use, usage,
    /// cost, dates; never the keys).
    ExportLicences {
        #[arg(long, value_enum, default_value = "csv")]
        format: TableFileFormat,
        /// The file to write [default: standard output]
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Company id [default: the first]
        #[arg(long)]
        company: Option<i64>,
    },
}

#[derive(Subcommand, Debug)]
pub enum BillingCommand {
    /// Import customers and vendors from a CSV or XLSX file (all rows or none; the columns
    /// are those of the export). Problems read `FILE:LINE: column: message`; any problem
    /// exits non-zero.
    ImportParties {
        /// The CSV or XLSX file (XLSX is recognised by its content)
        file: PathBuf,
        /// Check every row, write nothing
        #[arg(long)]
        dry_run: bool,
        /// Company id [default: the first]
        #[arg(long)]
        company: Option<i64>,
    },
    /// Write every customer and vendor as CSV or XLSX (the import's columns).
    ExportParties {
        #[arg(long, value_enum, default_value = "csv")]
        format: TableFileFormat,
        /// The file to write [default: standard output]
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Company id [default: the first]
        #[arg(long)]
        company: Option<i64>,
    },
    /// A payment run.
    #[command(subcommand)]
    PaymentRun(PaymentRunCommand),
    /// E-mail a posted invoice or credit note with its PDF, as the invoice page's "Send"
    /// does (queued for the mail worker of `steward serve`; logged on the document).
    Send {
        /// The document's id
        id: i64,
        /// A recipient [default: the customer's e-mail addresses]; repeat for several
        #[arg(long)]
        to: Vec<String>,
        /// [default: the billing mail settings' subject]
        #[arg(long)]
        subject: Option<String>,
        /// [default: the billing mail settings' text]
        #[arg(long)]
        message: Option<String>,
        /// Company id [default: the first]
        #[arg(long)]
        company: Option<i64>,
    },
    /// Send the payment reminders due (the daily job's run, now); with --dry-run, list them.
    Reminders {
        /// List what would be sent, send nothing
        #[arg(long)]
        dry_run: bool,
        /// The day to run for [default: today]
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        /// Company id [default: the first]
        #[arg(long)]
        company: Option<i64>,
    },
    /// Make the recurring invoices due (the daily job's run, now), each template once.
    Recurring {
        /// Make what is due by this day [default: today]
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        /// Company id [default: the first]
        #[arg(long)]
        company: Option<i64>,
    },
}

#[derive(Subcommand, Debug)]
pub enum PaymentRunCommand {
    /// Write an approved run's pain.001.001.03 file and mark the run sent, which records
    /// its payments (once: exporting it again writes the same file and pays nothing more).
    Export {
        /// The run's id
        id: i64,
        /// Where to write the XML
        file: std::path::PathBuf,
        /// Company id [default: the first company]
        #[arg(long)]
        company: Option<i64>,
    },
}

/// A bank statement file format.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementFormat {
    Csv,
    Ofx,
    Camt053,
}

#[derive(Subcommand, Debug)]
pub enum BankCommand {
    /// Add a bank account on an asset account of the chart.
    AddAccount {
        /// Its name (unique in the company)
        #[arg(long)]
        name: String,
        /// The ledger account the money sits on: full name or code
        #[arg(long)]
        ledger_account: String,
        /// The statements' currency [default: the company's]
        #[arg(long)]
        currency: Option<String>,
        #[arg(long)]
        iban: Option<String>,
        #[arg(long)]
        bic: Option<String>,
        /// Company id [default: the first]
        #[arg(long)]
        company: Option<i64>,
    },
    /// Import a bank statement into a bank account (all of it or nothing). Lines imported
    /// before are skipped; errors read `line N, column C: what is wrong`.
    Import {
        /// The bank account's name or id
        #[arg(long)]
        account: String,
        /// The statement file
        file: PathBuf,
        /// Its format [default: OFX and CAMT.053 told by the content, else CSV]
        #[arg(long, value_enum)]
        format: Option<StatementFormat>,
        /// The saved CSV mapping to read a CSV file with
        #[arg(long)]
        mapping: Option<String>,
        /// Check everything, write nothing
        #[arg(long)]
        dry_run: bool,
        /// Then reconcile every line with one sure match (its reference and amount), as the
        /// reconcile page's "Auto-match" does
        #[arg(long, conflicts_with = "dry_run")]
        auto_match: bool,
        /// Company id [default: the first]
        #[arg(long)]
        company: Option<i64>,
    },
}

/// A plain-text journal dialect.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalFormat {
    Hledger,
    Ledger,
    Beancount,
}

/// A dialect Steward can write.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Hledger,
    Beancount,
}

#[derive(Subcommand, Debug)]
pub enum LedgerCommand {
    /// Import a plain-text journal (all of it or nothing). Accounts and commodities it names
    /// are created; errors read `FILE:LINE: what is wrong`.
    Import {
        /// The journal file (included files are read relative to it)
        file: PathBuf,
        /// Its dialect [default: from the extension: .journal/.hledger, .ledger/.dat, .beancount/.bean]
        #[arg(long, value_enum)]
        format: Option<JournalFormat>,
        /// Check everything, write nothing
        #[arg(long)]
        dry_run: bool,
        /// Journal code for the entries [default: the general journal]
        #[arg(long)]
        journal: Option<String>,
        /// Company id [default: the first]
        #[arg(long)]
        company: Option<i64>,
    },
    /// Write every posted entry as a plain-text journal.
    Export {
        #[arg(long, value_enum, default_value = "hledger")]
        format: ExportFormat,
        /// The file to write [default: standard output]
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Company id [default: the first]
        #[arg(long)]
        company: Option<i64>,
    },
}

/// A spreadsheet file format.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFileFormat {
    Csv,
    /// An Excel workbook (needs --output)
    Xlsx,
}

#[derive(Subcommand, Debug)]
pub enum HrCommand {
    /// Import employees from a CSV or XLSX file (all rows or none; the columns are those of
    /// the web page's template). Problems read `FILE:LINE: column: message`; any problem
    /// exits non-zero.
    Import {
        /// The CSV or XLSX file (XLSX is recognised by its content)
        file: PathBuf,
        /// Check every row, write nothing
        #[arg(long)]
        dry_run: bool,
        /// Company id [default: the first]
        #[arg(long)]
        company: Option<i64>,
    },
    /// Write the employee list (every person, every list column) as CSV or XLSX.
    Export {
        #[arg(long, value_enum, default_value = "csv")]
        format: TableFileFormat,
        /// The file to write [default: standard output]
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Company id [default: the first]
        #[arg(long)]
        company: Option<i64>,
    },
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportName {
    TrialBalance,
    BalanceSheet,
    IncomeStatement,
    /// Indirect method, tied to the change in the cash accounts
    CashFlow,
    /// One account's postings with running balances (needs --account)
    GeneralLedger,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// An aligned table for people
    Table,
    /// Comma separated (trial balance: `account,commodity,amount`)
    Csv,
    /// The report as JSON
    Json,
    /// An Excel workbook (needs -o)
    Xlsx,
}

#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    #[arg(value_enum)]
    pub report: ReportName,
    /// Balances up to and including this day (YYYY-MM-DD) [default: every posted entry]
    #[arg(long)]
    pub as_of: Option<String>,
    /// First day (YYYY-MM-DD)
    #[arg(long)]
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD)
    #[arg(long)]
    pub to: Option<String>,
    /// general-ledger: the account's full name (e.g. Assets:Bank:Checking) or code
    #[arg(long)]
    pub account: Option<String>,
    /// Comparative columns: none, months, quarters, years or last-year
    #[arg(long)]
    pub compare: Option<String>,
    /// Columns by dimension: none, department or project
    #[arg(long)]
    pub by: Option<String>,
    /// Convert every amount into this commodity at the company's rates
    #[arg(long)]
    pub convert: Option<String>,
    /// Statements: show parent accounts with the sums of their children
    #[arg(long)]
    pub tree: bool,
    /// general-ledger: at most this many rows [default: all]
    #[arg(long)]
    pub limit: Option<u64>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// The file to write [default: standard output]
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Company id [default: the first]
    #[arg(long)]
    pub company: Option<i64>,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The company's name
    #[arg(long)]
    pub company: String,
    /// Its currency, e.g. EUR
    #[arg(long)]
    pub currency: String,
    /// The first admin's e-mail address
    #[arg(long)]
    pub admin_email: String,
    /// The first admin's user name
    #[arg(long, default_value = "admin")]
    pub admin_username: String,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Seed a demo company with one user per role (password `demo`) into an empty database
    #[arg(long)]
    pub demo: bool,
    /// Address to listen on [env: STEWARD_ADDR] [default: 127.0.0.1:8080]
    #[arg(long)]
    pub addr: Option<String>,
    /// Serve pages only; leave background jobs to `steward worker` processes
    #[arg(long)]
    pub no_worker: bool,
}

#[derive(Args, Debug)]
pub struct WorkerArgs {
    /// Jobs run at the same time
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Seconds between looks at the queue when it is empty
    #[arg(long, default_value_t = 2)]
    pub poll_secs: u64,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user (password from STEWARD_USER_PASSWORD, or asked for; --no-password to set it later)
    Add {
        username: String,
        #[arg(long)]
        email: String,
        /// Full name
        #[arg(long)]
        name: String,
        /// Role keys (repeat), e.g. --role accountant
        #[arg(long = "role")]
        roles: Vec<String>,
        #[arg(long)]
        no_password: bool,
        /// Access ends at the start of this day (YYYY-MM-DD): an auditor's time box
        #[arg(long)]
        until: Option<String>,
        /// Company id [default: the first]
        #[arg(long)]
        company: Option<i64>,
    },
    /// List users
    List {
        #[arg(long)]
        company: Option<i64>,
        /// Search text
        #[arg(long)]
        search: Option<String>,
    },
    /// Disable a user and end their sessions
    Disable {
        username: String,
        #[arg(long)]
        company: Option<i64>,
    },
    /// Replace a user's roles
    SetRole {
        username: String,
        /// Role keys (one or more)
        #[arg(required = true)]
        roles: Vec<String>,
        #[arg(long)]
        company: Option<i64>,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for a user; prints it once
    Create {
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        read_only: bool,
        #[arg(long)]
        company: Option<i64>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the whole hash chain; exits non-zero naming the first broken event
    Verify {
        /// Also prove that nothing up to this checkpoint (from `audit checkpoint`) changed
        /// or went missing since it was taken
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// Verify the chain and print a signed statement of its head, for an auditor to keep
    /// somewhere the database's users cannot write
    Checkpoint {
        /// The file to write [default: standard output]
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
}
