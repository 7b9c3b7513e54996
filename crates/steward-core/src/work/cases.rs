//! Front-office escalations ("cases"). The front office opens a case for a customer and
//! follows it (its own cases, their status and the messages sent to the customer, never the
//! internal notes); the back office (Escalations at company scope) works the queue by
//! priority and SLA: takes or assigns a case, keeps a communication log (internal notes,
//! messages e-mailed to the customer, phone call notes), moves it through new, in progress,
//! waiting on customer, resolved and closed, and reopens it.
//!
//! Service levels: first-response and resolution targets per priority, counted in business
//! time on the company's [`sla::Calendar`]. While a case waits on the customer its timers
//! stand still: the paused business time is kept and the due times move by it. The
//! `work.sla` job ([`evaluate_sla`]) looks at every open case: at `warn_percent` of a target
//! it warns the assignee, at the target it marks the breach and tells the managers (holders
//! of `escalations.approve`, the admins); each of these happens once per case, guarded by
//! a conditional update in the store.
//!
//! Scheduling: `work.sla` re-enqueues itself for the start of the next minute with the dedupe
//! key `work.sla:<minute>`, so any number of workers keep exactly one chain; the worker
//! calls [`ensure_sla_scheduled`] at start to begin (or rejoin) the chain.
//!
//! cases/service_level.rs holds the service levels (settings, arithmetic, the job);
//! cases/report.rs the compliance report and the exports.
mod report;
mod service_level;

pub use report::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
pub use service_level::*;
use std::collections::{BTreeSet, HashMap};
use std::future::Future;

use super::notify::NotifyStore;
// Named as `super::notify` by cases/service_level.rs.
use super::notify;
use super::sla::{self, Calendar, Hours};
use crate::audit::AuditDraft;
use crate::auth::{authorize, Action, Actor, Domain, Permission, Scope, Target};
use crate::error::Validator;
use crate::ids::{CompanyId, UserId};
use crate::jobs::{Handlers, JobKind, JobStore};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::registry::{AttachAccess, AttachmentHandler};
use crate::time::Timestamp;
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseId(pub i64);

impl std::fmt::Display for CaseId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

macro_rules! word_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:literal / $label:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),* }
            }
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s.trim() { $($s => Some($name::$variant),)* _ => None }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

word_enum!(Priority {
    Low = "low" / "Low",
    Normal = "normal" / "Normal",
    High = "high" / "High",
    Urgent = "urgent" / "Urgent",
});

impl Priority {
    /// For sorting the queue: urgent first.
    pub fn rank(self) -> i64 {
        match self {
            Priority::Low => 1,
            Priority::Normal => 2,
            Priority::High => 3,
            Priority::Urgent => 4,
        }
    }
    pub fn from_rank(r: i64) -> Option<Priority> {
        Priority::ALL.iter().copied().find(|p| p.rank() == r)
    }
}

word_enum!(CaseStatus {
    New = "new" / "New",
    InProgress = "in_progress" / "In progress",
    WaitingOnCustomer = "waiting_on_customer" / "Waiting on customer",
    Resolved = "resolved" / "Resolved",
    Closed = "closed" / "Closed",
});

impl CaseStatus {
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CaseStatus::New | CaseStatus::InProgress | CaseStatus::WaitingOnCustomer
        )
    }
}

pub use super::sla::{SlaEvent, SlaState};

word_enum!(
    /// What a log entry records. Notes, calls and SLA events are internal (the back office
    /// only); messages to the customer, front-office comments, status and assignment
    /// changes are seen by the front office too.
    LogKind {
        Note = "note" / "Internal note",
        Message = "message" / "Message to customer",
        Call = "call" / "Phone call",
        Comment = "comment" / "Comment",
        Status = "status" / "Status",
        Assign = "assign" / "Assignment",
        Sla = "sla" / "Service level",
    }
);

impl LogKind {
    pub fn internal(self) -> bool {
        matches!(self, LogKind::Note | LogKind::Call | LogKind::Sla)
    }
}

/// Case categories (key, label).
pub const CATEGORIES: &[(&str, &str)] = &[
    ("billing", "Billing"),
    ("delivery", "Delivery"),
    ("product", "Product or service"),
    ("account", "Account and access"),
    ("complaint", "Complaint"),
    ("other", "Other"),
];

/// How a case was resolved (key, label).
pub const RESOLUTION_CATEGORIES: &[(&str, &str)] = &[
    ("fixed", "Fixed"),
    ("refund", "Refund or credit"),
    ("information", "Information given"),
    ("workaround", "Workaround"),
    ("no_fault", "No fault found"),
    ("duplicate", "Duplicate"),
    ("declined", "Declined"),
];

pub fn category_label(key: &str) -> &str {
    CATEGORIES
        .iter()
        .chain(RESOLUTION_CATEGORIES)
        .find(|(k, _)| *k == key)
        .map(|(_, l)| *l)
        .unwrap_or(key)
}

/// A stored case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    pub id: CaseId,
    pub company: CompanyId,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_phone: String,
    pub customer_ref: String,
    pub subject: String,
    /// Markdown (rendered without raw HTML).
    pub description: String,
    pub category: String,
    pub priority: Priority,
    pub status: CaseStatus,
    pub opened_by: UserId,
    pub opened_by_name: String,
    pub assignee: Option<UserId>,
    pub assignee_name: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub first_response_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    /// Set while waiting on the customer.
    pub paused_since: Option<Timestamp>,
    /// Business time (µs) spent waiting on the customer so far.
    pub paused_micros: i64,
    /// While no first response was given.
    pub first_response_due: Option<Timestamp>,
    /// While open.
    pub resolution_due: Option<Timestamp>,
    pub sla_state: SlaState,
    pub response_warned_at: Option<Timestamp>,
    pub response_breached_at: Option<Timestamp>,
    pub resolution_warned_at: Option<Timestamp>,
    pub resolution_breached_at: Option<Timestamp>,
    /// Business time to the first response, pauses excluded.
    pub first_response_micros: Option<i64>,
    /// Business time to the resolution, pauses excluded.
    pub resolution_micros: Option<i64>,
    pub resolution: String,
    pub resolution_category: String,
    pub version: i64,
}

impl Case {
    fn target(&self) -> Target {
        Target {
            company: self.company,
            owner: Some(self.opened_by),
            department: None,
        }
    }
}

/// One entry of a case's communication log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEntry {
    pub id: i64,
    pub case_id: CaseId,
    pub kind: LogKind,
    pub body: String,
    pub internal: bool,
    pub author: Option<UserId>,
    pub author_name: String,
    /// For messages: the address it was sent to.
    pub mail_to: Option<String>,
    pub created_at: Timestamp,
}

/// A log entry to write with a change.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLogEntry {
    pub kind: LogKind,
    pub body: String,
    pub author: Option<UserId>,
    pub mail_to: Option<String>,
}

/// What the front office types.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CaseInput {
    pub customer_name: String,
    #[serde(default)]
    pub customer_email: String,
    #[serde(default)]
    pub customer_phone: String,
    #[serde(default)]
    pub customer_ref: String,
    pub subject: String,
    #[serde(default)]
    pub description: String,
    pub category: String,
    #[serde(default)]
    pub priority: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaseSort {
    /// Priority (urgent first), then the nearest due time.
    #[default]
    Queue,
    Due,
    Created,
    Updated,
    Priority,
    Status,
    Subject,
    Customer,
}

impl SortKey for CaseSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("queue", CaseSort::Queue),
        ("due", CaseSort::Due),
        ("created", CaseSort::Created),
        ("updated", CaseSort::Updated),
        ("priority", CaseSort::Priority),
        ("status", CaseSort::Status),
        ("subject", CaseSort::Subject),
        ("customer", CaseSort::Customer),
    ];
}

/// Whose cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    Nobody,
    User(UserId),
}

#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    pub search: Option<String>,
    pub status: Option<CaseStatus>,
    /// New, in progress or waiting (the default queue); ignored when `status` is set.
    pub open_only: bool,
    pub priority: Option<Priority>,
    pub sla: Option<SlaState>,
    pub assignee: Option<AssigneeFilter>,
    pub category: Option<String>,
    /// Set by the service for the front office: only cases they opened.
    pub opened_by: Option<UserId>,
    pub sort: CaseSort,
    pub dir: SortDir,
    pub paging: Paging,
}

impl CaseQuery {
    /// Parses the filters of a page or API query: `q`, `status` (a status or `open`),
    /// `priority`, `sla`, `assignee` (a user id, `me` or `none`), `category`.
    pub fn filters_from(me: UserId, get: impl Fn(&str) -> Option<String>) -> Result<CaseQuery> {
        let mut q = CaseQuery::default();
        let mut v = Validator::new();
        let val = |k: &str| {
            get(k)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        q.search = val("q").map(|s| s.chars().take(200).collect());
        match val("status").as_deref() {
            None => {}
            Some("open") => q.open_only = true,
            Some(s) => q.status = v.check("status", parse_word(CaseStatus::parse, s, "status")),
        }
        if let Some(s) = val("priority") {
            q.priority = v.check("priority", parse_word(Priority::parse, &s, "priority"));
        }
        if let Some(s) = val("sla") {
            q.sla = v.check("sla", parse_word(SlaState::parse, &s, "sla"));
        }
        if let Some(s) = val("assignee") {
            q.assignee = match s.as_str() {
                "me" => Some(AssigneeFilter::User(me)),
                "none" => Some(AssigneeFilter::Nobody),
                n => match n.parse::<i64>() {
                    Ok(id) if id > 0 => Some(AssigneeFilter::User(UserId(id))),
                    _ => {
                        v.push("assignee", "must be a user id, `me` or `none`");
                        None
                    }
                },
            };
        }
        if let Some(s) = val("category") {
            if CATEGORIES.iter().any(|(k, _)| *k == s) {
                q.category = Some(s);
            } else {
                v.push("category", format!("unknown category `{s}`"));
            }
        }
        v.finish()?;
        Ok(q)
    }
}

fn parse_word<T>(f: impl Fn(&str) -> Option<T>, s: &str, field: &str) -> Result<T> {
    f(s).ok_or_else(|| Error::invalid(field, format!("unknown value `{s}`")))
}

pub trait CaseStore: Send + Sync {
    fn insert_case(
        &self,
        case: &Case,
        log: &NewLogEntry,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<CaseId>> + Send;
    fn get_case(
        &self,
        company: CompanyId,
        id: CaseId,
    ) -> impl Future<Output = Result<Option<Case>>> + Send;
    fn list_cases(
        &self,
        company: CompanyId,
        q: &CaseQuery,
    ) -> impl Future<Output = Result<Page<Case>>> + Send;
    /// Open cases counted by SLA state (only those opened by `opened_by` when given), in
    /// one grouped read.
    fn open_cases_by_sla(
        &self,
        company: CompanyId,
        opened_by: Option<UserId>,
    ) -> impl Future<Output = Result<Vec<(SlaState, u64)>>> + Send;
    /// The log, oldest first; internal entries only when asked.
    fn case_log(
        &self,
        company: CompanyId,
        id: CaseId,
        internal: bool,
    ) -> impl Future<Output = Result<Vec<LogEntry>>> + Send;
    /// Writes the case's changeable fields if its stored version is still `case.version`
    /// (bumping it), with the log entries and the audit event; `Conflict` otherwise.
    fn update_case(
        &self,
        case: &Case,
        log: &[NewLogEntry],
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The company's settings, the defaults when never saved.
    fn sla_settings(&self, company: CompanyId) -> impl Future<Output = Result<SlaSettings>> + Send;
    fn holidays(&self, company: CompanyId) -> impl Future<Output = Result<Vec<Holiday>>> + Send;
    /// Saves targets, calendar and holidays if the version is still `settings.version`.
    fn save_sla_settings(
        &self,
        company: CompanyId,
        settings: &SlaSettings,
        holidays: &[Holiday],
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Every open case of every company, for the SLA job.
    fn open_sla_cases(&self) -> impl Future<Output = Result<Vec<SlaCase>>> + Send;
    /// Writes the job's findings. An event is recorded only if it was not before (each
    /// with an internal log entry and an audit event); returns, per update, the events
    /// that were new.
    fn apply_sla(
        &self,
        updates: &[SlaUpdate],
        now: Timestamp,
    ) -> impl Future<Output = Result<Vec<Vec<SlaEvent>>>> + Send;
    /// Active users who may work cases (escalations.update at company scope): (id, name).
    fn case_staff(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<(UserId, String)>>> + Send;
    /// Active users who hold escalations.approve at company scope (breaches go to them).
    fn case_managers(&self, company: CompanyId)
        -> impl Future<Output = Result<Vec<UserId>>> + Send;
    /// Cases opened in `[from, to)` for the report.
    fn report_cases(
        &self,
        company: CompanyId,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Future<Output = Result<Vec<Case>>> + Send;
}

// ---------------------------------------------------------------------------------------
// Access
// ---------------------------------------------------------------------------------------

fn perm(action: Action) -> Permission {
    Permission::new(Domain::Escalations, action)
}

/// The back office: reads every case of the company, with internal notes.
pub fn is_back_office(actor: &Actor) -> bool {
    actor.scope_for(perm(Action::Read)) == Some(Scope::Company)
}

/// May work cases (take, assign, log, change status).
pub fn can_work(actor: &Actor) -> bool {
    actor.scope_for(perm(Action::Update)) == Some(Scope::Company)
}

/// May change the service levels (the escalation manager).
pub fn can_configure(actor: &Actor) -> bool {
    actor.scope_for(perm(Action::Approve)) == Some(Scope::Company)
}

fn require(ok: bool) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

async fn load(store: &impl CaseStore, actor: &Actor, id: CaseId, action: Action) -> Result<Case> {
    let case = store
        .get_case(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "case" })?;
    match authorize(actor, perm(action), &case.target()) {
        Ok(()) => Ok(case),
        // Someone else's case is not there for an own-scope reader.
        Err(Error::Forbidden) if actor.can(perm(Action::Read)) && !is_back_office(actor) => {
            Err(Error::NotFound { entity: "case" })
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------

fn text(v: &mut Validator, field: &str, s: &str, min: usize, max: usize) -> String {
    v.text(field, s, max, min > 0)
}

fn valid_email(s: &str) -> bool {
    crate::input::Email::is_valid(s)
}

fn valid_phone(s: &str) -> bool {
    crate::input::Phone::parse("customer_phone", s).is_ok()
}

// ---------------------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------------------

/// Opens a case (the front office, or the back office on a customer's call).
pub async fn create_case<S: CaseStore + JobStore>(
    store: &S,
    actor: &Actor,
    input: &CaseInput,
) -> Result<Case> {
    let target = Target {
        company: actor.company_id,
        owner: Some(actor.user_id),
        department: None,
    };
    authorize(actor, perm(Action::Create), &target)?;
    let opened_by = actor
        .author()
        .ok_or_else(|| Error::invalid("opened_by", "a case is opened by a signed-in user"))?;
    let mut v = Validator::new();
    let customer_name = text(&mut v, "customer_name", &input.customer_name, 1, 200);
    let customer_email = input.customer_email.trim().to_lowercase();
    if !customer_email.is_empty() && !valid_email(&customer_email) {
        v.push("customer_email", "is not an e-mail address");
    }
    let customer_phone = input.customer_phone.trim().to_string();
    if !customer_phone.is_empty() && !valid_phone(&customer_phone) {
        v.push("customer_phone", "is not a phone number");
    }
    if customer_email.is_empty() && customer_phone.is_empty() {
        v.push("customer_email", "give an e-mail address or a phone number");
    }
    let customer_ref = text(&mut v, "customer_ref", &input.customer_ref, 0, 100);
    // A subject is one line: it heads the e-mails to the customer.
    let subject = v.line("subject", &input.subject, 200, true);
    let description = text(&mut v, "description", &input.description, 0, 20_000);
    let category = input.category.trim().to_string();
    if !CATEGORIES.iter().any(|(k, _)| *k == category) {
        v.push("category", "choose a category");
    }
    let priority = match input.priority.trim() {
        "" => Some(Priority::Normal),
        p => v.check("priority", parse_word(Priority::parse, p, "priority")),
    };
    v.finish()?;
    let priority = priority.unwrap_or(Priority::Normal);
    let settings = store.sla_settings(actor.company_id).await?;
    let now = Timestamp::now();
    let mut case = Case {
        id: CaseId(0),
        company: actor.company_id,
        customer_name,
        customer_email,
        customer_phone,
        customer_ref,
        subject,
        description,
        category,
        priority,
        status: CaseStatus::New,
        opened_by,
        opened_by_name: actor.display_name.clone(),
        assignee: None,
        assignee_name: None,
        created_at: now,
        updated_at: now,
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        paused_since: None,
        paused_micros: 0,
        first_response_due: None,
        resolution_due: None,
        sla_state: SlaState::OnTrack,
        response_warned_at: None,
        response_breached_at: None,
        resolution_warned_at: None,
        resolution_breached_at: None,
        first_response_micros: None,
        resolution_micros: None,
        resolution: String::new(),
        resolution_category: String::new(),
        version: 1,
    };
    refresh_sla(&mut case, &settings, now);
    let audit = AuditDraft::by(
        actor,
        "case",
        None,
        "create",
        json!({"subject": case.subject, "customer": case.customer_name, "category": case.category, "priority": case.priority}),
    );
    let log = NewLogEntry {
        kind: LogKind::Status,
        body: "Case opened.".into(),
        author: Some(opened_by),
        mail_to: None,
    };
    let id = store.insert_case(&case, &log, audit).await?;
    case.id = id;
    // Keeps the SLA job's chain going (it also starts with the worker); at most one per minute.
    if let Err(e) = ensure_sla_scheduled(store).await {
        tracing::warn!(error = %e, "could not schedule the SLA job");
    }
    Ok(case)
}

pub async fn get_case(store: &impl CaseStore, actor: &Actor, id: CaseId) -> Result<Case> {
    load(store, actor, id, Action::Read).await
}

/// The log the actor may see: the front office never gets internal entries.
pub async fn case_log(store: &impl CaseStore, actor: &Actor, id: CaseId) -> Result<Vec<LogEntry>> {
    load(store, actor, id, Action::Read).await?;
    store
        .case_log(actor.company_id, id, is_back_office(actor))
        .await
}

fn scoped(actor: &Actor, q: &CaseQuery) -> Result<CaseQuery> {
    let scope = crate::auth::list_scope(actor, perm(Action::Read))?;
    let mut q = q.clone();
    if scope != Scope::Company {
        q.opened_by = Some(actor.user_id);
    }
    Ok(q)
}

/// The queue (back office) or the actor's own cases (front office).
pub async fn list_cases(
    store: &impl CaseStore,
    actor: &Actor,
    q: &CaseQuery,
) -> Result<Page<Case>> {
    let q = scoped(actor, q)?;
    store.list_cases(actor.company_id, &q).await
}

/// The open cases the actor may see, counted by SLA state (states with none are left out).
pub async fn open_by_sla(store: &impl CaseStore, actor: &Actor) -> Result<Vec<(SlaState, u64)>> {
    let q = scoped(actor, &CaseQuery::default())?;
    store.open_cases_by_sla(actor.company_id, q.opened_by).await
}

pub async fn export_cases(
    store: &impl CaseStore,
    actor: &Actor,
    q: &CaseQuery,
) -> Result<Vec<Case>> {
    authorize(
        actor,
        perm(Action::Export),
        &Target {
            company: actor.company_id,
            owner: Some(actor.user_id),
            department: None,
        },
    )
    .or_else(|_| {
        // The front office exports what it sees (its own cases) with its read grant.
        if actor.can(perm(Action::Read)) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    })?;
    let mut q = scoped(actor, q)?;
    q.paging = Paging::export();
    Ok(store.list_cases(actor.company_id, &q).await?.items)
}

/// People a case can be assigned to.
pub async fn staff(store: &impl CaseStore, actor: &Actor) -> Result<Vec<(UserId, String)>> {
    require(is_back_office(actor))?;
    store.case_staff(actor.company_id).await
}

/// What a back-office person does to a case.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseAction {
    /// Assign to oneself.
    Take,
    /// Assign to someone (None: unassign), with an optional note.
    Assign {
        to: Option<UserId>,
        note: String,
    },
    /// An internal note.
    Note {
        body: String,
    },
    /// A phone call: what was said.
    Call {
        body: String,
    },
    /// A message e-mailed to the customer and logged.
    Message {
        subject: String,
        body: String,
    },
    /// From the front office: a comment the back office sees.
    Comment {
        body: String,
    },
    /// To in progress or waiting on the customer.
    SetStatus {
        status: CaseStatus,
        note: String,
    },
    Resolve {
        resolution: String,
        category: String,
    },
    Close,
    Reopen {
        reason: String,
    },
    /// Change the priority (the due times follow).
    SetPriority {
        priority: Priority,
    },
}

impl CaseAction {
    fn name(&self) -> &'static str {
        match self {
            CaseAction::Take => "take",
            CaseAction::Assign { .. } => "assign",
            CaseAction::Note { .. } => "note",
            CaseAction::Call { .. } => "call",
            CaseAction::Message { .. } => "message",
            CaseAction::Comment { .. } => "comment",
            CaseAction::SetStatus { .. } => "status",
            CaseAction::Resolve { .. } => "resolve",
            CaseAction::Close => "close",
            CaseAction::Reopen { .. } => "reopen",
            CaseAction::SetPriority { .. } => "priority",
        }
    }
}

fn body_of(field: &str, s: &str) -> Result<String> {
    let mut v = Validator::new();
    let t = text(&mut v, field, s, 1, 20_000);
    v.finish()?;
    Ok(t)
}

/// Applies an action at the case's `version` (the one the person saw): 409 when it changed.
pub async fn act<S: CaseStore + JobStore + NotifyStore>(
    store: &S,
    actor: &Actor,
    id: CaseId,
    version: Option<i64>,
    action: CaseAction,
) -> Result<Case> {
    let front_office_comment = matches!(action, CaseAction::Comment { .. });
    let before = load(store, actor, id, Action::Update).await?;
    if !front_office_comment {
        require(can_work(actor))?;
    }
    if let Some(v) = version {
        if v != before.version {
            return Err(Error::conflict(
                "the case was changed by someone else since you opened it; reload and try again",
            ));
        }
    }
    let settings = store.sla_settings(actor.company_id).await?;
    let now = Timestamp::now();
    let me = actor.author();
    let mut c = before.clone();
    let mut log: Vec<NewLogEntry> = Vec::new();
    let entry = |kind, body: String| NewLogEntry {
        kind,
        body,
        author: me,
        mail_to: None,
    };
    let closed = |c: &Case| -> Result<()> {
        if c.status.is_open() {
            Ok(())
        } else {
            Err(Error::conflict(
                "the case is resolved or closed; reopen it first",
            ))
        }
    };
    let mut responded = false;
    match &action {
        CaseAction::Take => {
            closed(&c)?;
            let who = me.ok_or(Error::Forbidden)?;
            c.assignee = Some(who);
            c.assignee_name = Some(actor.display_name.clone());
            if c.status == CaseStatus::New {
                c.status = CaseStatus::InProgress;
            }
            log.push(entry(
                LogKind::Assign,
                format!("Taken by {}.", actor.display_name),
            ));
        }
        CaseAction::Assign { to, note } => {
            closed(&c)?;
            match to {
                Some(u) => {
                    let staff = store.case_staff(actor.company_id).await?;
                    let name = staff
                        .iter()
                        .find(|(id, _)| id == u)
                        .map(|(_, n)| n.clone())
                        .ok_or_else(|| {
                            Error::invalid("assignee", "is not someone who works cases here")
                        })?;
                    c.assignee = Some(*u);
                    c.assignee_name = Some(name.clone());
                    if c.status == CaseStatus::New {
                        c.status = CaseStatus::InProgress;
                    }
                    let note = note.trim();
                    log.push(entry(
                        LogKind::Assign,
                        if note.is_empty() {
                            format!("Assigned to {name}.")
                        } else {
                            format!("Assigned to {name}: {note}")
                        },
                    ));
                }
                None => {
                    c.assignee = None;
                    c.assignee_name = None;
                    log.push(entry(LogKind::Assign, "Unassigned.".into()));
                }
            }
        }
        CaseAction::Note { body } => log.push(entry(LogKind::Note, body_of("body", body)?)),
        CaseAction::Call { body } => {
            log.push(entry(LogKind::Call, body_of("body", body)?));
            responded = true;
        }
        CaseAction::Comment { body } => log.push(entry(LogKind::Comment, body_of("body", body)?)),
        CaseAction::Message { subject, body } => {
            let body = body_of("body", body)?;
            let to = c.customer_email.clone();
            if to.is_empty() {
                return Err(Error::invalid(
                    "body",
                    "the customer has no e-mail address; call them and log the call",
                ));
            }
            // The subject given, or the case's: one line of at most 200 characters either
            // way (the case's own may be 200 long, and one opened before subjects were lines
            // may hold a line break), so the default never fails on a field nobody sent.
            let subject = match subject.trim() {
                "" => format!(
                    "[Case #{}] {}",
                    c.id,
                    c.subject.split_whitespace().collect::<Vec<_>>().join(" ")
                ),
                s => s.to_string(),
            };
            let subject: String = subject.chars().take(200).collect();
            if subject.chars().any(char::is_control) {
                return Err(Error::invalid("subject", "must be one line"));
            }
            // Enqueued before the log is written: should that fail (someone changed the case
            // meanwhile), the customer has the message and the person retrying sees the 409.
            super::notify::send_mail(
                store,
                super::notify::Mail {
                    company: Some(c.company),
                    to: to.clone(),
                    subject,
                    body: body.clone(),
                    reply_to: None,
                    ..Default::default()
                },
            )
            .await?;
            log.push(NewLogEntry {
                kind: LogKind::Message,
                body,
                author: me,
                mail_to: Some(to),
            });
            responded = true;
        }
        CaseAction::SetStatus { status, note } => {
            closed(&c)?;
            if !matches!(
                status,
                CaseStatus::InProgress | CaseStatus::WaitingOnCustomer
            ) {
                return Err(Error::invalid(
                    "status",
                    "use resolve, close or reopen for that",
                ));
            }
            if *status == c.status {
                return Err(Error::invalid("status", "the case has that status already"));
            }
            set_status(&mut c, *status, &settings, now);
            let note = note.trim();
            log.push(entry(
                LogKind::Status,
                if note.is_empty() {
                    format!("Status: {}.", status.label())
                } else {
                    format!("Status: {}. {note}", status.label())
                },
            ));
        }
        CaseAction::Resolve {
            resolution,
            category,
        } => {
            closed(&c)?;
            let mut v = Validator::new();
            let r = text(&mut v, "resolution", resolution, 1, 20_000);
            if !RESOLUTION_CATEGORIES.iter().any(|(k, _)| k == category) {
                v.push("resolution_category", "choose how it was resolved");
            }
            v.finish()?;
            set_status(&mut c, CaseStatus::Resolved, &settings, now);
            c.resolution = r.clone();
            c.resolution_category = category.clone();
            c.resolved_at = Some(now);
            c.resolution_micros = Some(sla::used(
                c.created_at,
                c.paused_micros,
                now,
                &settings.calendar,
            ));
            if c.resolution_breached_at.is_none()
                && c.resolution_micros.unwrap_or(0)
                    >= sla::minutes(settings.target(c.priority).resolution_minutes)
            {
                c.resolution_breached_at = Some(now);
            }
            responded = true;
            log.push(entry(
                LogKind::Status,
                format!("Resolved ({}): {r}", category_label(category)),
            ));
        }
        CaseAction::Close => {
            if c.status != CaseStatus::Resolved {
                return Err(Error::conflict("only a resolved case can be closed"));
            }
            c.status = CaseStatus::Closed;
            c.closed_at = Some(now);
            log.push(entry(LogKind::Status, "Closed.".into()));
        }
        CaseAction::Reopen { reason } => {
            if c.status.is_open() {
                return Err(Error::conflict("the case is open"));
            }
            let reason = body_of("reason", reason)?;
            c.status = CaseStatus::InProgress;
            c.resolved_at = None;
            c.closed_at = None;
            c.resolution_micros = None;
            log.push(entry(LogKind::Status, format!("Reopened: {reason}")));
        }
        CaseAction::SetPriority { priority } => {
            closed(&c)?;
            if *priority == c.priority {
                return Err(Error::invalid(
                    "priority",
                    "the case has that priority already",
                ));
            }
            log.push(entry(
                LogKind::Status,
                format!("Priority: {} → {}.", c.priority.label(), priority.label()),
            ));
            c.priority = *priority;
        }
    }
    if responded && c.first_response_at.is_none() && can_work(actor) {
        c.first_response_at = Some(now);
        let used = sla::used(c.created_at, c.paused_micros, now, &settings.calendar);
        c.first_response_micros = Some(used.max(0));
        if c.response_breached_at.is_none()
            && used >= sla::minutes(settings.target(c.priority).first_response_minutes)
        {
            c.response_breached_at = Some(now);
        }
    }
    c.updated_at = now;
    refresh_sla(&mut c, &settings, now);
    let changes = crate::audit::diff(&audit_view(&before), &audit_view(&c));
    let audit = AuditDraft::by(
        actor,
        "case",
        Some(id.to_string()),
        action.name(),
        json!({"changes": changes, "log": log.iter().map(|l| l.kind.as_str()).collect::<Vec<_>>()}),
    );
    store.update_case(&c, &log, audit).await?;
    let assigned_other = match &action {
        CaseAction::Assign { to: Some(u), .. } if Some(*u) != me => Some(*u),
        _ => None,
    };
    if let Some(u) = assigned_other {
        notify_people(
            store,
            c.company,
            &[u],
            "case.assigned",
            &format!("Case #{} assigned to you: {}", c.id, c.subject),
            &format!("{} assigned you a case.", actor.display_name),
            c.id,
        )
        .await;
    }
    c.version += 1;
    Ok(c)
}

fn set_status(c: &mut Case, status: CaseStatus, s: &SlaSettings, now: Timestamp) {
    // Leaving "waiting on the customer" resumes the timers: the pause is kept.
    sla::resume(&mut c.paused_since, &mut c.paused_micros, now, &s.calendar);
    if status == CaseStatus::WaitingOnCustomer {
        c.paused_since = Some(now);
    }
    c.status = status;
}

fn audit_view(c: &Case) -> serde_json::Value {
    json!({
        "status": c.status, "priority": c.priority, "assignee": c.assignee,
        "resolution": c.resolution, "resolution_category": c.resolution_category,
        "paused_micros": c.paused_micros, "first_response_at": c.first_response_at,
    })
}

async fn notify_people<S: JobStore + NotifyStore>(
    store: &S,
    company: CompanyId,
    users: &[UserId],
    kind: &str,
    title: &str,
    body: &str,
    case: CaseId,
) {
    let items: Vec<super::notify::NewNotification> = users
        .iter()
        .map(|u| super::notify::NewNotification {
            company,
            user: *u,
            kind: kind.to_string(),
            title: title.to_string(),
            body: body.to_string(),
            link: Some(format!("/cases/{case}")),
        })
        .collect();
    if items.is_empty() {
        return;
    }
    // A notification that cannot be delivered must not undo the change it reports.
    if let Err(e) = super::notify::notify(store, items).await {
        tracing::warn!(error = %e, case = case.0, "case notification failed");
    }
}

pub use crate::time::parse_optional_date as parse_day;

/// Registers `work.sla`: evaluates all open cases, then schedules the next minute's run.
/// Cases as a kind of record (links, attachments).
pub const RECORD: &str = "case";

/// Who sees a case sees its attachments; the back office, and the front-office person who
/// opened it, add them; the back office removes anyone's.
pub fn attachment_access<S: CaseStore + Clone + 'static>(store: S) -> AttachmentHandler {
    crate::registry::attachment_rule(move |actor: Actor, id: i64| {
        let store = store.clone();
        async move {
            let c = get_case(&store, &actor, CaseId(id)).await?;
            let work = can_work(&actor);
            let mine = actor.author() == Some(c.opened_by)
                && actor.can(Permission::new(Domain::Escalations, Action::Create));
            Ok(AttachAccess {
                add: (work || mine) && !actor.read_only,
                remove_any: work && !actor.read_only,
            })
        }
    })
}

pub fn register_jobs<S>(registry: &mut Handlers, store: S)
where
    S: CaseStore + JobStore + NotifyStore + Clone + 'static,
{
    let Ok(kind) = JobKind::new(SLA_JOB) else {
        return;
    };
    registry.register(&kind, move |_job| {
        let store = store.clone();
        async move {
            let r = evaluate_sla(&store, Timestamp::now()).await?;
            if r.warnings + r.breaches > 0 {
                tracing::info!(
                    evaluated = r.evaluated,
                    warnings = r.warnings,
                    breaches = r.breaches,
                    "SLA run"
                );
            }
            ensure_sla_scheduled(&store).await?;
            Ok(())
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case_at(created: Timestamp, priority: Priority) -> SlaCase {
        SlaCase {
            id: CaseId(1),
            company: CompanyId(1),
            subject: "x".into(),
            priority,
            status: CaseStatus::New,
            assignee: None,
            created_at: created,
            first_response_at: None,
            paused_since: None,
            paused_micros: 0,
            first_response_due: None,
            resolution_due: None,
            sla_state: SlaState::OnTrack,
            response_warned: false,
            response_breached: false,
            resolution_warned: false,
            resolution_breached: false,
        }
    }

    fn monday_9() -> Timestamp {
        // 2026-11-30 is a Monday.
        Timestamp::start_of_day("2026-11-30")
            .map(|t| t.plus_secs(9 * 3600))
            .expect("date")
    }

    #[test]
    fn warns_then_breaches_each_once() {
        let s = SlaSettings::default();
        let mut c = case_at(monday_9(), Priority::Urgent); // 60 min first response
        let u = evaluate_case(&c, &s, monday_9().plus_secs(10 * 60)).expect("dues set");
        assert_eq!(u.sla_state, SlaState::OnTrack);
        assert!(u.events.is_empty());
        c.first_response_due = u.first_response_due;
        c.resolution_due = u.resolution_due;
        assert_eq!(evaluate_case(&c, &s, monday_9().plus_secs(11 * 60)), None);
        let u = evaluate_case(&c, &s, monday_9().plus_secs(50 * 60)).expect("warning");
        assert_eq!(u.events, vec![SlaEvent::ResponseWarning]);
        assert_eq!(u.sla_state, SlaState::Warning);
        c.response_warned = true;
        c.sla_state = SlaState::Warning;
        assert_eq!(evaluate_case(&c, &s, monday_9().plus_secs(55 * 60)), None);
        let u = evaluate_case(&c, &s, monday_9().plus_secs(61 * 60)).expect("breach");
        assert_eq!(u.events, vec![SlaEvent::ResponseBreach]);
        assert_eq!(u.sla_state, SlaState::Breached);
        c.response_breached = true;
        c.sla_state = SlaState::Breached;
        assert_eq!(evaluate_case(&c, &s, monday_9().plus_secs(62 * 60)), None);
    }

    #[test]
    fn nights_do_not_count_and_pauses_move_the_due_time() {
        let s = SlaSettings::default();
        // Opened Monday 16:30, urgent: first response due Tuesday 09:30.
        let created = monday_9().plus_secs(7 * 3600 + 1800);
        let (fr, _) = due_times(created, 0, None, Priority::Urgent, &s);
        assert_eq!(fr, Some(monday_9().plus_secs(24 * 3600 + 1800)));
        let (fr, _) = due_times(created, sla::minutes(15), None, Priority::Urgent, &s);
        assert_eq!(fr, Some(monday_9().plus_secs(24 * 3600 + 2700)));
        let mut c = case_at(created, Priority::Urgent);
        c.paused_since = Some(created);
        let u = evaluate_case(&c, &s, created.plus_secs(86_400 * 3)).expect("paused");
        assert_eq!(u.sla_state, SlaState::Paused);
        assert!(u.events.is_empty());
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3, 1, 2]), Some(2));
        assert_eq!(median(&mut [4, 1, 2, 3]), Some(2));
        assert_eq!(rate(3, 1), Some(75));
    }

    #[test]
    fn filters_parse_or_name_the_field() {
        let q = CaseQuery::filters_from(UserId(5), |k| match k {
            "status" => Some("open".into()),
            "assignee" => Some("me".into()),
            "priority" => Some("urgent".into()),
            _ => None,
        })
        .expect("ok");
        assert!(q.open_only);
        assert_eq!(q.assignee, Some(AssigneeFilter::User(UserId(5))));
        assert_eq!(q.priority, Some(Priority::Urgent));
        let e = CaseQuery::filters_from(UserId(5), |k| (k == "sla").then(|| "late".into()))
            .expect_err("bad");
        assert_eq!(e.field_errors()[0].field, "sla");
    }
}
