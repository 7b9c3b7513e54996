//! Employees: records with effective-dated job and pay history, field-level access,
//! self-service changes (sensitive ones through Work's approvals as kind `hr.change`),
//! import and export.
use crate::auth::Actor;
use crate::work::approvals::ApprovalBackend;
use crate::Result;

/// The employees' tables. (Its owner adds the methods.)
pub trait EmployeeStore: Send + Sync {}

/// Work's approvals call this when an `hr.change` request (subject `hr.change:<id>`) is
/// finally approved or rejected: apply the change or drop it.
pub async fn on_change_decision<S: ApprovalBackend>(
    _store: &S,
    _actor: &Actor,
    _change_id: i64,
    _approved: bool,
    _comment: &str,
) -> Result<()> {
    Ok(())
}
