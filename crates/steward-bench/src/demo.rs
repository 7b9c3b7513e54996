//! `steward-bench http --demo`: the request path of issue 13 on the demo company. Serves a
//! fresh data folder with `steward serve --demo` (the binary of `--binary`, by default the
//! `steward` next to this one, so an older build can be measured the same way), signs in as
//! the demo admin through the sign-in form (session cookie), makes an API token with
//! `steward token create`, then checks, warms up and measures six targets.
use crate::common::{pg_admin, steward_binary, with_database};
use crate::http::{measure, report, BenchArgs, Target};
use anyhow::{anyhow, bail, Context};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The demo company's administrator and the password every demo account has.
const ADMIN: &str = "admin";
const PASSWORD: &str = "demo";
/// How long the server may take to migrate and seed the demo company.
const READY_WITHIN: Duration = Duration::from_secs(180);

pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    crate::common::require_wrk().await?;
    let binary = steward_binary()?;
    let tmp = std::env::temp_dir().join(format!("steward-bench-demo-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    // PostgreSQL: a fresh database of its own (dropped afterwards); SQLite in the data folder.
    let (url, pg_db, backend) = match &args.database_url {
        Some(u) if u.starts_with("postgres") => {
            let db = format!("steward_bench_demo_{}", std::process::id());
            pg_admin(u, &format!("CREATE DATABASE {db}"))
                .await
                .context("cannot create the benchmark database")?;
            (
                Some(with_database(u, &db)),
                Some((u.clone(), db)),
                "PostgreSQL",
            )
        }
        Some(_) => {
            bail!("bench takes a postgres:// URL, or none for SQLite in a fresh data folder")
        }
        None => (None, None, "SQLite"),
    };
    let result = serve_and_measure(args, &binary, &tmp, url.as_deref(), backend).await;
    let keep = std::env::var_os("STEWARD_BENCH_KEEP").is_some();
    if let Some((admin_url, db)) = pg_db.filter(|_| !keep) {
        let _ = pg_admin(
            &admin_url,
            &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        )
        .await;
    }
    if keep {
        eprintln!("kept {}", tmp.display());
    } else {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// `steward --data DIR [--database-url URL] ARGS`, run in `tmp` (so no `steward.toml` of the
/// caller's folder is read) with the caller's STEWARD_* settings that would redirect it removed.
fn steward(binary: &Path, tmp: &Path, url: Option<&str>, args: &[&str]) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(binary);
    c.current_dir(tmp).arg("--data").arg(tmp.join("data"));
    if let Some(u) = url {
        c.args(["--database-url", u]);
    }
    c.args(args);
    for var in [
        "STEWARD_DATA",
        "STEWARD_DATABASE_URL",
        "STEWARD_ADDR",
        "STEWARD_CONFIG",
        "STEWARD_PUBLIC_URL",
    ] {
        c.env_remove(var);
    }
    c.env("STEWARD_LOG", "warn");
    c
}

async fn serve_and_measure(
    args: &BenchArgs,
    binary: &Path,
    tmp: &Path,
    url: Option<&str>,
    backend: &str,
) -> anyhow::Result<()> {
    let port = free_port()?;
    let addr = format!("127.0.0.1:{port}");
    let base = format!("http://{addr}");
    let log_path = tmp.join("serve.log");
    let log = std::fs::File::create(&log_path)?;
    let mut server = steward(binary, tmp, url, &["serve", "--demo", "--addr", &addr])
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    eprintln!(
        "serving the demo company ({backend}) with {} on {addr}",
        binary.display()
    );
    let result = async {
        wait_ready(&mut server, &base, &log_path).await?;
        let cookie = sign_in(&base).await?;
        let token = make_token(binary, tmp, url).await?;
        let cookie = format!("Cookie: {cookie}");
        let bearer = format!("Authorization: Bearer {token}");
        let targets = vec![
            Target::new("`/` (session)", "/", &cookie),
            Target::new("`/dashboard` (session)", "/dashboard", &cookie),
            Target::new("`/hr/employees` (session)", "/hr/employees", &cookie),
            Target::new("`/work` (session)", "/work", &cookie),
            Target::new(
                "`/api/v1/hr/employees` (token)",
                "/api/v1/hr/employees",
                &bearer,
            ),
            Target::new(
                "`/api/v1/ledger/entries` (token)",
                "/api/v1/ledger/entries",
                &bearer,
            ),
        ];
        let seconds = args.seconds.unwrap_or(8);
        let rows = measure(&base, targets, args.connections, seconds, args.warmup).await?;
        if let Ok(Some(status)) = server.try_wait() {
            bail!(
                "the server exited during the run ({status}); its log:\n{}",
                tail(&log_path)
            );
        }
        report(
            &format!(
                "HTTP, demo company, {backend}, {}, {} connections, {seconds} s per target after {} s of warm-up (wrk -t2)",
                binary.display(),
                args.connections,
                args.warmup
            ),
            &rows,
        )
    }
    .await;
    stop(&mut server).await;
    if result.is_err() {
        eprintln!(
            "the server's log ({}):\n{}",
            log_path.display(),
            tail(&log_path)
        );
    }
    result
}

/// A port nothing listens on right now (the server binds it a moment later).
fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

async fn wait_ready(
    server: &mut tokio::process::Child,
    base: &str,
    log: &Path,
) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()?;
    let started = Instant::now();
    loop {
        if let Some(status) = server.try_wait()? {
            bail!(
                "`steward serve --demo` exited ({status}) before it answered; its log:\n{}",
                tail(log)
            );
        }
        if let Ok(r) = client.get(format!("{base}/login")).send().await {
            if r.status().is_success() {
                eprintln!(
                    "ready after {:.1} s (migrated and seeded)",
                    started.elapsed().as_secs_f64()
                );
                return Ok(());
            }
        }
        if started.elapsed() > READY_WITHIN {
            bail!(
                "the server did not answer GET /login within {} s",
                READY_WITHIN.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Signs in through the sign-in form, as a browser does (same origin), and returns the
/// session cookie (`steward_session=...`).
async fn sign_in(base: &str) -> anyhow::Result<String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let r = client
        .post(format!("{base}/login"))
        .header("Origin", base)
        .form(&[("login", ADMIN), ("password", PASSWORD), ("next", "/")])
        .send()
        .await
        .context("POST /login failed")?;
    let status = r.status();
    let cookie = r
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|c| c.starts_with("steward_session=") && c.len() > "steward_session=".len())
        .map(str::to_string);
    cookie.ok_or_else(|| {
        anyhow!(
            "signing in as `{ADMIN}` with the demo password gave no session cookie (HTTP {status})"
        )
    })
}

/// An API token for the demo admin, made with `steward token create` (printed once).
async fn make_token(binary: &Path, tmp: &Path, url: Option<&str>) -> anyhow::Result<String> {
    let out = steward(
        binary,
        tmp,
        url,
        &["token", "create", ADMIN, "--name", "steward-bench"],
    )
    .stdin(Stdio::null())
    .output()
    .await
    .context("cannot run `steward token create`")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let token = stdout.lines().map(str::trim).rfind(|l| !l.is_empty());
    match token {
        Some(t) if out.status.success() => Ok(t.to_string()),
        _ => bail!(
            "`steward token create {ADMIN}` failed ({}): {}{}",
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// Asks the server to stop (SIGTERM, so it finishes its requests and closes the database),
/// and kills it if it has not stopped within ten seconds.
async fn stop(server: &mut tokio::process::Child) {
    if let Some(pid) = server.id() {
        let _ = tokio::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(10), server.wait())
            .await
            .is_ok()
        {
            return;
        }
    }
    let _ = server.kill().await;
}

/// The last lines of a log file, for an error message.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}
