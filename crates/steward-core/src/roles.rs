//! Roles as data: the built-in ones (read-only) and a company's custom roles, built from
//! the same (domain, action, scope) grants.
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::future::Future;

use crate::audit::AuditDraft;
use crate::auth::{authorize, Action, Actor, Domain, Grant, Permission, Target};
use crate::error::Validator;
use crate::ids::{CompanyId, RoleId};
use crate::{Error, Result};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Role {
    pub id: RoleId,
    pub key: String,
    pub name: String,
    pub description: String,
    pub builtin: bool,
    pub grants: Vec<Grant>,
    pub user_count: i64,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct NewRole {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub grants: Vec<Grant>,
}

pub trait RoleStore: Send + Sync {
    /// (key, name) of the built-in and the company's roles, for pickers and filters.
    fn role_options(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<(String, String)>>> + Send;
    fn list_roles(&self, company: CompanyId) -> impl Future<Output = Result<Vec<Role>>> + Send;
    fn get_role(
        &self,
        company: CompanyId,
        id: RoleId,
    ) -> impl Future<Output = Result<Option<Role>>> + Send;
    fn insert_role(
        &self,
        company: CompanyId,
        role: &NewRole,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<RoleId>> + Send;
    fn update_role(
        &self,
        company: CompanyId,
        id: RoleId,
        name: &str,
        description: &str,
        grants: &[Grant],
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn delete_role(
        &self,
        company: CompanyId,
        id: RoleId,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

fn read() -> Permission {
    Permission::new(Domain::System, Action::Read)
}
fn write(a: Action) -> Permission {
    Permission::new(Domain::System, a)
}

pub async fn list_roles(store: &impl RoleStore, actor: &Actor) -> Result<Vec<Role>> {
    authorize(actor, read(), &Target::company(actor.company_id))?;
    store.list_roles(actor.company_id).await
}

/// Role keys and names, for whoever may see users or roles (filters, pickers).
pub async fn role_options(store: &impl RoleStore, actor: &Actor) -> Result<Vec<(String, String)>> {
    let target = Target::company(actor.company_id);
    authorize(actor, Permission::new(Domain::Users, Action::Read), &target)
        .or_else(|_| authorize(actor, read(), &target))?;
    store.role_options(actor.company_id).await
}

pub async fn get_role(store: &impl RoleStore, actor: &Actor, id: RoleId) -> Result<Role> {
    authorize(actor, read(), &Target::company(actor.company_id))?;
    store
        .get_role(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "role" })
}

fn validate(role: &NewRole) -> Result<()> {
    let mut v = Validator::new();
    let key = role.key.trim();
    if !(2..=40).contains(&key.len())
        || !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        v.push(
            "key",
            "must be 2-40 characters: lowercase letters, digits or '_'",
        );
    }
    if role.name.trim().is_empty() || role.name.chars().count() > 100 {
        v.push("name", "must be 1 to 100 characters");
    }
    if role.description.chars().count() > 500 {
        v.push("description", "must be at most 500 characters");
    }
    if role.grants.is_empty() {
        v.push("grants", "choose at least one permission");
    }
    for g in &role.grants {
        if let Err(e) = g.check() {
            for f in e.field_errors() {
                v.push("grants", f.message);
            }
        }
    }
    v.finish()
}

pub async fn create_role(
    store: &impl RoleStore,
    actor: &Actor,
    mut role: NewRole,
) -> Result<RoleId> {
    authorize(
        actor,
        write(Action::Create),
        &Target::company(actor.company_id),
    )?;
    role.key = role.key.trim().to_string();
    validate(&role)?;
    crate::auth::authorize_delegation(actor, &role.grants)?;
    let existing = store.list_roles(actor.company_id).await?;
    if existing.iter().any(|r| r.key == role.key) {
        return Err(Error::invalid("key", "is already used by another role"));
    }
    role.grants.sort_by_key(|g| (g.domain, g.action));
    role.grants.dedup();
    let audit = AuditDraft::by(
        actor,
        "role",
        None,
        "create",
        json!({"key": role.key, "name": role.name, "grants": role.grants}),
    );
    store.insert_role(actor.company_id, &role, audit).await
}

pub async fn update_role(
    store: &impl RoleStore,
    actor: &Actor,
    id: RoleId,
    mut role: NewRole,
) -> Result<Role> {
    authorize(
        actor,
        write(Action::Update),
        &Target::company(actor.company_id),
    )?;
    let before = store
        .get_role(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "role" })?;
    if before.builtin {
        return Err(Error::conflict(
            "built-in roles cannot be changed; copy it into a custom role",
        ));
    }
    role.key = before.key.clone();
    validate(&role)?;
    // Both what the role grants now and what it will grant must be within the actor's reach.
    crate::auth::authorize_delegation(actor, &before.grants)?;
    crate::auth::authorize_delegation(actor, &role.grants)?;
    role.grants.sort_by_key(|g| (g.domain, g.action));
    role.grants.dedup();
    let changes = crate::audit::diff(
        &json!({"name": before.name, "description": before.description, "grants": before.grants}),
        &json!({"name": role.name, "description": role.description, "grants": role.grants}),
    );
    let audit = AuditDraft::by(actor, "role", Some(id.to_string()), "update", changes);
    store
        .update_role(
            actor.company_id,
            id,
            role.name.trim(),
            role.description.trim(),
            &role.grants,
            audit,
        )
        .await?;
    get_role(store, actor, id).await
}

pub async fn delete_role(store: &impl RoleStore, actor: &Actor, id: RoleId) -> Result<()> {
    authorize(
        actor,
        write(Action::Delete),
        &Target::company(actor.company_id),
    )?;
    let before = store
        .get_role(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "role" })?;
    if before.builtin {
        return Err(Error::conflict("built-in roles cannot be deleted"));
    }
    crate::auth::authorize_delegation(actor, &before.grants)?;
    if before.user_count > 0 {
        return Err(Error::conflict(format!(
            "{} user(s) still hold this role",
            before.user_count
        )));
    }
    let audit = AuditDraft::by(
        actor,
        "role",
        Some(id.to_string()),
        "delete",
        json!({"key": before.key}),
    );
    store.delete_role(actor.company_id, id, audit).await
}
