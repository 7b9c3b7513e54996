//! The knowledge base: articles (a title and a markdown body) IT's staff write and
//! publish; everyone reads the published ones, and technicians link them from tickets.
use serde_json::json;
use std::future::Future;

use super::helpdesk::{is_staff, may_read_own, ArticleId};
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::error::Validator;
use crate::ids::CompanyId;
use crate::time::Timestamp;
use crate::{Error, Result};

/// An article (`it.article:4`).
pub const ARTICLE: &str = "it.article";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub id: ArticleId,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub published: bool,
    pub updated_at: Timestamp,
    pub version: i64,
}

#[derive(Debug, Clone, Default)]
pub struct ArticleInput {
    pub title: String,
    pub body: String,
    pub published: bool,
}

pub trait KbStore: Send + Sync {
    /// Articles by title; only published ones when asked; `search` matches title or body.
    fn articles(
        &self,
        company: CompanyId,
        published_only: bool,
        search: Option<&str>,
    ) -> impl Future<Output = Result<Vec<Article>>> + Send;
    fn article(
        &self,
        company: CompanyId,
        id: ArticleId,
    ) -> impl Future<Output = Result<Option<Article>>> + Send;
    fn insert_article(
        &self,
        company: CompanyId,
        a: &Article,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<ArticleId>> + Send;
    /// Writes title, body and published flag if the version is still `a.version`.
    fn update_article(
        &self,
        company: CompanyId,
        a: &Article,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// The articles the actor may read: IT's staff all, anyone else the published ones.
pub async fn list<S: KbStore>(
    store: &S,
    actor: &Actor,
    search: Option<&str>,
) -> Result<Vec<Article>> {
    may_read_own(actor)?;
    let search = search.map(str::trim).filter(|s| !s.is_empty());
    store
        .articles(actor.company_id, !is_staff(actor), search)
        .await
}

pub async fn get<S: KbStore>(store: &S, actor: &Actor, id: ArticleId) -> Result<Article> {
    may_read_own(actor)?;
    store
        .article(actor.company_id, id)
        .await?
        .filter(|a| a.published || is_staff(actor))
        .ok_or(Error::NotFound { entity: "article" })
}

fn validated(input: &ArticleInput) -> Result<(String, String)> {
    let mut v = Validator::new();
    let title = v.check(
        "title",
        crate::input::line("title", &input.title, 200, true),
    );
    let body = v.check(
        "body",
        crate::input::text("body", &input.body, 100_000, true),
    );
    v.finish()?;
    Ok((title.unwrap_or_default(), body.unwrap_or_default()))
}

pub async fn create<S: KbStore>(store: &S, actor: &Actor, input: &ArticleInput) -> Result<Article> {
    super::gate(actor, Action::Create)?;
    let (title, body) = validated(input)?;
    let a = Article {
        id: ArticleId(0),
        title,
        body,
        published: input.published,
        updated_at: Timestamp::now(),
        version: 1,
    };
    let audit = AuditDraft::by(
        actor,
        ARTICLE,
        None,
        "create",
        json!({"title": a.title, "published": a.published}),
    );
    let id = store.insert_article(actor.company_id, &a, audit).await?;
    get(store, actor, id).await
}

pub async fn update<S: KbStore>(
    store: &S,
    actor: &Actor,
    id: ArticleId,
    input: &ArticleInput,
    version: Option<i64>,
) -> Result<Article> {
    super::gate(actor, Action::Update)?;
    let current = get(store, actor, id).await?;
    let (title, body) = validated(input)?;
    let a = Article {
        id,
        title,
        body,
        published: input.published,
        updated_at: Timestamp::now(),
        version: version.unwrap_or(current.version),
    };
    let audit = AuditDraft::by(
        actor,
        ARTICLE,
        Some(id.to_string()),
        "update",
        json!({"before": {"title": current.title, "published": current.published},
               "after": {"title": a.title, "published": a.published}}),
    );
    store.update_article(actor.company_id, &a, audit).await?;
    get(store, actor, id).await
}
