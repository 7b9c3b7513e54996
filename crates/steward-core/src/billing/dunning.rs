//! Reminders of overdue invoices (dunning). A company sets up to three levels (e.g. 7, 21
//! and 45 days past due), each with its own subject and text (`mail::MailSettings`). The
//! daily job `billing.dunning` (and "send now" on the dunning page) finds, per company, the
//! posted invoices past due that still owe something whose highest level reached is above
//! the highest level sent for them, and sends each customer one reminder listing those
//! invoices with each one's PDF attached. Every (invoice, level) pair is written once ever
//! (a unique index, in the transaction that queues the mail), so a level never goes twice,
//! however many workers run the job or however often someone presses "send now". A customer
//! can be excluded; one without an e-mail address is listed in the preview and skipped.
use chrono::NaiveDate;
use serde::Serialize;

use super::mail::{self, addresses, fill, DunningLevel, MailSettings, NewSend, SendKind};
use super::BillingBackend;
use crate::auth::{Action, Actor, Domain};
use crate::ids::{InvoiceId, PartyId};
use crate::input::Email;
use crate::jobs::{Handlers, Job, JobError, JobKind, JobStore, NewJob};
use crate::money::format_in as money;
use crate::work::mail::{new_message_id, subject_line, Attachment};
use crate::Result;

/// The daily job that sends reminders in every company that switched them on.
pub const DUNNING_JOB: &str = "billing.dunning";
/// The hour (UTC) of the daily run.
pub const DUNNING_HOUR_UTC: u32 = 7;
/// At most this many invoices' PDFs attached to one reminder (the list names them all).
pub const MAX_ATTACHED: usize = 20;

/// One overdue invoice in a reminder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueLine {
    pub id: InvoiceId,
    pub number: String,
    pub due_date: NaiveDate,
    pub days_overdue: i64,
    pub currency: String,
    pub total: i64,
    pub open: i64,
    /// The level this reminder sends for it.
    pub level: i64,
    pub last_level: i64,
}

/// One reminder the next run would send (or skip, saying why).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    pub party_id: PartyId,
    pub party_name: String,
    pub to: Vec<String>,
    /// The highest level among its invoices: its subject and text.
    pub level: i64,
    pub lines: Vec<DueLine>,
    /// Why it is not sent (no address, excluded); `None` when it is.
    pub skipped: Option<String>,
}

impl Reminder {
    /// What is owed, per currency: `1,200.00 EUR, 30.00 USD`.
    pub fn open_text(&self) -> String {
        let mut sums: Vec<(String, i64)> = Vec::new();
        for l in &self.lines {
            match sums.iter_mut().find(|(c, _)| *c == l.currency) {
                Some(s) => s.1 += l.open,
                None => sums.push((l.currency.clone(), l.open)),
            }
        }
        sums.iter()
            .map(|(c, v)| format!("{} {c}", money(*v, c)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The level an invoice `days` past due has reached: the highest enabled level whose days
/// it has passed (0 for none).
pub fn reached(levels: &[DunningLevel], days: i64) -> i64 {
    levels
        .iter()
        .filter(|l| l.enabled && days >= l.days)
        .map(|l| l.level)
        .max()
        .unwrap_or(0)
}

/// What a run on `today` would send: one reminder per customer with an invoice whose
/// reached level is above the level last sent for it.
pub async fn preview<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Vec<Reminder>> {
    super::gate(actor, Domain::Receivables, Action::Read)?;
    let settings = store.mail_settings(actor.company_id).await?;
    plan(store, actor, &settings, today).await
}

async fn plan<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    settings: &MailSettings,
    today: NaiveDate,
) -> Result<Vec<Reminder>> {
    let docs = store.overdue_documents(actor.company_id, today).await?;
    let excluded = store.dunning_excluded(actor.company_id).await?;
    let mut out: Vec<Reminder> = Vec::new();
    for d in docs {
        let days = (today - d.due_date).num_days();
        let level = reached(&settings.levels, days);
        if level <= d.last_level {
            continue;
        }
        let line = DueLine {
            id: d.id,
            number: d.number.clone(),
            due_date: d.due_date,
            days_overdue: days,
            currency: d.currency.clone(),
            total: d.total,
            open: d.open,
            level,
            last_level: d.last_level,
        };
        match out.iter_mut().find(|r| r.party_id == d.party_id) {
            Some(r) => {
                r.level = r.level.max(level);
                r.lines.push(line);
            }
            None => {
                let to: Vec<String> = addresses(&d.party_email)
                    .into_iter()
                    .filter(|a| Email::is_valid(a))
                    .collect();
                let skipped = if excluded.contains(&d.party_id) {
                    Some("excluded from reminders".to_string())
                } else if to.is_empty() {
                    Some("the customer has no e-mail address".to_string())
                } else {
                    None
                };
                out.push(Reminder {
                    party_id: d.party_id,
                    party_name: d.party_name.clone(),
                    to,
                    level,
                    lines: vec![line],
                    skipped,
                });
            }
        }
    }
    Ok(out)
}

/// The text of one reminder.
pub fn compose(company: &str, settings: &MailSettings, r: &Reminder) -> (String, String) {
    let level = settings
        .levels
        .iter()
        .find(|l| l.level == r.level)
        .cloned()
        .unwrap_or_else(|| mail::default_levels().remove(0));
    let list = r
        .lines
        .iter()
        .map(|l| {
            format!(
                "- {}, due {} ({} days overdue): {} {} open",
                l.number,
                l.due_date,
                l.days_overdue,
                money(l.open, &l.currency),
                l.currency
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let values = vec![
        ("customer", r.party_name.clone()),
        ("company", company.to_string()),
        ("invoices", list),
        ("open", r.open_text()),
        ("level", r.level.to_string()),
    ];
    (
        subject_line(&fill(&level.subject, &values)),
        fill(&level.body, &values),
    )
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunReport {
    pub sent: usize,
    pub skipped: usize,
    /// Reminders another run sent first (nothing written).
    pub already: usize,
}

/// Sends the reminders due on `today` in the actor's company ("send now", and the job for
/// each company). Reminders are off unless the settings switch them on.
pub async fn run<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    today: NaiveDate,
) -> Result<RunReport> {
    super::gate(actor, Domain::Receivables, Action::Create)?;
    let settings = store.mail_settings(actor.company_id).await?;
    let mut report = RunReport::default();
    if !settings.dunning_enabled {
        return Ok(report);
    }
    for r in plan(store, actor, &settings, today).await? {
        if r.skipped.is_some() {
            report.skipped += 1;
            continue;
        }
        let (subject, body) = compose(&actor.company_name, &settings, &r);
        let mut files = Vec::new();
        for l in r.lines.iter().take(MAX_ATTACHED) {
            let inv = super::invoices::get(store, actor, l.id).await?;
            files.push(Attachment {
                filename: super::pdf::file_name(&inv),
                content_type: "application/pdf".into(),
                bytes: super::pdf::render_invoice(store, actor, &inv).await?,
            });
        }
        let send = NewSend {
            kind: SendKind::Reminder,
            party_id: r.party_id,
            documents: r.lines.iter().map(|l| (l.id, l.level)).collect(),
            recipients: r.to.clone(),
            subject,
            message_id: new_message_id(),
            level: r.level,
            sent_by: actor.author(),
            sent_by_name: actor.display_name.clone(),
            client_key: None,
        };
        match mail::write_send(store, actor, &send, &body, files).await? {
            Some(_) => report.sent += 1,
            None => report.already += 1,
        }
    }
    Ok(report)
}

/// The actor a scheduled job of billing acts as in `company`: the admin's grants, recorded
/// in the audit trail under the job's name.
pub fn job_actor(company: crate::ids::CompanyId, name: &str, job: &str) -> Actor {
    let mut a = Actor::system(company, name);
    a.username = format!("job:{job}");
    a.display_name = "Scheduled job".into();
    a
}

/// The run for `day` (once: the dedupe key is the day).
pub fn dunning_job(day: NaiveDate) -> Result<NewJob> {
    crate::jobs::daily_job(DUNNING_JOB, dunning_time(), day)
}

/// When the daily reminders run (UTC).
fn dunning_time() -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(DUNNING_HOUR_UTC, 0, 0).unwrap_or_default()
}

/// Sends the reminders of every company that switched them on.
pub async fn run_all<S: BillingBackend>(store: &S, today: NaiveDate) -> Result<RunReport> {
    let mut all = RunReport::default();
    for (company, name) in store.dunning_companies().await? {
        let actor = job_actor(company, &name, DUNNING_JOB);
        match run(store, &actor, today).await {
            Ok(r) => {
                all.sent += r.sent;
                all.skipped += r.skipped;
                all.already += r.already;
            }
            // One company's trouble (a document that no longer renders) stops no other.
            Err(e) => tracing::warn!(company = company.0, error = %e, "reminders failed"),
        }
    }
    Ok(all)
}

pub fn register_jobs<S>(registry: &mut Handlers, store: S)
where
    S: BillingBackend + JobStore + Clone + 'static,
{
    let Ok(kind) = JobKind::new(DUNNING_JOB) else {
        return;
    };
    registry.register(&kind, move |_job: Job| {
        let store = store.clone();
        async move {
            let day = chrono::Utc::now().date_naive();
            let r = run_all(&store, day)
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            tracing::info!(sent = r.sent, skipped = r.skipped, "payment reminders");
            store
                .enqueue(&[dunning_job(day + chrono::Duration::days(1))
                    .map_err(|e| JobError::permanent(e.to_string()))?])
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            Ok(())
        }
    });
}

/// Makes sure today's (or, past the hour, tomorrow's) run is queued; each run queues the next.
pub async fn schedule(store: &impl JobStore) -> Result<()> {
    crate::jobs::schedule_daily(store, DUNNING_JOB, dunning_time()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_enabled_level_passed_is_reached() {
        let mut levels = mail::default_levels();
        assert_eq!(reached(&levels, 3), 0);
        assert_eq!(reached(&levels, 7), 1);
        assert_eq!(reached(&levels, 30), 2);
        assert_eq!(reached(&levels, 400), 3);
        levels[1].enabled = false;
        assert_eq!(reached(&levels, 30), 1);
    }

    #[test]
    fn a_reminder_lists_its_invoices_and_sums_per_currency() {
        let line = |n: &str, open: i64, c: &str| DueLine {
            id: InvoiceId(1),
            number: n.into(),
            due_date: NaiveDate::from_ymd_opt(2026, 1, 1).expect("day"),
            days_overdue: 10,
            currency: c.into(),
            total: open,
            open,
            level: 1,
            last_level: 0,
        };
        let r = Reminder {
            party_id: PartyId(1),
            party_name: "Globex".into(),
            to: vec!["ap@globex.example".into()],
            level: 1,
            lines: vec![line("INV-1", 10_000, "EUR"), line("INV-2", 2_550, "EUR")],
            skipped: None,
        };
        let (subject, body) = compose("Acme", &MailSettings::default(), &r);
        assert_eq!(subject, "Reminder: invoices overdue from Acme");
        assert!(body.contains("- INV-1, due 2026-01-01 (10 days overdue): 100.00 EUR open"));
        assert!(body.contains("In all 125.50 EUR."), "{body}");
    }
}
