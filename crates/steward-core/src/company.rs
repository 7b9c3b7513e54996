//! Companies: every business row carries one; a user belongs to one or more.
use serde::Serialize;
use std::future::Future;

use crate::audit::AuditDraft;
use crate::ids::{CompanyId, UserId};
use crate::money::Currency;
use crate::{Error, Result};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    pub currency: String,
}

pub trait CompanyStore: Send + Sync {
    fn companies_of(&self, user: UserId) -> impl Future<Output = Result<Vec<Company>>> + Send;
    fn insert_company(
        &self,
        name: &str,
        currency: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<CompanyId>> + Send;
    /// Whether any company exists (a database with real data).
    fn has_companies(&self) -> impl Future<Output = Result<bool>> + Send;
}

/// The companies the actor belongs to (the switcher in the header, `/api/v1/companies`).
pub async fn my_companies(
    store: &impl CompanyStore,
    actor: &crate::auth::Actor,
) -> Result<Vec<Company>> {
    store.companies_of(actor.user_id).await
}

/// A validated company name.
pub fn parse_company_name(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 200 {
        return Err(Error::invalid("company", "must be 1 to 200 characters"));
    }
    Ok(n.to_string())
}

pub async fn create_company(
    store: &impl CompanyStore,
    by: &str,
    name: &str,
    currency: &str,
) -> Result<CompanyId> {
    let name = parse_company_name(name)?;
    let cur = Currency::parse(currency)?;
    let audit = AuditDraft::system(
        by,
        None,
        "company",
        None,
        "create",
        serde_json::json!({"name": name, "currency": cur.code()}),
    );
    store.insert_company(&name, cur.code(), audit).await
}
