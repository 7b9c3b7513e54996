//! Out of office: delegations of one's approvals to someone else for a while.
use super::*;

// ---- out of office ----

/// The delegations the actor may see: their own (as the absent person or the delegate),
/// or all of them for an admin.
pub async fn delegations(store: &impl ApprovalStore, actor: &Actor) -> Result<Vec<Delegation>> {
    if !actor.can_read(Domain::Work) {
        return Err(Error::Forbidden);
    }
    let all = store.delegations(actor.company_id, None).await?;
    let company_wide =
        actor.scope_for(Permission::new(Domain::Work, Action::Update)) == Some(Scope::Company);
    Ok(all
        .into_iter()
        .filter(|d| company_wide || d.user == actor.user_id || d.delegate == actor.user_id)
        .collect())
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct DelegationInput {
    /// The absent person; the actor when absent. Only an admin names someone else.
    #[serde(default)]
    pub user_id: Option<i64>,
    pub delegate_id: i64,
    pub from: String,
    pub until: String,
    #[serde(default)]
    pub note: String,
}

/// "While I am away, X decides for me."
pub async fn add_delegation(
    store: &(impl ApprovalStore + DepartmentStore),
    actor: &Actor,
    input: &DelegationInput,
) -> Result<Delegation> {
    let user = input.user_id.map(UserId).unwrap_or(actor.user_id);
    authorize(
        actor,
        Permission::new(Domain::Work, Action::Update),
        &Target {
            company: actor.company_id,
            owner: Some(user),
            department: None,
        },
    )?;
    if user != actor.user_id
        && actor.scope_for(Permission::new(Domain::Work, Action::Update)) != Some(Scope::Company)
    {
        return Err(Error::Forbidden);
    }
    let mut v = crate::error::Validator::new();
    let delegate = UserId(input.delegate_id);
    if store.member(actor.company_id, user).await?.is_none() {
        v.push("user_id", "no such person in this company");
    }
    if store.member(actor.company_id, delegate).await?.is_none() {
        v.push("delegate_id", "no such person in this company");
    }
    if delegate == user {
        v.push("delegate_id", "choose someone else");
    }
    let from = v.check("from", parse_day("from", &input.from));
    let until = v.check("until", parse_day("until", &input.until));
    if let (Some(f), Some(u)) = (from, until) {
        if u < f {
            v.push("until", "is before the first day");
        }
    }
    let note = v
        .check("note", check_text("note", &input.note, 500, false))
        .unwrap_or_default();
    v.finish()?;
    let (from, until) = match (from, until) {
        (Some(f), Some(u)) => (f, u),
        _ => return Err(Error::invalid("from", "is required")),
    };
    let audit = AuditDraft::by(
        actor,
        "approval_delegate",
        None,
        "create",
        json!({"user": user, "delegate": delegate, "from": from, "until": until}),
    );
    let id = store
        .insert_delegation(
            actor.company_id,
            &NewDelegation {
                user,
                delegate,
                from,
                until,
                note,
            },
            audit,
        )
        .await?;
    store
        .delegations(actor.company_id, None)
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or(Error::NotFound {
            entity: "delegation",
        })
}

pub async fn remove_delegation(store: &impl ApprovalStore, actor: &Actor, id: i64) -> Result<()> {
    let d = delegations(store, actor)
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or(Error::NotFound {
            entity: "delegation",
        })?;
    authorize(
        actor,
        Permission::new(Domain::Work, Action::Update),
        &Target {
            company: actor.company_id,
            owner: Some(d.user),
            department: None,
        },
    )?;
    let audit = AuditDraft::by(
        actor,
        "approval_delegate",
        Some(id.to_string()),
        "delete",
        json!({"user": d.user, "delegate": d.delegate}),
    );
    store.delete_delegation(actor.company_id, id, audit).await
}
