//! Planned upgrades and changes: a title, what is done, a maintenance window (the end after
//! the start), a risk, the assets it touches and a checklist whose items are ticked with
//! who and when. A change moves `draft` -> `submitted` (waiting in the ONE approvals inbox,
//! kind `it.change`: the IT leads decide by default) -> `approved` or `rejected` (the
//! inbox's decision, [`on_decision`]) -> `in_progress` -> `done`; a draft, approved or
//! rejected change may be `cancelled`; a rejected one goes back to draft when edited.
//!
//! Who: IT's staff write; nobody else sees changes. Deciding is the inbox's.
use chrono::{NaiveDateTime, TimeZone, Utc};
use serde::Serialize;
use serde_json::json;
use std::future::Future;

use super::gate;
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::error::Validator;
use crate::ids::{AssetId, CompanyId};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::registry::{ApprovalKind, RecordRef};
use crate::time::Timestamp;
use crate::work::approvals::{self, ApprovalBackend, NewApprovalRequest};
use crate::{Error, Result};

/// A planned change (`it.change:5`).
pub const CHANGE: &str = "it.change";

/// A change waits for the IT leads (kind `it.change`); the decision approves or rejects it.
pub const CHANGE_APPROVAL: ApprovalKind = ApprovalKind {
    key: "it.change",
    label: "Planned IT change",
    direct: false,
    lead_role: "it_lead",
    lead_decides: true,
};

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 8000;
pub const ITEM_MAX: usize = 500;
pub const ITEMS_MAX: usize = 100;
pub const ASSETS_MAX: usize = 200;

macro_rules! words {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:literal / $label:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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
                match s { $($s => Some($name::$variant),)* _ => None }
            }
            pub fn words() -> String {
                let all: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                all.join(", ")
            }
        }
    };
}

words!(
    Risk {
        Low = "low" / "Low",
        Medium = "medium" / "Medium",
        High = "high" / "High",
    }
);

words!(
    ChangeStatus {
        Draft = "draft" / "Draft",
        Submitted = "submitted" / "Waiting for approval",
        Approved = "approved" / "Approved",
        Rejected = "rejected" / "Rejected",
        InProgress = "in_progress" / "In progress",
        Done = "done" / "Done",
        Cancelled = "cancelled" / "Cancelled",
    }
);

impl ChangeStatus {
    /// Whether a person may move a change from `self` to `to` (`approved` and `rejected`
    /// are the inbox's, never a person's move here).
    pub fn may_move_to(self, to: ChangeStatus) -> bool {
        use ChangeStatus::*;
        matches!(
            (self, to),
            (Draft, Submitted)
                | (Rejected, Submitted)
                | (Approved, InProgress)
                | (InProgress, Done)
                | (Draft | Approved | Rejected | InProgress, Cancelled)
        )
    }

    /// Whether the change's fields may be edited.
    pub fn editable(self) -> bool {
        matches!(self, ChangeStatus::Draft | ChangeStatus::Rejected)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecklistItem {
    pub id: i64,
    pub position: i64,
    pub text: String,
    pub done: bool,
    pub done_by: Option<String>,
    pub done_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssetRef {
    pub id: AssetId,
    pub tag: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub window_start: Timestamp,
    pub window_end: Timestamp,
    pub risk: Risk,
    pub status: ChangeStatus,
    /// The inbox's request while submitted (and after).
    pub approval_id: Option<i64>,
    pub decision_comment: String,
    pub created_by: String,
    pub checklist: Vec<ChecklistItem>,
    pub assets: Vec<AssetRef>,
    pub version: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeInput {
    pub title: String,
    pub description: String,
    /// `YYYY-MM-DDTHH:MM` (UTC) or RFC 3339.
    pub window_start: String,
    pub window_end: String,
    pub risk: String,
    /// The checklist, an item a line (replaces the unticked items on update; ticked ones
    /// stay).
    pub checklist: Vec<String>,
    pub asset_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChange {
    pub title: String,
    pub description: String,
    pub window_start: Timestamp,
    pub window_end: Timestamp,
    pub risk: Risk,
    pub checklist: Vec<String>,
    pub assets: Vec<AssetId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChangeSort {
    #[default]
    WindowStart,
    Title,
    Risk,
    Status,
    Created,
}

impl SortKey for ChangeSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("window_start", ChangeSort::WindowStart),
        ("title", ChangeSort::Title),
        ("risk", ChangeSort::Risk),
        ("status", ChangeSort::Status),
        ("created", ChangeSort::Created),
    ];
}

#[derive(Debug, Clone, Default)]
pub struct ChangeQuery {
    /// Part of the title or description.
    pub search: Option<String>,
    pub status: Option<ChangeStatus>,
    pub risk: Option<Risk>,
    pub sort: ChangeSort,
    pub dir: SortDir,
    pub paging: Paging,
}

pub trait ChangeStore: Send + Sync {
    fn list_changes(
        &self,
        company: CompanyId,
        q: &ChangeQuery,
    ) -> impl Future<Output = Result<Page<Change>>> + Send;
    fn change(
        &self,
        company: CompanyId,
        id: i64,
    ) -> impl Future<Output = Result<Option<Change>>> + Send;
    fn insert_change(
        &self,
        company: CompanyId,
        c: &NewChange,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Replaces the fields, the assets and the unticked checklist items; a rejected change
    /// goes back to draft. `Conflict` when stale or no longer editable.
    fn update_change(
        &self,
        company: CompanyId,
        id: i64,
        c: &NewChange,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Moves the change from `from` to `to` (`Conflict` when it is not in `from` any
    /// more); `approval`: the inbox request to remember; `comment`: the decision's.
    #[allow(clippy::too_many_arguments)]
    fn move_change(
        &self,
        company: CompanyId,
        id: i64,
        from: ChangeStatus,
        to: ChangeStatus,
        approval: Option<i64>,
        comment: Option<&str>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Ticks or unticks an item (who and when recorded); `NotFound` when not the change's.
    fn tick_change_item(
        &self,
        company: CompanyId,
        change: i64,
        item: i64,
        done: bool,
        by: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Which of the ids are the company's assets.
    fn known_assets(
        &self,
        company: CompanyId,
        ids: &[i64],
    ) -> impl Future<Output = Result<Vec<i64>>> + Send;
}

/// Whether the actor may plan and move changes and keep maintenance schedules (the forms).
pub fn may_write(actor: &Actor) -> bool {
    super::allowed(actor, Action::Update)
}

/// `YYYY-MM-DDTHH:MM[:SS]` (UTC, as a form's date-time field sends it) or RFC 3339.
pub fn parse_instant(field: &str, s: &str) -> Result<Timestamp> {
    let t = s.trim();
    let refused = || {
        Error::invalid(
            field,
            format!("`{t}` is not a date and time (YYYY-MM-DDTHH:MM, UTC)"),
        )
    };
    if t.is_empty() {
        return Err(Error::invalid(field, "required"));
    }
    let dt = chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| d.with_timezone(&Utc))
        .or_else(|_| {
            ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
                .map(|n| Utc.from_utc_datetime(&n))
                .ok_or(())
        })
        .map_err(|_| refused())?;
    crate::time::check_date_range(field, dt.date_naive())?;
    Ok(Timestamp(dt.timestamp_micros()))
}

/// The window's form field value (`YYYY-MM-DDTHH:MM`, UTC).
pub fn form_instant(t: Timestamp) -> String {
    t.to_datetime().format("%Y-%m-%dT%H:%M").to_string()
}

/// Checks a change as typed. Asset ids must be the company's (`asset_ids`).
pub fn check_change(input: &ChangeInput, known_assets: &[i64]) -> Result<NewChange> {
    let mut v = Validator::new();
    let title = v.line("title", &input.title, TITLE_MAX, true);
    let description = v.text("description", &input.description, TEXT_MAX, false);
    let start = v.check(
        "window_start",
        parse_instant("window_start", &input.window_start),
    );
    let end = v.check("window_end", parse_instant("window_end", &input.window_end));
    if let (Some(s), Some(e)) = (start, end) {
        if e <= s {
            v.push("window_end", "the window ends after it starts");
        }
    }
    let risk = Risk::parse(input.risk.trim()).unwrap_or_else(|| {
        v.push("risk", format!("one of {}", Risk::words()));
        Risk::Low
    });
    let mut checklist = Vec::new();
    for (i, item) in input.checklist.iter().enumerate() {
        let t = item.trim();
        if t.is_empty() {
            continue;
        }
        if t.chars().count() > ITEM_MAX || t.contains(['\n', '\r']) {
            v.push(
                "checklist",
                format!("item {}: one line of up to {ITEM_MAX} characters", i + 1),
            );
        }
        checklist.push(t.to_string());
    }
    if checklist.len() > ITEMS_MAX {
        v.push("checklist", format!("up to {ITEMS_MAX} items"));
    }
    let mut assets: Vec<i64> = input.asset_ids.clone();
    assets.sort_unstable();
    assets.dedup();
    if assets.len() > ASSETS_MAX {
        v.push("asset_ids", format!("up to {ASSETS_MAX} assets"));
    }
    if let Some(bad) = assets.iter().find(|a| !known_assets.contains(a)) {
        v.push("asset_ids", format!("no such asset: {bad}"));
    }
    v.finish()?;
    Ok(NewChange {
        title,
        description,
        window_start: start.unwrap_or(Timestamp(0)),
        window_end: end.unwrap_or(Timestamp(0)),
        risk,
        checklist,
        assets: assets.into_iter().map(AssetId).collect(),
    })
}

fn change_json(c: &NewChange) -> serde_json::Value {
    json!({"title": c.title, "window_start": c.window_start.rfc3339(),
        "window_end": c.window_end.rfc3339(), "risk": c.risk.as_str(),
        "checklist": c.checklist, "assets": c.assets.iter().map(|a| a.0).collect::<Vec<_>>()})
}

pub async fn list<S: ChangeStore>(
    store: &S,
    actor: &Actor,
    q: &ChangeQuery,
) -> Result<Page<Change>> {
    gate(actor, Action::Read)?;
    if q.paging.is_export() {
        gate(actor, Action::Export)?;
    }
    store.list_changes(actor.company_id, q).await
}

pub async fn get<S: ChangeStore>(store: &S, actor: &Actor, id: i64) -> Result<Change> {
    gate(actor, Action::Read)?;
    store
        .change(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "change" })
}

async fn checked<S: ChangeStore>(
    store: &S,
    actor: &Actor,
    input: &ChangeInput,
) -> Result<NewChange> {
    let known = if input.asset_ids.is_empty() {
        Vec::new()
    } else {
        store
            .known_assets(actor.company_id, &input.asset_ids)
            .await?
    };
    check_change(input, &known)
}

/// A new change, a draft.
pub async fn create<S: ChangeStore>(
    store: &S,
    actor: &Actor,
    input: &ChangeInput,
) -> Result<Change> {
    gate(actor, Action::Create)?;
    let c = checked(store, actor, input).await?;
    let audit = AuditDraft::by(actor, CHANGE, None, "create", change_json(&c));
    let id = store.insert_change(actor.company_id, &c, audit).await?;
    get(store, actor, id).await
}

/// Edits a draft or rejected change (a rejected one is a draft again).
pub async fn update<S: ChangeStore>(
    store: &S,
    actor: &Actor,
    id: i64,
    input: &ChangeInput,
    version: Option<i64>,
) -> Result<Change> {
    gate(actor, Action::Update)?;
    let current = get(store, actor, id).await?;
    if !current.status.editable() {
        return Err(Error::invalid(
            "status",
            format!(
                "a change that is {} cannot be edited",
                current.status.label().to_lowercase()
            ),
        ));
    }
    let c = checked(store, actor, input).await?;
    let audit = AuditDraft::by(
        actor,
        CHANGE,
        Some(id.to_string()),
        "update",
        json!({"before": {"title": current.title, "status": current.status.as_str()},
            "after": change_json(&c)}),
    );
    store
        .update_change(
            actor.company_id,
            id,
            &c,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    get(store, actor, id).await
}

fn refuse_move(from: ChangeStatus, to: ChangeStatus) -> Error {
    Error::invalid(
        "status",
        format!(
            "a change that is {} cannot become {}",
            from.label().to_lowercase(),
            to.label().to_lowercase()
        ),
    )
}

/// Sends a draft (or a rejected change) to the approvals inbox.
pub async fn submit<S: ChangeStore + ApprovalBackend>(
    store: &S,
    actor: &Actor,
    id: i64,
) -> Result<Change> {
    gate(actor, Action::Update)?;
    let c = get(store, actor, id).await?;
    if !c.status.may_move_to(ChangeStatus::Submitted) {
        return Err(refuse_move(c.status, ChangeStatus::Submitted));
    }
    let audit = AuditDraft::by(
        actor,
        CHANGE,
        Some(id.to_string()),
        "submit",
        json!({"title": c.title, "risk": c.risk.as_str()}),
    );
    store
        .move_change(
            actor.company_id,
            id,
            c.status,
            ChangeStatus::Submitted,
            None,
            None,
            audit,
        )
        .await?;
    let asked = approvals::submit(
        store,
        actor,
        NewApprovalRequest {
            kind: CHANGE_APPROVAL,
            subject: RecordRef::new(CHANGE, id),
            title: format!(
                "{} ({} risk, {} to {})",
                c.title,
                c.risk.as_str(),
                c.window_start.display(),
                c.window_end.display()
            ),
            amount: None,
            department: None,
        },
    )
    .await;
    match asked {
        Ok(aid) => {
            let audit = AuditDraft::by(
                actor,
                CHANGE,
                Some(id.to_string()),
                "awaiting_approval",
                json!({"approval_id": aid.0}),
            );
            store
                .move_change(
                    actor.company_id,
                    id,
                    ChangeStatus::Submitted,
                    ChangeStatus::Submitted,
                    Some(aid.0),
                    None,
                    audit,
                )
                .await?;
        }
        Err(e) => {
            let audit = AuditDraft::by(
                actor,
                CHANGE,
                Some(id.to_string()),
                "unsubmit",
                json!({"reason": "the approval could not be asked for"}),
            );
            store
                .move_change(
                    actor.company_id,
                    id,
                    ChangeStatus::Submitted,
                    c.status,
                    None,
                    None,
                    audit,
                )
                .await?;
            return Err(e);
        }
    }
    get(store, actor, id).await
}

/// The inbox's final decision: a submitted change is approved or rejected.
pub async fn on_decision<S: ChangeStore>(
    store: &S,
    actor: &Actor,
    id: i64,
    approved: bool,
    comment: &str,
) -> Result<()> {
    let c = store
        .change(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "change" })?;
    if c.status != ChangeStatus::Submitted {
        return Err(Error::conflict(format!(
            "the change is {} already",
            c.status.label().to_lowercase()
        )));
    }
    let to = if approved {
        ChangeStatus::Approved
    } else {
        ChangeStatus::Rejected
    };
    let audit = AuditDraft::by(
        actor,
        CHANGE,
        Some(id.to_string()),
        if approved { "approve" } else { "reject" },
        json!({"comment": comment}),
    );
    store
        .move_change(
            actor.company_id,
            id,
            ChangeStatus::Submitted,
            to,
            None,
            Some(comment.trim()),
            audit,
        )
        .await
}

/// Moves a change by hand: `in_progress` (from approved), `done` (from in progress) or
/// `cancelled`. Anything else is refused on `status`.
pub async fn move_to<S: ChangeStore>(
    store: &S,
    actor: &Actor,
    id: i64,
    to: &str,
) -> Result<Change> {
    gate(actor, Action::Update)?;
    let c = get(store, actor, id).await?;
    let target = match ChangeStatus::parse(to.trim()) {
        Some(t @ (ChangeStatus::InProgress | ChangeStatus::Done | ChangeStatus::Cancelled)) => t,
        _ => return Err(Error::invalid(
            "status",
            "in_progress, done or cancelled (submitting is its own step; approving is the inbox's)",
        )),
    };
    if !c.status.may_move_to(target) {
        return Err(refuse_move(c.status, target));
    }
    if target == ChangeStatus::Done && c.checklist.iter().any(|i| !i.done) {
        return Err(Error::invalid(
            "status",
            "tick every checklist item before the change is done",
        ));
    }
    let audit = AuditDraft::by(
        actor,
        CHANGE,
        Some(id.to_string()),
        target.as_str(),
        json!({"from": c.status.as_str()}),
    );
    store
        .move_change(actor.company_id, id, c.status, target, None, None, audit)
        .await?;
    get(store, actor, id).await
}

/// Ticks (or unticks) a checklist item, recording who and when; only while the change is
/// approved or in progress.
pub async fn tick<S: ChangeStore>(
    store: &S,
    actor: &Actor,
    id: i64,
    item: i64,
    done: bool,
) -> Result<Change> {
    gate(actor, Action::Update)?;
    let c = get(store, actor, id).await?;
    let Some(it) = c.checklist.iter().find(|i| i.id == item) else {
        return Err(Error::NotFound {
            entity: "checklist item",
        });
    };
    if !matches!(c.status, ChangeStatus::Approved | ChangeStatus::InProgress) {
        return Err(Error::invalid(
            "status",
            format!(
                "items are ticked while the change is approved or in progress, not {}",
                c.status.label().to_lowercase()
            ),
        ));
    }
    let audit = AuditDraft::by(
        actor,
        CHANGE,
        Some(id.to_string()),
        if done { "tick" } else { "untick" },
        json!({"item": item, "text": it.text}),
    );
    let by = audit.actor.clone();
    store
        .tick_change_item(actor.company_id, id, item, done, &by, audit)
        .await?;
    get(store, actor, id).await
}

pub const EXPORT_HEADERS: &[&str] = &[
    "title",
    "status",
    "risk",
    "window_start",
    "window_end",
    "assets",
    "checklist_done",
    "created_by",
];

pub fn export_row(c: &Change) -> Vec<String> {
    vec![
        c.title.clone(),
        c.status.as_str().to_string(),
        c.risk.as_str().to_string(),
        c.window_start.rfc3339(),
        c.window_end.rfc3339(),
        c.assets
            .iter()
            .map(|a| a.tag.clone())
            .collect::<Vec<_>>()
            .join(" "),
        format!(
            "{}/{}",
            c.checklist.iter().filter(|i| i.done).count(),
            c.checklist.len()
        ),
        c.created_by.clone(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves() {
        use ChangeStatus::*;
        assert!(Draft.may_move_to(Submitted));
        assert!(!Draft.may_move_to(Approved));
        assert!(!Submitted.may_move_to(Cancelled));
        assert!(Approved.may_move_to(InProgress));
        assert!(!Done.may_move_to(Cancelled));
    }

    #[test]
    fn window_ends_after_it_starts() {
        let input = ChangeInput {
            title: "Swap core switch".into(),
            window_start: "2026-12-12T22:00".into(),
            window_end: "2026-12-12T21:00".into(),
            risk: "high".into(),
            ..ChangeInput::default()
        };
        let e = check_change(&input, &[]).expect_err("end before start");
        assert_eq!(e.field_errors()[0].field, "window_end");
        let ok = ChangeInput {
            window_end: "2026-12-13T02:00:00Z".into(),
            ..input
        };
        assert!(check_change(&ok, &[]).is_ok());
    }
}
