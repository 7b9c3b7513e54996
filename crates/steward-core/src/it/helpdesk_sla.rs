//! The helpdesk's service-level job (`it.helpdesk_sla`), once a minute on the same chain
//! pattern as escalated cases (`jobs::schedule_next_minute`): measures every open ticket
//! on the company's business calendar, moves its due times and SLA state, records a
//! warning (at the targets' warn percent) and a breach once per ticket (a conditional
//! update in the store), and tells the assignee (warnings and breaches) and IT's leads
//! (breaches, and warnings of unassigned tickets) through Work's notifications, one
//! summary a person and kind when a run finds more than [`DIGEST_AFTER`].
use std::collections::{BTreeMap, HashMap};

use super::helpdesk::{calendar, HelpdeskSla, HelpdeskStore, Ticket, TicketId, TicketSlaUpdate};
use crate::auth::Action;
use crate::ids::{CompanyId, UserId};
use crate::jobs::{Handlers, JobKind, JobStore};
use crate::time::Timestamp;
use crate::work::cases::CaseStore;
use crate::work::notify::{self, NewNotification, NotifyStore};
use crate::work::sla::{self, Calendar};
use crate::Result;

pub const HELPDESK_SLA_JOB: &str = "it.helpdesk_sla";

/// A person told of more warnings (or breaches) than this in one run gets one summary.
pub const DIGEST_AFTER: usize = 5;

/// One person's warnings or breaches of one run: the tickets and their titles.
#[derive(Default)]
struct Heard {
    /// Told as one of IT's leads (the summary links to all tickets, not their queue).
    lead: bool,
    items: Vec<(TicketId, String)>,
}

impl Heard {
    fn notifications(self, company: CompanyId, user: UserId, breach: bool) -> Vec<NewNotification> {
        let (kind, body) = if breach {
            (
                "it.ticket_sla_breach",
                "The service level of this IT ticket was breached.",
            )
        } else {
            (
                "it.ticket_sla_warning",
                "This IT ticket will breach its service level soon.",
            )
        };
        if self.items.len() <= DIGEST_AFTER {
            return self
                .items
                .into_iter()
                .map(|(id, title)| NewNotification {
                    company,
                    user,
                    kind: kind.to_string(),
                    title,
                    body: body.to_string(),
                    link: Some(format!("/it/tickets/{id}")),
                })
                .collect();
        }
        let n = self.items.len();
        let view = if self.lead { "all" } else { "queue" };
        let (title, state) = if breach {
            (
                format!("{n} IT tickets breached their service level"),
                "breached",
            )
        } else {
            (
                format!("{n} IT tickets will breach their service level soon"),
                "warning",
            )
        };
        let first: Vec<String> = self
            .items
            .iter()
            .take(DIGEST_AFTER)
            .map(|(id, _)| format!("#{id}"))
            .collect();
        vec![NewNotification {
            company,
            user,
            kind: kind.to_string(),
            title,
            body: format!(
                "Among them {} and {} more.",
                first.join(", "),
                n - first.len()
            ),
            link: Some(format!("/it/tickets?view={view}&sla={state}")),
        }]
    }
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    pub evaluated: u64,
    pub updated: u64,
    pub warnings: u64,
    pub breaches: u64,
}

/// Queues the next run at the start of the next minute (once, whoever asks).
pub async fn ensure_scheduled(store: &impl JobStore) -> Result<()> {
    crate::jobs::schedule_next_minute(store, HELPDESK_SLA_JOB).await
}

/// What the job finds for one open ticket at `now`.
pub fn evaluate(
    t: &Ticket,
    s: &HelpdeskSla,
    cal: &Calendar,
    now: Timestamp,
) -> Option<TicketSlaUpdate> {
    let clock = t.clock();
    let target = s.target(t.priority);
    let (fr, res) = sla::due_times(&clock, target, cal);
    let (state, events) = sla::evaluate(&clock, target, s.warn_percent, cal, now);
    let due = match fr {
        Some(f) => Some(f.min(res)),
        None => Some(res),
    };
    let changed = state != t.sla_state
        || fr != t.first_response_due
        || Some(res) != t.resolution_due
        || !events.is_empty();
    changed.then_some(TicketSlaUpdate {
        id: t.id,
        company: t.company,
        sla_state: state,
        first_response_due: fr,
        resolution_due: Some(res),
        sla_due: due,
        events,
    })
}

/// Evaluates every open ticket of every company at `now`.
pub async fn run<S: HelpdeskStore + CaseStore + NotifyStore + JobStore>(
    store: &S,
    now: Timestamp,
) -> Result<RunReport> {
    let tickets = store.open_sla_tickets().await?;
    let mut per_company: HashMap<CompanyId, (HelpdeskSla, Calendar)> = HashMap::new();
    let mut updates = Vec::new();
    let mut report = RunReport {
        evaluated: tickets.len() as u64,
        ..Default::default()
    };
    for t in &tickets {
        if let std::collections::hash_map::Entry::Vacant(e) = per_company.entry(t.company) {
            let s = store.helpdesk_sla(t.company).await?;
            let cal = calendar(store, t.company).await?;
            e.insert((s, cal));
        }
        if let Some((s, cal)) = per_company.get(&t.company) {
            if let Some(u) = evaluate(t, s, cal, now) {
                updates.push(u);
            }
        }
    }
    if updates.is_empty() {
        return Ok(report);
    }
    report.updated = updates.len() as u64;
    let applied = store.apply_ticket_sla(&updates, now).await?;
    let by_id: HashMap<TicketId, &Ticket> = tickets.iter().map(|t| (t.id, t)).collect();
    let mut leads: HashMap<CompanyId, Vec<UserId>> = HashMap::new();
    // Who hears of what: the assignee of each warning and breach; IT's leads of every
    // breach and of the warnings nobody is assigned to. Each person's events of a kind in
    // one run, past DIGEST_AFTER, become one notification (a first run after an import
    // must not bury a lead under thousands).
    let mut heard: BTreeMap<(CompanyId, UserId, bool), Heard> = BTreeMap::new();
    for (u, events) in updates.iter().zip(applied) {
        let Some(t) = by_id.get(&u.id) else { continue };
        for ev in events {
            if let std::collections::hash_map::Entry::Vacant(e) = leads.entry(t.company) {
                let l = store.it_grant_holders(t.company, Action::Approve).await?;
                e.insert(l.into_iter().map(|(u, _)| u).collect());
            }
            let bosses = leads.get(&t.company).cloned().unwrap_or_default();
            let breach = ev.is_breach();
            if breach {
                report.breaches += 1;
            } else {
                report.warnings += 1;
            }
            let mut to: Vec<(UserId, bool)> = Vec::new();
            if let Some(a) = t.assignee {
                to.push((a, bosses.contains(&a)));
            }
            if breach || t.assignee.is_none() {
                to.extend(
                    bosses
                        .iter()
                        .filter(|b| Some(**b) != t.assignee)
                        .map(|b| (*b, true)),
                );
            }
            for (user, lead) in to {
                let h = heard.entry((t.company, user, breach)).or_default();
                h.lead |= lead;
                h.items.push((
                    t.id,
                    format!("Ticket #{} {}: {}", t.id, ev.describe(), t.subject),
                ));
            }
        }
    }
    let items: Vec<NewNotification> = heard
        .into_iter()
        .flat_map(|((company, user, breach), h)| h.notifications(company, user, breach))
        .collect();
    if !items.is_empty() {
        // The events are recorded; a notification that fails is logged, not retried.
        if let Err(e) = notify::notify(store, items).await {
            tracing::warn!(error = %e, "helpdesk SLA notifications failed");
        }
    }
    Ok(report)
}

pub fn register_jobs<S>(registry: &mut Handlers, store: S)
where
    S: HelpdeskStore + CaseStore + NotifyStore + JobStore + Clone + 'static,
{
    let Ok(kind) = JobKind::new(HELPDESK_SLA_JOB) else {
        return;
    };
    registry.register(&kind, move |_job| {
        let store = store.clone();
        async move {
            let r = run(&store, Timestamp::now()).await?;
            if r.warnings + r.breaches > 0 {
                tracing::info!(
                    evaluated = r.evaluated,
                    warnings = r.warnings,
                    breaches = r.breaches,
                    "helpdesk SLA run"
                );
            }
            ensure_scheduled(&store).await?;
            Ok(())
        }
    });
}
