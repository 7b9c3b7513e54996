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
    pub secure_cookies: bool,
    pub trust_proxy: bool,
    pub max_connections: u32,
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
            secure_cookies: false,
            trust_proxy: false,
            max_connections: 16,
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
    "max_connections",
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
