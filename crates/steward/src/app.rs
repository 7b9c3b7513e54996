//! The application as it runs: the SQL store, the local file store, every domain's
//! registrations and the web app over them. This is the one list where domains are
//! registered: each domain appears once in [`registry`] (its core part: approval and record
//! kinds, tiles, jobs) and once in [`web_domains`] (its pages, API, navigation, links).
//! The web crate is generic over the store; it is made concrete here, once, so the binary,
//! the benchmarks and the tests share one compiled copy.
use std::path::PathBuf;
use std::sync::Arc;

use steward_core::registry::Registry;
use steward_core::work::mail::Mailer;
use steward_store::files::LocalFiles;
use steward_store::Store;
use steward_web::WebDomain;
use steward_web::{AppState, WebConfig};

/// Every domain's core registrations, over `store`; mail goes through `mailer`.
pub fn registry(store: &Store, mailer: Arc<dyn Mailer>) -> Registry {
    let mut r = Registry::new();
    steward_core::users::register(&mut r);
    steward_core::work::register(&mut r, store.clone(), mailer);
    steward_core::ledger::register(&mut r, store.clone());
    steward_core::hr::register(&mut r, store.clone());
    steward_core::billing::register(&mut r, store.clone());
    steward_core::bank::register(&mut r, store.clone());
    steward_core::it::register(&mut r, store.clone());
    steward_core::records::register(&mut r, store.clone());
    r
}

/// Every domain's web part, in the order their pages are mounted.
pub fn web_domains() -> Vec<WebDomain<Store>> {
    vec![
        steward_web::domains::platform(),
        steward_web::domains::departments(),
        steward_web::domains::work(),
        steward_web::domains::ledger(),
        steward_web::domains::hr(),
        steward_web::domains::billing(),
        steward_web::domains::bank(),
        steward_web::domains::it(),
        steward_web::domains::records(),
    ]
}

/// The web app's state over `store`, with uploaded files under `files_dir` (a folder under
/// the system's temporary directory when `None`: tests and benchmarks).
pub fn web_state(
    store: Store,
    files_dir: Option<PathBuf>,
    registry: Arc<Registry>,
    config: WebConfig,
) -> AppState<Store> {
    let files = match files_dir {
        Some(dir) => LocalFiles::new(dir),
        None => LocalFiles::temporary(),
    };
    AppState::new(store, Arc::new(files), registry, &web_domains(), config)
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState<Store>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    steward_web::serve(listener, state, shutdown).await
}
