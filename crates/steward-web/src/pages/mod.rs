//! Server-rendered pages, one module per domain. Each handler: parse the form or query, call
//! the service with the signed-in `Actor`, render a template or redirect.
mod audit;
mod auth;
pub mod bank;
pub mod billing;
pub mod departments;
pub(crate) mod files;
mod home;
pub mod hr;
pub mod import;
pub mod it;
pub mod ledger;
mod profile;
pub mod records;
mod roles;
mod users;
pub mod work;

use axum::response::Response;
use axum::Router;
use steward_core::auth::Actor;
use steward_core::Error;

use crate::auth::PageActor;
pub(crate) use crate::forms::{field, form_errors, is_invalid, non_empty, parse_table};
pub(crate) use crate::layout::{error_page, redirect_with, render, Chrome, NavItem};
use crate::state::{AppState, Backend};

/// The pages of every registered domain.
pub fn router<S: Backend>(state: AppState<S>) -> Router<AppState<S>> {
    let mut r = Router::new();
    for d in state.web.domains() {
        r = r.merge((d.pages)());
    }
    r.with_state(state)
}

/// The platform's pages: sign-in, home, users, roles, the audit trail, the profile,
/// attachments.
pub fn platform_router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .merge(auth::router())
        .merge(home::router())
        .merge(users::router())
        .merge(roles::router())
        .merge(audit::router())
        .merge(profile::router())
        .merge(files::router())
}

/// The navigation a person sees: what the domains registered, only what they may use.
pub fn nav_for<S>(web: &crate::state::WebRegistry<S>, actor: &Actor, path: &str) -> Vec<NavItem> {
    web.nav_for(actor)
        .map(|n| NavItem {
            href: n.href,
            label: n.label,
            current: if n.href == "/" {
                path == "/"
            } else {
                path.starts_with(n.href)
            },
        })
        .collect()
}

/// The section navigation of `path` for `actor`: the entry whose page holds `path` most
/// closely is the current one.
pub fn subnav_for<S>(
    web: &crate::state::WebRegistry<S>,
    actor: &Actor,
    path: &str,
) -> (&'static str, Vec<NavItem>) {
    let Some((label, entries)) = web.subnav_for(actor, path) else {
        return ("", Vec::new());
    };
    let mut items: Vec<NavItem> = entries
        .map(|n| NavItem {
            href: n.href,
            label: n.label,
            current: false,
        })
        .collect();
    if let Some(best) = items
        .iter_mut()
        .filter(|i| crate::state::under(path, i.href))
        .max_by_key(|i| i.href.len())
    {
        best.current = true;
    }
    (label, items)
}

pub async fn chrome<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    title: &str,
    path: &str,
) -> Chrome {
    // Read with the session (one statement); on its own only when the store could not.
    let (companies, unread) = match &pa.frame {
        Some(f) => (
            f.companies
                .iter()
                .map(|c| steward_core::company::Company {
                    id: c.id,
                    name: c.name.clone(),
                    currency: c.currency.clone(),
                })
                .collect(),
            f.unread,
        ),
        None => {
            let (companies, unread) = tokio::join!(
                steward_core::company::my_companies(&state.store, &pa.actor),
                steward_core::work::notify::unread_count(&state.store, &pa.actor)
            );
            (companies.unwrap_or_default(), unread.unwrap_or_default())
        }
    };
    let numbers = companies
        .iter()
        .find(|c| c.id == pa.actor.company_id)
        .map(|c| steward_core::money::NumberStyle::for_currency(&c.currency))
        .unwrap_or_default();
    let (subnav_label, subnav) = subnav_for(&state.web, &pa.actor, path);
    Chrome {
        title: title.to_string(),
        username: pa.actor.username.clone(),
        display_name: pa.actor.display_name.clone(),
        company_id: pa.actor.company_id.0,
        company: pa.actor.company_name.clone(),
        companies,
        nav: nav_for(&state.web, &pa.actor, path),
        subnav,
        subnav_label,
        demo: state.config.demo,
        flash: pa.flash.clone(),
        unread,
        numbers,
    }
}

/// Error pages for a signed-in person keep the layout.
/// A form page's status: 422 when what was sent is shown back with errors, else 200.
pub fn form_status(invalid: bool) -> axum::http::StatusCode {
    if invalid {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    }
}

/// The address people reach Steward at, without a trailing `/`: the configured public URL,
/// or else the scheme and `Host` this request came with (a host that is not a plain name,
/// address and port is replaced by `localhost`, so nothing odd reaches a printed label).
pub fn public_base<S: Backend>(state: &AppState<S>, headers: &axum::http::HeaderMap) -> String {
    if let Some(u) = state
        .config
        .public_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        return u.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

pub async fn fail<S: Backend>(state: &AppState<S>, pa: &PageActor, e: Error) -> Response {
    let c = chrome(state, pa, "Error", "").await;
    error_page(&e, &pa.request_id.0, Some(c))
}

pub async fn not_found(req: axum::extract::Request) -> Response {
    let rid = crate::error::RequestId::of(req.extensions()).0;
    if req.uri().path().starts_with("/api/") {
        return crate::error::problem_response(&Error::NotFound { entity: "route" }, &rid);
    }
    error_page(&Error::NotFound { entity: "page" }, &rid, None)
}

/// The field error message for `field`, if any, for templates.
pub fn field_error(errors: &[steward_core::error::FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}
