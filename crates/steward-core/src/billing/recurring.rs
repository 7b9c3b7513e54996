//! Recurring invoices: a template made from an invoice (its customer, currency, reference,
//! notes and lines as typed) with a rule of the shared recurrence engine
//! (`work::tasks::recur`, RFC 5545 RRULE), a start date and an optional end date or
//! number of invoices. The daily job `billing.recurring` (and "make due invoices now")
//! makes each occurrence's invoice on its date: a draft, or posted, or posted and e-mailed,
//! as the template says. Each occurrence makes one invoice ever: the draft carries the
//! idempotency key `recurring:{template}:{date}` (unique per company, so a retry finds it)
//! and the occurrence is recorded in `billing_recurring_runs` (primary key template x date),
//! so a draft someone discarded is not made again. The template's content is checked again
//! at each occurrence, as any draft is: a tax code or account closed meanwhile stops that
//! occurrence with its message kept on the template (`last_error`).
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::future::Future;

use super::invoices::{self, InvoiceInput, InvoiceKind, InvoiceStatus};
use super::mail::{self, SendInput};
use super::BillingBackend;
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain};
use crate::error::Validator;
use crate::ids::{CompanyId, InvoiceId, PartyId};
use crate::jobs::{Handlers, Job, JobError, JobKind, JobStore, NewJob};
use crate::time::Timestamp;
use crate::work::tasks::recur::Rule;
use crate::{Error, Result};

/// The daily job that makes recurring invoices.
pub const RECURRING_JOB: &str = "billing.recurring";
/// At most this many occurrences are made for one template in one run (a template started
/// long ago catches up over several days rather than in one burst).
pub const MAX_PER_RUN: usize = 24;
pub const NAME_MAX: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecurringStatus {
    Active,
    Paused,
    /// For good: a stopped template makes nothing again.
    Stopped,
}

impl RecurringStatus {
    pub const ALL: &'static [RecurringStatus] = &[
        RecurringStatus::Active,
        RecurringStatus::Paused,
        RecurringStatus::Stopped,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RecurringStatus::Active => "active",
            RecurringStatus::Paused => "paused",
            RecurringStatus::Stopped => "stopped",
        }
    }
    pub fn parse(s: &str) -> Option<RecurringStatus> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recurring {
    pub id: i64,
    pub name: String,
    pub party_id: PartyId,
    pub party_name: String,
    /// The invoice it was made from.
    pub source_id: Option<InvoiceId>,
    /// Canonical RRULE text.
    pub rrule: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    /// At most this many invoices in all.
    pub count: Option<i64>,
    pub auto_post: bool,
    pub auto_send: bool,
    pub status: RecurringStatus,
    /// What each invoice is made of.
    #[serde(skip)]
    pub content: InvoiceInput,
    /// How many occurrences made an invoice.
    pub made: i64,
    /// The last occurrence that could not be made, and why.
    pub last_error: String,
    pub created_at: Timestamp,
    pub version: i64,
}

impl Recurring {
    pub fn rule(&self) -> Result<Rule> {
        Rule::parse(&self.rrule)
    }
    /// Every occurrence up to `to`, as the end date and count allow.
    pub fn due_until(&self, to: NaiveDate) -> Vec<NaiveDate> {
        let Ok(rule) = self.rule() else {
            return Vec::new();
        };
        let to = match self.end {
            Some(e) => e.min(to),
            None => to,
        };
        if to < self.start {
            return Vec::new();
        }
        let mut all = rule.occurrences(self.start, self.start, to);
        if let Some(c) = self.count {
            all.truncate(usize::try_from(c.max(0)).unwrap_or(0));
        }
        all
    }
    /// The next occurrence after `today` (none when stopped or past its end or count).
    pub fn next_after(&self, today: NaiveDate) -> Option<NaiveDate> {
        if self.status == RecurringStatus::Stopped {
            return None;
        }
        let rule = self.rule().ok()?;
        let from = today.succ_opt()?.max(self.start);
        let next = rule.next_on_or_after(self.start, from)?;
        if self.end.is_some_and(|e| next > e) {
            return None;
        }
        if let Some(c) = self.count {
            let before = self.due_until(today).len() as i64;
            if before >= c {
                return None;
            }
        }
        Some(next)
    }
}

/// An invoice a template made (`None`: its draft was discarded since).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecurringRun {
    pub occurrence: NaiveDate,
    pub document_id: Option<InvoiceId>,
    pub number: Option<String>,
    pub status: Option<InvoiceStatus>,
    pub total: i64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecurring {
    pub name: String,
    pub party_id: PartyId,
    pub source_id: Option<InvoiceId>,
    pub rrule: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub count: Option<i64>,
    pub auto_post: bool,
    pub auto_send: bool,
    pub content: InvoiceInput,
    pub created_by: Option<crate::ids::UserId>,
}

pub trait RecurringStore: Send + Sync {
    /// Every template of the company, newest first.
    fn recurring_list(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<Recurring>>> + Send;
    fn recurring(
        &self,
        company: CompanyId,
        id: i64,
    ) -> impl Future<Output = Result<Option<Recurring>>> + Send;
    fn insert_recurring(
        &self,
        company: CompanyId,
        r: &NewRecurring,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// `Conflict` when it is stopped already (a stopped template stays stopped).
    fn set_recurring_status(
        &self,
        company: CompanyId,
        id: i64,
        status: RecurringStatus,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn set_recurring_error(
        &self,
        company: CompanyId,
        id: i64,
        error: &str,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The invoices a template made, newest occurrence first.
    fn recurring_runs(
        &self,
        company: CompanyId,
        id: i64,
    ) -> impl Future<Output = Result<Vec<RecurringRun>>> + Send;
    /// Records that `occurrence` made `document`; `false` when it was recorded before.
    fn record_run(
        &self,
        company: CompanyId,
        id: i64,
        occurrence: NaiveDate,
        document: InvoiceId,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Every active template of every company, with the company's name and currency.
    fn active_recurring(
        &self,
    ) -> impl Future<Output = Result<Vec<(String, CompanyId, String, Recurring)>>> + Send;
}

fn gate_read(actor: &Actor) -> Result<()> {
    super::gate(actor, Domain::Receivables, Action::Read)
}

fn gate_write(actor: &Actor) -> Result<()> {
    super::gate(actor, Domain::Receivables, Action::Create)
}

pub async fn list<S: RecurringStore>(store: &S, actor: &Actor) -> Result<Vec<Recurring>> {
    gate_read(actor)?;
    store.recurring_list(actor.company_id).await
}

pub async fn get<S: RecurringStore>(store: &S, actor: &Actor, id: i64) -> Result<Recurring> {
    gate_read(actor)?;
    store
        .recurring(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "recurring invoice",
        })
}

pub async fn runs<S: RecurringStore>(
    store: &S,
    actor: &Actor,
    id: i64,
) -> Result<Vec<RecurringRun>> {
    get(store, actor, id).await?;
    store.recurring_runs(actor.company_id, id).await
}

/// A new template as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecurringInput {
    /// The invoice to repeat (its customer and lines).
    pub source_id: Option<i64>,
    pub name: String,
    pub rrule: String,
    /// `YYYY-MM-DD`
    pub start: String,
    /// Empty: no end.
    pub end: String,
    /// Empty: no limit.
    pub count: String,
    pub auto_post: bool,
    pub auto_send: bool,
}

/// Makes a template from an invoice; its occurrences due by `today` are made by the next run.
pub async fn create<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    input: &RecurringInput,
) -> Result<Recurring> {
    gate_write(actor)?;
    let mut v = Validator::new();
    let source = match input.source_id {
        None => {
            v.push("source_id", "choose the invoice to repeat");
            None
        }
        Some(id) => match invoices::get(store, actor, InvoiceId(id)).await {
            Ok(inv) if inv.kind == InvoiceKind::Invoice => Some(inv),
            Ok(_) => {
                v.push("source_id", "only an invoice is repeated");
                None
            }
            Err(Error::NotFound { .. }) => {
                v.push("source_id", "no such invoice");
                None
            }
            Err(e) => return Err(e),
        },
    };
    let name = v.line("name", &input.name, NAME_MAX, true);
    let rule = v.check("rrule", Rule::parse(&input.rrule));
    if input.start.trim().is_empty() {
        v.push("start", "a date is required (YYYY-MM-DD)");
    }
    let start = v.date("start", &input.start);
    let end = if input.end.trim().is_empty() {
        None
    } else {
        v.date("end", &input.end)
    };
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            v.push("end", "the end is before the start");
        }
    }
    let count = match input.count.trim() {
        "" => None,
        c => match c.parse::<i64>() {
            Ok(n) if (1..=1000).contains(&n) => Some(n),
            _ => {
                v.push("count", "a number of invoices from 1 to 1000");
                None
            }
        },
    };
    if input.auto_send && !input.auto_post {
        v.push(
            "auto_send",
            "only a posted invoice is sent: post automatically too",
        );
    }
    v.finish()?;
    let (Some(source), Some(rule), Some(start)) = (source, rule, start) else {
        return Err(Error::invalid("source_id", "is invalid"));
    };
    let mut content = InvoiceInput::of(&source);
    // Each invoice takes its own dates: the occurrence, and the customer's terms.
    content.issue_date = String::new();
    content.due_date = String::new();
    let new = NewRecurring {
        name,
        party_id: source.party_id,
        source_id: Some(source.id),
        rrule: rule.to_string(),
        start,
        end,
        count,
        auto_post: input.auto_post,
        auto_send: input.auto_send,
        content,
        created_by: actor.author(),
    };
    let audit = AuditDraft::by(
        actor,
        "billing.recurring",
        None,
        "create",
        json!({"name": new.name, "source_id": source.id, "rrule": new.rrule, "start": start.to_string(),
               "end": end.map(|e| e.to_string()), "count": count, "auto_post": new.auto_post, "auto_send": new.auto_send}),
    );
    let id = store
        .insert_recurring(actor.company_id, &new, audit)
        .await?;
    get(store, actor, id).await
}

/// Pauses, resumes or stops a template. A stopped one is stopped for good (409 after).
pub async fn set_status<S: RecurringStore>(
    store: &S,
    actor: &Actor,
    id: i64,
    status: RecurringStatus,
) -> Result<Recurring> {
    gate_write(actor)?;
    let current = get(store, actor, id).await?;
    if current.status == RecurringStatus::Stopped {
        return Err(Error::conflict("the recurring invoice is stopped for good"));
    }
    let audit = AuditDraft::by(
        actor,
        "billing.recurring",
        Some(id.to_string()),
        match status {
            RecurringStatus::Active => "resume",
            RecurringStatus::Paused => "pause",
            RecurringStatus::Stopped => "stop",
        },
        json!({"status": [current.status.as_str(), status.as_str()]}),
    );
    store
        .set_recurring_status(actor.company_id, id, status, audit)
        .await?;
    get(store, actor, id).await
}

/// Makes the invoices of template `id` due by `today` not made yet (the actor's grants
/// decide: "make due invoices now" on the page, the job's actor in the daily run). Returns
/// how many invoices it made.
pub async fn make_due<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    id: i64,
    today: NaiveDate,
) -> Result<usize> {
    gate_write(actor)?;
    let t = get(store, actor, id).await?;
    if t.status != RecurringStatus::Active {
        return Ok(0);
    }
    let done: Vec<NaiveDate> = store
        .recurring_runs(actor.company_id, id)
        .await?
        .iter()
        .map(|r| r.occurrence)
        .collect();
    let mut made = 0;
    for day in t
        .due_until(today)
        .into_iter()
        .filter(|d| !done.contains(d))
        .take(MAX_PER_RUN)
    {
        match occurrence(store, actor, &t, day).await {
            Ok(()) => made += 1,
            Err(e) => {
                let message = format!("{day}: {}", message_of(&e));
                store
                    .set_recurring_error(actor.company_id, id, &message)
                    .await?;
                // The rest waits for the template (or the books) to be put right.
                return match e {
                    Error::Invalid { .. } | Error::InvalidMany(_) | Error::Conflict { .. } => {
                        Ok(made)
                    }
                    e => Err(e),
                };
            }
        }
    }
    if made > 0 && !t.last_error.is_empty() {
        store.set_recurring_error(actor.company_id, id, "").await?;
    }
    Ok(made)
}

fn message_of(e: &Error) -> String {
    e.field_errors()
        .first()
        .map(|f| format!("{}: {}", f.field, f.message))
        .unwrap_or_else(|| e.to_string())
}

/// One occurrence: its draft (found again by its key after a crash), the record of it,
/// then posting and sending when the template says so.
async fn occurrence<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    t: &Recurring,
    day: NaiveDate,
) -> Result<()> {
    let mut input = t.content.clone();
    input.issue_date = day.to_string();
    input.due_date = String::new();
    let key = format!("recurring:{}:{day}", t.id);
    let draft =
        invoices::create_draft(store, actor, InvoiceKind::Invoice, &input, Some(&key)).await?;
    if !store
        .record_run(actor.company_id, t.id, day, draft.id)
        .await?
    {
        return Ok(());
    }
    if !t.auto_post {
        return Ok(());
    }
    let posted = invoices::post(store, actor, draft.id, None).await?;
    if t.auto_send {
        let d = mail::draft(store, actor, posted.id).await?;
        if d.to.is_empty() {
            return Err(Error::invalid(
                "auto_send",
                format!(
                    "{} was posted but not sent: the customer has no e-mail address",
                    posted.title()
                ),
            ));
        }
        mail::send_document(
            store,
            actor,
            posted.id,
            &SendInput {
                to: d.to,
                ..SendInput::default()
            },
            Some(&format!("recurring-send:{}:{day}", t.id)),
        )
        .await?;
    }
    Ok(())
}

/// The run for `day` (once: the dedupe key is the day).
pub fn recurring_job(day: NaiveDate) -> Result<NewJob> {
    crate::jobs::daily_job(RECURRING_JOB, recurring_time(), day)
}

/// When the daily run makes the due invoices (UTC).
fn recurring_time() -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(0, 30, 0).unwrap_or_default()
}

/// Makes the due invoices of every active template of every company.
pub async fn run_all<S: BillingBackend>(store: &S, today: NaiveDate) -> Result<usize> {
    let mut n = 0;
    for (name, company, currency, t) in store.active_recurring().await? {
        // The books' currency: an invoice in another posts at the ledger's rate.
        let actor =
            super::dunning::job_actor(company, &name, RECURRING_JOB).with_currency(&currency);
        match make_due(store, &actor, t.id, today).await {
            Ok(k) => n += k,
            Err(e) => tracing::warn!(template = t.id, error = %e, "recurring invoice failed"),
        }
    }
    Ok(n)
}

pub fn register_jobs<S>(registry: &mut Handlers, store: S)
where
    S: BillingBackend + JobStore + Clone + 'static,
{
    let Ok(kind) = JobKind::new(RECURRING_JOB) else {
        return;
    };
    registry.register(&kind, move |_job: Job| {
        let store = store.clone();
        async move {
            let day = chrono::Utc::now().date_naive();
            let n = run_all(&store, day)
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            tracing::info!(made = n, "recurring invoices");
            store
                .enqueue(&[recurring_job(day + chrono::Duration::days(1))
                    .map_err(|e| JobError::permanent(e.to_string()))?])
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            Ok(())
        }
    });
}

/// Makes sure a run is queued (today's if not past, else tomorrow's).
pub async fn schedule(store: &impl JobStore) -> Result<()> {
    crate::jobs::schedule_daily(store, RECURRING_JOB, recurring_time()).await
}

/// The content of a template as stored (JSON of the invoice as typed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredContent {
    pub currency: String,
    pub reference: String,
    pub notes: String,
    pub lines: Vec<StoredLine>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredLine {
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub discount: String,
    pub tax_code: String,
    pub account: String,
    pub department_id: Option<i64>,
    pub project: String,
}

impl StoredContent {
    pub fn of(input: &InvoiceInput) -> StoredContent {
        StoredContent {
            currency: input.currency.clone(),
            reference: input.reference.clone(),
            notes: input.notes.clone(),
            lines: input
                .lines
                .iter()
                .map(|l| StoredLine {
                    description: l.description.clone(),
                    quantity: l.quantity.clone(),
                    unit_price: l.unit_price.clone(),
                    discount: l.discount.clone(),
                    tax_code: l.tax_code.clone(),
                    account: l.account.clone(),
                    department_id: l.department_id,
                    project: l.project.clone(),
                })
                .collect(),
        }
    }
    pub fn input(&self, party: PartyId) -> InvoiceInput {
        InvoiceInput {
            party_id: Some(party.0),
            issue_date: String::new(),
            due_date: String::new(),
            currency: self.currency.clone(),
            reference: self.reference.clone(),
            notes: self.notes.clone(),
            lines: self
                .lines
                .iter()
                .map(|l| invoices::LineInput {
                    description: l.description.clone(),
                    quantity: l.quantity.clone(),
                    unit_price: l.unit_price.clone(),
                    discount: l.discount.clone(),
                    tax_code: l.tax_code.clone(),
                    account: l.account.clone(),
                    department_id: l.department_id,
                    project: l.project.clone(),
                    credited_line_id: None,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn template() -> Recurring {
        Recurring {
            id: 1,
            name: "Retainer".into(),
            party_id: PartyId(1),
            party_name: "Globex".into(),
            source_id: None,
            rrule: "FREQ=MONTHLY;BYMONTHDAY=1".into(),
            start: d("2026-01-01"),
            end: None,
            count: None,
            auto_post: false,
            auto_send: false,
            status: RecurringStatus::Active,
            content: InvoiceInput::default(),
            made: 0,
            last_error: String::new(),
            created_at: Timestamp(0),
            version: 1,
        }
    }

    #[test]
    fn occurrences_stop_at_the_end_or_the_count() {
        let t = template();
        assert_eq!(t.due_until(d("2026-03-15")).len(), 3);
        assert_eq!(t.next_after(d("2026-03-15")), Some(d("2026-04-01")));
        let t2 = Recurring {
            count: Some(2),
            ..template()
        };
        assert_eq!(
            t2.due_until(d("2026-03-15")),
            vec![d("2026-01-01"), d("2026-02-01")]
        );
        assert_eq!(t2.next_after(d("2026-03-15")), None);
        let t3 = Recurring {
            end: Some(d("2026-02-10")),
            ..template()
        };
        assert_eq!(t3.due_until(d("2026-12-31")).len(), 2);
        assert_eq!(t3.next_after(d("2026-01-15")), Some(d("2026-02-01")));
        assert_eq!(t3.next_after(d("2026-02-15")), None);
        assert!(template().due_until(d("2025-12-31")).is_empty());
    }

    #[test]
    fn content_round_trips_through_storage() {
        let input = InvoiceInput {
            party_id: Some(3),
            currency: "EUR".into(),
            reference: "Retainer".into(),
            lines: vec![invoices::LineInput {
                description: "Support".into(),
                quantity: "1".into(),
                unit_price: "500.00".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let stored = StoredContent::of(&input);
        let text = serde_json::to_string(&stored).expect("json");
        let back: StoredContent = serde_json::from_str(&text).expect("back");
        assert_eq!(back.input(PartyId(3)), input);
    }
}
