//! One approval engine for every kind of request. A domain asks for a decision with
//! [`submit`] (kind, subject record, title, amount, department); the kind's policy gives
//! the chain: ordered levels, each with an amount threshold and an approver rule
//! (`manager`, `role:<key>`, `admin`, `user:<id>`), fixed into steps when the request is
//! submitted. Approvers decide one step at a time in their inbox; nobody decides their own
//! request, also not as a delegate; out-of-office delegates decide "X for Y"; a step waiting
//! past its deadline is escalated by the `work.approvals.escalate` job. The final decision
//! is handed back to the domain ([`dispatch`]): a ledger entry posts or goes back to draft.
//!
//! approvals/policies.rs: policies and their rules; delegations.rs: out of office;
//! escalation.rs: the escalation job; notifications.rs: who is told what.
mod delegations;
mod escalation;
mod notifications;
mod policies;

pub use delegations::*;
pub use escalation::*;
pub use notifications::*;
pub use policies::*;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::future::Future;

use crate::audit::AuditDraft;
use crate::auth::{authorize, Action, Actor, Domain, Permission, Scope, Target};
use crate::departments::{self, DepartmentStore, ReportingLine};
use crate::ids::{CompanyId, DepartmentId, UserId};
use crate::jobs::{Handlers, JobError, JobKind, JobStore, NewJob};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::money::{format_minor, Currency, Money};
use crate::registry::{ApprovalKind, Decision, Registry};
use crate::time::Timestamp;
use crate::work::RecordRef;
use crate::{Error, Result};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct ApprovalId(pub i64);

impl std::fmt::Display for ApprovalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The job that escalates overdue steps.
pub const ESCALATE_JOB: &str = "work.approvals.escalate";
/// Hours a step may wait when a policy does not say.
pub const DEFAULT_DEADLINE_HOURS: i64 = 48;
/// The most a request may be for to be approved in bulk, in whole company-currency units,
/// when its policy does not say.
pub const DEFAULT_BULK_LIMIT_UNITS: i64 = 1_000;
const MAX_TITLE: usize = 200;
const MAX_TEXT: usize = 4000;
const MAX_LEVELS: usize = 10;

/// Approval requests as a kind of record (a task may link to one).
pub const RECORD: &str = "approval";

/// Work's own kinds: requests people ask for directly from the inbox, with a title and
/// an amount. Domains register the kinds that come from their own flows.
pub const GENERAL: ApprovalKind = ApprovalKind {
    key: "general",
    label: "Other request",
    direct: true,
    lead_role: "admin",
    lead_decides: false,
};
/// A purchase asked for directly (until procurement's requisitions replace it).
pub const PURCHASE: ApprovalKind = ApprovalKind {
    key: "purchase",
    label: "Purchase request",
    direct: true,
    lead_role: "procurement_lead",
    lead_decides: false,
};
/// An expense asked for directly (until expense claims replace it).
pub const EXPENSE: ApprovalKind = ApprovalKind {
    key: "expense",
    label: "Expense",
    direct: true,
    lead_role: "accounting_lead",
    lead_decides: false,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
}

impl RequestStatus {
    /// Every status by name, as [`RequestStatus::parse`] reads them.
    pub const NAMES: &'static [&'static str] = &["pending", "approved", "rejected"];
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(RequestStatus::Pending),
            "approved" => Some(RequestStatus::Approved),
            "rejected" => Some(RequestStatus::Rejected),
            _ => None,
        }
    }
}

/// `waiting` (a later level), `pending` (its turn), `approved`, `rejected`, `escalated`
/// (overdue: the next level took over), `skipped` (decided elsewhere, e.g. in the ledger).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Waiting,
    Pending,
    Approved,
    Rejected,
    Escalated,
    Skipped,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Waiting => "waiting",
            StepStatus::Pending => "pending",
            StepStatus::Approved => "approved",
            StepStatus::Rejected => "rejected",
            StepStatus::Escalated => "escalated",
            StepStatus::Skipped => "skipped",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            StepStatus::Waiting,
            StepStatus::Pending,
            StepStatus::Approved,
            StepStatus::Rejected,
            StepStatus::Escalated,
            StepStatus::Skipped,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub id: i64,
    pub position: i64,
    pub rule: String,
    pub approver_user: Option<UserId>,
    pub approver_role: Option<String>,
    /// Who the rule names, for people: "Alex Morgan", "any Accounting lead".
    pub approver_label: String,
    pub status: StepStatus,
    pub due_at: Option<Timestamp>,
    pub decided_by: Option<UserId>,
    pub decided_by_name: Option<String>,
    pub on_behalf_of: Option<UserId>,
    pub on_behalf_of_name: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub comment: String,
}

impl Step {
    /// "Priya Shah for Alex Morgan" when a delegate decided.
    pub fn decided_label(&self) -> String {
        match (&self.decided_by_name, &self.on_behalf_of_name) {
            (Some(by), Some(for_)) => format!("{by} for {for_}"),
            (Some(by), None) => by.clone(),
            _ => String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovalRequest {
    pub id: ApprovalId,
    pub company: CompanyId,
    pub kind: String,
    pub subject: Option<RecordRef>,
    pub title: String,
    pub description: String,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub department: Option<DepartmentId>,
    pub department_name: Option<String>,
    pub requester: Option<UserId>,
    pub requester_name: String,
    pub status: RequestStatus,
    pub deadline_hours: i64,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    pub steps: Vec<Step>,
    pub version: i64,
}

impl ApprovalRequest {
    pub fn current_step(&self) -> Option<&Step> {
        self.steps.iter().find(|s| s.status == StepStatus::Pending)
    }
    pub fn amount_text(&self) -> String {
        money_text(self.amount, self.currency.as_deref())
    }
}

/// `1234.50 EUR`, or empty without an amount.
pub fn money_text(amount: Option<i64>, currency: Option<&str>) -> String {
    match (amount, currency) {
        (Some(a), Some(c)) => {
            let p = Currency::parse(c).map(|c| c.precision()).unwrap_or(2);
            format!("{} {c}", format_minor(a, p))
        }
        _ => String::new(),
    }
}

/// One row of an inbox or "my requests".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovalSummary {
    pub id: ApprovalId,
    pub kind: String,
    pub subject: Option<RecordRef>,
    pub title: String,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub requester_name: String,
    pub department_name: Option<String>,
    pub status: RequestStatus,
    pub created_at: Timestamp,
    /// The step whose turn it is.
    pub step_position: Option<i64>,
    pub step_label: Option<String>,
    pub step_due_at: Option<Timestamp>,
}

impl ApprovalSummary {
    pub fn amount_text(&self) -> String {
        money_text(self.amount, self.currency.as_deref())
    }
    pub fn overdue(&self) -> bool {
        self.step_due_at.is_some_and(|d| d < Timestamp::now())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApprovalSort {
    #[default]
    Created,
    Due,
    Amount,
    Title,
    Kind,
}

impl SortKey for ApprovalSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("created", ApprovalSort::Created),
        ("due", ApprovalSort::Due),
        ("amount", ApprovalSort::Amount),
        ("title", ApprovalSort::Title),
        ("kind", ApprovalSort::Kind),
    ];
}

/// Which requests a list shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Mailbox {
    /// Waiting for one of these people (me and those I stand in for) or roles.
    #[default]
    Inbox,
    /// Asked for by me.
    Mine,
}

#[derive(Debug, Clone, Default)]
pub struct ApprovalQuery {
    pub mailbox: Mailbox,
    pub kind: Option<String>,
    pub status: Option<RequestStatus>,
    pub search: Option<String>,
    /// Only requests up to this amount (bulk approval lists).
    pub max_amount: Option<i64>,
    pub sort: ApprovalSort,
    pub dir: SortDir,
    pub paging: Paging,
}

/// What the store filters an inbox by, computed by the service.
#[derive(Debug, Clone, Default)]
pub struct InboxFor {
    pub me: UserId,
    pub users: Vec<UserId>,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delegation {
    pub id: i64,
    pub user: UserId,
    pub user_name: String,
    pub delegate: UserId,
    pub delegate_name: String,
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub note: String,
}

/// A checked out-of-office delegation, for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelegation {
    pub user: UserId,
    pub delegate: UserId,
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub note: String,
}

/// A step as the service plans it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStep {
    pub position: i64,
    pub rule: String,
    pub approver_user: Option<UserId>,
    pub approver_role: Option<String>,
    pub status: StepStatus,
    pub due_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct NewRequestRow {
    pub kind: String,
    pub subject: Option<RecordRef>,
    pub title: String,
    pub description: String,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub department: Option<DepartmentId>,
    pub requester: Option<UserId>,
    pub deadline_hours: i64,
}

/// A step's decision, with what follows from it: the next step that becomes due, or the
/// request's final status.
#[derive(Debug, Clone)]
pub struct StepChange {
    pub request: ApprovalId,
    pub step_id: i64,
    pub status: StepStatus,
    pub decided_by: Option<UserId>,
    pub on_behalf_of: Option<UserId>,
    pub comment: String,
    /// Step id and due time of the step whose turn it becomes.
    pub next: Option<(i64, Timestamp)>,
    /// A step to add at the end (escalation to the admin).
    pub append: Option<NewStep>,
    /// Set when the request is decided; later steps become `skipped`.
    pub final_status: Option<RequestStatus>,
    /// Push the current step's deadline (escalation without a higher level).
    pub new_due: Option<Timestamp>,
}

pub trait ApprovalStore: Send + Sync {
    fn policies(&self, company: CompanyId) -> impl Future<Output = Result<Vec<Policy>>> + Send;
    /// Inserts (`policy.id` none) or replaces a policy; the version must match.
    fn save_policy(
        &self,
        company: CompanyId,
        policy: &Policy,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    fn delete_policy(
        &self,
        company: CompanyId,
        id: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn insert_request(
        &self,
        company: CompanyId,
        req: &NewRequestRow,
        steps: &[NewStep],
        audit: AuditDraft,
    ) -> impl Future<Output = Result<ApprovalId>> + Send;
    fn get_request(
        &self,
        company: CompanyId,
        id: ApprovalId,
    ) -> impl Future<Output = Result<Option<ApprovalRequest>>> + Send;
    /// The pending request about a record, if any.
    fn open_request_for(
        &self,
        company: CompanyId,
        subject: &RecordRef,
    ) -> impl Future<Output = Result<Option<ApprovalId>>> + Send;
    fn list_requests(
        &self,
        company: CompanyId,
        who: &InboxFor,
        q: &ApprovalQuery,
    ) -> impl Future<Output = Result<Page<ApprovalSummary>>> + Send;
    /// Applies a decision if the step is still pending (else `Conflict`), with its audit
    /// event, in one transaction.
    fn change_step(
        &self,
        company: CompanyId,
        change: &StepChange,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Pending steps due before `now`, of every company: (company, request).
    fn overdue(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(CompanyId, ApprovalId)>>> + Send;
    fn delegations(
        &self,
        company: CompanyId,
        user: Option<UserId>,
    ) -> impl Future<Output = Result<Vec<Delegation>>> + Send;
    fn insert_delegation(
        &self,
        company: CompanyId,
        d: &NewDelegation,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    fn delete_delegation(
        &self,
        company: CompanyId,
        id: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The role keys a member holds in the company.
    fn role_keys_of(
        &self,
        company: CompanyId,
        user: UserId,
    ) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// The enabled members holding a role.
    fn holders_of(
        &self,
        company: CompanyId,
        role: &str,
    ) -> impl Future<Output = Result<Vec<UserId>>> + Send;
}

/// Everything the engine needs from the store: its own tables, departments and reporting
/// lines (who decides as "manager"), notifications and the jobs queue (escalation, mail).
/// Domains are reached through the [`Registry`], not the store.
pub trait ApprovalBackend:
    ApprovalStore + DepartmentStore + ReportingLine + JobStore + crate::work::notify::NotifyStore
{
}
impl<T> ApprovalBackend for T where
    T: ApprovalStore
        + DepartmentStore
        + ReportingLine
        + JobStore
        + crate::work::notify::NotifyStore
{
}

/// What a domain asks for.
#[derive(Debug, Clone)]
pub struct NewApprovalRequest {
    /// The kind, as its domain declares it (and registers it).
    pub kind: ApprovalKind,
    pub subject: RecordRef,
    pub title: String,
    pub amount: Option<Money>,
    /// The requester's department when absent.
    pub department: Option<DepartmentId>,
}

/// What a person asks for directly (pages and API): only the `direct` kinds.
#[derive(Debug, Clone, Default)]
pub struct DirectRequest {
    pub kind: String,
    pub subject: Option<String>,
    pub title: String,
    pub description: String,
    pub amount: Option<String>,
    pub department: Option<DepartmentId>,
}

fn company_currency(actor: &Actor) -> Result<Currency> {
    Currency::parse(&actor.company_currency)
        .map_err(|_| Error::internal("the company has no currency"))
}

use crate::time::today;

fn date_key(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

/// For the store: `yyyymmdd`.
pub fn day_key(d: NaiveDate) -> i64 {
    date_key(d)
}

fn hours(h: i64) -> i64 {
    h.saturating_mul(3600)
}

/// The policy that applies to a kind in a department.
pub async fn policy_for(
    store: &impl ApprovalStore,
    company: CompanyId,
    currency: &Currency,
    kind: &ApprovalKind,
    department: Option<DepartmentId>,
) -> Result<Policy> {
    let all = store.policies(company).await?;
    let dept = department.and_then(|d| {
        all.iter()
            .find(|p| p.kind == kind.key && p.department == Some(d))
    });
    let general = all
        .iter()
        .find(|p| p.kind == kind.key && p.department.is_none());
    Ok(dept
        .or(general)
        .cloned()
        .unwrap_or_else(|| default_policy(kind, currency)))
}

/// Fixes the chain for a request: the levels its amount reaches, each resolved to who
/// decides. A level nobody but the requester could decide is left out (the next level
/// takes it); when none is left, the admin decides.
async fn plan_steps(
    store: &(impl ApprovalStore + DepartmentStore + ReportingLine),
    company: CompanyId,
    policy: &Policy,
    amount: Option<i64>,
    department: Option<DepartmentId>,
    requester: Option<UserId>,
    now: Timestamp,
) -> Result<Vec<NewStep>> {
    let mut steps: Vec<NewStep> = Vec::new();
    for level in &policy.levels {
        let applies = level.above == 0 || amount.is_some_and(|a| a > level.above);
        if !applies {
            continue;
        }
        let (user, role) = match &level.rule {
            ApproverRule::Manager => {
                // The reporting line first, then the department's head.
                match departments::manager_of(store, company, requester, department).await? {
                    Some(m) => (Some(m), None),
                    None => continue,
                }
            }
            ApproverRule::User(u) => {
                if Some(*u) == requester {
                    continue;
                }
                (Some(*u), None)
            }
            r => {
                let role = r.role().unwrap_or_else(|| "admin".into());
                let holders = store.holders_of(company, &role).await?;
                if !holders.iter().any(|h| Some(*h) != requester) {
                    continue;
                }
                (None, Some(role))
            }
        };
        // The same approver twice in a row decides once.
        if steps
            .last()
            .is_some_and(|s| s.approver_user == user && s.approver_role == role)
        {
            continue;
        }
        steps.push(NewStep {
            position: steps.len() as i64 + 1,
            rule: level.rule.as_text(),
            approver_user: user,
            approver_role: role,
            status: StepStatus::Waiting,
            due_at: None,
        });
    }
    if steps.is_empty() {
        steps.push(NewStep {
            position: 1,
            rule: "admin".into(),
            approver_user: None,
            approver_role: Some("admin".into()),
            status: StepStatus::Waiting,
            due_at: None,
        });
    }
    steps[0].status = StepStatus::Pending;
    steps[0].due_at = Some(now.plus_secs(hours(policy.deadline_hours)));
    Ok(steps)
}

fn check_text(field: &str, s: &str, max: usize, required: bool) -> Result<String> {
    crate::input::text(field, s, max, required)
}

/// Asks for a decision. The requester is the actor; the chain comes from the kind's policy.
pub async fn submit<S: ApprovalBackend>(
    store: &S,
    actor: &Actor,
    req: NewApprovalRequest,
) -> Result<ApprovalId> {
    submit_inner(store, actor, req, String::new()).await
}

async fn submit_inner<S: ApprovalBackend>(
    store: &S,
    actor: &Actor,
    req: NewApprovalRequest,
    description: String,
) -> Result<ApprovalId> {
    let department = match req.department {
        Some(d) => Some(d),
        None => match actor.author() {
            Some(u) => store
                .member(actor.company_id, u)
                .await?
                .and_then(|m| m.department),
            None => None,
        },
    };
    authorize(
        actor,
        Permission::new(Domain::Work, Action::Create),
        &Target {
            company: actor.company_id,
            owner: Some(actor.user_id),
            department,
        },
    )?;
    let info = &req.kind;
    let title = check_text("title", &req.title, MAX_TITLE, true)?;
    let currency = company_currency(actor)?;
    let amount = match &req.amount {
        None => None,
        Some(m) if m.currency.code() != currency.code() => {
            return Err(Error::invalid(
                "amount",
                format!("must be in the company currency {}", currency.code()),
            ))
        }
        Some(m) if m.minor < 0 => return Err(Error::invalid("amount", "cannot be negative")),
        Some(m) => Some(m.minor),
    };
    if let Some(d) = req.department {
        if !store
            .departments(actor.company_id)
            .await?
            .iter()
            .any(|x| x.id == d)
        {
            return Err(Error::invalid("department_id", "no such department"));
        }
    }
    if store
        .open_request_for(actor.company_id, &req.subject)
        .await?
        .is_some()
        && req.subject.kind != "approval"
    {
        return Err(Error::conflict(format!(
            "{} is already waiting for approval",
            req.subject
        )));
    }
    let policy = policy_for(store, actor.company_id, &currency, info, department).await?;
    let now = Timestamp::now();
    let requester = actor.author();
    let steps = plan_steps(
        store,
        actor.company_id,
        &policy,
        amount,
        department,
        requester,
        now,
    )
    .await?;
    let row = NewRequestRow {
        kind: info.key.to_string(),
        subject: (req.subject.kind != "approval").then(|| req.subject.clone()),
        title: title.clone(),
        description,
        amount,
        currency: amount.map(|_| currency.code().to_string()),
        department,
        requester,
        deadline_hours: policy.deadline_hours,
    };
    let audit = AuditDraft::by(
        actor,
        "approval",
        None,
        "submit",
        json!({"kind": row.kind, "subject": row.subject.as_ref().map(|s| s.to_string()), "title": title,
               "amount": amount, "steps": steps.iter().map(|s| s.rule.clone()).collect::<Vec<_>>()}),
    );
    let id = store
        .insert_request(actor.company_id, &row, &steps, audit)
        .await?;
    if let Some(due) = steps[0].due_at {
        schedule_escalation(store, actor.company_id, id, due).await?;
    }
    if let Some(r) = store.get_request(actor.company_id, id).await? {
        tell_approvers(store, &r, Some(info.label)).await;
    }
    Ok(id)
}

/// A person's own request (the `direct` kinds).
pub async fn submit_direct<S: ApprovalBackend>(
    store: &S,
    reg: &Registry,
    actor: &Actor,
    input: &DirectRequest,
) -> Result<ApprovalId> {
    if actor
        .scope_for(Permission::new(Domain::Work, Action::Create))
        .is_none()
    {
        return Err(Error::Forbidden);
    }
    let info = *reg
        .approval_kind_of(input.kind.trim())
        .ok_or_else(|| Error::invalid("kind", format!("unknown kind `{}`", input.kind.trim())))?;
    if !info.direct {
        return Err(Error::invalid(
            "kind",
            format!(
                "{} requests come from their own page, not from here",
                info.label
            ),
        ));
    }
    let subject = match input
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => Some(reg.parse_record(s).ok_or_else(|| {
            Error::invalid("subject", "a record as kind:id, e.g. ledger.account:12")
        })?),
    };
    let description = check_text("description", &input.description, MAX_TEXT, false)?;
    let currency = company_currency(actor)?;
    let amount = match input
        .amount
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(a) => Some(Money::parse(a, currency.clone())?),
    };
    submit_inner(
        store,
        actor,
        NewApprovalRequest {
            kind: info,
            subject: subject.unwrap_or_else(|| RecordRef::new("approval", 0)),
            title: input.title.clone(),
            amount,
            department: input.department,
        },
        description,
    )
    .await
}

async fn schedule_escalation(
    store: &impl JobStore,
    company: CompanyId,
    id: ApprovalId,
    due: Timestamp,
) -> Result<()> {
    let kind = JobKind::new(ESCALATE_JOB)?;
    let job = NewJob::new(kind, json!({"company": company.0, "request": id.0}))
        .at(due.plus_secs(1))
        .dedupe(format!("approval:{id}:{}", due.0))
        .for_company(company);
    store.enqueue(&[job]).await?;
    Ok(())
}

/// How the actor stands to a request's current step: as themself (`Some(None)`), for
/// someone who delegated to them (`Some(Some(user))`), or not at all.
async fn standing(
    store: &impl ApprovalStore,
    actor: &Actor,
    req: &ApprovalRequest,
    step: &Step,
) -> Result<Option<Option<UserId>>> {
    let matches = |user: UserId, roles: &[String]| {
        step.approver_user == Some(user)
            || step
                .approver_role
                .as_ref()
                .is_some_and(|r| roles.iter().any(|k| k == r))
    };
    if matches(actor.user_id, &actor.role_keys) {
        return Ok(Some(None));
    }
    let today = today();
    for d in store
        .delegations(actor.company_id, None)
        .await?
        .into_iter()
        .filter(|d| d.delegate == actor.user_id && d.from <= today && today <= d.until)
    {
        if Some(d.user) == req.requester {
            continue;
        }
        let roles = store.role_keys_of(actor.company_id, d.user).await?;
        if matches(d.user, &roles) {
            return Ok(Some(Some(d.user)));
        }
    }
    Ok(None)
}

/// Whether the actor may see a request at all: the requester, anyone who has or had a
/// step, those they stand in for, and readers of Work at the request's scope.
async fn can_view(
    store: &impl ApprovalStore,
    actor: &Actor,
    req: &ApprovalRequest,
) -> Result<bool> {
    if req.company != actor.company_id {
        return Ok(false);
    }
    if req.requester == Some(actor.user_id) {
        return Ok(true);
    }
    match actor.scope_for(Permission::new(Domain::Work, Action::Read)) {
        Some(Scope::Company) => return Ok(true),
        Some(Scope::Department)
            if actor.department_id.is_some() && req.department == actor.department_id =>
        {
            return Ok(true)
        }
        _ => {}
    }
    if req.steps.iter().any(|s| {
        s.approver_user == Some(actor.user_id)
            || s.decided_by == Some(actor.user_id)
            || s.approver_role
                .as_ref()
                .is_some_and(|r| actor.role_keys.contains(r))
    }) {
        return Ok(true);
    }
    for s in req.steps.iter().filter(|s| s.status == StepStatus::Pending) {
        if standing(store, actor, req, s).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A request with its steps, for someone who may see it (others: 404).
pub async fn get(
    store: &impl ApprovalStore,
    actor: &Actor,
    id: ApprovalId,
) -> Result<ApprovalRequest> {
    if !actor.can_read(Domain::Work) {
        return Err(Error::Forbidden);
    }
    let not_found = Error::NotFound {
        entity: "approval request",
    };
    let req = store
        .get_request(actor.company_id, id)
        .await?
        .ok_or(not_found)?;
    if !can_view(store, actor, &req).await? {
        return Err(Error::NotFound {
            entity: "approval request",
        });
    }
    Ok(req)
}

/// Whether the actor may decide the request now (for showing the form).
pub async fn can_decide(
    store: &impl ApprovalStore,
    actor: &Actor,
    req: &ApprovalRequest,
) -> Result<Option<Option<UserId>>> {
    if req.status != RequestStatus::Pending
        || req.requester == Some(actor.user_id)
        || actor
            .scope_for(Permission::new(Domain::Work, Action::Update))
            .is_none()
    {
        return Ok(None);
    }
    match req.current_step() {
        Some(s) => standing(store, actor, req, s).await,
        None => Ok(None),
    }
}

async fn inbox_for(store: &impl ApprovalStore, actor: &Actor) -> Result<InboxFor> {
    let mut users = vec![actor.user_id];
    let mut roles = actor.role_keys.clone();
    let today = today();
    for d in store
        .delegations(actor.company_id, None)
        .await?
        .into_iter()
        .filter(|d| d.delegate == actor.user_id && d.from <= today && today <= d.until)
    {
        if !users.contains(&d.user) {
            users.push(d.user);
            roles.extend(store.role_keys_of(actor.company_id, d.user).await?);
        }
    }
    roles.sort();
    roles.dedup();
    Ok(InboxFor {
        me: actor.user_id,
        users,
        roles,
    })
}

/// The inbox (waiting for me, also as a delegate) or my own requests.
pub async fn list(
    store: &impl ApprovalStore,
    reg: &Registry,
    actor: &Actor,
    q: &ApprovalQuery,
) -> Result<Page<ApprovalSummary>> {
    if !actor.can_read(Domain::Work) {
        return Err(Error::Forbidden);
    }
    if let Some(k) = &q.kind {
        if reg.approval_kind_of(k).is_none() {
            return Err(Error::invalid("kind", format!("unknown kind `{k}`")));
        }
    }
    list_any_kind(store, actor, q).await
}

/// [`list`] without checking the kind filter against the registry (the dashboard's tile
/// filters by none).
pub async fn list_any_kind(
    store: &impl ApprovalStore,
    actor: &Actor,
    q: &ApprovalQuery,
) -> Result<Page<ApprovalSummary>> {
    if !actor.can_read(Domain::Work) {
        return Err(Error::Forbidden);
    }
    let who = inbox_for(store, actor).await?;
    store.list_requests(actor.company_id, &who, q).await
}

pub async fn export(
    store: &impl ApprovalStore,
    reg: &Registry,
    actor: &Actor,
    q: &ApprovalQuery,
) -> Result<Vec<ApprovalSummary>> {
    // The lists hold only the actor's own inbox or requests: reading them is enough.
    if !actor.can_read(Domain::Work) {
        return Err(Error::Forbidden);
    }
    let q = ApprovalQuery {
        paging: Paging::export(),
        ..q.clone()
    };
    Ok(list(store, reg, actor, &q).await?.items)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Reject,
}

/// Decides the current step. The last approval (or any rejection) decides the request
/// and settles its subject in its domain.
pub async fn decide<S: ApprovalBackend>(
    store: &S,
    reg: &Registry,
    actor: &Actor,
    id: ApprovalId,
    verdict: Verdict,
    comment: &str,
) -> Result<ApprovalRequest> {
    if actor
        .scope_for(Permission::new(Domain::Work, Action::Update))
        .is_none()
    {
        return Err(Error::Forbidden);
    }
    let req = get(store, actor, id).await?;
    let comment = check_text("comment", comment, MAX_TEXT, false)?;
    if req.status != RequestStatus::Pending {
        return Err(Error::conflict(format!(
            "the request is {} already",
            req.status.as_str()
        )));
    }
    if req.requester.is_some() && req.requester == actor.author() {
        return Err(Error::invalid(
            "approver",
            "nobody approves their own request: another person must",
        ));
    }
    if verdict == Verdict::Reject && comment.is_empty() {
        return Err(Error::invalid("comment", "say why it is rejected"));
    }
    let step = req
        .current_step()
        .cloned()
        .ok_or_else(|| Error::conflict("no step is waiting"))?;
    let on_behalf_of = standing(store, actor, &req, &step)
        .await?
        .ok_or(Error::Forbidden)?;
    let now = Timestamp::now();
    let next = req
        .steps
        .iter()
        .filter(|s| s.position > step.position && s.status == StepStatus::Waiting)
        .min_by_key(|s| s.position);
    let (status, next, final_status) = match verdict {
        Verdict::Reject => (StepStatus::Rejected, None, Some(RequestStatus::Rejected)),
        Verdict::Approve => match next {
            Some(n) => (
                StepStatus::Approved,
                Some((n.id, now.plus_secs(hours(req.deadline_hours)))),
                None,
            ),
            None => (StepStatus::Approved, None, Some(RequestStatus::Approved)),
        },
    };
    // The domain settles first: if it refuses (a closed period, say), nothing is decided.
    if let (Some(f), Some(subject)) = (final_status, &req.subject) {
        reg.decide(
            &req.kind,
            Decision {
                actor: actor.clone(),
                subject: subject.clone(),
                approved: f == RequestStatus::Approved,
                comment: comment.clone(),
            },
        )
        .await?;
    }
    let change = StepChange {
        request: id,
        step_id: step.id,
        status,
        decided_by: actor.author(),
        on_behalf_of,
        comment: comment.clone(),
        next,
        append: None,
        final_status,
        new_due: None,
    };
    let audit = AuditDraft::by(
        actor,
        "approval",
        Some(id.to_string()),
        match verdict {
            Verdict::Approve => "approve",
            Verdict::Reject => "reject",
        },
        json!({"step": step.position, "rule": step.rule, "comment": comment,
               "on_behalf_of": on_behalf_of, "final": final_status.map(|f| f.as_str())}),
    );
    store.change_step(actor.company_id, &change, audit).await?;
    if let Some((_, due)) = next {
        schedule_escalation(store, actor.company_id, id, due).await?;
    }
    let after = store
        .get_request(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "approval request",
        })?;
    if final_status.is_some() {
        tell_requester(store, &after).await;
    } else {
        tell_approvers(store, &after, Some(reg.approval_label(&after.kind))).await;
    }
    Ok(after)
}

/// One item of a bulk approval.
#[derive(Debug, Clone, Serialize)]
pub struct BulkOutcome {
    pub id: ApprovalId,
    pub ok: bool,
    pub error: Option<String>,
}

pub const MAX_BULK: usize = 200;

/// Approves several small requests: each is checked and recorded on its own, and one that
/// is above its policy's bulk limit is left for a decision on its own page.
pub async fn bulk_approve<S: ApprovalBackend>(
    store: &S,
    reg: &Registry,
    actor: &Actor,
    ids: &[ApprovalId],
    comment: &str,
) -> Result<Vec<BulkOutcome>> {
    if actor
        .scope_for(Permission::new(Domain::Work, Action::Update))
        .is_none()
    {
        return Err(Error::Forbidden);
    }
    if ids.is_empty() {
        return Err(Error::invalid("ids", "choose at least one request"));
    }
    if ids.len() > MAX_BULK {
        return Err(Error::invalid(
            "ids",
            format!("at most {MAX_BULK} at a time"),
        ));
    }
    // Checked once for all: a bad comment refuses the batch, not each request in it.
    let comment = &check_text("comment", comment, MAX_TEXT, false)?;
    let currency = company_currency(actor)?;
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        let r = async {
            let req = get(store, actor, id).await?;
            let kind = kind_or_general(reg, &req.kind);
            let policy =
                policy_for(store, actor.company_id, &currency, &kind, req.department).await?;
            if req.amount.unwrap_or(0) > policy.bulk_limit {
                return Err(Error::invalid(
                    "ids",
                    format!(
                        "#{id} is above the bulk limit of {}: open it to decide",
                        money_text(Some(policy.bulk_limit), Some(currency.code()))
                    ),
                ));
            }
            decide(store, reg, actor, id, Verdict::Approve, comment).await
        }
        .await;
        out.push(match r {
            Ok(_) => BulkOutcome {
                id,
                ok: true,
                error: None,
            },
            Err(e) => BulkOutcome {
                id,
                ok: false,
                error: Some(match e {
                    Error::Internal(_) => "internal error".into(),
                    Error::Invalid { message, .. } => message,
                    other => other.to_string(),
                }),
            },
        });
    }
    Ok(out)
}

/// The bulk limit for the inbox's checkboxes: the largest of the policies' limits and the
/// default, so that every request that may qualify gets one (a request above its own
/// policy's limit is still refused, one by one).
pub async fn bulk_limit(store: &impl ApprovalStore, actor: &Actor) -> Result<i64> {
    let currency = company_currency(actor)?;
    let default = default_policy(&GENERAL, &currency).bulk_limit;
    Ok(store
        .policies(actor.company_id)
        .await?
        .iter()
        .map(|p| p.bulk_limit)
        .max()
        .unwrap_or(default)
        .max(default))
}

/// The registered kind, or (for a kind this build no longer knows) the general one, so
/// that old requests keep a policy.
fn kind_or_general(reg: &Registry, key: &str) -> ApprovalKind {
    reg.approval_kind_of(key).copied().unwrap_or(GENERAL)
}

/// Closes the open request about `subject` when its domain decided it on its own page
/// (the ledger's approve and reject): the current step records the actor's decision and
/// later steps are skipped.
pub async fn resolve_subject(
    store: &impl ApprovalBackend,
    actor: &Actor,
    subject: &RecordRef,
    approved: bool,
    comment: &str,
) -> Result<()> {
    let Some(id) = store.open_request_for(actor.company_id, subject).await? else {
        return Ok(());
    };
    let Some(req) = store.get_request(actor.company_id, id).await? else {
        return Ok(());
    };
    let Some(step) = req.current_step().cloned() else {
        return Ok(());
    };
    let final_status = if approved {
        RequestStatus::Approved
    } else {
        RequestStatus::Rejected
    };
    let change = StepChange {
        request: id,
        step_id: step.id,
        status: if approved {
            StepStatus::Approved
        } else {
            StepStatus::Rejected
        },
        decided_by: actor.author(),
        on_behalf_of: None,
        comment: comment.trim().chars().take(MAX_TEXT).collect(),
        next: None,
        append: None,
        final_status: Some(final_status),
        new_due: None,
    };
    let audit = AuditDraft::by(
        actor,
        "approval",
        Some(id.to_string()),
        if approved { "approve" } else { "reject" },
        json!({"step": step.position, "via": subject.kind, "comment": comment.trim(), "final": final_status.as_str()}),
    );
    store.change_step(actor.company_id, &change, audit).await?;
    if let Some(after) = store.get_request(actor.company_id, id).await? {
        tell_requester(store, &after).await;
    }
    Ok(())
}

pub use crate::time::parse_date as parse_day;
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_print() {
        for s in ["manager", "admin", "role:accounting_lead", "user:7"] {
            assert_eq!(
                ApproverRule::parse(s).map(|r| r.as_text()).ok(),
                Some(s.into())
            );
        }
        assert_eq!(
            ApproverRule::parse("role:admin").ok(),
            Some(ApproverRule::Admin)
        );
        for bad in ["", "boss", "role:", "role:Bad Key", "user:0", "user:x"] {
            assert!(ApproverRule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn default_policy_rises_with_the_amount() {
        let eur = Currency::parse("EUR").expect("eur");
        let entries = ApprovalKind {
            key: "ledger.entry",
            label: "Ledger entry",
            direct: false,
            lead_role: "accounting_lead",
            lead_decides: false,
        };
        let p = default_policy(&entries, &eur);
        assert_eq!(
            p.levels
                .iter()
                .map(|l| (l.above, l.rule.as_text()))
                .collect::<Vec<_>>(),
            vec![
                (0, "manager".to_string()),
                (100_000, "role:accounting_lead".to_string()),
                (1_000_000, "admin".to_string())
            ]
        );
        let g = default_policy(&GENERAL, &eur);
        assert_eq!(
            g.levels.len(),
            2,
            "the admin is the lead of general requests"
        );
    }

    #[test]
    fn labels() {
        assert_eq!(
            rule_label("role:accounting_lead", None),
            "any Accounting lead"
        );
        assert_eq!(rule_label("manager", Some("Ann")), "Ann (manager)");
        assert_eq!(money_text(Some(123_450), Some("EUR")), "1234.50 EUR");
        assert_eq!(money_text(None, None), "");
    }
}
