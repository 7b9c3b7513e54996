//! The escalation job: steps waiting past their deadline move up a level.
use super::*;

/// Escalates every step waiting past its deadline: the next level takes over, or, at the
/// last level, the admin is added. Idempotent: a step is escalated once, and a run that
/// finds nothing overdue changes nothing. Returns how many steps it escalated.
pub async fn escalate_overdue<S: ApprovalBackend>(store: &S, now: Timestamp) -> Result<usize> {
    let mut n = 0;
    for (company, id) in store.overdue(now, 500).await? {
        let Some(req) = store.get_request(company, id).await? else {
            continue;
        };
        let Some(step) = req.current_step().cloned() else {
            continue;
        };
        if req.status != RequestStatus::Pending || step.due_at.is_none_or(|d| d > now) {
            continue;
        }
        let due = now.plus_secs(hours(req.deadline_hours));
        let next = req
            .steps
            .iter()
            .filter(|s| s.position > step.position && s.status == StepStatus::Waiting)
            .min_by_key(|s| s.position);
        let last_pos = req.steps.iter().map(|s| s.position).max().unwrap_or(0);
        let change = if let Some(nx) = next {
            StepChange {
                request: id,
                step_id: step.id,
                status: StepStatus::Escalated,
                decided_by: None,
                on_behalf_of: None,
                comment: String::new(),
                next: Some((nx.id, due)),
                append: None,
                final_status: None,
                new_due: None,
            }
        } else if step.approver_role.as_deref() == Some("admin") {
            // Already with the admins: remind them, with a new deadline.
            StepChange {
                request: id,
                step_id: step.id,
                status: StepStatus::Pending,
                decided_by: None,
                on_behalf_of: None,
                comment: String::new(),
                next: None,
                append: None,
                final_status: None,
                new_due: Some(due),
            }
        } else {
            StepChange {
                request: id,
                step_id: step.id,
                status: StepStatus::Escalated,
                decided_by: None,
                on_behalf_of: None,
                comment: String::new(),
                next: None,
                append: Some(NewStep {
                    position: last_pos + 1,
                    rule: "admin".into(),
                    approver_user: None,
                    approver_role: Some("admin".into()),
                    status: StepStatus::Pending,
                    due_at: Some(due),
                }),
                final_status: None,
                new_due: None,
            }
        };
        let audit = AuditDraft::system(
            "approvals",
            None,
            "approval",
            Some(id.to_string()),
            "escalate",
            json!({"step": step.position, "rule": step.rule, "due_at": step.due_at}),
        )
        .in_company(company);
        match store.change_step(company, &change, audit).await {
            Ok(()) => {}
            // Decided meanwhile: nothing to escalate.
            Err(Error::Conflict { .. }) => continue,
            Err(e) => return Err(e),
        }
        schedule_escalation(store, company, id, due).await?;
        n += 1;
        if let Some(after) = store.get_request(company, id).await? {
            tell_approvers(store, &after, None).await;
        }
    }
    Ok(n)
}

/// Registers `work.approvals.escalate`: with or without a payload it escalates whatever is
/// overdue (so a late or repeated run is harmless).
pub fn register_jobs<S: ApprovalBackend + Clone + 'static>(registry: &mut Handlers, store: S) {
    let Ok(kind) = JobKind::new(ESCALATE_JOB) else {
        return;
    };
    registry.register(&kind, move |_job| {
        let store = store.clone();
        async move {
            escalate_overdue(&store, Timestamp::now())
                .await
                .map(|_| ())
                .map_err(JobError::from)
        }
    });
}
