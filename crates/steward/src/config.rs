//! Configuration: defaults < steward.toml < STEWARD_* environment < command-line flags, with
//! a warning for every key nobody reads.
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use crate::cli::Global;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub data: PathBuf,
    pub database_url: Option<String>,
    pub addr: String,
    pub log_format: String,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// Mark cookies `Secure` and send HSTS. Unset: on when `public_url` is https.
    pub secure_cookies: Option<bool>,
    pub trust_proxy: bool,
    /// Addresses or ranges of the proxies whose `X-Forwarded-*` headers count with
    /// `trust_proxy` (default: loopback and the private ranges).
    pub trusted_proxies: Vec<String>,
    /// The audit chain's key file (default: `audit.key` in the data folder).
    pub audit_key: Option<PathBuf>,
    pub max_connections: u32,
    /// The address people reach Steward at, for links in e-mails (default: http://<addr>).
    pub public_url: Option<String>,
    /// SMTP server for e-mail; without it mail is not sent (its jobs fail, saying so).
    pub smtp_host: Option<String>,
    /// Default: 25 with `none`, 587 with `starttls`, 465 with `tls`.
    pub smtp_port: Option<u16>,
    /// `none`, `starttls` or `tls`; default `none` for localhost, `starttls` otherwise.
    pub smtp_tls: Option<String>,
    pub smtp_username: Option<String>,
    #[serde(skip_serializing)]
    pub smtp_password: Option<SecretString>,
    /// The sender: `Steward <steward@example.com>`. Needed with `smtp_host`.
    pub smtp_from: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data: PathBuf::from("./steward-data"),
            database_url: None,
            addr: "127.0.0.1:8080".into(),
            log_format: "text".into(),
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            secure_cookies: None,
            trust_proxy: false,
            trusted_proxies: Vec::new(),
            audit_key: None,
            max_connections: 16,
            public_url: None,
            smtp_host: None,
            smtp_port: None,
            smtp_tls: None,
            smtp_username: None,
            smtp_password: None,
            smtp_from: None,
        }
    }
}

const KNOWN: &[&str] = &[
    "data",
    "database_url",
    "addr",
    "log_format",
    "session_idle_minutes",
    "session_absolute_hours",
    "secure_cookies",
    "trust_proxy",
    "trusted_proxies",
    "audit_key",
    "max_connections",
    "public_url",
    "smtp_host",
    "smtp_port",
    "smtp_tls",
    "smtp_username",
    "smtp_password",
    "smtp_from",
];
/// STEWARD_* variables that are read elsewhere, not configuration keys.
const OTHER_ENV: &[&str] = &[
    "admin_password",
    "user_password",
    "test_pg",
    "log",
    "bench_keep",
    "browser_tests",
    "screenshot_dir",
];

pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
    /// The database URL, kept out of `Debug` output and logs.
    pub database_url: SecretString,
}

pub fn load(global: &Global, addr: Option<&str>) -> anyhow::Result<Loaded> {
    let file = global
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from("steward.toml"));
    if global.config.is_some() && !file.exists() {
        anyhow::bail!("the configuration file {} does not exist", file.display());
    }
    let mut warnings = Vec::new();
    let toml = Toml::file(&file);
    if file.exists() {
        let keys = Figment::from(Toml::file(&file)).extract::<figment::value::Dict>()?;
        for k in keys.keys().filter(|k| !KNOWN.contains(&k.as_str())) {
            warnings.push(format!("{}: unknown key `{k}` (ignored)", file.display()));
        }
    }
    for (k, _) in std::env::vars() {
        if let Some(rest) = k.strip_prefix("STEWARD_") {
            let key = rest.to_lowercase();
            if !KNOWN.contains(&key.as_str()) && !OTHER_ENV.contains(&key.as_str()) {
                warnings.push(format!("environment: unknown variable `{k}` (ignored)"));
            }
        }
    }
    let mut flags = figment::value::Dict::new();
    if let Some(d) = &global.data {
        flags.insert("data".into(), d.display().to_string().into());
    }
    if let Some(u) = &global.database_url {
        flags.insert("database_url".into(), u.clone().into());
    }
    if let Some(l) = &global.log_format {
        flags.insert("log_format".into(), l.clone().into());
    }
    if let Some(a) = addr {
        flags.insert("addr".into(), a.to_string().into());
    }
    let config: Config = Figment::from(Serialized::defaults(Config::default()))
        .merge(toml)
        .merge(Env::prefixed("STEWARD_").only(KNOWN))
        .merge(Serialized::globals(flags))
        .extract()?;
    if !matches!(config.log_format.as_str(), "text" | "json") {
        anyhow::bail!(
            "log_format must be text or json, not `{}`",
            config.log_format
        );
    }
    let url = match &config.database_url {
        Some(u) => u.clone(),
        None => sqlite_url(&config.data),
    };
    Ok(Loaded {
        database_url: SecretString::from(url),
        config,
        warnings,
    })
}

/// The SMTP settings, checked, or `None` when no `smtp_host` is set.
pub fn smtp(config: &Config) -> anyhow::Result<Option<steward_web::mail::SmtpConfig>> {
    use steward_web::mail::{SmtpConfig, TlsMode};
    let Some(host) = config
        .smtp_host
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
    else {
        return Ok(None);
    };
    let local = matches!(host, "localhost" | "127.0.0.1" | "::1");
    let tls = match config.smtp_tls.as_deref() {
        Some(t) => TlsMode::parse(t)
            .ok_or_else(|| anyhow::anyhow!("smtp_tls must be none, starttls or tls, not `{t}`"))?,
        None if local => TlsMode::None,
        None => TlsMode::StartTls,
    };
    let port = config.smtp_port.unwrap_or(match tls {
        TlsMode::None => 25,
        TlsMode::StartTls => 587,
        TlsMode::Tls => 465,
    });
    let from = config
        .smtp_from
        .clone()
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| anyhow::anyhow!("smtp_from is needed with smtp_host (the sender, e.g. `Steward <steward@example.com>`)"))?;
    let base_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.addr));
    Ok(Some(SmtpConfig {
        host: host.to_string(),
        port,
        tls,
        username: config.smtp_username.clone().filter(|u| !u.is_empty()),
        password: config.smtp_password.clone(),
        from,
        base_url,
        timeout: std::time::Duration::from_secs(30),
    }))
}

impl Config {
    /// Cookies are `Secure` (and HSTS is sent) when set so, or by default when Steward is
    /// reached over https.
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies.unwrap_or_else(|| {
            self.public_url
                .as_deref()
                .is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https://"))
        })
    }

    /// The trusted proxies, parsed; an entry that is no address or range is an error.
    pub fn trusted_proxies(&self) -> anyhow::Result<Vec<steward_web::IpNet>> {
        self.trusted_proxies
            .iter()
            .map(|s| {
                steward_web::IpNet::parse(s).ok_or_else(|| {
                    anyhow::anyhow!(
                        "trusted_proxies: `{s}` is not an address or range like 10.0.0.0/8"
                    )
                })
            })
            .collect()
    }

    /// Where the audit chain's key lives.
    pub fn audit_key_path(&self) -> PathBuf {
        self.audit_key
            .clone()
            .unwrap_or_else(|| self.data.join("audit.key"))
    }
}

pub fn sqlite_url(data: &Path) -> String {
    format!("sqlite://{}/steward.db", data.display())
}

impl Loaded {
    pub fn url(&self) -> &str {
        self.database_url.expose_secret()
    }
    /// The URL with any password hidden, for messages.
    pub fn url_for_display(&self) -> String {
        let u = self.url();
        match (u.find("://"), u.find('@')) {
            (Some(s), Some(at)) if at > s => {
                let creds = &u[s + 3..at];
                match creds.split_once(':') {
                    Some((user, _)) => format!("{}://{user}:***{}", &u[..s], &u[at..]),
                    None => u.to_string(),
                }
            }
            _ => u.to_string(),
        }
    }
}

#[cfg(test)]
mod smtp_tests {
    use super::*;
    use steward_web::mail::TlsMode;

    #[test]
    fn cookies_are_secure_by_default_over_https() {
        let mut c = Config::default();
        assert!(!c.secure_cookies(), "plain http on a machine of one's own");
        c.public_url = Some("https://steward.example.com".into());
        assert!(c.secure_cookies(), "https public_url");
        c.secure_cookies = Some(false);
        assert!(!c.secure_cookies(), "an explicit setting wins");
        c.public_url = Some("http://intranet:8080".into());
        c.secure_cookies = None;
        assert!(!c.secure_cookies());
        c.trusted_proxies = vec!["10.1.0.0/16".into(), "::1".into()];
        assert_eq!(c.trusted_proxies().expect("ranges").len(), 2);
        c.trusted_proxies.push("proxy.local".into());
        assert!(c.trusted_proxies().is_err());
    }

    #[test]
    fn smtp_settings_have_safe_defaults_and_clear_errors() {
        let mut c = Config::default();
        assert!(smtp(&c).expect("no smtp").is_none(), "not configured");
        c.smtp_host = Some("localhost".into());
        let err = smtp(&c).expect_err("needs a sender").to_string();
        assert!(err.contains("smtp_from"), "{err}");
        c.smtp_from = Some("Steward <steward@example.com>".into());
        let s = smtp(&c).expect("ok").expect("configured");
        assert_eq!((s.tls, s.port), (TlsMode::None, 25), "plain for localhost");
        assert_eq!(s.base_url, "http://127.0.0.1:8080");
        c.smtp_host = Some("mail.example.com".into());
        let s = smtp(&c).expect("ok").expect("configured");
        assert_eq!((s.tls, s.port), (TlsMode::StartTls, 587), "TLS elsewhere");
        c.smtp_tls = Some("tls".into());
        c.public_url = Some("https://steward.example.com".into());
        let s = smtp(&c).expect("ok").expect("configured");
        assert_eq!((s.tls, s.port), (TlsMode::Tls, 465));
        assert_eq!(s.base_url, "https://steward.example.com");
        c.smtp_tls = Some("ssl3".into());
        assert!(smtp(&c)
            .expect_err("bad mode")
            .to_string()
            .contains("smtp_tls"));
        // The password never shows in debug output.
        c.smtp_tls = None;
        c.smtp_username = Some("u".into());
        c.smtp_password = Some(SecretString::from("hunter2-secret"));
        assert!(!format!("{c:?}").contains("hunter2-secret"));
        assert!(steward_web::mail::SmtpMailer::new(&smtp(&c).expect("ok").expect("cfg")).is_ok());
    }
}
