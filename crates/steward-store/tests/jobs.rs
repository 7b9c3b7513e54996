//! The jobs queue: enqueue, claim, complete, retry, dead jobs, leases, deduplication, and
//! workers (several at once, on one database or, on PostgreSQL, in several instances) that
//! run every job exactly once.
use crate::common;

use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use steward_core::audit::AuditDraft;
use steward_core::jobs::{
    Handlers, Job, JobError, JobId, JobKind, JobQuery, JobStatus, JobStore, NewJob, RetryPolicy,
    Worker, WorkerConfig, WorkerId, WorkerReport,
};
use steward_core::time::Timestamp;
use steward_store::Store;
use tokio::sync::oneshot;

const T0: Timestamp = Timestamp(1_900_000_000_000_000);
const SEC: i64 = 1_000_000;

fn kind(k: &str) -> JobKind {
    JobKind::new(k).expect("valid kind")
}

fn kinds(k: &[&str]) -> Vec<String> {
    k.iter().map(|s| s.to_string()).collect()
}

fn worker(name: &str) -> WorkerId {
    WorkerId::new(name).expect("valid worker id")
}

fn at(secs: i64) -> Timestamp {
    Timestamp(T0.0 + secs * SEC)
}

async fn job(s: &Store, id: JobId) -> Job {
    s.get_job(id).await.expect("get job").expect("job exists")
}

async fn enqueue_one(s: &Store, j: NewJob) -> JobId {
    s.enqueue(&[j])
        .await
        .expect("enqueue")
        .into_iter()
        .next()
        .flatten()
        .expect("an id")
}

store_test!(enqueue_claim_complete, |db| async move {
    let s = &db.store;
    let k = kind("test.echo");
    let ids = s
        .enqueue(&[
            NewJob::new(k.clone(), json!({"n": 2})).at(at(-5)),
            NewJob::new(k.clone(), json!({"n": 1})).at(at(-10)),
            NewJob::new(k.clone(), json!({"n": 3})).at(at(60)),
            NewJob::new(kind("other.kind"), json!({})).at(at(-20)),
        ])
        .await
        .expect("enqueue");
    assert!(ids.iter().all(Option::is_some), "[{}] {ids:?}", db.name);

    let (a, b) = (worker("a"), worker("b"));
    let claimed = s
        .claim(&a, T0, at(30), 10, &kinds(&["test.echo"]))
        .await
        .expect("claim");
    // Due jobs of the asked kinds only, oldest run_at first.
    assert_eq!(
        claimed
            .iter()
            .map(|j| j.payload["n"].clone())
            .collect::<Vec<_>>(),
        vec![json!(1), json!(2)],
        "[{}]",
        db.name
    );
    for j in &claimed {
        assert_eq!(j.status, JobStatus::Running);
        assert_eq!(j.attempts, 1);
        assert_eq!(j.locked_by.as_deref(), Some("a"));
        assert_eq!(j.locked_until, Some(at(30)));
    }
    // Nothing else is due for anyone.
    assert!(s
        .claim(&b, T0, at(30), 10, &kinds(&["test.echo"]))
        .await
        .expect("claim")
        .is_empty());

    let first = claimed[0].id;
    assert!(
        !s.complete(first, &b).await.expect("complete"),
        "[{}] only the holder completes a job",
        db.name
    );
    assert!(s.complete(first, &a).await.expect("complete"));
    assert!(
        !s.complete(first, &a).await.expect("complete"),
        "completing twice does nothing"
    );
    let done = job(s, first).await;
    assert_eq!(done.status, JobStatus::Done);
    assert_eq!(done.locked_by, None);
    assert!(done.finished_at.is_some());

    let stats = s.job_stats(None, T0).await.expect("stats");
    assert_eq!(
        (
            stats.queued,
            stats.due,
            stats.running,
            stats.done,
            stats.dead
        ),
        (2, 1, 1, 1, 0),
        "[{}] {stats:?}",
        db.name
    );
    assert_eq!(stats.oldest_due, Some(at(-20)));

    let page = s
        .list_jobs(
            None,
            &JobQuery {
                status: Some(JobStatus::Queued),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(page.total, 2);
    assert!(page.items[0].id > page.items[1].id, "newest first");

    // Done jobs are purged once old enough; the others stay.
    assert_eq!(s.purge_done(Timestamp(0)).await.expect("purge"), 0);
    let later = Timestamp(Timestamp::now().0 + 60 * SEC);
    assert_eq!(s.purge_done(later).await.expect("purge"), 1);
    assert_eq!(db.count("jobs").await, 3);
});

store_test!(a_dedupe_key_enqueues_once, |db| async move {
    let s = &db.store;
    let k = kind("work.recur");
    let key = "recur:task-template-7:2026-12-01";
    let first = s
        .enqueue(&[
            NewJob::new(k.clone(), json!({"try": 1})).dedupe(key),
            NewJob::new(k.clone(), json!({"try": 2})).dedupe(key),
            NewJob::new(k.clone(), json!({"no": "key"})),
            NewJob::new(k.clone(), json!({"no": "key"})),
        ])
        .await
        .expect("enqueue");
    assert!(first[0].is_some());
    assert_eq!(first[1], None, "[{}] the same key within one call", db.name);
    assert!(
        first[2].is_some() && first[3].is_some(),
        "no key, no dedupe"
    );
    // Another instance schedules the same occurrence: skipped, also once it has run.
    let again = s
        .enqueue(&[NewJob::new(k.clone(), json!({"try": 3})).dedupe(key)])
        .await
        .expect("enqueue again");
    assert_eq!(again, vec![None]);
    let w = worker("w");
    let now = Timestamp::now();
    for j in s
        .claim(&w, now, now.plus_secs(60), 10, &kinds(&["work.recur"]))
        .await
        .expect("claim")
    {
        assert!(s.complete(j.id, &w).await.expect("complete"));
    }
    let after_done = s
        .enqueue(&[NewJob::new(k, json!({"try": 4})).dedupe(key)])
        .await
        .expect("enqueue after done");
    assert_eq!(after_done, vec![None]);
    assert_eq!(db.count("jobs").await, 3);
    let kept = job(s, first[0].expect("id")).await;
    assert_eq!(kept.payload, json!({"try": 1}), "the first one is kept");
    assert_eq!(kept.dedupe_key.as_deref(), Some(key));

    // Invalid input is refused before anything is written.
    let bad = s
        .enqueue(&[
            NewJob::new(kind("x"), json!({})),
            NewJob::new(kind("x"), json!({})).dedupe(""),
        ])
        .await;
    assert!(bad.is_err());
    assert_eq!(db.count("jobs").await, 3);
});

store_test!(failures_back_off_then_die, |db| async move {
    let s = &db.store;
    let id = enqueue_one(
        s,
        NewJob::new(kind("mail.send"), json!({"to": "a@example.com"}))
            .at(at(0))
            .attempts(3),
    )
    .await;
    let w = worker("w");
    let ks = kinds(&["mail.send"]);
    let policy = RetryPolicy {
        base: Duration::from_secs(10),
        max: Duration::from_secs(3600),
    };
    let mut now = T0;
    let mut delays = Vec::new();
    for attempt in 1..=3 {
        let claimed = s
            .claim(&w, now, now.plus_secs(60), 5, &ks)
            .await
            .expect("claim");
        assert_eq!(claimed.len(), 1, "[{}] attempt {attempt}", db.name);
        let j = &claimed[0];
        assert_eq!(j.attempts, attempt);
        let err = JobError::retry(format!("smtp down ({attempt})"));
        let retry_at = policy.next_run(j, &err, now);
        assert!(s
            .fail(j.id, &w, &err.message, retry_at)
            .await
            .expect("fail"));
        let stored = job(s, id).await;
        assert_eq!(
            stored.last_error.as_deref(),
            Some(err.message.as_str()),
            "[{}]",
            db.name
        );
        match retry_at {
            Some(r) => {
                assert_eq!(stored.status, JobStatus::Queued);
                assert_eq!(stored.run_at, r);
                assert_eq!(stored.locked_by, None);
                // Not due before its time.
                assert!(s
                    .claim(&w, Timestamp(r.0 - 1), r, 5, &ks)
                    .await
                    .expect("claim early")
                    .is_empty());
                delays.push((r.0 - now.0) / SEC);
                now = r;
            }
            None => {
                assert_eq!(attempt, 3, "dies after max_attempts");
                assert_eq!(stored.status, JobStatus::Dead);
                assert!(stored.finished_at.is_some());
            }
        }
    }
    // 10 s then 20 s, each with at most an eighth of jitter.
    assert_eq!(delays.len(), 2);
    assert!((10..=12).contains(&delays[0]), "{delays:?}");
    assert!((20..=23).contains(&delays[1]), "{delays:?}");
    assert!(s
        .claim(&w, at(100_000), at(100_060), 5, &ks)
        .await
        .expect("claim")
        .is_empty());
    assert_eq!(s.job_stats(None, now).await.expect("stats").dead, 1);

    // A permanent error dies at once.
    let id2 = enqueue_one(s, NewJob::new(kind("mail.send"), json!({})).at(at(0))).await;
    let j = s
        .claim(&w, at(200_000), at(200_060), 5, &ks)
        .await
        .expect("claim")
        .pop()
        .expect("claimed");
    assert_eq!(j.id, id2);
    let err = JobError::permanent("no such address");
    assert_eq!(policy.next_run(&j, &err, at(200_000)), None);
    assert!(s.fail(j.id, &w, &err.message, None).await.expect("fail"));
    assert_eq!(job(s, id2).await.status, JobStatus::Dead);
});

store_test!(a_dead_job_can_be_retried_by_its_company, |db| async move {
    let s = &db.store;
    let w = common::world(s).await;
    let wid = worker("w");
    let id = enqueue_one(
        s,
        NewJob::new(kind("t"), json!({}))
            .at(at(0))
            .attempts(1)
            .for_company(w.a),
    )
    .await;
    let j = s
        .claim(&wid, at(1), at(61), 1, &kinds(&["t"]))
        .await
        .expect("claim");
    assert_eq!(j.len(), 1);
    assert!(s.fail(id, &wid, "boom", None).await.expect("fail"));
    // Company B neither sees nor retries it.
    let q = JobQuery::default();
    assert_eq!(
        steward_core::jobs::list_jobs(s, &w.actor_b, &q)
            .await
            .expect("list")
            .total,
        0
    );
    assert!(steward_core::jobs::retry_dead(s, &w.actor_b, id)
        .await
        .is_err());
    assert_eq!(
        steward_core::jobs::list_jobs(s, &w.actor_a, &q)
            .await
            .expect("list")
            .total,
        1
    );
    let events = db.count("audit_events").await;
    steward_core::jobs::retry_dead(s, &w.actor_a, id)
        .await
        .expect("retry");
    assert_eq!(db.count("audit_events").await, events + 1, "audited");
    let j = job(s, id).await;
    assert_eq!((j.status, j.attempts), (JobStatus::Queued, 0));
    assert_eq!(
        steward_core::jobs::job_stats(s, &w.actor_a)
            .await
            .expect("stats")
            .queued,
        1
    );
    // Only dead jobs are retried.
    assert!(!s
        .retry_dead(
            None,
            id,
            at(0),
            AuditDraft::system("test", None, "job", None, "retry", json!({}))
        )
        .await
        .expect("retry"));
});

store_test!(an_expired_lease_is_taken_back, |db| async move {
    let s = &db.store;
    let id = enqueue_one(s, NewJob::new(kind("t"), json!({})).at(at(0)).attempts(2)).await;
    let (a, b) = (worker("a"), worker("b"));
    let ks = kinds(&["t"]);
    assert_eq!(
        s.claim(&a, at(0), at(10), 5, &ks)
            .await
            .expect("claim")
            .len(),
        1
    );
    // Renewing extends the lease; a stranger cannot renew it.
    assert_eq!(s.renew(&b, &[id], at(20)).await.expect("renew"), 0);
    assert_eq!(s.renew(&a, &[id], at(20)).await.expect("renew"), 1);
    assert!(s
        .claim(&b, at(15), at(25), 5, &ks)
        .await
        .expect("claim")
        .is_empty());
    // Worker a is gone: after its lease the job is b's, on its second attempt.
    let taken = s.claim(&b, at(21), at(31), 5, &ks).await.expect("claim");
    assert_eq!(taken.len(), 1, "[{}]", db.name);
    assert_eq!(taken[0].attempts, 2);
    assert_eq!(taken[0].locked_by.as_deref(), Some("b"));
    // a comes back: it can neither complete nor fail what b holds.
    assert!(!s.complete(id, &a).await.expect("complete"));
    assert!(!s.fail(id, &a, "late", None).await.expect("fail"));
    assert!(!s.release(id, &a).await.expect("release"));
    // b is lost too, and the job has used its attempts: it is buried, not looped.
    assert_eq!(s.reclaim_expired(at(40)).await.expect("reclaim"), 1);
    let j = job(s, id).await;
    assert_eq!(j.status, JobStatus::Dead, "[{}]", db.name);
    assert!(j.last_error.unwrap_or_default().contains("lease"));
    assert!(!s.complete(id, &b).await.expect("complete"));

    // Released jobs go back unrun, their attempt not counted.
    let id2 = enqueue_one(s, NewJob::new(kind("t"), json!({})).at(at(0))).await;
    s.claim(&a, at(50), at(60), 5, &ks).await.expect("claim");
    assert!(s.release(id2, &a).await.expect("release"));
    let j = job(s, id2).await;
    assert_eq!((j.status, j.attempts), (JobStatus::Queued, 0));
});

// ---- workers ----

type Runs = Arc<Mutex<HashMap<i64, u32>>>;

fn test_config(name: &str) -> WorkerConfig {
    WorkerConfig {
        id: WorkerId::generate(name),
        concurrency: 4,
        poll_interval: Duration::from_millis(20),
        lease: Duration::from_secs(30),
        job_timeout: Duration::from_secs(30),
        retry: RetryPolicy {
            base: Duration::from_millis(1),
            max: Duration::from_millis(5),
        },
        shutdown_grace: Duration::from_secs(10),
    }
}

/// A handler of kind `count` that counts its runs per job id.
fn counting_registry(runs: &Runs) -> Handlers {
    let mut r = Handlers::new();
    let runs = runs.clone();
    r.register(&kind("count"), move |job: Job| {
        let runs = runs.clone();
        async move {
            // Give the other worker a chance to claim in between.
            tokio::task::yield_now().await;
            if let Ok(mut m) = runs.lock() {
                *m.entry(job.id.0).or_insert(0) += 1;
            }
            Ok(())
        }
    });
    r
}

struct Running {
    stop: oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<WorkerReport>,
}

fn start(store: Store, registry: Handlers, config: WorkerConfig) -> Running {
    let (stop, rx) = oneshot::channel::<()>();
    let worker = Worker::new(store, registry, config);
    let handle = tokio::spawn(worker.run(async move {
        let _ = rx.await;
    }));
    Running { stop, handle }
}

impl Running {
    async fn stop(self) -> WorkerReport {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(60), self.handle)
            .await
            .expect("the worker stops")
            .expect("the worker task did not panic")
    }
}

/// Waits (at most a minute: a hang guard, not a timing) until `done` jobs are done.
async fn wait_done(s: &Store, done: u64, dead: u64) {
    for _ in 0..3000 {
        let st = s.job_stats(None, Timestamp::now()).await.expect("stats");
        if st.done >= done && st.dead >= dead {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let st = s.job_stats(None, Timestamp::now()).await.expect("stats");
    panic!("jobs did not finish: {st:?}");
}

const JOBS: usize = 500;

async fn enqueue_counted(s: &Store) -> Vec<JobId> {
    let jobs: Vec<NewJob> = (0..JOBS)
        .map(|i| NewJob::new(kind("count"), json!({ "i": i })))
        .collect();
    s.enqueue(&jobs)
        .await
        .expect("enqueue")
        .into_iter()
        .map(|id| id.expect("no dedupe key, always inserted"))
        .collect()
}

fn assert_each_ran_once(name: &str, ids: &[JobId], runs: &Runs) {
    let m = runs.lock().expect("runs");
    assert_eq!(m.len(), ids.len(), "[{name}] every job ran");
    for id in ids {
        assert_eq!(m.get(&id.0), Some(&1), "[{name}] job {id} ran exactly once");
    }
}

store_test!(
    two_workers_on_one_store_run_each_job_once,
    |db| async move {
        let ids = enqueue_counted(&db.store).await;
        let runs: Runs = Arc::default();
        let one = start(
            db.store.clone(),
            counting_registry(&runs),
            test_config("one"),
        );
        let two = start(
            db.store.clone(),
            counting_registry(&runs),
            test_config("two"),
        );
        wait_done(&db.store, JOBS as u64, 0).await;
        let (r1, r2) = (one.stop().await, two.stop().await);
        assert_eq!(
            r1.succeeded + r2.succeeded,
            JOBS as u64,
            "[{}] {r1:?} {r2:?}",
            db.name
        );
        assert_each_ran_once(db.name, &ids, &runs);
        let st = db
            .store
            .job_stats(None, Timestamp::now())
            .await
            .expect("stats");
        assert_eq!((st.done, st.queued, st.running), (JOBS as u64, 0, 0));
    }
);

pg_test!(two_instances_run_each_job_once, |db| async move {
    let ids = enqueue_counted(&db.store).await;
    let runs: Runs = Arc::default();
    // Two Stores (pools) on one schema: two server instances.
    let other = db.another_store().await;
    let one = start(
        db.store.clone(),
        counting_registry(&runs),
        test_config("one"),
    );
    let two = start(other.clone(), counting_registry(&runs), test_config("two"));
    wait_done(&db.store, JOBS as u64, 0).await;
    let (r1, r2) = (one.stop().await, two.stop().await);
    assert_eq!(r1.succeeded + r2.succeeded, JOBS as u64, "{r1:?} {r2:?}");
    assert!(
        r1.succeeded > 0 && r2.succeeded > 0,
        "both instances took jobs: {r1:?} {r2:?}"
    );
    assert_each_ran_once(db.name, &ids, &runs);
    // The jobs' rows agree: each ran in one attempt, by one of the two workers.
    let raw = db.raw().await;
    let row = sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE status = 'done' AND attempts = 1")
        .fetch_one(&raw)
        .await
        .expect("count");
    assert_eq!(row.try_get::<i64, _>("n").expect("n"), JOBS as i64);
    raw.close().await;
    other.close().await;
});

store_test!(a_panicking_handler_fails_its_job, |db| async move {
    let s = &db.store;
    let mut r = Handlers::new();
    r.register(&kind("boom"), |job: Job| async move {
        if job.payload["panic"] == json!(true) {
            panic!("kaboom {}", job.id);
        }
        Err(JobError::permanent("refused"))
    });
    let runs: Runs = Arc::default();
    let runs2 = runs.clone();
    r.register(&kind("count"), move |job: Job| {
        let runs = runs2.clone();
        async move {
            if let Ok(mut m) = runs.lock() {
                *m.entry(job.id.0).or_insert(0) += 1;
            }
            Ok(())
        }
    });
    let panics = enqueue_one(
        s,
        NewJob::new(kind("boom"), json!({"panic": true})).attempts(2),
    )
    .await;
    let refused = enqueue_one(s, NewJob::new(kind("boom"), json!({}))).await;
    let w = start(s.clone(), r, test_config("p"));
    wait_done(s, 0, 2).await;
    // The worker is still alive and runs what comes next.
    let after = enqueue_one(s, NewJob::new(kind("count"), json!({}))).await;
    wait_done(s, 1, 2).await;
    let report = w.stop().await;
    assert_eq!(report.panicked, 2, "[{}] {report:?}", db.name);
    assert_eq!(report.failed, 3);
    assert_eq!(report.succeeded, 1);
    let j = job(s, panics).await;
    assert_eq!((j.status, j.attempts), (JobStatus::Dead, 2));
    let err = j.last_error.unwrap_or_default();
    assert!(err.contains("panicked") && err.contains("kaboom"), "{err}");
    let j = job(s, refused).await;
    assert_eq!(
        (j.status, j.attempts),
        (JobStatus::Dead, 1),
        "permanent: no retry"
    );
    assert_eq!(j.last_error.as_deref(), Some("refused"));
    assert_eq!(runs.lock().expect("runs").get(&after.0), Some(&1));
});

store_test!(
    unknown_kinds_wait_for_a_worker_that_knows_them,
    |db| async move {
        let s = &db.store;
        let runs: Runs = Arc::default();
        let stranger = enqueue_one(s, NewJob::new(kind("from.the.future"), json!({}))).await;
        let known = enqueue_one(s, NewJob::new(kind("count"), json!({}))).await;
        let w = start(s.clone(), counting_registry(&runs), test_config("k"));
        wait_done(s, 1, 0).await;
        w.stop().await;
        assert_eq!(job(s, known).await.status, JobStatus::Done);
        let j = job(s, stranger).await;
        assert_eq!(
            (j.status, j.attempts),
            (JobStatus::Queued, 0),
            "[{}]",
            db.name
        );
    }
);

store_test!(shutdown_lets_running_jobs_finish, |db| async move {
    let s = &db.store;
    let (started_tx, started_rx) = tokio::sync::mpsc::unbounded_channel::<i64>();
    let started_rx = Arc::new(tokio::sync::Mutex::new(started_rx));
    let mut r = Handlers::new();
    r.register(&kind("slow"), move |job: Job| {
        let tx = started_tx.clone();
        async move {
            let _ = tx.send(job.id.0);
            tokio::time::sleep(Duration::from_millis(200)).await;
            Ok(())
        }
    });
    let id = enqueue_one(s, NewJob::new(kind("slow"), json!({}))).await;
    let w = start(s.clone(), r.clone(), test_config("s"));
    let got = tokio::time::timeout(Duration::from_secs(60), started_rx.lock().await.recv())
        .await
        .expect("the job starts");
    assert_eq!(got, Some(id.0));
    let report = w.stop().await;
    assert_eq!(report.succeeded, 1, "[{}] {report:?}", db.name);
    assert_eq!(job(s, id).await.status, JobStatus::Done);

    // With no grace, a job still running is stopped and given back unrun.
    let id2 = enqueue_one(s, NewJob::new(kind("slow"), json!({}))).await;
    let cfg = WorkerConfig {
        shutdown_grace: Duration::ZERO,
        ..test_config("s2")
    };
    let w = start(s.clone(), r, cfg);
    let got = tokio::time::timeout(Duration::from_secs(60), started_rx.lock().await.recv())
        .await
        .expect("the job starts");
    assert_eq!(got, Some(id2.0));
    let report = w.stop().await;
    assert_eq!(report.released, 1, "[{}] {report:?}", db.name);
    let j = job(s, id2).await;
    assert_eq!((j.status, j.attempts), (JobStatus::Queued, 0));
});
