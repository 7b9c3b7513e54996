//! IT helpdesk: tickets any employee raises (subject, description, category, urgency and
//! impact, the assets concerned), worked by IT's technicians and groups, on service levels
//! per priority counted on the company's business calendar (Work's, the one escalated cases
//! use), paused while waiting on the requester.
//!
//! Who sees what: IT's staff (`it.read` company-wide) see every ticket with its internal
//! notes; a requester sees their own tickets and only the public replies. Technicians
//! (`it.update` company-wide) answer, assign and move tickets; IT leads (`it.approve`) keep
//! the categories, groups and service-level targets. Anyone else's ticket is not found.
//!
//! The first public reply by staff is the first response. The `it.helpdesk_sla` job
//! (helpdesk_sla.rs) warns and marks breaches once per ticket; knowledge-base articles and
//! the report live in helpdesk_kb.rs and helpdesk_report.rs.
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::future::Future;

use super::{allowed, gate};
use crate::audit::AuditDraft;
use crate::auth::{authorize, Action, Actor, Domain, Permission, Target};
use crate::error::Validator;
use crate::ids::{AssetId, CompanyId, UserId};
use crate::list::{Page, Paging, SortKey};
use crate::time::Timestamp;
use crate::work::sla::{self, Calendar, SlaEvent, SlaState, Targets};
use crate::{Error, Result};

/// A ticket (`it.ticket:12`).
pub const TICKET: &str = "it.ticket";

macro_rules! id_type {
    ($name:ident) => {
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}
id_type!(TicketId);
id_type!(TicketCategoryId);
id_type!(TicketGroupId);
id_type!(ArticleId);

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
            pub fn words() -> String {
                [$($s),*].join(", ")
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

word_enum!(
    /// Urgency (how soon) or impact (how many, how badly).
    Level {
        Low = "low" / "Low",
        Medium = "medium" / "Medium",
        High = "high" / "High",
    }
);

word_enum!(Priority {
    P1 = "p1" / "P1 critical",
    P2 = "p2" / "P2 high",
    P3 = "p3" / "P3 medium",
    P4 = "p4" / "P4 low",
});

impl Priority {
    /// 1 (P1) to 4 (P4): stored, and the queue's order after the due time.
    pub fn rank(self) -> i64 {
        match self {
            Priority::P1 => 1,
            Priority::P2 => 2,
            Priority::P3 => 3,
            Priority::P4 => 4,
        }
    }
    pub fn from_rank(r: i64) -> Option<Priority> {
        Priority::ALL.iter().copied().find(|p| p.rank() == r)
    }
    pub fn short(self) -> &'static str {
        match self {
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
            Priority::P4 => "P4",
        }
    }
}

/// The urgency x impact matrix:
///
/// | urgency \ impact | high | medium | low |
/// |---|---|---|---|
/// | high   | P1 | P2 | P3 |
/// | medium | P2 | P3 | P4 |
/// | low    | P3 | P4 | P4 |
pub fn priority(urgency: Level, impact: Level) -> Priority {
    let score = |l: Level| match l {
        Level::High => 0,
        Level::Medium => 1,
        Level::Low => 2,
    };
    match score(urgency) + score(impact) {
        0 => Priority::P1,
        1 => Priority::P2,
        2 => Priority::P3,
        _ => Priority::P4,
    }
}

word_enum!(TicketStatus {
    New = "new" / "New",
    InProgress = "in_progress" / "In progress",
    WaitingOnRequester = "waiting_on_requester" / "Waiting on requester",
    Resolved = "resolved" / "Resolved",
    Closed = "closed" / "Closed",
});

impl TicketStatus {
    pub fn is_open(self) -> bool {
        matches!(
            self,
            TicketStatus::New | TicketStatus::InProgress | TicketStatus::WaitingOnRequester
        )
    }
}

word_enum!(
    /// What a conversation entry is. Notes and SLA events are internal (IT's staff only).
    MessageKind {
        Reply = "reply" / "Reply",
        Note = "note" / "Internal note",
        Status = "status" / "Status",
        Sla = "sla" / "Service level",
    }
);

/// A ticket as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: TicketId,
    pub company: CompanyId,
    pub requester: UserId,
    pub requester_name: String,
    pub subject: String,
    pub description: String,
    pub category_id: Option<TicketCategoryId>,
    pub category: Option<String>,
    pub urgency: Level,
    pub impact: Level,
    pub priority: Priority,
    pub status: TicketStatus,
    pub assignee: Option<UserId>,
    pub assignee_name: Option<String>,
    pub group_id: Option<TicketGroupId>,
    pub group: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub first_response_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub paused_since: Option<Timestamp>,
    pub paused_micros: i64,
    pub first_response_due: Option<Timestamp>,
    pub resolution_due: Option<Timestamp>,
    pub sla_state: SlaState,
    pub response_warned_at: Option<Timestamp>,
    pub response_breached_at: Option<Timestamp>,
    pub resolution_warned_at: Option<Timestamp>,
    pub resolution_breached_at: Option<Timestamp>,
    pub rating: Option<i64>,
    pub rating_comment: String,
    pub version: i64,
}

impl Ticket {
    /// The next due time the queue sorts by: the first response while none was given,
    /// else the resolution; none once it is no longer open.
    pub fn sla_due(&self) -> Option<Timestamp> {
        if !self.status.is_open() {
            return None;
        }
        match (self.first_response_due, self.resolution_due) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn breached(&self) -> bool {
        self.response_breached_at.is_some() || self.resolution_breached_at.is_some()
    }

    pub fn clock(&self) -> sla::Clock {
        sla::Clock {
            created_at: self.created_at,
            first_response_at: self.first_response_at,
            paused_since: self.paused_since,
            paused_micros: self.paused_micros,
            response_warned: self.response_warned_at.is_some(),
            response_breached: self.response_breached_at.is_some(),
            resolution_warned: self.resolution_warned_at.is_some(),
            resolution_breached: self.resolution_breached_at.is_some(),
        }
    }
}

/// One entry of a ticket's conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: i64,
    pub kind: MessageKind,
    pub internal: bool,
    pub body: String,
    pub author_id: Option<UserId>,
    pub author: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    pub kind: MessageKind,
    pub body: String,
    pub author_id: Option<UserId>,
    pub author: String,
}

impl NewMessage {
    pub fn internal(&self) -> bool {
        matches!(self.kind, MessageKind::Note | MessageKind::Sla)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketCategory {
    pub id: TicketCategoryId,
    pub name: String,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketGroup {
    pub id: TicketGroupId,
    pub name: String,
    /// (user, display name), by name.
    pub members: Vec<(UserId, String)>,
    pub version: i64,
}

/// An asset linked to a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedAsset {
    pub id: AssetId,
    pub tag: String,
    pub name: String,
}

/// First-response and resolution targets per priority and when to warn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpdeskSla {
    /// Business minutes (first response, resolution) for P1..P4.
    pub targets: [(i64, i64); 4],
    /// Warn the assignee when this share of a target is used (1-99).
    pub warn_percent: i64,
    pub version: i64,
}

impl Default for HelpdeskSla {
    fn default() -> Self {
        HelpdeskSla {
            targets: [
                (30, 4 * 60),
                (60, 8 * 60),
                (4 * 60, 24 * 60),
                (8 * 60, 40 * 60),
            ],
            warn_percent: 80,
            version: 0,
        }
    }
}

impl HelpdeskSla {
    pub fn target(&self, p: Priority) -> Targets {
        let i = usize::try_from(p.rank() - 1).unwrap_or(3).min(3);
        let (fr, res) = self.targets[i];
        Targets {
            first_response_minutes: fr,
            resolution_minutes: res,
        }
    }

    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::new();
        for (p, (fr, res)) in Priority::ALL.iter().zip(self.targets) {
            if !(1..=60 * 24 * 365).contains(&fr) {
                v.push(
                    &format!("{p}.first_response"),
                    "must be 1 minute to a year of business time",
                );
            }
            if !(1..=60 * 24 * 365).contains(&res) {
                v.push(
                    &format!("{p}.resolution"),
                    "must be 1 minute to a year of business time",
                );
            } else if res < fr {
                v.push(
                    &format!("{p}.resolution"),
                    "must not be shorter than the first response",
                );
            }
        }
        if !(1..=99).contains(&self.warn_percent) {
            v.push("warn_percent", "must be 1 to 99");
        }
        v.finish()
    }
}

/// Which tickets a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// Those the user raised (an employee's only view).
    Mine,
    /// Open tickets assigned to the user (a technician's queue).
    Queue,
    /// Open tickets nobody is assigned to.
    Unassigned,
    /// Every ticket (IT's staff).
    #[default]
    All,
}

impl View {
    pub fn parse(s: &str) -> Option<View> {
        match s.trim() {
            "mine" => Some(View::Mine),
            "queue" => Some(View::Queue),
            "unassigned" => Some(View::Unassigned),
            "all" | "" => Some(View::All),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            View::Mine => "mine",
            View::Queue => "queue",
            View::Unassigned => "unassigned",
            View::All => "all",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TicketSort {
    /// SLA due, then priority (the queue's order).
    #[default]
    Due,
    Priority,
    Created,
    Updated,
}

impl SortKey for TicketSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("due", TicketSort::Due),
        ("priority", TicketSort::Priority),
        ("created", TicketSort::Created),
        ("updated", TicketSort::Updated),
    ];
}

#[derive(Debug, Clone, Default)]
pub struct TicketQuery {
    pub view: View,
    /// Set by the service from the view: the requester (mine) or the assignee (queue).
    pub user: Option<UserId>,
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    pub category: Option<TicketCategoryId>,
    pub group: Option<TicketGroupId>,
    pub sla: Option<SlaState>,
    /// Part of the subject (any case).
    pub search: Option<String>,
    pub sort: TicketSort,
    pub dir: crate::list::SortDir,
    pub paging: Paging,
}

/// A change the SLA job writes for one ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketSlaUpdate {
    pub id: TicketId,
    pub company: CompanyId,
    pub sla_state: SlaState,
    pub first_response_due: Option<Timestamp>,
    pub resolution_due: Option<Timestamp>,
    pub sla_due: Option<Timestamp>,
    /// Each applied once: the store skips an event already recorded.
    pub events: Vec<SlaEvent>,
}

pub trait HelpdeskStore: Send + Sync {
    fn helpdesk_sla(&self, company: CompanyId) -> impl Future<Output = Result<HelpdeskSla>> + Send;
    /// Saves the targets if the version is still `s.version`; `Conflict` otherwise.
    fn save_helpdesk_sla(
        &self,
        company: CompanyId,
        s: &HelpdeskSla,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn ticket_categories(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<TicketCategory>>> + Send;
    /// A name another category has is `Invalid { field: "name" }`.
    fn insert_ticket_category(
        &self,
        company: CompanyId,
        name: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<TicketCategoryId>> + Send;
    fn update_ticket_category(
        &self,
        company: CompanyId,
        id: TicketCategoryId,
        name: &str,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn ticket_groups(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<TicketGroup>>> + Send;
    fn insert_ticket_group(
        &self,
        company: CompanyId,
        name: &str,
        members: &[UserId],
        audit: AuditDraft,
    ) -> impl Future<Output = Result<TicketGroupId>> + Send;
    /// Renames and replaces the members if the version is still `version`.
    fn update_ticket_group(
        &self,
        company: CompanyId,
        id: TicketGroupId,
        name: &str,
        members: &[UserId],
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Active users holding `it.<action>` company-wide: (id, name), by name.
    fn it_grant_holders(
        &self,
        company: CompanyId,
        action: Action,
    ) -> impl Future<Output = Result<Vec<(UserId, String)>>> + Send;
    /// Inserts the ticket with its first conversation entry, its linked assets and the
    /// audit event.
    fn insert_ticket(
        &self,
        t: &Ticket,
        assets: &[AssetId],
        first: &NewMessage,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<TicketId>> + Send;
    fn ticket(
        &self,
        company: CompanyId,
        id: TicketId,
    ) -> impl Future<Output = Result<Option<Ticket>>> + Send;
    fn list_tickets(
        &self,
        company: CompanyId,
        q: &TicketQuery,
    ) -> impl Future<Output = Result<Page<Ticket>>> + Send;
    /// Writes the changeable fields if the stored version is still `t.version` (bumping
    /// it), with the conversation entries, linked assets and articles added and the audit
    /// event; `Conflict` otherwise.
    fn update_ticket(
        &self,
        t: &Ticket,
        messages: &[NewMessage],
        link_assets: &[AssetId],
        link_articles: &[ArticleId],
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The conversation, oldest first; internal entries only when asked.
    fn ticket_messages(
        &self,
        company: CompanyId,
        id: TicketId,
        internal: bool,
    ) -> impl Future<Output = Result<Vec<Message>>> + Send;
    fn ticket_assets(
        &self,
        company: CompanyId,
        id: TicketId,
    ) -> impl Future<Output = Result<Vec<LinkedAsset>>> + Send;
    /// Articles linked to the ticket (published or not: the service filters).
    fn ticket_articles(
        &self,
        company: CompanyId,
        id: TicketId,
    ) -> impl Future<Output = Result<Vec<super::helpdesk_kb::Article>>> + Send;
    /// Open tickets counted by SLA state (only the requester's when given).
    fn open_tickets_by_sla(
        &self,
        company: CompanyId,
        requester: Option<UserId>,
    ) -> impl Future<Output = Result<Vec<(SlaState, u64)>>> + Send;
    /// Every open ticket of every company, for the SLA job.
    fn open_sla_tickets(&self) -> impl Future<Output = Result<Vec<Ticket>>> + Send;
    /// Writes the job's findings; an event is recorded only if it was not before (with an
    /// internal conversation entry and an audit event). Per update, the events now new.
    fn apply_ticket_sla(
        &self,
        updates: &[TicketSlaUpdate],
        now: Timestamp,
    ) -> impl Future<Output = Result<Vec<Vec<SlaEvent>>>> + Send;
    /// Tickets raised in `[from, to)`, for the report.
    fn report_tickets(
        &self,
        company: CompanyId,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Future<Output = Result<Vec<Ticket>>> + Send;
}

// ---- who may do what ----

/// IT's staff see every ticket and its internal notes.
pub fn is_staff(actor: &Actor) -> bool {
    allowed(actor, Action::Read)
}

/// Technicians work tickets (answer, assign, change status).
pub fn is_technician(actor: &Actor) -> bool {
    allowed(actor, Action::Update) && !actor.read_only
}

/// IT leads keep categories, groups and service levels.
pub fn is_lead(actor: &Actor) -> bool {
    allowed(actor, Action::Approve) && !actor.read_only
}

fn own_target(actor: &Actor) -> Target {
    Target {
        company: actor.company_id,
        owner: Some(actor.user_id),
        department: actor.department_id,
    }
}

/// May raise tickets (every employee: `it.create` on their own records).
pub fn may_raise(actor: &Actor) -> bool {
    authorize(
        actor,
        Permission::new(Domain::It, Action::Create),
        &own_target(actor),
    )
    .is_ok()
}

pub(crate) fn may_read_own(actor: &Actor) -> Result<()> {
    authorize(
        actor,
        Permission::new(Domain::It, Action::Read),
        &own_target(actor),
    )
}

/// The company's business calendar: Work's, the one escalated cases are measured on.
pub async fn calendar(
    store: &impl crate::work::cases::CaseStore,
    company: CompanyId,
) -> Result<Calendar> {
    Ok(store.sla_settings(company).await?.calendar)
}

// ---- categories and groups ----

pub async fn categories<S: HelpdeskStore>(store: &S, actor: &Actor) -> Result<Vec<TicketCategory>> {
    may_read_own(actor)?;
    store.ticket_categories(actor.company_id).await
}

pub async fn create_category<S: HelpdeskStore>(
    store: &S,
    actor: &Actor,
    name: &str,
) -> Result<TicketCategory> {
    gate(actor, Action::Approve)?;
    let name = crate::input::line("name", name, 200, true)?;
    let audit = AuditDraft::by(
        actor,
        "it.ticket_category",
        None,
        "create",
        json!({"name": name}),
    );
    let id = store
        .insert_ticket_category(actor.company_id, &name, audit)
        .await?;
    category(store, actor, id).await
}

async fn category<S: HelpdeskStore>(
    store: &S,
    actor: &Actor,
    id: TicketCategoryId,
) -> Result<TicketCategory> {
    store
        .ticket_categories(actor.company_id)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(Error::NotFound {
            entity: "ticket category",
        })
}

pub async fn update_category<S: HelpdeskStore>(
    store: &S,
    actor: &Actor,
    id: TicketCategoryId,
    name: &str,
    version: Option<i64>,
) -> Result<TicketCategory> {
    gate(actor, Action::Approve)?;
    let current = category(store, actor, id).await?;
    let name = crate::input::line("name", name, 200, true)?;
    let audit = AuditDraft::by(
        actor,
        "it.ticket_category",
        Some(id.to_string()),
        "update",
        json!({"before": {"name": current.name}, "after": {"name": name}}),
    );
    store
        .update_ticket_category(
            actor.company_id,
            id,
            &name,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    category(store, actor, id).await
}

pub async fn groups<S: HelpdeskStore>(store: &S, actor: &Actor) -> Result<Vec<TicketGroup>> {
    gate(actor, Action::Read)?;
    store.ticket_groups(actor.company_id).await
}

/// People tickets can be assigned to: holders of `it.update` company-wide.
pub async fn technicians<S: HelpdeskStore>(
    store: &S,
    actor: &Actor,
) -> Result<Vec<(UserId, String)>> {
    gate(actor, Action::Read)?;
    store
        .it_grant_holders(actor.company_id, Action::Update)
        .await
}

async fn checked_members<S: HelpdeskStore>(
    store: &S,
    actor: &Actor,
    members: &[UserId],
) -> Result<Vec<UserId>> {
    let techs = store
        .it_grant_holders(actor.company_id, Action::Update)
        .await?;
    let mut out: Vec<UserId> = Vec::new();
    for m in members {
        if !techs.iter().any(|(u, _)| u == m) {
            return Err(Error::invalid(
                "members",
                format!("user {m} is not an IT technician of the company"),
            ));
        }
        if !out.contains(m) {
            out.push(*m);
        }
    }
    Ok(out)
}

pub async fn create_group<S: HelpdeskStore>(
    store: &S,
    actor: &Actor,
    name: &str,
    members: &[UserId],
) -> Result<TicketGroup> {
    gate(actor, Action::Approve)?;
    let name = crate::input::line("name", name, 200, true)?;
    let members = checked_members(store, actor, members).await?;
    let audit = AuditDraft::by(
        actor,
        "it.ticket_group",
        None,
        "create",
        json!({"name": name, "members": members}),
    );
    let id = store
        .insert_ticket_group(actor.company_id, &name, &members, audit)
        .await?;
    group(store, actor, id).await
}

async fn group<S: HelpdeskStore>(
    store: &S,
    actor: &Actor,
    id: TicketGroupId,
) -> Result<TicketGroup> {
    store
        .ticket_groups(actor.company_id)
        .await?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or(Error::NotFound {
            entity: "ticket group",
        })
}

pub async fn update_group<S: HelpdeskStore>(
    store: &S,
    actor: &Actor,
    id: TicketGroupId,
    name: &str,
    members: &[UserId],
    version: Option<i64>,
) -> Result<TicketGroup> {
    gate(actor, Action::Approve)?;
    let current = group(store, actor, id).await?;
    let name = crate::input::line("name", name, 200, true)?;
    let members = checked_members(store, actor, members).await?;
    let audit = AuditDraft::by(
        actor,
        "it.ticket_group",
        Some(id.to_string()),
        "update",
        json!({"before": {"name": current.name, "members": current.members.iter().map(|m| m.0).collect::<Vec<_>>()},
               "after": {"name": name, "members": members}}),
    );
    store
        .update_ticket_group(
            actor.company_id,
            id,
            &name,
            &members,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    group(store, actor, id).await
}

// ---- service levels ----

pub async fn sla_targets<S: HelpdeskStore>(store: &S, actor: &Actor) -> Result<HelpdeskSla> {
    gate(actor, Action::Read)?;
    store.helpdesk_sla(actor.company_id).await
}

/// Saves the targets; open tickets' due times follow at the next job run.
pub async fn save_sla_targets<S: HelpdeskStore>(
    store: &S,
    actor: &Actor,
    s: HelpdeskSla,
) -> Result<HelpdeskSla> {
    gate(actor, Action::Approve)?;
    s.validate()?;
    let before = store.helpdesk_sla(actor.company_id).await?;
    let audit = AuditDraft::by(
        actor,
        "it.helpdesk_sla",
        Some(actor.company_id.to_string()),
        "update",
        json!({"before": before, "after": s}),
    );
    store.save_helpdesk_sla(actor.company_id, &s, audit).await?;
    store.helpdesk_sla(actor.company_id).await
}

/// Brings a ticket's due times and SLA state up to date after a change (no events: those
/// are the job's).
pub fn refresh_sla(t: &mut Ticket, s: &HelpdeskSla, cal: &Calendar, now: Timestamp) {
    if t.status.is_open() {
        let target = s.target(t.priority);
        let clock = t.clock();
        let (fr, res) = sla::due_times(&clock, target, cal);
        t.first_response_due = fr;
        t.resolution_due = Some(res);
        t.sla_state = sla::evaluate(&clock, target, s.warn_percent, cal, now).0;
    } else {
        t.first_response_due = None;
        t.resolution_due = None;
        t.sla_state = sla::closed_state(t.breached());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_matrix() {
        use Level::{High as H, Low as L, Medium as M};
        use Priority::*;
        let table = [
            (H, H, P1),
            (H, M, P2),
            (H, L, P3),
            (M, H, P2),
            (M, M, P3),
            (M, L, P4),
            (L, H, P3),
            (L, M, P4),
            (L, L, P4),
        ];
        for (u, i, p) in table {
            assert_eq!(priority(u, i), p, "urgency {u}, impact {i}");
        }
    }

    #[test]
    fn targets_validate() {
        assert!(HelpdeskSla::default().validate().is_ok());
        let mut s = HelpdeskSla::default();
        s.targets[1] = (60, 30);
        let e = s.validate().expect_err("shorter resolution");
        assert!(format!("{e:?}").contains("p2.resolution"), "{e:?}");
        assert_eq!(Priority::from_rank(3), Some(Priority::P3));
        assert_eq!(s.target(Priority::P1).first_response_minutes, 30);
    }
}
