//! What every benchmark shares: wrk and its output, a deterministic generator, fresh
//! PostgreSQL databases, the registrations a benchmark server runs with, and the `steward`
//! binary next to this one.
use anyhow::{anyhow, bail, Context};
use std::path::PathBuf;
use steward_store::Store;

/// What wrk reports for one URL (shared by every benchmark that runs wrk).
pub(crate) struct Wrk {
    pub(crate) rps: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) requests: u64,
    /// Answers with a status of 400 or more (wrk's "Non-2xx or 3xx responses").
    pub(crate) non_2xx: u64,
    /// Connect, read and write errors and timeouts (wrk's "Socket errors").
    pub(crate) socket_errors: u64,
    /// wrk's own lines about both, for the tables.
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
        non_2xx: 0,
        socket_errors: 0,
        errors: String::new(),
    };
    let (mut saw_rps, mut saw_p99, mut saw_requests) = (false, false, false);
    for line in out.lines().map(str::trim) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            ["Requests/sec:", v] => {
                w.rps = v.parse().ok()?;
                saw_rps = true;
            }
            ["50%", v] => w.p50_ms = to_ms(v)?,
            ["99%", v] => {
                w.p99_ms = to_ms(v)?;
                saw_p99 = true;
            }
            [n, "requests", "in", ..] => {
                w.requests = n.parse().ok()?;
                saw_requests = true;
            }
            ["Non-2xx", "or", "3xx", "responses:", n] => {
                w.non_2xx = n.parse().ok()?;
                push_line(&mut w.errors, line);
            }
            ["Socket", "errors:", rest @ ..] => {
                // "connect 0, read 0, write 0, timeout 12"
                w.socket_errors = rest
                    .iter()
                    .filter_map(|p| p.trim_end_matches(',').parse::<u64>().ok())
                    .sum();
                push_line(&mut w.errors, line);
            }
            _ => {}
        }
    }
    (saw_rps && saw_p99 && saw_requests).then_some(w)
}

fn push_line(errors: &mut String, line: &str) {
    if !errors.is_empty() {
        errors.push_str("; ");
    }
    errors.push_str(line);
}

/// Fails unless wrk can be started (Debian's `wrk` package).
pub(crate) async fn require_wrk() -> anyhow::Result<()> {
    match tokio::process::Command::new("wrk")
        .arg("-v")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
    {
        // `wrk -v` prints its version and exits with 1: starting it is what counts.
        Ok(_) => Ok(()),
        Err(e) => Err(anyhow!(
            "cannot run wrk ({e}): install it (Debian: `apt-get install wrk`); no figures without it"
        )),
    }
}

/// Runs wrk (2 threads, `connections`, `seconds`) against `url` with one extra `header`.
/// Fails when wrk cannot be run, exits with an error, prints nothing readable or made no
/// request, so a broken run never reports zeros. Error answers and socket errors are
/// returned in [`Wrk`] for the caller to show and judge.
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
    if !out.status.success() {
        bail!(
            "wrk failed on {url} ({}):\n{text}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let w =
        parse_wrk(&text).ok_or_else(|| anyhow!("cannot read wrk's output for {url}:\n{text}"))?;
    if w.requests == 0 {
        bail!("wrk made no request to {url}:\n{text}");
    }
    Ok(w)
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

/// The registrations a benchmark server runs with (mail is not sent).
pub(crate) fn registry(store: &Store) -> std::sync::Arc<steward_core::registry::Registry> {
    std::sync::Arc::new(steward::app::registry(
        store,
        std::sync::Arc::new(steward_core::work::mail::NotConfigured),
    ))
}

/// A service error as a person reads it (journal problems already say `FILE:LINE: ...`).
pub(crate) fn explain(e: steward_core::Error) -> anyhow::Error {
    use steward_core::Error as E;
    match e {
        E::Invalid { field, message } if field == "file" => anyhow!(message),
        E::InvalidMany(errors) => anyhow!(errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("\n")),
        other => anyhow!(other),
    }
}

/// The SQLite URL of a data folder, as `steward --data DIR` makes it.
pub(crate) fn sqlite_url(data: &std::path::Path) -> String {
    format!("sqlite://{}/steward.db", data.display())
}

static BINARY: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();

/// Sets the `steward` binary given on the command line (`--binary` or `STEWARD_BIN`).
pub(crate) fn set_binary(path: Option<PathBuf>) {
    let _ = BINARY.set(path);
}

/// The `steward` binary to drive: the one given by `--binary` or `STEWARD_BIN`, else the
/// `steward` next to this executable (`target/release/steward` beside
/// `target/release/steward-bench`).
pub(crate) fn steward_binary() -> anyhow::Result<PathBuf> {
    let path = match BINARY.get().cloned().flatten() {
        Some(p) => p,
        None => std::env::current_exe()
            .context("cannot find this executable")?
            .with_file_name(format!("steward{}", std::env::consts::EXE_SUFFIX)),
    };
    if !path.is_file() {
        anyhow::bail!(
            "no steward binary at {} (build it with `cargo build --release -p steward`, or pass --binary PATH)",
            path.display()
        );
    }
    Ok(path)
}

/// Runs `bench` on a scratch store: a temporary SQLite file, or with `database_url` a fresh
/// PostgreSQL schema (dropped afterwards unless `STEWARD_BENCH_KEEP` is set). `name` tells
/// the runs apart in the temporary folder and the schema's name.
pub(crate) async fn scratch_store<F, Fut>(
    name: &str,
    database_url: Option<String>,
    bench: F,
) -> anyhow::Result<()>
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let dir = std::env::temp_dir().join(format!("steward-bench-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let schema = format!(
        "steward_bench_{}_{}",
        name.replace('-', "_"),
        std::process::id()
    );
    let (url, pg_schema) = match &database_url {
        Some(u) => (u.clone(), Some(schema.clone())),
        None => (format!("sqlite://{}", dir.join("bench.db").display()), None),
    };
    let store = Store::connect(
        &url,
        steward_store::ConnectOptions {
            pg_schema: pg_schema.clone(),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| anyhow!("{e}"))?;
    let result = bench(store.clone()).await;
    if pg_schema.is_some() && std::env::var_os("STEWARD_BENCH_KEEP").is_none() {
        let _ = store.drop_schema(&schema).await;
    }
    store.close().await;
    if std::env::var_os("STEWARD_BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        eprintln!("kept {}", dir.display());
    }
    result
}

/// A new company `Bench Ltd` (EUR) with one admin, `username` with [`PASSWORD`]; the
/// admin as an actor of the services.
pub(crate) async fn admin_company(
    store: &Store,
    username: &str,
) -> anyhow::Result<steward_core::auth::Actor> {
    use steward_core::users::UserStore;
    let e = |e: steward_core::Error| anyhow!("{e}");
    let company = steward_core::company::create_company(store, "bench", "Bench Ltd", "EUR")
        .await
        .map_err(e)?;
    let roles = store
        .role_ids(company, &["admin".to_string()])
        .await
        .map_err(e)?;
    let hash =
        steward_core::auth::hash_password(&steward_core::auth::Password::unchecked(PASSWORD))
            .map_err(e)?;
    let admin = steward_core::users::NewUserRecord {
        email: format!("{username}@bench.example"),
        display_name: format!("{username} (admin)"),
        username: username.into(),
        password_hash: Some(hash),
        role_ids: roles.iter().map(|(_, id)| *id).collect(),
        role_keys: vec!["admin".into()],
    };
    let audit = steward_core::audit::AuditDraft::system(
        "bench",
        None,
        "user",
        None,
        "create",
        serde_json::json!({ "username": username }),
    )
    .in_company(company);
    let ids = store
        .insert_users(company, &[admin], vec![audit])
        .await
        .map_err(e)?;
    let admin = *ids.first().ok_or_else(|| anyhow!("no admin created"))?;
    steward_core::auth::session::cli_actor(store, admin, company)
        .await
        .map_err(e)
}

/// The password of [`admin_company`]'s admin.
pub(crate) const PASSWORD: &str = "bench password 2026";

/// How a measured URL is asked for: with the admin's session (a page) or API token.
pub(crate) enum As {
    Session,
    Token,
}

/// Serves `store` in-process, signs `actor` (the admin `username` of [`admin_company`]) in
/// and makes it an API token, checks that every target answers 2xx (a URL that errs would
/// measure the error page), then runs wrk against each: `(path, as, label)` →
/// `(path, label, figures)`.
pub(crate) async fn serve_and_measure<'a>(
    store: &Store,
    actor: &steward_core::auth::Actor,
    username: &str,
    targets: &'a [(String, As, &'a str)],
    connections: u32,
    seconds: u32,
) -> anyhow::Result<Vec<(&'a str, &'a str, Wrk)>> {
    use steward_core::auth::session::{sign_in, SessionConfig, SignIn};
    let e = |e: steward_core::Error| anyhow!("{e}");
    let cfg = SessionConfig {
        free_failures_per_address: u32::MAX,
        ..SessionConfig::default()
    };
    let session = sign_in(
        store,
        &cfg,
        SignIn {
            login: username,
            password: PASSWORD,
            ip: Some("127.0.0.1".into()),
            user_agent: None,
        },
    )
    .await
    .map_err(e)?;
    let (_, token) = steward_core::tokens::create_token(store, actor, "bench", false)
        .await
        .map_err(e)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = steward::app::web_state(
        store.clone(),
        None,
        registry(store),
        steward_web::WebConfig {
            session: cfg,
            ..Default::default()
        },
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(steward::app::serve(listener, state, async {
        let _ = rx.await;
    }));
    let header = |how: &As| match how {
        As::Session => ("Cookie", format!("steward_session={}", session.secret)),
        As::Token => ("Authorization", format!("Bearer {token}")),
    };
    let client = reqwest::Client::new();
    let mut results = Vec::with_capacity(targets.len());
    let mut outcome = Ok(());
    for (path, how, _) in targets {
        let (name, value) = header(how);
        match client
            .get(format!("http://{addr}{path}"))
            .header(name, &value)
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => outcome = Err(anyhow!("{path} answered {}", r.status())),
            Err(err) => outcome = Err(err.into()),
        }
    }
    if outcome.is_ok() {
        for (path, how, label) in targets {
            let (name, value) = header(how);
            match run_wrk(
                &format!("http://{addr}{path}"),
                &format!("{name}: {value}"),
                connections,
                seconds,
            )
            .await
            {
                Ok(w) => results.push((path.as_str(), *label, w)),
                Err(err) => {
                    outcome = Err(err);
                    break;
                }
            }
        }
    }
    let _ = tx.send(());
    let _ = server.await;
    outcome.map(|()| results)
}

/// The table of [`serve_and_measure`]'s figures against a p99 goal in milliseconds.
pub(crate) fn print_wrk_table(results: &[(&str, &str, Wrk)], goal_ms: f64) {
    println!(
        "| URL | as | requests/s | p50 ms | p99 ms | requests | errors | p99 ≤ {goal_ms} ms |"
    );
    println!("|---|---|---:|---:|---:|---:|---|---|");
    for (path, what, w) in results {
        println!(
            "| `{path}` | {what} | {:.0} | {:.2} | {:.2} | {} | {} | {} |",
            w.rps,
            w.p50_ms,
            w.p99_ms,
            w.requests,
            if w.errors.is_empty() {
                "none"
            } else {
                &w.errors
            },
            if w.p99_ms <= goal_ms {
                "met"
            } else {
                "NOT met"
            }
        );
    }
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

    #[test]
    fn counts_error_answers_and_socket_errors() {
        let out = "Running 1s test @ http://x\n     50%  1.00ms\n     99%    2.00s\n  120 requests in 1.00s, 1.00MB read\n  Socket errors: connect 0, read 3, write 0, timeout 12\n  Non-2xx or 3xx responses: 77\nRequests/sec:    120.00\n";
        let w = parse_wrk(out).expect("parsed");
        assert_eq!(w.non_2xx, 77);
        assert_eq!(w.socket_errors, 15);
        assert!((w.p99_ms - 2000.0).abs() < 1e-9);
        assert!(w.errors.contains("Non-2xx or 3xx responses: 77"));
        assert!(w.errors.contains("timeout 12"));
    }

    #[test]
    fn output_without_figures_is_not_read_as_zeros() {
        // wrk's answer to a refused connection: no latency, no requests line.
        let out = "unable to connect to 127.0.0.1:1 Connection refused\n";
        assert!(parse_wrk(out).is_none());
        let no_rps = "     99%   12.50ms\n  4000 requests in 1.00s, 1.00MB read\n";
        assert!(parse_wrk(no_rps).is_none());
    }
}
