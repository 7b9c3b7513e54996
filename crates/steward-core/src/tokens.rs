//! API tokens: created by a user for themself (web profile page, API, CLI), shown once,
//! stored as a SHA-256, acting with the user's permissions or read-only.
use serde::Serialize;
use serde_json::json;
use std::future::Future;

use crate::audit::AuditDraft;
use crate::auth::session::{new_secret, secret_hash};
use crate::auth::Actor;
use crate::ids::{CompanyId, TokenId, UserId};
use crate::time::Timestamp;
use crate::{Error, Result};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ApiToken {
    pub id: TokenId,
    pub name: String,
    pub read_only: bool,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

pub trait TokenStore: Send + Sync {
    fn insert_token(
        &self,
        user: UserId,
        company: CompanyId,
        name: &str,
        hash: &str,
        read_only: bool,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<TokenId>> + Send;
    fn list_tokens(
        &self,
        user: UserId,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<ApiToken>>> + Send;
    /// Revokes a token of `user`; false when there is no such token.
    fn revoke_token(
        &self,
        user: UserId,
        id: TokenId,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<bool>> + Send;
}

/// The token text a client sends as `Authorization: Bearer stw_…`.
pub const PREFIX: &str = "stw_";

pub fn strip_prefix(bearer: &str) -> &str {
    bearer.strip_prefix(PREFIX).unwrap_or(bearer)
}

/// Creates a token for the actor themself; returns it and its secret (shown once).
pub async fn create_token(
    store: &impl TokenStore,
    actor: &Actor,
    name: &str,
    read_only: bool,
) -> Result<(TokenId, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid("name", "must be 1 to 100 characters"));
    }
    if actor.read_only {
        return Err(Error::Forbidden);
    }
    let secret = new_secret();
    let audit = AuditDraft::by(
        actor,
        "api_token",
        None,
        "create",
        json!({"name": name, "read_only": read_only}),
    );
    let id = store
        .insert_token(
            actor.user_id,
            actor.company_id,
            name,
            &secret_hash(&secret),
            read_only,
            audit,
        )
        .await?;
    Ok((id, format!("{PREFIX}{secret}")))
}

pub async fn list_tokens(store: &impl TokenStore, actor: &Actor) -> Result<Vec<ApiToken>> {
    store.list_tokens(actor.user_id, actor.company_id).await
}

pub async fn revoke_token(store: &impl TokenStore, actor: &Actor, id: TokenId) -> Result<()> {
    if actor.read_only {
        return Err(Error::Forbidden);
    }
    let audit = AuditDraft::by(
        actor,
        "api_token",
        Some(id.to_string()),
        "revoke",
        json!({"revoked_at": Timestamp::now().rfc3339()}),
    );
    if store.revoke_token(actor.user_id, id, audit).await? {
        Ok(())
    } else {
        Err(Error::NotFound { entity: "token" })
    }
}
