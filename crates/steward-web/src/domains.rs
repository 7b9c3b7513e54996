//! What each domain brings to the web layer, in one place per domain: its pages, its API
//! routes, its entries in the navigation and where its records are shown. The binary lists
//! the domains (`steward::app::web_domains`); the router mounts them and the layout builds
//! the navigation from them, so neither names a domain.
use std::collections::BTreeMap;

use axum::Router;
use steward_core::auth::{Action, Actor, Domain, Permission};
use steward_core::registry::RecordRef;
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// An entry in the navigation: shown to those who hold `needs` (everyone when `None`),
/// placed by `order` (lower first).
#[derive(Debug, Clone, Copy)]
pub struct NavEntry {
    pub order: u16,
    pub href: &'static str,
    pub label: &'static str,
    pub needs: Option<Permission>,
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
    pub nav: &'static [NavEntry],
    /// The page of each record kind it owns: `("ledger.entry", "/ledger/entries/{id}")`.
    pub links: &'static [(&'static str, &'static str)],
}

impl<S> Clone for WebDomain<S> {
    fn clone(&self) -> Self {
        WebDomain {
            name: self.name,
            pages: self.pages,
            api: self.api,
            nav: self.nav,
            links: self.links,
        }
    }
}

/// The registrations of every domain, as the router, the layout and links read them.
pub struct WebRegistry<S> {
    domains: Vec<WebDomain<S>>,
    nav: Vec<NavEntry>,
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
        WebRegistry {
            domains: domains.to_vec(),
            nav,
            links,
        }
    }

    pub fn domains(&self) -> &[WebDomain<S>] {
        &self.domains
    }

    /// The navigation `actor` sees: only what they may use.
    pub fn nav_for<'a>(&'a self, actor: &'a Actor) -> impl Iterator<Item = &'a NavEntry> + 'a {
        self.nav
            .iter()
            .filter(move |n| n.needs.is_none_or(|p| actor.can(p)))
    }

    /// The page that shows `record` (`None` for a kind no domain shows).
    pub fn href(&self, record: &RecordRef) -> Option<String> {
        self.links
            .get(record.kind.as_str())
            .map(|pattern| pattern.replace("{id}", &record.id.to_string()))
    }
}
