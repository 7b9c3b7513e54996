//! Maintenance schedules: recurring work on assets (what to do, which assets), on the same
//! RRULE engine as recurring tasks ([`crate::work::tasks::recur`]). Each keeps its next due
//! date; logging what was done (who, when, notes) moves it to the rule's next date after
//! the day done. A daily job (`it.maintenance_due`, 06:15 UTC) tells the IT leads of
//! every company about schedules due today or overdue.
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use std::future::Future;

use super::gate;
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::error::Validator;
use crate::ids::{AssetId, CompanyId, UserId};
use crate::jobs::{Handlers, Job, JobError, JobKind, JobStore, NewJob};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::time::Timestamp;
use crate::work::notify::{self, NewNotification, NotifyStore};
use crate::work::tasks::recur::Rule;
use crate::{Error, Result};

use super::changes::AssetRef;

/// A maintenance schedule (`it.maintenance:2`).
pub const SCHEDULE: &str = "it.maintenance";
pub const DUE_JOB: &str = "it.maintenance_due";

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 8000;
pub const NOTES_MAX: usize = 4000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    pub id: i64,
    pub title: String,
    /// What to do.
    pub instructions: String,
    /// The canonical RRULE (`FREQ=MONTHLY;BYMONTHDAY=1`).
    pub rule: String,
    /// The first possible date (the rule counts from it).
    pub starts_on: NaiveDate,
    /// `None` when the rule has no more dates.
    pub next_due: Option<NaiveDate>,
    pub last_done: Option<NaiveDate>,
    pub assets: Vec<AssetRef>,
    pub version: i64,
}

impl Schedule {
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.next_due.is_some_and(|d| d < today)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    pub id: i64,
    pub schedule_id: i64,
    pub done_on: NaiveDate,
    pub notes: String,
    /// Who did it (the audit name).
    pub by: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleInput {
    pub title: String,
    pub instructions: String,
    pub rule: String,
    pub starts_on: String,
    pub asset_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSchedule {
    pub title: String,
    pub instructions: String,
    pub rule: String,
    pub starts_on: NaiveDate,
    pub next_due: Option<NaiveDate>,
    pub assets: Vec<AssetId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScheduleSort {
    #[default]
    NextDue,
    Title,
    LastDone,
}

impl SortKey for ScheduleSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("next_due", ScheduleSort::NextDue),
        ("title", ScheduleSort::Title),
        ("last_done", ScheduleSort::LastDone),
    ];
}

#[derive(Debug, Clone, Default)]
pub struct ScheduleQuery {
    pub search: Option<String>,
    /// Only those due on or before this day.
    pub due_by: Option<NaiveDate>,
    pub sort: ScheduleSort,
    pub dir: SortDir,
    pub paging: Paging,
}

/// A schedule due (the daily job's, across companies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSchedule {
    pub company: CompanyId,
    pub id: i64,
    pub title: String,
    pub next_due: NaiveDate,
}

pub trait MaintenanceStore: Send + Sync {
    fn list_schedules(
        &self,
        company: CompanyId,
        q: &ScheduleQuery,
    ) -> impl Future<Output = Result<Page<Schedule>>> + Send;
    fn schedule(
        &self,
        company: CompanyId,
        id: i64,
    ) -> impl Future<Output = Result<Option<Schedule>>> + Send;
    fn insert_schedule(
        &self,
        company: CompanyId,
        s: &NewSchedule,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    fn update_schedule(
        &self,
        company: CompanyId,
        id: i64,
        s: &NewSchedule,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Adds the log entry and sets the next due date, if the schedule is still at
    /// `version` (`Conflict` otherwise: someone logged meanwhile).
    #[allow(clippy::too_many_arguments)]
    fn log_maintenance(
        &self,
        company: CompanyId,
        id: i64,
        done_on: NaiveDate,
        notes: &str,
        next_due: Option<NaiveDate>,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The schedule's log, newest first.
    fn maintenance_log(
        &self,
        company: CompanyId,
        id: i64,
    ) -> impl Future<Output = Result<Vec<LogEntry>>> + Send;
    /// Schedules of every company due on or before `day`.
    fn maintenance_due(
        &self,
        day: NaiveDate,
    ) -> impl Future<Output = Result<Vec<DueSchedule>>> + Send;
    /// Which of the ids are the company's assets.
    fn schedule_known_assets(
        &self,
        company: CompanyId,
        ids: &[i64],
    ) -> impl Future<Output = Result<Vec<i64>>> + Send;
    /// The enabled members holding the role (who is told).
    fn role_holders(
        &self,
        company: CompanyId,
        role: &str,
    ) -> impl Future<Output = Result<Vec<UserId>>> + Send;
}

/// The rule's next date after `after` (`None`: the rule has no more).
pub fn next_after(rule: &Rule, starts_on: NaiveDate, after: NaiveDate) -> Option<NaiveDate> {
    rule.next_on_or_after(starts_on, after.succ_opt()?)
}

/// Checks a schedule as typed; `current`: the schedule an update changes (its last done
/// day decides the next due date).
pub fn check_schedule(
    input: &ScheduleInput,
    known_assets: &[i64],
    last_done: Option<NaiveDate>,
) -> Result<NewSchedule> {
    let mut v = Validator::new();
    let title = v.line("title", &input.title, TITLE_MAX, true);
    let instructions = v.text("instructions", &input.instructions, TEXT_MAX, false);
    let rule = match Rule::parse(input.rule.trim()) {
        Ok(r) => Some(r),
        Err(e) => {
            v.push_error(match e {
                Error::Invalid { message, .. } => Error::invalid("rule", message),
                other => Error::invalid("rule", other.to_string()),
            });
            None
        }
    };
    let starts_on = if input.starts_on.trim().is_empty() {
        v.push("starts_on", "required");
        None
    } else {
        v.date("starts_on", &input.starts_on)
    };
    let mut assets: Vec<i64> = input.asset_ids.clone();
    assets.sort_unstable();
    assets.dedup();
    if let Some(bad) = assets.iter().find(|a| !known_assets.contains(a)) {
        v.push("asset_ids", format!("no such asset: {bad}"));
    }
    let next_due = match (&rule, starts_on) {
        (Some(r), Some(s)) => {
            let n = match last_done {
                Some(d) => next_after(r, s, d),
                None => r.next_on_or_after(s, s),
            };
            if n.is_none() && last_done.is_none() {
                v.push(
                    "rule",
                    "the rule gives no date in the ten years from the start",
                );
            }
            n
        }
        _ => None,
    };
    v.finish()?;
    let rule = rule.ok_or_else(|| Error::invalid("rule", "a rule"))?;
    Ok(NewSchedule {
        title,
        instructions,
        rule: rule.to_string(),
        starts_on: starts_on.ok_or_else(|| Error::invalid("starts_on", "required"))?,
        next_due,
        assets: assets.into_iter().map(AssetId).collect(),
    })
}

pub async fn list<S: MaintenanceStore>(
    store: &S,
    actor: &Actor,
    q: &ScheduleQuery,
) -> Result<Page<Schedule>> {
    gate(actor, Action::Read)?;
    if q.paging.is_export() {
        gate(actor, Action::Export)?;
    }
    store.list_schedules(actor.company_id, q).await
}

pub async fn get<S: MaintenanceStore>(store: &S, actor: &Actor, id: i64) -> Result<Schedule> {
    gate(actor, Action::Read)?;
    store
        .schedule(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "maintenance schedule",
        })
}

pub async fn log<S: MaintenanceStore>(store: &S, actor: &Actor, id: i64) -> Result<Vec<LogEntry>> {
    get(store, actor, id).await?;
    store.maintenance_log(actor.company_id, id).await
}

async fn known<S: MaintenanceStore>(store: &S, actor: &Actor, ids: &[i64]) -> Result<Vec<i64>> {
    if ids.is_empty() {
        Ok(Vec::new())
    } else {
        store.schedule_known_assets(actor.company_id, ids).await
    }
}

fn schedule_json(s: &NewSchedule) -> serde_json::Value {
    json!({"title": s.title, "rule": s.rule, "starts_on": s.starts_on.to_string(),
        "next_due": s.next_due.map(|d| d.to_string()),
        "assets": s.assets.iter().map(|a| a.0).collect::<Vec<_>>()})
}

pub async fn create<S: MaintenanceStore>(
    store: &S,
    actor: &Actor,
    input: &ScheduleInput,
) -> Result<Schedule> {
    gate(actor, Action::Create)?;
    let known = known(store, actor, &input.asset_ids).await?;
    let s = check_schedule(input, &known, None)?;
    let audit = AuditDraft::by(actor, SCHEDULE, None, "create", schedule_json(&s));
    let id = store.insert_schedule(actor.company_id, &s, audit).await?;
    get(store, actor, id).await
}

pub async fn update<S: MaintenanceStore>(
    store: &S,
    actor: &Actor,
    id: i64,
    input: &ScheduleInput,
    version: Option<i64>,
) -> Result<Schedule> {
    gate(actor, Action::Update)?;
    let current = get(store, actor, id).await?;
    let known = known(store, actor, &input.asset_ids).await?;
    let s = check_schedule(input, &known, current.last_done)?;
    let audit = AuditDraft::by(
        actor,
        SCHEDULE,
        Some(id.to_string()),
        "update",
        json!({"before": {"title": current.title, "rule": current.rule,
            "next_due": current.next_due.map(|d| d.to_string())}, "after": schedule_json(&s)}),
    );
    store
        .update_schedule(
            actor.company_id,
            id,
            &s,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    get(store, actor, id).await
}

/// Records that the maintenance was done on `done_on` (today when empty; not in the
/// future); the next due date is the rule's next date after it.
pub async fn record_done<S: MaintenanceStore>(
    store: &S,
    actor: &Actor,
    id: i64,
    done_on: &str,
    notes: &str,
) -> Result<Schedule> {
    gate(actor, Action::Update)?;
    let s = get(store, actor, id).await?;
    let today = chrono::Utc::now().date_naive();
    let mut v = Validator::new();
    let day = if done_on.trim().is_empty() {
        Some(today)
    } else {
        v.date("done_on", done_on)
    };
    if day.is_some_and(|d| d > today) {
        v.push("done_on", "not in the future");
    }
    let notes = v.text("notes", notes, NOTES_MAX, false);
    v.finish()?;
    let day = day.unwrap_or(today);
    let rule = Rule::parse(&s.rule)?;
    // Done late or early, the next date follows the later of the day done and the date
    // that was due: a visit does not count twice.
    let after = match s.next_due {
        Some(due) if due > day => due,
        _ => day,
    };
    let next_due = next_after(&rule, s.starts_on, after);
    let audit = AuditDraft::by(
        actor,
        SCHEDULE,
        Some(id.to_string()),
        "log",
        json!({"done_on": day.to_string(), "notes": notes,
            "next_due": next_due.map(|d| d.to_string())}),
    );
    store
        .log_maintenance(
            actor.company_id,
            id,
            day,
            &notes,
            next_due,
            s.version,
            audit,
        )
        .await?;
    get(store, actor, id).await
}

pub const EXPORT_HEADERS: &[&str] = &[
    "title",
    "rule",
    "starts_on",
    "next_due",
    "last_done",
    "assets",
];

pub fn export_row(s: &Schedule) -> Vec<String> {
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    vec![
        s.title.clone(),
        s.rule.clone(),
        s.starts_on.to_string(),
        day(s.next_due),
        day(s.last_done),
        s.assets
            .iter()
            .map(|a| a.tag.clone())
            .collect::<Vec<_>>()
            .join(" "),
    ]
}

// ---- the daily job ----

fn due_time() -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(6, 15, 0).unwrap_or_default()
}

pub fn due_job(day: NaiveDate) -> Result<NewJob> {
    crate::jobs::daily_job(DUE_JOB, due_time(), day)
}

/// Tells every IT lead of each company about its schedules due by `today`; how many
/// notifications were sent.
pub async fn run<S: MaintenanceStore + NotifyStore + JobStore>(
    store: &S,
    today: NaiveDate,
) -> Result<usize> {
    let due = store.maintenance_due(today).await?;
    let mut items = Vec::new();
    let mut leads: std::collections::HashMap<CompanyId, Vec<UserId>> = Default::default();
    for d in &due {
        if let std::collections::hash_map::Entry::Vacant(e) = leads.entry(d.company) {
            e.insert(store.role_holders(d.company, "it_lead").await?);
        }
        for u in leads.get(&d.company).into_iter().flatten() {
            items.push(NewNotification {
                company: d.company,
                user: *u,
                kind: "it.maintenance_due".into(),
                title: if d.next_due < today {
                    format!("Maintenance overdue: {} (due {})", d.title, d.next_due)
                } else {
                    format!("Maintenance due today: {}", d.title)
                },
                body: format!(
                    "{} was due on {}. Log it when it is done; the next date follows.",
                    d.title, d.next_due
                ),
                link: Some(format!("/it/maintenance/{}", d.id)),
            });
        }
    }
    let n = items.len();
    notify::notify(store, items).await?;
    Ok(n)
}

pub fn register_jobs<S>(registry: &mut Handlers, store: S)
where
    S: MaintenanceStore + NotifyStore + JobStore + Clone + 'static,
{
    let Ok(kind) = JobKind::new(DUE_JOB) else {
        return;
    };
    registry.register(&kind, move |_job: Job| {
        let store = store.clone();
        async move {
            let day = chrono::Utc::now().date_naive();
            let n = run(&store, day)
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            tracing::info!(told = n, "maintenance due");
            store
                .enqueue(&[due_job(day + chrono::Duration::days(1))
                    .map_err(|e| JobError::permanent(e.to_string()))?])
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            Ok(())
        }
    });
}

pub async fn schedule_job(store: &impl JobStore) -> Result<()> {
    crate::jobs::schedule_daily(store, DUE_JOB, due_time()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn logging_moves_the_next_date_on() {
        let input = ScheduleInput {
            title: "Test UPS batteries".into(),
            rule: "FREQ=MONTHLY;BYMONTHDAY=1".into(),
            starts_on: "2026-01-01".into(),
            ..ScheduleInput::default()
        };
        let s = check_schedule(&input, &[], None).expect("ok");
        assert_eq!(s.next_due, Some(d("2026-01-01")));
        let s = check_schedule(&input, &[], Some(d("2026-03-03"))).expect("ok");
        assert_eq!(s.next_due, Some(d("2026-04-01")));
        let rule = Rule::parse("FREQ=WEEKLY;BYDAY=MO").expect("rule");
        assert_eq!(
            next_after(&rule, d("2026-01-05"), d("2026-01-05")),
            Some(d("2026-01-12"))
        );
        let bad = ScheduleInput {
            rule: "FREQ=SOMETIMES".into(),
            ..input
        };
        let e = check_schedule(&bad, &[], None).expect_err("bad rule");
        assert_eq!(e.field_errors()[0].field, "rule");
    }
}
