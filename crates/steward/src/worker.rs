//! Background work: the job registry (every kind of job Steward runs) and the worker that
//! takes jobs from the `jobs` table. `steward worker` runs only this; `steward serve` runs it
//! beside the web server unless told `--no-worker`. Several workers, in one or many
//! processes, share the table safely (leases; `FOR UPDATE SKIP LOCKED` on PostgreSQL).
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use steward_core::jobs::{Worker, WorkerConfig, WorkerId, WorkerReport};
use steward_core::registry::Registry;
use steward_core::work::mail::{Mailer, NotConfigured};
use steward_store::Store;

use crate::config::Config;

/// The mailer the configuration asks for: SMTP, or [`NotConfigured`] (mail jobs then fail
/// for good with a message saying so, visible on the jobs page).
pub(crate) fn mailer(config: &Config) -> anyhow::Result<Arc<dyn Mailer>> {
    match crate::config::smtp(config)? {
        Some(smtp) => {
            let m = steward_web::mail::SmtpMailer::new(&smtp).map_err(|e| anyhow::anyhow!(e))?;
            Ok(Arc::new(m))
        }
        None => Ok(Arc::new(NotConfigured)),
    }
}

/// The worker's settings: `concurrency` jobs at a time, polling every `poll_secs`.
pub(crate) fn worker_config(concurrency: usize, poll_secs: u64) -> WorkerConfig {
    WorkerConfig {
        id: WorkerId::generate("steward"),
        concurrency: concurrency.max(1),
        poll_interval: Duration::from_secs(poll_secs.max(1)),
        ..WorkerConfig::default()
    }
}

/// Runs jobs until `shutdown` resolves, then lets running jobs finish (within the grace
/// period) and returns what it did.
pub(crate) async fn run_worker(
    store: Store,
    registry: Arc<Registry>,
    config: WorkerConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> WorkerReport {
    // Every worker makes sure the periodic jobs are scheduled: each chain re-enqueues itself
    // under a dedupe key (per day or per minute), so any number of workers start one chain.
    registry.start().await;
    let registry = registry.jobs().clone();
    tracing::info!(worker = %config.id.as_str(), kinds = ?registry.kinds(), "worker started");
    let report = Worker::new(store, registry, config).run(shutdown).await;
    tracing::info!(
        succeeded = report.succeeded,
        failed = report.failed,
        "worker stopped"
    );
    report
}
