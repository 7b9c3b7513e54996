//! What every handler can reach: the store (as core's store traits: web never names the
//! concrete store), the file store, the domains' registrations and the web settings.
use std::sync::Arc;
use steward_core::auth::session::SessionConfig;
use steward_core::files::FileStore;
use steward_core::registry::Registry;

use crate::domains::{WebDomain, WebRegistry};

/// Everything the pages and the API reach through core's services: the store traits of
/// the platform and of each domain. The binary hands in the concrete store.
pub trait Backend:
    Clone
    + Send
    + Sync
    + 'static
    + steward_core::auth::session::AuthStore
    + steward_core::users::UserStore
    + steward_core::roles::RoleStore
    + steward_core::tokens::TokenStore
    + steward_core::audit::AuditStore
    + steward_core::company::CompanyStore
    + steward_core::system::SystemStore
    + steward_core::jobs::JobStore
    + steward_core::idempotency::IdempotencyStore
    + steward_core::departments::DepartmentStore
    + steward_core::files::AttachmentStore
    + steward_core::ledger::LedgerStore
    + steward_core::work::approvals::ApprovalBackend
    + steward_core::work::tasks::TaskStore
    + steward_core::work::cases::CaseStore
    + steward_core::work::notify::NotifyStore
    + steward_core::hr::HrBackend
    + steward_core::hr::org::OrgStore
    + steward_core::hr::reports::ReportStore
    + steward_core::hr::locations::LocationStore
    + steward_core::hr::lifecycle::LifecycleStore
    + steward_core::hr::fields::FieldStore
{
}

impl<T> Backend for T where
    T: Clone
        + Send
        + Sync
        + 'static
        + steward_core::auth::session::AuthStore
        + steward_core::users::UserStore
        + steward_core::roles::RoleStore
        + steward_core::tokens::TokenStore
        + steward_core::audit::AuditStore
        + steward_core::company::CompanyStore
        + steward_core::system::SystemStore
        + steward_core::jobs::JobStore
        + steward_core::idempotency::IdempotencyStore
        + steward_core::departments::DepartmentStore
        + steward_core::files::AttachmentStore
        + steward_core::ledger::LedgerStore
        + steward_core::work::approvals::ApprovalBackend
        + steward_core::work::tasks::TaskStore
        + steward_core::work::cases::CaseStore
        + steward_core::work::notify::NotifyStore
        + steward_core::hr::HrBackend
        + steward_core::hr::org::OrgStore
        + steward_core::hr::reports::ReportStore
        + steward_core::hr::locations::LocationStore
        + steward_core::hr::lifecycle::LifecycleStore
        + steward_core::hr::fields::FieldStore
{
}

/// A link to a record, ready for a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLink {
    pub href: String,
    pub label: &'static str,
    pub id: i64,
}

#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    pub session: SessionConfig,
    /// Mark cookies `Secure`. Also set automatically when a proxy says the request was HTTPS.
    pub secure_cookies: bool,
    /// Shows the "demo data" banner on every page.
    pub demo: bool,
    /// Trust `X-Forwarded-For` / `X-Forwarded-Proto` (behind a load balancer).
    pub trust_proxy: bool,
}

pub struct AppState<S> {
    pub store: S,
    /// Where uploaded files' bytes live (their index is in the store).
    pub files: Arc<dyn FileStore>,
    /// What the domains registered with core's engines (approval and record kinds, tiles).
    pub registry: Arc<Registry>,
    /// What the domains registered with the web layer (navigation, links to records).
    pub web: Arc<WebRegistry<S>>,
    pub config: Arc<WebConfig>,
}

impl<S: Clone> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            store: self.store.clone(),
            files: self.files.clone(),
            registry: self.registry.clone(),
            web: self.web.clone(),
            config: self.config.clone(),
        }
    }
}

impl<S: Backend> AppState<S> {
    /// The state over `store` with the domains' web parts (`domains`, whose routes
    /// [`crate::router`] mounts) and their core registrations (`registry`).
    pub fn new(
        store: S,
        files: Arc<dyn FileStore>,
        registry: Arc<Registry>,
        domains: &[WebDomain<S>],
        config: WebConfig,
    ) -> Self {
        AppState {
            store,
            files,
            registry,
            web: Arc::new(WebRegistry::new(domains)),
            config: Arc::new(config),
        }
    }

    /// A record as pages link to it: its page (the home page for a kind no domain shows),
    /// its kind's name and its id.
    pub fn record_link(&self, record: &steward_core::registry::RecordRef) -> RecordLink {
        RecordLink {
            href: self.web.href(record).unwrap_or_else(|| "/".to_string()),
            label: self.registry.record_label(&record.kind),
            id: record.id,
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
        let store = self.store.clone();
        tokio::spawn(async move {
            if let Err(e) = steward_core::hr::health::recheck(&store, company, employee).await {
                tracing::warn!(error = %e, %company, "record health check failed");
            }
        });
    }
}
