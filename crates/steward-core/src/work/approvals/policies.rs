//! Approval policies: who decides each level (rules, thresholds) and their upkeep.
use super::*;

/// Who decides a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApproverRule {
    /// The head of the request's department.
    Manager,
    /// Anyone holding this role.
    Role(String),
    /// Anyone holding the admin role.
    Admin,
    /// This person.
    User(UserId),
}

impl ApproverRule {
    pub fn parse(s: &str) -> Result<ApproverRule> {
        let s = s.trim();
        let bad = || {
            Error::invalid(
                "rule",
                format!("`{s}` is not an approver rule: manager, admin, role:<key> or user:<id>"),
            )
        };
        match s {
            "manager" => Ok(ApproverRule::Manager),
            "admin" => Ok(ApproverRule::Admin),
            _ => match s.split_once(':') {
                Some(("role", k))
                    if !k.is_empty()
                        && k.len() <= 60
                        && k.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') =>
                {
                    if k == "admin" {
                        Ok(ApproverRule::Admin)
                    } else {
                        Ok(ApproverRule::Role(k.to_string()))
                    }
                }
                Some(("user", id)) => id
                    .parse::<i64>()
                    .ok()
                    .filter(|i| *i > 0)
                    .map(|i| ApproverRule::User(UserId(i)))
                    .ok_or_else(bad),
                _ => Err(bad()),
            },
        }
    }
    pub fn as_text(&self) -> String {
        match self {
            ApproverRule::Manager => "manager".into(),
            ApproverRule::Admin => "admin".into(),
            ApproverRule::Role(k) => format!("role:{k}"),
            ApproverRule::User(u) => format!("user:{u}"),
        }
    }
    /// The role a step of this rule is stored with (admins are the `admin` role).
    pub(super) fn role(&self) -> Option<String> {
        match self {
            ApproverRule::Admin => Some("admin".into()),
            ApproverRule::Role(k) => Some(k.clone()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyLevel {
    /// A level applies when the amount is above this (minor units of the company
    /// currency); 0 applies to every request, with or without an amount.
    pub above: i64,
    pub rule: ApproverRule,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// `None` for the built-in default of a kind nobody configured.
    pub id: Option<i64>,
    pub kind: String,
    /// A policy for one department wins over the kind's general one.
    pub department: Option<DepartmentId>,
    pub deadline_hours: i64,
    /// Requests up to this amount (minor units) may be approved in bulk.
    pub bulk_limit: i64,
    pub levels: Vec<PolicyLevel>,
    pub version: i64,
}

/// What a policy form or API body sends; amounts as decimals in the company currency.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct PolicyInput {
    pub kind: String,
    #[serde(default)]
    pub department_id: Option<i64>,
    #[serde(default)]
    pub deadline_hours: Option<i64>,
    #[serde(default)]
    pub bulk_limit: Option<String>,
    pub levels: Vec<LevelInput>,
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct LevelInput {
    #[serde(default)]
    pub above: Option<String>,
    pub rule: String,
}

/// The built-in chain: up to 1,000 the manager; above that also the domain lead; above
/// 10,000 also the admin. A kind whose lead decides starts with the lead instead of the
/// manager.
pub fn default_policy(kind: &ApprovalKind, currency: &Currency) -> Policy {
    let unit = 10i64.pow(u32::from(currency.precision()));
    let lead = kind.lead_role;
    let mut levels = vec![PolicyLevel {
        above: 0,
        rule: if kind.lead_decides && lead != "admin" {
            ApproverRule::Role(lead.to_string())
        } else {
            ApproverRule::Manager
        },
    }];
    if lead != "admin" && !kind.lead_decides {
        levels.push(PolicyLevel {
            above: 1_000 * unit,
            rule: ApproverRule::Role(lead.to_string()),
        });
    }
    levels.push(PolicyLevel {
        above: 10_000 * unit,
        rule: ApproverRule::Admin,
    });
    Policy {
        id: None,
        kind: kind.key.to_string(),
        department: None,
        deadline_hours: DEFAULT_DEADLINE_HOURS,
        bulk_limit: DEFAULT_BULK_LIMIT_UNITS * unit,
        levels,
        version: 0,
    }
}

// ---- policies ----

pub async fn policies(
    store: &impl ApprovalStore,
    reg: &Registry,
    actor: &Actor,
) -> Result<Vec<Policy>> {
    if !actor.can_read(Domain::Work) {
        return Err(Error::Forbidden);
    }
    let currency = company_currency(actor)?;
    let mut all = store.policies(actor.company_id).await?;
    for k in reg.approval_kinds() {
        if !all
            .iter()
            .any(|p| p.kind == k.key && p.department.is_none())
        {
            all.push(default_policy(k, &currency));
        }
    }
    all.sort_by(|a, b| {
        (a.kind.as_str(), a.department.map(|d| d.0))
            .cmp(&(b.kind.as_str(), b.department.map(|d| d.0)))
    });
    Ok(all)
}

pub(super) fn gate_policies(actor: &Actor) -> Result<()> {
    authorize(
        actor,
        Permission::new(Domain::System, Action::Update),
        &Target::company(actor.company_id),
    )
}

/// Creates or replaces the policy of a kind (and department). Levels must rise.
pub async fn save_policy(
    store: &(impl ApprovalStore + DepartmentStore),
    reg: &Registry,
    actor: &Actor,
    input: &PolicyInput,
) -> Result<Policy> {
    gate_policies(actor)?;
    let currency = company_currency(actor)?;
    let mut v = crate::error::Validator::new();
    let kind = reg
        .approval_kind_of(input.kind.trim())
        .map(|k| k.key.to_string());
    if kind.is_none() {
        v.push("kind", format!("unknown kind `{}`", input.kind.trim()));
    }
    let department = input.department_id.map(DepartmentId);
    if let Some(d) = department {
        if !store
            .departments(actor.company_id)
            .await?
            .iter()
            .any(|x| x.id == d)
        {
            v.push("department_id", "no such department");
        }
    }
    let deadline = input.deadline_hours.unwrap_or(DEFAULT_DEADLINE_HOURS);
    if !(1..=24 * 90).contains(&deadline) {
        v.push("deadline_hours", "between 1 and 2160 hours");
    }
    let bulk = match input
        .bulk_limit
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Some(default_policy(&GENERAL, &currency).bulk_limit),
        Some(b) => v
            .check("bulk_limit", Money::parse(b, currency.clone()))
            .map(|m| m.minor),
    };
    if bulk.is_some_and(|b| b < 0) {
        v.push("bulk_limit", "cannot be negative");
    }
    if input.levels.is_empty() {
        v.push("levels", "a policy needs at least one level");
    }
    if input.levels.len() > MAX_LEVELS {
        v.push("levels", format!("at most {MAX_LEVELS} levels"));
    }
    let mut levels = Vec::new();
    let mut prev: Option<i64> = None;
    for (i, l) in input.levels.iter().enumerate() {
        let above = match l.above.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(0),
            Some(a) => v
                .check(
                    &format!("levels[{i}].above"),
                    Money::parse(a, currency.clone()),
                )
                .map(|m| m.minor),
        };
        let rule = v.check(&format!("levels[{i}].rule"), ApproverRule::parse(&l.rule));
        if let Some(ApproverRule::User(u)) = &rule {
            if store.member(actor.company_id, *u).await?.is_none() {
                v.push(
                    &format!("levels[{i}].rule"),
                    "no such person in this company",
                );
            }
        }
        if let Some(a) = above {
            if a < 0 {
                v.push(&format!("levels[{i}].above"), "cannot be negative");
            }
            if prev.is_some_and(|p| a < p) {
                v.push(
                    &format!("levels[{i}].above"),
                    "levels go from the smallest threshold up",
                );
            }
            prev = Some(a);
        }
        if let (Some(above), Some(rule)) = (above, rule) {
            levels.push(PolicyLevel { above, rule });
        }
    }
    v.finish()?;
    let kind = kind.unwrap_or_default();
    let existing = store
        .policies(actor.company_id)
        .await?
        .into_iter()
        .find(|p| p.kind == kind && p.department == department);
    let policy = Policy {
        id: existing.as_ref().and_then(|p| p.id),
        kind: kind.clone(),
        department,
        deadline_hours: deadline,
        bulk_limit: bulk.unwrap_or(0),
        levels,
        version: match (&existing, input.version) {
            (Some(_), Some(v)) => v,
            (Some(p), None) => p.version,
            (None, _) => 0,
        },
    };
    let audit = AuditDraft::by(
        actor,
        "approval_policy",
        policy.id.map(|i| i.to_string()),
        if policy.id.is_some() {
            "update"
        } else {
            "create"
        },
        json!({"kind": kind, "department": department, "deadline_hours": deadline, "bulk_limit": policy.bulk_limit,
               "levels": policy.levels.iter().map(|l| json!({"above": l.above, "rule": l.rule.as_text()})).collect::<Vec<_>>()}),
    );
    let id = store.save_policy(actor.company_id, &policy, audit).await?;
    store
        .policies(actor.company_id)
        .await?
        .into_iter()
        .find(|p| p.id == Some(id))
        .ok_or(Error::NotFound { entity: "policy" })
}

pub async fn delete_policy(store: &impl ApprovalStore, actor: &Actor, id: i64) -> Result<()> {
    gate_policies(actor)?;
    let p = store
        .policies(actor.company_id)
        .await?
        .into_iter()
        .find(|p| p.id == Some(id))
        .ok_or(Error::NotFound { entity: "policy" })?;
    let audit = AuditDraft::by(
        actor,
        "approval_policy",
        Some(id.to_string()),
        "delete",
        json!({"kind": p.kind, "department": p.department}),
    );
    store.delete_policy(actor.company_id, id, audit).await
}
