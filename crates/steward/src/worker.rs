//! Background work: the job registry (every kind of job Steward runs) and the worker that
//! takes jobs from the `jobs` table. `steward worker` runs only this; `steward serve` runs it
//! beside the web server unless told `--no-worker`. Several workers, in one or many
//! processes, share the table safely (leases; `FOR UPDATE SKIP LOCKED` on PostgreSQL).
use std::future::Future;
use std::time::Duration;

use steward_core::jobs::{Registry, Worker, WorkerConfig, WorkerId, WorkerReport};
use steward_store::Store;

/// Every kind of job this build knows how to run.
pub(crate) fn job_registry(_store: &Store) -> Registry {
    Registry::new()
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
    config: WorkerConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> WorkerReport {
    let registry = job_registry(&store);
    tracing::info!(worker = %config.id.as_str(), kinds = ?registry.kinds(), "worker started");
    let report = Worker::new(store, registry, config).run(shutdown).await;
    tracing::info!(
        succeeded = report.succeeded,
        failed = report.failed,
        "worker stopped"
    );
    report
}
