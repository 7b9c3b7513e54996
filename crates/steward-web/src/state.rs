//! What every handler can reach: the store, the file store and the web settings.
use std::sync::Arc;
use steward_core::auth::session::SessionConfig;
use steward_store::files::LocalFiles;
use steward_store::Store;

#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    pub session: SessionConfig,
    /// Mark cookies `Secure`. Also set automatically when a proxy says the request was HTTPS.
    pub secure_cookies: bool,
    /// Shows the "demo data" banner on every page.
    pub demo: bool,
    /// Trust `X-Forwarded-For` / `X-Forwarded-Proto` (behind a load balancer) when the
    /// peer is one of `trusted_proxies`.
    pub trust_proxy: bool,
    /// The proxies whose `X-Forwarded-*` headers count (see `auth::client_ip`); empty: the
    /// defaults (loopback and private ranges).
    pub trusted_proxies: Vec<crate::auth::IpNet>,
    /// Where uploaded files live (the local FileStore). `None`: a folder under the
    /// system's temporary directory (tests, benchmarks).
    pub files_dir: Option<std::path::PathBuf>,
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Where uploaded files' bytes live (their index is in the store).
    pub files: LocalFiles,
    pub config: Arc<WebConfig>,
}

impl AppState {
    pub fn new(store: Store, mut config: WebConfig) -> Self {
        if config.trusted_proxies.is_empty() {
            config.trusted_proxies = crate::auth::DEFAULT_TRUSTED_PROXIES
                .iter()
                .filter_map(|s| crate::auth::IpNet::parse(s))
                .collect();
        }
        let files = match &config.files_dir {
            Some(dir) => LocalFiles::new(dir.clone()),
            None => LocalFiles::temporary(),
        };
        AppState {
            store,
            files,
            config: Arc::new(config),
        }
    }

    /// Record health runs on every change: after a write to an employee's record (or, with
    /// `None`, after an import) the rules are checked again in the background, so the
    /// response does not wait for them. The nightly run catches anything missed here.
    pub fn recheck_health(
        &self,
        company: steward_core::ids::CompanyId,
        employee: Option<steward_core::ids::EmployeeId>,
    ) {
        use steward_core::hr::health::{self, HealthStore};
        let store = self.store.clone();
        tokio::spawn(async move {
            let r = match employee {
                Some(e) => health::check_employee(&store, company, e).await,
                None => store
                    .run_health(company, health::today(), None)
                    .await
                    .map(|_| ()),
            };
            if let Err(e) = r {
                tracing::warn!(error = %e, %company, "record health check failed");
            }
        });
    }
}
