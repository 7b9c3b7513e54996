//! `steward bench http`: the speed targets of the foundation, measured the way a user would
//! meet them. Seeds a company with N users into a fresh database (temporary SQLite, or a
//! fresh schema in the PostgreSQL given by --database-url), serves it in-process, and
//! runs `wrk` (another process) against an authenticated list page and the users API.
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
    pub seconds: u32,
    pub signins: u32,
    pub database_url: Option<String>,
}

/// What wrk reports for one URL (shared by every `steward bench` that runs wrk).
pub(crate) struct Wrk {
    pub(crate) rps: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) requests: u64,
    pub(crate) errors: String,
}

/// A small deterministic generator (xorshift), so every run seeds the same data.
pub(crate) struct Rng(pub(crate) u64);
impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

pub(crate) fn to_ms(v: &str) -> Option<f64> {
    let (num, unit) = v
        .find(|c: char| c.is_ascii_alphabetic())
        .map(|i| v.split_at(i))?;
    let n: f64 = num.parse().ok()?;
    Some(match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => return None,
    })
}

pub(crate) fn parse_wrk(out: &str) -> Option<Wrk> {
    let mut w = Wrk {
        rps: 0.0,
        p50_ms: 0.0,
        p99_ms: 0.0,
        requests: 0,
        errors: String::new(),
    };
    for line in out.lines().map(str::trim) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            ["Requests/sec:", v] => w.rps = v.parse().ok()?,
            ["50%", v] => w.p50_ms = to_ms(v)?,
            ["99%", v] => w.p99_ms = to_ms(v)?,
            [n, "requests", "in", ..] => w.requests = n.parse().ok()?,
            _ if line.starts_with("Non-2xx") || line.starts_with("Socket errors") => {
                w.errors.push_str(line)
            }
            _ => {}
        }
    }
    Some(w)
}

/// Runs wrk (2 threads, `connections`, `seconds`) against `url` with one extra `header`.
pub(crate) async fn run_wrk(
    url: &str,
    header: &str,
    connections: u32,
    seconds: u32,
) -> anyhow::Result<Wrk> {
    let out = tokio::process::Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
            "-H",
            header,
            url,
        ])
        .output()
        .await
        .context("cannot run wrk (install Debian's `wrk` package)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_wrk(&text).ok_or_else(|| anyhow!("cannot read wrk's output:\n{text}"))
}

/// Replaces the database name of a PostgreSQL URL.
pub(crate) fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = match base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|j| start + j))
    {
        Some(slash) => &base[..slash],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{db}?{q}"),
        None => format!("{prefix}/{db}"),
    }
}

pub(crate) async fn pg_admin(url: &str, sql: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(url).await?;
    sqlx::raw_sql(sql).execute(&mut c).await?;
    c.close().await?;
    Ok(())
}

pub async fn http(args: BenchArgs) -> anyhow::Result<()> {
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
        crate::bench::registry(store),
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
    let page = run_wrk(
        &format!("http://{addr}/users?sort=display_name"),
        &cookie,
        args.connections,
        args.seconds,
    )
    .await?;
    let search = run_wrk(
        &format!("http://{addr}/users?sort=display_name&q=person+12"),
        &cookie,
        args.connections,
        args.seconds,
    )
    .await?;
    let api = run_wrk(
        &format!("http://{addr}/api/v1/users?limit=50&sort=email"),
        &format!("Authorization: Bearer {token}"),
        args.connections,
        args.seconds,
    )
    .await?;
    let _ = tx.send(());
    let _ = server.await;

    println!(
        "\n### HTTP, {backend}, {} users, {} connections, {} s (wrk -t2)\n",
        args.users, args.connections, args.seconds
    );
    println!("| target | requests/s | p50 ms | p99 ms | requests | errors |");
    println!("|---|---:|---:|---:|---:|---|");
    for (name, w) in [
        ("page `/users?sort=display_name` (session)", &page),
        (
            "page with search `/users?sort=display_name&q=person+12`",
            &search,
        ),
        ("API `/api/v1/users?limit=50&sort=email` (token)", &api),
    ] {
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {} | {} |",
            w.rps,
            w.p50_ms,
            w.p99_ms,
            w.requests,
            if w.errors.is_empty() {
                "none"
            } else {
                &w.errors
            }
        );
    }
    println!("\nsign-in (argon2id m=19456 KiB, t=2, p=1): {signin_ms:.1} ms per sign-in over {} sign-ins; one hash {hash_ms:.1} ms", args.signins.max(1));
    Ok(())
}

/// The registrations a benchmark server runs with (mail is not sent).
pub(crate) fn registry(store: &Store) -> std::sync::Arc<steward_core::registry::Registry> {
    std::sync::Arc::new(steward::app::registry(
        store,
        std::sync::Arc::new(steward_core::work::mail::NotConfigured),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_the_database_name() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "b"),
            "postgres://u@h:5432/b"
        );
        assert_eq!(
            with_database("postgres://u@h/postgres?sslmode=disable", "b"),
            "postgres://u@h/b?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "b"), "postgres://u@h/b");
    }

    #[test]
    fn reads_wrk_output() {
        let out = "Running 1s test @ http://x\n  2 threads and 5 connections\n  Latency Distribution\n     50%  512.00us\n     75%    1.00ms\n     90%    2.00ms\n     99%   12.50ms\n  4000 requests in 1.00s, 1.00MB read\nRequests/sec:   3999.10\nTransfer/sec:      1.00MB\n";
        let w = parse_wrk(out).expect("parsed");
        assert_eq!(w.requests, 4000);
        assert!((w.rps - 3999.10).abs() < 1e-9);
        assert!((w.p50_ms - 0.512).abs() < 1e-9);
        assert!((w.p99_ms - 12.5).abs() < 1e-9);
        assert!(w.errors.is_empty());
    }
}
