//! Tickets: raised by any employee, read by the requester and IT's staff, worked by
//! technicians. See helpdesk.rs for who may do what.
use serde_json::json;

use super::assets::{self, AssetStore};
use super::helpdesk::*;
use super::helpdesk_kb::{self, Article};
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::error::Validator;
use crate::ids::{AssetId, UserId};
use crate::list::Page;
use crate::time::Timestamp;
use crate::work::cases::CaseStore;
use crate::work::notify::{self, NewNotification, NotifyStore};
use crate::work::sla::{self, SlaState};
use crate::{Error, Result};

/// What a requester writes.
#[derive(Debug, Clone, Default)]
pub struct TicketInput {
    pub subject: String,
    pub description: String,
    /// A category id; empty for none.
    pub category_id: String,
    /// `low`, `medium` or `high`; empty: medium.
    pub urgency: String,
    pub impact: String,
    pub assets: Vec<AssetId>,
}

fn level(v: &mut Validator, field: &str, s: &str) -> Option<Level> {
    match s.trim() {
        "" => Some(Level::Medium),
        s => {
            let l = Level::parse(s);
            if l.is_none() {
                v.push(field, format!("must be one of {}", Level::words()));
            }
            l
        }
    }
}

/// The assets a user may link: IT's staff any of the company's, anyone else only those
/// checked out to them.
async fn check_assets<S: AssetStore>(store: &S, actor: &Actor, ids: &[AssetId]) -> Result<()> {
    if ids.len() > 20 {
        return Err(Error::invalid("assets", "at most 20 assets per ticket"));
    }
    for id in ids {
        let a = assets::get(store, actor, *id)
            .await
            .map_err(|_| Error::invalid("assets", format!("asset {id} is not one you may link")))?;
        if !is_staff(actor) && a.holder_user_id != Some(actor.user_id) {
            return Err(Error::invalid(
                "assets",
                format!("asset {id} is not checked out to you"),
            ));
        }
    }
    Ok(())
}

/// Raises a ticket for the actor.
pub async fn create<S: HelpdeskStore + CaseStore + AssetStore + crate::jobs::JobStore>(
    store: &S,
    actor: &Actor,
    input: &TicketInput,
) -> Result<Ticket> {
    if !may_raise(actor) {
        return Err(Error::Forbidden);
    }
    let mut v = Validator::new();
    let subject = v.check(
        "subject",
        crate::input::line("subject", &input.subject, 200, true),
    );
    let description = v.check(
        "description",
        crate::input::text("description", &input.description, 20_000, false),
    );
    let urgency = level(&mut v, "urgency", &input.urgency);
    let impact = level(&mut v, "impact", &input.impact);
    let cats = store.ticket_categories(actor.company_id).await?;
    let category = match input.category_id.trim() {
        "" => None,
        s => {
            let c = s
                .parse::<i64>()
                .ok()
                .and_then(|i| cats.iter().find(|c| c.id.0 == i));
            if c.is_none() {
                v.push("category_id", "not a ticket category of the company");
            }
            c
        }
    };
    v.finish()?;
    let mut ids = input.assets.clone();
    ids.sort();
    ids.dedup();
    check_assets(store, actor, &ids).await?;
    let (urgency, impact) = (
        urgency.unwrap_or(Level::Medium),
        impact.unwrap_or(Level::Medium),
    );
    let now = Timestamp::now();
    let mut t = Ticket {
        id: TicketId(0),
        company: actor.company_id,
        requester: actor.user_id,
        requester_name: actor.display_name.clone(),
        subject: subject.unwrap_or_default(),
        description: description.unwrap_or_default(),
        category_id: category.map(|c| c.id),
        category: category.map(|c| c.name.clone()),
        urgency,
        impact,
        priority: priority(urgency, impact),
        status: TicketStatus::New,
        assignee: None,
        assignee_name: None,
        group_id: None,
        group: None,
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
        rating: None,
        rating_comment: String::new(),
        version: 1,
    };
    let s = store.helpdesk_sla(actor.company_id).await?;
    let cal = calendar(store, actor.company_id).await?;
    refresh_sla(&mut t, &s, &cal, now);
    let audit = AuditDraft::by(
        actor,
        TICKET,
        None,
        "create",
        json!({"subject": t.subject, "category": t.category, "urgency": urgency, "impact": impact,
               "priority": t.priority, "assets": ids}),
    );
    let first = NewMessage {
        kind: MessageKind::Status,
        body: "Ticket raised.".into(),
        author_id: Some(actor.user_id),
        author: actor.display_name.clone(),
    };
    t.id = store.insert_ticket(&t, &ids, &first, audit).await?;
    if let Err(e) = super::helpdesk_sla::ensure_scheduled(store).await {
        tracing::warn!(error = %e, "could not schedule the helpdesk SLA job");
    }
    Ok(t)
}

/// One ticket; one the actor may not see is not found (as another company's is).
pub async fn get<S: HelpdeskStore>(store: &S, actor: &Actor, id: TicketId) -> Result<Ticket> {
    let t = store
        .ticket(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "ticket" })?;
    if is_staff(actor) || t.requester == actor.user_id {
        Ok(t)
    } else {
        Err(Error::NotFound { entity: "ticket" })
    }
}

/// The list: the actor's own tickets for an employee; any view for IT's staff.
pub async fn list<S: HelpdeskStore>(
    store: &S,
    actor: &Actor,
    q: &TicketQuery,
) -> Result<Page<Ticket>> {
    let mut q = q.clone();
    if !is_staff(actor) {
        may_read_own(actor)?;
        q.view = View::Mine;
    }
    if q.paging.is_export() {
        super::gate(actor, Action::Export)?;
    }
    q.user = match q.view {
        View::Mine | View::Queue => Some(actor.user_id),
        View::Unassigned | View::All => None,
    };
    store.list_tickets(actor.company_id, &q).await
}

/// The conversation the actor may see: a requester never gets internal notes.
pub async fn messages<S: HelpdeskStore>(
    store: &S,
    actor: &Actor,
    id: TicketId,
) -> Result<Vec<Message>> {
    get(store, actor, id).await?;
    store
        .ticket_messages(actor.company_id, id, is_staff(actor))
        .await
}

pub async fn linked_assets<S: HelpdeskStore>(
    store: &S,
    actor: &Actor,
    id: TicketId,
) -> Result<Vec<LinkedAsset>> {
    get(store, actor, id).await?;
    store.ticket_assets(actor.company_id, id).await
}

/// Linked articles: a requester sees the published ones.
pub async fn linked_articles<S: HelpdeskStore>(
    store: &S,
    actor: &Actor,
    id: TicketId,
) -> Result<Vec<Article>> {
    get(store, actor, id).await?;
    let staff = is_staff(actor);
    Ok(store
        .ticket_articles(actor.company_id, id)
        .await?
        .into_iter()
        .filter(|a| staff || a.published)
        .collect())
}

/// The open tickets the actor may see, counted by SLA state.
pub async fn open_by_sla<S: HelpdeskStore>(
    store: &S,
    actor: &Actor,
) -> Result<Vec<(SlaState, u64)>> {
    let requester = (!is_staff(actor)).then_some(actor.user_id);
    store.open_tickets_by_sla(actor.company_id, requester).await
}

/// What someone does to a ticket.
#[derive(Debug, Clone, PartialEq)]
pub enum TicketAction {
    /// A public reply (the requester sees it). Staff's first is the first response; the
    /// requester's answer to a ticket waiting on them puts it back in progress.
    Reply {
        body: String,
    },
    /// An internal note (IT's staff only).
    Note {
        body: String,
    },
    /// To a technician and/or a group (technicians).
    Assign {
        assignee: Option<UserId>,
        group: Option<TicketGroupId>,
    },
    /// Technicians: in progress, waiting on requester, resolved; closed once resolved.
    SetStatus {
        status: TicketStatus,
    },
    /// Technicians: a new urgency and impact (and so priority).
    Reprioritize {
        urgency: Level,
        impact: Level,
    },
    /// The requester or a technician, of a resolved or closed ticket.
    Reopen {
        reason: String,
    },
    /// The requester, of a resolved or closed ticket: 1-5 and a comment.
    Rate {
        rating: i64,
        comment: String,
    },
    LinkAsset {
        asset: AssetId,
    },
    /// Technicians: a knowledge-base article.
    LinkArticle {
        article: ArticleId,
    },
}

impl TicketAction {
    pub fn name(&self) -> &'static str {
        match self {
            TicketAction::Reply { .. } => "reply",
            TicketAction::Note { .. } => "note",
            TicketAction::Assign { .. } => "assign",
            TicketAction::SetStatus { .. } => "status",
            TicketAction::Reprioritize { .. } => "reprioritize",
            TicketAction::Reopen { .. } => "reopen",
            TicketAction::Rate { .. } => "rate",
            TicketAction::LinkAsset { .. } => "link_asset",
            TicketAction::LinkArticle { .. } => "link_article",
        }
    }
}

fn body_of(field: &str, s: &str) -> Result<String> {
    crate::input::text(field, s, 20_000, true)
}

fn tech(actor: &Actor) -> Result<()> {
    if is_technician(actor) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

fn open(t: &Ticket) -> Result<()> {
    if t.status.is_open() {
        Ok(())
    } else {
        Err(Error::conflict(
            "the ticket is resolved or closed: reopen it first",
        ))
    }
}

/// Moves the ticket's status, pausing the timers while it waits on the requester.
fn set_status(t: &mut Ticket, status: TicketStatus, cal: &sla::Calendar, now: Timestamp) {
    sla::resume(&mut t.paused_since, &mut t.paused_micros, now, cal);
    if status == TicketStatus::WaitingOnRequester {
        t.paused_since = Some(now);
    }
    t.status = status;
}

/// Applies `action` to the ticket if its version is still `version` (the one read when
/// absent); the ticket as it now is.
pub async fn act<
    S: HelpdeskStore
        + super::helpdesk_kb::KbStore
        + CaseStore
        + AssetStore
        + NotifyStore
        + crate::jobs::JobStore,
>(
    store: &S,
    actor: &Actor,
    id: TicketId,
    action: &TicketAction,
    version: Option<i64>,
) -> Result<Ticket> {
    let mut t = get(store, actor, id).await?;
    let is_requester = t.requester == actor.user_id;
    if actor.read_only {
        return Err(Error::Forbidden);
    }
    if let Some(v) = version {
        if v != t.version {
            return Err(Error::conflict(
                "the ticket was changed by someone else since you read it; reload and try again",
            ));
        }
    }
    let before = t.clone();
    let s = store.helpdesk_sla(actor.company_id).await?;
    let cal = calendar(store, actor.company_id).await?;
    let now = Timestamp::now();
    let mut msgs: Vec<NewMessage> = Vec::new();
    let mut link_assets = Vec::new();
    let mut link_articles = Vec::new();
    let mut notify_to: Vec<(UserId, String)> = Vec::new();
    let entry = |kind: MessageKind, body: String| NewMessage {
        kind,
        body,
        author_id: Some(actor.user_id),
        author: actor.display_name.clone(),
    };
    match action {
        TicketAction::Reply { body } => {
            if !is_technician(actor) && !is_requester {
                return Err(Error::Forbidden);
            }
            open(&t)?;
            let body = body_of("body", body)?;
            msgs.push(entry(MessageKind::Reply, body));
            if is_technician(actor) && !is_requester {
                if t.first_response_at.is_none() {
                    t.first_response_at = Some(now);
                    let used = sla::used(t.created_at, t.paused_micros, now, &cal);
                    if t.response_breached_at.is_none()
                        && used >= sla::minutes(s.target(t.priority).first_response_minutes)
                    {
                        t.response_breached_at = Some(now);
                    }
                }
                if t.status == TicketStatus::New {
                    set_status(&mut t, TicketStatus::InProgress, &cal, now);
                }
                notify_to.push((t.requester, format!("IT replied to ticket #{}", t.id)));
            } else {
                if t.status == TicketStatus::WaitingOnRequester {
                    set_status(&mut t, TicketStatus::InProgress, &cal, now);
                }
                if let Some(a) = t.assignee {
                    notify_to.push((a, format!("The requester replied to ticket #{}", t.id)));
                }
            }
        }
        TicketAction::Note { body } => {
            tech(actor)?;
            msgs.push(entry(MessageKind::Note, body_of("body", body)?));
        }
        TicketAction::Assign { assignee, group } => {
            tech(actor)?;
            open(&t)?;
            if let Some(u) = assignee {
                let techs = store
                    .it_grant_holders(actor.company_id, Action::Update)
                    .await?;
                let Some((_, name)) = techs.iter().find(|(x, _)| x == u) else {
                    return Err(Error::invalid(
                        "assignee_id",
                        "not an IT technician of the company",
                    ));
                };
                t.assignee_name = Some(name.clone());
            } else {
                t.assignee_name = None;
            }
            if let Some(g) = group {
                let groups = store.ticket_groups(actor.company_id).await?;
                let Some(found) = groups.iter().find(|x| x.id == *g) else {
                    return Err(Error::invalid(
                        "group_id",
                        "not a ticket group of the company",
                    ));
                };
                t.group = Some(found.name.clone());
            } else {
                t.group = None;
            }
            t.assignee = *assignee;
            t.group_id = *group;
            msgs.push(entry(
                MessageKind::Status,
                format!(
                    "Assigned to {}{}.",
                    t.assignee_name.as_deref().unwrap_or("nobody"),
                    t.group
                        .as_deref()
                        .map(|g| format!(" (group {g})"))
                        .unwrap_or_default()
                ),
            ));
            if let Some(u) = assignee {
                if *u != actor.user_id {
                    notify_to.push((*u, format!("Ticket #{} assigned to you", t.id)));
                }
            }
        }
        TicketAction::SetStatus { status } => {
            tech(actor)?;
            match status {
                TicketStatus::New => {
                    return Err(Error::invalid("status", "a ticket cannot go back to new"))
                }
                TicketStatus::Closed => {
                    if t.status != TicketStatus::Resolved {
                        return Err(Error::conflict("only a resolved ticket can be closed"));
                    }
                    t.closed_at = Some(now);
                }
                TicketStatus::Resolved => {
                    open(&t)?;
                    t.resolved_at = Some(now);
                    let used = sla::used(t.created_at, t.paused_micros, now, &cal);
                    if t.resolution_breached_at.is_none()
                        && used >= sla::minutes(s.target(t.priority).resolution_minutes)
                    {
                        t.resolution_breached_at = Some(now);
                    }
                    notify_to.push((t.requester, format!("Ticket #{} is resolved", t.id)));
                }
                TicketStatus::InProgress | TicketStatus::WaitingOnRequester => {
                    open(&t)?;
                    if *status == TicketStatus::WaitingOnRequester {
                        notify_to.push((
                            t.requester,
                            format!("Ticket #{} waits on your answer", t.id),
                        ));
                    }
                }
            }
            if t.status == *status {
                return Err(Error::invalid(
                    "status",
                    "the ticket has this status already",
                ));
            }
            set_status(&mut t, *status, &cal, now);
            msgs.push(entry(
                MessageKind::Status,
                format!("Status: {}.", status.label()),
            ));
        }
        TicketAction::Reprioritize { urgency, impact } => {
            tech(actor)?;
            open(&t)?;
            t.urgency = *urgency;
            t.impact = *impact;
            let p = priority(*urgency, *impact);
            msgs.push(entry(
                MessageKind::Status,
                format!("Priority: {} → {}.", t.priority.short(), p.short()),
            ));
            t.priority = p;
        }
        TicketAction::Reopen { reason } => {
            if !is_technician(actor) && !is_requester {
                return Err(Error::Forbidden);
            }
            if t.status.is_open() {
                return Err(Error::conflict("the ticket is open"));
            }
            let reason = body_of("reason", reason)?;
            t.status = TicketStatus::InProgress;
            t.resolved_at = None;
            t.closed_at = None;
            msgs.push(entry(MessageKind::Reply, format!("Reopened: {reason}")));
            if let Some(a) = t.assignee {
                notify_to.push((a, format!("Ticket #{} was reopened", t.id)));
            }
        }
        TicketAction::Rate { rating, comment } => {
            if !is_requester {
                return Err(Error::Forbidden);
            }
            if t.status.is_open() {
                return Err(Error::conflict(
                    "a ticket is rated once it is resolved or closed",
                ));
            }
            let mut v = Validator::new();
            if !(1..=5).contains(rating) {
                v.push("rating", "must be 1 to 5");
            }
            let comment = v.check(
                "comment",
                crate::input::text("comment", comment, 2000, false),
            );
            v.finish()?;
            t.rating = Some(*rating);
            t.rating_comment = comment.unwrap_or_default();
        }
        TicketAction::LinkAsset { asset } => {
            if !is_technician(actor) && !is_requester {
                return Err(Error::Forbidden);
            }
            check_assets(store, actor, &[*asset]).await?;
            if store
                .ticket_assets(actor.company_id, id)
                .await?
                .iter()
                .any(|a| a.id == *asset)
            {
                return Err(Error::invalid("asset_id", "the asset is linked already"));
            }
            link_assets.push(*asset);
        }
        TicketAction::LinkArticle { article } => {
            tech(actor)?;
            helpdesk_kb::get(store, actor, *article)
                .await
                .map_err(|_| Error::invalid("article_id", "not an article of the company"))?;
            if store
                .ticket_articles(actor.company_id, id)
                .await?
                .iter()
                .any(|a| a.id == *article)
            {
                return Err(Error::invalid(
                    "article_id",
                    "the article is linked already",
                ));
            }
            link_articles.push(*article);
        }
    }
    t.updated_at = now;
    refresh_sla(&mut t, &s, &cal, now);
    let audit = AuditDraft::by(
        actor,
        TICKET,
        Some(id.to_string()),
        action.name(),
        json!({"changes": crate::audit::diff(&audit_view(&before), &audit_view(&t)),
               "assets": link_assets, "articles": link_articles,
               "messages": msgs.iter().map(|m| m.kind.as_str()).collect::<Vec<_>>()}),
    );
    store
        .update_ticket(&t, &msgs, &link_assets, &link_articles, audit)
        .await?;
    let items: Vec<NewNotification> = notify_to
        .into_iter()
        .filter(|(u, _)| *u != actor.user_id)
        .map(|(user, title)| NewNotification {
            company: t.company,
            user,
            kind: "it.ticket".into(),
            title: format!("{title}: {}", t.subject),
            body: format!("{} updated the ticket.", actor.display_name),
            link: Some(format!("/it/tickets/{}", t.id)),
        })
        .collect();
    if !items.is_empty() {
        if let Err(e) = notify::notify(store, items).await {
            tracing::warn!(error = %e, "ticket notification failed");
        }
    }
    t.version += 1;
    Ok(t)
}

fn audit_view(t: &Ticket) -> serde_json::Value {
    json!({
        "status": t.status, "priority": t.priority, "urgency": t.urgency, "impact": t.impact,
        "assignee": t.assignee, "group": t.group_id, "paused_micros": t.paused_micros,
        "first_response_at": t.first_response_at, "rating": t.rating,
        "rating_comment": t.rating_comment,
    })
}

/// A ticket as an export row.
pub const EXPORT_HEADER: [&str; 11] = [
    "id",
    "subject",
    "requester",
    "category",
    "priority",
    "status",
    "assignee",
    "group",
    "sla_state",
    "created",
    "due",
];

pub fn export_row(t: &Ticket) -> Vec<String> {
    vec![
        t.id.to_string(),
        t.subject.clone(),
        t.requester_name.clone(),
        t.category.clone().unwrap_or_default(),
        t.priority.short().to_string(),
        t.status.as_str().to_string(),
        t.assignee_name.clone().unwrap_or_default(),
        t.group.clone().unwrap_or_default(),
        t.sla_state.as_str().to_string(),
        t.created_at.rfc3339(),
        t.sla_due().map(|d| d.rfc3339()).unwrap_or_default(),
    ]
}
