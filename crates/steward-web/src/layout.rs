//! The page shell every page is drawn in: the layout's data ([`Chrome`]: the person, their
//! companies, the navigation, the flash message, the bell), rendering a template, the flash
//! cookie, redirects with a message, and error pages.
use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use steward_core::company::Company;
use steward_core::Error;

pub const FLASH_COOKIE: &str = "steward_flash";

pub fn clear_cookie(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("x=; Max-Age=0"))
}

/// A one-shot message shown on the next page (after a redirect).
pub fn flash_cookie(message: &str) -> HeaderValue {
    let enc: String = serde_urlencoded::to_string([("m", message)]).unwrap_or_default();
    let value = enc.strip_prefix("m=").unwrap_or("");
    HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("steward_flash=; Max-Age=0"))
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
    /// The section's own navigation (billing's pages, say) and its label; empty outside one.
    pub subnav: Vec<NavItem>,
    pub subnav_label: &'static str,
    pub demo: bool,
    pub flash: Option<String>,
    /// My unread notifications, for the bell in the header (one indexed count).
    pub unread: u64,
    /// How this company's numbers are grouped (from its currency until companies have a
    /// language setting).
    pub numbers: steward_core::money::NumberStyle,
}

/// Renders a template; a page that was shown consumes the flash message.
pub fn render(t: &impl Template, status: StatusCode) -> Response {
    match t.render() {
        Ok(html) => {
            let mut r = (status, Html(html)).into_response();
            r.headers_mut()
                .append(header::SET_COOKIE, clear_cookie(FLASH_COOKIE));
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
