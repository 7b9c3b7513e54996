//! Work: the shared engines the back office runs on. Tasks and delegation (with checklist
//! templates and recurrence), one approval engine for every kind of request, front-office
//! escalations ("cases") with SLAs on a working calendar, notifications (in the app and by
//! e-mail), and the manager's dashboard. Other domains plug in through small interfaces:
//! a [`RecordRef`] links a task or an approval to any record, `approvals::submit` asks for
//! a decision, `notify::notify` tells a person, and `dashboard::Tile` adds a tile.
pub mod approvals;
pub mod cases;
pub mod dashboard;
pub mod mail;
pub mod notify;
pub mod sla;
pub mod tasks;

use serde::{Deserialize, Serialize};
use std::sync::Arc;

use crate::jobs::{JobStore, Registry};

/// Registers every job kind of Work: e-mail (`mail.send`), notification mail and the daily
/// digest, and each part's own kinds (recurrence, SLA timers, escalations). The binary's
/// worker calls it with the store and the configured mailer.
///
/// Each part adds its store trait to the bound and its call below.
pub fn register_jobs<S>(registry: &mut Registry, store: S, mailer: Arc<dyn mail::Mailer>)
where
    S: notify::NotifyStore
        + JobStore
        + approvals::ApprovalBackend
        + cases::CaseStore
        + tasks::TaskStore
        + Clone
        + 'static,
{
    mail::register_jobs(registry, mailer.clone());
    notify::register_jobs(registry, store.clone(), mailer);
    approvals::register_jobs(registry, store.clone());
    cases::register_jobs(registry, store.clone());
    tasks::register_jobs(registry, store.clone());
}

/// A link to any record in any domain, as `kind:id` (`ledger.entry:42`, `user:7`). The kind
/// is a short lowercase word with dots; the id is the record's numeric id. What a kind
/// means and where it is shown is decided by [`RecordRef::href`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecordRef {
    pub kind: String,
    pub id: i64,
}

impl RecordRef {
    pub fn new(kind: &str, id: i64) -> RecordRef {
        RecordRef {
            kind: kind.to_string(),
            id,
        }
    }

    /// Parses `kind:id`; the kind must be one Steward knows.
    pub fn parse(s: &str) -> Option<RecordRef> {
        let (kind, id) = s.trim().split_once(':')?;
        let id: i64 = id.trim().parse().ok().filter(|i| *i > 0)?;
        KNOWN_KINDS
            .iter()
            .find(|(k, _)| *k == kind.trim())
            .map(|(k, _)| RecordRef::new(k, id))
    }

    /// The page that shows the record.
    pub fn href(&self) -> String {
        match self.kind.as_str() {
            "ledger.entry" => format!("/ledger/entries/{}", self.id),
            "ledger.account" => format!("/ledger/accounts/{}", self.id),
            "user" => format!("/users/{}", self.id),
            "task" => format!("/tasks/{}", self.id),
            "hr.employee" => format!("/hr/employees/{}", self.id),
            "hr.timeoff" => format!("/hr/timeoff/requests/{}", self.id),
            "hr.change" => format!("/hr/changes/{}", self.id),
            "hr.document" => format!("/hr/documents/{}", self.id),
            "case" => format!("/cases/{}", self.id),
            "approval" => format!("/approvals/{}", self.id),
            _ => "/".to_string(),
        }
    }

    /// A human name for the kind ("Ledger entry").
    pub fn kind_label(&self) -> &'static str {
        KNOWN_KINDS
            .iter()
            .find(|(k, _)| *k == self.kind)
            .map(|(_, l)| *l)
            .unwrap_or("Record")
    }
}

impl std::fmt::Display for RecordRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind, self.id)
    }
}

/// The kinds of record a task, an approval or an attachment may point at. HR, IT and
/// procurement add theirs here when they exist.
pub const KNOWN_KINDS: &[(&str, &str)] = &[
    ("ledger.entry", "Ledger entry"),
    ("ledger.account", "Account"),
    ("user", "User"),
    ("task", "Task"),
    ("case", "Case"),
    ("approval", "Approval"),
    ("hr.employee", "Employee"),
    ("hr.timeoff", "Time-off request"),
    ("hr.change", "Record change"),
    ("hr.document", "Employee document"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_refs_parse_known_kinds_only() {
        assert_eq!(
            RecordRef::parse("ledger.entry:42"),
            Some(RecordRef::new("ledger.entry", 42))
        );
        assert_eq!(
            RecordRef::parse("ledger.entry:42").map(|r| r.href()),
            Some("/ledger/entries/42".into())
        );
        assert_eq!(RecordRef::parse("nuclear.silo:1"), None);
        assert_eq!(RecordRef::parse("task:0"), None);
        assert_eq!(RecordRef::parse("task:x"), None);
        assert_eq!(RecordRef::new("case", 3).to_string(), "case:3");
    }
}
