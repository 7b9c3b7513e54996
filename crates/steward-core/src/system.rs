//! The running system as the home page and `/readyz` see it: which database, which schema
//! version, whether the database answers.
use std::future::Future;

use crate::Result;

pub trait SystemStore: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend_name(&self) -> &'static str;
    /// The newest migration applied.
    fn schema_version(&self) -> impl Future<Output = Result<i64>> + Send;
    /// Whether the database answers (for `/readyz`).
    fn ping(&self) -> impl Future<Output = Result<()>> + Send;
}

/// What the home page shows about the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemInfo {
    pub backend: &'static str,
    pub schema_version: i64,
}

pub async fn info(store: &impl SystemStore) -> SystemInfo {
    SystemInfo {
        backend: store.backend_name(),
        schema_version: store.schema_version().await.unwrap_or(0),
    }
}

/// Whether the database answers (`/readyz`; no sign-in, reveals nothing).
pub async fn ready(store: &impl SystemStore) -> Result<()> {
    store.ping().await
}
