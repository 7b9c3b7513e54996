//! The daily `it.depreciation` job (02:00 UTC, once a day by its dedupe key): every company
//! with booked assets gets a depreciation run through the month before today
//! ([`super::books::run`]; a run with nothing due writes nothing). The chain re-seeds
//! itself, and every worker seeds it at start (`it::register`).
use chrono::{Datelike, NaiveDate};

use super::books::{run, AssetBookStore, RUN_JOB};
use crate::auth::Actor;
use crate::jobs::{Handlers, Job, JobError, JobKind, JobStore, NewJob};
use crate::ledger::LedgerStore;
use crate::Result;

const RUN_HOUR_UTC: u32 = 2;

fn run_time() -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(RUN_HOUR_UTC, 0, 0).unwrap_or_default()
}

/// The run for `day` (once: the dedupe key is the day).
pub fn run_job(day: NaiveDate) -> Result<NewJob> {
    crate::jobs::daily_job(RUN_JOB, run_time(), day)
}

/// Posts every company's depreciation through the month before `today`; how many runs
/// posted. A company whose run fails (a closed month, an account gone) is logged and the
/// others go on.
pub async fn run_all<S: AssetBookStore + LedgerStore>(
    store: &S,
    today: NaiveDate,
) -> Result<usize> {
    let Some(through) = today.with_day(1).and_then(|d| d.pred_opt()) else {
        return Ok(0);
    };
    let mut n = 0;
    for (company, name, currency) in store.companies_with_booked_assets().await? {
        let mut actor = Actor::system(company, &name).with_currency(&currency);
        actor.username = format!("job:{RUN_JOB}");
        actor.display_name = "Scheduled job".into();
        match run(store, &actor, through).await {
            Ok(Some(_)) => n += 1,
            Ok(None) => {}
            Err(e) => tracing::warn!(company = company.0, error = %e, "depreciation run failed"),
        }
    }
    Ok(n)
}

pub fn register_jobs<S>(registry: &mut Handlers, store: S)
where
    S: AssetBookStore + LedgerStore + JobStore + Clone + 'static,
{
    let Ok(kind) = JobKind::new(RUN_JOB) else {
        return;
    };
    registry.register(&kind, move |_job: Job| {
        let store = store.clone();
        async move {
            let day = chrono::Utc::now().date_naive();
            let n = run_all(&store, day)
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            tracing::info!(runs = n, "IT depreciation");
            store
                .enqueue(&[run_job(day + chrono::Duration::days(1))
                    .map_err(|e| JobError::permanent(e.to_string()))?])
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            Ok(())
        }
    });
}

/// Makes sure a run is queued (today's if not past, else tomorrow's).
pub async fn schedule(store: &impl JobStore) -> Result<()> {
    crate::jobs::schedule_daily(store, RUN_JOB, run_time()).await
}
