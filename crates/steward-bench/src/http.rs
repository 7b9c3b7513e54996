//! `steward-bench http`: the request path measured the way a user meets it, with `wrk` in
//! another process. By default it seeds a company with N users into a fresh database
//! (temporary SQLite, or a fresh PostgreSQL database of --database-url), serves it
//! in-process, and loads an authenticated list page and the users API. With `--demo` it
//! serves the demo company with a `steward` binary instead (see [`crate::demo`]).
//! Every target is first fetched once (it must answer 2xx: a redirect to the sign-in page
//! would measure the wrong thing), then loaded for `warmup` seconds unmeasured, then measured.
use crate::common::{pg_admin, require_wrk, run_wrk, with_database, Wrk};
use anyhow::{anyhow, bail, Context};
use std::time::Instant;
use steward_core::audit::AuditDraft;
use steward_core::auth::session::{sign_in, SessionConfig, SignIn};
use steward_core::auth::{hash_password, Actor, Password};
use steward_core::company::create_company;
use steward_core::tokens::create_token;
use steward_core::users::{NewUserRecord, UserStore};
use steward_store::{ConnectOptions, Store};

pub struct BenchArgs {
    pub users: usize,
    pub connections: u32,
    pub seconds: Option<u32>,
    pub signins: u32,
    pub database_url: Option<String>,
    /// The demo company served by a `steward` binary instead of N seeded users.
    pub demo: bool,
    /// Seconds of unmeasured load per target before it is measured.
    pub warmup: u32,
}

/// One URL to load, with the header that authenticates it.
pub(crate) struct Target {
    pub(crate) name: String,
    pub(crate) path: String,
    pub(crate) header: String,
}

impl Target {
    pub(crate) fn new(name: &str, path: &str, header: &str) -> Target {
        Target {
            name: name.to_string(),
            path: path.to_string(),
            header: header.to_string(),
        }
    }
}

/// Checks, warms up and measures each target on `base` (`http://127.0.0.1:PORT`), one after
/// another.
pub(crate) async fn measure(
    base: &str,
    targets: Vec<Target>,
    connections: u32,
    seconds: u32,
    warmup: u32,
) -> anyhow::Result<Vec<(Target, Wrk)>> {
    require_wrk().await?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()?;
    for t in &targets {
        let (name, value) = t
            .header
            .split_once(':')
            .ok_or_else(|| anyhow!("a header is NAME: VALUE"))?;
        let r = client
            .get(format!("{base}{}", t.path))
            .header(name.trim(), value.trim())
            .send()
            .await
            .with_context(|| format!("GET {} failed", t.path))?;
        if !r.status().is_success() {
            bail!(
                "GET {} answered {} before any load (expected 2xx; a redirect means the \
                 session or token was not accepted): nothing measured",
                t.path,
                r.status()
            );
        }
    }
    let mut out = Vec::new();
    for t in targets {
        let url = format!("{base}{}", t.path);
        if warmup > 0 {
            eprintln!("warming up {} for {warmup} s", t.path);
            run_wrk(&url, &t.header, connections, warmup).await?;
        }
        eprintln!("measuring {} for {seconds} s", t.path);
        let w = run_wrk(&url, &t.header, connections, seconds).await?;
        out.push((t, w));
    }
    Ok(out)
}

/// Prints the table; fails (after printing it) when any target had error answers or
/// socket errors, so such a run is never taken for a measurement.
pub(crate) fn report(title: &str, rows: &[(Target, Wrk)]) -> anyhow::Result<()> {
    println!("\n### {title}\n");
    println!("| target | req/s | p50 ms | p99 ms | requests | non-2xx | socket errors |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (t, w) in rows {
        println!(
            "| {} | {:.0} | {:.2} | {:.2} | {} | {} | {} |",
            t.name, w.rps, w.p50_ms, w.p99_ms, w.requests, w.non_2xx, w.socket_errors
        );
    }
    let bad: Vec<String> = rows
        .iter()
        .filter(|(_, w)| w.non_2xx > 0 || w.socket_errors > 0)
        .map(|(t, w)| format!("{}: {}", t.path, w.errors))
        .collect();
    if !bad.is_empty() {
        bail!(
            "wrk reported errors, so these figures are not a measurement:\n{}",
            bad.join("\n")
        );
    }
    Ok(())
}

pub async fn http(args: BenchArgs) -> anyhow::Result<()> {
    if args.demo {
        return crate::demo::run(&args).await;
    }
    require_wrk().await?;
    let tmp = std::env::temp_dir().join(format!("steward-bench-{}", std::process::id()));
    let opts = ConnectOptions {
        pg_schema: None,
        max_connections: 16,
    };
    // PostgreSQL: a fresh database of its own, as a deployment has (dropped afterwards).
    let (url, pg_db, backend) = match &args.database_url {
        Some(u) if u.starts_with("postgres") => {
            let db = format!("steward_bench_{}", std::process::id());
            pg_admin(u, &format!("CREATE DATABASE {db}"))
                .await
                .context("cannot create the benchmark database")?;
            (with_database(u, &db), Some((u.clone(), db)), "PostgreSQL")
        }
        Some(_) => bail!("bench takes a postgres:// URL, or none for a temporary SQLite database"),
        None => {
            std::fs::create_dir_all(&tmp)?;
            (
                format!("sqlite://{}/bench.db", tmp.display()),
                None,
                "SQLite",
            )
        }
    };
    let store = Store::connect(&url, opts)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let result = run(&store, &args, backend).await;
    store.close().await;
    if let Some((admin_url, db)) =
        pg_db.filter(|_| std::env::var_os("STEWARD_BENCH_KEEP").is_none())
    {
        pg_admin(
            &admin_url,
            &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        )
        .await?;
    }
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

async fn run(store: &Store, args: &BenchArgs, backend: &str) -> anyhow::Result<()> {
    store.migrate().await.map_err(|e| anyhow!("{e}"))?;
    let company = create_company(store, "bench", "Bench Ltd", "EUR")
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let password = "bench password 2026";
    let t = Instant::now();
    let hash = hash_password(&Password::unchecked(password)).map_err(|e| anyhow!("{e}"))?;
    let hash_ms = t.elapsed().as_secs_f64() * 1000.0;
    let admin_role = store
        .role_ids(company, &["admin".into()])
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let emp_role = store
        .role_ids(company, &["employee".into()])
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let t = Instant::now();
    let mut batch = Vec::new();
    for i in 0..args.users {
        let admin = i == 0;
        let username = if admin {
            "admin".to_string()
        } else {
            format!("user{i:06}")
        };
        batch.push(NewUserRecord {
            email: format!("{username}@bench.example"),
            display_name: format!("Person {:06}", (i * 7919) % args.users.max(1)),
            password_hash: admin.then(|| hash.clone()),
            role_ids: if admin {
                admin_role.iter().map(|r| r.1).collect()
            } else {
                emp_role.iter().map(|r| r.1).collect()
            },
            role_keys: vec![if admin { "admin" } else { "employee" }.into()],
            username,
        });
        if batch.len() == 1000 || i + 1 == args.users {
            let audit = AuditDraft::system(
                "bench",
                None,
                "user",
                None,
                "import",
                serde_json::json!({"rows": batch.len()}),
            )
            .in_company(company);
            store
                .insert_users(company, &batch, vec![audit])
                .await
                .map_err(|e| anyhow!("{e}"))?;
            batch.clear();
        }
    }
    store.optimize().await.map_err(|e| anyhow!("{e}"))?;
    eprintln!(
        "seeded {} users on {backend} in {:.1} s",
        args.users,
        t.elapsed().as_secs_f64()
    );

    let cfg = SessionConfig {
        free_failures_per_address: u32::MAX,
        ..SessionConfig::default()
    };
    let t = Instant::now();
    let mut secret = String::new();
    for _ in 0..args.signins.max(1) {
        let s = sign_in(
            store,
            &cfg,
            SignIn {
                login: "admin",
                password,
                ip: Some("127.0.0.1".into()),
                user_agent: None,
            },
        )
        .await
        .map_err(|e| anyhow!("{e}"))?;
        secret = s.secret;
    }
    let signin_ms = t.elapsed().as_secs_f64() * 1000.0 / f64::from(args.signins.max(1));
    let actor =
        steward_core::auth::session::cli_actor(store, steward_core::ids::UserId(1), company)
            .await
            .ok();
    let actor: Actor = match actor {
        Some(a) => a,
        None => {
            let u = store
                .find_user(company, "admin")
                .await
                .map_err(|e| anyhow!("{e}"))?
                .ok_or_else(|| anyhow!("no admin"))?;
            steward_core::auth::session::cli_actor(store, u.id, company)
                .await
                .map_err(|e| anyhow!("{e}"))?
        }
    };
    let (_, token) = create_token(store, &actor, "bench", true)
        .await
        .map_err(|e| anyhow!("{e}"))?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = steward::app::web_state(
        store.clone(),
        None,
        crate::common::registry(store),
        steward_web::WebConfig {
            session: cfg,
            ..Default::default()
        },
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(steward::app::serve(listener, state, async {
        let _ = rx.await;
    }));
    let cookie = format!("Cookie: steward_session={secret}");
    let bearer = format!("Authorization: Bearer {token}");
    let targets = vec![
        Target::new(
            "page `/users?sort=display_name` (session)",
            "/users?sort=display_name",
            &cookie,
        ),
        Target::new(
            "page with search `/users?sort=display_name&q=person+12`",
            "/users?sort=display_name&q=person+12",
            &cookie,
        ),
        Target::new(
            "API `/api/v1/users?limit=50&sort=email` (token)",
            "/api/v1/users?limit=50&sort=email",
            &bearer,
        ),
    ];
    let seconds = args.seconds.unwrap_or(30);
    let rows = measure(
        &format!("http://{addr}"),
        targets,
        args.connections,
        seconds,
        args.warmup,
    )
    .await;
    let _ = tx.send(());
    let _ = server.await;
    let rows = rows?;
    report(
        &format!(
            "HTTP, {backend}, {} users, {} connections, {seconds} s per target after {} s of warm-up (wrk -t2)",
            args.users, args.connections, args.warmup
        ),
        &rows,
    )?;
    println!("\nsign-in (argon2id m=19456 KiB, t=2, p=1): {signin_ms:.1} ms per sign-in over {} sign-ins; one hash {hash_ms:.1} ms", args.signins.max(1));
    Ok(())
}
