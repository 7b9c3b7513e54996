//! Recurring rules: tasks created ahead by the `work.recurrence` job (RRULE in recur.rs).
use super::*;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRule {
    pub id: RuleId,
    pub company_id: CompanyId,
    pub title: String,
    pub description: String,
    /// Canonical `RRULE` text.
    pub rrule: String,
    pub start: NaiveDate,
    pub owner_id: UserId,
    pub owner_name: String,
    pub assignee_id: Option<UserId>,
    pub assignee_name: String,
    pub priority: Priority,
    pub checklist: Vec<String>,
    pub active: bool,
    pub created_at: Timestamp,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewRule {
    pub title: String,
    pub description: String,
    pub rrule: String,
    pub start: NaiveDate,
    pub owner_id: UserId,
    pub assignee_id: Option<UserId>,
    pub priority: Priority,
    pub checklist: Vec<String>,
}

// ---------------------------------------------------------------- recurring rules

pub async fn rules(store: &impl TaskStore, actor: &Actor) -> Result<Vec<TaskRule>> {
    let scope = actor
        .scope_for(perm(Action::Read))
        .ok_or(Error::Forbidden)?;
    let all = store.task_rules(actor.company_id).await?;
    Ok(match scope {
        Scope::Company => all,
        _ => all
            .into_iter()
            .filter(|r| r.owner_id == actor.user_id || r.assignee_id == Some(actor.user_id))
            .collect(),
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RuleInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub rrule: String,
    /// `YYYY-MM-DD`; today when absent.
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub owner_id: Option<UserId>,
    #[serde(default)]
    pub assignee_id: Option<UserId>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub checklist: Vec<String>,
}

/// Creates a recurring rule and, at once, its tasks for the coming days; the
/// `work.recurrence` job keeps creating them ahead.
pub async fn create_rule<S: TaskStore + JobStore>(
    store: &S,
    actor: &Actor,
    input: &RuleInput,
) -> Result<TaskRule> {
    let scope = actor
        .scope_for(perm(Action::Create))
        .ok_or(Error::Forbidden)?;
    let people = store.task_people(actor.company_id).await?;
    let mut v = Validator::new();
    let title = clean_text(&mut v, "title", &input.title, MAX_TITLE, true);
    let description = clean_text(
        &mut v,
        "description",
        &input.description,
        MAX_DESCRIPTION,
        false,
    );
    let rule = v.check("rrule", Rule::parse(&input.rrule));
    let start = match input
        .start
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => v.check("start", parse_date("start", s)),
        None => Some(today()),
    };
    let owner_id = input.owner_id.unwrap_or(actor.user_id);
    if scope == Scope::Own
        && (owner_id != actor.user_id || input.assignee_id.is_some_and(|a| a != actor.user_id))
    {
        v.push(
            "owner_id",
            "you can only create recurring tasks for yourself",
        );
    } else {
        if input.owner_id.is_some() {
            check_people(&mut v, &people, "owner_id", &[owner_id]);
        }
        if let Some(a) = input.assignee_id {
            check_people(&mut v, &people, "assignee_id", &[a]);
        }
    }
    let priority = match input
        .priority
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => Priority::Normal,
        Some(p) => v
            .check("priority", Priority::checked(p, "priority"))
            .unwrap_or_default(),
    };
    let checklist = checked_checklist(&mut v, &input.checklist);
    v.finish()?;
    let (Some(rule), Some(start)) = (rule, start) else {
        return Err(Error::invalid("rrule", "is invalid"));
    };
    let new = NewRule {
        title,
        description,
        rrule: rule.to_string(),
        start,
        owner_id,
        assignee_id: input.assignee_id,
        priority,
        checklist,
    };
    let audit = AuditDraft::by(
        actor,
        "work_task_rule",
        None,
        "create",
        json!({"title": new.title, "rrule": new.rrule, "start": new.start, "owner_id": new.owner_id,
               "assignee_id": new.assignee_id, "priority": new.priority.as_str()}),
    );
    let id = store.insert_rule(actor.company_id, &new, audit).await?;
    let created = store
        .task_rules(actor.company_id)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(Error::NotFound {
            entity: "recurring task",
        })?;
    generate_occurrences(store, &created, today()).await?;
    schedule_recurrence(store, today()).await?;
    Ok(created)
}

pub async fn set_rule_active(
    store: &impl TaskStore,
    actor: &Actor,
    id: RuleId,
    active: bool,
) -> Result<TaskRule> {
    let rule = rules(store, actor)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(Error::NotFound {
            entity: "recurring task",
        })?;
    let scope = actor
        .scope_for(perm(Action::Update))
        .ok_or(Error::Forbidden)?;
    if scope != Scope::Company && rule.owner_id != actor.user_id {
        return Err(Error::Forbidden);
    }
    let audit = AuditDraft::by(
        actor,
        "work_task_rule",
        Some(id.to_string()),
        if active { "resume" } else { "pause" },
        json!({"title": rule.title}),
    );
    store
        .set_rule_active(actor.company_id, id, active, audit)
        .await?;
    rules(store, actor)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(Error::NotFound {
            entity: "recurring task",
        })
}

/// Creates the rule's tasks due from `today` to `today + RECURRENCE_AHEAD_DAYS`. Safe to run
/// any number of times: a (rule, date) pair is unique in the table, so a task is created once.
/// Returns how many were new.
pub async fn generate_occurrences(
    store: &impl TaskStore,
    rule: &TaskRule,
    today: NaiveDate,
) -> Result<usize> {
    if !rule.active {
        return Ok(0);
    }
    let parsed = Rule::parse(&rule.rrule)?;
    let to = today + Duration::days(RECURRENCE_AHEAD_DAYS);
    let dates = parsed.occurrences(rule.start, today, to);
    if dates.is_empty() {
        return Ok(0);
    }
    let tasks: Vec<NewTask> = dates
        .iter()
        .map(|d| NewTask {
            title: rule.title.clone(),
            description: rule.description.clone(),
            owner_id: rule.owner_id,
            assignee_id: rule.assignee_id.or(Some(rule.owner_id)),
            watchers: Vec::new(),
            due: Some(*d),
            priority: rule.priority,
            status: TaskStatus::Open,
            link: None,
            checklist: rule.checklist.clone(),
            template_id: None,
            rule_id: Some(rule.id),
            occurrence: Some(*d),
            created_by: None,
        })
        .collect();
    let audits = tasks
        .iter()
        .map(|t| {
            AuditDraft::system(
                RECURRENCE_JOB,
                None,
                "work_task",
                None,
                "create",
                task_audit_json(t),
            )
            .in_company(rule.company_id)
        })
        .collect();
    let ids = store.insert_tasks(rule.company_id, &tasks, audits).await?;
    Ok(ids.iter().filter(|i| i.is_some()).count())
}

/// Runs every active rule of every company once (the job's work). Returns the tasks created.
pub async fn run_recurrence(store: &impl TaskStore, today: NaiveDate) -> Result<usize> {
    let mut n = 0;
    for rule in store.active_task_rules().await? {
        match generate_occurrences(store, &rule, today).await {
            Ok(k) => n += k,
            // One broken rule (edited in the database) does not stop the others.
            Err(Error::Invalid { message, .. }) => {
                tracing::warn!(rule = rule.id.0, %message, "recurring task rule skipped")
            }
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Enqueues the recurrence job for `day` (once: the dedupe key is the day). The job enqueues
/// the next day's when it has run, so one call keeps the chain going.
pub async fn schedule_recurrence(store: &impl JobStore, day: NaiveDate) -> Result<()> {
    let kind = JobKind::new(RECURRENCE_JOB)?;
    let at = day
        .and_hms_opt(0, 5, 0)
        .map(|t| Timestamp(t.and_utc().timestamp_micros()))
        .unwrap_or_else(Timestamp::now);
    let job = NewJob::new(kind, json!({"day": day.to_string()}))
        .at(at)
        .dedupe(format!("{RECURRENCE_JOB}:{day}"));
    store.enqueue(&[job]).await?;
    Ok(())
}
