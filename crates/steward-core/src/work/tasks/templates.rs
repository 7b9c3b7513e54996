//! Task templates: built-in and the company's own checklists, instantiated as tasks.
use super::*;

// ---------------------------------------------------------------- templates and rules

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateItem {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// A role key (`accountant`); the first active user with it gets the task. Empty: the
    /// person who runs the template.
    #[serde(default)]
    pub role: String,
    /// Days after the start date the task is due (negative: before).
    #[serde(default)]
    pub offset_days: i64,
    #[serde(default)]
    pub priority: Priority,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskTemplate {
    pub id: TemplateId,
    /// Built-in templates have a key (`month_end_close`) and cannot be changed.
    pub key: Option<String>,
    pub name: String,
    pub description: String,
    pub items: Vec<TemplateItem>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewTemplate {
    pub key: Option<String>,
    pub name: String,
    pub description: String,
    pub items: Vec<TemplateItem>,
}

// ---------------------------------------------------------------- templates

pub(super) fn item(title: &str, role: &str, offset_days: i64, priority: Priority) -> TemplateItem {
    TemplateItem {
        title: title.to_string(),
        description: String::new(),
        role: role.to_string(),
        offset_days,
        priority,
    }
}

/// The built-in checklists every company gets.
pub fn builtin_templates() -> Vec<NewTemplate> {
    use Priority::*;
    vec![
        NewTemplate {
            key: Some("month_end_close".into()),
            name: "Month-end close".into(),
            description: "Closing the books for a month: bank, payables, receivables, accruals, review and close. Start on the month's last day.".into(),
            items: vec![
                item("Reconcile the bank accounts", "accountant", 1, High),
                item("Post supplier invoices and check payables", "accountant", 2, Normal),
                item("Check receivables and send reminders", "accountant", 2, Normal),
                item("Post accruals and deferrals", "accountant", 3, Normal),
                item("Post payroll entries", "hr_lead", 3, Normal),
                item("Review the trial balance", "accounting_lead", 4, High),
                item("Close the period", "accounting_lead", 5, Urgent),
            ],
        },
        NewTemplate {
            key: Some("onboarding".into()),
            name: "Onboarding".into(),
            description: "A new colleague's first weeks. Start on their first working day.".into(),
            items: vec![
                item("Prepare the employment contract and personal file", "hr_clerk", -7, High),
                item("Create the user account and e-mail", "it_technician", -3, High),
                item("Prepare the laptop and equipment", "it_technician", -2, Normal),
                item("Welcome and introduction to the team", "", 0, Normal),
                item("Explain the policies and sign the acknowledgements", "hr_clerk", 1, Normal),
                item("Check-in after the first month", "", 30, Normal),
            ],
        },
        NewTemplate {
            key: Some("offboarding".into()),
            name: "Offboarding".into(),
            description: "A colleague leaving. Start on their last working day.".into(),
            items: vec![
                item("Confirm the leaving date and final pay", "hr_clerk", -14, High),
                item("Hand over open work", "", -7, Normal),
                item("Collect the laptop, keys and badge", "it_technician", 0, High),
                item("Disable the user account and access", "it_technician", 0, Urgent),
                item("Final pay and leaving certificate", "hr_lead", 5, Normal),
            ],
        },
        NewTemplate {
            key: Some("audit_preparation".into()),
            name: "Audit preparation".into(),
            description: "Getting ready for the auditors. Start on the day they arrive.".into(),
            items: vec![
                item("Agree the scope and the timetable with the auditors", "", -30, Normal),
                item("Close the year and export the trial balance", "accounting_lead", -21, High),
                item("Collect the bank confirmations", "accountant", -14, Normal),
                item("Prepare the fixed asset and inventory lists", "accountant", -14, Normal),
                item("Collect contracts and board minutes", "", -10, Normal),
                item("Check the audit trail and give the auditor access", "", -3, High),
            ],
        },
    ]
}

pub async fn templates(store: &impl TaskStore, actor: &Actor) -> Result<Vec<TaskTemplate>> {
    actor
        .scope_for(perm(Action::Read))
        .ok_or(Error::Forbidden)?;
    store
        .ensure_templates(actor.company_id, &builtin_templates())
        .await?;
    store.task_templates(actor.company_id).await
}

/// A template by its built-in key (`onboarding`), for other domains.
pub async fn template_by_key(
    store: &impl TaskStore,
    actor: &Actor,
    key: &str,
) -> Result<TaskTemplate> {
    templates(store, actor)
        .await?
        .into_iter()
        .find(|t| t.key.as_deref() == Some(key))
        .ok_or(Error::NotFound { entity: "template" })
}

pub(super) fn checked_template(
    v: &mut Validator,
    name: &str,
    description: &str,
    items: &[TemplateItem],
) -> NewTemplate {
    let name = clean_text(v, "name", name, MAX_TITLE, true);
    let description = clean_text(v, "description", description, MAX_DESCRIPTION, false);
    if items.is_empty() {
        v.push("items", "a template needs at least one task");
    }
    if items.len() > MAX_CHECKLIST {
        v.push("items", format!("at most {MAX_CHECKLIST} tasks"));
    }
    let known_roles: Vec<&str> = crate::auth::builtin_roles().iter().map(|r| r.key).collect();
    let items = items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let title = clean_text(v, &format!("items[{i}].title"), &it.title, MAX_TITLE, true);
            let description = clean_text(
                v,
                &format!("items[{i}].description"),
                &it.description,
                MAX_DESCRIPTION,
                false,
            );
            let role = it.role.trim().to_string();
            if !role.is_empty()
                && !(role.len() <= 64
                    && role
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    && (known_roles.contains(&role.as_str())
                        || role.starts_with("custom_")
                        || role.len() >= 2))
            {
                v.push(&format!("items[{i}].role"), "a role key such as accountant");
            }
            if !(-3650..=3650).contains(&it.offset_days) {
                v.push(
                    &format!("items[{i}].offset_days"),
                    "from -3650 to 3650 days",
                );
            }
            TemplateItem {
                title,
                description,
                role,
                offset_days: it.offset_days,
                priority: it.priority,
            }
        })
        .collect();
    NewTemplate {
        key: None,
        name,
        description,
        items,
    }
}

pub async fn create_template(
    store: &impl TaskStore,
    actor: &Actor,
    name: &str,
    description: &str,
    items: &[TemplateItem],
) -> Result<TaskTemplate> {
    actor
        .scope_for(perm(Action::Create))
        .ok_or(Error::Forbidden)?;
    if actor.scope_for(perm(Action::Create)) == Some(Scope::Own) {
        // Templates hand out work to roles: a department-wide grant at least.
        return Err(Error::Forbidden);
    }
    let mut v = Validator::new();
    let t = checked_template(&mut v, name, description, items);
    v.finish()?;
    let audit = AuditDraft::by(
        actor,
        "work_task_template",
        None,
        "create",
        json!({"name": t.name, "items": t.items}),
    );
    let id = store
        .insert_template(actor.company_id, &t, audit)
        .await
        .map_err(|e| match e {
            Error::Conflict { .. } => {
                Error::invalid("name", "a template with this name exists already")
            }
            e => e,
        })?;
    templates(store, actor)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(Error::NotFound { entity: "template" })
}

/// Creates the template's tasks: each owned by the first active user with the item's role
/// (or by the actor), due `offset_days` after `start`, linked to `subject` when given. One
/// transaction: all tasks or none.
pub async fn instantiate_template(
    store: &impl TaskStore,
    actor: &Actor,
    template_id: TemplateId,
    start: NaiveDate,
    subject: Option<RecordRef>,
) -> Result<Vec<TaskId>> {
    let scope = actor
        .scope_for(perm(Action::Create))
        .ok_or(Error::Forbidden)?;
    if scope == Scope::Own {
        return Err(Error::Forbidden);
    }
    let template = templates(store, actor)
        .await?
        .into_iter()
        .find(|t| t.id == template_id)
        .ok_or(Error::NotFound { entity: "template" })?;
    let mut by_role: BTreeMap<String, UserId> = BTreeMap::new();
    let mut tasks = Vec::with_capacity(template.items.len());
    for it in &template.items {
        let owner = if it.role.is_empty() {
            actor.author()
        } else if let Some(u) = by_role.get(&it.role) {
            Some(*u)
        } else {
            let u = store
                .first_user_with_role(actor.company_id, &it.role)
                .await?;
            if let Some(u) = u {
                by_role.insert(it.role.clone(), u);
            }
            u.or(actor.author())
        };
        // The command-line operator is no user: the first admin owns what it starts.
        let owner = match owner {
            Some(u) => u,
            None => store
                .first_user_with_role(actor.company_id, "admin")
                .await?
                .ok_or_else(|| {
                    Error::invalid("template", "nobody in the company can own these tasks")
                })?,
        };
        tasks.push(NewTask {
            title: it.title.clone(),
            description: it.description.clone(),
            owner_id: owner,
            assignee_id: Some(owner),
            watchers: actor.author().filter(|a| *a != owner).into_iter().collect(),
            due: start.checked_add_signed(Duration::days(it.offset_days)),
            priority: it.priority,
            status: TaskStatus::Open,
            link: subject.clone(),
            checklist: Vec::new(),
            template_id: Some(template.id),
            rule_id: None,
            occurrence: None,
            created_by: actor.author(),
        });
    }
    let audits = tasks
        .iter()
        .map(|t| {
            let mut j = task_audit_json(t);
            j["template"] = json!(template.name);
            AuditDraft::by(actor, "work_task", None, "create", j)
        })
        .collect();
    let ids = store.insert_tasks(actor.company_id, &tasks, audits).await?;
    Ok(ids.into_iter().flatten().collect())
}
