//! Licence expiry reminders: a daily job (`it.licence_expiry`, 06:10 UTC, once a day by its
//! dedupe key) tells the company's IT leads (who may change licences) about each licence
//! expiring within 30 days, once per expiry date: renewing it (a new date) arms the reminder
//! again. The chain re-seeds itself, and every worker seeds it at start (`it::register`).
use chrono::NaiveDate;

use super::licences::{ExpiringLicence, LicenceStore, EXPIRING_DAYS};
use crate::jobs::{Handlers, Job, JobError, JobKind, JobStore, NewJob};
use crate::work::notify::{self, NewNotification, NotifyStore};
use crate::Result;

pub const EXPIRY_JOB: &str = "it.licence_expiry";

pub fn expiry_job(day: NaiveDate) -> Result<NewJob> {
    crate::jobs::daily_job(EXPIRY_JOB, expiry_time(), day)
}

fn expiry_time() -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(6, 10, 0).unwrap_or_default()
}

/// What a lead is told about one licence.
pub fn notification(l: &ExpiringLicence, user: crate::ids::UserId) -> NewNotification {
    NewNotification {
        company: l.company,
        user,
        kind: "it.licence_expiry".into(),
        title: format!("{} expires on {}", l.product, l.expires_on)
            .chars()
            .take(200)
            .collect(),
        body: format!(
            "The licence for {} expires on {}. Renew it, or plan for the seats it frees.",
            l.product, l.expires_on
        ),
        link: Some(format!("/it/licences/{}", l.id.0)),
    }
}

/// Tells the leads of every licence expiring from `today` to 30 days on and not yet told;
/// how many licences.
pub async fn run<S: LicenceStore + NotifyStore + JobStore>(
    store: &S,
    today: NaiveDate,
) -> Result<usize> {
    let items = store
        .licences_to_remind(today, today + chrono::Duration::days(EXPIRING_DAYS))
        .await?;
    let mut notes = Vec::new();
    let mut leads: Vec<(crate::ids::CompanyId, Vec<crate::ids::UserId>)> = Vec::new();
    for l in &items {
        if !leads.iter().any(|(c, _)| *c == l.company) {
            leads.push((l.company, store.licence_leads(l.company).await?));
        }
        if let Some((_, users)) = leads.iter().find(|(c, _)| *c == l.company) {
            notes.extend(users.iter().map(|u| notification(l, *u)));
        }
    }
    // Told first, marked after: a crash between the two repeats a reminder rather than
    // losing one.
    notify::notify(store, notes).await?;
    store.mark_licences_reminded(&items).await?;
    Ok(items.len())
}

pub fn register_jobs<S>(registry: &mut Handlers, store: S)
where
    S: LicenceStore + NotifyStore + JobStore + Clone + 'static,
{
    let Ok(kind) = JobKind::new(EXPIRY_JOB) else {
        return;
    };
    registry.register(&kind, move |_job: Job| {
        let store = store.clone();
        async move {
            let day = chrono::Utc::now().date_naive();
            let n = run(&store, day)
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            tracing::info!(licences = n, "licence expiry reminders");
            store
                .enqueue(&[expiry_job(day + chrono::Duration::days(1))
                    .map_err(|e| JobError::permanent(e.to_string()))?])
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            Ok(())
        }
    });
}

/// Makes sure a run is queued (today's if not past, else tomorrow's).
pub async fn schedule(store: &impl JobStore) -> Result<()> {
    crate::jobs::schedule_daily(store, EXPIRY_JOB, expiry_time()).await
}
