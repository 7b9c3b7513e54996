//! Server-rendered pages, one module per domain. Each handler: parse the form or query, call
//! the service with the signed-in `Actor`, render a template or redirect.
mod audit;
mod auth;
pub(crate) mod files;
mod home;
pub mod hr;
pub mod ledger;
mod profile;
mod roles;
mod users;
pub mod work;

pub(crate) use audit::{
    export_row as audit_export_row, query_from as audit_query_from,
    EXPORT_HEADERS as AUDIT_EXPORT_HEADERS,
};
pub(crate) use users::{export_row as user_export_row, EXPORT_HEADERS as USER_EXPORT_HEADERS};

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Router;
use steward_core::auth::{Action, Actor, Domain};
use steward_core::company::Company;
use steward_core::Error;

use crate::auth::{flash_cookie, PageActor, FLASH_COOKIE};
use crate::domains::{nav, needs, NavEntry, WebDomain};
pub(crate) use crate::forms::{field, form_errors, is_invalid, non_empty, parse_table};
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

// The platform: home, users, roles, the audit trail, the profile, sign-in, files.
pub fn platform<S: Backend>() -> WebDomain<S> {
    const NAV: &[NavEntry] = &[
        nav(0, "/", "Home", None),
        nav(80, "/users", "Users", needs(Domain::Users, Action::Read)),
        nav(81, "/roles", "Roles", needs(Domain::System, Action::Read)),
        nav(
            82,
            "/audit",
            "Audit trail",
            needs(Domain::Audit, Action::Read),
        ),
        nav(99, "/profile", "My profile", None),
    ];
    WebDomain {
        name: "platform",
        pages: platform_router::<S>,
        api: crate::api::platform_routes::<S>,
        nav: NAV,
        links: &[("user", "/users/{id}")],
    }
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What the layout around every page needs.
pub struct Chrome {
    pub title: String,
    pub username: String,
    pub display_name: String,
    pub company_id: i64,
    pub company: String,
    pub companies: Vec<Company>,
    pub nav: Vec<NavItem>,
    pub demo: bool,
    pub flash: Option<String>,
    /// My unread notifications, for the bell in the header (one indexed count).
    pub unread: u64,
}

impl Chrome {
    pub fn asset(&self, name: &str) -> String {
        crate::assets::url(name)
    }
}

/// The navigation a person sees: what the domains registered, only what they may use.
pub fn nav_for<S>(web: &crate::domains::WebRegistry<S>, actor: &Actor, path: &str) -> Vec<NavItem> {
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

pub async fn chrome<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    title: &str,
    path: &str,
) -> Chrome {
    let (companies, unread) = tokio::join!(
        steward_core::company::my_companies(&state.store, &pa.actor),
        steward_core::work::notify::unread_count(&state.store, &pa.actor)
    );
    let companies = companies.unwrap_or_default();
    let unread = unread.unwrap_or_default();
    Chrome {
        title: title.to_string(),
        username: pa.actor.username.clone(),
        display_name: pa.actor.display_name.clone(),
        company_id: pa.actor.company_id.0,
        company: pa.actor.company_name.clone(),
        companies,
        nav: nav_for(&state.web, &pa.actor, path),
        demo: state.config.demo,
        flash: pa.flash.clone(),
        unread,
    }
}

/// Renders a template; a page that was shown consumes the flash message.
pub fn render(t: &impl Template, status: StatusCode) -> Response {
    match t.render() {
        Ok(html) => {
            let mut r = (status, Html(html)).into_response();
            r.headers_mut()
                .append(header::SET_COOKIE, crate::auth::clear_cookie(FLASH_COOKIE));
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// Redirects with a message for the next page.
pub fn redirect_with(to: &str, message: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, flash_cookie(message));
    r
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title: String,
    message: String,
    request_id: String,
    chrome: Option<Chrome>,
    css: String,
}

/// An error as a page, with the status that fits it. Internal errors show only a reference.
pub fn error_page(e: &Error, request_id: &str, chrome: Option<Chrome>) -> Response {
    let status = crate::error::status_of(e);
    let page = ErrorPage {
        status: status.as_u16(),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        message: crate::error::public_message(e, request_id),
        request_id: request_id.to_string(),
        chrome,
        css: crate::assets::url("app.css"),
    };
    render(&page, status)
}

/// A body over the server's hard cap, refused before any handler ran: the page says how
/// large an upload may be (no layout: the request never reached the sign-in check).
pub fn too_large_page(limit: usize, request_id: &str) -> Response {
    let status = StatusCode::PAYLOAD_TOO_LARGE;
    let page = ErrorPage {
        status: status.as_u16(),
        title: "Upload too large".into(),
        message: format!(
            "The upload is too large: a file may be at most {} MB. Nothing was saved.",
            limit / (1024 * 1024)
        ),
        request_id: request_id.to_string(),
        chrome: None,
        css: crate::assets::url("app.css"),
    };
    render(&page, status)
}

/// Error pages for a signed-in person keep the layout.
pub async fn fail<S: Backend>(state: &AppState<S>, pa: &PageActor, e: Error) -> Response {
    let c = chrome(state, pa, "Error", "").await;
    error_page(&e, &pa.request_id.0, Some(c))
}

pub async fn not_found(req: axum::extract::Request) -> Response {
    let rid = req
        .extensions()
        .get::<crate::middleware::RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
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
