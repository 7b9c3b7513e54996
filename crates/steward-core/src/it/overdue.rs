//! Overdue returns: a daily job (`it.overdue_returns`, 06:00 UTC, once a day by its dedupe
//! key) tells each holder of an asset whose expected return date has passed, in the app
//! and as they prefer (Work's notifications), with a link to the asset. The chain re-seeds
//! itself, and every worker seeds it at start (`it::register`).
use chrono::NaiveDate;

use super::assets::{AssetStore, OverdueLoan};
use crate::jobs::{Handlers, Job, JobError, JobKind, JobStore, NewJob};
use crate::work::notify::{self, NewNotification, NotifyStore};
use crate::Result;

pub const OVERDUE_JOB: &str = "it.overdue_returns";
const HOUR_UTC: u32 = 6;

/// The run for `day` (once: the dedupe key is the day).
pub fn overdue_job(day: NaiveDate) -> Result<NewJob> {
    crate::jobs::daily_job(OVERDUE_JOB, overdue_time(), day)
}

/// When the daily run tells the holders (UTC).
fn overdue_time() -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(HOUR_UTC, 0, 0).unwrap_or_default()
}

/// What a holder is told about one overdue asset.
pub fn notification(loan: &OverdueLoan) -> Option<NewNotification> {
    let user = loan.holder_user?;
    Some(NewNotification {
        company: loan.company,
        user,
        kind: "it.return_overdue".into(),
        title: format!("Please return {} (due {})", loan.tag, loan.expected_return),
        body: format!(
            "{} was lent to you until {}. Please bring it back to IT, or ask IT for a new date.",
            loan.what, loan.expected_return
        ),
        link: Some(format!("/it/assets/{}", loan.asset.0)),
    })
}

/// Tells every holder of an asset overdue on `today`; how many were told.
pub async fn run<S: AssetStore + NotifyStore + JobStore>(
    store: &S,
    today: NaiveDate,
) -> Result<usize> {
    let items: Vec<NewNotification> = store
        .overdue_loans(today)
        .await?
        .iter()
        .filter_map(notification)
        .collect();
    let n = items.len();
    notify::notify(store, items).await?;
    Ok(n)
}

pub fn register_jobs<S>(registry: &mut Handlers, store: S)
where
    S: AssetStore + NotifyStore + JobStore + Clone + 'static,
{
    let Ok(kind) = JobKind::new(OVERDUE_JOB) else {
        return;
    };
    registry.register(&kind, move |_job: Job| {
        let store = store.clone();
        async move {
            let day = chrono::Utc::now().date_naive();
            let n = run(&store, day)
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            tracing::info!(told = n, "overdue asset returns");
            store
                .enqueue(&[overdue_job(day + chrono::Duration::days(1))
                    .map_err(|e| JobError::permanent(e.to_string()))?])
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            Ok(())
        }
    });
}

/// Makes sure a run is queued (today's if not past, else tomorrow's).
pub async fn schedule(store: &impl JobStore) -> Result<()> {
    crate::jobs::schedule_daily(store, OVERDUE_JOB, overdue_time()).await
}
