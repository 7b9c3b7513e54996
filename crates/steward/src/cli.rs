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
    /// Measure speed (see docs/BENCHMARKS.md).
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// wrk against an authenticated list page and /api/v1/users, plus the cost of a sign-in.
    /// Uses a temporary SQLite database, or a fresh schema in the PostgreSQL of --database-url.
    Http {
        #[arg(long, default_value_t = 10_000)]
        users: usize,
        #[arg(long, default_value_t = 50)]
        connections: u32,
        /// Seconds per target
        #[arg(long, default_value_t = 30)]
        seconds: u32,
        /// Sign-ins to time
        #[arg(long, default_value_t = 20)]
        signins: u32,
    },
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
    Verify,
}
