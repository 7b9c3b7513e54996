//! What every handler can reach: the store and the web settings.
use std::sync::Arc;
use steward_core::auth::session::SessionConfig;
use steward_store::Store;

#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    pub session: SessionConfig,
    /// Mark cookies `Secure`. Also set automatically when a proxy says the request was HTTPS.
    pub secure_cookies: bool,
    /// Shows the "demo data" banner on every page.
    pub demo: bool,
    /// Trust `X-Forwarded-For` / `X-Forwarded-Proto` (behind a load balancer).
    pub trust_proxy: bool,
    /// Where uploaded files live (the local FileStore). `None`: a folder under the
    /// system's temporary directory (tests, benchmarks).
    pub files_dir: Option<std::path::PathBuf>,
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> Self {
        AppState {
            store,
            config: Arc::new(config),
        }
    }
}
