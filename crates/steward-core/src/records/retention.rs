//! Retention and legal hold. A category's retention period counts from an event
//! (`setup::RETENTION_EVENTS`): the record was made, the subject's last activity (the
//! newest record in its file) or the end of the relationship (the subject's `ended_on`; a
//! subject with none is never due). A daily job (`records.retention`, 05:00 UTC) lists the
//! records whose period has run out as disposals due; nothing is removed until the privacy
//! office approves a disposal, which deletes the content (a note's text, every version's
//! bytes and index rows: backups made after it no longer hold them) and keeps a tombstone:
//! the record's title, kind, category, subject, how many versions and bytes, who approved
//! and when. Or the office keeps the record (with a note), and it is not listed again.
//!
//! A legal hold on a subject or a category (with a reason and who placed it) stops
//! disposal until released (with a reason): the job does not list held records, and a
//! disposal of a record held meanwhile is refused naming the hold.
use std::future::Future;

use chrono::{Months, NaiveDate};
use serde::Serialize;
use serde_json::json;

use super::setup::SetupStore;
use super::subjects::SubjectStore;
use super::{gate_office, may, CategoryId, ItemId, SubjectId};
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::ids::{CompanyId, UserId};
use crate::list::{Page, Paging};
use crate::time::Timestamp;
use crate::{Error, Result};

/// A legal hold (`records.hold:4`).
pub const HOLD: &str = "records.hold";
/// A disposal (`records.disposal:9`): listed by the job, then disposed of or kept.
pub const DISPOSAL: &str = "records.disposal";
/// The daily job that lists records due for disposal.
pub const RETENTION_JOB: &str = "records.retention";
const HOUR_UTC: u32 = 5;
/// A hold's or a decision's reason, at most.
pub const REASON_MAX: usize = 1000;

/// The states of a disposal: (key, label).
pub const STATUSES: &[(&str, &str)] = &[
    ("due", "Due"),
    ("disposed", "Disposed of"),
    ("kept", "Kept"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct HoldId(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct DisposalId(pub i64);

/// A legal hold on a subject or a category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hold {
    pub id: HoldId,
    pub subject_id: Option<SubjectId>,
    /// The subject's reference and name (empty for a category's hold).
    pub subject: String,
    pub category_id: Option<CategoryId>,
    pub category: String,
    pub reason: String,
    pub placed_by_name: String,
    pub placed_at: Timestamp,
    pub released_at: Option<Timestamp>,
    pub released_by_name: String,
    pub release_reason: String,
    pub version: i64,
}

impl Hold {
    /// What is held, for lists.
    pub fn target(&self) -> String {
        match (&self.subject_id, &self.category_id) {
            (Some(_), _) => format!("Subject {}", self.subject),
            _ => format!("Category {}", self.category),
        }
    }
}

/// A hold as typed: a subject (by id or reference) or a category, and the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HoldInput {
    pub subject_id: String,
    pub subject_reference: String,
    pub category_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHold {
    pub subject_id: Option<SubjectId>,
    pub category_id: Option<CategoryId>,
    pub reason: String,
}

/// A record listed for disposal, and after the decision its tombstone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disposal {
    pub id: DisposalId,
    pub item_id: ItemId,
    pub subject_id: SubjectId,
    /// The subject's reference and name.
    pub subject: String,
    pub category_id: CategoryId,
    pub category: String,
    /// Whether the category is sensitive: its records' titles are shown only to holders of
    /// `records_sensitive.read` (others read [`HIDDEN_TITLE`]).
    pub sensitive: bool,
    pub title: String,
    /// `note` or `document`.
    pub kind: String,
    /// When the retention period ran out.
    pub due_on: NaiveDate,
    pub listed_at: Timestamp,
    /// One of [`STATUSES`].
    pub status: String,
    pub decided_by_name: String,
    pub decided_at: Option<Timestamp>,
    pub note: String,
    /// What the disposal removed: versions and their bytes (a note: 0 and its text's length).
    pub versions: i64,
    pub bytes: i64,
    /// Whether a hold now covers it (a due one cannot be disposed of until released).
    pub held: bool,
}

#[derive(Debug, Clone, Default)]
pub struct DisposalQuery {
    /// One of [`STATUSES`]' keys; `None`: all.
    pub status: Option<String>,
    /// Part of the title or the subject's reference.
    pub search: Option<String>,
    /// Whether the search reads the titles of records in sensitive categories (set from
    /// the actor's grant by [`disposals`]).
    pub sensitive_titles: bool,
    pub paging: Paging,
}

/// What a disposal's title reads to someone without `records_sensitive.read`.
pub const HIDDEN_TITLE: &str = "(a record in a sensitive category)";

/// The disposal as the actor may read it: a sensitive record's title hidden without the
/// grant.
fn shown(actor: &Actor, mut d: Disposal) -> Disposal {
    if d.sensitive && !super::reads_sensitive(actor) {
        d.title = HIDDEN_TITLE.to_string();
    }
    d
}

/// A record the store read under a rule, with the day its period's event fell on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub item_id: ItemId,
    pub subject_id: SubjectId,
    pub title: String,
    pub kind: String,
    pub event: NaiveDate,
}

/// A record whose period ran out, as the job lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub company: CompanyId,
    pub category_id: CategoryId,
    pub item: Candidate,
    pub due_on: NaiveDate,
}

/// A category with a retention period, and the day before which its event must fall for
/// a record to be due today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub company: CompanyId,
    pub category: CategoryId,
    pub months: u32,
    pub from: String,
}

pub trait RetentionStore: Send + Sync {
    /// Holds, newest first; `active`: only those not released.
    fn holds(
        &self,
        company: CompanyId,
        active: bool,
    ) -> impl Future<Output = Result<Vec<Hold>>> + Send;
    fn hold(
        &self,
        company: CompanyId,
        id: HoldId,
    ) -> impl Future<Output = Result<Option<Hold>>> + Send;
    fn insert_hold(
        &self,
        company: CompanyId,
        h: &NewHold,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<HoldId>> + Send;
    /// Releases it at `version`; one released already is a conflict.
    fn release_hold(
        &self,
        company: CompanyId,
        id: HoldId,
        by: Option<UserId>,
        reason: &str,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Every category with a retention period (all companies, or one).
    fn retention_rules(
        &self,
        company: Option<CompanyId>,
    ) -> impl Future<Output = Result<Vec<Rule>>> + Send;
    /// The records of `rule`'s category whose event fell on or before `cutoff` (the period
    /// has run out by today): not disposed of, not listed before, not held. Each with the
    /// day its event fell on.
    fn due_under(
        &self,
        rule: &Rule,
        cutoff: NaiveDate,
    ) -> impl Future<Output = Result<Vec<Candidate>>> + Send;
    /// Lists them as due (one audit event per company). How many were listed.
    fn list_disposals(
        &self,
        due: &[Due],
        audits: Vec<AuditDraft>,
    ) -> impl Future<Output = Result<u64>> + Send;
    fn disposals(
        &self,
        company: CompanyId,
        q: &DisposalQuery,
    ) -> impl Future<Output = Result<Page<Disposal>>> + Send;
    fn disposal(
        &self,
        company: CompanyId,
        id: DisposalId,
    ) -> impl Future<Output = Result<Option<Disposal>>> + Send;
    /// Disposes of a due record in one transaction: refused (a conflict) when no longer due
    /// or held; clears a note's text, deletes the versions and their files' index rows,
    /// marks the record disposed and fills the tombstone. The storage keys of the bytes to
    /// delete.
    fn dispose(
        &self,
        company: CompanyId,
        id: DisposalId,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// Keeps a due record (it is not listed again); a conflict when no longer due.
    fn keep(
        &self,
        company: CompanyId,
        id: DisposalId,
        by: Option<UserId>,
        note: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Anonymizes a subject in one transaction ([`super::anonymize`]): refused (a conflict)
    /// when the subject, or the category of a record in `dispose`, is on legal hold, or the
    /// subject changed since `version`. Erases each record of `dispose` as a disposal does
    /// (its tombstone a disposal decided now), gives the subject `reference`, the anonymized
    /// name and no custom values, clears its consents' notes. The storage keys of the bytes
    /// to delete.
    #[allow(clippy::too_many_arguments)]
    fn anonymize_subject(
        &self,
        company: CompanyId,
        subject: SubjectId,
        reference: &str,
        dispose: &[ItemId],
        by: Option<UserId>,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// The subject with this reference (case-insensitive).
    fn subject_by_reference(
        &self,
        company: CompanyId,
        reference: &str,
    ) -> impl Future<Output = Result<Option<SubjectId>>> + Send;
}

/// A day on or before which every event whose period of `months` has run out by `today`
/// falls (`today` minus the months, plus 3 days: adding months clamps to a shorter month's
/// end, so events up to 3 days later share its due date). The store reads events up to it;
/// [`due_on`] then decides exactly.
pub fn cutoff(today: NaiveDate, months: u32) -> Option<NaiveDate> {
    today
        .checked_sub_months(Months::new(months))?
        .checked_add_days(chrono::Days::new(3))
}

/// When a period of `months` from `event` runs out.
pub fn due_on(event: NaiveDate, months: u32) -> NaiveDate {
    event
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

fn hold_json(h: &NewHold) -> serde_json::Value {
    json!({"subject_id": h.subject_id.map(|s| s.0), "category_id": h.category_id.map(|c| c.0),
        "reason": h.reason})
}

/// The privacy office deciding (`records.approve`): disposals, keeping, anonymizing.
pub(super) fn gate_decide(actor: &Actor) -> Result<()> {
    gate_office(actor)?;
    if may(actor, Action::Approve) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Holds (the privacy office); `active`: only those in force.
pub async fn holds<S: RetentionStore>(store: &S, actor: &Actor, active: bool) -> Result<Vec<Hold>> {
    gate_office(actor)?;
    store.holds(actor.company_id, active).await
}

/// Places a legal hold on a subject or a category (the privacy office). The reason is
/// required; exactly one of a subject (by id or reference) or a category.
pub async fn place_hold<S>(store: &S, actor: &Actor, input: &HoldInput) -> Result<Hold>
where
    S: RetentionStore + SubjectStore + SetupStore,
{
    gate_decide(actor)?;
    let mut v = crate::error::Validator::new();
    let reason = v.text("reason", &input.reason, REASON_MAX, true);
    let company = actor.company_id;
    let subject = match (input.subject_id.trim(), input.subject_reference.trim()) {
        ("", "") => None,
        (id, "") => match id.parse::<i64>() {
            Ok(i) if i > 0 && store.subject(company, SubjectId(i)).await?.is_some() => {
                Some(SubjectId(i))
            }
            _ => {
                v.push("subject_id", "no such subject");
                None
            }
        },
        (_, r) => match store.subject_by_reference(company, r).await? {
            Some(s) => Some(s),
            None => {
                v.push(
                    "subject_reference",
                    format!("no subject has the reference `{r}`"),
                );
                None
            }
        },
    };
    let category = match input.category_id.trim() {
        "" => None,
        t => {
            let cats = store.record_categories(company).await?;
            match t.parse::<i64>() {
                Ok(i) if cats.iter().any(|c| c.id.0 == i) => Some(CategoryId(i)),
                _ => {
                    v.push("category_id", "no such category");
                    None
                }
            }
        }
    };
    let none_named = subject.is_none()
        && category.is_none()
        && input.subject_id.trim().is_empty()
        && input.subject_reference.trim().is_empty()
        && input.category_id.trim().is_empty();
    if none_named {
        v.push("subject_id", "name a subject or a category to hold");
    }
    if subject.is_some() && category.is_some() {
        v.push(
            "category_id",
            "a hold is on a subject or a category, not both",
        );
    }
    v.finish()?;
    let h = NewHold {
        subject_id: subject,
        category_id: category,
        reason,
    };
    let audit = AuditDraft::by(actor, HOLD, None, "place", hold_json(&h));
    let id = store
        .insert_hold(company, &h, actor.author(), audit)
        .await?;
    store
        .hold(company, id)
        .await?
        .ok_or(Error::NotFound { entity: "hold" })
}

/// Releases a hold with a reason (the privacy office). One released already is a conflict.
pub async fn release_hold<S: RetentionStore>(
    store: &S,
    actor: &Actor,
    id: HoldId,
    reason: &str,
    version: Option<i64>,
) -> Result<Hold> {
    gate_decide(actor)?;
    let h = store
        .hold(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "hold" })?;
    let reason = crate::input::text("reason", reason, REASON_MAX, true)?;
    if h.released_at.is_some() {
        return Err(Error::conflict("this hold was released already"));
    }
    let audit = AuditDraft::by(
        actor,
        HOLD,
        Some(id.0.to_string()),
        "release",
        json!({"subject_id": h.subject_id.map(|s| s.0),
            "category_id": h.category_id.map(|c| c.0), "reason": reason}),
    );
    store
        .release_hold(
            actor.company_id,
            id,
            actor.author(),
            &reason,
            version.unwrap_or(h.version),
            audit,
        )
        .await?;
    store
        .hold(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "hold" })
}

/// Lists the records due for disposal on `today`: every company's (the job, `None`) or one
/// company's (the privacy office asking now). How many were listed.
pub async fn list_due<S: RetentionStore>(
    store: &S,
    company: Option<CompanyId>,
    today: NaiveDate,
    by: Option<&Actor>,
) -> Result<u64> {
    let mut due: Vec<Due> = Vec::new();
    for rule in store.retention_rules(company).await? {
        let Some(cut) = cutoff(today, rule.months) else {
            continue;
        };
        for item in store.due_under(&rule, cut).await? {
            let on = due_on(item.event, rule.months);
            if on <= today {
                due.push(Due {
                    company: rule.company,
                    category_id: rule.category,
                    item,
                    due_on: on,
                });
            }
        }
    }
    let mut counts: std::collections::BTreeMap<CompanyId, u64> = Default::default();
    for d in &due {
        *counts.entry(d.company).or_default() += 1;
    }
    let audits = counts
        .into_iter()
        .map(|(c, n)| {
            let changes = json!({"listed": n, "today": today.to_string()});
            match by {
                Some(a) => AuditDraft::by(a, DISPOSAL, None, "list", changes),
                None => AuditDraft::system("retention job", None, DISPOSAL, None, "list", changes)
                    .in_company(c),
            }
        })
        .collect();
    store.list_disposals(&due, audits).await
}

/// Lists the actor's company's due records now (the privacy office).
pub async fn list_due_now<S: RetentionStore>(store: &S, actor: &Actor) -> Result<u64> {
    gate_decide(actor)?;
    list_due(
        store,
        Some(actor.company_id),
        crate::time::today(),
        Some(actor),
    )
    .await
}

/// Disposals, due first by due date (the privacy office).
pub async fn disposals<S: RetentionStore>(
    store: &S,
    actor: &Actor,
    q: &DisposalQuery,
) -> Result<Page<Disposal>> {
    gate_office(actor)?;
    if let Some(s) = &q.status {
        if !STATUSES.iter().any(|(k, _)| k == s) {
            return Err(Error::invalid(
                "status",
                "one of due, disposed, kept (or none for all)",
            ));
        }
    }
    let q = DisposalQuery {
        sensitive_titles: super::reads_sensitive(actor),
        ..q.clone()
    };
    let mut page = store.disposals(actor.company_id, &q).await?;
    page.items = page.items.into_iter().map(|d| shown(actor, d)).collect();
    Ok(page)
}

async fn disposal_of<S: RetentionStore>(
    store: &S,
    actor: &Actor,
    id: DisposalId,
) -> Result<Disposal> {
    store
        .disposal(actor.company_id, id)
        .await?
        .map(|d| shown(actor, d))
        .ok_or(Error::NotFound { entity: "disposal" })
}

/// Approves a disposal (the privacy office): the content is deleted, the tombstone kept.
/// A held record is refused (a conflict naming the hold); so is one decided already.
pub async fn dispose<S, F>(store: &S, files: &F, actor: &Actor, id: DisposalId) -> Result<Disposal>
where
    S: RetentionStore,
    F: crate::files::FileStore + ?Sized,
{
    gate_decide(actor)?;
    let d = disposal_of(store, actor, id).await?;
    if d.status != "due" {
        return Err(Error::conflict(format!(
            "this record was {} already",
            if d.status == "kept" {
                "kept"
            } else {
                "disposed of"
            }
        )));
    }
    if d.held {
        return Err(Error::conflict(
            "this record is under a legal hold: release the hold before disposing of it",
        ));
    }
    let audit = AuditDraft::by(
        actor,
        DISPOSAL,
        Some(id.0.to_string()),
        "dispose",
        json!({"item_id": d.item_id.0, "subject_id": d.subject_id.0, "title": d.title,
            "category": d.category, "due_on": d.due_on.to_string()}),
    );
    let keys = store
        .dispose(actor.company_id, id, actor.author(), audit)
        .await?;
    for k in keys {
        // The index rows are gone: bytes left behind are unreachable; log and go on.
        if let Err(e) = files.delete(&k).await {
            tracing::warn!(error = %e, "could not delete a disposed record's bytes");
        }
    }
    disposal_of(store, actor, id).await
}

/// Keeps a due record with a note (the privacy office); it is not listed again.
pub async fn keep<S: RetentionStore>(
    store: &S,
    actor: &Actor,
    id: DisposalId,
    note: &str,
) -> Result<Disposal> {
    gate_decide(actor)?;
    let d = disposal_of(store, actor, id).await?;
    let note = crate::input::text("note", note, REASON_MAX, true)?;
    if d.status != "due" {
        return Err(Error::conflict("this disposal was decided already"));
    }
    let audit = AuditDraft::by(
        actor,
        DISPOSAL,
        Some(id.0.to_string()),
        "keep",
        json!({"item_id": d.item_id.0, "subject_id": d.subject_id.0, "note": note}),
    );
    store
        .keep(actor.company_id, id, actor.author(), &note, audit)
        .await?;
    disposal_of(store, actor, id).await
}

/// The job's run for `day` (once: the dedupe key is the day).
pub fn retention_job(day: NaiveDate) -> Result<crate::jobs::NewJob> {
    crate::jobs::daily_job(RETENTION_JOB, job_time(), day)
}

fn job_time() -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(HOUR_UTC, 0, 0).unwrap_or_default()
}

/// Makes sure a run is queued (today's if not past, else tomorrow's).
pub async fn schedule(store: &impl crate::jobs::JobStore) -> Result<()> {
    crate::jobs::schedule_daily(store, RETENTION_JOB, job_time()).await
}

/// Registers the daily job: lists what is due, then queues tomorrow's run.
pub fn register_jobs<S>(registry: &mut crate::jobs::Handlers, store: S)
where
    S: RetentionStore + crate::jobs::JobStore + Clone + 'static,
{
    use crate::jobs::{Job, JobError, JobKind};
    let Ok(kind) = JobKind::new(RETENTION_JOB) else {
        return;
    };
    registry.register(&kind, move |_job: Job| {
        let store = store.clone();
        async move {
            let day = crate::time::today();
            let n = list_due(&store, None, day, None)
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            tracing::info!(listed = n, "records due for disposal");
            store
                .enqueue(&[retention_job(day + chrono::Duration::days(1))
                    .map_err(|e| JobError::permanent(e.to_string()))?])
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            Ok(())
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn periods_count_in_calendar_months() {
        assert_eq!(due_on(d(2020, 1, 31), 1), d(2020, 2, 29));
        assert_eq!(due_on(d(2016, 3, 15), 120), d(2026, 3, 15));
        assert_eq!(cutoff(d(2026, 3, 31), 1), Some(d(2026, 3, 3)));
        assert_eq!(cutoff(d(2026, 12, 4), 12), Some(d(2025, 12, 7)));
    }

    proptest! {
        /// The store's read (`event <= cutoff`) never misses a record whose period has run
        /// out, and reads at most 3 days of events that are not due yet.
        #[test]
        fn the_cutoff_never_misses_a_due_record(days in 0i64..40_000, back in 0i64..40_000, months in 0u32..1200) {
            let today = d(1990, 1, 1) + chrono::Duration::days(days);
            let event = today - chrono::Duration::days(back);
            let cut = cutoff(today, months).expect("in range");
            if due_on(event, months) <= today {
                prop_assert!(event <= cut, "event {} months {} today {} cutoff {}", event, months, today, cut);
            }
            if event <= cut - chrono::Duration::days(3) {
                prop_assert!(due_on(event, months) <= today);
            }
        }
    }
}
