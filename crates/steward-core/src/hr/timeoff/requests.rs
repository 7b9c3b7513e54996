//! Requests: asked for, counted in working days, decided through Work's approvals
//! (kind `timeoff`), cancelled; the list and its export.
use super::*;

// ---------------------------------------------------------------- requests

/// A request as typed.
#[derive(Debug, Clone, Default)]
pub struct RequestInput {
    /// Someone else (HR staff recording time off); the actor's own record when absent.
    pub employee_id: Option<EmployeeId>,
    pub policy_id: Option<i64>,
    pub start: String,
    /// `am` (the whole first day, default) or `pm` (from midday).
    pub start_half: String,
    pub end: String,
    /// `pm` (the whole last day, default) or `am` (until midday).
    pub end_half: String,
    pub note: String,
}

pub(super) fn half(field: &str, s: &str, default_pm: bool) -> Result<bool> {
    match s.trim() {
        "" => Ok(default_pm),
        "am" => Ok(false),
        "pm" => Ok(true),
        _ => Err(Error::invalid(field, "am or pm")),
    }
}

/// Working milli-days of a span on an employee's calendar.
pub async fn count_for(store: &impl TimeoffStore, emp: &EmployeeRef, span: &Span) -> Result<i64> {
    Ok(calendar_of(store, emp).await?.count(span))
}

/// Asks for time off (or, for HR staff recording someone else's, records it approved).
pub async fn request<S: HrBackend>(
    store: &S,
    actor: &Actor,
    input: &RequestInput,
) -> Result<Request> {
    if actor
        .scope_for(Permission::new(Domain::Hr, Action::Create))
        .is_none()
    {
        return Err(Error::Forbidden);
    }
    let mine = me(store, actor).await?;
    let emp = match input.employee_id {
        Some(id) if mine.as_ref().is_none_or(|m| m.id != id) => {
            let e = store
                .employee_ref(actor.company_id, id)
                .await?
                .ok_or(Error::NotFound { entity: "employee" })?;
            require_hr(actor)?;
            e
        }
        _ => mine
            .clone()
            .ok_or_else(|| Error::invalid("employee_id", "you have no employee record: ask HR"))?,
    };
    let direct = mine.as_ref().is_none_or(|m| m.id != emp.id);
    let mut errors = Vec::new();
    let mut push = |e: Error| errors.extend(e.field_errors());
    let pol = match input.policy_id {
        Some(id) => match policy(store, actor.company_id, id).await {
            Ok(p) if p.active => Some(p),
            _ => {
                push(Error::invalid("policy_id", "no such policy"));
                None
            }
        },
        None => {
            push(Error::invalid("policy_id", "choose a kind of time off"));
            None
        }
    };
    let start = parse_date("start", &input.start).map_err(&mut push).ok();
    let end = parse_date("end", &input.end).map_err(&mut push).ok();
    let start_pm = half("start_half", &input.start_half, false)
        .map_err(&mut push)
        .ok();
    let end_am = half("end_half", &input.end_half, true)
        .map(|pm| !pm)
        .map_err(&mut push)
        .ok();
    let note = check_note("note", &input.note).map_err(&mut push).ok();
    if !errors.is_empty() {
        return Err(Error::InvalidMany(errors));
    }
    let (Some(pol), Some(start), Some(end), Some(start_pm), Some(end_am), Some(note)) =
        (pol, start, end, start_pm, end_am, note)
    else {
        return Err(Error::invalid("start", "check the dates"));
    };
    let span = Span::new(start, start_pm, end, end_am)?;
    if start < emp.start_date || emp.end_date.is_some_and(|e| end > e) {
        return Err(Error::invalid("start", "outside the employment dates"));
    }
    if start < employment(&emp).eligible_from(&pol.rule()) {
        return Err(Error::invalid(
            "start",
            format!(
                "this policy may be used from {} (waiting period)",
                employment(&emp).eligible_from(&pol.rule())
            ),
        ));
    }
    let amount = count_for(store, &emp, &span).await?;
    if amount <= 0 {
        return Err(Error::invalid(
            "end",
            "these dates hold no working day on your calendar",
        ));
    }
    let others = store
        .timeoff_requests_between(actor.company_id, start, end, Some(&[emp.id]))
        .await?;
    if let Some(o) = others.iter().find(|o| o.span.overlaps(&span)) {
        return Err(Error::invalid(
            "start",
            format!("overlaps request #{} ({})", o.id, o.span.text()),
        ));
    }
    let ps = vec![pol.clone()];
    let bal = balances_of(store, &emp, &ps)
        .await?
        .into_iter()
        .next()
        .map_or(0, |b| b.available_milli);
    if !accrual::may_use(bal, amount, pol.allow_negative) {
        return Err(Error::invalid(
            "policy_id",
            format!(
                "not enough {}: {} days available, this request needs {}",
                pol.name.to_lowercase(),
                days_text(bal),
                days_text(amount)
            ),
        ));
    }
    let approved_now = direct || !pol.needs_approval;
    let new = NewRequest {
        employee_id: emp.id,
        policy_id: pol.id,
        span,
        amount_milli: amount,
        status: if approved_now { "approved" } else { "pending" }.into(),
        note: note.clone(),
        created_by: actor.author(),
    };
    let use_row = approved_now.then(|| NewLedgerRow {
        employee_id: emp.id,
        policy_id: pol.id,
        day: start,
        kind: "use".into(),
        amount_milli: -amount,
        request_id: None,
        period: None,
        note: span.text(),
        created_by: actor.author(),
    });
    let audit = AuditDraft::by(
        actor,
        crate::hr::TIMEOFF_REQUEST,
        None,
        if direct { "record" } else { "request" },
        json!({"employee": emp.id.0, "policy": pol.id, "span": span.text(), "amount_milli": amount, "status": new.status}),
    );
    let id = store
        .timeoff_insert_request(actor.company_id, &new, use_row, audit)
        .await?;
    if !approved_now {
        let submitted = crate::work::approvals::submit(
            store,
            actor,
            NewApprovalRequest {
                kind: crate::hr::TIMEOFF_APPROVAL,
                subject: RecordRef::new(crate::hr::TIMEOFF_REQUEST, id),
                title: format!(
                    "{}: {}, {} ({} days)",
                    pol.name,
                    emp.name,
                    span.text(),
                    days_text(amount)
                ),
                amount: None,
                department: emp.department_id,
            },
        )
        .await;
        match submitted {
            Ok(aid) => {
                store
                    .timeoff_set_approval(actor.company_id, id, aid.0)
                    .await?
            }
            Err(e) => {
                let audit = AuditDraft::by(
                    actor,
                    crate::hr::TIMEOFF_REQUEST,
                    Some(id.to_string()),
                    "cancel",
                    json!({"reason": "the approval could not be asked for"}),
                );
                store
                    .timeoff_settle(
                        actor.company_id,
                        id,
                        "pending",
                        "cancelled",
                        actor.author(),
                        "the approval could not be asked for",
                        &[],
                        audit,
                    )
                    .await?;
                return Err(e);
            }
        }
    }
    store
        .timeoff_request(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "request" })
}

/// A request the actor may see (others: 404).
pub async fn get_request(store: &impl TimeoffBackend, actor: &Actor, id: i64) -> Result<Request> {
    require_use(actor)?;
    let r = store
        .timeoff_request(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "request" })?;
    let e = store
        .employee_ref(actor.company_id, r.employee_id)
        .await?
        .ok_or(Error::NotFound { entity: "request" })?;
    if !super::visibility(store, actor, &e).await?.time_off {
        return Err(Error::NotFound { entity: "request" });
    }
    Ok(r)
}

/// Whether the actor may cancel a request: their own, or HR staff; pending, or approved
/// and not begun.
pub async fn can_cancel(store: &impl TimeoffBackend, actor: &Actor, r: &Request) -> Result<bool> {
    let own = me(store, actor)
        .await?
        .is_some_and(|m| m.id == r.employee_id);
    let status_ok = r.status == "pending" || (r.status == "approved" && r.span.start > today());
    Ok((own || is_hr_staff(actor)) && status_ok)
}

/// Cancels a pending request (closing its approval) or an approved one not yet begun
/// (reversing its `use` row).
pub async fn cancel<S: HrBackend>(store: &S, actor: &Actor, id: i64) -> Result<Request> {
    let r = get_request(store, actor, id).await?;
    let own = me(store, actor)
        .await?
        .is_some_and(|m| m.id == r.employee_id);
    if !own && !is_hr_staff(actor) {
        return Err(Error::Forbidden);
    }
    let audit = AuditDraft::by(
        actor,
        crate::hr::TIMEOFF_REQUEST,
        Some(id.to_string()),
        "cancel",
        json!({"was": r.status}),
    );
    match r.status.as_str() {
        "pending" => {
            if !store
                .timeoff_settle(
                    actor.company_id,
                    id,
                    "pending",
                    "cancelled",
                    actor.author(),
                    "Cancelled",
                    &[],
                    audit,
                )
                .await?
            {
                return Err(Error::conflict("the request changed: reload it"));
            }
            crate::work::approvals::resolve_subject(
                store,
                actor,
                &RecordRef::new(crate::hr::TIMEOFF_REQUEST, id),
                false,
                "Cancelled by the requester",
            )
            .await?;
        }
        "approved" if r.span.start > today() => {
            let row = NewLedgerRow {
                employee_id: r.employee_id,
                policy_id: r.policy_id,
                day: today(),
                kind: "use".into(),
                amount_milli: r.amount_milli,
                request_id: Some(id),
                period: None,
                note: format!("Cancelled: {}", r.span.text()),
                created_by: actor.author(),
            };
            if !store
                .timeoff_settle(
                    actor.company_id,
                    id,
                    "approved",
                    "cancelled",
                    actor.author(),
                    "Cancelled",
                    &[row],
                    audit,
                )
                .await?
            {
                return Err(Error::conflict("the request changed: reload it"));
            }
        }
        "approved" => {
            return Err(Error::invalid(
                "status",
                "time off that has begun cannot be cancelled: ask HR for an adjustment",
            ))
        }
        _ => return Err(Error::invalid("status", "the request is closed already")),
    }
    get_request(store, actor, id).await
}

/// Work's approvals call this when a time-off request is finally approved or rejected.
pub async fn on_decision<S: HrBackend>(
    store: &S,
    actor: &Actor,
    request_id: i64,
    approved: bool,
    comment: &str,
) -> Result<()> {
    let Some(r) = store.timeoff_request(actor.company_id, request_id).await? else {
        return Err(Error::NotFound { entity: "request" });
    };
    if r.status != "pending" {
        return Err(Error::conflict(format!(
            "the time-off request is {} already",
            r.status
        )));
    }
    let rows = if approved {
        vec![NewLedgerRow {
            employee_id: r.employee_id,
            policy_id: r.policy_id,
            day: r.span.start,
            kind: "use".into(),
            amount_milli: -r.amount_milli,
            request_id: Some(r.id),
            period: None,
            note: r.span.text(),
            created_by: actor.author(),
        }]
    } else {
        Vec::new()
    };
    let to = if approved { "approved" } else { "rejected" };
    let audit = AuditDraft::by(
        actor,
        crate::hr::TIMEOFF_REQUEST,
        Some(request_id.to_string()),
        if approved { "approve" } else { "reject" },
        json!({"comment": comment, "amount_milli": r.amount_milli}),
    );
    if !store
        .timeoff_settle(
            actor.company_id,
            request_id,
            "pending",
            to,
            actor.author(),
            comment.trim(),
            &rows,
            audit,
        )
        .await?
    {
        return Err(Error::conflict("the time-off request changed"));
    }
    Ok(())
}

/// Requests within the actor's reach.
pub async fn list_requests(
    store: &impl TimeoffBackend,
    actor: &Actor,
    q: &RequestQuery,
) -> Result<Page<Request>> {
    require_use(actor)?;
    let mut q = q.clone();
    q.employees = reach(store, actor).await?;
    store.timeoff_requests(actor.company_id, &q).await
}

pub const EXPORT_HEADERS: &[&str] = &[
    "id",
    "employee",
    "policy",
    "start",
    "start_half",
    "end",
    "end_half",
    "days",
    "status",
    "note",
];

pub fn export_row(r: &Request) -> Vec<String> {
    vec![
        r.id.to_string(),
        r.employee_name.clone(),
        r.policy_name.clone(),
        r.span.start.to_string(),
        if r.span.start_pm { "pm" } else { "am" }.into(),
        r.span.end.to_string(),
        if r.span.end_am { "am" } else { "pm" }.into(),
        r.days(),
        r.status.clone(),
        r.note.clone(),
    ]
}
