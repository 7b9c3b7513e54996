//! Where domains plug into the shared engines. The engines (approvals, record links and
//! attachments, the dashboard, jobs) never name a domain: at start-up each domain's
//! `register` function tells the [`Registry`] what it brings, and the engines look kinds
//! up here.
//!
//! ```ignore
//! pub fn register<S: LedgerBackend + Clone + 'static>(r: &mut Registry, store: S) {
//!     r.approval_kind(&ENTRY_APPROVAL, decide_entry(store.clone())); // told the final decision
//!     r.record_kind(ENTRY, "Ledger entry");                          // a task can link to it
//!     r.tile("ledger.cash", cash_tile(store.clone()));               // on the dashboard
//!     r.job(&kind, handler);                                         // run by the worker
//!     r.on_start("ledger.schedule", schedule(store));                // seeds periodic jobs
//! }
//! ```
//!
//! Handlers capture their own store (as `jobs::Handlers`'s do), so the registry is one
//! plain value per running app, built by the binary (`steward::app::registry`) and handed
//! to the web layer and the worker. Web keeps its own registrations (routes, navigation,
//! links to a record's page) beside the pages, in `steward_web::plugin`.
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use crate::auth::Actor;
use crate::jobs::{self, Job, JobKind, JobResult};
use crate::work::dashboard::TileHandler;
use crate::{Error, Result};

/// A kind of approval request: what it is called, who leads its domain (the default
/// chain's second level), and whether people may ask for it directly from the inbox (the
/// others come from their domain's own flow). Domains declare theirs as constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalKind {
    pub key: &'static str,
    pub label: &'static str,
    pub direct: bool,
    pub lead_role: &'static str,
    /// The default chain asks the lead role first, whatever the amount, instead of the
    /// requester's manager (requests that need a specialist's eye, such as a planned
    /// change to the network).
    pub lead_decides: bool,
}

/// A final decision handed back to the domain of the request's subject.
#[derive(Debug, Clone)]
pub struct Decision {
    /// Who decided (the last approver, or the one who rejected).
    pub actor: Actor,
    pub subject: RecordRef,
    pub approved: bool,
    pub comment: String,
}

/// Told the final decision of its kind's requests. It runs before the engine records the
/// decision: an error (a closed period, say) leaves the request undecided.
pub type DecisionHandler = Arc<dyn Fn(Decision) -> BoxFuture<'static, Result<()>> + Send + Sync>;

/// What the actor may do with the attachments of a record of its kind (loading the record
/// as the actor sees it: not found when they do not).
pub type AttachmentHandler =
    Arc<dyn Fn(Actor, i64) -> BoxFuture<'static, Result<AttachAccess>> + Send + Sync>;

/// Work to do when a worker starts (seeding a periodic job's chain).
pub type StartHook = Arc<dyn Fn() -> BoxFuture<'static, Result<()>> + Send + Sync>;

/// A kind of record that tasks, approvals and attachments may point at (`ledger.entry`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordKind {
    pub key: &'static str,
    pub label: &'static str,
}

/// A link to any record in any domain, as `kind:id` (`ledger.entry:42`, `user:7`). The kind
/// is a short lowercase word with dots; the id is the record's numeric id. Which kinds
/// exist, and what they are called, the domains register ([`Registry::record_kind`]);
/// where a record is shown, the web layer knows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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

    /// Parses `kind:id` by its shape: a kind of lowercase letters, digits, dots and
    /// underscores, and a positive id. Whether the kind exists is the registry's to say
    /// ([`Registry::parse_record`]).
    pub fn parse(s: &str) -> Option<RecordRef> {
        let (kind, id) = s.trim().split_once(':')?;
        let kind = kind.trim();
        let id: i64 = id.trim().parse().ok().filter(|i| *i > 0)?;
        let shaped = !kind.is_empty()
            && kind.len() <= 64
            && kind.starts_with(|c: char| c.is_ascii_lowercase())
            && kind
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_');
        shaped.then(|| RecordRef::new(kind, id))
    }
}

impl std::fmt::Display for RecordRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind, self.id)
    }
}

/// What the actor may do with a record's attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachAccess {
    pub add: bool,
    /// Remove anyone's (the uploader may always remove their own).
    pub remove_any: bool,
}

/// A boxed future that may be sent between threads.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

struct ApprovalEntry {
    kind: ApprovalKind,
    on_decision: Option<DecisionHandler>,
}

/// Everything the domains registered. See the module notes.
#[derive(Default)]
pub struct Registry {
    approvals: BTreeMap<&'static str, ApprovalEntry>,
    records: BTreeMap<&'static str, RecordKind>,
    attachments: BTreeMap<&'static str, AttachmentHandler>,
    tiles: Vec<(&'static str, TileHandler)>,
    jobs: jobs::Handlers,
    on_start: Vec<(&'static str, StartHook)>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("approval_kinds", &self.approvals.keys().collect::<Vec<_>>())
            .field("record_kinds", &self.records.keys().collect::<Vec<_>>())
            .field(
                "tiles",
                &self.tiles.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            )
            .field("jobs", &self.jobs.kinds())
            .finish()
    }
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    // ---- registering ----

    /// A kind of approval request; `on_decision` is told the final decision (kinds that
    /// read the request's status when they need it pass `None`).
    pub fn approval_kind(
        &mut self,
        kind: &ApprovalKind,
        on_decision: Option<DecisionHandler>,
    ) -> &mut Self {
        self.approvals.insert(
            kind.key,
            ApprovalEntry {
                kind: *kind,
                on_decision,
            },
        );
        self
    }

    /// A kind of record links may point at, with its name for people.
    pub fn record_kind(&mut self, key: &'static str, label: &'static str) -> &mut Self {
        self.records.insert(key, RecordKind { key, label });
        self
    }

    /// Records of `key` take attachments; `access` says what the actor may do with them.
    pub fn attachments(&mut self, key: &'static str, access: AttachmentHandler) -> &mut Self {
        self.attachments.insert(key, access);
        self
    }

    /// Tiles on the manager's dashboard, shown in the order registered.
    pub fn tile(&mut self, name: &'static str, tiles: TileHandler) -> &mut Self {
        self.tiles.push((name, tiles));
        self
    }

    /// A job the worker runs (idempotent: see `jobs`).
    pub fn job<F, Fut>(&mut self, kind: &JobKind, handler: F) -> &mut Self
    where
        F: Fn(Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = JobResult> + Send + 'static,
    {
        self.jobs.register(kind, handler);
        self
    }

    /// The job handlers, for code that registers several at once.
    pub fn jobs_mut(&mut self) -> &mut jobs::Handlers {
        &mut self.jobs
    }

    /// Run when a worker starts: seeds a periodic job's chain (each chain re-enqueues
    /// itself under a dedupe key, so any number of workers start one).
    pub fn on_start(&mut self, name: &'static str, hook: StartHook) -> &mut Self {
        self.on_start.push((name, hook));
        self
    }

    // ---- looking up ----

    pub fn approval_kind_of(&self, key: &str) -> Option<&ApprovalKind> {
        self.approvals.get(key).map(|e| &e.kind)
    }

    /// The registered approval kinds, by key.
    pub fn approval_kinds(&self) -> impl Iterator<Item = &ApprovalKind> {
        self.approvals.values().map(|e| &e.kind)
    }

    /// A kind's name for people ("Request" for one this build does not know).
    pub fn approval_label(&self, key: &str) -> &'static str {
        self.approval_kind_of(key)
            .map(|k| k.label)
            .unwrap_or("Request")
    }

    /// Hands a final decision to the kind's domain; a kind without a handler has nothing
    /// to settle.
    pub async fn decide(&self, kind: &str, decision: Decision) -> Result<()> {
        match self.approvals.get(kind).and_then(|e| e.on_decision.clone()) {
            Some(h) => h(decision).await,
            None => Ok(()),
        }
    }

    pub fn record_kind_of(&self, key: &str) -> Option<&RecordKind> {
        self.records.get(key)
    }

    /// The kind's name for people ("Record" for one this build does not know).
    pub fn record_label(&self, key: &str) -> &'static str {
        self.records.get(key).map(|k| k.label).unwrap_or("Record")
    }

    pub fn record_kinds(&self) -> impl Iterator<Item = &RecordKind> {
        self.records.values()
    }

    /// Parses `kind:id` where the kind is one registered.
    pub fn parse_record(&self, s: &str) -> Option<RecordRef> {
        let r = RecordRef::parse(s)?;
        self.records.contains_key(r.kind.as_str()).then_some(r)
    }

    /// What the actor may do with a record's attachments: not found for a kind without
    /// attachments, or a record the actor does not see.
    pub async fn attachment_access(
        &self,
        actor: &Actor,
        record: &RecordRef,
    ) -> Result<AttachAccess> {
        match self.attachments.get(record.kind.as_str()) {
            Some(h) => h(actor.clone(), record.id).await,
            None => Err(Error::NotFound { entity: "record" }),
        }
    }

    /// The dashboard's tile sources, in order.
    pub fn tiles(&self) -> &[(&'static str, TileHandler)] {
        &self.tiles
    }

    /// The job handlers (the worker takes a copy).
    pub fn jobs(&self) -> &jobs::Handlers {
        &self.jobs
    }

    /// Runs every start-up hook; one that fails is logged and the others still run.
    pub async fn start(&self) {
        for (name, hook) in &self.on_start {
            if let Err(e) = hook().await {
                tracing::warn!(hook = name, error = %e, "a start-up hook failed");
            }
        }
    }
}

/// Boxes a handler closure: `handler(|d| async move { ... })`.
pub fn boxed<A, F, Fut, T>(f: F) -> Arc<dyn Fn(A) -> BoxFuture<'static, Result<T>> + Send + Sync>
where
    F: Fn(A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T>> + Send + 'static,
    A: 'static,
    T: 'static,
{
    Arc::new(move |a| Box::pin(f(a)))
}

/// Boxes a start-up hook closure (`Registry::on_start`).
pub fn start<F, Fut>(f: F) -> StartHook
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    Arc::new(move || Box::pin(f()))
}

/// Boxes an attachment rule (`Registry::attachments`).
pub fn attachment_rule<F, Fut>(f: F) -> AttachmentHandler
where
    F: Fn(Actor, i64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<AttachAccess>> + Send + 'static,
{
    Arc::new(move |a, id| Box::pin(f(a, id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const THING: ApprovalKind = ApprovalKind {
        key: "thing",
        label: "Thing",
        direct: false,
        lead_role: "admin",
        lead_decides: false,
    };

    #[tokio::test]
    async fn kinds_are_what_was_registered() {
        let mut r = Registry::new();
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let s2 = seen.clone();
        r.approval_kind(
            &THING,
            Some(boxed(move |d: Decision| {
                let s = s2.clone();
                async move {
                    s.lock()
                        .map_err(|_| Error::internal("lock"))?
                        .push(d.approved);
                    Ok(())
                }
            })),
        )
        .record_kind("thing", "Thing");
        assert_eq!(r.approval_label("thing"), "Thing");
        assert_eq!(r.approval_label("other"), "Request");
        assert_eq!(r.parse_record("thing:4"), Some(RecordRef::new("thing", 4)));
        assert_eq!(r.parse_record("nuclear.silo:1"), None);
        assert_eq!(
            RecordRef::parse("nuclear.silo:1"),
            Some(RecordRef::new("nuclear.silo", 1))
        );
        assert_eq!(RecordRef::parse("task:0"), None);
        assert_eq!(RecordRef::parse("task:x"), None);
        assert_eq!(RecordRef::parse("Task:1"), None);
        assert_eq!(RecordRef::parse("a b:1"), None);
        assert_eq!(RecordRef::new("case", 3).to_string(), "case:3");
        assert_eq!(r.record_label("other"), "Record");
        let actor = crate::auth::test_actor("admin");
        r.decide(
            "thing",
            Decision {
                actor: actor.clone(),
                subject: RecordRef::new("thing", 4),
                approved: true,
                comment: String::new(),
            },
        )
        .await
        .expect("decide");
        // A kind without a handler has nothing to settle.
        r.decide(
            "other",
            Decision {
                actor,
                subject: RecordRef::new("thing", 4),
                approved: false,
                comment: String::new(),
            },
        )
        .await
        .expect("nothing to do");
        assert_eq!(*seen.lock().expect("lock"), vec![true]);
        assert!(matches!(
            r.attachment_access(
                &crate::auth::test_actor("admin"),
                &RecordRef::new("thing", 1)
            )
            .await,
            Err(Error::NotFound { .. })
        ));
    }
}
