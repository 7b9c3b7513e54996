//! Background jobs: work that runs later or elsewhere than the request that asked for it
//! (recurring tasks, SLA timers, escalations, e-mail). A job is a row in the `jobs` table;
//! any number of [`Worker`]s, in any number of instances, take due jobs from it.
//!
//! How a job moves:
//! ```text
//! enqueue ──> queued ──claim──> running ──complete──> done
//!               ^                  │
//!               └──fail (retry)────┤──fail (no attempts left) / lease lost too often──> dead
//! ```
//! - **Claiming** sets `status = running`, `locked_by = <worker>`, `locked_until = now + lease`
//!   and counts the attempt, in one statement. On PostgreSQL the candidates are picked with
//!   `FOR UPDATE SKIP LOCKED`, so instances claiming at the same time take disjoint jobs
//!   without waiting for each other; on SQLite the single writer connection serializes claims.
//! - **Leases.** A worker renews the lease of the jobs it is running every third of the
//!   lease. If the worker dies, the lease runs out and the next claim (by anyone) puts the
//!   job back in the queue (or buries it as `dead` when it has used all its attempts, so that
//!   a job that kills its worker cannot loop forever).
//! - **Only the holder finishes a job.** `complete`, `fail` and `release` apply only while
//!   `locked_by` is still the calling worker and the job is `running`: a worker whose lease
//!   ran out and whose job was taken by another cannot mark it done.
//! - **Retries** back off exponentially ([`RetryPolicy`]) until `max_attempts`; then the job
//!   is `dead`, with `last_error`, for an admin to look at and, if they wish, retry.
//! - **Deduplication.** A job may carry a `dedupe_key` (unique in the table, forever, also
//!   after it is done): `recur:task-template-7:2026-12-01` is enqueued once however many
//!   instances schedule it. Purge finished jobs only well after their keys can recur.
//! - **Only known kinds are claimed.** A worker claims only the kinds it has handlers for, so
//!   during a rolling upgrade an old instance leaves a new kind to the new ones.
//!
//! **Handlers must be idempotent.** The guarantee is *at least once*: a lease that runs out
//! while the handler is still working (a paused VM, a network partition from the database),
//! or a crash between the handler's effect and `complete`, runs the job again. Renewed leases
//! make that rare, not impossible. A handler that writes to the database should do its work
//! and any follow-up enqueue in one transaction keyed by something stable (the job's
//! `dedupe_key`, or an idempotency key derived from the job id).
//!
//! A handler that panics or runs past [`WorkerConfig::job_timeout`] fails its job (and is
//! retried like any failure); the worker goes on.
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::audit::AuditDraft;
use crate::auth::{authorize, Action, Actor, Domain, Permission, Target};
use crate::ids::CompanyId;
use crate::list::{Page, Paging};
use crate::time::Timestamp;
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(pub i64);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a job is, and so which handler runs it: 1 to 64 of `a-z 0-9 . _ : -`, for example
/// `work.recur` or `mail.send`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct JobKind(String);

impl JobKind {
    pub fn new(kind: &str) -> Result<JobKind> {
        let ok = (1..=64).contains(&kind.len())
            && kind.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | ':' | '-')
            });
        if ok {
            Ok(JobKind(kind.to_string()))
        } else {
            Err(Error::invalid(
                "kind",
                "must be 1-64 characters: a-z, 0-9, '.', '_', ':' or '-'",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Dead,
}

impl JobStatus {
    pub const ALL: [JobStatus; 4] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Done,
        JobStatus::Dead,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Dead => "dead",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// Who holds a job: unique per running worker (a restarted worker is a new holder), at most
/// 100 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct WorkerId(String);

impl WorkerId {
    pub fn new(id: &str) -> Result<WorkerId> {
        let ok = (1..=100).contains(&id.len()) && !id.chars().any(char::is_control);
        if ok {
            Ok(WorkerId(id.to_string()))
        } else {
            Err(Error::invalid(
                "worker",
                "must be 1-100 characters without control characters",
            ))
        }
    }
    /// `<prefix>-<pid>-<random>`: unique across instances and restarts.
    pub fn generate(prefix: &str) -> WorkerId {
        let prefix: String = prefix
            .chars()
            .filter(|c| !c.is_control())
            .take(60)
            .collect();
        WorkerId(format!(
            "{prefix}-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The longest `last_error` kept (longer messages are cut at a character boundary).
pub const MAX_ERROR_LEN: usize = 2000;
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

/// A job to enqueue. Build it with [`NewJob::new`] and the `at`, `dedupe` and `attempts`
/// adjusters.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: JobKind,
    pub payload: Value,
    /// Not before this instant.
    pub run_at: Timestamp,
    /// Enqueued once, ever: a second job with the same key is skipped.
    pub dedupe_key: Option<String>,
    /// Runs at most this many times (at least 1).
    pub max_attempts: u32,
    /// The company the job works for (its admins see it); `None` for instance-wide work.
    pub company: Option<CompanyId>,
}

impl NewJob {
    /// Due now, up to [`DEFAULT_MAX_ATTEMPTS`] attempts, no dedupe key, instance-wide.
    pub fn new(kind: JobKind, payload: Value) -> NewJob {
        NewJob {
            kind,
            payload,
            run_at: Timestamp::now(),
            dedupe_key: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            company: None,
        }
    }
    pub fn at(mut self, run_at: Timestamp) -> Self {
        self.run_at = run_at;
        self
    }
    /// A key of 1 to 200 characters (checked by [`NewJob::validate`]).
    pub fn dedupe(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }
    pub fn attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }
    pub fn for_company(mut self, company: CompanyId) -> Self {
        self.company = Some(company);
        self
    }
    /// What the store checks before writing anything.
    pub fn validate(&self) -> Result<()> {
        if let Some(k) = &self.dedupe_key {
            if !(1..=200).contains(&k.len()) || k.chars().any(char::is_control) {
                return Err(Error::invalid(
                    "dedupe_key",
                    "must be 1-200 characters without control characters",
                ));
            }
        }
        if !(1..=1000).contains(&self.max_attempts) {
            return Err(Error::invalid("max_attempts", "must be 1 to 1000"));
        }
        Ok(())
    }
}

/// A stored job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    pub id: JobId,
    /// As stored: a kind no handler knows stays queued (see the module notes).
    pub kind: String,
    pub payload: Value,
    pub status: JobStatus,
    pub run_at: Timestamp,
    /// Runs started so far, the current one included.
    pub attempts: i64,
    pub max_attempts: i64,
    pub dedupe_key: Option<String>,
    pub company: Option<CompanyId>,
    pub locked_by: Option<String>,
    pub locked_until: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

/// Counts for the admin page and `steward worker --status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JobStats {
    pub queued: u64,
    /// Queued and due now: the backlog.
    pub due: u64,
    pub running: u64,
    pub done: u64,
    pub dead: u64,
    /// The `run_at` of the longest-waiting due job: how far behind the workers are.
    pub oldest_due: Option<Timestamp>,
}

#[derive(Debug, Clone, Default)]
pub struct JobQuery {
    pub status: Option<JobStatus>,
    pub kind: Option<String>,
    /// Newest first.
    pub paging: Paging,
}

/// `message` cut to [`MAX_ERROR_LEN`] bytes at a character boundary.
pub fn truncate_error(message: &str) -> &str {
    if message.len() <= MAX_ERROR_LEN {
        return message;
    }
    let mut end = MAX_ERROR_LEN;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    &message[..end]
}

/// A daily job's run for `day`: due at `at` (UTC) that day, its day in the payload, at most
/// three attempts, and deduplicated per day, so queueing the same day twice (a restart, two
/// instances) runs it once. Each run queues the next day's; [`schedule_daily`] starts the chain.
pub fn daily_job(kind: &str, at: chrono::NaiveTime, day: chrono::NaiveDate) -> Result<NewJob> {
    let due = Timestamp(day.and_time(at).and_utc().timestamp_micros());
    Ok(NewJob::new(
        JobKind::new(kind)?,
        serde_json::json!({"day": day.to_string()}),
    )
    .at(due)
    .attempts(3)
    .dedupe(format!("{kind}:{day}")))
}

/// Makes sure a daily job's next run is queued: today's while `at` (UTC) is still ahead,
/// else tomorrow's.
pub async fn schedule_daily(
    store: &impl JobStore,
    kind: &str,
    at: chrono::NaiveTime,
) -> Result<()> {
    let now = chrono::Utc::now();
    let day = if now.time() < at {
        now.date_naive()
    } else {
        now.date_naive() + chrono::Duration::days(1)
    };
    store.enqueue(&[daily_job(kind, at, day)?]).await?;
    Ok(())
}

/// Enqueues a once-a-minute job's next run at the start of the next minute (once, whoever
/// asks: the dedupe key is `<kind>:<minute>`), so any number of workers keep exactly one
/// chain. The handler calls this again after each run.
pub async fn schedule_next_minute(store: &impl JobStore, kind: &str) -> Result<()> {
    let next = Timestamp::now().0.div_euclid(60_000_000) + 1;
    store
        .enqueue(&[NewJob::new(JobKind::new(kind)?, serde_json::json!({}))
            .at(Timestamp(next * 60_000_000))
            .dedupe(format!("{kind}:{next}"))
            .attempts(3)])
        .await?;
    Ok(())
}

pub trait JobStore: Send + Sync {
    /// Inserts the jobs in one transaction. Returns, per job in order, its id, or `None`
    /// when a job with its `dedupe_key` exists already (also one earlier in the same call).
    fn enqueue(&self, jobs: &[NewJob]) -> impl Future<Output = Result<Vec<Option<JobId>>>> + Send;
    /// First returns jobs whose lease ended before `now` to the queue (or buries them when
    /// they have no attempts left), then takes up to `limit` due jobs of the given kinds,
    /// oldest `run_at` first, for `worker` until `lease_until`, counting an attempt each.
    fn claim(
        &self,
        worker: &WorkerId,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        kinds: &[String],
    ) -> impl Future<Output = Result<Vec<Job>>> + Send;
    /// Extends the lease of those of `ids` that `worker` still holds; returns how many.
    fn renew(
        &self,
        worker: &WorkerId,
        ids: &[JobId],
        until: Timestamp,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Marks the job done if `worker` still holds it; `false` if it does not.
    fn complete(&self, id: JobId, worker: &WorkerId) -> impl Future<Output = Result<bool>> + Send;
    /// Records a failed run if `worker` still holds the job: queued again at `retry_at`, or
    /// `dead` when `retry_at` is `None`.
    fn fail(
        &self,
        id: JobId,
        worker: &WorkerId,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Gives a job back unrun (a worker shutting down): queued, due now, the attempt not counted.
    fn release(&self, id: JobId, worker: &WorkerId) -> impl Future<Output = Result<bool>> + Send;
    /// The claim's first half on its own: how many jobs came back from an ended lease.
    fn reclaim_expired(&self, now: Timestamp) -> impl Future<Output = Result<u64>> + Send;
    fn get_job(&self, id: JobId) -> impl Future<Output = Result<Option<Job>>> + Send;
    /// `company`: that company's jobs; `None`: every job (operators).
    fn list_jobs(
        &self,
        company: Option<CompanyId>,
        q: &JobQuery,
    ) -> impl Future<Output = Result<Page<Job>>> + Send;
    fn job_stats(
        &self,
        company: Option<CompanyId>,
        now: Timestamp,
    ) -> impl Future<Output = Result<JobStats>> + Send;
    /// Puts a dead job of `company` back in the queue with fresh attempts, audited; `false`
    /// when there is no such dead job.
    fn retry_dead(
        &self,
        company: Option<CompanyId>,
        id: JobId,
        now: Timestamp,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Deletes done jobs finished before `before` (dead ones stay for an admin to see).
    fn purge_done(&self, before: Timestamp) -> impl Future<Output = Result<u64>> + Send;
}

// ---- services for the admin page (authorized) ----

fn jobs_perm(action: Action) -> Permission {
    Permission::new(Domain::System, action)
}

/// The actor's company's jobs.
pub async fn list_jobs(store: &impl JobStore, actor: &Actor, q: &JobQuery) -> Result<Page<Job>> {
    authorize(
        actor,
        jobs_perm(Action::Read),
        &Target::company(actor.company_id),
    )?;
    store.list_jobs(Some(actor.company_id), q).await
}

pub async fn job_stats(store: &impl JobStore, actor: &Actor) -> Result<JobStats> {
    authorize(
        actor,
        jobs_perm(Action::Read),
        &Target::company(actor.company_id),
    )?;
    store
        .job_stats(Some(actor.company_id), Timestamp::now())
        .await
}

/// Retries a dead job of the actor's company now, with its attempts reset.
pub async fn retry_dead(store: &impl JobStore, actor: &Actor, id: JobId) -> Result<()> {
    authorize(
        actor,
        jobs_perm(Action::Update),
        &Target::company(actor.company_id),
    )?;
    let audit = AuditDraft::by(
        actor,
        "job",
        Some(id.to_string()),
        "retry",
        serde_json::json!({}),
    );
    if store
        .retry_dead(Some(actor.company_id), id, Timestamp::now(), audit)
        .await?
    {
        Ok(())
    } else {
        Err(Error::NotFound { entity: "dead job" })
    }
}

// ---- running jobs ----

/// Why a handler did not finish its job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    pub message: String,
    /// Retrying cannot help (bad payload, the record is gone): the job goes straight to `dead`.
    pub permanent: bool,
}

impl JobError {
    pub fn retry(message: impl Into<String>) -> Self {
        JobError {
            message: message.into(),
            permanent: false,
        }
    }
    pub fn permanent(message: impl Into<String>) -> Self {
        JobError {
            message: message.into(),
            permanent: true,
        }
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JobError {}

/// Domain errors a retry may cure (the database was away, a conflict, throttling) are
/// retried; the others (not found, invalid, forbidden) will say the same next time.
impl From<Error> for JobError {
    fn from(e: Error) -> Self {
        let permanent = !matches!(
            e,
            Error::Internal(_) | Error::Conflict { .. } | Error::Throttled { .. }
        );
        JobError {
            message: e.to_string(),
            permanent,
        }
    }
}

/// Exponential backoff: `base`, `2·base`, `4·base`, … capped at `max`, plus up to an eighth
/// of jitter so that jobs failing together do not retry together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(10),
            max: Duration::from_secs(3600),
        }
    }
}

impl RetryPolicy {
    /// The delay after the `attempts`-th failed run (1-based), without jitter.
    pub fn delay(&self, attempts: i64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.base
            .saturating_mul(1u32 << doublings)
            .min(self.max)
            .max(self.base.min(self.max))
    }
    /// When a job that just failed should run again, or `None` when it has no attempts left
    /// or the error is permanent.
    pub fn next_run(&self, job: &Job, error: &JobError, now: Timestamp) -> Option<Timestamp> {
        if error.permanent || job.attempts >= job.max_attempts {
            return None;
        }
        let d = self.delay(job.attempts);
        let jitter = d / 8;
        let jitter = if jitter.is_zero() {
            Duration::ZERO
        } else {
            jitter.mul_f64(rand::random::<f64>())
        };
        let micros = i64::try_from((d + jitter).as_micros()).unwrap_or(i64::MAX);
        Some(Timestamp(now.0.saturating_add(micros)))
    }
}

/// What a handler returns.
pub type JobResult = std::result::Result<(), JobError>;
pub type HandlerFuture = Pin<Box<dyn Future<Output = JobResult> + Send + 'static>>;
type Handler = Arc<dyn Fn(Job) -> HandlerFuture + Send + Sync>;

/// The handlers a worker runs, by kind.
#[derive(Clone, Default)]
pub struct Handlers {
    handlers: HashMap<String, Handler>,
}

impl fmt::Debug for Handlers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handlers")
            .field("kinds", &self.kinds())
            .finish()
    }
}

impl Handlers {
    pub fn new() -> Self {
        Self::default()
    }
    /// Runs `handler` for jobs of `kind` (replacing an earlier handler of that kind). The
    /// handler must be idempotent: see the module notes.
    pub fn register<F, Fut>(&mut self, kind: &JobKind, handler: F) -> &mut Self
    where
        F: Fn(Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = JobResult> + Send + 'static,
    {
        let h: Handler = Arc::new(move |job| Box::pin(handler(job)) as HandlerFuture);
        self.handlers.insert(kind.as_str().to_string(), h);
        self
    }
    /// The registered kinds, sorted.
    pub fn kinds(&self) -> Vec<String> {
        let mut k: Vec<String> = self.handlers.keys().cloned().collect();
        k.sort();
        k
    }
    pub fn is_empty(&self) -> bool {
        self.handlers.is_empty()
    }
    fn get(&self, kind: &str) -> Option<Handler> {
        self.handlers.get(kind).cloned()
    }
}

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub id: WorkerId,
    /// Jobs run at the same time by this worker.
    pub concurrency: usize,
    /// How long to sleep when no job is due (a [`Worker::waker`] notification cuts it short).
    pub poll_interval: Duration,
    /// How long a claim holds a job; renewed every third of it while the job runs.
    pub lease: Duration,
    /// A handler still running after this fails its job.
    pub job_timeout: Duration,
    pub retry: RetryPolicy,
    /// On shutdown, running jobs get this long to finish; then they are stopped and
    /// given back to the queue.
    pub shutdown_grace: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            id: WorkerId::generate("worker"),
            concurrency: 4,
            poll_interval: Duration::from_secs(2),
            lease: Duration::from_secs(60),
            job_timeout: Duration::from_secs(600),
            retry: RetryPolicy::default(),
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

/// What a worker did before it stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerReport {
    pub succeeded: u64,
    pub failed: u64,
    /// Failures that were panics (also counted in `failed`).
    pub panicked: u64,
    /// Jobs stopped by the end of the shutdown grace and given back.
    pub released: u64,
}

/// Takes due jobs and runs them through a [`Handlers`] until told to stop.
pub struct Worker<S> {
    store: S,
    registry: Arc<Handlers>,
    config: WorkerConfig,
    wake: Arc<Notify>,
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

fn after(t: Timestamp, d: Duration) -> Timestamp {
    Timestamp(t.0.saturating_add(micros(d)))
}

fn panic_message(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(p) => {
            let what = p
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a non-text panic".into());
            format!("the handler panicked: {what}")
        }
        Err(e) => format!("the handler was stopped: {e}"),
    }
}

impl<S: JobStore + 'static> Worker<S> {
    pub fn new(store: S, registry: Handlers, config: WorkerConfig) -> Self {
        Worker {
            store,
            registry: Arc::new(registry),
            config,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Notify it after enqueueing in this process to have the worker look at once.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    pub fn id(&self) -> &WorkerId {
        &self.config.id
    }

    /// Runs until `shutdown` completes, then lets running jobs finish (up to the grace
    /// period) and returns. Database errors are logged and retried after the poll interval;
    /// they never end the loop.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> WorkerReport {
        let cfg = &self.config;
        let concurrency = cfg.concurrency.max(1);
        let kinds = self.registry.kinds();
        let renew_every = (cfg.lease / 3).max(Duration::from_millis(10));
        let mut report = WorkerReport::default();
        let mut running: JoinSet<JobResult> = JoinSet::new();
        let mut held: HashMap<tokio::task::Id, Job> = HashMap::new();
        let mut heartbeat =
            tokio::time::interval_at(tokio::time::Instant::now() + renew_every, renew_every);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut stop_at: Option<tokio::time::Instant> = None;
        let mut aborted = false;
        tokio::pin!(shutdown);
        tracing::info!(worker = %cfg.id, kinds = ?kinds, "job worker started");

        loop {
            let free = concurrency.saturating_sub(running.len());
            if stop_at.is_none() && free > 0 && !kinds.is_empty() {
                let now = Timestamp::now();
                let limit = u32::try_from(free).unwrap_or(u32::MAX);
                match self
                    .store
                    .claim(&cfg.id, now, after(now, cfg.lease), limit, &kinds)
                    .await
                {
                    Ok(jobs) => {
                        for job in jobs {
                            self.spawn(&mut running, &mut held, job);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(worker = %cfg.id, error = %e, "claiming jobs failed")
                    }
                }
            }
            if stop_at.is_some() && running.is_empty() {
                break;
            }
            let full = running.len() >= concurrency;
            tokio::select! {
                Some(done) = running.join_next_with_id(), if !running.is_empty() => {
                    self.finish(done, &mut held, &mut report).await;
                }
                _ = self.wake.notified(), if stop_at.is_none() && !full => {}
                _ = tokio::time::sleep(cfg.poll_interval), if stop_at.is_none() && !full => {}
                _ = heartbeat.tick(), if !running.is_empty() => {
                    let ids: Vec<JobId> = held.values().map(|j| j.id).collect();
                    match self.store.renew(&cfg.id, &ids, after(Timestamp::now(), cfg.lease)).await {
                        Ok(n) if n < ids.len() as u64 => tracing::warn!(worker = %cfg.id, held = ids.len(), renewed = n,
                            "lost the lease of some running jobs; they may run again elsewhere"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(worker = %cfg.id, error = %e, "renewing leases failed"),
                    }
                }
                _ = &mut shutdown, if stop_at.is_none() => {
                    tracing::info!(worker = %cfg.id, running = running.len(), "job worker stopping");
                    stop_at = Some(tokio::time::Instant::now() + cfg.shutdown_grace);
                }
                _ = tokio::time::sleep_until(stop_at.unwrap_or_else(tokio::time::Instant::now)), if stop_at.is_some() && !aborted => {
                    // Past the grace period: stop what still runs; `finish` gives it back.
                    running.abort_all();
                    aborted = true;
                }
            }
        }
        tracing::info!(worker = %cfg.id, ?report, "job worker stopped");
        report
    }

    fn spawn(
        &self,
        running: &mut JoinSet<JobResult>,
        held: &mut HashMap<tokio::task::Id, Job>,
        job: Job,
    ) {
        let timeout = self.config.job_timeout;
        let fut = self.registry.get(&job.kind).map(|h| h(job.clone()));
        let kind = job.kind.clone();
        let handle = running.spawn(async move {
            let Some(fut) = fut else {
                // Not reached: only registered kinds are claimed.
                return Err(JobError::retry(format!("no handler for kind `{kind}`")));
            };
            match tokio::time::timeout(timeout, fut).await {
                Ok(r) => r,
                Err(_) => Err(JobError::retry(format!(
                    "the handler ran longer than {} s",
                    timeout.as_secs()
                ))),
            }
        });
        held.insert(handle.id(), job);
    }

    async fn finish(
        &self,
        done: std::result::Result<(tokio::task::Id, JobResult), tokio::task::JoinError>,
        held: &mut HashMap<tokio::task::Id, Job>,
        report: &mut WorkerReport,
    ) {
        let cfg = &self.config;
        let (task, outcome) = match done {
            Ok((task, r)) => (task, Ok(r)),
            Err(e) => (e.id(), Err(e)),
        };
        let Some(job) = held.remove(&task) else {
            return;
        };
        let result = match outcome {
            Ok(Ok(())) => {
                report.succeeded += 1;
                match self.store.complete(job.id, &cfg.id).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(worker = %cfg.id, job = %job.id, kind = %job.kind,
                        "finished a job whose lease was lost; it may run again"),
                    Err(e) => tracing::warn!(worker = %cfg.id, job = %job.id, error = %e,
                        "could not mark a finished job done; it will run again after its lease"),
                }
                return;
            }
            Ok(Err(e)) => e,
            Err(e) if e.is_cancelled() => {
                report.released += 1;
                if let Err(e) = self.store.release(job.id, &cfg.id).await {
                    tracing::warn!(worker = %cfg.id, job = %job.id, error = %e, "could not give a stopped job back");
                }
                return;
            }
            Err(e) => {
                report.panicked += 1;
                JobError::retry(panic_message(e))
            }
        };
        report.failed += 1;
        let retry_at = cfg.retry.next_run(&job, &result, Timestamp::now());
        tracing::warn!(worker = %cfg.id, job = %job.id, kind = %job.kind, attempt = job.attempts,
            error = %result, retry_at = ?retry_at.map(Timestamp::rfc3339), "job failed");
        if let Err(e) = self
            .store
            .fail(job.id, &cfg.id, truncate_error(&result.message), retry_at)
            .await
        {
            tracing::warn!(worker = %cfg.id, job = %job.id, error = %e, "could not record a job failure");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_checked() {
        assert!(JobKind::new("work.recur").is_ok());
        assert!(JobKind::new("mail:send-1").is_ok());
        for bad in ["", "Mail", "a b", &"x".repeat(65)] {
            assert!(JobKind::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy {
            base: Duration::from_secs(10),
            max: Duration::from_secs(60),
        };
        assert_eq!(p.delay(1), Duration::from_secs(10));
        assert_eq!(p.delay(2), Duration::from_secs(20));
        assert_eq!(p.delay(3), Duration::from_secs(40));
        assert_eq!(p.delay(4), Duration::from_secs(60));
        assert_eq!(p.delay(400), Duration::from_secs(60));
        assert_eq!(p.delay(0), Duration::from_secs(10));
    }

    #[test]
    fn errors_are_cut_at_a_character_boundary() {
        let long = "é".repeat(MAX_ERROR_LEN);
        let cut = truncate_error(&long);
        assert!(cut.len() <= MAX_ERROR_LEN);
        assert!(cut.chars().all(|c| c == 'é'));
        assert_eq!(truncate_error("short"), "short");
    }

    #[test]
    fn new_jobs_are_validated() {
        let k = JobKind::new("t").expect("kind");
        assert!(NewJob::new(k.clone(), Value::Null).validate().is_ok());
        assert!(NewJob::new(k.clone(), Value::Null)
            .dedupe("")
            .validate()
            .is_err());
        assert!(NewJob::new(k, Value::Null).attempts(0).validate().is_err());
    }
}
