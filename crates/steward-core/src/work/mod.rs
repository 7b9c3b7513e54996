//! Work: the shared engines the back office runs on. Tasks and delegation (with checklist
//! templates and recurrence), one approval engine for every kind of request, front-office
//! escalations ("cases") with SLAs on a working calendar, notifications (in the app and by
//! e-mail), and the manager's dashboard. Other domains plug in through the
//! [`Registry`](crate::registry::Registry): a [`RecordRef`] links a task or an approval to
//! any registered kind of record, `approvals::submit` asks for a decision (the final one
//! comes back through the kind's registered handler), `notify::notify` tells a person, and a
//! registered tile joins the dashboard.
pub mod approvals;
pub mod cases;
pub mod dashboard;
pub mod mail;
pub mod notify;
pub mod sla;
pub mod tasks;
pub mod tiles;

use std::sync::Arc;

use crate::audit::AuditStore;
use crate::jobs::JobStore;
use crate::registry::Registry;

pub use crate::registry::RecordRef;

/// Everything Work's engines need from the store.
pub trait WorkBackend:
    notify::NotifyStore
    + JobStore
    + AuditStore
    + approvals::ApprovalBackend
    + cases::CaseStore
    + tasks::TaskStore
{
}
impl<T> WorkBackend for T where
    T: notify::NotifyStore
        + JobStore
        + AuditStore
        + approvals::ApprovalBackend
        + cases::CaseStore
        + tasks::TaskStore
{
}

/// Plugs Work in: the kinds people ask approval for directly, tasks, cases and approvals
/// as record kinds (tasks and cases take attachments), the dashboard's Work tiles, every
/// job kind (e-mail, notification mail and the daily digest, recurrence, SLA timers,
/// escalations) and the periodic chains a starting worker seeds.
pub fn register<S>(r: &mut Registry, store: S, mailer: Arc<dyn mail::Mailer>)
where
    S: WorkBackend + Clone + 'static,
{
    for kind in [approvals::GENERAL, approvals::PURCHASE, approvals::EXPENSE] {
        r.approval_kind(&kind, None);
    }
    r.record_kind(tasks::RECORD, "Task")
        .record_kind(cases::RECORD, "Case")
        .record_kind(approvals::RECORD, "Approval")
        .attachments(tasks::RECORD, tasks::attachment_access(store.clone()))
        .attachments(cases::RECORD, cases::attachment_access(store.clone()));
    r.tile("tasks", dashboard::handler(store.clone(), tiles::OpenTasks))
        .tile(
            "approvals",
            dashboard::handler(store.clone(), tiles::WaitingApprovals),
        )
        .tile(
            "cases",
            dashboard::handler(store.clone(), tiles::Escalations),
        )
        .tile(
            "notifications",
            dashboard::handler(store.clone(), dashboard::MyNotifications),
        )
        .tile(
            "audit",
            dashboard::handler(store.clone(), dashboard::RecentAudit),
        )
        .tile(
            "jobs",
            dashboard::handler(store.clone(), dashboard::DeadJobs),
        );
    mail::register_jobs(r.jobs_mut(), mailer.clone());
    notify::register_jobs(r.jobs_mut(), store.clone(), mailer);
    approvals::register_jobs(r.jobs_mut(), store.clone());
    cases::register_jobs(r.jobs_mut(), store.clone());
    tasks::register_jobs(r.jobs_mut(), store.clone());
    let s = store.clone();
    r.on_start(
        "work.digest",
        crate::registry::start(move || {
            let s = s.clone();
            async move { notify::schedule_digest(&s).await }
        }),
    );
    let s = store.clone();
    r.on_start(
        "work.sla",
        crate::registry::start(move || {
            let s = s.clone();
            async move { cases::ensure_sla_scheduled(&s).await }
        }),
    );
    r.on_start(
        "work.recurrence",
        crate::registry::start(move || {
            let s = store.clone();
            async move { tasks::schedule_recurrence(&s, tasks::today()).await }
        }),
    );
}
