//! What each command does: open the store, call the services, print the result.
use anyhow::{anyhow, bail, Context};
use std::process::ExitCode;
use steward_core::auth::session::SessionConfig;
use steward_core::auth::Actor;
use steward_core::company::{create_company, CompanyStore};
use steward_core::ids::CompanyId;
use steward_core::jobs::JobStore;
use steward_core::tokens;
use steward_core::users::{self, NewUser, UserQuery, UserStore};
use steward_store::{ConnectOptions, Store};

use crate::cli::{Cli, Command, TokenCommand, UserCommand};
use crate::config::{self, Loaded};

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("STEWARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

async fn open(cfg: &Loaded) -> anyhow::Result<Store> {
    if cfg.url().starts_with("sqlite:") {
        std::fs::create_dir_all(&cfg.config.data).with_context(|| {
            format!(
                "cannot create the data folder {}",
                cfg.config.data.display()
            )
        })?;
    }
    let opts = ConnectOptions {
        max_connections: cfg.config.max_connections,
        ..Default::default()
    };
    Store::connect(cfg.url(), opts)
        .await
        .map_err(|e| anyhow!("cannot open the database {}: {e}", cfg.url_for_display()))
}

/// Opens and migrates, saying what it did; loads the audit chain's key (or, for a database
/// whose trail is not keyed yet, creates it).
pub(crate) async fn open_migrated(cfg: &Loaded) -> anyhow::Result<Store> {
    let store = open(cfg).await?;
    let key_path = cfg.config.audit_key_path();
    let had_key = crate::audit_cli::load_key(&key_path)?;
    let report = store.migrate().await.map_err(|e| anyhow!("{e}"))?;
    if !had_key {
        crate::audit_cli::create_key(&store, &key_path).await?;
    }
    if report.applied.is_empty() {
        eprintln!(
            "database: {} at schema version {} (up to date)",
            store.backend().name(),
            report.to
        );
    } else {
        eprintln!(
            "database: {} migrated from version {} to {} ({})",
            store.backend().name(),
            report.from,
            report.to,
            report.applied.join(", ")
        );
    }
    Ok(store)
}

/// The CLI acts in a company: the one named, or the first.
pub(crate) async fn cli_actor(store: &Store, company: Option<i64>) -> anyhow::Result<Actor> {
    let companies = store.companies_of_all().await.map_err(|e| anyhow!("{e}"))?;
    let c = match company {
        Some(id) => companies
            .into_iter()
            .find(|c| c.id == CompanyId(id))
            .ok_or_else(|| anyhow!("no company with id {id}"))?,
        None => companies
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("no company yet: run `steward init` first"))?,
    };
    Ok(Actor::system(c.id, &c.name).with_currency(&c.currency))
}

fn password_from(env: &str, prompt: &str) -> anyhow::Result<String> {
    if let Ok(p) = std::env::var(env) {
        return Ok(p);
    }
    let p = rpassword::prompt_password(prompt)
        .context("cannot read the password (set it in the environment instead)")?;
    let again = rpassword::prompt_password("Again: ")?;
    if p != again {
        bail!("the passwords differ");
    }
    Ok(p)
}

fn session_config(cfg: &config::Config) -> SessionConfig {
    SessionConfig {
        idle_timeout_secs: cfg.session_idle_minutes.max(1) * 60,
        absolute_timeout_secs: cfg.session_absolute_hours.max(1) * 3600,
        ..SessionConfig::default()
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let addr = match &cli.command {
        Command::Serve(s) => s.addr.clone(),
        _ => None,
    };
    let cfg = config::load(&cli.global, addr.as_deref())?;
    init_logging(&cfg.config.log_format);
    for w in &cfg.warnings {
        tracing::warn!("{w}");
    }
    match cli.command {
        Command::Init(a) => {
            let store = open_migrated(&cfg).await?;
            if store.has_companies().await.map_err(|e| anyhow!("{e}"))? {
                bail!("this database is already initialised; nothing was changed");
            }
            let password =
                password_from("STEWARD_ADMIN_PASSWORD", "Password for the first admin: ")?;
            steward_core::auth::Password::parse(&password, &[&a.admin_username, &a.admin_email])
                .map_err(|e| anyhow!("{e}"))?;
            let company = create_company(&store, "cli", &a.company, &a.currency)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            let actor =
                Actor::system(company, &a.company).with_currency(&a.currency.to_uppercase());
            steward_core::ledger::service::set_up_books(&store, &actor, true)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            let input = NewUser {
                username: a.admin_username.clone(),
                email: a.admin_email,
                display_name: "Administrator".into(),
                password: Some(password),
                roles: vec!["admin".into()],
            };
            users::create_user(&store, &actor, input)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            println!(
                "Created company `{}` (id {company}) and the admin `{}`. Start with: steward serve",
                a.company, a.admin_username
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            open_migrated(&cfg).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(s) => serve(cfg, s.demo, !s.no_worker).await,
        Command::Worker(w) => {
            let store = open_migrated(&cfg).await?;
            let config = crate::worker::worker_config(w.concurrency, w.poll_secs);
            let mailer = crate::worker::mailer(&cfg.config)?;
            eprintln!(
                "Steward worker {} is running (press Ctrl-C to stop)",
                config.id.as_str()
            );
            let registry = std::sync::Arc::new(steward::app::registry(&store, mailer));
            let report =
                crate::worker::run_worker(store.clone(), registry, config, shutdown_signal()).await;
            store.close().await;
            eprintln!(
                "Steward worker stopped: {} jobs done, {} failed.",
                report.succeeded, report.failed
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::User(u) => user(&cfg, u).await,
        Command::Token(TokenCommand::Create {
            username,
            name,
            read_only,
            company,
        }) => {
            let store = open_migrated(&cfg).await?;
            let sys = cli_actor(&store, company).await?;
            let user = store
                .find_user(sys.company_id, &username)
                .await
                .map_err(|e| anyhow!("{e}"))?
                .ok_or_else(|| anyhow!("no user `{username}` in this company"))?;
            let actor = steward_core::auth::session::cli_actor(&store, user.id, sys.company_id)
                .await
                .map_err(|_| anyhow!("`{username}` cannot act in this company (disabled?)"))?;
            let (_, secret) = tokens::create_token(&store, &actor, &name, read_only)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            println!("{secret}");
            eprintln!("This token is shown once. Send it as `Authorization: Bearer <token>`.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(c) => crate::audit_cli::audit(&cfg, c).await,
        Command::Ledger(c) => crate::ledger_cli::ledger(&cfg, c).await,
        Command::Report(a) => crate::ledger_cli::report(&cfg, a).await,
        Command::Hr(c) => crate::hr_cli::hr(&cfg, c).await,
        Command::Bank(c) => crate::bank_cli::bank(&cfg, c).await,
        Command::Billing(c) => crate::billing_cli::billing(&cfg, c).await,
        Command::It(c) => crate::it_cli::it(&cfg, c).await,
        Command::Backup { file } => {
            let store = open_migrated(&cfg).await?;
            let mut out = std::fs::File::create(&file)
                .with_context(|| format!("cannot create {}", file.display()))?;
            let files = cfg.config.data.join("files");
            let summary = steward_store::backup::backup(&store, Some(&files), &mut out)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            out.sync_all()?;
            println!("backup written to {}: {summary:?}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file } => {
            let store = open_migrated(&cfg).await?;
            let input = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let files = cfg.config.data.join("files");
            let summary = steward_store::backup::restore(
                &store,
                Some(&files),
                std::io::BufReader::new(input),
            )
            .await
            .map_err(|e| anyhow!("{e}"))?;
            crate::audit_cli::after_restore(&store, &cfg, summary.audit_key.as_ref()).await?;
            println!(
                "restored {} into {}: {summary:?}",
                file.display(),
                store.backend().name()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn user(cfg: &Loaded, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let store = open_migrated(cfg).await?;
    match cmd {
        UserCommand::Add {
            username,
            email,
            name,
            roles,
            no_password,
            until,
            company,
        } => {
            let actor = cli_actor(&store, company).await?;
            let until = until
                .map(|d| {
                    steward_core::time::Timestamp::start_of_day(&d)
                        .ok_or_else(|| anyhow!("--until must be a date like 2026-12-31"))
                })
                .transpose()?;
            let password = if no_password {
                None
            } else {
                Some(password_from(
                    "STEWARD_USER_PASSWORD",
                    &format!("Password for {username}: "),
                )?)
            };
            let id = users::create_user(
                &store,
                &actor,
                NewUser {
                    username: username.clone(),
                    email,
                    display_name: name,
                    password,
                    roles,
                },
            )
            .await
            .map_err(|e| anyhow!("{e}"))?;
            if let Some(t) = until {
                users::set_access_until(&store, &actor, id, Some(t))
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
                println!("added {username} (id {id}), access ends {}", t.display());
            } else {
                println!("added {username} (id {id})");
            }
        }
        UserCommand::List { company, search } => {
            let actor = cli_actor(&store, company).await?;
            let mut offset = 0;
            println!(
                "{:<6} {:<24} {:<32} {:<9} roles",
                "id", "username", "email", "status"
            );
            loop {
                let q = UserQuery {
                    search: search.clone(),
                    paging: steward_core::list::Paging::new(Some(500), Some(offset)),
                    ..Default::default()
                };
                let page = users::list_users(&store, &actor, &q)
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
                for u in &page.items {
                    println!(
                        "{:<6} {:<24} {:<32} {:<9} {}",
                        u.id,
                        u.username,
                        u.email,
                        if u.disabled { "disabled" } else { "active" },
                        u.roles.join(",")
                    );
                }
                match page.next_offset() {
                    Some(o) => offset = o,
                    None => break,
                }
            }
        }
        UserCommand::Disable { username, company } => {
            let actor = cli_actor(&store, company).await?;
            let u = store
                .find_user(actor.company_id, &username)
                .await
                .map_err(|e| anyhow!("{e}"))?
                .ok_or_else(|| anyhow!("no user `{username}`"))?;
            users::set_disabled(&store, &actor, u.id, true)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            println!("disabled {username}; their sessions were ended");
        }
        UserCommand::SetRole {
            username,
            roles,
            company,
        } => {
            let actor = cli_actor(&store, company).await?;
            let u = store
                .find_user(actor.company_id, &username)
                .await
                .map_err(|e| anyhow!("{e}"))?
                .ok_or_else(|| anyhow!("no user `{username}`"))?;
            let u = users::set_roles(&store, &actor, u.id, &roles)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            println!("{username} now has: {}", u.roles.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(cfg: Loaded, demo: bool, with_worker: bool) -> anyhow::Result<ExitCode> {
    let store = open_migrated(&cfg).await?;
    let is_demo = crate::demo::prepare(&store, demo, &cfg.config.data.join("files")).await?;
    let ended = store.end_leases_of_a_stopped_process().await?;
    if ended > 0 {
        tracing::warn!(
            claims = ended,
            "requests with an Idempotency-Key were running when the server last stopped; their retries take them over"
        );
    }
    let web = steward_web::WebConfig {
        session: session_config(&cfg.config),
        secure_cookies: cfg.config.secure_cookies(),
        demo: is_demo,
        trust_proxy: cfg.config.trust_proxy,
        trusted_proxies: cfg.config.trusted_proxies()?,
        public_url: cfg.config.public_url.clone(),
    };
    let listener = tokio::net::TcpListener::bind(&cfg.config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.config.addr))?;
    let local = listener.local_addr()?;
    if is_demo && !local.ip().is_loopback() {
        let open = crate::demo::accounts_with_demo_password(&store).await?;
        if !open.is_empty() {
            bail!(
                "refusing to listen on {local}: this database was seeded with --demo and the accounts {} still have the password `demo`, which anyone reaching {local} could use. \
                 Listen on a loopback address (--addr 127.0.0.1:8080), or give those accounts real passwords first.",
                open.join(", ")
            );
        }
    }
    eprintln!("Steward is running at http://{local}/ (press Ctrl-C to stop)");
    if is_demo {
        eprintln!("Demo company: sign in as admin, accountant, hr, it, buyer, employee, frontoffice or auditor with the password `demo`.");
    }
    let housekeeping = tokio::spawn(housekeeping(store.clone(), web.session.clone()));
    let (stop_worker, mut stopped) = tokio::sync::watch::channel(false);
    let mailer = crate::worker::mailer(&cfg.config)?;
    let registry = std::sync::Arc::new(steward::app::registry(&store, mailer));
    let worker = with_worker.then(|| {
        let config = crate::worker::worker_config(4, 2);
        tokio::spawn(crate::worker::run_worker(
            store.clone(),
            registry.clone(),
            config,
            async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            },
        ))
    });
    let state = steward::app::web_state(
        store.clone(),
        Some(cfg.config.data.join("files")),
        registry,
        web,
    );
    let served = steward::app::serve(listener, state, shutdown_signal()).await;
    let _ = stop_worker.send(true);
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    housekeeping.abort();
    served?;
    store.close().await;
    eprintln!("Steward stopped.");
    Ok(ExitCode::SUCCESS)
}

/// Removes expired sessions, old idempotency keys and month-old finished jobs every ten
/// minutes.
async fn housekeeping(store: Store, session: SessionConfig) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        let now = steward_core::time::Timestamp::now();
        if let Err(e) = store
            .purge_sessions(
                now.plus_secs(-session.idle_timeout_secs),
                now.plus_secs(-session.absolute_timeout_secs),
            )
            .await
        {
            tracing::warn!(error = %e, "session clean-up failed");
        }
        if let Err(e) = store.purge_idempotency(now.plus_secs(-86_400)).await {
            tracing::warn!(error = %e, "idempotency clean-up failed");
        }
        if let Err(e) = store.purge_done(now.plus_secs(-30 * 86_400)).await {
            tracing::warn!(error = %e, "finished-jobs clean-up failed");
        }
        if let Err(e) = store.optimize().await {
            tracing::warn!(error = %e, "refreshing planner statistics failed");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("Stopping: finishing requests in flight…");
}
