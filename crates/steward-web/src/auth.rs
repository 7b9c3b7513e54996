//! Who is asking: the session cookie for pages, a bearer token (or the session) for the API.
//! Both end in a `steward_core::auth::Actor` built by core's resolve functions.
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;
use steward_core::auth::session::{resolve_session, resolve_token};
use steward_core::auth::Actor;
use steward_core::tokens::strip_prefix;
use steward_core::Error;

use crate::error::ApiError;
use crate::error::RequestId;
pub use crate::layout::{clear_cookie, FLASH_COOKIE};
use crate::state::{AppState, Backend};

pub const SESSION_COOKIE: &str = "steward_session";
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn is_https<S: Backend>(headers: &HeaderMap, state: &AppState<S>) -> bool {
    state.config.secure_cookies
        || (state.config.trust_proxy
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                == Some("https"))
}

/// `Set-Cookie` for a session: HttpOnly, SameSite=Lax, Secure over HTTPS; a session cookie
/// (no Max-Age) since the server enforces the idle and absolute limits.
pub fn session_cookie(secret: &str, secure: bool) -> HeaderValue {
    let s = format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&s)
        .unwrap_or_else(|_| HeaderValue::from_static("steward_session=; Path=/"))
}

pub fn read_flash(headers: &HeaderMap) -> Option<String> {
    let raw = cookie(headers, FLASH_COOKIE)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&format!("m={raw}")).ok()?;
    pairs
        .into_iter()
        .next()
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

pub fn client_ip(parts: &Parts, trust_proxy: bool) -> Option<String> {
    if trust_proxy {
        if let Some(first) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
        {
            return Some(first.trim().to_string());
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

pub fn request_id(parts: &Parts) -> RequestId {
    parts
        .extensions
        .get::<RequestId>()
        .cloned()
        .unwrap_or_else(|| RequestId("-".into()))
}

/// Who is calling from where, for requests that need no session (signing in).
pub struct Caller {
    pub ip: Option<String>,
    pub request_id: RequestId,
}

impl<S: Backend> FromRequestParts<AppState<S>> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<S>,
    ) -> Result<Self, Self::Rejection> {
        Ok(Caller {
            ip: client_ip(parts, state.config.trust_proxy),
            request_id: request_id(parts),
        })
    }
}

/// The signed-in person behind a page request; unauthenticated requests are sent to the
/// sign-in page and come back afterwards.
pub struct PageActor {
    pub actor: Actor,
    pub secret: String,
    pub request_id: RequestId,
    pub flash: Option<String>,
}

impl<S: Backend> FromRequestParts<AppState<S>> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<S>,
    ) -> Result<Self, Self::Rejection> {
        let rid = request_id(parts);
        let to_login = || {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let q = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
            Redirect::to(&format!("/login?{q}")).into_response()
        };
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let ip = client_ip(parts, state.config.trust_proxy);
        match resolve_session(&state.store, &state.config.session, &secret, ip).await {
            Ok(actor) => Ok(PageActor {
                actor,
                secret,
                request_id: rid,
                flash: read_flash(&parts.headers),
            }),
            Err(Error::Unauthenticated) => {
                let mut r = to_login();
                r.headers_mut()
                    .append(header::SET_COOKIE, clear_cookie(SESSION_COOKIE));
                Err(r)
            }
            Err(e) => Err(crate::layout::error_page(&e, &rid.0, None)),
        }
    }
}

/// The caller of an API route: a bearer token, or the browser session.
pub struct ApiActor {
    pub actor: Actor,
    pub request_id: RequestId,
}

impl<S: Backend> FromRequestParts<AppState<S>> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<S>,
    ) -> Result<Self, Self::Rejection> {
        let rid = request_id(parts);
        if let Some(a) = parts.extensions.get::<Actor>() {
            return Ok(ApiActor {
                actor: a.clone(),
                request_id: rid,
            });
        }
        let ip = client_ip(parts, state.config.trust_proxy);
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let result = match (bearer, cookie(&parts.headers, SESSION_COOKIE)) {
            (Some(token), _) => resolve_token(&state.store, strip_prefix(token), ip).await,
            (None, Some(secret)) => {
                resolve_session(&state.store, &state.config.session, &secret, ip).await
            }
            (None, None) => Err(Error::Unauthenticated),
        };
        match result {
            Ok(actor) => {
                parts.extensions.insert(actor.clone());
                Ok(ApiActor {
                    actor,
                    request_id: rid,
                })
            }
            Err(e) => Err(ApiError::new(e, &rid)),
        }
    }
}
