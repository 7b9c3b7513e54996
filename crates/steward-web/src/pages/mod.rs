//! Server-rendered pages, one module per domain. Each handler: parse the form or query, call
//! the service with the signed-in `Actor`, render a template or redirect.
mod audit;
mod auth;
pub(crate) mod files;
mod home;
pub(crate) mod hr;
mod ledger;
mod profile;
mod roles;
mod users;
pub(crate) mod work;

pub(crate) use audit::{
    export_row as audit_export_row, query_from as audit_query_from,
    EXPORT_HEADERS as AUDIT_EXPORT_HEADERS,
};
pub(crate) use users::{
    export_row as user_export_row, parse_table, EXPORT_HEADERS as USER_EXPORT_HEADERS,
};

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Router;
use steward_core::auth::{Action, Actor, Domain, Permission};
use steward_core::company::{Company, CompanyStore};
use steward_core::error::FieldError;
use steward_core::Error;

use crate::auth::{flash_cookie, PageActor, FLASH_COOKIE};
use crate::state::AppState;

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(home::router())
        .merge(users::router())
        .merge(roles::router())
        .merge(audit::router())
        .merge(profile::router())
        .merge(ledger::router())
        .merge(work::router())
        .merge(hr::router())
        .merge(files::router())
        .with_state(state)
}

/// The value of a form or query field (empty when absent).
pub(crate) fn field(pairs: &[(String, String)], key: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// `Some(trimmed)` unless blank.
pub(crate) fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Turns any error into field errors for a form: field errors as they are, a conflict
/// under `fallback` (so it shows beside the form instead of on an error page).
pub(crate) fn form_errors(e: &Error, fallback: &str) -> Option<Vec<FieldError>> {
    match e {
        Error::Invalid { .. } | Error::InvalidMany(_) => Some(e.field_errors()),
        Error::Conflict { message } => Some(vec![FieldError {
            field: fallback.to_string(),
            message: message.clone(),
        }]),
        _ => None,
    }
}

/// Whether an error is the user's input (shown beside the fields) rather than a failure.
pub(crate) fn is_invalid(e: &Error) -> bool {
    matches!(e, Error::Invalid { .. } | Error::InvalidMany(_))
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
    /// How this company's numbers are grouped (from its currency until companies have a
    /// language setting).
    pub numbers: steward_core::money::NumberStyle,
}

impl Chrome {
    pub fn asset(&self, name: &str) -> String {
        crate::assets::url(name)
    }

    /// A number in a report or list, grouped in the company's style: `1500.00 EUR` ->
    /// `1 500.00 EUR`. Anything that does not start with a plain number is kept as it is.
    pub fn num(&self, value: impl std::fmt::Display) -> String {
        self.numbers.regroup(&value.to_string())
    }
}

/// The navigation a person sees: only what they may use.
pub fn nav_for(actor: &Actor, path: &str) -> Vec<NavItem> {
    let items: [(&'static str, &'static str, Option<Permission>); 13] = [
        ("/", "Home", None),
        ("/work", "My work", None),
        (
            "/dashboard",
            "Dashboard",
            Some(Permission::new(Domain::Work, Action::Approve)),
        ),
        (
            "/tasks",
            "Tasks",
            Some(Permission::new(Domain::Work, Action::Read)),
        ),
        ("/approvals", "Approvals", None),
        (
            "/cases",
            "Cases",
            Some(Permission::new(Domain::Escalations, Action::Read)),
        ),
        ("/hr/employees", "People", None),
        (
            "/hr/timeoff",
            "Time off",
            Some(Permission::new(Domain::Hr, Action::Read)),
        ),
        (
            "/ledger",
            "Books",
            Some(Permission::new(Domain::Accounting, Action::Read)),
        ),
        (
            "/users",
            "Users",
            Some(Permission::new(Domain::Users, Action::Read)),
        ),
        (
            "/roles",
            "Roles",
            Some(Permission::new(Domain::System, Action::Read)),
        ),
        (
            "/audit",
            "Audit trail",
            Some(Permission::new(Domain::Audit, Action::Read)),
        ),
        ("/profile", "My profile", None),
    ];
    items
        .into_iter()
        .filter(|(_, _, p)| p.is_none_or(|p| actor.can(p)))
        .map(|(href, label, _)| NavItem {
            href,
            label,
            current: if href == "/" {
                path == "/"
            } else {
                path.starts_with(href)
            },
        })
        .collect()
}

pub async fn chrome(state: &AppState, pa: &PageActor, title: &str, path: &str) -> Chrome {
    let (companies, unread) = tokio::join!(
        state.store.companies_of(pa.actor.user_id),
        steward_core::work::notify::unread_count(&state.store, &pa.actor)
    );
    let companies = companies.unwrap_or_default();
    let unread = unread.unwrap_or_default();
    let numbers = companies
        .iter()
        .find(|c| c.id == pa.actor.company_id)
        .map(|c| steward_core::money::NumberStyle::for_currency(&c.currency))
        .unwrap_or_default();
    Chrome {
        title: title.to_string(),
        username: pa.actor.username.clone(),
        display_name: pa.actor.display_name.clone(),
        company_id: pa.actor.company_id.0,
        company: pa.actor.company_name.clone(),
        companies,
        nav: nav_for(&pa.actor, path),
        demo: state.config.demo,
        flash: pa.flash.clone(),
        unread,
        numbers,
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
pub async fn fail(state: &AppState, pa: &PageActor, e: Error) -> Response {
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
