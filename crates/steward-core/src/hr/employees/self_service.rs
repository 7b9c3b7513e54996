//! Self-service: the fields a person changes on their own record, directly or through
//! Work's approvals (kind `hr.change`), and the decision applied.
use super::*;

/// The fields an employee changes on their own record without approval.
pub const SELF_DIRECT: &[&str] = &[
    "personal_email",
    "personal_phone",
    "work_phone",
    "emergency_contacts",
];
/// The fields an employee may ask to change (HR approves through Work's approvals).
pub const SELF_APPROVED: &[&str] = &[
    "legal_name",
    "preferred_name",
    "birth_date",
    "home_address",
    "postal_address",
    "national_id",
    "tax_id",
];

pub(super) async fn self_service<S: HrBackend>(
    store: &S,
    actor: &Actor,
    before: Employee,
    input: &EmployeeInput,
    version: i64,
    defs: &[CustomField],
) -> Result<UpdateOutcome> {
    if !actor.can(hr_perm(Action::Update)) {
        return Err(Error::Forbidden);
    }
    let mut v = Validator::new();
    for f in touched(input) {
        if f != "custom" && !SELF_DIRECT.contains(&f) && !SELF_APPROVED.contains(&f) {
            v.push(f, "only HR changes this");
        }
    }
    // Custom fields: sensitive ones through HR; the others are HR's (job data).
    let mut custom_requested = Map::new();
    if let Some(c) = &input.custom {
        for (k, val) in c {
            match defs.iter().find(|d| d.key == *k) {
                Some(d) if d.sensitive => {
                    custom_requested.insert(k.clone(), val.clone());
                }
                _ => v.push(&format!("custom.{k}"), "only HR changes this"),
            }
        }
    }
    v.finish()?;
    if before.version != version {
        return Err(Error::conflict(
            "the record was changed by someone else since you read it; reload and try again",
        ));
    }
    let direct = EmployeeInput {
        personal_email: input.personal_email.clone(),
        personal_phone: input.personal_phone.clone(),
        work_phone: input.work_phone.clone(),
        emergency_contacts: input.emergency_contacts.clone(),
        ..Default::default()
    };
    let approved = EmployeeInput {
        legal_name: input.legal_name.clone(),
        preferred_name: input.preferred_name.clone(),
        birth_date: input.birth_date.clone(),
        home_address: input.home_address.clone(),
        postal_address: input.postal_address.clone(),
        national_id: input.national_id.clone(),
        tax_id: input.tax_id.clone(),
        custom: (!custom_requested.is_empty()).then_some(custom_requested),
        ..Default::default()
    };
    // Validate both now, so the person hears of a bad value at once.
    let after = apply(&before, &direct, defs, false)?;
    let requested = apply(&before, &approved, defs, false)?;
    let id = before.id;
    let mut changed = false;
    if after != before {
        let day = today();
        let history = store.job_history(actor.company_id, id).await?;
        let d = derived(&after, history.iter().map(|j| j.effective_date), day);
        let audit = AuditDraft::by(
            actor,
            "hr_employee",
            Some(id.to_string()),
            "self_update",
            json!({"personal_fields": touched(&direct)}),
        );
        store
            .update_employee(actor.company_id, &after, &d, None, day, version, audit)
            .await?;
        changed = true;
    }
    let mut change_request = None;
    let changes = requested_changes(&before, &requested, &approved);
    if !changes.is_empty() {
        let audit = AuditDraft::by(
            actor,
            "hr_change_request",
            None,
            "create",
            json!({"employee_id": id, "fields": changes.keys().collect::<Vec<_>>()}),
        );
        let cr = store
            .insert_change_request(actor.company_id, id, actor.author(), &changes, audit)
            .await?;
        let approval = approvals::submit(
            store,
            actor,
            NewApprovalRequest {
                kind: crate::hr::CHANGE_APPROVAL,
                subject: RecordRef::new(crate::hr::CHANGE_REQUEST, cr),
                title: format!("Change to the record of {}", before.name()),
                amount: None,
                department: None,
            },
        )
        .await?;
        store
            .set_change_approval(actor.company_id, cr, approval.0)
            .await?;
        change_request = Some(cr);
    }
    let _ = changed;
    Ok(UpdateOutcome {
        view: get_employee(store, actor, id, None).await?,
        change_request,
    })
}

/// The requested fields whose value differs, as field -> new value.
pub(super) fn requested_changes(
    before: &Employee,
    after: &Employee,
    input: &EmployeeInput,
) -> Map<String, Value> {
    let mut m = Map::new();
    macro_rules! t {
        ($($f:ident),*) => {$(
            if input.$f.is_some() && after.$f != before.$f {
                m.insert(stringify!($f).into(), json!(after.$f));
            }
        )*};
    }
    t!(
        legal_name,
        preferred_name,
        birth_date,
        home_address,
        postal_address,
        national_id,
        tax_id
    );
    if let Some(c) = &input.custom {
        for k in c.keys() {
            if after.custom.get(k) != before.custom.get(k) {
                m.insert(
                    format!("custom.{k}"),
                    after.custom.get(k).cloned().unwrap_or(Value::Null),
                );
            }
        }
    }
    m
}

/// A change request, for its page: the requester, HR staff.
pub async fn get_change_request(
    store: &impl EmployeeStore,
    actor: &Actor,
    id: i64,
) -> Result<ChangeRequest> {
    let cr = store
        .get_change_request(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "change request",
        })?;
    let (_, vis) = load(store, actor, cr.employee_id).await?;
    if !vis.personal {
        return Err(Error::NotFound {
            entity: "change request",
        });
    }
    Ok(cr)
}

/// Work's approvals call this when an `hr.change` request (subject `hr.change:<id>`) is
/// finally approved or rejected: apply the change or drop it.
pub async fn on_change_decision<S: HrBackend>(
    store: &S,
    actor: &Actor,
    change_id: i64,
    approved: bool,
    comment: &str,
) -> Result<()> {
    let Some(cr) = store
        .get_change_request(actor.company_id, change_id)
        .await?
    else {
        return Ok(());
    };
    if cr.status != "pending" {
        return Ok(());
    }
    let status = if approved { "approved" } else { "rejected" };
    if approved {
        // Approving writes personal data: the decider must be allowed to change it.
        let may = match store.employee_ref(actor.company_id, cr.employee_id).await? {
            Some(r) => crate::hr::visibility(store, actor, &r).await?.edit_personal,
            None => true,
        };
        if !may {
            return Err(Error::Forbidden);
        }
        if let Some(before) = store.get_employee(actor.company_id, cr.employee_id).await? {
            let mut input = EmployeeInput::default();
            let mut custom = Map::new();
            for (k, val) in &cr.changes {
                let s = || fields::value_text(val);
                match k.as_str() {
                    "legal_name" => input.legal_name = Some(s()),
                    "preferred_name" => input.preferred_name = Some(s()),
                    "birth_date" => input.birth_date = Some(s()),
                    "home_address" => input.home_address = Some(s()),
                    "postal_address" => input.postal_address = Some(s()),
                    "national_id" => input.national_id = Some(s()),
                    "tax_id" => input.tax_id = Some(s()),
                    other => {
                        if let Some(key) = other.strip_prefix("custom.") {
                            custom.insert(key.to_string(), val.clone());
                        }
                    }
                }
            }
            if !custom.is_empty() {
                input.custom = Some(custom);
            }
            let defs = store.custom_fields(actor.company_id).await?;
            let after = apply(&before, &input, &defs, false)?;
            let day = today();
            let history = store.job_history(actor.company_id, before.id).await?;
            let d = derived(&after, history.iter().map(|j| j.effective_date), day);
            let audit = AuditDraft::by(
                actor,
                "hr_employee",
                Some(before.id.to_string()),
                "change_applied",
                json!({"change_request": change_id, "fields": cr.changes.keys().collect::<Vec<_>>()}),
            );
            store
                .update_employee(
                    actor.company_id,
                    &after,
                    &d,
                    None,
                    day,
                    before.version,
                    audit,
                )
                .await?;
        }
    }
    let audit = AuditDraft::by(
        actor,
        "hr_change_request",
        Some(change_id.to_string()),
        status,
        json!({"comment": comment}),
    );
    store
        .decide_change_request(actor.company_id, change_id, status, comment, audit)
        .await
}
