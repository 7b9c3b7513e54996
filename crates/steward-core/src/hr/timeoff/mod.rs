//! Time off: policies with accrual rules, working calendars with holidays, an accruals
//! ledger per employee and policy, requests approved through Work's approvals (kind
//! `timeoff`, subject `hr.timeoff:<request id>`), team calendar, iCalendar feeds.
use crate::auth::Actor;
use crate::work::approvals::ApprovalBackend;
use crate::Result;

/// The time-off tables. (Its owner adds the methods.)
pub trait TimeoffStore: Send + Sync {}

/// Work's approvals call this when a time-off request is finally approved or rejected.
pub async fn on_decision<S: ApprovalBackend>(
    _store: &S,
    _actor: &Actor,
    _request_id: i64,
    _approved: bool,
    _comment: &str,
) -> Result<()> {
    Ok(())
}

pub fn register_jobs<S>(_registry: &mut crate::jobs::Registry, _store: S)
where
    S: super::HrBackend + Clone + 'static,
{
}

pub async fn schedule(_store: &impl crate::jobs::JobStore) -> Result<()> {
    Ok(())
}
