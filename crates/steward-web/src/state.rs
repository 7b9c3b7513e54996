//! What every handler can reach: the store (as core's store traits: web never names the
//! concrete store), the file store, the domains' registrations and the web settings.
use std::sync::Arc;
use steward_core::auth::session::SessionConfig;
use steward_core::files::FileStore;
use steward_core::registry::Registry;

use std::collections::BTreeMap;

use axum::Router;
use steward_core::auth::{Action, Actor, Domain, Permission};
use steward_core::registry::RecordRef;
use utoipa_axum::router::OpenApiRouter;

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
    + steward_core::billing::BillingBackend
    + steward_core::bank::BankBackend
    + steward_core::bank::reconcile::ReconcileStore
    + steward_core::it::ItBackend
    + steward_core::records::RecordsBackend
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
        + steward_core::billing::BillingBackend
        + steward_core::bank::BankBackend
        + steward_core::bank::reconcile::ReconcileStore
        + steward_core::it::ItBackend
        + steward_core::records::RecordsBackend
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
    /// Trust `X-Forwarded-For` / `X-Forwarded-Proto` (behind a load balancer) when the
    /// peer is one of `trusted_proxies`.
    pub trust_proxy: bool,
    /// The proxies whose `X-Forwarded-*` headers count (see `auth::client_ip`); empty: the
    /// defaults (loopback and private ranges).
    pub trusted_proxies: Vec<crate::auth::IpNet>,
    /// Where people reach Steward (`https://steward.example.com`): what printed labels' QR
    /// codes open. None: the address the request came to.
    pub public_url: Option<String>,
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
        let mut config = config;
        if config.trusted_proxies.is_empty() {
            config.trusted_proxies = crate::auth::DEFAULT_TRUSTED_PROXIES
                .iter()
                .filter_map(|s| crate::auth::IpNet::parse(s))
                .collect();
        }
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

/// An entry in the navigation: shown to those who hold `needs` (everyone when `None`),
/// placed by `order` (lower first).
#[derive(Debug, Clone, Copy)]
pub struct NavEntry {
    pub order: u16,
    pub href: &'static str,
    pub label: &'static str,
    pub needs: Option<Permission>,
    /// Another permission that shows it too (a domain with two audiences).
    pub or: Option<Permission>,
}

impl NavEntry {
    /// Whether `actor` may use the page (deny by default: an entry without a permission is
    /// one everybody signed in uses).
    pub fn shown_to(&self, actor: &Actor) -> bool {
        self.needs.is_none_or(|p| actor.can(p)) || self.or.is_some_and(|p| actor.can(p))
    }
}

/// A section's navigation: on every page under `prefix`, the `entries` its reader may use
/// (the layout draws them under the page's heading, labelled `label` for screen readers).
pub struct SubNav {
    pub prefix: &'static str,
    pub label: &'static str,
    pub entries: &'static [NavEntry],
}

pub const fn nav(
    order: u16,
    href: &'static str,
    label: &'static str,
    needs: Option<Permission>,
) -> NavEntry {
    NavEntry {
        order,
        href,
        label,
        needs,
        or: None,
    }
}

/// An entry shown to whoever holds either permission.
pub const fn nav_either(
    order: u16,
    href: &'static str,
    label: &'static str,
    one: Permission,
    other: Permission,
) -> NavEntry {
    NavEntry {
        order,
        href,
        label,
        needs: Some(one),
        or: Some(other),
    }
}

pub const fn needs(domain: Domain, action: Action) -> Option<Permission> {
    Some(Permission::new(domain, action))
}

/// A domain's web part.
pub struct WebDomain<S> {
    pub name: &'static str,
    /// Its pages.
    pub pages: fn() -> Router<AppState<S>>,
    /// Its JSON API (registered with their OpenAPI descriptions).
    pub api: fn(OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>>,
    /// What its part of the served OpenAPI document says beyond the derived schemas: values
    /// known once the domains registered (approval and record kinds) and rules a derive
    /// cannot state (a variant's closed fields, one of two fields required). Run on the
    /// completed document (`api::contract::complete`); [`no_document`] when there is none.
    pub document: fn(&mut serde_json::Value, &Registry),
    pub nav: &'static [NavEntry],
    /// Its sections' own navigation (the links along a section's pages), each entry shown
    /// only to who may use it, as the main navigation is.
    pub subnav: &'static [SubNav],
    /// The page of each record kind it owns: `("ledger.entry", "/ledger/entries/{id}")`.
    pub links: &'static [(&'static str, &'static str)],
}

impl<S> Clone for WebDomain<S> {
    fn clone(&self) -> Self {
        WebDomain {
            name: self.name,
            pages: self.pages,
            api: self.api,
            document: self.document,
            nav: self.nav,
            subnav: self.subnav,
            links: self.links,
        }
    }
}

/// A domain's [`WebDomain::document`] when the derived schemas say everything.
pub fn no_document(_: &mut serde_json::Value, _: &Registry) {}

/// The registrations of every domain, as the router, the layout and links read them.
pub struct WebRegistry<S> {
    domains: Vec<WebDomain<S>>,
    nav: Vec<NavEntry>,
    subnav: Vec<&'static SubNav>,
    links: BTreeMap<&'static str, &'static str>,
}

impl<S> WebRegistry<S> {
    pub fn new(domains: &[WebDomain<S>]) -> WebRegistry<S> {
        let mut nav: Vec<NavEntry> = domains.iter().flat_map(|d| d.nav.iter().copied()).collect();
        nav.sort_by_key(|n| n.order);
        let links = domains
            .iter()
            .flat_map(|d| d.links.iter().copied())
            .collect();
        let mut subnav: Vec<&'static SubNav> = domains.iter().flat_map(|d| d.subnav).collect();
        // The longest prefix first, so a section inside another one wins.
        subnav.sort_by_key(|s| std::cmp::Reverse(s.prefix.len()));
        WebRegistry {
            domains: domains.to_vec(),
            nav,
            subnav,
            links,
        }
    }

    pub fn domains(&self) -> &[WebDomain<S>] {
        &self.domains
    }

    /// The navigation `actor` sees: only what they may use.
    pub fn nav_for<'a>(&'a self, actor: &'a Actor) -> impl Iterator<Item = &'a NavEntry> + 'a {
        self.nav.iter().filter(move |n| n.shown_to(actor))
    }

    /// The section navigation of the page at `path` that `actor` sees: its label and the
    /// entries they may use (none outside a section).
    pub fn subnav_for<'a>(
        &'a self,
        actor: &'a Actor,
        path: &str,
    ) -> Option<(&'static str, impl Iterator<Item = &'static NavEntry> + 'a)> {
        let section = self.subnav.iter().find(|s| under(path, s.prefix))?;
        Some((
            section.label,
            section.entries.iter().filter(move |n| n.shown_to(actor)),
        ))
    }

    /// The page that shows `record` (`None` for a kind no domain shows).
    pub fn href(&self, record: &RecordRef) -> Option<String> {
        self.links
            .get(record.kind.as_str())
            .map(|pattern| pattern.replace("{id}", &record.id.to_string()))
    }
}

/// Whether `path` is `prefix` or a page below it (`/billing` holds `/billing/aged`, not
/// `/billingx`).
pub fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
}
