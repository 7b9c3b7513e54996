//! Steward's web front end: server-rendered pages and the JSON API over the same services.
//! Handlers parse input, call a `steward-core` service with the request's `Actor`, and
//! render the typed result; they hold no SQL and no business rules.
#![forbid(unsafe_code)]

/// utoipa-axum's `routes!` for handlers generic over the store: each handler is routed as
/// `handler::<S>` (`S`, the store type, is the caller's generic parameter) and documented
/// by its `#[utoipa::path]`. Same call syntax: `routes!(users::list, users::create)`.
macro_rules! routes {
    ($($($seg:ident)::+),+ $(,)?) => {{
        #[allow(unused_imports)]
        use utoipa_axum::PathItemExt;
        let mut paths = utoipa::openapi::path::Paths::new();
        let mut schemas = Vec::<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>::new();
        let mut router = axum::routing::MethodRouter::new();
        $(
            let (path, item, types) = utoipa_axum::routes!(@resolve_types $($seg)::+ : schemas);
            router = types
                .iter()
                .fold(router, |r, t| r.on(t.to_method_filter(), $($seg)::+::<S>));
            paths.add_path_operation(&path, types, item);
        )+
        (schemas, paths, router)
    }};
}

pub mod api;
mod assets;
mod auth;
pub mod domains;
mod error;
mod forms;
mod layout;
mod list;
pub mod mail;
mod markdown;
mod middleware;
mod pages;
mod state;
mod views;

pub use auth::{IpNet, DEFAULT_TRUSTED_PROXIES};
pub use state::{AppState, Backend, NavEntry, WebConfig, WebDomain, WebRegistry};

use axum::Router;
use std::net::SocketAddr;
use tower_http::limit::RequestBodyLimitLayer;

/// Bodies larger than this are refused with 413 (imports have their own, larger limit).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;
pub const IMPORT_BODY_LIMIT: usize = 50 * 1024 * 1024;
/// What a caller without a valid session or token may send (a sign-in form, a password
/// reset): larger bodies are answered 413 before they are read.
pub const ANON_BODY_LIMIT: usize = 64 * 1024;

/// The whole application: pages, API, static files, health checks, and the layers every
/// request passes (request id, security headers, CSRF check, body limit).
pub fn router<S: Backend>(state: AppState<S>) -> Router {
    let (api, openapi) = api::router(state.clone());
    Router::new()
        .merge(pages::router(state.clone()))
        .merge(api)
        .merge(api::docs(openapi))
        .merge(assets::router())
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route("/readyz", axum::routing::get(middleware::readyz))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(middleware::csrf))
        .layer(RequestBodyLimitLayer::new(IMPORT_BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::too_large,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(axum::middleware::from_fn(middleware::request_id))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve<S: Backend>(
    listener: tokio::net::TcpListener,
    state: AppState<S>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
