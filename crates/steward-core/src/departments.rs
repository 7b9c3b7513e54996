//! Departments: a name, a head (the manager of everyone in it) and members
//! (`memberships.department_id`). Approval chains ask "who is this person's manager?" here:
//! the head of their department, or nobody when they are the head themself. HR extends
//! departments later (cost centres, hierarchy).
use serde::Serialize;
use serde_json::json;
use std::future::Future;

use crate::audit::AuditDraft;
use crate::auth::{authorize, Action, Actor, Domain, Permission, Target};
use crate::ids::{CompanyId, DepartmentId, UserId};
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Department {
    pub id: DepartmentId,
    pub name: String,
    pub head: Option<UserId>,
    pub head_name: Option<String>,
    pub members: i64,
}

/// A person of the company with their department, for the members table and pickers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub department: Option<DepartmentId>,
}

pub trait DepartmentStore: Send + Sync {
    fn departments(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<Department>>> + Send;
    fn insert_department(
        &self,
        company: CompanyId,
        name: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<DepartmentId>> + Send;
    /// Renames and sets the head in one write.
    fn update_department(
        &self,
        company: CompanyId,
        id: DepartmentId,
        name: &str,
        head: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn set_member_department(
        &self,
        company: CompanyId,
        user: UserId,
        department: Option<DepartmentId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Everyone with a membership in the company (enabled or not), by name.
    fn members(&self, company: CompanyId) -> impl Future<Output = Result<Vec<Member>>> + Send;
    fn member(
        &self,
        company: CompanyId,
        user: UserId,
    ) -> impl Future<Output = Result<Option<Member>>> + Send;
}

const MAX_NAME: usize = 100;

fn gate(actor: &Actor, action: Action) -> Result<()> {
    authorize(
        actor,
        Permission::new(Domain::Users, action),
        &Target::company(actor.company_id),
    )
}

fn check_name(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() {
        return Err(Error::invalid("name", "a department needs a name"));
    }
    if n.chars().count() > MAX_NAME || n.chars().any(char::is_control) {
        return Err(Error::invalid(
            "name",
            format!("at most {MAX_NAME} characters, no control characters"),
        ));
    }
    Ok(n.to_string())
}

/// Everyone who can see people can see the departments.
pub async fn list(store: &impl DepartmentStore, actor: &Actor) -> Result<Vec<Department>> {
    if !actor.can_read(Domain::Users) && !actor.can_read(Domain::Work) {
        return Err(Error::Forbidden);
    }
    store.departments(actor.company_id).await
}

pub async fn members(store: &impl DepartmentStore, actor: &Actor) -> Result<Vec<Member>> {
    gate(actor, Action::Read)?;
    store.members(actor.company_id).await
}

pub async fn get(
    store: &impl DepartmentStore,
    actor: &Actor,
    id: DepartmentId,
) -> Result<Department> {
    list(store, actor)
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or(Error::NotFound {
            entity: "department",
        })
}

pub async fn create(store: &impl DepartmentStore, actor: &Actor, name: &str) -> Result<Department> {
    gate(actor, Action::Update)?;
    let name = check_name(name)?;
    let existing = store.departments(actor.company_id).await?;
    if existing.iter().any(|d| d.name.eq_ignore_ascii_case(&name)) {
        return Err(Error::invalid("name", "a department with this name exists"));
    }
    let audit = AuditDraft::by(actor, "department", None, "create", json!({"name": name}));
    let id = store
        .insert_department(actor.company_id, &name, audit)
        .await?;
    get(store, actor, id).await
}

/// Renames a department and sets (or clears) its head, who must belong to the company.
pub async fn update(
    store: &impl DepartmentStore,
    actor: &Actor,
    id: DepartmentId,
    name: &str,
    head: Option<UserId>,
) -> Result<Department> {
    gate(actor, Action::Update)?;
    let name = check_name(name)?;
    let all = store.departments(actor.company_id).await?;
    let before = all.iter().find(|d| d.id == id).ok_or(Error::NotFound {
        entity: "department",
    })?;
    if all
        .iter()
        .any(|d| d.id != id && d.name.eq_ignore_ascii_case(&name))
    {
        return Err(Error::invalid("name", "a department with this name exists"));
    }
    if let Some(h) = head {
        if store.member(actor.company_id, h).await?.is_none() {
            return Err(Error::invalid("head", "no such person in this company"));
        }
    }
    let audit = AuditDraft::by(
        actor,
        "department",
        Some(id.to_string()),
        "update",
        json!({"before": {"name": before.name, "head": before.head},
               "after": {"name": name, "head": head}}),
    );
    store
        .update_department(actor.company_id, id, &name, head, audit)
        .await?;
    get(store, actor, id).await
}

/// Puts a person into a department (or none).
pub async fn set_member(
    store: &impl DepartmentStore,
    actor: &Actor,
    user: UserId,
    department: Option<DepartmentId>,
) -> Result<Member> {
    gate(actor, Action::Update)?;
    let before = store
        .member(actor.company_id, user)
        .await?
        .ok_or(Error::NotFound { entity: "user" })?;
    if let Some(d) = department {
        if !store
            .departments(actor.company_id)
            .await?
            .iter()
            .any(|x| x.id == d)
        {
            return Err(Error::invalid("department_id", "no such department"));
        }
    }
    let audit = AuditDraft::by(
        actor,
        "membership",
        Some(user.to_string()),
        "set_department",
        json!({"before": before.department, "after": department}),
    );
    store
        .set_member_department(actor.company_id, user, department, audit)
        .await?;
    store
        .member(actor.company_id, user)
        .await?
        .ok_or(Error::NotFound { entity: "user" })
}

/// The manager of `user`: the head of their department, unless that is themself.
pub async fn manager_of(
    store: &impl DepartmentStore,
    company: CompanyId,
    user: Option<UserId>,
    department: Option<DepartmentId>,
) -> Result<Option<UserId>> {
    let Some(d) = department else {
        return Ok(None);
    };
    let head = store
        .departments(company)
        .await?
        .into_iter()
        .find(|x| x.id == d)
        .and_then(|x| x.head);
    Ok(head.filter(|h| Some(*h) != user))
}
