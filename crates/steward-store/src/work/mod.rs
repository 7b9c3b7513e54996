//! Work's tables: tasks, approvals, cases and notifications (see `steward_core::work`).
mod approvals;
mod cases;
mod notify;
mod tasks;
